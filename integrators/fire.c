/* fire.c — FIRE energy minimisation (`ensemble = "minimize"`), optionally with the cell.
 *
 * Refs: Bitzek, Koskinen, Gaehler, Moseler, Gumbsch, Phys. Rev. Lett. 97, 170201 (2006)
 * doi:10.1103/PhysRevLett.97.170201; FIRE 2.0: Guenole, Noehring, Vaid, Houlle, Xie,
 * Prakash, Bitzek, Comput. Mater. Sci. 175, 109584 (2020) doi:10.1016/j.commatsci.2020.109584
 * (semi-implicit Euler, delayed dt growth, half step back; LAMMPS min_style fire defaults).
 *
 * Each iteration (first_half, with the forces F of the current positions):
 *   P = F.v; if P > 0: after N_delay = 20 positive steps dt <- min(1.1 dt, dt_max), a <- 0.99 a
 *            else: (after the first N_delay steps) dt <- max(0.5 dt, dt_min), a <- a0 = 0.25;
 *                  x <- x - dt/2 v; v <- 0
 *   v <- v + dt ftm2v F/m;  if P > 0: v <- (1 - a) v + a |v| F/|F|
 *   x <- x + dt' v, dt' = dt limited so that no coordinate moves more than dmax = 0.1 A.
 * dt starts at [run] timestep; dt_max = 10, dt_min = 0.02 timestep. Velocities start at 0.
 * Cell (relax_cell = "iso" | "aniso" | "triclinic"): extended coordinates q = c eps, where
 * eps is the strain of the current cell (h <- (1 + d eps) h, atoms follow affinely; iso:
 * one dilation; aniso: eps_xx, eps_yy, eps_zz; triclinic: plus eps_yz, eps_xz, eps_xy, an
 * upper-triangular deformation that keeps LAMMPS form and never rotates), with the force
 * G = -d(U + P0 V)/d eps = W - P0 V (per strain component; W the virial, eV; iso: tr W -
 * 3 P0 V), scaled to g = G/c (eV/A) and given the mean atomic mass. c = N^(1/6) V^(1/3)
 * (A, fixed at the start) makes the cell modes about as fast as the atomic ones: the
 * affine kinetic energy of a strain rate is ~ M_total (V/N)^(2/3) deps^2, i.e. c^2 m_mean.
 * The minimised function is the enthalpy U + P0 V (P0 hydrostatic).
 * Convergence: max_i |F_i| <= ftol (ASE "fmax": the largest per-atom force norm) and, with
 * the cell, every controlled component |W_ab/V - P0 delta_ab| <= ptol; or (etol > 0, after
 * N_delay steps without a reset) a relative change of the (enthalpy) energy <= etol; the run
 * then stops (ctx->stop). Keys: ftol (eV/A, 1e-3), etol (0 = off), ptol (bar, 1.0), relax_cell
 * ("none" default), pressure (bar, with relax_cell; hydrostatic), dmax (A, 0.1),
 * log_every (iterations, 100). Max iterations = [run] steps. Units: metal.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "barostat_util.h"
#include "integrators.h"

#define FIRE_NDELAY 20
#define FIRE_NNEGMAX 2000
#define FIRE_FINC 1.1
#define FIRE_FDEC 0.5
#define FIRE_ALPHA0 0.25
#define FIRE_FALPHA 0.99

enum { CELL_NONE = 0, CELL_ISO, CELL_ANISO, CELL_TRI };

struct fire {
  const struct nnmd_units *u;
  struct nnmd_log *log;
  double ftol, etol, ptol, p0, dmax;
  int cell, ncell;
  int64_t log_every;
  /* dynamic state (checkpointed) */
  double initialised, dt, dtmax, dtmin, alpha, n_pos, n_neg, iter, last_neg, e_prev, c, mcell, volume;
  double vq[6];
};

struct resid {
  double fmax, pres, energy; /* eV/A, bar, eV */
  double g[6];               /* cell forces, eV/A */
};

static const char *const k_cell[] = {"none", "iso", "aniso", "triclinic", NULL};

static int read_keys(struct fire *s, const struct nnmd_cfg *run, struct nnmd_error *err) {
  s->ftol = 1e-3;
  s->etol = 0.0;
  s->ptol = 1.0;
  s->dmax = 0.1;
  s->log_every = 100;
  int st = nnmd_cfg_positive(run, "ftol", false, &s->ftol, err), r;
  r = nnmd_cfg_double(run, "etol", false, 0.0, 1.0, &s->etol, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(run, "ptol", false, &s->ptol, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(run, "dmax", false, &s->dmax, err);
  st = st ? st : r;
  r = nnmd_cfg_int(run, "log_every", false, 0, INT64_MAX, &s->log_every, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(run, "relax_cell", false, k_cell, &s->cell, err);
  st = st ? st : r;
  double p[3];
  r = nnmd_bu_read_pressure(run, true, p, err);
  st = st ? st : r;
  s->p0 = p[0] / s->u->nktv2p;
  if (!st && s->cell == CELL_NONE && nnmd_cfg_get(run, "pressure"))
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "pressure")->loc,
                      "'pressure' needs relax_cell = \"iso\" | \"aniso\" | \"triclinic\" in a minimisation");
  static const int ncell[] = {0, 1, 3, 6};
  s->ncell = ncell[s->cell];
  return st;
}

static int fire_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                       struct nnmd_error *err) {
  struct fire *s = calloc(1, sizeof *s);
  if (!s) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  s->u = info->units;
  s->log = info->log;
  int st = read_keys(s, run, err);
  if (st) {
    free(s);
    return st;
  }
  *state = s;
  return NNMD_OK;
}

static void fire_destroy(void *state) { free(state); }

/* ---- residuals -------------------------------------------------------------------------- */

static double max_force(const struct nnmd_integ_ctx *ctx) {
  const struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  double m = 0.0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double fx = sys->f[i], fy = sys->f[c + i], fz = sys->f[2 * c + i], f2 = fx * fx + fy * fy + fz * fz;
    if (f2 > m) m = f2;
  }
  nnmd_comm_max_double(ctx->comm, &m, 1);
  return sqrt(m);
}

/* Cell forces G (eV) per strain component and the largest pressure residual (bar). */
static void cell_forces(const struct fire *s, const struct nnmd_integ_ctx *ctx, struct resid *r) {
  const double *w = ctx->virial;
  double v = ctx->box->volume, pv = s->p0 * v, nk = s->u->nktv2p, G[6] = {0};
  r->pres = 0.0;
  if (s->cell == CELL_ISO) {
    G[0] = w[0] + w[4] + w[8] - 3.0 * pv;
    r->pres = fabs(G[0]) / (3.0 * v) * nk;
  } else if (s->cell != CELL_NONE) {
    for (int d = 0; d < 3; ++d) G[d] = w[4 * d] - pv;
    G[3] = w[7]; /* yz: d eps_yz moves y by eps z: dU = -eps sum z F_y */
    G[4] = w[6]; /* xz */
    G[5] = w[3]; /* xy */
    for (int k = 0; k < s->ncell; ++k) r->pres = fmax(r->pres, fabs(G[k]) / v * nk);
  }
  for (int k = 0; k < 6; ++k) r->g[k] = k < s->ncell ? G[k] / s->c : 0.0;
}

static void residuals(const struct fire *s, const struct nnmd_integ_ctx *ctx, struct resid *r) {
  r->fmax = max_force(ctx);
  cell_forces(s, ctx, r);
  r->energy = ctx->epot + (s->ncell ? s->p0 * ctx->box->volume : 0.0);
}

static bool forces_converged(const struct fire *s, const struct resid *r) {
  return r->fmax <= s->ftol && (s->ncell == 0 || r->pres <= s->ptol);
}

/* ---- cell moves --------------------------------------------------------------------------- */

/* Apply the strain increments dq/c of the cell dofs (h <- (1 + E) h, atoms affine). */
static int move_cell(struct fire *s, struct nnmd_integ_ctx *ctx, const double dq[6], struct nnmd_error *err) {
  if (!s->ncell) return NNMD_OK;
  double e[6] = {0}, m[9];
  for (int k = 0; k < s->ncell; ++k) e[k] = dq[k] / s->c;
  if (s->cell == CELL_ISO) e[1] = e[2] = e[0];
  double mm[9] = {1 + e[0], e[5], e[4], 0, 1 + e[1], e[3], 0, 0, 1 + e[2]};
  memcpy(m, mm, sizeof m);
  int st = nnmd_bu_deform(ctx, m, NULL, err);
  s->volume = ctx->box->volume;
  return st;
}

/* ---- FIRE pieces -------------------------------------------------------------------------------- */

static int setup(struct fire *s, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  const int *per = ctx->box->periodic;
  if (s->ncell && !(per[0] && per[1] && per[2]))
    return nnmd_fail(err, NNMD_ERR_INPUT, "relax_cell = \"%s\" needs a cell periodic in x, y and z", k_cell[s->cell]);
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  double msum[2] = {0.0, (double)sys->n_local};
  for (int64_t i = 0; i < sys->n_local; ++i) {
    sys->v[i] = sys->v[c + i] = sys->v[2 * c + i] = 0.0;
    msum[0] += nnmd_system_mass(sys, i);
  }
  nnmd_comm_sum_double(ctx->comm, msum, 2);
  s->mcell = msum[1] > 0 ? msum[0] / msum[1] : 1.0;
  s->c = pow(msum[1] > 1 ? msum[1] : 1.0, 1.0 / 6.0) * cbrt(ctx->box->volume);
  s->dt = ctx->dt;
  s->dtmax = 10.0 * ctx->dt;
  s->dtmin = 0.02 * ctx->dt;
  s->alpha = FIRE_ALPHA0;
  s->volume = ctx->box->volume;
  s->e_prev = ctx->epot + (s->ncell ? s->p0 * s->volume : 0.0);
  s->initialised = 1;
  if (s->log)
    nnmd_log_info(s->log, "FIRE: ftol %g eV/A, etol %g, dt %g ps (max %g), dmax %g A, relax_cell %s "
                  "(P0 %g bar, ptol %g bar)", s->ftol, s->etol, s->dt, s->dtmax, s->dmax, k_cell[s->cell],
                  s->p0 * s->u->nktv2p, s->ptol);
  return NNMD_OK;
}

static double power(const struct fire *s, const struct nnmd_integ_ctx *ctx, const struct resid *r) {
  const struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  double p = 0.0;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < sys->n_local; ++i) p += sys->f[d * c + i] * sys->v[d * c + i];
  nnmd_comm_sum_double(ctx->comm, &p, 1);
  for (int k = 0; k < s->ncell; ++k) p += r->g[k] * s->vq[k];
  return p;
}

/* FIRE 2.0 time-step / mixing control; on P <= 0 a half step back and v = 0. */
static int control(struct fire *s, struct nnmd_integ_ctx *ctx, double p, struct nnmd_error *err) {
  if (p > 0) {
    s->n_pos++;
    s->n_neg = 0;
    if (s->n_pos > FIRE_NDELAY) {
      s->dt = fmin(s->dt * FIRE_FINC, s->dtmax);
      s->alpha *= FIRE_FALPHA;
    }
    return NNMD_OK;
  }
  s->n_pos = 0;
  s->n_neg++;
  s->last_neg = s->iter;
  if (s->iter >= FIRE_NDELAY && s->dt * FIRE_FDEC >= s->dtmin) {
    s->dt *= FIRE_FDEC;
    s->alpha = FIRE_ALPHA0;
  }
  double dq[6];
  for (int k = 0; k < 6; ++k) dq[k] = -0.5 * s->dt * s->vq[k];
  int st = nnmd_av_drift(ctx, -0.5 * s->dt, err);
  if (!st) st = move_cell(s, ctx, dq, err);
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) memset(sys->v + d * c, 0, (size_t)sys->n_local * sizeof(double));
  memset(s->vq, 0, sizeof s->vq);
  return st;
}

/* v += dt a; mixing when P > 0; returns the largest |v| component (for the dmax limit). */
static double euler_velocities(struct fire *s, struct nnmd_integ_ctx *ctx, const struct resid *r, bool mix) {
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  (void)nnmd_av_kick(ctx, 2.0 * s->dt, NULL); /* kicks by dt/2; host arrays (HOST_ONLY): cannot fail */
  for (int k = 0; k < s->ncell; ++k) s->vq[k] += s->dt * s->u->ftm2v * r->g[k] / s->mcell;
  double nrm[2] = {0, 0}; /* |v|^2, |F|^2 */
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) {
      nrm[0] += sys->v[d * c + i] * sys->v[d * c + i];
      nrm[1] += sys->f[d * c + i] * sys->f[d * c + i];
    }
  nnmd_comm_sum_double(ctx->comm, nrm, 2);
  for (int k = 0; k < s->ncell; ++k) {
    nrm[0] += s->vq[k] * s->vq[k];
    nrm[1] += r->g[k] * r->g[k];
  }
  double a = 1.0 - s->alpha, b = nrm[1] > 0 ? s->alpha * sqrt(nrm[0] / nrm[1]) : 0.0, vmax = 0.0;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) {
      if (mix) sys->v[d * c + i] = a * sys->v[d * c + i] + b * sys->f[d * c + i];
      vmax = fmax(vmax, fabs(sys->v[d * c + i]));
    }
  nnmd_comm_max_double(ctx->comm, &vmax, 1);
  for (int k = 0; k < s->ncell; ++k) {
    if (mix) s->vq[k] = a * s->vq[k] + b * r->g[k];
    vmax = fmax(vmax, fabs(s->vq[k]));
  }
  return vmax;
}

static void progress(const struct fire *s, const struct nnmd_integ_ctx *ctx, const struct resid *r,
                     const char *what) {
  if (!s->log) return;
  if (s->ncell)
    nnmd_log_info(s->log, "FIRE %s %lld: E%s = %.12g eV, max|F| = %.3e eV/A, max|P-P0| = %.3e bar, V = %.8g A^3, "
                  "dt = %.3g ps", what, (long long)ctx->step, " + P0 V", r->energy, r->fmax, r->pres, ctx->box->volume,
                  s->dt);
  else
    nnmd_log_info(s->log, "FIRE %s %lld: E = %.12g eV, max|F| = %.3e eV/A, dt = %.3g ps", what,
                  (long long)ctx->step, r->energy, r->fmax, s->dt);
}

static int fire_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct fire *s = state;
  int st;
  if (!s->initialised && (st = setup(s, ctx, err))) return st;
  struct resid r;
  residuals(s, ctx, &r);
  if (forces_converged(s, &r)) return NNMD_OK; /* nothing to do: second_half stops the run */
  double p = power(s, ctx, &r);
  st = control(s, ctx, p, err);
  if (st) return st;
  double vmax = euler_velocities(s, ctx, &r, p > 0);
  double dtx = vmax * s->dt > s->dmax ? s->dmax / vmax : s->dt;
  if ((st = nnmd_av_drift(ctx, dtx, err))) return st;
  double dq[6];
  for (int k = 0; k < 6; ++k) dq[k] = dtx * s->vq[k];
  s->iter++;
  return move_cell(s, ctx, dq, err);
}

static int fire_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct fire *s = state;
  (void)err;
  struct resid r;
  residuals(s, ctx, &r);
  double e = r.energy, de = fabs(e - s->e_prev);
  bool etol_ok = s->etol > 0 && s->iter - s->last_neg > FIRE_NDELAY &&
                 de <= s->etol * 0.5 * (fabs(e) + fabs(s->e_prev)) + 1e-300;
  s->e_prev = e;
  if (forces_converged(s, &r) || etol_ok) {
    ctx->stop = true;
    progress(s, ctx, &r, etol_ok && !forces_converged(s, &r) ? "converged (etol) at step" : "converged at step");
    return NNMD_OK;
  }
  if (s->n_neg > FIRE_NNEGMAX) {
    ctx->stop = true;
    if (s->log) nnmd_log_warn(s->log, "FIRE: %d consecutive uphill steps; stopping unconverged", FIRE_NNEGMAX);
    progress(s, ctx, &r, "stopped at step");
    return NNMD_OK;
  }
  if (ctx->step >= ctx->last_step) {
    if (s->log)
      nnmd_log_warn(s->log, "FIRE: not converged within the [run] steps (max|F| = %.3e eV/A, ftol %g)", r.fmax,
                    s->ftol);
    progress(s, ctx, &r, "unconverged at step");
  } else if (s->log_every > 0 && ((int64_t)s->iter == 1 || (int64_t)s->iter % s->log_every == 0)) {
    progress(s, ctx, &r, "step");
  }
  return NNMD_OK;
}

static double fire_conserved(const void *state) {
  const struct fire *s = state;
  return s->initialised && s->ncell ? s->p0 * s->volume : 0.0;
}

#define FIRE_MAGIC 0x46495231u /* "FIR1" */
#define FIRE_NSCAL 13
#define FIRE_NVAL (1 + FIRE_NSCAL + 6)

/* Layout: relax_cell, the scalars below, the cell velocities. */
static void state_io(struct fire *s, double *b, bool store) {
  double *v[FIRE_NSCAL] = {&s->initialised, &s->dt, &s->dtmax, &s->dtmin, &s->alpha, &s->n_pos, &s->n_neg,
                           &s->iter, &s->last_neg, &s->e_prev, &s->c, &s->mcell, &s->volume};
  if (store) b[0] = (double)s->cell;
  for (int k = 0; k < FIRE_NSCAL; ++k) {
    if (store)
      b[1 + k] = *v[k];
    else
      *v[k] = b[1 + k];
  }
  for (int k = 0; k < 6; ++k) {
    if (store)
      b[1 + FIRE_NSCAL + k] = s->vq[k];
    else
      s->vq[k] = b[1 + FIRE_NSCAL + k];
  }
}

static int fire_write(const void *state, FILE *f, struct nnmd_error *err) {
  double b[FIRE_NVAL];
  state_io((struct fire *)state, b, true);
  return nnmd_bu_write_doubles(f, FIRE_MAGIC, b, FIRE_NVAL, err);
}

static int fire_read(void *state, FILE *f, struct nnmd_error *err) {
  struct fire *s = state;
  double b[FIRE_NVAL];
  int st = nnmd_bu_read_doubles(f, FIRE_MAGIC, b, FIRE_NVAL, err);
  if (st) return st;
  if (b[0] != (double)s->cell)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the checkpoint's FIRE state was written with another 'relax_cell'");
  /* initialised, dt, dtmax, dtmin, alpha, n_pos, n_neg, iter, last_neg, ... (state_io) */
  if (b[1] != 0.0 && b[1] != 1.0)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "FIRE state: 'initialised' flag %g is not 0 or 1", b[1]);
  if (b[1] != 0.0 && (!(b[2] > 0.0) || !(b[3] > 0.0) || !(b[4] >= 0.0) || !(b[5] >= 0.0 && b[5] <= 1.0)))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "FIRE state: time steps %g, %g, %g or mixing %g out of range", b[2], b[3],
                     b[4], b[5]);
  for (int k = 6; k <= 8; ++k)
    if (!nnmd_bu_is_step(b[k]))
      return nnmd_fail(err, NNMD_ERR_FORMAT, "FIRE state: counter %g is not a whole number >= 0", b[k]);
  state_io(s, b, false);
  return NNMD_OK;
}

const struct nnmd_integrator_ops nnmd_integ_fire = {
    .name = "fire",
    .flags = NNMD_INTEG_NEEDS_VIRIAL | NNMD_INTEG_NEEDS_ENERGY | NNMD_INTEG_HOST_ONLY,
    .create = fire_create,
    .first_half = fire_first,
    .second_half = fire_second,
    .conserved_extra = fire_conserved,
    .write_state = fire_write,
    .read_state = fire_read,
    .destroy = fire_destroy,
};
