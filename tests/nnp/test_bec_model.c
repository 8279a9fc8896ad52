/* test_bec_model.c — the BEC model files and building blocks:
 *  - loading the sample models (elements sorted by Z, K, P, outputs, index order, unit);
 *  - nnmd_ann_forward: on a single-output HDNNP network it equals nnmd_ann_eval exactly (the
 *    same operations in the same order), and a multi-output network equals a plain
 *    matrix-vector evaluation written here (1e-14 relative: only the summation order of the
 *    dot products may differ);
 *  - nnmd_bec_assemble against the basis written out term by term (1e-14 of max|M|: sums of
 *    < 100 products of O(1) numbers) and the symmetry of each part;
 *  - the plain evaluation API equals the engine path (same code, other neighbour order:
 *    1e-14 of max|Z|); a force_first copy of a model gives the transpose exactly; a weight
 *    file with its lines reversed gives the same Z exactly (values placed by their indices);
 *    extrapolation warnings: none on the structure the scaling came from, some when stretched;
 *  - error cases with their file:line: missing nnmd_bec_index_order / nnmd_length_unit,
 *    unknown keyword, output-layer size != 1 + P + P^2, nonlinear output activation, energy
 *    normalisation keywords, an element of the structure missing from the model, weight
 *    count mismatch, a connection that does not exist, a duplicated parameter, a weight line
 *    without its index columns.
 * Variants of the tiny model are written to the test's working folder.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nnp_test_util.c"
#include "bec_test_util.c"

static const char *const k_files[] = {"bec.nn", "bec-scaling.data", "bec-weights.001.data", "bec-weights.008.data",
                                      NULL};

/* Copy tests/data/bec/tiny to ./bec_variants/<name>; in `file`, the first line starting with
 * `match` is replaced by `repl` (NULL: deleted); match NULL: repl appended. Returns the dir. */
static const char *variant(const char *name, const char *file, const char *match, const char *repl) {
  static char dir[512];
  mkdir("bec_variants", 0755);
  snprintf(dir, sizeof dir, "bec_variants/%s", name);
  mkdir(dir, 0755);
  for (int k = 0; k_files[k]; ++k) {
    char src[1300], dst[1300], rel[64], line[4096];
    snprintf(rel, sizeof rel, "tiny/%s", k_files[k]);
    bt_data(src, sizeof src, rel);
    snprintf(dst, sizeof dst, "%s/%s", dir, k_files[k]);
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    bool done = false, edit = file && strcmp(file, k_files[k]) == 0;
    while (fgets(line, sizeof line, in)) {
      if (edit && match && !done && strncmp(line, match, strlen(match)) == 0) {
        done = true;
        if (repl) fprintf(out, "%s\n", repl);
        continue;
      }
      fputs(line, out);
    }
    if (edit && !match) fprintf(out, "%s\n", repl);
    ck_assert(!edit || !match || done);
    fclose(in);
    fclose(out);
  }
  return dir;
}

/* 1-based line of the first line of dir/file starting with text. */
static int line_of(const char *dir, const char *file, const char *text) {
  char p[1024], line[4096];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  FILE *f = fopen(p, "r");
  int n = 0, found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    ++n;
    if (strncmp(line, text, strlen(text)) == 0) found = n;
  }
  fclose(f);
  return found;
}

/* Load dir (with species syms if given) and expect a failure at file (suffix) and line with
 * msg containing every string in want[]. */
static void expect_error(const char *dir, const char *const *syms, int nsym, const char *file, int line,
                         const char *const *want) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_species_table sp;
  memset(&sp, 0, sizeof sp);
  for (int k = 0; k < nsym; ++k) nnmd_species_intern(&sp, syms[k]);
  struct nnmd_term_info info;
  memset(&info, 0, sizeof info);
  info.species = nsym ? &sp : NULL;
  void *state = NULL;
  int st = nnmd_bec_term_create(dir, &info, &state, &err);
  printf("  %-24s -> %s:%lld: %s\n", strrchr(dir, '/') + 1, err.file, (long long)err.line, err.msg);
  ck_assert_int_ne(st, 0);
  ck_assert_ptr_null(state);
  size_t lf = strlen(err.file), ls = strlen(file);
  ck_assert_msg(lf >= ls && strcmp(err.file + lf - ls, file) == 0, "error file '%s', expected '...%s'", err.file,
                file);
  ck_assert_int_eq(err.line, line);
  for (int k = 0; want[k]; ++k) ck_assert_msg(strstr(err.msg, want[k]), "'%s' not in '%s'", want[k], err.msg);
  nnmd_error_clear(&err);
}

START_TEST(load_samples) {
  char dir[1200];
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_bec_model *m;
  ck_assert_int_eq(nnmd_bec_model_load(NULL, bt_data(dir, sizeof dir, "LiPO"), &m, &err), 0);
  ck_assert_int_eq(m->nnp->n_elem, 3);
  ck_assert_str_eq(m->nnp->sym[0], "Li");
  ck_assert_str_eq(m->nnp->sym[1], "O");
  ck_assert_str_eq(m->nnp->sym[2], "P");
  ck_assert_int_eq(m->K, 3);
  ck_assert_int_eq(m->P, 9);
  ck_assert_int_eq(m->n_out, 91);
  ck_assert_int_eq(m->nnp->ann[1].nodes[m->nnp->ann[1].n_layers], 91);
  ck_assert_int_eq(m->order, NNMD_BEC_FIELD_FIRST);
  ck_assert_double_eq(m->cflength, 1.0);
  ck_assert_double_eq(m->rc_max, 6.0);
  nnmd_bec_model_free(m);
  ck_assert_int_eq(nnmd_bec_model_load(NULL, bt_data(dir, sizeof dir, "HO"), &m, &err), 0);
  ck_assert_int_eq(m->order, NNMD_BEC_FORCE_FIRST);
  ck_assert_int_eq(m->length_unit, NNMD_BEC_BOHR);
  ck_assert_double_eq(m->cflength, 1.8897261328);
  ck_assert_int_eq(m->n_out, 21);
  ck_assert_double_eq(m->rc_max, 12.0);
  nnmd_bec_model_free(m);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(ann_forward) {
  /* single output: HDNNP network of the shared H2O model (when present) */
  char p[1024];
  struct nnmd_error err;
  nnmd_error_init(&err);
  uint64_t rs = 99;
  if (nt_model_path(p, sizeof p, "H2O_RPBE-D3", "")) {
    struct nnmd_nnp_model *m;
    ck_assert_int_eq(nnmd_nnp_model_load(p, &m, &err), 0);
    for (int e = 0; e < m->n_elem; ++e) {
      const struct nnmd_ann *a = &m->ann[e];
      double g[64], out[1], *scr = calloc(nnmd_ann_scratch_size(a), sizeof(double));
      for (int t = 0; t < 20; ++t) {
        for (int k = 0; k < a->nodes[0]; ++k) g[k] = 2 * tsup_rand_uniform(&rs) - 0.5;
        double y = nnmd_ann_eval(a, g, NULL, scr);
        nnmd_ann_forward(a, g, out, scr);
        ck_assert_double_eq(out[0], y); /* identical arithmetic */
      }
      free(scr);
    }
    nnmd_nnp_model_free(m);
  }
  /* multiple outputs: LiPO networks against plain loops over W_l[k][j] = w[off + j n_l + k] */
  struct nnmd_bec_model *bm;
  ck_assert_int_eq(nnmd_bec_model_load(NULL, bt_data(p, sizeof p, "LiPO"), &bm, &err), 0);
  for (int e = 0; e < bm->nnp->n_elem; ++e) {
    const struct nnmd_ann *a = &bm->nnp->ann[e];
    double *scr = calloc(nnmd_ann_scratch_size(a), sizeof(double)), out[128], y[2][128], g[64];
    for (int k = 0; k < a->nodes[0]; ++k) g[k] = 2 * tsup_rand_uniform(&rs) - 1;
    nnmd_ann_forward(a, g, out, scr);
    const double *prev = g;
    for (int l = 1; l <= a->n_layers; ++l) {
      double *cur = y[l % 2];
      const double *w = a->w + a->w_off[l];
      for (int k = 0; k < a->nodes[l]; ++k) {
        double s = w[(size_t)a->nodes[l - 1] * a->nodes[l] + k];
        for (int j = 0; j < a->nodes[l - 1]; ++j) s += w[(size_t)j * a->nodes[l] + k] * prev[j];
        cur[k] = a->act[l] == 't' ? tanh(s) : s;
      }
      prev = cur;
    }
    for (int k = 0; k < bm->n_out; ++k) ck_assert_double_le(fabs(out[k] - prev[k]), 1e-14 * fmax(1.0, fabs(prev[k])));
    free(scr);
  }
  nnmd_bec_model_free(bm);
  nnmd_error_clear(&err);
}
END_TEST

START_TEST(assemble) {
  enum { P = 5, NO = 1 + P + P * P };
  uint64_t rs = 7;
  double c[NO], v[3 * P], T[9 * P], M[9], R[9];
  for (int k = 0; k < NO; ++k) c[k] = tsup_rand_normal(&rs);
  for (int k = 0; k < 3 * P; ++k) v[k] = tsup_rand_normal(&rs);
  for (int p = 0; p < P; ++p) { /* symmetric traceless, like the model's T */
    double a[9];
    for (int k = 0; k < 9; ++k) a[k] = tsup_rand_normal(&rs);
    for (int r = 0; r < 3; ++r)
      for (int s = 0; s < 3; ++s) T[9 * p + 3 * r + s] = 0.5 * (a[3 * r + s] + a[3 * s + r]);
    double tr = (T[9 * p] + T[9 * p + 4] + T[9 * p + 8]) / 3;
    for (int d = 0; d < 3; ++d) T[9 * p + 4 * d] -= tr;
  }
  nnmd_bec_assemble(P, c, v, T, M);
  /* the definition, term by term, in the documented output order */
  for (int r = 0; r < 3; ++r)
    for (int s = 0; s < 3; ++s) {
      double z = r == s ? c[0] : 0.0;
      int k = 1;
      for (int p = 0; p < P; ++p) z += c[k++] * T[9 * p + 3 * r + s];
      for (int p = 0; p < P; ++p)
        for (int q = p; q < P; ++q) z += c[k++] * 0.5 * (v[3 * p + r] * v[3 * q + s] + v[3 * q + r] * v[3 * p + s]);
      for (int p = 0; p < P; ++p)
        for (int q = p + 1; q < P; ++q)
          z += c[k++] * 0.5 * (v[3 * p + r] * v[3 * q + s] - v[3 * q + r] * v[3 * p + s]);
      ck_assert_int_eq(k, NO);
      R[3 * r + s] = z;
    }
  double mx = bt_max_abs(R, 9);
  for (int k = 0; k < 9; ++k) ck_assert_double_le(fabs(M[k] - R[k]), 1e-14 * mx);
  /* parts: only the A block -> antisymmetric; only the S and T blocks -> symmetric */
  double cA[NO] = {0}, cS[NO] = {0};
  for (int k = 1 + P + P * (P + 1) / 2; k < NO; ++k) cA[k] = c[k];
  for (int k = 0; k < 1 + P + P * (P + 1) / 2; ++k) cS[k] = c[k];
  nnmd_bec_assemble(P, cA, v, T, M);
  for (int r = 0; r < 3; ++r)
    for (int s = 0; s < 3; ++s) ck_assert_double_eq(M[3 * r + s], -M[3 * s + r]);
  ck_assert_double_gt(fabs(M[1]), 1e-3);
  nnmd_bec_assemble(P, cS, v, T, M);
  for (int r = 0; r < 3; ++r)
    for (int s = 0; s < 3; ++s) ck_assert_double_le(fabs(M[3 * r + s] - M[3 * s + r]), 1e-15 * bt_max_abs(M, 9));
}
END_TEST

START_TEST(plain_api_and_order) {
  char dir[1200], xyz[1200];
  struct nt_struct s;
  ck_assert_int_eq(bt_read_extxyz(bt_data(xyz, sizeof xyz, "h2o_molecule.extxyz"), &s), 0);
  double ze[27], zf[27];
  ck_assert_int_eq(bt_eval(bt_data(dir, sizeof dir, "tiny"), &s, 1.0, ze, NULL), 0);
  printf("  worked example of docs/bec.md (tiny model, water molecule), Z[alpha][beta] row-major:\n");
  for (int i = 0; i < 3; ++i) {
    printf("  %d %-2s", i, s.el[i]);
    for (int k = 0; k < 9; ++k) printf(" %13.10f", ze[9 * i + k]);
    printf("\n");
  }
  /* plain API: neighbours in reverse order */
  struct nnmd_error err;
  nnmd_error_init(&err);
  void *st = NULL;
  ck_assert_int_eq(nnmd_bec_term_create(dir, NULL, &st, &err), 0);
  const struct nnmd_nnp_model *m = nnmd_bec_term_model(st);
  double mx = bt_max_abs(ze, 27);
  for (int i = 0; i < 3; ++i) {
    double dx[2], dy[2], dz[2], z[9];
    int el[2], n = 0;
    for (int j = 2; j >= 0; --j) {
      if (j == i) continue;
      dx[n] = s.x[3 * j] - s.x[3 * i];
      dy[n] = s.x[3 * j + 1] - s.x[3 * i + 1];
      dz[n] = s.x[3 * j + 2] - s.x[3 * i + 2];
      el[n++] = nnmd_nnp_model_element(m, s.el[j]);
    }
    int64_t nx = -1;
    ck_assert_int_eq(nnmd_bec_eval_atom(st, nnmd_nnp_model_element(m, s.el[i]), n, dx, dy, dz, el, z, &nx, &err), 0);
    ck_assert_int_eq(nx, 0);
    for (int k = 0; k < 9; ++k) ck_assert_double_le(fabs(z[k] - ze[9 * i + k]), 1e-14 * mx);
  }
  nnmd_pot_bec.destroy(st);
  /* force_first: the same numbers read as M[force][field] -> engine Z = transpose */
  const char *vd = variant("force_first", "bec.nn", "nnmd_bec_index_order", "nnmd_bec_index_order force_first");
  ck_assert_int_eq(bt_eval(vd, &s, 1.0, zf, NULL), 0);
  for (int i = 0; i < 3; ++i)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) ck_assert_double_eq(zf[9 * i + 3 * a + b], ze[9 * i + 3 * b + a]);
  ck_assert_double_gt(fabs(ze[9 * 1 + 1] - ze[9 * 1 + 3]), 1e-3); /* the test can see a transpose */
  /* weights are placed by their index columns: the O file with its lines in reverse order */
  {
    const char *rd = variant("reversed", NULL, NULL, NULL);
    char p[1024], *lines[512], buf[512];
    int n = 0;
    snprintf(p, sizeof p, "%s/bec-weights.008.data", rd);
    FILE *f = fopen(p, "r");
    while (n < 512 && fgets(buf, sizeof buf, f)) lines[n++] = strdup(buf);
    fclose(f);
    f = fopen(p, "w");
    for (int k = n - 1; k >= 0; --k) {
      fputs(lines[k], f);
      free(lines[k]);
    }
    fclose(f);
    ck_assert_int_eq(bt_eval(rd, &s, 1.0, zf, NULL), 0);
    for (int k = 0; k < 27; ++k) ck_assert_double_eq(zf[k], ze[k]);
  }
  /* extrapolation: none for the molecule the scaling was made from, some when stretched */
  int64_t w0 = -1, w1 = -1;
  ck_assert_int_eq(bt_eval(dir, &s, 1.0, zf, &w0), 0);
  ck_assert_int_eq(bt_eval(dir, &s, 1.5, zf, &w1), 0);
  ck_assert_int_eq(w0, 0);
  ck_assert_int_gt(w1, 0);
  nnmd_error_clear(&err);
  nt_struct_free(&s);
}
END_TEST

START_TEST(errors) {
  const char *d;
  const char *const HO[] = {"H", "O"}, *const HOLi[] = {"O", "H", "Li"};
  d = variant("no_order", "bec.nn", "nnmd_bec_index_order", NULL);
  expect_error(d, NULL, 0, "no_order/bec.nn", 0,
               (const char *const[]){"'nnmd_bec_index_order field_first|force_first' is missing", NULL});
  d = variant("no_unit", "bec.nn", "nnmd_length_unit", NULL);
  expect_error(d, NULL, 0, "no_unit/bec.nn", 0, (const char *const[]){"'nnmd_length_unit", "missing", NULL});
  d = variant("unknown_kw", "bec.nn", NULL, "nnmd_bec_radius 1.0 0.5 4.0");
  expect_error(d, NULL, 0, "unknown_kw/bec.nn", line_of(d, "bec.nn", "nnmd_bec_radius"),
               (const char *const[]){"unknown keyword 'nnmd_bec_radius'", "did you mean 'nnmd_bec_radial'", NULL});
  d = variant("outputs", "bec.nn", "nnmd_bec_outputs", "nnmd_bec_outputs 20");
  expect_error(d, NULL, 0, "outputs/bec.nn", line_of(d, "bec.nn", "nnmd_bec_outputs"),
               (const char *const[]){"output layer has 20 neurons", "1 + P + P^2 = 21", NULL});
  /* one radial function less: P = 2, the weight files still describe 21 outputs */
  d = variant("radial", "bec.nn", "nnmd_bec_radial 0.5", NULL);
  expect_error(d, NULL, 0, "radial/bec.nn", line_of(d, "bec.nn", "nnmd_bec_outputs"),
               (const char *const[]){"1 + P + P^2 = 7", "P = 2 elements x 1 radial functions", NULL});
  d = variant("form", "bec.nn", NULL, "nnmd_bec_form charges");
  expect_error(d, NULL, 0, "form/bec.nn", line_of(d, "bec.nn", "nnmd_bec_form"),
               (const char *const[]){"'nnmd_bec_form' must be 'tensor', 'charge', 'tensor_charge' or 'tensor_charge_dipole'", NULL});
  d = variant("form_dipole", "bec.nn", NULL, "nnmd_bec_form tensor_charge_dipole");
  expect_error(d, NULL, 0, "form_dipole/bec.nn", line_of(d, "bec.nn", "nnmd_bec_outputs"),
               (const char *const[]){"output layer has 21 neurons", "1 + 2P + P^2 = 25", NULL});
  d = variant("form_charge", "bec.nn", NULL, "nnmd_bec_form charge");
  expect_error(d, NULL, 0, "form_charge/bec.nn", line_of(d, "bec.nn", "nnmd_bec_form"),
               (const char *const[]){"'nnmd_bec_form charge' has no tensor basis", "nnmd_bec_radial", NULL});
  d = variant("activation", "bec.nn", "global_activation_short", "global_activation_short t t");
  expect_error(d, NULL, 0, "activation/bec.nn", line_of(d, "bec.nn", "global_activation_short"),
               (const char *const[]){"must be 'l' (linear)", NULL});
  d = variant("conv_length", "bec.nn", NULL, "conv_length 2.0");
  expect_error(d, NULL, 0, "conv_length/bec.nn", line_of(d, "bec.nn", "conv_length"),
               (const char *const[]){"'conv_length'", "nnmd_length_unit", NULL});
  d = variant("element", NULL, NULL, NULL);
  expect_error(d, HOLi, 3, "element/bec.nn", 0,
               (const char *const[]){"element 'Li' of the structure is not in the BEC model", "H O", NULL});
  /* weights count: drop the last line of the O file */
  {
    d = variant("count", NULL, NULL, NULL);
    char p[1024], buf[65536];
    snprintf(p, sizeof p, "%s/bec-weights.008.data", d);
    FILE *f = fopen(p, "r");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *last = strrchr(buf, '\n');
    *last = '\0';
    last = strrchr(buf, '\n');
    last[1] = '\0';
    f = fopen(p, "w");
    fputs(buf, f);
    fclose(f);
    expect_error(d, HO, 2, "count/bec-weights.008.data", 0,
                 (const char *const[]){"116 values", "(2 inputs, hidden 4, 21 outputs) has 117 parameters",
                                       "number 117", NULL});
  }
  d = variant("connection", "bec-weights.001.data", " -1.8058174143948016E-02 b", /* a bias line */
              " -1.8058174143948016E-02 a 9 1 1 2 22");
  expect_error(d, HO, 2, "connection/bec-weights.001.data",
               line_of(d, "bec-weights.001.data", " -1.8058174143948016E-02 a"),
               (const char *const[]){"layer 1 neuron 1 to layer 2 neuron 22", "no such connection", NULL});
  d = variant("duplicate", "bec-weights.001.data", " -1.8058174143948016E-02 b",
              "  6.9919423264339753E-01 a         4     0     1     1     4");
  expect_error(d, HO, 2, "duplicate/bec-weights.001.data",
               line_of(d, "bec-weights.001.data", "  6.9919423264339753E-01 a         4") + 5,
               (const char *const[]){"already given at line", NULL});
  d = variant("columns", "bec-weights.001.data", " -1.8058174143948016E-02 b", " -1.8058174143948016E-02");
  expect_error(d, HO, 2, "columns/bec-weights.001.data",
               line_of(d, "bec-weights.001.data", " -1.8058174143948016E-02"),
               (const char *const[]){"placed by their layer and neuron columns", NULL});
}
END_TEST

int main(void) {
  if (nt_init()) return 1;
  Suite *s = suite_create("bec_model");
  TCase *tc = tcase_create("model");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, load_samples);
  tcase_add_test(tc, ann_forward);
  tcase_add_test(tc, assemble);
  tcase_add_test(tc, plain_api_and_order);
  tcase_add_test(tc, errors);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
