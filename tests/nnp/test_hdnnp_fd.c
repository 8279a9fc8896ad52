/* test_hdnnp_fd.c — forces and virial of the HDNNP term are the exact derivatives of its
 * energy: central finite differences on random periodic triclinic structures (models
 * H2O_RPBE-D3: types 2/3 + tanh cutoff; Cu2S_PBE: 2/3/9 + poly2 cutoff; DMABN_SCAN: 20/22
 * p2/p2a; LJ), including a cell with a lattice vector shorter than the cutoff, where atoms
 * see their own periodic images (n2p2-format.md section 9: our gradient must stay exact).
 * Everything runs through the engine path (halo ghosts + full list + reverse comm).
 *
 * Tolerances: |F_fd - F| <= 1e-6 max|F| for every component, and |W_fd - W| <= 1e-6 max|W|
 * (relative, as required). Step h = 1e-5 (model length unit) for positions and 1e-6 for the
 * strain: truncation ~h^2 |E'''| ~ 1e-10 and rounding ~eps |E| / h ~ 1e-9 (|E| ~ 1e2) are
 * both far below 1e-6 of typical forces (1e-2 .. 1). The unit test compares eV/Angstrom
 * results with native-unit results converted by hand to 1e-12 relative (pure rounding).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdnnp.h"
#include "nnp_test_util.c"

struct fd_case {
  const char *model;
  const char *syms[3];
  int nsym, natoms;
  double lat[3][3];
  double dmin;
};

/* Engine + term in native units for structure s. */
static void setup(struct nt_engine *e, const char *model, const struct nt_struct *s) {
  char dir[1024];
  nt_model_path(dir, sizeof dir, model, "");
  ck_assert_int_eq(nt_engine_init(e, s, 1.0, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e->ops = &nnmd_pot_hdnnp;
  int st = nnmd_hdnnp_create_dir(dir, &e->sys->species, 1.0, 1.0, -1, NULL, &e->pot, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  nnmd_error_clear(&err);
  e->log.verbosity = 0;
  e->log.rank = 1; /* silence extrapolation warnings: random structures are off-training */
}

static double energy_at(struct nt_engine *e, const double *x, const double lat[3][3]) {
  double en;
  ck_assert_int_eq(nt_engine_set(e, x, lat), 0);
  ck_assert_int_eq(nt_engine_compute(e, &en, NULL, NULL, NULL), 0);
  return en;
}

static void check_forces(struct nt_engine *e, const struct nt_struct *s, const char *label) {
  int n = s->n;
  double *x = malloc(3 * (size_t)n * sizeof(double)), *f = malloc(3 * (size_t)n * sizeof(double));
  memcpy(x, s->x, 3 * (size_t)n * sizeof(double));
  double en;
  ck_assert_int_eq(nt_engine_set(e, x, s->lat), 0);
  ck_assert_int_eq(nt_engine_compute(e, &en, f, NULL, NULL), 0);
  double fmaxv = 0, worst = 0;
  for (int k = 0; k < 3 * n; ++k) fmaxv = fmax(fmaxv, fabs(f[k]));
  const double h = 1e-5;
  for (int k = 0; k < 3 * n; ++k) {
    double x0 = x[k];
    x[k] = x0 + h;
    double ep = energy_at(e, x, s->lat);
    x[k] = x0 - h;
    double em = energy_at(e, x, s->lat);
    x[k] = x0;
    double ffd = -(ep - em) / (2 * h);
    double d = fabs(ffd - f[k]) / fmaxv;
    worst = fmax(worst, d);
    ck_assert_msg(d < 1e-6, "%s: atom %d comp %d: F %.12g, FD %.12g", label, k / 3 + 1, k % 3, f[k], ffd);
  }
  printf("  %-36s N=%3d forces: max |F_fd - F| / max|F| = %.2e (max|F| %.3g)\n", label, n, worst, fmaxv);
  free(x);
  free(f);
}

/* dU/d eps_ab = -W_ba for x -> (I + eps) x, cell rows -> (I + eps) row. */
static void check_virial(struct nt_engine *e, const struct nt_struct *s, const char *label) {
  int n = s->n;
  double *x = malloc(3 * (size_t)n * sizeof(double)), w[9], en;
  ck_assert_int_eq(nt_engine_set(e, s->x, s->lat), 0);
  ck_assert_int_eq(nt_engine_compute(e, &en, NULL, w, NULL), 0);
  double wmax = 0, worst = 0, asym = 0;
  for (int k = 0; k < 9; ++k) wmax = fmax(wmax, fabs(w[k]));
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) asym = fmax(asym, fabs(w[3 * a + b] - w[3 * b + a]) / wmax);
  const double h = 1e-6;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double epm[2];
      for (int sg = 0; sg < 2; ++sg) {
        double eps = sg ? -h : h, lat[3][3];
        for (int i = 0; i < n; ++i) {
          memcpy(x + 3 * i, s->x + 3 * i, 3 * sizeof(double));
          x[3 * i + a] += eps * s->x[3 * i + b];
        }
        memcpy(lat, s->lat, sizeof lat);
        for (int v = 0; v < 3; ++v) lat[v][a] += eps * s->lat[v][b];
        epm[sg] = energy_at(e, x, lat);
      }
      double dudeps = (epm[0] - epm[1]) / (2 * h);
      double d = fabs(-dudeps - w[3 * b + a]) / wmax;
      worst = fmax(worst, d);
      ck_assert_msg(d < 1e-6, "%s: virial %d%d: W %.12g, -dU/deps %.12g", label, b, a, w[3 * b + a], -dudeps);
    }
  ck_assert_msg(asym < 1e-10, "%s: virial not symmetric (%.3g)", label, asym);
  printf("  %-36s virial: max |W_fd - W| / max|W| = %.2e, asymmetry %.1e\n", label, worst, asym);
  free(x);
}

static const struct fd_case k_cases[] = {
    /* triclinic cells holding ~12 atoms; lengths in model units */
    {"H2O_RPBE-D3", {"O", "H"}, 2, 14, {{13.0, 0.0, 0.0}, {2.5, 12.0, 0.0}, {-1.8, 3.1, 12.5}}, 2.0},
    {"Cu2S_PBE", {"Cu", "S"}, 2, 14, {{7.0, 0.0, 0.0}, {1.3, 6.6, 0.0}, {0.9, -1.2, 6.9}}, 2.0},
    {"DMABN_SCAN", {"C", "H", "N"}, 3, 12, {{12.0, 0.0, 0.0}, {2.0, 11.5, 0.0}, {-1.5, 2.2, 12.2}}, 2.2},
    {"LJ", {"Ne"}, 1, 10, {{4.0, 0.0, 0.0}, {0.8, 3.8, 0.0}, {0.6, 0.5, 4.1}}, 0.9},
    /* thinner than the cutoff: a 5-bohr lattice vector with 12-bohr SFs (self images) */
    {"H2O_RPBE-D3", {"O", "H"}, 2, 6, {{5.0, 0.0, 0.0}, {1.0, 13.0, 0.0}, {0.7, 1.9, 12.0}}, 2.0},
    /* Cu2S with a 3.5 A vector (cutoff 6 A) */
    {"Cu2S_PBE", {"Cu", "S"}, 2, 5, {{3.5, 0.0, 0.0}, {0.6, 7.0, 0.0}, {0.4, 0.9, 7.2}}, 2.0},
};

START_TEST(fd_forces_virial) {
  const struct fd_case *c = &k_cases[_i];
  char p[1024];
  if (!nt_model_path(p, sizeof p, c->model, "input.nn")) return;
  struct nt_struct s;
  nt_random_struct(&s, c->natoms, c->lat, c->dmin, c->syms, c->nsym, 1234 + (uint64_t)_i);
  char label[128];
  snprintf(label, sizeof label, "%s%s", c->model, _i >= 4 ? " (thin cell)" : "");
  struct nt_engine e;
  setup(&e, c->model, &s);
  check_forces(&e, &s, label);
  check_virial(&e, &s, label);
  nt_engine_free(&e);
  nt_struct_free(&s);
}
END_TEST

/* The same structure in eV/Angstrom (bohr/hartree model) equals the native result converted. */
START_TEST(unit_conversion) {
  char dir[1024];
  if (!nt_model_path(dir, sizeof dir, "H2O_RPBE-D3", "input.nn")) return;
  nt_model_path(dir, sizeof dir, "H2O_RPBE-D3", "");
  const struct fd_case *c = &k_cases[0];
  struct nt_struct s;
  nt_random_struct(&s, c->natoms, c->lat, c->dmin, c->syms, c->nsym, 99);
  int n = s.n;
  double en0, en1, w0[9], w1[9];
  double *f0 = malloc(3 * (size_t)n * sizeof(double)), *f1 = malloc(3 * (size_t)n * sizeof(double));
  double *e0 = malloc((size_t)n * sizeof(double)), *e1 = malloc((size_t)n * sizeof(double));
  struct nt_engine e;
  setup(&e, "H2O_RPBE-D3", &s);
  ck_assert_int_eq(nt_engine_compute(&e, &en0, f0, w0, e0), 0);
  nt_engine_free(&e);
  /* engine units: positions in Angstrom */
  const double cfl = NNMD_BOHR_PER_ANGSTROM, cfe = NNMD_HARTREE_PER_EV;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0 / cfl, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  ck_assert_int_eq(nnmd_hdnnp_create_dir(dir, &e.sys->species, cfl, cfe, -1, NULL, &e.pot, &err), 0);
  e.log.rank = 1;
  ck_assert_double_eq_tol(nnmd_pot_hdnnp.cutoff(e.pot), 12.0 / cfl, 1e-12);
  ck_assert_int_eq(nt_engine_compute(&e, &en1, f1, w1, e1), 0);
  double tol = 1e-12;
  ck_assert_msg(fabs(en1 - en0 / cfe) < tol * fabs(en1), "energy %.17g vs %.17g", en1, en0 / cfe);
  double fm = 0;
  for (int k = 0; k < 3 * n; ++k) fm = fmax(fm, fabs(f1[k]));
  for (int k = 0; k < 3 * n; ++k) ck_assert_double_le(fabs(f1[k] - f0[k] * cfl / cfe), 1e-11 * fm);
  for (int i = 0; i < n; ++i) ck_assert_double_le(fabs(e1[i] - e0[i] / cfe), tol * fabs(e1[i]));
  double wm = 0;
  for (int k = 0; k < 9; ++k) wm = fmax(wm, fabs(w1[k]));
  for (int k = 0; k < 9; ++k) ck_assert_double_le(fabs(w1[k] - w0[k] / cfe), 1e-11 * wm);
  /* switching the converted term to native units reproduces the native numbers exactly */
  nnmd_hdnnp_set_native_units(e.pot);
  ck_assert_double_eq(nnmd_pot_hdnnp.cutoff(e.pot), 12.0);
  nt_engine_free(&e);
  nnmd_error_clear(&err);
  free(f0);
  free(f1);
  free(e0);
  free(e1);
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
  Suite *s = suite_create("hdnnp_fd");
  TCase *tc = tcase_create("fd");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, fd_forces_virial, 0, (int)(sizeof k_cases / sizeof k_cases[0]));
  tcase_add_test(tc, unit_conversion);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
