/* langevin.c — NVT by Langevin dynamics, BAOAB splitting (methods.md §2.4).
 *
 * Refs: Leimkuhler & Matthews, Appl. Math. Res. Express 2013, 34, doi:10.1093/amrx/abs010;
 * J. Chem. Phys. 138, 174102 (2013), doi:10.1063/1.4802990.
 * Friction gamma = 1/tdamp (ps, default 1.0; LAMMPS fix langevin `damp`), c1 = e^{-gamma dt}.
 *   B: v += dt/2 a      A: x += dt/2 v
 *   O: v <- c1 v + sqrt((1 - c1^2) kB T0 / (m mvv2e)) xi,  xi ~ N(0, I3) per atom
 *   A: x += dt/2 v      [ghosts, forces]      B: v += dt/2 a
 * first_half = B A O A, second_half = B. The noise of an atom is the counter RNG at
 * (seed, atom id, step, NNMD_RNG_LANGEVIN): independent of the storage order, of the
 * decomposition into ranks and of restarts.
 * Reservoir: E_res += K_before O - K_after O (one reduction of two sums per step), so
 * K + U + E_res is conserved up to the integration error.
 * By default the centre of mass is not conserved: the kinetic energy samples
 * Gamma(3N/2, kB T0), while temperatures are reported with N_f = 3N - 3 (LAMMPS parity,
 * methods.md §1). `zero = true` (cf. LAMMPS fix langevin `zero yes`) removes the
 * mass-weighted mean of the noise increments, sqrt(1 - c1^2) sqrt(kB T0/(m mvv2e)) xi_i <-
 * that - sum_j m_j (...)_j / sum_j m_j: the exact Ornstein-Uhlenbeck step in the subspace of
 * zero total momentum (orthogonal projection in mass-weighted coordinates), so the total
 * momentum is conserved and K samples Gamma((3N - 3)/2, kB T0). It costs one more reduction
 * (the noise is drawn twice rather than stored).
 * Keys: temperature (K or [start, stop]), tdamp (ps), zero (bool, default false).
 * Per-atom work (noise, O step, sums) through engine/gpu/avec.h: host arrays or a resident run's
 * device arrays, with the same counter-RNG draws.
 * Units: K, ps, amu, A/ps, eV.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "avec.h"
#include "integrators.h"
#include "mem.h"
#include "thermostat_util.h"

#define LANGEVIN_TAG "NNMDLANG"
#define LANGEVIN_VERSION 1u

struct langevin {
  struct nnmd_tstat_params tp;
  bool zero;    /* remove the net momentum of the noise */
  double e_res; /* eV */
};

static const char *const k_not_used[] = {"chain", "substeps", "sy", "placement", NULL};

static int langevin_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                           struct nnmd_error *err) {
  *state = NULL;
  struct nnmd_tstat_params tp;
  bool zero = false;
  int st = nnmd_tstat_read(run, "Langevin", 1.0, &tp, err);
  if (!st) st = nnmd_damp_check(run, "tdamp", tp.tdamp, info ? info->dt : 0.0, NNMD_TDAMP_MIN_STEPS, err);
  int r = nnmd_tstat_refuse(run, k_not_used, "Langevin", err);
  st = st ? st : r;
  r = nnmd_cfg_bool(run, "zero", false, &zero, err);
  st = st ? st : r;
  if (st) return st;
  struct langevin *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->tp = tp;
  s->zero = zero;
  *state = s;
  return NNMD_OK;
}

/* Mass-weighted mean of the noise increments over all ranks (zero = true), else 0. */
static int noise_mean(const struct langevin *s, const struct nnmd_integ_ctx *ctx, const double *sig,
                      double mean[3], struct nnmd_error *err) {
  double p[4] = {0.0, 0.0, 0.0, 0.0};
  int st = NNMD_OK;
  if (s->zero) {
    st = nnmd_av_langevin_mean(ctx, sig, p, err);
    nnmd_comm_sum_double(ctx->comm, p, 4);
  }
  for (int d = 0; d < 3; ++d) mean[d] = p[3] > 0.0 ? p[d] / p[3] : 0.0;
  return st;
}

/* O: exact Ornstein-Uhlenbeck step over dt; *dk = the change of K (eV, summed over ranks). */
static int o_step(struct langevin *s, struct nnmd_integ_ctx *ctx, double *dk, struct nnmd_error *err) {
  const struct nnmd_units *u = ctx->units;
  double c1 = exp(-ctx->dt / s->tp.tdamp), kt = u->boltz * nnmd_tstat_target(&s->tp, ctx);
  double sig[NNMD_MAX_SPECIES], k[2] = {0.0, 0.0}, mean[3];
  for (int t = 0; t < nnmd_av_ntypes(ctx); ++t) sig[t] = sqrt((1.0 - c1 * c1) * kt / (nnmd_av_mass(ctx, t) * u->mvv2e));
  int st = noise_mean(s, ctx, sig, mean, err);
  if (!st) st = nnmd_av_langevin_o(ctx, sig, c1, mean, k, err);
  nnmd_comm_sum_double(ctx->comm, k, 2);
  *dk = 0.5 * u->mvv2e * (k[1] - k[0]);
  return st;
}

static int langevin_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct langevin *s = state;
  double dk = 0.0;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  if (!st) st = nnmd_av_drift(ctx, 0.5 * ctx->dt, err);
  if (!st) st = o_step(s, ctx, &dk, err);
  s->e_res -= dk;
  return st ? st : nnmd_av_drift(ctx, 0.5 * ctx->dt, err);
}

static int langevin_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  return nnmd_av_kick(ctx, ctx->dt, err);
}

static double langevin_conserved(const void *state) {
  const struct langevin *s = state;
  return s ? s->e_res : 0.0;
}

/* Record: E_res, ramp origin. */
static int langevin_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct langevin *s = state;
  double rec[3] = {s->e_res};
  nnmd_tstat_ramp_pack(&s->tp, rec + 1);
  return nnmd_tstat_write_record(f, LANGEVIN_TAG, LANGEVIN_VERSION, rec, 3, err);
}

static int langevin_read(void *state, FILE *f, struct nnmd_error *err) {
  struct langevin *s = state;
  double rec[3];
  int st = nnmd_tstat_read_record(f, LANGEVIN_TAG, LANGEVIN_VERSION, rec, 3, err);
  if (st) return st;
  s->e_res = rec[0];
  return nnmd_tstat_ramp_unpack(&s->tp, rec + 1, err);
}

static void langevin_destroy(void *state) { free(state); }

const struct nnmd_integrator_ops nnmd_integ_langevin = {
    .name = "langevin",
    .create = langevin_create,
    .first_half = langevin_first,
    .second_half = langevin_second,
    .conserved_extra = langevin_conserved,
    .write_state = langevin_write,
    .read_state = langevin_read,
    .destroy = langevin_destroy,
};
