/* rng.c — Philox4x32-10 (see rng.h); the arithmetic lives in rng_math.h (shared with the
 * CUDA kernels). Constants from the Random123 paper. */
#include "rng.h"

#include "rng_math.h"

void nnmd_rng_raw4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, uint32_t out[4]) {
  nnmd_rngm_raw4(seed, id, step, purpose, index, out);
}

void nnmd_rng_uniform4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]) {
  nnmd_rngm_uniform4(seed, id, step, purpose, index, out);
}

void nnmd_rng_normal4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]) {
  nnmd_rngm_normal4(seed, id, step, purpose, index, out);
}
