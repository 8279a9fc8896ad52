/* rdf.c — pair histograms with a fractional-coordinate cell list (algorithm in rdf.h).
 *
 * Layout: species pairs a <= b of the species table get the triangular index
 * p = a n - a (a - 1)/2 + (b - a); cnt[p * bins + k] holds this sample's unordered pair
 * counts, acc_v[...] the sum over samples of count * V and acc_n[...] the sum of counts.
 * Cells: head[c] / next[i] linked lists over nb[0] nb[1] nb[2] cells.
 */
#include "rdf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "mem.h"
#include "types.h"

struct nnmd_rdf {
  struct nnmd_rdf_opts o;
  struct nnmd_species_table sp;
  int64_t natoms, bins, npair_types;
  int *type;
  int64_t n_of[NNMD_MAX_SPECIES];
  double dr, *rc;
  int64_t *cnt;
  double *acc_v, *acc_n;
  int64_t n_samples;
  int64_t *head, *next, head_cap;
  double *s; /* fractional coordinates, 3 per atom */
};

void nnmd_rdf_opts_default(struct nnmd_rdf_opts *o) {
  memset(o, 0, sizeof *o);
  o->every = 100;
  o->bins = 200;
}

static int64_t tri(const struct nnmd_rdf *r, int a, int b) {
  if (a > b) {
    int t = a;
    a = b;
    b = t;
  }
  int64_t n = r->sp.n;
  return (int64_t)a * n - (int64_t)a * (a - 1) / 2 + (b - a);
}

void nnmd_rdf_destroy(struct nnmd_rdf *r) {
  if (!r) return;
  free(r->type);
  free(r->rc);
  free(r->cnt);
  free(r->acc_v);
  free(r->acc_n);
  free(r->head);
  free(r->next);
  free(r->s);
  free(r);
}

double nnmd_rdf_rmax_limit(const struct nnmd_box *box) {
  double w = INFINITY;
  for (int d = 0; d < 3; ++d)
    if (box->periodic[d]) w = fmin(w, box->width[d]);
  return 0.5 * w;
}

int nnmd_rdf_create(const struct nnmd_rdf_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                    const int *type, struct nnmd_rdf **out, struct nnmd_error *err) {
  *out = NULL;
  if (!(o->rmax > 0) || o->bins < 1 || natoms < 2)
    return nnmd_fail(err, NNMD_ERR_INPUT, "RDF: needs rmax > 0, bins >= 1 and at least 2 atoms");
  struct nnmd_rdf *r = nnmd_calloc(1, sizeof *r, err);
  if (!r) return NNMD_ERR_NOMEM;
  r->o = *o;
  r->sp = *sp;
  r->natoms = natoms;
  r->bins = o->bins;
  r->dr = o->rmax / (double)o->bins;
  r->npair_types = (int64_t)sp->n * (sp->n + 1) / 2;
  size_t nb = (size_t)r->bins, np = (size_t)r->npair_types;
  r->type = nnmd_malloc((size_t)natoms * sizeof *r->type, err);
  r->rc = nnmd_malloc(nb * sizeof *r->rc, err);
  r->cnt = nnmd_calloc(np * nb, sizeof *r->cnt, err);
  r->acc_v = nnmd_calloc(np * nb, sizeof *r->acc_v, err);
  r->acc_n = nnmd_calloc(np * nb, sizeof *r->acc_n, err);
  r->next = nnmd_malloc((size_t)natoms * sizeof *r->next, err);
  r->s = nnmd_malloc(3 * (size_t)natoms * sizeof *r->s, err);
  if (!r->type || !r->rc || !r->cnt || !r->acc_v || !r->acc_n || !r->next || !r->s) {
    nnmd_rdf_destroy(r);
    return NNMD_ERR_NOMEM;
  }
  for (int64_t k = 0; k < r->bins; ++k) r->rc[k] = ((double)k + 0.5) * r->dr;
  for (int64_t i = 0; i < natoms; ++i) {
    if (type[i] < 0 || type[i] >= sp->n) {
      nnmd_rdf_destroy(r);
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "RDF: atom %lld has species index %d", (long long)i, type[i]);
    }
    r->type[i] = type[i];
    r->n_of[type[i]]++;
  }
  *out = r;
  return NNMD_OK;
}

static void bin_pair(struct nnmd_rdf *r, const double *x, const struct nnmd_box *box, int64_t i, int64_t j,
                     double rmax2) {
  int64_t n = r->natoms;
  double d[3] = {x[j] - x[i], x[n + j] - x[n + i], x[2 * n + j] - x[2 * n + i]};
  nnmd_min_image(box->h, box->h_inv, box->periodic, d);
  double q = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  if (q >= rmax2) return;
  int64_t k = (int64_t)(sqrt(q) / r->dr);
  if (k >= r->bins) k = r->bins - 1;
  r->cnt[tri(r, r->type[i], r->type[j]) * r->bins + k]++;
}

static int count_pairs(struct nnmd_rdf *r, const double *x, const struct nnmd_box *box, struct nnmd_error *err) {
  int64_t n = r->natoms, nb[3], ncell = 1;
  double rmax2 = r->o.rmax * r->o.rmax;
  bool cells = true;
  for (int d = 0; d < 3; ++d) {
    nb[d] = (int64_t)floor(box->width[d] / r->o.rmax);
    if (nb[d] > 512) nb[d] = 512;
    if (nb[d] < 3) cells = false;
    ncell *= nb[d];
  }
  if (!cells) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) bin_pair(r, x, box, i, j, rmax2);
    return NNMD_OK;
  }
  if (ncell > r->head_cap) {
    free(r->head);
    r->head = nnmd_malloc((size_t)ncell * sizeof *r->head, err);
    r->head_cap = r->head ? ncell : 0;
    if (!r->head) return NNMD_ERR_NOMEM;
  }
  for (int64_t c = 0; c < ncell; ++c) r->head[c] = -1;
  for (int64_t i = n - 1; i >= 0; --i) {
    double p[3] = {x[i], x[n + i], x[2 * n + i]}, s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, p, s);
    int64_t c[3];
    for (int d = 0; d < 3; ++d) {
      nnmd_wrap_frac(&s[d]);
      c[d] = (int64_t)(s[d] * (double)nb[d]);
      if (c[d] >= nb[d]) c[d] = nb[d] - 1;
    }
    int64_t cell = (c[2] * nb[1] + c[1]) * nb[0] + c[0];
    r->next[i] = r->head[cell];
    r->head[cell] = i;
  }
  for (int64_t cz = 0; cz < nb[2]; ++cz)
    for (int64_t cy = 0; cy < nb[1]; ++cy)
      for (int64_t cx = 0; cx < nb[0]; ++cx) {
        int64_t c0 = (cz * nb[1] + cy) * nb[0] + cx;
        for (int oz = -1; oz <= 1; ++oz)
          for (int oy = -1; oy <= 1; ++oy)
            for (int ox = -1; ox <= 1; ++ox) {
              int64_t qx = (cx + ox + nb[0]) % nb[0], qy = (cy + oy + nb[1]) % nb[1], qz = (cz + oz + nb[2]) % nb[2];
              int64_t c1 = (qz * nb[1] + qy) * nb[0] + qx;
              for (int64_t i = r->head[c0]; i >= 0; i = r->next[i])
                for (int64_t j = r->head[c1]; j >= 0; j = r->next[j])
                  if (j > i) bin_pair(r, x, box, i, j, rmax2);
            }
      }
  return NNMD_OK;
}

int nnmd_rdf_add(struct nnmd_rdf *r, const double *x, const struct nnmd_box *box, struct nnmd_error *err) {
  if (!box->periodic[0] || !box->periodic[1] || !box->periodic[2])
    return nnmd_fail(err, NNMD_ERR_INPUT, "RDF: the cell must be periodic in x, y and z");
  double lim = nnmd_rdf_rmax_limit(box);
  if (r->o.rmax > lim)
    return nnmd_fail(err, NNMD_ERR_PHYSICS,
                     "RDF: rmax = %g A is more than half the smallest perpendicular cell width (%g A) at this sample "
                     "(the cell shrank); use a smaller rmax", r->o.rmax, lim);
  size_t total = (size_t)(r->npair_types * r->bins);
  memset(r->cnt, 0, total * sizeof *r->cnt);
  int st = count_pairs(r, x, box, err);
  if (st) return st;
  for (size_t j = 0; j < total; ++j) {
    r->acc_v[j] += (double)r->cnt[j] * box->volume;
    r->acc_n[j] += (double)r->cnt[j];
  }
  r->n_samples++;
  return NNMD_OK;
}

int64_t nnmd_rdf_samples(const struct nnmd_rdf *r) { return r->n_samples; }
const double *nnmd_rdf_r(const struct nnmd_rdf *r) { return r->rc; }
const struct nnmd_rdf_opts *nnmd_rdf_options(const struct nnmd_rdf *r) { return &r->o; }
const struct nnmd_species_table *nnmd_rdf_species_table(const struct nnmd_rdf *r) { return &r->sp; }

int nnmd_rdf_compute(struct nnmd_rdf *r, int a, int b, double *g, double *n) {
  int64_t B = r->bins;
  bool total = a < 0 && b < 0;
  if (!total && (a < 0 || b < 0 || a >= r->sp.n || b >= r->sp.n)) return NNMD_ERR_INPUT;
  double pairs, per; /* pairs P_ab; atoms the coordination number is counted around */
  if (total) {
    pairs = 0.5 * (double)r->natoms * (double)(r->natoms - 1);
    per = 0.5 * (double)r->natoms;
  } else if (a == b) {
    pairs = 0.5 * (double)r->n_of[a] * (double)(r->n_of[a] - 1);
    per = 0.5 * (double)r->n_of[a];
  } else {
    pairs = (double)r->n_of[a] * (double)r->n_of[b];
    per = (double)r->n_of[a];
  }
  double ns = (double)r->n_samples, run = 0.0;
  for (int64_t k = 0; k < B; ++k) {
    double cv = 0.0, cn = 0.0;
    if (total) {
      for (int64_t p = 0; p < r->npair_types; ++p) {
        cv += r->acc_v[p * B + k];
        cn += r->acc_n[p * B + k];
      }
    } else {
      cv = r->acc_v[tri(r, a, b) * B + k];
      cn = r->acc_n[tri(r, a, b) * B + k];
    }
    double r0 = (double)k * r->dr, r1 = r0 + r->dr, shell = 4.0 / 3.0 * NNMD_PI * (r1 * r1 * r1 - r0 * r0 * r0);
    run += cn;
    if (g) g[k] = (pairs > 0 && ns > 0) ? cv / (ns * pairs * shell) : NAN;
    if (n) n[k] = (per > 0 && ns > 0) ? run / (ns * per) : NAN;
  }
  return NNMD_OK;
}
