/* test_structure_write.c — the extxyz / LAMMPS data writers: exact round trips through the
 * readers; ASE and LAMMPS read the written files when they are installed, otherwise those two
 * cases say so and pass.
 *
 * Environment: NNMD_PYTHON (default python3) for the ASE check, NNMD_LAMMPS (default lmp).
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

/* ---- writers ------------------------------------------------------------------------------------- */

/* A random triclinic system with shuffled ids, velocities, forces, images and charges. */
static struct nnmd_system *writer_system(struct nnmd_box *box, const double h[9], const int per[3]) {
  struct nnmd_system *s = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&s, &err), NNMD_OK);
  uint64_t rng = 99;
  random_system(s, box, 50, h, per, 1.0, &rng);
  int idx = -1;
  ck_assert_int_eq(nnmd_system_field_add(s, "charge", 1, false, &idx, &err), NNMD_OK);
  int64_t c = s->capacity;
  for (int64_t i = 0; i < 50; ++i) {
    s->id[i] = 1 + (i * 17) % 50; /* a permutation of 1..50 */
    for (int d = 0; d < 3; ++d) {
      s->v[d * c + i] = tsup_rand_normal(&rng) * 3.3;
      s->f[d * c + i] = tsup_rand_normal(&rng) / 7.0;
      s->image[d * c + i] = (int32_t)(tsup_rand_u64(&rng) % 5) - 2;
    }
    s->fields[idx].data[i] = tsup_rand_normal(&rng) / 3.0;
  }
  return s;
}

static int64_t index_of_id(const struct nnmd_system *s, int64_t id) {
  for (int64_t i = 0; i < s->n_local; ++i)
    if (s->id[i] == id) return i;
  return -1;
}

START_TEST(extxyz_round_trip_exact) {
  double h[9] = {9.1, 2.3, -1.7, 0.4, 8.2, 1.9, -0.6, 0.3, 7.7};
  int per[3] = {1, 0, 1};
  struct nnmd_box box;
  struct nnmd_system *s = writer_system(&box, h, per);
  struct nnmd_error err;
  nnmd_error_init(&err);
  char path[600];
  tmp_path(path, sizeof path, "rt.extxyz");
  FILE *f = fopen(path, "w");
  ck_assert(f != NULL);
  struct nnmd_extxyz_column col = {"charge", 1, nnmd_system_field(s, "charge"), 0};
  struct nnmd_extxyz_frame fr = {.has_energy = true, .energy = -123.456789012345678,
                                 .has_step = true, .step = 42, .has_time = true, .time = 0.021,
                                 .velocities = true, .forces = true, .ids = true, .n_extra = 1,
                                 .extra = &col};
  ck_assert_int_eq(nnmd_write_extxyz_frame(f, s, &box, &fr, &err), NNMD_OK);
  fr.unwrapped = true; /* a second frame: counted, not read */
  ck_assert_int_eq(nnmd_write_extxyz_frame(f, s, &box, &fr, &err), NNMD_OK);
  fclose(f);
  struct loaded L;
  load_ok(&L, path, NULL, 1.0);
  ck_assert_str_eq(L.info.format, "extxyz");
  ck_assert(L.info.has_velocities && L.info.has_charges);
  ck_assert_int_eq(L.info.n_frames_skipped, 1);
  for (int k = 0; k < 9; ++k) ck_assert(L.box.h[k] == box.h[k]);
  for (int d = 0; d < 3; ++d) ck_assert(L.box.lo[d] == box.lo[d] && L.box.periodic[d] == per[d]);
  const double *q0 = nnmd_system_field(s, "charge"), *q1 = nnmd_system_field(L.sys, "charge");
  for (int64_t k = 0; k < 50; ++k) { /* written sorted by id: ids 1..50 in order */
    int64_t i = index_of_id(s, k + 1);
    ck_assert_int_eq(L.sys->id[k], k + 1);
    ck_assert_str_eq(SYM(L.sys, k), SYM(s, i));
    for (int d = 0; d < 3; ++d) {
      ck_assert(X(L.sys, k, d) == X(s, i, d));
      ck_assert(V(L.sys, k, d) == V(s, i, d));
    }
    ck_assert(q1[k] == q0[i]);
  }
  unload(&L);
  unlink(path);
  nnmd_system_destroy(s);
}
END_TEST

START_TEST(extxyz_unwrapped_and_tensors) {
  double h[9] = {5, 0, 0, 0, 6, 0, 0, 0, 7};
  int per[3] = {1, 1, 1};
  struct nnmd_box box;
  struct nnmd_system *s = writer_system(&box, h, per);
  struct nnmd_error err;
  nnmd_error_init(&err);
  char path[600];
  tmp_path(path, sizeof path, "unwrapped.extxyz");
  FILE *f = fopen(path, "w");
  struct nnmd_extxyz_frame fr = {.unwrapped = true, .has_virial = true, .write_stress = true,
                                 .virial = {1, 2, 3, 4, 5, 6, 7, 8, 9}};
  ck_assert_int_eq(nnmd_write_extxyz_frame(f, s, &box, &fr, &err), NNMD_OK);
  fclose(f);
  struct loaded L;
  load_ok(&L, path, NULL, 1.0);
  ck_assert(!L.info.has_velocities && !L.info.has_charges);
  for (int64_t k = 0; k < 50; ++k) {
    int64_t i = index_of_id(s, k + 1);
    for (int d = 0; d < 3; ++d)
      ck_assert(X(L.sys, k, d) == X(s, i, d) + h[4 * d] * IMG(s, i, d));
  }
  unload(&L);
  /* tensors in ASE's column-major order; stress = -virial / V */
  f = fopen(path, "r");
  char line[4096];
  ck_assert(fgets(line, sizeof line, f) && fgets(line, sizeof line, f));
  fclose(f);
  ck_assert_msg(strstr(line, "virial=\"1 4 7 2 5 8 3 6 9\""), "%s", line);
  char want[200];
  snprintf(want, sizeof want, "stress=\"%.17g %.17g", -1.0 / 210.0, -4.0 / 210.0);
  ck_assert_msg(strstr(line, want), "%s lacks %s", line, want);
  ck_assert(strstr(line, "pbc=\"T T T\""));
  unlink(path);
  nnmd_system_destroy(s);
}
END_TEST

START_TEST(extxyz_writer_rejects_bad_column) {
  double h[9] = {5, 0, 0, 0, 6, 0, 0, 0, 7};
  int per[3] = {1, 1, 1};
  struct nnmd_box box;
  struct nnmd_system *s = writer_system(&box, h, per);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_extxyz_column col = {"bad name", 1, nnmd_system_field(s, "charge"), 0};
  struct nnmd_extxyz_frame fr = {.n_extra = 1, .extra = &col};
  FILE *f = tmpfile();
  ck_assert_int_eq(nnmd_write_extxyz_frame(f, s, &box, &fr, &err), NNMD_ERR_INPUT);
  fclose(f);
  nnmd_error_clear(&err);
  nnmd_system_destroy(s);
}
END_TEST

START_TEST(lammps_round_trip) {
  char in[600], out[600];
  struct loaded A, B;
  load_ok(&A, data_path(in, sizeof in, "ortho_atomic.lmp"), NULL, 1.0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  tmp_path(out, sizeof out, "rt.lmp");
  ck_assert_int_eq(nnmd_write_lammps_data(out, A.sys, &A.box, &err), NNMD_OK);
  load_ok(&B, out, NULL, 1.0);
  ck_assert(B.info.has_velocities);
  for (int k = 0; k < 9; ++k) ck_assert(A.box.h[k] == B.box.h[k]);
  for (int d = 0; d < 3; ++d) ck_assert(A.box.lo[d] == B.box.lo[d]);
  for (int64_t k = 0; k < 4; ++k) {
    int64_t i = index_of_id(A.sys, k + 1);
    ck_assert_int_eq(B.sys->id[k], k + 1);
    ck_assert_str_eq(SYM(B.sys, k), SYM(A.sys, i));
    for (int d = 0; d < 3; ++d) {
      ck_assert(X(B.sys, k, d) == X(A.sys, i, d));
      ck_assert(V(B.sys, k, d) == V(A.sys, i, d));
      ck_assert_int_eq(IMG(B.sys, k, d), IMG(A.sys, i, d));
    }
  }
  for (int t = 0; t < 2; ++t) ck_assert(B.sys->species.s[t].mass == A.sys->species.s[t].mass);
  unload(&A);
  unload(&B);
  unlink(out);
}
END_TEST

/* Unwrapped position x + h image. */
static void unwrapped(const struct nnmd_system *s, const struct nnmd_box *box, int64_t i, double u[3]) {
  for (int d = 0; d < 3; ++d) {
    u[d] = X(s, i, d);
    for (int k = 0; k < 3; ++k) u[d] += box->h[3 * d + k] * IMG(s, i, k);
  }
}

static void check_rotated_copy(const struct nnmd_system *s, const struct nnmd_box *box,
                               const struct loaded *B) {
  double p[6], R[9];
  nnmd_box_lammps_params(box, p, R);
  ck_assert_double_eq_tol(B->box.volume, box->volume, 1e-10 * box->volume);
  ck_assert(nnmd_box_is_upper_triangular(&B->box));
  ck_assert(fabs(B->box.h[1]) <= 0.5 * B->box.h[0] * (1 + 1e-12));
  ck_assert(fabs(B->box.h[2]) <= 0.5 * B->box.h[0] * (1 + 1e-12));
  ck_assert(fabs(B->box.h[5]) <= 0.5 * B->box.h[4] * (1 + 1e-12));
  for (int64_t k = 0; k < s->n_local; ++k) {
    int64_t i = index_of_id(s, k + 1);
    double u[3], w[3], ur[3];
    unwrapped(s, box, i, u);
    unwrapped(B->sys, &B->box, k, w);
    for (int a = 0; a < 3; ++a) {
      ur[a] = 0;
      for (int b = 0; b < 3; ++b) ur[a] += R[3 * a + b] * (u[b] - box->lo[b]);
      double wa = w[a] - B->box.lo[a];
      ck_assert_msg(fabs(ur[a] - wa) < 1e-11, "atom %lld: %.17g vs %.17g", (long long)k + 1, ur[a], wa);
      double vr = 0;
      for (int b = 0; b < 3; ++b) vr += R[3 * a + b] * V(s, i, b);
      ck_assert(fabs(vr - V(B->sys, k, a)) < 1e-12);
    }
  }
}

START_TEST(lammps_rotated_and_reduced) {
  static const double cells[][9] = {
      {9.1, 2.3, -1.7, 0.4, 8.2, 1.9, -0.6, 0.3, 7.7}, /* not upper triangular: rotated */
      {6.0, 5.1, -4.4, 0.0, 7.0, 6.2, 0.0, 0.0, 8.0}}; /* tilts beyond LAMMPS' limits: reduced */
  int per[3] = {1, 1, 1};
  for (int c = 0; c < 2; ++c) {
    struct nnmd_box box;
    struct nnmd_system *s = writer_system(&box, cells[c], per);
    struct nnmd_error err;
    nnmd_error_init(&err);
    char out[600];
    tmp_path(out, sizeof out, "rot.lmp");
    ck_assert_int_eq(nnmd_write_lammps_data(out, s, &box, &err), NNMD_OK);
    struct loaded B;
    load_ok(&B, out, "lammps-data", 1.0);
    check_rotated_copy(s, &box, &B);
    unload(&B);
    unlink(out);
    nnmd_system_destroy(s);
  }
}
END_TEST

/* LAMMPS itself reads our file and writes it back; we read LAMMPS' file. */
START_TEST(lammps_reads_written_file) {
  const char *lmp = getenv("NNMD_LAMMPS") ? getenv("NNMD_LAMMPS") : "lmp";
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", lmp);
  if (system(cmd) != 0) {
    fprintf(stderr, "skipped: no LAMMPS binary '%s'\n", lmp);
    return;
  }
  double h[9] = {6.0, 5.1, -4.4, 0.0, 7.0, 6.2, 0.0, 0.0, 8.0};
  int per[3] = {1, 1, 1};
  struct nnmd_box box;
  struct nnmd_system *s = writer_system(&box, h, per);
  struct nnmd_error err;
  nnmd_error_init(&err);
  char data[600], back[600], input[600], log[600];
  tmp_path(data, sizeof data, "ours.lmp");
  tmp_path(back, sizeof back, "lammps.lmp");
  tmp_path(input, sizeof input, "in.lmp");
  tmp_path(log, sizeof log, "log.lammps");
  ck_assert_int_eq(nnmd_write_lammps_data(data, s, &box, &err), NNMD_OK);
  char script[2000];
  snprintf(script, sizeof script,
           "units metal\natom_style atomic\nboundary p p p\nread_data %s\nwrite_data %s\n", data, back);
  write_text(input, script);
  snprintf(cmd, sizeof cmd, "%s -in %s -log %s -screen none", lmp, input, log);
  ck_assert_msg(system(cmd) == 0, "LAMMPS failed on %s (see %s)", data, log);
  struct loaded B;
  load_ok(&B, back, NULL, 1.0); /* LAMMPS wraps atoms and adjusts images: compare unwrapped */
  ck_assert_int_eq(B.sys->n_local, 50);
  check_rotated_copy(s, &box, &B);
  unload(&B);
  unlink(data);
  unlink(back);
  unlink(input);
  unlink(log);
  nnmd_system_destroy(s);
}
END_TEST

/* ASE reads our extxyz: cell, pbc, symbols, positions, energy, forces, stress. */
START_TEST(ase_reads_written_file) {
  const char *py = getenv("NNMD_PYTHON") ? getenv("NNMD_PYTHON") : "python3";
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "%s -c 'import ase.io' >/dev/null 2>&1", py);
  if (system(cmd) != 0) {
    fprintf(stderr, "skipped: '%s' cannot import ase\n", py);
    return;
  }
  double h[9] = {9.1, 2.3, -1.7, 0.4, 8.2, 1.9, -0.6, 0.3, 7.7};
  int per[3] = {1, 1, 0};
  struct nnmd_box box;
  struct nnmd_system *s = writer_system(&box, h, per);
  struct nnmd_error err;
  nnmd_error_init(&err);
  char xyz[600], script[600], res[600];
  tmp_path(xyz, sizeof xyz, "ase.extxyz");
  tmp_path(script, sizeof script, "ase_check.py");
  tmp_path(res, sizeof res, "ase.txt");
  FILE *f = fopen(xyz, "w");
  struct nnmd_extxyz_frame fr = {.has_energy = true, .energy = -3.25, .has_virial = true,
                                 .write_stress = true, .virial = {1, 0.5, 0.25, 0.5, 2, 0.125, 0.25, 0.125, 3},
                                 .forces = true, .velocities = true, .has_step = true, .step = 7};
  ck_assert_int_eq(nnmd_write_extxyz_frame(f, s, &box, &fr, &err), NNMD_OK);
  fclose(f);
  write_text(script,
             "import sys, ase.io\n"
             "a = ase.io.read(sys.argv[1], format='extxyz')\n"
             "o = open(sys.argv[2], 'w')\n"
             "o.write(' '.join(a.get_chemical_symbols()) + '\\n')\n"
             "o.write(' '.join('%d' % p for p in a.pbc) + '\\n')\n"
             "vals = list(a.cell.array.ravel()) + list(a.positions.ravel()) + "
             "list(a.get_forces().ravel()) + list(a.get_stress(voigt=False).ravel()) + "
             "[a.get_potential_energy(), a.info['step']] + list(a.arrays['velocities'].ravel())\n"
             "o.write('\\n'.join(repr(float(v)) for v in vals) + '\\n')\n");
  snprintf(cmd, sizeof cmd, "%s %s %s %s", py, script, xyz, res);
  ck_assert_msg(system(cmd) == 0, "ASE failed to read %s", xyz);
  f = fopen(res, "r");
  ck_assert(f != NULL);
  char line[8192];
  ck_assert(fgets(line, sizeof line, f));
  char want[8192] = "";
  for (int64_t k = 0; k < 50; ++k) {
    strcat(want, SYM(s, index_of_id(s, k + 1)));
    strcat(want, k < 49 ? " " : "\n");
  }
  ck_assert_str_eq(line, want);
  ck_assert(fgets(line, sizeof line, f));
  ck_assert_str_eq(line, "1 1 0\n");
  double v = 0;
  for (int r = 0; r < 3; ++r) /* ASE cell rows are the lattice vectors = columns of h */
    for (int c = 0; c < 3; ++c) ck_assert(fscanf(f, "%lf", &v) == 1 && v == box.h[3 * c + r]);
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t k = 0; k < 50; ++k) {
      int64_t i = index_of_id(s, k + 1);
      for (int d = 0; d < 3; ++d) {
        double want_v = pass == 0 ? X(s, i, d) : s->f[d * s->capacity + i];
        ck_assert(fscanf(f, "%lf", &v) == 1 && v == want_v);
      }
    }
  for (int k = 0; k < 9; ++k)
    ck_assert(fscanf(f, "%lf", &v) == 1 && fabs(v + fr.virial[k] / box.volume) < 1e-15);
  ck_assert(fscanf(f, "%lf", &v) == 1 && v == -3.25);
  ck_assert(fscanf(f, "%lf", &v) == 1 && v == 7);
  for (int64_t k = 0; k < 50; ++k)
    for (int d = 0; d < 3; ++d)
      ck_assert(fscanf(f, "%lf", &v) == 1 && v == V(s, index_of_id(s, k + 1), d));
  fclose(f);
  unlink(xyz);
  unlink(script);
  unlink(res);
  nnmd_system_destroy(s);
}
END_TEST

static Suite *structure_write_suite(void) {
  Suite *s = suite_create("io_structure_write");
  TCase *w = tcase_create("writers");
  tcase_set_timeout(w, 60);
  tcase_add_test(w, extxyz_round_trip_exact);
  tcase_add_test(w, extxyz_unwrapped_and_tensors);
  tcase_add_test(w, extxyz_writer_rejects_bad_column);
  tcase_add_test(w, lammps_round_trip);
  tcase_add_test(w, lammps_rotated_and_reduced);
  tcase_add_test(w, lammps_reads_written_file);
  tcase_add_test(w, ase_reads_written_file);
  suite_add_tcase(s, w);
  return s;
}


int main(void) {
  SRunner *sr = srunner_create(structure_write_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed != 0;
}
