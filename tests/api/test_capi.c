/* test_capi.c — the public C API of libnnmd (api/nnmd.h), linked statically
 * here (the Python tests load the same code as libnnmd.so):
 *  - errors, each with its status and a message naming the problem: no /
 * missing model folder, bad or half-given units, an n2p2 model without units,
 * species not in the model, no atoms, pbc without a cell, a non-element, a
 * non-finite position, atoms too close, Born charges without a BEC model; a
 * calculator still works after a failed compute;
 *  - Cu2S (eV/A, periodic) and the water dimer (Bohr/Hartree, isolated) against
 * n2p2's reference energies and forces (1e-9 relative / 1e-8 eV/A), per-atom
 * energies adding up to the energy, stress = -W/V for periodic and NaN for
 * isolated structures;
 *  - the API equals the path of `nnmd predict` (structure read by io/,
 * nnmd_calc_compute) bit for bit;
 *  - Born charges (HO model) obey the acoustic sum rule;
 *  - four threads with four calculators at once give the serial results bit for
 * bit.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calculator.h"
#include "nnmd.h"
#include "structure.h"
#include "support.h"
#include "units.h"

#ifndef NNMD_SOURCE_DIR
#define NNMD_SOURCE_DIR "."
#endif

static char g_cu2s[1024], g_h2o[1024];

struct arrays {
  int64_t n;
  int *z;
  double *x, cell[9];
  int pbc[3];
  bool has_cell;
};

/* A reference structure (n2p2 .data, model units) as API arrays in A (scale = A
 * per model unit). */
static void load_arrays(const char *path, double scale, struct arrays *a) {
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  ck_assert_msg(nnmd_read_structure(path, "n2p2", scale, sys, &box, NULL, &err) == 0, "%s", err.msg);
  int64_t n = sys->n_local, c = sys->capacity;
  a->n = n;
  a->z = malloc((size_t)n * sizeof(int));
  a->x = malloc((size_t)n * 3 * sizeof(double));
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = sys->id[i] - 1;
    a->z[j] = sys->species.s[sys->type[i]].z;
    for (int d = 0; d < 3; ++d)
      a->x[3 * j + d] = sys->x[d * c + i];
  }
  a->has_cell = box.periodic[0] != 0;
  for (int k = 0; k < 3; ++k) {
    a->pbc[k] = box.periodic[k];
    for (int d = 0; d < 3; ++d)
      a->cell[3 * k + d] = a->has_cell ? box.h[3 * d + k] : 0.0;
  }
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
}

static void free_arrays(struct arrays *a) {
  free(a->z);
  free(a->x);
}

/* Energy and forces (model units) of a .ref file. */
static double read_ref(const char *path, int64_t n, double *f) {
  FILE *in = fopen(path, "r");
  ck_assert_ptr_nonnull(in);
  char line[512];
  double e = NAN;
  while (fgets(line, sizeof line, in)) {
    long idx;
    char el[8];
    double fx, fy, fz, ea;
    if (!strncmp(line, "energy ", 7))
      e = strtod(line + 7, NULL);
    else if (sscanf(line, "atom %ld %7s %lf %lf %lf %lf", &idx, el, &fx, &fy, &fz, &ea) == 6 && idx >= 1 && idx <= n) {
      f[3 * (idx - 1)] = fx;
      f[3 * (idx - 1) + 1] = fy;
      f[3 * (idx - 1) + 2] = fz;
    }
  }
  fclose(in);
  return e;
}

static nnmd_calculator *make(const char *model, const char *lu, const char *eu, const char *bec) {
  char msg[1024];
  nnmd_calculator *c = NULL;
  int st = nnmd_calculator_create(model, lu, eu, bec, NULL, &c, msg, sizeof msg);
  ck_assert_msg(st == NNMD_API_OK && c, "create %s: %s", model, msg);
  ck_assert_str_eq(msg, "");
  return c;
}

START_TEST(test_version) {
  ck_assert_int_eq(nnmd_api_version(), NNMD_API_VERSION);
  ck_assert_ptr_nonnull(nnmd_library_version());
  ck_assert_int_eq(nnmd_atomic_number("Cu"), 29);
  ck_assert_int_eq(nnmd_atomic_number("Xx"), 0);
  ck_assert_int_eq(nnmd_atomic_number(NULL), 0);
  ck_assert_str_eq(nnmd_status_string(NNMD_API_ERR_INPUT), "ERR_INPUT");
}
END_TEST

static void expect_create(int want, const char *model, const char *lu, const char *eu, const char *bec,
                          const char *words) {
  char msg[1024] = "untouched";
  nnmd_calculator *c = (nnmd_calculator *)&msg; /* must be reset to NULL */
  int st = nnmd_calculator_create(model, lu, eu, bec, NULL, &c, msg, sizeof msg);
  ck_assert_msg(st == want, "create(%s, %s, %s): status %d (%s), expected %d: %s", model ? model : "NULL",
                lu ? lu : "NULL", eu ? eu : "NULL", st, nnmd_status_string(st), want, msg);
  ck_assert_ptr_null(c);
  ck_assert_msg(strstr(msg, words) != NULL, "message '%s' lacks '%s'", msg, words);
}

START_TEST(test_create_errors) {
  expect_create(NNMD_API_ERR_INPUT, NULL, "angstrom", "eV", NULL, "no model folder");
  expect_create(NNMD_API_ERR_FILE, "/nonexistent/model_dir", "angstrom", "eV", NULL, "/nonexistent/model_dir");
  expect_create(NNMD_API_ERR_FILE, "/nonexistent/model_dir", NULL, NULL, NULL,
                "the model folder '/nonexistent/model_dir' has no readable input.nn");
  expect_create(NNMD_API_ERR_INPUT, g_cu2s, "nm", "eV", NULL, "length_unit must be 'angstrom' or 'bohr', got 'nm'");
  expect_create(NNMD_API_ERR_INPUT, g_cu2s, "angstrom", "kcal", NULL, "energy_unit must be 'eV' or 'hartree'");
  expect_create(NNMD_API_ERR_INPUT, g_cu2s, "angstrom", NULL, NULL, "give both length_unit and energy_unit");
  expect_create(NNMD_API_ERR_INPUT, g_cu2s, NULL, NULL, NULL, "does not record its units");
  expect_create(NNMD_API_ERR_FILE, g_cu2s, "angstrom", "eV", "/nonexistent/bec_dir", "/nonexistent/bec_dir");
  /* msg may be NULL; out must not be */
  ck_assert_int_eq(nnmd_calculator_create("/nonexistent", "angstrom", "eV", NULL, NULL, NULL, NULL, 0),
                   NNMD_API_ERR_INPUT);
  nnmd_calculator *c = NULL;
  ck_assert_int_ne(nnmd_calculator_create("/nonexistent", "angstrom", "eV", NULL, NULL, &c, NULL, 0), 0);
  nnmd_calculator_destroy(NULL);
}
END_TEST

static void expect_compute(nnmd_calculator *c, int want, int64_t n, const int *z, const double *x, const double *cell,
                           const int *pbc, double *born, const char *words) {
  char msg[1024] = "";
  nnmd_result r;
  double f[3 * 8];
  int st = nnmd_calculator_compute(c, n, z, x, cell, pbc, &r, n <= 8 ? f : NULL, NULL, born, msg, sizeof msg);
  ck_assert_msg(st == want, "status %d (%s), expected %d: %s", st, nnmd_status_string(st), want, msg);
  ck_assert_msg(strstr(msg, words) != NULL, "message '%s' lacks '%s'", msg, words);
}

START_TEST(test_compute_errors) {
  nnmd_calculator *c = make(g_cu2s, "angstrom", "eV", NULL);
  const int zs[2] = {29, 16}, zo[2] = {29, 8}, zbad[2] = {29, 0};
  const double x[6] = {0, 0, 0, 2.2, 0, 0}, xclose[6] = {0, 0, 0, 0.001, 0, 0}, xnan[6] = {0, 0, 0, NAN, 0, 0};
  const double cell[9] = {8, 0, 0, 0, 8, 0, 0, 0, 8}, flat[9] = {8, 0, 0, 16, 0, 0, 0, 0, 8};
  const int p3[3] = {1, 1, 1}, p0[3] = {0, 0, 0};
  double born[18];
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zo, x, cell, p3, NULL,
                 "element 'O' of the structure is not in the HDNNP model");
  expect_compute(c, NNMD_API_ERR_INPUT, 0, zs, x, cell, p3, NULL, "no atoms");
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zs, x, NULL, p3, NULL, "pbc is periodic but there is no cell");
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zbad, x, cell, p3, NULL, "atom 2 has atomic number 0");
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zs, xnan, cell, p3, NULL, "atom 2 has a position that is not finite");
  expect_compute(c, NNMD_API_ERR_PHYSICS, 2, zs, xclose, cell, p3, NULL, "atoms 1 and 2 are only");
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zs, x, cell, p3, born, "no Born-charge model");
  expect_compute(c, NNMD_API_ERR_INPUT, 2, zs, x, flat, p3, NULL, "cell");
  char msg[64];
  ck_assert_int_eq(nnmd_calculator_compute(c, 2, zs, x, cell, p3, NULL, NULL, NULL, NULL, msg, sizeof msg),
                   NNMD_API_ERR_INPUT);
  /* still usable, and isolated / periodic of the same pair differ only by the
   * images */
  nnmd_result r0, r1;
  double f[6];
  ck_assert_int_eq(nnmd_calculator_compute(c, 2, zs, x, NULL, p0, &r0, f, NULL, NULL, msg, sizeof msg), 0);
  ck_assert_int_eq(nnmd_calculator_compute(c, 2, zs, x, cell, p3, &r1, NULL, NULL, NULL, msg, sizeof msg), 0);
  ck_assert(isfinite(r0.energy) && isfinite(r1.energy) && r0.energy != r1.energy);
  ck_assert(isnan(r0.stress[0]) && isfinite(r1.stress[0]));
  ck_assert_double_eq_tol(f[0], -f[3], 1e-12); /* Newton's third law for a pair */
  nnmd_calculator_destroy(c);
}
END_TEST

START_TEST(test_cu2s_reference) {
  char path[1200];
  struct arrays a;
  snprintf(path, sizeof path, "%s/reference/cu2s_144.data", g_cu2s);
  load_arrays(path, 1.0, &a);
  ck_assert(a.has_cell);
  nnmd_calculator *c = make(g_cu2s, "angstrom", "eV", NULL);
  double *f = malloc((size_t)a.n * 3 * sizeof(double)), *fr = malloc((size_t)a.n * 3 * sizeof(double));
  double *ea = malloc((size_t)a.n * sizeof(double));
  nnmd_result r;
  char msg[1024];
  int st = nnmd_calculator_compute(c, a.n, a.z, a.x, a.cell, a.pbc, &r, f, ea, NULL, msg, sizeof msg);
  ck_assert_msg(st == 0, "%s", msg);
  snprintf(path, sizeof path, "%s/reference/cu2s_144.ref", g_cu2s);
  double eref = read_ref(path, a.n, fr);
  ck_assert_msg(fabs(r.energy - eref) <= 1e-9 * fabs(eref), "energy %.17g vs n2p2 %.17g", r.energy, eref);
  double esum = 0, fmax = 0;
  for (int64_t i = 0; i < a.n; ++i) {
    esum += ea[i];
    for (int d = 0; d < 3; ++d)
      fmax = fmax > fabs(f[3 * i + d] - fr[3 * i + d]) ? fmax : fabs(f[3 * i + d] - fr[3 * i + d]);
  }
  ck_assert_msg(fmax <= 1e-8, "forces differ from n2p2 by %.3g eV/A", fmax);
  ck_assert_msg(fabs(esum - r.energy) <= 1e-10 * fabs(r.energy), "sum of per-atom energies %.17g vs %.17g", esum,
                r.energy);
  ck_assert_int_eq(r.extrapolation_warnings, 0);
  ck_assert_int_eq(r.has_born_charges, 0);
  for (int k = 0; k < 9; ++k)
    ck_assert_double_eq_tol(r.stress[k], -r.virial[k] / r.volume, 1e-15);

  /* the predict path: io reader + the shared calculator, bit for bit */
  struct nnmd_calc_opts o = {.model = g_cu2s, .cflength = 1.0, .cfenergy = 1.0};
  struct nnmd_calc *calc = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_calc_create(&o, &calc, &err), 0);
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  snprintf(path, sizeof path, "%s/reference/cu2s_144.data", g_cu2s);
  ck_assert_int_eq(nnmd_read_structure(path, NULL, 1.0, sys, &box, NULL, &err), 0);
  struct nnmd_calc_frame fr2;
  ck_assert_msg(nnmd_calc_compute(calc, sys, &box, &fr2, &err) == 0, "%s", err.msg);
  ck_assert(fr2.md.epot == r.energy);
  ck_assert(memcmp(fr2.md.virial, r.virial, sizeof r.virial) == 0);
  const struct nnmd_system *s2 = fr2.md.sys;
  for (int64_t i = 0; i < s2->n_local; ++i) {
    int64_t j = s2->id[i] - 1;
    for (int d = 0; d < 3; ++d)
      ck_assert(s2->f[d * s2->capacity + i] == f[3 * j + d]);
    ck_assert(fr2.md.eatom[i] == ea[j]);
  }
  nnmd_calc_frame_release(&fr2);
  nnmd_calc_destroy(calc);
  nnmd_error_clear(&err);
  nnmd_calculator_destroy(c);
  free(f);
  free(fr);
  free(ea);
  free_arrays(&a);
}
END_TEST

START_TEST(test_water_dimer_isolated_bec) {
  char path[1200], bec[1200];
  struct arrays a;
  snprintf(path, sizeof path, "%s/reference/h2o_dimer.data", g_h2o);
  load_arrays(path, 1.0 / NNMD_BOHR_PER_ANGSTROM, &a);
  ck_assert(!a.has_cell);
  snprintf(bec, sizeof bec, "%s/tests/data/bec/HO", NNMD_SOURCE_DIR);
  nnmd_calculator *c = make(g_h2o, "bohr", "hartree", bec);
  ck_assert_int_eq(nnmd_calculator_has_born_charges(c), 1);
  double f[18], fr[18], z[54];
  nnmd_result r;
  char msg[1024];
  int st = nnmd_calculator_compute(c, a.n, a.z, a.x, NULL, a.pbc, &r, f, NULL, z, msg, sizeof msg);
  ck_assert_msg(st == 0, "%s", msg);
  snprintf(path, sizeof path, "%s/reference/h2o_dimer.ref", g_h2o);
  double eref = read_ref(path, a.n, fr) / NNMD_HARTREE_PER_EV;
  ck_assert_msg(fabs(r.energy - eref) <= 1e-9 * fabs(eref), "energy %.17g vs n2p2 %.17g", r.energy, eref);
  for (int k = 0; k < 18; ++k) {
    double fe = fr[k] * NNMD_BOHR_PER_ANGSTROM / NNMD_HARTREE_PER_EV;
    ck_assert_msg(fabs(f[k] - fe) <= 1e-8, "force %d: %.10g vs %.10g", k, f[k], fe);
  }
  ck_assert(isnan(r.stress[0]) && r.volume > 0);
  ck_assert_int_eq(r.has_born_charges, 1);
  ck_assert_int_gt(r.extrapolation_warnings, 0); /* the dimer is outside the liquid's SF ranges */
  double zmax = 0;
  for (int k = 0; k < 9; ++k) {
    double s = 0;
    for (int64_t i = 0; i < a.n; ++i) {
      s += z[9 * i + k];
      zmax = fmax(zmax, fabs(z[9 * i + k]));
    }
    ck_assert_msg(fabs(s) <= 1e-12 * zmax + 1e-14, "sum rule: component %d sums to %.3g", k, s);
  }
  ck_assert(zmax > 0.1);
  nnmd_calculator_destroy(c);
  free_arrays(&a);
}
END_TEST

struct job {
  struct arrays *a;
  double energy, f[3 * 144];
  int st;
};

static void *worker(void *arg) {
  struct job *j = arg;
  nnmd_calculator *c = NULL;
  char msg[512];
  j->st = nnmd_calculator_create(g_cu2s, "angstrom", "eV", NULL, NULL, &c, msg, sizeof msg);
  for (int rep = 0; rep < 3 && !j->st; ++rep) {
    nnmd_result r;
    j->st = nnmd_calculator_compute(c, j->a->n, j->a->z, j->a->x, j->a->cell, j->a->pbc, &r, j->f, NULL, NULL, msg,
                                    sizeof msg);
    j->energy = r.energy;
  }
  nnmd_calculator_destroy(c);
  return NULL;
}

START_TEST(test_threads) {
  char path[1200];
  struct arrays a;
  snprintf(path, sizeof path, "%s/reference/cu2s_144.data", g_cu2s);
  load_arrays(path, 1.0, &a);
  ck_assert_int_eq(a.n, 144);
  static struct job serial, jobs[4];
  serial.a = &a;
  worker(&serial);
  ck_assert_int_eq(serial.st, 0);
  pthread_t th[4];
  for (int k = 0; k < 4; ++k) {
    jobs[k].a = &a;
    ck_assert_int_eq(pthread_create(&th[k], NULL, worker, &jobs[k]), 0);
  }
  for (int k = 0; k < 4; ++k) {
    pthread_join(th[k], NULL);
    ck_assert_int_eq(jobs[k].st, 0);
    ck_assert(jobs[k].energy == serial.energy);
    ck_assert(memcmp(jobs[k].f, serial.f, sizeof serial.f) == 0);
  }
  free_arrays(&a);
}
END_TEST

int main(void) {
  tsup_shared_path(g_cu2s, sizeof g_cu2s, "models/Cu2S_PBE");
  tsup_shared_path(g_h2o, sizeof g_h2o, "models/H2O_RPBE-D3");
  Suite *s = suite_create("capi");
  TCase *tc = tcase_create("capi");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_version);
  if (tsup_file_exists(g_cu2s) && tsup_file_exists(g_h2o)) {
    tcase_add_test(tc, test_create_errors);
    tcase_add_test(tc, test_compute_errors);
    tcase_add_test(tc, test_cu2s_reference);
    tcase_add_test(tc, test_water_dimer_isolated_bec);
    tcase_add_test(tc, test_threads);
  } else
    printf("shared models absent: only the model-free tests run\n");
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
