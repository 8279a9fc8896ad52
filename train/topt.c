/* topt.c — Adam and the global extended Kalman filter (formulas in topt.h). */
#include "topt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int tadam_init(struct tadam *a, size_t n, struct nnmd_error *err) {
  a->n = n;
  a->t = 0;
  a->m = nnmd_calloc(n, sizeof(double), err);
  a->v = nnmd_calloc(n, sizeof(double), err);
  if (!a->m || !a->v) {
    tadam_free(a);
    return NNMD_ERR_NOMEM;
  }
  return NNMD_OK;
}

void tadam_step(struct tadam *a, double *w, const double *g, double lr) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  a->t++;
  const double c1 = 1.0 - pow(b1, (double)a->t), c2 = 1.0 - pow(b2, (double)a->t);
  for (size_t k = 0; k < a->n; ++k) {
    a->m[k] = b1 * a->m[k] + (1.0 - b1) * g[k];
    a->v[k] = b2 * a->v[k] + (1.0 - b2) * g[k] * g[k];
    w[k] -= lr * (a->m[k] / c1) / (sqrt(a->v[k] / c2) + eps);
  }
}

void tadam_free(struct tadam *a) {
  free(a->m);
  free(a->v);
  a->m = a->v = NULL;
}

int tkalman_init(struct tkalman *k, size_t n, int mmax, double epsilon, double eta0, double q0, double eta_max,
                 double q_min, struct nnmd_error *err) {
  memset(k, 0, sizeof *k);
  k->n = n;
  k->mmax = mmax;
  k->P = nnmd_calloc(n * n, sizeof(double), err);
  k->X = nnmd_calloc(n * (size_t)mmax, sizeof(double), err);
  k->K = nnmd_calloc(n * (size_t)mmax, sizeof(double), err);
  k->A = nnmd_calloc((size_t)mmax * (size_t)mmax, sizeof(double), err);
  if (!k->P || !k->X || !k->K || !k->A) {
    tkalman_free(k);
    return NNMD_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; ++i) k->P[i * n + i] = 1.0 / epsilon;
  k->eta = eta0;
  k->q = q0;
  k->eta_max = eta_max;
  k->q_min = q_min;
  return NNMD_OK;
}

void tkalman_free(struct tkalman *k) {
  free(k->P);
  free(k->X);
  free(k->K);
  free(k->A);
  memset(k, 0, sizeof *k);
}

/* In-place inverse of the symmetric positive m x m matrix A (Cholesky); -1 if not positive. */
static int spd_inverse(double *A, int m) {
  double L[64 * 64], inv[64 * 64];
  if (m > 64) return -1; /* callers keep m <= 64 */
  for (int j = 0; j < m; ++j) {
    double d = A[j * m + j];
    for (int k = 0; k < j; ++k) d -= L[j * m + k] * L[j * m + k];
    if (!(d > 0.0)) return -1;
    L[j * m + j] = sqrt(d);
    for (int i = j + 1; i < m; ++i) {
      double s = A[i * m + j];
      for (int k = 0; k < j; ++k) s -= L[i * m + k] * L[j * m + k];
      L[i * m + j] = s / L[j * m + j];
    }
  }
  for (int c = 0; c < m; ++c) { /* solve L L^T x = e_c */
    double y[64];
    for (int i = 0; i < m; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (int k = 0; k < i; ++k) s -= L[i * m + k] * y[k];
      y[i] = s / L[i * m + i];
    }
    for (int i = m - 1; i >= 0; --i) {
      double s = y[i];
      for (int k = i + 1; k < m; ++k) s -= L[k * m + i] * inv[k * m + c];
      inv[i * m + c] = s / L[i * m + i];
    }
  }
  memcpy(A, inv, (size_t)m * m * sizeof(double));
  return 0;
}

static inline int kupdate(struct tkalman *k, double *w, const double *H, const double *xi, const int m, const size_t M) {
  const size_t n = k->n;
  double *X = k->X, *K = k->K, *A = k->A, *Ht = k->K; /* K doubles as H^T until K is formed */
  if (m > k->mmax) return -1;
  for (size_t j = 0; j < n; ++j)
    for (size_t c = 0; c < M; ++c) Ht[j * M + c] = H[c * n + j];
  /* X = P H^T from the upper triangle of P only (symmetric matrix-vector product, row-wise) */
  memset(X, 0, n * M * sizeof(double));
  for (size_t i = 0; i < n; ++i) {
    const double *Pi = k->P + i * n, *hi = Ht + i * M;
    double s[64];
    for (size_t c = 0; c < M; ++c) s[c] = Pi[i] * hi[c];
    for (size_t j = i + 1; j < n; ++j) {
      const double p = Pi[j];
      const double *hj = Ht + j * M;
      double *xj = X + j * M;
      for (size_t c = 0; c < M; ++c) {
        s[c] += p * hj[c];
        xj[c] += p * hi[c];
      }
    }
    for (size_t c = 0; c < M; ++c) X[i * M + c] += s[c];
  }
  for (int a = 0; a < m; ++a)
    for (int b = 0; b < m; ++b) {
      double s = 0.0;
      for (size_t i = 0; i < n; ++i) s += Ht[i * M + (size_t)a] * X[i * M + (size_t)b];
      A[a * m + b] = s + (a == b ? 1.0 / k->eta : 0.0);
    }
  for (int a = 0; a < m; ++a) /* symmetrise against rounding */
    for (int b = a + 1; b < m; ++b) A[a * m + b] = A[b * m + a] = 0.5 * (A[a * m + b] + A[b * m + a]);
  if (spd_inverse(A, m)) return -1;
  for (size_t i = 0; i < n; ++i) {
    double kc[64];
    for (size_t c = 0; c < M; ++c) {
      double s = 0.0;
      for (size_t b = 0; b < M; ++b) s += X[i * M + b] * A[b * M + c];
      kc[c] = s;
    }
    double dw = 0.0;
    for (size_t c = 0; c < M; ++c) {
      K[i * M + c] = kc[c];
      dw += kc[c] * xi[c];
    }
    w[i] += dw;
  }
  /* P <- P - K X^T + q I on the upper triangle (the lower one is never read) */
  for (size_t i = 0; i < n; ++i) {
    const double *Ki = K + i * M;
    double *Pi = k->P + i * n;
    for (size_t j = i; j < n; ++j) {
      const double *Xj = X + j * M;
      double s = 0.0;
      for (size_t c = 0; c < M; ++c) s += Ki[c] * Xj[c];
      Pi[j] -= s;
    }
    Pi[i] += k->q;
  }
  return 0;
}

/* Instances with a compile-time observation count (the inner loops over c vectorise). */
#define KUPD(MM) \
  static int kupdate_##MM(struct tkalman *k, double *w, const double *H, const double *xi) { \
    return kupdate(k, w, H, xi, MM, MM); \
  }
KUPD(1)
KUPD(2)
KUPD(4)
KUPD(8)
KUPD(16)

int tkalman_update(struct tkalman *k, double *w, const double *H, const double *xi, int m) {
  switch (m) {
    case 1: return kupdate_1(k, w, H, xi);
    case 2: return kupdate_2(k, w, H, xi);
    case 4: return kupdate_4(k, w, H, xi);
    case 8: return kupdate_8(k, w, H, xi);
    case 16: return kupdate_16(k, w, H, xi);
    default: return kupdate(k, w, H, xi, m, (size_t)m);
  }
}
