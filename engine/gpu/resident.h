/* resident.h — the device state of a resident run (design §1.2, §4, §8): positions,
 * velocities, forces, types, ids and unwrapped positions live in device memory for the whole
 * run (dev_atoms.h), the halo exchange runs on them (self swaps by kernels, swaps with other
 * ranks packed on the device and moved by comm_sendrecv through host buffers), and the
 * unwrapped positions are advanced on the device.
 *
 * Division of work with the host (engine/run.c):
 *  - every step: integrator kernels (engine/gpu/avec.h), unwrapped tracking, skin test (one
 *    double down), forward halo, force kernels, reverse halo — no per-atom host transfer
 *    except the halo records of swaps with other ranks;
 *  - at a neighbour-list rebuild: owned x, v, u come down, the host wraps, sorts, migrates
 *    and builds the ghost plan (halo.c: the same plan MPI uses), everything goes up again
 *    and the device bins the atoms and builds the list (nlist_dev.h);
 *  - on sampled steps (thermo, trajectory, MSD, checkpoints, the end): owned x, v, f, u
 *    come down into the host system, so observers and checkpoints are unchanged.
 * Emulation (dev_atoms.h): host memory and the kernels' per-atom bodies run on the host.
 */
#ifndef NNMD_RESIDENT_H
#define NNMD_RESIDENT_H

#include <stdbool.h>

#include "box.h"
#include "dev_atoms.h"
#include "error.h"
#include "halo.h"
#include "system.h"

struct nnmd_resident;

enum { NNMD_RES_X = 1u << 0, NNMD_RES_V = 1u << 1, NNMD_RES_F = 1u << 2, NNMD_RES_U = 1u << 3 };

int nnmd_resident_create(struct nnmd_resident **out, bool emulate, struct nnmd_error *err);
void nnmd_resident_destroy(struct nnmd_resident *r);
/* The device arrays (pointers change when the capacity grows, i.e. at uploads). */
const struct nnmd_dev_atoms *nnmd_resident_atoms(const struct nnmd_resident *r);
/* After a host rebuild (halo borders): owned + ghost x, type, id, owned v and the
 * "unwrapped" field of sys go up, with the halo's plan. Forces are zeroed. */
int nnmd_resident_upload(struct nnmd_resident *r, const struct nnmd_system *sys, const struct nnmd_halo *halo,
                         struct nnmd_error *err);
/* Owned atoms' arrays named in `what` (NNMD_RES_*) come down into sys (same n_local). */
int nnmd_resident_download(struct nnmd_resident *r, struct nnmd_system *sys, unsigned what,
                           struct nnmd_error *err);
/* Ghost positions from their sources with the current cell (halo.c's forward on device). */
int nnmd_resident_forward(struct nnmd_resident *r, const struct nnmd_box *box, struct nnmd_error *err);
/* Ghost forces added to their sources, ghosts zeroed (halo.c's reverse on device). */
int nnmd_resident_reverse(struct nnmd_resident *r, struct nnmd_error *err);
/* Zero the forces of owned and ghost atoms. */
int nnmd_resident_zero_forces(struct nnmd_resident *r, struct nnmd_error *err);
/* Unwrapped tracking around first_half (run.c): save, then advance by the minimum image of
 * each owned atom's displacement in the current cell. */
int nnmd_resident_save_positions(struct nnmd_resident *r, struct nnmd_error *err);
int nnmd_resident_advance_unwrapped(struct nnmd_resident *r, const struct nnmd_box *box, struct nnmd_error *err);
/* Device bytes held (atoms, plan, buffers). */
size_t nnmd_resident_memory(const struct nnmd_resident *r);

#endif
