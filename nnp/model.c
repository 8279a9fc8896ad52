/* model.c — loading an n2p2 model folder in n2p2's setup order (n2p2-format.md section 1):
 * settings, normalisation, elements (sorted by atomic number), atom_energy offsets, cutoff
 * type, symmetry functions (model_sf.c), scaling mode, network topology, scaling.data and
 * weights (model_files.c). See model.h for the resulting tables. The nnmd extension
 * `nnmd_charge_node` (charge-state input, methods.md section 5) adds input N_G+1 to every
 * network: one more scaling.data row per element and N_G+1 inputs in the weight files.
 *
 * Unsupported features are refused with file:line errors, never ignored: nnp_type other
 * than 2G (4G / Q-HDNNP charge networks), per-element network overrides
 * (element_hidden_layers_short, element_nodes_short, element_activation_short).
 */
#include "model.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor_math.h"

/* Bounds on what input.nn may claim before anything is allocated (n2p2 networks have tens to
 * hundreds of nodes per layer and at most ~1e5 parameters). */
enum { NNP_MAX_WIDTH = 100000, NNP_MAX_PARAMS = 100000000 }; /* the width is in a message too */
#include "files.h"
#include "mem.h"
#include "species.h"

struct loader {
  struct nnmd_nnp_model *m;
  const struct nnmd_nnp_settings *s;
  struct nnmd_error *err;
  int st;
};

static struct nnmd_loc kl_loc(const struct loader *L, const struct nnmd_nnp_kwline *kl) {
  return (struct nnmd_loc){L->s->path, kl ? kl->line : 0, kl ? 1 : 0};
}

static void fail(struct loader *L, const struct nnmd_nnp_kwline *kl, int status, const char *fmt,
                 const char *a) {
  L->st = nnmd_fail_at(L->err, status, kl_loc(L, kl), fmt, a);
}

static const struct nnmd_nnp_kwline *need(struct loader *L, const char *key) {
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(L->s, key);
  if (!kl) fail(L, NULL, NNMD_ERR_FORMAT, "required keyword '%s' is missing", key);
  return kl;
}

static bool to_double(const char *s, double *v) {
  char *end;
  *v = strtod(s, &end);
  return end != s && *end == '\0' && isfinite(*v);
}

static bool to_int(const char *s, int *v) {
  char *end;
  long x = strtol(s, &end, 10);
  *v = (int)x;
  return end != s && *end == '\0' && x >= -1000000 && x <= 1000000;
}

/* A keyword with exactly one numeric argument. */
static bool one_double(struct loader *L, const struct nnmd_nnp_kwline *kl, double *v) {
  if (kl->ntok != 1 || !to_double(kl->tok[0], v)) {
    fail(L, kl, NNMD_ERR_FORMAT, "'%s' needs one number", kl->key);
    return false;
  }
  return true;
}

static void read_nnp_type(struct loader *L) {
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(L->s, "nnp_type");
  if (!kl) return;
  const char *v = kl->ntok ? kl->tok[0] : "";
  if (strcmp(v, "2G-HDNNP") == 0 || strcmp(v, "2") == 0) return;
  fail(L, kl, NNMD_ERR_UNSUPPORTED,
       "nnp_type '%s' is not supported: nnmd evaluates 2G-HDNNPs only (no 4G/Q-HDNNP charge networks)", v);
}

static int cmp_z(const void *a, const void *b) {
  int za = nnmd_element_z((const char *)a), zb = nnmd_element_z((const char *)b);
  return za < zb ? -1 : (za > zb ? 1 : 0);
}

static void read_elements(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  const struct nnmd_nnp_kwline *kn = need(L, "number_of_elements"), *ke = need(L, "elements");
  if (!kn || !ke) return;
  int n = 0;
  if (kn->ntok != 1 || !to_int(kn->tok[0], &n) || n < 1)
    return fail(L, kn, NNMD_ERR_FORMAT, "'%s' needs one positive integer", kn->key);
  if (ke->ntok != n) {
    char msg[160];
    snprintf(msg, sizeof msg, "'elements' lists %d symbols but number_of_elements is %d", ke->ntok, n);
    return fail(L, ke, NNMD_ERR_FORMAT, "%s", msg);
  }
  if (n > NNMD_NNP_MAX_ELEM) return fail(L, ke, NNMD_ERR_UNSUPPORTED, "%s", "too many elements (max 16)");
  char sym[NNMD_NNP_MAX_ELEM][4];
  for (int i = 0; i < n; ++i) {
    if (strlen(ke->tok[i]) > 3 || nnmd_element_z(ke->tok[i]) <= 0)
      return fail(L, ke, NNMD_ERR_FORMAT, "'%s' is not an element symbol", ke->tok[i]);
    snprintf(sym[i], sizeof sym[i], "%s", ke->tok[i]);
    for (int k = 0; k < i; ++k)
      if (strcmp(sym[k], sym[i]) == 0) return fail(L, ke, NNMD_ERR_FORMAT, "element '%s' listed twice", sym[i]);
  }
  qsort(sym, (size_t)n, sizeof sym[0], cmp_z);
  m->n_elem = n;
  for (int i = 0; i < n; ++i) {
    memcpy(m->sym[i], sym[i], sizeof sym[i]);
    m->z[i] = nnmd_element_z(sym[i]);
  }
}

static void read_normalization(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  const struct nnmd_nnp_kwline *km = nnmd_nnp_settings_find(L->s, "mean_energy"),
                               *ke = nnmd_nnp_settings_find(L->s, "conv_energy"),
                               *kc = nnmd_nnp_settings_find(L->s, "conv_length");
  m->mean_energy = 0.0;
  m->conv_energy = m->conv_length = 1.0;
  m->normalized = false;
  if (!km && !ke && !kc) return;
  if (!km || !ke || !kc)
    return fail(L, km ? km : (ke ? ke : kc), NNMD_ERR_FORMAT, "%s",
                "mean_energy, conv_energy and conv_length must be given together");
  if (!one_double(L, km, &m->mean_energy) || !one_double(L, ke, &m->conv_energy) ||
      !one_double(L, kc, &m->conv_length))
    return;
  if (!(m->conv_energy > 0.0) || !(m->conv_length > 0.0))
    return fail(L, ke, NNMD_ERR_FORMAT, "%s", "conv_energy and conv_length must be positive");
  m->normalized = true;
}

static void read_atom_energies(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  for (int e = 0; e < m->n_elem; ++e) m->atom_energy[e] = 0.0;
  bool seen[NNMD_NNP_MAX_ELEM] = {false};
  for (int i = 0; i < L->s->n; ++i) {
    const struct nnmd_nnp_kwline *kl = &L->s->lines[i];
    if (strcmp(kl->key, "atom_energy") != 0) continue;
    double v;
    if (kl->ntok != 2 || !to_double(kl->tok[1], &v)) {
      fail(L, kl, NNMD_ERR_FORMAT, "%s", "'atom_energy' needs an element and a number");
      continue;
    }
    int e = nnmd_nnp_model_element(m, kl->tok[0]);
    if (e < 0) {
      fail(L, kl, NNMD_ERR_FORMAT, "atom_energy for '%s', which is not listed in 'elements'", kl->tok[0]);
      continue;
    }
    if (seen[e]) fail(L, kl, NNMD_ERR_FORMAT, "second atom_energy line for element %s", kl->tok[0]);
    seen[e] = true;
    m->atom_energy[e] = v;
  }
}

static void read_cutoff(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  const struct nnmd_nnp_kwline *kl = need(L, "cutoff_type");
  if (!kl) return;
  m->cutoff_alpha = 0.0;
  if (kl->ntok < 1 || kl->ntok > 2 || !to_int(kl->tok[0], &m->cutoff_type) ||
      (kl->ntok == 2 && !to_double(kl->tok[1], &m->cutoff_alpha)))
    return fail(L, kl, NNMD_ERR_FORMAT, "%s", "'cutoff_type' needs a type (0..8) and an optional alpha");
  if (m->cutoff_type < NNMD_CUT_HARD || m->cutoff_type > NNMD_CUT_POLY4)
    return fail(L, kl, NNMD_ERR_UNSUPPORTED, "unknown cutoff_type %s (n2p2 types are 0..8)", kl->tok[0]);
  if (m->cutoff_alpha < 0.0 || m->cutoff_alpha >= 1.0)
    return fail(L, kl, NNMD_ERR_FORMAT, "%s", "the cutoff alpha must satisfy 0 <= alpha < 1");
}

static void read_scaling_mode(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  bool sc = nnmd_nnp_settings_find(L->s, "scale_symmetry_functions") != NULL;
  bool ce = nnmd_nnp_settings_find(L->s, "center_symmetry_functions") != NULL;
  bool sg = nnmd_nnp_settings_find(L->s, "scale_symmetry_functions_sigma") != NULL;
  if (sc && ce) m->scaling = NNMD_NNP_ST_SCALECENTER;
  else if (sc) m->scaling = NNMD_NNP_ST_SCALE;
  else if (ce) m->scaling = NNMD_NNP_ST_CENTER;
  else if (sg) m->scaling = NNMD_NNP_ST_SCALESIGMA;
  else m->scaling = NNMD_NNP_ST_NONE;
  m->smin = 0.0;
  m->smax = 1.0;
  const struct nnmd_nnp_kwline *k1 = nnmd_nnp_settings_find(L->s, "scale_min_short"),
                               *k2 = nnmd_nnp_settings_find(L->s, "scale_max_short");
  if (k1) one_double(L, k1, &m->smin);
  if (k2) one_double(L, k2, &m->smax);
}

/* `nnmd_charge_node c [qmin qmax]` (nnmd extension, docs/nnp.md): c > 0 in the model's length
 * unit cubed; qmin <= qmax the training range of q_sys in e (optional, for warnings). */
static void read_charge_node(struct loader *L) {
  struct nnmd_nnp_charge_node *q = &L->m->charge;
  memset(q, 0, sizeof *q);
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(L->s, "nnmd_charge_node");
  if (!kl) return;
  double v[3] = {0, 0, 0};
  bool ok = kl->ntok == 1 || kl->ntok == 3;
  for (int k = 0; ok && k < kl->ntok; ++k) ok = to_double(kl->tok[k], &v[k]);
  if (!ok)
    return fail(L, kl, NNMD_ERR_FORMAT, "%s",
                "'nnmd_charge_node' needs the constant c (length unit^3) and optionally the training range "
                "qmin qmax of the system charge (e): nnmd_charge_node c [qmin qmax]");
  if (!(v[0] > 0.0)) return fail(L, kl, NNMD_ERR_FORMAT, "%s", "'nnmd_charge_node': c must be positive");
  if (kl->ntok == 3 && v[1] > v[2])
    return fail(L, kl, NNMD_ERR_FORMAT, "%s", "'nnmd_charge_node': qmin is larger than qmax");
  q->on = true;
  q->c = v[0];
  q->has_qrange = kl->ntok == 3;
  q->qmin = v[1];
  q->qmax = v[2];
  q->line = kl->line;
}

static void refuse(struct loader *L, const char *key, const char *why) {
  const struct nnmd_nnp_kwline *kl = nnmd_nnp_settings_find(L->s, key);
  if (kl) fail(L, kl, NNMD_ERR_UNSUPPORTED, "'%s' is not supported by nnmd", why);
}

static void read_network(struct loader *L) {
  struct nnmd_nnp_model *m = L->m;
  refuse(L, "element_hidden_layers_short", "element_hidden_layers_short (per-element networks)");
  refuse(L, "element_nodes_short", "element_nodes_short (per-element networks)");
  refuse(L, "element_activation_short", "element_activation_short (per-element networks)");
  const struct nnmd_nnp_kwline *kh = need(L, "global_hidden_layers_short"),
                               *kn = need(L, "global_nodes_short"), *ka = need(L, "global_activation_short");
  if (!kh || !kn || !ka) return;
  int h = 0;
  if (kh->ntok != 1 || !to_int(kh->tok[0], &h) || h < 0 || h >= NNMD_ANN_MAX_LAYERS)
    return fail(L, kh, NNMD_ERR_FORMAT, "%s", "'global_hidden_layers_short' needs an integer 0..15");
  int nodes[NNMD_ANN_MAX_LAYERS];
  char acts[NNMD_ANN_MAX_LAYERS + 1];
  if (kn->ntok != h)
    return fail(L, kn, NNMD_ERR_FORMAT, "%s", "'global_nodes_short' needs one width per hidden layer");
  for (int l = 0; l < h; ++l)
    if (!to_int(kn->tok[l], &nodes[l]) || nodes[l] < 1 || nodes[l] > NNP_MAX_WIDTH)
      return fail(L, kn, NNMD_ERR_FORMAT, "layer width '%s' is not an integer 1..100000", kn->tok[l]);
  if (ka->ntok != h + 1)
    return fail(L, ka, NNMD_ERR_FORMAT, "%s",
                "'global_activation_short' needs one letter per hidden layer plus one for the output layer");
  for (int l = 0; l <= h; ++l) {
    const char *a = ka->tok[l];
    if (strlen(a) != 1 || !strchr("ltsprgcSeh", a[0]))
      return fail(L, ka, NNMD_ERR_FORMAT, "unknown activation '%s' (n2p2 letters: l t s p r g c S e h)", a);
    acts[l] = a[0];
  }
  bool norm = nnmd_nnp_settings_find(L->s, "normalize_nodes") != NULL;
  const int extra = m->charge.on ? 1 : 0; /* the charge-state input N_G+1 */
  for (int e = 0; e < m->n_elem; ++e) {
    nnmd_ann_setup(&m->ann[e], m->n_sf[e] + extra, h, nodes, acts, norm);
    if (m->ann[e].n_params > NNP_MAX_PARAMS) { /* before the weights are allocated */
      L->st = nnmd_fail_at(L->err, NNMD_ERR_FORMAT, kl_loc(L, kn),
                           "the network of %s would have %zu parameters (limit %d)", m->sym[e],
                           m->ann[e].n_params, NNP_MAX_PARAMS);
      return;
    }
  }
}

void nnmd_nnp_model_free(struct nnmd_nnp_model *m) {
  if (!m) return;
  for (int e = 0; e < NNMD_NNP_MAX_ELEM; ++e) nnmd_ann_free(&m->ann[e]);
  free(m->sf);
  free(m);
}

int nnmd_nnp_model_element(const struct nnmd_nnp_model *m, const char *symbol) {
  for (int e = 0; e < m->n_elem; ++e)
    if (strcmp(m->sym[e], symbol) == 0) return e;
  return -1;
}

void nnmd_nnp_model_element_list(const struct nnmd_nnp_model *m, char *out, size_t n) {
  size_t k = 0;
  if (n) out[0] = 0;
  for (int e = 0; e < m->n_elem && k < n; ++e) {
    int w = snprintf(out + k, n - k, "%s%s", e ? " " : "", m->sym[e]);
    if (w < 0) break;
    k += (size_t)w;
  }
}

int nnmd_nnp_species_map_build(struct nnmd_nnp_species_map *map, const struct nnmd_nnp_model *m,
                               const struct nnmd_species_table *sp, struct nnmd_loc loc, const char *what,
                               struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int s = 0; s < sp->n; ++s) {
    int e = nnmd_nnp_model_element(m, sp->s[s].symbol);
    if (e < 0) {
      char list[128];
      nnmd_nnp_model_element_list(m, list, sizeof list);
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "element '%s' of the structure is not in the %s (its elements: %s)",
                        sp->s[s].symbol, what, list);
      continue;
    }
    map->elem[s] = e;
    snprintf(map->sym[s], NNMD_SYMBOL_LEN, "%s", sp->s[s].symbol);
  }
  map->nsp = st ? 0 : sp->n;
  return st;
}

bool nnmd_nnp_species_map_same(const struct nnmd_nnp_species_map *map, const struct nnmd_species_table *sp) {
  if (sp->n != map->nsp) return false;
  for (int s = 0; s < sp->n; ++s)
    if (strcmp(sp->s[s].symbol, map->sym[s]) != 0) return false;
  return true;
}

double nnmd_nnp_model_cutoff(const struct nnmd_nnp_model *m) { return m->rc_max; }

int nnmd_nnp_model_load(const char *dir, struct nnmd_nnp_model **out, struct nnmd_error *err) {
  return nnmd_nnp_model_load_with(NULL, dir, out, err);
}

int nnmd_nnp_model_load_with(struct nnmd_files *files, const char *dir, struct nnmd_nnp_model **out,
                             struct nnmd_error *err) {
  *out = NULL;
  struct nnmd_nnp_model *m = nnmd_calloc(1, sizeof *m, err);
  if (!m) return NNMD_ERR_NOMEM;
  snprintf(m->dir, sizeof m->dir, "%s", dir);
  char path[NNMD_NNP_PATH + 32];
  struct nnmd_nnp_settings s;
  snprintf(path, sizeof path, "%s/input.nn", dir);
  int st = nnmd_nnp_settings_read(files, path, &s, err);
  if (st) {
    free(m);
    return st;
  }
  struct loader L = {m, &s, err, NNMD_OK};
  read_nnp_type(&L);
  read_normalization(&L);
  read_elements(&L);
  if (L.st == NNMD_OK) {
    read_atom_energies(&L);
    read_cutoff(&L);
    int s2 = nnmd_nnp_parse_sfs(&s, m, err);
    if (s2 && !L.st) L.st = s2;
    read_scaling_mode(&L);
    read_charge_node(&L);
    if (L.st == NNMD_OK) read_network(&L);
  }
  nnmd_nnp_settings_free(&s);
  st = L.st;
  if (!st) {
    snprintf(path, sizeof path, "%s/scaling.data", dir);
    st = nnmd_nnp_read_scaling(files, path, m, err);
  }
  if (!st) st = nnmd_nnp_read_weights(files, dir, m, err);
  if (st) {
    nnmd_nnp_model_free(m);
    return st;
  }
  *out = m;
  return NNMD_OK;
}

int nnmd_nnp_model_from_settings(const struct nnmd_nnp_settings *s, struct nnmd_nnp_model *m,
                                 struct nnmd_error *err) {
  struct loader L = {m, s, err, NNMD_OK};
  read_nnp_type(&L);
  read_normalization(&L);
  read_elements(&L);
  if (L.st) return L.st;
  read_atom_energies(&L);
  read_cutoff(&L);
  int s2 = nnmd_nnp_parse_sfs(s, m, err);
  if (s2 && !L.st) L.st = s2;
  read_scaling_mode(&L);
  if (L.st == NNMD_OK) read_network(&L);
  return L.st;
}

bool nnmd_nnp_settings_missing(const char *dir, char *msg, size_t n) {
  char path[NNMD_NNP_PATH + 32];
  snprintf(path, sizeof path, "%s/input.nn", dir);
  FILE *fp = nnmd_fopen_input(path);
  if (fp) {
    fclose(fp);
    return false;
  }
  snprintf(path, sizeof path, "%s/model/input.nn", dir);
  fp = nnmd_fopen_input(path);
  if (fp) fclose(fp);
  snprintf(msg, n, "the model folder '%s' has no readable input.nn%s%s%s", dir, fp ? " (the model is in '" : "",
           fp ? dir : "", fp ? "/model')" : "");
  return true;
}

bool nnmd_nnp_recorded_units(const char *dir, bool *bohr, bool *hartree) {
  char path[NNMD_NNP_PATH + 16];
  snprintf(path, sizeof path, "%s/input.nn", dir);
  FILE *fp = nnmd_fopen_input(path);
  if (!fp) return false;
  char line[512];
  bool found = false;
  for (int n = 0; n < 200 && fgets(line, sizeof line, fp); ++n) { /* the comment is in the header */
    const char *p = strstr(line, "nnmd_units");
    if (line[0] != '#' || !p) continue;
    const char *l = strstr(p, "length="), *e = strstr(p, "energy=");
    if (!l || !e) continue;
    l += 7;
    e += 7;
    bool lb = !strncmp(l, "bohr", 4), la = !strncmp(l, "angstrom", 8);
    bool eh = !strncmp(e, "hartree", 7), ee = !strncmp(e, "eV", 2);
    if ((lb || la) && (eh || ee)) {
      *bohr = lb;
      *hartree = eh;
      found = true;
    }
    break;
  }
  fclose(fp);
  return found;
}
