/* test_structure.c — structure readers (extxyz, LAMMPS data, n2p2), format detection, the
 * common checks (every error with its message and line) and the close-pair search against a
 * brute-force search. The writers are tested in test_structure_write.c.
 *
 * Data files: tests/io/data/ (one per format case). Error cases write small files into NNMD_TEST_TMP.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box_math.h"
#include "structure.h"
#include "support.h"
#include "units.h"
#include "write_extxyz.h"

#include "structure_test_util.c"

/* ---- extxyz ------------------------------------------------------------------------------------ */

START_TEST(extxyz_orthogonal_velocities_charges) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "ortho_vel_charge.extxyz"), NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(L.info.format, "extxyz");
  ck_assert(L.info.has_velocities && L.info.has_charges);
  ck_assert_int_eq(L.info.n_frames_skipped, 2);
  ck_assert_int_eq(s->n_local, 4);
  ck_assert_int_eq(s->n_global, 4);
  ck_assert_int_eq(s->n_ghost, 0);
  ck_assert_int_eq(s->species.n, 2);
  ck_assert_str_eq(SYM(s, 0), "Li");
  ck_assert_str_eq(SYM(s, 2), "O");
  for (int i = 0; i < 4; ++i) ck_assert_int_eq(s->id[i], i + 1);
  ck_assert(X(s, 3, 0) == 7.5 && X(s, 3, 1) == -0.5 && X(s, 3, 2) == 11.0); /* outside: kept */
  ck_assert(V(s, 0, 2) == 0.3 && V(s, 3, 0) == 1e-3 && V(s, 3, 2) == -1.5e-2);
  const double *q = nnmd_system_field(s, "charge");
  ck_assert(q && q[0] == 1.0 && q[2] == -2.0 && q[3] == 0.0);
  double h[9] = {8, 0, 0, 0, 9, 0, 0, 0, 10};
  for (int k = 0; k < 9; ++k) ck_assert(L.box.h[k] == h[k]);
  ck_assert(L.box.periodic[0] && L.box.periodic[1] && L.box.periodic[2]);
  ck_assert_double_eq_tol(L.box.volume, 720.0, 1e-12);
  unload(&L);
}
END_TEST

START_TEST(extxyz_triclinic_properties) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "triclinic.extxyz"), "extxyz", 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert(!L.info.has_velocities && L.info.has_charges);
  ck_assert_int_eq(L.info.n_frames_skipped, 0);
  /* Lattice rows a, b, c become the columns of h, unrotated */
  double h[9] = {4.0, -1.0, 0.75, 0.5, 5.0, -0.5, 0.25, 0.5, 6.0};
  for (int k = 0; k < 9; ++k) ck_assert_msg(L.box.h[k] == h[k], "h[%d] = %g", k, L.box.h[k]);
  ck_assert(L.box.periodic[0] && L.box.periodic[1] && !L.box.periodic[2]);
  ck_assert_str_eq(SYM(s, 0), "Cu"); /* "cu" and "CU" capitalised as ASE does */
  ck_assert_str_eq(SYM(s, 2), "Cu");
  ck_assert_str_eq(SYM(s, 1), "S");
  ck_assert_int_eq(s->species.n, 2);
  ck_assert(X(s, 0, 0) == 0.125 && X(s, 0, 1) == 0.25 && X(s, 0, 2) == 0.5);
  ck_assert(X(s, 2, 0) == -0.5 && X(s, 2, 2) == 9.0);
  const double *q = nnmd_system_field(s, "charge");
  ck_assert(q && q[0] == 0.5 && q[1] == -1.0);
  unload(&L);
}
END_TEST

START_TEST(xyz_plain_molecule) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "molecule.xyz"), "auto", 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(L.info.format, "extxyz");
  ck_assert(!L.info.has_velocities && !L.info.has_charges);
  ck_assert_int_eq(s->n_local, 3);
  ck_assert(!L.box.periodic[0] && !L.box.periodic[1] && !L.box.periodic[2]);
  ck_assert_double_eq_tol(L.box.lo[1], -0.7572 - 10.0, 1e-12);
  ck_assert_double_eq_tol(L.box.lo[2], -0.4692 - 10.0, 1e-12);
  ck_assert_double_eq_tol(L.box.h[0], 20.0, 1e-12);
  ck_assert_double_eq_tol(L.box.h[4], 2 * 0.7572 + 20.0, 1e-12);
  ck_assert_double_eq_tol(L.box.h[8], 0.1173 + 0.4692 + 20.0, 1e-12);
  ck_assert(L.box.h[1] == 0 && L.box.h[3] == 0 && L.box.h[7] == 0);
  ck_assert(X(s, 1, 1) == 0.7572);
  unload(&L);
}
END_TEST

/* ---- LAMMPS data ------------------------------------------------------------------------------ */

START_TEST(lammps_atomic_velocities_images) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "ortho_atomic.lmp"), NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(L.info.format, "lammps-data");
  ck_assert(L.info.has_velocities && !L.info.has_charges);
  ck_assert_int_eq(s->n_local, 4);
  int64_t ids[4] = {3, 1, 4, 2};
  for (int i = 0; i < 4; ++i) ck_assert_int_eq(s->id[i], ids[i]);
  ck_assert_int_eq(s->species.n, 2);
  ck_assert_str_eq(s->species.s[0].symbol, "Ar");
  ck_assert_str_eq(s->species.s[1].symbol, "Cu");
  ck_assert(s->species.s[1].mass == 63.546);
  ck_assert_str_eq(SYM(s, 0), "Ar");
  ck_assert_str_eq(SYM(s, 1), "Cu");
  ck_assert(X(s, 1, 0) == 5.0 && X(s, 3, 0) == -0.5 && X(s, 3, 1) == 10.5);
  ck_assert(IMG(s, 1, 0) == 1 && IMG(s, 1, 1) == -1 && IMG(s, 1, 2) == 2);
  ck_assert(IMG(s, 2, 0) == 0 && IMG(s, 3, 2) == -1);
  /* velocities are matched by id */
  ck_assert(V(s, 1, 0) == 0.5 && V(s, 3, 1) == -1.25 && V(s, 0, 2) == 2.0 && V(s, 2, 2) == 3e-2);
  double lo[3] = {0.0, -1.0, 2.0}, h[9] = {10, 0, 0, 0, 12, 0, 0, 0, 14};
  for (int d = 0; d < 3; ++d) ck_assert(L.box.lo[d] == lo[d] && L.box.periodic[d]);
  for (int k = 0; k < 9; ++k) ck_assert(L.box.h[k] == h[k]);
  unload(&L);
}
END_TEST

START_TEST(lammps_charge_triclinic_mass_match) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "tric_charge.lmp"), "lammps-data", 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert(L.info.has_charges && !L.info.has_velocities);
  ck_assert_str_eq(SYM(s, 0), "Li");
  ck_assert_str_eq(SYM(s, 1), "F");
  ck_assert(s->species.s[1].mass == 18.998); /* the file's mass, not the standard one */
  const double *q = nnmd_system_field(s, "charge");
  ck_assert(q && q[0] == 0.8 && q[1] == -0.8);
  ck_assert(X(s, 0, 0) == 0.5 && X(s, 0, 2) == 1.5 && X(s, 1, 2) == 4.0);
  ck_assert(IMG(s, 1, 1) == 1 && IMG(s, 0, 1) == 0);
  double h[9] = {4.0, 1.5, -0.5, 0, 5.0, 0.75, 0, 0, 6.0};
  for (int k = 0; k < 9; ++k) ck_assert(L.box.h[k] == h[k]);
  ck_assert(L.box.lo[2] == 1.0);
  unload(&L);
}
END_TEST

/* atom_style full (id mol type q x y z [ix iy iz]) with a Bonds section, as LAMMPS writes it */
START_TEST(lammps_full_style) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "full_style.lmp"), NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_int_eq(s->n_local, 4);
  ck_assert(L.info.has_charges);
  const double *q = nnmd_system_field(s, "charge");
  ck_assert(q && q[0] == 0.8 && q[1] == -0.8 && q[3] == -0.8);
  ck_assert_str_eq(SYM(s, 0), "Na");
  ck_assert_str_eq(SYM(s, 1), "Cl");
  ck_assert(X(s, 1, 0) == 3.0 && X(s, 3, 0) == 8.0 && X(s, 3, 1) == 6.0);
  ck_assert(IMG(s, 3, 1) == 1 && IMG(s, 2, 1) == 0);
  unload(&L);
}
END_TEST

/* ---- n2p2 ----------------------------------------------------------------------------------------- */

START_TEST(n2p2_periodic) {
  char p[600];
  struct loaded L;
  load_ok(&L, data_path(p, sizeof p, "periodic.n2p2"), NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(L.info.format, "n2p2");
  ck_assert_int_eq(L.info.n_frames_skipped, 1);
  ck_assert(!L.info.has_charges && !L.info.has_velocities);
  ck_assert_int_eq(s->n_local, 3);
  ck_assert_str_eq(SYM(s, 2), "S");
  ck_assert_int_eq(s->id[2], 3);
  double h[9] = {6.0, 1.0, -1.5, 0.0, 7.0, 0.5, 0.0, 0.0, 8.0};
  for (int k = 0; k < 9; ++k) ck_assert(L.box.h[k] == h[k]);
  ck_assert(L.box.periodic[0] && L.box.periodic[1] && L.box.periodic[2]);
  ck_assert(X(s, 2, 1) == 5.0);
  unload(&L);
}
END_TEST

START_TEST(n2p2_cluster_scaled) {
  char p[600];
  struct loaded L;
  double bohr = 1.0 / NNMD_BOHR_PER_ANGSTROM;
  load_ok(&L, data_path(p, sizeof p, "cluster.n2p2"), "n2p2", bohr);
  const struct nnmd_system *s = L.sys;
  ck_assert_int_eq(s->n_local, 3);
  ck_assert(!L.box.periodic[0] && !L.box.periodic[1] && !L.box.periodic[2]);
  ck_assert(X(s, 1, 1) == 1.4309 * bohr);
  ck_assert_double_eq_tol(L.box.h[4], 2 * 1.4309 * bohr + 20.0, 1e-12);
  unload(&L);
}
END_TEST

START_TEST(shared_cu2s_144) {
  char p[600];
  shared_path(p, sizeof p, "models/Cu2S_PBE/reference/cu2s_144.data");
  if (!tsup_file_exists(p)) {
    fprintf(stderr, "skipped: %s is absent\n", p);
    return;
  }
  struct loaded L;
  load_ok(&L, p, NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(L.info.format, "n2p2");
  ck_assert_int_eq(s->n_local, 144);
  ck_assert_str_eq(SYM(s, 0), "S");
  ck_assert(X(s, 0, 0) == 9.5538100000000004E+00 && X(s, 0, 1) == 9.8517999999999994E-01);
  ck_assert(X(s, 1, 0) == -3.2918400000000001E+00); /* outside the cell: kept */
  ck_assert(L.box.h[2] == -5.9893571589999999E+00 && L.box.h[8] == 1.2091965796000000E+01);
  ck_assert(L.box.h[0] == 1.5246000000000000E+01 && L.box.h[4] == 1.1884000000000000E+01);
  ck_assert(nnmd_species_find(&s->species, "Cu") >= 0);
  unload(&L);
}
END_TEST

START_TEST(shared_h2o_dimer) {
  char p[600];
  shared_path(p, sizeof p, "models/H2O_RPBE-D3/reference/h2o_dimer.data");
  if (!tsup_file_exists(p)) {
    fprintf(stderr, "skipped: %s is absent\n", p);
    return;
  }
  struct loaded L;
  load_ok(&L, p, "auto", 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_int_eq(s->n_local, 6);
  ck_assert_str_eq(SYM(s, 0), "O");
  ck_assert_str_eq(SYM(s, 5), "H");
  ck_assert(X(s, 4, 1) == -8.0916988600000117E-01);
  ck_assert(!L.box.periodic[0] && !L.box.periodic[1] && !L.box.periodic[2]);
  unload(&L);
}
END_TEST

START_TEST(extxyz_z_column_origin_no_pbc) {
  char p[600];
  tmp_path(p, sizeof p, "z.extxyz");
  write_text(p, "2\r\nLattice=[5, 0, 0, 0, 5, 0, 0, 0, 5] Origin=\"1 -2 3\" pbc=\"F F F\" "
                "Properties=Z:I:1:pos:R:3:vel:R:3\r\n14 1 1 1 0.5 0 0\r\n8 2.5 1 1 0 0 -0.5\r\n");
  struct loaded L;
  load_ok(&L, p, NULL, 2.0); /* length_scale scales cell, origin, positions and velocities */
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(SYM(s, 0), "Si");
  ck_assert_str_eq(SYM(s, 1), "O");
  ck_assert(L.info.has_velocities);
  ck_assert(!L.box.periodic[0] && !L.box.periodic[1] && !L.box.periodic[2]);
  ck_assert(L.box.h[0] == 10.0 && L.box.h[8] == 10.0 && L.box.lo[1] == -4.0);
  ck_assert(X(s, 1, 0) == 5.0 && V(s, 1, 2) == -1.0 && V(s, 0, 0) == 1.0);
  unload(&L);
  unlink(p);
}
END_TEST

START_TEST(lammps_labels_and_skipped_sections) {
  char p[600];
  tmp_path(p, sizeof p, "labels.lmp");
  write_text(p, "SiO with type labels and topology sections\n\n3 atoms\n2 atom types\n1 bonds\n"
                "1 bond types\n\n0 6 xlo xhi\n0 6 ylo yhi\n0 6 zlo zhi\n\nAtom Type Labels\n\n1 Si\n2 O\n\n"
                "Masses\n\n1 28.0\n2 16.5 # not a symbol\n\nBond Coeffs # harmonic\n\n1 100 1.6\n\n"
                "Atoms # atomic\n\n1 1 1 1 1\n2 2 2.6 1 1\n3 2 1 2.6 1\n\nBonds\n\n1 1 1 2\n");
  struct loaded L;
  load_ok(&L, p, NULL, 1.0);
  const struct nnmd_system *s = L.sys;
  ck_assert_str_eq(SYM(s, 0), "Si");
  ck_assert_str_eq(SYM(s, 2), "O");
  ck_assert(s->species.s[0].mass == 28.0 && s->species.s[1].mass == 16.5);
  ck_assert(!L.info.has_velocities && !L.info.has_charges);
  unload(&L);
  unlink(p);
}
END_TEST

/* ---- detection ------------------------------------------------------------------------------------ */

START_TEST(detect_formats) {
  static const char *const files[][2] = {
      {"ortho_vel_charge.extxyz", "extxyz"}, {"triclinic.extxyz", "extxyz"},
      {"molecule.xyz", "extxyz"},           {"ortho_atomic.lmp", "lammps-data"},
      {"tric_charge.lmp", "lammps-data"},   {"periodic.n2p2", "n2p2"},
      {"cluster.n2p2", "n2p2"}};
  char p[600];
  struct nnmd_error err;
  nnmd_error_init(&err);
  for (size_t k = 0; k < sizeof files / sizeof files[0]; ++k) {
    const char *fmt = NULL;
    ck_assert_int_eq(nnmd_detect_structure_format(data_path(p, sizeof p, files[k][0]), &fmt, &err), 0);
    ck_assert_msg(strcmp(fmt, files[k][1]) == 0, "%s detected as %s", files[k][0], fmt);
  }
  /* a LAMMPS title that is a lone integer is still LAMMPS */
  tmp_path(p, sizeof p, "title_int.lmp");
  write_text(p, "12\n\n1 atoms\n1 atom types\n0 5 xlo xhi\n0 5 ylo yhi\n0 5 zlo zhi\n\nMasses\n\n1 "
                "4.0026\n\nAtoms\n\n1 1 1 1 1\n");
  const char *fmt = NULL;
  ck_assert_int_eq(nnmd_detect_structure_format(p, &fmt, &err), 0);
  ck_assert_str_eq(fmt, "lammps-data");
  struct loaded L;
  load_ok(&L, p, NULL, 1.0);
  ck_assert_str_eq(SYM(L.sys, 0), "He");
  unload(&L);
  unlink(p);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(explicit_format_overrides) {
  char p[600];
  struct loaded L;
  struct nnmd_error err;
  nnmd_error_init(&err);
  /* an n2p2 file read as extxyz fails on line 1 */
  int st = load(&L, data_path(p, sizeof p, "periodic.n2p2"), "extxyz", 1.0, &err);
  ck_assert_int_eq(st, NNMD_ERR_FORMAT);
  ck_assert_int_eq(err.line, 1);
  ck_assert(strstr(err.msg, "number of atoms") != NULL);
  unload(&L);
  nnmd_error_clear(&err);
  st = load(&L, p, "pdb", 1.0, &err);
  ck_assert_int_eq(st, NNMD_ERR_INPUT);
  ck_assert(strstr(err.msg, "unknown structure format 'pdb'") != NULL);
  unload(&L);
  nnmd_error_clear(&err);
  st = load(&L, p, NULL, -1.0, &err);
  ck_assert_int_eq(st, NNMD_ERR_INPUT);
  ck_assert(strstr(err.msg, "length scale") != NULL);
  unload(&L);
  nnmd_error_clear(&err);
}
END_TEST

/* ---- validation errors ------------------------------------------------------------------------- */

START_TEST(error_missing_file) {
  struct loaded L;
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = load(&L, "/nonexistent/structure.extxyz", "extxyz", 1.0, &err);
  ck_assert_int_eq(st, NNMD_ERR_FILE);
  ck_assert(strstr(err.msg, "cannot open") != NULL);
  ck_assert_str_eq(err.file, "/nonexistent/structure.extxyz");
  unload(&L);
  nnmd_error_clear(&err);
  st = load(&L, "/nonexistent/structure.extxyz", NULL, 1.0, &err);
  ck_assert_int_eq(st, NNMD_ERR_FILE);
  unload(&L);
  nnmd_error_clear(&err);
}
END_TEST

static void truncated_xyz(char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n, "64\nLattice=\"20 0 0 0 20 0 0 0 20\"\n");
  for (int k = 0; k < 38; ++k)
    len += (size_t)snprintf(buf + len, n - len, "Ar %d.0 0.0 0.0\n", k / 2 + (k % 2) * 10);
}

START_TEST(error_truncated) {
  char text[4096];
  truncated_xyz(text, sizeof text);
  expect_fail("trunc.extxyz", text, NULL, NNMD_ERR_FORMAT, "expected 64 atom lines, file ends at line 40",
              40);
  expect_fail("trunc.lmp",
              "t\n\n3 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n1 1 1 1 1\n2 1 2 2 2\n",
              NULL, NNMD_ERR_FORMAT, "expected 3 atom lines, file ends at line 16", 16);
  expect_fail("early.lmp",
              "t\n\n3 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nAtoms\n\n1 1 1 1 "
              "1\n\nMasses\n\n1 39.948\n",
              NULL, NNMD_ERR_FORMAT, "expected 3 atom lines (header line 3), found 1", 13);
  expect_fail("noend.n2p2", "begin\nlattice 5 0 0\nlattice 0 5 0\nlattice 0 0 5\natom 0 0 0 H 0 0 0 0 0\n",
              NULL, NNMD_ERR_FORMAT, "no 'end'", 5);
  expect_fail("nocomment.extxyz", "2\n", "extxyz", NNMD_ERR_FORMAT,
              "expected 2 atom lines, file ends at line 1", 1);
}
END_TEST

START_TEST(error_bad_number) {
  expect_fail("badnum.extxyz", "2\n\nAr 0.0 0.0 0.0\nAr 1.0 1.x 0.0\n", NULL, NNMD_ERR_FORMAT,
              "bad number '1.x' for coordinate y", 4);
  expect_fail("badnum.n2p2", "begin\natom 0 0 0 H 0 0 0 0 0\natom 1 1 1 H zero 0 0 0 0\nend\n", NULL,
              NNMD_ERR_FORMAT, "bad number 'zero' for charge q", 3);
  expect_fail("badlat.extxyz", "1\nLattice=\"5 0 0 0 5 0 0 0\"\nAr 0 0 0\n", NULL, NNMD_ERR_FORMAT,
              "Lattice needs 9 numbers, got 8", 2);
  expect_fail("badid.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n1.5 1 1 1 1\n",
              NULL, NNMD_ERR_FORMAT, "bad integer '1.5' for atom id", 15);
  /* the column is reported too */
  char path[600];
  tmp_path(path, sizeof path, "col.extxyz");
  write_text(path, "1\n\nAr   0.0  abc 0.0\n");
  struct loaded L;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(load(&L, path, NULL, 1.0, &err), NNMD_ERR_FORMAT);
  ck_assert_int_eq(err.col, 11);
  ck_assert(strstr(err.all, ":3:11: error: bad number 'abc'") != NULL);
  unload(&L);
  nnmd_error_clear(&err);
  unlink(path);
}
END_TEST

START_TEST(error_not_finite) {
  expect_fail("nan.extxyz", "2\n\nAr 0.0 0.0 0.0\nAr 1.0 nan 0.0\n", NULL, NNMD_ERR_FORMAT,
              "coordinate y is not finite ('nan')", 4);
  expect_fail("inf.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n1 1 1 -inf 1\n",
              NULL, NNMD_ERR_FORMAT, "y coordinate is not finite ('-inf')", 15);
  expect_fail("inf.n2p2", "begin\natom 0 0 inf H 0 0 0 0 0\nend\n", NULL, NNMD_ERR_FORMAT,
              "z coordinate is not finite", 2);
  expect_fail("vnan.extxyz", "1\nProperties=species:S:1:pos:R:3:vel:R:3\nAr 0 0 0 0 NaN 0\n", NULL,
              NNMD_ERR_FORMAT, "velocity y is not finite", 3);
}
END_TEST

START_TEST(error_unknown_element) {
  expect_fail("elem.extxyz", "2\n\nAr 0.0 0.0 0.0\nXx 1.0 1.0 0.0\n", NULL, NNMD_ERR_INPUT,
              "unknown element 'Xx' (not in the periodic table)", 4);
  expect_fail("elem.n2p2", "begin\natom 0 0 0 Qq 0 0 0 0 0\nend\n", NULL, NNMD_ERR_INPUT,
              "unknown element 'Qq'", 2);
  expect_fail("z.extxyz", "1\nProperties=Z:I:1:pos:R:3\n200 0 0 0\n", NULL, NNMD_ERR_INPUT,
              "atomic number 200", 3);
  expect_fail("mass.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "3.3\n\nAtoms # atomic\n\n1 1 1 1 1\n",
              NULL, NNMD_ERR_INPUT, "cannot tell the element of atom type 1: mass 3.3", 11);
  expect_fail("nomass.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nAtoms # "
              "atomic\n\n1 1 1 1 1\n",
              NULL, NNMD_ERR_INPUT, "atom type 1 has no mass", 0);
}
END_TEST

START_TEST(error_bad_cell) {
  expect_fail("flat.extxyz", "1\nLattice=\"5 0 0 0 5 0 5 5 0\" Properties=species:S:1:pos:R:3\nAr 0 0 0\n",
              NULL, NNMD_ERR_INPUT, "zero volume", 2);
  expect_fail("left.extxyz", "1\nLattice=\"5 0 0 0 0 5 0 5 0\"\nAr 0 0 0\n", NULL, NNMD_ERR_INPUT,
              "left-handed", 2);
  expect_fail("left.n2p2",
              "begin\ncomment x\nlattice 0 5 0\nlattice 5 0 0\nlattice 0 0 5\natom 0 0 0 H 0 0 0 0 0\nend\n",
              NULL, NNMD_ERR_INPUT, "left-handed", 5);
  expect_fail("twolat.n2p2", "begin\nlattice 5 0 0\nlattice 0 5 0\natom 0 0 0 H 0 0 0 0 0\nend\n", NULL,
              NNMD_ERR_FORMAT, "need 0 or 3 lattice lines, got 2", 3);
  expect_fail("hilo.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n5 4 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms\n\n1 1 1 1 1\n",
              NULL, NNMD_ERR_INPUT, "yhi (4) must be greater than ylo (5)", 6);
  expect_fail("pbcnolat.extxyz", "1\npbc=\"T T T\"\nAr 0 0 0\n", NULL, NNMD_ERR_FORMAT,
              "pbc is periodic but there is no Lattice", 2);
}
END_TEST

START_TEST(error_close_atoms) {
  expect_fail("close.extxyz",
              "3\nLattice=\"10 0 0 0 10 0 0 0 10\"\nAr 1 1 1\nAr 5 5 5\nAr 1.004 1.003 1.0\n", NULL,
              NNMD_ERR_PHYSICS, "atoms 1 and 3 (lines 3 and 5) are only 0.005 A apart", 5);
  expect_fail("closepbc.extxyz",
              "3\nLattice=\"10 0 0 0 10 0 0 0 10\"\nAr 0.001 5 5\nAr 5 5 5\nAr 9.998 5 5\n", NULL,
              NNMD_ERR_PHYSICS, "are only 0.003 A apart across the periodic boundary", 5);
  /* unwrapped coordinates far outside a triclinic cell, close through an image */
  expect_fail("closetric.n2p2",
              "begin\nlattice 6 0 0\nlattice 2 6 0\nlattice 1 1 6\natom 0.5 0.5 0.5 Cu 0 0 0 0 0\n"
              "atom 3 3 3 Cu 0 0 0 0 0\natom 18.502 14.5 12.5 Cu 0 0 0 0 0\nend\n",
              NULL, NNMD_ERR_PHYSICS, "atoms 1 and 3", 7);
  expect_fail("closemol.xyz", "2\nmolecule\nH 0 0 0\nH 0 0 0\n", NULL, NNMD_ERR_PHYSICS,
              "atoms 1 and 2 (lines 3 and 4) are only 0 A apart", 4);
  expect_fail("selfimage.extxyz", "1\nLattice=\"0.005 0 0 0 50 0 0 0 50\"\nAr 0 0 0\n", NULL,
              NNMD_ERR_PHYSICS, "atom 1 is only 0.005 A from its own periodic image", 3);
  expect_fail("closelmp.lmp",
              "t\n\n2 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n17 1 1 1 1\n5 1 1 1 10.005\n",
              NULL, NNMD_ERR_PHYSICS, "atoms 17 and 5 (lines 15 and 16) are only 0.005 A apart", 16);
}
END_TEST

/* issue 16 (fuzzing): a periodic cell far denser than matter, and one thin in every direction,
 * are refused before the close-atoms check walks their periodic images (the fuzzed n2p2 file of
 * tests/fuzz/fuzz_n2p2_data/timeout-dense-oblique-cell, 210 atoms in 0.85 A^3, took seconds) */
START_TEST(error_dense_or_oblique_cell) {
  expect_fail("dense.extxyz",
              "6\nLattice=\"1 0 0 0 1 0 0 0 1\"\nAr 0 0 0\nAr 0.5 0 0\nAr 0 0.5 0\nAr 0 0 0.5\n"
              "Ar 0.5 0.5 0\nAr 0.5 0.5 0.5\n",
              NULL, NNMD_ERR_INPUT, "6 atoms in a cell of 1 A^3: 6 atoms per A^3, denser than any matter", 2);
  /* a = (100,0,0), b = (0,100,0), c = (100,100,0.001): every perpendicular width 1e-3 A, volume
   * 10 A^3 (not degenerate by the cell check, 0.1 atoms per A^3) */
  expect_fail("oblique.extxyz", "1\nLattice=\"100 0 0 0 100 0 100 100 0.001\"\nAr 0 0 0\n", NULL,
              NNMD_ERR_INPUT, "the cell is too thin in several directions", 0);
}
END_TEST

START_TEST(error_zero_atoms) {
  expect_fail("zero.extxyz", "0\nLattice=\"5 0 0 0 5 0 0 0 5\"\n", NULL, NNMD_ERR_FORMAT,
              "the structure has no atoms", 0);
  expect_fail("zero.n2p2", "begin\nlattice 5 0 0\nlattice 0 5 0\nlattice 0 0 5\nend\n", NULL,
              NNMD_ERR_FORMAT, "no atoms", 0);
  expect_fail("empty.xyz", "", "extxyz", NNMD_ERR_FORMAT, "empty", 0);
  expect_fail("empty2.xyz", "\n\n", NULL, NNMD_ERR_FORMAT, "empty", 0);
  expect_fail("unknown.txt", "hello world\nthis is not a structure\n", NULL, NNMD_ERR_FORMAT,
              "cannot recognise the structure format", 1);
}
END_TEST

START_TEST(error_format_details) {
  expect_fail("props.extxyz", "1\nProperties=species:S:1:positions:R:3\nAr 0 0 0\n", NULL,
              NNMD_ERR_FORMAT, "Properties has no 'pos' column", 2);
  expect_fail("props2.extxyz", "1\nProperties=species:S:1:pos:R:2\nAr 0 0\n", NULL, NNMD_ERR_FORMAT,
              "column 'pos' must be R:3, got R:2", 2);
  expect_fail("props3.extxyz", "1\nProperties=species:S:1:pos:X:3\nAr 0 0 0\n", NULL, NNMD_ERR_FORMAT,
              "has type 'X'", 2);
  expect_fail("cols.extxyz", "1\nProperties=species:S:1:pos:R:3:forces:R:3\nAr 0 0 0\n", NULL,
              NNMD_ERR_FORMAT, "atom line has 4 columns, expected 7", 3);
  expect_fail("quote.extxyz", "1\nLattice=\"5 0 0 0 5 0 0 0 5\nAr 0 0 0\n", NULL, NNMD_ERR_FORMAT,
              "unterminated \"", 2);
  expect_fail("tokens.n2p2", "begin\natom 0 0 0 H 0 0 0 0\nend\n", NULL, NNMD_ERR_FORMAT,
              "'atom' line needs 10 tokens", 2);
  expect_fail("keyword.n2p2", "begin\natom 0 0 0 H 0 0 0 0 0\nforce 1 2 3\nend\n", NULL, NNMD_ERR_FORMAT,
              "unknown keyword 'force'", 3);
  expect_fail("beginarg.n2p2", "begin set=valid\nend\n", NULL, NNMD_ERR_FORMAT,
              "unknown argument 'set=valid'", 1);
  expect_fail("dup.lmp",
              "t\n\n2 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n7 1 1 1 1\n7 1 5 5 5\n",
              NULL, NNMD_ERR_FORMAT, "atom id 7 appears twice (lines 15 and 16)", 16);
  expect_fail("type.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # atomic\n\n1 2 1 1 1\n",
              NULL, NNMD_ERR_FORMAT, "atom type 2 is out of range 1..1", 15);
  expect_fail("full.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms # molecular\n\n1 1 1 1 1 1\n",
              NULL, NNMD_ERR_UNSUPPORTED, "atom_style 'molecular' is not supported", 13);
  expect_fail("style.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms\n\n1 1 1 0 1 1 1\n",
              NULL, NNMD_ERR_FORMAT, "cannot tell the atom style from 7 columns", 15);
  expect_fail("vel.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtoms\n\n1 1 1 1 1\n\nVelocities\n\n2 0 0 0\n",
              NULL, NNMD_ERR_FORMAT, "velocity for atom id 2, which is not in the Atoms section", 19);
  expect_fail("section.lmp",
              "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 ylo yhi\n0 9 zlo zhi\n\nMasses\n\n1 "
              "39.948\n\nAtomz\n\n1 1 1 1 1\n",
              NULL, NNMD_ERR_FORMAT, "unknown section or header line 'Atomz'", 13);
  expect_fail("header.lmp", "t\n\n1 atoms\n1 atom types\n0 9 xlo xhi\n0 9 zlo zhi\n\nAtoms\n\n1 1 1 1 1\n",
              NULL, NNMD_ERR_FORMAT, "the header has no 'ylo yhi' line", 8);
  expect_fail("general.lmp", "t\n\n1 atoms\n1 atom types\n5 0 0 avec\n", "lammps-data",
              NNMD_ERR_UNSUPPORTED, "general triclinic", 5);
}
END_TEST

/* ---- the close-pair search against brute force ---------------------------------------------- */

static double brute_min_dist(const struct nnmd_system *s, const struct nnmd_box *box) {
  double best = INFINITY;
  int r[3];
  for (int d = 0; d < 3; ++d) r[d] = box->periodic[d] ? 3 : 0;
  for (int64_t i = 0; i < s->n_local; ++i)
    for (int64_t j = i; j < s->n_local; ++j)
      for (int a = -r[0]; a <= r[0]; ++a)
        for (int b = -r[1]; b <= r[1]; ++b)
          for (int c = -r[2]; c <= r[2]; ++c) {
            if (i == j && !a && !b && !c) continue;
            double n[3] = {a, b, c}, d2 = 0;
            for (int k = 0; k < 3; ++k) {
              double dk = X(s, j, k) - X(s, i, k);
              for (int m = 0; m < 3; ++m) dk += box->h[3 * k + m] * n[m];
              d2 += dk * dk;
            }
            best = fmin(best, sqrt(d2));
          }
  return best;
}

START_TEST(close_pairs_match_brute_force) {
  static const double cells[][9] = {
      {10, 0, 0, 0, 10, 0, 0, 0, 10},
      {9, 3, -2, 0.5, 8, 2.5, -0.3, 0.4, 7},   /* general triclinic, not upper triangular */
      {3.1, 1.2, 0.4, 0, 2.7, -0.8, 0, 0, 2.2}, /* cell thinner than a few bins */
      {12, 5.5, 0, 0, 6, 0, 0, 0, 1.3}};       /* one very thin direction */
  static const int pers[][3] = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 0, 1}};
  uint64_t rng = 12345;
  for (int c = 0; c < 4; ++c)
    for (int rep = 0; rep < 3; ++rep) {
      struct nnmd_system *s = NULL;
      struct nnmd_box box;
      struct nnmd_error err;
      nnmd_error_init(&err);
      ck_assert_int_eq(nnmd_system_create(&s, &err), NNMD_OK);
      /* spread > 1: coordinates outside the cell as well */
      random_system(s, &box, 40 + 60 * rep, cells[c], pers[c], rep == 2 ? 2.5 : 1.0, &rng);
      double dmin = brute_min_dist(s, &box);
      ck_assert_int_eq(nnmd_check_close_atoms(s, &box, dmin * 0.999, "x", NULL, &err), NNMD_OK);
      ck_assert_int_eq(nnmd_check_close_atoms(s, &box, dmin * 1.001, "x", NULL, &err), NNMD_ERR_PHYSICS);
      char want[64];
      snprintf(want, sizeof want, "%.3g A", dmin);
      ck_assert_msg(strstr(err.msg, want) != NULL, "cell %d: '%s' lacks '%s'", c, err.msg, want);
      nnmd_error_clear(&err);
      nnmd_system_destroy(s);
    }
}
END_TEST

START_TEST(close_pairs_large_system) {
  /* 20000 atoms on a jittered lattice; one pair pushed together across the boundary */
  struct nnmd_system *s = NULL;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&s, &err), NNMD_OK);
  double h[9] = {60, 10, 5, 0, 55, -7, 0, 0, 50};
  int per[3] = {1, 1, 1};
  uint64_t rng = 7;
  random_system(s, &box, 20000, h, per, 1.0, &rng);
  int64_t c = s->capacity;
  for (int64_t i = 0; i < 20000; ++i) { /* 20 x 25 x 40 grid in fractional coordinates */
    double f[3] = {(i % 20 + 0.3 * tsup_rand_uniform(&rng)) / 20.0,
                   ((i / 20) % 25 + 0.3 * tsup_rand_uniform(&rng)) / 25.0,
                   (i / 500 + 0.3 * tsup_rand_uniform(&rng)) / 40.0},
           r[3];
    nnmd_frac_to_cart(box.h, box.lo, f, r);
    for (int d = 0; d < 3; ++d) s->x[d * c + i] = r[d];
  }
  ck_assert_int_eq(nnmd_check_close_atoms(s, &box, 0.01, "big", NULL, &err), NNMD_OK);
  /* atom 20000 := atom 1 shifted by a + b - c plus 0.004 A */
  for (int d = 0; d < 3; ++d)
    s->x[d * c + 19999] = s->x[d * c] + h[3 * d] + h[3 * d + 1] - h[3 * d + 2] + (d == 0 ? 0.004 : 0);
  ck_assert_int_eq(nnmd_check_close_atoms(s, &box, 0.01, "big", NULL, &err), NNMD_ERR_PHYSICS);
  ck_assert_msg(strstr(err.msg, "atoms 1 and 20000 are only 0.004 A apart across the periodic boundary"),
                "%s", err.msg);
  nnmd_error_clear(&err);
  nnmd_system_destroy(s);
}
END_TEST

static Suite *structure_suite(void) {
  Suite *s = suite_create("io_structure");
  TCase *r = tcase_create("readers");
  tcase_add_test(r, extxyz_orthogonal_velocities_charges);
  tcase_add_test(r, lammps_full_style);
  tcase_add_test(r, extxyz_triclinic_properties);
  tcase_add_test(r, xyz_plain_molecule);
  tcase_add_test(r, extxyz_z_column_origin_no_pbc);
  tcase_add_test(r, lammps_labels_and_skipped_sections);
  tcase_add_test(r, lammps_atomic_velocities_images);
  tcase_add_test(r, lammps_charge_triclinic_mass_match);
  tcase_add_test(r, n2p2_periodic);
  tcase_add_test(r, n2p2_cluster_scaled);
  tcase_add_test(r, shared_cu2s_144);
  tcase_add_test(r, shared_h2o_dimer);
  tcase_add_test(r, detect_formats);
  tcase_add_test(r, explicit_format_overrides);
  suite_add_tcase(s, r);
  TCase *e = tcase_create("errors");
  tcase_add_test(e, error_missing_file);
  tcase_add_test(e, error_truncated);
  tcase_add_test(e, error_bad_number);
  tcase_add_test(e, error_not_finite);
  tcase_add_test(e, error_unknown_element);
  tcase_add_test(e, error_bad_cell);
  tcase_add_test(e, error_close_atoms);
  tcase_add_test(e, error_dense_or_oblique_cell);
  tcase_add_test(e, error_zero_atoms);
  tcase_add_test(e, error_format_details);
  suite_add_tcase(s, e);
  TCase *c = tcase_create("close_pairs");
  tcase_set_timeout(c, 60);
  tcase_add_test(c, close_pairs_match_brute_force);
  tcase_add_test(c, close_pairs_large_system);
  suite_add_tcase(s, c);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(structure_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed != 0;
}
