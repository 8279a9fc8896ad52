/* nlist_dev.h — the neighbour list of a resident GPU run (design §1.2, §6, §8): binning and
 * list build on the device, from the positions in struct nnmd_dev_atoms, with the same
 * geometry and the same result as the CPU list (neighbor.h, full mode).
 *
 * Algorithm (per build; every step a kernel or a device copy, one thread per atom or bin):
 *   1. fractional coordinates s = h_inv (r - lo) of all owned + ghost atoms, and their
 *      bounding box (device min/max reduction; 6 doubles and a non-finite count come back);
 *   2. on the host: the bin grid spans that bounding box (ghosts reach beyond [0,1) by the
 *      ghost cutoff; atoms of non-periodic directions may be anywhere) with bins at least
 *      rl_d/2 wide (rl_d = (cutoff+skin) / perpendicular width d) and at most ~2 bins per
 *      atom; the stencil reaches ceil(rl_d / bin width) bins each way, so every cell shape
 *      works (triclinic, thin cells whose ghosts are several images deep);
 *   3. counting sort into bins: count (atomics), exclusive scan, fill (atomics), then each
 *      bin's atoms sorted ascending (the fill order of atomics is arbitrary; sorting makes
 *      the lists deterministic: rows come out in stencil order, ascending index in a bin,
 *      the order of the CPU list);
 *   4. one thread per owned atom scans its stencil and keeps every j != i (owned or ghost)
 *      with |r_j - r_i| < cutoff + skin; ghosts are explicit periodic images (halo.h), no
 *      minimum image. A row longer than max_neigh is counted, not written past the end:
 *      the needed maximum comes back (atomicMax) and the host grows max_neigh and reruns
 *      step 4. Lists are never truncated.
 *   5. the owned positions are copied (device to device) as the reference of the skin test.
 *
 * Layout (what nnp/hdnnp_gpu.h consumes): count[n_local], idx[i * max_neigh + k] for
 * k < count[i], row-major; indices into the owned + ghost arrays of nnmd_dev_atoms.
 * Device memory is grown as needed (never shrunk); allocation failures carry device.h's
 * message (bytes asked and free).
 * Emulation (create with emulate = true, atoms with emulate = true): every buffer is host
 * memory and the kernels' per-atom / per-bin bodies run sequentially on the host (the same
 * code the device runs). Both modes need a CUDA build: without one, create fails with
 * NNMD_ERR_UNSUPPORTED (nlist_dev_stub.c).
 * Files: nlist_dev.c (host orchestration), nlist_dev.cu (kernels, launchers, emulation),
 * nlist_dev_kern.h (their private interface), nlist_dev_stub.c (non-CUDA build).
 * Units: A.
 */
#ifndef NNMD_NLIST_DEV_H
#define NNMD_NLIST_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "dev_atoms.h"
#include "error.h"

struct nnmd_nlist_dev;

struct nnmd_nlist_dev_stats {
  int64_t n;          /* owned atoms of the last build */
  int min_count, max_count;
  double mean_count;  /* neighbours per owned atom */
  int64_t n_pairs;    /* sum of the counts (full list: each pair twice) */
  int64_t n_builds;
  int64_t n_grows;    /* times max_neigh was grown */
  int bins[3];        /* bin grid of the last build */
};

/* cutoff, skin in A (list radius cutoff + skin). emulate: host memory, sequential bodies. */
int nnmd_nlist_dev_create(struct nnmd_nlist_dev **out, double cutoff, double skin, bool emulate,
                          struct nnmd_error *err);
void nnmd_nlist_dev_destroy(struct nnmd_nlist_dev *nl); /* NULL is fine */
/* Start with this row stride (default 64; grows on overflow). For tests of the grow path. */
void nnmd_nlist_dev_set_max_neigh(struct nnmd_nlist_dev *nl, int max_neigh);
/* Full list of every owned atom of `a` from its current positions (owned + ghosts). */
int nnmd_nlist_dev_build(struct nnmd_nlist_dev *nl, const struct nnmd_dev_atoms *a, const struct nnmd_box *box,
                         struct nnmd_error *err);
/* Largest displacement (A) of an owned atom since the last build; INFINITY before the first
 * build or when n_local changed. One double comes back from the device. */
int nnmd_nlist_dev_max_displacement(struct nnmd_nlist_dev *nl, const struct nnmd_dev_atoms *a, double *out,
                                    struct nnmd_error *err);

/* The list (device pointers; host pointers in emulation), valid until the next build. */
const int *nnmd_nlist_dev_count(const struct nnmd_nlist_dev *nl);
const int *nnmd_nlist_dev_idx(const struct nnmd_nlist_dev *nl);
int nnmd_nlist_dev_max_neigh(const struct nnmd_nlist_dev *nl);
double nnmd_nlist_dev_radius(const struct nnmd_nlist_dev *nl); /* cutoff + skin (A) */
void nnmd_nlist_dev_stats(const struct nnmd_nlist_dev *nl, struct nnmd_nlist_dev_stats *st);

#endif
