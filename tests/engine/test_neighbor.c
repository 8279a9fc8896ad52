/* test_neighbor.c — ghosts + binned Verlet lists against a brute-force search over
 * explicit lattice translations, on random triclinic cells including cells thinner than
 * the cutoff (several images of the same atom). Exact comparison (same doubles). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "halo.h"
#include "neighbor.h"
#include "support.h"

struct vec {
  double d[3];
  int64_t id;
};

static int cmp_vec(const void *a, const void *b) {
  const struct vec *p = a, *q = b;
  if (p->id != q->id) return p->id < q->id ? -1 : 1;
  for (int k = 0; k < 3; ++k)
    if (fabs(p->d[k] - q->d[k]) > 1e-9) return p->d[k] < q->d[k] ? -1 : 1;
  return 0;
}

/* All (id, displacement) within rl of owned atom i, by brute force. */
static int brute(const struct nnmd_system *sys, const struct nnmd_box *box, int64_t i, double rl,
                 struct vec *out, int cap) {
  int64_t c = sys->capacity;
  int n = 0, m[3];
  for (int d = 0; d < 3; ++d) m[d] = (int)ceil(rl / box->width[d]) + 1;
  for (int64_t k = 0; k < sys->n_local; ++k)
    for (int a = -m[0]; a <= m[0]; ++a)
      for (int b = -m[1]; b <= m[1]; ++b)
        for (int e = -m[2]; e <= m[2]; ++e) {
          if (k == i && !a && !b && !e) continue;
          double d[3];
          for (int q = 0; q < 3; ++q)
            d[q] = sys->x[q * c + k] + a * box->h[3 * q] + b * box->h[3 * q + 1] + e * box->h[3 * q + 2] -
                   sys->x[q * c + i];
          if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] >= rl * rl) continue;
          ck_assert_int_lt(n, cap);
          out[n++] = (struct vec){{d[0], d[1], d[2]}, sys->id[k]};
        }
  return n;
}

static void check_system(struct nnmd_system *sys, const struct nnmd_box *pbox, double rc, double skin) {
  struct nnmd_box box = *pbox;
  struct nnmd_error err;
  nnmd_error_init(&err);
  char toml[512];
  snprintf(toml, sizeof toml,
           "[[potential]]\ntype='lj'\ncutoff=%.17g\npairs=[{species=['Ar','Ar'],epsilon=0.01,sigma=3.0},"
           "{species=['Kr','Kr'],epsilon=0.01,sigma=3.0},{species=['Ar','Kr'],epsilon=0.01,sigma=3.0}]\n",
           rc);
  struct nnmd_md md;
  struct nnmd_comm *comm;
  struct nnmd_log log;
  int st = tsup_md_setup(&md, &comm, &log, sys, &box, toml, skin, &err);
  if (st) nnmd_error_print(&err, stderr, true);
  ck_assert_int_eq(st, 0);
  /* a full list over the same ghosts */
  struct nnmd_nlist *full;
  ck_assert_int_eq(nnmd_nlist_create(&full, rc, skin, true, &err), 0);
  ck_assert_int_eq(nnmd_nlist_build(full, sys, &md.box, &err), 0);
  const struct nnmd_nlist *half = nnmd_ff_list(md.ff, 0);
  int64_t c = sys->capacity, half_total = 0, full_total = 0;
  int cap = 20000;
  struct vec *a = malloc(sizeof *a * (size_t)cap), *b = malloc(sizeof *b * (size_t)cap);
  for (int64_t i = 0; i < sys->n_local; ++i) {
    int nb = brute(sys, &md.box, i, rc + skin, b, cap);
    int na = full->count[i];
    ck_assert_int_eq(na, nb);
    for (int k = 0; k < na; ++k) {
      int j = full->idx[(size_t)i * (size_t)full->max_neigh + (size_t)k];
      a[k].id = sys->id[j];
      for (int q = 0; q < 3; ++q) a[k].d[q] = sys->x[q * c + j] - sys->x[q * c + i];
    }
    qsort(a, (size_t)na, sizeof *a, cmp_vec);
    qsort(b, (size_t)nb, sizeof *b, cmp_vec);
    for (int k = 0; k < na; ++k) ck_assert_int_eq(cmp_vec(&a[k], &b[k]), 0);
    full_total += na;
    half_total += half->count[i];
  }
  /* the half list holds every pair exactly once */
  ck_assert_int_eq(2 * half_total, full_total);
  free(a);
  free(b);
  nnmd_nlist_destroy(full);
  tsup_md_free(&md, comm);
  nnmd_error_clear(&err);
}

static void check_case(const double L[3], const double tilt[3], int64_t n, double rc, double skin, uint64_t seed) {
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  const char *sp[] = {"Ar", "Kr", NULL};
  ck_assert_int_eq(tsup_random_system(sys, &box, n, sp, L, tilt, 0.5, seed), 0);
  check_system(sys, &box, rc, skin);
  nnmd_system_destroy(sys);
}

START_TEST(orthogonal_large) {
  double L[3] = {30, 28, 26}, t[3] = {0, 0, 0};
  check_case(L, t, 600, 6.0, 1.0, 1);
}
END_TEST

START_TEST(triclinic_large) {
  double L[3] = {30, 28, 26}, t[3] = {6.0, -5.0, 4.0};
  check_case(L, t, 600, 6.0, 1.0, 2);
}
END_TEST

START_TEST(triclinic_thin) {
  /* cutoff+skin = 9 A, cell widths ~ 5-7 A: several images per atom */
  double L[3] = {7.0, 6.0, 5.5}, t[3] = {2.5, -2.0, 1.5};
  check_case(L, t, 12, 8.0, 1.0, 3);
}
END_TEST

START_TEST(very_thin_one_direction) {
  double L[3] = {3.1, 25.0, 24.0}, t[3] = {0.0, 1.0, -3.0};
  check_case(L, t, 60, 7.0, 0.5, 4);
}
END_TEST

/* Every atom in one plane of a non-periodic direction (a flat molecule or layer): the
 * bins along that direction have zero extent (regression: the bin reach overflowed int
 * and the list came out empty). */
START_TEST(flat_nonperiodic) {
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  const char *sp[] = {"Ar", "Kr", NULL};
  double L[3] = {20, 22, 30}, t[3] = {0, 0, 0};
  ck_assert_int_eq(tsup_random_system(sys, &box, 40, sp, L, t, 1.5, 9), 0);
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) sys->x[2 * c + i] = 5.0;
  int per[3] = {1, 1, 0};
  double lo[3] = {0, 0, 0};
  ck_assert_int_eq(nnmd_box_set_h(&box, box.h, lo, per, &err), 0);
  check_system(sys, &box, 6.0, 1.0);
  nnmd_system_destroy(sys);
}
END_TEST

int main(void) {
  Suite *s = suite_create("neighbor");
  TCase *tc = tcase_create("vs brute force");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, orthogonal_large);
  tcase_add_test(tc, triclinic_large);
  tcase_add_test(tc, triclinic_thin);
  tcase_add_test(tc, flat_nonperiodic);
  tcase_add_test(tc, very_thin_one_direction);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
