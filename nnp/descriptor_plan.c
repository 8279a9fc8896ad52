/* descriptor_plan.c — building the flat evaluation tables of descriptor.h from a model.
 *
 * Per central element: distinct cutoff radii of the exponential types become f_c "slots";
 * distinct per-neighbour radial functions become channels (shared by radial SFs and by the
 * angular groups); angular SFs are grouped by (narrow?, polynomial?, e1, e2) — weighted
 * types use e1 = e2 = -1, all neighbours — and each group lists its distinct channels
 * (local index a, flagged by whether narrow and/or wide members use it), angular factors (b)
 * and members (sf, a, b, narrow?). Narrow and wide types of one family and element pair
 * (3 and 9, 21 and 22, 24 and 25) share a group. Everything lives in a few
 * flat arrays addressed by offsets (one allocation per array, GPU-uploadable).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "descriptor_math.h"
#include "mem.h"

static bool is_angular(int t) { return t == 3 || t == 9 || t == 13 || t == 21 || t == 22 || t == 24 || t == 25; }
static bool is_weighted(int t) { return t == 12 || t == 13 || t == 23 || t == 24 || t == 25; }
static bool is_poly(int t) { return t >= 20; }
static bool is_narrow(int t) { return t == 3 || t == 13 || t == 21 || t == 24; }

void nnmd_desc_plan_free(struct nnmd_desc_plan *p) {
  if (!p) return;
  free(p->slot_rc);
  free(p->chan);
  free(p->rsf);
  free(p->grp);
  free(p->achan);
  free(p->aflag);
  free(p->gslot);
  free(p->ang);
  free(p->mem);
  free(p);
}

struct builder {
  struct nnmd_desc_plan *p;
  const struct nnmd_nnp_model *m;
  int n_slot, n_chan, n_rsf, n_grp, n_achan, n_gslot, n_ang, n_mem;
};

static int find_slot(struct builder *B, const struct nnmd_desc_elem *E, double rc) {
  for (int s = 0; s < E->n_slot; ++s)
    if (B->p->slot_rc[E->slot_off + s] == rc) return s;
  return -1;
}

/* Element channel of SF sf (adds it if new); ORs the neighbour-element bits it needs. */
static int channel_of(struct builder *B, struct nnmd_desc_elem *E, const struct nnmd_nnp_sf *sf) {
  struct nnmd_desc_chan c;
  memset(&c, 0, sizeof c);
  c.weighted = is_weighted(sf->type);
  if (is_poly(sf->type)) {
    c.kind = NNMD_CHAN_POLY;
    c.rl = sf->rl;
    c.rc = sf->rc;
    c.m = 0.5 * (sf->rl + sf->rc);
    c.iw = 1.0 / (0.5 * (sf->rc - sf->rl));
    c.core = sf->core;
    c.asym = sf->asym;
  } else {
    c.kind = NNMD_CHAN_EXP;
    c.eta = sf->eta;
    c.rs = sf->rs;
    c.rc = sf->rc;
    c.slot = find_slot(B, E, sf->rc);
  }
  unsigned need = c.weighted ? ~0u : ((1u << sf->e1) | (sf->e2 >= 0 ? 1u << sf->e2 : 0u));
  struct nnmd_desc_chan *ch = B->p->chan + E->chan_off;
  for (int k = 0; k < E->n_chan; ++k) {
    const struct nnmd_desc_chan *o = &ch[k];
    if (o->kind == c.kind && o->weighted == c.weighted && o->eta == c.eta && o->rs == c.rs &&
        o->rl == c.rl && o->rc == c.rc && o->core == c.core && o->asym == c.asym) {
      ch[k].need |= need;
      return k;
    }
  }
  c.need = need;
  ch[E->n_chan] = c;
  B->n_chan++;
  return E->n_chan++;
}

/* Narrow and wide types of the same family and element pair share one group (types 3 and 9,
 * 21 and 22, 24 and 25): cos, the channels and the angular factors are computed once. */
static bool same_group(const struct nnmd_desc_group *g, const struct nnmd_nnp_sf *sf) {
  int e1 = is_weighted(sf->type) ? -1 : sf->e1, e2 = is_weighted(sf->type) ? -1 : sf->e2;
  return g->poly == is_poly(sf->type) && g->e1 == e1 && g->e2 == e2;
}

static int add_local(int *arr, int *n, int v) {
  for (int k = 0; k < *n; ++k)
    if (arr[k] == v) return k;
  arr[(*n)++] = v;
  return *n - 1;
}

static int angular_of(struct builder *B, struct nnmd_desc_group *g, const struct nnmd_nnp_sf *sf) {
  struct nnmd_desc_ang a;
  memset(&a, 0, sizeof a);
  if (g->poly) {
    double tl = sf->angl * (NNMD_PI / 180.0), tr = sf->angr * (NNMD_PI / 180.0);
    a.m = 0.5 * (tl + tr);
    a.iw = 1.0 / (0.5 * (tr - tl));
    a.core = sf->core;
  } else {
    a.lambda = sf->lambda;
    a.zeta = sf->zeta;
    a.izeta = sf->izeta;
    a.pref = pow(2.0, 1.0 - sf->zeta);
  }
  struct nnmd_desc_ang *arr = B->p->ang + g->b_off;
  for (int b = 0; b < g->n_b; ++b)
    if (arr[b].lambda == a.lambda && arr[b].zeta == a.zeta && arr[b].m == a.m && arr[b].iw == a.iw &&
        arr[b].core == a.core)
      return b;
  arr[g->n_b] = a;
  B->n_ang++;
  return g->n_b++;
}

/* Fill the members, channels and angular factors of group g from the element's SFs. */
static void fill_group(struct builder *B, struct nnmd_desc_elem *E, struct nnmd_desc_group *g, int off) {
  const struct nnmd_nnp_sf *sfs = B->m->sf + off;
  g->a_off = B->n_achan;
  g->b_off = B->n_ang;
  g->m_off = B->n_mem;
  g->s_off = B->n_gslot;
  for (int s = 0; s < E->n_sf; ++s) {
    const struct nnmd_nnp_sf *sf = &sfs[s];
    if (!is_angular(sf->type) || !same_group(g, sf)) continue;
    int c = channel_of(B, E, sf);
    int a = add_local(B->p->achan + g->a_off, &g->n_a, c);
    int b = angular_of(B, g, sf);
    int nar = is_narrow(sf->type);
    B->p->mem[B->n_mem++] = (struct nnmd_desc_member){s, a, b, nar};
    B->p->aflag[g->a_off + a] |= nar ? NNMD_DESC_A_NARROW : NNMD_DESC_A_WIDE;
    g->n_m++;
    if (nar) g->narrow = 1;
    else g->wide = 1;
    if (sf->rc > g->rc) g->rc = sf->rc;
    if (nar && !g->poly) add_local(B->p->gslot + g->s_off, &g->n_slot, B->p->chan[E->chan_off + c].slot);
  }
  B->n_achan += g->n_a;
  B->n_gslot += g->n_slot;
  g->pdeg = -1;
  if (!g->poly) {
    int deg = 0;
    for (int b = 0; b < g->n_b; ++b) {
      const struct nnmd_desc_ang *an = &B->p->ang[g->b_off + b];
      if (an->izeta < 1 || an->izeta > 16 || fabs(an->lambda) > 1.0) return;
      if (an->izeta > deg) deg = an->izeta;
    }
    g->pdeg = deg;
  }
}

static void build_element(struct builder *B, int ec) {
  const struct nnmd_nnp_model *m = B->m;
  struct nnmd_desc_elem *E = &B->p->elem[ec];
  int off = m->sf_off[ec];
  E->n_sf = m->n_sf[ec];
  E->rc = m->rc_elem[ec];
  E->slot_off = B->n_slot;
  for (int s = 0; s < E->n_sf; ++s) {
    const struct nnmd_nnp_sf *sf = &m->sf[off + s];
    if (!is_poly(sf->type) && find_slot(B, E, sf->rc) < 0) {
      B->p->slot_rc[E->slot_off + E->n_slot++] = sf->rc;
      B->n_slot++;
    }
  }
  E->chan_off = B->n_chan;
  E->rsf_off = B->n_rsf;
  for (int s = 0; s < E->n_sf; ++s) {
    const struct nnmd_nnp_sf *sf = &m->sf[off + s];
    if (is_angular(sf->type)) continue;
    int c = channel_of(B, E, sf);
    B->p->rsf[B->n_rsf++] = (struct nnmd_desc_rsf){s, c, is_weighted(sf->type) ? -1 : sf->e1};
    E->n_rsf++;
  }
  E->grp_off = B->n_grp;
  for (int s = 0; s < E->n_sf; ++s) {
    const struct nnmd_nnp_sf *sf = &m->sf[off + s];
    if (!is_angular(sf->type)) continue;
    bool found = false;
    for (int g = 0; g < E->n_grp && !found; ++g) found = same_group(&B->p->grp[E->grp_off + g], sf);
    if (found) continue;
    struct nnmd_desc_group *g = &B->p->grp[B->n_grp++];
    memset(g, 0, sizeof *g);
    g->poly = is_poly(sf->type);
    g->e1 = is_weighted(sf->type) ? -1 : sf->e1;
    g->e2 = is_weighted(sf->type) ? -1 : sf->e2;
    E->n_grp++;
    fill_group(B, E, g, off);
  }
}

int nnmd_desc_plan_build(const struct nnmd_nnp_model *m, struct nnmd_desc_plan **out,
                         struct nnmd_error *err) {
  *out = NULL;
  struct nnmd_desc_plan *p = nnmd_calloc(1, sizeof *p, err);
  if (!p) return NNMD_ERR_NOMEM;
  size_t n = (size_t)m->n_sf_total;
  p->slot_rc = nnmd_calloc(n, sizeof *p->slot_rc, err);
  p->chan = nnmd_calloc(n, sizeof *p->chan, err);
  p->rsf = nnmd_calloc(n, sizeof *p->rsf, err);
  p->grp = nnmd_calloc(n, sizeof *p->grp, err);
  p->achan = nnmd_calloc(n, sizeof *p->achan, err);
  p->aflag = nnmd_calloc(n, sizeof *p->aflag, err);
  p->gslot = nnmd_calloc(n, sizeof *p->gslot, err);
  p->ang = nnmd_calloc(n, sizeof *p->ang, err);
  p->mem = nnmd_calloc(n, sizeof *p->mem, err);
  if (!p->slot_rc || !p->chan || !p->rsf || !p->grp || !p->achan || !p->aflag || !p->gslot || !p->ang ||
      !p->mem) {
    nnmd_desc_plan_free(p);
    return NNMD_ERR_NOMEM;
  }
  p->n_elem = m->n_elem;
  p->cutoff_type = m->cutoff_type;
  p->alpha = m->cutoff_alpha;
  for (int e = 0; e < m->n_elem; ++e) p->zelem[e] = (double)m->z[e];
  struct builder B = {p, m, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int e = 0; e < m->n_elem; ++e) build_element(&B, e);
  for (int e = 0; e < m->n_elem; ++e) {
    const struct nnmd_desc_elem *E = &p->elem[e];
    if (E->n_slot > p->max_slot) p->max_slot = E->n_slot;
    if (E->n_chan > p->max_chan) p->max_chan = E->n_chan;
    if (E->n_sf > p->max_sf) p->max_sf = E->n_sf;
    for (int g = 0; g < E->n_grp; ++g) {
      const struct nnmd_desc_group *G = &p->grp[E->grp_off + g];
      if (G->n_a > p->max_a) p->max_a = G->n_a;
      if (G->n_b > p->max_b) p->max_b = G->n_b;
      if (G->n_m > p->max_m) p->max_m = G->n_m;
    }
  }
  *out = p;
  return NNMD_OK;
}
