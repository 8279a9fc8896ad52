/* system.c — see system.h. */
#include "system.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

int nnmd_system_create(struct nnmd_system **out, struct nnmd_error *err) {
  struct nnmd_system *s = calloc(1, sizeof *s);
  if (!s) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory creating the system");
  *out = s;
  return NNMD_OK;
}

void nnmd_system_destroy(struct nnmd_system *s) {
  if (!s) return;
  free(s->x);
  free(s->v);
  free(s->f);
  free(s->id);
  free(s->type);
  free(s->image);
  for (int k = 0; k < s->n_fields; ++k) free(s->fields[k].data);
  free(s);
}

/* Re-layout a component-block array from stride old_cap to new_cap. */
static int regrow(void **p, size_t elem, int ncomp, int64_t old_cap, int64_t new_cap, int64_t n,
                  struct nnmd_error *err) {
  char *q = nnmd_calloc((size_t)ncomp * (size_t)new_cap, elem, err);
  if (!q) return NNMD_ERR_NOMEM;
  if (*p)
    for (int c = 0; c < ncomp; ++c)
      memcpy(q + (size_t)c * new_cap * elem, (char *)*p + (size_t)c * old_cap * elem, (size_t)n * elem);
  free(*p);
  *p = q;
  return NNMD_OK;
}

int nnmd_system_reserve(struct nnmd_system *s, int64_t n, struct nnmd_error *err) {
  if (n <= s->capacity) return NNMD_OK;
  int64_t cap = s->capacity ? s->capacity : 64;
  while (cap < n) cap += cap / 2 + 16;
  int64_t used = s->n_local + s->n_ghost, old = s->capacity;
  int st = NNMD_OK;
  if ((st = regrow((void **)&s->x, sizeof(double), 3, old, cap, used, err)) ||
      (st = regrow((void **)&s->v, sizeof(double), 3, old, cap, used, err)) ||
      (st = regrow((void **)&s->f, sizeof(double), 3, old, cap, used, err)) ||
      (st = regrow((void **)&s->id, sizeof(int64_t), 1, old, cap, used, err)) ||
      (st = regrow((void **)&s->type, sizeof(int), 1, old, cap, used, err)) ||
      (st = regrow((void **)&s->image, sizeof(int32_t), 3, old, cap, used, err)))
    return st;
  for (int k = 0; k < s->n_fields; ++k)
    if ((st = regrow((void **)&s->fields[k].data, sizeof(double), s->fields[k].ncomp, old, cap, used,
                     err)))
      return st;
  s->capacity = cap;
  return NNMD_OK;
}

int nnmd_system_field_add(struct nnmd_system *s, const char *name, int ncomp, bool halo, int *idx,
                          struct nnmd_error *err) {
  for (int k = 0; k < s->n_fields; ++k)
    if (strcmp(s->fields[k].name, name) == 0) {
      if (s->fields[k].ncomp != ncomp)
        return nnmd_fail(err, NNMD_ERR_INTERNAL, "per-atom field '%s' requested with %d and %d components",
                         name, s->fields[k].ncomp, ncomp);
      s->fields[k].halo |= halo;
      if (idx) *idx = k;
      return NNMD_OK;
    }
  if (s->n_fields >= NNMD_MAX_FIELDS)
    return nnmd_fail(err, NNMD_ERR_RANGE, "too many per-atom fields (max %d)", NNMD_MAX_FIELDS);
  struct nnmd_field *f = &s->fields[s->n_fields];
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", name);
  f->ncomp = ncomp;
  f->halo = halo;
  f->migrate = true;
  size_t cap = s->capacity > 0 ? (size_t)s->capacity : 1;
  f->data = nnmd_calloc((size_t)ncomp * cap, sizeof(double), err);
  if (!f->data) return NNMD_ERR_NOMEM;
  if (idx) *idx = s->n_fields;
  s->n_fields++;
  return NNMD_OK;
}

double *nnmd_system_field(const struct nnmd_system *s, const char *name) {
  for (int k = 0; k < s->n_fields; ++k)
    if (strcmp(s->fields[k].name, name) == 0) return s->fields[k].data;
  return NULL;
}

struct nnmd_field *nnmd_system_field_info(struct nnmd_system *s, const char *name) {
  for (int k = 0; k < s->n_fields; ++k)
    if (strcmp(s->fields[k].name, name) == 0) return &s->fields[k];
  return NULL;
}

void nnmd_system_copy_atom(struct nnmd_system *s, int64_t dst, int64_t src) {
  int64_t c = s->capacity;
  for (int d = 0; d < 3; ++d) {
    s->x[d * c + dst] = s->x[d * c + src];
    s->v[d * c + dst] = s->v[d * c + src];
    s->f[d * c + dst] = s->f[d * c + src];
    s->image[d * c + dst] = s->image[d * c + src];
  }
  s->id[dst] = s->id[src];
  s->type[dst] = s->type[src];
  for (int k = 0; k < s->n_fields; ++k) {
    struct nnmd_field *f = &s->fields[k];
    if (!f->migrate) continue;
    for (int m = 0; m < f->ncomp; ++m) f->data[m * c + dst] = f->data[m * c + src];
  }
}

int nnmd_system_permute(struct nnmd_system *s, const int64_t *perm, struct nnmd_error *err) {
  int64_t n = s->n_local, c = s->capacity;
  double *tmp = nnmd_malloc((size_t)n * sizeof(double), err);
  if (!tmp) return NNMD_ERR_NOMEM;
  for (int d = 0; d < 3; ++d) {
    double *arrs[3] = {s->x + d * c, s->v + d * c, s->f + d * c};
    for (int a = 0; a < 3; ++a) {
      for (int64_t k = 0; k < n; ++k) tmp[k] = arrs[a][perm[k]];
      memcpy(arrs[a], tmp, (size_t)n * sizeof(double));
    }
    int32_t *im = s->image + d * c;
    int32_t *t32 = (int32_t *)tmp;
    for (int64_t k = 0; k < n; ++k) t32[k] = im[perm[k]];
    memcpy(im, t32, (size_t)n * sizeof(int32_t));
  }
  int64_t *t64 = (int64_t *)tmp;
  for (int64_t k = 0; k < n; ++k) t64[k] = s->id[perm[k]];
  memcpy(s->id, t64, (size_t)n * sizeof(int64_t));
  int *ti = (int *)tmp;
  for (int64_t k = 0; k < n; ++k) ti[k] = s->type[perm[k]];
  memcpy(s->type, ti, (size_t)n * sizeof(int));
  for (int q = 0; q < s->n_fields; ++q) {
    struct nnmd_field *f = &s->fields[q];
    for (int m = 0; m < f->ncomp; ++m) {
      double *a = f->data + m * c;
      for (int64_t k = 0; k < n; ++k) tmp[k] = a[perm[k]];
      memcpy(a, tmp, (size_t)n * sizeof(double));
    }
  }
  free(tmp);
  s->n_ghost = 0;
  return NNMD_OK;
}
