/* comm_mpi.c — the MPI implementation of comm.h: the ONLY file that includes mpi.h. */
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"

struct nnmd_comm {
  MPI_Comm world;
  int rank, size;
};

/* MPI can be initialised only once per process, so it is finalised at exit rather than when
 * a comm is destroyed (tests create and destroy several). */
static void finalize_at_exit(void) {
  int fin = 0, init = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) MPI_Finalize();
}

int nnmd_comm_create(struct nnmd_comm **out, int *argc, char ***argv, struct nnmd_error *err) {
  struct nnmd_comm *c = calloc(1, sizeof *c);
  if (!c) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  int init = 0;
  MPI_Initialized(&init);
  if (!init) {
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
      free(c);
      return nnmd_fail(err, NNMD_ERR_MPI, "MPI_Init failed");
    }
    atexit(finalize_at_exit);
  }
  c->world = MPI_COMM_WORLD;
  MPI_Comm_rank(c->world, &c->rank);
  MPI_Comm_size(c->world, &c->size);
  *out = c;
  return NNMD_OK;
}

/* rank 0 of 1: every collective below is skipped for size 1 (and gather copies), so this
 * comm never touches MPI */
int nnmd_comm_create_self(struct nnmd_comm **out, struct nnmd_error *err) {
  struct nnmd_comm *c = calloc(1, sizeof *c);
  if (!c) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  c->world = MPI_COMM_NULL;
  c->rank = 0;
  c->size = 1;
  *out = c;
  return NNMD_OK;
}

void nnmd_comm_destroy(struct nnmd_comm *c) { free(c); }

int nnmd_comm_rank(const struct nnmd_comm *c) { return c->rank; }
int nnmd_comm_size(const struct nnmd_comm *c) { return c->size; }

void nnmd_comm_sum_double(const struct nnmd_comm *c, double *v, int n) {
  if (c->size > 1) MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, c->world);
}
void nnmd_comm_sum_int64(const struct nnmd_comm *c, int64_t *v, int n) {
  if (c->size > 1) MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_SUM, c->world);
}
void nnmd_comm_max_double(const struct nnmd_comm *c, double *v, int n) {
  if (c->size > 1) MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, c->world);
}
int nnmd_comm_agree(const struct nnmd_comm *c, int status) {
  int s = status;
  if (c->size > 1) MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_INT, MPI_MAX, c->world);
  return s;
}
void nnmd_comm_bcast(const struct nnmd_comm *c, void *buf, int64_t bytes, int root) {
  if (c->size > 1) MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, c->world);
}
int nnmd_comm_sendrecv(const struct nnmd_comm *c, const void *sendbuf, int64_t send_bytes, int dest,
                       void *recvbuf, int64_t recv_cap, int64_t *got, int src, struct nnmd_error *err) {
  if (dest == c->rank && src == c->rank) {
    if (send_bytes > recv_cap) return nnmd_fail(err, NNMD_ERR_RANGE, "halo receive buffer too small");
    if (send_bytes) memmove(recvbuf, sendbuf, (size_t)send_bytes);
    *got = send_bytes;
    return NNMD_OK;
  }
  MPI_Status st;
  if (MPI_Sendrecv(sendbuf, (int)send_bytes, MPI_BYTE, dest, 0, recvbuf, (int)recv_cap, MPI_BYTE, src, 0,
                   c->world, &st) != MPI_SUCCESS)
    return nnmd_fail(err, NNMD_ERR_MPI, "MPI_Sendrecv failed");
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  *got = n;
  return NNMD_OK;
}
int nnmd_comm_have_mpi(void) { return 1; }

int nnmd_comm_gather(const struct nnmd_comm *c, const void *buf, int64_t bytes, void **out, int64_t *out_bytes,
                     int root, struct nnmd_error *err) {
  *out = NULL;
  *out_bytes = 0;
  if (c->size == 1) { /* one process (also the MPI-free self comm): a copy */
    *out = malloc(bytes > 0 ? (size_t)bytes : 1);
    if (!*out) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory gathering");
    if (bytes) memcpy(*out, buf, (size_t)bytes);
    *out_bytes = bytes;
    return NNMD_OK;
  }
  if (bytes > INT32_MAX) return nnmd_fail(err, NNMD_ERR_RANGE, "gather: block of %lld bytes too large", (long long)bytes);
  int n = (int)bytes;
  int *counts = NULL, *displs = NULL;
  int st = NNMD_OK;
  if (c->rank == root) {
    counts = calloc((size_t)c->size, sizeof(int));
    displs = calloc((size_t)c->size, sizeof(int));
    if (!counts || !displs) st = NNMD_ERR_NOMEM;
  }
  MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, root, c->world);
  if (c->rank == root && !st) {
    int64_t tot = 0;
    for (int r = 0; r < c->size; ++r) {
      displs[r] = (int)tot;
      tot += counts[r];
    }
    if (tot > INT32_MAX) st = NNMD_ERR_RANGE;
    else {
      *out = malloc(tot > 0 ? (size_t)tot : 1);
      if (!*out) st = NNMD_ERR_NOMEM;
      *out_bytes = tot;
    }
  }
  MPI_Gatherv(buf, n, MPI_BYTE, *out, counts, displs, MPI_BYTE, root, c->world);
  free(counts);
  free(displs);
  if (st) return nnmd_fail(err, st, "gather on rank %d failed (out of memory or more than 2 GB)", root);
  return NNMD_OK;
}
