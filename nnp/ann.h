/* ann.h — the atomic neural networks of an HDNNP: dense feed-forward layers with n2p2's
 * activations (ann_math.h), a forward pass and the backward pass dy/dG (n2p2-format.md
 * section 8).
 *
 * Layout: layer l = 1..L maps n[l-1] inputs to n[l] outputs, x_l = k_l (W_l y_(l-1) + b_l)
 * with k_l = 1/n[l-1] under `normalize_nodes`, else 1, then y_l = f_l(x_l). All weights of
 * one network are in ONE array `w`: for each layer, the weights in n2p2's file order
 * (source-neuron-major: w[off + j*n_l + k] = W_l[k][j], which makes the forward pass a
 * sequence of contiguous axpy's) followed by that layer's biases. `wt` holds the same
 * weights target-major (wt[toff + k*n_(l-1) + j]) for the backward pass. The output layer
 * has one neuron (the atomic energy, in internal units of the model), except after
 * nnmd_ann_set_outputs (multi-output networks, evaluated by nnmd_ann_forward).
 */
#ifndef NNMD_ANN_H
#define NNMD_ANN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define NNMD_ANN_MAX_LAYERS 16

struct nnmd_ann {
  int n_layers;                         /* L = hidden + 1 (input layer not counted) */
  int nodes[NNMD_ANN_MAX_LAYERS + 1];   /* nodes[0] = inputs, nodes[L] = 1 */
  char act[NNMD_ANN_MAX_LAYERS + 1];    /* act[l] for l = 1..L */
  bool normalize;
  size_t w_off[NNMD_ANN_MAX_LAYERS + 1]; /* offset of layer l's weights in w; biases follow */
  size_t wt_off[NNMD_ANN_MAX_LAYERS + 1];
  size_t n_params;                       /* total count in the weight file */
  int max_nodes;
  double *w;  /* [n_params], file order */
  double *wt; /* weights only, target-major */
};

/* Set the topology (weights unallocated). Returns the expected parameter count. */
size_t nnmd_ann_setup(struct nnmd_ann *a, int n_in, int n_hidden, const int *hidden_nodes,
                      const char *acts, bool normalize);
/* Allocate w (n_params, zero) and wt. */
int nnmd_ann_alloc(struct nnmd_ann *a, struct nnmd_error *err);
/* Build wt from w (call after filling w). */
void nnmd_ann_finish(struct nnmd_ann *a);
void nnmd_ann_free(struct nnmd_ann *a);
/* Scratch doubles needed by nnmd_ann_eval. */
size_t nnmd_ann_scratch_size(const struct nnmd_ann *a);
/* Energy y(G) and, if dy != NULL, dy/dG (n[0] values). scratch: nnmd_ann_scratch_size.
 * A multi-output network gives its output 0 and dy_0/dG. */
double nnmd_ann_eval(const struct nnmd_ann *a, const double *g, double *dy, double *scratch);

/* ---- networks with several outputs (the BEC model, bec.h); forward pass only */

/* Change the output layer of a set-up network to n_out neurons (weights unallocated; call
 * before nnmd_ann_alloc). Offsets and n_params follow the layout above. */
void nnmd_ann_set_outputs(struct nnmd_ann *a, int n_out);
/* All n[L] outputs y_L(G) into out. scratch: nnmd_ann_scratch_size. Same arithmetic as the
 * forward part of nnmd_ann_eval. */
void nnmd_ann_forward(const struct nnmd_ann *a, const double *g, double *out, double *scratch);
/* One forward pass (outputs into out, may be NULL) and nseed vector-Jacobian products:
 * dydg[r n[0] + s] = sum_k seeds[r n[L] + k] dy_k/dG_s. scratch: nnmd_ann_scratch_size. */
void nnmd_ann_vjp(const struct nnmd_ann *a, const double *g, int nseed, const double *seeds, double *out,
                  double *dydg, double *scratch);

#endif
