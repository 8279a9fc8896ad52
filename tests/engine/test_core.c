/* test_core.c — engine core: counter RNG (determinism, moments, independence of streams),
 * box maths (fractional round trip, wrap with image counts, widths, minimum image), config
 * getters ("did you mean"), species table, bounded error records (NNMD_ERROR_KEEP messages
 * kept, the rest counted; nnmd_cfg_check_keys stops after NNMD_ERRORS_PER_READER unknown keys). Statistical tolerances are 5 sigma for 1e5
 * samples (mean 5/sqrt(N) = 0.016, variance 5*sqrt(2/N) = 0.022). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Reference optimal-string-alignment distance without any cut-off. */
static int ref_osa(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b), d[20][20];
  for (int i = 0; i <= la; ++i) d[i][0] = i;
  for (int j = 0; j <= lb; ++j) d[0][j] = j;
  for (int i = 1; i <= la; ++i)
    for (int j = 1; j <= lb; ++j) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
        c = d[i - 2][j - 2] + 1;
      d[i][j] = c;
    }
  return d[la][lb];
}

/* The cut-off search (length filter, abandoned rows) must suggest exactly what the plain
 * distance suggests: 20000 random queries over a 3-letter alphabet against 12 random words. */
START_TEST(suggest_matches_reference) {
  uint64_t x = 88172645463325252ull;
  char words[12][16], q[16];
  const char *w[13];
  for (int t = 0; t < 20000; ++t) {
    for (int k = 0; k < 12; ++k) {
      int n = 1 + (int)((x ^= x << 13, x ^= x >> 7, x ^= x << 17) % 12);
      for (int c = 0; c < n; ++c) words[k][c] = (char)('a' + (x ^= x << 13, x ^= x >> 7, x ^= x << 17) % 3);
      words[k][n] = 0;
      w[k] = words[k];
    }
    w[12] = NULL;
    int n = 1 + (int)((x ^= x << 13, x ^= x >> 7, x ^= x << 17) % 12);
    for (int c = 0; c < n; ++c) q[c] = (char)('a' + (x ^= x << 13, x ^= x >> 7, x ^= x << 17) % 3);
    q[n] = 0;
    int limit = n <= 3 ? 1 : (n <= 6 ? 2 : 3), bd = 1 << 30;
    const char *best = NULL;
    for (int k = 0; k < 12; ++k) {
      int d = ref_osa(q, words[k]);
      if (d < bd) bd = d, best = words[k];
    }
    const char *want = bd <= limit ? best : NULL, *got = nnmd_suggest(q, w);
    ck_assert_msg(got == want, "query '%s': got '%s', want '%s'", q, got ? got : "(none)", want ? want : "(none)");
  }
}
END_TEST

START_TEST(error_record_bounded) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  for (int i = 0; i < 100000; ++i) /* a hostile file: one error per line */
    nnmd_fail_at(&err, NNMD_ERR_FORMAT, ((struct nnmd_loc){"f.txt", i + 1, 1}), "bad line %d", i + 1);
  ck_assert_int_eq(err.count, 100000);
  ck_assert_int_eq(err.line, 1); /* the first error stays the record's error */
  ck_assert_ptr_nonnull(strstr(err.all, "f.txt:32:1: error: bad line 32\n"));
  ck_assert_ptr_null(strstr(err.all, "bad line 33\n"));
  ck_assert_uint_lt(err.all_len, 32 * 64);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  nnmd_error_print(&err, f, false);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(buf, "error: 99968 more errors not shown (only the first 32 are kept)"));
  free(buf);
  nnmd_error_clear(&err);

  /* 5000 unknown keys: 20 reported with suggestions, then one line with the rest's count */
  const char *allowed[] = {"steps", "timestep", NULL};
  struct nnmd_cfg *t = nnmd_cfg_new(NNMD_CFG_TABLE, (struct nnmd_loc){"a.toml", 1, 1});
  for (int i = 0; i < 5000; ++i) {
    char key[32];
    snprintf(key, sizeof key, "k%d", i);
    struct nnmd_cfg *v = nnmd_cfg_new(NNMD_CFG_INT, (struct nnmd_loc){"a.toml", i + 2, 5});
    nnmd_cfg_table_set(t, key, (struct nnmd_loc){"a.toml", i + 2, 1}, v);
  }
  struct nnmd_cfg *v = nnmd_cfg_new(NNMD_CFG_INT, (struct nnmd_loc){"a.toml", 9000, 9});
  nnmd_cfg_table_set(t, "steps", (struct nnmd_loc){"a.toml", 9000, 1}, v);
  ck_assert_int_eq(nnmd_cfg_check_keys(t, allowed, "[run]", &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.count, 21);
  ck_assert_ptr_nonnull(strstr(err.all, "unknown key 'k19' in [run]"));
  ck_assert_ptr_null(strstr(err.all, "'k20'"));
  ck_assert_ptr_nonnull(strstr(err.all, "4980 more unknown keys in [run] not listed"));
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
  tcase_add_test(tc, error_record_bounded);
  tcase_add_test(tc, suggest_matches_reference);
  tcase_add_test(tc, species_table);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
