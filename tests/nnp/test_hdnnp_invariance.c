/* test_hdnnp_invariance.c — symmetries of the HDNNP term, through the engine path:
 *   rotation (random proper rotation of positions and cell): E equal, F and W rotate;
 *   translation: E and F unchanged;  permutation of the atom order: E equal, F permuted;
 *   2x2x2 replication of a periodic cell: E per atom and every force unchanged;
 *   net force sum_i F_i = 0 (and net torque = 0 for an isolated molecule).
 * Structures: the n2p2 references h2o_192 (cubic), cu2s_144 (monoclinic), dmabn_21
 * (molecule, polynomial SFs) and lj_gas_64, in native units.
 * Tolerances: the transformed evaluations differ only by rounding (another neighbour order,
 * rotated coordinates): 1e-12 relative in energy, 1e-10 of max|F| in forces and of max|W|
 * in the virial; net force below 1e-12 N max|F| (N roundings of size eps |F|).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdnnp.h"
#include "nnp_test_util.c"

struct result {
  double e, w[9];
  double *f;
};

static const char *const k_structs[][2] = {
    {"H2O_RPBE-D3", "h2o_192"}, {"Cu2S_PBE", "cu2s_144"}, {"DMABN_SCAN", "dmabn_21"}, {"LJ", "lj_gas_64"}};

static void evaluate(const char *model, const struct nt_struct *s, struct result *r) {
  char dir[1024];
  nt_model_path(dir, sizeof dir, model, "");
  struct nt_engine e;
  ck_assert_int_eq(nt_engine_init(&e, s, 1.0, 0.4), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  ck_assert_int_eq(nnmd_hdnnp_create_dir(dir, &e.sys->species, 1.0, 1.0, -1, NULL, &e.pot, &err), 0);
  e.log.rank = 1;
  r->f = malloc(3 * (size_t)s->n * sizeof(double));
  ck_assert_int_eq(nt_engine_compute(&e, &r->e, r->f, r->w, NULL), 0);
  nt_engine_free(&e);
  nnmd_error_clear(&err);
}

static double fmax_abs(const double *a, int n) {
  double m = 0;
  for (int k = 0; k < n; ++k) m = fmax(m, fabs(a[k]));
  return m;
}

static void copy_struct(struct nt_struct *d, const struct nt_struct *s) {
  *d = *s;
  d->x = malloc(3 * (size_t)s->n * sizeof(double));
  d->el = malloc((size_t)s->n * sizeof *s->el);
  memcpy(d->x, s->x, 3 * (size_t)s->n * sizeof(double));
  memcpy(d->el, s->el, (size_t)s->n * sizeof *s->el);
}

static void random_rotation(double R[3][3], uint64_t seed) {
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

static void rotate(double *v, const double R[3][3]) {
  double t[3] = {v[0], v[1], v[2]};
  for (int a = 0; a < 3; ++a) v[a] = R[a][0] * t[0] + R[a][1] * t[1] + R[a][2] * t[2];
}

START_TEST(symmetries) {
  const char *model = k_structs[_i][0], *name = k_structs[_i][1];
  char path[1200], rel[256];
  snprintf(rel, sizeof rel, "reference/%s.data", name);
  if (!nt_model_path(path, sizeof path, model, rel)) return;
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(path, &s), 0);
  int n = s.n;
  struct result r0;
  evaluate(model, &s, &r0);
  double fm = fmax_abs(r0.f, 3 * n), wm = fmax_abs(r0.w, 9);
  double worst_e = 0, worst_f = 0;
  /* net force (and torque for the molecule) */
  double net[3] = {0, 0, 0}, tq[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      net[d] += r0.f[3 * i + d];
      tq[d] += s.x[3 * i + (d + 1) % 3] * r0.f[3 * i + (d + 2) % 3] - s.x[3 * i + (d + 2) % 3] * r0.f[3 * i + (d + 1) % 3];
    }
  for (int d = 0; d < 3; ++d) ck_assert_double_le(fabs(net[d]), 1e-12 * n * fm);
  if (!s.periodic)
    for (int d = 0; d < 3; ++d) ck_assert_double_le(fabs(tq[d]), 1e-11 * n * fm);
  /* rotation */
  struct nt_struct t;
  copy_struct(&t, &s);
  double R[3][3];
  random_rotation(R, 77 + (uint64_t)_i);
  for (int i = 0; i < n; ++i) rotate(t.x + 3 * i, R);
  for (int k = 0; k < 3; ++k) rotate(t.lat[k], R);
  struct result r1;
  evaluate(model, &t, &r1);
  worst_e = fmax(worst_e, fabs(r1.e - r0.e) / fabs(r0.e));
  for (int i = 0; i < n; ++i) {
    double f[3] = {r0.f[3 * i], r0.f[3 * i + 1], r0.f[3 * i + 2]};
    rotate(f, R);
    for (int d = 0; d < 3; ++d) worst_f = fmax(worst_f, fabs(r1.f[3 * i + d] - f[d]) / fm);
  }
  /* W' = R W R^T */
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double v = 0;
      for (int p = 0; p < 3; ++p)
        for (int q = 0; q < 3; ++q) v += R[a][p] * r0.w[3 * p + q] * R[b][q];
      ck_assert_double_le(fabs(r1.w[3 * a + b] - v), 1e-10 * wm);
    }
  free(r1.f);
  /* translation */
  memcpy(t.x, s.x, 3 * (size_t)n * sizeof(double));
  memcpy(t.lat, s.lat, sizeof t.lat);
  for (int i = 0; i < n; ++i) {
    t.x[3 * i] += 3.7;
    t.x[3 * i + 1] -= 1.3;
    t.x[3 * i + 2] += 0.45;
  }
  evaluate(model, &t, &r1);
  worst_e = fmax(worst_e, fabs(r1.e - r0.e) / fabs(r0.e));
  for (int k = 0; k < 3 * n; ++k) worst_f = fmax(worst_f, fabs(r1.f[k] - r0.f[k]) / fm);
  free(r1.f);
  /* permutation: reverse order with a rotation of the index */
  int *perm = malloc((size_t)n * sizeof(int));
  for (int i = 0; i < n; ++i) perm[i] = (n - 1 - i + 5) % n;
  for (int i = 0; i < n; ++i) {
    memcpy(t.x + 3 * i, s.x + 3 * perm[i], 3 * sizeof(double));
    memcpy(t.el[i], s.el[perm[i]], sizeof t.el[i]);
  }
  evaluate(model, &t, &r1);
  worst_e = fmax(worst_e, fabs(r1.e - r0.e) / fabs(r0.e));
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) worst_f = fmax(worst_f, fabs(r1.f[3 * i + d] - r0.f[3 * perm[i] + d]) / fm);
  free(r1.f);
  free(perm);
  nt_struct_free(&t);
  /* 2x2x2 replication */
  if (s.periodic) {
    struct nt_struct b;
    b = s;
    b.n = 8 * n;
    b.x = malloc(3 * (size_t)b.n * sizeof(double));
    b.el = malloc((size_t)b.n * sizeof *b.el);
    int k = 0;
    for (int c0 = 0; c0 < 2; ++c0)
      for (int c1 = 0; c1 < 2; ++c1)
        for (int c2 = 0; c2 < 2; ++c2)
          for (int i = 0; i < n; ++i, ++k) {
            for (int d = 0; d < 3; ++d)
              b.x[3 * k + d] = s.x[3 * i + d] + c0 * s.lat[0][d] + c1 * s.lat[1][d] + c2 * s.lat[2][d];
            memcpy(b.el[k], s.el[i], sizeof b.el[k]);
          }
    for (int v = 0; v < 3; ++v)
      for (int d = 0; d < 3; ++d) b.lat[v][d] = 2 * s.lat[v][d];
    evaluate(model, &b, &r1);
    worst_e = fmax(worst_e, fabs(r1.e / 8 - r0.e) / fabs(r0.e));
    for (int q = 0; q < b.n; ++q)
      for (int d = 0; d < 3; ++d) worst_f = fmax(worst_f, fabs(r1.f[3 * q + d] - r0.f[3 * (q % n) + d]) / fm);
    for (int q = 0; q < 9; ++q) ck_assert_double_le(fabs(r1.w[q] / 8 - r0.w[q]), 1e-10 * wm);
    free(r1.f);
    free(b.x);
    free(b.el);
  }
  printf("  %-28s rotation/translation/permutation%s: max |dE|/|E| %.1e, max |dF|/max|F| %.1e\n", name,
         s.periodic ? "/2x2x2" : "", worst_e, worst_f);
  ck_assert_double_le(worst_e, 1e-12);
  ck_assert_double_le(worst_f, 1e-10);
  free(r0.f);
  nt_struct_free(&s);
}
END_TEST

int main(void) {
  char p[1024];
  nt_shared_path(p, sizeof p, "models/LJ/input.nn");
  if (!tsup_file_exists(p)) {
    printf("SKIP: %s absent\n", p);
    return 77;
  }
  if (nt_init()) return 1;
  Suite *s = suite_create("hdnnp_invariance");
  TCase *tc = tcase_create("symmetry");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, symmetries, 0, (int)(sizeof k_structs / sizeof k_structs[0]));
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
