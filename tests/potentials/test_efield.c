/* test_efield.c — the constant-charge field term on analytic cases (methods §9 E1, E4),
 * through the documented input ([field] table) and the real set-up code.
 *
 *  E1  two ions (+1, -1 e), no other forces (LJ with epsilon 1e-20 eV: forces below 1e-15 eV/A), constant field: velocity
 *      Verlet with a constant force is exact, so the unwrapped position after n steps is
 *      u0 + v0 t + 1/2 (ftm2v q E / m) t^2 up to rounding. Over 1,000 steps the ions cross
 *      the 20 A cell several times. Tolerance 1e-12 relative to the displacement (rounding
 *      of ~2,000 additions of numbers of that size: ~1e-13).
 *  E4  the field work W equals sum_i q_i E . (u_i(t) - u_i(0)) (same tolerance), and
 *      K + U - W is constant to 1e-10 relative to K (it is exact for this system).
 *  E2  Born charges from the sample Li3PO4 BEC model (tests/data/bec/LiPO): after the sum
 *      rule |sum_i Z*_i| < 1e-12 (the raw sum is O(1)); the field forces sum to zero
 *      (LJ forces do by Newton's third law): |sum F| < 1e-12 sum |F^E|; the total momentum
 *      stays constant over 200 NVE steps (1e-10 relative to sum |p|); ghost atoms carry
 *      exactly their atoms' (corrected) Z*.
 *  Table  E(t) from a table with knots on time steps: velocity Verlet integrates a
 *      piecewise-linear force exactly, so v(t) = v0 + (ftm2v q / m) int_0^t E; also the
 *      interpolation and the time average reported to the analysis.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efield.h"
#include "setup.h"
#include "setup_field.h"
#include "support.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "."
#endif

static const double k_x0[2][3] = {{2.0, 3.0, 4.0}, {12.0, 13.0, 14.0}};
static const double k_v0[2][3] = {{5.0, -3.0, 1.0}, {-2.0, 4.0, 0.5}};
static const double k_q[2] = {1.0, -1.0};

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
}

/* Two ions in a 20 A cube; `field` is the body of the [field] table. */
static void setup_case(struct nnmd_sim *s, struct nnmd_comm *comm, const char *tag, const char *field, int steps) {
  char xyz[512], toml[512], text[2048];
  snprintf(xyz, sizeof xyz, "%s/efield_%s.extxyz", NNMD_TEST_TMP, tag);
  snprintf(toml, sizeof toml, "%s/efield_%s.toml", NNMD_TEST_TMP, tag);
  snprintf(text, sizeof text,
           "2\nLattice=\"20 0 0 0 20 0 0 0 20\" Properties=species:S:1:pos:R:3:velocities:R:3 pbc=\"T T T\"\n"
           "Na %.17g %.17g %.17g %.17g %.17g %.17g\nCl %.17g %.17g %.17g %.17g %.17g %.17g\n",
           k_x0[0][0], k_x0[0][1], k_x0[0][2], k_v0[0][0], k_v0[0][1], k_v0[0][2], k_x0[1][0], k_x0[1][1], k_x0[1][2],
           k_v0[1][0], k_v0[1][1], k_v0[1][2]);
  write_file(xyz, text);
  snprintf(text, sizeof text,
           "[system]\nstructure = \"efield_%s.extxyz\"\n\n[[potential]]\ntype = \"lj\"\ncutoff = 2.0\n"
           "pairs = [ { species = [\"Na\", \"Na\"], epsilon = 1e-20, sigma = 1.0 },\n"
           "          { species = [\"Na\", \"Cl\"], epsilon = 1e-20, sigma = 1.0 },\n"
           "          { species = [\"Cl\", \"Cl\"], epsilon = 1e-20, sigma = 1.0 } ]\n\n"
           "[field]\n%s\n\n[run]\nensemble = \"nve\"\ntimestep = 0.001\nsteps = %d\n",
           tag, field, steps);
  write_file(toml, text);
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_msg(nnmd_sim_setup(s, toml, comm, 0, false, &err) == 0, "%s", err.msg);
  ck_assert_msg(nnmd_md_init(&s->md, &err) == 0, "%s", err.msg);
  ck_assert_msg(nnmd_md_run(&s->md, &err) == 0, "%s", err.msg);
}

static double field_work(struct nnmd_sim *s) {
  const char *names[8];
  double vals[8];
  int n = nnmd_ff_thermo_extra(s->ff, s->sys, s->comm, names, vals, 8);
  for (int k = 0; k < n; ++k)
    if (strcmp(names[k], "W_field") == 0) return vals[k];
  ck_abort_msg("no W_field column");
  return NAN;
}

START_TEST(test_constant_field_analytic) {
  struct nnmd_comm *comm;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_comm_create(&comm, NULL, NULL, &err), 0);
  struct nnmd_sim s;
  const double E[3] = {0.3, -0.2, 0.1};
  const int steps = 1000;
  setup_case(&s, comm, "const", "E = [0.3, -0.2, 0.1]\ncharges = { Na = 1.0, Cl = -1.0 }", steps);
  const struct nnmd_system *sys = s.sys;
  const double *u = nnmd_system_field(sys, "unwrapped");
  ck_assert_ptr_nonnull(u);
  double t = steps * 0.001, worst = 0, dmax = 0, W = 0;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    int k = (int)sys->id[i] - 1;
    double m = nnmd_system_mass(sys, i);
    for (int a = 0; a < 3; ++a) {
      double acc = s.units->ftm2v * k_q[k] * E[a] / m;
      double d = k_v0[k][a] * t + 0.5 * acc * t * t;
      worst = fmax(worst, fabs(u[a * c + i] - (k_x0[k][a] + d)));
      dmax = fmax(dmax, fabs(d));
      W += k_q[k] * E[a] * d;
    }
  }
  double Wn = field_work(&s);
  nnmd_md_thermo(&s.md);
  double K = s.md.thermo.ekin, drift = fabs(s.md.thermo.conserved - s.md.thermo.etot + Wn);
  printf("E1: %d steps, ions moved up to %.2f A (cell 20 A); max |u - analytic| %.3e A (rel %.2e)\n", steps, dmax,
         worst, worst / dmax);
  fflush(stdout);
  printf("E4: W_field %.15g eV, analytic %.15g eV (rel %.2e); K %.6g eV\n", Wn, W, fabs(Wn - W) / fabs(W), K);
  ck_assert_msg(dmax > 40.0, "the ions should cross the cell (moved %.3g A)", dmax);
  ck_assert_msg(worst <= 1e-12 * dmax, "trajectory off the analytic parabola by %.3g A", worst);
  ck_assert_msg(fabs(Wn - W) <= 1e-12 * fabs(W), "field work %.17g vs analytic %.17g", Wn, W);
  ck_assert_msg(drift <= 1e-12 * K, "conserved quantity is not Etot - W (%.3g)", drift);
  /* K + U - W is the initial energy: K0 + 0 */
  double K0 = 0;
  for (int64_t i = 0; i < sys->n_local; ++i)
    for (int a = 0; a < 3; ++a) {
      int k = (int)sys->id[i] - 1;
      K0 += 0.5 * nnmd_system_mass(sys, i) * k_v0[k][a] * k_v0[k][a] * s.units->mvv2e;
    }
  ck_assert_msg(fabs(s.md.thermo.conserved - K0) <= 1e-10 * K, "K + U - W = %.15g, K0 = %.15g",
                s.md.thermo.conserved, K0);
  nnmd_sim_destroy(&s);
  nnmd_comm_destroy(comm);
}
END_TEST

START_TEST(test_field_table) {
  struct nnmd_comm *comm;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_comm_create(&comm, NULL, NULL, &err), 0);
  struct nnmd_sim s;
  const int steps = 2500; /* 2.5 ps; knots at 1 and 2 ps fall on steps */
  setup_case(&s, comm, "table",
             "E = [[0.0, 0.0, 0.0, 0.0], [1.0, 0.1, 0.0, -0.02], [2.0, 0.1, 0.05, 0.0]]\n"
             "charges = { Na = 1.0, Cl = -1.0 }",
             steps);
  void *fs = NULL;
  for (int k = 0; k < nnmd_ff_n_terms(s.ff); ++k) {
    void *st;
    if (nnmd_ff_term(s.ff, k, &st) == &nnmd_pot_efield) fs = st;
  }
  ck_assert_ptr_nonnull(fs);
  double E[3];
  nnmd_efield_at(fs, 0.5, E);
  ck_assert(fabs(E[0] - 0.05) < 1e-15 && fabs(E[1]) < 1e-15 && fabs(E[2] + 0.01) < 1e-15);
  nnmd_efield_at(fs, 1.5, E);
  ck_assert(fabs(E[0] - 0.1) < 1e-15 && fabs(E[1] - 0.025) < 1e-15 && fabs(E[2] + 0.01) < 1e-15);
  nnmd_efield_at(fs, 7.0, E); /* held after the last knot */
  ck_assert(E[0] == 0.1 && E[1] == 0.05 && E[2] == 0.0);
  /* integral over [0, 2.5]: x 0.05 + 0.1 + 0.05 = 0.2; y 0.025 + 0.025 = 0.05; z -0.01 - 0.01 = -0.02 */
  const double I[3] = {0.2, 0.05, -0.02};
  nnmd_efield_mean(fs, 0.0, 2.5, E);
  for (int a = 0; a < 3; ++a) ck_assert_msg(fabs(E[a] - I[a] / 2.5) < 1e-15, "mean E[%d] = %.17g", a, E[a]);
  bool zk[4];
  double z[4], Em[3];
  ck_assert_int_eq(nnmd_sim_field_info(&s, 0.0, 2.5, Em, zk, z, s.sys->species.n), 1);
  int na = nnmd_species_find(&s.sys->species, "Na");
  ck_assert(zk[na] && z[na] == 1.0);
  const struct nnmd_system *sys = s.sys;
  int64_t c = sys->capacity;
  double worst = 0, dv = 0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    int k = (int)sys->id[i] - 1;
    double m = nnmd_system_mass(sys, i);
    for (int a = 0; a < 3; ++a) {
      double d = s.units->ftm2v * k_q[k] * I[a] / m;
      worst = fmax(worst, fabs(sys->v[a * c + i] - (k_v0[k][a] + d)));
      dv = fmax(dv, fabs(d));
    }
  }
  printf("table field: velocity change up to %.4f A/ps, max |v - analytic| %.3e A/ps\n", dv, worst);
  ck_assert_msg(worst <= 1e-11 * dv, "velocity off by %.3g A/ps", worst);
  nnmd_sim_destroy(&s);
  nnmd_comm_destroy(comm);
}
END_TEST

START_TEST(test_bec_sum_rule) {
  struct nnmd_comm *comm;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_comm_create(&comm, NULL, NULL, &err), 0);
  char toml[1024], text[4096];
  snprintf(toml, sizeof toml, "%s/efield_bec.toml", NNMD_TEST_TMP);
  snprintf(text, sizeof text,
           "[system]\nstructure = \"%s/tests/data/bec/li3po4_64.extxyz\"\n[velocities]\ntemperature = 600.0\nseed = 4\n"
           "[[potential]]\ntype = \"lj\"\ncutoff = 5.0\nshift = true\npairs = [\n"
           "  { species = [\"Li\", \"Li\"], epsilon = 0.01, sigma = 1.8 }, { species = [\"Li\", \"P\"], epsilon = 0.01, sigma = 2.0 },\n"
           "  { species = [\"Li\", \"O\"], epsilon = 0.01, sigma = 1.8 }, { species = [\"P\", \"P\"], epsilon = 0.01, sigma = 2.5 },\n"
           "  { species = [\"P\", \"O\"], epsilon = 0.01, sigma = 1.4 }, { species = [\"O\", \"O\"], epsilon = 0.01, sigma = 2.3 } ]\n"
           "[field]\nE = [0.05, -0.1, 0.2]\nborn_charges = \"%s/tests/data/bec/LiPO\"\n"
           "[run]\nensemble = \"nve\"\ntimestep = 0.0005\nsteps = 200\n",
           NNMD_SOURCE_DIR, NNMD_SOURCE_DIR);
  write_file(toml, text);
  struct nnmd_sim s;
  ck_assert_msg(nnmd_sim_setup(&s, toml, comm, 0, false, &err) == 0, "%s", err.msg);
  ck_assert_msg(nnmd_md_init(&s.md, &err) == 0, "%s", err.msg);
  const struct nnmd_system *sys = s.sys;
  int64_t c = sys->capacity, n = sys->n_local;
  const double *Z = nnmd_system_field(sys, "bec");
  ck_assert_ptr_nonnull(Z);
  double zs[9] = {0}, fs[3] = {0}, fe_abs = 0, zmax = 0, E[3] = {0.05, -0.1, 0.2};
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 9; ++k) {
      zs[k] += Z[k * c + i];
      zmax = fmax(zmax, fabs(Z[k * c + i]));
    }
    for (int b = 0; b < 3; ++b) {
      fs[b] += sys->f[b * c + i];
      fe_abs += fabs(E[0] * Z[b * c + i] + E[1] * Z[(3 + b) * c + i] + E[2] * Z[(6 + b) * c + i]);
    }
  }
  /* the published field reaches the ghosts (halo exchange after the force call) */
  int64_t *owner = calloc((size_t)sys->n_global + 1, sizeof(int64_t));
  ck_assert_ptr_nonnull(owner);
  for (int64_t i = 0; i < n; ++i) owner[sys->id[i]] = i;
  int64_t bad_ghosts = 0;
  for (int64_t g = n; g < n + sys->n_ghost; ++g)
    for (int k = 0; k < 9; ++k) bad_ghosts += Z[k * c + g] != Z[k * c + owner[sys->id[g]]];
  free(owner);
  ck_assert_msg(sys->n_ghost > 0 && bad_ghosts == 0, "%lld ghost Z* components differ from their atoms' (of %lld ghosts)",
                (long long)bad_ghosts, (long long)sys->n_ghost);
  double zn = 0, fn = 0;
  for (int k = 0; k < 9; ++k) zn += zs[k] * zs[k];
  for (int b = 0; b < 3; ++b) fn += fs[b] * fs[b];
  zn = sqrt(zn);
  fn = sqrt(fn);
  const char *names[8];
  double vals[8], asr = NAN;
  int nx = nnmd_ff_thermo_extra(s.ff, s.sys, s.comm, names, vals, 8);
  for (int k = 0; k < nx; ++k)
    if (strcmp(names[k], "ASR") == 0) asr = vals[k];
  double p0[3] = {0}, pabs = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int b = 0; b < 3; ++b) {
      double p = nnmd_system_mass(sys, i) * sys->v[b * c + i];
      p0[b] += p;
      pabs += fabs(p);
    }
  ck_assert_msg(nnmd_md_run(&s.md, &err) == 0, "%s", err.msg);
  sys = s.sys;
  c = sys->capacity;
  double p1[3] = {0}, dp = 0;
  for (int64_t i = 0; i < sys->n_local; ++i)
    for (int b = 0; b < 3; ++b) p1[b] += nnmd_system_mass(sys, i) * sys->v[b * c + i];
  for (int b = 0; b < 3; ++b) dp = fmax(dp, fabs(p1[b] - p0[b]));
  printf("E2: raw |sum Z*|/N = %.4f e (max |Z*| %.3f e); after the sum rule |sum Z*| = %.2e e; |sum F| = %.2e eV/A "
         "(sum |F^E| = %.3f); momentum change over 200 steps %.2e (sum |p| %.3g)\n",
         asr, zmax, zn, fn, fe_abs, dp, pabs);
  ck_assert_msg(asr > 1e-3, "the sample model should violate the sum rule before correction (raw %.3g)", asr);
  ck_assert_msg(zn < 1e-12, "sum of Z* after the sum rule: %.3g", zn);
  ck_assert_msg(fn < 1e-12 * fe_abs, "forces do not sum to zero: %.3g", fn);
  ck_assert_msg(dp < 1e-10 * pabs, "momentum changed by %.3g", dp);
  nnmd_sim_destroy(&s);
  nnmd_comm_destroy(comm);
}
END_TEST

int main(void) {
  Suite *s = suite_create("efield");
  TCase *tc = tcase_create("efield");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_constant_field_analytic);
  tcase_add_test(tc, test_field_table);
  tcase_add_test(tc, test_bec_sum_rule);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
