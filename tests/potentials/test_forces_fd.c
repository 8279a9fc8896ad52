/* test_forces_fd.c — every classical term: forces = -dE/dx and virial = -dE/d(strain) by
 * central finite differences on random triclinic cells (one of them thinner than the
 * cutoff). Step h = 1e-5 A (strain 1e-6): the truncation error O(h^2 E''') is ~1e-10 of
 * the force scale, rounding ~1e-16 * E / h ~ 1e-9 relative for these energies; the
 * tolerance 1e-6 relative to the largest force (virial component) leaves margin for both
 * while catching any missing term (which shows up at 1e-3 or worse). Also checks that
 * forces sum to zero (Newton's third law through the reverse halo) and that per-atom
 * energies add up to the total. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static double energy_at(struct nnmd_md *md) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_md_forces(md, true, &err), 0);
  nnmd_error_clear(&err);
  return md->epot;
}

static void strain(struct nnmd_md *md, const double h0[9], const double *x0, int a, int b, double e) {
  double F[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, h[9];
  F[3 * a + b] += e;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      h[3 * i + j] = 0;
      for (int k = 0; k < 3; ++k) h[3 * i + j] += F[3 * i + k] * h0[3 * k + j];
    }
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_box_set_h(&md->box, h, md->box.lo, md->box.periodic, &err), 0);
  struct nnmd_system *sys = md->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int64_t i = 0; i < n; ++i)
    for (int q = 0; q < 3; ++q) {
      double r = 0;
      for (int k = 0; k < 3; ++k) r += F[3 * q + k] * x0[k * n + i];
      sys->x[q * c + i] = r;
    }
}

static void fd_case(const char *toml, const char *const *sp, const double L[3], const double t[3], int64_t n,
                    double rmin, uint64_t seed) {
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  ck_assert_int_eq(tsup_random_system(sys, &box, n, sp, L, t, rmin, seed), 0);
  struct nnmd_md md;
  struct nnmd_comm *comm;
  struct nnmd_log log;
  int st = tsup_md_setup(&md, &comm, &log, sys, &box, toml, 0.5, &err);
  if (st) nnmd_error_print(&err, stderr, true);
  ck_assert_int_eq(st, 0);
  int64_t c = sys->capacity;
  /* reference forces, virial, per-atom energy sum */
  double *f0 = malloc(sizeof(double) * 3 * (size_t)n), *x0 = malloc(sizeof(double) * 3 * (size_t)n);
  double e0 = md.epot, w0[9], fmx = 0, fsum[3] = {0, 0, 0}, esum = 0;
  memcpy(w0, md.virial, sizeof w0);
  for (int64_t i = 0; i < n; ++i) {
    esum += md.eatom[i];
    for (int q = 0; q < 3; ++q) {
      f0[q * n + i] = sys->f[q * c + i];
      x0[q * n + i] = sys->x[q * c + i];
      fmx = fmax(fmx, fabs(f0[q * n + i]));
      fsum[q] += f0[q * n + i];
    }
  }
  ck_assert(fmx > 1e-3);
  for (int q = 0; q < 3; ++q) ck_assert_double_le(fabs(fsum[q]), 1e-10 * fmx * (double)n);
  ck_assert_double_le(fabs(esum - e0), 1e-10 * fmax(1.0, fabs(e0)));
  double h = 1e-5, worst = 0;
  for (int64_t i = 0; i < n; i += (n > 40 ? n / 20 : 1))
    for (int q = 0; q < 3; ++q) {
      double xs = sys->x[q * c + i];
      sys->x[q * c + i] = xs + h;
      double ep = energy_at(&md);
      sys->x[q * c + i] = xs - h;
      double em = energy_at(&md);
      sys->x[q * c + i] = xs;
      double fd = -(ep - em) / (2 * h);
      worst = fmax(worst, fabs(fd - f0[q * n + i]) / fmx);
    }
  ck_assert_msg(worst < 1e-6, "force vs FD: worst relative deviation %.3e", worst);
  /* virial: W_ab = -dE/d(eps_ba) with h -> (I + eps) h, fractional coordinates fixed */
  double h0[9], wmax = 0, wworst = 0, e = 1e-6;
  memcpy(h0, md.box.h, sizeof h0);
  for (int k = 0; k < 9; ++k) wmax = fmax(wmax, fabs(w0[k]));
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      strain(&md, h0, x0, b, a, +e);
      double ep = energy_at(&md);
      strain(&md, h0, x0, b, a, -e);
      double em = energy_at(&md);
      double fd = -(ep - em) / (2 * e);
      wworst = fmax(wworst, fabs(fd - w0[3 * a + b]) / wmax);
    }
  strain(&md, h0, x0, 0, 0, 0.0);
  ck_assert_msg(wworst < 1e-6, "virial vs FD: worst relative deviation %.3e", wworst);
  printf("  FD: forces %.2e, virial %.2e (relative to max)\n", worst, wworst);
  free(f0);
  free(x0);
  tsup_md_free(&md, comm);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
}

static const char *k_lj =
    "[[potential]]\ntype='lj'\ncutoff=6.0\nshift=true\npairs=[{species=['Ar','Ar'],epsilon=0.0104,"
    "sigma=3.405},{species=['Kr','Kr'],epsilon=0.014,sigma=3.6},{species=['Ar','Kr'],epsilon=0.012,sigma=3.5}]\n";
static const char *k_zbl = "[[potential]]\ntype='zbl'\ninner=1.2\ncutoff=2.6\n";
static const char *k_both =
    "[[potential]]\ntype='zbl'\ninner=1.2\ncutoff=2.6\n[[potential]]\ntype='lj'\ncutoff=5.0\n"
    "pairs=[{species=['Ar','Ar'],epsilon=0.0104,sigma=3.405},{species=['Kr','Kr'],epsilon=0.014,sigma=3.6}]\n"
    "mixing='geometric'\n";
static const char *const k_sp[] = {"Ar", "Kr", NULL};

START_TEST(lj_triclinic) {
  double L[3] = {16, 15, 14}, t[3] = {3, -2, 1.5};
  fd_case(k_lj, k_sp, L, t, 60, 2.9, 11);
}
END_TEST

START_TEST(lj_thin_cell) {
  double L[3] = {5.0, 5.5, 4.6}, t[3] = {1.5, -1.0, 0.8};
  fd_case(k_lj, k_sp, L, t, 3, 2.9, 12);
}
END_TEST

START_TEST(zbl_triclinic) {
  double L[3] = {9, 8.5, 8}, t[3] = {2, 1, -1.5};
  fd_case(k_zbl, k_sp, L, t, 50, 0.9, 13);
}
END_TEST

START_TEST(zbl_plus_lj) {
  double L[3] = {9, 8.5, 8}, t[3] = {-2, 1, 1.5};
  fd_case(k_both, k_sp, L, t, 40, 1.0, 14);
}
END_TEST

int main(void) {
  Suite *s = suite_create("forces_fd");
  TCase *tc = tcase_create("finite differences");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, lj_triclinic);
  tcase_add_test(tc, lj_thin_cell);
  tcase_add_test(tc, zbl_triclinic);
  tcase_add_test(tc, zbl_plus_lj);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
