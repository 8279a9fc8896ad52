/* tconfig.c — train.toml: keys, defaults and checks of `nnmd train` (docs/training.md).
 * Every error names the file and line of the offending key (config getters). Relative
 * paths are relative to the train.toml's folder. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "model.h"
#include "ttrain.h"
#include "units.h"

#define NNMD_BEC_MAX_RADIAL_T 16 /* nnp/bec.h NNMD_BEC_MAX_RADIAL */

void tconfig_free(struct tconfig *c) {
  for (int i = 0; i < c->n_owned; ++i) free(c->owned[i]);
  c->n_owned = 0;
}

static const char *resolve(struct tconfig *c, const char *p) {
  if (!p || p[0] == '/') return p;
  const char *slash = strrchr(c->path, '/');
  if (!slash) return p;
  size_t n = (size_t)(slash - c->path) + 1 + strlen(p) + 1;
  char *r = malloc(n);
  if (!r || c->n_owned >= (int)(sizeof c->owned / sizeof c->owned[0])) {
    free(r);
    return p;
  }
  snprintf(r, n, "%.*s/%s", (int)(slash - c->path), c->path, p);
  c->owned[c->n_owned++] = r;
  return r;
}

static int files(struct tconfig *c, const struct nnmd_cfg *t, const char *key, const char **out, int *n,
                 struct nnmd_loc *loc, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(t, key);
  *n = 0;
  if (!v) return NNMD_OK;
  if (loc) *loc = v->loc;
  if (v->kind == NNMD_CFG_STRING) {
    out[(*n)++] = resolve(c, v->u.s);
    return NNMD_OK;
  }
  if (v->kind != NNMD_CFG_ARRAY)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "[data] %s: a file name or a list of file names", key);
  if (v->n == 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "[data] %s: the list is empty", key);
  if (v->n > TTRAIN_MAX_FILES)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "[data] %s: at most %d files", key, TTRAIN_MAX_FILES);
  for (size_t i = 0; i < v->n; ++i) {
    if (v->items[i]->kind != NNMD_CFG_STRING)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, v->items[i]->loc, "[data] %s: file names are strings", key);
    out[(*n)++] = resolve(c, v->items[i]->u.s);
  }
  return NNMD_OK;
}

static int units(const struct nnmd_cfg *t, const char *where, double *cfl, double *cfe, const char **lu,
                 const char **eu, bool *given, struct nnmd_error *err) {
  static const char *const L[] = {"angstrom", "bohr", NULL}, *const E[] = {"eV", "hartree", NULL};
  int li = -1, ei = -1, st;
  if ((st = nnmd_cfg_choice(t, "length_unit", false, L, &li, err))) return st;
  if ((st = nnmd_cfg_choice(t, "energy_unit", false, E, &ei, err))) return st;
  (void)where;
  *given = li >= 0 && ei >= 0;
  *cfl = li == 1 ? NNMD_BOHR_PER_ANGSTROM : 1.0;
  *cfe = ei == 1 ? NNMD_HARTREE_PER_EV : 1.0;
  if (lu) *lu = li == 1 ? "bohr" : "angstrom";
  if (eu) *eu = ei == 1 ? "hartree" : "eV";
  return NNMD_OK;
}

static char act_letter(const char *s) {
  if (strlen(s) == 1) return s[0];
  static const char *const names[][2] = {{"tanh", "t"}, {"logistic", "s"}, {"sigmoid", "s"}, {"softplus", "p"},
                                         {"relu", "r"}, {"gaussian", "g"}, {"cos", "c"},     {"linear", "l"},
                                         {"identity", "l"}};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; ++k)
    if (!strcmp(s, names[k][0])) return names[k][1][0];
  return 0;
}

static int data_section(struct tconfig *c, const struct nnmd_cfg *d, struct nnmd_error *err) {
  static const char *const keys[] = {"train", "test", "test_fraction", "seed", "format", "energy", "forces",
                                     "stress", "length_unit", "energy_unit", "born_charges", "index_order", NULL};
  int st = nnmd_cfg_check_keys(d, keys, "[data]", err);
  if (st) return st;
  if ((st = files(c, d, "train", c->train, &c->n_train, &c->train_loc, err))) return st;
  if (c->n_train == 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, d->loc, "[data] needs train = [\"file\", ...]");
  if ((st = files(c, d, "test", c->test, &c->n_test, NULL, err))) return st;
  const struct nnmd_cfg *tf = nnmd_cfg_get(d, "test_fraction");
  if (tf) c->test_fraction_loc = tf->loc;
  if ((st = nnmd_cfg_double(d, "test_fraction", false, 0.0, 0.95, &c->test_fraction, err))) return st;
  if (tf && c->n_test)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tf->loc, "[data] give either test files or test_fraction, not both");
  if ((st = nnmd_cfg_int(d, "seed", false, 0, INT64_MAX, &c->split_seed, err))) return st;
  static const char *const fmts[] = {"auto", "extxyz", "n2p2", NULL};
  int fi = 0;
  if ((st = nnmd_cfg_choice(d, "format", false, fmts, &fi, err))) return st;
  c->format = fmts[fi];
  if ((st = nnmd_cfg_string(d, "energy", false, &c->energy_key, err))) return st;
  if ((st = nnmd_cfg_string(d, "forces", false, &c->forces_key, err))) return st;
  if ((st = nnmd_cfg_string(d, "stress", false, &c->stress_key, err))) return st;
  double l, e;
  if ((st = units(d, "[data]", &l, &e, NULL, NULL, &c->data_units_given, err))) return st;
  c->data_length_scale = 1.0 / l; /* file units -> A */
  c->data_energy_scale = 1.0 / e;
  if (c->kind == 1) {
    c->bec_key = "born_charges";
    if ((st = nnmd_cfg_string(d, "born_charges", false, &c->bec_key, err))) return st;
    static const char *const orders[] = {"field_first", "force_first", NULL};
    if (!nnmd_cfg_get(d, "index_order"))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, d->loc,
                          "[data] index_order = \"field_first\" | \"force_first\" is required for Born-charge "
                          "labels: say whether the first index of the 9 values (row-major 3x3) is the field or "
                          "the force direction");
    if ((st = nnmd_cfg_choice(d, "index_order", true, orders, &c->bec_order, err))) return st;
  } else if (nnmd_cfg_get(d, "born_charges") || nnmd_cfg_get(d, "index_order")) {
    const struct nnmd_cfg *b = nnmd_cfg_get(d, "born_charges");
    if (!b) b = nnmd_cfg_get(d, "index_order");
    return nnmd_fail_at(err, NNMD_ERR_INPUT, b->loc,
                        "[data] born_charges/index_order are for Born-charge models: set [model] kind = \"bec\"");
  }
  return NNMD_OK;
}

/* Elements of a template model (the "elements" line of DIR/input.nn), for a [model] table
 * that names a template and no elements. */
static int template_elements(struct tconfig *c, const char *dir, struct nnmd_loc loc, struct nnmd_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/input.nn", dir);
  FILE *fp = nnmd_fopen_input(path);
  if (!fp)
    return nnmd_fail_at(err, NNMD_ERR_FILE, loc, "[model] template: cannot read %s: %s (train the energy model "
                        "first, or give elements = [...])", path, strerror(errno));
  char line[1024];
  int n = 0;
  bool found = false;
  while (!found && fgets(line, sizeof line, fp)) {
    char *p = line;
    while (*p == ' ' || *p == '\t') ++p;
    if (strncmp(p, "elements", 8) || (p[8] != ' ' && p[8] != '\t')) continue;
    found = true;
    for (char *t = strtok(p + 8, " \t\r\n"); t && *t != '#'; t = strtok(NULL, " \t\r\n")) {
      if (n >= NNMD_NNP_MAX_ELEM || strlen(t) > 3) {
        fclose(fp);
        return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "[model] template %s: bad elements line", path);
      }
      snprintf(c->elements[n++], 4, "%s", t);
    }
  }
  fclose(fp);
  if (!found || n == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "[model] template %s has no elements line; give elements = [...]",
                        path);
  c->n_elem = n;
  return NNMD_OK;
}

static int model_section(struct tconfig *c, const struct nnmd_cfg *m, struct nnmd_error *err) {
  static const char *const keys[] = {"kind", "elements", "cutoff", "hidden", "activation", "template", "init",
                                     "length_unit", "energy_unit", "descriptors", "bec_radial", "bec_cutoff",
                                     "bec_form", NULL};
  int st = nnmd_cfg_check_keys(m, keys, "[model]", err);
  if (st) return st;
  int64_t kr = 4;
  if ((st = nnmd_cfg_int(m, "bec_radial", false, 1, NNMD_BEC_MAX_RADIAL_T, &kr, err))) return st;
  c->bec_radial = (int)kr;
  if ((st = nnmd_cfg_double(m, "bec_cutoff", false, 0.0, 1e3, &c->bec_cutoff, err))) return st;
  static const char *const forms[] = {"tensor", "charge", "tensor_charge", "tensor_charge_dipole", NULL};
  c->bec_form = 0;
  if ((st = nnmd_cfg_choice(m, "bec_form", false, forms, &c->bec_form, err))) return st;
  if (c->kind == 0 && (nnmd_cfg_get(m, "bec_radial") || nnmd_cfg_get(m, "bec_cutoff") || nnmd_cfg_get(m, "bec_form")))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, m->loc, "[model] bec_radial/bec_cutoff/bec_form need kind = \"bec\"");
  if (c->bec_form == 1 && (nnmd_cfg_get(m, "bec_radial") || nnmd_cfg_get(m, "bec_cutoff"))) {
    const struct nnmd_cfg *b = nnmd_cfg_get(m, "bec_radial");
    if (!b) b = nnmd_cfg_get(m, "bec_cutoff");
    return nnmd_fail_at(err, NNMD_ERR_INPUT, b->loc,
                        "[model] bec_radial/bec_cutoff belong to the tensor basis; bec_form = \"charge\" has none "
                        "(use \"tensor_charge\" for both)");
  }
  const struct nnmd_cfg *tp = nnmd_cfg_get(m, "template");
  if (tp) {
    if (tp->kind != NNMD_CFG_STRING) return nnmd_fail_at(err, NNMD_ERR_INPUT, tp->loc, "[model] template: a folder name");
    c->template_dir = resolve(c, tp->u.s);
    c->template_loc = tp->loc;
  }
  const struct nnmd_cfg *el = nnmd_cfg_get(m, "elements");
  if (!el && tp) {
    /* a template and no elements: the template's elements */
    if ((st = template_elements(c, c->template_dir, tp->loc, err))) return st;
    c->elements_loc = tp->loc;
  } else if (!el || el->kind != NNMD_CFG_ARRAY || el->n == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, el ? el->loc : m->loc, "[model] needs elements = [\"H\", \"O\", ...]");
  if (el) {
    if (el->n > NNMD_NNP_MAX_ELEM)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, el->loc, "[model] elements: at most %d", NNMD_NNP_MAX_ELEM);
    c->elements_loc = el->loc;
    for (size_t i = 0; i < el->n; ++i) {
      const struct nnmd_cfg *v = el->items[i];
      if (v->kind != NNMD_CFG_STRING || strlen(v->u.s) == 0 || strlen(v->u.s) > 3)
        return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "[model] elements: element symbols such as \"Li\"");
      snprintf(c->elements[i], 4, "%s", v->u.s);
      for (size_t j = 0; j < i; ++j)
        if (!strcmp(c->elements[i], c->elements[j]))
          return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "[model] elements: '%s' twice", c->elements[i]);
    }
    c->n_elem = (int)el->n;
  }
  c->gen.n_elem = c->n_elem;
  memcpy(c->gen.sym, c->elements, sizeof c->elements);
  static const char *const inits[] = {"random", "template", NULL};
  int ii = 0;
  if ((st = nnmd_cfg_choice(m, "init", false, inits, &ii, err))) return st;
  c->init_template = ii == 1;
  if (c->init_template && c->kind == 1)
    return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, nnmd_cfg_get(m, "init")->loc,
                        "[model] init = \"template\" is for energy models (a BEC model starts from random weights; "
                        "template = \"dir\" still gives it the energy model's descriptors)");
  if (c->init_template && !tp)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(m, "init")->loc, "[model] init = \"template\" needs template = \"dir\"");
  bool ug;
  if ((st = units(m, "[model]", &c->cfl, &c->cfe, &c->length_unit, &c->energy_unit, &ug, err))) return st;
  bool rb = false, rh = false;
  if (tp && !ug && nnmd_nnp_recorded_units(c->template_dir, &rb, &rh)) {
    /* a model made by nnmd train records its units in input.nn */
    c->cfl = rb ? NNMD_BOHR_PER_ANGSTROM : 1.0;
    c->cfe = rh ? NNMD_HARTREE_PER_EV : 1.0;
    c->length_unit = rb ? "bohr" : "angstrom";
    c->energy_unit = rh ? "hartree" : "eV";
    ug = true;
  }
  if (tp && !ug)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tp->loc,
                        "[model] template needs length_unit and energy_unit (the template's units; n2p2 files do "
                        "not record them)");
  if (!tp && (nnmd_cfg_get(m, "length_unit") || nnmd_cfg_get(m, "energy_unit")))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, m->loc, "[model] length_unit/energy_unit are for a template; generated "
                        "models are written in angstrom and eV");
  c->gen.cutoff = 0.0;
  if ((st = nnmd_cfg_positive(m, "cutoff", !tp, &c->gen.cutoff, err))) return st;
  c->gen.n_hidden = 2;
  c->gen.hidden[0] = c->gen.hidden[1] = 25;
  const struct nnmd_cfg *hd = nnmd_cfg_get(m, "hidden");
  if (hd) {
    if (hd->kind != NNMD_CFG_ARRAY || hd->n == 0 || hd->n >= NNMD_ANN_MAX_LAYERS)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, hd->loc, "[model] hidden: a list of layer widths, e.g. [25, 25]");
    for (size_t i = 0; i < hd->n; ++i) {
      if (hd->items[i]->kind != NNMD_CFG_INT || hd->items[i]->u.i < 1 || hd->items[i]->u.i > 4096)
        return nnmd_fail_at(err, NNMD_ERR_INPUT, hd->items[i]->loc, "[model] hidden: widths are integers 1..4096");
      c->gen.hidden[i] = (int)hd->items[i]->u.i;
    }
    c->gen.n_hidden = (int)hd->n;
    c->hidden_given = true;
  }
  const char *act = "tanh";
  if ((st = nnmd_cfg_string(m, "activation", false, &act, err))) return st;
  char a = act_letter(act);
  if (!a || !strchr("tspgcSehrl", a))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(m, "activation")->loc,
                        "[model] activation: tanh, logistic, softplus, relu, gaussian, cos (or an n2p2 letter)");
  for (int l = 0; l < c->gen.n_hidden; ++l) c->gen.act[l] = a;
  c->gen.act[c->gen.n_hidden] = 'l';
  if (nnmd_cfg_get(m, "activation")) c->hidden_given = true;
  c->gen.r0 = 0.5;
  c->gen.radial = 8;
  c->gen.angular = 8;
  c->gen.cutoff_type = 6;
  const struct nnmd_cfg *ds = NULL;
  if ((st = nnmd_cfg_table(m, "descriptors", false, &ds, err))) return st;
  if (ds && tp)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ds->loc, "[model] give either template or descriptors, not both");
  if (ds) {
    static const char *const dk[] = {"radial", "angular", "r0", "grid", "angular_type", "cutoff_type", NULL};
    if ((st = nnmd_cfg_check_keys(ds, dk, "[model] descriptors", err))) return st;
    int64_t v = 8;
    if ((st = nnmd_cfg_int(ds, "radial", false, 0, 64, &v, err))) return st;
    c->gen.radial = (int)v;
    v = 8;
    if ((st = nnmd_cfg_int(ds, "angular", false, 0, 64, &v, err))) return st;
    c->gen.angular = (int)v;
    if ((st = nnmd_cfg_double(ds, "r0", false, 0.0, c->gen.cutoff * 0.999, &c->gen.r0, err))) return st;
    static const char *const grids[] = {"centred", "shifted", "centered", NULL}, *const at[] = {"wide", "narrow", NULL};
    int gi = 0, ai = 0;
    if ((st = nnmd_cfg_choice(ds, "grid", false, grids, &gi, err))) return st;
    if ((st = nnmd_cfg_choice(ds, "angular_type", false, at, &ai, err))) return st;
    c->gen.shifted = gi == 1;
    c->gen.narrow = ai == 1;
    v = 6;
    if ((st = nnmd_cfg_int(ds, "cutoff_type", false, 1, 8, &v, err))) return st;
    c->gen.cutoff_type = (int)v;
    if (c->gen.radial + c->gen.angular == 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ds->loc, "[model] descriptors: radial + angular must be > 0");
  }
  return NNMD_OK;
}

static int training_section(struct tconfig *c, const struct nnmd_cfg *t, struct nnmd_error *err) {
  static const char *const keys[] = {"optimizer", "epochs", "batch", "learning_rate", "learning_rate_final",
                                     "energy_weight", "force_weight", "stress_weight", "seed", "output",
                                     "checkpoint", "max_time", "energy_fraction", "force_fraction", "force_batch",
                                     "kalman", "cache_memory", NULL};
  int st = nnmd_cfg_check_keys(t, keys, "[training]", err);
  if (st) return st;
  static const char *const opts[] = {"kalman", "adam", NULL};
  c->optimizer = c->kind == 1 ? 1 : 0;
  if ((st = nnmd_cfg_choice(t, "optimizer", false, opts, &c->optimizer, err))) return st;
  if (c->kind == 1 && c->optimizer == 0)
    return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, nnmd_cfg_get(t, "optimizer")->loc,
                        "[training] optimizer = \"kalman\" is not available for Born-charge models; use \"adam\"");
  c->epochs = 20;
  if ((st = nnmd_cfg_int(t, "epochs", false, 0, 100000000, &c->epochs, err))) return st;
  c->batch = 8;
  if ((st = nnmd_cfg_int(t, "batch", false, 1, 1000000, &c->batch, err))) return st;
  c->lr = 1e-3;
  if ((st = nnmd_cfg_positive(t, "learning_rate", false, &c->lr, err))) return st;
  c->lr_final = c->lr * 0.01;
  if ((st = nnmd_cfg_positive(t, "learning_rate_final", false, &c->lr_final, err))) return st;
  c->wE = 1.0;
  c->wF = c->optimizer == 0 ? 10.0 : 1.0;
  c->wS = 0.0;
  if ((st = nnmd_cfg_double(t, "energy_weight", false, 0.0, 1e12, &c->wE, err))) return st;
  if ((st = nnmd_cfg_double(t, "force_weight", false, 0.0, 1e12, &c->wF, err))) return st;
  if ((st = nnmd_cfg_double(t, "stress_weight", false, 0.0, 1e12, &c->wS, err))) return st;
  c->seed = 1;
  if ((st = nnmd_cfg_int(t, "seed", false, 0, INT64_MAX, &c->seed, err))) return st;
  const char *out = "model";
  if ((st = nnmd_cfg_string(t, "output", false, &out, err))) return st;
  c->output = resolve(c, out);
  c->checkpoint = NULL;
  const char *ck = NULL;
  if ((st = nnmd_cfg_string(t, "checkpoint", false, &ck, err))) return st;
  if (ck) c->checkpoint = resolve(c, ck);
  c->max_time = INFINITY;
  if ((st = nnmd_cfg_positive(t, "max_time", false, &c->max_time, err))) return st;
  c->energy_fraction = 1.0;
  c->force_fraction = 0.02;
  c->force_batch = 4;
  if ((st = nnmd_cfg_double(t, "energy_fraction", false, 0.0, 100.0, &c->energy_fraction, err))) return st;
  if ((st = nnmd_cfg_double(t, "force_fraction", false, 0.0, 100.0, &c->force_fraction, err))) return st;
  if ((st = nnmd_cfg_int(t, "force_batch", false, 1, 64, &c->force_batch, err))) return st;
  c->k_eps = 0.01;
  c->k_q0 = 0.01;
  c->k_qmin = 1e-6;
  c->k_qtau = 2.302;
  c->k_eta0 = 0.01;
  c->k_etamax = 1.0;
  c->k_etatau = 2.302;
  const struct nnmd_cfg *k = NULL;
  if ((st = nnmd_cfg_table(t, "kalman", false, &k, err))) return st;
  if (k) {
    static const char *const kk[] = {"epsilon", "q0", "qmin", "qtau", "eta", "etamax", "etatau", NULL};
    if ((st = nnmd_cfg_check_keys(k, kk, "[training] kalman", err))) return st;
    if ((st = nnmd_cfg_positive(k, "epsilon", false, &c->k_eps, err))) return st;
    if ((st = nnmd_cfg_double(k, "q0", false, 0, 1e6, &c->k_q0, err))) return st;
    if ((st = nnmd_cfg_double(k, "qmin", false, 0, 1e6, &c->k_qmin, err))) return st;
    if ((st = nnmd_cfg_double(k, "qtau", false, 0, 1e6, &c->k_qtau, err))) return st;
    if ((st = nnmd_cfg_positive(k, "eta", false, &c->k_eta0, err))) return st;
    if ((st = nnmd_cfg_positive(k, "etamax", false, &c->k_etamax, err))) return st;
    if ((st = nnmd_cfg_double(k, "etatau", false, 0, 1e6, &c->k_etatau, err))) return st;
  }
  c->cache_gb = 8.0;
  if ((st = nnmd_cfg_positive(t, "cache_memory", false, &c->cache_gb, err))) return st;
  return NNMD_OK;
}

int tconfig_parse(const struct nnmd_cfg *root, const char *path, struct tconfig *c, struct nnmd_error *err) {
  memset(c, 0, sizeof *c);
  c->path = path;
  static const char *const top[] = {"data", "model", "training", NULL};
  int st = nnmd_cfg_check_keys(root, top, "train.toml", err);
  if (st) return st;
  const struct nnmd_cfg *d = NULL, *m = NULL, *t = NULL;
  if ((st = nnmd_cfg_table(root, "data", true, &d, err))) return st;
  if ((st = nnmd_cfg_table(root, "model", true, &m, err))) return st;
  if ((st = nnmd_cfg_table(root, "training", false, &t, err))) return st;
  static const char *const kinds[] = {"energy", "bec", NULL};
  if ((st = nnmd_cfg_choice(m, "kind", false, kinds, &c->kind, err))) return st;
  if (nnmd_cfg_get(m, "kind")) c->kind_loc = nnmd_cfg_get(m, "kind")->loc;
  if ((st = data_section(c, d, err))) return st;
  if ((st = model_section(c, m, err))) return st;
  if (t) {
    if ((st = training_section(c, t, err))) return st;
  } else {
    struct nnmd_cfg empty = {.kind = NNMD_CFG_TABLE};
    if ((st = training_section(c, &empty, err))) return st;
  }
  return NNMD_OK;
}
