/* hdnnp_gpu.h — the HDNNP energy and forces on a CUDA GPU (design §7, §8): the same model,
 * formulas and units as the CPU term (hdnnp.c), for a given set of owned + ghost positions
 * and a full neighbour list. Built for the force term's compute_cuda hook; for now every
 * call uploads positions and the list (the resident whole-step design comes next).
 *
 * Work per call (hdnnp_gpu.cu, one thread per owned atom):
 *   count/fill  keep the neighbours inside the element's cutoff, bucket them by element and
 *               store d = (r_j - r_i) cflength and r neighbour-major (coalesced);
 *   descriptors G_i of every SF type of the CPU path (descriptor_math.h formulas), the
 *               extrapolation check, the scaling G~ = smin + s (G - gref);
 *   network     forward + backward per atom (ann_math.h): E_i and c_s = dE_i/dG_s;
 *   forces      pass 2 loops over the same neighbours again and scatters F_j -= dE_i/dd_j,
 *               F_i += ... with double atomics onto owned AND ghost forces, and the virial
 *               W -= d_j (x) dE_i/dd_j. No dG/dr is stored.
 * Precision: NNMD_GPU_DOUBLE (everything in double) or NNMD_GPU_MIXED (neighbour
 * displacements, symmetry functions and the pair terms of the forces in float; positions,
 * sums over neighbours and pairs, the network (< 1% of the work), forces, energy and virial
 * in double). docs/gpu.md gives the measured deviations from the CPU path.
 * Units (as hdnnp.h): model length = engine length x cflength, engine energy = model energy
 * / cfenergy, engine force = model force x cflength / cfenergy.
 * NNMD_HDNNP_GPU_EMULATE runs the same per-atom device code on the host (sequentially, host
 * memory): a way to test the kernels' arithmetic without a GPU; it needs a CUDA build.
 * Without CUDA every create fails with NNMD_ERR_UNSUPPORTED.
 */
#ifndef NNMD_HDNNP_GPU_H
#define NNMD_HDNNP_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

enum nnmd_gpu_precision { NNMD_GPU_DOUBLE = 0, NNMD_GPU_MIXED = 1 };

enum { NNMD_HDNNP_GPU_EMULATE = 1u << 0 };

struct nnmd_hdnnp_gpu_opts {
  int precision;   /* enum nnmd_gpu_precision */
  int device;      /* GPU ordinal; -1: chosen by the MPI local rank (device.h) */
  unsigned flags;  /* NNMD_HDNNP_GPU_EMULATE */
  double cflength; /* model length per engine length (1 = native units) */
  double cfenergy; /* model energy per engine energy */
};

/* One evaluation's input (host arrays, engine units). */
struct nnmd_hdnnp_gpu_in {
  int64_t n_local, n_all;    /* owned atoms; owned + ghosts */
  int64_t stride;            /* component stride of x (and of out->f): sys->capacity */
  const double *x;           /* x[d * stride + i], d = 0..2, i < n_all */
  const int *type;           /* [n_all] species index */
  const int *type_elem;      /* [n_types] model element of each species (all valid) */
  int n_types;
  const int *nl_count;       /* [n_local] full list (neighbor.h): every j != i within a radius */
  const int *nl_idx;         /*   >= the model cutoff, row-major idx[i * max_neigh + k] */
  int max_neigh;
  double charge_q;           /* models with a charge node: Q = c q_sys / V (model units) */
  bool eatom;                /* fill out->eatom */
};

struct nnmd_hdnnp_gpu_out {
  double *f;         /* [3 * stride] forces are ADDED (owned and ghost atoms, engine units) */
  double energy;     /* += engine energy */
  double virial[9];  /* += W_ab = sum r_a F_b (engine energy) */
  double *eatom;     /* [n_local] += per-atom energies when in->eatom */
  double dedq_sum;   /* = sum_i dE_i/dQ (model units; 0 without a charge node) */
  int64_t warnings;  /* = extrapolation warnings of this call */
};

/* One recorded extrapolation: owned atom index, its element, SF index within the element
 * (n_sf[elem] = the charge-state input), the raw value. */
struct nnmd_hdnnp_gpu_warning {
  int64_t atom;
  int elem, sf;
  double value;
};

/* Time spent per phase of the last compute (s), when timing is on (it synchronises the
 * device after each phase, so leave it off in production). */
struct nnmd_hdnnp_gpu_times {
  double upload, neighbours, descriptors, network, forces, download;
};

struct nnmd_hdnnp_gpu;

/* Upload the model (flat tables, weights in the chosen precision) and select the device. */
int nnmd_hdnnp_gpu_create(const struct nnmd_nnp_model *m, const struct nnmd_hdnnp_gpu_opts *opts,
                          struct nnmd_hdnnp_gpu **out, struct nnmd_error *err);
/* Energy, forces, virial (accumulated into out; out->f must hold 3 * in->stride). */
int nnmd_hdnnp_gpu_compute(struct nnmd_hdnnp_gpu *g, const struct nnmd_hdnnp_gpu_in *in,
                           struct nnmd_hdnnp_gpu_out *out, struct nnmd_error *err);
void nnmd_hdnnp_gpu_destroy(struct nnmd_hdnnp_gpu *g);

/* A resident run's evaluation (engine/gpu/resident.h): positions, types and the list are the
 * caller's DEVICE arrays (host arrays in emulation) with component stride `stride`; forces
 * are ADDED into the caller's device array f (owned + ghosts, stride `stride`); nothing
 * per atom crosses to the host unless eatom. Energy, virial, sum dE/dQ and the
 * extrapolation warnings are downloaded (into out) only when `sums`; warnings of the calls
 * in between accumulate on the device and are reported by the next call with sums. */
struct nnmd_hdnnp_gpu_res {
  int64_t n_local, n_all, stride;
  const double *x;           /* device [3 * stride] */
  const int *type;           /* device [n_all] */
  const int *type_elem;      /* HOST [n_types] species -> model element */
  int n_types;
  const int *nl_count;       /* device [n_local] full list, row-major idx[i * max_neigh + k] */
  const int *nl_idx;
  int max_neigh;
  double *f;                 /* device [3 * stride], += */
  double charge_q;
  bool sums;                 /* download energy, virial, warnings this call */
  bool eatom;                /* per-atom energies += into eatom_host[n_local] */
  double *eatom_host;
};
#define NNMD_GPU_MAX_TYPES 64 /* = NNMD_MAX_SPECIES */
int nnmd_hdnnp_gpu_compute_resident(struct nnmd_hdnnp_gpu *g, const struct nnmd_hdnnp_gpu_res *in,
                                    struct nnmd_hdnnp_gpu_out *out, struct nnmd_error *err);

/* Device bytes held now (model tables + per-atom buffers of the largest call so far). */
size_t nnmd_hdnnp_gpu_memory(const struct nnmd_hdnnp_gpu *g);
/* The first extrapolations of the last compute (at most max); returns how many were kept. */
int nnmd_hdnnp_gpu_warnings(const struct nnmd_hdnnp_gpu *g, struct nnmd_hdnnp_gpu_warning *w, int max);
void nnmd_hdnnp_gpu_set_timing(struct nnmd_hdnnp_gpu *g, bool on);
const struct nnmd_hdnnp_gpu_times *nnmd_hdnnp_gpu_times(const struct nnmd_hdnnp_gpu *g);
/* One line about the device and precision (for the log). */
const char *nnmd_hdnnp_gpu_describe(const struct nnmd_hdnnp_gpu *g);

#endif
