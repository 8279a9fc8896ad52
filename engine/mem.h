/* mem.h — checked allocation: failures are reported into the error record. */
#ifndef NNMD_MEM_H
#define NNMD_MEM_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

void *nnmd_malloc(size_t bytes, struct nnmd_error *err);
void *nnmd_calloc(size_t n, size_t size, struct nnmd_error *err);
/* realloc that keeps *p valid on failure. Returns status. */
int nnmd_realloc(void **p, size_t bytes, struct nnmd_error *err);
/* Grow an array so that it holds at least `need` elements (geometric growth). */
int nnmd_grow(void **p, size_t *cap, size_t need, size_t elem, struct nnmd_error *err);
/* Peak resident set size of this process in bytes (0 if unknown). */
size_t nnmd_peak_rss(void);

#endif
