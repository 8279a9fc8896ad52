/* hdnnp_device.h — the hdnnp force term's GPU backend (its compute_cuda): glue between the
 * term (hdnnp.c) and the GPU evaluation (hdnnp_gpu.h).
 *
 * create: the term's model on the run's device (nnmd_term_info: precision, emulation, the
 *         MPI local rank picks the GPU); a failure (no device, model too large) is reported
 *         at the input's [parallel] device key.
 * compute: one evaluation over the force context's full neighbour list (owned + ghost
 *         positions of sys->x are uploaded with the list every call): forces on owned and
 *         ghost atoms, energy, virial (incl. the charge-node term), per-atom energies when
 *         ctx->eatom is set, and the extrapolation records logged like the CPU path (up to
 *         *shown < max_shown lines). Units as hdnnp.h (engine units in ctx).
 */
#ifndef NNMD_HDNNP_DEVICE_H
#define NNMD_HDNNP_DEVICE_H

#include <stdint.h>

#include "hdnnp_gpu.h"
#include "model.h"
#include "potential.h"

int nnmd_hdnnp_device_create(const struct nnmd_nnp_model *m, double cflength, double cfenergy,
                             const struct nnmd_term_info *info, struct nnmd_hdnnp_gpu **out,
                             struct nnmd_error *err);

/* sp_map: structure species -> model element (all valid). q: the charge-state input Q
 * (model units, 0 without a charge node). Returns the warnings of this call in *nwarn and
 * sum_i dE_i/dQ (model units) in *dedq_sum. */
int nnmd_hdnnp_device_compute(struct nnmd_hdnnp_gpu *g, const struct nnmd_nnp_model *m, const int *sp_map,
                              struct nnmd_force_ctx *ctx, double q, int *shown, int max_shown, int64_t *nwarn,
                              double *dedq_sum, struct nnmd_error *err);

#endif
