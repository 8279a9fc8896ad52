/* device.cu — the CUDA runtime side of the device layer (see device.h): device count,
 * selection by local rank, properties, checked allocation and copies, error strings.
 * Everything runs on the default stream and synchronously for copies (for now: the
 * resident whole-step design will add streams). Every failing runtime call is turned into
 * an NNMD_ERR_CUDA (NNMD_ERR_NOMEM for allocations) naming the operation, the buffer, the
 * device and the CUDA error; the sticky per-thread error is cleared where CUDA allows it.
 */
#include <cuda_runtime.h>
#include <stdio.h>

#include "device.h"

static int current_device(void) {
  int d = -1;
  if (cudaGetDevice(&d) != cudaSuccess) {
    (void)cudaGetLastError();
    return -1;
  }
  return d;
}

static int cuda_fail(cudaError_t e, const char *op, const char *what, struct nnmd_error *err) {
  (void)cudaGetLastError(); /* clear non-sticky errors so later calls can still report */
  return nnmd_fail(err, NNMD_ERR_CUDA, "%s%s%s on GPU %d failed: %s (%s)", op, what ? " " : "", what ? what : "",
                   current_device(), cudaGetErrorString(e), cudaGetErrorName(e));
}

extern "C" bool nnmd_device_built(void) { return true; }

extern "C" int nnmd_device_count(void) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError(); /* no driver / no device: simply none */
    return 0;
  }
  return n;
}

extern "C" int nnmd_device_props(int id, struct nnmd_device_props *p, struct nnmd_error *err) {
  cudaDeviceProp dp;
  cudaError_t e = cudaGetDeviceProperties(&dp, id);
  if (e != cudaSuccess) return cuda_fail(e, "reading the properties of", "the device", err);
  p->id = id;
  snprintf(p->name, sizeof p->name, "%s", dp.name);
  p->mem_total = dp.totalGlobalMem;
  p->mem_free = 0;
  p->cc_major = dp.major;
  p->cc_minor = dp.minor;
  p->sm_count = dp.multiProcessorCount;
  p->driver_version = p->runtime_version = 0;
  (void)cudaDriverGetVersion(&p->driver_version);
  (void)cudaRuntimeGetVersion(&p->runtime_version);
  int cur = current_device();
  if (cur == id) {
    size_t fr = 0, tot = 0;
    if (cudaMemGetInfo(&fr, &tot) == cudaSuccess) p->mem_free = fr;
    else (void)cudaGetLastError();
  }
  return NNMD_OK;
}

extern "C" int nnmd_device_select(int id, struct nnmd_device_props *props, struct nnmd_error *err) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED, "no usable CUDA GPU on this machine (%s)",
                     e != cudaSuccess ? cudaGetErrorString(e) : "cudaGetDeviceCount found none");
  }
  if (id < 0) {
    const char *src = "";
    int rank = nnmd_device_local_rank(&src);
    if (rank < 0)
      return nnmd_fail(err, NNMD_ERR_INPUT, "the local rank in $%s is not a non-negative integer", src);
    id = nnmd_device_choose(n, rank);
  } else if (id >= n) {
    return nnmd_fail(err, NNMD_ERR_INPUT, "GPU %d asked for, but this machine has %d (0..%d)", id, n, n - 1);
  }
  e = cudaSetDevice(id);
  if (e != cudaSuccess) return cuda_fail(e, "selecting", "the device", err);
  if (!props) return NNMD_OK;
  return nnmd_device_props(id, props, err);
}

extern "C" int nnmd_device_mem_info(size_t *free_bytes, size_t *total_bytes, struct nnmd_error *err) {
  size_t fr = 0, tot = 0;
  cudaError_t e = cudaMemGetInfo(&fr, &tot);
  if (free_bytes) *free_bytes = fr;
  if (total_bytes) *total_bytes = tot;
  if (e != cudaSuccess) return cuda_fail(e, "querying", "device memory", err);
  return NNMD_OK;
}

extern "C" int nnmd_device_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  *ptr = NULL;
  if (bytes == 0) return NNMD_OK;
  cudaError_t e = cudaMalloc(ptr, bytes);
  if (e == cudaSuccess) return NNMD_OK;
  *ptr = NULL;
  (void)cudaGetLastError();
  if (e != cudaErrorMemoryAllocation) return cuda_fail(e, "allocating", what, err);
  size_t fr = 0, tot = 0;
  (void)cudaMemGetInfo(&fr, &tot);
  (void)cudaGetLastError();
  char a[32], f[32], t[32];
  nnmd_device_format_bytes((double)bytes, a, sizeof a);
  nnmd_device_format_bytes((double)fr, f, sizeof f);
  nnmd_device_format_bytes((double)tot, t, sizeof t);
  return nnmd_fail(err, NNMD_ERR_NOMEM, "out of GPU memory for %s: %zu bytes (%s) asked, %s free of %s on GPU %d",
                   what ? what : "a buffer", bytes, a, f, t, current_device());
}

extern "C" void nnmd_device_free(void *ptr) {
  if (ptr && cudaFree(ptr) != cudaSuccess) (void)cudaGetLastError();
}

extern "C" int nnmd_device_host_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  *ptr = NULL;
  if (bytes == 0) return NNMD_OK;
  cudaError_t e = cudaMallocHost(ptr, bytes);
  if (e == cudaSuccess) return NNMD_OK;
  *ptr = NULL;
  char a[32];
  nnmd_device_format_bytes((double)bytes, a, sizeof a);
  (void)cudaGetLastError();
  return nnmd_fail(err, e == cudaErrorMemoryAllocation ? NNMD_ERR_NOMEM : NNMD_ERR_CUDA,
                   "allocating %s bytes of page-locked host memory for %s failed: %s", a, what ? what : "a buffer",
                   cudaGetErrorString(e));
}

extern "C" void nnmd_device_host_free(void *ptr) {
  if (ptr && cudaFreeHost(ptr) != cudaSuccess) (void)cudaGetLastError();
}

static int copy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, const char *op, const char *what,
                struct nnmd_error *err) {
  if (bytes == 0) return NNMD_OK;
  cudaError_t e = cudaMemcpy(dst, src, bytes, kind);
  return e == cudaSuccess ? NNMD_OK : cuda_fail(e, op, what, err);
}

extern "C" int nnmd_device_upload(void *dst, const void *src, size_t bytes, const char *what,
                                  struct nnmd_error *err) {
  return copy(dst, src, bytes, cudaMemcpyHostToDevice, "uploading", what, err);
}

extern "C" int nnmd_device_download(void *dst, const void *src, size_t bytes, const char *what,
                                    struct nnmd_error *err) {
  return copy(dst, src, bytes, cudaMemcpyDeviceToHost, "downloading", what, err);
}

extern "C" int nnmd_device_copy(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err) {
  return copy(dst, src, bytes, cudaMemcpyDeviceToDevice, "copying", what, err);
}

extern "C" int nnmd_device_zero(void *ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  if (bytes == 0) return NNMD_OK;
  cudaError_t e = cudaMemset(ptr, 0, bytes);
  return e == cudaSuccess ? NNMD_OK : cuda_fail(e, "zeroing", what, err);
}

extern "C" int nnmd_device_check(const char *what, struct nnmd_error *err) {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? NNMD_OK : cuda_fail(e, "launching", what, err);
}

extern "C" int nnmd_device_sync(const char *what, struct nnmd_error *err) {
  cudaError_t e = cudaDeviceSynchronize();
  if (e == cudaSuccess) e = cudaGetLastError();
  return e == cudaSuccess ? NNMD_OK : cuda_fail(e, "running", what, err);
}
