/* test_thermostats.c — the NVT integrators (methods.md §2.2-2.4, 2.7) on a Lennard-Jones
 * argon liquid built through the library, and the integrator choice of select.c.
 *
 * System: argon in metal units (eps = 0.0104 eV, sigma = 3.405 A, m = 39.948 amu; tau =
 * sigma sqrt(m/eps) = 2.148 ps), fcc at rho* = 0.8442 melted by Langevin dynamics at 360 K
 * and equilibrated at T0 = 120 K (T* = 1.0: a liquid) with zero total momentum, LJ cut at
 * 2.5 sigma and shifted,
 * skin 1 A, dt = 0.01 ps (0.0047 tau).
 *
 * Checks (numbers are printed so that they can be quoted):
 *  - conserved quantity: 256 atoms, 10,000 steps for NVE and for each thermostat from the
 *    same state; least-squares slope of E_conserved per atom against time. Acceptance:
 *    |slope| <= DRIFT_FACTOR |slope_NVE| + floor, floor = max(DRIFT_FLOOR_MIN, 3 s_NVE) with
 *    s_NVE the standard error of the NVE slope from the scatter of block slopes (the
 *    force jump of a cut potential makes E(t) a random walk: one slope is not a measurement
 *    of a systematic drift, see tests/validation/test_lammps_nve.c);
 *  - canonical kinetic energy of CSVR and Langevin: 32 atoms, K sampled every SPARSE steps,
 *    Kolmogorov-Smirnov test against Gamma(N_f/2, kB T0) (N_f = 3N - 3 for CSVR, whose
 *    rescaling keeps the zero total momentum, and for Langevin with zero = true; 3N for
 *    plain Langevin, whose noise moves the centre of mass): p > 0.01; the total momentum
 *    stays zero where it should;
 *  - Nose-Hoover chain: mean temperature and var(K) against the canonical T0 and
 *    N_f/2 (kB T0)^2, errors from block averages;
 *  - Langevin noise follows the atom ids: a permuted storage order gives the same trajectory;
 *  - write_state/read_state: a run continued from a saved state is bit-identical;
 *  - a state written by one thermostat is refused by another.
 * The random deviates, input errors, selection and ramp: test_thermostats_unit.c; the
 * statistics and the LJ fixture: thermostat_test_util.c.
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

/* ---- conserved quantities ---------------------------------------------------------------- */

struct drift {
  double slope, se, sd;
};

static struct drift measure_drift(struct fix *fx, const char *thermostat, double tdamp) {
  char run[512];
  run_text(run, sizeof run, thermostat, tdamp, NULL);
  fix_restore(fx);
  struct rec r = {0};
  fix_run(fx, run, DRIFT_STEPS, &r, DRIFT_EVERY);
  ck_assert_int_eq(r.n, DRIFT_STEPS / DRIFT_EVERY + 1);
  double n_atoms = (double)fx->sys->n_global, tstep = DRIFT_EVERY * DT;
  for (int i = 0; i < r.n; ++i) r.cons[i] /= n_atoms;
  struct drift d = {slope_of(r.cons, r.n, tstep), block_slope_se(r.cons, r.n, tstep, DRIFT_BLOCKS), 0};
  double m = mean_of(r.cons, r.n);
  for (int i = 0; i < r.n; ++i) d.sd += (r.cons[i] - m) * (r.cons[i] - m);
  d.sd = sqrt(d.sd / (r.n - 1));
  double tmean = 2.0 * mean_of(r.ekin, r.n) / ((3.0 * n_atoms - 3.0) * fx->md.units->boltz);
  printf("drift %-12s tdamp %.2f ps: slope %+.3e eV/atom/ps (block SE %.2e), sd %.2e eV/atom, <T> %.1f K\n",
         thermostat ? thermostat : "nve", tdamp, d.slope, d.se, d.sd, tmean);
  rec_free(&r);
  return d;
}

START_TEST(test_conserved_drift) {
  struct fix fx;
  fix_liquid(&fx, 4);
  struct drift nve = measure_drift(&fx, NULL, 0.0);
  double floor = fmax(DRIFT_FLOOR_MIN, 3.0 * nve.se), limit = DRIFT_FACTOR * fabs(nve.slope) + floor;
  printf("drift limit: %.1f x |NVE slope| + max(%.1e, 3 SE_NVE) = %.3e eV/atom/ps\n", DRIFT_FACTOR,
         DRIFT_FLOOR_MIN, limit);
  static const char *const names[] = {"nose-hoover", "csvr", "langevin", "berendsen", "langevin"};
  static const double tdamp[] = {0.1, 0.1, 1.0, 0.1, 0.1}; /* methods.md §2.8 defaults, then strong */
  for (int k = 0; k < 5; ++k) {
    struct drift d = measure_drift(&fx, names[k], tdamp[k]);
    printf("  %-12s |slope| / limit = %.3f, sd / sd_NVE = %.2f\n", names[k], fabs(d.slope) / limit,
           d.sd / nve.sd);
    ck_assert_msg(fabs(d.slope) <= limit, "%s: conserved quantity drifts %.3e eV/atom/ps > %.3e", names[k],
                  d.slope, limit);
    ck_assert_msg(d.sd <= SD_FACTOR * nve.sd,
                  "%s: conserved quantity fluctuates %.3e eV/atom > %g x NVE's %.3e", names[k], d.sd, SD_FACTOR,
                  nve.sd);
  }
  fix_free(&fx);
}
END_TEST

/* Heat bookkeeping: from 1.5 T0 (108 atoms) each thermostat removes ~1 eV of heat in 10 ps;
 * K + U + E_res must stay put: |change| <= HEAT_TOL x heat. A bookkeeping error (sign, factor,
 * missing term) gives a ratio of order 1. What remains is integration error, measured at
 * dt = 0.01 ps: 3-4e-4 for NHC, CSVR, Berendsen and 1.6e-3 for Langevin, whose BAOAB
 * splitting gains energy at O(dt^2 gamma) while K is away from equilibrium (the gain cancels
 * in equilibrium); at dt = 0.005 ps the Langevin ratio falls to 3.2e-4 (~dt^2). */
#define HEAT_STEPS 1000
#define HEAT_TOL 5e-3

static void check_heat(struct fix *fx, const char *thermostat) {
  char run[512];
  run_text(run, sizeof run, thermostat, 0.1, NULL);
  fix_restore(fx);
  nnmd_tstat_scale(&(struct nnmd_integ_ctx){.sys = fx->sys}, sqrt(1.5));
  struct rec r = {0};
  double extra = fix_run(fx, run, HEAT_STEPS, &r, HEAT_STEPS);
  ck_assert_int_eq(r.n, 2);
  double heat = extra, dcons = r.cons[1] - r.cons[0];
  printf("heat %-12s removed %.4f eV, conserved changed %+.2e eV (ratio %.1e)\n", thermostat, heat, dcons,
         fabs(dcons / heat));
  ck_assert_msg(heat > 0.05 * (double)fx->sys->n_global * fx->md.units->boltz * T0, "%s removed no heat",
                thermostat);
  ck_assert_msg(fabs(dcons) <= HEAT_TOL * heat,
                "%s: conserved quantity changed by %.3e eV for %.3e eV of heat", thermostat, dcons, heat);
  rec_free(&r);
}

START_TEST(test_heat_bookkeeping) {
  struct fix fx;
  fix_liquid(&fx, 3);
  static const char *const names[] = {"nose-hoover", "csvr", "langevin", "berendsen"};
  for (int k = 0; k < 4; ++k) check_heat(&fx, names[k]);
  fix_free(&fx);
}
END_TEST

/* ---- canonical kinetic energy -------------------------------------------------------------- */

#define KS_NC 2 /* 32 atoms */
#define KS_SAMPLES 2000

/* Total momentum (amu A/ps), largest component. */
static double net_momentum(const struct nnmd_system *s) {
  double p[3] = {0, 0, 0}, pmax = 0;
  for (int d = 0; d < 3; ++d) {
    for (int64_t i = 0; i < s->n_local; ++i) p[d] += nnmd_system_mass(s, i) * s->v[d * s->capacity + i];
    pmax = fmax(pmax, fabs(p[d]));
  }
  return pmax;
}

static void check_ks(const char *thermostat, double tdamp, double n_f_extra, const char *extra) {
  struct fix fx;
  fix_liquid(&fx, KS_NC);
  char run[512];
  run_text(run, sizeof run, thermostat, tdamp, extra);
  double p0 = net_momentum(fx.sys);
  struct rec r = {0};
  fix_run(&fx, run, (int64_t)SPARSE * KS_SAMPLES, &r, SPARSE);
  double n = (double)fx.sys->n_global, n_f = 3.0 * n - 3.0 + n_f_extra, kt = fx.md.units->boltz * T0, d;
  double p = ks_gamma(r.ekin + 1, r.n - 1, 0.5 * n_f, kt, &d);
  double mean_t = 2.0 * mean_of(r.ekin + 1, r.n - 1) / (n_f * fx.md.units->boltz);
  double p1 = net_momentum(fx.sys), p_thermal = sqrt(n * fx.sys->species.s[0].mass * kt / fx.md.units->mvv2e);
  printf("KS %-9s %stdamp %.2f ps, N = %.0f, N_f = %.0f, %d samples every %d steps: <T> %.2f K, D = %.4f, "
         "p = %.3f; net momentum %.1e -> %.1e (thermal %.1e)\n",
         thermostat, extra ? "zero, " : "", tdamp, n, n_f, r.n - 1, SPARSE, mean_t, d, p, p0, p1, p_thermal);
  ck_assert_msg(p > KS_P_MIN, "%s: kinetic energy not canonical (KS p = %.4f)", thermostat, p);
  if (n_f_extra == 0.0) /* momentum-conserving: rounding only */
    ck_assert_msg(p1 < 1e-9 * p_thermal, "%s changed the total momentum to %.3e", thermostat, p1);
  rec_free(&r);
  fix_free(&fx);
}

START_TEST(test_ks_csvr) { check_ks("csvr", 0.1, 0.0, NULL); }
END_TEST

START_TEST(test_ks_langevin) { check_ks("langevin", 0.1, 3.0, NULL); }
END_TEST

START_TEST(test_ks_langevin_zero) { check_ks("langevin", 0.1, 0.0, "zero = true\n"); }
END_TEST

/* ---- Nose-Hoover chain: canonical mean and variance ----------------------------------------- */

#define NHC_SAMPLES 10000
#define NHC_EVERY 10
#define NHC_BLOCKS 20
#define NHC_SIGMAS 4.0

START_TEST(test_nhc_canonical) {
  struct fix fx;
  fix_liquid(&fx, KS_NC);
  char run[512];
  run_text(run, sizeof run, "nose-hoover", 0.1, NULL);
  struct rec r = {0};
  fix_run(&fx, run, (int64_t)NHC_EVERY * NHC_SAMPLES, &r, NHC_EVERY);
  int n = r.n - 1, len = n / NHC_BLOCKS;
  const double *k = r.ekin + 1;
  double n_f = 3.0 * (double)fx.sys->n_global - 3.0, kt = fx.md.units->boltz * T0, m, se, var[NHC_BLOCKS];
  block_mean(k, n, NHC_BLOCKS, &m, &se);
  for (int b = 0; b < NHC_BLOCKS; ++b) { /* variance of each block about the global mean */
    var[b] = 0;
    for (int i = 0; i < len; ++i) var[b] += (k[b * len + i] - m) * (k[b * len + i] - m);
    var[b] /= len;
  }
  double vm, vse, var_can = 0.5 * n_f * kt * kt, t_mean = 2.0 * m / (n_f * fx.md.units->boltz);
  block_mean(var, NHC_BLOCKS, NHC_BLOCKS, &vm, &vse);
  printf("NHC N_f = %.0f, %d samples: <T> = %.2f +- %.2f K (T0 = %.1f); "
         "var(K)/(N_f/2 (kB T0)^2) = %.3f +- %.3f\n",
         n_f, n, t_mean, t_mean * se / m, T0, vm / var_can, vse / var_can);
  ck_assert_msg(fabs(t_mean - T0) <= NHC_SIGMAS * t_mean * se / m, "NHC mean temperature %.2f K", t_mean);
  ck_assert_msg(fabs(vm / var_can - 1.0) <= NHC_SIGMAS * vse / var_can, "NHC var(K) ratio %.3f",
                vm / var_can);
  rec_free(&r);
  fix_free(&fx);
}
END_TEST

/* ---- Langevin noise follows ids ---------------------------------------------------------- */

static void reverse_order(struct fix *fx) {
  int64_t n = fx->sys->n_local;
  int64_t *perm = malloc(sizeof(int64_t) * (size_t)n);
  for (int64_t i = 0; i < n; ++i) perm[i] = n - 1 - i;
  ck_assert_int_eq(nnmd_system_permute(fx->sys, perm, &fx->err), 0);
  free(perm);
  ck_assert_int_eq(nnmd_md_forces(&fx->md, true, &fx->err), 0);
}

/* Largest difference of x and v between the two fixtures, atom by atom (same id). */
static double max_diff_by_id(const struct fix *a, const struct fix *b) {
  const struct nnmd_system *s = a->sys, *t = b->sys;
  int64_t n = s->n_local, *where = malloc(sizeof(int64_t) * (size_t)n);
  for (int64_t j = 0; j < n; ++j) where[t->id[j] - 1] = j;
  double dmax = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = where[s->id[i] - 1];
    for (int d = 0; d < 3; ++d) {
      dmax = fmax(dmax, fabs(s->x[d * s->capacity + i] - t->x[d * t->capacity + j]));
      dmax = fmax(dmax, fabs(s->v[d * s->capacity + i] - t->v[d * t->capacity + j]));
    }
  }
  free(where);
  return dmax;
}

START_TEST(test_langevin_permutation) {
  struct fix a, b;
  fix_init(&a, 3);
  fix_init(&b, 3);
  reverse_order(&b);
  ck_assert_int_eq(b.sys->id[0], a.sys->n_global);
  for (struct fix *f = &a; f; f = (f == &a) ? &b : NULL)
    nnmd_velocities_create(f->sys, f->md.units, f->comm, 2.0 * T0, 11, 3 * f->sys->n_global - 3);
  /* one O-step without forces: the same numbers for the same ids, bit for bit */
  char run[512];
  run_text(run, sizeof run, "langevin", 0.1, NULL);
  for (struct fix *f = &a; f; f = (f == &a) ? &b : NULL) {
    int64_t c = f->sys->capacity;
    memset(f->sys->f, 0, sizeof(double) * 3 * (size_t)c);
    memset(f->sys->v, 0, sizeof(double) * 3 * (size_t)c);
    void *st;
    const struct nnmd_integrator_ops *ops = make_integ(run, f->md.units, f->sys->n_global, &st);
    struct nnmd_integ_ctx ic = {.sys = f->sys, .box = &f->md.box, .units = f->md.units, .comm = f->comm,
                                .dt = DT, .step = 17, .seed = 99, .n_dof = 3 * f->sys->n_global - 3};
    ck_assert_int_eq(ops->first_half(st, &ic, &f->err), 0);
    ops->destroy(st);
  }
  ck_assert(max_diff_by_id(&a, &b) == 0.0);
  /* a trajectory: the same up to the summation order of the forces */
  for (struct fix *f = &a; f; f = (f == &a) ? &b : NULL) {
    nnmd_velocities_create(f->sys, f->md.units, f->comm, 2.0 * T0, 11, 3 * f->sys->n_global - 3);
    ck_assert_int_eq(nnmd_md_forces(&f->md, true, &f->err), 0);
    fix_run(f, run, 300, NULL, 0);
  }
  double d = max_diff_by_id(&a, &b);
  printf("Langevin, storage order reversed: max |dx|, |dv| after 300 steps = %.2e\n", d);
  ck_assert_msg(d < 1e-8, "Langevin trajectories differ by %.3e after permuting the atoms", d);
  fix_free(&a);
  fix_free(&b);
}
END_TEST

/* ---- write_state / read_state ------------------------------------------------------------- */

#define RT_FIRST 40
#define RT_MORE 60

struct copy {
  int64_t n;
  double *x, *v, *f;
  int32_t *img;
};

static void copy_take(struct copy *cp, const struct nnmd_system *s) {
  size_t m = 3 * (size_t)s->capacity;
  cp->n = s->n_local;
  cp->x = malloc(m * sizeof(double));
  cp->v = malloc(m * sizeof(double));
  cp->f = malloc(m * sizeof(double));
  cp->img = malloc(m * sizeof(int32_t));
  memcpy(cp->x, s->x, m * sizeof(double));
  memcpy(cp->v, s->v, m * sizeof(double));
  memcpy(cp->f, s->f, m * sizeof(double));
  memcpy(cp->img, s->image, m * sizeof(int32_t));
}

static void copy_put(const struct copy *cp, struct nnmd_system *s) {
  size_t m = 3 * (size_t)s->capacity;
  memcpy(s->x, cp->x, m * sizeof(double));
  memcpy(s->v, cp->v, m * sizeof(double));
  memcpy(s->f, cp->f, m * sizeof(double));
  memcpy(s->image, cp->img, m * sizeof(int32_t));
}

static void copy_free(struct copy *cp) {
  free(cp->x);
  free(cp->v);
  free(cp->f);
  free(cp->img);
}

/* Owned x and v equal bit for bit. */
static bool same_state(const struct copy *cp, const struct nnmd_system *s) {
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < s->n_local; ++i) {
      size_t k = (size_t)(d * s->capacity + i);
      if (memcmp(&cp->x[k], &s->x[k], sizeof(double)) || memcmp(&cp->v[k], &s->v[k], sizeof(double)))
        return false;
    }
  return true;
}

/* Run from the current step to `last` with an integrator that exists already. */
static void run_until(struct fix *fx, int64_t last) {
  fx->md.last_step = last;
  fx->md.n_obs = 0;
  ck_assert_int_eq(nnmd_md_run(&fx->md, &fx->err), 0);
}

static void check_roundtrip(const char *run) {
  struct fix fx;
  fix_init(&fx, 2);
  fx.md.neigh_every = 1; /* lists rebuilt every step: no list history to carry over */
  fx.md.neigh_check = false;
  nnmd_velocities_create(fx.sys, fx.md.units, fx.comm, 2.0 * T0, 5, 3 * fx.sys->n_global - 3);
  struct nnmd_md *md = &fx.md;
  md->integ = make_integ(run, md->units, fx.sys->n_global, &md->integ_state);
  md->first_step = md->step = 0;
  run_until(&fx, RT_FIRST);
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(md->integ->write_state(md->integ_state, f, &fx.err), 0);
  struct copy mid, end;
  copy_take(&mid, fx.sys);
  run_until(&fx, RT_FIRST + RT_MORE);
  double extra = md->integ->conserved_extra(md->integ_state);
  copy_take(&end, fx.sys);
  md->integ->destroy(md->integ_state);
  /* again from the saved state, as a restart does (its first_step is the checkpoint's step) */
  copy_put(&mid, fx.sys);
  md->integ = make_integ(run, md->units, fx.sys->n_global, &md->integ_state);
  rewind(f);
  ck_assert_int_eq(md->integ->read_state(md->integ_state, f, &fx.err), 0);
  fclose(f);
  md->first_step = md->step = RT_FIRST;
  run_until(&fx, RT_FIRST + RT_MORE);
  double extra2 = md->integ->conserved_extra(md->integ_state);
  printf("restart %s: conserved_extra %.17g vs %.17g\n", md->integ->name, extra, extra2);
  ck_assert_msg(same_state(&end, fx.sys), "%s: continued run differs from the uninterrupted one",
                md->integ->name);
  ck_assert(memcmp(&extra, &extra2, sizeof extra) == 0);
  md->integ->destroy(md->integ_state);
  md->integ = NULL;
  md->integ_state = NULL;
  copy_free(&mid);
  copy_free(&end);
  fix_free(&fx);
}

START_TEST(test_roundtrip) {
  check_roundtrip("[run]\nensemble = 'nvt'\ntemperature = [100.0, 300.0]\nchain = 4\nsubsteps = 2\nsy = 3\n");
  check_roundtrip("[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = [100.0, 300.0]\n");
  check_roundtrip("[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 100.0\nplacement = 'end'\n");
  check_roundtrip(
      "[run]\nensemble = 'nvt'\nthermostat = 'langevin'\ntemperature = [100.0, 300.0]\ntdamp = 0.2\n");
  check_roundtrip("[run]\nensemble = 'nvt'\nthermostat = 'berendsen'\ntemperature = [100.0, 300.0]\n");
}
END_TEST

/* A state read by an integrator with other settings, or by another integrator, is refused. */
static int read_other(const char *writer, const char *reader, struct nnmd_error *err) {
  const struct nnmd_units *u = nnmd_units_get("lammps");
  void *a, *b;
  const struct nnmd_integrator_ops *oa = make_integ(writer, u, 10, &a), *ob = make_integ(reader, u, 10, &b);
  FILE *f = tmpfile();
  ck_assert_int_eq(oa->write_state(a, f, err), 0);
  rewind(f);
  int st = ob->read_state(b, f, err);
  fclose(f);
  oa->destroy(a);
  ob->destroy(b);
  return st;
}

START_TEST(test_state_mismatch) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(read_other("[run]\nensemble = 'nvt'\ntemperature = 100\n",
                              "[run]\nensemble = 'nvt'\ntemperature = 100\nchain = 5\n", &err),
                   NNMD_ERR_FORMAT);
  printf("state mismatch: %s\n", err.msg);
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_other("[run]\nensemble = 'nvt'\ntemperature = 100\n",
                              "[run]\nensemble = 'nvt'\nthermostat = 'csvr'\ntemperature = 100\n", &err),
                   NNMD_ERR_FORMAT);
  printf("state mismatch: %s\n", err.msg);
  nnmd_error_clear(&err);
}
END_TEST

Suite *thermostat_suite(void) {
  Suite *s = suite_create("thermostats");
  TCase *unit = tcase_create("unit");
  tcase_add_test(unit, test_state_mismatch);
  suite_add_tcase(s, unit);
  TCase *md = tcase_create("md");
  tcase_set_timeout(md, 600);
  tcase_add_test(md, test_roundtrip);
  tcase_add_test(md, test_langevin_permutation);
  tcase_add_test(md, test_heat_bookkeeping);
  tcase_add_test(md, test_conserved_drift);
  tcase_add_test(md, test_ks_csvr);
  tcase_add_test(md, test_ks_langevin);
  tcase_add_test(md, test_ks_langevin_zero);
  tcase_add_test(md, test_nhc_canonical);
  suite_add_tcase(s, md);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(thermostat_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
