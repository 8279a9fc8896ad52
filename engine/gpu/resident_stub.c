/* resident_stub.c — resident_kern.h without CUDA: every call fails with
 * NNMD_ERR_UNSUPPORTED (a resident run needs a CUDA build; set-up refuses it earlier). */
#include "resident_kern.h"

static int no_cuda(struct nnmd_error *err) {
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED, "resident GPU run: nnmd was built without CUDA");
}

int nnmd_rk_ghost_copy(double *x, int64_t cap, const int64_t *send, int64_t n, int64_t first, const double s[3],
                       int emulate, struct nnmd_error *err) {
  (void)x, (void)cap, (void)send, (void)n, (void)first, (void)s, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_pack(const double *x, int64_t cap, const int64_t *send, int64_t n, const double s[3], double *buf,
                 int emulate, struct nnmd_error *err) {
  (void)x, (void)cap, (void)send, (void)n, (void)s, (void)buf, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_unpack(double *x, int64_t cap, int64_t first, int64_t n, const double *buf, int emulate,
                   struct nnmd_error *err) {
  (void)x, (void)cap, (void)first, (void)n, (void)buf, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_reverse_copy(double *f, int64_t cap, const int64_t *send, int64_t n, int64_t first, int emulate,
                         struct nnmd_error *err) {
  (void)f, (void)cap, (void)send, (void)n, (void)first, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_pack_ghosts(double *f, int64_t cap, int64_t first, int64_t n, double *buf, int emulate,
                        struct nnmd_error *err) {
  (void)f, (void)cap, (void)first, (void)n, (void)buf, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_unpack_add(double *f, int64_t cap, const int64_t *send, int64_t n, const double *buf, int emulate,
                       struct nnmd_error *err) {
  (void)f, (void)cap, (void)send, (void)n, (void)buf, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_save(const double *x, int64_t cap, int64_t n, double *xp, int emulate, struct nnmd_error *err) {
  (void)x, (void)cap, (void)n, (void)xp, (void)emulate;
  return no_cuda(err);
}
int nnmd_rk_unwrap(const double *x, int64_t cap, int64_t n, const double *xp, double *u, const double h[9],
                   const double hinv[9], const int periodic[3], int emulate, struct nnmd_error *err) {
  (void)x, (void)cap, (void)n, (void)xp, (void)u, (void)h, (void)hinv, (void)periodic, (void)emulate;
  return no_cuda(err);
}
