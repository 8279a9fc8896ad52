/* corr.c — see corr.h. Two implementations behind one API: FFTW3 r2c/c2r plans on padded
 * buffers (NNMD_HAVE_FFTW), or direct sums. */
#include "corr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "types.h"

#ifdef NNMD_HAVE_FFTW
#include <fftw3.h>
#endif

struct nnmd_corr {
  int64_t n, L;
#ifdef NNMD_HAVE_FFTW
  double *buf;        /* L reals */
  fftw_complex *spec; /* L/2 + 1 */
  fftw_plan fwd, bwd;
#else
  double *cos_tab; /* cos(2 pi j / L), j = 0..L-1 */
#endif
};

/* Smallest even L >= m whose only prime factors are 2, 3 and 5 (fast FFT sizes). */
static int64_t nice_length(int64_t m) {
  if (m < 2) m = 2;
  for (int64_t L = m + (m & 1);; L += 2) {
    int64_t r = L;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) r /= 3;
    while (r % 5 == 0) r /= 5;
    if (r == 1) return L;
  }
}

bool nnmd_corr_have_fftw(void) {
#ifdef NNMD_HAVE_FFTW
  return true;
#else
  return false;
#endif
}

int nnmd_corr_create(int64_t n, struct nnmd_corr **out, struct nnmd_error *err) {
  *out = NULL;
  if (n < 1) return nnmd_fail(err, NNMD_ERR_INTERNAL, "correlation plan for %lld samples", (long long)n);
  if (n > ((int64_t)1 << 40)) return nnmd_fail(err, NNMD_ERR_RANGE, "series of %lld samples is too long", (long long)n);
  struct nnmd_corr *c = nnmd_calloc(1, sizeof *c, err);
  if (!c) return NNMD_ERR_NOMEM;
  c->n = n;
  c->L = nice_length(2 * n);
#ifdef NNMD_HAVE_FFTW
  c->buf = fftw_malloc((size_t)c->L * sizeof(double));
  c->spec = fftw_malloc((size_t)(c->L / 2 + 1) * sizeof(fftw_complex));
  if (c->buf && c->spec && c->L <= INT32_MAX) {
    c->fwd = fftw_plan_dft_r2c_1d((int)c->L, c->buf, c->spec, FFTW_ESTIMATE);
    c->bwd = fftw_plan_dft_c2r_1d((int)c->L, c->spec, c->buf, FFTW_ESTIMATE);
  }
  if (!c->fwd || !c->bwd) {
    nnmd_corr_destroy(c);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "cannot make an FFT plan of length %lld", (long long)nice_length(2 * n));
  }
#else
  c->cos_tab = nnmd_malloc((size_t)c->L * sizeof(double), err);
  if (!c->cos_tab) {
    free(c);
    return NNMD_ERR_NOMEM;
  }
  for (int64_t j = 0; j < c->L; ++j) c->cos_tab[j] = cos(2.0 * NNMD_PI * (double)j / (double)c->L);
#endif
  *out = c;
  return NNMD_OK;
}

void nnmd_corr_destroy(struct nnmd_corr *c) {
  if (!c) return;
#ifdef NNMD_HAVE_FFTW
  if (c->fwd) fftw_destroy_plan(c->fwd);
  if (c->bwd) fftw_destroy_plan(c->bwd);
  fftw_free(c->buf);
  fftw_free(c->spec);
#else
  free(c->cos_tab);
#endif
  free(c);
}

int64_t nnmd_corr_padded(const struct nnmd_corr *c) { return c->L; }

void nnmd_corr_acf(struct nnmd_corr *c, const double *x, int64_t n, double *a) {
  if (n > c->n) n = c->n;
#ifdef NNMD_HAVE_FFTW
  memcpy(c->buf, x, (size_t)n * sizeof(double));
  memset(c->buf + n, 0, (size_t)(c->L - n) * sizeof(double));
  fftw_execute(c->fwd);
  for (int64_t k = 0; k <= c->L / 2; ++k) {
    double re = c->spec[k][0], im = c->spec[k][1];
    c->spec[k][0] = re * re + im * im;
    c->spec[k][1] = 0.0;
  }
  fftw_execute(c->bwd); /* unnormalised: L times the inverse transform */
  double s = 1.0 / (double)c->L;
  for (int64_t m = 0; m < n; ++m) a[m] = c->buf[m] * s;
#else
  for (int64_t m = 0; m < n; ++m) {
    double sum = 0.0;
    for (int64_t k = 0; k + m < n; ++k) sum += x[k] * x[k + m];
    a[m] = sum;
  }
#endif
}

void nnmd_corr_cos(struct nnmd_corr *c, const double *f, int64_t n, double *out) {
  if (n > c->L) n = c->L;
#ifdef NNMD_HAVE_FFTW
  memcpy(c->buf, f, (size_t)n * sizeof(double));
  memset(c->buf + n, 0, (size_t)(c->L - n) * sizeof(double));
  fftw_execute(c->fwd);
  for (int64_t k = 0; k <= c->L / 2; ++k) out[k] = c->spec[k][0];
#else
  for (int64_t k = 0; k <= c->L / 2; ++k) {
    double sum = 0.0;
    int64_t j = 0; /* k*m mod L, advanced without overflow */
    for (int64_t m = 0; m < n; ++m) {
      sum += f[m] * c->cos_tab[j];
      j += k;
      if (j >= c->L) j -= c->L;
    }
    out[k] = sum;
  }
#endif
}
