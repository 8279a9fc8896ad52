/* neighbor.c — binned Verlet lists (see neighbor.h).
 *
 * Build: (1) fractional coordinates of all owned+ghost atoms; (2) the bin grid spans their
 * fractional bounding box with bins at least rl_d/2 wide (rl_d = list radius / width_d, in
 * fractional units), at most ~2 atoms' worth of bins in total; (3) counting sort of atoms
 * into bins; (4) for each owned atom, scan the stencil of bins within ceil(rl_d / bin
 * width) in each direction and keep j with |r_j - r_i| < rl (half/full rule). Pairs within
 * distance rl differ by at most rl_d in fractional coordinate d, so no pair is missed for
 * any cell shape. Bins are clamped at the grid edges, which keeps atoms outside a
 * non-periodic cell correct.
 */
#include "neighbor.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "mem.h"

struct nnmd_nlist_priv {
  double *s;        /* 3*n fractional coordinates, atom-major */
  size_t s_cap;
  int *bin_of;      /* bin of each atom */
  size_t bin_of_cap;
  int *bin_start;   /* nbins+1 */
  size_t bin_start_cap;
  int *bin_atoms;   /* atoms sorted by bin */
  size_t bin_atoms_cap;
  double *x_ref;    /* 3*n_local reference positions */
  size_t x_ref_cap;
  int64_t n_ref;
  size_t idx_cap, count_cap;
};

int nnmd_nlist_create(struct nnmd_nlist **out, double cutoff, double skin, bool full,
                      struct nnmd_error *err) {
  struct nnmd_nlist *nl = nnmd_calloc(1, sizeof *nl, err);
  if (!nl) return NNMD_ERR_NOMEM;
  nl->priv = nnmd_calloc(1, sizeof *nl->priv, err);
  if (!nl->priv) {
    free(nl);
    return NNMD_ERR_NOMEM;
  }
  nl->cutoff = cutoff;
  nl->skin = skin;
  nl->full = full;
  nl->max_neigh = 64;
  *out = nl;
  return NNMD_OK;
}

void nnmd_nlist_destroy(struct nnmd_nlist *nl) {
  if (!nl) return;
  struct nnmd_nlist_priv *p = nl->priv;
  if (p) {
    free(p->s);
    free(p->bin_of);
    free(p->bin_start);
    free(p->bin_atoms);
    free(p->x_ref);
    free(p);
  }
  free(nl->count);
  free(nl->idx);
  free(nl);
}

/* Keep pair (i, j) in a half list? */
static inline bool half_keep(int64_t i, int64_t j, int64_t n_local, double dx, double dy, double dz) {
  if (j < n_local) return j > i;
  if (dz != 0.0) return dz > 0.0;
  if (dy != 0.0) return dy > 0.0;
  return dx > 0.0;
}

struct grid {
  int nb[3];
  double smin[3], inv_bw[3];
  int reach[3];
};

static int make_grid(struct nnmd_nlist *nl, const struct nnmd_system *sys, const struct nnmd_box *box,
                     struct grid *g, struct nnmd_error *err) {
  struct nnmd_nlist_priv *p = nl->priv;
  int64_t n = sys->n_local + sys->n_ghost, c = sys->capacity;
  if (nnmd_grow((void **)&p->s, &p->s_cap, (size_t)(3 * n), sizeof(double), err)) return NNMD_ERR_NOMEM;
  double smin[3] = {DBL_MAX, DBL_MAX, DBL_MAX}, smax[3] = {-DBL_MAX, -DBL_MAX, -DBL_MAX};
  for (int64_t i = 0; i < n; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, *s = p->s + 3 * i;
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    for (int d = 0; d < 3; ++d) {
      if (!isfinite(s[d]))
        return nnmd_fail(err, NNMD_ERR_PHYSICS, "atom %lld has a non-finite position",
                         (long long)sys->id[i]);
      if (s[d] < smin[d]) smin[d] = s[d];
      if (s[d] > smax[d]) smax[d] = s[d];
    }
  }
  double rl = nl->cutoff + nl->skin;
  int64_t total = 1;
  for (int d = 0; d < 3; ++d) {
    double rl_d = rl / box->width[d];
    double span = smax[d] - smin[d];
    if (n == 0 || span <= 0) span = 1e-12;
    long nb = (long)floor(span / (0.5 * rl_d));
    if (nb < 1) nb = 1;
    if (nb > 4096) nb = 4096;
    g->nb[d] = (int)nb;
    g->smin[d] = smin[d];
    double bw = span / (double)nb;
    g->inv_bw[d] = 1.0 / bw * (1.0 - 1e-12);
    double r = ceil(rl_d / bw); /* may be huge for a flat non-periodic extent: clamp before int */
    g->reach[d] = r > (double)g->nb[d] ? g->nb[d] : (int)r;
    total *= g->nb[d];
  }
  /* Keep the grid at most ~ 2 bins per atom (very dilute systems). */
  while (total > 2 * n + 27) {
    int d = (g->nb[0] >= g->nb[1] && g->nb[0] >= g->nb[2]) ? 0 : (g->nb[1] >= g->nb[2] ? 1 : 2);
    double span = (double)g->nb[d] / g->inv_bw[d];
    total /= g->nb[d];
    g->nb[d] = (g->nb[d] + 1) / 2;
    total *= g->nb[d];
    double bw = span / g->nb[d];
    g->inv_bw[d] = 1.0 / bw * (1.0 - 1e-12);
    double r = ceil(rl / box->width[d] / bw);
    g->reach[d] = r > (double)g->nb[d] ? g->nb[d] : (int)r;
  }
  return NNMD_OK;
}

static inline int bin_coord(const struct grid *g, int d, double s) {
  int b = (int)((s - g->smin[d]) * g->inv_bw[d]);
  return b < 0 ? 0 : (b >= g->nb[d] ? g->nb[d] - 1 : b);
}

static int sort_into_bins(struct nnmd_nlist *nl, const struct nnmd_system *sys, const struct grid *g,
                          struct nnmd_error *err) {
  struct nnmd_nlist_priv *p = nl->priv;
  int64_t n = sys->n_local + sys->n_ghost;
  int nbins = g->nb[0] * g->nb[1] * g->nb[2];
  if (nnmd_grow((void **)&p->bin_of, &p->bin_of_cap, (size_t)n, sizeof(int), err) ||
      nnmd_grow((void **)&p->bin_start, &p->bin_start_cap, (size_t)nbins + 1, sizeof(int), err) ||
      nnmd_grow((void **)&p->bin_atoms, &p->bin_atoms_cap, (size_t)n, sizeof(int), err))
    return NNMD_ERR_NOMEM;
  memset(p->bin_start, 0, ((size_t)nbins + 1) * sizeof(int));
  for (int64_t i = 0; i < n; ++i) {
    const double *s = p->s + 3 * i;
    int b = (bin_coord(g, 2, s[2]) * g->nb[1] + bin_coord(g, 1, s[1])) * g->nb[0] + bin_coord(g, 0, s[0]);
    p->bin_of[i] = b;
    p->bin_start[b + 1]++;
  }
  for (int b = 0; b < nbins; ++b) p->bin_start[b + 1] += p->bin_start[b];
  /* stable fill: atoms within a bin stay in index order */
  int *fill = p->bin_start; /* reuse: shift back afterwards */
  for (int64_t i = 0; i < n; ++i) p->bin_atoms[fill[p->bin_of[i]]++] = (int)i;
  for (int b = nbins; b > 0; --b) fill[b] = fill[b - 1];
  fill[0] = 0;
  return NNMD_OK;
}

/* One pass over owned atoms; returns NNMD_ERR_RANGE (with need_max) if a row overflows. */
static int fill_lists(struct nnmd_nlist *nl, const struct nnmd_system *sys, const struct grid *g) {
  struct nnmd_nlist_priv *p = nl->priv;
  int64_t c = sys->capacity, nloc = sys->n_local;
  const double *x = sys->x, *y = sys->x + c, *z = sys->x + 2 * c;
  double rl = nl->cutoff + nl->skin, rl2 = rl * rl;
  int maxn = nl->max_neigh, need = 0;
  int64_t pairs = 0;
  for (int64_t i = 0; i < nloc; ++i) {
    const double *s = p->s + 3 * i;
    int b0 = bin_coord(g, 0, s[0]), b1 = bin_coord(g, 1, s[1]), b2 = bin_coord(g, 2, s[2]);
    double xi = x[i], yi = y[i], zi = z[i];
    int *row = nl->idx + (size_t)i * (size_t)maxn;
    int cnt = 0;
    int lo2 = b2 - g->reach[2] < 0 ? 0 : b2 - g->reach[2];
    int hi2 = b2 + g->reach[2] >= g->nb[2] ? g->nb[2] - 1 : b2 + g->reach[2];
    int lo1 = b1 - g->reach[1] < 0 ? 0 : b1 - g->reach[1];
    int hi1 = b1 + g->reach[1] >= g->nb[1] ? g->nb[1] - 1 : b1 + g->reach[1];
    int lo0 = b0 - g->reach[0] < 0 ? 0 : b0 - g->reach[0];
    int hi0 = b0 + g->reach[0] >= g->nb[0] ? g->nb[0] - 1 : b0 + g->reach[0];
    for (int c2 = lo2; c2 <= hi2; ++c2)
      for (int c1 = lo1; c1 <= hi1; ++c1) {
        int base = (c2 * g->nb[1] + c1) * g->nb[0];
        int from = p->bin_start[base + lo0], to = p->bin_start[base + hi0 + 1];
        for (int q = from; q < to; ++q) {
          int j = p->bin_atoms[q];
          if (j == i) continue;
          double dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi;
          if (dx * dx + dy * dy + dz * dz >= rl2) continue;
          if (!nl->full && !half_keep(i, j, nloc, dx, dy, dz)) continue;
          if (cnt < maxn) row[cnt] = j;
          cnt++;
        }
      }
    nl->count[i] = cnt < maxn ? cnt : maxn;
    if (cnt > need) need = cnt;
    pairs += cnt;
  }
  nl->need_max = need;
  nl->n_pairs = pairs;
  return need > maxn ? NNMD_ERR_RANGE : NNMD_OK;
}

static void stats(struct nnmd_nlist *nl) {
  int mn = nl->n ? nl->count[0] : 0, mx = 0;
  for (int64_t i = 0; i < nl->n; ++i) {
    if (nl->count[i] < mn) mn = nl->count[i];
    if (nl->count[i] > mx) mx = nl->count[i];
  }
  nl->min_count = mn;
  nl->max_count = mx;
  nl->mean_count = nl->n ? (double)nl->n_pairs / (double)nl->n : 0.0;
}

int nnmd_nlist_build(struct nnmd_nlist *nl, const struct nnmd_system *sys, const struct nnmd_box *box,
                     struct nnmd_error *err) {
  struct nnmd_nlist_priv *p = nl->priv;
  struct grid g;
  int st = make_grid(nl, sys, box, &g, err);
  if (st) return st;
  if ((st = sort_into_bins(nl, sys, &g, err))) return st;
  nl->n = sys->n_local;
  for (;;) {
    if (nnmd_grow((void **)&nl->count, &p->count_cap, (size_t)nl->n + 1, sizeof(int), err) ||
        nnmd_grow((void **)&nl->idx, &p->idx_cap, (size_t)(nl->n + 1) * (size_t)nl->max_neigh,
                  sizeof(int), err))
      return NNMD_ERR_NOMEM;
    st = fill_lists(nl, sys, &g);
    if (st != NNMD_ERR_RANGE) break;
    nl->max_neigh = nl->need_max + nl->need_max / 8 + 8; /* grow and rebuild, never truncate */
  }
  /* reference positions for the skin test */
  int64_t c = sys->capacity;
  if (nnmd_grow((void **)&p->x_ref, &p->x_ref_cap, (size_t)(3 * nl->n) + 3, sizeof(double), err))
    return NNMD_ERR_NOMEM;
  for (int d = 0; d < 3; ++d) memcpy(p->x_ref + d * nl->n, sys->x + d * c, (size_t)nl->n * sizeof(double));
  p->n_ref = nl->n;
  nl->n_builds++;
  stats(nl);
  return NNMD_OK;
}

double nnmd_nlist_max_displacement(const struct nnmd_nlist *nl, const struct nnmd_system *sys) {
  const struct nnmd_nlist_priv *p = nl->priv;
  if (p->n_ref != sys->n_local) return INFINITY;
  int64_t c = sys->capacity, n = p->n_ref;
  double m2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double dx = sys->x[i] - p->x_ref[i], dy = sys->x[c + i] - p->x_ref[n + i],
           dz = sys->x[2 * c + i] - p->x_ref[2 * n + i];
    double r2 = dx * dx + dy * dy + dz * dz;
    if (r2 > m2) m2 = r2;
  }
  return sqrt(m2);
}
