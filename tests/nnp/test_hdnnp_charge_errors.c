/* test_hdnnp_charge_errors.c — the charge-state node's warnings and error paths (docs/nnp.md):
 *  - extrapolation: Q = c q / V outside the Qmin..Qmax of scaling.data row N_G+1 counts one
 *    warning per atom (n2p2 counts per atom and SF) and logs the first ones; Q exactly at the
 *    boundary is not a warning (same allowance as the SFs); q outside the optional training
 *    range of `nnmd_charge_node c qmin qmax` is logged once;
 *  - input errors through the whole setup (nnmd_sim_setup with a TOML input): charge_state
 *    with a model without the node (error at the charge_state line of the input), a model
 *    with the node and no charge_state (error at the model's nnmd_charge_node line), a
 *    charge_state of the wrong type; a valid input passes charge_state to the term;
 *  - malformed model files: bad nnmd_charge_node lines, scaling.data without the extra row
 *    (first or last element), weights with N_G inputs.
 * Exact checks (status, file, line, message words, warning counts); the one numerical check
 * (setup energy = direct energy) allows 1e-12 relative: the same atoms and neighbours summed
 * possibly in another neighbour order (~1e-15 per term).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdnnp.h"
#include "nnp_test_util.c"
#include "setup.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

#include "charge_model_util.c"

static const struct cm_opts k_ok = {.c = 1000.0, .qstat = {-3.0, 4.0, 0.5, 2.0}, .random = 1, .amp = 0.5, .seed = 5};

static char g_data[1400]; /* Cu2S reference structure (A, eV) */

static bool have_models(void) {
  char dir[1024];
  if (!nt_model_path(dir, sizeof dir, "Cu2S_PBE", "input.nn")) return false;
  nt_model_path(dir, sizeof dir, "Cu2S_PBE", "");
  snprintf(g_data, sizeof g_data, "%sreference/cu2s_144.data", dir);
  return true;
}

static double cell_volume(const double lat[3][3]) {
  return fabs(lat[0][0] * (lat[1][1] * lat[2][2] - lat[1][2] * lat[2][1]) -
              lat[0][1] * (lat[1][0] * lat[2][2] - lat[1][2] * lat[2][0]) +
              lat[0][2] * (lat[1][0] * lat[2][1] - lat[1][1] * lat[2][0]));
}

/* Evaluate model dir on the Cu2S structure at charge q with the log captured; returns the
 * warning count and the log text (caller frees). */
static int64_t warn_run(const char *dir, double q, int computes, char **logtext) {
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(g_data, &s), 0);
  struct nt_engine e;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  ck_assert_int_eq(nnmd_hdnnp_create_dir(dir, &e.sys->species, 1.0, 1.0, -1, NULL, &e.pot, &err), 0);
  ck_assert_int_eq(nnmd_hdnnp_set_charge_state(e.pot, true, q, NNMD_NOLOC, "q", &err), 0);
  FILE *lf = tmpfile();
  ck_assert_ptr_nonnull(lf);
  e.log.file = lf;
  double en;
  for (int k = 0; k < computes; ++k) ck_assert_int_eq(nt_engine_compute(&e, &en, NULL, NULL, NULL), 0);
  int64_t w = nnmd_hdnnp_total_warnings(e.pot);
  long n = ftell(lf);
  rewind(lf);
  *logtext = calloc((size_t)n + 1, 1);
  ck_assert_uint_eq(fread(*logtext, 1, (size_t)n, lf), (size_t)n);
  fclose(lf);
  nt_engine_free(&e);
  nt_struct_free(&s);
  return w;
}

static int count_of(const char *text, const char *what) {
  int n = 0;
  for (const char *p = strstr(text, what); p; p = strstr(p + 1, what)) ++n;
  return n;
}

START_TEST(q_warnings) {
  if (!have_models()) return;
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(g_data, &s), 0);
  const double v = cell_volume(s.lat);
  const int n = s.n;
  nt_struct_free(&s);
  char d[1400], *log = NULL;
  /* Q = 0 below the range [2, 3]: one warning per atom and evaluation, 10 logged in all */
  struct cm_opts o = k_ok;
  o.c = v;
  o.qstat[0] = 2.0;
  o.qstat[1] = 3.0;
  o.qstat[2] = 2.5;
  o.qstat[3] = 0.3;
  cm_write("Cu2S_PBE", "warnQ", &o, d, sizeof d);
  int64_t w = warn_run(d, 0.0, 2, &log);
  printf("  Q outside [2, 3]: %lld warnings for %d atoms x 2 evaluations, %d logged\n", (long long)w, n,
         count_of(log, "charge-state input Q"));
  ck_assert_int_eq(w, 2 * n);
  ck_assert_int_eq(count_of(log, "charge-state input Q"), 10);
  ck_assert_int_eq(count_of(log, "more extrapolation warnings"), 1);
  ck_assert_ptr_null(strstr(log, "system charge"));
  free(log);
  /* Q above the range */
  w = warn_run(d, 3.5, 1, &log);
  ck_assert_int_eq(w, n);
  free(log);
  /* Q at the boundaries (c = V, q = Qmin or Qmax; c q / V rounds by ~1 ulp): no warning */
  w = warn_run(d, 3.0, 1, &log);
  ck_assert_int_eq(w, 0);
  ck_assert_ptr_null(strstr(log, "charge-state"));
  free(log);
  w = warn_run(d, 2.0, 1, &log);
  ck_assert_int_eq(w, 0);
  free(log);
  /* q outside the training range given in nnmd_charge_node: logged once, not counted */
  o = k_ok;
  o.c = v;
  o.qrange = 1;
  o.qmin = -1.0;
  o.qmax = 1.0;
  cm_write("Cu2S_PBE", "warnq", &o, d, sizeof d);
  w = warn_run(d, 2.0, 3, &log);
  ck_assert_int_eq(w, 0);
  ck_assert_int_eq(count_of(log, "the system charge q = 2 e is outside the training range [-1, 1]"), 1);
  free(log);
  w = warn_run(d, 0.5, 1, &log);
  ck_assert_int_eq(w, 0);
  ck_assert_ptr_null(strstr(log, "charge"));
  free(log);
}
END_TEST

/* ---- whole-input errors through nnmd_sim_setup */

static void write_input(const char *path, const char *model, const char *charge_line) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "[system]\nstructure = \"%s\"\nformat = \"n2p2\"\n%s\n", g_data, charge_line);
  fprintf(f, "[[potential]]\ntype = \"hdnnp\"\nmodel = \"%s\"\nlength_unit = \"angstrom\"\nenergy_unit = \"eV\"\n"
          "[run]\nsteps = 0\n",
          model);
  fclose(f);
}

/* Set up input path; returns the status, fills err; energy of the initial forces if ok. */
static int setup_input(const char *path, struct nnmd_error *err, double *energy) {
  struct nnmd_sim s;
  memset(&s, 0, sizeof s);
  int st = nnmd_sim_setup(&s, path, g_comm, 0, false, err);
  if (!st) st = nnmd_md_init(&s.md, err);
  if (!st && energy) *energy = s.md.epot;
  nnmd_sim_destroy(&s);
  return st;
}

static void expect_setup_fail(const char *input, const char *file, int line, const char *words) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = setup_input(input, &err, NULL);
  ck_assert_msg(st != 0, "%s: expected an error containing '%s'", input, words);
  ck_assert_int_eq(err.status, NNMD_ERR_INPUT);
  ck_assert_msg(strstr(err.msg, words) != NULL, "message '%s' lacks '%s'", err.msg, words);
  ck_assert_msg(strstr(err.file, file) != NULL, "error file '%s' is not %s", err.file, file);
  ck_assert_int_eq(err.line, line);
  printf("  %s:%lld: error: %s\n", err.file, (long long)err.line, err.msg);
  nnmd_error_clear(&err);
}

START_TEST(input_errors) {
  if (!have_models()) return;
  char plain[1024], dq[1400], in[1400], nnin[1500];
  nt_model_path(plain, sizeof plain, "Cu2S_PBE", "");
  cm_write("Cu2S_PBE", "setup", &k_ok, dq, sizeof dq);
  snprintf(nnin, sizeof nnin, "%s/input.nn", dq);
  /* the nnmd_charge_node line is the last line of the copy's input.nn */
  char *t = cm_slurp(nnin);
  int qline = count_of(t, "\n");
  free(t);
  /* charge_state given, model without the node: at the charge_state line (line 4) */
  snprintf(in, sizeof in, "%s/charge_in_plain.toml", NNMD_TEST_TMP);
  write_input(in, plain, "charge_state = 1.0");
  expect_setup_fail(in, "charge_in_plain.toml", 4, "has no charge-state input node");
  /* model with the node, no charge_state: at the model's nnmd_charge_node line */
  snprintf(in, sizeof in, "%s/charge_missing.toml", NNMD_TEST_TMP);
  write_input(in, dq, "");
  expect_setup_fail(in, nnin, qline, "has a charge-state input node");
  /* wrong type */
  snprintf(in, sizeof in, "%s/charge_type.toml", NNMD_TEST_TMP);
  write_input(in, dq, "charge_state = \"one\"");
  expect_setup_fail(in, "charge_type.toml", 4, "'charge_state' must be a number");
  /* valid: the term gets q (energy = direct evaluation at the same q, != at another q) */
  snprintf(in, sizeof in, "%s/charge_ok.toml", NNMD_TEST_TMP);
  write_input(in, dq, "charge_state = -1.25");
  struct nnmd_error err;
  nnmd_error_init(&err);
  double es = 0, ed[2];
  int st = setup_input(in, &err, &es);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(g_data, &s), 0);
  for (int k = 0; k < 2; ++k) {
    struct nt_engine e;
    ck_assert_int_eq(nt_engine_init(&e, &s, 1.0, 0.3), 0);
    e.ops = &nnmd_pot_hdnnp;
    ck_assert_int_eq(nnmd_hdnnp_create_dir(dq, &e.sys->species, 1.0, 1.0, -1, NULL, &e.pot, &err), 0);
    ck_assert_int_eq(nnmd_hdnnp_set_charge_state(e.pot, true, k ? 1.25 : -1.25, NNMD_NOLOC, "q", &err), 0);
    e.log.rank = 1;
    ck_assert_int_eq(nt_engine_compute(&e, &ed[k], NULL, NULL, NULL), 0);
    nt_engine_free(&e);
  }
  printf("  charge_state = -1.25 through the input: E = %.15g eV (direct %.15g; at q = +1.25: %.15g)\n", es, ed[0],
         ed[1]);
  ck_assert_double_le(fabs(es - ed[0]), 1e-12 * fabs(ed[0]));
  ck_assert_double_gt(fabs(es - ed[1]), 1e-6 * fabs(ed[0]));
  nt_struct_free(&s);
  nnmd_error_clear(&err);
}
END_TEST

/* ---- malformed model files (test_nnp_model_errors.c style) */

static void expect_load_fail(const char *dir, const char *words, const char *file, int line) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  int st = nnmd_nnp_model_load(dir, &m, &err);
  ck_assert_msg(st != 0, "%s: expected an error containing '%s'", dir, words);
  ck_assert_ptr_null(m);
  ck_assert_int_eq(err.status, NNMD_ERR_FORMAT);
  ck_assert_msg(strstr(err.all ? err.all : err.msg, words) != NULL, "message '%s' lacks '%s'", err.msg, words);
  ck_assert_msg(strstr(err.file, file) != NULL, "error file '%s' is not %s", err.file, file);
  ck_assert_int_eq(err.line, line);
  nnmd_error_clear(&err);
}

/* Replace the nnmd_charge_node line of dir/input.nn by `line` (+ optional extra line). */
static int set_charge_line(const char *dir, const char *line, const char *extra) {
  char p[1500];
  snprintf(p, sizeof p, "%s/input.nn", dir);
  char *s = cm_slurp(p), *k = strstr(s, "nnmd_charge_node");
  ck_assert_ptr_nonnull(k);
  *k = '\0';
  FILE *f = fopen(p, "w");
  fprintf(f, "%s%s\n%s", s, line, extra ? extra : "");
  fclose(f);
  int n = count_of(s, "\n") + 1;
  free(s);
  return n;
}

/* 1-based file line of the k-th (1-based) data line (not a comment, not blank) of dir/file. */
static int data_line(const char *dir, const char *file, int k) {
  char p[1500];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  char *s = cm_slurp(p), *q = s, *l;
  ck_assert_ptr_nonnull(s);
  int line = 0, n = 0;
  while ((l = cm_line(&q))) {
    ++line;
    if (cm_is_data(l) && ++n == k) break;
  }
  free(s);
  ck_assert_int_eq(n, k);
  return line;
}

START_TEST(model_errors) {
  if (!have_models()) return;
  char d[1400];
  const char *bad[][2] = {
      {"nnmd_charge_node", "needs the constant c"},     {"nnmd_charge_node abc", "needs the constant c"},
      {"nnmd_charge_node 100 1", "needs the constant c"}, {"nnmd_charge_node 0", "c must be positive"},
      {"nnmd_charge_node -5", "c must be positive"},    {"nnmd_charge_node 100 3 1", "qmin is larger than qmax"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    cm_write("Cu2S_PBE", "badline", &k_ok, d, sizeof d);
    int line = set_charge_line(d, bad[k][0], NULL);
    expect_load_fail(d, bad[k][1], "input.nn", line);
  }
  cm_write("Cu2S_PBE", "twice", &k_ok, d, sizeof d);
  int line = set_charge_line(d, "nnmd_charge_node 100", "nnmd_charge_node 200\n");
  expect_load_fail(d, "appears again", "input.nn", line + 1);
  /* scaling.data without the extra row of element 1 (S): element 2's first row is met there */
  char src[1024], p[1500];
  struct cm_opts o = k_ok;
  o.skip_scaling_elem = 1;
  cm_write("Cu2S_PBE", "noscal1", &o, d, sizeof d);
  expect_load_fail(d, "nnmd_charge_node needs the row of the charge-state input", "scaling.data",
                   data_line(d, "scaling.data", 73)); /* S has 72 SFs */
  /* ... of the last element: too few rows */
  o.skip_scaling_elem = 2;
  cm_write("Cu2S_PBE", "noscal2", &o, d, sizeof d);
  snprintf(p, sizeof p, "%s/scaling.data", d);
  char *sc = cm_slurp(p);
  expect_load_fail(d, "plus the charge-state row N_G+1", "scaling.data", count_of(sc, "\n")); /* at the end */
  free(sc);
  /* weights with N_G inputs (the plain model's) under nnmd_charge_node */
  cm_write("Cu2S_PBE", "oldw", &k_ok, d, sizeof d);
  nt_model_path(src, sizeof src, "Cu2S_PBE", "weights.016.data");
  snprintf(p, sizeof p, "%s/weights.016.data", d);
  char *w = cm_slurp(src);
  FILE *f = fopen(p, "w");
  fputs(w, f);
  fclose(f);
  free(w);
  /* first mismatch: where input 73 (N_G+1 of S) is expected, the file has layer-1 biases */
  expect_load_fail(d, "expected the weight from layer 0 neuron 73", "weights.016.data",
                   data_line(d, "weights.016.data", 72 * 25 + 1));
}
END_TEST

int main(void) {
  char p[1024];
  nt_shared_path(p, sizeof p, "models/Cu2S_PBE/input.nn");
  if (!tsup_file_exists(p)) {
    printf("SKIP: %s absent\n", p);
    return 77;
  }
  if (nt_init()) return 1;
  Suite *s = suite_create("hdnnp_charge_errors");
  TCase *tc = tcase_create("errors");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, q_warnings);
  tcase_add_test(tc, input_errors);
  tcase_add_test(tc, model_errors);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
