/* corr.h — autocorrelation and cosine transforms of real series by zero-padded FFT
 * (methods §6.3, §7), shared by the MSD and VACF analyses.
 *
 * Algorithm: for a series x_0..x_{n-1} zero-padded to length L >= 2n (L a product of 2, 3
 * and 5), the circular autocorrelation of the padded series equals the linear one:
 *     a_m = sum_{k=0}^{n-1-m} x_k x_{k+m} = IFFT(|FFT(x)|^2)_m / L,   m = 0..n-1
 * (Wiener-Khinchin; the padding removes the wrap-around terms). With FFTW3 (built with
 * NNMD_HAVE_FFTW) one r2c and one c2r plan are made per length and reused for every series
 * (FFTW_ESTIMATE: the plan, and so the rounding, is the same in every run). Without FFTW the
 * same API computes the sums directly in O(n^2) (and the cosine transform in O(n L)).
 * Cost with FFTW: O(L log L) per series. Memory: ~3L doubles per plan.
 * A plan owns its buffers: one plan per thread.
 */
#ifndef NNMD_CORR_H
#define NNMD_CORR_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct nnmd_corr;

/* A plan for series of up to n samples (n >= 1). */
int nnmd_corr_create(int64_t n, struct nnmd_corr **out, struct nnmd_error *err);
void nnmd_corr_destroy(struct nnmd_corr *c);
/* The padded length L (>= 2n, even). */
int64_t nnmd_corr_padded(const struct nnmd_corr *c);
/* a[m] = sum_{k=0}^{n-1-m} x_k x_{k+m} for m = 0..n-1 (unnormalised), n <= the plan's n. */
void nnmd_corr_acf(struct nnmd_corr *c, const double *x, int64_t n, double *a);
/* out[k] = sum_{m=0}^{n-1} f_m cos(2 pi k m / L) for k = 0..L/2, n <= L. */
void nnmd_corr_cos(struct nnmd_corr *c, const double *f, int64_t n, double *out);
/* Whether the FFT (FFTW3) path is compiled in. */
bool nnmd_corr_have_fftw(void);

#endif
