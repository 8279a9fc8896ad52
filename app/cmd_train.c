/* cmd_train.c — `nnmd train TRAIN.toml` and `nnmd check TRAIN.toml` for training inputs:
 * parse the TOML (compiler-style errors), run the training (train/ttrain.h), then draw the
 * learning curves and parity plots from the files the run wrote (train.csv,
 * parity_energy.csv, parity_forces.csv) into the model folder: learning.svg,
 * parity_energy.svg, parity_forces.svg (one colour per element).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plot_svg.h"
#include "toml.h"
#include "ttrain.h"

struct table {
  int rows, cols;
  double *v;
  char **tag; /* column 1 text of each row (parity_forces: element) */
};

static void table_free(struct table *t) {
  for (int r = 0; r < t->rows; ++r) free(t->tag ? t->tag[r] : NULL);
  free(t->tag);
  free(t->v);
}

/* Read a CSV with a header; numbers (text in column `tagcol` kept as tag). */
static int read_csv(const char *path, int tagcol, struct table *t) {
  memset(t, 0, sizeof *t);
  FILE *fp = fopen(path, "r");
  if (!fp) return -1;
  char *line = NULL;
  size_t cap = 0;
  int cap_rows = 0;
  bool header = true;
  while (getline(&line, &cap, fp) > 0) {
    if (header) {
      header = false;
      t->cols = 1;
      for (char *p = line; *p; ++p) t->cols += *p == ',';
      continue;
    }
    if (t->rows == cap_rows) {
      cap_rows = cap_rows ? 2 * cap_rows : 1024;
      t->v = realloc(t->v, (size_t)cap_rows * t->cols * sizeof(double));
      t->tag = realloc(t->tag, (size_t)cap_rows * sizeof(char *));
    }
    char *save = NULL, *tok = strtok_r(line, ",\n", &save);
    t->tag[t->rows] = NULL;
    for (int c = 0; c < t->cols; ++c) {
      double x = NAN;
      if (tok) {
        if (c == tagcol) t->tag[t->rows] = strdup(tok);
        else x = strtod(tok, NULL);
      }
      t->v[(size_t)t->rows * t->cols + c] = x;
      tok = strtok_r(NULL, ",\n", &save);
    }
    t->rows++;
  }
  free(line);
  fclose(fp);
  return 0;
}

static double *column(const struct table *t, int c) {
  double *x = malloc(((size_t)t->rows + 1) * sizeof(double));
  for (int r = 0; r < t->rows; ++r) x[r] = t->v[(size_t)r * t->cols + c];
  return x;
}

static void plots(const char *dir) {
  char path[4200];
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct table t;
  snprintf(path, sizeof path, "%s/train.csv", dir);
  if (!read_csv(path, -1, &t) && t.rows > 0) {
    double *ep = column(&t, 0), *ftr = column(&t, 4), *fte = column(&t, 5), *etr = column(&t, 2), *ete = column(&t, 3);
    struct nnmd_plot_series s[4] = {{"F train, meV/A", ep, ftr, t.rows, false, 0, false},
                                    {"F test, meV/A", ep, fte, t.rows, true, 0, false},
                                    {"E train, meV/atom x10", ep, etr, t.rows, false, 1, false},
                                    {"E test, meV/atom x10", ep, ete, t.rows, true, 1, false}};
    for (int r = 0; r < t.rows; ++r) {
      etr[r] *= 10;
      ete[r] *= 10;
    }
    struct nnmd_plot p = {.title = "nnmd train: learning curves (RMSE)", .xlabel = "epoch", .ylabel = "RMSE",
                          .y_from_zero = true};
    /* the untrained epoch 0 is off the scale: start the plot at epoch 1 when there is one */
    if (t.rows > 2) {
      for (int k = 0; k < 4; ++k) {
        s[k].x++;
        s[k].y++;
        s[k].n--;
      }
    }
    snprintf(path, sizeof path, "%s/learning.svg", dir);
    if (nnmd_plot_svg(path, &p, s, 4, &err)) nnmd_error_clear(&err);
    free(ep);
    free(ftr);
    free(fte);
    free(etr);
    free(ete);
  }
  table_free(&t);
  snprintf(path, sizeof path, "%s/parity_energy.csv", dir);
  if (!read_csv(path, -1, &t) && t.rows > 0) {
    double *x = column(&t, 2), *y = column(&t, 3);
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < t.rows; ++r) {
      lo = fmin(lo, fmin(x[r], y[r]));
      hi = fmax(hi, fmax(x[r], y[r]));
    }
    double dx[2] = {lo, hi};
    struct nnmd_plot_series s[2] = {{"test frames", x, y, t.rows, false, 0, true}, {"y = x", dx, dx, 2, true, 7, false}};
    struct nnmd_plot p = {.title = "energy parity (test frames)", .xlabel = "DFT energy (eV/atom)",
                          .ylabel = "NNP energy (eV/atom)"};
    snprintf(path, sizeof path, "%s/parity_energy.svg", dir);
    if (nnmd_plot_svg(path, &p, s, 2, &err)) nnmd_error_clear(&err);
    free(x);
    free(y);
  }
  table_free(&t);
  for (int pass = 0; pass < 2; ++pass) {
  snprintf(path, sizeof path, pass ? "%s/parity_bec.csv" : "%s/parity_forces.csv", dir);
  if (!read_csv(path, 1, &t) && t.rows > 0) {
    /* one series per element, at most 20,000 points each */
    struct nnmd_plot_series s[17];
    char names[16][8];
    double *xs[16], *ys[16];
    int ns = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < t.rows; ++r) {
      const char *el = t.tag[r] ? t.tag[r] : "?";
      int k;
      for (k = 0; k < ns; ++k)
        if (!strcmp(names[k], el)) break;
      if (k == ns) {
        if (ns == 16) continue;
        snprintf(names[ns], 8, "%s", el);
        xs[ns] = malloc((size_t)t.rows * sizeof(double));
        ys[ns] = malloc((size_t)t.rows * sizeof(double));
        s[ns] = (struct nnmd_plot_series){names[ns], xs[ns], ys[ns], 0, false, ns, true};
        ++ns;
      }
      if (s[k].n >= 20000) continue;
      double a = t.v[(size_t)r * t.cols + 3], b = t.v[(size_t)r * t.cols + 4];
      xs[k][s[k].n] = a;
      ys[k][s[k].n] = b;
      s[k].n++;
      lo = fmin(lo, fmin(a, b));
      hi = fmax(hi, fmax(a, b));
    }
    double dx[2] = {lo, hi};
    s[ns] = (struct nnmd_plot_series){"y = x", dx, dx, 2, true, 7, false};
    struct nnmd_plot p = {.title = "force parity (test frames, components)", .xlabel = "DFT force (eV/A)",
                          .ylabel = "NNP force (eV/A)"};
    if (pass) {
      p.title = "Born-charge parity (test frames, 9 components, ASR applied)";
      p.xlabel = "DFT Z* (e)";
      p.ylabel = "NNP Z* (e)";
    }
    snprintf(path, sizeof path, pass ? "%s/parity_bec.svg" : "%s/parity_forces.svg", dir);
    if (nnmd_plot_svg(path, &p, s, ns + 1, &err)) nnmd_error_clear(&err);
    for (int k = 0; k < ns; ++k) {
      free(xs[k]);
      free(ys[k]);
    }
  }
  table_free(&t);
  }
}

bool nnmd_is_train_input(const char *path) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  bool yes = false;
  if (!nnmd_toml_parse_file(path, &root, &err))
    yes = nnmd_cfg_get(root, "data") && !nnmd_cfg_get(root, "run") && !nnmd_cfg_get(root, "system");
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return yes;
}

int nnmd_cmd_train_file(const struct nnmd_cli *cli, const char *input, bool check_only) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  struct tconfig c;
  memset(&c, 0, sizeof c);
  int st = nnmd_toml_parse_file(input, &root, &err);
  if (!st) st = tconfig_parse(root, input, &c, &err);
  c.stop = cli->stop_flag;
  int code = NNMD_EXIT_OK;
  if (st) code = NNMD_EXIT_INPUT;
  else {
    struct ttrain_result res;
    st = ttrain_run(&c, cli->comm, check_only, &res, &err);
    if (st == NNMD_ERR_INTERRUPTED) code = NNMD_EXIT_INTERRUPTED;
    else if (st) code = (st == NNMD_ERR_INPUT || st == NNMD_ERR_FORMAT || st == NNMD_ERR_UNSUPPORTED) ? NNMD_EXIT_INPUT
                                                                                                  : NNMD_EXIT_RUNTIME;
    else if (!check_only && nnmd_comm_rank(cli->comm) == 0) {
      plots(c.output);
      if (c.kind == 1)
        printf("train: best epoch %d: test RMSE of Z* %.4f e (diagonal %.4f, off-diagonal %.4f; ASR applied)",
               res.best_epoch, res.test_e, res.test_f, res.test_s);
      else {
        printf("train: best epoch %d: test RMSE E %.3f meV/atom, F %.2f meV/A", res.best_epoch, res.test_e,
               res.test_f);
        if (isfinite(res.test_s)) printf(", stress %.4f GPa", res.test_s);
      }
      printf("; %.1f s\ntrain: model written to %s (learning.svg, parity_*.svg, train.csv, train.json)\n", res.wall,
             c.output);
    }
  }
  if (st && nnmd_comm_rank(cli->comm) == 0) nnmd_error_print(&err, stderr, cli->verbosity > 1);
  tconfig_free(&c);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return code;
}

int nnmd_cmd_train(const struct nnmd_cli *cli, int argc, char **argv) {
  const char *input = NULL;
  bool check = false;
  for (int i = 0; i < argc; ++i) {
    if (!strcmp(argv[i], "--check")) check = true;
    else if (argv[i][0] == '-') {
      fprintf(stderr, "error: unknown option '%s' for train (see nnmd --help)\n", argv[i]);
      return NNMD_EXIT_INPUT;
    } else if (!input) input = argv[i];
    else {
      fprintf(stderr, "error: unexpected argument '%s'\n", argv[i]);
      return NNMD_EXIT_INPUT;
    }
  }
  if (!input) {
    fprintf(stderr, "error: nnmd train needs a TRAIN.toml (see docs/training.md)\n");
    return NNMD_EXIT_INPUT;
  }
  return nnmd_cmd_train_file(cli, input, check);
}
