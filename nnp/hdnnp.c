/* hdnnp.c — the HDNNP force term (see hdnnp.h for the input keys and units).
 *
 * Algorithm per compute (full neighbour list incl. periodic-image ghosts; the list may hold
 * neighbours beyond the cutoff (skin): descriptor gathering tests r < rc itself):
 *   for every owned atom i (element e):
 *     gather its neighbours d_j = (r_j - r_i) cflength, bucketed by element;
 *     pass 1: G_i (descriptor.c), extrapolation check, G~ = smin + s (G - gref);
 *     network: y_i and dy/dG~ (ann.c);  E_i = y_i / cE + mean_energy + E0(e)  (model units);
 *     pass 2: c_s = dy/dG~_s s_s / cE, recompute the pair terms and get
 *             g_j = dE_i/d d_j for every neighbour (nothing per atom is stored);
 *     forces  F_j -= g_j, F_i += g_j (engine units: x cflength / cfenergy), ghosts included;
 *     virial  W -= d_j (x) g_j  (= sum_k r_k (x) F_k over owned + ghost atoms).
 * Both passes run back to back for one atom, so its neighbour data stays in cache; memory
 * is O(neighbours) scratch plus O(1) per atom. Energies: ctx->energy += sum E_i / cfenergy,
 * ctx->eatom[i] += E_i / cfenergy.
 *
 * Charge-state node (model.h, methods.md section 5): with `nnmd_charge_node c` in input.nn,
 * Q = c q_sys / V (V = cell volume in model length^3 = V_engine cflength^3; c in model
 * length^3, so Q is unit-agnostic like n2p2's files) is scaled with the statistics of
 * scaling.data row N_G+1 and fed as input N_G+1 of every network. Forces keep their form
 * (dQ/dr = 0); since dQ/d eps_ab = -Q delta_ab under a homogeneous strain, the virial
 * W = -dU/d eps gains  W_ab += delta_ab Q sum_i dE_i/dQ  (dE_i/dQ = s_Q dy_i/dQ~ / cE from the
 * same backward pass). Each atom whose network sees Q outside [Qmin, Qmax] counts one
 * extrapolation warning; q_sys outside the optional training range is logged once.
 */
#include "hdnnp.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ann.h"
#include "descriptor.h"
#include "hdnnp_device.h"
#include "mem.h"
#include "units.h"

#define N_WARN_SHOWN 10

struct hdnnp {
  struct nnmd_nnp_model *model;
  struct nnmd_desc_plan *plan;
  struct nnmd_desc_work *work;
  double cfl, cfe;            /* model length per engine length, model energy per engine energy */
  double rc;                  /* cutoff in engine length units */
  struct nnmd_nnp_species_map spm; /* structure species -> model element */
  int64_t max_warn, warn_total, warn_last;
  int64_t warn_atoms_last; /* owned atoms with >= 1 warning in the last evaluation; -1 = unknown (GPU) */
  int warn_shown;
  double *g, *gs, *dy, *c, *ann_scratch; /* per-atom scratch */
  double *nb;                 /* gather input: dx, dy, dz blocks of nb_cap */
  int *nb_e, *nb_idx;
  int nb_cap;
  int record;                 /* keep G and dE/dG~ of every atom (tests) */
  bool has_q;                 /* charge state set (models with a charge node need it) */
  bool q_checked;             /* q_sys range warning done */
  double q_sys;               /* system charge, e */
  double dedq;                /* dE/dq_sys of the last compute (owned atoms, engine energy / e) */
  double *rec_g, *rec_d;
  int64_t rec_cap;
  struct nnmd_hdnnp_gpu *gpu; /* compute_cuda's state (the run's device is the GPU), else NULL */
};

static void hdnnp_destroy(void *state) {
  struct hdnnp *h = state;
  if (!h) return;
  nnmd_nnp_model_free(h->model);
  nnmd_desc_plan_free(h->plan);
  nnmd_desc_work_free(h->work);
  free(h->g);
  free(h->ann_scratch);
  free(h->nb);
  free(h->nb_e);
  free(h->nb_idx);
  free(h->rec_g);
  free(h->rec_d);
  nnmd_hdnnp_gpu_destroy(h->gpu);
  free(h);
}

/* Map the structure's species to model elements; error naming the element and the model. */
static int map_species(struct hdnnp *h, const struct nnmd_species_table *sp, struct nnmd_loc loc,
                       struct nnmd_error *err) {
  char what[NNMD_NNP_PATH + 32];
  snprintf(what, sizeof what, "HDNNP model '%s'", h->model->dir);
  return nnmd_nnp_species_map_build(&h->spm, h->model, sp, loc, what, err);
}

static int alloc_scratch(struct hdnnp *h, struct nnmd_error *err) {
  const struct nnmd_nnp_model *m = h->model;
  size_t nsf = (size_t)h->plan->max_sf, na = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    size_t s = nnmd_ann_scratch_size(&m->ann[e]);
    if (s > na) na = s;
  }
  nsf += 1; /* room for the charge-state input N_G+1 */
  h->g = nnmd_calloc(4 * nsf, sizeof(double), err);
  h->ann_scratch = nnmd_calloc(na, sizeof(double), err);
  if (!h->g || !h->ann_scratch) return NNMD_ERR_NOMEM;
  h->gs = h->g + nsf;
  h->dy = h->g + 2 * nsf;
  h->c = h->g + 3 * nsf;
  return nnmd_desc_work_create(h->plan, 64, &h->work, err);
}

static int create_dir_with(struct nnmd_files *files, const char *model_dir,
                           const struct nnmd_species_table *species, double cflength, double cfenergy,
                           int64_t max_warnings, struct nnmd_log *log, void **state, struct nnmd_error *err);

int nnmd_hdnnp_create_dir(const char *model_dir, const struct nnmd_species_table *species,
                          double cflength, double cfenergy, int64_t max_warnings, struct nnmd_log *log,
                          void **state, struct nnmd_error *err) {
  return create_dir_with(NULL, model_dir, species, cflength, cfenergy, max_warnings, log, state, err);
}

static int create_dir_with(struct nnmd_files *files, const char *model_dir,
                           const struct nnmd_species_table *species, double cflength, double cfenergy,
                           int64_t max_warnings, struct nnmd_log *log, void **state, struct nnmd_error *err) {
  *state = NULL;
  struct hdnnp *h = nnmd_calloc(1, sizeof *h, err);
  if (!h) return NNMD_ERR_NOMEM;
  int st = nnmd_nnp_model_load_with(files, model_dir, &h->model, err);
  if (!st) st = nnmd_desc_plan_build(h->model, &h->plan, err);
  if (!st) st = alloc_scratch(h, err);
  if (!st && species) st = map_species(h, species, NNMD_NOLOC, err);
  if (st) {
    hdnnp_destroy(h);
    return st;
  }
  h->cfl = cflength;
  h->cfe = cfenergy;
  h->rc = h->model->rc_max / cflength;
  h->max_warn = max_warnings;
  if (log)
    nnmd_log_verbose(log, "hdnnp: model '%s': %d elements, %d symmetry functions, cutoff %.6g (model units)",
                     model_dir, h->model->n_elem, h->model->n_sf_total, h->model->rc_max);
  *state = h;
  return NNMD_OK;
}

static const char *const k_keys[] = {"type", "model", "length_unit", "energy_unit",
                                     "max_extrapolation_warnings", "native_units", NULL};
static const char *const k_len[] = {"angstrom", "bohr", NULL};
static const char *const k_en[] = {"eV", "hartree", NULL};

static int hdnnp_create(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                        struct nnmd_error *err) {
  *state = NULL;
  int st = nnmd_cfg_check_keys(cfg, k_keys, "[[potential]] type = \"hdnnp\"", err);
  const char *model = NULL;
  bool native = false;
  int lu = 0, eu = 0;
  int64_t maxw = NNMD_HDNNP_DEFAULT_MAX_WARNINGS;
  int s1 = nnmd_cfg_string(cfg, "model", true, &model, err);
  int s2 = nnmd_cfg_bool(cfg, "native_units", false, &native, err);
  char dir[NNMD_NNP_PATH];
  if (s1) dir[0] = 0;
  else if (model[0] == '/' || !info->base_dir || !info->base_dir[0]) snprintf(dir, sizeof dir, "%s", model);
  else snprintf(dir, sizeof dir, "%s/%s", info->base_dir, model);
  /* models written by nnmd train record their units; the keys are then optional */
  bool rb = false, rh = false, rec = !s1 && nnmd_nnp_recorded_units(dir, &rb, &rh);
  int s3 = nnmd_cfg_choice(cfg, "length_unit", !native && !rec, k_len, &lu, err);
  int s4 = nnmd_cfg_choice(cfg, "energy_unit", !native && !rec, k_en, &eu, err);
  int s5 = nnmd_cfg_int(cfg, "max_extrapolation_warnings", false, -1, INT64_MAX, &maxw, err);
  if (rec && !s3 && !s4) {
    const struct nnmd_cfg *kl = nnmd_cfg_get(cfg, "length_unit"), *ke = nnmd_cfg_get(cfg, "energy_unit");
    if (kl && (lu == 1) != rb)
      s3 = nnmd_fail_at(err, NNMD_ERR_INPUT, kl->loc, "length_unit = \"%s\" contradicts the model '%s', which "
                        "records length=%s", k_len[lu], dir, rb ? "bohr" : "angstrom");
    if (ke && (eu == 1) != rh)
      s4 = nnmd_fail_at(err, NNMD_ERR_INPUT, ke->loc, "energy_unit = \"%s\" contradicts the model '%s', which "
                        "records energy=%s", k_en[eu], dir, rh ? "hartree" : "eV");
    if (!kl) lu = rb ? 1 : 0;
    if (!ke) eu = rh ? 1 : 0;
  }
  if (st || s1 || s2 || s3 || s4 || s5) return st ? st : (s1 ? s1 : (s2 ? s2 : (s3 ? s3 : (s4 ? s4 : s5))));
  double cfl = native || lu == 0 ? 1.0 : NNMD_BOHR_PER_ANGSTROM;
  double cfe = native || eu == 0 ? 1.0 : NNMD_HARTREE_PER_EV;
  const struct nnmd_cfg *mv = nnmd_cfg_get(cfg, "model");
  st = create_dir_with(info->files, dir, NULL, cfl, cfe, maxw, info->log, state, err);
  if (st) return st;
  if (info->species) st = map_species(*state, info->species, mv->loc, err);
  if (!st)
    st = nnmd_hdnnp_set_charge_state(*state, info->has_charge_state, info->charge_state, info->charge_state_loc,
                                     "[system] charge_state", err);
  if (!st && info->use_device) {
    struct hdnnp *h = *state;
    st = nnmd_hdnnp_device_create(h->model, h->cfl, h->cfe, info, &h->gpu, err);
  }
  if (st) {
    hdnnp_destroy(*state);
    *state = NULL;
  }
  return st;
}

int nnmd_hdnnp_set_charge_state(void *state, bool given, double q_sys, struct nnmd_loc loc, const char *what,
                                struct nnmd_error *err) {
  struct hdnnp *h = state;
  const struct nnmd_nnp_model *m = h->model;
  if (given && !m->charge.on)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                        "%s = %g is given, but the HDNNP model '%s' has no charge-state input node (its input.nn "
                        "has no 'nnmd_charge_node' line); remove it or use a model trained with a charge node",
                        what, q_sys, m->dir);
  if (!given && m->charge.on) {
    char path[NNMD_NNP_PATH + 16];
    snprintf(path, sizeof path, "%s/input.nn", m->dir);
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){path, m->charge.line, 1}),
                        "the HDNNP model '%s' has a charge-state input node (nnmd_charge_node), so the system "
                        "charge q must be given (%s, in e, +n = n electrons removed)",
                        m->dir, what);
  }
  if (given && !isfinite(q_sys))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "%s must be a finite number", what);
  h->has_q = given;
  h->q_sys = given ? q_sys : 0.0;
  h->q_checked = false;
  return NNMD_OK;
}

double nnmd_hdnnp_dedq(const void *state) { return ((const struct hdnnp *)state)->dedq; }

void nnmd_hdnnp_set_native_units(void *state) {
  struct hdnnp *h = state;
  h->cfl = h->cfe = 1.0;
  h->rc = h->model->rc_max;
}

int64_t nnmd_hdnnp_total_warnings(const void *state) { return ((const struct hdnnp *)state)->warn_total; }
int64_t nnmd_hdnnp_warnings_last(const void *state) { return ((const struct hdnnp *)state)->warn_last; }
int64_t nnmd_hdnnp_extrapolating_atoms(const void *state) {
  return ((const struct hdnnp *)state)->warn_atoms_last;
}
const struct nnmd_nnp_model *nnmd_hdnnp_model(const void *state) { return ((const struct hdnnp *)state)->model; }
void nnmd_hdnnp_record_sf(void *state, int enable) { ((struct hdnnp *)state)->record = enable; }

const double *nnmd_hdnnp_recorded_g(const void *state, int64_t i) {
  const struct hdnnp *h = state;
  return h->rec_g && i < h->rec_cap ? h->rec_g + i * h->plan->max_sf : NULL;
}

const double *nnmd_hdnnp_recorded_dedg(const void *state, int64_t i) {
  const struct hdnnp *h = state;
  return h->rec_d && i < h->rec_cap ? h->rec_d + i * h->plan->max_sf : NULL;
}

size_t nnmd_hdnnp_memory(const void *state) {
  const struct hdnnp *h = state;
  const struct nnmd_nnp_model *m = h->model;
  const struct nnmd_desc_plan *p = h->plan;
  const struct nnmd_desc_work *w = h->work;
  size_t b = sizeof *h + sizeof *m + (size_t)m->n_sf_total * sizeof *m->sf;
  for (int e = 0; e < m->n_elem; ++e) b += 2 * m->ann[e].n_params * sizeof(double);
  size_t n = (size_t)m->n_sf_total;
  b += sizeof *p + n * (sizeof(double) + sizeof *p->chan + sizeof *p->rsf + sizeof *p->grp + 2 * sizeof(int) +
                        sizeof *p->ang + sizeof *p->mem);
  size_t c = (size_t)w->cap;
  b += sizeof *w + c * (13 * sizeof(double) + 2 * sizeof(int));
  b += c * 2 * sizeof(double) * (size_t)(p->max_slot > 0 ? p->max_slot : 1);
  b += c * 2 * sizeof(double) * (size_t)(p->max_chan > 0 ? p->max_chan : 1);
  b += (w->pb_len + w->tape_cap) * sizeof(double);
  b += 4 * (size_t)(p->max_sf + 1) * sizeof(double) + (size_t)h->nb_cap * (3 * sizeof(double) + 2 * sizeof(int));
  if (h->rec_g) b += 2 * (size_t)h->rec_cap * (size_t)p->max_sf * sizeof(double);
  return b;
}

static double hdnnp_cutoff(const void *state) { return ((const struct hdnnp *)state)->rc; }

static int64_t hdnnp_warnings(const void *state) { return ((const struct hdnnp *)state)->warn_last; }

static void hdnnp_print(const void *state, struct nnmd_log *log) {
  const struct hdnnp *h = state;
  const struct nnmd_nnp_model *m = h->model;
  char els[128] = "";
  for (int e = 0; e < m->n_elem; ++e) {
    char t[48];
    snprintf(t, sizeof t, "%s%s(%d SF)", e ? " " : "", m->sym[e], m->n_sf[e]);
    strncat(els, t, sizeof els - strlen(els) - 1);
  }
  char units[160];
  if (h->cfl == 1.0 && h->cfe == 1.0)
    snprintf(units, sizeof units, "no unit conversion");
  else
    snprintf(units, sizeof units, "model length = %.10g x engine length, model energy = %.10g x engine energy",
             h->cfl, h->cfe);
  nnmd_log_info(log, "potential hdnnp: model '%s', elements %s, cutoff %.4f A, %s%s", m->dir, els, h->rc, units,
                m->normalized ? ", normalised model" : "");
  if (h->gpu) nnmd_log_info(log, "  on the GPU: %s", nnmd_hdnnp_gpu_describe(h->gpu));
  if (m->charge.on)
    nnmd_log_info(log, "  charge-state input: Q = c q / V with c = %.10g (model length^3), q = %g e", m->charge.c,
                  h->q_sys);
}

/* Capacity of the gather arrays and the per-atom records. */
static int reserve(struct hdnnp *h, const struct nnmd_nlist *nl, int64_t n_local, struct nnmd_error *err) {
  if (nl->max_neigh > h->nb_cap) {
    int cap = nl->max_neigh;
    free(h->nb);
    free(h->nb_e);
    free(h->nb_idx);
    h->nb = nnmd_calloc(3 * (size_t)cap, sizeof(double), err);
    h->nb_e = nnmd_calloc((size_t)cap, sizeof(int), err);
    h->nb_idx = nnmd_calloc((size_t)cap, sizeof(int), err);
    h->nb_cap = h->nb && h->nb_e && h->nb_idx ? cap : 0;
    if (!h->nb_cap) return NNMD_ERR_NOMEM;
  }
  int st = nnmd_desc_work_reserve(h->plan, h->work, nl->max_neigh, err);
  if (st || !h->record || n_local <= h->rec_cap) return st;
  free(h->rec_g);
  free(h->rec_d);
  size_t n = (size_t)n_local * (size_t)h->plan->max_sf;
  h->rec_g = nnmd_calloc(n, sizeof(double), err);
  h->rec_d = nnmd_calloc(n, sizeof(double), err);
  h->rec_cap = h->rec_g && h->rec_d ? n_local : 0;
  return h->rec_cap ? NNMD_OK : NNMD_ERR_NOMEM;
}

static int check_inputs(struct hdnnp *h, const struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  const struct nnmd_nlist *nl = ctx->list;
  if (!nl || !nl->full)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp needs a full neighbour list");
  if (nl->cutoff + nl->skin < h->rc * (1.0 - 1e-12))
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: neighbour list radius %g is below the model cutoff %g",
                     nl->cutoff + nl->skin, h->rc);
  if (nl->n < ctx->sys->n_local)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: the neighbour list is out of date (%lld of %lld atoms)",
                     (long long)nl->n, (long long)ctx->sys->n_local);
  if (!nnmd_nnp_species_map_same(&h->spm, &ctx->sys->species)) {
    int st = map_species(h, &ctx->sys->species, NNMD_NOLOC, err);
    if (st) return st;
  }
  return reserve(h, nl, ctx->sys->n_local, err);
}

/* Count (and log the first few) SF values outside the scaling.data range of atom i. */
static int64_t extrapolation(struct hdnnp *h, const struct nnmd_force_ctx *ctx, int64_t i, int ec,
                             const double *g) {
  const struct nnmd_nnp_model *m = h->model;
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  int64_t n = 0;
  for (int s = 0; s < m->n_sf[ec]; ++s) {
    /* n2p2 allows 1000 epsilon (absolute) at the boundaries; values at the training extremes
     * reproduced in another summation order differ by ~1e-15 relative, so scale the allowance
     * with the magnitude of the bounds (SCAN models have Gmax ~ 500). */
    const double tol = 1000.0 * DBL_EPSILON * fmax(1.0, fmax(fabs(sf[s].gmin), fabs(sf[s].gmax)));
    if (!(g[s] + tol < sf[s].gmin || g[s] - tol > sf[s].gmax)) continue;
    ++n;
    if (h->warn_shown < N_WARN_SHOWN) {
      ++h->warn_shown;
      nnmd_log_warn(ctx->log,
                    "hdnnp extrapolation: atom %lld (%s), symmetry function %d (input.nn line %lld) = %.10g "
                    "outside the training range [%.10g, %.10g]",
                    (long long)ctx->sys->id[i], m->sym[ec], s + 1, (long long)sf[s].line, g[s], sf[s].gmin, sf[s].gmax);
    }
  }
  return n;
}

/* Network of atom i: returns E_i (model units) and sets c = dE_i/dG (raw G); with the charge
 * node, q = Q (raw) is input N_G+1 and *dedq = dE_i/dQ. */
static double atom_network(struct hdnnp *h, int ec, const double *g, double q, double *c, double *dedgs,
                           double *dedq) {
  const struct nnmd_nnp_model *m = h->model;
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  const struct nnmd_nnp_sf *qs = &m->charge.scal[ec];
  const int n = m->n_sf[ec];
  for (int s = 0; s < n; ++s) h->gs[s] = sf[s].smin + sf[s].scale * (g[s] - sf[s].gref);
  if (m->charge.on) h->gs[n] = qs->smin + qs->scale * (q - qs->gref);
  double y = nnmd_ann_eval(&m->ann[ec], h->gs, h->dy, h->ann_scratch);
  const double ice = 1.0 / m->conv_energy;
  for (int s = 0; s < n; ++s) {
    c[s] = h->dy[s] * sf[s].scale * ice;
    if (dedgs) dedgs[s] = h->dy[s] * ice;
  }
  *dedq = m->charge.on ? h->dy[n] * qs->scale * ice : 0.0;
  return y * ice + m->mean_energy + m->atom_energy[ec];
}

/* Q = c q / V and dQ/dq = c / V (model units) for this compute; checks the cell and, once, the
 * q range. */
static int charge_input(struct hdnnp *h, const struct nnmd_force_ctx *ctx, double *q, double *dqdq,
                        struct nnmd_error *err) {
  const struct nnmd_nnp_charge_node *cn = &h->model->charge;
  *q = *dqdq = 0.0;
  if (!cn->on) return NNMD_OK;
  if (!h->has_q)
    return nnmd_fail(err, NNMD_ERR_INPUT, "hdnnp: the model '%s' has a charge-state input node but no charge "
                     "state was set", h->model->dir);
  const struct nnmd_box *b = ctx->box;
  if (!b || !b->periodic[0] || !b->periodic[1] || !b->periodic[2] || !(b->volume > 0.0))
    return nnmd_fail(err, NNMD_ERR_INPUT, "hdnnp: the model '%s' has a charge-state input Q = c q / V, which needs "
                     "a cell periodic in x, y and z (its volume V)", h->model->dir);
  const double v = b->volume * h->cfl * h->cfl * h->cfl;
  *dqdq = cn->c / v;
  *q = *dqdq * h->q_sys;
  if (!h->q_checked && cn->has_qrange && (h->q_sys < cn->qmin || h->q_sys > cn->qmax))
    nnmd_log_warn(ctx->log, "hdnnp extrapolation: the system charge q = %g e is outside the training range [%g, %g] "
                  "of the model '%s' (nnmd_charge_node, input.nn line %lld)",
                  h->q_sys, cn->qmin, cn->qmax, h->model->dir, (long long)cn->line);
  h->q_checked = true;
  return NNMD_OK;
}

/* 1 (and a log line while fewer than N_WARN_SHOWN were shown) if Q is outside the Q range of
 * element ec's row N_G+1 in scaling.data, with the SF boundary allowance. */
static int64_t charge_extrapolation(struct hdnnp *h, const struct nnmd_force_ctx *ctx, int64_t i, int ec,
                                    double q) {
  const struct nnmd_nnp_model *m = h->model;
  const struct nnmd_nnp_sf *qs = &m->charge.scal[ec];
  const double tol = 1000.0 * DBL_EPSILON * fmax(1.0, fmax(fabs(qs->gmin), fabs(qs->gmax)));
  if (!(q + tol < qs->gmin || q - tol > qs->gmax)) return 0;
  if (h->warn_shown < N_WARN_SHOWN) {
    ++h->warn_shown;
    nnmd_log_warn(ctx->log,
                  "hdnnp extrapolation: atom %lld (%s), charge-state input Q = c q / V = %.10g (q = %g e) outside "
                  "the training range [%.10g, %.10g] (scaling.data line %lld)",
                  (long long)ctx->sys->id[i], m->sym[ec], q, h->q_sys, qs->gmin, qs->gmax, (long long)qs->scaling_line);
  }
  return 1;
}

/* Forces and virial from the per-neighbour gradients of atom i. */
static void scatter(const struct hdnnp *h, struct nnmd_system *sys, int64_t i, double *w) {
  const struct nnmd_desc_work *wk = h->work;
  const int64_t cap = sys->capacity;
  double *fx = sys->f, *fy = sys->f + cap, *fz = sys->f + 2 * cap;
  const double ff = h->cfl / h->cfe;
  double fix = 0.0, fiy = 0.0, fiz = 0.0;
  for (int q = 0; q < wk->n; ++q) {
    double gr = wk->grad_r[q];
    double gx = wk->gx[q] + gr * wk->ux[q], gy = wk->gy[q] + gr * wk->uy[q], gz = wk->gz[q] + gr * wk->uz[q];
    int j = wk->idx[q];
    fx[j] -= gx * ff;
    fy[j] -= gy * ff;
    fz[j] -= gz * ff;
    fix += gx;
    fiy += gy;
    fiz += gz;
    double dx = wk->dx[q], dy = wk->dy[q], dz = wk->dz[q];
    w[0] -= dx * gx;
    w[1] -= dx * gy;
    w[2] -= dx * gz;
    w[3] -= dy * gx;
    w[4] -= dy * gy;
    w[5] -= dy * gz;
    w[6] -= dz * gx;
    w[7] -= dz * gy;
    w[8] -= dz * gz;
  }
  fx[i] += fix * ff;
  fy[i] += fiy * ff;
  fz[i] += fiz * ff;
}

static int count_warnings(struct hdnnp *h, const struct nnmd_force_ctx *ctx, int64_t nwarn, int shown_before,
                          struct nnmd_error *err);

static int hdnnp_compute(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  struct hdnnp *h = state;
  int st = check_inputs(h, ctx, err);
  if (st) return st;
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_nlist *nl = ctx->list;
  const int64_t cap = sys->capacity;
  const double *x = sys->x, *y = sys->x + cap, *z = sys->x + 2 * cap;
  double *ndx = h->nb, *ndy = h->nb + h->nb_cap, *ndz = h->nb + 2 * h->nb_cap;
  const int msf = h->plan->max_sf;
  double energy = 0.0, w[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  int64_t nwarn = 0, natoms_warn = 0;
  double qin = 0.0, dqdq = 0.0, dedq_sum = 0.0;
  if ((st = charge_input(h, ctx, &qin, &dqdq, err))) return st;
  const bool qnode = h->model->charge.on;
  const int shown_before = h->warn_shown;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    const int ec = h->spm.elem[sys->type[i]];
    const int *row = nl->idx + (size_t)i * (size_t)nl->max_neigh;
    const int cnt = nl->count[i];
    for (int k = 0; k < cnt; ++k) {
      int j = row[k];
      ndx[k] = (x[j] - x[i]) * h->cfl;
      ndy[k] = (y[j] - y[i]) * h->cfl;
      ndz[k] = (z[j] - z[i]) * h->cfl;
      h->nb_e[k] = h->spm.elem[sys->type[j]];
      h->nb_idx[k] = j;
    }
    nnmd_desc_gather(h->plan, h->work, ec, cnt, ndx, ndy, ndz, h->nb_e, h->nb_idx);
    if ((st = nnmd_desc_prepare(h->plan, h->work, ec, err))) return st;
    nnmd_desc_values(h->plan, h->work, ec, h->g);
    int64_t wi = extrapolation(h, ctx, i, ec, h->g);
    nwarn += wi;
    natoms_warn += wi > 0;
    double *rd = h->record ? h->rec_d + i * msf : NULL;
    if (rd) memcpy(h->rec_g + i * msf, h->g, (size_t)h->model->n_sf[ec] * sizeof(double));
    if (qnode) nwarn += charge_extrapolation(h, ctx, i, ec, qin);
    double dedq_i;
    double ei = atom_network(h, ec, h->g, qin, h->c, rd, &dedq_i);
    dedq_sum += dedq_i;
    energy += ei;
    if (ctx->eatom) ctx->eatom[i] += ei / h->cfe;
    nnmd_desc_gradient(h->plan, h->work, ec, h->c);
    scatter(h, sys, i, w);
  }
  /* charge node: W_ab += delta_ab Q sum_i dE_i/dQ (see the file comment) */
  for (int k = 0; k < 9; k += 4) w[k] += qin * dedq_sum;
  h->warn_atoms_last = natoms_warn;
  h->dedq = dedq_sum * dqdq / h->cfe;
  ctx->energy += energy / h->cfe;
  for (int k = 0; k < 9; ++k) ctx->virial[k] += w[k] / h->cfe;
  return count_warnings(h, ctx, nwarn, shown_before, err);
}

/* After a compute: the "more not shown" line, the counters, the max_extrapolation_warnings stop. */
static int count_warnings(struct hdnnp *h, const struct nnmd_force_ctx *ctx, int64_t nwarn, int shown_before,
                          struct nnmd_error *err) {
  if (h->warn_shown == N_WARN_SHOWN && shown_before < N_WARN_SHOWN && nwarn > h->warn_shown - shown_before)
    nnmd_log_warn(ctx->log, "hdnnp: %lld more extrapolation warnings in this evaluation not shown; further "
                  "warnings are counted silently (max_extrapolation_warnings stops the run)",
                  (long long)(nwarn - (h->warn_shown - shown_before)));
  h->warn_last = nwarn;
  h->warn_total += nwarn;
  if (h->max_warn >= 0 && h->warn_total > h->max_warn)
    return nnmd_fail(err, NNMD_ERR_PHYSICS,
                     "hdnnp: %lld extrapolation warnings since the start exceed max_extrapolation_warnings = %lld "
                     "at step %lld (%lld in this evaluation on this rank): the structure left the model's training "
                     "range (the run blew up: time step too large; or wrong units); raise the key (-1 = never stop) "
                     "if a few warnings are expected",
                     (long long)h->warn_total, (long long)h->max_warn, (long long)ctx->step, (long long)nwarn);
  return NNMD_OK;
}

/* The same outputs from the GPU evaluation (hdnnp_device.h) on the same full list. */
/* Resident run (ctx->dev): the device list must reach the model cutoff and the species map
 * be current; no host buffers are needed. */
static int check_inputs_resident(struct hdnnp *h, const struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  const struct nnmd_dev_list *dl = ctx->dlist;
  if (!dl) return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: resident run without a device neighbour list");
  if (dl->cutoff + dl->skin < h->rc * (1.0 - 1e-12))
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: device neighbour list radius %g is below the model cutoff %g",
                     dl->cutoff + dl->skin, h->rc);
  if (dl->n < ctx->dev->n_local)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: the device neighbour list is out of date (%lld of %lld atoms)",
                     (long long)dl->n, (long long)ctx->dev->n_local);
  if (!nnmd_nnp_species_map_same(&h->spm, &ctx->sys->species)) return map_species(h, &ctx->sys->species, NNMD_NOLOC, err);
  return NNMD_OK;
}

static int hdnnp_compute_cuda(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  struct hdnnp *h = state;
  if (!h->gpu)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp: compute_cuda without a device set-up (create without use_device)");
  int st = ctx->dev ? check_inputs_resident(h, ctx, err) : check_inputs(h, ctx, err);
  double qin = 0.0, dqdq = 0.0, dedq_sum = 0.0;
  if (!st) st = charge_input(h, ctx, &qin, &dqdq, err);
  if (st) return st;
  const int shown_before = h->warn_shown;
  int64_t nwarn = 0;
  st = nnmd_hdnnp_device_compute(h->gpu, h->model, h->spm.elem, ctx, qin, &h->warn_shown, N_WARN_SHOWN, &nwarn,
                                 &dedq_sum, err); /* resident when ctx->dev is set */
  if (st) return st;
  h->dedq = dedq_sum * dqdq / h->cfe;
  h->warn_atoms_last = -1; /* the device path counts warnings, not atoms */
  return count_warnings(h, ctx, nwarn, shown_before, err);
}

const struct nnmd_potential_ops nnmd_pot_hdnnp = {
    .name = "hdnnp",
    .flags = NNMD_POT_NEEDS_FULL_LIST | NNMD_POT_GHOST_FORCES,
    .create = hdnnp_create,
    .cutoff = hdnnp_cutoff,
    .print = hdnnp_print,
    .compute_cpu = hdnnp_compute,
    .compute_cuda = hdnnp_compute_cuda,
    .warnings = hdnnp_warnings,
    .destroy = hdnnp_destroy,
};
