/* gather.c — see gather.h. Records are doubles: x(3) v(3) f(3) image(3) id type fields. */
#include "gather.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static int width(const struct nnmd_system *sys) {
  int w = 14;
  for (int k = 0; k < sys->n_fields; ++k)
    if (sys->fields[k].migrate) w += sys->fields[k].ncomp;
  return w;
}

static int unpack_all(const struct nnmd_system *sys, const double *buf, int64_t n, int w, struct nnmd_system *out,
                      struct nnmd_error *err) {
  int st = nnmd_system_reserve(out, n, err);
  for (int k = 0; k < sys->n_fields && !st; ++k)
    if (sys->fields[k].migrate)
      st = nnmd_system_field_add(out, sys->fields[k].name, sys->fields[k].ncomp, false, NULL, err);
  if (st) return st;
  int64_t c = out->capacity;
  for (int64_t r = 0; r < n; ++r) {
    const double *p = buf + r * w;
    int64_t i = (int64_t)p[12] - 1; /* ids are 1..N */
    if (i < 0 || i >= n) return nnmd_fail(err, NNMD_ERR_INTERNAL, "gather: atom id %lld outside 1..%lld", (long long)p[12], (long long)n);
    for (int d = 0; d < 3; ++d) {
      out->x[d * c + i] = p[d];
      out->v[d * c + i] = p[3 + d];
      out->f[d * c + i] = p[6 + d];
      out->image[d * c + i] = (int32_t)p[9 + d];
    }
    out->id[i] = (int64_t)p[12];
    out->type[i] = (int)p[13];
    int q = 14;
    for (int k = 0, fo = 0; k < sys->n_fields; ++k) {
      if (!sys->fields[k].migrate) continue;
      struct nnmd_field *f = &out->fields[fo++];
      for (int m = 0; m < f->ncomp; ++m) f->data[m * c + i] = p[q++];
    }
  }
  out->n_local = out->n_global = n;
  return NNMD_OK;
}

int nnmd_system_gather(const struct nnmd_system *sys, const struct nnmd_comm *comm, int root,
                       struct nnmd_system **full, struct nnmd_error *err) {
  *full = NULL;
  int w = width(sys);
  int64_t n = sys->n_local, c = sys->capacity;
  double *buf = nnmd_malloc((size_t)(n * w + 1) * sizeof(double), err);
  if (!buf) return NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < n; ++i) {
    double *p = buf + i * w;
    for (int d = 0; d < 3; ++d) {
      p[d] = sys->x[d * c + i];
      p[3 + d] = sys->v[d * c + i];
      p[6 + d] = sys->f[d * c + i];
      p[9 + d] = (double)sys->image[d * c + i];
    }
    p[12] = (double)sys->id[i];
    p[13] = (double)sys->type[i];
    int q = 14;
    for (int k = 0; k < sys->n_fields; ++k) {
      const struct nnmd_field *f = &sys->fields[k];
      if (!f->migrate) continue;
      for (int m = 0; m < f->ncomp; ++m) p[q++] = f->data[m * c + i];
    }
  }
  void *all = NULL;
  int64_t bytes = 0;
  int st = nnmd_comm_gather(comm, buf, n * w * (int64_t)sizeof(double), &all, &bytes, root, err);
  free(buf);
  if (st || nnmd_comm_rank(comm) != root) {
    free(all);
    return st;
  }
  int64_t total = bytes / (int64_t)sizeof(double) / w;
  if (total != sys->n_global) {
    free(all);
    return nnmd_fail(err, NNMD_ERR_PHYSICS, "atoms lost: %lld gathered, %lld expected", (long long)total,
                     (long long)sys->n_global);
  }
  struct nnmd_system *out;
  if ((st = nnmd_system_create(&out, err))) {
    free(all);
    return st;
  }
  out->species = sys->species;
  st = unpack_all(sys, all, total, w, out, err);
  free(all);
  if (st) {
    nnmd_system_destroy(out);
    return st;
  }
  *full = out;
  return NNMD_OK;
}
