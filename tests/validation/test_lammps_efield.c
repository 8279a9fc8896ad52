/* test_lammps_efield.c — the constant-charge electric field against LAMMPS `fix efield`,
 * both programs run live on the same LAMMPS data file (atom_style charge).
 *
 * System: 500 atoms of a two-species Lennard-Jones mixture in a tilted (triclinic) cell,
 * random per-atom charges in [-1, 1] e shifted to a neutral total, velocities at ~300 K,
 * field E = (0.05, -0.03, 0.02) V/A in a general direction. nnmd reads the charges from
 * the data file (`charges = "structure"`).
 *   1. forces at step 0 (LJ + q E): nnmd's trajectory frame vs a LAMMPS dump;
 *   2. NVE, 300 steps of 2 fs: the work done by the field. LAMMPS' fix efield scalar is
 *      the energy -sum_i q_i E . u_i (unwrapped positions), so W(t) = -(f_ef(t) - f_ef(0));
 *      nnmd's thermo column W_field is the trapezoid sum of methods §4.3, which for a
 *      constant force is the same number. Also the total energies and the conserved
 *      quantity K + U - W.
 * Tolerances: forces 1e-10 relative to max |F| (the LJ forces of both codes agree to
 * ~1e-12 (test_lammps_forces); summation order only). Work: both codes integrate the same
 * trajectory; over 300 steps a chaotic LJ liquid amplifies the 1e-16 rounding differences
 * by far less than 1e6, so 1e-8 of the largest |W| (plus 1e-12 eV) is a loose but
 * meaningful bound: a wrong sign, a missing factor or a field applied to the wrong
 * component changes W at the 1e-1 level.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lammps_util.h"
#include "support.h"

#define NAT 500
#define STEPS 300
#define EVERY 10

static char g_lmp[LMPU_PATH];
static const double k_E[3] = {0.05, -0.03, 0.02};

static const char *nnmd_bin(void) {
  const char *b = getenv("NNMD_BIN");
  if (b && *b) return b;
#ifdef NNMD_BIN
  return NNMD_BIN;
#else
  return "nnmd";
#endif
}

static bool write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  bool ok = fputs(text, f) >= 0;
  return (fclose(f) == 0) && ok;
}

/* fcc 5x5x5 (a = 5.3 A) with random displacements, sheared into a triclinic cell. */
static bool write_structure(const char *path) {
  const double a = 5.3, xy = 1.5, xz = -1.0, yz = 0.7, L = 5 * a;
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  uint64_t rng = 20261124;
  double q[NAT], x[3 * NAT], v[3 * NAT], qsum = 0;
  int type[NAT], n = 0;
  for (int iz = 0; iz < 5; ++iz)
    for (int iy = 0; iy < 5; ++iy)
      for (int ix = 0; ix < 5; ++ix)
        for (int b = 0; b < 4; ++b, ++n) {
          double s[3] = {(ix + basis[b][0]) / 5.0, (iy + basis[b][1]) / 5.0, (iz + basis[b][2]) / 5.0};
          x[3 * n] = L * s[0] + xy * s[1] + xz * s[2] + 0.2 * (2 * tsup_rand_uniform(&rng) - 1);
          x[3 * n + 1] = L * s[1] + yz * s[2] + 0.2 * (2 * tsup_rand_uniform(&rng) - 1);
          x[3 * n + 2] = L * s[2] + 0.2 * (2 * tsup_rand_uniform(&rng) - 1);
          type[n] = 1 + (n % 2);
          q[n] = 2 * tsup_rand_uniform(&rng) - 1;
          qsum += q[n];
          for (int d = 0; d < 3; ++d) v[3 * n + d] = 3.0 * tsup_rand_normal(&rng); /* A/ps, ~300 K for Na */
        }
  for (int i = 0; i < NAT; ++i) q[i] -= qsum / NAT;
  FILE *f = fopen(path, "w");
  if (!f) return false;
  fprintf(f, "test_lammps_efield structure (atom_style charge, metal units)\n\n%d atoms\n2 atom types\n\n", NAT);
  fprintf(f, "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n%.17g %.17g %.17g xy xz yz\n\n", L, L, L, xy, xz, yz);
  fprintf(f, "Masses\n\n1 22.98976928 # Na\n2 35.453 # Cl\n\nAtoms # charge\n\n");
  for (int i = 0; i < NAT; ++i)
    fprintf(f, "%d %d %.17g %.17g %.17g %.17g\n", i + 1, type[i], q[i], x[3 * i], x[3 * i + 1], x[3 * i + 2]);
  fprintf(f, "\nVelocities\n\n");
  for (int i = 0; i < NAT; ++i) fprintf(f, "%d %.17g %.17g %.17g\n", i + 1, v[3 * i], v[3 * i + 1], v[3 * i + 2]);
  return fclose(f) == 0;
}

/* Forces of the first extxyz frame written with ids and forces (columns: species, pos,
 * id, forces) into f[3*(id-1)+c]. */
static bool read_xyz_forces(const char *path, double *f) {
  FILE *fp = fopen(path, "r");
  if (!fp) return false;
  char line[4096];
  int n = 0;
  bool ok = fgets(line, sizeof line, fp) && sscanf(line, "%d", &n) == 1 && n == NAT && fgets(line, sizeof line, fp) &&
            strstr(line, "id:I:1:forces:R:3");
  for (int k = 0; ok && k < n; ++k) {
    char sym[8];
    double r[3], g[3];
    long long id;
    ok = fgets(line, sizeof line, fp) &&
         sscanf(line, "%7s %lf %lf %lf %lld %lf %lf %lf", sym, &r[0], &r[1], &r[2], &id, &g[0], &g[1], &g[2]) == 8 &&
         id >= 1 && id <= NAT;
    if (ok) memcpy(f + 3 * (id - 1), g, sizeof g);
  }
  fclose(fp);
  return ok;
}

START_TEST(test_efield_vs_lammps) {
  char dir[LMPU_PATH], p[LMPU_PATH], text[4096], e[3][40];
  ck_assert(lmpu_tmpdir("lammps_efield", dir, sizeof dir));
  ck_assert(write_structure(lmpu_join(p, sizeof p, dir, "data.lmp")));
  for (int d = 0; d < 3; ++d) lmpu_fmt(e[d], sizeof e[d], k_E[d]);

  snprintf(text, sizeof text,
           "units metal\natom_style charge\nboundary p p p\nread_data data.lmp\n"
           "pair_style lj/cut 8.0\npair_modify shift yes\npair_coeff * * 0.0104 3.405\n"
           "neighbor 1.0 bin\nneigh_modify every 1 delay 0 check yes\n"
           "fix nve all nve\nfix ef all efield %s %s %s\ntimestep 0.002\n"
           "thermo_style custom step pe ke etotal f_ef\nthermo_modify norm no format float %%.17g\nthermo %d\n"
           "dump d all custom 1 forces.dump id fx fy fz\ndump_modify d format float %%.17g\nrun 0\nundump d\n"
           "run %d\n",
           e[0], e[1], e[2], EVERY, STEPS);
  ck_assert(write_text(lmpu_join(p, sizeof p, dir, "in.lmp"), text));
  ck_assert_int_eq(lmpu_run_lammps(g_lmp, dir, "in.lmp"), 0);

  snprintf(text, sizeof text,
           "[system]\nstructure = \"data.lmp\"\nformat = \"lammps-data\"\n\n"
           "[[potential]]\ntype = \"lj\"\ncutoff = 8.0\nshift = true\n"
           "pairs = [ { species = [\"Na\", \"Na\"], epsilon = 0.0104, sigma = 3.405 },\n"
           "          { species = [\"Na\", \"Cl\"], epsilon = 0.0104, sigma = 3.405 },\n"
           "          { species = [\"Cl\", \"Cl\"], epsilon = 0.0104, sigma = 3.405 } ]\n\n"
           "[field]\nE = [%s, %s, %s]\ncharges = \"structure\"\n\n"
           "[run]\nensemble = \"nve\"\ntimestep = 0.002\nsteps = %d\n\n"
           "[neighbor]\nskin = 1.0\nevery = 1\ncheck = true\n\n"
           "[output]\nthermo_every = %d\nthermo_file = \"thermo.csv\"\n"
           "trajectory = { file = \"f.extxyz\", every = %d, forces = true, velocities = false }\n",
           e[0], e[1], e[2], STEPS, EVERY, STEPS);
  ck_assert(write_text(lmpu_join(p, sizeof p, dir, "input.toml"), text));
  char cmd[LMPU_PATH + 64];
  snprintf(cmd, sizeof cmd, "'%s' run input.toml", nnmd_bin());
  int st = lmpu_run_cmd(dir, cmd, "nnmd.out");
  if (st) lmpu_print_tail(lmpu_join(p, sizeof p, dir, "nnmd.out"), 20);
  ck_assert_msg(st == 0, "nnmd failed in %s", dir);

  /* 1. forces at step 0 */
  double *fl = calloc(3 * NAT, sizeof(double)), *fn = calloc(3 * NAT, sizeof(double));
  ck_assert(fl && fn);
  ck_assert(lmpu_read_dump_forces(lmpu_join(p, sizeof p, dir, "forces.dump"), NAT, fl));
  ck_assert(read_xyz_forces(lmpu_join(p, sizeof p, dir, "f.extxyz"), fn));
  double fm = 0, dmax = 0, qe = 0;
  for (int k = 0; k < 3 * NAT; ++k) {
    fm = fm > fabs(fl[k]) ? fm : fabs(fl[k]);
    dmax = dmax > fabs(fl[k] - fn[k]) ? dmax : fabs(fl[k] - fn[k]);
  }
  qe = sqrt(k_E[0] * k_E[0] + k_E[1] * k_E[1] + k_E[2] * k_E[2]);
  printf("step-0 forces (LJ + qE, |E| = %.4f V/A): max |F| %.4e eV/A, max |F_nnmd - F_lammps| %.3e (rel %.2e)\n", qe,
         fm, dmax, dmax / fm);

  /* 2. field work and energies along the NVE run */
  double *wl = NULL, *el = NULL, *wn = NULL, *en = NULL, *cn = NULL;
  int64_t nl = lmpu_read_thermo(lmpu_join(p, sizeof p, dir, "log.lammps"), "f_ef", &wl);
  int64_t nl2 = lmpu_read_thermo(lmpu_join(p, sizeof p, dir, "log.lammps"), "TotEng", &el);
  int64_t nn = lmpu_read_csv_column(lmpu_join(p, sizeof p, dir, "thermo.csv"), "W_field", &wn);
  int64_t nn2 = lmpu_read_csv_column(lmpu_join(p, sizeof p, dir, "thermo.csv"), "etot_eV", &en);
  int64_t nn3 = lmpu_read_csv_column(lmpu_join(p, sizeof p, dir, "thermo.csv"), "conserved_eV", &cn);
  int64_t rows = STEPS / EVERY + 1;
  ck_assert_msg(nl == rows && nl2 == rows && nn == rows && nn2 == rows && nn3 == rows,
                "thermo rows: LAMMPS %lld/%lld, nnmd %lld/%lld/%lld, expected %lld", (long long)nl, (long long)nl2,
                (long long)nn, (long long)nn2, (long long)nn3, (long long)rows);
  double wmax = 0, dw = 0, de = 0, cdrift = 0, ekin_scale = 0;
  for (int64_t k = 0; k < rows; ++k) {
    double w_l = -(wl[k] - wl[0]);
    wmax = fmax(wmax, fabs(w_l));
    dw = fmax(dw, fabs(wn[k] - w_l));
    de = fmax(de, fabs(en[k] - el[k]));
    cdrift = fmax(cdrift, fabs(cn[k] - cn[0]));
    ekin_scale = fmax(ekin_scale, fabs(en[k] - en[0]));
  }
  printf("NVE %d steps: max |W| %.6e eV, max |W_nnmd - W_lammps| %.3e eV; max |Etot_nnmd - Etot_lammps| %.3e eV\n",
         STEPS, wmax, dw, de);
  printf("  E_tot moves by up to %.4e eV (the field does work); K + U - W moves by %.3e eV\n", ekin_scale, cdrift);
  bool ok = dmax <= 1e-10 * fm && dw <= 1e-8 * wmax + 1e-12 && de <= 1e-8 * fabs(el[0]) && wmax > 1e-3;
  if (ok) lmpu_rmdir(dir);
  else fprintf(stderr, "kept %s\n", dir);
  ck_assert_msg(dmax <= 1e-10 * fm, "forces differ: %.3g vs max %.3g", dmax, fm);
  ck_assert_msg(wmax > 1e-3, "the field did almost no work (%.3g eV): the test would not see a wrong sign", wmax);
  ck_assert_msg(dw <= 1e-8 * wmax + 1e-12, "field work differs: %.3g eV (max %.3g)", dw, wmax);
  ck_assert_msg(de <= 1e-8 * fabs(el[0]), "total energies differ: %.3g eV", de);
  ck_assert_msg(cdrift < 0.05 * ekin_scale, "K + U - W is not conserved better than E_tot (%.3g vs %.3g eV)",
                cdrift, ekin_scale);
  free(fl);
  free(fn);
  free(wl);
  free(el);
  free(wn);
  free(en);
  free(cn);
}
END_TEST

int main(void) {
  lmpu_skip_without_lammps("test_lammps_efield", g_lmp, sizeof g_lmp);
  Suite *s = suite_create("lammps_efield");
  TCase *tc = tcase_create("efield");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_efield_vs_lammps);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
