/* dev_atoms.h — the atoms of a resident run (design §1.2: data stays where it is computed).
 *
 * With [parallel] device = "gpu" the run keeps positions, velocities, forces, types, ids and
 * unwrapped positions in device memory for the whole run, in the host layout (system.h):
 * component blocks with stride `capacity`, x[d * capacity + i]; owned atoms [0, n_local),
 * ghosts [n_local, n_local + n_ghost). engine/gpu/resident.c owns the buffers and keeps this
 * struct current (capacity and pointers change when it grows; n_local/n_ghost at every
 * rebuild). Integrators (engine/gpu/avec.h), the device neighbour list (engine/gpu/nlist_dev.h) and
 * device force terms read and write the arrays through it.
 *
 * Emulation (emulate = true): every pointer is HOST memory and the kernels' per-atom bodies
 * run sequentially on the host: the same arithmetic as the device, testable without a GPU
 * (it needs a CUDA build, whose nvcc compiles the host copies of the __host__ __device__
 * bodies).
 * Units: x, u in A; v in A/ps; f in eV/A; mass in amu.
 */
#ifndef NNMD_DEV_ATOMS_H
#define NNMD_DEV_ATOMS_H

#include <stdbool.h>
#include <stdint.h>

#include "species.h"

struct nnmd_dev_atoms {
  int64_t n_local, n_ghost, capacity;
  double *x, *v, *f;   /* 3 * capacity each (owned + ghosts for x and f; v owned) */
  double *u;           /* 3 * capacity: unwrapped positions of owned atoms */
  int *type;           /* [capacity] species index (owned + ghosts) */
  int64_t *id;         /* [capacity] global tag (owned + ghosts) */
  int n_types;
  double mass[NNMD_MAX_SPECIES]; /* amu per species (host values; kernels get them by value) */
  bool emulate;        /* host memory + sequential per-atom bodies */
};

/* A view of a device neighbour list (engine/gpu/nlist_dev.h) for force terms: full list of
 * every j != i within cutoff + skin, row-major idx[i * max_neigh + k], k < count[i],
 * i < n (= n_local at the build); device pointers. */
struct nnmd_dev_list {
  double cutoff, skin;
  int64_t n;
  int max_neigh;
  const int *count, *idx;
};

#endif
