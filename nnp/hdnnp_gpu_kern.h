/* hdnnp_gpu_kern.h — internal interface between the host orchestration (hdnnp_gpu.c) and
 * the kernels (hdnnp_gpu.cu, or hdnnp_gpu_stub.c without CUDA). Plain C structs passed to
 * kernels by value; every pointer in them is a device pointer (host pointers in emulation).
 *
 * Model tables (uploaded once):
 *   sf[]     one entry per SF of every element (element blocks, n2p2 order = network input
 *            order), parameters in double (kernels convert to the working precision T);
 *   chunk[]  per element: the SFs grouped in chunks of at most NNMD_GPU_CHUNK members that
 *            share the neighbour loop (radial: kind, elements; angular: family exp/poly,
 *            neighbour-element pair), so one pass over neighbours or pairs evaluates them
 *            all (n2p2's symmetry-function groups in small fixed-size pieces);
 *   net[]    per element: layer sizes, activations, offsets into the weight arrays w
 *            (source-major + biases, ann.h file order) and wt (target-major), in double
 *            (the network runs in double in both precisions: < 1% of the work).
 * Frame buffers (per call, grown as needed; n = n_local, N = n_all, K = cap):
 *   x [3][S] double (S = stride >= N: the caller's arrays in a resident run), type [N];  raw list count [n], idx [n][max_neigh] (as the engine's);
 *   bstart [(n_elem + 1)][n]  per-atom start of each element's bucket in the filtered list;
 *   nb [K][n] neighbour index, nd [4][K][n] T: dx, dy, dz, r (model units), neighbour-major;
 *   g [max_sf][n] T: G~ after the descriptor kernel, c = dE/dG after the network kernel;
 *   f [3][S] double forces (engine units), acc[11] double: energy, virial (model units),
 *   sum dE/dQ; warn[2]: extrapolation count, records kept; wrec[NNMD_GPU_WARN_REC].
 */
#ifndef NNMD_HDNNP_GPU_KERN_H
#define NNMD_HDNNP_GPU_KERN_H

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NNMD_GPU_CHUNK 4      /* SFs per chunk */
#define NNMD_GPU_MAX_ELEM 16  /* = NNMD_NNP_MAX_ELEM */
#define NNMD_GPU_MAX_LAYERS 16
#define NNMD_GPU_ANN_BUF 256  /* per-atom network scratch (values + derivatives of all layers) */
#define NNMD_GPU_WARN_REC 16
#define NNMD_GPU_BLOCK 128

/* One SF; the working-precision parameters in R (a double and a float table are uploaded
 * as the precision needs), the training range in double for the extrapolation check. */
#define NNMD_GSF_BODY(R)                                                                   \
  R eta, rs, rc, ri;    /* exp: Gaussian, cutoff radius, inner radius alpha rc */          \
  R rm, riw;            /* poly: radial window centre, 1/half-width (rl..rc) */            \
  R lambda, zeta, pref; /* exp angular: pref = 2^(1-zeta) */                               \
  R am, aiw;            /* poly angular window (radians) */                                \
  R smin, scale, gref;  /* G~ = smin + scale (G - gref) */                                 \
  double gmin, gmax;    /* training range */                                               \
  int narrow, izeta, core, asym, acore, pad;
struct nnmd_gsf {
  NNMD_GSF_BODY(double)
};
struct nnmd_gsf_f {
  NNMD_GSF_BODY(float)
};

struct nnmd_gchunk {
  int angular, poly, weighted;
  int e1, e2;                 /* neighbour elements, e1 <= e2 (radial: e1); -1 when weighted */
  int narrow;                 /* some member is narrow (needs r_jk) */
  int n_m;
  int sf[NNMD_GPU_CHUNK];     /* member SF indices within the element block */
  double rc;                  /* largest radius of the members */
};

struct nnmd_gnet {
  int n_layers, normalize;
  int nodes[NNMD_GPU_MAX_LAYERS + 1];
  char act[NNMD_GPU_MAX_LAYERS + 1];
  long long w_off[NNMD_GPU_MAX_LAYERS + 1], wt_off[NNMD_GPU_MAX_LAYERS + 1];
};

struct nnmd_gwarn {
  long long atom;
  int elem, sf;
  double value;
};

struct nnmd_gpu_model {
  int n_elem, cutoff_type, max_sf, charge_on;
  double cfl, ff, ice, mean_energy; /* ff = cflength / cfenergy (force factor), ice = 1/conv_energy */
  double ext_tol;                   /* boundary allowance of the extrapolation check, x max(1,|bounds|) */
  double e0[NNMD_GPU_MAX_ELEM];     /* atom_energy */
  double rc[NNMD_GPU_MAX_ELEM];     /* gather radius of each central element (model units) */
  double z[NNMD_GPU_MAX_ELEM];      /* atomic numbers (weighted types) */
  double qin[NNMD_GPU_MAX_ELEM];    /* charge node: scaled input Q~ of this call */
  double qscale[NNMD_GPU_MAX_ELEM]; /* charge node: scale of Q */
  int q_out[NNMD_GPU_MAX_ELEM];     /* charge node: Q outside element's training range */
  double q_raw;
  int sf_off[NNMD_GPU_MAX_ELEM], n_sf[NNMD_GPU_MAX_ELEM];
  int ch_off[NNMD_GPU_MAX_ELEM], n_ch[NNMD_GPU_MAX_ELEM];
  const void *sf;                   /* struct nnmd_gsf (double) or nnmd_gsf_f (mixed) */
  const struct nnmd_gchunk *ch;
  const struct nnmd_gnet *net;
  const double *w, *wt;             /* network weights (double in both precisions) */
};

struct nnmd_gpu_frame {
  long long n_local, n_all;
  long long stride;                 /* component stride of x and f (>= n_all) */
  int max_neigh, cap, n_types, want_eatom;
  const double *x;
  const int *type, *type_elem;
  const int *raw_count, *raw_idx;
  int *bstart, *nb, *maxcnt;
  void *nd, *g;                     /* T */
  double *f, *eatom, *acc;
  unsigned long long *warn;
  struct nnmd_gwarn *wrec;
};

enum { NNMD_GPU_K_COUNT, NNMD_GPU_K_FILL, NNMD_GPU_K_DESC, NNMD_GPU_K_ANN, NNMD_GPU_K_FORCE };

/* Run one kernel over the frame's owned atoms (precision: enum nnmd_gpu_precision; emulate:
 * the per-atom code on the host). Launch errors are reported; no synchronisation. */
int nnmd_hdnnp_gpu_launch(int kernel, const struct nnmd_gpu_model *m, const struct nnmd_gpu_frame *f,
                          int precision, int emulate, struct nnmd_error *err);

#ifdef __cplusplus
}
#endif

#endif
