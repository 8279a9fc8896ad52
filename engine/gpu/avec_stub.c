/* avec_stub.c — the integrator kernel launcher of a build without CUDA (CMake compiles this
 * file instead of avec.cu): neither device kernels nor their host emulation exist (the
 * per-atom bodies are compiled by nvcc), so every call with ctx->dev set fails with
 * NNMD_ERR_UNSUPPORTED. The host path of avec.c (ctx->dev == NULL) needs nothing from here. */
#include "avec_kern.h"

int nnmd_av_launch(const struct nnmd_av_op *op, const struct nnmd_dev_atoms *a, double *scratch, double *out,
                   struct nnmd_error *err) {
  (void)op;
  (void)a;
  (void)scratch;
  (void)out;
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                   "the integrator GPU kernels are not built (reconfigure with -DNNMD_CUDA=ON and nvcc on the PATH)");
}
