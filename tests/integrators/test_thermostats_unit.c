/* test_thermostats_unit.c — the thermostats' parts that need no MD run: the random stream's
 * Gamma/chi-square deviates and the CSVR resampling (KS tests), input errors at line:column,
 * integrator selection (select.c) and the temperature ramp. The MD checks: test_thermostats.c.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrators.h"
#include "rng.h"
#include "support.h"
#include "thermo.h"
#include "thermostat_util.h"
#include "toml.h"

#include "thermostat_test_util.c"

/* ---- random deviates ---------------------------------------------------------------------- */

#define DEV_N 20000

/* Gamma(shape) deviates of the stream (one stream per draw, as the integrators use them). */
START_TEST(test_gamma_deviates) {
  static const double shapes[] = {0.3, 1.0, 2.5, 46.5, 5000.0};
  double *x = malloc(sizeof(double) * DEV_N), d;
  for (int k = 0; k < 5; ++k) {
    for (int i = 0; i < DEV_N; ++i) {
      struct nnmd_rstream rs;
      nnmd_rstream_init(&rs, 42, 0, i, NNMD_RNG_TEST, 0, 128);
      x[i] = nnmd_rstream_gamma(&rs, shapes[k]);
    }
    double p = ks_gamma(x, DEV_N, shapes[k], 1.0, &d);
    printf("Gamma(%g): KS D = %.4f, p = %.3f\n", shapes[k], d, p);
    ck_assert_msg(p > KS_P_MIN, "Gamma(%g) deviates: KS p = %.4f", shapes[k], p);
  }
  static const int64_t dofs[] = {1, 2, 7, 92, 93};
  for (int k = 0; k < 5; ++k) {
    for (int i = 0; i < DEV_N; ++i) {
      struct nnmd_rstream rs;
      nnmd_rstream_init(&rs, 43, 0, i, NNMD_RNG_TEST, 128, 256);
      x[i] = nnmd_rstream_chisq(&rs, dofs[k]);
    }
    double p = ks_gamma(x, DEV_N, 0.5 * (double)dofs[k], 2.0, &d);
    printf("chi2(%lld): KS D = %.4f, p = %.3f\n", (long long)dofs[k], d, p);
    ck_assert_msg(p > KS_P_MIN, "chi2(%lld) deviates: KS p = %.4f", (long long)dofs[k], p);
  }
  free(x);
}
END_TEST

/* A stream that outruns its block range continues on other counters, not on repeats. */
START_TEST(test_stream_pages) {
  struct nnmd_rstream rs;
  nnmd_rstream_init(&rs, 1, 0, 5, NNMD_RNG_TEST, 10, 12);
  double u[12];
  for (int i = 0; i < 12; ++i) u[i] = nnmd_rstream_uniform(&rs);
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < i; ++j) ck_assert(u[i] != u[j]);
  ck_assert_int_eq(rs.page, 1);
}
END_TEST

/* CSVR resampling: c = 0 draws K' ~ Gamma(N_f/2, kB T0) whatever K; c > 0 has mean
 * c K + (1 - c) Kbar (Bussi et al. eq. (A7) is an exact OU step of K). */
START_TEST(test_csvr_resample) {
  double n_f = 93.0, kt = 0.01, kbar = 0.5 * n_f * kt, k0 = 3.0 * kbar, d;
  double *x = malloc(sizeof(double) * DEV_N);
  for (int i = 0; i < DEV_N; ++i) {
    struct nnmd_rstream rs;
    nnmd_rstream_init(&rs, 7, 0, i, NNMD_RNG_CSVR, 0, 128);
    x[i] = nnmd_csvr_resample(k0, kbar, n_f, 0.0, &rs);
  }
  double p = ks_gamma(x, DEV_N, 0.5 * n_f, kt, &d);
  printf("CSVR c = 0: KS D = %.4f, p = %.3f\n", d, p);
  ck_assert(p > KS_P_MIN);
  double c = 0.6, m = 0, v = 0;
  for (int i = 0; i < DEV_N; ++i) {
    struct nnmd_rstream rs;
    nnmd_rstream_init(&rs, 8, 0, i, NNMD_RNG_CSVR, 0, 128);
    x[i] = nnmd_csvr_resample(k0, kbar, n_f, c, &rs);
    m += x[i];
  }
  m /= DEV_N;
  for (int i = 0; i < DEV_N; ++i) v += (x[i] - m) * (x[i] - m);
  double se = sqrt(v / (DEV_N - 1) / DEV_N), want = c * k0 + (1 - c) * kbar;
  printf("CSVR c = 0.6: mean %.6f +- %.6f, expected %.6f\n", m, se, want);
  ck_assert(fabs(m - want) < 4.0 * se);
  free(x);
}
END_TEST

/* ---- input, selection, ramp ------------------------------------------------------------------ */

/* Select and create from a [run] text; returns the status and the error's line. */
static int try_run(const char *text, const struct nnmd_integrator_ops **ops, int *line) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(text, "in.toml", &root, &err), 0);
  const struct nnmd_cfg *run = nnmd_cfg_get(root, "run");
  int st = nnmd_integrator_select(run, ops, &err);
  struct nnmd_integ_info info = {.units = nnmd_units_get("lammps"), .dt = 0.001, .n_global = 10, .n_dof = 27};
  void *state = NULL;
  if (!st) st = (*ops)->create(run, &info, &state, &err);
  if (state) (*ops)->destroy(state);
  *line = err.line;
  if (st) printf("  %s:%lld:%d: %s\n", err.file, (long long)err.line, err.col, err.msg);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return st;
}

START_TEST(test_select) {
  const struct nnmd_integrator_ops *ops = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_integrator_select(NULL, &ops, &err), 0);
  ck_assert_ptr_eq(ops, &nnmd_integ_nve);
  struct {
    const char *text;
    const struct nnmd_integrator_ops *want;
  } ok[] = {
      {"[run]\nensemble = 'nve'\n", &nnmd_integ_nve},
      {"[run]\nensemble = 'nvt'\ntemperature = 300\n", &nnmd_integ_nhc},
      {"[run]\nensemble = 'nvt'\nthermostat = 'nose-hoover'\ntemperature = 300\n", &nnmd_integ_nhc},
      {"[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 300\n", &nnmd_integ_csvr},
      {"[run]\nensemble = 'nvt'\nthermostat = 'langevin'\ntemperature = 300\n", &nnmd_integ_langevin},
      {"[run]\nensemble = 'nvt'\nthermostat = 'berendsen'\ntemperature = 300\n", &nnmd_integ_berendsen},
  };
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; ++k) {
    int line;
    ck_assert_int_eq(try_run(ok[k].text, &ops, &line), 0);
    ck_assert_ptr_eq(ops, ok[k].want);
  }
  /* NPT and FIRE (other files of the library) */
  struct {
    const char *text;
    const struct nnmd_integrator_ops *want;
  } npt[] = {
      {"[run]\nensemble = 'npt'\n", &nnmd_integ_mtk},
      {"[run]\nensemble = 'npt'\nthermostat = 'nose-hoover'\nbarostat = 'mtk'\n", &nnmd_integ_mtk},
      {"[run]\nensemble = 'npt'\nbarostat = 'c-rescale'\n", &nnmd_integ_crescale},
      {"[run]\nensemble = 'npt'\nbarostat = 'berendsen'\n", &nnmd_integ_berendsen_npt},
      {"[run]\nensemble = 'minimize'\n", &nnmd_integ_fire},
  };
  for (size_t k = 0; k < sizeof npt / sizeof npt[0]; ++k) {
    struct nnmd_cfg *root = NULL;
    ck_assert_int_eq(nnmd_toml_parse_string(npt[k].text, "in.toml", &root, &err), 0);
    ck_assert_int_eq(nnmd_integrator_select(nnmd_cfg_get(root, "run"), &ops, &err), 0);
    ck_assert_ptr_eq(ops, npt[k].want);
    nnmd_cfg_free(root);
  }
}
END_TEST

START_TEST(test_input_errors) {
  struct {
    const char *text;
    int line;
  } bad[] = {
      {"[run]\nensemble = 'nvt'\n", 1},                                          /* no temperature */
      {"[run]\nensemble = 'nvt'\ntemperature = -5\n", 3},
      {"[run]\nensemble = 'nvt'\ntemperature = 'hot'\n", 3},
      {"[run]\nensemble = 'nvt'\ntemperature = [100]\n", 3},
      {"[run]\nensemble = 'nvt'\ntemperature = [100,\n  0]\n", 4},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\ntdamp = 0\n", 4},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\nchain = 0\n", 4},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\nsubsteps = 0\n", 4},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\nsy = 2\n", 4},
      {"[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 100\nchain = 3\n", 5},
      {"[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 100\nplacement = 'middle'\n", 5},
      {"[run]\nensemble = 'nvt'\nthermostat = 'langevin'\ntemperature = 100\nsubsteps = 2\n", 5},
      {"[run]\nensemble = 'nvt'\nthermostat = 'langevin'\ntemperature = 100\nzero = 1\n", 5},
      {"[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 100\nzero = true\n", 5},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\nplacement = 'end'\n", 4},
      {"[run]\nensemble = 'nvt'\nthermostat = 'berendsen'\ntemperature = 100\ntdamp = 0.0005\n", 5},
      {"[run]\nensemble = 'nvt'\nthermostat = 'csvrr'\ntemperature = 100\n", 3},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\npressure = 1.0\n", 4},
      {"[run]\nensemble = 'nve'\ntemperature = 100\n", 3},
      {"[run]\nensemble = 'nve'\n\nthermostat = 'csvr'\n", 4},
      {"[run]\nensemble = 'npt'\nthermostat = 'langevin'\n", 3},
      {"[run]\nensemble = 'npt'\nbarostat = 'parrinello'\n", 3},
      {"[run]\nensemble = 'minimize'\nthermostat = 'csvr'\n", 3},
      {"[run]\nensemble = 'nvt'\ntemperature = 100\nftol = 1e-3\n", 4},
      {"[run]\nensemble = 'nve'\ncompressibility = 4.5e-5\n", 3},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    const struct nnmd_integrator_ops *ops = NULL;
    int line = -1, st = try_run(bad[k].text, &ops, &line);
    ck_assert_msg(st == NNMD_ERR_INPUT, "case %zu: status %d", k, st);
    ck_assert_msg(line == bad[k].line, "case %zu: error at line %d, expected %d", k, line, bad[k].line);
  }
}
END_TEST

START_TEST(test_ramp) {
  struct nnmd_tstat_params p = {.t_start = 100, .t_stop = 300, .tdamp = 0.1};
  struct nnmd_integ_ctx ctx = {.step = 50, .first_step = 0, .last_step = 200};
  ck_assert_double_eq_tol(nnmd_tstat_target(&p, &ctx), 150.0, 1e-12);
  /* a restart (first_step = the checkpoint's step) continues the ramp of the whole run */
  double packed[2];
  nnmd_tstat_ramp_pack(&p, packed);
  struct nnmd_tstat_params q = {.t_start = 100, .t_stop = 300, .tdamp = 0.1};
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_tstat_ramp_unpack(&q, packed, &err), NNMD_OK);
  /* a corrupt record is refused before any cast to an integer */
  struct nnmd_tstat_params r = q;
  const double garbage[][2] = {{1, 1e300}, {1, -3}, {1, 2.5}, {0.5, 0}, {1, NAN}};
  for (size_t k = 0; k < sizeof garbage / sizeof garbage[0]; ++k)
    ck_assert_int_eq(nnmd_tstat_ramp_unpack(&r, garbage[k], &err), NNMD_ERR_FORMAT);
  ck_assert_int_eq(r.ramp_first, q.ramp_first);
  nnmd_error_clear(&err);
  struct nnmd_integ_ctx later = {.step = 150, .first_step = 120, .last_step = 200};
  ck_assert_double_eq_tol(nnmd_tstat_target(&q, &later), 250.0, 1e-12);
  struct nnmd_tstat_params c = {.t_start = 100, .t_stop = 100, .tdamp = 0.1};
  ck_assert_double_eq(nnmd_tstat_target(&c, &later), 100.0);
  struct nnmd_integ_ctx empty = {.step = 1, .first_step = 0, .last_step = 0};
  struct nnmd_tstat_params e = {.t_start = 100, .t_stop = 300, .tdamp = 0.1};
  ck_assert_double_eq(nnmd_tstat_target(&e, &empty), 100.0);
}
END_TEST

Suite *thermostat_unit_suite(void) {
  Suite *s = suite_create("thermostats_unit");
  TCase *unit = tcase_create("unit");
  tcase_add_test(unit, test_select);
  tcase_add_test(unit, test_input_errors);
  tcase_add_test(unit, test_ramp);
  tcase_add_test(unit, test_stream_pages);
  tcase_add_test(unit, test_gamma_deviates);
  tcase_add_test(unit, test_csvr_resample);
  suite_add_tcase(s, unit);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(thermostat_unit_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
