/* test_rdf.c — radial distribution functions (analysis/rdf.h).
 *
 * Ideal gas: 300 uniform random points (two species) in a tilted periodic cell, 40
 * independent samples. Pair counts per bin are binomial with mean lambda_k = P dV_k n / V
 * (pairs of uniform independent points on a torus are pairwise independent), so
 * (g_k - 1) sqrt(lambda_k) is ~N(0, 1) and chi^2 = sum_k (g_k - 1)^2 lambda_k has mean
 * n_bins and sd sqrt(2 n_bins); we accept n_bins +- 5 sd, for the total and for each pair.
 * The cell list must find exactly the pairs a brute-force search over all 27 images finds
 * (running counts equal to 1e-12).
 * fcc lattice (a = 4 A, 4x4x4 cells): the first peak of g is the bin holding a/sqrt(2), the
 * running coordination number is 12 between the first and second shells and 18 after the
 * second (exact counts).
 * Input: rmax above half the smallest perpendicular width is an error with a location.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "rdf.h"
#include "support.h"
#include "toml.h"

enum { NG = 300 };

static void random_points(const struct nnmd_box *box, double *x, uint64_t *seed) {
  for (int i = 0; i < NG; ++i) {
    double s[3] = {tsup_rand_uniform(seed), tsup_rand_uniform(seed), tsup_rand_uniform(seed)}, r[3];
    nnmd_frac_to_cart(box->h, box->lo, s, r);
    for (int d = 0; d < 3; ++d) x[d * NG + i] = r[d] + (d == 0 ? 3.0 * box->h[0] : 0.0); /* any image */
  }
}

/* Unordered pairs below each bin edge by brute force over images. */
static void brute_counts(const struct nnmd_box *box, const double *x, double rmax, int64_t bins, double *cum) {
  double dr = rmax / (double)bins;
  memset(cum, 0, (size_t)bins * sizeof(double));
  for (int i = 0; i < NG; ++i)
    for (int j = i + 1; j < NG; ++j) {
      double best = INFINITY;
      for (int a = -4; a <= 4; ++a)
        for (int b = -1; b <= 1; ++b)
          for (int c = -1; c <= 1; ++c) {
            double d2 = 0;
            for (int q = 0; q < 3; ++q) {
              double d = x[q * NG + j] - x[q * NG + i] + a * box->h[3 * q] + b * box->h[3 * q + 1] + c * box->h[3 * q + 2];
              d2 += d * d;
            }
            best = fmin(best, d2);
          }
      double r = sqrt(best);
      if (r < rmax) cum[(int64_t)(r / dr)] += 1.0;
    }
  for (int64_t k = 1; k < bins; ++k) cum[k] += cum[k - 1];
}

START_TEST(ideal_gas) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_box box;
  int per[3] = {1, 1, 1};
  double lo[3] = {0, 0, 0};
  ck_assert_int_eq(nnmd_box_set_lammps(&box, lo, 30.0, 29.0, 31.0, 4.0, -3.0, 2.5, per, &err), 0);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Ar");
  nnmd_species_intern(&sp, "Kr");
  int type[NG];
  for (int i = 0; i < NG; ++i) type[i] = i < 200 ? 0 : 1;
  struct nnmd_rdf_opts o;
  nnmd_rdf_opts_default(&o);
  o.rmax = 9.0; /* < half the smallest width; 3 cells per direction */
  o.bins = 60;
  ck_assert_double_lt(o.rmax, nnmd_rdf_rmax_limit(&box));
  struct nnmd_rdf *r = NULL;
  ck_assert_int_eq(nnmd_rdf_create(&o, &sp, NG, type, &r, &err), 0);
  double *x = malloc(3 * NG * sizeof(double)), g[60], n[60], cum[60];
  uint64_t seed = 2024;
  const int nsamp = 40;
  for (int k = 0; k < nsamp; ++k) {
    random_points(&box, x, &seed);
    ck_assert_int_eq(nnmd_rdf_add(r, x, &box, &err), 0);
    if (k == 0) { /* the cell list finds exactly the brute-force pairs */
      ck_assert_int_eq(nnmd_rdf_compute(r, -1, -1, g, n), 0);
      brute_counts(&box, x, o.rmax, o.bins, cum);
      for (int b = 0; b < o.bins; ++b) ck_assert_double_lt(fabs(n[b] * NG / 2.0 - cum[b]), 1e-9);
    }
  }
  const int pa[4] = {-1, 0, 0, 1}, pb[4] = {-1, 0, 1, 1};
  const double P[4] = {NG * (NG - 1) / 2.0, 200 * 199 / 2.0, 200 * 100, 100 * 99 / 2.0};
  double dr = o.rmax / (double)o.bins;
  for (int c = 0; c < 4; ++c) {
    ck_assert_int_eq(nnmd_rdf_compute(r, pa[c], pb[c], g, n), 0);
    double chi2 = 0;
    for (int b = 0; b < o.bins; ++b) {
      double r0 = b * dr, r1 = r0 + dr, lam = P[c] * 4.0 / 3.0 * NNMD_PI * (r1 * r1 * r1 - r0 * r0 * r0) / box.volume * nsamp;
      chi2 += (g[b] - 1.0) * (g[b] - 1.0) * lam;
    }
    printf("RDF ideal gas pair %d-%d: chi^2 = %.1f for %lld bins (accepted %.0f..%.0f)\n", pa[c], pb[c], chi2,
           (long long)o.bins, o.bins - 5 * sqrt(2.0 * o.bins), o.bins + 5 * sqrt(2.0 * o.bins));
    ck_assert_msg(fabs(chi2 - o.bins) < 5 * sqrt(2.0 * o.bins), "pair %d: chi^2 = %g for %lld bins", c, chi2,
                  (long long)o.bins);
  }
  free(x);
  nnmd_rdf_destroy(r);
}
END_TEST

START_TEST(fcc_lattice) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  const double a = 4.0;
  enum { NC = 4, NF = 4 * NC * NC * NC };
  struct nnmd_box box;
  int per[3] = {1, 1, 1};
  double lo[3] = {0, 0, 0};
  ck_assert_int_eq(nnmd_box_set_lammps(&box, lo, NC * a, NC * a, NC * a, 0, 0, 0, per, &err), 0);
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  double x[3 * NF];
  int type[NF] = {0}, k = 0;
  for (int i = 0; i < NC; ++i)
    for (int j = 0; j < NC; ++j)
      for (int l = 0; l < NC; ++l)
        for (int b = 0; b < 4; ++b, ++k) {
          x[k] = (i + basis[b][0]) * a;
          x[NF + k] = (j + basis[b][1]) * a;
          x[2 * NF + k] = (l + basis[b][2]) * a;
        }
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Cu");
  struct nnmd_rdf_opts o;
  nnmd_rdf_opts_default(&o);
  o.rmax = 7.9;
  o.bins = 790;
  struct nnmd_rdf *r = NULL;
  ck_assert_int_eq(nnmd_rdf_create(&o, &sp, NF, type, &r, &err), 0);
  ck_assert_int_eq(nnmd_rdf_add(r, x, &box, &err), 0);
  double g[790], n[790];
  ck_assert_int_eq(nnmd_rdf_compute(r, 0, 0, g, n), 0);
  int kmax = 0;
  for (int b = 1; b < 790; ++b)
    if (g[b] > g[kmax]) kmax = b;
  int first_nonzero = 0;
  while (g[first_nonzero] == 0.0) first_nonzero++;
  double dr = 0.01;
  ck_assert_int_eq(first_nonzero, (int)(a / sqrt(2.0) / dr));
  ck_assert_int_eq(kmax, first_nonzero);
  double n1 = n[(int)(3.5 / dr)], n2 = n[(int)(4.5 / dr)];
  printf("RDF fcc a = %g: first peak bin [%.2f, %.2f) A (a/sqrt2 = %.4f), n(3.5 A) = %g, n(4.5 A) = %g\n", a,
         first_nonzero * dr, (first_nonzero + 1) * dr, a / sqrt(2.0), n1, n2);
  ck_assert_double_lt(fabs(n1 - 12.0), 1e-12);
  ck_assert_double_lt(fabs(n2 - 18.0), 1e-12);
  nnmd_rdf_destroy(r);
}
END_TEST

START_TEST(input_checks) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_box box;
  int per[3] = {1, 1, 1};
  double lo[3] = {0, 0, 0};
  ck_assert_int_eq(nnmd_box_set_lammps(&box, lo, 20.0, 12.0, 30.0, 0, 0, 0, per, &err), 0);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  nnmd_species_intern(&sp, "O");
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string("[rdf]\nrmax = 6.5\n", "t.toml", &root, &err), 0);
  struct nnmd_rdf_opts o;
  ck_assert_int_eq(nnmd_rdf_opts_read(nnmd_cfg_get(root, "rdf"), &sp, &box, &o, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.line, 2);
  ck_assert_ptr_nonnull(strstr(err.msg, "half the smallest perpendicular cell width"));
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  ck_assert_int_eq(nnmd_toml_parse_string("[rdf]\npairs = [\"Li-O\", \"O-O\"]\nbins = 50\n", "t.toml", &root, &err), 0);
  ck_assert_int_eq(nnmd_rdf_opts_read(nnmd_cfg_get(root, "rdf"), &sp, &box, &o, &err), 0);
  ck_assert_int_eq(o.npairs, 2);
  ck_assert(o.pair[0][0] == 0 && o.pair[0][1] == 1 && o.pair[1][0] == 1 && o.bins == 50);
  ck_assert_double_eq_tol(o.rmax, 5.8, 1e-12); /* default: 0.98 of half the 12 A width, to 0.1 A */
  nnmd_cfg_free(root);
  ck_assert_int_eq(nnmd_toml_parse_string("[rdf]\npairs = [\"Li-Na\"]\n", "t.toml", &root, &err), 0);
  ck_assert_int_eq(nnmd_rdf_opts_read(nnmd_cfg_get(root, "rdf"), &sp, &box, &o, &err), NNMD_ERR_INPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "unknown species 'Na'"));
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("rdf");
  TCase *tc = tcase_create("rdf");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, ideal_gas);
  tcase_add_test(tc, fcc_lattice);
  tcase_add_test(tc, input_checks);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
