/* comm_serial.c — the single-process implementation of comm.h. */
#include <stdlib.h>
#include <string.h>

#include "comm.h"

struct nnmd_comm {
  int dummy;
};

int nnmd_comm_create(struct nnmd_comm **out, int *argc, char ***argv, struct nnmd_error *err) {
  (void)argc;
  (void)argv;
  *out = calloc(1, sizeof **out);
  if (!*out) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  return NNMD_OK;
}
int nnmd_comm_create_self(struct nnmd_comm **out, struct nnmd_error *err) {
  return nnmd_comm_create(out, NULL, NULL, err);
}
void nnmd_comm_destroy(struct nnmd_comm *c) { free(c); }
int nnmd_comm_rank(const struct nnmd_comm *c) { (void)c; return 0; }
int nnmd_comm_size(const struct nnmd_comm *c) { (void)c; return 1; }
void nnmd_comm_sum_double(const struct nnmd_comm *c, double *v, int n) { (void)c; (void)v; (void)n; }
void nnmd_comm_sum_int64(const struct nnmd_comm *c, int64_t *v, int n) { (void)c; (void)v; (void)n; }
void nnmd_comm_max_double(const struct nnmd_comm *c, double *v, int n) { (void)c; (void)v; (void)n; }
int nnmd_comm_agree(const struct nnmd_comm *c, int status) { (void)c; return status; }
void nnmd_comm_bcast(const struct nnmd_comm *c, void *buf, int64_t bytes, int root) {
  (void)c; (void)buf; (void)bytes; (void)root;
}
int nnmd_comm_sendrecv(const struct nnmd_comm *c, const void *sendbuf, int64_t send_bytes, int dest,
                       void *recvbuf, int64_t recv_cap, int64_t *got, int src, struct nnmd_error *err) {
  (void)c;
  if (dest != 0 || src != 0) return nnmd_fail(err, NNMD_ERR_INTERNAL, "serial comm: rank %d/%d", dest, src);
  if (send_bytes > recv_cap) return nnmd_fail(err, NNMD_ERR_RANGE, "halo receive buffer too small");
  if (send_bytes) memmove(recvbuf, sendbuf, (size_t)send_bytes);
  *got = send_bytes;
  return NNMD_OK;
}
int nnmd_comm_have_mpi(void) { return 0; }

int nnmd_comm_gather(const struct nnmd_comm *c, const void *buf, int64_t bytes, void **out, int64_t *out_bytes,
                     int root, struct nnmd_error *err) {
  (void)c;
  (void)root;
  *out = malloc(bytes > 0 ? (size_t)bytes : 1);
  if (!*out) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory gathering");
  if (bytes) memcpy(*out, buf, (size_t)bytes);
  *out_bytes = bytes;
  return NNMD_OK;
}
