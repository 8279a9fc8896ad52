/* nlist_dev_stub.c — the device neighbour list in a build without CUDA (CMake compiles this
 * file instead of nlist_dev.cu). There are no kernels, not even their host emulation (the
 * __host__ __device__ bodies need nvcc), so every launch fails with NNMD_ERR_UNSUPPORTED;
 * nnmd_nlist_dev_create() already refuses (nnmd_device_built() is false in such a build).
 */
#include "nlist_dev_kern.h"

static int unsupported(struct nnmd_error *err) {
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                   "the device neighbour list needs a CUDA build of nnmd (reconfigure with -DNNMD_CUDA=ON "
                   "and nvcc on the PATH)");
}

int nnmd_nld_launch(int kernel, const struct nnmd_nld_args *a, int emulate, struct nnmd_error *err) {
  (void)kernel;
  (void)a;
  (void)emulate;
  return unsupported(err);
}

int nnmd_nld_scan_bytes(int n, int emulate, size_t *bytes, struct nnmd_error *err) {
  (void)n;
  (void)emulate;
  *bytes = 0;
  return unsupported(err);
}
