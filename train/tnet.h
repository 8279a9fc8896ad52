/* tnet.h — training-side derivatives of the atomic networks of nnp/ann.h: the energy
 * gradient dy/dtheta, the input gradient dy/dg, and the gradient of the directional
 * derivative t = (dy/dg) . c with respect to the weights ("double backpropagation", the
 * force and stress terms of the loss; training.md section 3).
 *
 * The network and its weight layout are exactly nnmd_ann's (source-neuron-major weights of
 * each layer followed by its biases, optional 1/n_(l-1) node normalisation); the weights
 * are read from a flat parameter pointer so an optimiser can own them. Activations f, f' come
 * from nnp/ann_math.h (the same code MD evaluates); f'' is added here.
 *
 * Per-atom state (struct tnet_state) keeps, for layers l = 0..L, the values y_l, f'(z_l),
 * f''(z_l) and the tangents; tnet_state_size() gives its length in doubles.
 *
 * Formulas (layer l, k_l = 1/n_(l-1) or 1):
 *   forward  z_l = k_l (W_l y_(l-1) + b_l), y_l = f_l(z_l)
 *   tangent  zd_l = k_l W_l yd_(l-1), yd_l = f'_l(z_l) zd_l, yd_0 = c, t = yd_L
 *   reverse  with seeds ybar_L = sE (energy) and ydbar_L = sT (tangent):
 *            zdbar = f' ydbar;  zbar = f' ybar + f'' zd ydbar
 *            dW_l += k_l (zbar y_(l-1)^T + zdbar yd_(l-1)^T), db_l += k_l zbar
 *            ybar_(l-1) = k_l W^T zbar, ydbar_(l-1) = k_l W^T zdbar
 * so the accumulated gradient is sE dy/dtheta + sT dt/dtheta.
 */
#ifndef NNMD_TRAIN_TNET_H
#define NNMD_TRAIN_TNET_H

#include <stddef.h>

#include "ann.h"

/* y = f(x), f'(x) in *d1, f''(x) in *d2 for n2p2 activation letter a. */
double tnet_act2(char a, double x, double *d1, double *d2);

/* Doubles of per-atom state for network a. */
size_t tnet_state_size(const struct nnmd_ann *a);

/* Forward pass with weights w (a's layout) on input g; fills the state; returns y. */
double tnet_forward(const struct nnmd_ann *a, const double *w, const double *g, double *state);
/* dy/dg into dydg (n[0] values) after tnet_forward. scratch: 2 * a->max_nodes doubles. */
void tnet_input_grad(const struct nnmd_ann *a, const double *w, const double *state, double *dydg,
                     double *scratch);
/* Tangent pass along c (n[0] values) after tnet_forward; returns t = (dy/dg) . c. */
double tnet_tangent(const struct nnmd_ann *a, const double *w, const double *c, double *state);
/* Accumulate sE dy/dw + sT dt/dw into grad (a's layout). sT != 0 needs tnet_tangent first.
 * scratch: 4 * a->max_nodes doubles. */
void tnet_reverse(const struct nnmd_ann *a, const double *w, const double *state, double sE, double sT,
                  double *grad, double *scratch);

/* Multi-output networks: accumulate sum_k ybarL[k] dy_k/dw + sT dt_0/dw (t_0 = the tangent of
 * output 0; ybarL NULL = sE on output 0 only). tnet_input_grad gives dy_0/dg for them.
 * scratch: 4 * a->max_nodes doubles. */
void tnet_reverse_mix(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double sE,
                      double sT, double *grad, double *scratch);

/* Accumulate sum_k ybarL[k] dy_k/dw + sum_k ydbarL[k] dt_k/dw into grad (t_k = output k's
 * tangent from the last tnet_tangent; ybarL NULL = no plain term). scratch: 4 max_nodes. */
void tnet_reverse_tan(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL,
                      const double *ydbarL, double *grad, double *scratch);
/* sum_k ybarL[k] dy_k/dg into dydg (n[0] values) after tnet_forward. scratch: 2 max_nodes. */
void tnet_input_vjp(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double *dydg,
                    double *scratch);
/* Accumulate sum_k ybarL[k] dy_k/dw (all n[L] outputs, no tangent) into grad.
 * scratch: 4 * a->max_nodes doubles. */
void tnet_reverse_out(const struct nnmd_ann *a, const double *w, const double *state, const double *ybarL,
                      double *grad, double *scratch);
/* The n[L] outputs of the last tnet_forward. */
const double *tnet_outputs(const struct nnmd_ann *a, const double *state);

#endif
