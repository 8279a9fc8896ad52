/* tframe.c — frames and their descriptor caches (see tframe.h).
 *
 * Neighbours: every atom j and every periodic image shift n (|n_a| <= ceil(rc / height_a)
 * along periodic axes, where height_a = V / |b x c| is the cell thickness across axis a)
 * with |r_j + h n - r_i| < rc(element of i), excluding i itself at n = 0. Positions are
 * first wrapped into the cell along periodic axes (fractional coordinates floor-wrapped), so
 * the shift range is exact. Brute force O(n^2 x images): done once per frame.
 * Jacobian: nnmd_desc_gradient with c = e_s gives dG_s/dd_j for every gathered neighbour.
 */
#include "tframe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "mem.h"
#include "structure.h" /* NNMD_STRUCTURE_MAX_DENSITY: the readers' limit, shared */

void tframe_free(struct tframe *f) {
  if (!f) return;
  free(f->elem);
  free(f->pos);
  free(f->force);
  free(f->bec);
  memset(f, 0, sizeof *f);
}

static void cross(const double *a, const double *b, double *c) {
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

double tframe_volume(const struct tframe *f) {
  if (!f->has_cell) return 0.0;
  double a[3], b[3], c[3], x[3];
  for (int k = 0; k < 3; ++k) {
    a[k] = f->h[3 * k + 0];
    b[k] = f->h[3 * k + 1];
    c[k] = f->h[3 * k + 2];
  }
  cross(b, c, x);
  return fabs(a[0] * x[0] + a[1] * x[1] + a[2] * x[2]);
}

void tcache_free(struct tcache *c) {
  if (!c) return;
  free(c->goff);
  free(c->g);
  free(c->eoff);
  free(c->eatom);
  free(c->ed);
  free(c->joff);
  free(c->jent);
  free(c->jg);
  memset(c, 0, sizeof *c);
}

/* inverse of the 3x3 row-major matrix h */
static int inv3(const double *h, double *hi) {
  double det = h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) +
               h[2] * (h[3] * h[7] - h[4] * h[6]);
  if (!(fabs(det) > 0.0)) return -1;
  hi[0] = (h[4] * h[8] - h[5] * h[7]) / det;
  hi[1] = (h[2] * h[7] - h[1] * h[8]) / det;
  hi[2] = (h[1] * h[5] - h[2] * h[4]) / det;
  hi[3] = (h[5] * h[6] - h[3] * h[8]) / det;
  hi[4] = (h[0] * h[8] - h[2] * h[6]) / det;
  hi[5] = (h[2] * h[3] - h[0] * h[5]) / det;
  hi[6] = (h[3] * h[7] - h[4] * h[6]) / det;
  hi[7] = (h[1] * h[6] - h[0] * h[7]) / det;
  hi[8] = (h[0] * h[4] - h[1] * h[3]) / det;
  return 0;
}

struct nb_buf {
  size_t n, cap;
  int *atom;
  double *d;
};

static int nb_push(struct nb_buf *b, int j, const double *d, struct nnmd_error *err) {
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 4096;
    void *pa = realloc(b->atom, nc * sizeof(int)), *pd = pa ? realloc(b->d, 3 * nc * sizeof(double)) : NULL;
    if (pa) b->atom = pa;
    if (pd) b->d = pd;
    if (!pa || !pd) return nnmd_fail(err, NNMD_ERR_NOMEM, "train: out of memory for neighbour entries");
    b->cap = nc;
  }
  b->atom[b->n] = j;
  memcpy(b->d + 3 * b->n, d, 3 * sizeof(double));
  b->n++;
  return NNMD_OK;
}

/* Checks a frame's cell against the model's cutoff (singular, denser than matter, too thin or
 * oblique, atoms far outside) and wraps the positions x (3n, a copy of f->pos) into the cell;
 * nmax: the periodic images to search per direction. Shared by the pair search and by
 * `nnmd check`, which runs no pair search. */
static int frame_geometry(const struct nnmd_nnp_model *m, const struct tframe *f, double *x, int nmax[3],
                          struct nnmd_error *err) {
  const int n = f->n;
  nmax[0] = nmax[1] = nmax[2] = 0;
  if (f->has_cell) {
    double hi[9];
    if (inv3(f->h, hi))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}), "the cell of frame %d is singular",
                          f->index);
    double V = tframe_volume(f), cols[3][3];
    /* as the structure readers: no matter is denser (the pair search below would otherwise
     * walk the images of a cell a thousand times too small) */
    if ((f->pbc[0] || f->pbc[1] || f->pbc[2]) && !(n <= NNMD_STRUCTURE_MAX_DENSITY * V)) {
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}),
                          "frame %d: %d atoms in a cell of %.4g A^3 (%.4g atoms per A^3, limit %g): wrong cell or "
                          "length unit?",
                          f->index, n, V, n / V, NNMD_STRUCTURE_MAX_DENSITY);
    }
    for (int a = 0; a < 3; ++a)
      for (int k = 0; k < 3; ++k) cols[a][k] = f->h[3 * k + a];
    for (int a = 0; a < 3; ++a) {
      if (!f->pbc[a]) continue;
      double cr[3];
      cross(cols[(a + 1) % 3], cols[(a + 2) % 3], cr);
      double height = V / sqrt(cr[0] * cr[0] + cr[1] * cr[1] + cr[2] * cr[2]);
      double nm = ceil(m->rc_max / height);
      if (!(nm < 1000))
        return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}),
                            "frame %d: the cell is too thin (%g) for the cutoff %g", f->index, height, m->rc_max);
      nmax[a] = (int)nm;
    }
    /* periodic images searched per pair: a cell thin in several directions (very oblique)
     * would make it millions; 35^3 covers a 12 A cutoff on a 1.4 A wide primitive cell */
    if ((2.0 * nmax[0] + 1) * (2.0 * nmax[1] + 1) * (2.0 * nmax[2] + 1) > 35.0 * 35 * 35) {
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}),
                          "frame %d: the cell is too thin or oblique for the cutoff %g A (images %d x %d x %d "
                          "along a, b, c)",
                          f->index, m->rc_max, 2 * nmax[0] + 1, 2 * nmax[1] + 1, 2 * nmax[2] + 1);
    }
    for (int i = 0; i < n; ++i) {
      double *r = x + 3 * i, s[3];
      for (int a = 0; a < 3; ++a) s[a] = hi[3 * a] * r[0] + hi[3 * a + 1] * r[1] + hi[3 * a + 2] * r[2];
      for (int a = 0; a < 3; ++a)
        if (f->pbc[a] && !nnmd_frac_ok(s[a])) {
          return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}),
                              "frame %d: atom %d at (%g, %g, %g) A lies %.3g cell lengths from the cell (limit %g)",
                              f->index, i + 1, r[0], r[1], r[2], s[a], NNMD_FRAC_MAX);
        }
      for (int a = 0; a < 3; ++a)
        if (f->pbc[a]) s[a] -= floor(s[a]);
      for (int k = 0; k < 3; ++k) r[k] = f->h[3 * k] * s[0] + f->h[3 * k + 1] * s[1] + f->h[3 * k + 2] * s[2];
    }
  }
  return NNMD_OK;
}

int tframe_check_geometry(const struct nnmd_nnp_model *m, const struct tframe *f, struct nnmd_error *err) {
  double *x = nnmd_malloc(3 * (size_t)f->n * sizeof(double) + 1, err);
  if (!x) return NNMD_ERR_NOMEM;
  memcpy(x, f->pos, 3 * (size_t)f->n * sizeof(double));
  int nmax[3];
  int st = frame_geometry(m, f, x, nmax, err);
  free(x);
  return st;
}

/* Neighbour entries of every atom into b, offsets into eoff. */
static int neighbours(const struct nnmd_nnp_model *m, const struct tframe *f, struct nb_buf *b, size_t *eoff,
                      struct nnmd_error *err) {
  const int n = f->n;
  double *x = nnmd_malloc(3 * (size_t)n * sizeof(double) + 1, err);
  if (!x) return NNMD_ERR_NOMEM;
  memcpy(x, f->pos, 3 * (size_t)n * sizeof(double));
  int nmax[3];
  int st = frame_geometry(m, f, x, nmax, err);
  if (st) {
    free(x);
    return st;
  }
  for (int i = 0; i < n && !st; ++i) {
    eoff[i] = b->n;
    const double rc = m->rc_elem[f->elem[i]], rc2 = rc * rc;
    for (int n0 = -nmax[0]; n0 <= nmax[0] && !st; ++n0)
      for (int n1 = -nmax[1]; n1 <= nmax[1] && !st; ++n1)
        for (int n2 = -nmax[2]; n2 <= nmax[2] && !st; ++n2) {
          double sh[3];
          for (int k = 0; k < 3; ++k) sh[k] = f->h[3 * k] * n0 + f->h[3 * k + 1] * n1 + f->h[3 * k + 2] * n2;
          for (int j = 0; j < n; ++j) {
            if (j == i && n0 == 0 && n1 == 0 && n2 == 0) continue;
            double d[3];
            for (int k = 0; k < 3; ++k) d[k] = x[3 * j + k] + sh[k] - x[3 * i + k];
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (r2 < rc2 && (st = nb_push(b, j, d, err))) break;
          }
        }
  }
  eoff[n] = b->n;
  free(x);
  return st;
}

int tcache_build(const struct nnmd_nnp_model *m, const struct nnmd_desc_plan *plan, struct nnmd_desc_work **work,
                 const struct tframe *f, struct tcache *c, struct nnmd_error *err) {
  memset(c, 0, sizeof *c);
  const int n = f->n;
  struct nb_buf b = {0};
  int st = NNMD_OK;
  c->n = n;
  c->eoff = nnmd_malloc(((size_t)n + 1) * sizeof(size_t), err);
  c->goff = nnmd_malloc(((size_t)n + 1) * sizeof(size_t), err);
  if (!c->eoff || !c->goff) {
    tcache_free(c);
    return NNMD_ERR_NOMEM;
  }
  if ((st = neighbours(m, f, &b, c->eoff, err))) goto fail;
  c->eatom = b.atom;
  c->ed = b.d;
  b.atom = NULL;
  b.d = NULL;
  size_t ng = 0;
  for (int i = 0; i < n; ++i) {
    c->goff[i] = ng;
    ng += (size_t)m->n_sf[f->elem[i]];
  }
  c->goff[n] = ng;
  c->g = nnmd_malloc((ng + 1) * sizeof(double), err);
  c->joff = nnmd_malloc((ng + 1) * sizeof(size_t), err);
  if (!c->g || !c->joff) {
    st = NNMD_ERR_NOMEM;
    goto fail;
  }
  size_t nnz = 0, cap = 0;
  int maxn = 0;
  for (int i = 0; i < n; ++i)
    if ((int)(c->eoff[i + 1] - c->eoff[i]) > maxn) maxn = (int)(c->eoff[i + 1] - c->eoff[i]);
  if ((st = nnmd_desc_work_reserve(plan, *work, maxn + 1, err))) goto fail;
  double *tmp = nnmd_malloc((size_t)(maxn + 1) * (3 * sizeof(double) + 2 * sizeof(int)) +
                                (size_t)(plan->max_sf + 1) * sizeof(double), err);
  if (!tmp) {
    st = NNMD_ERR_NOMEM;
    goto fail;
  }
  double *ndx = tmp, *ndy = ndx + maxn + 1, *ndz = ndy + maxn + 1, *cv = ndz + maxn + 1;
  int *ne = (int *)(cv + plan->max_sf + 1), *ni = ne + maxn + 1;
  for (int i = 0; i < n && !st; ++i) {
    const int ec = f->elem[i];
    const int cnt = (int)(c->eoff[i + 1] - c->eoff[i]);
    for (int k = 0; k < cnt; ++k) {
      size_t q = c->eoff[i] + (size_t)k;
      ndx[k] = c->ed[3 * q];
      ndy[k] = c->ed[3 * q + 1];
      ndz[k] = c->ed[3 * q + 2];
      ne[k] = f->elem[c->eatom[q]];
      ni[k] = (int)k;
    }
    struct nnmd_desc_work *w = *work;
    nnmd_desc_gather(plan, w, ec, cnt, ndx, ndy, ndz, ne, ni);
    if ((st = nnmd_desc_prepare(plan, w, ec, err))) break;
    nnmd_desc_values(plan, w, ec, c->g + c->goff[i]);
    const int ns = m->n_sf[ec];
    for (int s = 0; s < ns && !st; ++s) {
      c->joff[c->goff[i] + (size_t)s] = nnz;
      memset(cv, 0, (size_t)ns * sizeof(double));
      cv[s] = 1.0;
      nnmd_desc_gradient(plan, w, ec, cv);
      if (nnz + (size_t)w->n > cap) {
        size_t nc = cap ? cap : 65536;
        while (nc < nnz + (size_t)w->n) nc *= 2;
        void *pe = realloc(c->jent, nc * sizeof(int)), *pg = pe ? realloc(c->jg, 3 * nc * sizeof(double)) : NULL;
        if (pe) c->jent = pe;
        if (pg) c->jg = pg;
        if (!pe || !pg) {
          st = nnmd_fail(err, NNMD_ERR_NOMEM, "train: out of memory for the descriptor cache");
          break;
        }
        cap = nc;
      }
      for (int q = 0; q < w->n; ++q) {
        double gr = w->grad_r[q];
        double gx = w->gx[q] + gr * w->ux[q], gy = w->gy[q] + gr * w->uy[q], gz = w->gz[q] + gr * w->uz[q];
        if (gx == 0.0 && gy == 0.0 && gz == 0.0) continue;
        c->jent[nnz] = (int)(c->eoff[i] + (size_t)w->idx[q]);
        c->jg[3 * nnz] = gx;
        c->jg[3 * nnz + 1] = gy;
        c->jg[3 * nnz + 2] = gz;
        ++nnz;
      }
    }
  }
  free(tmp);
  if (st) goto fail;
  c->joff[ng] = nnz;
  c->bytes = (ng + 1) * (sizeof(double) + sizeof(size_t)) + c->eoff[n] * (sizeof(int) + 3 * sizeof(double)) +
             nnz * (sizeof(int) + 3 * sizeof(double)) + 2 * ((size_t)n + 1) * sizeof(size_t);
  return NNMD_OK;
fail:
  free(b.atom);
  free(b.d);
  tcache_free(c);
  return st;
}
