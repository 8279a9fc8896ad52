/* test_nnp_model_errors.c — every validation path of the n2p2 model reader and of the
 * hdnnp [[potential]] table: each broken model (a copy of LJ or H2O_RPBE-D3 in the test's
 * temporary folder with one edit) must fail with the expected status, a message containing
 * the expected words, and the file:line of the offending line where one exists.
 * Exact checks (no numerical tolerance); the valid copies must load.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hdnnp.h"
#include "model.h"
#include "nnp_test_util.c"
#include "toml.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

static void spit(const char *path, const char *s) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(s, f);
  fclose(f);
}

/* Copy model files of `model` into <tmp>/<name>/ and return that folder. */
static const char *copy_model(const char *model, const char *name, char *dst, size_t n) {
  snprintf(dst, n, "%s/nnp_err_%s", NNMD_TEST_TMP, name);
  mkdir(dst, 0755);
  const char *files[] = {"input.nn", "scaling.data", "weights.001.data", "weights.008.data", "weights.010.data"};
  for (size_t k = 0; k < sizeof files / sizeof files[0]; ++k) {
    char src[1200], out[1400];
    nt_model_path(src, sizeof src, model, "");
    strncat(src, files[k], sizeof src - strlen(src) - 1);
    char *s = slurp(src);
    snprintf(out, sizeof out, "%s/%s", dst, files[k]);
    if (!s) {
      remove(out);
      continue;
    }
    spit(out, s);
    free(s);
  }
  return dst;
}

/* Replace the first occurrence of `find` in dir/file by `repl` (NULL find: append repl). */
static void edit(const char *dir, const char *file, const char *find, const char *repl) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  char *s = slurp(path);
  ck_assert_ptr_nonnull(s);
  size_t ls = strlen(s), lr = strlen(repl);
  char *out = malloc(ls + lr + 2);
  if (!find) {
    snprintf(out, ls + lr + 2, "%s%s", s, repl);
  } else {
    char *p = strstr(s, find);
    ck_assert_msg(p != NULL, "'%s' not in %s", find, path);
    size_t pre = (size_t)(p - s);
    memcpy(out, s, pre);
    memcpy(out + pre, repl, lr);
    strcpy(out + pre + lr, p + strlen(find));
  }
  spit(path, out);
  free(out);
  free(s);
}

/* 1-based line of the first line containing `what`. */
static int line_of(const char *dir, const char *file, const char *what) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  char *s = slurp(path), *p = strstr(s, what);
  ck_assert_ptr_nonnull(p);
  int line = 1;
  for (char *q = s; q < p; ++q) line += *q == '\n';
  free(s);
  return line;
}

/* Load dir; expect failure with status, message words and (if file) file:line. */
static void expect_fail(const char *dir, int status, const char *words, const char *file, int line) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  int st = nnmd_nnp_model_load(dir, &m, &err);
  ck_assert_msg(st != 0, "%s: expected an error containing '%s'", dir, words);
  ck_assert_ptr_null(m);
  ck_assert_int_eq(err.status, status);
  ck_assert_msg(strstr(err.all ? err.all : err.msg, words) != NULL, "message '%s' lacks '%s'", err.msg, words);
  if (file) {
    ck_assert_msg(strstr(err.file, file) != NULL, "error file '%s' is not %s", err.file, file);
    if (line > 0) ck_assert_int_eq(err.line, line);
  }
  nnmd_error_clear(&err);
}

static void expect_ok(const char *dir) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  int st = nnmd_nnp_model_load(dir, &m, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  nnmd_nnp_model_free(m);
  nnmd_error_clear(&err);
}

#define LJ_SF "symfunction_short Ne 2 Ne 1.000 0.00 3.00"

START_TEST(settings_errors) {
  char d[1024];
  copy_model("LJ", "ok", d, sizeof d);
  expect_ok(d);
  /* unknown keyword with a suggestion */
  copy_model("LJ", "unknown", d, sizeof d);
  edit(d, "input.nn", "global_nodes_short", "global_node_short");
  expect_fail(d, NNMD_ERR_FORMAT, "unknown keyword 'global_node_short'; did you mean 'global_nodes_short'",
              "input.nn", line_of(d, "input.nn", "global_node_short"));
  /* training keywords are accepted (the LJ file has many); a repeated one is not */
  copy_model("LJ", "repeat", d, sizeof d);
  edit(d, "input.nn", NULL, "epochs 3\n");
  expect_fail(d, NNMD_ERR_FORMAT, "keyword 'epochs' appears again", "input.nn", line_of(d, "input.nn", "epochs 3"));
  copy_model("LJ", "alias", d, sizeof d);
  edit(d, "input.nn", NULL, "symfunction Ne 2 Ne 2.0 0.0 3.0\n");
  expect_fail(d, NNMD_ERR_FORMAT, "alias of 'symfunction_short'", "input.nn", 0);
  copy_model("LJ", "nnptype", d, sizeof d);
  edit(d, "input.nn", NULL, "nnp_type 4G-HDNNP\n");
  expect_fail(d, NNMD_ERR_UNSUPPORTED, "nnp_type '4G-HDNNP' is not supported", "input.nn",
              line_of(d, "input.nn", "nnp_type"));
  copy_model("LJ", "missing", d, sizeof d);
  edit(d, "input.nn", "global_activation_short", "#global_activation_short");
  expect_fail(d, NNMD_ERR_FORMAT, "required keyword 'global_activation_short' is missing", "input.nn", 0);
  copy_model("LJ", "nelem", d, sizeof d);
  edit(d, "input.nn", "number_of_elements              1", "number_of_elements 2");
  expect_fail(d, NNMD_ERR_FORMAT, "lists 1 symbols but number_of_elements is 2", "input.nn",
              line_of(d, "input.nn", "elements                        Ne"));
  copy_model("LJ", "badel", d, sizeof d);
  edit(d, "input.nn", "elements                        Ne", "elements Qq");
  expect_fail(d, NNMD_ERR_FORMAT, "'Qq' is not an element symbol", "input.nn", 0);
  copy_model("LJ", "norm", d, sizeof d);
  edit(d, "input.nn", NULL, "mean_energy 1.0\n");
  expect_fail(d, NNMD_ERR_FORMAT, "must be given together", "input.nn", line_of(d, "input.nn", "mean_energy"));
  copy_model("LJ", "atomen", d, sizeof d);
  edit(d, "input.nn", NULL, "atom_energy Ar 1.0\n");
  expect_fail(d, NNMD_ERR_FORMAT, "atom_energy for 'Ar'", "input.nn", line_of(d, "input.nn", "atom_energy Ar"));
  copy_model("LJ", "cut", d, sizeof d);
  edit(d, "input.nn", "cutoff_type                     2", "cutoff_type 9");
  expect_fail(d, NNMD_ERR_UNSUPPORTED, "unknown cutoff_type 9", "input.nn", line_of(d, "input.nn", "cutoff_type 9"));
  copy_model("LJ", "alpha", d, sizeof d);
  edit(d, "input.nn", "cutoff_type                     2", "cutoff_type 6 1.5");
  expect_fail(d, NNMD_ERR_FORMAT, "alpha", "input.nn", line_of(d, "input.nn", "cutoff_type 6"));
  copy_model("LJ", "act", d, sizeof d);
  edit(d, "input.nn", "global_activation_short         t l", "global_activation_short x l");
  expect_fail(d, NNMD_ERR_FORMAT, "unknown activation 'x'", "input.nn", line_of(d, "input.nn", "global_activation"));
  copy_model("LJ", "nodes", d, sizeof d);
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 3 4");
  expect_fail(d, NNMD_ERR_FORMAT, "one width per hidden layer", "input.nn", line_of(d, "input.nn", "global_nodes"));
  /* issue 16: a width input.nn claims is bounded before the weights are allocated */
  copy_model("LJ", "widenodes", d, sizeof d);
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 2000000000");
  expect_fail(d, NNMD_ERR_FORMAT, "layer width '2000000000' is not an integer 1..100000", "input.nn",
              line_of(d, "input.nn", "global_nodes"));
  copy_model("LJ", "manyparams", d, sizeof d);
  edit(d, "input.nn", "global_hidden_layers_short      1", "global_hidden_layers_short 3");
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 100000 100000 100000");
  edit(d, "input.nn", "global_activation_short         t l", "global_activation_short t t t l");
  expect_fail(d, NNMD_ERR_FORMAT, "would have 20000900001 parameters (limit 100000000)", "input.nn",
              line_of(d, "input.nn", "global_nodes"));
  copy_model("LJ", "fewbytes", d, sizeof d); /* 7001 parameters claimed, a 2284-byte weights file */
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 1000");
  expect_fail(d, NNMD_ERR_FORMAT, "2284 bytes cannot hold the 7001 parameters", "weights.010.data", 0);
  copy_model("LJ", "elnodes", d, sizeof d);
  edit(d, "input.nn", NULL, "element_nodes_short Ne 4\n");
  expect_fail(d, NNMD_ERR_UNSUPPORTED, "element_nodes_short", "input.nn", line_of(d, "input.nn", "element_nodes"));
  /* issue 16: 200000 garbage lines stop after 20 unknown keywords (each one costs a did-you-mean
   * search; the fuzzer found a large input.nn taking seconds) with a line that says so */
  copy_model("LJ", "garbage", d, sizeof d);
  {
    char gp[1400];
    snprintf(gp, sizeof gp, "%s/input.nn", d);
    FILE *g = fopen(gp, "ab");
    ck_assert_ptr_nonnull(g);
    for (int i = 0; i < 200000; ++i) fprintf(g, "xq%dz 1 2 3\n", i);
    fclose(g);
    int first = line_of(d, "input.nn", "xq0z");
    struct nnmd_error err;
    nnmd_error_init(&err);
    struct nnmd_nnp_model *m = NULL;
    ck_assert_int_ne(nnmd_nnp_model_load(d, &m, &err), 0);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.line, first);
    ck_assert_int_eq(err.count, 21);
    ck_assert_ptr_nonnull(strstr(err.all, "unknown keyword 'xq19z'"));
    ck_assert_ptr_null(strstr(err.all, "'xq20z'"));
    ck_assert_ptr_nonnull(strstr(err.all, "20 unknown keywords: not an n2p2 settings file? (stopped reading here)"));
    nnmd_error_clear(&err);
  }
  /* missing input.nn */
  char path[1400];
  copy_model("LJ", "noinput", d, sizeof d);
  snprintf(path, sizeof path, "%s/input.nn", d);
  remove(path);
  expect_fail(d, NNMD_ERR_FILE, "cannot open n2p2 settings file", NULL, 0);
}
END_TEST

START_TEST(sf_errors) {
  char d[1024];
  copy_model("LJ", "sftype", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 7 Ne 1.000 0.00 3.00");
  expect_fail(d, NNMD_ERR_UNSUPPORTED, "unsupported symmetry function type 7", "input.nn",
              line_of(d, "input.nn", "Ne 7 Ne"));
  copy_model("LJ", "sffields", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 2 Ne 1.000 0.00");
  expect_fail(d, NNMD_ERR_FORMAT, "type 2 needs 6 fields, got 5", "input.nn", line_of(d, "input.nn", "Ne 2 Ne 1.000 0.00\n"));
  copy_model("LJ", "sfelem", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 2 Ar 1.000 0.00 3.00");
  expect_fail(d, NNMD_ERR_FORMAT, "element 'Ar' is not listed", "input.nn", line_of(d, "input.nn", "Ne 2 Ar"));
  copy_model("LJ", "sfnum", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 2 Ne 1.0x 0.00 3.00");
  expect_fail(d, NNMD_ERR_FORMAT, "is not a number: '1.0x'", "input.nn", line_of(d, "input.nn", "1.0x"));
  copy_model("LJ", "sflambda", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 3 Ne Ne 0.1 0.0 1.0 3.0");
  expect_fail(d, NNMD_ERR_FORMAT, "lambda must not be 0", "input.nn", line_of(d, "input.nn", "Ne 3 Ne Ne"));
  copy_model("LJ", "sfrl", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 20 Ne 3.0 3.0 p2");
  expect_fail(d, NNMD_ERR_FORMAT, "rl must be smaller than rc", "input.nn", line_of(d, "input.nn", "Ne 20 Ne"));
  copy_model("LJ", "sfsub", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 20 Ne 0.0 3.0 q2");
  expect_fail(d, NNMD_ERR_FORMAT, "unknown subtype", "input.nn", line_of(d, "input.nn", "Ne 20 Ne"));
  copy_model("LJ", "sfang", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 22 Ne Ne 0.0 3.0 -10 90 p2");
  expect_fail(d, NNMD_ERR_FORMAT, "requires the window centre to be 0", "input.nn", line_of(d, "input.nn", "Ne 22 Ne"));
  copy_model("LJ", "sfang2", d, sizeof d);
  edit(d, "input.nn", LJ_SF, "symfunction_short Ne 22 Ne Ne 0.0 3.0 90 60 p2");
  expect_fail(d, NNMD_ERR_FORMAT, "angleLeft must be smaller", "input.nn", line_of(d, "input.nn", "Ne 22 Ne"));
  /* an element without symmetry functions */
  copy_model("H2O_RPBE-D3", "nosf", d, sizeof d);
  edit(d, "input.nn", "number_of_elements              2", "number_of_elements 3");
  edit(d, "input.nn", "elements                        H O", "elements H O C");
  expect_fail(d, NNMD_ERR_FORMAT, "element C has no symmetry functions", "input.nn", 0);
}
END_TEST

START_TEST(file_errors) {
  char d[1024], path[1400];
  /* scaling.data */
  copy_model("LJ", "scmiss", d, sizeof d);
  snprintf(path, sizeof path, "%s/scaling.data", d);
  remove(path);
  expect_fail(d, NNMD_ERR_FILE, "cannot open", NULL, 0);
  copy_model("LJ", "scempty", d, sizeof d);
  edit(d, "scaling.data", "         1          2", "\n         1          2");
  expect_fail(d, NNMD_ERR_FORMAT, "empty line", "scaling.data", 0);
  copy_model("LJ", "scorder", d, sizeof d);
  edit(d, "scaling.data", "         1          2", "         1          3");
  expect_fail(d, NNMD_ERR_FORMAT, "does not match input.nn", "scaling.data",
              line_of(d, "scaling.data", "         1          3"));
  copy_model("LJ", "scfew", d, sizeof d);
  edit(d, "input.nn", NULL, "symfunction_short Ne 2 Ne 2.0 0.0 3.0\n");
  expect_fail(d, NNMD_ERR_FORMAT, "too few rows", "scaling.data", 0);
  copy_model("LJ", "scmany", d, sizeof d);
  edit(d, "scaling.data", NULL, "         1          6   0.1   0.2   0.15   0.01\n");
  expect_fail(d, NNMD_ERR_FORMAT, "more rows than symmetry functions", "scaling.data", 0);
  copy_model("LJ", "scnum", d, sizeof d);
  edit(d, "scaling.data", "         1          2", "         1          2 x");
  expect_fail(d, NNMD_ERR_FORMAT, "not a number", "scaling.data", 0);
  /* weights */
  copy_model("LJ", "wmiss", d, sizeof d);
  snprintf(path, sizeof path, "%s/weights.010.data", d);
  remove(path);
  expect_fail(d, NNMD_ERR_FILE, "weights.010.data", NULL, 0);
  copy_model("LJ", "wmany", d, sizeof d);
  edit(d, "weights.010.data", NULL, "  1.0 b 23 2 1\n");
  expect_fail(d, NNMD_ERR_FORMAT, "more values than the network", "weights.010.data", 0);
  copy_model("LJ", "wtopo", d, sizeof d);
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 2");
  expect_fail(d, NNMD_ERR_FORMAT, "do not match the topology", "weights.010.data", 0);
  copy_model("LJ", "wfew", d, sizeof d);
  edit(d, "input.nn", "global_nodes_short              3", "global_nodes_short 4");
  expect_fail(d, NNMD_ERR_FORMAT, "weights do not match", "weights.010.data", 0);
}
END_TEST

/* The [[potential]] table: keys, units, missing element, warning limit. */
static int create_from(const char *toml, const struct nnmd_species_table *sp, void **state, struct nnmd_error *err) {
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(toml, "run.toml", &root, err), 0);
  const struct nnmd_cfg *pots = nnmd_cfg_get(root, "potential");
  ck_assert_ptr_nonnull(pots);
  char base[1024];
  nt_shared_path(base, sizeof base, "models");
  struct nnmd_log log;
  nnmd_log_init(&log, 1, 0);
  struct nnmd_term_info info = {.base_dir = base, .species = sp, .units = nnmd_units_get("lammps"), .log = &log};
  int st = nnmd_pot_hdnnp.create(pots->items[0], &info, state, err);
  nnmd_cfg_free(root);
  return st;
}

START_TEST(config_errors) {
  char p[1024];
  if (!nt_model_path(p, sizeof p, "H2O_RPBE-D3", "input.nn")) return;
  struct nnmd_species_table sp = {0};
  nnmd_species_intern(&sp, "O");
  nnmd_species_intern(&sp, "H");
  struct nnmd_error err;
  void *st = NULL;
  nnmd_error_init(&err);
  ck_assert_int_eq(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\nlength_unit = \"bohr\"\n"
                               "energy_unit = \"hartree\"\n",
                               &sp, &st, &err),
                   0);
  ck_assert_double_eq_tol(nnmd_pot_hdnnp.cutoff(st), 12.0 / NNMD_BOHR_PER_ANGSTROM, 1e-12);
  nnmd_pot_hdnnp.destroy(st);
  st = NULL;
  /* unknown key with suggestion */
  ck_assert_int_ne(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\nlength_units = \"bohr\"\n"
                               "energy_unit = \"hartree\"\n",
                               &sp, &st, &err),
                   0);
  ck_assert_ptr_nonnull(strstr(err.all, "unknown key 'length_units'"));
  ck_assert_ptr_nonnull(strstr(err.all, "did you mean 'length_unit'"));
  ck_assert_int_eq(err.line, 4);
  nnmd_error_clear(&err);
  /* units are required unless native_units */
  ck_assert_int_ne(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\n", &sp, &st, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.all, "length_unit"));
  nnmd_error_clear(&err);
  ck_assert_int_ne(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\nlength_unit = \"nm\"\n"
                               "energy_unit = \"eV\"\n",
                               &sp, &st, &err),
                   0);
  ck_assert_ptr_nonnull(strstr(err.all, "\"nm\" is not one of"));
  nnmd_error_clear(&err);
  ck_assert_int_eq(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\nnative_units = true\n", &sp,
                               &st, &err),
                   0);
  ck_assert_double_eq(nnmd_pot_hdnnp.cutoff(st), 12.0);
  nnmd_pot_hdnnp.destroy(st);
  st = NULL;
  /* an element of the structure missing from the model: names the element and the model */
  nnmd_species_intern(&sp, "Cu");
  ck_assert_int_ne(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"H2O_RPBE-D3\"\nnative_units = true\n", &sp,
                               &st, &err),
                   0);
  ck_assert_ptr_nonnull(strstr(err.msg, "element 'Cu' of the structure is not in the HDNNP model"));
  ck_assert_ptr_nonnull(strstr(err.msg, "H2O_RPBE-D3"));
  ck_assert_ptr_nonnull(strstr(err.msg, "its elements: H O"));
  ck_assert_int_eq(err.line, 3);
  ck_assert_ptr_null(st);
  nnmd_error_clear(&err);
  /* a model folder that does not exist */
  ck_assert_int_ne(create_from("[[potential]]\ntype = \"hdnnp\"\nmodel = \"nope\"\nnative_units = true\n", &sp, &st,
                               &err),
                   0);
  ck_assert_int_eq(err.status, NNMD_ERR_FILE);
  nnmd_error_clear(&err);
}
END_TEST

/* max_extrapolation_warnings: compute fails once the running count exceeds the limit. */
START_TEST(warning_limit) {
  char dir[1024], data[1200];
  if (!nt_model_path(data, sizeof data, "H2O_RPBE-D3", "reference/h2o_dimer.data")) return;
  nt_model_path(dir, sizeof dir, "H2O_RPBE-D3", "");
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(data, &s), 0);
  struct nt_engine e;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0, 0.5), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  ck_assert_int_eq(nnmd_hdnnp_create_dir(dir, &e.sys->species, 1.0, 1.0, 100, NULL, &e.pot, &err), 0);
  e.log.rank = 1;
  double en;
  ck_assert_int_eq(nt_engine_compute(&e, &en, NULL, NULL, NULL), 0); /* 69 warnings <= 100 */
  ck_assert_int_eq(nnmd_pot_hdnnp.warnings(e.pot), 69);
  fprintf(stderr, "(an error about 138 extrapolation warnings is expected next)\n");
  ck_assert_int_ne(nt_engine_compute(&e, &en, NULL, NULL, NULL), 0); /* 138 > 100 */
  ck_assert_int_eq(nnmd_hdnnp_total_warnings(e.pot), 138);
  nt_engine_free(&e);
  nt_struct_free(&s);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  char p[1024];
  nt_shared_path(p, sizeof p, "models/LJ/input.nn");
  if (!tsup_file_exists(p)) {
    printf("SKIP: %s absent\n", p);
    return 77;
  }
  if (nt_init()) return 1;
  Suite *s = suite_create("nnp_model_errors");
  TCase *tc = tcase_create("errors");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, settings_errors);
  tcase_add_test(tc, sf_errors);
  tcase_add_test(tc, file_errors);
  tcase_add_test(tc, config_errors);
  tcase_add_test(tc, warning_limit);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
