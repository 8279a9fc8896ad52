/* nhc.c — NVT by a Nose-Hoover chain in the MTK form, LAMMPS `fix nvt` parity (methods.md §2.2).
 *
 * Refs: Martyna, Klein, Tuckerman, J. Chem. Phys. 97, 2635 (1992), doi:10.1063/1.463940;
 * Martyna, Tuckerman, Tobias, Klein, Mol. Phys. 87, 1117 (1996), doi:10.1080/00268979600100761.
 *
 * Chain of M thermostats (xi_k, xidot_k; xidot_{M+1} = 0), frequency w = 1/tdamp (no 2 pi),
 * masses from the current target T0: Q_1 = N_f kB T0 / w^2, Q_k = kB T0 / w^2 (k >= 2);
 * forces G_1 = (2K - N_f kB T0)/Q_1, G_k = (Q_{k-1} xidot_{k-1}^2 - kB T0)/Q_k.
 * Half-step operator NHC(dt/2): n_c substeps (times the Suzuki-Yoshida weights, sy = 1|3|5;
 * 1 = LAMMPS), each of length delta = w_j dt/(2 n_c):
 *   k = M..2: xidot_k <- e^{-delta xidot_{k+1}/4} (e^{-delta xidot_{k+1}/4} xidot_k + G_k delta/2)
 *   k = 1: the same with f_1 = e^{-delta xidot_2/4};  s = e^{-delta xidot_1}: v <- s v, K <- s^2 K,
 *   recompute G_1;  xi_k += delta xidot_k;  xidot_1 <- f_1 (f_1 xidot_1 + G_1 delta/2);
 *   k = 2..M: f = e^{-delta xidot_{k+1}/4}; xidot_k <- f xidot_k; G_k from the new xidot_{k-1};
 *   xidot_k <- f (xidot_k + G_k delta/2).
 * Step: NHC(dt/2) with K from the end of the previous step; kick; drift; [forces]; kick;
 * K recomputed (one reduction); NHC(dt/2).
 * Conserved: K + U + sum_k Q_k xidot_k^2 / 2 + N_f kB T0 xi_1 + kB T0 sum_{k>=2} xi_k
 * (with the current T0: under a temperature ramp it is not conserved, as in LAMMPS).
 * Units: xidot in 1/ps, xi dimensionless, Q in eV ps^2, K in eV.
 * Keys: temperature (K or [start, stop]), tdamp (ps, default 0.1), chain (M, default 3),
 * substeps (n_c, default 1), sy (1, 3 or 5, default 1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "integrators.h"
#include "mem.h"
#include "thermostat_util.h"

#define NHC_MAX_CHAIN 64
#define NHC_MAX_SY 5
#define NHC_TAG "NNMD_NHC"
#define NHC_VERSION 1u

struct nhc {
  struct nnmd_tstat_params tp;
  int m;                    /* chain length */
  int nc;                   /* substeps */
  int n_sy;                 /* Suzuki-Yoshida order */
  double w_sy[NHC_MAX_SY];  /* their weights */
  /* dynamic state (checkpointed) */
  double xi[NHC_MAX_CHAIN];
  double xidot[NHC_MAX_CHAIN + 1]; /* xidot[m] = 0 */
  double g[NHC_MAX_CHAIN];
  double q[NHC_MAX_CHAIN];
  double ekin;  /* K after the last NHC half step (eV) */
  double t0;    /* target of the last call (K) */
  double kb;    /* Boltzmann constant of the run's units (eV/K) */
  double n_f;   /* degrees of freedom of the last call */
  int ready;    /* masses, G_k and K initialised */
};

static const char *const k_not_used[] = {"placement", "zero", NULL};

static void set_sy_weights(struct nhc *s) {
  if (s->n_sy == 1) {
    s->w_sy[0] = 1.0;
  } else if (s->n_sy == 3) {
    double w1 = 1.0 / (2.0 - cbrt(2.0));
    s->w_sy[0] = s->w_sy[2] = w1;
    s->w_sy[1] = 1.0 - 2.0 * w1;
  } else {
    double w1 = 1.0 / (4.0 - cbrt(4.0));
    s->w_sy[0] = s->w_sy[1] = s->w_sy[3] = s->w_sy[4] = w1;
    s->w_sy[2] = 1.0 - 4.0 * w1;
  }
}

static int read_sy(const struct nnmd_cfg *run, int *n_sy, struct nnmd_error *err) {
  int64_t sy = 1;
  int st = nnmd_cfg_int(run, "sy", false, 1, 5, &sy, err);
  if (!st && sy != 1 && sy != 3 && sy != 5)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "sy")->loc,
                      "'sy' (Suzuki-Yoshida order of the chain) must be 1, 3 or 5, got %lld", (long long)sy);
  *n_sy = (int)sy;
  return st;
}

static int nhc_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                      struct nnmd_error *err) {
  *state = NULL;
  struct nnmd_tstat_params tp;
  int64_t m = 3, nc = 1;
  int n_sy = 1;
  int st = nnmd_tstat_read(run, "Nose-Hoover", 0.1, &tp, err), r;
  if (!st) st = nnmd_damp_check(run, "tdamp", tp.tdamp, info ? info->dt : 0.0, NNMD_TDAMP_MIN_STEPS, err);
  r = nnmd_cfg_int(run, "chain", false, 1, NHC_MAX_CHAIN, &m, err);
  st = st ? st : r;
  r = nnmd_cfg_int(run, "substeps", false, 1, 1000, &nc, err);
  st = st ? st : r;
  r = read_sy(run, &n_sy, err);
  st = st ? st : r;
  r = nnmd_tstat_refuse(run, k_not_used, "Nose-Hoover", err);
  st = st ? st : r;
  if (st) return st;
  struct nhc *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->tp = tp;
  s->m = (int)m;
  s->nc = (int)nc;
  s->n_sy = n_sy;
  set_sy_weights(s);
  *state = s;
  return NNMD_OK;
}

/* Masses from the current target: Q_1 = N_f kB T0 / w^2, Q_k = kB T0 / w^2; w = 1/tdamp. */
static void set_masses(struct nhc *s) {
  double kt_w2 = s->kb * s->t0 * s->tp.tdamp * s->tp.tdamp;
  s->q[0] = s->n_f * kt_w2;
  for (int k = 1; k < s->m; ++k) s->q[k] = kt_w2;
}

/* G_k (k >= 2) from xidot_{k-1}. */
static double chain_force(const struct nhc *s, int k) {
  return (s->q[k - 1] * s->xidot[k - 1] * s->xidot[k - 1] - s->kb * s->t0) / s->q[k];
}

/* G_1 from the current K. */
static void particle_force(struct nhc *s) {
  s->g[0] = (2.0 * s->ekin - s->n_f * s->kb * s->t0) / s->q[0];
}

/* The target, N_f and masses of this step; on the first call also K and G_k (k >= 2),
 * as LAMMPS' setup does. */
static int begin_half(struct nhc *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  s->kb = ctx->units->boltz;
  s->t0 = nnmd_tstat_target(&s->tp, ctx);
  s->n_f = nnmd_tstat_ndof(ctx);
  set_masses(s);
  if (s->ready) return NNMD_OK;
  int st = nnmd_av_kinetic_energy(ctx, &s->ekin, err);
  for (int k = 1; k < s->m; ++k) s->g[k] = chain_force(s, k);
  s->xidot[s->m] = 0.0;
  s->ready = 1;
  return st;
}

/* Steps 1-2: chain velocities from the top down to xidot_1; returns f_1. */
static double update_down(struct nhc *s, double delta) {
  for (int k = s->m - 1; k >= 1; --k) {
    double f = exp(-0.25 * delta * s->xidot[k + 1]);
    s->xidot[k] = f * (f * s->xidot[k] + 0.5 * delta * s->g[k]);
  }
  double f1 = exp(-0.25 * delta * s->xidot[1]);
  s->xidot[0] = f1 * (f1 * s->xidot[0] + 0.5 * delta * s->g[0]);
  return f1;
}

/* Steps 3-6 after update_down. */
static int update_up(struct nhc *s, struct nnmd_integ_ctx *ctx, double delta, double f1, struct nnmd_error *err) {
  double sc = exp(-delta * s->xidot[0]);
  int st = nnmd_av_scale(ctx, sc, err);
  s->ekin *= sc * sc;
  particle_force(s);
  for (int k = 0; k < s->m; ++k) s->xi[k] += delta * s->xidot[k];
  s->xidot[0] = f1 * (f1 * s->xidot[0] + 0.5 * delta * s->g[0]);
  for (int k = 1; k < s->m; ++k) {
    double f = exp(-0.25 * delta * s->xidot[k + 1]);
    s->xidot[k] *= f;
    s->g[k] = chain_force(s, k);
    s->xidot[k] = f * (s->xidot[k] + 0.5 * delta * s->g[k]);
  }
  return st;
}

/* NHC(dt/2): n_c loops of the Suzuki-Yoshida sequence of substeps. */
static int nhc_half(struct nhc *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  particle_force(s);
  double delta = 0.5 * ctx->dt / (double)s->nc;
  int st = NNMD_OK;
  for (int l = 0; l < s->nc; ++l)
    for (int j = 0; j < s->n_sy; ++j) {
      double d = s->w_sy[j] * delta;
      double f1 = update_down(s, d);
      int r = update_up(s, ctx, d, f1, err);
      st = st ? st : r;
    }
  return st;
}

static int nhc_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct nhc *s = state;
  int st = begin_half(s, ctx, err);
  if (!st) st = nhc_half(s, ctx, err);
  if (!st) st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static int nhc_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct nhc *s = state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  if (!st) st = begin_half(s, ctx, err);
  if (!st) st = nnmd_av_kinetic_energy(ctx, &s->ekin, err);
  return st ? st : nhc_half(s, ctx, err);
}

static double nhc_conserved(const void *state) {
  const struct nhc *s = state;
  if (!s || !s->ready) return 0.0;
  double kt = s->kb * s->t0, e = s->n_f * kt * s->xi[0];
  for (int k = 1; k < s->m; ++k) e += kt * s->xi[k];
  for (int k = 0; k < s->m; ++k) e += 0.5 * s->q[k] * s->xidot[k] * s->xidot[k];
  return e;
}

/* Record: m, ready, ekin, t0, n_f, kb, ramp origin (2), then xi, xidot, g, q (m values each). */
#define NHC_HEAD 8
static size_t record_size(const struct nhc *s) { return NHC_HEAD + 4 * (size_t)s->m; }

static int nhc_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct nhc *s = state;
  double rec[NHC_HEAD + 4 * NHC_MAX_CHAIN];
  double head[6] = {(double)s->m, (double)s->ready, s->ekin, s->t0, s->n_f, s->kb};
  memcpy(rec, head, sizeof head);
  nnmd_tstat_ramp_pack(&s->tp, rec + 6);
  const double *arrays[4] = {s->xi, s->xidot, s->g, s->q};
  for (int a = 0; a < 4; ++a) memcpy(rec + NHC_HEAD + a * s->m, arrays[a], (size_t)s->m * sizeof(double));
  return nnmd_tstat_write_record(f, NHC_TAG, NHC_VERSION, rec, record_size(s), err);
}

static int nhc_read(void *state, FILE *f, struct nnmd_error *err) {
  struct nhc *s = state;
  double rec[NHC_HEAD + 4 * NHC_MAX_CHAIN];
  int st = nnmd_tstat_read_record(f, NHC_TAG, NHC_VERSION, rec, record_size(s), err);
  if (st) return st;
  if (rec[0] != (double)s->m)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "the checkpoint has a Nose-Hoover chain of length %g, the input %d",
                     rec[0], s->m);
  if (rec[1] != 0.0 && rec[1] != 1.0)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "Nose-Hoover state: 'ready' flag %g is not 0 or 1", rec[1]);
  if ((st = nnmd_tstat_ramp_unpack(&s->tp, rec + 6, err))) return st;
  s->ready = (int)rec[1];
  s->ekin = rec[2];
  s->t0 = rec[3];
  s->n_f = rec[4];
  s->kb = rec[5];
  double *arrays[4] = {s->xi, s->xidot, s->g, s->q};
  for (int a = 0; a < 4; ++a) memcpy(arrays[a], rec + NHC_HEAD + a * s->m, (size_t)s->m * sizeof(double));
  s->xidot[s->m] = 0.0;
  return NNMD_OK;
}

static void nhc_destroy(void *state) { free(state); }

const struct nnmd_integrator_ops nnmd_integ_nhc = {
    .name = "nose-hoover",
    .create = nhc_create,
    .first_half = nhc_first,
    .second_half = nhc_second,
    .conserved_extra = nhc_conserved,
    .write_state = nhc_write,
    .read_state = nhc_read,
    .destroy = nhc_destroy,
};
