/* avec_kern.h — the per-atom bodies of the integrator kernels (engine/gpu/avec.h) and the
 * contract between avec.c (dispatch), avec.cu (kernels, launcher, host emulation) and
 * avec_stub.c (builds without CUDA).
 *
 * One operation = one `struct nnmd_av_op` (kind + by-value parameters) applied to every
 * owned atom i in [0, n_local) of a `struct nnmd_dev_atoms` (component blocks, stride
 * capacity). Reductions add to acc[0 .. nnmd_av_nacc(kind)): on the device acc is a
 * per-thread zero-initialised array that is summed per block and added to the result with
 * one atomicAdd per block and value; in emulation it is the result itself, accumulated
 * atom by atom in the order of the host loops of avec.c (so the sums are bit-identical).
 * The bodies reproduce the host loops' expressions operation for operation.
 * Units: as avec.h (A, A/ps, eV/A, amu).
 */
#ifndef NNMD_AVEC_KERN_H
#define NNMD_AVEC_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "box_math.h"
#include "dev_atoms.h"
#include "error.h"
#include "rng_math.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NNMD_AV_BLOCK 128 /* threads per block: one thread per atom */
#define NNMD_AV_MAXACC 9  /* largest number of reduced values (kinetic tensor) */

enum nnmd_av_kind {
  NNMD_AV_K_KICK = 0, /* v_d += sp[type] f_d                          (sp = dt/2 ftm2v / m) */
  NNMD_AV_K_DRIFT,    /* x_d += a v_d                                  (a = tau) */
  NNMD_AV_K_SCALE,    /* v_d *= s[d] */
  NNMD_AV_K_KE,       /* acc0 += m (vx^2 + vy^2 + vz^2) */
  NNMD_AV_K_MVV,      /* acc[3a+b] += m v_a v_b, b >= a */
  NNMD_AV_K_REMAP,    /* x <- h (h_inv_old (x - lo_old)) + lo */
  NNMD_AV_K_CRESCALE, /* x_d <- lo_d + s_d (x_d - lo_d) + w_d v_d; v_d /= s_d */
  NNMD_AV_K_VPRESS,   /* MTK nh_v_press (s = factors, w = omega_dot, a = dt/2, flag = tri) */
  NNMD_AV_K_LMEAN,    /* acc_d += m xi_d sp[type], acc3 += m (Langevin zero = true) */
  NNMD_AV_K_LANGEVIN, /* acc0 += m v^2; v <- a v + (sp[type] xi - mean); acc1 += m v^2 */
  NNMD_AV_K_N
};

struct nnmd_av_op {
  int kind;
  int flag;
  double a;
  double s[3], w[6];
  double h_inv_old[9], lo_old[3], h[9], lo[3]; /* REMAP (lo also CRESCALE) */
  double mean[3];                              /* LANGEVIN */
  uint64_t seed;                               /* LMEAN, LANGEVIN: counter RNG key */
  int64_t step;
  int purpose;
  double sp[NNMD_MAX_SPECIES]; /* per-species factor (KICK: dt/2 ftm2v/m; LMEAN, LANGEVIN: sigma) */
};

/* Number of values a kind reduces (0 for the element-wise kinds). */
static inline NNMD_HD int nnmd_av_nacc(int kind) {
  switch (kind) {
    case NNMD_AV_K_KE: return 1;
    case NNMD_AV_K_MVV: return 9;
    case NNMD_AV_K_LMEAN: return 4;
    case NNMD_AV_K_LANGEVIN: return 2;
    default: return 0;
  }
}

/* Run `op` on the owned atoms of `a`: on the device (a->emulate false; `scratch` = device
 * buffer of >= NNMD_AV_MAXACC doubles, or NULL to allocate one for the call) or on the host
 * (emulate). `out` (host, nnmd_av_nacc(kind) doubles) receives the reduced values: the
 * device sums are ADDED to it after download, the emulated ones accumulate into it. */
int nnmd_av_launch(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a, double *scratch, double *out,
                   struct nnmd_error *err);

#ifdef __cplusplus
}
#endif

/* ---- per-atom bodies ------------------------------------------------------------------- */

static inline NNMD_HD void nnmd_av_atom_kick(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                             int64_t i) {
  const int64_t c = a->capacity;
  const double k = op->sp[a->type[i]];
  for (int d = 0; d < 3; ++d) a->v[d * c + i] += k * a->f[d * c + i];
}

static inline NNMD_HD void nnmd_av_atom_drift(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                              int64_t i) {
  const int64_t c = a->capacity;
  for (int d = 0; d < 3; ++d) a->x[d * c + i] += op->a * a->v[d * c + i];
}

static inline NNMD_HD void nnmd_av_atom_scale(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                              int64_t i) {
  const int64_t c = a->capacity;
  for (int d = 0; d < 3; ++d) a->v[d * c + i] *= op->s[d];
}

static inline NNMD_HD void nnmd_av_atom_ke(const struct nnmd_dev_atoms *a, int64_t i, double *acc) {
  const int64_t c = a->capacity;
  double vx = a->v[i], vy = a->v[c + i], vz = a->v[2 * c + i];
  acc[0] += a->mass[a->type[i]] * (vx * vx + vy * vy + vz * vz);
}

static inline NNMD_HD void nnmd_av_atom_mvv(const struct nnmd_dev_atoms *a, int64_t i, double *acc) {
  const int64_t c = a->capacity;
  double m = a->mass[a->type[i]], v[3] = {a->v[i], a->v[c + i], a->v[2 * c + i]};
  for (int p = 0; p < 3; ++p)
    for (int q = p; q < 3; ++q) acc[3 * p + q] += m * v[p] * v[q];
}

static inline NNMD_HD void nnmd_av_atom_remap(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                              int64_t i) {
  const int64_t c = a->capacity;
  double r[3] = {a->x[i], a->x[c + i], a->x[2 * c + i]}, s[3];
  nnmd_cart_to_frac(op->h_inv_old, op->lo_old, r, s);
  nnmd_frac_to_cart(op->h, op->lo, s, r);
  a->x[i] = r[0];
  a->x[c + i] = r[1];
  a->x[2 * c + i] = r[2];
}

static inline NNMD_HD void nnmd_av_atom_crescale(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                                 int64_t i) {
  const int64_t c = a->capacity;
  for (int d = 0; d < 3; ++d) {
    double *x = a->x + d * c + i, *v = a->v + d * c + i, m = op->s[d];
    *x = op->lo[d] + m * (*x - op->lo[d]) + op->w[d] * *v;
    *v /= m;
  }
}

static inline NNMD_HD void nnmd_av_atom_vpress(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                               int64_t i) {
  const int64_t c = a->capacity;
  double *vx = a->v + i, *vy = a->v + c + i, *vz = a->v + 2 * c + i;
  const double *f = op->s, *od = op->w;
  const double dth = op->a;
  *vx *= f[0];
  *vy *= f[1];
  *vz *= f[2];
  if (op->flag) {
    *vx += -dth * (*vy * od[5] + *vz * od[4]);
    *vy += -dth * *vz * od[3];
  }
  *vx *= f[0];
  *vy *= f[1];
  *vz *= f[2];
}

/* The Langevin noise increment of atom i (A/ps): sp[type] xi, xi from the counter RNG. */
static inline NNMD_HD void nnmd_av_atom_noise(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                              int64_t i, double dv[3]) {
  double g[4];
  nnmd_rngm_normal4(op->seed, a->id[i], op->step, op->purpose, 0, g);
  for (int d = 0; d < 3; ++d) dv[d] = op->sp[a->type[i]] * g[d];
}

static inline NNMD_HD void nnmd_av_atom_lmean(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                              int64_t i, double *acc) {
  double dv[3], m = a->mass[a->type[i]];
  nnmd_av_atom_noise(op, a, i, dv);
  for (int d = 0; d < 3; ++d) acc[d] += m * dv[d];
  acc[3] += m;
}

static inline NNMD_HD void nnmd_av_atom_langevin(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                                 int64_t i, double *acc) {
  const int64_t c = a->capacity;
  double dv[3], m = a->mass[a->type[i]];
  nnmd_av_atom_noise(op, a, i, dv);
  for (int d = 0; d < 3; ++d) {
    double *v = a->v + d * c + i;
    acc[0] += m * *v * *v;
    *v = op->a * *v + (dv[d] - op->mean[d]);
    acc[1] += m * *v * *v;
  }
}

/* One atom of kind `kind` (acc may be NULL for the element-wise kinds). Kernels pass a
 * compile-time constant, so the switch folds away after inlining. */
static inline NNMD_HD void nnmd_av_atom_of(int kind, const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a,
                                           int64_t i, double *acc) {
  switch (kind) {
    case NNMD_AV_K_KICK: nnmd_av_atom_kick(op, a, i); break;
    case NNMD_AV_K_DRIFT: nnmd_av_atom_drift(op, a, i); break;
    case NNMD_AV_K_SCALE: nnmd_av_atom_scale(op, a, i); break;
    case NNMD_AV_K_KE: nnmd_av_atom_ke(a, i, acc); break;
    case NNMD_AV_K_MVV: nnmd_av_atom_mvv(a, i, acc); break;
    case NNMD_AV_K_REMAP: nnmd_av_atom_remap(op, a, i); break;
    case NNMD_AV_K_CRESCALE: nnmd_av_atom_crescale(op, a, i); break;
    case NNMD_AV_K_VPRESS: nnmd_av_atom_vpress(op, a, i); break;
    case NNMD_AV_K_LMEAN: nnmd_av_atom_lmean(op, a, i, acc); break;
    case NNMD_AV_K_LANGEVIN: nnmd_av_atom_langevin(op, a, i, acc); break;
    default: break;
  }
}

/* One atom of the op's kind. */
static inline NNMD_HD void nnmd_av_atom(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a, int64_t i,
                                        double *acc) {
  nnmd_av_atom_of(op->kind, op, a, i, acc);
}

#endif
