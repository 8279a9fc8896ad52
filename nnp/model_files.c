/* model_files.c — reading scaling.data and weights.NNN.data (n2p2-format.md sections 7, 8.3).
 *
 * scaling.data: lines starting with '#' are comments; every other line is
 * `e_index sf_index Gmin Gmax Gmean [Gsigma]` (1-based indices), element blocks in element
 * order, rows in each element's sorted SF order. The line order is authoritative; both
 * indices must match it (n2p2 fails only if both mismatch — we are stricter). An empty line
 * is an error, as in n2p2. The scaling map G~ = smin + s (G - gref) is derived per SF.
 * With `nnmd_charge_node` every element block has one more row, index N_G+1, the statistics
 * of the charge-state input Q_sys (same columns, same scaling mode).
 *
 * weights.NNN.data (NNN = atomic number, %03d): the first column of every non-comment,
 * non-empty line, in the order of ann.h. The count must match the topology exactly, and
 * when the informative columns are present (`a|b index l_s n_s l_e n_e` / `b index l n`)
 * they must describe the connection expected at that position.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "mem.h"
#include "model.h"

static void scaling_map(struct nnmd_nnp_model *m, struct nnmd_nnp_sf *sf) {
  double smin = m->smin, smax = m->smax;
  switch (m->scaling) {
    case NNMD_NNP_ST_SCALE:
      sf->scale = (smax - smin) / (sf->gmax - sf->gmin);
      sf->gref = sf->gmin;
      sf->smin = smin;
      break;
    case NNMD_NNP_ST_CENTER:
      sf->scale = 1.0;
      sf->gref = sf->gmean;
      sf->smin = 0.0;
      break;
    case NNMD_NNP_ST_SCALECENTER:
      sf->scale = (smax - smin) / (sf->gmax - sf->gmin);
      sf->gref = sf->gmean;
      sf->smin = smin;
      break;
    case NNMD_NNP_ST_SCALESIGMA:
      sf->scale = (smax - smin) / sf->gsigma;
      sf->gref = sf->gmean;
      sf->smin = smin;
      break;
    default:
      sf->scale = 1.0;
      sf->gref = 0.0;
      sf->smin = 0.0;
      break;
  }
}

/* Rows of element e in scaling.data: its SFs, plus the charge-state row. */
static int scaling_rows(const struct nnmd_nnp_model *m, int e) { return m->n_sf[e] + (m->charge.on ? 1 : 0); }

/* Parse one scaling row (SF k of element e, or the charge-state input when k == n_sf[e]). */
static int scaling_row(struct nnmd_nnp_model *m, char *line, struct nnmd_loc loc, int e, int k,
                       struct nnmd_error *err) {
  const bool qrow = k == m->n_sf[e];
  double v[6];
  int n = 0;
  char *p = line, *end;
  while (n < 6) {
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') ++p;
    if (!*p) break;
    v[n] = strtod(p, &end);
    if (end == p || !isfinite(v[n]))
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "column %d is not a number", n + 1);
    ++n;
    p = end;
  }
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') ++p;
  if (*p) return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "more than 6 columns");
  if (n < 5) return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "expected 'e_index sf_index Gmin Gmax Gmean [Gsigma]'");
  if (v[0] != e + 1 || v[1] != k + 1)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "row is labelled element %g, SF %g but element %d (%s), %s %d was expected here "
                        "(scaling.data does not match input.nn%s)",
                        v[0], v[1], e + 1, m->sym[e], qrow ? "input" : "SF", k + 1,
                        qrow ? ": nnmd_charge_node needs the row of the charge-state input N_G+1 after each "
                               "element's symmetry functions"
                             : "");
  struct nnmd_nnp_sf *sf = qrow ? &m->charge.scal[e] : &m->sf[m->sf_off[e] + k];
  sf->gmin = v[2];
  sf->gmax = v[3];
  sf->gmean = v[4];
  sf->gsigma = n > 5 ? v[5] : NAN;
  sf->scaling_line = loc.line;
  if (sf->gmin > sf->gmax) return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Gmin > Gmax");
  if ((m->scaling == NNMD_NNP_ST_SCALE || m->scaling == NNMD_NNP_ST_SCALECENTER) && sf->gmax == sf->gmin)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Gmin == Gmax: the scaling factor is undefined");
  if (m->scaling == NNMD_NNP_ST_SCALESIGMA && !(n > 5 && sf->gsigma > 0.0))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "scale_symmetry_functions_sigma needs a positive Gsigma (column 6)");
  scaling_map(m, sf);
  return NNMD_OK;
}

int nnmd_nnp_read_scaling(struct nnmd_files *files, const char *path, struct nnmd_nnp_model *m,
                          struct nnmd_error *err) {
  FILE *f = nnmd_files_open(files, path);
  if (!f)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot open '%s' (the SF scaling file of the model): %s", path,
                     nnmd_files_strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  int64_t lineno = 0, r = 0;
  int e = 0, k = 0, st = NNMD_OK;
  while (st == NNMD_OK && (r = nnmd_read_line(f, &line, &cap, NNMD_LINE_MAX)) > 0) {
    ++lineno;
    if (line[0] == '#') continue;
    struct nnmd_loc loc = {path, lineno, 1};
    if (strspn(line, " \t\r\n") == strlen(line)) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "empty line (n2p2 rejects these too)");
      break;
    }
    while (e < m->n_elem && k >= scaling_rows(m, e)) {
      ++e;
      k = 0;
    }
    if (e >= m->n_elem) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "more rows than symmetry functions in input.nn (%d in all%s)",
                        m->n_sf_total + (m->charge.on ? m->n_elem : 0),
                        m->charge.on ? ", with one charge-state row per element" : "");
      break;
    }
    st = scaling_row(m, line, loc, e, k, err);
    ++k;
  }
  if (st == NNMD_OK && r < NNMD_LINE_EOF) st = nnmd_read_line_fail(err, path, lineno + 1, r);
  free(line);
  fclose(f);
  if (st) return st;
  while (e < m->n_elem && k >= scaling_rows(m, e)) {
    ++e;
    k = 0;
  }
  if (e < m->n_elem)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, lineno, 0}),
                        "too few rows: element %s has %d symmetry functions in input.nn%s but scaling.data "
                        "ends at its row %d",
                        m->sym[e], m->n_sf[e],
                        m->charge.on ? " plus the charge-state row N_G+1 (nnmd_charge_node)" : "", k);
  return NNMD_OK;
}

/* The informative columns of the weight at position `idx` (0-based) of network a. */
static void expected_conn(const struct nnmd_ann *a, size_t idx, int *is_bias, int *l_s, int *n_s,
                          int *l_e, int *n_e) {
  for (int l = 1; l <= a->n_layers; ++l) {
    size_t np = (size_t)a->nodes[l - 1], nl = (size_t)a->nodes[l];
    size_t nw = np * nl;
    if (idx < nw) {
      *is_bias = 0;
      *l_s = l - 1;
      *n_s = (int)(idx / nl) + 1;
      *l_e = l;
      *n_e = (int)(idx % nl) + 1;
      return;
    }
    idx -= nw;
    if (idx < nl) {
      *is_bias = 1;
      *l_s = l;
      *n_s = (int)idx + 1;
      *l_e = *n_e = 0;
      return;
    }
    idx -= nl;
  }
  *is_bias = -1;
}

/* Check the optional columns 2..7 of a weight line against the expected connection. */
static int check_columns(const struct nnmd_ann *a, size_t idx, const char *rest, struct nnmd_loc loc,
                         struct nnmd_error *err) {
  char t = 0;
  long ix = 0, c[4] = {0, 0, 0, 0};
  int n = sscanf(rest, " %c %ld %ld %ld %ld %ld", &t, &ix, &c[0], &c[1], &c[2], &c[3]);
  if (n <= 0) return NNMD_OK; /* only the value column */
  int is_bias = -1, l_s = 0, n_s = 0, l_e = 0, n_e = 0;
  expected_conn(a, idx, &is_bias, &l_s, &n_s, &l_e, &n_e);
  bool ok = (t == 'a' || t == 'b') && (t == 'b') == (is_bias == 1);
  if (ok && n >= 2) ok = ix == (long)idx + 1;
  if (ok && n >= 4) ok = c[0] == l_s && c[1] == n_s;
  if (ok && n >= 6 && !is_bias) ok = c[2] == l_e && c[3] == n_e;
  if (ok) return NNMD_OK;
  if (is_bias)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "expected the bias of layer %d neuron %d here (value %zu of %zu); the weights "
                        "do not match the topology in input.nn",
                        l_s, n_s, idx + 1, a->n_params);
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                      "expected the weight from layer %d neuron %d to layer %d neuron %d here (value %zu "
                      "of %zu); the weights do not match the topology in input.nn",
                      l_s, n_s, l_e, n_e, idx + 1, a->n_params);
}

static int read_weight_file(struct nnmd_files *files, const char *path, struct nnmd_ann *a,
                            struct nnmd_error *err) {
  FILE *f = nnmd_files_open(files, path);
  if (!f)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot open weight file '%s': %s", path, nnmd_files_strerror(errno));
  char *line = NULL;
  size_t cap = 0, n = 0;
  int64_t lineno = 0, r = 0;
  int st = NNMD_OK;
  while (st == NNMD_OK && (r = nnmd_read_line(f, &line, &cap, NNMD_LINE_MAX)) > 0) {
    ++lineno;
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) continue;
    struct nnmd_loc loc = {path, lineno, 1};
    char *end;
    double v = strtod(line, &end);
    if (end == line || !isfinite(v)) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "the first column is not a number");
      break;
    }
    if (n >= a->n_params) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "more values than the network in input.nn has parameters (%zu)", a->n_params);
      break;
    }
    st = check_columns(a, n, end, loc, err);
    a->w[n++] = v;
  }
  if (st == NNMD_OK && r < NNMD_LINE_EOF) st = nnmd_read_line_fail(err, path, lineno + 1, r);
  free(line);
  fclose(f);
  if (st == NNMD_OK && n != a->n_params)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, lineno, 0}),
                      "%zu values, but the network in input.nn (%d inputs) has %zu parameters", n,
                      a->nodes[0], a->n_params);
  return st;
}

int nnmd_nnp_weights_fit(struct nnmd_files *files, const char *path, size_t n_params, struct nnmd_error *err) {
  FILE *f = nnmd_files_open(files, path);
  if (!f) return NNMD_OK; /* the reader reports it */
  off_t size = fseeko(f, 0, SEEK_END) == 0 ? ftello(f) : -1;
  fclose(f);
  if (size >= 0 && n_params > (size_t)size / 2 + 1) /* a value and its newline: >= 2 bytes a parameter */
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, 0, 0}),
                        "%lld bytes cannot hold the %zu parameters of the network in the settings file",
                        (long long)size, n_params);
  return NNMD_OK;
}

int nnmd_nnp_read_weights(struct nnmd_files *files, const char *dir, struct nnmd_nnp_model *m,
                          struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int e = 0; e < m->n_elem; ++e) {
    char path[NNMD_NNP_PATH + 32];
    snprintf(path, sizeof path, "%s/weights.%03d.data", dir, m->z[e]);
    int s = nnmd_nnp_weights_fit(files, path, m->ann[e].n_params, err);
    if (!s) s = nnmd_ann_alloc(&m->ann[e], err);
    if (!s) s = read_weight_file(files, path, &m->ann[e], err);
    if (!s) nnmd_ann_finish(&m->ann[e]);
    if (s && !st) st = s;
  }
  return st;
}
