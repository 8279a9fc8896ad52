/* rng_math.h — the counter-based generator of rng.h as header-only host/device code.
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC'11: 10 rounds of two 32x32->64 multiplies
 * with the round keys bumped by the Weyl constants) and Box-Muller, as `static inline
 * NNMD_HD` functions so that rng.c (host) and CUDA kernels (engine/gpu/avec.cu: Langevin noise)
 * compute the same numbers from the same counter. Counter layout: see rng.h.
 * The raw words and the uniforms are bit-identical on host and device; the normals use
 * log, sqrt, cos and sin of the platform's math library (device: CUDA's, within 1-2 ulp of
 * the host's), so device normals agree with host normals to ~1e-16 relative.
 */
#ifndef NNMD_RNG_MATH_H
#define NNMD_RNG_MATH_H

#include <math.h>
#include <stdint.h>

#include "types.h"

#define NNMD_PHILOX_M0 0xD2511F53u
#define NNMD_PHILOX_M1 0xCD9E8D57u
#define NNMD_PHILOX_W0 0x9E3779B9u
#define NNMD_PHILOX_W1 0xBB67AE85u

static inline NNMD_HD void nnmd_philox_mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t p = (uint64_t)a * b;
  *hi = (uint32_t)(p >> 32);
  *lo = (uint32_t)p;
}

/* Ten rounds on the counter c with key (k0, k1), in place. */
static inline NNMD_HD void nnmd_philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    nnmd_philox_mulhilo(NNMD_PHILOX_M0, c[0], &hi0, &lo0);
    nnmd_philox_mulhilo(NNMD_PHILOX_M1, c[2], &hi1, &lo1);
    uint32_t n0 = hi1 ^ c[1] ^ k0, n1 = lo1, n2 = hi0 ^ c[3] ^ k1, n3 = lo0;
    c[0] = n0;
    c[1] = n1;
    c[2] = n2;
    c[3] = n3;
    k0 += NNMD_PHILOX_W0;
    k1 += NNMD_PHILOX_W1;
  }
}

/* Four raw words of (seed, id, step, purpose, index). */
static inline NNMD_HD void nnmd_rngm_raw4(uint64_t seed, int64_t id, int64_t step, int purpose, int index,
                                          uint32_t out[4]) {
  uint64_t uid = (uint64_t)id, ust = (uint64_t)step;
  out[0] = (uint32_t)uid;
  out[1] = (uint32_t)(uid >> 32);
  out[2] = (uint32_t)ust;
  out[3] = ((uint32_t)(purpose & 0xff) << 24) | ((uint32_t)((ust >> 32) & 0xffff) << 8) |
           (uint32_t)(index & 0xff);
  nnmd_philox4x32_10(out, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/* Four uniforms in (0, 1): (word + 1/2) / 2^32. */
static inline NNMD_HD void nnmd_rngm_uniform4(uint64_t seed, int64_t id, int64_t step, int purpose, int index,
                                              double out[4]) {
  uint32_t r[4];
  nnmd_rngm_raw4(seed, id, step, purpose, index, r);
  for (int k = 0; k < 4; ++k) out[k] = ((double)r[k] + 0.5) * (1.0 / 4294967296.0);
}

/* Four standard normals: Box-Muller on the pairs (u0, u1), (u2, u3). */
static inline NNMD_HD void nnmd_rngm_normal4(uint64_t seed, int64_t id, int64_t step, int purpose, int index,
                                             double out[4]) {
  double u[4];
  nnmd_rngm_uniform4(seed, id, step, purpose, index, u);
  for (int k = 0; k < 4; k += 2) {
    double r = sqrt(-2.0 * log(u[k]));
    double t = 2.0 * NNMD_PI * u[k + 1];
    out[k] = r * cos(t);
    out[k + 1] = r * sin(t);
  }
}

#endif
