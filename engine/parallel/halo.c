/* halo.c — see halo.h for the algorithm. Each swap has a send list, a destination rank
 * (send_rank) and a source rank (recv_rank): a swap "to the lower neighbour" sends to the
 * lower rank and receives what the upper rank sends to its own lower neighbour, i.e. me.
 * A swap whose partner is this rank itself (serial runs, or one rank along a direction)
 * copies directly; otherwise records are packed into a double buffer, exchanged with
 * comm.h's sendrecv and unpacked. The lattice shift is applied by the sender.
 * Migration (nnmd_halo_migrate) moves owned atoms to the rank of their sub-domain, one
 * direction at a time, at neighbour-list rebuilds. */
#include "halo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "mem.h"

struct swap {
  int dim;
  int shift;      /* lattice vectors added (by the sender) to positions along dim */
  int send_rank, recv_rank;
  int64_t *send;  /* indices of atoms sent */
  int64_t nsend;
  size_t send_cap;
  int64_t recv_first, nrecv; /* ghosts received */
};

struct nnmd_halo {
  const struct nnmd_comm *comm;
  struct nnmd_domain dom;
  struct swap *swaps;
  int nswap, swap_cap;
  double *sbuf, *rbuf;
  size_t sbuf_cap, rbuf_cap;
};

int nnmd_halo_create(struct nnmd_halo **out, const struct nnmd_comm *comm, struct nnmd_error *err) {
  struct nnmd_halo *h = nnmd_calloc(1, sizeof *h, err);
  if (!h) return NNMD_ERR_NOMEM;
  h->comm = comm;
  nnmd_domain_serial(&h->dom);
  *out = h;
  return NNMD_OK;
}

void nnmd_halo_set_domain(struct nnmd_halo *h, const struct nnmd_domain *d) { h->dom = *d; }
const struct nnmd_domain *nnmd_halo_domain(const struct nnmd_halo *h) { return &h->dom; }

void nnmd_halo_destroy(struct nnmd_halo *h) {
  if (!h) return;
  for (int s = 0; s < h->swap_cap; ++s) free(h->swaps[s].send);
  free(h->swaps);
  free(h->sbuf);
  free(h->rbuf);
  free(h);
}

int nnmd_halo_n_swaps(const struct nnmd_halo *h) { return h->nswap; }
const struct nnmd_comm *nnmd_halo_comm(const struct nnmd_halo *h) { return h->comm; }

static bool is_self(const struct nnmd_halo *h, const struct swap *s) {
  return s->send_rank == h->dom.rank && s->recv_rank == h->dom.rank;
}

void nnmd_halo_swap_info(const struct nnmd_halo *h, int k, struct nnmd_halo_swap_info *out) {
  const struct swap *s = &h->swaps[k];
  *out = (struct nnmd_halo_swap_info){.dim = s->dim, .shift = s->shift, .send_rank = s->send_rank,
                                      .recv_rank = s->recv_rank, .self = is_self(h, s), .send = s->send,
                                      .nsend = s->nsend, .recv_first = s->recv_first, .nrecv = s->nrecv};
}

static int new_swap(struct nnmd_halo *h, int dim, bool lower, struct swap **out, struct nnmd_error *err) {
  if (h->nswap == h->swap_cap) {
    int cap = h->swap_cap ? 2 * h->swap_cap : 8;
    struct swap *p = realloc(h->swaps, (size_t)cap * sizeof *p);
    if (!p) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory (halo swaps)");
    memset(p + h->swap_cap, 0, (size_t)(cap - h->swap_cap) * sizeof *p);
    h->swaps = p;
    h->swap_cap = cap;
  }
  struct swap *s = &h->swaps[h->nswap++];
  const struct nnmd_domain *d = &h->dom;
  s->dim = dim;
  s->send_rank = lower ? d->lower[dim] : d->upper[dim];
  s->recv_rank = lower ? d->upper[dim] : d->lower[dim];
  /* crossing the periodic boundary: the receiver sees the atoms one cell up / down */
  s->shift = lower ? (d->coord[dim] == 0 ? 1 : 0) : (d->coord[dim] == d->grid[dim] - 1 ? -1 : 0);
  s->nsend = 0;
  s->nrecv = 0;
  *out = s;
  return NNMD_OK;
}

static double frac_coord(const struct nnmd_system *sys, const struct nnmd_box *box, int64_t i, int d) {
  int64_t c = sys->capacity;
  const double *hi = box->h_inv + 3 * d;
  return hi[0] * (sys->x[i] - box->lo[0]) + hi[1] * (sys->x[c + i] - box->lo[1]) +
         hi[2] * (sys->x[2 * c + i] - box->lo[2]);
}

int nnmd_halo_wrap(struct nnmd_system *sys, const struct nnmd_box *box, struct nnmd_error *err) {
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    bool moved = false;
    for (int d = 0; d < 3; ++d) {
      if (!box->periodic[d] || (s[d] >= 0.0 && s[d] < 1.0)) continue;
      if (!nnmd_frac_ok(s[d]))
        return nnmd_fail(err, NNMD_ERR_PHYSICS,
                         "atom %lld is at (%g, %g, %g) A, %.3g cell lengths along %c from the cell (limit %g): "
                         "lost, it cannot be wrapped back into the cell",
                         (long long)sys->id[i], r[0], r[1], r[2], s[d], "abc"[d], NNMD_FRAC_MAX);
      sys->image[d * c + i] += nnmd_wrap_frac(&s[d]);
      moved = true;
    }
    if (!moved) continue;
    nnmd_frac_to_cart(box->h, box->lo, s, r);
    for (int d = 0; d < 3; ++d) sys->x[d * c + i] = r[d];
  }
  return NNMD_OK;
}

static int grow_buf(double **b, size_t *cap, size_t n, struct nnmd_error *err) {
  return nnmd_grow((void **)b, cap, n, sizeof(double), err);
}

/* ---- ghost records: x(3) v(3) id type, then the halo fields ---- */
static int ghost_width(const struct nnmd_system *sys) {
  int w = 8;
  for (int k = 0; k < sys->n_fields; ++k)
    if (sys->fields[k].halo) w += sys->fields[k].ncomp;
  return w;
}

static void pack_ghost(const struct nnmd_system *sys, int64_t i, const double sv[3], double *p) {
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) {
    p[d] = sys->x[d * c + i] + sv[d];
    p[3 + d] = sys->v[d * c + i];
  }
  p[6] = (double)sys->id[i];
  p[7] = (double)sys->type[i];
  int q = 8;
  for (int k = 0; k < sys->n_fields; ++k) {
    const struct nnmd_field *f = &sys->fields[k];
    if (!f->halo) continue;
    for (int m = 0; m < f->ncomp; ++m) p[q++] = f->data[m * c + i];
  }
}

static void unpack_ghost(struct nnmd_system *sys, int64_t g, const double *p) {
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) {
    sys->x[d * c + g] = p[d];
    sys->v[d * c + g] = p[3 + d];
    sys->image[d * c + g] = 0;
  }
  sys->id[g] = (int64_t)p[6];
  sys->type[g] = (int)p[7];
  int q = 8;
  for (int k = 0; k < sys->n_fields; ++k) {
    struct nnmd_field *f = &sys->fields[k];
    if (!f->halo) continue;
    for (int m = 0; m < f->ncomp; ++m) f->data[m * c + g] = p[q++];
  }
}

/* Exchange n*w doubles of sbuf with the swap's partners; *nrecv records arrive in rbuf. */
static int exchange(struct nnmd_halo *h, int send_rank, int recv_rank, int64_t nsend, int w, int64_t *nrecv,
                    struct nnmd_error *err) {
  int64_t got = 0;
  /* sizes first, so the receive buffer can grow */
  int64_t nin = 0;
  int st = nnmd_comm_sendrecv(h->comm, &nsend, sizeof nsend, send_rank, &nin, sizeof nin, &got, recv_rank, err);
  if (st) return st;
  if (grow_buf(&h->rbuf, &h->rbuf_cap, (size_t)(nin * w) + 1, err)) return NNMD_ERR_NOMEM;
  st = nnmd_comm_sendrecv(h->comm, h->sbuf, nsend * w * (int64_t)sizeof(double), send_rank, h->rbuf,
                          nin * w * (int64_t)sizeof(double), &got, recv_rank, err);
  *nrecv = nin;
  return st;
}

/* Append the ghosts of swap s: its send list (chosen by the caller), shifted. */
static int do_borders_swap(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                           struct swap *s, struct nnmd_error *err) {
  double v[3], sv[3];
  nnmd_box_vector(box, s->dim, v);
  for (int d = 0; d < 3; ++d) sv[d] = s->shift * v[d];
  int w = ghost_width(sys);
  if (grow_buf(&h->sbuf, &h->sbuf_cap, (size_t)(s->nsend * w) + 1, err)) return NNMD_ERR_NOMEM;
  for (int64_t m = 0; m < s->nsend; ++m) pack_ghost(sys, s->send[m], sv, h->sbuf + m * w);
  const double *in = h->sbuf;
  int64_t nin = s->nsend;
  if (!is_self(h, s)) {
    int st = exchange(h, s->send_rank, s->recv_rank, s->nsend, w, &nin, err);
    if (st) return st;
    in = h->rbuf;
  }
  int64_t first = sys->n_local + sys->n_ghost;
  int st = nnmd_system_reserve(sys, first + nin, err);
  if (st) return st;
  for (int64_t m = 0; m < nin; ++m) unpack_ghost(sys, first + m, in + m * w);
  s->recv_first = first;
  s->nrecv = nin;
  sys->n_ghost += nin;
  return NNMD_OK;
}

static int select_atoms(const struct nnmd_system *sys, const struct nnmd_box *box, struct swap *s, int64_t from,
                        int64_t to, bool lower, double lim, struct nnmd_error *err) {
  for (int64_t i = from; i < to; ++i) {
    double sd = frac_coord(sys, box, i, s->dim);
    if (lower ? !(sd < lim) : !(sd >= lim)) continue;
    if (nnmd_grow((void **)&s->send, &s->send_cap, (size_t)s->nsend + 1, sizeof(int64_t), err))
      return NNMD_ERR_NOMEM;
    s->send[s->nsend++] = i;
  }
  return NNMD_OK;
}

int nnmd_halo_borders(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box, double ghost_cut,
                      struct nnmd_error *err) {
  sys->n_ghost = 0;
  h->nswap = 0;
  int wst = nnmd_halo_wrap(sys, box, err);
  if (wst) return wst;
  const struct nnmd_domain *dom = &h->dom;
  for (int d = 0; d < 3; ++d) {
    if (!box->periodic[d] && dom->grid[d] == 1) continue;
    double g = ghost_cut / box->width[d];
    double width = dom->hi[d] - dom->lo[d];
    int need = (int)ceil(g / width);
    if (need < 1) need = 1;
    int64_t stage_end = sys->n_local + sys->n_ghost;
    int64_t lo_from = 0, lo_to = stage_end, up_from = 0, up_to = stage_end;
    for (int k = 0; k < need; ++k) {
      struct swap *s = NULL;
      int st;
      if ((st = new_swap(h, d, true, &s, err))) return st;
      if ((st = select_atoms(sys, box, s, lo_from, lo_to, true, dom->lo[d] + g, err))) return st;
      if ((st = do_borders_swap(h, sys, box, s, err))) return st;
      int64_t got_lo_first = s->recv_first, got_lo_n = s->nrecv;
      if ((st = new_swap(h, d, false, &s, err))) return st;
      if ((st = select_atoms(sys, box, s, up_from, up_to, false, dom->hi[d] - g, err))) return st;
      if ((st = do_borders_swap(h, sys, box, s, err))) return st;
      /* the next hop forwards what just arrived from the opposite side */
      lo_from = got_lo_first;
      lo_to = got_lo_first + got_lo_n;
      up_from = s->recv_first;
      up_to = s->recv_first + s->nrecv;
    }
  }
  return NNMD_OK;
}

int nnmd_halo_forward(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      struct nnmd_error *err) {
  int64_t c = sys->capacity;
  double *x = sys->x, *y = sys->x + c, *z = sys->x + 2 * c;
  for (int w = 0; w < h->nswap; ++w) {
    const struct swap *s = &h->swaps[w];
    double v[3];
    nnmd_box_vector(box, s->dim, v);
    double sx = s->shift * v[0], sy = s->shift * v[1], sz = s->shift * v[2];
    const int64_t *src = s->send;
    if (is_self(h, s)) {
      int64_t g = s->recv_first;
      for (int64_t m = 0; m < s->nsend; ++m) {
        int64_t j = src[m];
        x[g + m] = x[j] + sx;
        y[g + m] = y[j] + sy;
        z[g + m] = z[j] + sz;
      }
      continue;
    }
    if (grow_buf(&h->sbuf, &h->sbuf_cap, (size_t)(3 * s->nsend) + 1, err)) return NNMD_ERR_NOMEM;
    if (grow_buf(&h->rbuf, &h->rbuf_cap, (size_t)(3 * s->nrecv) + 1, err)) return NNMD_ERR_NOMEM;
    for (int64_t m = 0; m < s->nsend; ++m) {
      int64_t j = src[m];
      h->sbuf[3 * m] = x[j] + sx;
      h->sbuf[3 * m + 1] = y[j] + sy;
      h->sbuf[3 * m + 2] = z[j] + sz;
    }
    int64_t got = 0;
    int st = nnmd_comm_sendrecv(h->comm, h->sbuf, 3 * s->nsend * (int64_t)sizeof(double), s->send_rank, h->rbuf,
                                3 * s->nrecv * (int64_t)sizeof(double), &got, s->recv_rank, err);
    if (st) return st;
    for (int64_t m = 0; m < s->nrecv; ++m) {
      x[s->recv_first + m] = h->rbuf[3 * m];
      y[s->recv_first + m] = h->rbuf[3 * m + 1];
      z[s->recv_first + m] = h->rbuf[3 * m + 2];
    }
  }
  return NNMD_OK;
}

int nnmd_halo_forward_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err) {
  int64_t c = sys->capacity;
  for (int w = 0; w < h->nswap; ++w) {
    const struct swap *s = &h->swaps[w];
    if (is_self(h, s)) {
      for (int q = 0; q < ncomp; ++q) {
        double *a = data + q * c;
        for (int64_t m = 0; m < s->nsend; ++m) a[s->recv_first + m] = a[s->send[m]];
      }
      continue;
    }
    if (grow_buf(&h->sbuf, &h->sbuf_cap, (size_t)(ncomp * s->nsend) + 1, err) ||
        grow_buf(&h->rbuf, &h->rbuf_cap, (size_t)(ncomp * s->nrecv) + 1, err))
      return NNMD_ERR_NOMEM;
    for (int64_t m = 0; m < s->nsend; ++m)
      for (int q = 0; q < ncomp; ++q) h->sbuf[ncomp * m + q] = data[q * c + s->send[m]];
    int64_t got = 0;
    int st = nnmd_comm_sendrecv(h->comm, h->sbuf, ncomp * s->nsend * (int64_t)sizeof(double), s->send_rank, h->rbuf,
                                ncomp * s->nrecv * (int64_t)sizeof(double), &got, s->recv_rank, err);
    if (st) return st;
    for (int64_t m = 0; m < s->nrecv; ++m)
      for (int q = 0; q < ncomp; ++q) data[q * c + s->recv_first + m] = h->rbuf[ncomp * m + q];
  }
  return NNMD_OK;
}

int nnmd_halo_reverse_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err) {
  int64_t c = sys->capacity;
  for (int w = h->nswap - 1; w >= 0; --w) {
    const struct swap *s = &h->swaps[w];
    if (is_self(h, s)) {
      for (int q = 0; q < ncomp; ++q) {
        double *a = data + q * c;
        for (int64_t m = s->nsend - 1; m >= 0; --m) {
          a[s->send[m]] += a[s->recv_first + m];
          a[s->recv_first + m] = 0.0;
        }
      }
      continue;
    }
    /* ghosts go back to the rank they came from; my sent atoms receive their partners' sums */
    if (grow_buf(&h->sbuf, &h->sbuf_cap, (size_t)(ncomp * s->nrecv) + 1, err) ||
        grow_buf(&h->rbuf, &h->rbuf_cap, (size_t)(ncomp * s->nsend) + 1, err))
      return NNMD_ERR_NOMEM;
    for (int64_t m = 0; m < s->nrecv; ++m)
      for (int q = 0; q < ncomp; ++q) {
        h->sbuf[ncomp * m + q] = data[q * c + s->recv_first + m];
        data[q * c + s->recv_first + m] = 0.0;
      }
    int64_t got = 0;
    int st = nnmd_comm_sendrecv(h->comm, h->sbuf, ncomp * s->nrecv * (int64_t)sizeof(double), s->recv_rank, h->rbuf,
                                ncomp * s->nsend * (int64_t)sizeof(double), &got, s->send_rank, err);
    if (st) return st;
    for (int64_t m = 0; m < s->nsend; ++m)
      for (int q = 0; q < ncomp; ++q) data[q * c + s->send[m]] += h->rbuf[ncomp * m + q];
  }
  return NNMD_OK;
}
