/* test_msd.c — the MSD analysis (analysis/msd.h; methods §9 M1, M2, M3, M5).
 *
 * M2  FFT MSD (S1 - 2 S2) equals the direct O(T^2) double sum on random data, 1e-10 relative
 *     at every lag: the FFT rounding is ~1e-16 of sum x^2, the cancellation S1 - 2 S2 loses at
 *     most the ratio <x^2>/MSD(1) (~1e3 here), so 1e-10 leaves a wide margin.
 * M1  ballistic particles in a tilted periodic cell, wrapped every step (they cross the cell
 *     ~10 times): MSD = <v^2> t^2 at every lag to 1e-10 relative, through the observer
 *     (positions x + h image, gathered) and through the frame-to-frame unwrap used by
 *     `nnmd analyze`; the error budget is rounding of x + h n (~1e-14 A on displacements of
 *     >= 0.05 A) plus the cancellation above (<x^2>/MSD(1) ~ 1e5 -> ~1e-11).
 * M3  a uniform drift added to all atoms leaves the COM-corrected MSD unchanged (1e-10
 *     relative: the COM subtraction cancels it up to rounding of the drift, 1e-14 A).
 * M5  random walks with known D (Gaussian steps, seeded): D within its block error bar in
 *     a fraction of 50 seeds compatible with 1 sigma coverage. With 10 blocks the standard
 *     error follows Student's t with 9 degrees of freedom: P(|t| < 1) = 0.657, so the count
 *     of 50 is binomial with mean 32.9 and sd 3.4; we accept 23..43 (about 3 sd). The mean of
 *     the 50 estimates must be within 3.5 of its own standard errors of the true D.
 * Also: one block gives D_err = NaN; a drift in a field run gives the mobility.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "comm.h"
#include "corr.h"
#include "msd.h"
#include "support.h"
#include "system.h"
#include "toml.h"

static void direct_msd(const double *x, int64_t n, double *out) {
  for (int64_t m = 0; m < n; ++m) {
    double s = 0;
    for (int64_t k = 0; k + m < n; ++k) s += (x[k + m] - x[k]) * (x[k + m] - x[k]);
    out[m] = s / (double)(n - m);
  }
}

START_TEST(fft_equals_direct) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  static const int64_t sizes[] = {1, 2, 3, 17, 100, 777, 2000};
  uint64_t seed = 11;
  for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; ++q) {
    int64_t n = sizes[q];
    double *x = malloc((size_t)n * sizeof(double)), *ref = malloc((size_t)n * sizeof(double));
    double *got = calloc((size_t)n, sizeof(double)), *work = malloc(2 * (size_t)n * sizeof(double));
    double w = 5.0; /* random walk with an offset: a typical unwrapped coordinate */
    for (int64_t k = 0; k < n; ++k) x[k] = (w += tsup_rand_normal(&seed));
    struct nnmd_corr *c = NULL;
    ck_assert_int_eq(nnmd_corr_create(n, &c, &err), 0);
    ck_assert(nnmd_corr_padded(c) >= 2 * n);
    direct_msd(x, n, ref);
    nnmd_msd_series_add(c, x, n, work, got);
    ck_assert_double_lt(fabs(got[0]), 1e-10);
    double worst = 0;
    for (int64_t m = 1; m < n; ++m) worst = fmax(worst, tsup_reldiff(got[m], ref[m], 1e-300));
    ck_assert_msg(worst < 1e-10, "n = %lld: FFT vs direct MSD rel diff %g", (long long)n, worst);
    /* uncorrelated data too (MSD flat at 2 var = 1/6): at the last lags a single pair can be
     * arbitrarily close, so there the difference is measured against the variance 1/12 (the
     * absolute FFT error is ~1e-16 sum x^2 at every lag) */
    for (int64_t k = 0; k < n; ++k) x[k] = tsup_rand_uniform(&seed);
    memset(got, 0, (size_t)n * sizeof(double));
    direct_msd(x, n, ref);
    nnmd_msd_series_add(c, x, n, work, got);
    for (int64_t m = 1; m < n; ++m) worst = fmax(worst, tsup_reldiff(got[m], ref[m], 1.0 / 12.0));
    ck_assert_msg(worst < 1e-10, "n = %lld (uniform): rel diff %g", (long long)n, worst);
    printf("M2 n = %4lld: FFT vs direct MSD max rel diff %.2e\n", (long long)n, worst);
    nnmd_corr_destroy(c);
    free(x);
    free(ref);
    free(got);
    free(work);
  }
}
END_TEST

/* ---- ballistic particles through the observer and through frame unwrapping -------------- */

enum { NB = 16 };

struct ballistic {
  struct nnmd_system *sys;
  struct nnmd_box box;
  double x0[3 * NB], v[3 * NB];
};

static void ballistic_init(struct ballistic *b) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&b->sys, &err), 0);
  ck_assert_int_eq(nnmd_system_reserve(b->sys, NB, &err), 0);
  int per[3] = {1, 1, 1};
  double lo[3] = {-1.0, 0.5, 2.0};
  ck_assert_int_eq(nnmd_box_set_lammps(&b->box, lo, 10.0, 11.0, 9.0, 2.5, -1.5, 1.0, per, &err), 0);
  uint64_t seed = 5;
  int ar = nnmd_species_intern(&b->sys->species, "Ar"), kr = nnmd_species_intern(&b->sys->species, "Kr");
  for (int i = 0; i < NB; ++i) {
    b->sys->id[i] = NB - i; /* ids not in storage order */
    b->sys->type[i] = (i % 3 == 0) ? kr : ar;
    for (int d = 0; d < 3; ++d) {
      b->x0[3 * i + d] = lo[d] + 9.0 * tsup_rand_uniform(&seed);
      b->v[3 * i + d] = 4.0 * tsup_rand_normal(&seed); /* A/ps: ~100 A in 25 ps */
    }
  }
  b->sys->n_local = b->sys->n_global = NB;
}

/* Positions at time t, wrapped into the cell with image counters. */
static void ballistic_at(struct ballistic *b, double t) {
  int64_t c = b->sys->capacity;
  for (int i = 0; i < NB; ++i) {
    double r[3], s[3];
    for (int d = 0; d < 3; ++d) r[d] = b->x0[3 * i + d] + b->v[3 * i + d] * t;
    nnmd_cart_to_frac(b->box.h_inv, b->box.lo, r, s);
    for (int d = 0; d < 3; ++d) b->sys->image[d * c + i] = nnmd_wrap_frac(&s[d]);
    nnmd_frac_to_cart(b->box.h, b->box.lo, s, r);
    for (int d = 0; d < 3; ++d) b->sys->x[d * c + i] = r[d];
  }
}

/* Expected <|v - V|^2> over the atoms of species t (V = mass-weighted mean velocity if com). */
static double mean_v2(const struct ballistic *b, int t, bool com) {
  double V[3] = {0, 0, 0}, mt = 0, s = 0;
  int n = 0;
  for (int i = 0; i < NB && com; ++i) {
    double m = b->sys->species.s[b->sys->type[i]].mass;
    mt += m;
    for (int d = 0; d < 3; ++d) V[d] += m * b->v[3 * i + d];
  }
  for (int d = 0; d < 3 && com; ++d) V[d] /= mt;
  for (int i = 0; i < NB; ++i) {
    if (b->sys->type[i] != t) continue;
    for (int d = 0; d < 3; ++d) s += (b->v[3 * i + d] - V[d]) * (b->v[3 * i + d] - V[d]);
    n++;
  }
  return s / n;
}

static double check_ballistic(const struct ballistic *b, struct nnmd_msd *m, bool com) {
  const struct nnmd_msd_stats *st = nnmd_msd_compute(m);
  ck_assert_int_eq(st->n_blocks, 3);
  double worst = 0;
  for (int t = 0; t < 2; ++t) {
    const double *c = nnmd_msd_curve(m, t, 3);
    ck_assert_ptr_nonnull(c);
    double v2 = mean_v2(b, t, com);
    ck_assert_double_lt(fabs(c[0]), 1e-9);
    for (int64_t l = 1; l < st->n_lags; ++l) {
      double tl = (double)l * st->tau;
      worst = fmax(worst, tsup_reldiff(c[l], v2 * tl * tl, 1e-300));
    }
  }
  return worst;
}

START_TEST(ballistic_crossing_pbc) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_comm *comm = NULL;
  ck_assert_int_eq(nnmd_comm_create(&comm, NULL, NULL, &err), 0);
  for (int com = 0; com < 2; ++com) {
    struct ballistic b;
    ballistic_init(&b);
    struct nnmd_msd_opts o;
    nnmd_msd_opts_default(&o);
    o.every = 5;
    o.window = 1000;
    o.com = com;
    o.species[0] = o.species[1] = true;
    struct nnmd_observer obs;
    ck_assert_int_eq(nnmd_obs_msd_create(&o, &obs, &err), 0);
    struct nnmd_thermo th = {.temp = 100.0, .volume = b.box.volume};
    double dt = 0.005;
    /* 3 blocks of 1000 steps (+1 sample): ~25 ps at ~7 A/ps crosses the ~10 A cell ~15 times */
    for (int64_t step = 0; step <= 3000; step += 5) {
      ballistic_at(&b, (double)step * dt);
      struct nnmd_step_view v = {.step = step, .dt = dt, .time = step * dt, .sys = b.sys, .box = &b.box,
                                 .thermo = &th, .comm = comm, .units = nnmd_units_get("lammps")};
      ck_assert_int_eq(obs.ops->sample(obs.state, &v, &err), 0);
    }
    double worst = check_ballistic(&b, nnmd_obs_msd_get(&obs), com);
    ck_assert_msg(worst < 1e-10, "observer (com %d): MSD vs v^2 t^2 rel diff %g", com, worst);
    printf("M1 observer, com %d: max rel diff from v^2 t^2 %.2e\n", com, worst);
    obs.ops->destroy(obs.state);

    /* the same from wrapped frames by minimum-image unwrapping (nnmd analyze) */
    struct nnmd_msd *m = NULL;
    int type[NB];
    int64_t order[NB];
    for (int i = 0; i < NB; ++i) order[b.sys->id[i] - 1] = i;
    for (int k = 0; k < NB; ++k) type[k] = b.sys->type[order[k]];
    ck_assert_int_eq(nnmd_msd_create(&o, &b.sys->species, NB, type, dt, &m, &err), 0);
    double u[3 * NB], prev[3 * NB];
    int64_t c = b.sys->capacity;
    for (int64_t step = 0; step <= 3000; step += 5) {
      ballistic_at(&b, (double)step * dt);
      for (int k = 0; k < NB; ++k) {
        int64_t i = order[k];
        double cur[3] = {b.sys->x[i], b.sys->x[c + i], b.sys->x[2 * c + i]}, uk[3], dx[3];
        for (int d = 0; d < 3; ++d) {
          uk[d] = step == 0 ? cur[d] : u[d * NB + k];
          dx[d] = cur[d] - prev[3 * k + d];
        }
        if (step > 0) nnmd_msd_unwrap(uk, dx, &b.box);
        for (int d = 0; d < 3; ++d) {
          u[d * NB + k] = uk[d];
          prev[3 * k + d] = cur[d];
        }
      }
      ck_assert_int_eq(nnmd_msd_add(m, u, 100.0, b.box.volume, &err), 0);
    }
    worst = check_ballistic(&b, m, com);
    ck_assert_msg(worst < 1e-10, "frame unwrap (com %d): MSD vs v^2 t^2 rel diff %g", com, worst);
    printf("M1 frame unwrap, com %d: max rel diff from v^2 t^2 %.2e\n", com, worst);
    nnmd_msd_destroy(m);
    nnmd_system_destroy(b.sys);
  }
  nnmd_comm_destroy(comm);
}
END_TEST

/* ---- random walks --------------------------------------------------------------------- */

struct walk {
  int64_t n, nsamp;
  double *u; /* nsamp frames of 3n */
};

/* n walkers, Gaussian steps of variance 2 D tau per component; species: the first half 0. */
static void make_walk(struct walk *w, int64_t n, int64_t nsamp, double D, double tau, uint64_t seed) {
  w->n = n;
  w->nsamp = nsamp;
  w->u = malloc((size_t)(3 * n * nsamp) * sizeof(double));
  double sd = sqrt(2.0 * D * tau);
  for (int64_t i = 0; i < 3 * n; ++i) w->u[i] = 20.0 * tsup_rand_uniform(&seed);
  for (int64_t k = 1; k < nsamp; ++k)
    for (int64_t i = 0; i < 3 * n; ++i) w->u[k * 3 * n + i] = w->u[(k - 1) * 3 * n + i] + sd * tsup_rand_normal(&seed);
}

static struct nnmd_msd *feed(const struct walk *w, const struct nnmd_msd_opts *o, const struct nnmd_species_table *sp,
                             const int *type, double dt, const double drift[3]) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_msd *m = NULL;
  ck_assert_int_eq(nnmd_msd_create(o, sp, w->n, type, dt, &m, &err), 0);
  double *u = malloc((size_t)(3 * w->n) * sizeof(double));
  for (int64_t k = 0; k < w->nsamp; ++k) {
    double t = (double)k * dt * (double)o->every;
    for (int64_t i = 0; i < w->n; ++i)
      for (int d = 0; d < 3; ++d) u[d * w->n + i] = w->u[k * 3 * w->n + 3 * i + d] + (drift ? drift[d] * t : 0.0);
    ck_assert_int_eq(nnmd_msd_add(m, u, 300.0, 1000.0, &err), 0);
  }
  free(u);
  return m;
}

START_TEST(com_drift_removed) {
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  nnmd_species_intern(&sp, "O");
  int type[40];
  for (int i = 0; i < 40; ++i) type[i] = i < 10 ? 0 : 1;
  struct walk w;
  make_walk(&w, 40, 401, 0.5, 0.01, 99);
  struct nnmd_msd_opts o;
  nnmd_msd_opts_default(&o);
  o.every = 2;
  o.window = 400;
  o.species[0] = o.species[1] = true;
  double drift[3] = {35.0, -12.0, 7.5}; /* A/ps: 35 A over the 4 ps window */
  struct nnmd_msd *a = feed(&w, &o, &sp, type, 0.005, NULL), *b = feed(&w, &o, &sp, type, 0.005, drift);
  nnmd_msd_compute(a);
  nnmd_msd_compute(b);
  double worst = 0;
  for (int t = 0; t < 2; ++t)
    for (int c = 0; c < 4; ++c) {
      const double *x = nnmd_msd_curve(a, t, c), *y = nnmd_msd_curve(b, t, c);
      for (int64_t l = 1; l <= 200; ++l) worst = fmax(worst, tsup_reldiff(x[l], y[l], 1e-300));
    }
  ck_assert_msg(worst < 1e-10, "COM-corrected MSD changed by a uniform drift: rel diff %g", worst);
  printf("M3 uniform drift, COM-corrected MSD max rel change %.2e\n", worst);
  /* without the correction the drift shows up as (v t)^2 */
  o.com = false;
  struct nnmd_msd *c = feed(&w, &o, &sp, type, 0.005, drift);
  nnmd_msd_compute(c);
  double t = 100 * 0.01, extra = (35.0 * 35.0 + 12.0 * 12.0 + 7.5 * 7.5) * t * t;
  ck_assert_double_gt(nnmd_msd_curve(c, 0, 3)[100], 0.5 * extra);
  nnmd_msd_destroy(a);
  nnmd_msd_destroy(b);
  nnmd_msd_destroy(c);
  free(w.u);
}
END_TEST

START_TEST(random_walk_coverage) {
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  int type[60] = {0};
  struct nnmd_msd_opts o;
  nnmd_msd_opts_default(&o);
  o.every = 1;
  o.window = 100;
  o.com = false; /* independent walkers: the COM correction would lower D by 1/N */
  o.species[0] = true;
  const double D = 0.3, dt = 0.01; /* A^2/ps, ps */
  int inside = 0, inside_x = 0;
  double sum = 0, sum2 = 0;
  for (int seed = 1; seed <= 50; ++seed) {
    struct walk w;
    make_walk(&w, 60, 1001, D, dt, 1000 + (uint64_t)seed); /* 10 blocks */
    struct nnmd_msd *m = feed(&w, &o, &sp, type, dt, NULL);
    const struct nnmd_msd_stats *st = nnmd_msd_compute(m);
    ck_assert_int_eq(st->n_blocks, 10);
    const struct nnmd_msd_species_stats *r = &st->sp[0];
    ck_assert(isfinite(r->D_err) && r->D_err > 0);
    if (fabs(r->D - D) < r->D_err) inside++;
    if (fabs(r->D_xyz[0] - D) < r->D_xyz_err[0]) inside_x++;
    ck_assert_double_lt(fabs(r->alpha - 1.0), 0.1);
    sum += r->D;
    sum2 += r->D * r->D;
    nnmd_msd_destroy(m);
    free(w.u);
  }
  double mean = sum / 50, se = sqrt((sum2 / 50 - mean * mean) / 49);
  printf("M5 random walk D = %g: inside 1 SE in %d/50 seeds (D_x %d/50); mean D %.5f +- %.5f\n", D, inside, inside_x,
         mean, se);
  ck_assert_msg(inside >= 23 && inside <= 43, "D within 1 block-SE in %d of 50 seeds (expected 23..43)", inside);
  ck_assert_msg(inside_x >= 23 && inside_x <= 43, "D_x within 1 block-SE in %d of 50 seeds", inside_x);
  ck_assert_msg(fabs(mean - D) < 3.5 * se, "mean D over seeds %g vs %g (se %g)", mean, D, se);
}
END_TEST

START_TEST(one_block_and_field) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  nnmd_species_intern(&sp, "Cl");
  int type[20];
  for (int i = 0; i < 20; ++i) type[i] = i % 2;
  struct walk w;
  make_walk(&w, 20, 201, 0.2, 0.01, 7);
  struct nnmd_msd_opts o;
  nnmd_msd_opts_default(&o);
  o.every = 1;
  o.window = 200;
  o.com = false;
  o.species[0] = true;
  o.charge_known[0] = true;
  o.charge[0] = 1.0;
  o.field_on = true;
  o.E[2] = 0.1; /* V/A */
  struct nnmd_msd *m = feed(&w, &o, &sp, type, 0.01, NULL);
  const struct nnmd_msd_stats *st = nnmd_msd_compute(m);
  ck_assert_int_eq(st->n_blocks, 1);
  ck_assert(isnan(st->sp[0].D_err));
  ck_assert(st->sp[0].analysed && !st->sp[1].analysed);
  double kT = nnmd_units_get("lammps")->boltz * 300.0;
  ck_assert_double_lt(tsup_reldiff(st->sp[0].mobility_ne, st->sp[0].D / kT, 0), 1e-14);
  ck_assert(st->have_sigma);
  double sig = NNMD_SIGMA_S_PER_CM * 10 * st->sp[0].D / (1000.0 * kT);
  ck_assert_double_lt(tsup_reldiff(st->sigma_ne, sig, 0), 1e-12);
  nnmd_msd_destroy(m);
  /* a drift of the Li atoms only (com off): drift velocity = their mean displacement over the
   * block / its length, mobility = v_z / E_z (E along z) */
  double vz = 0;
  for (int i = 0; i < 20; i += 2) {
    for (int64_t k = 0; k < w.nsamp; ++k) w.u[k * 60 + 3 * i + 2] += 0.8 * (double)k * 0.01;
    vz += (w.u[200 * 60 + 3 * i + 2] - w.u[3 * i + 2]) / (200 * 0.01) / 10.0;
  }
  m = feed(&w, &o, &sp, type, 0.01, NULL);
  st = nnmd_msd_compute(m);
  ck_assert_double_lt(fabs(st->sp[0].v_drift[2] - vz), 1e-10);
  ck_assert_double_lt(fabs(st->sp[0].mobility - vz / 0.1), 1e-9);
  nnmd_msd_destroy(m);
  free(w.u);
}
END_TEST

static int read_opts(const char *toml, struct nnmd_msd_opts *o, struct nnmd_error *err) {
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(toml, "t.toml", &root, err), 0);
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "Li");
  nnmd_species_intern(&sp, "O");
  memset(o, 0, sizeof *o);
  int st = nnmd_msd_opts_read(nnmd_cfg_get(root, "msd"), &sp, 100000, o, err);
  nnmd_cfg_free(root);
  return st;
}

START_TEST(input_checks) {
  struct nnmd_error err;
  struct nnmd_msd_opts o;
  nnmd_error_init(&err);
  ck_assert_int_eq(read_opts("[msd]\nspecies = [\"Li\"]\nevery = 5\nwindow = 1000\nfit = [0.2, 0.6]\n"
                             "charges = { Li = 1.0 }\n", &o, &err), 0);
  ck_assert(o.species[0] && !o.species[1] && o.every == 5 && o.window == 1000 && o.fit[0] == 0.2);
  ck_assert(o.charge_known[0] && o.charge[0] == 1.0 && o.com && !o.field_on);
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\n", &o, &err), 0); /* defaults: all species, 5 windows */
  ck_assert(o.species[0] && o.species[1] && o.every == 10 && o.window == 20000);
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\nwindwo = 100\n", &o, &err), NNMD_ERR_INPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "did you mean 'window'"));
  ck_assert_int_eq(err.line, 2);
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\nevery = 7\nwindow = 100\n", &o, &err), NNMD_ERR_INPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "multiple of 'every'"));
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\nwindow = 100\nfit = [0.5, 1.2]\n", &o, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.line, 3);
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\nspecies = [\"Na\"]\n", &o, &err), NNMD_ERR_INPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "unknown species 'Na'"));
  nnmd_error_clear(&err);
  ck_assert_int_eq(read_opts("[msd]\nwindow = 200000\n", &o, &err), NNMD_ERR_INPUT);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("msd");
  TCase *tc = tcase_create("msd");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, fft_equals_direct);
  tcase_add_test(tc, ballistic_crossing_pbc);
  tcase_add_test(tc, com_drift_removed);
  tcase_add_test(tc, random_walk_coverage);
  tcase_add_test(tc, one_block_and_field);
  tcase_add_test(tc, input_checks);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
