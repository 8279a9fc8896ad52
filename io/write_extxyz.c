/* write_extxyz.c — one extended XYZ frame (format and units in write_extxyz.h).
 *
 * Algorithm: sort the owned atoms by id (index array), write the count line, the key=value
 * line, then one line per atom with the requested columns. Reals use %.17g (round-trips
 * exactly through strtod). Stream errors are checked once at the end of the frame.
 */
#include "write_extxyz.h"

#include "box_math.h"

#include <ctype.h>
#include <stdlib.h>

#include "mem.h"

struct id_index {
  int64_t id, idx;
};

static int cmp_id(const void *a, const void *b) {
  int64_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;
  return (x > y) - (x < y);
}

int nnmd_sorted_by_id(const struct nnmd_system *sys, int64_t **order, struct nnmd_error *err) {
  int64_t n = sys->n_local;
  size_t m = (size_t)(n > 0 ? n : 1);
  struct id_index *tmp = nnmd_malloc(m * sizeof *tmp, err);
  *order = nnmd_malloc(m * sizeof **order, err);
  if (!tmp || !*order) {
    free(tmp);
    free(*order);
    *order = NULL;
    return NNMD_ERR_NOMEM;
  }
  for (int64_t i = 0; i < n; ++i) tmp[i] = (struct id_index){sys->id[i], i};
  qsort(tmp, (size_t)n, sizeof *tmp, cmp_id);
  for (int64_t i = 0; i < n; ++i) (*order)[i] = tmp[i].idx;
  free(tmp);
  return NNMD_OK;
}

static int check_columns(const struct nnmd_extxyz_frame *fr, struct nnmd_error *err) {
  for (int k = 0; k < fr->n_extra; ++k) {
    const struct nnmd_extxyz_column *c = &fr->extra[k];
    bool ok = c->name && c->name[0] && c->ncomp >= 1 && c->data;
    for (const char *p = c->name; ok && *p; ++p) ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok)
      return nnmd_fail(err, NNMD_ERR_INPUT, "extxyz column %d ('%s') needs a name of letters, digits "
                       "and '_', at least one component and data", k + 1, c->name ? c->name : "");
  }
  return NNMD_OK;
}

/* A 3x3 row-major tensor, written in ASE's column-major order, scaled by s. */
static void put_tensor(FILE *f, const char *key, const double *m, double s) {
  fprintf(f, " %s=\"", key);
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r) fprintf(f, "%s%.17g", (r || c) ? " " : "", s * m[3 * r + c]);
  fputc('"', f);
}

static void put_properties(FILE *f, const struct nnmd_extxyz_frame *fr) {
  fputs(" Properties=species:S:1:pos:R:3", f);
  if (fr->ids) fputs(":id:I:1", f);
  if (fr->velocities) fputs(":velocities:R:3", f);
  if (fr->forces) fputs(":forces:R:3", f);
  for (int k = 0; k < fr->n_extra; ++k) fprintf(f, ":%s:R:%d", fr->extra[k].name, fr->extra[k].ncomp);
}

static void put_comment(FILE *f, const struct nnmd_box *box, const struct nnmd_extxyz_frame *fr) {
  fputs("Lattice=\"", f);
  for (int k = 0; k < 3; ++k)
    for (int d = 0; d < 3; ++d) fprintf(f, "%s%.17g", (k || d) ? " " : "", box->h[3 * d + k]);
  fputc('"', f);
  put_properties(f, fr);
  if (fr->has_energy) fprintf(f, " energy=%.17g", fr->energy);
  if (fr->has_virial) put_tensor(f, "virial", fr->virial, 1.0);
  if (fr->has_virial && fr->write_stress) put_tensor(f, "stress", fr->virial, -1.0 / box->volume);
  if (fr->has_step) fprintf(f, " step=%lld", (long long)fr->step);
  if (fr->has_time) fprintf(f, " time=%.17g", fr->time);
  if (fr->unwrapped) fputs(" unwrapped=T", f); /* pos holds unwrapped positions (nnmd analyze uses them as they are) */
  if (box->lo[0] != 0 || box->lo[1] != 0 || box->lo[2] != 0)
    fprintf(f, " Origin=\"%.17g %.17g %.17g\"", box->lo[0], box->lo[1], box->lo[2]);
  fprintf(f, " pbc=\"%c %c %c\"\n", box->periodic[0] ? 'T' : 'F', box->periodic[1] ? 'T' : 'F',
          box->periodic[2] ? 'T' : 'F');
}

static void put_vec3(FILE *f, const double *a, int64_t stride, int64_t i) {
  fprintf(f, " %.17g %.17g %.17g", a[i], a[stride + i], a[2 * stride + i]);
}

static void put_atom(FILE *f, const struct nnmd_system *sys, const struct nnmd_box *box,
                     const struct nnmd_extxyz_frame *fr, const double *uw, int64_t i) {
  int64_t c = sys->capacity;
  double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]};
  if (fr->unwrapped && uw) /* the run's displacement-tracked positions (exact under NPT) */
    for (int d = 0; d < 3; ++d) r[d] = uw[d * c + i];
  else if (fr->unwrapped)
    for (int d = 0; d < 3; ++d)
      for (int k = 0; k < 3; ++k) r[d] += box->h[3 * d + k] * sys->image[k * c + i];
  else if (fr->wrap) {
    double s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    bool out = false;
    for (int d = 0; d < 3; ++d)
      if (box->periodic[d] && (s[d] < 0.0 || s[d] >= 1.0)) {
        nnmd_wrap_frac(&s[d]);
        out = true;
      }
    if (out) nnmd_frac_to_cart(box->h, box->lo, s, r);
  }
  fprintf(f, "%-2s %.17g %.17g %.17g", sys->species.s[sys->type[i]].symbol, r[0], r[1], r[2]);
  if (fr->ids) fprintf(f, " %lld", (long long)sys->id[i]);
  if (fr->velocities) put_vec3(f, sys->v, c, i);
  if (fr->forces) put_vec3(f, sys->f, c, i);
  for (int k = 0; k < fr->n_extra; ++k) {
    const struct nnmd_extxyz_column *col = &fr->extra[k];
    int64_t stride = col->stride ? col->stride : c;
    for (int m = 0; m < col->ncomp; ++m) fprintf(f, " %.17g", col->data[m * stride + i]);
  }
  fputc('\n', f);
}

int nnmd_write_extxyz_frame(FILE *f, const struct nnmd_system *sys, const struct nnmd_box *box,
                            const struct nnmd_extxyz_frame *fr, struct nnmd_error *err) {
  static const struct nnmd_extxyz_frame plain;
  if (!fr) fr = &plain;
  int st = check_columns(fr, err);
  if (st) return st;
  int64_t *order = NULL;
  if ((st = nnmd_sorted_by_id(sys, &order, err))) return st;
  fprintf(f, "%lld\n", (long long)sys->n_local);
  put_comment(f, box, fr);
  const double *uw = fr->unwrapped ? nnmd_system_field(sys, "unwrapped") : NULL;
  for (int64_t k = 0; k < sys->n_local; ++k) put_atom(f, sys, box, fr, uw, order[k]);
  free(order);
  if (fflush(f) != 0 || ferror(f))
    return nnmd_fail(err, NNMD_ERR_FILE, "write error while writing an extxyz frame");
  return NNMD_OK;
}
