/* support.c — see support.h. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "types.h"

uint64_t tsup_rand_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double tsup_rand_uniform(uint64_t *s) { return (double)(tsup_rand_u64(s) >> 11) * 0x1.0p-53; }

double tsup_rand_normal(uint64_t *s) {
  double u1 = tsup_rand_uniform(s), u2 = tsup_rand_uniform(s);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(2 * NNMD_PI * u2);
}

double tsup_reldiff(double a, double b, double floor) {
  double m = fmax(fmax(fabs(a), fabs(b)), floor);
  return fabs(a - b) / m;
}

const char *tsup_shared_path(char *buf, size_t n, const char *rel) {
#ifdef NNMD_SHARED_DIR
  snprintf(buf, n, "%s/%s", NNMD_SHARED_DIR, rel);
#else
  snprintf(buf, n, "../shared/%s", rel);
#endif
  return buf;
}

bool tsup_file_exists(const char *path) { return access(path, R_OK) == 0; }
