/* barostat_util.c — see barostat_util.h.
 *
 * Nose-Hoover chain: the half-step operator of LAMMPS fix_nh (nhc_temp_integrate and
 * nhc_press_integrate are the same operator on different variables; methods.md §2.2), with
 * sub-steps delta = dt/(2 nloop):
 *   for k = M-1..1:  xi_k *= e^{-delta xi_{k+1}/4}; xi_k += G_k delta/2; xi_k *= e^{...}
 *   xi_0 likewise (factor f_0 kept); s = e^{-delta xi_0}; ke2 *= s^2; G_0 = (ke2 - target)/Q_0
 *   eta_k += delta xi_k; xi_0 = f_0 (f_0 xi_0 + G_0 delta/2)
 *   for k = 1..M-1: f = e^{-delta xi_{k+1}/4}; xi_k *= f; G_k = (Q_{k-1} xi_{k-1}^2 - kT)/Q_k;
 *                   xi_k += G_k delta/2; xi_k *= f
 * (xi = eta_dot, G = eta_dotdot.) The product of the s factors is returned.
 */
#include "barostat_util.h"

#include <math.h>
#include <string.h>

#include "avec.h"
#include "rng.h"

/* ---- [run] keys ---------------------------------------------------------------------- */

int nnmd_bu_read_temperature(const struct nnmd_cfg *run, bool required, double t[2], struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(run, "temperature");
  if (!v) {
    if (!required) return NNMD_OK;
    return nnmd_fail_at(err, NNMD_ERR_INPUT, run ? run->loc : NNMD_NOLOC,
                        "[run] needs 'temperature' (K, or [start, stop]) for this ensemble");
  }
  double x;
  if (nnmd_cfg_number(v, &x)) {
    t[0] = t[1] = x;
  } else if (v->kind == NNMD_CFG_ARRAY && v->n == 2 && nnmd_cfg_number(v->items[0], &t[0]) &&
             nnmd_cfg_number(v->items[1], &t[1])) {
  } else {
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'temperature' must be a number (K) or [start, stop]");
  }
  if (!(t[0] >= 0 && t[1] >= 0 && isfinite(t[0]) && isfinite(t[1])))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'temperature' must be finite and >= 0 K");
  return NNMD_OK;
}

static int pressure_matrix(const struct nnmd_cfg *v, double m[9]) {
  if (v->kind != NNMD_CFG_ARRAY || v->n != 3) return 1;
  for (int a = 0; a < 3; ++a) {
    const struct nnmd_cfg *row = v->items[a];
    if (row->kind != NNMD_CFG_ARRAY || row->n != 3) return 1;
    for (int b = 0; b < 3; ++b)
      if (!nnmd_cfg_number(row->items[b], &m[3 * a + b]) || !isfinite(m[3 * a + b])) return 1;
  }
  return 0;
}

int nnmd_bu_read_pressure(const struct nnmd_cfg *run, bool hydrostatic, double p[3], struct nnmd_error *err) {
  p[0] = p[1] = p[2] = 0.0;
  const struct nnmd_cfg *v = nnmd_cfg_get(run, "pressure");
  if (!v) return NNMD_OK;
  double x, m[9];
  if (nnmd_cfg_number(v, &x)) {
    if (!isfinite(x)) return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'pressure' must be finite");
    p[0] = p[1] = p[2] = x;
    return NNMD_OK;
  }
  if (pressure_matrix(v, m))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'pressure' must be a number (bar) or a 3x3 array [[Pxx,Pxy,Pxz],[Pyx,Pyy,Pyz],[Pzx,Pzy,Pzz]]");
  if (m[1] != 0 || m[2] != 0 || m[3] != 0 || m[5] != 0 || m[6] != 0 || m[7] != 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'pressure': off-diagonal (shear) targets are not supported in this version; they must be 0");
  if (hydrostatic && (m[0] != m[4] || m[0] != m[8]))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'pressure': only hydrostatic targets (Pxx = Pyy = Pzz) are supported by this barostat "
                        "(no deviatoric strain-energy term in this version)");
  p[0] = m[0];
  p[1] = m[4];
  p[2] = m[8];
  return NNMD_OK;
}

int nnmd_bu_read_couple(const struct nnmd_cfg *run, bool allow_tri, enum nnmd_bu_couple *c,
                        struct nnmd_error *err) {
  static const char *const k_couple[] = {"iso", "aniso", "triclinic", NULL};
  int idx = 0;
  int st = nnmd_cfg_choice(run, "couple", false, k_couple, &idx, err);
  if (st) return st;
  if (idx == NNMD_BU_TRI && !allow_tri)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "couple")->loc,
                        "couple = \"triclinic\" is not available for this barostat (use \"iso\" or \"aniso\")");
  *c = (enum nnmd_bu_couple)idx;
  return NNMD_OK;
}

int nnmd_bu_read_choice(const struct nnmd_cfg *run, const char *key, const char *const *choices, int *index,
                        struct nnmd_error *err) {
  *index = -1;
  return nnmd_cfg_choice(run, key, false, choices, index, err);
}

double nnmd_bu_ramp(const double v[2], int64_t step, int64_t first, int64_t last) {
  double delta = 0.0;
  if (last > first) delta = (double)(step - first) / (double)(last - first);
  return v[0] + delta * (v[1] - v[0]);
}

/* ---- atoms ---------------------------------------------------------------------------- */

int nnmd_bu_kinetic_tensor(const struct nnmd_integ_ctx *ctx, double mvv[9], struct nnmd_error *err) {
  int st = nnmd_av_mvv_local(ctx, mvv, err);
  nnmd_comm_sum_double(ctx->comm, mvv, 9); /* every rank takes part, also after a failure */
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      mvv[3 * a + b] *= ctx->units->mvv2e;
      mvv[3 * b + a] = mvv[3 * a + b];
    }
  return st;
}

void nnmd_bu_pressure_tensor(const double mvv[9], const double virial[9], double volume, double p[9]) {
  for (int k = 0; k < 9; ++k) p[k] = (mvv[k] + virial[k]) / volume;
}

/* ---- cell ----------------------------------------------------------------------------- */

int nnmd_bu_set_cell(struct nnmd_integ_ctx *ctx, const double h[9], const double lo_new[3],
                     struct nnmd_error *err) {
  struct nnmd_box *box = ctx->box, old = *ctx->box;
  const double *lo = lo_new ? lo_new : old.lo;
  int st = nnmd_box_set_h(box, h, lo, old.periodic, err);
  if (st) {
    *box = old;
    return nnmd_fail(err, NNMD_ERR_PHYSICS, "the barostat produced an invalid cell at step %lld",
                     (long long)ctx->step);
  }
  ctx->box_changed = true;
  return nnmd_av_remap(ctx, &old, box, err);
}

int nnmd_bu_deform(struct nnmd_integ_ctx *ctx, const double m[9], const double *lo_new, struct nnmd_error *err) {
  double h[9];
  const double *h0 = ctx->box->h;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) h[3 * a + b] = m[3 * a] * h0[b] + m[3 * a + 1] * h0[3 + b] + m[3 * a + 2] * h0[6 + b];
  return nnmd_bu_set_cell(ctx, h, lo_new, err);
}

/* LAMMPS fix_nh remap. lh = Voigt cell (lx, ly, lz, yz, xz, xy). */
static void remap_offdiag(double lh[6], const double lold[3], const double w[6], const int pf[6], double dto) {
  double e;
  if (pf[4]) {
    e = exp(dto / 8 * w[0]);
    lh[4] = (lh[4] * e + dto / 4 * (w[5] * lh[3] + w[4] * lold[2])) * e;
  }
  if (pf[3]) {
    e = exp(dto / 4 * w[1]);
    lh[3] = (lh[3] * e + dto / 2 * (w[3] * lold[2])) * e;
  }
  if (pf[5]) {
    e = exp(dto / 4 * w[0]);
    lh[5] = (lh[5] * e + dto / 2 * (w[5] * lold[1])) * e;
  }
  if (pf[4]) {
    e = exp(dto / 8 * w[0]);
    lh[4] = (lh[4] * e + dto / 4 * (w[5] * lh[3] + w[4] * lold[2])) * e;
  }
}

static void remap_diag(double lh[6], double lo[3], const double w[6], const int pf[6], bool scale_tilts,
                       double dto) {
  for (int d = 0; d < 3; ++d) {
    if (!pf[d]) continue;
    double hi = lo[d] + lh[d], ctr = 0.5 * (lo[d] + hi), e = exp(dto * w[d]);
    double nlo = (lo[d] - ctr) * e + ctr, nhi = (hi - ctr) * e + ctr;
    lo[d] = nlo;
    lh[d] = nhi - nlo;
    if (scale_tilts && d == 1) lh[5] *= e;
    if (scale_tilts && d == 2) {
      lh[4] *= e;
      lh[3] *= e;
    }
  }
}

/* Uniform scaling about the cell centre (isotropic rate on a cell not in LAMMPS form). */
static int remap_uniform(struct nnmd_integ_ctx *ctx, double rate, double dto, struct nnmd_error *err) {
  const struct nnmd_box *b = ctx->box;
  double e = exp(dto * rate), h[9], lo[3];
  for (int k = 0; k < 9; ++k) h[k] = e * b->h[k];
  for (int d = 0; d < 3; ++d) {
    double ctr = b->lo[d] + 0.5 * (b->h[3 * d] + b->h[3 * d + 1] + b->h[3 * d + 2]);
    lo[d] = (b->lo[d] - ctr) * e + ctr;
  }
  return nnmd_bu_set_cell(ctx, h, lo, err);
}

int nnmd_bu_remap_nh(struct nnmd_integ_ctx *ctx, const double wdot[6], const int pflag[6], bool scale_tilts,
                     double tau, struct nnmd_error *err) {
  const struct nnmd_box *b = ctx->box;
  bool tri = pflag[3] || pflag[4] || pflag[5];
  if (!nnmd_box_is_upper_triangular(b)) {
    if (tri || !pflag[0] || !pflag[1] || !pflag[2] || wdot[0] != wdot[1] || wdot[0] != wdot[2])
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "anisotropic cell update on a cell not in LAMMPS form");
    return remap_uniform(ctx, wdot[0], tau, err);
  }
  double lh[6] = {b->h[0], b->h[4], b->h[8], b->h[5], b->h[2], b->h[1]}, lo[3] = {b->lo[0], b->lo[1], b->lo[2]};
  /* LAMMPS updates lx, ly, lz only after the second off-diagonal half (set_global_box), so
   * both halves couple to the old lengths: kept for parity (an O(dt^2) asymmetry). */
  double lold[3] = {lh[0], lh[1], lh[2]};
  if (tri) remap_offdiag(lh, lold, wdot, pflag, tau);
  remap_diag(lh, lo, wdot, pflag, scale_tilts, tau);
  if (tri) remap_offdiag(lh, lold, wdot, pflag, tau);
  if (tri && (fabs(lh[3]) > 0.6 * lh[1] || fabs(lh[4]) > 0.6 * lh[0] || fabs(lh[5]) > 0.6 * lh[0]))
    return nnmd_fail(err, NNMD_ERR_PHYSICS,
                     "step %lld: the barostat tilted the cell beyond 0.6 of a cell length (xy = %g, xz = %g, "
                     "yz = %g A; lx = %g, ly = %g A); box flips are not supported: the cell is far from "
                     "equilibrium or the shear is unstable",
                     (long long)ctx->step, lh[5], lh[4], lh[3], lh[0], lh[1]);
  double h[9] = {lh[0], lh[5], lh[4], 0, lh[1], lh[3], 0, 0, lh[2]};
  return nnmd_bu_set_cell(ctx, h, lo, err);
}

/* ---- Nose-Hoover chain ---------------------------------------------------------------------- */

void nnmd_bu_chain_masses(struct nnmd_bu_chain *c, double q0, double qk, double kt, bool init_forces) {
  c->mass[0] = q0;
  for (int k = 1; k < c->m; ++k) c->mass[k] = qk;
  if (!init_forces) return;
  for (int k = 1; k < c->m; ++k)
    c->eta_dotdot[k] = (c->mass[k - 1] * c->eta_dot[k - 1] * c->eta_dot[k - 1] - kt) / c->mass[k];
}

static void chain_down(struct nnmd_bu_chain *c, double d8, double d4) {
  for (int k = c->m - 1; k > 0; --k) {
    double e = exp(-d8 * c->eta_dot[k + 1]);
    c->eta_dot[k] = (c->eta_dot[k] * e + c->eta_dotdot[k] * d4) * e;
  }
}

static void chain_up(struct nnmd_bu_chain *c, double d8, double d4, double kt) {
  for (int k = 1; k < c->m; ++k) {
    double e = exp(-d8 * c->eta_dot[k + 1]);
    c->eta_dot[k] *= e;
    c->eta_dotdot[k] = (c->mass[k - 1] * c->eta_dot[k - 1] * c->eta_dot[k - 1] - kt) / c->mass[k];
    c->eta_dot[k] = (c->eta_dot[k] + c->eta_dotdot[k] * d4) * e;
  }
}

double nnmd_bu_chain_half(struct nnmd_bu_chain *c, double dt, double ke2, double ke2_target, double kt) {
  double nc = 1.0 / c->nloop, d8 = nc * dt / 8, d4 = nc * dt / 4, d2 = nc * dt / 2, total = 1.0;
  c->eta_dot[c->m] = 0.0;
  c->eta_dotdot[0] = c->mass[0] > 0 ? (ke2 - ke2_target) / c->mass[0] : 0.0;
  for (int loop = 0; loop < c->nloop; ++loop) {
    chain_down(c, d8, d4);
    double e = exp(-d8 * c->eta_dot[1]);
    c->eta_dot[0] = (c->eta_dot[0] * e + c->eta_dotdot[0] * d4) * e;
    double s = exp(-d2 * c->eta_dot[0]);
    total *= s;
    ke2 *= s * s;
    c->eta_dotdot[0] = c->mass[0] > 0 ? (ke2 - ke2_target) / c->mass[0] : 0.0;
    for (int k = 0; k < c->m; ++k) c->eta[k] += d2 * c->eta_dot[k];
    c->eta_dot[0] = (c->eta_dot[0] * e + c->eta_dotdot[0] * d4) * e;
    chain_up(c, d8, d4, kt);
  }
  return total;
}

double nnmd_bu_chain_energy(const struct nnmd_bu_chain *c, double ke2_target, double kt) {
  double e = ke2_target * c->eta[0] + 0.5 * c->mass[0] * c->eta_dot[0] * c->eta_dot[0];
  for (int k = 1; k < c->m; ++k) e += kt * c->eta[k] + 0.5 * c->mass[k] * c->eta_dot[k] * c->eta_dot[k];
  return e;
}

double nnmd_bu_normal(uint64_t seed, int64_t step, int purpose, int index, int elem) {
  double g[4];
  nnmd_rng_normal4(seed, 0, step, purpose, index, g);
  return g[elem & 3];
}

/* ---- binary state ----------------------------------------------------------------------- */

#define BU_STATE_VERSION 1u

int nnmd_bu_write_doubles(FILE *f, uint32_t magic, const double *v, int n, struct nnmd_error *err) {
  uint32_t hdr[3] = {magic, BU_STATE_VERSION, (uint32_t)n};
  if (fwrite(hdr, sizeof hdr, 1, f) != 1 || fwrite(v, sizeof(double), (size_t)n, f) != (size_t)n)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot write the integrator state");
  return NNMD_OK;
}

int nnmd_bu_read_doubles(FILE *f, uint32_t magic, double *v, int n, struct nnmd_error *err) {
  uint32_t hdr[3];
  if (fread(hdr, sizeof hdr, 1, f) != 1)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "the checkpoint's integrator state is truncated");
  if (hdr[0] != magic || hdr[1] != BU_STATE_VERSION || hdr[2] != (uint32_t)n)
    return nnmd_fail(err, NNMD_ERR_FORMAT,
                     "the checkpoint's integrator state does not match this integrator or its settings "
                     "(tag %08x version %u, %u values; expected tag %08x version %u, %d values)",
                     hdr[0], hdr[1], hdr[2], magic, BU_STATE_VERSION, n);
  if (fread(v, sizeof(double), (size_t)n, f) != (size_t)n)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "the checkpoint's integrator state is truncated");
  for (int k = 0; k < n; ++k)
    if (!isfinite(v[k]))
      return nnmd_fail(err, NNMD_ERR_FORMAT, "integrator state: value %d of %d is not finite", k + 1, n);
  return NNMD_OK;
}

bool nnmd_bu_is_step(double v) { return v >= 0.0 && v <= 9007199254740992.0 && v == floor(v); }

int nnmd_bu_check_ramp(double initialised, double first, double last, const char *who, struct nnmd_error *err) {
  if (initialised != 0.0 && initialised != 1.0)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "%s state: 'initialised' flag %g is not 0 or 1", who, initialised);
  if (!nnmd_bu_is_step(first) || !nnmd_bu_is_step(last))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "%s state: ramp steps %g, %g are not step numbers", who, first, last);
  return NNMD_OK;
}

int nnmd_bu_read_rescale_keys(const struct nnmd_cfg *run, const struct nnmd_units *u, double *p0, double *tdamp,
                              double *pdamp, double *beta, enum nnmd_bu_couple *couple, struct nnmd_error *err) {
  double p[3], beta_bar = 4.5e-5;
  int st = nnmd_bu_read_pressure(run, true, p, err), r;
  *p0 = p[0] / u->nktv2p;
  *tdamp = 0.1;
  *pdamp = 1.0;
  r = nnmd_cfg_positive(run, "tdamp", false, tdamp, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(run, "pdamp", false, pdamp, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(run, "compressibility", false, &beta_bar, err);
  st = st ? st : r;
  *beta = beta_bar * u->nktv2p;
  r = nnmd_bu_read_couple(run, false, couple, err);
  return st ? st : r;
}
