/* bec.c — evaluation of the BEC model (tensor basis, charge-derivative forms) and the force
 * term "bec" (see bec.h for the model, the forms, the output order, the index convention and
 * units).
 *
 * Per owned atom i of element e (full neighbour list incl. periodic-image ghosts; entries
 * beyond the cutoff are skipped, so a list with a skin is fine):
 *   d_j = (r_j - r_i) cflength (model units);
 *   G_i: descriptor.c (gather within the element's SF cutoff, prepare, values); SFs outside
 *        their bec-scaling.data range are counted and the first ones logged;
 *   c = network_e(G~_i), G~ = smin + s (G - gref)   (ann.c nnmd_ann_forward, n_out outputs);
 *   channels, for every entry with 0 < r < rc_a: w = exp(-eta_a (r - rs_a)^2) f_c(r; rc_a),
 *        p = elem_j K + a, v^p += w rhat, T^p += w (rhat rhat^T - I/3);
 *   M = nnmd_bec_assemble(c, v, T); Z = M (field_first) or M^T (force_first).
 * Charge-derivative forms: dq_i/dG~ (ann.c, output 0), c_s = dq/dG~_s scale_s, the
 *   descriptor gradient gives u_k = dq_i/dd_k per neighbour entry, and -d_k (x) u_k is added
 *   to the entry's atom (owned or ghost); ghost sums reach their owners by ctx->reverse_sum.
 * Dipole form: three vector-Jacobian products of the network (seeds v^p_alpha on the dipole
 *   outputs) and three descriptor gradients give dw/dd_k . v_alpha; with the direct part
 *   w J_a(d_k) the entry's atom gets +X_k and atom i -X_k (dipole_scatter).
 * The term writes Z (engine order z[3 alpha + beta]) into the field "bec" of owned atoms;
 * nothing else. Memory: O(neighbours + P^2) scratch, nothing per atom.
 */
#include "bec.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ann.h"
#include "descriptor.h"
#include "descriptor_math.h"
#include "mem.h"

#define N_WARN_SHOWN 10

struct bec {
  struct nnmd_bec_model *model;
  struct nnmd_desc_plan *plan;
  struct nnmd_desc_work *work;
  double rc; /* engine units */
  struct nnmd_nnp_species_map spm; /* structure species -> model element */
  int64_t warn_total, warn_last;
  int warn_shown;
  double *g, *gs, *c, *v, *T, *ann_scratch; /* per-atom scratch */
  double *dq, *cg;                          /* charge-derivative forms: dq/dG~, dq/dG */
  double *dseed, *ddg;                      /* dipole form: 3 output seeds, 3 input gradients */
  double *nb; /* dx, dy, dz blocks of nb_cap (model units) */
  int *nb_e, *nb_idx;
  int nb_cap;
  struct nnmd_log *log; /* for warnings of nnmd_bec_eval_atom (may be NULL) */
};

void nnmd_bec_assemble(int P, const double *c, const double *v, const double *T, double M[9]) {
  for (int k = 0; k < 9; ++k) M[k] = 0.0;
  M[0] = M[4] = M[8] = c[0];
  const double *cT = c + 1, *cS = c + 1 + P, *cA = c + 1 + P + P * (P + 1) / 2;
  for (int p = 0; p < P; ++p)
    for (int k = 0; k < 9; ++k) M[k] += cT[p] * T[9 * p + k];
  /* sum_{p<=q} cS_pq sym(v^p v^qT) = sum_p sym(v^p u_p^T), u_p = sum_{q>=p} cS_pq v^q;
   * sum_{p<q} cA_pq asym(v^p v^qT) = sum_p asym(v^p a_p^T), a_p = sum_{q>p} cA_pq v^q. */
  int is = 0, ia = 0;
  for (int p = 0; p < P; ++p) {
    double u[3] = {0, 0, 0}, a[3] = {0, 0, 0};
    for (int q = p; q < P; ++q, ++is)
      for (int d = 0; d < 3; ++d) u[d] += cS[is] * v[3 * q + d];
    for (int q = p + 1; q < P; ++q, ++ia)
      for (int d = 0; d < 3; ++d) a[d] += cA[ia] * v[3 * q + d];
    const double *vp = v + 3 * p;
    for (int r = 0; r < 3; ++r)
      for (int s = 0; s < 3; ++s)
        M[3 * r + s] += 0.5 * (vp[r] * u[s] + u[r] * vp[s]) + 0.5 * (vp[r] * a[s] - a[r] * vp[s]);
  }
}

void nnmd_bec_radial_jac(const struct nnmd_bec_model *bm, const double d[3], double J[][9]) {
  const struct nnmd_nnp_model *m = bm->nnp;
  const double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], r = sqrt(r2);
  for (int a = 0; a < bm->K; ++a) {
    for (int k = 0; k < 9; ++k) J[a][k] = 0.0;
    if (r2 == 0.0 || !(r < bm->rc[a])) continue;
    double fc, dfc;
    nnmd_nnp_cutoff(m->cutoff_type, r, bm->rc[a], m->cutoff_alpha * bm->rc[a], &fc, &dfc);
    const double x = r - bm->rs[a], g = exp(-bm->eta[a] * x * x);
    const double phi = g * fc, dphi = g * (dfc - 2.0 * bm->eta[a] * x * fc);
    const double u[3] = {d[0] / r, d[1] / r, d[2] / r}, t = phi / r;
    for (int al = 0; al < 3; ++al)
      for (int be = 0; be < 3; ++be)
        J[a][3 * al + be] = (dphi - t) * u[al] * u[be] + (al == be ? t : 0.0);
  }
}

static void bec_destroy(void *state) {
  struct bec *b = state;
  if (!b) return;
  nnmd_bec_model_free(b->model);
  nnmd_desc_plan_free(b->plan);
  nnmd_desc_work_free(b->work);
  free(b->g);
  free(b->ann_scratch);
  free(b->nb);
  free(b->nb_e);
  free(b->nb_idx);
  free(b);
}

static int map_species(struct bec *b, const struct nnmd_species_table *sp, struct nnmd_error *err) {
  return nnmd_nnp_species_map_build(&b->spm, b->model->nnp, sp, (struct nnmd_loc){b->model->path, 0, 0}, "BEC model",
                                    err);
}

static int alloc_scratch(struct bec *b, struct nnmd_error *err) {
  const struct nnmd_bec_model *bm = b->model;
  const struct nnmd_nnp_model *m = bm->nnp;
  size_t nsf = (size_t)(b->plan->max_sf > 0 ? b->plan->max_sf : 1), na = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    size_t s = nnmd_ann_scratch_size(&m->ann[e]);
    if (s > na) na = s;
  }
  size_t P = (size_t)bm->P;
  b->g = nnmd_calloc(7 * nsf + 4 * (size_t)bm->n_out + 12 * P, sizeof(double), err);
  b->ann_scratch = nnmd_calloc(na, sizeof(double), err);
  if (!b->g || !b->ann_scratch) return NNMD_ERR_NOMEM;
  b->gs = b->g + nsf;
  b->c = b->g + 2 * nsf;
  b->v = b->c + bm->n_out;
  b->T = b->v + 3 * P;
  b->dq = b->T + 9 * P;
  b->cg = b->dq + nsf;
  b->ddg = b->cg + nsf;
  b->dseed = b->ddg + 3 * nsf;
  return nnmd_desc_work_create(b->plan, 64, &b->work, err);
}

static int reserve(struct bec *b, int cap, struct nnmd_error *err) {
  if (cap > b->nb_cap) {
    free(b->nb);
    free(b->nb_e);
    free(b->nb_idx);
    b->nb = nnmd_calloc(3 * (size_t)cap, sizeof(double), err);
    b->nb_e = nnmd_calloc((size_t)cap, sizeof(int), err);
    b->nb_idx = nnmd_calloc((size_t)cap, sizeof(int), err);
    b->nb_cap = b->nb && b->nb_e && b->nb_idx ? cap : 0;
    if (!b->nb_cap) return NNMD_ERR_NOMEM;
  }
  return nnmd_desc_work_reserve(b->plan, b->work, cap, err);
}

int nnmd_bec_term_create(const char *dir, const struct nnmd_term_info *info, void **state,
                         struct nnmd_error *err) {
  *state = NULL;
  struct bec *b = nnmd_calloc(1, sizeof *b, err);
  if (!b) return NNMD_ERR_NOMEM;
  int st = nnmd_bec_model_load(info ? info->files : NULL, dir, &b->model, err);
  if (!st) st = nnmd_desc_plan_build(b->model->nnp, &b->plan, err);
  if (!st) st = alloc_scratch(b, err);
  if (!st) st = reserve(b, 64, err);
  if (!st && info && info->species) st = map_species(b, info->species, err);
  if (st) {
    bec_destroy(b);
    return st;
  }
  b->rc = b->model->rc_max / b->model->cflength;
  b->log = info ? info->log : NULL;
  if (b->log)
    nnmd_log_verbose(b->log, "bec: model '%s': %d elements, %d symmetry functions, %d radial functions, "
                     "%d network outputs, cutoff %.6g (model units)",
                     dir, b->model->nnp->n_elem, b->model->nnp->n_sf_total, b->model->K, b->model->n_out,
                     b->model->rc_max);
  *state = b;
  return NNMD_OK;
}

const struct nnmd_nnp_model *nnmd_bec_term_model(const void *state) {
  return ((const struct bec *)state)->model->nnp;
}
const struct nnmd_bec_model *nnmd_bec_term_bec_model(const void *state) {
  return ((const struct bec *)state)->model;
}
int64_t nnmd_bec_total_warnings(const void *state) { return ((const struct bec *)state)->warn_total; }

/* SFs of the gathered atom outside their training range (counted; the first few logged). */
static int64_t extrapolation(struct bec *b, struct nnmd_log *log, int64_t id, int ec, const double *g) {
  const struct nnmd_nnp_model *m = b->model->nnp;
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  int64_t n = 0;
  for (int s = 0; s < m->n_sf[ec]; ++s) {
    /* the HDNNP term's allowance: 1000 eps scaled by the magnitude of the bounds */
    const double tol = 1000.0 * DBL_EPSILON * fmax(1.0, fmax(fabs(sf[s].gmin), fabs(sf[s].gmax)));
    if (!(g[s] + tol < sf[s].gmin || g[s] - tol > sf[s].gmax)) continue;
    ++n;
    if (log && b->warn_shown < N_WARN_SHOWN) {
      ++b->warn_shown;
      nnmd_log_warn(log,
                    "bec extrapolation: atom %lld (%s), symmetry function %d (bec.nn line %lld) = %.10g outside "
                    "the training range [%.10g, %.10g]",
                    (long long)id, m->sym[ec], s + 1, (long long)sf[s].line, g[s], sf[s].gmin, sf[s].gmax);
    }
  }
  return n;
}

/* Z of one atom from the neighbour data already in b->nb (model units), b->nb_e, b->nb_idx. */
static int atom_z(struct bec *b, int ec, int n, struct nnmd_log *log, int64_t id, double z[9], int64_t *nwarn,
                  struct nnmd_error *err) {
  const struct nnmd_bec_model *bm = b->model;
  const struct nnmd_nnp_model *m = bm->nnp;
  const double *dx = b->nb, *dy = b->nb + b->nb_cap, *dz = b->nb + 2 * b->nb_cap;
  /* invariant coefficients */
  nnmd_desc_gather(b->plan, b->work, ec, n, dx, dy, dz, b->nb_e, b->nb_idx);
  int st = nnmd_desc_prepare(b->plan, b->work, ec, err);
  if (st) return st;
  nnmd_desc_values(b->plan, b->work, ec, b->g);
  *nwarn += extrapolation(b, log, id, ec, b->g);
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  for (int s = 0; s < m->n_sf[ec]; ++s) b->gs[s] = sf[s].smin + sf[s].scale * (b->g[s] - sf[s].gref);
  nnmd_ann_forward(&m->ann[ec], b->gs, b->c, b->ann_scratch);
  /* covariant channels */
  const int K = bm->K, P = bm->P;
  double *v = b->v, *T = b->T;
  memset(v, 0, 3 * (size_t)P * sizeof *v);
  memset(T, 0, 9 * (size_t)P * sizeof *T);
  const double rcr = bm->rc_radial, alpha = m->cutoff_alpha;
  for (int j = 0; j < n; ++j) {
    double r2 = dx[j] * dx[j] + dy[j] * dy[j] + dz[j] * dz[j];
    if (!(r2 < rcr * rcr) || r2 == 0.0) continue;
    double r = sqrt(r2), u[3] = {dx[j] / r, dy[j] / r, dz[j] / r};
    double uu[9];
    for (int a = 0; a < 3; ++a)
      for (int c = 0; c < 3; ++c) uu[3 * a + c] = u[a] * u[c] - (a == c ? 1.0 / 3.0 : 0.0);
    for (int a = 0; a < K; ++a) {
      if (!(r < bm->rc[a])) continue;
      double fc, dfc;
      nnmd_nnp_cutoff(m->cutoff_type, r, bm->rc[a], alpha * bm->rc[a], &fc, &dfc);
      double w = exp(-bm->eta[a] * (r - bm->rs[a]) * (r - bm->rs[a])) * fc;
      int p = b->nb_e[j] * K + a;
      for (int d = 0; d < 3; ++d) v[3 * p + d] += w * u[d];
      for (int k = 0; k < 9; ++k) T[9 * p + k] += w * uu[k];
    }
  }
  double M[9];
  nnmd_bec_assemble(P, b->c, v, T, M);
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 3; ++c) z[3 * a + c] = bm->order == NNMD_BEC_FIELD_FIRST ? M[3 * a + c] : M[3 * c + a];
  return NNMD_OK;
}

int nnmd_bec_eval_atom(void *state, int ec, int n, const double *dx, const double *dy, const double *dz,
                       const int *elem, double z[9], int64_t *n_extrap, struct nnmd_error *err) {
  struct bec *b = state;
  const int ne = b->model->nnp->n_elem;
  if (b->model->deriv)
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                     "bec: single-atom evaluation is not possible for the charge-derivative form of %s (Z* of an "
                     "atom needs its neighbours' networks)",
                     b->model->path);
  if (ec < 0 || ec >= ne) return nnmd_fail(err, NNMD_ERR_INPUT, "bec: central element index %d out of range", ec);
  int st = reserve(b, n, err);
  if (st) return st;
  const double cf = b->model->cflength;
  for (int j = 0; j < n; ++j) {
    if (elem[j] < 0 || elem[j] >= ne)
      return nnmd_fail(err, NNMD_ERR_INPUT, "bec: neighbour element index %d out of range", elem[j]);
    b->nb[j] = dx[j] * cf;
    b->nb[b->nb_cap + j] = dy[j] * cf;
    b->nb[2 * b->nb_cap + j] = dz[j] * cf;
    b->nb_e[j] = elem[j];
    b->nb_idx[j] = j;
  }
  int64_t nw = 0;
  st = atom_z(b, ec, n, b->log, 0, z, &nw, err);
  if (n_extrap) *n_extrap = nw;
  b->warn_total += nw;
  return st;
}

static const char *const k_keys[] = {"type", "model", NULL};

static int bec_create(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                      struct nnmd_error *err) {
  *state = NULL;
  int st = nnmd_cfg_check_keys(cfg, k_keys, "[[potential]] type = \"bec\"", err);
  const char *model = NULL;
  int s1 = nnmd_cfg_string(cfg, "model", true, &model, err);
  if (st || s1) return st ? st : s1;
  char dir[NNMD_NNP_PATH];
  if (model[0] == '/' || !info->base_dir || !info->base_dir[0]) snprintf(dir, sizeof dir, "%s", model);
  else snprintf(dir, sizeof dir, "%s/%s", info->base_dir, model);
  return nnmd_bec_term_create(dir, info, state, err);
}

static double bec_cutoff(const void *state) { return ((const struct bec *)state)->rc; }
static int64_t bec_warnings(const void *state) { return ((const struct bec *)state)->warn_last; }

static void bec_print(const void *state, struct nnmd_log *log) {
  const struct bec *b = state;
  const struct nnmd_bec_model *bm = b->model;
  const struct nnmd_nnp_model *m = bm->nnp;
  char els[128] = "";
  for (int e = 0; e < m->n_elem; ++e) {
    char t[48];
    snprintf(t, sizeof t, "%s%s(%d SF)", e ? " " : "", m->sym[e], m->n_sf[e]);
    strncat(els, t, sizeof els - strlen(els) - 1);
  }
  nnmd_log_info(log,
                "bec model '%s' (%s form): elements %s, %d radial functions, %d outputs, %s, lengths in %s, "
                "cutoff %.4f A",
                m->dir, bm->form == NNMD_BEC_FORM_TENSOR ? "tensor" : bm->form == NNMD_BEC_FORM_CHARGE ? "charge"
                                                                                                  : "tensor_charge",
                els, bm->K, bm->n_out, bm->order == NNMD_BEC_FIELD_FIRST ? "field_first" : "force_first",
                bm->length_unit == NNMD_BEC_BOHR ? "bohr" : "angstrom", b->rc);
}

/* Charge-derivative term of the atom just evaluated by atom_z (b->gs = its scaled SFs, the
 * descriptor work holds its neighbours): u_k = d q / d d_k for every neighbour entry k, and
 * zf[(3 alpha + beta) cap + idx_k] -= d_k,alpha u_k,beta (model units; Z is dimensionless). */
static void deriv_scatter(struct bec *b, int ec, double *zf, int64_t cap) {
  const struct nnmd_nnp_model *m = b->model->nnp;
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  nnmd_ann_eval(&m->ann[ec], b->gs, b->dq, b->ann_scratch);
  for (int s = 0; s < m->n_sf[ec]; ++s) b->cg[s] = b->dq[s] * sf[s].scale;
  nnmd_desc_gradient(b->plan, b->work, ec, b->cg);
  const struct nnmd_desc_work *wk = b->work;
  for (int q = 0; q < wk->n; ++q) {
    const double gr = wk->grad_r[q];
    const double u[3] = {wk->gx[q] + gr * wk->ux[q], wk->gy[q] + gr * wk->uy[q], wk->gz[q] + gr * wk->uz[q]};
    const double d[3] = {wk->dx[q], wk->dy[q], wk->dz[q]};
    const int64_t j = wk->idx[q];
    for (int a = 0; a < 3; ++a)
      for (int c = 0; c < 3; ++c) zf[(3 * a + c) * cap + j] -= d[a] * u[c];
  }
}

/* Dipole-derivative term (tensor_charge_dipole, bec.h) of owned atom i just evaluated by
 * atom_z and deriv_scatter (b->gs, b->c, b->v, the descriptor work, b->nb* = its n neighbour
 * entries): X_k = sum_a w_(s K + a) J_a(d_k) over the entries within the radial cutoffs plus
 * Y_k[alpha] = dw/dd_k . v_alpha (three vector-Jacobian products, then the descriptor
 * gradient) over the descriptor entries; the entry's atom gets +X_k, atom i gets -X_k. */
static void dipole_scatter(struct bec *b, int ec, int64_t i, int n, double *zf, int64_t cap) {
  const struct nnmd_bec_model *bm = b->model;
  const struct nnmd_nnp_model *m = bm->nnp;
  const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
  const int no = bm->n_out, ns = m->n_sf[ec], P = bm->P, K = bm->K;
  const double *w = b->c + bm->dip_off;
  memset(b->dseed, 0, 3 * (size_t)no * sizeof *b->dseed);
  for (int al = 0; al < 3; ++al)
    for (int p = 0; p < P; ++p) b->dseed[(size_t)al * no + bm->dip_off + p] = b->v[3 * p + al];
  nnmd_ann_vjp(&m->ann[ec], b->gs, 3, b->dseed, NULL, b->ddg, b->ann_scratch);
  const struct nnmd_desc_work *wk = b->work;
  for (int al = 0; al < 3; ++al) {
    for (int s = 0; s < ns; ++s) b->cg[s] = b->ddg[(size_t)al * ns + s] * sf[s].scale;
    nnmd_desc_gradient(b->plan, b->work, ec, b->cg);
    for (int q = 0; q < wk->n; ++q) {
      const double gr = wk->grad_r[q];
      const double u[3] = {wk->gx[q] + gr * wk->ux[q], wk->gy[q] + gr * wk->uy[q], wk->gz[q] + gr * wk->uz[q]};
      const int64_t j = wk->idx[q];
      for (int c = 0; c < 3; ++c) {
        zf[(3 * al + c) * cap + j] += u[c];
        zf[(3 * al + c) * cap + i] -= u[c];
      }
    }
  }
  const double *dx = b->nb, *dy = b->nb + b->nb_cap, *dz = b->nb + 2 * b->nb_cap;
  for (int k = 0; k < n; ++k) {
    double J[NNMD_BEC_MAX_RADIAL][9], X[9] = {0};
    const double d[3] = {dx[k], dy[k], dz[k]};
    nnmd_bec_radial_jac(bm, d, J);
    const int sp = b->nb_e[k] * K;
    for (int a = 0; a < K; ++a)
      for (int q = 0; q < 9; ++q) X[q] += w[sp + a] * J[a][q];
    const int64_t j = b->nb_idx[k];
    for (int q = 0; q < 9; ++q) {
      zf[q * cap + j] += X[q];
      zf[q * cap + i] -= X[q];
    }
  }
}

static int bec_compute(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  struct bec *b = state;
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_nlist *nl = ctx->list;
  if (!nl || !nl->full) return nnmd_fail(err, NNMD_ERR_INTERNAL, "bec needs a full neighbour list");
  if (nl->cutoff + nl->skin < b->rc * (1.0 - 1e-12))
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "bec: neighbour list radius %g is below the model cutoff %g",
                     nl->cutoff + nl->skin, b->rc);
  if (nl->n < sys->n_local)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "bec: the neighbour list is out of date (%lld of %lld atoms)",
                     (long long)nl->n, (long long)sys->n_local);
  int st = NNMD_OK;
  if (!nnmd_nnp_species_map_same(&b->spm, &sys->species) && (st = map_species(b, &sys->species, err))) return st;
  if ((st = reserve(b, nl->max_neigh, err))) return st;
  double *zf = nnmd_system_field(sys, "bec");
  if (!zf) {
    if ((st = nnmd_system_field_add(sys, "bec", 9, true, NULL, err))) return st;
    zf = nnmd_system_field(sys, "bec");
  }
  const int64_t cap = sys->capacity;
  const bool deriv = b->model->deriv;
  if (deriv && !ctx->reverse_sum)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "bec: the charge-derivative form needs the halo's reverse sum");
  if (deriv) /* contributions reach neighbours (ghosts too): sum into zeroed arrays */
    for (int k = 0; k < 9; ++k) memset(zf + k * cap, 0, (size_t)(sys->n_local + sys->n_ghost) * sizeof *zf);
  const double *x = sys->x, *y = sys->x + cap, *zz = sys->x + 2 * cap;
  const double cf = b->model->cflength;
  double *ndx = b->nb, *ndy = b->nb + b->nb_cap, *ndz = b->nb + 2 * b->nb_cap;
  int64_t nwarn = 0;
  const int shown_before = b->warn_shown;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    const int ec = b->spm.elem[sys->type[i]];
    const int *row = nl->idx + (size_t)i * (size_t)nl->max_neigh;
    const int cnt = nl->count[i];
    for (int k = 0; k < cnt; ++k) {
      int j = row[k];
      ndx[k] = (x[j] - x[i]) * cf;
      ndy[k] = (y[j] - y[i]) * cf;
      ndz[k] = (zz[j] - zz[i]) * cf;
      b->nb_e[k] = b->spm.elem[sys->type[j]];
      b->nb_idx[k] = j;
    }
    double z[9];
    if ((st = atom_z(b, ec, cnt, ctx->log, sys->id[i], z, &nwarn, err))) break;
    if (!deriv) {
      for (int k = 0; k < 9; ++k) zf[k * cap + i] = z[k];
      continue;
    }
    for (int k = 0; k < 9; ++k) zf[k * cap + i] += z[k];
    deriv_scatter(b, ec, zf, cap);
    if (b->model->dipole) dipole_scatter(b, ec, i, cnt, zf, cap);
  }
  /* ghost contributions to their owners; called on every rank even after an error (collective) */
  if (deriv) {
    int s2 = ctx->reverse_sum(ctx->reverse_arg, zf, 9, err);
    if (!st) st = s2;
  }
  if (st) return st;
  if (b->warn_shown == N_WARN_SHOWN && shown_before < N_WARN_SHOWN && nwarn > b->warn_shown - shown_before)
    nnmd_log_warn(ctx->log, "bec: %lld more extrapolation warnings in this evaluation not shown",
                  (long long)(nwarn - (b->warn_shown - shown_before)));
  b->warn_last = nwarn;
  b->warn_total += nwarn;
  return NNMD_OK;
}

static const char *const k_provides[] = {"bec", NULL};

const struct nnmd_potential_ops nnmd_pot_bec = {
    .name = "bec",
    .flags = NNMD_POT_NEEDS_FULL_LIST | NNMD_POT_NO_ENERGY,
    .provides = k_provides,
    .requires = NULL,
    .create = bec_create,
    .cutoff = bec_cutoff,
    .print = bec_print,
    .compute_cpu = bec_compute,
    .compute_cuda = NULL,
    .warnings = bec_warnings,
    .conserved_extra = NULL,
    .destroy = bec_destroy,
};
