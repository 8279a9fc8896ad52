/* nlist_dev.c — host orchestration of the device neighbour list (algorithm in nlist_dev.h,
 * kernels in nlist_dev.cu).
 *
 * One build: reductions reset -> frac kernel -> bounding box downloaded (7 numbers) -> grid
 * chosen here -> count -> scan -> cursor copy -> fill -> sort -> list kernel; the row-count
 * reductions come back (a small struct); on overflow max_neigh grows to need + need/8 + 8
 * (the CPU list's rule) and the list kernel runs again on the same bins. The owned
 * positions are then copied device to device as the skin-test reference.
 * Buffers grow geometrically (need + need/4 + 16 elements) and are never shrunk; in
 * emulation they are host memory and every copy is memcpy.
 */
#include "nlist_dev.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "mem.h"
#include "nlist_dev_kern.h"

struct nnmd_nlist_dev {
  double cutoff, skin;
  bool emulate;
  int max_neigh;
  double *s;
  int *bin_count, *bin_start, *bin_cursor, *bin_atoms, *count, *idx;
  double *x_ref;
  void *scan_tmp;
  size_t s_cap, bc_cap, bs_cap, bcur_cap, ba_cap, count_cap, idx_cap, xref_cap, scan_cap;
  int64_t n_ref; /* owned atoms of the reference positions; -1 before the first build */
  struct nnmd_nld_red *red; /* one struct */
  struct nnmd_nlist_dev_stats st;
};

/* ---- buffers: device memory, or host memory in emulation ------------------------------- */
static void buf_free(const struct nnmd_nlist_dev *nl, void *p) {
  if (nl->emulate) free(p);
  else nnmd_device_free(p);
}

/* Ensure *p holds `need` elements of `elem` bytes (contents are not kept). */
static int buf_reserve(const struct nnmd_nlist_dev *nl, void **p, size_t *cap, size_t need, size_t elem,
                       const char *what, struct nnmd_error *err) {
  if (need <= *cap && *p) return NNMD_OK;
  size_t n = need + need / 4 + 16;
  buf_free(nl, *p);
  *p = NULL;
  *cap = 0;
  if (nl->emulate) {
    *p = nnmd_malloc(n * elem, err);
    if (!*p) return NNMD_ERR_NOMEM;
  } else {
    int st = nnmd_device_alloc(p, n * elem, what, err);
    if (st) return st;
  }
  *cap = n;
  return NNMD_OK;
}

static int buf_put(const struct nnmd_nlist_dev *nl, void *dst, const void *src, size_t bytes, const char *what,
                   struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (nl->emulate) {
    memcpy(dst, src, bytes);
    return NNMD_OK;
  }
  return nnmd_device_upload(dst, src, bytes, what, err);
}

static int buf_get(const struct nnmd_nlist_dev *nl, void *dst, const void *src, size_t bytes, const char *what,
                   struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (nl->emulate) {
    memcpy(dst, src, bytes);
    return NNMD_OK;
  }
  return nnmd_device_download(dst, src, bytes, what, err);
}

static int buf_copy(const struct nnmd_nlist_dev *nl, void *dst, const void *src, size_t bytes, const char *what,
                    struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (nl->emulate) {
    memcpy(dst, src, bytes);
    return NNMD_OK;
  }
  return nnmd_device_copy(dst, src, bytes, what, err);
}

static int buf_zero(const struct nnmd_nlist_dev *nl, void *p, size_t bytes, const char *what,
                    struct nnmd_error *err) {
  if (!bytes) return NNMD_OK;
  if (nl->emulate) {
    memset(p, 0, bytes);
    return NNMD_OK;
  }
  return nnmd_device_zero(p, bytes, what, err);
}

/* ---- create / destroy / accessors ------------------------------------------------------ */
int nnmd_nlist_dev_create(struct nnmd_nlist_dev **out, double cutoff, double skin, bool emulate,
                          struct nnmd_error *err) {
  *out = NULL;
  if (!nnmd_device_built())
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                     "the device neighbour list needs a CUDA build of nnmd (reconfigure with -DNNMD_CUDA=ON and "
                     "nvcc on the PATH)");
  if (!(cutoff > 0.0) || !(skin >= 0.0) || !isfinite(cutoff + skin))
    return nnmd_fail(err, NNMD_ERR_INPUT, "device neighbour list: cutoff %g and skin %g must be > 0 and >= 0",
                     cutoff, skin);
  struct nnmd_nlist_dev *nl = nnmd_calloc(1, sizeof *nl, err);
  if (!nl) return NNMD_ERR_NOMEM;
  nl->cutoff = cutoff;
  nl->skin = skin;
  nl->emulate = emulate;
  nl->max_neigh = 64;
  nl->n_ref = -1;
  size_t cap = 0;
  int st = buf_reserve(nl, (void **)&nl->red, &cap, 1, sizeof *nl->red, "neighbour-list reductions", err);
  if (st) {
    free(nl);
    return st;
  }
  *out = nl;
  return NNMD_OK;
}

void nnmd_nlist_dev_destroy(struct nnmd_nlist_dev *nl) {
  if (!nl) return;
  void *bufs[] = {nl->s,     nl->bin_count, nl->bin_start, nl->bin_cursor, nl->bin_atoms,
                  nl->count, nl->idx,       nl->x_ref,     nl->scan_tmp,   nl->red};
  for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; ++k) buf_free(nl, bufs[k]);
  free(nl);
}

void nnmd_nlist_dev_set_max_neigh(struct nnmd_nlist_dev *nl, int max_neigh) {
  nl->max_neigh = max_neigh > 1 ? max_neigh : 1;
}

const int *nnmd_nlist_dev_count(const struct nnmd_nlist_dev *nl) { return nl->count; }
const int *nnmd_nlist_dev_idx(const struct nnmd_nlist_dev *nl) { return nl->idx; }
int nnmd_nlist_dev_max_neigh(const struct nnmd_nlist_dev *nl) { return nl->max_neigh; }
double nnmd_nlist_dev_radius(const struct nnmd_nlist_dev *nl) { return nl->cutoff + nl->skin; }
void nnmd_nlist_dev_stats(const struct nnmd_nlist_dev *nl, struct nnmd_nlist_dev_stats *st) { *st = nl->st; }

/* ---- build ------------------------------------------------------------------------------ */
static const struct nnmd_nld_red k_red0 = {
    {~0ULL, ~0ULL, ~0ULL}, {0ULL, 0ULL, 0ULL}, ~0ULL, 0ULL, 0ULL, 0, INT_MAX};

/* Bin grid over the fractional bounding box [smin, smax] of n atoms: bins >= rl_d/2 wide
 * (at most 4096 a direction), at most ~2 bins per atom, stencil reach ceil(rl_d / width). */
static void make_grid(double rl, const struct nnmd_box *box, const double smin[3], const double smax[3], int64_t n,
                      struct nnmd_nld_grid *g) {
  double span[3], rl_d[3];
  int64_t nb[3];
  for (int d = 0; d < 3; ++d) {
    span[d] = smax[d] - smin[d];
    if (n == 0 || !(span[d] > 0.0)) span[d] = 1e-12;
    rl_d[d] = rl / box->width[d];
    double q = floor(span[d] / (0.5 * rl_d[d]));
    nb[d] = q < 1.0 ? 1 : (q > 4096.0 ? 4096 : (int64_t)q);
  }
  while (nb[0] * nb[1] * nb[2] > 2 * n + 27) { /* dilute or flat systems: halve the longest */
    int d = (nb[0] >= nb[1] && nb[0] >= nb[2]) ? 0 : (nb[1] >= nb[2] ? 1 : 2);
    nb[d] = (nb[d] + 1) / 2;
  }
  for (int d = 0; d < 3; ++d) {
    double bw = span[d] / (double)nb[d];
    g->nb[d] = (int)nb[d];
    g->smin[d] = n ? smin[d] : 0.0;
    g->inv_bw[d] = 1.0 / bw * (1.0 - 1e-12); /* s = smax lands in the last bin */
    double r = ceil(rl_d[d] / bw);          /* huge for a flat extent: clamp before int */
    g->reach[d] = r > (double)nb[d] ? (int)nb[d] : (int)r;
  }
}

static int launch(const struct nnmd_nlist_dev *nl, int kernel, const struct nnmd_nld_args *a,
                  struct nnmd_error *err) {
  return nnmd_nld_launch(kernel, a, nl->emulate ? 1 : 0, err);
}

/* Fractional coordinates, bounding box, grid, counting sort into bins. */
static int bin_atoms(struct nnmd_nlist_dev *nl, struct nnmd_nld_args *g, const struct nnmd_dev_atoms *a,
                     const struct nnmd_box *box, struct nnmd_error *err) {
  const int64_t n = g->n_all;
  int st;
  struct nnmd_nld_red r;
  if ((st = buf_reserve(nl, (void **)&nl->s, &nl->s_cap, (size_t)(3 * n), sizeof(double),
                        "neighbour-list fractional coordinates", err)) ||
      (st = buf_put(nl, nl->red, &k_red0, sizeof k_red0, "neighbour-list reductions", err)))
    return st;
  g->s = nl->s;
  g->red = nl->red;
  if ((st = launch(nl, NNMD_NLD_K_FRAC, g, err)) ||
      (st = buf_get(nl, &r, nl->red, sizeof r, "neighbour-list bounding box", err)))
    return st;
  if (r.first_bad != ~0ULL) {
    int64_t id = -1;
    if ((st = buf_get(nl, &id, a->id + r.first_bad, sizeof id, "atom id", err))) return st;
    return nnmd_fail(err, NNMD_ERR_PHYSICS, "atom %lld has a non-finite position (device neighbour list)",
                     (long long)id);
  }
  double smin[3], smax[3];
  for (int d = 0; d < 3; ++d) {
    smin[d] = n ? nnmd_nld_unkey(r.smin[d]) : 0.0;
    smax[d] = n ? nnmd_nld_unkey(r.smax[d]) : 0.0;
  }
  make_grid(nl->cutoff + nl->skin, box, smin, smax, n, &g->g);
  const int nbins = g->g.nb[0] * g->g.nb[1] * g->g.nb[2];
  g->n_bins = nbins;
  for (int d = 0; d < 3; ++d) nl->st.bins[d] = g->g.nb[d];
  size_t scan_bytes = 0;
  if ((st = buf_reserve(nl, (void **)&nl->bin_count, &nl->bc_cap, (size_t)nbins + 1, sizeof(int),
                        "neighbour-list bin counts", err)) ||
      (st = buf_reserve(nl, (void **)&nl->bin_start, &nl->bs_cap, (size_t)nbins + 1, sizeof(int),
                        "neighbour-list bin offsets", err)) ||
      (st = buf_reserve(nl, (void **)&nl->bin_cursor, &nl->bcur_cap, (size_t)nbins, sizeof(int),
                        "neighbour-list bin cursors", err)) ||
      (st = buf_reserve(nl, (void **)&nl->bin_atoms, &nl->ba_cap, (size_t)n, sizeof(int),
                        "neighbour-list binned atoms", err)) ||
      (st = nnmd_nld_scan_bytes(nbins + 1, nl->emulate, &scan_bytes, err)))
    return st;
  if (scan_bytes &&
      (st = buf_reserve(nl, &nl->scan_tmp, &nl->scan_cap, scan_bytes, 1, "neighbour-list scan workspace", err)))
    return st;
  g->bin_count = nl->bin_count;
  g->bin_start = nl->bin_start;
  g->bin_cursor = nl->bin_cursor;
  g->bin_atoms = nl->bin_atoms;
  g->scan_tmp = nl->scan_tmp;
  g->scan_tmp_bytes = nl->scan_cap;
  if ((st = buf_zero(nl, nl->bin_count, ((size_t)nbins + 1) * sizeof(int), "neighbour-list bin counts", err)) ||
      (st = launch(nl, NNMD_NLD_K_COUNT, g, err)) || (st = launch(nl, NNMD_NLD_K_SCAN, g, err)) ||
      (st = buf_copy(nl, nl->bin_cursor, nl->bin_start, (size_t)nbins * sizeof(int), "neighbour-list bin cursors",
                     err)) ||
      (st = launch(nl, NNMD_NLD_K_FILL, g, err)) || (st = launch(nl, NNMD_NLD_K_SORT, g, err)))
    return st;
  return NNMD_OK;
}

int nnmd_nlist_dev_build(struct nnmd_nlist_dev *nl, const struct nnmd_dev_atoms *a, const struct nnmd_box *box,
                         struct nnmd_error *err) {
  if (a->emulate != nl->emulate)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "device neighbour list: atoms in %s memory, list in %s memory",
                     a->emulate ? "host (emulation)" : "device", nl->emulate ? "host (emulation)" : "device");
  const int64_t n = a->n_local + a->n_ghost, nloc = a->n_local;
  if (n > INT_MAX / 2)
    return nnmd_fail(err, NNMD_ERR_RANGE, "device neighbour list: %lld atoms with ghosts exceed the int indices",
                     (long long)n);
  const double rl = nl->cutoff + nl->skin;
  struct nnmd_nld_args g;
  memset(&g, 0, sizeof g);
  g.x = a->x;
  g.cap = a->capacity;
  g.n_all = n;
  g.n_local = nloc;
  memcpy(g.h_inv, box->h_inv, sizeof g.h_inv);
  memcpy(g.lo, box->lo, sizeof g.lo);
  g.rl2 = rl * rl;
  int st = bin_atoms(nl, &g, a, box, err);
  if (st) return st;
  struct nnmd_nld_red r;
  for (;;) { /* rows: grow and rerun on overflow, never truncate */
    if ((st = buf_reserve(nl, (void **)&nl->count, &nl->count_cap, (size_t)nloc, sizeof(int),
                          "neighbour-list counts", err)) ||
        (st = buf_reserve(nl, (void **)&nl->idx, &nl->idx_cap, (size_t)nloc * (size_t)nl->max_neigh, sizeof(int),
                          "neighbour list", err)) ||
        (st = buf_put(nl, nl->red, &k_red0, sizeof k_red0, "neighbour-list reductions", err)))
      return st;
    g.count = nl->count;
    g.idx = nl->idx;
    g.max_neigh = nl->max_neigh;
    if ((st = launch(nl, NNMD_NLD_K_LIST, &g, err)) ||
        (st = buf_get(nl, &r, nl->red, sizeof r, "neighbour-list counts", err)))
      return st;
    if (r.need_max <= nl->max_neigh) break;
    if (r.need_max > INT_MAX / 2)
      return nnmd_fail(err, NNMD_ERR_RANGE, "device neighbour list: %d neighbours of one atom", r.need_max);
    nl->max_neigh = r.need_max + r.need_max / 8 + 8;
    nl->st.n_grows++;
  }
  /* reference positions of the skin test */
  if ((st = buf_reserve(nl, (void **)&nl->x_ref, &nl->xref_cap, (size_t)(3 * nloc), sizeof(double),
                        "neighbour-list reference positions", err)))
    return st;
  for (int d = 0; d < 3; ++d)
    if ((st = buf_copy(nl, nl->x_ref + d * nloc, a->x + d * a->capacity, (size_t)nloc * sizeof(double),
                       "neighbour-list reference positions", err)))
      return st;
  nl->n_ref = nloc;
  nl->st.n = nloc;
  nl->st.n_pairs = (int64_t)r.n_pairs;
  nl->st.max_count = r.need_max;
  nl->st.min_count = nloc ? r.min_count : 0;
  nl->st.mean_count = nloc ? (double)r.n_pairs / (double)nloc : 0.0;
  nl->st.n_builds++;
  return NNMD_OK;
}

int nnmd_nlist_dev_max_displacement(struct nnmd_nlist_dev *nl, const struct nnmd_dev_atoms *a, double *out,
                                    struct nnmd_error *err) {
  *out = INFINITY;
  if (a->emulate != nl->emulate)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "device neighbour list: atoms and list in different memories");
  if (nl->n_ref < 0 || nl->n_ref != a->n_local) return NNMD_OK;
  struct nnmd_nld_args g;
  memset(&g, 0, sizeof g);
  g.x = a->x;
  g.cap = a->capacity;
  g.x_ref = nl->x_ref;
  g.n_ref = nl->n_ref;
  g.red = nl->red;
  unsigned long long bits = 0;
  int st;
  if ((st = buf_zero(nl, &nl->red->disp2, sizeof bits, "neighbour-list displacement", err)) ||
      (st = launch(nl, NNMD_NLD_K_DISP, &g, err)) ||
      (st = buf_get(nl, &bits, &nl->red->disp2, sizeof bits, "neighbour-list displacement", err)))
    return st;
  double d2;
  memcpy(&d2, &bits, sizeof d2);
  *out = sqrt(d2);
  return NNMD_OK;
}
