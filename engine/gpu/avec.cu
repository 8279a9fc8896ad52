/* avec.cu — the integrator kernels of engine/gpu/avec.h and their launcher: one thread per owned
 * atom, NNMD_AV_BLOCK threads per block; each kernel calls one per-atom body of avec_kern.h
 * (__host__ __device__), the same code that runs sequentially in emulation (dev->emulate:
 * host memory). Reductions: per-thread partial sums (zero unless the thread has an atom),
 * a warp shuffle tree, one shared slot per warp, and one atomicAdd per block and value into
 * a device buffer that was zeroed before the launch; the few doubles are then downloaded
 * (a synchronous copy, which also waits for the kernel).
 * Layout: component blocks with stride capacity (dev_atoms.h). Units: as avec.h.
 */
#include <cuda_runtime.h>

#include "avec_kern.h"
#include "device.h"

typedef struct nnmd_av_op OP;
typedef struct nnmd_dev_atoms DA;

/* The body of kind K (a compile-time constant: avec_kern.h's switch folds away). */
template <int K> static __device__ __forceinline__ void atom_k(const OP *op, const DA *a, long long i, double *acc) {
  nnmd_av_atom_of(K, op, a, i, acc);
}

static __device__ inline long long thread_atom() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

/* Element-wise kinds. */
template <int K>
static __global__ void __launch_bounds__(NNMD_AV_BLOCK) k_map(const __grid_constant__ OP op, const __grid_constant__ DA a) {
  const long long i = thread_atom();
  if (i < a.n_local) atom_k<K>(&op, &a, i, nullptr);
}

/* Sum of v[0..NV) over the block, added to dst[0..NV) by one atomicAdd per value. */
template <int NV> static __device__ void block_add(const double *v, double *dst) {
  __shared__ double sh[NNMD_AV_BLOCK / 32][NV];
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
  for (int k = 0; k < NV; ++k) {
    double x = v[k];
    for (int o = 16; o > 0; o >>= 1) x += __shfl_down_sync(0xffffffffu, x, o);
    if (lane == 0) sh[wid][k] = x;
  }
  __syncthreads();
  if (threadIdx.x < NV) {
    double s = 0.0;
    for (int w = 0; w < NNMD_AV_BLOCK / 32; ++w) s += sh[w][threadIdx.x];
    atomicAdd(dst + threadIdx.x, s);
  }
}

/* Reducing kinds: NV values per atom. */
template <int K, int NV>
static __global__ void __launch_bounds__(NNMD_AV_BLOCK)
    k_red(const __grid_constant__ OP op, const __grid_constant__ DA a, double *red) {
  const long long i = thread_atom();
  double acc[NV];
  for (int k = 0; k < NV; ++k) acc[k] = 0.0;
  if (i < a.n_local) atom_k<K>(&op, &a, i, acc);
  block_add<NV>(acc, red);
}

static const char *const k_names[NNMD_AV_K_N] = {
    "integrator kick kernel",    "integrator drift kernel",          "integrator velocity scaling kernel",
    "kinetic energy kernel",     "kinetic tensor kernel",            "cell remap kernel",
    "c-rescale drift kernel",    "MTK velocity kernel",              "Langevin noise mean kernel",
    "Langevin O-step kernel"};

static void launch_kind(const OP &op, const DA &a, double *red, unsigned blocks) {
  switch (op.kind) {
    case NNMD_AV_K_KICK: k_map<NNMD_AV_K_KICK><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_DRIFT: k_map<NNMD_AV_K_DRIFT><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_SCALE: k_map<NNMD_AV_K_SCALE><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_KE: k_red<NNMD_AV_K_KE, 1><<<blocks, NNMD_AV_BLOCK>>>(op, a, red); break;
    case NNMD_AV_K_MVV: k_red<NNMD_AV_K_MVV, 9><<<blocks, NNMD_AV_BLOCK>>>(op, a, red); break;
    case NNMD_AV_K_REMAP: k_map<NNMD_AV_K_REMAP><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_CRESCALE: k_map<NNMD_AV_K_CRESCALE><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_VPRESS: k_map<NNMD_AV_K_VPRESS><<<blocks, NNMD_AV_BLOCK>>>(op, a); break;
    case NNMD_AV_K_LMEAN: k_red<NNMD_AV_K_LMEAN, 4><<<blocks, NNMD_AV_BLOCK>>>(op, a, red); break;
    default: k_red<NNMD_AV_K_LANGEVIN, 2><<<blocks, NNMD_AV_BLOCK>>>(op, a, red); break;
  }
}

/* The same bodies sequentially on the host, accumulating into out in atom order. */
static int emulate(const OP &op, const DA &a, double *out) {
  for (long long i = 0; i < a.n_local; ++i) nnmd_av_atom(&op, &a, i, out);
  return NNMD_OK;
}

extern "C" int nnmd_av_launch(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a, double *scratch,
                              double *out, struct nnmd_error *err) {
  if (op->kind < 0 || op->kind >= NNMD_AV_K_N)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "integrator kernels: unknown operation %d", op->kind);
  const int nv = nnmd_av_nacc(op->kind);
  if (a->n_local <= 0) return NNMD_OK;
  if (a->emulate) return emulate(*op, *a, out);
  double *red = scratch;
  int st = NNMD_OK;
  if (nv > 0 && !red)
    st = nnmd_device_alloc((void **)&red, NNMD_AV_MAXACC * sizeof(double), "integrator reduction buffer", err);
  if (!st && nv > 0) st = nnmd_device_zero(red, (size_t)nv * sizeof(double), "integrator reduction buffer", err);
  if (!st) {
    const unsigned blocks = (unsigned)((a->n_local + NNMD_AV_BLOCK - 1) / NNMD_AV_BLOCK);
    launch_kind(*op, *a, red, blocks);
    st = nnmd_device_check(k_names[op->kind], err);
  }
  if (!st && nv > 0) {
    double sum[NNMD_AV_MAXACC];
    st = nnmd_device_download(sum, red, (size_t)nv * sizeof(double), k_names[op->kind], err);
    for (int k = 0; !st && k < nv; ++k) out[k] += sum[k];
  }
  if (red != scratch) nnmd_device_free(red);
  return st;
}
