/* csvr.c — NVT by canonical sampling through velocity rescaling (methods.md §2.3).
 *
 * Ref: Bussi, Donadio, Parrinello, J. Chem. Phys. 126, 014101 (2007), doi:10.1063/1.2408420.
 * O-step over an interval D with coupling time tdamp (ps, default 0.1): c = e^{-D/tdamp},
 * Kbar = N_f kB T0 / 2, R1 ~ N(0,1), S ~ chi2(N_f - 1),
 *   K' = c K + (1 - c) Kbar/N_f (R1^2 + S) + 2 R1 sqrt(c (1 - c) K Kbar / N_f),
 *   v <- sqrt(K'/K) v,   E_res += K - K'.
 * Placement ("placement" key): "symmetric" (default) = O(dt/2); velocity Verlet; O(dt/2);
 * "end" = LAMMPS parity (fix temp/csvr + fix nve): velocity Verlet, then O(dt).
 * The draws are global: counter RNG keyed by (seed, id 0, step, NNMD_RNG_CSVR), blocks
 * [0, 128) for the O-step before the kick, [128, 256) for the one after — identical on every
 * rank, after a restart and for any decomposition.
 * Conserved: K + U + E_res (eV).
 */
#include <math.h>
#include <stdlib.h>

#include "avec.h"
#include "integrators.h"
#include "mem.h"
#include "rng.h"
#include "thermostat_util.h"

#define CSVR_TAG "NNMDCSVR"
#define CSVR_VERSION 1u

struct csvr {
  struct nnmd_tstat_params tp;
  int at_end;   /* placement "end" */
  double e_res; /* eV */
};

static const char *const k_placement[] = {"symmetric", "end", NULL};
static const char *const k_not_used[] = {"chain", "substeps", "sy", "zero", NULL};

static int csvr_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                       struct nnmd_error *err) {
  *state = NULL;
  struct nnmd_tstat_params tp;
  int place = 0;
  int st = nnmd_tstat_read(run, "CSVR", 0.1, &tp, err), r;
  if (!st) st = nnmd_damp_check(run, "tdamp", tp.tdamp, info ? info->dt : 0.0, NNMD_TDAMP_MIN_STEPS, err);
  r = nnmd_cfg_choice(run, "placement", false, k_placement, &place, err);
  st = st ? st : r;
  r = nnmd_tstat_refuse(run, k_not_used, "CSVR", err);
  st = st ? st : r;
  if (st) return st;
  struct csvr *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->tp = tp;
  s->at_end = place == 1;
  *state = s;
  return NNMD_OK;
}

/* One O-step of length `interval` using random blocks [lo, lo + 128). */
static int o_step(struct csvr *s, struct nnmd_integ_ctx *ctx, double interval, int lo, struct nnmd_error *err) {
  double k = 0.0;
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st || !(k > 0.0)) return st; /* no velocities to scale */
  double n_f = nnmd_tstat_ndof(ctx);
  double kbar = 0.5 * n_f * ctx->units->boltz * nnmd_tstat_target(&s->tp, ctx);
  struct nnmd_rstream rs;
  nnmd_rstream_init(&rs, ctx->seed, 0, ctx->step, NNMD_RNG_CSVR, lo, lo + 128);
  double kn = nnmd_csvr_resample(k, kbar, n_f, exp(-interval / s->tp.tdamp), &rs);
  s->e_res += k - kn;
  return nnmd_av_scale(ctx, sqrt(kn / k), err);
}

static int csvr_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct csvr *s = state;
  int st = s->at_end ? NNMD_OK : o_step(s, ctx, 0.5 * ctx->dt, 0, err);
  if (!st) st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static int csvr_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct csvr *s = state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  if (st) return st;
  if (s->at_end) return o_step(s, ctx, ctx->dt, 0, err);
  return o_step(s, ctx, 0.5 * ctx->dt, 128, err);
}

static double csvr_conserved(const void *state) {
  const struct csvr *s = state;
  return s ? s->e_res : 0.0;
}

static int csvr_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct csvr *s = state;
  double rec[4] = {(double)s->at_end, s->e_res};
  nnmd_tstat_ramp_pack(&s->tp, rec + 2);
  return nnmd_tstat_write_record(f, CSVR_TAG, CSVR_VERSION, rec, 4, err);
}

/* Record: placement, E_res, ramp origin. rec[0] (the placement of the writing run) is only
 * informative: a restart may change the placement. */
static int csvr_read(void *state, FILE *f, struct nnmd_error *err) {
  struct csvr *s = state;
  double rec[4];
  int st = nnmd_tstat_read_record(f, CSVR_TAG, CSVR_VERSION, rec, 4, err);
  if (st) return st;
  s->e_res = rec[1];
  return nnmd_tstat_ramp_unpack(&s->tp, rec + 2, err);
}

static void csvr_destroy(void *state) { free(state); }

const struct nnmd_integrator_ops nnmd_integ_csvr = {
    .name = "csvr",
    .create = csvr_create,
    .first_half = csvr_first,
    .second_half = csvr_second,
    .conserved_extra = csvr_conserved,
    .write_state = csvr_write,
    .read_state = csvr_read,
    .destroy = csvr_destroy,
};
