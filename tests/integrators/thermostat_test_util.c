/* thermostat_test_util.c — helpers of the thermostat suites (test_thermostats.c,
 * test_thermostats_unit.c), included by each: statistics (incomplete gamma, KS test, slopes,
 * block averages) and the Lennard-Jones argon fixture (fcc, melt, run, save/restore). */
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
double gamma_p(double a, double x) {
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
double kolmogorov_q(double lam) {
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

int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* KS test of samples x[0..n) (sorted in place) against Gamma(shape, scale); returns p and D. */
double ks_gamma(double *x, int n, double shape, double scale, double *dmax) {
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

double mean_of(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += x[i];
  return s / n;
}

/* Least-squares slope of y[i] against t_i = i dt. */
double slope_of(const double *y, int n, double dt) {
  double mt = 0.5 * (n - 1) * dt, my = mean_of(y, n), stt = 0, sty = 0;
  for (int i = 0; i < n; ++i) {
    stt += (i * dt - mt) * (i * dt - mt);
    sty += (i * dt - mt) * (y[i] - my);
  }
  return sty / stt;
}

/* Standard error of the slope from the scatter of the slopes of nb contiguous blocks. */
double block_slope_se(const double *y, int n, double dt, int nb) {
  int len = n / nb;
  double s[16], m = 0, v = 0;
  for (int b = 0; b < nb; ++b) m += (s[b] = slope_of(y + b * len, len, dt));
  m /= nb;
  for (int b = 0; b < nb; ++b) v += (s[b] - m) * (s[b] - m);
  return sqrt(v / (nb - 1)) / sqrt((double)nb);
}

/* Mean and its standard error from nb block means. */
void block_mean(const double *x, int n, int nb, double *mean, double *se) {
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
void fcc(struct nnmd_system *sys, struct nnmd_box *box, int nc) {
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

const char *lj_toml(void) {
  static char buf[256];
  snprintf(buf, sizeof buf,
           "[[potential]]\ntype = 'lj'\ncutoff = %.17g\nshift = true\n"
           "pairs = [{species = ['Ar', 'Ar'], epsilon = %.17g, sigma = %.17g}]\n",
           2.5 * SIGMA_LJ, EPS_LJ, SIGMA_LJ);
  return buf;
}

/* The integrator of a [run] text (select + create). */
const struct nnmd_integrator_ops *make_integ(const char *run_text, const struct nnmd_units *u,
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

void rec_push(struct rec *r, double cons, double ekin) {
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 1024;
    r->cons = realloc(r->cons, sizeof(double) * (size_t)r->cap);
    r->ekin = realloc(r->ekin, sizeof(double) * (size_t)r->cap);
    ck_assert(r->cons && r->ekin);
  }
  r->cons[r->n] = cons;
  r->ekin[r->n++] = ekin;
}

int rec_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  (void)err;
  rec_push(state, v->thermo->conserved, v->thermo->ekin);
  return 0;
}

void rec_free(struct rec *r) {
  free(r->cons);
  free(r->ekin);
  memset(r, 0, sizeof *r);
}

static const struct nnmd_observer_ops k_rec_ops = {.name = "rec", .sample = rec_sample};

/* One communicator for the whole process, made before any fixture's: with MPI, the fixtures'
 * own communicators then neither initialise nor finalise MPI, so several fixtures can live in
 * one process (and one after another). */
static struct nnmd_comm *g_comm;

void global_comm_free(void) { nnmd_comm_destroy(g_comm); }

void global_comm(void) {
  if (g_comm) return;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_comm_create(&g_comm, NULL, NULL, &err), 0);
  atexit(global_comm_free);
}

void fix_init(struct fix *fx, int nc) {
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

void fix_free(struct fix *fx) {
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
double fix_run(struct fix *fx, const char *run_text, int64_t steps, struct rec *rec, int64_t every) {
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
void fix_save(struct fix *fx) {
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

void fix_restore(struct fix *fx) {
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
void fix_liquid(struct fix *fx, int nc) {
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

void run_text(char *buf, size_t n, const char *thermostat, double tdamp, const char *extra) {
  if (!thermostat) {
    snprintf(buf, n, "[run]\nensemble = 'nve'\n");
    return;
  }
  snprintf(buf, n, "[run]\nensemble = 'nvt'\nthermostat = '%s'\ntemperature = %.17g\ntdamp = %.17g\n%s",
           thermostat, T0, tdamp, extra ? extra : "");
}
