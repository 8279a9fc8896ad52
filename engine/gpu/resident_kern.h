/* resident_kern.h — internal: the per-atom device operations of a resident run that are not
 * integrator or force work (resident.c orchestrates them): the halo exchange on device
 * arrays and the unwrapped-position tracking. Every pointer is a device pointer (host
 * memory in emulation: `emulate` runs the same per-atom bodies sequentially on the host).
 * Arrays are component blocks with stride `cap` (dev_atoms.h); packed buffers hold 3
 * doubles per atom, [3 m + d] (the host halo's record layout). Send lists are int64 as in
 * halo.c. Launch errors are returned; nothing synchronises.
 * Without CUDA (resident_stub.c) every call returns NNMD_ERR_UNSUPPORTED.
 */
#ifndef NNMD_RESIDENT_KERN_H
#define NNMD_RESIDENT_KERN_H

#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x[d][first + m] = x[d][send[m]] + s[d], m < n (forward exchange within this rank). */
int nnmd_rk_ghost_copy(double *x, int64_t cap, const int64_t *send, int64_t n, int64_t first, const double s[3],
                       int emulate, struct nnmd_error *err);
/* buf[3m + d] = x[d][send[m]] + s[d] (forward exchange to another rank: pack). */
int nnmd_rk_pack(const double *x, int64_t cap, const int64_t *send, int64_t n, const double s[3], double *buf,
                 int emulate, struct nnmd_error *err);
/* x[d][first + m] = buf[3m + d] (forward: unpack what arrived). */
int nnmd_rk_unpack(double *x, int64_t cap, int64_t first, int64_t n, const double *buf, int emulate,
                   struct nnmd_error *err);
/* f[d][send[m]] += f[d][first + m]; f[d][first + m] = 0 (reverse exchange within this rank). */
int nnmd_rk_reverse_copy(double *f, int64_t cap, const int64_t *send, int64_t n, int64_t first, int emulate,
                         struct nnmd_error *err);
/* buf[3m + d] = f[d][first + m]; f[d][first + m] = 0 (reverse to another rank: pack the ghosts). */
int nnmd_rk_pack_ghosts(double *f, int64_t cap, int64_t first, int64_t n, double *buf, int emulate,
                        struct nnmd_error *err);
/* f[d][send[m]] += buf[3m + d] (reverse: add what came back to the atoms sent). */
int nnmd_rk_unpack_add(double *f, int64_t cap, const int64_t *send, int64_t n, const double *buf, int emulate,
                       struct nnmd_error *err);
/* xp[d * n + i] = x[d][i], i < n (positions before the integrator moves atoms). */
int nnmd_rk_save(const double *x, int64_t cap, int64_t n, double *xp, int emulate, struct nnmd_error *err);
/* u[d][i] += h s, s = minimum image (periodic directions) of h^-1 (x_i - xp_i) (run.c's
 * advance_unwrapped on the device). h, hinv row-major 3x3 (box.h). */
int nnmd_rk_unwrap(const double *x, int64_t cap, int64_t n, const double *xp, double *u, const double h[9],
                   const double hinv[9], const int periodic[3], int emulate, struct nnmd_error *err);

#ifdef __cplusplus
}
#endif

#endif
