/* group_tstat.c — velocity Verlet for all atoms plus a thermostat on each group that asks for
 * one ([[group]] thermostat = { type = "langevin" | "csvr", temperature, tdamp }); atoms in no
 * thermostatted group follow plain NVE. Chosen by the set-up instead of nve when [run] is NVE
 * and some group has a thermostat (LAMMPS: fix nve on all + fix langevin / temp/csvr on a group).
 *
 * One step: B (half kick), A (drift dt), [forces], B, then per group g with a thermostat, over
 * dt (after the second half kick, like LAMMPS' end-of-step thermostat fixes):
 *   langevin: v_i <- c1 v_i + sqrt((1 - c1^2) kB T_g / (m_i mvv2e)) xi_i,  c1 = exp(-dt/tdamp),
 *             xi_i from the counter RNG at (seed, atom id, step, NNMD_RNG_GROUP, block g):
 *             independent of ranks and atom order;
 *   csvr:     K_g -> K_g' drawn by Bussi et al.'s resampling (thermostat_util.h) with
 *             N_f = 3 N_g and target kB T_g N_f / 2, c = exp(-dt/tdamp); v_i *= sqrt(K_g'/K_g).
 *             The random stream is keyed on (seed, step, group) so every rank draws the same.
 * The kinetic energy each thermostat removes is accumulated (E_res -= dK), so K + U + E_res
 * (the Conserved column) stays constant up to the integration error. E_res per group is kept
 * in checkpoints. Host arrays only (NNMD_INTEG_HOST_ONLY). The group temperature with N_f =
 * 3 N_g is what the thermo column T_<group> reports.
 * Units: K, ps, amu, A/ps, eV.
 */
#include <math.h>
#include <stdlib.h>

#include "avec.h"
#include "groups.h"
#include "integrators.h"
#include "mem.h"
#include "rng.h"
#include "thermostat_util.h"

#define GROUP_TAG "NNMDGRPT"
#define GROUP_VERSION 1u

struct gtstat {
  int n;
  double e_res[NNMD_MAX_GROUPS];
};

static int gt_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                     struct nnmd_error *err) {
  (void)run;
  *state = NULL;
  if (!info->groups || !info->groups->tstat_bits)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "group thermostat integrator without thermostatted groups");
  struct gtstat *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->n = info->groups->n;
  *state = s;
  return NNMD_OK;
}

static int gt_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static void langevin(struct gtstat *s, struct nnmd_integ_ctx *ctx, int q, const double *mask, double *dk) {
  const struct nnmd_group *g = &ctx->groups->g[q];
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_units *u = ctx->units;
  double c1 = exp(-ctx->dt / g->tdamp), kt = u->boltz * g->temperature;
  int64_t c = sys->capacity;
  double before = 0, after = 0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    if (!(nnmd_group_mask(mask, i) >> q & 1)) continue;
    double m = nnmd_system_mass(sys, i), sig = sqrt((1.0 - c1 * c1) * kt / (m * u->mvv2e)), xi[4];
    nnmd_rng_normal4(ctx->seed, sys->id[i], ctx->step, NNMD_RNG_GROUP, q, xi);
    for (int d = 0; d < 3; ++d) {
      double v = sys->v[d * c + i];
      before += m * v * v;
      v = c1 * v + sig * xi[d];
      after += m * v * v;
      sys->v[d * c + i] = v;
    }
  }
  (void)s;
  *dk += 0.5 * u->mvv2e * (after - before);
}

static void csvr(struct nnmd_integ_ctx *ctx, int q, const double *mask, double ksum, double *dk) {
  const struct nnmd_group *g = &ctx->groups->g[q];
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_units *u = ctx->units;
  double k = 0.5 * u->mvv2e * ksum;
  if (!(k > 0.0)) return;
  double n_f = 3.0 * (double)g->count, kbar = 0.5 * n_f * u->boltz * g->temperature;
  struct nnmd_rstream rs;
  nnmd_rstream_init(&rs, ctx->seed, 0, ctx->step, NNMD_RNG_GROUP, 128 * q, 128 * (q + 1));
  double kn = nnmd_csvr_resample(k, kbar, n_f, exp(-ctx->dt / g->tdamp), &rs), a = sqrt(kn / k);
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i)
    if (nnmd_group_mask(mask, i) >> q & 1)
      for (int d = 0; d < 3; ++d) sys->v[d * c + i] *= a;
  *dk += kn - k;
}

static int gt_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct gtstat *s = state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  if (st) return st;
  const struct nnmd_groups *G = ctx->groups;
  struct nnmd_system *sys = ctx->sys;
  const double *mask = nnmd_system_field(sys, NNMD_GROUP_FIELD);
  /* CSVR groups need their kinetic energy summed over ranks first: one reduction for all */
  double ks[NNMD_MAX_GROUPS] = {0}, dk[NNMD_MAX_GROUPS] = {0};
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    uint64_t m = nnmd_group_mask(mask, i) & G->tstat_bits;
    if (!m) continue;
    double vv = 0;
    for (int d = 0; d < 3; ++d) vv += sys->v[d * c + i] * sys->v[d * c + i];
    for (int q = 0; q < G->n; ++q)
      if (m >> q & 1) ks[q] += nnmd_system_mass(sys, i) * vv;
  }
  nnmd_comm_sum_double(ctx->comm, ks, G->n);
  for (int q = 0; q < G->n; ++q) {
    if (G->g[q].tstat == NNMD_GTSTAT_LANGEVIN) langevin(s, ctx, q, mask, &dk[q]);
    else if (G->g[q].tstat == NNMD_GTSTAT_CSVR) csvr(ctx, q, mask, ks[q], &dk[q]);
  }
  /* Langevin changes are per rank: sum them (CSVR's are the same on every rank: divide) */
  nnmd_comm_sum_double(ctx->comm, dk, G->n);
  int nr = nnmd_comm_size(ctx->comm);
  for (int q = 0; q < G->n; ++q) s->e_res[q] -= G->g[q].tstat == NNMD_GTSTAT_CSVR ? dk[q] / nr : dk[q];
  return NNMD_OK;
}

static double gt_conserved(const void *state) {
  const struct gtstat *s = state;
  double e = 0;
  for (int q = 0; s && q < s->n; ++q) e += s->e_res[q];
  return e;
}

static int gt_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct gtstat *s = state;
  return nnmd_tstat_write_record(f, GROUP_TAG, GROUP_VERSION, s->e_res, (size_t)s->n, err);
}

static int gt_read(void *state, FILE *f, struct nnmd_error *err) {
  struct gtstat *s = state;
  return nnmd_tstat_read_record(f, GROUP_TAG, GROUP_VERSION, s->e_res, (size_t)s->n, err);
}

static void gt_destroy(void *state) { free(state); }

const struct nnmd_integrator_ops nnmd_integ_group_tstat = {
    .name = "nve+group thermostats",
    .flags = NNMD_INTEG_HOST_ONLY,
    .create = gt_create,
    .first_half = gt_first,
    .second_half = gt_second,
    .conserved_extra = gt_conserved,
    .write_state = gt_write,
    .read_state = gt_read,
    .destroy = gt_destroy,
};
