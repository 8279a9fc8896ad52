/* test_hostile_files.c — issue 16: readers facing files that are not what they claim.
 *
 * - Non-regular files (a directory, /dev/zero, /dev/urandom, a FIFO) in the place of an input
 *   file, a structure, every file of an n2p2 and a BEC model folder, training data: refused
 *   at once with a message that says what the file is (main read /dev/zero until memory ran
 *   out, hung on /dev/urandom and FIFOs, and read a directory as an empty file).
 * - A line longer than NNMD_LINE_MAX and binary data (NUL bytes): errors, not allocations.
 * - Line numbers past 2^31 (the text reader's counter and the error record are 64-bit).
 * - Float-to-int: an atom 1e12 A outside the cell is refused by the structure reader and
 *   the halo wrap with its id and position (main wrapped it through an undefined conversion
 *   and then reported atoms "0 A apart").
 * - A header claiming 10^15 atoms in a trajectory allocates nothing it cannot fill.
 * Every case runs under a Check timeout, so a hang fails the test instead of blocking it.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bec.h"
#include "box.h"
#include "files.h"
#include "halo.h"
#include "model.h"
#include "read_frames.h"
#include "structure.h"
#include "system.h"
#include "tdata.h"
#include "toml.h"

#ifndef NNMD_SOURCE_DIR
#define NNMD_SOURCE_DIR "."
#endif
#ifndef NNMD_SHARED_DIR
#define NNMD_SHARED_DIR "../shared"
#endif
#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

static char work[512];

static void setup(void) {
  snprintf(work, sizeof work, "%s/hostile_XXXXXX", NNMD_TEST_TMP);
  ck_assert_ptr_nonnull(mkdtemp(work));
}

static void teardown(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", work);
}

static const char *at(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", work, name);
  return buf;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static void copy_file(const char *from, const char *to) {
  char cmd[2600];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
  ck_assert_int_eq(system(cmd), 0);
}

/* The four hostile kinds of file; `path` is replaced by one of them. */
enum kind { K_DIR, K_ZERO, K_URANDOM, K_FIFO, K_COUNT };
static const char *const kind_name[] = {"directory", "/dev/zero", "/dev/urandom", "FIFO"};
static const char *const kind_msg[] = {"Is a directory", "not a regular file", "not a regular file",
                                       "not a regular file"};

static void make_hostile(const char *path, enum kind k) {
  unlink(path);
  rmdir(path);
  switch (k) {
    case K_DIR: ck_assert_int_eq(mkdir(path, 0700), 0); break;
    case K_ZERO: ck_assert_int_eq(symlink("/dev/zero", path), 0); break;
    case K_URANDOM: ck_assert_int_eq(symlink("/dev/urandom", path), 0); break;
    default: ck_assert_int_eq(mkfifo(path, 0600), 0); break;
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* st must be an error whose message names the kind of file; within 5 s. */
static void expect_refused(int st, const struct nnmd_error *err, enum kind k, double t0, const char *what) {
  double dt = now() - t0;
  ck_assert_msg(st != NNMD_OK, "%s as %s: accepted", what, kind_name[k]);
  ck_assert_msg(strstr(err->msg, kind_msg[k]) != NULL, "%s as %s: message '%s' lacks '%s'", what, kind_name[k],
                err->msg, kind_msg[k]);
  ck_assert_msg(dt < 5.0, "%s as %s: took %.1f s", what, kind_name[k], dt);
}

/* ---- inputs, structures, training data ----------------------------------------------------- */

START_TEST(test_single_files) {
  char p[700];
  at(p, sizeof p, "f");
  for (int k = 0; k < K_COUNT; ++k) {
    make_hostile(p, (enum kind)k);
    struct nnmd_error err;
    nnmd_error_init(&err);
    double t0 = now();
    struct nnmd_cfg *root = NULL;
    expect_refused(nnmd_toml_parse_file(p, &root, &err), &err, (enum kind)k, t0, "input.toml");
    nnmd_error_clear(&err);

    struct nnmd_system *sys = NULL;
    ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
    struct nnmd_box box;
    t0 = now();
    expect_refused(nnmd_read_structure(p, "extxyz", 1.0, sys, &box, NULL, &err), &err, (enum kind)k, t0,
                   "structure");
    nnmd_system_destroy(sys);
    nnmd_error_clear(&err);

    struct tdata d;
    memset(&d, 0, sizeof d);
    struct tdata_opts o = {.length_scale = 1.0, .energy_scale = 1.0};
    t0 = now();
    expect_refused(tdata_read(&d, p, "extxyz", &o, &err), &err, (enum kind)k, t0, "training data");
    tdata_free(&d);
    nnmd_error_clear(&err);

    struct nnmd_frame_reader *fr = NULL;
    t0 = now();
    expect_refused(nnmd_frames_open(p, &fr, &err), &err, (enum kind)k, t0, "trajectory");
    if (fr) nnmd_frames_close(fr);
    nnmd_error_clear(&err);
  }
}
END_TEST

/* ---- model folders: each file in turn replaced -------------------------------------------- */

static void copy_model(const char *src, const char *dst, const char *const *files) {
  char rm[1300];
  snprintf(rm, sizeof rm, "rm -rf '%s'", dst); /* a file replaced by a directory before */
  ck_assert_int_eq(system(rm), 0);
  mkdir(dst, 0700);
  for (int i = 0; files[i]; ++i) {
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/%s", src, files[i]);
    snprintf(b, sizeof b, "%s/%s", dst, files[i]);
    copy_file(a, b);
  }
}

START_TEST(test_nnp_model_files) {
  static const char *const files[] = {"input.nn", "scaling.data", "weights.010.data", NULL};
  char src[600], dir[600], p[700];
  snprintf(src, sizeof src, "%s/models/LJ", NNMD_SHARED_DIR);
  if (access(src, R_OK) != 0) {
    printf("skip: %s not found\n", src);
    return;
  }
  at(dir, sizeof dir, "m");
  for (int f = 0; files[f]; ++f)
    for (int k = 0; k < K_COUNT; ++k) {
      copy_model(src, dir, files);
      snprintf(p, sizeof p, "%s/%s", dir, files[f]);
      make_hostile(p, (enum kind)k);
      struct nnmd_error err;
      nnmd_error_init(&err);
      struct nnmd_nnp_model *m = NULL;
      double t0 = now();
      expect_refused(nnmd_nnp_model_load(dir, &m, &err), &err, (enum kind)k, t0, files[f]);
      nnmd_error_clear(&err);
    }
  /* the intact folder loads (the loop above fails for the right reason) */
  copy_model(src, dir, files);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  ck_assert_int_eq(nnmd_nnp_model_load(dir, &m, &err), NNMD_OK);
  nnmd_nnp_model_free(m);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(test_bec_model_files) {
  static const char *const files[] = {"bec.nn", "bec-scaling.data", "bec-weights.001.data", "bec-weights.008.data",
                                      NULL};
  char src[600], dir[600], p[700];
  snprintf(src, sizeof src, "%s/tests/data/bec/tiny", NNMD_SOURCE_DIR);
  at(dir, sizeof dir, "b");
  for (int f = 0; files[f]; ++f)
    for (int k = 0; k < K_COUNT; ++k) {
      copy_model(src, dir, files);
      snprintf(p, sizeof p, "%s/%s", dir, files[f]);
      make_hostile(p, (enum kind)k);
      struct nnmd_error err;
      nnmd_error_init(&err);
      struct nnmd_bec_model *m = NULL;
      double t0 = now();
      expect_refused(nnmd_bec_model_load(NULL, dir, &m, &err), &err, (enum kind)k, t0, files[f]);
      nnmd_error_clear(&err);
    }
  copy_model(src, dir, files);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_bec_model *m = NULL;
  ck_assert_int_eq(nnmd_bec_model_load(NULL, dir, &m, &err), NNMD_OK);
  nnmd_bec_model_free(m);
  nnmd_error_clear(&err);
}
END_TEST

/* ---- long lines, binary data, a read error ------------------------------------------------- */

START_TEST(test_long_line_and_binary) {
  char p[700];
  at(p, sizeof p, "long.xyz");
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs("1\n", f);
  for (size_t i = 0; i < NNMD_LINE_MAX + 100; ++i) fputc('x', f);
  fputs("\nH 0 0 0\n", f);
  fclose(f);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_system *sys = NULL;
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  struct nnmd_box box;
  ck_assert_int_ne(nnmd_read_structure(p, "extxyz", 1.0, sys, &box, NULL, &err), NNMD_OK);
  ck_assert_msg(strstr(err.msg, "line longer than") != NULL, "message: %s", err.msg);
  ck_assert_int_eq(err.line, 2);
  nnmd_error_clear(&err);
  nnmd_system_destroy(sys);

  /* a NUL byte in a weights file: binary data, named with its line */
  char src[600], dir[600];
  char wp[700];
  snprintf(src, sizeof src, "%s/models/LJ", NNMD_SHARED_DIR);
  if (access(src, R_OK) != 0) return;
  static const char *const files[] = {"input.nn", "scaling.data", "weights.010.data", NULL};
  at(dir, sizeof dir, "m");
  copy_model(src, dir, files);
  snprintf(wp, sizeof wp, "%s/weights.010.data", dir);
  f = fopen(wp, "a");
  ck_assert_ptr_nonnull(f);
  fputs("  1.0", f);
  fputc('\0', f);
  fputs(" a 1 0 1 1 1\n", f);
  fclose(f);
  struct nnmd_nnp_model *m = NULL;
  nnmd_error_init(&err);
  ck_assert_int_ne(nnmd_nnp_model_load(dir, &m, &err), NNMD_OK);
  ck_assert_msg(strstr(err.msg, "NUL byte") != NULL, "message: %s", err.msg);
  nnmd_error_clear(&err);
}
END_TEST

/* ---- 64-bit line numbers -------------------------------------------------------------------- */

START_TEST(test_line_numbers_64bit) {
  char p[700];
  at(p, sizeof p, "lines.txt");
  write_text(p, "a\nb\nc\n");
  struct nnmd_text t;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_text_open(&t, p, &err), NNMD_OK);
  t.lineno = INT_MAX; /* as if 2^31 - 1 lines had been read */
  bool got = false;
  for (int i = 0; i < 3; ++i) ck_assert_int_eq(nnmd_text_next(&t, &got, &err), NNMD_OK);
  ck_assert(got);
  ck_assert(t.lineno == (int64_t)INT_MAX + 3);
  nnmd_fail_at(&err, NNMD_ERR_FORMAT, nnmd_text_loc(&t, 1), "bad");
  nnmd_text_close(&t);
  ck_assert(err.line == (int64_t)INT_MAX + 3);
  char want[800];
  snprintf(want, sizeof want, "%s:2147483650:1: error: bad\n", p);
  ck_assert_str_eq(err.all, want);
  nnmd_error_clear(&err);
}
END_TEST

/* ---- float-to-int: atoms far outside the cell ------------------------------------------------ */

START_TEST(test_far_atom_structure) {
  char p[700];
  at(p, sizeof p, "far.extxyz");
  write_text(p, "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                "H 1.0 1.0 1.0\nH 1e12 1.0 1.0\n");
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_system *sys = NULL;
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  struct nnmd_box box;
  ck_assert_int_ne(nnmd_read_structure(p, "extxyz", 1.0, sys, &box, NULL, &err), NNMD_OK);
  ck_assert_msg(strstr(err.msg, "atom 2 at (1e+12, 1, 1) A lies 1e+11 cell lengths along a") != NULL, "message: %s",
                err.msg);
  ck_assert_int_eq(err.line, 4);
  nnmd_error_clear(&err);
  nnmd_system_destroy(sys);
  /* the same in a LAMMPS data file and an n2p2 file */
  at(p, sizeof p, "far.lmp");
  write_text(p, "x\n\n2 atoms\n1 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi\n\nMasses\n\n1 1.008\n\n"
                "Atoms # atomic\n\n1 1 1.0 1.0 1.0\n2 1 1.0 -3e13 1.0\n");
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  ck_assert_int_ne(nnmd_read_structure(p, "lammps-data", 1.0, sys, &box, NULL, &err), NNMD_OK);
  ck_assert_msg(strstr(err.msg, "cell lengths along b") != NULL, "message: %s", err.msg);
  ck_assert_int_eq(err.line, 16);
  nnmd_error_clear(&err);
  nnmd_system_destroy(sys);
  at(p, sizeof p, "far.n2p2");
  write_text(p, "begin\nlattice 10 0 0\nlattice 0 10 0\nlattice 0 0 10\natom 1 1 1 H 0 0 0 0 0\n"
                "atom 1 1 5e12 H 0 0 0 0 0\nend\n");
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  ck_assert_int_ne(nnmd_read_structure(p, "n2p2", 1.0, sys, &box, NULL, &err), NNMD_OK);
  ck_assert_msg(strstr(err.msg, "cell lengths along c") != NULL, "message: %s", err.msg);
  ck_assert_int_eq(err.line, 6);
  nnmd_error_clear(&err);
  nnmd_system_destroy(sys);
  /* a million cells away is still accepted (unwrapped trajectories) */
  at(p, sizeof p, "near.extxyz");
  write_text(p, "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                "H 1.0 1.0 1.0\nH 9.0e5 5.0 1.0\n");
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  ck_assert_int_eq(nnmd_read_structure(p, "extxyz", 1.0, sys, &box, NULL, &err), NNMD_OK);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(test_far_atom_halo_wrap) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_system *sys = NULL;
  ck_assert_int_eq(nnmd_system_create(&sys, &err), NNMD_OK);
  ck_assert_int_eq(nnmd_system_reserve(sys, 2, &err), NNMD_OK);
  sys->n_local = 2;
  int64_t c = sys->capacity;
  double pos[2][3] = {{1, 1, 1}, {1, 2e12, 1}};
  for (int i = 0; i < 2; ++i) {
    sys->id[i] = i + 1;
    for (int d = 0; d < 3; ++d) sys->x[d * c + i] = pos[i][d];
  }
  struct nnmd_box box;
  double h[9] = {10, 0, 0, 0, 10, 0, 0, 0, 10}, lo[3] = {0, 0, 0};
  int per[3] = {1, 1, 1};
  ck_assert_int_eq(nnmd_box_set_h(&box, h, lo, per, &err), NNMD_OK);
  ck_assert_int_eq(nnmd_halo_wrap(sys, &box, &err), NNMD_ERR_PHYSICS);
  ck_assert_msg(strstr(err.msg, "atom 2 is at (1, 2e+12, 1) A") != NULL, "message: %s", err.msg);
  nnmd_error_clear(&err);
  sys->x[c + 1] = -25.0; /* 2.5 cells below: wrapped, image -3 */
  ck_assert_int_eq(nnmd_halo_wrap(sys, &box, &err), NNMD_OK);
  ck_assert_int_eq(sys->image[c + 1], -3);
  ck_assert(fabs(sys->x[c + 1] - 5.0) < 1e-12);
  nnmd_system_destroy(sys);
}
END_TEST

/* ---- a trajectory header's claim ---------------------------------------------------------- */

START_TEST(test_trajectory_claim) {
  char p[700];
  at(p, sizeof p, "claim.extxyz");
  write_text(p, "1000000000000000\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                "H 1.0 1.0 1.0\n");
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_frame_reader *r = NULL;
  ck_assert_int_eq(nnmd_frames_open(p, &r, &err), NNMD_OK);
  const struct nnmd_frame *fr = NULL;
  bool got = false;
  int st = nnmd_frames_next(r, false, &fr, &got, &err);
  ck_assert_int_eq(st, NNMD_ERR_FORMAT); /* refused before allocating, not out of memory */
  ck_assert_msg(strstr(err.msg, "expected 1000000000000000 atom lines, but only 14 bytes of the file are left") != NULL,
                "message: %s", err.msg);
  nnmd_frames_close(r);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(test_training_frame_claim) {
  char p[700];
  at(p, sizeof p, "claim_train.extxyz");
  write_text(p, "9000000\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.0 "
                "pbc=\"T T T\"\nH 1.0 1.0 1.0 0 0 0\n");
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct tdata d;
  memset(&d, 0, sizeof d);
  struct tdata_opts o = {.length_scale = 1.0, .energy_scale = 1.0};
  ck_assert_int_eq(tdata_read(&d, p, NULL, &o, &err), NNMD_ERR_FORMAT);
  ck_assert_msg(strstr(err.msg, "the frame claims 9000000 atoms, but only") != NULL, "message: %s", err.msg);
  tdata_free(&d);
  nnmd_error_clear(&err);
}
END_TEST

static Suite *hostile_suite(void) {
  Suite *s = suite_create("hostile_files");
  TCase *tc = tcase_create("files");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60); /* a hang on a FIFO or /dev/zero fails here instead of blocking */
  tcase_add_test(tc, test_single_files);
  tcase_add_test(tc, test_nnp_model_files);
  tcase_add_test(tc, test_bec_model_files);
  tcase_add_test(tc, test_long_line_and_binary);
  tcase_add_test(tc, test_line_numbers_64bit);
  tcase_add_test(tc, test_far_atom_structure);
  tcase_add_test(tc, test_far_atom_halo_wrap);
  tcase_add_test(tc, test_trajectory_claim);
  tcase_add_test(tc, test_training_frame_claim);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(hostile_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed != 0;
}
