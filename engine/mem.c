/* mem.c — see mem.h. */
#include "mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

void *nnmd_malloc(size_t bytes, struct nnmd_error *err) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
  return p;
}

void *nnmd_calloc(size_t n, size_t size, struct nnmd_error *err) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory allocating %zu x %zu bytes", n, size);
  return p;
}

int nnmd_realloc(void **p, size_t bytes, struct nnmd_error *err) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (!q) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory reallocating %zu bytes", bytes);
  *p = q;
  return NNMD_OK;
}

int nnmd_grow(void **p, size_t *cap, size_t need, size_t elem, struct nnmd_error *err) {
  if (need <= *cap && *p) return NNMD_OK;
  size_t c = *cap ? *cap : 16;
  while (c < need) c += c / 2 + 16;
  int st = nnmd_realloc(p, c * elem, err);
  if (st) return st;
  *cap = c;
  return NNMD_OK;
}

size_t nnmd_peak_rss(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (size_t)ru.ru_maxrss * 1024u; /* Linux: kilobytes */
}
