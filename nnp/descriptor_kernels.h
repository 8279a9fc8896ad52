/* descriptor_kernels.h — array versions of the descriptor_math.h formulas for the CPU
 * loops (internal to descriptor*.c). Each kernel switches once on the loop-invariant
 * cutoff type or core and then runs a loop whose body calls the scalar NNMD_HD function
 * with a compile-time constant, so the body is branch-free and gcc vectorises it
 * (`#pragma GCC ivdep`: the arrays never overlap). Formulas exist only in
 * descriptor_math.h.
 */
#ifndef NNMD_DESCRIPTOR_KERNELS_H
#define NNMD_DESCRIPTOR_KERNELS_H

#include "descriptor_math.h"

#define NNMD_K_CUTOFF_LOOP(T)                                                      \
  do {                                                                             \
    _Pragma("GCC ivdep") for (int k = 0; k < n; ++k)                               \
        nnmd_nnp_cutoff((T), r[k], rc, ri, &f[k], &df[k]);                         \
  } while (0)

/* f[k], df[k] = f_c(r[k]) for cutoff type `type`. */
static inline void nnmd_k_cutoff(int type, const double *r, int n, double rc, double ri, double *f,
                                 double *df) {
  switch (type) {
    case NNMD_CUT_HARD: NNMD_K_CUTOFF_LOOP(NNMD_CUT_HARD); break;
    case NNMD_CUT_COS: NNMD_K_CUTOFF_LOOP(NNMD_CUT_COS); break;
    case NNMD_CUT_TANHU: NNMD_K_CUTOFF_LOOP(NNMD_CUT_TANHU); break;
    case NNMD_CUT_TANH: NNMD_K_CUTOFF_LOOP(NNMD_CUT_TANH); break;
    case NNMD_CUT_EXP: NNMD_K_CUTOFF_LOOP(NNMD_CUT_EXP); break;
    case NNMD_CUT_POLY1: NNMD_K_CUTOFF_LOOP(NNMD_CUT_POLY1); break;
    case NNMD_CUT_POLY2: NNMD_K_CUTOFF_LOOP(NNMD_CUT_POLY2); break;
    case NNMD_CUT_POLY3: NNMD_K_CUTOFF_LOOP(NNMD_CUT_POLY3); break;
    default: NNMD_K_CUTOFF_LOOP(NNMD_CUT_POLY4); break;
  }
}

#define NNMD_K_COMPACT_LOOP(C, A)                                                  \
  do {                                                                             \
    _Pragma("GCC ivdep") for (int k = 0; k < n; ++k) {                             \
      double cv_, dv_;                                                             \
      nnmd_nnp_compact((C), (A), v[k], m, iw, &cv_, &dv_);                         \
      c[k] = cv_ * w[k];                                                           \
      dc[k] = dv_ * w[k];                                                          \
    }                                                                              \
  } while (0)

#define NNMD_K_COMPACT_CORE(C)                         \
  do {                                                 \
    if (asym) NNMD_K_COMPACT_LOOP((C), 1);             \
    else NNMD_K_COMPACT_LOOP((C), 0);                  \
  } while (0)

/* c[k] = w[k] C(v[k]), dc[k] = w[k] C'(v[k]) for the compact function of core/asym. */
static inline void nnmd_k_compact(int core, int asym, const double *v, const double *w, int n, double m,
                                  double iw, double *c, double *dc) {
  switch (core) {
    case NNMD_CORE_P1: NNMD_K_COMPACT_CORE(NNMD_CORE_P1); break;
    case NNMD_CORE_P2: NNMD_K_COMPACT_CORE(NNMD_CORE_P2); break;
    case NNMD_CORE_P3: NNMD_K_COMPACT_CORE(NNMD_CORE_P3); break;
    case NNMD_CORE_P4: NNMD_K_COMPACT_CORE(NNMD_CORE_P4); break;
    default: NNMD_K_COMPACT_CORE(NNMD_CORE_EXP); break;
  }
}

/* Angular factor of the exponential types for a compile-time integer zeta Z:
 * A = pref (1 + lambda c)^Z, dA/dc = pref Z lambda (1 + lambda c)^(Z-1); 0 where the base <= 0.
 * The power is a product loop of constant length (fully unrolled before vectorisation; the
 * repeated-squaring form keeps branches on AVX2). */
#define NNMD_K_ANGEXP_LOOP(Z)                                                      \
  do {                                                                             \
    _Pragma("GCC ivdep") for (int k = 0; k < n; ++k) {                             \
      double base_ = 1.0 + lambda * cs[k];                                         \
      double q_ = 1.0;                                                             \
      for (int t_ = 1; t_ < (Z); ++t_) q_ *= base_;                                \
      int ok_ = base_ > 0.0;                                                       \
      A[k] = nnmd_nnp_pick(ok_, pref * q_ * base_, 0.0);                           \
      if (dA) dA[k] = nnmd_nnp_pick(ok_, pz * q_, 0.0);                            \
    }                                                                              \
  } while (0)

/* A[k] (and dA[k] unless dA is NULL) for zeta = izeta in 1..16; returns 0 if izeta is
 * outside that range (caller falls back to the generic path). */
static inline int nnmd_k_angexp(int izeta, double lambda, double pref, const double *cs, int n, double *A,
                                double *dA) {
  const double pz = pref * izeta * lambda;
  switch (izeta) {
    case 1: NNMD_K_ANGEXP_LOOP(1); return 1;
    case 2: NNMD_K_ANGEXP_LOOP(2); return 1;
    case 3: NNMD_K_ANGEXP_LOOP(3); return 1;
    case 4: NNMD_K_ANGEXP_LOOP(4); return 1;
    case 5: NNMD_K_ANGEXP_LOOP(5); return 1;
    case 6: NNMD_K_ANGEXP_LOOP(6); return 1;
    case 7: NNMD_K_ANGEXP_LOOP(7); return 1;
    case 8: NNMD_K_ANGEXP_LOOP(8); return 1;
    case 9: NNMD_K_ANGEXP_LOOP(9); return 1;
    case 10: NNMD_K_ANGEXP_LOOP(10); return 1;
    case 11: NNMD_K_ANGEXP_LOOP(11); return 1;
    case 12: NNMD_K_ANGEXP_LOOP(12); return 1;
    case 13: NNMD_K_ANGEXP_LOOP(13); return 1;
    case 14: NNMD_K_ANGEXP_LOOP(14); return 1;
    case 15: NNMD_K_ANGEXP_LOOP(15); return 1;
    case 16: NNMD_K_ANGEXP_LOOP(16); return 1;
    default: return 0;
  }
}

/* X[k] = P(cs[k]), Y[k] = P'(cs[k]) for the polynomial P(c) = sum_{q<=D} chi[q] c^q of
 * compile-time degree D (Horner for the value and the derivative together). */
#define NNMD_K_HORNER_LOOP(D)                                                      \
  do {                                                                             \
    _Pragma("GCC ivdep") for (int k = 0; k < n; ++k) {                             \
      double c_ = cs[k], x_ = chi[(D)], y_ = 0.0;                                  \
      for (int q = (D)-1; q >= 0; --q) {                                           \
        y_ = NNMD_NNP_FMA(y_, c_, x_);                                             \
        x_ = NNMD_NNP_FMA(x_, c_, chi[q]);                                         \
      }                                                                            \
      X[k] = x_;                                                                   \
      Y[k] = y_;                                                                   \
    }                                                                              \
  } while (0)

static inline void nnmd_k_horner(int deg, const double *chi, const double *cs, int n, double *X, double *Y) {
  switch (deg) {
    case 1: NNMD_K_HORNER_LOOP(1); break;
    case 2: NNMD_K_HORNER_LOOP(2); break;
    case 3: NNMD_K_HORNER_LOOP(3); break;
    case 4: NNMD_K_HORNER_LOOP(4); break;
    case 5: NNMD_K_HORNER_LOOP(5); break;
    case 6: NNMD_K_HORNER_LOOP(6); break;
    case 7: NNMD_K_HORNER_LOOP(7); break;
    case 8: NNMD_K_HORNER_LOOP(8); break;
    case 9: NNMD_K_HORNER_LOOP(9); break;
    case 10: NNMD_K_HORNER_LOOP(10); break;
    case 11: NNMD_K_HORNER_LOOP(11); break;
    case 12: NNMD_K_HORNER_LOOP(12); break;
    case 13: NNMD_K_HORNER_LOOP(13); break;
    case 14: NNMD_K_HORNER_LOOP(14); break;
    case 15: NNMD_K_HORNER_LOOP(15); break;
    default: NNMD_K_HORNER_LOOP(16); break;
  }
}

#endif
