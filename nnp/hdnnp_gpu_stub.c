/* hdnnp_gpu_stub.c — the kernel launcher of a build without CUDA (CMake compiles this file
 * instead of hdnnp_gpu.cu): there are no kernels, so every launch fails with
 * NNMD_ERR_UNSUPPORTED (nnmd_hdnnp_gpu_create already refuses without CUDA). */
#include "hdnnp_gpu_kern.h"

int nnmd_hdnnp_gpu_launch(int kernel, const struct nnmd_gpu_model *m, const struct nnmd_gpu_frame *f,
                          int precision, int emulate, struct nnmd_error *err) {
  (void)kernel;
  (void)m;
  (void)f;
  (void)precision;
  (void)emulate;
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                   "the HDNNP GPU kernels are not built (reconfigure with -DNNMD_CUDA=ON and nvcc on the PATH)");
}
