/* resident.cu — kernels of resident_kern.h: one thread per atom (or per halo record), the
 * per-atom bodies __host__ __device__ so emulation runs them on the host in index order.
 * No atomics: within one swap every target is distinct (a send list holds an atom once and
 * the ghost slots are new), and swaps run one after another in plan order. */
#include <cuda_runtime.h>
#include <math.h>

#include "device.h"
#include "resident_kern.h"
#include "types.h"

#define BLK 128

struct v3 {
  double a[3];
};
struct m3 {
  double a[9];
};
struct i3 {
  int a[3];
};

static NNMD_HD inline void b_ghost_copy(double *x, long long cap, const int64_t *send, long long m, long long first,
                                        v3 s) {
  const long long j = send[m];
  for (int d = 0; d < 3; ++d) x[d * cap + first + m] = x[d * cap + j] + s.a[d];
}
static NNMD_HD inline void b_pack(const double *x, long long cap, const int64_t *send, long long m, v3 s, double *buf) {
  const long long j = send[m];
  for (int d = 0; d < 3; ++d) buf[3 * m + d] = x[d * cap + j] + s.a[d];
}
static NNMD_HD inline void b_unpack(double *x, long long cap, long long first, long long m, const double *buf) {
  for (int d = 0; d < 3; ++d) x[d * cap + first + m] = buf[3 * m + d];
}
static NNMD_HD inline void b_reverse_copy(double *f, long long cap, const int64_t *send, long long m, long long first) {
  const long long j = send[m];
  for (int d = 0; d < 3; ++d) {
    f[d * cap + j] += f[d * cap + first + m];
    f[d * cap + first + m] = 0.0;
  }
}
static NNMD_HD inline void b_pack_ghosts(double *f, long long cap, long long first, long long m, double *buf) {
  for (int d = 0; d < 3; ++d) {
    buf[3 * m + d] = f[d * cap + first + m];
    f[d * cap + first + m] = 0.0;
  }
}
static NNMD_HD inline void b_unpack_add(double *f, long long cap, const int64_t *send, long long m, const double *buf) {
  const long long j = send[m];
  for (int d = 0; d < 3; ++d) f[d * cap + j] += buf[3 * m + d];
}
static NNMD_HD inline void b_save(const double *x, long long cap, long long n, long long i, double *xp) {
  for (int d = 0; d < 3; ++d) xp[d * n + i] = x[d * cap + i];
}
static NNMD_HD inline void b_unwrap(const double *x, long long cap, long long n, long long i, const double *xp, double *u,
                                    const m3 &h, const m3 &hi, const i3 &per) {
  double dd[3], s[3];
  for (int a = 0; a < 3; ++a) dd[a] = x[a * cap + i] - xp[a * n + i];
  for (int a = 0; a < 3; ++a) {
    s[a] = hi.a[3 * a] * dd[0] + hi.a[3 * a + 1] * dd[1] + hi.a[3 * a + 2] * dd[2];
    if (per.a[a]) s[a] -= nearbyint(s[a]);
  }
  for (int a = 0; a < 3; ++a) u[a * cap + i] += h.a[3 * a] * s[0] + h.a[3 * a + 1] * s[1] + h.a[3 * a + 2] * s[2];
}

static __device__ inline long long tid() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

static __global__ void k_ghost_copy(double *x, long long cap, const int64_t *send, long long n, long long first, v3 s) {
  long long m = tid();
  if (m < n) b_ghost_copy(x, cap, send, m, first, s);
}
static __global__ void k_pack(const double *x, long long cap, const int64_t *send, long long n, v3 s, double *buf) {
  long long m = tid();
  if (m < n) b_pack(x, cap, send, m, s, buf);
}
static __global__ void k_unpack(double *x, long long cap, long long first, long long n, const double *buf) {
  long long m = tid();
  if (m < n) b_unpack(x, cap, first, m, buf);
}
static __global__ void k_reverse_copy(double *f, long long cap, const int64_t *send, long long n, long long first) {
  long long m = tid();
  if (m < n) b_reverse_copy(f, cap, send, m, first);
}
static __global__ void k_pack_ghosts(double *f, long long cap, long long first, long long n, double *buf) {
  long long m = tid();
  if (m < n) b_pack_ghosts(f, cap, first, m, buf);
}
static __global__ void k_unpack_add(double *f, long long cap, const int64_t *send, long long n, const double *buf) {
  long long m = tid();
  if (m < n) b_unpack_add(f, cap, send, m, buf);
}
static __global__ void k_save(const double *x, long long cap, long long n, double *xp) {
  long long i = tid();
  if (i < n) b_save(x, cap, n, i, xp);
}
static __global__ void k_unwrap(const double *x, long long cap, long long n, const double *xp, double *u, m3 h, m3 hi,
                                i3 per) {
  long long i = tid();
  if (i < n) b_unwrap(x, cap, n, i, xp, u, h, hi, per);
}

static unsigned blocks(long long n) { return (unsigned)((n + BLK - 1) / BLK); }
static v3 mk_v3(const double s[3]) {
  v3 v;
  for (int d = 0; d < 3; ++d) v.a[d] = s[d];
  return v;
}

extern "C" int nnmd_rk_ghost_copy(double *x, int64_t cap, const int64_t *send, int64_t n, int64_t first,
                                  const double s[3], int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  v3 sv = mk_v3(s);
  if (emulate) {
    for (long long m = 0; m < n; ++m) b_ghost_copy(x, cap, send, m, first, sv);
    return NNMD_OK;
  }
  k_ghost_copy<<<blocks(n), BLK>>>(x, cap, send, n, first, sv);
  return nnmd_device_check("halo ghost copy kernel", err);
}

extern "C" int nnmd_rk_pack(const double *x, int64_t cap, const int64_t *send, int64_t n, const double s[3],
                            double *buf, int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  v3 sv = mk_v3(s);
  if (emulate) {
    for (long long m = 0; m < n; ++m) b_pack(x, cap, send, m, sv, buf);
    return NNMD_OK;
  }
  k_pack<<<blocks(n), BLK>>>(x, cap, send, n, sv, buf);
  return nnmd_device_check("halo pack kernel", err);
}

extern "C" int nnmd_rk_unpack(double *x, int64_t cap, int64_t first, int64_t n, const double *buf, int emulate,
                              struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  if (emulate) {
    for (long long m = 0; m < n; ++m) b_unpack(x, cap, first, m, buf);
    return NNMD_OK;
  }
  k_unpack<<<blocks(n), BLK>>>(x, cap, first, n, buf);
  return nnmd_device_check("halo unpack kernel", err);
}

extern "C" int nnmd_rk_reverse_copy(double *f, int64_t cap, const int64_t *send, int64_t n, int64_t first,
                                    int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  if (emulate) {
    for (long long m = n - 1; m >= 0; --m) b_reverse_copy(f, cap, send, m, first);
    return NNMD_OK;
  }
  k_reverse_copy<<<blocks(n), BLK>>>(f, cap, send, n, first);
  return nnmd_device_check("halo reverse kernel", err);
}

extern "C" int nnmd_rk_pack_ghosts(double *f, int64_t cap, int64_t first, int64_t n, double *buf, int emulate,
                                   struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  if (emulate) {
    for (long long m = 0; m < n; ++m) b_pack_ghosts(f, cap, first, m, buf);
    return NNMD_OK;
  }
  k_pack_ghosts<<<blocks(n), BLK>>>(f, cap, first, n, buf);
  return nnmd_device_check("halo ghost-force pack kernel", err);
}

extern "C" int nnmd_rk_unpack_add(double *f, int64_t cap, const int64_t *send, int64_t n, const double *buf,
                                  int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  if (emulate) {
    for (long long m = 0; m < n; ++m) b_unpack_add(f, cap, send, m, buf);
    return NNMD_OK;
  }
  k_unpack_add<<<blocks(n), BLK>>>(f, cap, send, n, buf);
  return nnmd_device_check("halo force unpack kernel", err);
}

extern "C" int nnmd_rk_save(const double *x, int64_t cap, int64_t n, double *xp, int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  if (emulate) {
    for (long long i = 0; i < n; ++i) b_save(x, cap, n, i, xp);
    return NNMD_OK;
  }
  k_save<<<blocks(n), BLK>>>(x, cap, n, xp);
  return nnmd_device_check("position save kernel", err);
}

extern "C" int nnmd_rk_unwrap(const double *x, int64_t cap, int64_t n, const double *xp, double *u, const double h[9],
                              const double hinv[9], const int periodic[3], int emulate, struct nnmd_error *err) {
  if (n <= 0) return NNMD_OK;
  m3 hm, him;
  i3 per;
  for (int k = 0; k < 9; ++k) hm.a[k] = h[k], him.a[k] = hinv[k];
  for (int d = 0; d < 3; ++d) per.a[d] = periodic[d];
  if (emulate) {
    for (long long i = 0; i < n; ++i) b_unwrap(x, cap, n, i, xp, u, hm, him, per);
    return NNMD_OK;
  }
  k_unwrap<<<blocks(n), BLK>>>(x, cap, n, xp, u, hm, him, per);
  return nnmd_device_check("unwrapped-position kernel", err);
}
