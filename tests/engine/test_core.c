/* test_core.c — engine core: counter RNG (determinism, moments, independence of streams),
 * box maths (fractional round trip, wrap with image counts, widths, minimum image), config
 * getters ("did you mean"), species table. Statistical tolerances are 5 sigma for 1e5
 * samples (mean 5/sqrt(N) = 0.016, variance 5*sqrt(2/N) = 0.022). */
#include <check.h>
#include <math.h>

#include "box.h"
#include "box_math.h"
#include "config.h"
#include "rng.h"
#include "species.h"

START_TEST(rng_deterministic_and_normal) {
  double a[4], b[4];
  nnmd_rng_normal4(42, 7, 100, NNMD_RNG_LANGEVIN, 0, a);
  nnmd_rng_normal4(42, 7, 100, NNMD_RNG_LANGEVIN, 0, b);
  for (int k = 0; k < 4; ++k) ck_assert_double_eq(a[k], b[k]);
  nnmd_rng_normal4(42, 8, 100, NNMD_RNG_LANGEVIN, 0, b);
  ck_assert(a[0] != b[0]);
  nnmd_rng_normal4(42, 7, 101, NNMD_RNG_LANGEVIN, 0, b);
  ck_assert(a[0] != b[0]);
  nnmd_rng_normal4(42, 7, 100, NNMD_RNG_CSVR, 0, b);
  ck_assert(a[0] != b[0]);
  double s = 0, s2 = 0, c = 0;
  int n = 100000;
  for (int i = 0; i < n / 4; ++i) {
    double g[4];
    nnmd_rng_normal4(1, i, 3, NNMD_RNG_TEST, 0, g);
    for (int k = 0; k < 4; ++k) {
      s += g[k];
      s2 += g[k] * g[k];
    }
    c += g[0] * g[1];
  }
  ck_assert_double_lt(fabs(s / n), 0.016);
  ck_assert_double_lt(fabs(s2 / n - 1.0), 0.022);
  ck_assert_double_lt(fabs(c / (n / 4)), 0.032);
}
END_TEST

START_TEST(box_math) {
  struct nnmd_box b;
  struct nnmd_error err;
  nnmd_error_init(&err);
  double lo[3] = {1, -2, 0.5};
  int per[3] = {1, 1, 1};
  ck_assert_int_eq(nnmd_box_set_lammps(&b, lo, 10, 9, 8, 2, -1, 1.5, per, &err), 0);
  ck_assert_double_lt(fabs(b.volume - 720.0), 1e-12);
  ck_assert_double_lt(fabs(b.width[2] - 8.0), 1e-12);
  double r[3] = {3.3, 4.4, -5.5}, s[3], r2[3];
  nnmd_cart_to_frac(b.h_inv, b.lo, r, s);
  nnmd_frac_to_cart(b.h, b.lo, s, r2);
  for (int k = 0; k < 3; ++k) ck_assert_double_lt(fabs(r[k] - r2[k]), 1e-13);
  double x = -1e-17;
  ck_assert_int_eq(nnmd_wrap_frac(&x), 0); /* 1 - 1e-17 rounds to 1: kept at 0, no image change */
  ck_assert(x >= 0.0 && x < 1.0);
  x = 2.25;
  ck_assert_int_eq(nnmd_wrap_frac(&x), 2);
  ck_assert_double_eq(x, 0.25);
  double d[3] = {9.5, 0.1, 0.2};
  nnmd_min_image(b.h, b.h_inv, b.periodic, d);
  ck_assert_double_lt(fabs(d[0] + 0.5), 1e-13);
  double bad[9] = {1, 0, 0, 0, 1, 0, 1, 1, 0};
  ck_assert_int_eq(nnmd_box_set_h(&b, bad, lo, per, &err), NNMD_ERR_INPUT);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(config_suggest) {
  const char *words[] = {"timestep", "steps", "temperature", NULL};
  ck_assert_str_eq(nnmd_suggest("timestpe", words), "timestep");
  ck_assert_str_eq(nnmd_suggest("step", words), "steps");
  ck_assert_ptr_null(nnmd_suggest("xyzzy", words));
  struct nnmd_cfg *t = nnmd_cfg_new(NNMD_CFG_TABLE, (struct nnmd_loc){"a.toml", 1, 1});
  struct nnmd_cfg *v = nnmd_cfg_new(NNMD_CFG_INT, (struct nnmd_loc){"a.toml", 3, 7});
  v->u.i = -4;
  nnmd_cfg_table_set(t, "steps", (struct nnmd_loc){"a.toml", 3, 1}, v);
  struct nnmd_error err;
  nnmd_error_init(&err);
  int64_t n = 0;
  ck_assert_int_eq(nnmd_cfg_int(t, "steps", true, 0, 10, &n, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.line, 3);
  ck_assert_int_eq(err.col, 7);
  double dd = 1;
  ck_assert_int_eq(nnmd_cfg_double(t, "steps", true, 0, 10, &dd, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.count, 2);
  nnmd_error_clear(&err);
  nnmd_cfg_free(t);
}
END_TEST

START_TEST(species_table) {
  struct nnmd_species_table t = {0};
  ck_assert_int_eq(nnmd_species_intern(&t, "Cu"), 0);
  ck_assert_int_eq(nnmd_species_intern(&t, "S"), 1);
  ck_assert_int_eq(nnmd_species_intern(&t, "Cu"), 0);
  ck_assert_int_eq(nnmd_species_intern(&t, "Qq"), -1);
  ck_assert_int_eq(t.s[0].z, 29);
  ck_assert_double_lt(fabs(t.s[0].mass - 63.546), 1e-9);
  ck_assert_int_eq(nnmd_element_z("Og"), 118);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, rng_deterministic_and_normal);
  tcase_add_test(tc, box_math);
  tcase_add_test(tc, config_suggest);
  tcase_add_test(tc, species_table);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
