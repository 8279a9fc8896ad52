/* test_fire.c — the FIRE minimiser (ensemble = "minimize"), with and without the cell.
 *
 * System: fcc argon, 4^3 conventional cells (256 atoms), LJ eps = 0.0104 eV, sigma =
 * 3.405 A, cut at 2.5 sigma and shifted, skin 1 A, FIRE time step 0.01 ps.
 *
 * Independent reference: the fcc lattice sum of the same truncated pair potential, written
 * here (not the engine's): energy per atom E(a) = 1/2 sum_j [phi(r_j) - phi(rc)], and the
 * static pressure P(a) = W / (3 V) with W per atom = -1/2 sum_j r_j phi'(r_j). The
 * zero-pressure lattice constant a0 (and a(P) for P = 1000 bar) is found by bisection on
 * P(a) to 1e-13 relative. (At a0 the 5th neighbour shell, 2.44 sigma, is inside the cutoff
 * and the 6th, 2.67 sigma, outside: P(a) is smooth there.)
 *
 * Checks and tolerances:
 *  - atoms only: the lattice at a0 with random displacements (uniform, +-0.1 A) relaxes to
 *    max|F_i| < ftol = 1e-4 eV/A within the step budget; the energy per atom reaches the
 *    lattice sum to 2e-7 eV (harmonic estimate of the residual: fmax^2 / (2 k) with a
 *    nearest-neighbour stiffness k ~ 72 eps/sigma^2 = 0.065 eV/A^2 gives < 1e-7 eV); every
 *    atom is back on its site (after removing the mean shift) within 5e-3 A (fmax/k = 1.5e-3).
 *  - cell iso: a = 1.04 a0 plus displacements; relax_cell = "iso", pressure 0, ptol = 0.01 bar:
 *    final a within A_TOL = 1e-5 relative of a0, |P| <= ptol. A pressure residual of 0.01 bar
 *    strains the lattice by 0.01 bar / (3 B) ~ 1e-7 (B ~ 3.3e4 bar from a(0) and a(1000 bar));
 *    per axis (aniso, triclinic) the softest modulus (C11 - C12)/2, some 5e3 bar, allows
 *    ~2e-6. Measured errors are <= 6e-7, so 1e-5 leaves room for the force tolerance.
 *  - cell iso at 1000 bar: a within 1e-5 of a(1000 bar) (checks the sign and units of P0).
 *  - cell aniso: lengths (1.03, 0.98, 1.01) a0: every length within 1e-5 of a0, the cell
 *    stays orthorhombic (tilts exactly 0).
 *  - cell triclinic: lengths (1.02, 0.99, 1.00) a0 and tilts xy = 0.03 L, xz = -0.02 L,
 *    yz = 0.01 L relax to the cube: lengths within 1e-5 of a0, tilts below 1e-5 L (L = 4 a0).
 *  - write_state/read_state: 30 iterations, save, 30 more twice from the same restored
 *    state (original object vs. a fresh one that read the record): bit-identical.
 *  - etol stops a run whose forces cannot reach ftol; an unconverged run ends at the step
 *    budget without stopping early; input errors.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "integrators.h"
#include "support.h"
#include "thermo.h"
#include "toml.h"

#define EPS_LJ 0.0104
#define SIGMA_LJ 3.405
#define RC (2.5 * SIGMA_LJ)
#define NCELL 4
#define SKIN 1.0
#define DT 0.01
#define MAX_STEPS 5000

#define FTOL 1e-4
#define PTOL 0.01
#define E_TOL 2e-7
#define SITE_TOL 5e-3
#define A_TOL 1e-5
#define TILT_TOL 1e-5

/* ---- independent reference: fcc lattice sums ------------------------------------------------ */

static double phi(double r) {
  double s6 = pow(SIGMA_LJ / r, 6.0);
  return 4.0 * EPS_LJ * (s6 * s6 - s6);
}

static double dphi(double r) {
  double s6 = pow(SIGMA_LJ / r, 6.0);
  return 4.0 * EPS_LJ * (-12.0 * s6 * s6 + 6.0 * s6) / r;
}

/* Sums over the neighbours of an atom of the fcc lattice with constant a (r < RC):
 * e = 1/2 sum (phi - phi(rc)), w = -1/2 sum r phi'(r). */
static void lattice_sums(double a, double *e, double *w) {
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  int m = (int)ceil(RC / a) + 1;
  *e = *w = 0.0;
  for (int i = -m; i <= m; ++i)
    for (int j = -m; j <= m; ++j)
      for (int k = -m; k <= m; ++k)
        for (int b = 0; b < 4; ++b) {
          double d[3] = {(i + basis[b][0]) * a, (j + basis[b][1]) * a, (k + basis[b][2]) * a};
          double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
          if (r == 0.0 || r >= RC) continue;
          *e += 0.5 * (phi(r) - phi(RC));
          *w -= 0.5 * r * dphi(r);
        }
}

/* Static pressure (bar) of the lattice with constant a. */
static double lattice_pressure(double a, double nktv2p) {
  double e, w;
  lattice_sums(a, &e, &w);
  return w / (3.0 * a * a * a / 4.0) * nktv2p;
}

/* a with P(a) = p (bar), by bisection (P decreases with a near equilibrium). */
static double lattice_constant(double p, double nktv2p) {
  double lo = 1.40 * SIGMA_LJ, hi = 1.70 * SIGMA_LJ;
  for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; ++it) {
    double mid = 0.5 * (lo + hi);
    if (lattice_pressure(mid, nktv2p) > p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

struct crystal {
  struct nnmd_system *sys;
  struct nnmd_md md;
  struct nnmd_comm *comm;
  struct nnmd_log log;
  struct nnmd_error err;
  double a0; /* lattice constant the sites were built with, before the strain */
};

static void check_ok(struct crystal *C, int st) {
  if (st) nnmd_error_print(&C->err, stderr, true);
  ck_assert_int_eq(st, 0);
}

static const char *lj_toml(void) {
  static char buf[256];
  snprintf(buf, sizeof buf,
           "[[potential]]\ntype = 'lj'\ncutoff = %.17g\nshift = true\n"
           "pairs = [{species = ['Ar', 'Ar'], epsilon = %.17g, sigma = %.17g}]\n",
           RC, EPS_LJ, SIGMA_LJ);
  return buf;
}

/* fcc with lattice constant a, cell (sx, sy, sz) a NCELL plus tilts t[3] (xy, xz, yz in units
 * of a NCELL), sites in fractional coordinates, then random displacements of +-disp A. */
static void crystal_init(struct crystal *C, double a, const double sc[3], const double t[3], double disp,
                         uint64_t seed) {
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  memset(C, 0, sizeof *C);
  nnmd_error_init(&C->err);
  C->a0 = a;
  check_ok(C, nnmd_system_create(&C->sys, &C->err));
  struct nnmd_system *sys = C->sys;
  struct nnmd_box box;
  double L = a * NCELL, lo[3] = {0, 0, 0};
  int per[3] = {1, 1, 1};
  check_ok(C, nnmd_box_set_lammps(&box, lo, sc[0] * L, sc[1] * L, sc[2] * L, t[0] * L, t[1] * L, t[2] * L, per,
                                  &C->err));
  int64_t n = 4LL * NCELL * NCELL * NCELL, k = 0;
  check_ok(C, nnmd_system_reserve(sys, n, &C->err));
  int64_t c = sys->capacity;
  int type = nnmd_species_intern(&sys->species, "Ar");
  for (int iz = 0; iz < NCELL; ++iz)
    for (int iy = 0; iy < NCELL; ++iy)
      for (int ix = 0; ix < NCELL; ++ix)
        for (int b = 0; b < 4; ++b, ++k) {
          double s[3] = {(ix + basis[b][0]) / NCELL, (iy + basis[b][1]) / NCELL, (iz + basis[b][2]) / NCELL}, r[3];
          nnmd_frac_to_cart(box.h, box.lo, s, r);
          for (int d = 0; d < 3; ++d) {
            sys->x[d * c + k] = r[d] + disp * (2.0 * tsup_rand_uniform(&seed) - 1.0);
            sys->v[d * c + k] = 0.0;
            sys->image[d * c + k] = 0;
          }
          sys->id[k] = k + 1;
          sys->type[k] = type;
        }
  sys->n_local = sys->n_global = n;
  sys->n_ghost = 0;
  check_ok(C, tsup_md_setup(&C->md, &C->comm, &C->log, sys, &box, lj_toml(), SKIN, &C->err));
  C->md.dt = DT;
  C->md.want_eatom = false;
}

static void crystal_free(struct crystal *C) {
  C->md.integ = NULL;
  tsup_md_free(&C->md, C->comm);
  nnmd_system_destroy(C->sys);
  nnmd_error_clear(&C->err);
}

static void *make_fire(struct crystal *C, const char *run_text) {
  struct nnmd_cfg *root = NULL;
  check_ok(C, nnmd_toml_parse_string(run_text, "run.toml", &root, &C->err));
  struct nnmd_integ_info info = {.units = C->md.units, .dt = DT, .n_global = C->sys->n_global,
                                 .n_dof = 3 * C->sys->n_global - 3, .log = &C->log};
  void *state = NULL;
  check_ok(C, nnmd_integ_fire.create(nnmd_cfg_get(root, "run"), &info, &state, &C->err));
  nnmd_cfg_free(root);
  return state;
}

/* Run FIRE (object `state`) for at most `steps` more steps; returns the steps made. */
static int64_t run_fire(struct crystal *C, void *state, int64_t steps) {
  struct nnmd_md *md = &C->md;
  int64_t start = md->step;
  md->integ = &nnmd_integ_fire;
  md->integ_state = state;
  md->last_step = md->step + steps;
  check_ok(C, nnmd_md_run(md, &C->err));
  md->integ = NULL;
  md->integ_state = NULL;
  return md->step - start;
}

static double max_force(const struct crystal *C) {
  const struct nnmd_system *s = C->sys;
  int64_t c = s->capacity;
  double m = 0.0;
  for (int64_t i = 0; i < s->n_local; ++i)
    m = fmax(m, sqrt(s->f[i] * s->f[i] + s->f[c + i] * s->f[c + i] + s->f[2 * c + i] * s->f[2 * c + i]));
  return m;
}

/* Static pressure (bar) from the virial (velocities are FIRE's, not thermal). */
static double static_pressure(const struct crystal *C) {
  const double *w = C->md.virial;
  return (w[0] + w[4] + w[8]) / (3.0 * C->md.box.volume) * C->md.units->nktv2p;
}

/* Minimise with the given [run] text; returns the number of steps. */
static int64_t minimise(struct crystal *C, const char *text) {
  void *st = make_fire(C, text);
  C->md.first_step = C->md.step;
  int64_t n = run_fire(C, st, MAX_STEPS);
  nnmd_integ_fire.destroy(st);
  return n;
}

/* Largest distance of an atom from its ideal site (fractional sites of the final cell,
 * after removing the mean displacement). */
static double site_error(const struct crystal *C) {
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  const struct nnmd_system *s = C->sys;
  const struct nnmd_box *b = &C->md.box;
  int64_t c = s->capacity, n = s->n_local;
  double *d = malloc(sizeof(double) * 3 * (size_t)n), mean[3] = {0, 0, 0}, worst = 0.0;
  ck_assert_ptr_nonnull(d);
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = s->id[i] - 1, cellk = k / 4, bb = k % 4;
    int ix = (int)(cellk % NCELL), iy = (int)(cellk / NCELL % NCELL), iz = (int)(cellk / (NCELL * NCELL));
    double sf[3] = {(ix + basis[bb][0]) / NCELL, (iy + basis[bb][1]) / NCELL, (iz + basis[bb][2]) / NCELL}, site[3];
    nnmd_frac_to_cart(b->h, b->lo, sf, site);
    double r[3] = {s->x[i] - site[0], s->x[c + i] - site[1], s->x[2 * c + i] - site[2]};
    nnmd_min_image(b->h, b->h_inv, b->periodic, r);
    for (int q = 0; q < 3; ++q) {
      d[3 * i + q] = r[q];
      mean[q] += r[q] / (double)n;
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    double e[3] = {d[3 * i] - mean[0], d[3 * i + 1] - mean[1], d[3 * i + 2] - mean[2]};
    worst = fmax(worst, sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]));
  }
  free(d);
  return worst;
}

/* ---- tests -------------------------------------------------------------------------------------- */

START_TEST(test_atoms) {
  const double nk = nnmd_units_get("lammps")->nktv2p, a0 = lattice_constant(0.0, nk), one[3] = {1, 1, 1},
               zero[3] = {0, 0, 0};
  double e_lat, w_lat;
  lattice_sums(a0, &e_lat, &w_lat);
  struct crystal C;
  crystal_init(&C, a0, one, zero, 0.1, 99);
  double f0 = max_force(&C);
  char text[256];
  snprintf(text, sizeof text, "[run]\nensemble = 'minimize'\nftol = %g\n", FTOL);
  int64_t n = minimise(&C, text);
  double fmax = max_force(&C), epa = C.md.epot / (double)C.sys->n_global, se = site_error(&C);
  printf("FIRE atoms: a0 = %.10f A (P = %.2e bar), max|F| %.3e -> %.3e eV/A in %lld steps; E/N = %.10f eV "
         "(lattice %.10f, diff %.1e); site error %.2e A\n",
         a0, lattice_pressure(a0, nk), f0, fmax, (long long)n, epa, e_lat, epa - e_lat, se);
  ck_assert_msg(n < MAX_STEPS, "FIRE did not converge within %d steps", MAX_STEPS);
  ck_assert(fmax < FTOL);
  ck_assert(fabs(epa - e_lat) < E_TOL);
  ck_assert(se < SITE_TOL);
  crystal_free(&C);
}
END_TEST

/* Relax the cell from (scale, tilt) to the lattice at pressure p; check lengths and tilts. */
static void cell_case(const char *mode, const double sc[3], const double tilt[3], double p) {
  const double nk = nnmd_units_get("lammps")->nktv2p, a0 = lattice_constant(0.0, nk), ap = lattice_constant(p, nk);
  struct crystal C;
  crystal_init(&C, a0, sc, tilt, 0.05, 7);
  char text[256];
  snprintf(text, sizeof text, "[run]\nensemble = 'minimize'\nftol = %g\nptol = %g\nrelax_cell = '%s'\npressure = %g\n",
           FTOL, PTOL, mode, p);
  int64_t n = minimise(&C, text);
  const double *h = C.md.box.h, L = ap * NCELL;
  double worst_len = 0.0, worst_tilt = 0.0;
  for (int d = 0; d < 3; ++d) worst_len = fmax(worst_len, fabs(h[4 * d] / L - 1.0));
  worst_tilt = fmax(fmax(fabs(h[1]), fabs(h[2])), fabs(h[5])) / L;
  double pr = static_pressure(&C), fmax = max_force(&C);
  printf("FIRE cell %-9s P0 %6g bar: %4lld steps, a = (%.8f %.8f %.8f) A vs %.8f (max rel. error %.1e), "
         "tilt/L %.1e, P %.3f bar, max|F| %.1e eV/A\n",
         mode, p, (long long)n, h[0] / NCELL, h[4] / NCELL, h[8] / NCELL, ap, worst_len, worst_tilt, pr, fmax);
  ck_assert_msg(n < MAX_STEPS, "FIRE (%s) did not converge", mode);
  ck_assert(fmax < FTOL);
  ck_assert(worst_len < A_TOL);
  ck_assert(worst_tilt < TILT_TOL);
  ck_assert(fabs(pr - p) <= PTOL * 1.0000001);
  ck_assert(h[3] == 0 && h[6] == 0 && h[7] == 0); /* upper triangular (LAMMPS form) kept */
  if (tilt[0] == 0 && tilt[1] == 0 && tilt[2] == 0 && strcmp(mode, "triclinic") != 0)
    ck_assert(h[1] == 0 && h[2] == 0 && h[5] == 0);
  crystal_free(&C);
}

START_TEST(test_cell_iso) {
  static const double sc[3] = {1.04, 1.04, 1.04}, t[3] = {0, 0, 0};
  cell_case("iso", sc, t, 0.0);
  cell_case("iso", sc, t, 1000.0);
}
END_TEST

START_TEST(test_cell_aniso) {
  static const double sc[3] = {1.03, 0.98, 1.01}, t[3] = {0, 0, 0};
  cell_case("aniso", sc, t, 0.0);
}
END_TEST

START_TEST(test_cell_triclinic) {
  static const double sc[3] = {1.02, 0.99, 1.0}, t[3] = {0.03, -0.02, 0.01};
  cell_case("triclinic", sc, t, 0.0);
}
END_TEST

/* Positions, velocities (FIRE's) and cell by id. */
struct snap {
  double *x, *v;
  struct nnmd_box box;
};

static void snap_take(const struct crystal *C, struct snap *s) {
  const struct nnmd_system *sys = C->sys;
  int64_t n = sys->n_local, c = sys->capacity;
  s->x = malloc(sizeof(double) * 3 * (size_t)n);
  s->v = malloc(sizeof(double) * 3 * (size_t)n);
  ck_assert(s->x && s->v);
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      s->x[3 * (sys->id[i] - 1) + d] = sys->x[d * c + i];
      s->v[3 * (sys->id[i] - 1) + d] = sys->v[d * c + i];
    }
  s->box = C->md.box;
}

static void snap_put(struct crystal *C, const struct snap *s, int64_t step) {
  struct nnmd_system *sys = C->sys;
  int64_t n = sys->n_local, c = sys->capacity;
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) {
      sys->x[d * c + i] = s->x[3 * (sys->id[i] - 1) + d];
      sys->v[d * c + i] = s->v[3 * (sys->id[i] - 1) + d];
    }
  C->md.box = s->box;
  C->md.step = C->md.first_step = step;
  check_ok(C, nnmd_md_forces(&C->md, true, &C->err));
}

static void snap_free(struct snap *s) {
  free(s->x);
  free(s->v);
}

START_TEST(test_roundtrip) {
  const double nk = nnmd_units_get("lammps")->nktv2p, a0 = lattice_constant(0.0, nk);
  static const double sc[3] = {1.03, 0.99, 1.0}, t[3] = {0.02, 0, -0.01};
  struct crystal C;
  crystal_init(&C, a0, sc, t, 0.1, 3);
  const char *text = "[run]\nensemble = 'minimize'\nftol = 1e-6\nrelax_cell = 'triclinic'\n";
  void *st = make_fire(&C, text);
  C.md.first_step = 0;
  ck_assert_int_eq(run_fire(&C, st, 30), 30);
  char *blob = NULL;
  size_t blen = 0;
  FILE *f = open_memstream(&blob, &blen);
  ck_assert_ptr_nonnull(f);
  check_ok(&C, nnmd_integ_fire.write_state(st, f, &C.err));
  fclose(f);
  struct snap mid, ref, got;
  snap_take(&C, &mid);
  snap_put(&C, &mid, 30);
  run_fire(&C, st, 30);
  snap_take(&C, &ref);
  nnmd_integ_fire.destroy(st);
  snap_put(&C, &mid, 30);
  void *st2 = make_fire(&C, text);
  f = fmemopen(blob, blen, "rb");
  ck_assert_ptr_nonnull(f);
  check_ok(&C, nnmd_integ_fire.read_state(st2, f, &C.err));
  fclose(f);
  run_fire(&C, st2, 30);
  snap_take(&C, &got);
  int64_t n3 = 3 * C.sys->n_global, bad = 0;
  for (int64_t k = 0; k < n3; ++k) bad += got.x[k] != ref.x[k] || got.v[k] != ref.v[k];
  for (int k = 0; k < 9; ++k) bad += got.box.h[k] != ref.box.h[k];
  printf("FIRE write_state/read_state: %lld of %lld values differ after 30 + 30 steps (record %zu bytes)\n",
         (long long)bad, (long long)(2 * n3 + 9), blen);
  ck_assert_int_eq(bad, 0);
  nnmd_integ_fire.destroy(st2);
  snap_free(&mid);
  snap_free(&ref);
  snap_free(&got);
  free(blob);
  crystal_free(&C);
}
END_TEST

START_TEST(test_stopping_rules) {
  const double nk = nnmd_units_get("lammps")->nktv2p, a0 = lattice_constant(0.0, nk), one[3] = {1, 1, 1},
               zero[3] = {0, 0, 0};
  struct crystal C;
  crystal_init(&C, a0, one, zero, 0.1, 5);
  /* an unreachable force tolerance: the run uses its whole budget without stopping */
  void *st = make_fire(&C, "[run]\nftol = 1e-30\n");
  C.md.first_step = 0;
  int64_t n = run_fire(&C, st, 40);
  nnmd_integ_fire.destroy(st);
  printf("FIRE ftol 1e-30: %lld of 40 steps made\n", (long long)n);
  ck_assert_int_eq(n, 40);
  /* the energy criterion stops it */
  st = make_fire(&C, "[run]\nftol = 1e-30\netol = 1e-10\n");
  n = run_fire(&C, st, MAX_STEPS);
  nnmd_integ_fire.destroy(st);
  printf("FIRE ftol 1e-30, etol 1e-10: stopped after %lld steps, max|F| %.2e eV/A\n", (long long)n, max_force(&C));
  ck_assert(n < MAX_STEPS);
  /* an already relaxed structure stops at once */
  st = make_fire(&C, "[run]\nftol = 1.0\n");
  n = run_fire(&C, st, 100);
  nnmd_integ_fire.destroy(st);
  ck_assert_int_eq(n, 1);
  crystal_free(&C);
}
END_TEST

static int create_status(const char *text) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(text, "run.toml", &root, &err), 0);
  struct nnmd_integ_info info = {.units = nnmd_units_get("lammps"), .dt = DT, .n_global = 4, .n_dof = 9};
  void *state = NULL;
  int st = nnmd_integ_fire.create(nnmd_cfg_get(root, "run"), &info, &state, &err);
  if (st) printf("  expected error: %s:%lld:%d: %s\n", err.file, (long long)err.line, err.col, err.msg);
  if (!st) nnmd_integ_fire.destroy(state);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return st;
}

START_TEST(test_input_errors) {
  ck_assert_int_eq(create_status("[run]\npressure = 10.0\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status("[run]\nrelax_cell = 'isotropic'\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status("[run]\nftol = 0\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status("[run]\netol = -1\n"), NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status("[run]\nrelax_cell = 'aniso'\npressure = [[1, 0, 0], [0, 2, 0], [0, 0, 1]]\n"),
                   NNMD_ERR_INPUT);
  ck_assert_int_eq(create_status("[run]\nrelax_cell = 'triclinic'\npressure = 1.0\nptol = 0.5\nftol = 0.01\n"), 0);
}
END_TEST

static Suite *fire_suite(void) {
  Suite *s = suite_create("fire");
  TCase *tc = tcase_create("fire");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_atoms);
  tcase_add_test(tc, test_cell_iso);
  tcase_add_test(tc, test_cell_aniso);
  tcase_add_test(tc, test_cell_triclinic);
  tcase_add_test(tc, test_roundtrip);
  tcase_add_test(tc, test_stopping_rules);
  tcase_add_test(tc, test_input_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(fire_suite());
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
