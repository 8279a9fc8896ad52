/* nve.c — velocity Verlet (methods.md §2.1), LAMMPS fix nve:
 *   v += dt/2 a;  x += dt v   (first_half)
 *   v += dt/2 a               (second_half, with the new forces)
 * a = ftm2v F / m. Conserved quantity: E_pot + E_kin (no reservoir). Per-atom work through
 * engine/gpu/avec.h (host arrays or a resident run's device arrays). */
#include "avec.h"
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

static int nve_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static int nve_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  return nnmd_av_kick(ctx, ctx->dt, err);
}

const struct nnmd_integrator_ops nnmd_integ_nve = {
    .name = "nve",
    .create = nve_create,
    .first_half = nve_first,
    .second_half = nve_second,
};
