/* berendsen_npt.c — Berendsen weak-coupling barostat with a Berendsen thermostat
 * (methods.md §2.7). EQUILIBRATION ONLY: the ensemble is not NPT (suppressed volume and
 * kinetic-energy fluctuations); never use it for fluctuation or transport analysis.
 *
 * Ref: Berendsen, Postma, van Gunsteren, DiNola, Haak, J. Chem. Phys. 81, 3684 (1984)
 * doi:10.1063/1.448118; LAMMPS fix press/berendsen and fix temp/berendsen.
 *
 * Step: [barostat: mu = (1 - beta dt/tau_P (P0 - P))^(1/3) from the pressure of the end of
 * the previous step (kinetic + virial), cell h <- diag(mu) h about lo with atoms remapped in
 * fractional coordinates] - velocity Verlet - [thermostat: lambda^2 = 1 + dt/tau_T (T0/T - 1),
 * v <- lambda v]. couple = "iso" (P = trace/3, one mu) or "aniso" (mu_d from P_dd).
 * Reservoir (a bookkeeping aid, not a conserved quantity of any ensemble): the thermostat
 * heat K - K' plus the first-order barostat work sum_d W_dd ln mu_d - P0 dV, so that
 * K + U + P0 V + E_res changes only at second order in the (small) scaling per step.
 * Keys: temperature (K or [start, stop]), tdamp (ps, 0.1), pressure (bar, hydrostatic),
 * pdamp (ps, 1.0), couple, compressibility (1/bar, 4.5e-5), thermostat = "berendsen"
 * (default). Units: metal; barostat algebra in eV/A^3.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "barostat_util.h"
#include "thermostat_util.h"
#include "integrators.h"

struct bnpt {
  const struct nnmd_units *u;
  enum nnmd_bu_couple couple;
  double t_req[2], tdamp, pdamp, beta, p0;
  /* dynamic state (checkpointed) */
  double initialised, ramp_first, ramp_last, e_res, volume;
};

static const char *const k_thermo[] = {"berendsen", "nose-hoover", "csvr", "langevin", NULL};

static int read_keys(struct bnpt *s, const struct nnmd_cfg *run, struct nnmd_error *err) {
  int th = -1, st = nnmd_bu_read_choice(run, "thermostat", k_thermo, &th, err);
  if (!st && th > 0)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "thermostat")->loc,
                      "barostat = \"berendsen\" runs with the Berendsen thermostat (thermostat = \"berendsen\")");
  int r = nnmd_bu_read_temperature(run, true, s->t_req, err);
  st = st ? st : r;
  r = nnmd_bu_read_rescale_keys(run, s->u, &s->p0, &s->tdamp, &s->pdamp, &s->beta, &s->couple, err);
  return st ? st : r;
}

static int bn_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                     struct nnmd_error *err) {
  struct bnpt *s = calloc(1, sizeof *s);
  if (!s) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  s->u = info->units;
  int st = read_keys(s, run, err);
  if (!st) st = nnmd_damp_check(run, "tdamp", s->tdamp, info->dt, NNMD_TDAMP_MIN_STEPS, err);
  if (!st) st = nnmd_damp_check(run, "pdamp", s->pdamp, info->dt, NNMD_PDAMP_MIN_STEPS, err);
  if (st) {
    free(s);
    return st;
  }
  if (info->log)
    nnmd_log_warn(info->log, "Berendsen barostat and thermostat: for equilibration only (wrong volume and "
                             "energy fluctuations); do not use this run for fluctuation or transport analysis");
  *state = s;
  return NNMD_OK;
}

static void bn_destroy(void *state) { free(state); }

static int barostat(struct bnpt *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double mvv[9], p[9], v = ctx->box->volume, mu[3], m[9] = {0};
  int st = nnmd_bu_kinetic_tensor(ctx, mvv, err);
  if (st) return st;
  nnmd_bu_pressure_tensor(mvv, ctx->virial, v, p);
  double c = s->beta * ctx->dt / s->pdamp, piso = (p[0] + p[4] + p[8]) / 3.0;
  for (int d = 0; d < 3; ++d) {
    double arg = 1.0 - c * (s->p0 - (s->couple == NNMD_BU_ISO ? piso : p[4 * d]));
    if (!(arg > 0))
      return nnmd_fail(err, NNMD_ERR_PHYSICS, "Berendsen barostat: scaling factor undefined at step %lld "
                       "(pressure far from the target: reduce compressibility or increase pdamp)",
                       (long long)ctx->step);
    mu[d] = cbrt(arg);
    m[4 * d] = mu[d];
    s->e_res += ctx->virial[4 * d] * log(mu[d]);
  }
  st = nnmd_bu_deform(ctx, m, NULL, err);
  s->e_res -= s->p0 * (ctx->box->volume - v);
  s->volume = ctx->box->volume;
  return st;
}

static int thermostat(struct bnpt *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double k = 0.0;
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st || !(k > 0)) return st;
  double t0 = nnmd_bu_ramp(s->t_req, ctx->step, (int64_t)s->ramp_first, (int64_t)s->ramp_last);
  double t = 2.0 * k / ((double)ctx->n_dof * s->u->boltz);
  double l2 = 1.0 + ctx->dt / s->tdamp * (t0 / t - 1.0);
  if (l2 < 0) l2 = 0;
  double l = sqrt(l2), sc[3] = {l, l, l};
  s->e_res += k * (1.0 - l2);
  return nnmd_av_scale3(ctx, sc, err);
}

static int bn_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct bnpt *s = state;
  if (!s->initialised) {
    const struct nnmd_box *b = ctx->box;
    if (!b->periodic[0] || !b->periodic[1] || !b->periodic[2])
      return nnmd_fail(err, NNMD_ERR_INPUT, "the Berendsen barostat needs a cell periodic in x, y and z");
    s->ramp_first = (double)ctx->first_step;
    s->ramp_last = (double)ctx->last_step;
    s->volume = b->volume;
    s->initialised = 1;
  }
  /* the ramp ends at `steps` of this run, also after a restart that changed it (as the
   * thermostats' ramp does) */
  s->ramp_last = (double)ctx->last_step;
  int st = barostat(s, ctx, err);
  if (!st) st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static int bn_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : thermostat(state, ctx, err);
}

static double bn_conserved(const void *state) {
  const struct bnpt *s = state;
  return s->initialised ? s->e_res + s->p0 * s->volume : 0.0;
}

#define BN_MAGIC 0x424e5031u /* "BNP1" */
#define BN_NVAL 6

static int bn_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct bnpt *s = state;
  double b[BN_NVAL] = {(double)s->couple, s->initialised, s->ramp_first, s->ramp_last, s->e_res, s->volume};
  return nnmd_bu_write_doubles(f, BN_MAGIC, b, BN_NVAL, err);
}

static int bn_read(void *state, FILE *f, struct nnmd_error *err) {
  struct bnpt *s = state;
  double b[BN_NVAL];
  int st = nnmd_bu_read_doubles(f, BN_MAGIC, b, BN_NVAL, err);
  if (st) return st;
  if (b[0] != (double)s->couple)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the checkpoint's Berendsen state was written with another 'couple'");
  if ((st = nnmd_bu_check_ramp(b[1], b[2], b[3], "Berendsen barostat", err))) return st;
  if (b[1] != 0.0 && !(b[5] > 0.0))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "Berendsen barostat state: volume %g is not positive", b[5]);
  s->initialised = b[1];
  s->ramp_first = b[2];
  s->ramp_last = b[3];
  s->e_res = b[4];
  s->volume = b[5];
  return NNMD_OK;
}

const struct nnmd_integrator_ops nnmd_integ_berendsen_npt = {
    .name = "berendsen-npt",
    .flags = NNMD_INTEG_NEEDS_VIRIAL,
    .create = bn_create,
    .first_half = bn_first,
    .second_half = bn_second,
    .conserved_extra = bn_conserved,
    .write_state = bn_write,
    .read_state = bn_read,
    .destroy = bn_destroy,
};
