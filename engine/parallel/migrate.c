/* migrate.c — owned atoms change rank (methods §8.3 "exchange"): at neighbour-list rebuilds,
 * after wrapping into the cell, an owned atom whose fractional coordinate left this rank's
 * slab along direction d is sent to the lower or upper neighbour along d (the nearer one,
 * periodically), one direction at a time, so corner moves need no diagonal messages. Every
 * per-atom quantity travels: position, velocity, image flags, id, type, migrating fields.
 * An atom that would need to cross more than one sub-domain between rebuilds is an error
 * (lost atom). nnmd_halo_distribute keeps, from a full copy of the system present on every
 * rank (after reading a structure or a checkpoint), the atoms of this rank's sub-domain. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "halo.h"
#include "mem.h"

static int record_width(const struct nnmd_system *sys) {
  int w = 11;
  for (int k = 0; k < sys->n_fields; ++k)
    if (sys->fields[k].migrate) w += sys->fields[k].ncomp;
  return w;
}

static void pack_atom(const struct nnmd_system *sys, int64_t i, double *p) {
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) {
    p[d] = sys->x[d * c + i];
    p[3 + d] = sys->v[d * c + i];
    p[6 + d] = (double)sys->image[d * c + i];
  }
  p[9] = (double)sys->id[i];
  p[10] = (double)sys->type[i];
  int q = 11;
  for (int k = 0; k < sys->n_fields; ++k) {
    const struct nnmd_field *f = &sys->fields[k];
    if (!f->migrate) continue;
    for (int m = 0; m < f->ncomp; ++m) p[q++] = f->data[m * c + i];
  }
}

static void unpack_atom(struct nnmd_system *sys, int64_t i, const double *p) {
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) {
    sys->x[d * c + i] = p[d];
    sys->v[d * c + i] = p[3 + d];
    sys->f[d * c + i] = 0.0;
    sys->image[d * c + i] = (int32_t)p[6 + d];
  }
  sys->id[i] = (int64_t)p[9];
  sys->type[i] = (int)p[10];
  int q = 11;
  for (int k = 0; k < sys->n_fields; ++k) {
    struct nnmd_field *f = &sys->fields[k];
    if (!f->migrate) continue;
    for (int m = 0; m < f->ncomp; ++m) f->data[m * c + i] = p[q++];
  }
}

static double frac(const struct nnmd_system *sys, const struct nnmd_box *box, int64_t i, int d) {
  int64_t c = sys->capacity;
  const double *hi = box->h_inv + 3 * d;
  return hi[0] * (sys->x[i] - box->lo[0]) + hi[1] * (sys->x[c + i] - box->lo[1]) + hi[2] * (sys->x[2 * c + i] - box->lo[2]);
}

int nnmd_halo_distribute(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                         struct nnmd_error *err) {
  const struct nnmd_domain *dom = nnmd_halo_domain(h);
  sys->n_ghost = 0;
  if (dom->size == 1) return NNMD_OK;
  int wst = nnmd_halo_wrap(sys, box, err);
  if (wst) return wst;
  int64_t c = sys->capacity, k = 0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    if (nnmd_domain_owner(dom, s) != dom->rank) continue;
    if (k != i) nnmd_system_copy_atom(sys, k, i);
    k++;
  }
  sys->n_local = k;
  return NNMD_OK;
}

/* Move atoms flagged in `dir` (-1 lower, +1 upper, 0 stay) out; return the packed records. */
static int pack_leavers(struct nnmd_system *sys, const signed char *dir, int which, double **buf, size_t *cap,
                        int64_t *n, struct nnmd_error *err) {
  int w = record_width(sys);
  *n = 0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    if (dir[i] != which) continue;
    if (nnmd_grow((void **)buf, cap, (size_t)((*n + 1) * w), sizeof(double), err)) return NNMD_ERR_NOMEM;
    pack_atom(sys, i, *buf + *n * w);
    (*n)++;
  }
  return NNMD_OK;
}

int nnmd_halo_migrate(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      const struct nnmd_comm *comm, struct nnmd_error *err) {
  const struct nnmd_domain *dom = nnmd_halo_domain(h);
  if (dom->size == 1) return NNMD_OK;
  sys->n_ghost = 0;
  /* a refused wrap (an atom far outside the cell) is reported after the exchange, like a lost
   * atom, so that no neighbour rank waits for this one */
  int w = record_width(sys), st = NNMD_OK, lost = nnmd_halo_wrap(sys, box, err);
  double *out[2] = {NULL, NULL}, *in = NULL;
  size_t ocap[2] = {0, 0}, icap = 0;
  signed char *dir = NULL;
  size_t dcap = 0;
  for (int d = 0; d < 3 && !st; ++d) {
    if (dom->grid[d] == 1) continue;
    if (nnmd_grow((void **)&dir, &dcap, (size_t)sys->n_local + 1, 1, err)) {
      st = NNMD_ERR_NOMEM;
      break;
    }
    double mid = 0.5 * (dom->lo[d] + dom->hi[d]);
    for (int64_t i = 0; i < sys->n_local; ++i) {
      double s = frac(sys, box, i, d);
      dir[i] = 0;
      if (s >= dom->lo[d] && s < dom->hi[d]) continue;
      double ds = s - mid;
      if (box->periodic[d]) ds -= floor(ds + 0.5);
      dir[i] = ds < 0 ? -1 : 1;
    }
    int64_t n_out[2];
    if ((st = pack_leavers(sys, dir, -1, &out[0], &ocap[0], &n_out[0], err)) ||
        (st = pack_leavers(sys, dir, 1, &out[1], &ocap[1], &n_out[1], err)))
      break;
    int64_t k = 0; /* compact the stayers */
    for (int64_t i = 0; i < sys->n_local; ++i) {
      if (dir[i]) continue;
      if (k != i) nnmd_system_copy_atom(sys, k, i);
      k++;
    }
    sys->n_local = k;
    for (int side = 0; side < 2 && !st; ++side) {
      int to = side == 0 ? dom->lower[d] : dom->upper[d], from = side == 0 ? dom->upper[d] : dom->lower[d];
      int64_t nin = 0, got = 0;
      if ((st = nnmd_comm_sendrecv(comm, &n_out[side], sizeof(int64_t), to, &nin, sizeof nin, &got, from, err))) break;
      if (nnmd_grow((void **)&in, &icap, (size_t)(nin * w) + 1, sizeof(double), err)) {
        st = NNMD_ERR_NOMEM;
        break;
      }
      if ((st = nnmd_comm_sendrecv(comm, out[side], n_out[side] * w * (int64_t)sizeof(double), to, in,
                                   nin * w * (int64_t)sizeof(double), &got, from, err)))
        break;
      if ((st = nnmd_system_reserve(sys, sys->n_local + nin, err))) break;
      for (int64_t m = 0; m < nin; ++m) {
        unpack_atom(sys, sys->n_local, in + m * w);
        double s = frac(sys, box, sys->n_local, d);
        if (!(s >= dom->lo[d] && s < dom->hi[d])) {
          /* lost: reported, and the exchange goes on so that no neighbour waits for this rank */
          if (!lost)
            lost = nnmd_fail(err, NNMD_ERR_PHYSICS,
                             "atom %lld moved more than one sub-domain between neighbour-list rebuilds (lost "
                             "atom: the run blew up, the time step is too large, or a smaller [neighbor] skin / "
                             "fewer ranks are needed)",
                             (long long)sys->id[sys->n_local]);
          continue;
        }
        sys->n_local++;
      }
    }
  }
  free(out[0]);
  free(out[1]);
  free(in);
  free(dir);
  return st ? st : lost;
}
