/* test_barostats.c — the NPT integrators (methods.md §2.5-2.7): MTK (iso, aniso, triclinic),
 * C-rescale (iso, aniso) and Berendsen, on a Lennard-Jones argon liquid.
 *
 * System: argon in metal units (eps = 0.0104 eV, sigma = 3.405 A, mass from the species
 * table; tau = sigma sqrt(m/eps) = 2.15 ps), 256 atoms (4^3 fcc cells at rho* = 0.8442)
 * melted at 360 K and equilibrated at T0 = 120 K (T* = 1.0, a liquid) by velocity rescaling,
 * LJ cut at 2.5 sigma and shifted (LAMMPS lj/cut + pair_modify shift yes), skin 1 A,
 * dt = 0.01 ps (0.0047 tau). Barostat/thermostat times follow LAMMPS' advice: tdamp =
 * 100 dt = 1 ps, pdamp = 1000 dt = 10 ps (C-rescale tau_P = 2 ps, compressibility 1e-4/bar,
 * about the liquid's).
 *
 * Checks and tolerances (numbers are printed so that they can be quoted):
 *  - conserved quantity (MTK iso/aniso/triclinic; C-rescale iso effective energy):
 *    10,000 steps (the acceptance length) from the same state as an NVE run at the
 *    same dt; least-squares slope of E_conserved per atom against time. Acceptance:
 *    |slope| <= DRIFT_FACTOR |slope_NVE| + floor, floor = max(DRIFT_FLOOR_MIN, 3 s_NVE),
 *    s_NVE = standard error of the NVE slope from the scatter of 5 block slopes. Why: the
 *    force jump of the cut potential makes E(t) a random walk in every integrator, so a
 *    single slope is not a systematic drift (tests/validation/test_lammps_nve.c); the floor
 *    4e-7 eV/atom/ps is 4e-5 eV/atom over the run, a tenth of kT/atom: an integration error
 *    in a barostat (a wrong sign or factor in one term) drifts by 1e-4 eV/atom/ps or more.
 *    Fluctuation: sd(E_conserved) <= SD_FACTOR sd(E_NVE) (the extended system adds its own
 *    O(dt^2) error; an inconsistent term shows up as a fluctuation of order kT).
 *  - pressure target (MTK iso with pdamp 1 ps, C-rescale iso and aniso, Berendsen iso):
 *    P0 = P_NVE + 1000 bar (compressing the liquid). After EQ_STEPS of equilibration, the
 *    mean scalar pressure over PROD_STEPS (10 block means) must be within 3 standard errors
 *    + 5 bar of P0 (aniso: each diagonal component too). The 5 bar cover the MTK
 *    ensemble's own offset <P> = P0 - kT/V (1.5 bar here: the MTK term makes the average of
 *    (P - P0) V + kT vanish) and residual relaxation; the standard errors are 1-40 bar. The
 *    mean volume must have dropped by more than 2 % (measured: ~8 %, beta_T ~ 8e-5/bar), and
 *    the mean volumes of MTK and C-rescale iso (both exact NPT samplers) must agree within
 *    3 combined standard errors (methods.md §9, I7).
 *  - write_state/read_state: 100 steps, save the state, then 100 more steps twice from the
 *    same restored system: with the original integrator object and with a fresh one that
 *    read the record back. Positions, velocities and cell must agree bit for bit.
 *  - LAMMPS parity (skipped without /usr/bin/lmp or `lmp`): `fix npt` iso, aniso and tri
 *    (tilted cell) from the same state, 200 steps; pe, press, vol, temp every 20 steps agree
 *    to PARITY_TOL relative (chaotic growth of rounding differences over 200 steps stays
 *    below 1e-10; an algorithmic difference of one term is at 1e-6 or more).
 *  - input errors.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barostat_util.h"
#include "box_math.h"
#include "integrators.h"
#include "support.h"
#include "thermo.h"
#include "toml.h"

#define EPS_LJ 0.0104
#define SIGMA_LJ 3.405
#define RHO_STAR 0.8442
#define T0 120.0
#define DT 0.01
#define SKIN 1.0
#define NCELL 4

#define DRIFT_STEPS 10000
#define DRIFT_EVERY 10
#define DRIFT_FACTOR 2.0
#define DRIFT_FLOOR_MIN 4e-7
#define SD_FACTOR 4.0
#define NBLOCK_SLOPE 5

#define DP_TARGET 1000.0
#define EQ_STEPS 3000
#define PROD_STEPS 7000
#define NBLOCK_MEAN 10
#define P_SIGMAS 3.0
#define P_SLACK 5.0
#define MIN_VOL_DROP 0.02

#define PARITY_STEPS 200
#define PARITY_EVERY 20
#define PARITY_TOL 1e-8

/* ---- statistics ----------------------------------------------------------------------- */

static double mean_of(const double *x, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += x[i];
  return s / n;
}

static double sd_of(const double *x, int n) {
  double m = mean_of(x, n), v = 0.0;
  for (int i = 0; i < n; ++i) v += (x[i] - m) * (x[i] - m);
  return sqrt(v / (n - 1));
}

/* Least-squares slope of y_i against t_i = i dt. */
static double slope(const double *y, int n, double dt) {
  double tm = 0.5 * (n - 1) * dt, ym = mean_of(y, n), stt = 0.0, sty = 0.0;
  for (int i = 0; i < n; ++i) {
    double t = i * dt - tm;
    stt += t * t;
    sty += t * (y[i] - ym);
  }
  return sty / stt;
}

static double slope_block_se(const double *y, int n, double dt, int nb) {
  double s[32];
  int len = n / nb;
  for (int b = 0; b < nb; ++b) s[b] = slope(y + b * len, len, dt);
  return sd_of(s, nb) / sqrt((double)nb);
}

static void block_mean(const double *x, int n, int nb, double *mean, double *se) {
  double m[64];
  int len = n / nb;
  for (int b = 0; b < nb; ++b) m[b] = mean_of(x + b * len, len);
  *mean = mean_of(m, nb);
  *se = sd_of(m, nb) / sqrt((double)nb);
}

/* ---- recording observer --------------------------------------------------------------------- */

struct series {
  int n, cap;
  struct nnmd_thermo *t;
};

static void series_push(struct series *s, const struct nnmd_thermo *t) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 1024;
    s->t = realloc(s->t, sizeof *s->t * (size_t)s->cap);
    ck_assert_ptr_nonnull(s->t);
  }
  s->t[s->n++] = *t;
}

static int series_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  (void)err;
  series_push(state, v->thermo);
  return 0;
}

static const struct nnmd_observer_ops k_series_ops = {.name = "series", .sample = series_sample};

/* Column k of the series: 0 conserved, 1 press, 2 volume, 3 temp, 4 epot, 5-7 Pxx Pyy Pzz. */
static double *column(const struct series *s, int k, int skip) {
  double *c = malloc(sizeof(double) * (size_t)s->n);
  ck_assert_ptr_nonnull(c);
  for (int i = skip; i < s->n; ++i) {
    const struct nnmd_thermo *t = &s->t[i];
    double v[8] = {t->conserved, t->press, t->volume, t->temp, t->epot, t->ptensor[0], t->ptensor[4], t->ptensor[8]};
    c[i - skip] = v[k];
  }
  return c;
}

/* ---- the LJ liquid fixture ------------------------------------------------------------------ */

struct liquid {
  struct nnmd_system *sys;
  struct nnmd_md md;
  struct nnmd_comm *comm;
  struct nnmd_log log;
  struct nnmd_error err;
  /* a saved state (by id - 1) */
  double *x0, *v0;
  int32_t *img0;
  struct nnmd_box box0;
};

/* fcc argon, NCELL^3 cells at rho*, in a cell with tilts (xy, xz, yz) = tilt * L. */
static void build_fcc(struct nnmd_system *sys, struct nnmd_box *box, const double tilt[3]) {
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  double a = cbrt(4.0 / RHO_STAR) * SIGMA_LJ, L = a * NCELL, lo[3] = {0, 0, 0};
  int per[3] = {1, 1, 1};
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_box_set_lammps(box, lo, L, L, L, tilt[0] * L, tilt[1] * L, tilt[2] * L, per, &err), 0);
  int64_t n = 4LL * NCELL * NCELL * NCELL, k = 0;
  ck_assert_int_eq(nnmd_system_reserve(sys, n, &err), 0);
  int64_t c = sys->capacity;
  int type = nnmd_species_intern(&sys->species, "Ar");
  for (int iz = 0; iz < NCELL; ++iz)
    for (int iy = 0; iy < NCELL; ++iy)
      for (int ix = 0; ix < NCELL; ++ix)
        for (int b = 0; b < 4; ++b, ++k) {
          double s[3] = {(ix + basis[b][0]) / NCELL, (iy + basis[b][1]) / NCELL, (iz + basis[b][2]) / NCELL}, r[3];
          nnmd_frac_to_cart(box->h, box->lo, s, r);
          for (int d = 0; d < 3; ++d) {
            sys->x[d * c + k] = r[d];
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

static void check_ok(struct liquid *L, int st) {
  if (st) nnmd_error_print(&L->err, stderr, true);
  ck_assert_int_eq(st, 0);
}

/* Create an integrator from a [run] text (create() only: the selection is select.c's). */
static void *make_state(struct liquid *L, const struct nnmd_integrator_ops *ops, const char *run_text) {
  struct nnmd_cfg *root = NULL;
  check_ok(L, nnmd_toml_parse_string(run_text, "run.toml", &root, &L->err));
  struct nnmd_integ_info info = {.units = L->md.units, .dt = L->md.dt, .n_global = L->sys->n_global,
                                 .n_dof = 3 * L->sys->n_global - 3, .seed = L->md.seed, .log = &L->log};
  void *state = NULL;
  check_ok(L, ops->create(nnmd_cfg_get(root, "run"), &info, &state, &L->err));
  nnmd_cfg_free(root);
  return state;
}

/* Run `steps` more steps with ops/state; samples into `out` every `every` steps. */
static void run_steps(struct liquid *L, const struct nnmd_integrator_ops *ops, void *state, int64_t steps,
                      struct series *out, int64_t every) {
  struct nnmd_md *md = &L->md;
  md->integ = ops;
  md->integ_state = state;
  md->last_step = md->step + steps;
  md->n_obs = 0;
  if (out) {
    md->obs[0] = (struct nnmd_observer){.ops = &k_series_ops, .state = out, .every = every};
    md->n_obs = 1;
  }
  check_ok(L, nnmd_md_run(md, &L->err));
  md->n_obs = 0;
  md->integ = NULL;
  md->integ_state = NULL;
}

/* Create, run from the current state, destroy. */
static void run_integ(struct liquid *L, const struct nnmd_integrator_ops *ops, const char *run_text, int64_t steps,
                      struct series *out, int64_t every) {
  void *state = make_state(L, ops, run_text);
  L->md.first_step = L->md.step;
  run_steps(L, ops, state, steps, out, every);
  if (ops->destroy) ops->destroy(state);
}

static void scale_to(struct liquid *L, double temp) {
  double k = nnmd_kinetic_energy(L->sys, L->md.units, L->comm);
  double t = 2.0 * k / ((double)L->md.n_dof * L->md.units->boltz), s = sqrt(temp / t);
  int64_t c = L->sys->capacity;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < L->sys->n_local; ++i) L->sys->v[d * c + i] *= s;
}

static void liquid_init(struct liquid *L, const double tilt[3]) {
  memset(L, 0, sizeof *L);
  nnmd_error_init(&L->err);
  check_ok(L, nnmd_system_create(&L->sys, &L->err));
  struct nnmd_box box;
  build_fcc(L->sys, &box, tilt);
  check_ok(L, tsup_md_setup(&L->md, &L->comm, &L->log, L->sys, &box, lj_toml(), SKIN, &L->err));
  L->md.dt = DT;
  L->md.seed = 20261124;
  L->md.want_eatom = false;
  nnmd_velocities_create(L->sys, L->md.units, L->comm, 3.0 * T0, 7, L->md.n_dof);
  /* melt at 3 T0, then cool to T0 by rescaling every 50 steps; then plain NVE */
  for (int k = 0; k < 40; ++k) {
    run_integ(L, &nnmd_integ_nve, "[run]\n", 50, NULL, 0);
    scale_to(L, k < 15 ? 3.0 * T0 : T0);
  }
  run_integ(L, &nnmd_integ_nve, "[run]\n", 500, NULL, 0);
  L->md.step = L->md.first_step = 0;
}

static void liquid_free(struct liquid *L) {
  L->md.integ = NULL;
  tsup_md_free(&L->md, L->comm);
  nnmd_system_destroy(L->sys);
  free(L->x0);
  free(L->v0);
  free(L->img0);
  nnmd_error_clear(&L->err);
}

static void liquid_save(struct liquid *L) {
  struct nnmd_system *s = L->sys;
  int64_t n = s->n_local, c = s->capacity;
  if (!L->x0) {
    L->x0 = malloc(sizeof(double) * 3 * (size_t)n);
    L->v0 = malloc(sizeof(double) * 3 * (size_t)n);
    L->img0 = malloc(sizeof(int32_t) * 3 * (size_t)n);
    ck_assert(L->x0 && L->v0 && L->img0);
  }
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      int64_t k = 3 * (s->id[i] - 1) + d;
      L->x0[k] = s->x[d * c + i];
      L->v0[k] = s->v[d * c + i];
      L->img0[k] = s->image[d * c + i];
    }
  L->box0 = L->md.box;
}

/* Back to the saved state at step `step`; forces, ghosts and lists recomputed. */
static void liquid_restore(struct liquid *L, int64_t step) {
  struct nnmd_system *s = L->sys;
  int64_t n = s->n_local, c = s->capacity;
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      int64_t k = 3 * (s->id[i] - 1) + d;
      s->x[d * c + i] = L->x0[k];
      s->v[d * c + i] = L->v0[k];
      s->image[d * c + i] = L->img0[k];
    }
  L->md.box = L->box0;
  L->md.step = L->md.first_step = step;
  check_ok(L, nnmd_md_forces(&L->md, true, &L->err));
}

/* Mean NVE pressure of the saved state over 2,000 steps (bar); the state is restored. */
static double nve_pressure(struct liquid *L) {
  struct series s = {0};
  liquid_save(L);
  run_integ(L, &nnmd_integ_nve, "[run]\n", 2000, &s, DRIFT_EVERY);
  double *p = column(&s, 1, 0), m = mean_of(p, s.n);
  free(p);
  free(s.t);
  liquid_restore(L, 0);
  return m;
}

/* ---- drift ---------------------------------------------------------------------------------- */

struct drift {
  double slope, se, sd;
};

static struct drift measure_drift(const struct series *s, int64_t natoms) {
  double *e = column(s, 0, 0);
  for (int i = 0; i < s->n; ++i) e[i] /= (double)natoms;
  double dts = DRIFT_EVERY * DT;
  struct drift d = {slope(e, s->n, dts), slope_block_se(e, s->n, dts, NBLOCK_SLOPE), sd_of(e, s->n)};
  free(e);
  return d;
}

static void check_drift(const char *what, struct drift d, struct drift nve) {
  double floor = fmax(DRIFT_FLOOR_MIN, 3.0 * nve.se), lim = DRIFT_FACTOR * fabs(nve.slope) + floor;
  printf("  %-22s drift %+.3e eV/atom/ps (block se %.1e; limit %.2e), sd %.3e eV/atom (NVE %.3e)\n", what,
         d.slope, d.se, lim, d.sd, nve.sd);
  ck_assert_msg(fabs(d.slope) <= lim, "%s: conserved-quantity drift %g > %g eV/atom/ps", what, d.slope, lim);
  ck_assert_msg(d.sd <= SD_FACTOR * nve.sd + 1e-12, "%s: fluctuation %g > %g x NVE %g", what, d.sd, SD_FACTOR,
                nve.sd);
}

static struct drift drift_run(struct liquid *L, const struct nnmd_integrator_ops *ops, const char *run_text) {
  struct series s = {0};
  liquid_restore(L, 0);
  nnmd_md_thermo(&L->md);
  run_integ(L, ops, run_text, DRIFT_STEPS, &s, DRIFT_EVERY);
  struct drift d = measure_drift(&s, L->sys->n_global);
  free(s.t);
  return d;
}

static void mtk_text(char *buf, size_t n, const char *couple, double p0) {
  snprintf(buf, n,
           "[run]\nensemble = 'npt'\nbarostat = 'mtk'\ntemperature = %.17g\ntdamp = 1.0\npressure = %.17g\n"
           "pdamp = 10.0\ncouple = '%s'\n",
           T0, p0, couple);
}

static void crescale_text(char *buf, size_t n, const char *couple, double p0) {
  snprintf(buf, n,
           "[run]\nensemble = 'npt'\nbarostat = 'c-rescale'\ntemperature = %.17g\ntdamp = 1.0\n"
           "pressure = %.17g\npdamp = 2.0\ncompressibility = 1e-4\ncouple = '%s'\n",
           T0, p0, couple);
}

START_TEST(test_conservation) {
  static const double no_tilt[3] = {0, 0, 0};
  struct liquid L;
  liquid_init(&L, no_tilt);
  double p0 = round(nve_pressure(&L));
  liquid_save(&L);
  printf("conserved quantities: 256 atoms, %d steps of %g ps, T0 %g K, P0 %g bar\n", DRIFT_STEPS, DT, T0, p0);
  struct drift nve = drift_run(&L, &nnmd_integ_nve, "[run]\n");
  printf("  %-22s drift %+.3e eV/atom/ps (block se %.1e), sd %.3e eV/atom\n", "NVE", nve.slope, nve.se, nve.sd);
  static const char *const couples[] = {"iso", "aniso", "triclinic"};
  char text[512], what[64];
  for (int k = 0; k < 3; ++k) {
    mtk_text(text, sizeof text, couples[k], p0);
    snprintf(what, sizeof what, "MTK %s", couples[k]);
    check_drift(what, drift_run(&L, &nnmd_integ_mtk, text), nve);
  }
  crescale_text(text, sizeof text, "iso", p0);
  check_drift("C-rescale iso", drift_run(&L, &nnmd_integ_crescale, text), nve);
  liquid_free(&L);
}
END_TEST

/* ---- pressure target ------------------------------------------------------------------------- */

/* Returns the mean volume and its standard error in vol[2]. */
static void check_pressure(struct liquid *L, const char *what, const struct nnmd_integrator_ops *ops,
                           const char *text, double p0, bool per_axis, double vol[2]) {
  struct series s = {0};
  liquid_restore(L, 0);
  double v0 = L->md.box.volume;
  run_integ(L, ops, text, EQ_STEPS + PROD_STEPS, &s, DRIFT_EVERY);
  int skip = EQ_STEPS / DRIFT_EVERY, n = s.n - skip;
  double *p = column(&s, 1, skip), *v = column(&s, 2, skip), pm, pse, vm, vse;
  block_mean(p, n, NBLOCK_MEAN, &pm, &pse);
  block_mean(v, n, NBLOCK_MEAN, &vm, &vse);
  double drop = 1.0 - vm / v0;
  printf("  %-20s <P> = %.1f +- %.1f bar (target %.1f), <V>/V0 = %.4f +- %.4f (volume drop %.1f %%)\n", what, pm,
         pse, p0, vm / v0, vse / v0, 100.0 * drop);
  ck_assert_msg(fabs(pm - p0) <= P_SIGMAS * pse + P_SLACK, "%s: <P> %g vs target %g (se %g)", what, pm, p0, pse);
  ck_assert_msg(drop > MIN_VOL_DROP, "%s: the volume did not respond (drop %g)", what, drop);
  for (int d = 0; per_axis && d < 3; ++d) {
    double *pd = column(&s, 5 + d, skip), m, se;
    block_mean(pd, n, NBLOCK_MEAN, &m, &se);
    printf("  %-20s <P%c%c> = %.1f +- %.1f bar\n", "", "xyz"[d], "xyz"[d], m, se);
    ck_assert_msg(fabs(m - p0) <= P_SIGMAS * se + P_SLACK, "%s: <P_%c%c> %g vs %g", what, "xyz"[d], "xyz"[d], m, p0);
    free(pd);
  }
  vol[0] = vm;
  vol[1] = vse;
  free(p);
  free(v);
  free(s.t);
}

START_TEST(test_pressure_target) {
  static const double no_tilt[3] = {0, 0, 0};
  struct liquid L;
  liquid_init(&L, no_tilt);
  double p0 = round(nve_pressure(&L)) + DP_TARGET;
  liquid_save(&L);
  printf("pressure targets: P_NVE + %g bar = %g bar, %d + %d steps\n", DP_TARGET, p0, EQ_STEPS, PROD_STEPS);
  char text[512];
  snprintf(text, sizeof text,
           "[run]\nensemble = 'npt'\ntemperature = %.17g\ntdamp = 1.0\npressure = %.17g\npdamp = 1.0\n", T0, p0);
  double v_mtk[2], v_cr[2], v_any[2];
  check_pressure(&L, "MTK iso", &nnmd_integ_mtk, text, p0, false, v_mtk);
  crescale_text(text, sizeof text, "iso", p0);
  check_pressure(&L, "C-rescale iso", &nnmd_integ_crescale, text, p0, false, v_cr);
  /* two correct NPT samplers agree on <V> (methods.md §9, I7) */
  double dv = fabs(v_mtk[0] - v_cr[0]), se = sqrt(v_mtk[1] * v_mtk[1] + v_cr[1] * v_cr[1]);
  printf("  <V> MTK - C-rescale = %.2f A^3 (%.1f standard errors)\n", v_mtk[0] - v_cr[0], dv / se);
  ck_assert_msg(dv <= P_SIGMAS * se, "<V> of MTK and C-rescale differ by %g A^3 (se %g)", dv, se);
  crescale_text(text, sizeof text, "aniso", p0);
  check_pressure(&L, "C-rescale aniso", &nnmd_integ_crescale, text, p0, true, v_any);
  snprintf(text, sizeof text,
           "[run]\nensemble = 'npt'\nbarostat = 'berendsen'\ntemperature = %.17g\ntdamp = 1.0\n"
           "pressure = [[%.17g, 0, 0], [0, %.17g, 0], [0, 0, %.17g]]\npdamp = 2.0\ncompressibility = 1e-4\n",
           T0, p0, p0, p0);
  check_pressure(&L, "Berendsen iso", &nnmd_integ_berendsen_npt, text, p0, false, v_any);
  liquid_free(&L);
}
END_TEST

/* ---- write_state / read_state ------------------------------------------------------------------ */

struct snap {
  double *x, *v;
  struct nnmd_box box;
};

static void snap_take(struct liquid *L, struct snap *s) {
  int64_t n = L->sys->n_local, c = L->sys->capacity;
  s->x = malloc(sizeof(double) * 3 * (size_t)n);
  s->v = malloc(sizeof(double) * 3 * (size_t)n);
  ck_assert(s->x && s->v);
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      s->x[3 * (L->sys->id[i] - 1) + d] = L->sys->x[d * c + i];
      s->v[3 * (L->sys->id[i] - 1) + d] = L->sys->v[d * c + i];
    }
  s->box = L->md.box;
}

/* Swap the fixture's saved state with another one. */
static void swap_saved(struct liquid *L, struct liquid *other) {
  double *x = L->x0, *v = L->v0;
  int32_t *im = L->img0;
  struct nnmd_box b = L->box0;
  L->x0 = other->x0;
  L->v0 = other->v0;
  L->img0 = other->img0;
  L->box0 = other->box0;
  other->x0 = x;
  other->v0 = v;
  other->img0 = im;
  other->box0 = b;
}

/* 100 steps, write_state, then 100 more steps twice from the same saved system state: once
 * with the integrator object that made the first 100 steps, once with a fresh one that read
 * the state back. Both continuations start by the same restore (forces, ghosts and lists
 * recomputed), so they must agree bit for bit when the state record is complete. (Comparing
 * with the uninterrupted run instead would also test the engine: re-wrapping restored
 * positions can move an atom that sits within rounding of a face by a lattice vector.) */
static void roundtrip(struct liquid *L, const char *what, const struct nnmd_integrator_ops *ops, const char *text) {
  liquid_restore(L, 0);
  void *st = make_state(L, ops, text);
  run_steps(L, ops, st, 100, NULL, 0);
  char *blob = NULL;
  size_t blen = 0;
  FILE *f = open_memstream(&blob, &blen);
  ck_assert_ptr_nonnull(f);
  check_ok(L, ops->write_state(st, f, &L->err));
  fclose(f);
  double extra_mid = ops->conserved_extra(st);
  struct liquid mid = {.sys = L->sys, .md = {.box = L->md.box}};
  liquid_save(&mid);
  swap_saved(L, &mid);
  liquid_restore(L, 100);
  run_steps(L, ops, st, 100, NULL, 0);
  struct snap ref, got;
  snap_take(L, &ref);
  double extra_ref = ops->conserved_extra(st);
  ops->destroy(st);
  liquid_restore(L, 100);
  void *st2 = make_state(L, ops, text);
  f = fmemopen(blob, blen, "rb");
  ck_assert_ptr_nonnull(f);
  check_ok(L, ops->read_state(st2, f, &L->err));
  fclose(f);
  ck_assert(ops->conserved_extra(st2) == extra_mid);
  run_steps(L, ops, st2, 100, NULL, 0);
  snap_take(L, &got);
  int64_t n3 = 3 * L->sys->n_global, bad = 0;
  for (int64_t k = 0; k < n3; ++k) bad += got.x[k] != ref.x[k] || got.v[k] != ref.v[k];
  for (int k = 0; k < 9; ++k) bad += got.box.h[k] != ref.box.h[k];
  printf("  %-20s %lld of %lld values differ after 100 + 100 steps (state record %zu bytes)\n", what,
         (long long)bad, (long long)(2 * n3 + 9), blen);
  ck_assert_msg(bad == 0, "%s: restart not exact", what);
  ck_assert(ops->conserved_extra(st2) == extra_ref);
  ops->destroy(st2);
  swap_saved(L, &mid);
  free(mid.x0);
  free(mid.v0);
  free(mid.img0);
  free(ref.x);
  free(ref.v);
  free(got.x);
  free(got.v);
  free(blob);
}

START_TEST(test_restart) {
  static const double tilt[3] = {0.1, -0.05, 0.08};
  struct liquid L;
  liquid_init(&L, tilt);
  liquid_save(&L);
  printf("write_state/read_state round trips:\n");
  char text[512];
  mtk_text(text, sizeof text, "triclinic", 1500.0);
  roundtrip(&L, "MTK triclinic", &nnmd_integ_mtk, text);
  mtk_text(text, sizeof text, "iso", 1500.0);
  roundtrip(&L, "MTK iso", &nnmd_integ_mtk, text);
  crescale_text(text, sizeof text, "iso", 1500.0);
  roundtrip(&L, "C-rescale iso", &nnmd_integ_crescale, text);
  crescale_text(text, sizeof text, "aniso", 1500.0);
  roundtrip(&L, "C-rescale aniso", &nnmd_integ_crescale, text);
  snprintf(text, sizeof text, "[run]\ntemperature = %g\npressure = 1500.0\ncouple = 'aniso'\n", T0);
  roundtrip(&L, "Berendsen aniso", &nnmd_integ_berendsen_npt, text);
  liquid_free(&L);
}
END_TEST

/* ---- LAMMPS parity ------------------------------------------------------------------------------------ */

#define PATH_LEN 4096

/* /usr/bin/lmp, else `lmp` on PATH. */
static bool find_lammps(char *out, size_t n) {
  if (access("/usr/bin/lmp", X_OK) == 0) {
    snprintf(out, n, "/usr/bin/lmp");
    return true;
  }
  const char *path = getenv("PATH");
  while (path && *path) {
    size_t len = strcspn(path, ":");
    snprintf(out, n, "%.*s/lmp", (int)len, path);
    if (len > 0 && access(out, X_OK) == 0) return true;
    path += len + (path[len] == ':');
  }
  return false;
}

/* LAMMPS data file (atomic, metal) of the fixture's current state, atoms by id. */
static void write_lammps_data(struct liquid *L, const char *path) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  const struct nnmd_system *s = L->sys;
  const struct nnmd_box *b = &L->md.box;
  int64_t n = s->n_global, c = s->capacity;
  fprintf(f, "NPT parity state\n\n%lld atoms\n1 atom types\n\n", (long long)n);
  fprintf(f, "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n%.17g %.17g %.17g xy xz yz\n\n", b->h[0], b->h[4],
          b->h[8], b->h[1], b->h[2], b->h[5]);
  fprintf(f, "Masses\n\n1 %.17g\n\nAtoms # atomic\n\n", s->species.s[0].mass);
  int64_t *row = malloc(sizeof(int64_t) * (size_t)n);
  ck_assert_ptr_nonnull(row);
  for (int64_t i = 0; i < n; ++i) row[s->id[i] - 1] = i;
  for (int64_t k = 0; k < n; ++k)
    fprintf(f, "%lld 1 %.17g %.17g %.17g\n", (long long)(k + 1), s->x[row[k]], s->x[c + row[k]], s->x[2 * c + row[k]]);
  fprintf(f, "\nVelocities\n\n");
  for (int64_t k = 0; k < n; ++k)
    fprintf(f, "%lld %.17g %.17g %.17g\n", (long long)(k + 1), s->v[row[k]], s->v[c + row[k]], s->v[2 * c + row[k]]);
  free(row);
  ck_assert_int_eq(fclose(f), 0);
}

/* Rows of the last thermo table of a LAMMPS log with columns step pe press vol temp f_1:
 * vals[5 * row + k] = (pe, press, vol, temp, f_1). Returns the number of rows. */
static int read_lammps_thermo(const char *path, double *vals, int max_rows) {
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char line[1024];
  int rows = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Step ", 5) == 0 || strncmp(line, "   Step ", 8) == 0) {
      rows = 0;
      continue;
    }
    if (rows < 0) continue;
    if (strncmp(line, "Loop time", 9) == 0) break;
    long long step;
    double v[5];
    if (rows < max_rows &&
        sscanf(line, "%lld %lf %lf %lf %lf %lf", &step, &v[0], &v[1], &v[2], &v[3], &v[4]) == 6)
      memcpy(vals + 5 * rows++, v, sizeof v);
  }
  fclose(f);
  return rows;
}

static void remove_dir(const char *dir) {
  static const char *const files[] = {"data.lmp", "in.npt", "log.lammps", "lammps.out", NULL};
  char p[PATH_LEN];
  for (int k = 0; files[k]; ++k) {
    snprintf(p, sizeof p, "%s/%s", dir, files[k]);
    unlink(p);
  }
  rmdir(dir);
}

static double parity_one(struct liquid *L, const char *lmp, const char *dir, const char *couple, const char *lkey,
                         double p0) {
  char path[PATH_LEN], cmd[2 * PATH_LEN];
  liquid_restore(L, 0);
  snprintf(path, sizeof path, "%s/data.lmp", dir);
  write_lammps_data(L, path);
  snprintf(path, sizeof path, "%s/in.npt", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "units metal\natom_style atomic\nboundary p p p\nread_data data.lmp\n"
          "pair_style lj/cut %.17g\npair_modify shift yes\npair_coeff 1 1 %.17g %.17g\n"
          "neighbor 1.0 bin\nneigh_modify delay 0 every 1 check yes\ntimestep %.17g\n"
          "fix 1 all npt temp %.17g %.17g 0.1 %s %.17g %.17g 0.5\n"
          "thermo_style custom step pe press vol temp f_1\nthermo_modify format float %%.17g\nthermo %d\n"
          "run %d\n",
          2.5 * SIGMA_LJ, EPS_LJ, SIGMA_LJ, DT, T0, T0, lkey, p0, p0, PARITY_EVERY, PARITY_STEPS);
  ck_assert_int_eq(fclose(f), 0);
  snprintf(cmd, sizeof cmd, "cd '%s' && OMP_NUM_THREADS=1 '%s' -nocite -screen none -log log.lammps -in in.npt "
           "> lammps.out 2>&1", dir, lmp);
  ck_assert_msg(system(cmd) == 0, "LAMMPS failed: see %s/log.lammps", dir);
  char text[512];
  snprintf(text, sizeof text,
           "[run]\ntemperature = %.17g\ntdamp = 0.1\npressure = %.17g\npdamp = 0.5\ncouple = '%s'\n", T0, p0, couple);
  struct series s = {0};
  run_integ(L, &nnmd_integ_mtk, text, PARITY_STEPS, &s, PARITY_EVERY);
  double ref[5 * (PARITY_STEPS / PARITY_EVERY + 1)];
  snprintf(path, sizeof path, "%s/log.lammps", dir);
  ck_assert_int_eq(read_lammps_thermo(path, ref, PARITY_STEPS / PARITY_EVERY + 1), s.n + 1); /* + step 0 */
  static const char *const names[] = {"PotEng", "Press", "Volume", "Temp"};
  static const int mine[] = {4, 1, 2, 3};
  double worst = 0.0;
  for (int k = 0; k < 4; ++k) {
    double *got = column(&s, mine[k], 0);
    for (int i = 0; i < s.n; ++i) {
      worst = fmax(worst, tsup_reldiff(got[i], ref[5 * (i + 1) + k], 1e-300));
      if (getenv("NNMD_TEST_VERBOSE"))
        printf("    %s %lld: %.12g vs LAMMPS %.12g\n", names[k], (long long)s.t[i].step, got[i], ref[5 * (i + 1) + k]);
    }
    free(got);
  }
  printf("  fix npt %-16s 200 steps: max relative difference %.2e (V %.1f -> %.1f A^3)\n", lkey, worst,
         L->box0.volume, s.t[s.n - 1].volume);
  free(s.t);
  return worst;
}

START_TEST(test_lammps_parity) {
  char lmp[PATH_LEN], dir[64] = "npt_parity_XXXXXX";
  if (!find_lammps(lmp, sizeof lmp) || strchr(lmp, '\'')) {
    printf("LAMMPS not found: parity check skipped\n");
    return;
  }
  ck_assert_ptr_nonnull(mkdtemp(dir));
  static const double tilt[3] = {0.1, -0.05, 0.08};
  struct liquid L;
  liquid_init(&L, tilt);
  liquid_save(&L);
  double p0 = round(nve_pressure(&L)) + 3000.0;
  printf("LAMMPS fix npt parity (tilted cell, T0 %g K, P0 %g bar, tdamp 0.1 ps, pdamp 0.5 ps):\n", T0, p0);
  double w = parity_one(&L, lmp, dir, "iso", "iso", p0);
  w = fmax(w, parity_one(&L, lmp, dir, "aniso", "aniso", p0));
  w = fmax(w, parity_one(&L, lmp, dir, "triclinic", "tri", p0));
  ck_assert_msg(w <= PARITY_TOL, "MTK differs from LAMMPS fix npt by %g (relative)", w);
  remove_dir(dir);
  liquid_free(&L);
}
END_TEST

/* ---- input errors ----------------------------------------------------------------------------------- */

static int create_status(const struct nnmd_integrator_ops *ops, const char *text) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(text, "run.toml", &root, &err), 0);
  struct nnmd_integ_info info = {.units = nnmd_units_get("lammps"), .dt = DT, .n_global = 32, .n_dof = 93};
  void *state = NULL;
  int st = ops->create(nnmd_cfg_get(root, "run"), &info, &state, &err);
  if (st) printf("    expected error: %s:%lld:%d: %s\n", err.file, (long long)err.line, err.col, err.msg);
  if (!st) ops->destroy(state);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return st;
}

START_TEST(test_input_errors) {
  printf("input errors:\n");
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\ntemperature = 300\npressure = [[1, 0, 0], [0, 2, 0], [0, 0, 1]]\n"),
                   NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\ntemperature = 300\npressure = [[1, 1, 0], [0, 1, 0], [0, 0, 1]]\n"),
                   NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\npressure = 1.0\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\ntemperature = [300, 'a']\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\ntemperature = [300, 0]\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_crescale, "[run]\ntemperature = 0\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_crescale, "[run]\ntemperature = 300\ncouple = 'triclinic'\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_crescale, "[run]\ntemperature = 300\nthermostat = 'nose-hoover'\n"),
                   NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_berendsen_npt, "[run]\ntemperature = 300\ncompressibility = -1\n"),
                   NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\ntemperature = [300, 400]\ncouple = 'triclinic'\n"), 0);
  ck_assert_int_eq(create_status(&nnmd_integ_mtk, "[run]\nthermostat = 'none'\npressure = 5.0\n"), 0);
}
END_TEST

/* A rotated (not upper-triangular) cell: aniso/triclinic MTK refuse it, iso runs. */
START_TEST(test_rotated_cell) {
  struct nnmd_system *sys = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  struct nnmd_box box;
  static const char *const sp[] = {"Ar", NULL};
  double Lc[3] = {16, 16, 16}, tilt[3] = {0, 0, 0};
  ck_assert_int_eq(tsup_random_system(sys, &box, 64, sp, Lc, tilt, 3.0, 11), 0);
  double c30 = cos(0.5), s30 = sin(0.5), R[9] = {c30, -s30, 0, s30, c30, 0, 0, 0, 1}, h[9];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) h[3 * a + b] = R[3 * a] * box.h[b] + R[3 * a + 1] * box.h[3 + b] + R[3 * a + 2] * box.h[6 + b];
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, q[3];
    nnmd_mat3_vec(R, r, q);
    for (int d = 0; d < 3; ++d) sys->x[d * c + i] = q[d];
  }
  ck_assert_int_eq(nnmd_box_set_h(&box, h, box.lo, box.periodic, &err), 0);
  struct liquid L;
  memset(&L, 0, sizeof L);
  nnmd_error_init(&L.err);
  L.sys = sys;
  check_ok(&L, tsup_md_setup(&L.md, &L.comm, &L.log, sys, &box, lj_toml(), SKIN, &L.err));
  L.md.dt = 0.002;
  nnmd_velocities_create(sys, L.md.units, L.comm, T0, 5, L.md.n_dof);
  char text[256];
  snprintf(text, sizeof text, "[run]\ntemperature = %g\ncouple = 'aniso'\n", T0);
  void *st = make_state(&L, &nnmd_integ_mtk, text);
  L.md.integ = &nnmd_integ_mtk;
  L.md.integ_state = st;
  L.md.last_step = L.md.step + 1;
  int rc = nnmd_md_run(&L.md, &L.err);
  printf("rotated cell, MTK aniso: %s\n", L.err.msg);
  ck_assert_int_eq(rc, NNMD_ERR_INPUT);
  ck_assert_ptr_nonnull(strstr(L.err.msg, "LAMMPS form"));
  nnmd_integ_mtk.destroy(st);
  L.md.integ = NULL;
  nnmd_error_clear(&L.err);
  nnmd_error_init(&L.err);
  snprintf(text, sizeof text, "[run]\ntemperature = %g\npressure = 2000.0\npdamp = 0.2\n", T0);
  double v0 = L.md.box.volume;
  run_integ(&L, &nnmd_integ_mtk, text, 200, NULL, 0);
  printf("rotated cell, MTK iso: V %.2f -> %.2f A^3, cell still rotated (h_yx = %.4f)\n", v0, L.md.box.volume,
         L.md.box.h[3]);
  ck_assert(L.md.box.volume != v0);
  ck_assert(fabs(L.md.box.h[3] / L.md.box.h[0] - tan(0.5)) < 1e-12);
  L.md.integ = NULL;
  tsup_md_free(&L.md, L.comm);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&L.err);
  nnmd_error_clear(&err);
}
END_TEST

static Suite *barostat_suite(void) {
  Suite *s = suite_create("barostats");
  TCase *tc = tcase_create("conservation");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_conservation);
  suite_add_tcase(s, tc);
  TCase *tp = tcase_create("pressure");
  tcase_set_timeout(tp, 600);
  tcase_add_test(tp, test_pressure_target);
  suite_add_tcase(s, tp);
  TCase *tr = tcase_create("restart");
  tcase_set_timeout(tr, 600);
  tcase_add_test(tr, test_restart);
  tcase_add_test(tr, test_lammps_parity);
  suite_add_tcase(s, tr);
  TCase *te = tcase_create("errors");
  tcase_set_timeout(te, 60);
  tcase_add_test(te, test_input_errors);
  tcase_add_test(te, test_rotated_cell);
  suite_add_tcase(s, te);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(barostat_suite());
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
