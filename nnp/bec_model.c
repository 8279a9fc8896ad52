/* bec_model.c — reading a BEC model folder (bec.h, docs/bec.md): bec.nn, bec-scaling.data,
 * bec-weights.NNN.data.
 *
 * bec.nn is read by the input.nn reader (model_settings.c) with the nnmd keywords below as
 * extra keywords, then set up by the HDNNP loader's settings part (model.c): elements (sorted
 * by atomic number), cutoff_type, symmetry_function lines (sorted as n2p2 does), scaling mode,
 * network topology. nnmd keywords:
 *   nnmd_bec_form tensor|charge|tensor_charge|tensor_charge_dipole   optional (default tensor;
 *                                          bec.h)
 *   nnmd_bec_radial eta rs rc             one line per radial function (>= 1, <= 16; none
 *                                          for the charge form)
 *   nnmd_bec_index_order field_first|force_first   required
 *   nnmd_length_unit angstrom|bohr         required
 *   nnmd_bec_outputs N                     required, N = 1 + P + P^2 (P = n_elem * K; 1 for
 *                                          the charge form; 1 + 2P + P^2 for tensor_charge_dipole)
 * Refused: energy normalisation (mean_energy, conv_energy, conv_length), atom_energy,
 * nnmd_charge_node; the output activation must be 'l' (linear).
 * The networks get N outputs (ann.h nnmd_ann_set_outputs). bec-scaling.data has the syntax
 * and rules of scaling.data (model_files.c). bec-weights.NNN.data: every non-comment line is
 * `value a index l_s n_s l_e n_e` (weight from neuron n_s of layer l_s to neuron n_e of layer
 * l_e = l_s + 1) or `value b index l n` (bias of neuron n of layer l); values are PLACED BY
 * THESE INDICES (not by line order); each parameter must appear exactly once.
 * Errors name the file and line.
 */
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bec.h"
#include "files.h"
#include "mem.h"
#include "units.h"

static const struct nnmd_nnp_extra_kw k_extra[] = {{"nnmd_bec_radial", true},
                                                   {"nnmd_bec_index_order", false},
                                                   {"nnmd_length_unit", false},
                                                   {"nnmd_bec_outputs", false},
                                                   {"nnmd_bec_form", false},
                                                   {NULL, false}};

static struct nnmd_loc kloc(const struct nnmd_bec_model *m, const struct nnmd_nnp_kwline *kl) {
  return (struct nnmd_loc){m->path, kl ? kl->line : 0, kl ? 1 : 0};
}

static bool num(const char *s, double *v) {
  char *end;
  *v = strtod(s, &end);
  return end != s && *end == '\0' && isfinite(*v);
}

/* Keywords of input.nn that have no meaning for a BEC model. */
static int refuse_keywords(struct nnmd_bec_model *m, const struct nnmd_nnp_settings *s, struct nnmd_error *err) {
  static const char *const bad[][2] = {
      {"mean_energy", "energy normalisation is not used by a BEC model"},
      {"conv_energy", "energy normalisation is not used by a BEC model"},
      {"conv_length", "length normalisation is not supported in a BEC model (declare nnmd_length_unit)"},
      {"atom_energy", "a BEC model has no atomic energy offsets"},
      {"nnmd_charge_node", "a BEC model has no charge-state input"},
  };
  int st = NNMD_OK;
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(s, bad[k][0]);
    if (kl) st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl), "'%s': %s", bad[k][0], bad[k][1]);
  }
  return st;
}

static int choice(struct nnmd_bec_model *m, const struct nnmd_nnp_settings *s, const char *key, const char *a,
                  const char *b, const char *what, int *out, struct nnmd_error *err) {
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(s, key);
  if (!kl)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, NULL), "required keyword '%s %s|%s' is missing (%s)", key,
                        a, b, what);
  if (kl->ntok == 1 && strcmp(kl->tok[0], a) == 0) *out = 0;
  else if (kl->ntok == 1 && strcmp(kl->tok[0], b) == 0) *out = 1;
  else
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl), "'%s' must be '%s' or '%s'", key, a, b);
  return NNMD_OK;
}

static int read_nnmd_keywords(struct nnmd_bec_model *m, const struct nnmd_nnp_settings *s, struct nnmd_error *err) {
  int st = choice(m, s, "nnmd_bec_index_order", "field_first", "force_first",
                  "the file must declare whether its Z[i][j] has i = field (field_first) or i = force "
                  "(force_first) direction",
                  &m->order, err);
  int s2 = choice(m, s, "nnmd_length_unit", "angstrom", "bohr",
                  "n2p2 files do not record their length unit", &m->length_unit, err);
  if (!st) st = s2;
  m->cflength = m->length_unit == NNMD_BEC_BOHR ? NNMD_BOHR_PER_ANGSTROM : 1.0;
  m->form = NNMD_BEC_FORM_TENSOR;
  const struct nnmd_nnp_kwline *kf = nnmd_nnp_settings_find(s, "nnmd_bec_form");
  if (kf) {
    static const char *const forms[] = {"tensor", "charge", "tensor_charge", "tensor_charge_dipole"};
    int f = -1;
    for (int k = 0; k < 4 && kf->ntok == 1; ++k)
      if (strcmp(kf->tok[0], forms[k]) == 0) f = k;
    if (f < 0)
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kf),
                        "'nnmd_bec_form' must be 'tensor', 'charge', 'tensor_charge' or 'tensor_charge_dipole'");
    else m->form = f;
  }
  m->deriv = m->form != NNMD_BEC_FORM_TENSOR;
  m->dipole = m->form == NNMD_BEC_FORM_TENSOR_CHARGE_DIPOLE;
  m->K = 0;
  m->rc_radial = 0.0;
  for (int i = 0; i < s->n; ++i) {
    const struct nnmd_nnp_kwline *kl = &s->lines[i];
    if (strcmp(kl->key, "nnmd_bec_radial") != 0) continue;
    double v[3];
    if (kl->ntok != 3 || !num(kl->tok[0], &v[0]) || !num(kl->tok[1], &v[1]) || !num(kl->tok[2], &v[2])) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl), "'nnmd_bec_radial' needs three numbers: eta rs rc");
      continue;
    }
    if (!(v[0] >= 0.0) || !(v[2] > 0.0)) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl), "'nnmd_bec_radial': eta must be >= 0 and rc > 0");
      continue;
    }
    if (m->K == NNMD_BEC_MAX_RADIAL) {
      st = nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, kloc(m, kl), "more than %d nnmd_bec_radial lines",
                        NNMD_BEC_MAX_RADIAL);
      break;
    }
    m->eta[m->K] = v[0];
    m->rs[m->K] = v[1];
    m->rc[m->K] = v[2];
    m->radial_line[m->K] = kl->line;
    m->rc_radial = fmax(m->rc_radial, v[2]);
    m->K++;
  }
  if (m->K == 0 && !st && m->form != NNMD_BEC_FORM_CHARGE)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, NULL),
                      "no 'nnmd_bec_radial eta rs rc' line: the model needs at least one radial function");
  if (m->K > 0 && !st && m->form == NNMD_BEC_FORM_CHARGE)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kf),
                      "'nnmd_bec_form charge' has no tensor basis: remove the nnmd_bec_radial lines (or use "
                      "tensor_charge)");
  return st;
}

/* nnmd_bec_outputs against the basis size; the output activation. */
static int check_outputs(struct nnmd_bec_model *m, const struct nnmd_nnp_settings *s, struct nnmd_error *err) {
  m->P = m->nnp->n_elem * m->K;
  m->dip_off = 1 + m->P + m->P * m->P;
  m->n_out = m->dip_off + (m->dipole ? m->P : 0);
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(s, "nnmd_bec_outputs");
  double v;
  if (!kl)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, NULL),
                        "required keyword 'nnmd_bec_outputs' is missing (the output-layer size, "
                        "%s = %d here)",
                        m->dipole ? "1 + 2P + P^2" : "1 + P + P^2", m->n_out);
  if (kl->ntok != 1 || !num(kl->tok[0], &v) || v != floor(v))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl), "'nnmd_bec_outputs' needs one integer");
  if (v != m->n_out)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, kl),
                        "the output layer has %s neurons but the tensor basis needs %s = %d "
                        "(P = %d elements x %d radial functions = %d)",
                        kl->tok[0], m->dipole ? "1 + 2P + P^2" : "1 + P + P^2", m->n_out, m->nnp->n_elem, m->K, m->P);
  const struct nnmd_nnp_kwline *ka = nnmd_nnp_settings_find(s, "global_activation_short");
  const struct nnmd_ann *a = &m->nnp->ann[0];
  if (ka && a->act[a->n_layers] != 'l')
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, kloc(m, ka),
                        "the output activation of a BEC network must be 'l' (linear), not '%c'",
                        a->act[a->n_layers]);
  return NNMD_OK;
}

/* Parse `value a index l_s n_s l_e n_e` / `value b index l n`; returns the parameter's
 * position in the ann.h layout or -1 with an error. */
static long weight_slot(const struct nnmd_ann *a, const char *line, struct nnmd_loc loc, double *value,
                        struct nnmd_error *err) {
  char t = 0, extra[2];
  long ix, c[4];
  int n = sscanf(line, "%lf %c %ld %ld %ld %ld %ld %1s", value, &t, &ix, &c[0], &c[1], &c[2], &c[3], extra);
  const int L = a->n_layers;
  if (n >= 1 && !isfinite(*value)) n = 0;
  if (n == 5 && t == 'b') {
    long l = c[0], k = c[1];
    if (l < 1 || l > L || k < 1 || k > a->nodes[l]) {
      nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                   "bias of layer %ld neuron %ld: the network in bec.nn has no such neuron (layers 1..%d; "
                   "this layer has %d neurons)",
                   l, k, L, l >= 1 && l <= L ? a->nodes[l] : 0);
      return -1;
    }
    return (long)a->w_off[l] + (long)a->nodes[l - 1] * a->nodes[l] + (k - 1);
  }
  if (n == 7 && t == 'a') {
    long ls = c[0], ns = c[1], le = c[2], ne = c[3];
    if (le != ls + 1 || le < 1 || le > L || ns < 1 || ns > a->nodes[ls] || ne < 1 || ne > a->nodes[le]) {
      nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                   "weight from layer %ld neuron %ld to layer %ld neuron %ld: the network in bec.nn has no "
                   "such connection (layers 0..%d, %d inputs, %d outputs)",
                   ls, ns, le, ne, L, a->nodes[0], a->nodes[L]);
      return -1;
    }
    return (long)a->w_off[le] + (ns - 1) * a->nodes[le] + (ne - 1);
  }
  nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
               "expected 'value a index l_s n_s l_e n_e' or 'value b index l n' (BEC weights are placed "
               "by their layer and neuron columns)");
  return -1;
}

static int read_weights(struct nnmd_files *files, const char *path, struct nnmd_ann *a, struct nnmd_error *err) {
  FILE *f = nnmd_files_open(files, path);
  if (!f)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot open BEC weight file '%s': %s", path, nnmd_files_strerror(errno));
  int64_t *seen = nnmd_calloc(a->n_params, sizeof(int64_t), err);
  if (!seen) {
    fclose(f);
    return NNMD_ERR_NOMEM;
  }
  char *line = NULL;
  size_t cap = 0, count = 0;
  int64_t lineno = 0, r = 0;
  int st = NNMD_OK;
  while (st == NNMD_OK && (r = nnmd_read_line(f, &line, &cap, NNMD_LINE_MAX)) > 0) {
    ++lineno;
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) continue;
    struct nnmd_loc loc = {path, lineno, 1};
    double v;
    long k = weight_slot(a, line, loc, &v, err);
    if (k < 0) {
      st = NNMD_ERR_FORMAT;
      break;
    }
    if (seen[k]) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "this parameter was already given at line %lld", (long long)seen[k]);
      break;
    }
    seen[k] = lineno;
    a->w[k] = v;
    ++count;
  }
  if (st == NNMD_OK && r < NNMD_LINE_EOF) st = nnmd_read_line_fail(err, path, lineno + 1, r);
  free(line);
  fclose(f);
  if (st == NNMD_OK && count != a->n_params) {
    size_t miss = 0;
    while (miss < a->n_params && seen[miss]) ++miss;
    char hid[96] = "";
    for (int l = 1; l < a->n_layers; ++l) {
      char t[16];
      snprintf(t, sizeof t, "%s%d", l > 1 ? "-" : "", a->nodes[l]);
      strncat(hid, t, sizeof hid - strlen(hid) - 1);
    }
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, 0, 0}),
                      "%zu values, but the network in bec.nn (%d inputs, hidden %s, %d outputs) has %zu "
                      "parameters (the first missing one is number %zu in n2p2 order)",
                      count, a->nodes[0], hid[0] ? hid : "none", a->nodes[a->n_layers], a->n_params, miss + 1);
  }
  free(seen);
  return st;
}

void nnmd_bec_model_free(struct nnmd_bec_model *m) {
  if (!m) return;
  nnmd_nnp_model_free(m->nnp);
  free(m);
}

int nnmd_bec_model_load(struct nnmd_files *files, const char *dir, struct nnmd_bec_model **out,
                        struct nnmd_error *err) {
  *out = NULL;
  struct nnmd_bec_model *m = nnmd_calloc(1, sizeof *m, err);
  if (!m) return NNMD_ERR_NOMEM;
  m->nnp = nnmd_calloc(1, sizeof *m->nnp, err);
  if (!m->nnp) {
    free(m);
    return NNMD_ERR_NOMEM;
  }
  snprintf(m->nnp->dir, sizeof m->nnp->dir, "%s", dir);
  snprintf(m->path, sizeof m->path, "%s/bec.nn", dir);
  struct nnmd_nnp_settings s;
  int st = nnmd_nnp_settings_read_ext(files, m->path, k_extra, &s, err);
  if (st) {
    nnmd_bec_model_free(m);
    return st;
  }
  st = refuse_keywords(m, &s, err);
  int s2 = read_nnmd_keywords(m, &s, err);
  if (!st) st = s2;
  if (!st) st = nnmd_nnp_model_from_settings(&s, m->nnp, err);
  if (!st) st = check_outputs(m, &s, err);
  nnmd_nnp_settings_free(&s);
  struct nnmd_nnp_model *nn = m->nnp;
  char path[NNMD_NNP_PATH + 64];
  for (int e = 0; !st && e < nn->n_elem; ++e) {
    nnmd_ann_set_outputs(&nn->ann[e], m->n_out);
    snprintf(path, sizeof path, "%s/bec-weights.%03d.data", dir, nn->z[e]);
    st = nnmd_nnp_weights_fit(files, path, nn->ann[e].n_params, err);
    if (!st) st = nnmd_ann_alloc(&nn->ann[e], err);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/bec-scaling.data", dir);
    st = nnmd_nnp_read_scaling(files, path, nn, err);
  }
  for (int e = 0; !st && e < nn->n_elem; ++e) {
    snprintf(path, sizeof path, "%s/bec-weights.%03d.data", dir, nn->z[e]);
    st = read_weights(files, path, &nn->ann[e], err);
    if (!st) nnmd_ann_finish(&nn->ann[e]);
  }
  if (st) {
    nnmd_bec_model_free(m);
    return st;
  }
  m->rc_max = fmax(nn->rc_max, m->rc_radial);
  *out = m;
  return NNMD_OK;
}
