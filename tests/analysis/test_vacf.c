/* test_vacf.c — VACF, vibrational DOS and Green-Kubo D (analysis/vacf.h; methods §9 V1).
 *
 * Harmonic oscillators: N independent 3-D oscillators of frequency nu0 = 6 THz, random
 * amplitudes and phases, sampled every 5 fs over blocks of 10 ps. The DOS must peak at nu0
 * within 1 % (the grid spacing is 1/(4 t_max) ~ 0.025 THz = 0.4 % of nu0) and integrate to
 * 3N within 1 % (before the rescaling; the trapezoid sum gives 3N C^(0) exactly); the
 * normalised VACF starts at 1 and follows cos(2 pi nu0 t) (amplitude-weighted; 1e-2).
 * Two species with different frequencies give partial DOS peaks at their own frequency.
 * Ornstein-Uhlenbeck velocities (exact discrete OU, gamma = 10/ps, <v_a^2> = 1 A^2/ps^2, so
 * D = <v_a^2>/gamma = 0.1 A^2/ps), positions by the trapezoid rule: the Green-Kubo D of the
 * VACF and the D of the MSD of the same data agree within 2 combined block errors, and each is
 * within 3 block errors of 0.1 (the trapezoid/sampling bias is (gamma tau)^2/12 ~ 2e-4).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msd.h"
#include "support.h"
#include "types.h"
#include "vacf.h"

START_TEST(harmonic_dos_peak) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  nnmd_species_intern(&sp, "O");
  enum { N = 40 };
  const double nu[2] = {6.0, 15.0}; /* THz: Li, O */
  int type[N];
  double amp[3 * N], phase[3 * N];
  uint64_t seed = 3;
  for (int i = 0; i < N; ++i) {
    type[i] = i < 30 ? 0 : 1;
    for (int d = 0; d < 3; ++d) {
      amp[3 * i + d] = 0.5 + tsup_rand_uniform(&seed);
      phase[3 * i + d] = 2 * NNMD_PI * tsup_rand_uniform(&seed);
    }
  }
  struct nnmd_vacf_opts o;
  nnmd_vacf_opts_default(&o);
  o.every = 1;
  o.window = 2000;
  o.species[0] = o.species[1] = true;
  const double dt = 0.005;
  struct nnmd_vacf *v = NULL;
  ck_assert_int_eq(nnmd_vacf_create(&o, &sp, N, type, dt, &v, &err), 0);
  double vel[3 * N];
  for (int64_t k = 0; k <= 3 * 2000; ++k) { /* 3 blocks */
    double t = (double)k * dt;
    for (int i = 0; i < N; ++i)
      for (int d = 0; d < 3; ++d)
        vel[d * N + i] = amp[3 * i + d] * cos(2 * NNMD_PI * nu[type[i]] * t + phase[3 * i + d]);
    ck_assert_int_eq(nnmd_vacf_add(v, vel, &err), 0);
  }
  const struct nnmd_vacf_stats *st = nnmd_vacf_compute(v);
  ck_assert_int_eq(st->n_blocks, 3);
  ck_assert_msg(fabs(st->dos_integral / (3.0 * N) - 1.0) < 0.01, "int g = %g, 3N = %d", st->dos_integral, 3 * N);
  const double *f = nnmd_vacf_freq(v), *g = nnmd_vacf_dos(v, -1);
  ck_assert_double_lt(fabs(f[st->n_freq - 1] - 0.5 / dt), 1e-9); /* up to Nyquist */
  for (int s = 0; s < 2; ++s) {
    const double *gs = nnmd_vacf_dos(v, s);
    int64_t kmax = 0;
    for (int64_t k = 1; k < st->n_freq; ++k)
      if (gs[k] > gs[kmax]) kmax = k;
    ck_assert_msg(fabs(f[kmax] / nu[s] - 1.0) < 0.01, "species %d: DOS peak at %g THz, expected %g", s, f[kmax], nu[s]);
    printf("V1 harmonic: partial DOS %s peaks at %.4f THz (nu0 %.1f), int g before rescale %.6f (3N = %d)\n",
           sp.s[s].symbol, f[kmax], nu[s], st->dos_integral, 3 * N);
  }
  int64_t kmax = 0;
  for (int64_t k = 1; k < st->n_freq; ++k)
    if (g[k] > g[kmax]) kmax = k;
  ck_assert(fabs(f[kmax] - nu[0]) < 0.06 || fabs(f[kmax] - nu[1]) < 0.15);
  /* normalised VACF of the Li oscillators alone: sum a^2 cos(w t + p) cos(w (t+tau) + p) / sum a^2 ~ cos(w tau) */
  const double *c = nnmd_vacf_curve(v, 0, 3);
  ck_assert_double_lt(fabs(nnmd_vacf_norm(v)[0] - 1.0), 1e-12);
  for (int64_t m = 0; m < 200; m += 7)
    ck_assert_double_lt(fabs(c[m] / c[0] - cos(2 * NNMD_PI * nu[0] * (double)m * dt)), 1e-2);
  nnmd_vacf_destroy(v);
}
END_TEST

START_TEST(green_kubo_equals_msd) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Ar");
  enum { N = 50 };
  int type[N] = {0};
  const double gamma = 10.0, dt = 0.01, D = 0.1; /* 1/ps, ps, A^2/ps */
  struct nnmd_vacf_opts vo;
  nnmd_vacf_opts_default(&vo);
  vo.every = 1;
  vo.window = 500; /* 5 ps = 50 / gamma */
  vo.species[0] = true;
  struct nnmd_msd_opts mo;
  nnmd_msd_opts_default(&mo);
  mo.every = 1;
  mo.window = 500;
  mo.com = false;
  mo.species[0] = true;
  struct nnmd_vacf *v = NULL;
  struct nnmd_msd *m = NULL;
  ck_assert_int_eq(nnmd_vacf_create(&vo, &sp, N, type, dt, &v, &err), 0);
  ck_assert_int_eq(nnmd_msd_create(&mo, &sp, N, type, dt, &m, &err), 0);
  double vel[3 * N], u[3 * N], a = exp(-gamma * dt), b = sqrt(1.0 - a * a);
  uint64_t seed = 77;
  for (int j = 0; j < 3 * N; ++j) {
    vel[j] = tsup_rand_normal(&seed);
    u[j] = 0.0;
  }
  for (int64_t k = 0; k <= 20 * 500; ++k) { /* 20 blocks */
    ck_assert_int_eq(nnmd_vacf_add(v, vel, &err), 0);
    ck_assert_int_eq(nnmd_msd_add(m, u, 300.0, 1000.0, &err), 0);
    for (int j = 0; j < 3 * N; ++j) {
      double vn = a * vel[j] + b * tsup_rand_normal(&seed);
      u[j] += 0.5 * (vel[j] + vn) * dt;
      vel[j] = vn;
    }
  }
  const struct nnmd_vacf_stats *vs = nnmd_vacf_compute(v);
  const struct nnmd_msd_stats *ms = nnmd_msd_compute(m);
  double dg = vs->D_gk[0], eg = vs->D_gk_err[0], dm = ms->sp[0].D, em = ms->sp[0].D_err;
  printf("V1 Ornstein-Uhlenbeck: D_GK = %.5f +- %.5f, D_MSD = %.5f +- %.5f, exact %.3f A^2/ps\n", dg, eg, dm, em, D);
  ck_assert_msg(fabs(dg - dm) < 2.0 * sqrt(eg * eg + em * em), "GK %g +- %g vs MSD %g +- %g", dg, eg, dm, em);
  ck_assert_msg(fabs(dg - D) < 3.0 * eg, "GK D %g +- %g vs %g", dg, eg, D);
  ck_assert_msg(fabs(dm - D) < 3.0 * em, "MSD D %g +- %g vs %g", dm, em, D);
  /* the VACF itself: C(t) = 3 exp(-gamma t) (statistical error ~ 3 sqrt(2/(N*samples)) ~ 0.01) */
  const double *c = nnmd_vacf_curve(v, 0, 3);
  for (int64_t l = 0; l < 100; l += 9) ck_assert_double_lt(fabs(c[l] - 3.0 * exp(-gamma * (double)l * dt)), 0.05);
  nnmd_vacf_destroy(v);
  nnmd_msd_destroy(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vacf");
  TCase *tc = tcase_create("vacf");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, harmonic_dos_peak);
  tcase_add_test(tc, green_kubo_equals_msd);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
