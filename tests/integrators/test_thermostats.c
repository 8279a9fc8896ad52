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
 *  - the random stream's Gamma/chi-square deviates and the CSVR resampling (KS tests);
 *  - input errors at line:column, integrator selection and the temperature ramp.
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

#define EPS_LJ 0.0104
#define SIGMA_LJ 3.405
#define RHO_STAR 0.8442
#define T0 120.0
#define DT 0.01
#define SKIN 1.0

#define DRIFT_STEPS 10000
#define DRIFT_EVERY 10
#define DRIFT_FACTOR 2.0
#define DRIFT_FLOOR_MIN 4e-7 /* eV per atom per ps (8e-5 eps per atom per tau) */
#define SD_FACTOR 4.0
#define DRIFT_BLOCKS 5

#define KS_P_MIN 0.01
#define SPARSE 50

/* ---- statistics ------------------------------------------------------------------------ */

/* Regularised lower incomplete gamma P(a, x): series for x < a + 1, else 1 - continued
 * fraction of Q (modified Lentz). */
static double gamma_p(double a, double x) {
  if (x <= 0) return 0.0;
  double lpre = -x + a * log(x) - lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 100000 && fabs(term) > 1e-17 * fabs(sum); ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * exp(lpre);
  }
  double tiny = 1e-300, b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-16) break;
  }
  return 1.0 - exp(lpre) * h;
}

/* Kolmogorov distribution tail Q(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2). */
static double kolmogorov_q(double lam) {
  if (lam < 0.2) return 1.0;
  double sum = 0.0, sign = 1.0;
  for (int k = 1; k <= 200; ++k) {
    double t = sign * exp(-2.0 * k * k * lam * lam);
    sum += t;
    if (fabs(t) < 1e-16) break;
    sign = -sign;
  }
  double q = 2.0 * sum;
  return q < 0 ? 0 : (q > 1 ? 1 : q);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* KS test of samples x[0..n) (sorted in place) against Gamma(shape, scale); returns p and D. */
static double ks_gamma(double *x, int n, double shape, double scale, double *dmax) {
  qsort(x, (size_t)n, sizeof *x, cmp_double);
  double d = 0.0;
  for (int i = 0; i < n; ++i) {
    double f = gamma_p(shape, x[i] / scale);
    d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
  }
  double sn = sqrt((double)n);
  *dmax = d;
  return kolmogorov_q((sn + 0.12 + 0.11 / sn) * d);
}

static double mean_of(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += x[i];
  return s / n;
}

/* Least-squares slope of y[i] against t_i = i dt. */
static double slope_of(const double *y, int n, double dt) {
  double mt = 0.5 * (n - 1) * dt, my = mean_of(y, n), stt = 0, sty = 0;
  for (int i = 0; i < n; ++i) {
    stt += (i * dt - mt) * (i * dt - mt);
    sty += (i * dt - mt) * (y[i] - my);
  }
  return sty / stt;
}

/* Standard error of the slope from the scatter of the slopes of nb contiguous blocks. */
static double block_slope_se(const double *y, int n, double dt, int nb) {
  int len = n / nb;
  double s[16], m = 0, v = 0;
  for (int b = 0; b < nb; ++b) m += (s[b] = slope_of(y + b * len, len, dt));
  m /= nb;
  for (int b = 0; b < nb; ++b) v += (s[b] - m) * (s[b] - m);
  return sqrt(v / (nb - 1)) / sqrt((double)nb);
}

/* Mean and its standard error from nb block means. */
static void block_mean(const double *x, int n, int nb, double *mean, double *se) {
  int len = n / nb;
  double bm[64], m = 0, v = 0;
  for (int b = 0; b < nb; ++b) m += (bm[b] = mean_of(x + b * len, len));
  m /= nb;
  for (int b = 0; b < nb; ++b) v += (bm[b] - m) * (bm[b] - m);
  *mean = m;
  *se = sqrt(v / (nb - 1) / nb);
}

/* ---- the LJ argon fixture ------------------------------------------------------------------ */

struct fix {
  struct nnmd_system *sys;
  struct nnmd_md md;
  struct nnmd_comm *comm;
  struct nnmd_log log;
  struct nnmd_error err;
  double *x0, *v0; /* a saved state, indexed by id - 1 */
  int32_t *img0;
};

/* fcc argon, nc^3 cells at rho*. */
static void fcc(struct nnmd_system *sys, struct nnmd_box *box, int nc) {
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  double a = cbrt(4.0 / RHO_STAR) * SIGMA_LJ, lo[3] = {0, 0, 0};
  int per[3] = {1, 1, 1};
  int64_t n = 4LL * nc * nc * nc, k = 0;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_box_set_lammps(box, lo, a * nc, a * nc, a * nc, 0, 0, 0, per, &err), 0);
  ck_assert_int_eq(nnmd_system_reserve(sys, n, &err), 0);
  int64_t c = sys->capacity;
  int type = nnmd_species_intern(&sys->species, "Ar");
  for (int iz = 0; iz < nc; ++iz)
    for (int iy = 0; iy < nc; ++iy)
      for (int ix = 0; ix < nc; ++ix)
        for (int b = 0; b < 4; ++b, ++k) {
          int cell[3] = {ix, iy, iz};
          for (int d = 0; d < 3; ++d) {
            sys->x[d * c + k] = a * (cell[d] + basis[b][d]);
            sys->v[d * c + k] = 0.0;
            sys->image[d * c + k] = 0;
          }
          sys->id[k] = k + 1;
          sys->type[k] = type;
        }
  sys->n_local = sys->n_global = n;
  sys->n_ghost = 0;
  nnmd_error_clear(&err);
}

static const char *lj_toml(void) {
  static char buf[256];
  snprintf(buf, sizeof buf,
           "[[potential]]\ntype = 'lj'\ncutoff = %.17g\nshift = true\n"
           "pairs = [{species = ['Ar', 'Ar'], epsilon = %.17g, sigma = %.17g}]\n",
           2.5 * SIGMA_LJ, EPS_LJ, SIGMA_LJ);
  return buf;
}

/* The integrator of a [run] text (select + create). */
static const struct nnmd_integrator_ops *make_integ(const char *run_text, const struct nnmd_units *u,
                                                    int64_t n_global, void **state) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(run_text, "run.toml", &root, &err), 0);
  const struct nnmd_integrator_ops *ops = NULL;
  int st = nnmd_integrator_select(nnmd_cfg_get(root, "run"), &ops, &err);
  struct nnmd_integ_info info = {.units = u, .dt = DT, .n_global = n_global, .n_dof = 3 * n_global - 3,
                                 .seed = 1};
  if (!st) st = ops->create(nnmd_cfg_get(root, "run"), &info, state, &err);
  if (st) nnmd_error_print(&err, stderr, true);
  ck_assert_int_eq(st, 0);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return ops;
}

/* Records thermo->conserved and thermo->ekin at every sample. */
struct rec {
  int n, cap;
  double *cons, *ekin;
};

static void rec_push(struct rec *r, double cons, double ekin) {
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 1024;
    r->cons = realloc(r->cons, sizeof(double) * (size_t)r->cap);
    r->ekin = realloc(r->ekin, sizeof(double) * (size_t)r->cap);
    ck_assert(r->cons && r->ekin);
  }
  r->cons[r->n] = cons;
  r->ekin[r->n++] = ekin;
}

static int rec_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  (void)err;
  rec_push(state, v->thermo->conserved, v->thermo->ekin);
  return 0;
}

static void rec_free(struct rec *r) {
  free(r->cons);
  free(r->ekin);
  memset(r, 0, sizeof *r);
}

static const struct nnmd_observer_ops k_rec_ops = {.name = "rec", .sample = rec_sample};

/* One communicator for the whole process, made before any fixture's: with MPI, the fixtures'
 * own communicators then neither initialise nor finalise MPI, so several fixtures can live in
 * one process (and one after another). */
static struct nnmd_comm *g_comm;

static void global_comm_free(void) { nnmd_comm_destroy(g_comm); }

static void global_comm(void) {
  if (g_comm) return;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_comm_create(&g_comm, NULL, NULL, &err), 0);
  atexit(global_comm_free);
}

static void fix_init(struct fix *fx, int nc) {
  global_comm();
  memset(fx, 0, sizeof *fx);
  nnmd_error_init(&fx->err);
  ck_assert_int_eq(nnmd_system_create(&fx->sys, &fx->err), 0);
  struct nnmd_box box;
  fcc(fx->sys, &box, nc);
  int st = tsup_md_setup(&fx->md, &fx->comm, &fx->log, fx->sys, &box, lj_toml(), SKIN, &fx->err);
  if (st) nnmd_error_print(&fx->err, stderr, true);
  ck_assert_int_eq(st, 0);
  fx->md.dt = DT;
  fx->md.seed = 20261124;
  fx->md.want_eatom = false;
}

static void fix_free(struct fix *fx) {
  fx->md.integ = NULL;
  tsup_md_free(&fx->md, fx->comm);
  nnmd_system_destroy(fx->sys);
  free(fx->x0);
  free(fx->v0);
  free(fx->img0);
  nnmd_error_clear(&fx->err);
}

/* Run `steps` steps with the integrator of run_text from step 0; `rec` (may be NULL) samples
 * every `every` steps including step 0. Returns the integrator's final conserved_extra. */
static double fix_run(struct fix *fx, const char *run_text, int64_t steps, struct rec *rec, int64_t every) {
  struct nnmd_md *md = &fx->md;
  md->integ = make_integ(run_text, md->units, fx->sys->n_global, &md->integ_state);
  md->first_step = md->step = 0;
  md->last_step = steps;
  md->n_obs = 0;
  if (rec) {
    nnmd_md_thermo(md);
    rec_push(rec, md->thermo.conserved, md->thermo.ekin);
    md->obs[0] = (struct nnmd_observer){.ops = &k_rec_ops, .state = rec, .every = every};
    md->n_obs = 1;
  }
  int st = nnmd_md_run(md, &fx->err);
  if (st) nnmd_error_print(&fx->err, stderr, true);
  ck_assert_int_eq(st, 0);
  double extra = md->integ->conserved_extra ? md->integ->conserved_extra(md->integ_state) : 0.0;
  md->n_obs = 0;
  if (md->integ->destroy) md->integ->destroy(md->integ_state);
  md->integ = NULL;
  md->integ_state = NULL;
  return extra;
}

/* Save / restore positions, velocities, images by id; restore recomputes the forces. */
static void fix_save(struct fix *fx) {
  struct nnmd_system *s = fx->sys;
  int64_t n = s->n_local, c = s->capacity;
  if (!fx->x0) {
    fx->x0 = malloc(sizeof(double) * 3 * (size_t)n);
    fx->v0 = malloc(sizeof(double) * 3 * (size_t)n);
    fx->img0 = malloc(sizeof(int32_t) * 3 * (size_t)n);
  }
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      int64_t k = 3 * (s->id[i] - 1) + d;
      fx->x0[k] = s->x[d * c + i];
      fx->v0[k] = s->v[d * c + i];
      fx->img0[k] = s->image[d * c + i];
    }
}

static void fix_restore(struct fix *fx) {
  struct nnmd_system *s = fx->sys;
  int64_t n = s->n_local, c = s->capacity;
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      int64_t k = 3 * (s->id[i] - 1) + d;
      s->x[d * c + i] = fx->x0[k];
      s->v[d * c + i] = fx->v0[k];
      s->image[d * c + i] = fx->img0[k];
    }
  ck_assert_int_eq(nnmd_md_forces(&fx->md, true, &fx->err), 0);
}

/* Melt the crystal (Langevin at 3 T0), equilibrate at T0 and save that state (total
 * momentum zero: initial velocities without it, Langevin noise with zero = true). */
static void fix_liquid(struct fix *fx, int nc) {
  fix_init(fx, nc);
  int64_t ndof = 3 * fx->sys->n_global - 3;
  nnmd_velocities_create(fx->sys, fx->md.units, fx->comm, 3.0 * T0, 7, ndof);
  char run[256];
  const char *fmt = "[run]\nensemble = 'nvt'\nthermostat = 'langevin'\ntemperature = %g\ntdamp = 0.1\nzero = true\n";
  snprintf(run, sizeof run, fmt, 3.0 * T0);
  fix_run(fx, run, 1500, NULL, 0);
  snprintf(run, sizeof run, fmt, T0);
  fx->md.seed++;
  fix_run(fx, run, 2000, NULL, 0);
  fx->md.seed++;
  fix_save(fx);
}

static void run_text(char *buf, size_t n, const char *thermostat, double tdamp, const char *extra) {
  if (!thermostat) {
    snprintf(buf, n, "[run]\nensemble = 'nve'\n");
    return;
  }
  snprintf(buf, n, "[run]\nensemble = 'nvt'\nthermostat = '%s'\ntemperature = %.17g\ntdamp = %.17g\n%s",
           thermostat, T0, tdamp, extra ? extra : "");
}

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
  if (st) printf("  %s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
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
  nnmd_tstat_ramp_unpack(&q, packed);
  struct nnmd_integ_ctx later = {.step = 150, .first_step = 120, .last_step = 200};
  ck_assert_double_eq_tol(nnmd_tstat_target(&q, &later), 250.0, 1e-12);
  struct nnmd_tstat_params c = {.t_start = 100, .t_stop = 100, .tdamp = 0.1};
  ck_assert_double_eq(nnmd_tstat_target(&c, &later), 100.0);
  struct nnmd_integ_ctx empty = {.step = 1, .first_step = 0, .last_step = 0};
  struct nnmd_tstat_params e = {.t_start = 100, .t_stop = 300, .tdamp = 0.1};
  ck_assert_double_eq(nnmd_tstat_target(&e, &empty), 100.0);
}
END_TEST

Suite *thermostat_suite(void) {
  Suite *s = suite_create("thermostats");
  TCase *unit = tcase_create("unit");
  tcase_add_test(unit, test_select);
  tcase_add_test(unit, test_input_errors);
  tcase_add_test(unit, test_ramp);
  tcase_add_test(unit, test_stream_pages);
  tcase_add_test(unit, test_gamma_deviates);
  tcase_add_test(unit, test_csvr_resample);
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
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
