/* topt.h — optimisers of `nnmd train`: Adam and the global extended Kalman filter
 * (training.md section 4).
 *
 * Adam (Kingma and Ba): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * w -= lr m_hat / (sqrt(v_hat) + eps) with b1 0.9, b2 0.999, eps 1e-8.
 * Kalman (n2p2's standard filter): for m observations with errors xi = y_ref - y and
 * Jacobian rows H (m x n): X = P H^T, A = H X + I / eta, K = X A^-1,
 * P <- P - K X^T + q I, w <- w + K xi; then eta <- min(eta e^(tau_eta/U), eta_max) and
 * q <- max(q e^(-tau_q/U), q_min) with U updates per epoch; P_0 = I / epsilon. P is a full
 * n x n matrix (8 n^2 bytes: 64 MB for 2,800 weights), kept symmetric.
 */
#ifndef NNMD_TRAIN_TOPT_H
#define NNMD_TRAIN_TOPT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct tadam {
  size_t n;
  int64_t t;
  double *m, *v;
};
int tadam_init(struct tadam *a, size_t n, struct nnmd_error *err);
void tadam_step(struct tadam *a, double *w, const double *g, double lr);
void tadam_free(struct tadam *a);

struct tkalman {
  size_t n;
  double *P;
  double eta, q, eta_max, q_min;
  double *X, *A, *K; /* scratch for up to mmax observations */
  int mmax;
};
int tkalman_init(struct tkalman *k, size_t n, int mmax, double epsilon, double eta0, double q0,
                 double eta_max, double q_min, struct nnmd_error *err);
/* One update with m observations (H: m rows of n, xi: m errors). */
int tkalman_update(struct tkalman *k, double *w, const double *H, const double *xi, int m);
void tkalman_free(struct tkalman *k);

#endif
