/* structure_test_util.c — helpers of the structure suites (test_structure.c,
 * test_structure_write.c), included by each: paths, temp files, loading a structure, atom
 * accessors, expecting a reader failure. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box_math.h"
#include "structure.h"
#include "support.h"
#include "units.h"
#include "write_extxyz.h"

#ifndef NNMD_SOURCE_DIR
#define NNMD_SOURCE_DIR "."
#endif
#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

/* ---- helpers --------------------------------------------------------------------------------- */

struct loaded {
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_structure_info info;
};

const char *data_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/tests/io/data/%s", NNMD_SOURCE_DIR, name);
  return buf;
}

/* NNMD_SHARED_DIR is defined for this test target (not for the support library). */
const char *shared_path(char *buf, size_t n, const char *rel) {
#ifdef NNMD_SHARED_DIR
  snprintf(buf, n, "%s/%s", NNMD_SHARED_DIR, rel);
#else
  snprintf(buf, n, "../shared/%s", rel);
#endif
  return buf;
}

const char *tmp_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/io_structure_%ld_%s", NNMD_TEST_TMP, (long)getpid(), name);
  return buf;
}

void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

int load(struct loaded *L, const char *path, const char *fmt, double scale,
                struct nnmd_error *err) {
  memset(L, 0, sizeof *L);
  ck_assert_int_eq(nnmd_system_create(&L->sys, err), NNMD_OK);
  return nnmd_read_structure(path, fmt, scale, L->sys, &L->box, &L->info, err);
}

void load_ok(struct loaded *L, const char *path, const char *fmt, double scale) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = load(L, path, fmt, scale, &err);
  if (st) nnmd_error_print(&err, stderr, true);
  ck_assert_int_eq(st, NNMD_OK);
  nnmd_error_clear(&err);
}

void unload(struct loaded *L) { nnmd_system_destroy(L->sys); }

double X(const struct nnmd_system *s, int64_t i, int d) { return s->x[d * s->capacity + i]; }
double V(const struct nnmd_system *s, int64_t i, int d) { return s->v[d * s->capacity + i]; }
int IMG(const struct nnmd_system *s, int64_t i, int d) { return s->image[d * s->capacity + i]; }
const char *SYM(const struct nnmd_system *s, int64_t i) { return s->species.s[s->type[i]].symbol; }

/* Read `text` (written to a temp file) and expect failure: status, message part, line. */
void expect_fail(const char *name, const char *text, const char *fmt, int status,
                        const char *part, int line) {
  char path[600];
  tmp_path(path, sizeof path, name);
  write_text(path, text);
  struct loaded L;
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = load(&L, path, fmt, 1.0, &err);
  ck_assert_msg(st == status, "%s: status %s, expected %s (%s)", name, nnmd_status_name(st),
                nnmd_status_name(status), err.msg);
  ck_assert_msg(strstr(err.msg, part) != NULL, "%s: message '%s' lacks '%s'", name, err.msg, part);
  ck_assert_msg(err.line == line, "%s: line %lld, expected %d (%s)", name, (long long)err.line, line, err.msg);
  ck_assert_msg(strcmp(err.file, path) == 0, "%s: file '%s'", name, err.file);
  nnmd_error_clear(&err);
  unload(&L);
  unlink(path);
}

void random_system(struct nnmd_system *s, struct nnmd_box *box, int64_t n, const double h[9],
                   const int per[3], double spread, uint64_t *rng) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  double lo[3] = {-1.0, 0.5, 2.0};
  ck_assert_int_eq(nnmd_box_set_h(box, h, lo, per, &err), NNMD_OK);
  ck_assert_int_eq(nnmd_system_reserve(s, n, &err), NNMD_OK);
  int t0 = nnmd_species_intern(&s->species, "Cu"), t1 = nnmd_species_intern(&s->species, "S");
  for (int64_t i = 0; i < n; ++i) {
    double f[3], r[3];
    for (int d = 0; d < 3; ++d) f[d] = spread * (tsup_rand_uniform(rng) - 0.5) + 0.5;
    nnmd_frac_to_cart(box->h, box->lo, f, r);
    for (int d = 0; d < 3; ++d) s->x[d * s->capacity + i] = r[d];
    s->id[i] = i + 1;
    s->type[i] = i % 3 ? t0 : t1;
  }
  s->n_local = s->n_global = n;
}
