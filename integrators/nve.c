/* nve.c — velocity Verlet (methods.md §2.1), LAMMPS fix nve:
 *   v += dt/2 a;  x += dt v   (first_half)
 *   v += dt/2 a               (second_half, with the new forces)
 * a = ftm2v F / m. Conserved quantity: E_pot + E_kin (no reservoir). */
#include "integrators.h"

static const char *const k_keys_unused[] = {NULL};

static int nve_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                      struct nnmd_error *err) {
  (void)run;
  (void)info;
  (void)err;
  (void)k_keys_unused;
  *state = NULL;
  return NNMD_OK;
}

static void kick(struct nnmd_integ_ctx *ctx) {
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  double h = 0.5 * ctx->dt * ctx->units->ftm2v;
  const int *type = sys->type;
  double dtfm[NNMD_MAX_SPECIES];
  for (int t = 0; t < sys->species.n; ++t) dtfm[t] = h / sys->species.s[t].mass;
  for (int d = 0; d < 3; ++d) {
    double *v = sys->v + d * c;
    const double *f = sys->f + d * c;
    for (int64_t i = 0; i < n; ++i) v[i] += dtfm[type[i]] * f[i];
  }
}

static int nve_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  (void)err;
  kick(ctx);
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int d = 0; d < 3; ++d) {
    double *x = sys->x + d * c;
    const double *v = sys->v + d * c;
    for (int64_t i = 0; i < n; ++i) x[i] += ctx->dt * v[i];
  }
  return NNMD_OK;
}

static int nve_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  (void)err;
  kick(ctx);
  return NNMD_OK;
}

const struct nnmd_integrator_ops nnmd_integ_nve = {
    .name = "nve",
    .create = nve_create,
    .first_half = nve_first,
    .second_half = nve_second,
};
