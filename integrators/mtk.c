/* mtk.c — NPT by the Martyna-Tobias-Klein barostat with Nose-Hoover chains on the particles
 * and on the barostat rates, in the exact form of LAMMPS `fix npt` (methods.md §2.5).
 *
 * Refs: Martyna, Tobias, Klein, J. Chem. Phys. 101, 4177 (1994); Martyna, Tuckerman, Tobias,
 * Klein, Mol. Phys. 87, 1117 (1996); Shinoda, Shiga, Mikami, Phys. Rev. B 69, 134103 (2004);
 * lammps/lammps:src/fix_nh.cpp (initial_integrate, final_integrate, nh_omega_dot, nh_v_press,
 * nhc_temp_integrate, nhc_press_integrate, remap, compute_scalar).
 *
 * couple = "iso" (one rate for x, y, z), "aniso" (x, y, z), "triclinic" (x, y, z, yz, xz, xy;
 * the cell must be in LAMMPS form, h upper triangular). Rates wdot_d (1/ps), masses
 * W_d = (N+1) kT0 / wP^2, wP = 1/pdamp; barostat chain masses kT0 / wP^2; particle chain
 * Q_1 = N_f kT / wT^2, Q_k = kT / wT^2 (wT = 1/tdamp, recomputed from the current target).
 * One step (first_half = 1-9, second_half = 11-16):
 *   1 NHC barostat (dt/2)  2 NHC particles (dt/2)  3 T, P (virial of the last forces)
 *   4 omega_dot  5 v_press  6 kick  7 remap(dt/2)  8 drift  9 remap(dt/2)  [10 forces]
 *   11 kick  12 v_press  13 T, P  14 omega_dot  15 NHC particles  16 NHC barostat.
 * Conserved: K + U + E_chain(particles) + sum_d 1/2 W_d wdot_d^2 + P_h (V - V0)/nktv2p
 *            + E_chain(barostat)        (iso counts 1/2 W wdot^2 three times, as LAMMPS).
 * Barostat chain target: kT for iso and pdof kT for aniso/triclinic (current LAMMPS); the
 * chain energy uses the same target, so the conserved quantity is exact (LAMMPS'
 * compute_scalar uses 3 kT for iso, which does not match its own dynamics).
 * Keys: temperature (K or [start, stop]), tdamp (ps, 0.1), pressure (bar; number or 3x3,
 * hydrostatic only), pdamp (ps, 1.0), couple, chain (3, both chains), substeps (1, both),
 * thermostat = "nose-hoover" (default) | "none" (NPH; masses from temperature, or from the
 * initial temperature when absent). Units: metal; pressures in bar as LAMMPS.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "barostat_util.h"
#include "thermostat_util.h"
#include "integrators.h"

struct mtk {
  const struct nnmd_units *u;
  enum nnmd_bu_couple couple;
  int pflag[6], pdim, pdof;
  bool tstat;
  double t_req[2], p_hydro, t_freq, p_freq;
  int64_t natoms, n_dof;
  /* dynamic state (checkpointed) */
  double initialised, ramp_first, ramp_last, t_auto; /* t_auto: NPH temperature found at setup */
  double t_target;
  double omega[6], omega_dot[6], omega_mass[6];
  double vol0, volume, mtk2;
  struct nnmd_bu_chain tc, pc;
};

static const char *const k_thermo[] = {"nose-hoover", "none", NULL};

static int read_keys(struct mtk *s, const struct nnmd_cfg *run, struct nnmd_error *err) {
  int th = -1, st = nnmd_bu_read_choice(run, "thermostat", k_thermo, &th, err);
  s->tstat = th != 1;
  int r = nnmd_bu_read_temperature(run, s->tstat, s->t_req, err);
  if (!r && nnmd_cfg_get(run, "temperature") && !(s->t_req[0] > 0 && s->t_req[1] > 0))
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "temperature")->loc,
                     "the MTK barostat needs 'temperature' > 0 K (its masses scale with kT)");
  st = st ? st : r;
  double p[3], tdamp = 0.1, pdamp = 1.0;
  r = nnmd_bu_read_pressure(run, true, p, err);
  st = st ? st : r;
  s->p_hydro = p[0];
  r = nnmd_cfg_positive(run, "tdamp", false, &tdamp, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(run, "pdamp", false, &pdamp, err);
  st = st ? st : r;
  r = nnmd_bu_read_couple(run, true, &s->couple, err);
  st = st ? st : r;
  int64_t chain = 3, loops = 1;
  r = nnmd_cfg_int(run, "chain", false, 1, NNMD_BU_MAX_CHAIN, &chain, err);
  st = st ? st : r;
  r = nnmd_cfg_int(run, "substeps", false, 1, 1000, &loops, err);
  st = st ? st : r;
  s->t_freq = 1.0 / tdamp;
  s->p_freq = 1.0 / pdamp;
  s->tc.m = s->pc.m = (int)chain;
  s->tc.nloop = s->pc.nloop = (int)loops;
  return st;
}

static int mtk_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                      struct nnmd_error *err) {
  struct mtk *s = calloc(1, sizeof *s);
  if (!s) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  s->u = info->units;
  s->natoms = info->n_global;
  s->n_dof = info->n_dof;
  s->t_req[0] = s->t_req[1] = s->t_auto = -1.0;
  int st = read_keys(s, run, err);
  if (!st) st = nnmd_damp_check(run, "tdamp", 1.0 / s->t_freq, info->dt, NNMD_TDAMP_MIN_STEPS, err);
  if (!st) st = nnmd_damp_check(run, "pdamp", 1.0 / s->p_freq, info->dt, NNMD_PDAMP_MIN_STEPS, err);
  if (st) {
    free(s);
    return st;
  }
  for (int d = 0; d < 3; ++d) s->pflag[d] = 1;
  for (int d = 3; d < 6; ++d) s->pflag[d] = s->couple == NNMD_BU_TRI;
  s->pdim = 3;
  s->pdof = s->couple == NNMD_BU_TRI ? 6 : 3;
  *state = s;
  return NNMD_OK;
}

static void mtk_destroy(void *state) { free(state); }

static double kt_target(const struct mtk *s) { return s->u->boltz * s->t_target; }

/* Checks and masses of the first step (LAMMPS FixNH::setup). */
static int setup(struct mtk *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  const struct nnmd_box *b = ctx->box;
  if (!b->periodic[0] || !b->periodic[1] || !b->periodic[2])
    return nnmd_fail(err, NNMD_ERR_INPUT, "the MTK barostat needs a cell periodic in x, y and z");
  if (s->couple != NNMD_BU_ISO && !nnmd_box_is_upper_triangular(b))
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "couple = \"%s\" needs the cell in LAMMPS form (h upper triangular: a along x, b in "
                     "the xy plane); this cell is not (rotate the structure, or use couple = \"iso\")",
                     s->couple == NNMD_BU_TRI ? "triclinic" : "aniso");
  if (s->couple == NNMD_BU_TRI && (fabs(b->h[5]) > 0.6 * b->h[4] || fabs(b->h[2]) > 0.6 * b->h[0] ||
                                   fabs(b->h[1]) > 0.6 * b->h[0]))
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "couple = \"triclinic\": a tilt of the initial cell exceeds 0.6 of its length (no box "
                     "flips in this version); reduce the cell first");
  s->ramp_first = (double)ctx->first_step;
  s->ramp_last = (double)ctx->last_step;
  if (s->t_req[0] < 0) { /* NPH without a temperature: the initial one (300 K if zero) */
    double k = 0.0;
    int st = nnmd_av_kinetic_energy(ctx, &k, err);
    if (st) return st;
    double t = 2.0 * k / ((double)s->n_dof * s->u->boltz);
    s->t_req[0] = s->t_req[1] = s->t_auto = t > 0 ? t : 300.0;
  }
  s->t_target = s->t_req[0];
  double kt = kt_target(s), w2 = s->p_freq * s->p_freq, t2 = s->t_freq * s->t_freq;
  nnmd_bu_chain_masses(&s->tc, (double)s->n_dof * kt / t2, kt / t2, kt, true);
  for (int d = 0; d < 6; ++d) s->omega_mass[d] = s->pflag[d] ? (double)(s->natoms + 1) * kt / w2 : 0.0;
  nnmd_bu_chain_masses(&s->pc, kt / w2, kt / w2, kt, true);
  s->vol0 = s->volume = b->volume;
  s->initialised = 1;
  return NNMD_OK;
}

static void temp_target(struct mtk *s, int64_t step) {
  if (!s->tstat) return;
  s->t_target = nnmd_bu_ramp(s->t_req, step, (int64_t)s->ramp_first, (int64_t)s->ramp_last);
}

/* Particle chain half step (LAMMPS nhc_temp_integrate, masses from the current target). */
static int nhc_particles(struct mtk *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  if (!s->tstat) return NNMD_OK;
  double kt = kt_target(s), t2 = s->t_freq * s->t_freq, nf = (double)s->n_dof, k = 0.0;
  nnmd_bu_chain_masses(&s->tc, nf * kt / t2, kt / t2, kt, false);
  int st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st) return st;
  double f = nnmd_bu_chain_half(&s->tc, ctx->dt, 2.0 * k, nf * kt, kt);
  double sc[3] = {f, f, f};
  return nnmd_av_scale3(ctx, sc, err);
}

static double baro_ke2(const struct mtk *s) {
  double ke = 0.0;
  for (int d = 0; d < 6; ++d)
    if (s->pflag[d]) ke += s->omega_mass[d] * s->omega_dot[d] * s->omega_dot[d];
  return ke;
}

static double baro_chain_target(const struct mtk *s) {
  return s->couple == NNMD_BU_ISO ? kt_target(s) : (double)s->pdof * kt_target(s);
}

/* Barostat chain half step (LAMMPS nhc_press_integrate; masses fixed at setup). */
static void nhc_barostat(struct mtk *s, double dt) {
  double f = nnmd_bu_chain_half(&s->pc, dt, baro_ke2(s), baro_chain_target(s), kt_target(s));
  for (int d = 0; d < 6; ++d)
    if (s->pflag[d]) s->omega_dot[d] *= f;
}

/* Current pressures (bar, LAMMPS couple(): Voigt order) and the MTK kinetic term. */
static int current_pressure(const struct mtk *s, const struct nnmd_integ_ctx *ctx, double pc[6],
                            double *mtk1, struct nnmd_error *err) {
  double mvv[9], v = ctx->box->volume, nk = s->u->nktv2p, ndim = (double)s->pdim * (double)s->natoms;
  int st = nnmd_bu_kinetic_tensor(ctx, mvv, err);
  const double *w = ctx->virial;
  if (s->couple == NNMD_BU_ISO) {
    double twok = mvv[0] + mvv[4] + mvv[8];
    pc[0] = pc[1] = pc[2] = (twok + w[0] + w[4] + w[8]) / 3.0 / v * nk;
    *mtk1 = twok / ndim;
  } else {
    for (int d = 0; d < 3; ++d) pc[d] = (mvv[4 * d] + w[4 * d]) / v * nk;
    *mtk1 = (mvv[0] + mvv[4] + mvv[8]) / ndim;
  }
  pc[3] = (mvv[5] + w[5]) / v * nk; /* yz */
  pc[4] = (mvv[2] + w[2]) / v * nk; /* xz */
  pc[5] = (mvv[1] + w[1]) / v * nk; /* xy */
  return st;
}

/* LAMMPS nh_omega_dot: half-step update of the barostat rates. */
static int omega_dot(struct mtk *s, const struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double pc[6], mtk1, v = ctx->box->volume, nk = s->u->nktv2p, h = 0.5 * ctx->dt;
  int st = current_pressure(s, ctx, pc, &mtk1, err);
  if (st) return st;
  s->mtk2 = 0.0;
  for (int d = 0; d < 3; ++d) {
    if (!s->pflag[d]) continue;
    double f = (pc[d] - s->p_hydro) * v / (s->omega_mass[d] * nk) + mtk1 / s->omega_mass[d];
    s->omega_dot[d] += f * h;
    s->mtk2 += s->omega_dot[d];
  }
  s->mtk2 /= (double)s->pdim * (double)s->natoms;
  for (int d = 3; d < 6; ++d)
    if (s->pflag[d]) s->omega_dot[d] += pc[d] * v / (s->omega_mass[d] * nk) * h;
  return NNMD_OK;
}

/* LAMMPS nh_v_press: velocity scaling by the barostat over dt/2. */
static int v_press(const struct mtk *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double dt4 = 0.25 * ctx->dt, f[3];
  for (int d = 0; d < 3; ++d) f[d] = exp(-dt4 * (s->omega_dot[d] + s->mtk2));
  return nnmd_av_mtk_vpress(ctx, f, s->omega_dot, s->couple == NNMD_BU_TRI, err);
}

static int remap(struct mtk *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  double dto = 0.5 * ctx->dt;
  for (int d = 0; d < 6; ++d) s->omega[d] += dto * s->omega_dot[d];
  int st = nnmd_bu_remap_nh(ctx, s->omega_dot, s->pflag, s->couple != NNMD_BU_TRI, dto, err);
  s->volume = ctx->box->volume;
  return st;
}

static int mtk_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct mtk *s = state;
  int st;
  if (!s->initialised && (st = setup(s, ctx, err))) return st;
  /* the ramp ends at `steps` of this run, also after a restart that changed it (as the
   * thermostats' ramp does) */
  s->ramp_last = (double)ctx->last_step;
  nhc_barostat(s, ctx->dt); /* with the previous step's target, as LAMMPS */
  temp_target(s, ctx->step);
  if ((st = nhc_particles(s, ctx, err)) || (st = omega_dot(s, ctx, err)) || (st = v_press(s, ctx, err)) ||
      (st = nnmd_av_kick(ctx, ctx->dt, err)) || (st = remap(s, ctx, err)) ||
      (st = nnmd_av_drift(ctx, ctx->dt, err)))
    return st;
  return remap(s, ctx, err);
}

static int mtk_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct mtk *s = state;
  int st;
  if ((st = nnmd_av_kick(ctx, ctx->dt, err)) || (st = v_press(s, ctx, err)) || (st = omega_dot(s, ctx, err)) ||
      (st = nhc_particles(s, ctx, err)))
    return st;
  nhc_barostat(s, ctx->dt);
  return NNMD_OK;
}

static double mtk_conserved(const void *state) {
  const struct mtk *s = state;
  if (!s->initialised) return 0.0;
  double kt = kt_target(s), e = 0.0;
  if (s->tstat) e += nnmd_bu_chain_energy(&s->tc, (double)s->n_dof * kt, kt);
  for (int d = 0; d < 6; ++d)
    if (s->pflag[d]) e += 0.5 * s->omega_dot[d] * s->omega_dot[d] * s->omega_mass[d];
  e += s->p_hydro * (s->volume - s->vol0) / s->u->nktv2p;
  e += nnmd_bu_chain_energy(&s->pc, baro_chain_target(s), kt);
  return e;
}

/* ---- checkpoint: every dynamic variable, plus the settings that shape them ---------------- */

#define MTK_MAGIC 0x4d544b31u /* "MTK1" */
#define MTK_NVAL (13 + 18 + 2 * (4 * NNMD_BU_MAX_CHAIN + 1))

static void xfer(double *buf, int *k, double *v, int n, bool store) {
  for (int i = 0; i < n; ++i, ++*k) {
    if (store)
      buf[*k] = v[i];
    else
      v[i] = buf[*k];
  }
}

static void xfer_chain(double *buf, int *k, struct nnmd_bu_chain *c, bool store) {
  xfer(buf, k, c->eta, NNMD_BU_MAX_CHAIN, store);
  xfer(buf, k, c->eta_dot, NNMD_BU_MAX_CHAIN + 1, store);
  xfer(buf, k, c->eta_dotdot, NNMD_BU_MAX_CHAIN, store);
  xfer(buf, k, c->mass, NNMD_BU_MAX_CHAIN, store);
}

static int state_io(struct mtk *s, double *buf, bool store) {
  double shape[6] = {(double)s->couple, (double)s->tstat, (double)s->tc.m, (double)s->pc.m, (double)s->tc.nloop,
                     (double)s->natoms};
  double saved[6];
  memcpy(saved, shape, sizeof shape);
  int k = 0;
  xfer(buf, &k, shape, 6, store);
  xfer(buf, &k, &s->initialised, 1, store);
  xfer(buf, &k, &s->ramp_first, 1, store);
  xfer(buf, &k, &s->ramp_last, 1, store);
  xfer(buf, &k, &s->t_auto, 1, store);
  xfer(buf, &k, &s->t_target, 1, store);
  xfer(buf, &k, &s->vol0, 1, store);
  xfer(buf, &k, &s->volume, 1, store);
  xfer(buf, &k, s->omega, 6, store);
  xfer(buf, &k, s->omega_dot, 6, store);
  xfer(buf, &k, s->omega_mass, 6, store);
  xfer_chain(buf, &k, &s->tc, store);
  xfer_chain(buf, &k, &s->pc, store);
  if (k != MTK_NVAL) return -1;
  return memcmp(saved, shape, sizeof shape) == 0 ? 0 : 1;
}

static int mtk_write(const void *state, FILE *f, struct nnmd_error *err) {
  double buf[MTK_NVAL];
  if (state_io((struct mtk *)state, buf, true) < 0)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "MTK state layout mismatch");
  return nnmd_bu_write_doubles(f, MTK_MAGIC, buf, MTK_NVAL, err);
}

static int mtk_read(void *state, FILE *f, struct nnmd_error *err) {
  struct mtk *s = state;
  double buf[MTK_NVAL];
  int st = nnmd_bu_read_doubles(f, MTK_MAGIC, buf, MTK_NVAL, err);
  if (st) return st;
  struct mtk probe = *s;
  if (state_io(&probe, buf, false))
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "the checkpoint's MTK state was written with other settings (couple, thermostat, chain, "
                     "substeps or number of atoms differ)");
  if ((st = nnmd_bu_check_ramp(probe.initialised, probe.ramp_first, probe.ramp_last, "MTK", err))) return st;
  if (probe.initialised != 0.0 && (!(probe.vol0 > 0.0) || !(probe.volume > 0.0)))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "MTK state: volumes %g, %g are not positive", probe.vol0, probe.volume);
  bool had_t = s->t_req[0] >= 0;
  *s = probe;
  if (!had_t) s->t_req[0] = s->t_req[1] = s->t_auto;
  return NNMD_OK;
}

const struct nnmd_integrator_ops nnmd_integ_mtk = {
    .name = "mtk",
    .flags = NNMD_INTEG_NEEDS_VIRIAL,
    .create = mtk_create,
    .first_half = mtk_first,
    .second_half = mtk_second,
    .conserved_extra = mtk_conserved,
    .write_state = mtk_write,
    .read_state = mtk_read,
    .destroy = mtk_destroy,
};
