/* test_nnp_math.c — the scalar building blocks of the NNP (descriptor_math.h, ann_math.h,
 * ann.c):
 *   - our vectorisable exp, sqrt and acos against libm: <= 2 ulp (measured 1 ulp);
 *     exp underflows to exactly 0 below -708;
 *   - cutoff functions 0..8 and compact cores p1..p4, e (plain and asymmetric): derivative vs
 *     central differences (h = 1e-6: error ~h^2 f''' + eps f / h ~ 1e-10, bound 1e-7), value 0
 *     at and beyond the cutoff / window edge, f_c(0) = tanh(1)^3 for TANHU and 1 otherwise;
 *   - activations: f' vs central differences (bound 1e-7 relative), n2p2 clamps at |x| > 35;
 *   - networks: dy/dG by back-propagation vs central differences (bound 1e-8 relative), with
 *     and without normalize_nodes.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ann.h"
#include "ann_math.h"
#include "descriptor_math.h"
#include "support.h"

static double ulps(double a, double ref) {
  if (a == ref) return 0;
  double u = nextafter(fabs(ref), INFINITY) - fabs(ref);
  return fabs(a - ref) / u;
}

START_TEST(fast_functions) {
  double wexp = 0, wsq = 0, wac = 0;
  uint64_t st = 7;
  for (int i = 0; i < 200000; ++i) {
    double x = -708.0 + 1417.0 * tsup_rand_uniform(&st);
    wexp = fmax(wexp, ulps(nnmd_nnp_exp(x), exp(x)));
    double y = pow(10.0, -8 + 12 * tsup_rand_uniform(&st));
    wsq = fmax(wsq, ulps(nnmd_nnp_sqrt(y), sqrt(y)));
    double c = -1.0 + 2.0 * tsup_rand_uniform(&st);
    wac = fmax(wac, ulps(nnmd_nnp_acos(c), acos(c)));
  }
  for (int i = 0; i < 2000; ++i) { /* near the ends of acos */
    double c = 1.0 - ldexp(1.0, -(i % 50) - 2) * tsup_rand_uniform(&st);
    wac = fmax(wac, ulps(nnmd_nnp_acos(c), acos(c)));
    wac = fmax(wac, ulps(nnmd_nnp_acos(-c), acos(-c)));
  }
  printf("  exp %.2f ulp, sqrt %.2f ulp, acos %.2f ulp (max)\n", wexp, wsq, wac);
  ck_assert_double_le(wexp, 2.0);
  ck_assert_double_le(wsq, 2.0);
  ck_assert_double_le(wac, 2.0);
  ck_assert_double_eq(nnmd_nnp_exp(-709.0), 0.0);
  ck_assert_double_eq(nnmd_nnp_exp(0.0), 1.0);
  ck_assert_double_eq(nnmd_nnp_sqrt(0.0), 0.0);
  ck_assert_double_eq(nnmd_nnp_acos(1.0), 0.0);
  ck_assert_double_eq(nnmd_nnp_acos(-1.0), acos(-1.0));
  ck_assert_double_eq(nnmd_nnp_pow_int(1.5, 0), 1.0);
  ck_assert_double_eq(nnmd_nnp_pow_int(1.5, 5), 1.5 * 1.5 * 1.5 * 1.5 * 1.5);
}
END_TEST

START_TEST(cutoff_functions) {
  const double rc = 6.0, h = 1e-6;
  for (int type = 0; type <= 8; ++type) {
    double ri = (type == 1 || type >= 4) ? 0.3 * rc : 0.0, f0, d0;
    nnmd_nnp_cutoff(type, 0.0, rc, ri, &f0, &d0);
    ck_assert_double_eq_tol(f0, type == 2 ? pow(tanh(1.0), 3) : 1.0, 1e-15);
    double f, d;
    nnmd_nnp_cutoff(type, rc, rc, ri, &f, &d);
    ck_assert_double_eq(f, 0.0);
    ck_assert_double_eq(d, 0.0);
    nnmd_nnp_cutoff(type, rc + 1.0, rc, ri, &f, &d);
    ck_assert_double_eq(f, 0.0);
    if (type == 0) continue; /* HARD: constant inside */
    nnmd_nnp_cutoff(type, rc - 1e-9, rc, ri, &f, &d);
    ck_assert_double_le(fabs(f), 1e-8); /* continuous at rc */
    for (int k = 1; k < 60; ++k) {
      double r = rc * k / 60.0;
      if (fabs(r - ri) < 2 * h) continue;
      double fp, fm, dd;
      nnmd_nnp_cutoff(type, r + h, rc, ri, &fp, &dd);
      nnmd_nnp_cutoff(type, r - h, rc, ri, &fm, &dd);
      nnmd_nnp_cutoff(type, r, rc, ri, &f, &d);
      ck_assert_msg(fabs((fp - fm) / (2 * h) - d) < 1e-7, "cutoff %d at r = %g: df %.12g, FD %.12g", type, r, d,
                    (fp - fm) / (2 * h));
    }
  }
}
END_TEST

START_TEST(compact_functions) {
  const double l = -2.5, r = 7.5, m = 0.5 * (l + r), iw = 2.0 / (r - l), h = 1e-6;
  for (int core = NNMD_CORE_P1; core <= NNMD_CORE_EXP; ++core)
    for (int asym = 0; asym <= 1; ++asym) {
      double c, d, c2, d2;
      nnmd_nnp_compact(core, asym, m, m, iw, &c, &d);
      ck_assert_double_eq_tol(c, 1.0, 1e-15);
      nnmd_nnp_compact(core, asym, r, m, iw, &c, &d);
      ck_assert_double_eq(c, 0.0);
      nnmd_nnp_compact(core, asym, l - 1, m, iw, &c, &d);
      ck_assert_double_eq(c, 0.0);
      for (int k = 1; k < 50; ++k) {
        double v = l + (r - l) * k / 50.0, cp, cm, dd;
        if (fabs(v - m) < 2 * h) continue;
        nnmd_nnp_compact(core, asym, v, m, iw, &c, &d);
        nnmd_nnp_compact(core, asym, 2 * m - v, m, iw, &c2, &d2); /* symmetric about m */
        ck_assert_double_eq_tol(c, c2, 1e-12); /* 2m - v is rounded */
        ck_assert_double_eq_tol(d, -d2, 1e-10);
        nnmd_nnp_compact(core, asym, v + h, m, iw, &cp, &dd);
        nnmd_nnp_compact(core, asym, v - h, m, iw, &cm, &dd);
        ck_assert_msg(fabs((cp - cm) / (2 * h) - d) < 1e-7, "core %d asym %d at %g: %.12g vs FD %.12g", core, asym,
                      v, d, (cp - cm) / (2 * h));
      }
    }
  /* asymmetric p2 is the core applied to (2 - x) x (n2p2-format.md 5.2 example) */
  double c, d, f, df;
  nnmd_nnp_compact(NNMD_CORE_P2, 1, 5.0, 7.5, 0.2, &c, &d);
  nnmd_nnp_core(NNMD_CORE_P2, (2 - 0.5) * 0.5, &f, &df);
  ck_assert_double_eq_tol(c, f, 1e-15);
}
END_TEST

START_TEST(activations) {
  const char *letters = "ltsprgcSeh";
  const double h = 1e-6;
  for (const char *a = letters; *a; ++a) {
    ck_assert(nnmd_ann_act_valid(*a));
    for (int k = -30; k <= 30; ++k) {
      double x = 0.137 * k + 0.01, d, dp, dm;
      double y = nnmd_ann_act(*a, x, &d);
      (void)y;
      double yp = nnmd_ann_act(*a, x + h, &dp), ym = nnmd_ann_act(*a, x - h, &dm);
      ck_assert_msg(fabs((yp - ym) / (2 * h) - d) < 1e-7 * fmax(1.0, fabs(d)), "activation %c at %g", *a, x);
    }
  }
  ck_assert(!nnmd_ann_act_valid('x'));
  double d;
  ck_assert_double_eq(nnmd_ann_act('s', 40.0, &d), 1.0);
  ck_assert_double_eq(d, 0.0);
  ck_assert_double_eq(nnmd_ann_act('s', -40.0, &d), 0.0);
  ck_assert_double_eq(nnmd_ann_act('p', 40.0, &d), 40.0);
  ck_assert_double_eq(d, 1.0);
  ck_assert_double_eq(nnmd_ann_act('p', -40.0, &d), 0.0);
  ck_assert_double_eq(d, 0.0);
  ck_assert_double_eq(nnmd_ann_act('p', 2.0, &d), log(1.0 + exp(2.0)));
}
END_TEST

START_TEST(network_backprop) {
  for (int norm = 0; norm <= 1; ++norm) {
    struct nnmd_ann a;
    int hidden[3] = {7, 5, 4};
    size_t np = nnmd_ann_setup(&a, 9, 3, hidden, "tpsl", norm);
    ck_assert_uint_eq(np, (size_t)(10 * 7 + 8 * 5 + 6 * 4 + 5 * 1));
    struct nnmd_error err;
    nnmd_error_init(&err);
    ck_assert_int_eq(nnmd_ann_alloc(&a, &err), 0);
    uint64_t st = 3 + (uint64_t)norm;
    for (size_t k = 0; k < a.n_params; ++k) a.w[k] = tsup_rand_normal(&st) * 0.7;
    nnmd_ann_finish(&a);
    double g[9], dy[9], *scr = malloc(nnmd_ann_scratch_size(&a) * sizeof(double));
    for (int k = 0; k < 9; ++k) g[k] = tsup_rand_normal(&st);
    double y = nnmd_ann_eval(&a, g, dy, scr);
    ck_assert(isfinite(y));
    for (int k = 0; k < 9; ++k) {
      const double h = 1e-6, g0 = g[k];
      g[k] = g0 + h;
      double yp = nnmd_ann_eval(&a, g, NULL, scr);
      g[k] = g0 - h;
      double ym = nnmd_ann_eval(&a, g, NULL, scr);
      g[k] = g0;
      ck_assert_msg(fabs((yp - ym) / (2 * h) - dy[k]) < 1e-8 * fmax(1.0, fabs(dy[k])), "norm %d input %d", norm, k);
    }
    free(scr);
    nnmd_ann_free(&a);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("nnp_math");
  TCase *tc = tcase_create("math");
  tcase_add_test(tc, fast_functions);
  tcase_add_test(tc, cutoff_functions);
  tcase_add_test(tc, compact_functions);
  tcase_add_test(tc, activations);
  tcase_add_test(tc, network_backprop);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
