/* rng.h — counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
 *
 * A draw is a pure function of (seed, atom id, step, purpose, index): no generator state
 * exists, so a Langevin run gets the same noise on 1 rank or 8, on CPU or GPU, and after
 * a restart. Key = seed (64 bit); counter = (id lo, id hi, step lo, purpose<<24 | step hi
 * bits<<8 | index) — steps up to 2^48, 256 purposes, 256 blocks of 4 numbers per tuple.
 * Global draws (one per system, e.g. CSVR) use id = 0.
 */
#ifndef NNMD_RNG_H
#define NNMD_RNG_H

#include <stdint.h>

#include "types.h"

enum nnmd_rng_purpose {
  NNMD_RNG_VELOCITY = 1, /* initial velocities */
  NNMD_RNG_LANGEVIN = 2,
  NNMD_RNG_CSVR = 3,
  NNMD_RNG_BAROSTAT = 4,
  NNMD_RNG_GROUP = 5, /* group thermostats (integrators/group_tstat.c) */
  NNMD_RNG_TEST = 200
};

/* Four raw 32-bit words. */
void nnmd_rng_raw4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, uint32_t out[4]);
/* Four uniform doubles in (0, 1) (never 0 or 1). */
void nnmd_rng_uniform4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]);
/* Four standard normal doubles (Box-Muller on the uniforms). */
void nnmd_rng_normal4(uint64_t seed, int64_t id, int64_t step, int purpose, int index, double out[4]);

#endif
