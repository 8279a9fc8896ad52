/* resident.c — see resident.h. Buffers are device memory (host memory in emulation); the
 * component blocks of the device arrays have stride `cap` >= n_local + n_ghost, grown by
 * 25 % when an upload needs more (contents are re-uploaded whole at every rebuild, so a
 * grow loses nothing). The halo plan is the host halo's (halo.h nnmd_halo_swap_info): all
 * send lists concatenated in one device array, swaps replayed in order (forward) and in
 * reverse order (reverse), exactly as halo.c does on the host, so a serial run gives the
 * host's ghost positions and force sums bit for bit. */
#include "resident.h"

#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "device.h"
#include "mem.h"
#include "resident_kern.h"

struct rswap {
  struct nnmd_halo_swap_info s; /* s.send: host pointer, valid until the next borders() */
  int64_t off;                  /* of its send list in d_send */
};

struct nnmd_resident {
  struct nnmd_dev_atoms a;
  bool emulate;
  double *xp;      /* 3 * n_local positions before first_half */
  int64_t *d_send; /* all send lists */
  size_t send_len, send_cap, xp_cap;
  struct rswap *sw;
  int nsw, sw_cap;
  const struct nnmd_comm *comm;
  double *d_buf, *h_sbuf, *h_rbuf; /* MPI staging: device pack buffer, host send/receive */
  size_t dbuf_cap, hs_cap, hr_cap;
  size_t bytes;
};

/* ---- memory: device, or host in emulation -------------------------------------------- */
static int r_alloc(struct nnmd_resident *r, void **p, size_t bytes, const char *what, struct nnmd_error *err) {
  if (!r->emulate) return nnmd_device_alloc(p, bytes, what, err);
  *p = bytes ? calloc(1, bytes) : NULL;
  if (bytes && !*p) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory for %s (%zu bytes)", what, bytes);
  return NNMD_OK;
}
static void r_free(const struct nnmd_resident *r, void *p) {
  if (r->emulate) free(p);
  else nnmd_device_free(p);
}
static int r_put(const struct nnmd_resident *r, void *dst, const void *src, size_t bytes, const char *what,
                 struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (!r->emulate) return nnmd_device_upload(dst, src, bytes, what, err);
  memcpy(dst, src, bytes);
  return NNMD_OK;
}
static int r_get(const struct nnmd_resident *r, void *dst, const void *src, size_t bytes, const char *what,
                 struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (!r->emulate) return nnmd_device_download(dst, src, bytes, what, err);
  memcpy(dst, src, bytes);
  return NNMD_OK;
}
static int r_zero(const struct nnmd_resident *r, void *p, size_t bytes, const char *what, struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (!r->emulate) return nnmd_device_zero(p, bytes, what, err);
  memset(p, 0, bytes);
  return NNMD_OK;
}
/* Make *p hold at least `need` elements of `size` bytes (contents not kept). */
static int r_ensure(struct nnmd_resident *r, void **p, size_t *cap, size_t need, size_t size, const char *what,
                    struct nnmd_error *err) {
  if (need <= *cap && *p) return NNMD_OK;
  size_t n = need + need / 4 + 16;
  r_free(r, *p);
  *p = NULL;
  r->bytes -= *cap * size;
  *cap = 0;
  int st = r_alloc(r, p, n * size, what, err);
  if (st) return st;
  *cap = n;
  r->bytes += n * size;
  return NNMD_OK;
}

int nnmd_resident_create(struct nnmd_resident **out, bool emulate, struct nnmd_error *err) {
  struct nnmd_resident *r = nnmd_calloc(1, sizeof *r, err);
  if (!r) return NNMD_ERR_NOMEM;
  r->emulate = emulate;
  r->a.emulate = emulate;
  *out = r;
  return NNMD_OK;
}

static void free_atoms(struct nnmd_resident *r) {
  struct nnmd_dev_atoms *a = &r->a;
  void *p[] = {a->x, a->v, a->f, a->u, a->type, a->id};
  for (size_t k = 0; k < sizeof p / sizeof p[0]; ++k) r_free(r, p[k]);
  a->x = a->v = a->f = a->u = NULL;
  a->type = NULL;
  a->id = NULL;
  a->capacity = 0;
}

void nnmd_resident_destroy(struct nnmd_resident *r) {
  if (!r) return;
  free_atoms(r);
  r_free(r, r->xp);
  r_free(r, r->d_send);
  r_free(r, r->d_buf);
  free(r->h_sbuf);
  free(r->h_rbuf);
  free(r->sw);
  free(r);
}

const struct nnmd_dev_atoms *nnmd_resident_atoms(const struct nnmd_resident *r) { return &r->a; }
size_t nnmd_resident_memory(const struct nnmd_resident *r) { return r->bytes; }

static int grow_atoms(struct nnmd_resident *r, int64_t need, struct nnmd_error *err) {
  struct nnmd_dev_atoms *a = &r->a;
  if (need <= a->capacity && a->x) return NNMD_OK;
  int64_t cap = need + need / 4 + 64;
  r->bytes -= (size_t)a->capacity * (12 * sizeof(double) + sizeof(int) + sizeof(int64_t));
  free_atoms(r);
  size_t c = (size_t)cap;
  int st = r_alloc(r, (void **)&a->x, 3 * c * sizeof(double), "positions", err);
  if (!st) st = r_alloc(r, (void **)&a->v, 3 * c * sizeof(double), "velocities", err);
  if (!st) st = r_alloc(r, (void **)&a->f, 3 * c * sizeof(double), "forces", err);
  if (!st) st = r_alloc(r, (void **)&a->u, 3 * c * sizeof(double), "unwrapped positions", err);
  if (!st) st = r_alloc(r, (void **)&a->type, c * sizeof(int), "types", err);
  if (!st) st = r_alloc(r, (void **)&a->id, c * sizeof(int64_t), "atom ids", err);
  if (st) {
    free_atoms(r);
    return st;
  }
  a->capacity = cap;
  r->bytes += c * (12 * sizeof(double) + sizeof(int) + sizeof(int64_t));
  return NNMD_OK;
}

/* Component blocks: host stride hs, device stride ds, n atoms from index 0. */
static int put3(struct nnmd_resident *r, double *dst, int64_t ds, const double *src, int64_t hs, int64_t n,
                const char *what, struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int d = 0; d < 3 && !st; ++d) st = r_put(r, dst + d * ds, src + d * hs, (size_t)n * sizeof(double), what, err);
  return st;
}
static int get3(struct nnmd_resident *r, double *dst, int64_t hs, const double *src, int64_t ds, int64_t n,
                const char *what, struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int d = 0; d < 3 && !st; ++d) st = r_get(r, dst + d * hs, src + d * ds, (size_t)n * sizeof(double), what, err);
  return st;
}

static int upload_plan(struct nnmd_resident *r, const struct nnmd_halo *halo, struct nnmd_error *err) {
  int n = nnmd_halo_n_swaps(halo);
  if (n > r->sw_cap) {
    struct rswap *p = realloc(r->sw, (size_t)n * sizeof *p);
    if (!p) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory (resident halo plan)");
    r->sw = p;
    r->sw_cap = n;
  }
  r->nsw = n;
  r->comm = nnmd_halo_comm(halo);
  int64_t total = 0;
  for (int k = 0; k < n; ++k) {
    nnmd_halo_swap_info(halo, k, &r->sw[k].s);
    r->sw[k].off = total;
    total += r->sw[k].s.nsend;
  }
  size_t old = r->send_cap;
  int st = r_ensure(r, (void **)&r->d_send, &r->send_cap, (size_t)total + 1, sizeof(int64_t), "halo send lists", err);
  (void)old;
  for (int k = 0; k < n && !st; ++k)
    st = r_put(r, r->d_send + r->sw[k].off, r->sw[k].s.send, (size_t)r->sw[k].s.nsend * sizeof(int64_t),
               "halo send lists", err);
  r->send_len = (size_t)total;
  return st;
}

int nnmd_resident_upload(struct nnmd_resident *r, const struct nnmd_system *sys, const struct nnmd_halo *halo,
                         struct nnmd_error *err) {
  struct nnmd_dev_atoms *a = &r->a;
  int64_t n = sys->n_local, all = sys->n_local + sys->n_ghost, hc = sys->capacity;
  int st = grow_atoms(r, all, err);
  if (st) return st;
  int64_t c = a->capacity;
  a->n_local = n;
  a->n_ghost = sys->n_ghost;
  a->n_types = sys->species.n;
  for (int t = 0; t < sys->species.n; ++t) a->mass[t] = sys->species.s[t].mass;
  const double *u = nnmd_system_field(sys, "unwrapped");
  st = put3(r, a->x, c, sys->x, hc, all, "positions", err);
  if (!st) st = put3(r, a->v, c, sys->v, hc, n, "velocities", err);
  if (!st && u) st = put3(r, a->u, c, u, hc, n, "unwrapped positions", err);
  if (!st) st = r_put(r, a->type, sys->type, (size_t)all * sizeof(int), "types", err);
  if (!st) st = r_put(r, a->id, sys->id, (size_t)all * sizeof(int64_t), "atom ids", err);
  if (!st) st = nnmd_resident_zero_forces(r, err);
  if (!st) st = upload_plan(r, halo, err);
  return st;
}

int nnmd_resident_download(struct nnmd_resident *r, struct nnmd_system *sys, unsigned what, struct nnmd_error *err) {
  const struct nnmd_dev_atoms *a = &r->a;
  if (sys->n_local != a->n_local)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "resident download: %lld host atoms, %lld on the device",
                     (long long)sys->n_local, (long long)a->n_local);
  int64_t n = a->n_local, hc = sys->capacity, c = a->capacity;
  double *u = nnmd_system_field(sys, "unwrapped");
  int st = NNMD_OK;
  if (what & NNMD_RES_X) st = get3(r, sys->x, hc, a->x, c, n, "positions", err);
  if (!st && (what & NNMD_RES_V)) st = get3(r, sys->v, hc, a->v, c, n, "velocities", err);
  if (!st && (what & NNMD_RES_F)) st = get3(r, sys->f, hc, a->f, c, n, "forces", err);
  if (!st && (what & NNMD_RES_U) && u) st = get3(r, u, hc, a->u, c, n, "unwrapped positions", err);
  return st;
}

int nnmd_resident_zero_forces(struct nnmd_resident *r, struct nnmd_error *err) {
  return r_zero(r, r->a.f, 3 * (size_t)r->a.capacity * sizeof(double), "forces", err);
}

/* Host staging buffers for swaps with other ranks (3 doubles per record). */
static int staging(struct nnmd_resident *r, int64_t nout, int64_t nin, struct nnmd_error *err) {
  size_t big = (size_t)(3 * (nout > nin ? nout : nin)) + 3;
  int st = r_ensure(r, (void **)&r->d_buf, &r->dbuf_cap, big, sizeof(double), "halo buffer", err);
  if (!st && nnmd_grow((void **)&r->h_sbuf, &r->hs_cap, big, sizeof(double), err)) st = NNMD_ERR_NOMEM;
  if (!st && nnmd_grow((void **)&r->h_rbuf, &r->hr_cap, big, sizeof(double), err)) st = NNMD_ERR_NOMEM;
  return st;
}

int nnmd_resident_forward(struct nnmd_resident *r, const struct nnmd_box *box, struct nnmd_error *err) {
  struct nnmd_dev_atoms *a = &r->a;
  int st = NNMD_OK;
  for (int k = 0; k < r->nsw && !st; ++k) {
    const struct nnmd_halo_swap_info *s = &r->sw[k].s;
    const int64_t *send = r->d_send + r->sw[k].off;
    double v[3], sv[3];
    nnmd_box_vector(box, s->dim, v);
    for (int d = 0; d < 3; ++d) sv[d] = s->shift * v[d];
    if (s->self) {
      st = nnmd_rk_ghost_copy(a->x, a->capacity, send, s->nsend, s->recv_first, sv, r->emulate, err);
      continue;
    }
    int64_t got = 0;
    if (!st) st = staging(r, s->nsend, s->nrecv, err);
    if (!st) st = nnmd_rk_pack(a->x, a->capacity, send, s->nsend, sv, r->d_buf, r->emulate, err);
    if (!st) st = r_get(r, r->h_sbuf, r->d_buf, 3 * (size_t)s->nsend * sizeof(double), "halo records", err);
    if (!st)
      st = nnmd_comm_sendrecv(r->comm, r->h_sbuf, 3 * s->nsend * (int64_t)sizeof(double), s->send_rank, r->h_rbuf,
                              3 * s->nrecv * (int64_t)sizeof(double), &got, s->recv_rank, err);
    if (!st) st = r_put(r, r->d_buf, r->h_rbuf, 3 * (size_t)s->nrecv * sizeof(double), "halo records", err);
    if (!st) st = nnmd_rk_unpack(a->x, a->capacity, s->recv_first, s->nrecv, r->d_buf, r->emulate, err);
  }
  return st;
}

int nnmd_resident_reverse(struct nnmd_resident *r, struct nnmd_error *err) {
  struct nnmd_dev_atoms *a = &r->a;
  int st = NNMD_OK;
  for (int k = r->nsw - 1; k >= 0 && !st; --k) {
    const struct nnmd_halo_swap_info *s = &r->sw[k].s;
    const int64_t *send = r->d_send + r->sw[k].off;
    if (s->self) {
      st = nnmd_rk_reverse_copy(a->f, a->capacity, send, s->nsend, s->recv_first, r->emulate, err);
      continue;
    }
    int64_t got = 0;
    if (!st) st = staging(r, s->nrecv, s->nsend, err);
    if (!st) st = nnmd_rk_pack_ghosts(a->f, a->capacity, s->recv_first, s->nrecv, r->d_buf, r->emulate, err);
    if (!st) st = r_get(r, r->h_sbuf, r->d_buf, 3 * (size_t)s->nrecv * sizeof(double), "ghost forces", err);
    if (!st)
      st = nnmd_comm_sendrecv(r->comm, r->h_sbuf, 3 * s->nrecv * (int64_t)sizeof(double), s->recv_rank, r->h_rbuf,
                              3 * s->nsend * (int64_t)sizeof(double), &got, s->send_rank, err);
    if (!st) st = r_put(r, r->d_buf, r->h_rbuf, 3 * (size_t)s->nsend * sizeof(double), "ghost forces", err);
    if (!st) st = nnmd_rk_unpack_add(a->f, a->capacity, send, s->nsend, r->d_buf, r->emulate, err);
  }
  return st;
}

int nnmd_resident_save_positions(struct nnmd_resident *r, struct nnmd_error *err) {
  int st = r_ensure(r, (void **)&r->xp, &r->xp_cap, 3 * (size_t)r->a.n_local + 3, sizeof(double), "saved positions", err);
  if (!st) st = nnmd_rk_save(r->a.x, r->a.capacity, r->a.n_local, r->xp, r->emulate, err);
  return st;
}

int nnmd_resident_advance_unwrapped(struct nnmd_resident *r, const struct nnmd_box *box, struct nnmd_error *err) {
  int per[3] = {box->periodic[0], box->periodic[1], box->periodic[2]};
  return nnmd_rk_unwrap(r->a.x, r->a.capacity, r->a.n_local, r->xp, r->a.u, box->h, box->h_inv, per, r->emulate, err);
}
