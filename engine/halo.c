/* halo.c — see halo.h for the algorithm. This file implements the self-exchange path
 * (a rank that is its own neighbour copies directly); the MPI path packs the same send
 * lists into buffers (comm.h). */
#include "halo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "mem.h"

struct swap {
  int dim;         /* lattice direction */
  int shift;       /* lattice vectors added to received positions along dim (+1, -1, 0) */
  int64_t *send;   /* indices of atoms sent */
  int64_t nsend;
  size_t send_cap;
  int64_t recv_first; /* index of the first ghost received */
};

struct nnmd_halo {
  const struct nnmd_comm *comm;
  struct swap *swaps;
  int nswap, swap_cap;
};

int nnmd_halo_create(struct nnmd_halo **out, const struct nnmd_comm *comm, struct nnmd_error *err) {
  struct nnmd_halo *h = nnmd_calloc(1, sizeof *h, err);
  if (!h) return NNMD_ERR_NOMEM;
  h->comm = comm;
  *out = h;
  return NNMD_OK;
}

void nnmd_halo_destroy(struct nnmd_halo *h) {
  if (!h) return;
  for (int s = 0; s < h->swap_cap; ++s) free(h->swaps[s].send);
  free(h->swaps);
  free(h);
}

int nnmd_halo_n_swaps(const struct nnmd_halo *h) { return h->nswap; }

static int new_swap(struct nnmd_halo *h, int dim, int shift, struct swap **out, struct nnmd_error *err) {
  if (h->nswap == h->swap_cap) {
    int cap = h->swap_cap ? 2 * h->swap_cap : 8;
    struct swap *p = realloc(h->swaps, (size_t)cap * sizeof *p);
    if (!p) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory (halo swaps)");
    memset(p + h->swap_cap, 0, (size_t)(cap - h->swap_cap) * sizeof *p);
    h->swaps = p;
    h->swap_cap = cap;
  }
  struct swap *s = &h->swaps[h->nswap++];
  s->dim = dim;
  s->shift = shift;
  s->nsend = 0;
  *out = s;
  return NNMD_OK;
}

/* Wrap owned atoms into [0,1) along periodic directions; update image flags. */
static void wrap_owned(struct nnmd_system *sys, const struct nnmd_box *box) {
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    bool moved = false;
    for (int d = 0; d < 3; ++d) {
      if (!box->periodic[d]) continue;
      if (s[d] >= 0.0 && s[d] < 1.0) continue;
      int n = nnmd_wrap_frac(&s[d]);
      sys->image[d * c + i] += n;
      moved = true;
    }
    if (!moved) continue;
    nnmd_frac_to_cart(box->h, box->lo, s, r);
    for (int d = 0; d < 3; ++d) sys->x[d * c + i] = r[d];
  }
}

static double frac_coord(const struct nnmd_system *sys, const struct nnmd_box *box, int64_t i, int d) {
  int64_t c = sys->capacity;
  const double *hi = box->h_inv + 3 * d;
  return hi[0] * (sys->x[i] - box->lo[0]) + hi[1] * (sys->x[c + i] - box->lo[1]) +
         hi[2] * (sys->x[2 * c + i] - box->lo[2]);
}

/* Append ghosts for swap s: copies of its send list, shifted. */
static int make_ghosts(struct nnmd_system *sys, const struct nnmd_box *box, struct swap *s,
                       struct nnmd_error *err) {
  int64_t first = sys->n_local + sys->n_ghost;
  int st = nnmd_system_reserve(sys, first + s->nsend, err);
  if (st) return st;
  int64_t c = sys->capacity;
  double v[3];
  nnmd_box_vector(box, s->dim, v);
  s->recv_first = first;
  for (int64_t m = 0; m < s->nsend; ++m) {
    int64_t src = s->send[m], g = first + m;
    for (int d = 0; d < 3; ++d) {
      sys->x[d * c + g] = sys->x[d * c + src] + s->shift * v[d];
      sys->v[d * c + g] = sys->v[d * c + src];
      sys->image[d * c + g] = 0;
    }
    sys->id[g] = sys->id[src];
    sys->type[g] = sys->type[src];
    for (int k = 0; k < sys->n_fields; ++k) {
      struct nnmd_field *f = &sys->fields[k];
      if (!f->halo) continue;
      for (int q = 0; q < f->ncomp; ++q) f->data[q * c + g] = f->data[q * c + src];
    }
  }
  sys->n_ghost += s->nsend;
  return NNMD_OK;
}

/* Select atoms in [from, to) whose fractional coordinate along dim satisfies the side test. */
static int select_atoms(const struct nnmd_system *sys, const struct nnmd_box *box, struct swap *s,
                        int64_t from, int64_t to, bool lower, double g, struct nnmd_error *err) {
  for (int64_t i = from; i < to; ++i) {
    double sd = frac_coord(sys, box, i, s->dim);
    bool take = lower ? (sd < g) : (sd >= 1.0 - g);
    if (!take) continue;
    if (nnmd_grow((void **)&s->send, &s->send_cap, (size_t)s->nsend + 1, sizeof(int64_t), err))
      return NNMD_ERR_NOMEM;
    s->send[s->nsend++] = i;
  }
  return NNMD_OK;
}

int nnmd_halo_borders(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      double ghost_cut, struct nnmd_error *err) {
  sys->n_ghost = 0;
  h->nswap = 0;
  wrap_owned(sys, box);
  for (int d = 0; d < 3; ++d) {
    if (!box->periodic[d]) continue;
    double g = ghost_cut / box->width[d];
    int need = (int)ceil(g);
    if (need < 1) need = 1;
    int64_t stage_end = sys->n_local + sys->n_ghost;
    /* [lo_from, lo_to): candidates for the next "to lower" swap; likewise for upper. */
    int64_t lo_from = 0, lo_to = stage_end, up_from = 0, up_to = stage_end;
    for (int k = 0; k < need; ++k) {
      struct swap *s;
      int st;
      /* To the lower neighbour (self): received one lattice vector up. */
      if ((st = new_swap(h, d, +1, &s, err))) return st;
      if ((st = select_atoms(sys, box, s, lo_from, lo_to, true, g, err))) return st;
      if ((st = make_ghosts(sys, box, s, err))) return st;
      int64_t got_lo_first = s->recv_first, got_lo_n = s->nsend;
      /* To the upper neighbour: received one lattice vector down. */
      if ((st = new_swap(h, d, -1, &s, err))) return st;
      if ((st = select_atoms(sys, box, s, up_from, up_to, false, g, err))) return st;
      if ((st = make_ghosts(sys, box, s, err))) return st;
      /* Next hop forwards what just arrived from the opposite side. In a self-exchange
       * the atoms sent down arrive from "above", so they are forwarded down again. */
      lo_from = got_lo_first;
      lo_to = got_lo_first + got_lo_n;
      up_from = s->recv_first;
      up_to = s->recv_first + s->nsend;
    }
  }
  return NNMD_OK;
}

int nnmd_halo_forward(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      struct nnmd_error *err) {
  (void)err;
  int64_t c = sys->capacity;
  double *x = sys->x, *y = sys->x + c, *z = sys->x + 2 * c;
  for (int w = 0; w < h->nswap; ++w) {
    const struct swap *s = &h->swaps[w];
    double v[3];
    nnmd_box_vector(box, s->dim, v);
    double sx = s->shift * v[0], sy = s->shift * v[1], sz = s->shift * v[2];
    int64_t g = s->recv_first;
    const int64_t *src = s->send;
    for (int64_t m = 0; m < s->nsend; ++m) {
      int64_t j = src[m];
      x[g + m] = x[j] + sx;
      y[g + m] = y[j] + sy;
      z[g + m] = z[j] + sz;
    }
  }
  return NNMD_OK;
}

int nnmd_halo_forward_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err) {
  (void)err;
  int64_t c = sys->capacity;
  for (int w = 0; w < h->nswap; ++w) {
    const struct swap *s = &h->swaps[w];
    for (int q = 0; q < ncomp; ++q) {
      double *a = data + q * c;
      for (int64_t m = 0; m < s->nsend; ++m) a[s->recv_first + m] = a[s->send[m]];
    }
  }
  return NNMD_OK;
}

int nnmd_halo_reverse_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err) {
  (void)err;
  int64_t c = sys->capacity;
  for (int w = h->nswap - 1; w >= 0; --w) {
    const struct swap *s = &h->swaps[w];
    for (int q = 0; q < ncomp; ++q) {
      double *a = data + q * c;
      for (int64_t m = s->nsend - 1; m >= 0; --m) {
        a[s->send[m]] += a[s->recv_first + m];
        a[s->recv_first + m] = 0.0;
      }
    }
  }
  return NNMD_OK;
}
