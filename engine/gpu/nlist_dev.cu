/* nlist_dev.cu — kernels of the device neighbour list (nlist_dev.h), their launchers and
 * their host emulation. Every kernel is a thin loop around a __host__ __device__ body for one
 * atom or one bin, so emulation (emulate != 0: host memory, bodies run sequentially) executes
 * the same arithmetic as the device.
 *
 * Kernels (one thread per atom or bin, NLD_BLOCK threads a block):
 *   frac   s = h_inv (x - lo); bounding box by warp shuffles, then one atomicMin/atomicMax
 *          of order-preserving keys per warp (nlist_dev_kern.h); lowest non-finite atom;
 *   count  bin_count[bin(i)] += 1 (atomicAdd);
 *   scan   exclusive prefix sum of bin_count (n_bins + 1 items) by CUB (CUDA toolkit);
 *   fill   bin_atoms[cursor[bin(i)]++] = i (atomicAdd: any order within a bin);
 *   sort   insertion sort of each bin's atoms (ascending index: deterministic lists). Its
 *          cost is O(m^2) for m atoms in a bin, no more than the list kernel spends on the
 *          same m atoms (each scans its own bin);
 *   list   one owned atom: stencil bins in (c2, c1, c0) order, contiguous c0 range, keep
 *          j != i with r^2 < rl^2; the row is written up to max_neigh, the full count is
 *          reduced (max: need_max, min, sum) by warp shuffles + one atomic per warp;
 *   disp   largest |x_i - x_ref_i|^2 over reference atoms (NaN counts as +inf, so a broken
 *          position triggers a rebuild, whose frac pass reports it).
 * Emulation runs the fill loop from the last atom to the first, so the sort body has work
 * to do in tests (the device's atomics give no order either).
 */
#include <cub/device/device_scan.cuh>
#include <cuda_runtime.h>
#include <limits.h>
#include <math.h>

#include "box_math.h"
#include "device.h"
#include "nlist_dev_kern.h"

#define HD NNMD_HD
#define NLD_BLOCK 256
typedef struct nnmd_nld_args NA;
typedef struct nnmd_nld_grid NG;
typedef struct nnmd_nld_red NR;

/* ---- atomics: device atomics, plain operations in (sequential) emulation ---------------- */
static HD inline void at_add_i(int *p, int v) {
#ifdef __CUDA_ARCH__
  atomicAdd(p, v);
#else
  *p += v;
#endif
}
static HD inline int at_inc_i(int *p) {
#ifdef __CUDA_ARCH__
  return atomicAdd(p, 1);
#else
  return (*p)++;
#endif
}
static HD inline void at_min_u64(unsigned long long *p, unsigned long long v) {
#ifdef __CUDA_ARCH__
  atomicMin(p, v);
#else
  if (v < *p) *p = v;
#endif
}
static HD inline void at_max_u64(unsigned long long *p, unsigned long long v) {
#ifdef __CUDA_ARCH__
  atomicMax(p, v);
#else
  if (v > *p) *p = v;
#endif
}
static HD inline void at_add_u64(unsigned long long *p, unsigned long long v) {
#ifdef __CUDA_ARCH__
  atomicAdd(p, v);
#else
  *p += v;
#endif
}
static HD inline void at_max_i(int *p, int v) {
#ifdef __CUDA_ARCH__
  atomicMax(p, v);
#else
  if (v > *p) *p = v;
#endif
}
static HD inline void at_min_i(int *p, int v) {
#ifdef __CUDA_ARCH__
  atomicMin(p, v);
#else
  if (v < *p) *p = v;
#endif
}

/* ---- per-atom / per-bin bodies --------------------------------------------------------- */
static HD inline int bin_coord(const NG &g, int d, double s) {
  int b = (int)((s - g.smin[d]) * g.inv_bw[d]);
  return b < 0 ? 0 : (b >= g.nb[d] ? g.nb[d] - 1 : b);
}

static HD inline int bin_of(const NA &a, long long i) {
  const long long n = a.n_all;
  return (bin_coord(a.g, 2, a.s[2 * n + i]) * a.g.nb[1] + bin_coord(a.g, 1, a.s[n + i])) * a.g.nb[0] +
         bin_coord(a.g, 0, a.s[i]);
}

/* s of atom i into a.s and out; false if not finite. */
static HD inline bool atom_frac(const NA &a, long long i, double *s) {
  const double r[3] = {a.x[i], a.x[a.cap + i], a.x[2 * a.cap + i]};
  nnmd_cart_to_frac(a.h_inv, a.lo, r, s);
  for (int d = 0; d < 3; ++d) a.s[d * a.n_all + i] = s[d];
  return isfinite(s[0]) && isfinite(s[1]) && isfinite(s[2]);
}

static HD inline void atom_count(const NA &a, long long i) { at_add_i(a.bin_count + bin_of(a, i), 1); }

static HD inline void atom_fill(const NA &a, long long i) {
  const int slot = at_inc_i(a.bin_cursor + bin_of(a, i));
  a.bin_atoms[slot] = (int)i;
}

static HD inline void bin_sort(const NA &a, int b) {
  int *v = a.bin_atoms;
  const int lo = a.bin_start[b], hi = a.bin_start[b + 1];
  for (int p = lo + 1; p < hi; ++p) {
    const int key = v[p];
    int q = p - 1;
    while (q >= lo && v[q] > key) {
      v[q + 1] = v[q];
      --q;
    }
    v[q + 1] = key;
  }
}

/* Row of owned atom i; returns the full count (may exceed max_neigh: only max_neigh written). */
static HD inline int atom_list(const NA &a, long long i) {
  const NG &g = a.g;
  const long long n = a.n_all, c = a.cap;
  const double *x = a.x, *y = a.x + c, *z = a.x + 2 * c;
  const int b0 = bin_coord(g, 0, a.s[i]), b1 = bin_coord(g, 1, a.s[n + i]), b2 = bin_coord(g, 2, a.s[2 * n + i]);
  const int lo0 = b0 - g.reach[0] < 0 ? 0 : b0 - g.reach[0];
  const int hi0 = b0 + g.reach[0] >= g.nb[0] ? g.nb[0] - 1 : b0 + g.reach[0];
  const int lo1 = b1 - g.reach[1] < 0 ? 0 : b1 - g.reach[1];
  const int hi1 = b1 + g.reach[1] >= g.nb[1] ? g.nb[1] - 1 : b1 + g.reach[1];
  const int lo2 = b2 - g.reach[2] < 0 ? 0 : b2 - g.reach[2];
  const int hi2 = b2 + g.reach[2] >= g.nb[2] ? g.nb[2] - 1 : b2 + g.reach[2];
  const double xi = x[i], yi = y[i], zi = z[i];
  const int maxn = a.max_neigh;
  int *row = a.idx + (long long)maxn * i;
  int cnt = 0;
  for (int c2 = lo2; c2 <= hi2; ++c2)
    for (int c1 = lo1; c1 <= hi1; ++c1) {
      const int base = (c2 * g.nb[1] + c1) * g.nb[0];
      const int from = a.bin_start[base + lo0], to = a.bin_start[base + hi0 + 1];
      for (int q = from; q < to; ++q) {
        const int j = a.bin_atoms[q];
        if (j == i) continue;
        const double dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi;
        if (dx * dx + dy * dy + dz * dz >= a.rl2) continue;
        if (cnt < maxn) row[cnt] = j;
        ++cnt;
      }
    }
  a.count[i] = cnt < maxn ? cnt : maxn;
  return cnt;
}

static HD inline double atom_disp2(const NA &a, long long i) {
  const long long c = a.cap, n = a.n_ref;
  const double dx = a.x[i] - a.x_ref[i], dy = a.x[c + i] - a.x_ref[n + i], dz = a.x[2 * c + i] - a.x_ref[2 * n + i];
  const double r2 = dx * dx + dy * dy + dz * dz;
  return isnan(r2) ? (double)INFINITY : r2;
}

/* ---- kernels ------------------------------------------------------------------------- */
static __device__ inline long long thread_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

template <typename V> static __device__ inline V warp_min(V v) {
  for (int o = 16; o > 0; o >>= 1) {
    const V w = __shfl_down_sync(0xffffffffu, v, o);
    v = w < v ? w : v;
  }
  return v;
}
template <typename V> static __device__ inline V warp_max(V v) {
  for (int o = 16; o > 0; o >>= 1) {
    const V w = __shfl_down_sync(0xffffffffu, v, o);
    v = w > v ? w : v;
  }
  return v;
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_frac(NA a) {
  const long long i = thread_index();
  unsigned long long kmin[3] = {~0ULL, ~0ULL, ~0ULL}, kmax[3] = {0ULL, 0ULL, 0ULL}, bad = ~0ULL;
  if (i < a.n_all) {
    double s[3];
    if (atom_frac(a, i, s))
      for (int d = 0; d < 3; ++d) kmin[d] = kmax[d] = nnmd_nld_key(s[d]);
    else
      bad = (unsigned long long)i;
  }
  for (int d = 0; d < 3; ++d) {
    kmin[d] = warp_min(kmin[d]);
    kmax[d] = warp_max(kmax[d]);
  }
  bad = warp_min(bad);
  if ((threadIdx.x & 31) == 0) {
    for (int d = 0; d < 3; ++d) {
      at_min_u64(a.red->smin + d, kmin[d]);
      at_max_u64(a.red->smax + d, kmax[d]);
    }
    if (bad != ~0ULL) at_min_u64(&a.red->first_bad, bad);
  }
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_count(NA a) {
  const long long i = thread_index();
  if (i < a.n_all) atom_count(a, i);
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_fill(NA a) {
  const long long i = thread_index();
  if (i < a.n_all) atom_fill(a, i);
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_sort(NA a) {
  const long long b = thread_index();
  if (b < a.n_bins) bin_sort(a, (int)b);
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_list(NA a) {
  const long long i = thread_index();
  int cmax = 0, cmin = INT_MAX;
  unsigned long long sum = 0;
  if (i < a.n_local) {
    const int c = atom_list(a, i);
    cmax = cmin = c;
    sum = (unsigned long long)c;
  }
  cmax = warp_max(cmax);
  cmin = warp_min(cmin);
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_down_sync(0xffffffffu, sum, o);
  if ((threadIdx.x & 31) == 0) {
    at_max_i(&a.red->need_max, cmax);
    at_min_i(&a.red->min_count, cmin);
    at_add_u64(&a.red->n_pairs, sum);
  }
}

static __global__ void __launch_bounds__(NLD_BLOCK) k_disp(NA a) {
  const long long i = thread_index();
  unsigned long long k = 0ULL; /* bits of +0.0 */
  if (i < a.n_ref) k = (unsigned long long)__double_as_longlong(atom_disp2(a, i));
  k = warp_max(k);
  if ((threadIdx.x & 31) == 0) at_max_u64(&a.red->disp2, k);
}

/* ---- launchers and emulation ------------------------------------------------------------ */
static const char *const k_names[] = {"neighbour-list fractional-coordinate kernel", "neighbour-list bin count kernel",
                                      "neighbour-list bin scan", "neighbour-list bin fill kernel",
                                      "neighbour-list bin sort kernel", "neighbour-list build kernel",
                                      "neighbour-list displacement kernel"};

static long long kernel_items(int kernel, const NA &a) {
  switch (kernel) {
    case NNMD_NLD_K_FRAC:
    case NNMD_NLD_K_COUNT:
    case NNMD_NLD_K_FILL: return a.n_all;
    case NNMD_NLD_K_SCAN: return (long long)a.n_bins + 1;
    case NNMD_NLD_K_SORT: return a.n_bins;
    case NNMD_NLD_K_LIST: return a.n_local;
    default: return a.n_ref;
  }
}

static int emulate_k(int kernel, const NA &a, long long n) {
  NR *r = a.red;
  switch (kernel) {
    case NNMD_NLD_K_FRAC:
      for (long long i = 0; i < n; ++i) {
        double s[3];
        if (!atom_frac(a, i, s)) {
          at_min_u64(&r->first_bad, (unsigned long long)i);
          continue;
        }
        for (int d = 0; d < 3; ++d) {
          at_min_u64(r->smin + d, nnmd_nld_key(s[d]));
          at_max_u64(r->smax + d, nnmd_nld_key(s[d]));
        }
      }
      break;
    case NNMD_NLD_K_COUNT:
      for (long long i = 0; i < n; ++i) atom_count(a, i);
      break;
    case NNMD_NLD_K_SCAN: {
      int run = 0;
      for (long long b = 0; b < n; ++b) {
        const int c = a.bin_count[b];
        a.bin_start[b] = run;
        run += c;
      }
      break;
    }
    case NNMD_NLD_K_FILL: /* last atom first: exercise the sort (the device gives any order) */
      for (long long i = n - 1; i >= 0; --i) atom_fill(a, i);
      break;
    case NNMD_NLD_K_SORT:
      for (long long b = 0; b < n; ++b) bin_sort(a, (int)b);
      break;
    case NNMD_NLD_K_LIST:
      for (long long i = 0; i < n; ++i) {
        const int c = atom_list(a, i);
        at_max_i(&r->need_max, c);
        at_min_i(&r->min_count, c);
        at_add_u64(&r->n_pairs, (unsigned long long)c);
      }
      break;
    default:
      for (long long i = 0; i < n; ++i) {
        const double d2 = atom_disp2(a, i);
        unsigned long long k;
        memcpy(&k, &d2, sizeof k);
        at_max_u64(&r->disp2, k);
      }
      break;
  }
  return NNMD_OK;
}

extern "C" int nnmd_nld_scan_bytes(int n, int emulate, size_t *bytes, struct nnmd_error *err) {
  *bytes = 0;
  if (emulate || n <= 0) return NNMD_OK;
  cudaError_t e = cub::DeviceScan::ExclusiveSum(NULL, *bytes, (const int *)NULL, (int *)NULL, n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return nnmd_fail(err, NNMD_ERR_CUDA, "sizing the neighbour-list bin scan (%d bins) failed: %s", n,
                     cudaGetErrorString(e));
  }
  return NNMD_OK;
}

extern "C" int nnmd_nld_launch(int kernel, const struct nnmd_nld_args *pa, int emulate, struct nnmd_error *err) {
  if (kernel < NNMD_NLD_K_FRAC || kernel > NNMD_NLD_K_DISP)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "device neighbour list: unknown kernel %d", kernel);
  const NA &a = *pa;
  const long long n = kernel_items(kernel, a);
  if (n <= 0) return NNMD_OK;
  if (emulate) return emulate_k(kernel, a, n);
  const unsigned blocks = (unsigned)((n + NLD_BLOCK - 1) / NLD_BLOCK);
  switch (kernel) {
    case NNMD_NLD_K_FRAC: k_frac<<<blocks, NLD_BLOCK>>>(a); break;
    case NNMD_NLD_K_COUNT: k_count<<<blocks, NLD_BLOCK>>>(a); break;
    case NNMD_NLD_K_SCAN: {
      size_t bytes = a.scan_tmp_bytes;
      cudaError_t e = cub::DeviceScan::ExclusiveSum(a.scan_tmp, bytes, (const int *)a.bin_count, a.bin_start, (int)n);
      if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return nnmd_fail(err, NNMD_ERR_CUDA, "%s (%lld items) failed: %s", k_names[kernel], n, cudaGetErrorString(e));
      }
      break;
    }
    case NNMD_NLD_K_FILL: k_fill<<<blocks, NLD_BLOCK>>>(a); break;
    case NNMD_NLD_K_SORT: k_sort<<<blocks, NLD_BLOCK>>>(a); break;
    case NNMD_NLD_K_LIST: k_list<<<blocks, NLD_BLOCK>>>(a); break;
    default: k_disp<<<blocks, NLD_BLOCK>>>(a); break;
  }
  return nnmd_device_check(k_names[kernel], err);
}
