/* bec_test_util.c — helpers of the BEC test suites (included after nnp_test_util.c):
 * the sample models under tests/data/bec, evaluation of the "bec" term through the engine
 * path (halo ghosts -> full list -> compute), rotations, structure copies and extxyz output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bec.h"

#ifndef NNMD_SOURCE_DIR
#define NNMD_SOURCE_DIR "."
#endif

/* Folder of a sample model (LiPO, HO, tiny) or data file under tests/data/bec. */
const char *bt_data(char *buf, size_t n, const char *rel) {
  snprintf(buf, n, "%s/tests/data/bec/%s", NNMD_SOURCE_DIR, rel);
  return buf;
}

/* Z* (engine order, 9 per atom, atom-major z[9i + 3 alpha + beta]) of every atom of s
 * (positions x scale, in A) with the model in `dir`; returns the term's status. */
int bt_eval(const char *dir, const struct nt_struct *s, double scale, double *z, int64_t *warnings) {
  struct nt_engine e;
  int st = nt_engine_init(&e, s, scale, 0.3);
  if (st) return st;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_term_info info;
  memset(&info, 0, sizeof info);
  info.species = &e.sys->species;
  e.ops = &nnmd_pot_bec;
  st = nnmd_bec_term_create(dir, &info, &e.pot, &err);
  if (st) {
    nnmd_error_print(&err, stderr, false);
    nnmd_error_clear(&err);
    nt_engine_free(&e);
    return st;
  }
  e.log.rank = 1; /* quiet: extrapolation warnings are expected on random structures */
  st = nt_engine_compute(&e, NULL, NULL, NULL, NULL);
  if (!st) {
    const double *zf = nnmd_system_field(e.sys, "bec");
    int64_t cap = e.sys->capacity;
    for (int i = 0; i < s->n; ++i)
      for (int k = 0; k < 9; ++k) z[9 * i + k] = zf[k * cap + i];
    if (warnings) *warnings = nnmd_pot_bec.warnings(e.pot);
  }
  nt_engine_free(&e);
  nnmd_error_clear(&err);
  return st;
}

double bt_max_abs(const double *a, int n) {
  double m = 0;
  for (int k = 0; k < n; ++k) m = fmax(m, fabs(a[k]));
  return m;
}

void bt_copy(struct nt_struct *d, const struct nt_struct *s) {
  *d = *s;
  d->x = malloc(3 * (size_t)s->n * sizeof(double));
  d->el = malloc((size_t)s->n * sizeof *s->el);
  memcpy(d->x, s->x, 3 * (size_t)s->n * sizeof(double));
  memcpy(d->el, s->el, (size_t)s->n * sizeof *s->el);
}

/* A random proper rotation (unit quaternion from 4 normal deviates). */
void bt_rotation(double R[3][3], uint64_t seed) {
  uint64_t st = seed;
  double q[4], n = 0;
  for (int k = 0; k < 4; ++k) {
    q[k] = tsup_rand_normal(&st);
    n += q[k] * q[k];
  }
  n = sqrt(n);
  double a = q[0] / n, b = q[1] / n, c = q[2] / n, d = q[3] / n;
  double M[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                    {2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)},
                    {2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d}};
  memcpy(R, M, sizeof M);
}

void bt_apply(double *v, const double R[3][3]) {
  double t[3] = {v[0], v[1], v[2]};
  for (int a = 0; a < 3; ++a) v[a] = R[a][0] * t[0] + R[a][1] * t[1] + R[a][2] * t[2];
}

/* Replicate a periodic structure n0 x n1 x n2 (copy c of atom i at index c*n + i). */
void bt_replicate(struct nt_struct *b, const struct nt_struct *s, int n0, int n1, int n2) {
  *b = *s;
  b->n = n0 * n1 * n2 * s->n;
  b->x = malloc(3 * (size_t)b->n * sizeof(double));
  b->el = malloc((size_t)b->n * sizeof *b->el);
  int k = 0;
  for (int c0 = 0; c0 < n0; ++c0)
    for (int c1 = 0; c1 < n1; ++c1)
      for (int c2 = 0; c2 < n2; ++c2)
        for (int i = 0; i < s->n; ++i, ++k) {
          for (int d = 0; d < 3; ++d)
            b->x[3 * k + d] = s->x[3 * i + d] + c0 * s->lat[0][d] + c1 * s->lat[1][d] + c2 * s->lat[2][d];
          memcpy(b->el[k], s->el[i], sizeof b->el[k]);
        }
  for (int d = 0; d < 3; ++d) {
    b->lat[0][d] = n0 * s->lat[0][d];
    b->lat[1][d] = n1 * s->lat[1][d];
    b->lat[2][d] = n2 * s->lat[2][d];
  }
}

/* Write s (positions x scale) as extxyz with %.17g (exact round trip). */
int bt_write_extxyz(const char *path, const struct nt_struct *s, double scale) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "%d\n", s->n);
  if (s->periodic) {
    fprintf(f, "Lattice=\"");
    for (int k = 0; k < 3; ++k)
      for (int d = 0; d < 3; ++d) fprintf(f, "%s%.17g", k + d ? " " : "", s->lat[k][d] * scale);
    fprintf(f, "\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n");
  } else {
    fprintf(f, "Properties=species:S:1:pos:R:3 pbc=\"F F F\"\n");
  }
  for (int i = 0; i < s->n; ++i)
    fprintf(f, "%s %.17g %.17g %.17g\n", s->el[i], s->x[3 * i] * scale, s->x[3 * i + 1] * scale,
            s->x[3 * i + 2] * scale);
  return fclose(f);
}

/* Read species and positions of a small extxyz (Lattice="..." optional). */
int bt_read_extxyz(const char *path, struct nt_struct *s) {
  memset(s, 0, sizeof *s);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  if (!fgets(line, sizeof line, f) || sscanf(line, "%d", &s->n) != 1 || s->n <= 0 || !fgets(line, sizeof line, f)) {
    fclose(f);
    return -1;
  }
  const char *lat = strstr(line, "Lattice=\"");
  if (lat) {
    double *v = &s->lat[0][0];
    s->periodic = sscanf(lat + 9, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", v, v + 1, v + 2, v + 3, v + 4, v + 5,
                         v + 6, v + 7, v + 8) == 9;
  }
  s->x = calloc(3 * (size_t)s->n, sizeof(double));
  s->el = calloc((size_t)s->n, sizeof *s->el);
  int ok = 1;
  for (int i = 0; i < s->n && ok; ++i) {
    char el[8];
    ok = fgets(line, sizeof line, f) &&
         sscanf(line, "%7s %lf %lf %lf", el, &s->x[3 * i], &s->x[3 * i + 1], &s->x[3 * i + 2]) == 4;
    snprintf(s->el[i], 4, "%.3s", el);
  }
  fclose(f);
  return ok ? 0 : -1;
}
