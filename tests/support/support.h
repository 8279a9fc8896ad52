/* support.h — test helpers: random structures, lattices, tolerance checks, paths. */
#ifndef NNMD_TEST_SUPPORT_H
#define NNMD_TEST_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "system.h"

/* Small deterministic RNG for tests (splitmix64). */
uint64_t tsup_rand_u64(uint64_t *state);
double tsup_rand_uniform(uint64_t *state); /* [0,1) */
double tsup_rand_normal(uint64_t *state);

/* Relative difference |a-b| / max(|a|,|b|,floor). */
double tsup_reldiff(double a, double b, double floor);
/* Path under shared/ (static buffer per call site not needed: writes into buf). */
const char *tsup_shared_path(char *buf, size_t n, const char *rel);
bool tsup_file_exists(const char *path);

#endif
