/* comm.h — the communication interface. comm_mpi.c (the only file that includes mpi.h)
 * and comm_serial.c implement it; the build picks one. Everything above this layer
 * (halo, thermo, run) is written once for both. */
#ifndef NNMD_COMM_H
#define NNMD_COMM_H

#include <stdint.h>

#include "error.h"

struct nnmd_comm;

/* Initialise (MPI_Init when built with MPI). argc/argv may be NULL. */
int nnmd_comm_create(struct nnmd_comm **out, int *argc, char ***argv, struct nnmd_error *err);
void nnmd_comm_destroy(struct nnmd_comm *c); /* MPI_Finalize */
/* A one-process comm that never calls MPI (rank 0 of 1, MPI_Init not needed): the library
 * API (api/) computes single structures inside a host program that may not use MPI. */
int nnmd_comm_create_self(struct nnmd_comm **out, struct nnmd_error *err);
int nnmd_comm_rank(const struct nnmd_comm *c);
int nnmd_comm_size(const struct nnmd_comm *c);
/* In-place sums / max over all ranks. */
void nnmd_comm_sum_double(const struct nnmd_comm *c, double *v, int n);
void nnmd_comm_sum_int64(const struct nnmd_comm *c, int64_t *v, int n);
void nnmd_comm_max_double(const struct nnmd_comm *c, double *v, int n);
/* Agree on a status: the largest over all ranks (NNMD_OK only when every rank is OK). */
int nnmd_comm_agree(const struct nnmd_comm *c, int status);
void nnmd_comm_bcast(const struct nnmd_comm *c, void *buf, int64_t bytes, int root);
/* Point-to-point exchange used by the halo: send to `dest`, receive from `src` (sizes in
 * bytes; recv_bytes is the capacity, *got the received size). Self-exchange is a copy. */
int nnmd_comm_sendrecv(const struct nnmd_comm *c, const void *sendbuf, int64_t send_bytes, int dest,
                       void *recvbuf, int64_t recv_cap, int64_t *got, int src, struct nnmd_error *err);
/* Gather variable-size byte blocks on `root`: *out (malloc'd on root, NULL elsewhere) holds
 * the blocks in rank order, *out_bytes their total. */
int nnmd_comm_gather(const struct nnmd_comm *c, const void *buf, int64_t bytes, void **out, int64_t *out_bytes,
                     int root, struct nnmd_error *err);
/* Whether this build has MPI. */
int nnmd_comm_have_mpi(void);

#endif
