/* rng.c — Philox4x32-10 (see rng.h). Constants from the Random123 paper. */
#include "rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t p = (uint64_t)a * b;
  *hi = (uint32_t)(p >> 32);
  *lo = (uint32_t)p;
}

static void philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(PHILOX_M0, c[0], &hi0, &lo0);
    mulhilo(PHILOX_M1, c[2], &hi1, &lo1);
    uint32_t n0 = hi1 ^ c[1] ^ k0, n1 = lo1, n2 = hi0 ^ c[3] ^ k1, n3 = lo0;
    c[0] = n0;
    c[1] = n1;
    c[2] = n2;
    c[3] = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
}

void nnmd_rng_raw4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, uint32_t out[4]) {
  uint64_t uid = (uint64_t)id, ust = (uint64_t)step;
  out[0] = (uint32_t)uid;
  out[1] = (uint32_t)(uid >> 32);
  out[2] = (uint32_t)ust;
  out[3] = ((uint32_t)(purpose & 0xff) << 24) | ((uint32_t)((ust >> 32) & 0xffff) << 8) |
           (uint32_t)(index & 0xff);
  philox4x32_10(out, (uint32_t)seed, (uint32_t)(seed >> 32));
}

void nnmd_rng_uniform4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]) {
  uint32_t r[4];
  nnmd_rng_raw4(seed, id, step, purpose, index, r);
  for (int k = 0; k < 4; ++k) out[k] = ((double)r[k] + 0.5) * (1.0 / 4294967296.0);
}

void nnmd_rng_normal4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]) {
  double u[4];
  nnmd_rng_uniform4(seed, id, step, purpose, index, u);
  for (int k = 0; k < 4; k += 2) {
    double r = sqrt(-2.0 * log(u[k]));
    double t = 2.0 * NNMD_PI * u[k + 1];
    out[k] = r * cos(t);
    out[k + 1] = r * sin(t);
  }
}
