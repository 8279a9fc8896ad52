/* crescale.c — NPT by stochastic cell rescaling (C-rescale) with CSVR O-steps on the
 * particles (methods.md §2.6, §2.3).
 *
 * Refs: Bernetti & Bussi, J. Chem. Phys. 153, 114107 (2020) doi:10.1063/5.0020514 (iso);
 * Del Tatto, Raiteri, Bernetti, Bussi, Appl. Sci. 12, 1139 (2022) doi:10.3390/app12031139
 * (aniso); reference codes bussilab/crescale:simplemd/simplemd.cpp (integrator "T") and
 * simplemd_anisotropic/simplemd.cpp (Euler "A"); CSVR: Bussi, Donadio, Parrinello (2007).
 *
 * One step: O(dt/2) - B(dt/2) - barostat + scaled drift - [forces] - (barostat energy) -
 * B(dt/2) - O(dt/2); O = CSVR with tau_T = tdamp, draws (seed, id 0, step, CSVR) blocks
 * [0,128) before and [128,256) after; barostat draws (seed, id 0, step, BAROSTAT).
 * iso ("T" scheme, time reversible): lambda = sqrt(V), lambda_D = kT beta/(4 tau_P),
 *   f = -2 lambda (P0 - P_int - kT/(2V)), P_int = (2K + tr W)/(3V) (K after the first kick),
 *   dlambda = lambda_D/kT f dt + sqrt(2 lambda_D dt) R, s = (1 + dlambda/lambda)^(2/3),
 *   r <- s r + (s + 1/s)/2 dt v, h <- s h, v <- v/s; E_res gains
 *   1/2 dlambda f -/+ lambda_D dt/(4kT) f^2 +/- 1/2 kT ln V before/after the force call.
 *   Effective energy (conserved): K + U + P0 V + E_res (E_res includes the CSVR heat).
 * aniso (Euler, diagonal; as the reference code, with the kinetic tensor of the end of the
 *   previous step): mu_d = 1 - beta/(3 tau_P) (P0 - P_dd - kT/V) dt
 *   + sqrt(2 beta kT dt/(3 tau_P V)) R_d, P_dd = (2 K_dd + W_dd)/V; r_d <- mu_d r_d +
 *   (mu_d + 1/mu_d)/2 dt v_d, h <- diag(mu) h (Cartesian axes), v_d <- v_d/mu_d. No
 *   effective energy exists for the Euler form: the reported reservoir is not conserved.
 * Positions scale about the cell origin lo. Keys: temperature (K or [start, stop]), tdamp
 * (ps, 0.1), pressure (bar, hydrostatic), pdamp (= tau_P, ps, 1.0), couple ("iso" |
 * "aniso"), compressibility (beta_T, 1/bar, default 4.5e-5 = water; it sets only the speed
 * of the volume relaxation, not the ensemble: use ~1e-6 for stiff solids), thermostat =
 * "csvr" (default). Units: metal; beta in A^3/eV = beta[1/bar] * nktv2p internally.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "barostat_util.h"
#include "integrators.h"
#include "rng.h"
#include "thermostat_util.h"

struct crescale {
  const struct nnmd_units *u;
  enum nnmd_bu_couple couple;
  double t_req[2], tdamp, pdamp, beta, p0;
  uint64_t seed;
  /* dynamic state (checkpointed) */
  double initialised, ramp_first, ramp_last;
  double e_res, volume, dlambda, kt, mvv0[9];
};

static const char *const k_thermo[] = {"csvr", "nose-hoover", "langevin", "berendsen", NULL};

static int read_keys(struct crescale *s, const struct nnmd_cfg *run, struct nnmd_error *err) {
  int th = -1, st = nnmd_bu_read_choice(run, "thermostat", k_thermo, &th, err);
  if (!st && th > 0)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "thermostat")->loc,
                      "barostat = \"c-rescale\" thermostats the particles with CSVR (thermostat = \"csvr\")");
  int r = nnmd_bu_read_temperature(run, true, s->t_req, err);
  if (!r && !(s->t_req[0] > 0 && s->t_req[1] > 0))
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "temperature")->loc,
                     "C-rescale needs 'temperature' > 0 K (its volume noise scales with kT)");
  st = st ? st : r;
  r = nnmd_bu_read_rescale_keys(run, s->u, &s->p0, &s->tdamp, &s->pdamp, &s->beta, &s->couple, err);
  return st ? st : r;
}

static int cr_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                     struct nnmd_error *err) {
  struct crescale *s = calloc(1, sizeof *s);
  if (!s) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  s->u = info->units;
  s->seed = info->seed;
  int st = read_keys(s, run, err);
  if (!st) st = nnmd_damp_check(run, "tdamp", s->tdamp, info->dt, NNMD_TDAMP_MIN_STEPS, err);
  if (!st) st = nnmd_damp_check(run, "pdamp", s->pdamp, info->dt, NNMD_PDAMP_MIN_STEPS, err);
  if (st) {
    free(s);
    return st;
  }
  *state = s;
  return NNMD_OK;
}

static void cr_destroy(void *state) { free(state); }

static int setup(struct crescale *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  const struct nnmd_box *b = ctx->box;
  if (!b->periodic[0] || !b->periodic[1] || !b->periodic[2])
    return nnmd_fail(err, NNMD_ERR_INPUT, "the C-rescale barostat needs a cell periodic in x, y and z");
  s->ramp_first = (double)ctx->first_step;
  s->ramp_last = (double)ctx->last_step;
  s->volume = b->volume;
  s->initialised = 1;
  return nnmd_bu_kinetic_tensor(ctx, s->mvv0, err);
}

/* CSVR O-step over dt/2; slot 0 before, 1 after the velocity Verlet part. */
static int o_step(struct crescale *s, struct nnmd_integ_ctx *ctx, int slot, struct nnmd_error *err) {
  double k = 0.0;
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st || !(k > 0)) return st;
  double nf = nnmd_tstat_ndof(ctx), c = exp(-0.5 * ctx->dt / s->tdamp);
  struct nnmd_rstream rs;
  nnmd_rstream_init(&rs, s->seed, 0, ctx->step, NNMD_RNG_CSVR, 128 * slot, 128 * slot + 128);
  double kn = nnmd_csvr_resample(k, 0.5 * nf * s->kt, nf, c, &rs);
  double a = sqrt(kn / k);
  double sc[3] = {a, a, a};
  s->e_res += k - kn;
  return nnmd_av_scale3(ctx, sc, err);
}

/* r <- lo + mu (r - lo) + (mu + 1/mu)/2 dt v;  v <- v/mu;  h <- diag(mu) h. */
static int scaled_drift(struct nnmd_integ_ctx *ctx, const double mu[3], struct nnmd_error *err) {
  const struct nnmd_box *b = ctx->box;
  double h[9], lo[3] = {b->lo[0], b->lo[1], b->lo[2]};
  for (int a = 0; a < 3; ++a)
    for (int k = 0; k < 3; ++k) h[3 * a + k] = mu[a] * b->h[3 * a + k];
  int st = nnmd_box_set_h(ctx->box, h, lo, b->periodic, err);
  if (st) return nnmd_fail(err, NNMD_ERR_PHYSICS, "C-rescale produced an invalid cell at step %lld", (long long)ctx->step);
  ctx->box_changed = true;
  return nnmd_av_crescale(ctx, lo, mu, err);
}

static double lambda_force(const struct crescale *s, double k, const double *w, double v) {
  double pint = (2.0 * k + w[0] + w[4] + w[8]) / (3.0 * v);
  return -2.0 * sqrt(v) * (s->p0 - pint - 0.5 * s->kt / v);
}

static double lambda_d(const struct crescale *s) { return s->kt * s->beta / (4.0 * s->pdamp); }

static int baro_iso(struct crescale *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double k = 0.0, v = ctx->box->volume, dt = ctx->dt;
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st) return st;
  double f = lambda_force(s, k, ctx->virial, v), ld = lambda_d(s), lam = sqrt(v);
  double r = nnmd_bu_normal(s->seed, ctx->step, NNMD_RNG_BAROSTAT, 0, 0);
  s->dlambda = ld / s->kt * f * dt + sqrt(2.0 * ld * dt) * r;
  if (!(lam + s->dlambda > 0))
    return nnmd_fail(err, NNMD_ERR_PHYSICS, "C-rescale: the volume collapsed at step %lld (pressure far from "
                     "the target or compressibility too large)", (long long)ctx->step);
  double sc = exp(2.0 * log1p(s->dlambda / lam) / 3.0), mu[3] = {sc, sc, sc};
  s->e_res += 0.5 * s->dlambda * f - ld * dt / (4.0 * s->kt) * f * f + 0.5 * s->kt * log(v);
  return scaled_drift(ctx, mu, err);
}

static int baro_iso_energy(struct crescale *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double k = 0.0, v = ctx->box->volume;
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st) return st;
  double f = lambda_force(s, k, ctx->virial, v), ld = lambda_d(s);
  s->e_res += 0.5 * s->dlambda * f + ld * ctx->dt / (4.0 * s->kt) * f * f - 0.5 * s->kt * log(v);
  return NNMD_OK;
}

static int baro_aniso(struct crescale *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double v = ctx->box->volume, dt = ctx->dt, mu[3], pre = s->beta / (3.0 * s->pdamp);
  double noise = sqrt(2.0 * pre * s->kt * dt / v);
  for (int d = 0; d < 3; ++d) {
    double pdd = (s->mvv0[4 * d] + ctx->virial[4 * d]) / v;
    double r = nnmd_bu_normal(s->seed, ctx->step, NNMD_RNG_BAROSTAT, 0, d);
    mu[d] = 1.0 - pre * (s->p0 - pdd - s->kt / v) * dt + noise * r;
    if (!(mu[d] > 0))
      return nnmd_fail(err, NNMD_ERR_PHYSICS, "C-rescale: the cell collapsed along %c at step %lld", "xyz"[d],
                       (long long)ctx->step);
  }
  return scaled_drift(ctx, mu, err);
}

static int cr_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct crescale *s = state;
  int st;
  if (!s->initialised && (st = setup(s, ctx, err))) return st;
  /* the ramp ends at `steps` of this run, also after a restart that changed it (as the
   * thermostats' ramp does) */
  s->ramp_last = (double)ctx->last_step;
  s->kt = s->u->boltz * nnmd_bu_ramp(s->t_req, ctx->step, (int64_t)s->ramp_first, (int64_t)s->ramp_last);
  if ((s->couple == NNMD_BU_ANISO && (st = nnmd_bu_kinetic_tensor(ctx, s->mvv0, err))) ||
      (st = o_step(s, ctx, 0, err)) || (st = nnmd_av_kick(ctx, ctx->dt, err)))
    return st;
  st = s->couple == NNMD_BU_ISO ? baro_iso(s, ctx, err) : baro_aniso(s, ctx, err);
  s->volume = ctx->box->volume;
  return st;
}

static int cr_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct crescale *s = state;
  int st;
  if ((s->couple == NNMD_BU_ISO && (st = baro_iso_energy(s, ctx, err))) || (st = nnmd_av_kick(ctx, ctx->dt, err)))
    return st;
  return o_step(s, ctx, 1, err);
}

static double cr_conserved(const void *state) {
  const struct crescale *s = state;
  return s->initialised ? s->e_res + s->p0 * s->volume : 0.0;
}

#define CR_MAGIC 0x43525331u /* "CRS1" */
#define CR_NVAL 18

static void pack(const struct crescale *s, double *b) {
  double v[CR_NVAL] = {(double)s->couple, s->initialised, s->ramp_first, s->ramp_last, s->e_res, s->volume,
                       s->dlambda, s->kt, 0, s->mvv0[0], s->mvv0[1], s->mvv0[2], s->mvv0[3], s->mvv0[4],
                       s->mvv0[5], s->mvv0[6], s->mvv0[7], s->mvv0[8]};
  memcpy(b, v, sizeof v);
}

static int cr_write(const void *state, FILE *f, struct nnmd_error *err) {
  double b[CR_NVAL];
  pack(state, b);
  return nnmd_bu_write_doubles(f, CR_MAGIC, b, CR_NVAL, err);
}

static int cr_read(void *state, FILE *f, struct nnmd_error *err) {
  struct crescale *s = state;
  double b[CR_NVAL];
  int st = nnmd_bu_read_doubles(f, CR_MAGIC, b, CR_NVAL, err);
  if (st) return st;
  if (b[0] != (double)s->couple)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the checkpoint's C-rescale state was written with another 'couple'");
  if ((st = nnmd_bu_check_ramp(b[1], b[2], b[3], "C-rescale", err))) return st;
  if (b[1] != 0.0 && !(b[5] > 0.0))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "C-rescale state: volume %g is not positive", b[5]);
  s->initialised = b[1];
  s->ramp_first = b[2];
  s->ramp_last = b[3];
  s->e_res = b[4];
  s->volume = b[5];
  s->dlambda = b[6];
  s->kt = b[7];
  memcpy(s->mvv0, b + 9, sizeof s->mvv0);
  return NNMD_OK;
}

const struct nnmd_integrator_ops nnmd_integ_crescale = {
    .name = "c-rescale",
    .flags = NNMD_INTEG_NEEDS_VIRIAL,
    .create = cr_create,
    .first_half = cr_first,
    .second_half = cr_second,
    .conserved_extra = cr_conserved,
    .write_state = cr_write,
    .read_state = cr_read,
    .destroy = cr_destroy,
};
