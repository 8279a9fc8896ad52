/* descriptor.c — per-atom neighbour gathering, channels and radial SFs (pass 1 and 2);
 * the angular pair loops are in descriptor_pairs.c. See descriptor.h for the formulas.
 *
 * Data layout of the work (all SoA, capacity `cap` neighbours): geometry dx..uz, r, Z weight;
 * f_c per slot and rho/rho' per channel as [slot or channel][cap] blocks; gradient
 * accumulators grad_r (scalar along u_j) and gx, gy, gz. Neighbours are stored in element
 * buckets [bstart[e], bstart[e+1]) so every group reads contiguous ranges.
 * Lengths in the model's unit throughout.
 */
#include "descriptor.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor_kernels.h"
#include "descriptor_math.h"
#include "descriptor_pairs.h"
#include "mem.h"

void nnmd_desc_work_free(struct nnmd_desc_work *w) {
  if (!w) return;
  free(w->dx);
  free(w->idx);
  free(w->fc);
  free(w->rho);
  free(w->pb);
  free(w->tmp_e);
  free(w->tape);
  free(w->gtape);
  free(w);
}

int nnmd_desc_work_reserve(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int cap,
                           struct nnmd_error *err) {
  if (cap <= w->cap && w->dx) return NNMD_OK;
  if (cap < 16) cap = 16;
  cap = (cap + 7) & ~7;
  size_t c = (size_t)cap;
  double *geo = nnmd_calloc(13 * c, sizeof(double), err);
  int *idx = nnmd_calloc(c, sizeof(int), err);
  int *te = nnmd_calloc(c, sizeof(int), err);
  size_t ns = p->max_slot > 0 ? (size_t)p->max_slot : 1, nc = p->max_chan > 0 ? (size_t)p->max_chan : 1;
  double *fc = nnmd_calloc(2 * ns * c, sizeof(double), err);
  double *rho = nnmd_calloc(2 * nc * c, sizeof(double), err);
  size_t pb_len = nnmd_desc_pair_scratch(p) * c;
  double *pb = nnmd_calloc(pb_len, sizeof(double), err);
  if (!geo || !idx || !te || !fc || !rho || !pb) {
    free(geo);
    free(idx);
    free(te);
    free(fc);
    free(rho);
    free(pb);
    return NNMD_ERR_NOMEM;
  }
  free(w->dx);
  free(w->idx);
  free(w->tmp_e);
  free(w->fc);
  free(w->rho);
  free(w->pb);
  w->cap = cap;
  w->dx = geo;
  w->dy = geo + c;
  w->dz = geo + 2 * c;
  w->r = geo + 3 * c;
  w->ux = geo + 4 * c;
  w->uy = geo + 5 * c;
  w->uz = geo + 6 * c;
  w->zw = geo + 7 * c;
  w->grad_r = geo + 8 * c;
  w->gx = geo + 9 * c;
  w->gy = geo + 10 * c;
  w->gz = geo + 11 * c;
  w->one = geo + 12 * c;
  for (size_t q = 0; q < c; ++q) w->one[q] = 1.0;
  w->idx = idx;
  w->tmp_e = te;
  w->fc = fc;
  w->dfc = fc + ns * c;
  w->rho = rho;
  w->drho = rho + nc * c;
  w->pb = pb;
  w->pb_len = pb_len;
  return NNMD_OK;
}

int nnmd_desc_work_create(const struct nnmd_desc_plan *p, int cap, struct nnmd_desc_work **out,
                          struct nnmd_error *err) {
  *out = NULL;
  struct nnmd_desc_work *w = nnmd_calloc(1, sizeof *w, err);
  if (!w) return NNMD_ERR_NOMEM;
  int ng = 0;
  for (int e = 0; e < p->n_elem; ++e)
    if (p->elem[e].n_grp > ng) ng = p->elem[e].n_grp;
  w->gtape = nnmd_calloc((size_t)ng + 1, sizeof(size_t), err);
  int st = w->gtape ? nnmd_desc_work_reserve(p, w, cap, err) : NNMD_ERR_NOMEM;
  if (st) {
    free(w->gtape);
    free(w);
    return st;
  }
  *out = w;
  return NNMD_OK;
}

void nnmd_desc_gather(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec, int n,
                      const double *dx, const double *dy, const double *dz, const int *elem,
                      const int *idx) {
  const double rc = p->elem[ec].rc, rc2 = rc * rc;
  int cnt[NNMD_NNP_MAX_ELEM] = {0};
  int *te = w->tmp_e;
  for (int k = 0; k < n; ++k) {
    double r2 = dx[k] * dx[k] + dy[k] * dy[k] + dz[k] * dz[k];
    te[k] = r2 < rc2 ? elem[k] : -1;
    if (te[k] >= 0) cnt[te[k]]++;
  }
  int pos[NNMD_NNP_MAX_ELEM];
  w->bstart[0] = 0;
  for (int e = 0; e < p->n_elem; ++e) {
    pos[e] = w->bstart[e];
    w->bstart[e + 1] = w->bstart[e] + cnt[e];
  }
  w->n = w->bstart[p->n_elem];
  for (int k = 0; k < n; ++k) {
    int e = te[k];
    if (e < 0) continue;
    int q = pos[e]++;
    double r = sqrt(dx[k] * dx[k] + dy[k] * dy[k] + dz[k] * dz[k]);
    w->dx[q] = dx[k];
    w->dy[q] = dy[k];
    w->dz[q] = dz[k];
    w->r[q] = r;
    w->ux[q] = dx[k] / r;
    w->uy[q] = dy[k] / r;
    w->uz[q] = dz[k] / r;
    w->zw[q] = p->zelem[e];
    w->idx[q] = idx[k];
  }
}

/* rho = ex f_c, rho' = ex (f_c' - 2 eta (r - rs) f_c), ex = exp(-eta (r - rs)^2); times Z_j. */
static void chan_exp(const struct nnmd_desc_chan *c, const double *restrict r, const double *restrict fc,
                     const double *restrict dfc, const double *restrict zw, int n,
                     double *restrict rho, double *restrict drho) {
  const double eta = c->eta, rs = c->rs;
#pragma GCC ivdep
  for (int q = 0; q < n; ++q) {
    double t = r[q] - rs;
    double ex = nnmd_nnp_exp(-eta * t * t);
    double z = zw[q];
    rho[q] = z * ex * fc[q];
    drho[q] = z * ex * (dfc[q] - 2.0 * eta * t * fc[q]);
  }
}

/* Tape doubles needed by the narrow groups of element ec for the gathered neighbours. */
static size_t tape_need(const struct nnmd_desc_plan *p, const struct nnmd_desc_work *w, int ec) {
  const struct nnmd_desc_elem *E = &p->elem[ec];
  size_t need = 0;
  for (int k = 0; k < E->n_grp; ++k) {
    const struct nnmd_desc_group *g = &p->grp[E->grp_off + k];
    if (!g->narrow) continue;
    size_t n1 = g->e1 < 0 ? (size_t)w->n : (size_t)(w->bstart[g->e1 + 1] - w->bstart[g->e1]);
    size_t n2 = g->e2 < 0 ? (size_t)w->n : (size_t)(w->bstart[g->e2 + 1] - w->bstart[g->e2]);
    size_t pairs = g->e1 == g->e2 ? n1 * (n1 > 0 ? n1 - 1 : 0) / 2 : n1 * n2;
    need += pairs * (1 + 2 * (size_t)g->n_a);
  }
  return need;
}

int nnmd_desc_prepare(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec,
                      struct nnmd_error *err) {
  const struct nnmd_desc_elem *E = &p->elem[ec];
  size_t need = tape_need(p, w, ec);
  if (need > w->tape_cap) {
    size_t cap = need + need / 4 + 1024;
    double *t = realloc(w->tape, cap * sizeof(double));
    if (!t) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory for the descriptor pair tape (%zu doubles)", cap);
    w->tape = t;
    w->tape_cap = cap;
  }
  const size_t cap = (size_t)w->cap;
  const int n = w->n, type = p->cutoff_type;
  for (int s = 0; s < E->n_slot; ++s) {
    const double rc = p->slot_rc[E->slot_off + s], ri = p->alpha * rc;
    nnmd_k_cutoff(type, w->r, n, rc, ri, w->fc + s * cap, w->dfc + s * cap);
  }
  const double *unit = w->one;
  for (int c = 0; c < E->n_chan; ++c) {
    const struct nnmd_desc_chan *ch = &p->chan[E->chan_off + c];
    double *rho = w->rho + c * cap, *drho = w->drho + c * cap;
    const double *zw = ch->weighted ? w->zw : unit;
    for (int e = 0; e < p->n_elem; ++e) {
      int a = w->bstart[e], len = w->bstart[e + 1] - a;
      if (len == 0) continue;
      if (!(ch->need & (1u << e))) {
        memset(rho + a, 0, (size_t)len * sizeof(double));
        memset(drho + a, 0, (size_t)len * sizeof(double));
        continue;
      }
      if (ch->kind == NNMD_CHAN_EXP)
        chan_exp(ch, w->r + a, w->fc + ch->slot * cap + a, w->dfc + ch->slot * cap + a, zw + a, len, rho + a,
                 drho + a);
      else
        nnmd_k_compact(ch->core, ch->asym, w->r + a, zw + a, len, ch->m, ch->iw, rho + a, drho + a);
    }
  }
  return NNMD_OK;
}

/* Neighbour range of a radial SF. */
static void rsf_range(const struct nnmd_desc_work *w, int elem, int *a, int *b) {
  *a = elem < 0 ? 0 : w->bstart[elem];
  *b = elem < 0 ? w->n : w->bstart[elem + 1];
}

void nnmd_desc_values(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec, double *g) {
  const struct nnmd_desc_elem *E = &p->elem[ec];
  const size_t cap = (size_t)w->cap;
  for (int s = 0; s < E->n_sf; ++s) g[s] = 0.0;
  w->tape_pos = 0;
  for (int k = 0; k < E->n_rsf; ++k) {
    const struct nnmd_desc_rsf *rs = &p->rsf[E->rsf_off + k];
    int a, b;
    rsf_range(w, rs->elem, &a, &b);
    g[rs->sf] = nnmd_desc_sum(w->rho + rs->chan * cap + a, b - a);
  }
  for (int k = 0; k < E->n_grp; ++k) {
    w->gtape[k] = w->tape_pos;
    nnmd_desc_group_values(p, E, &p->grp[E->grp_off + k], w, g);
  }
  w->gtape[E->n_grp] = w->tape_pos;
}

void nnmd_desc_gradient(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec,
                        const double *c) {
  const struct nnmd_desc_elem *E = &p->elem[ec];
  const size_t cap = (size_t)w->cap;
  const int n = w->n;
  memset(w->grad_r, 0, (size_t)n * sizeof(double));
  memset(w->gx, 0, (size_t)n * sizeof(double));
  memset(w->gy, 0, (size_t)n * sizeof(double));
  memset(w->gz, 0, (size_t)n * sizeof(double));
  w->tape_pos = 0;
  for (int k = 0; k < E->n_rsf; ++k) {
    const struct nnmd_desc_rsf *rs = &p->rsf[E->rsf_off + k];
    const double cs = c[rs->sf];
    if (cs == 0.0) continue; /* nothing to add (training calls this with unit vectors) */
    int a, b;
    rsf_range(w, rs->elem, &a, &b);
    const double *restrict dr = w->drho + rs->chan * cap;
    double *restrict gr = w->grad_r;
    for (int q = a; q < b; ++q) gr[q] += cs * dr[q];
  }
  for (int k = 0; k < E->n_grp; ++k) {
    const struct nnmd_desc_group *g = &p->grp[E->grp_off + k];
    /* skip a group whose members all have c = 0 (training calls this with unit vectors);
       a narrow group's pair-tape blocks are skipped to where pass 1 ended them */
    bool any = false;
    for (int m = 0; m < g->n_m && !any; ++m) any = c[p->mem[g->m_off + m].sf] != 0.0;
    if (any) nnmd_desc_group_gradient(p, E, g, w, c);
    else w->tape_pos = w->gtape[k + 1];
  }
}
