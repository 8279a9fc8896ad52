/* tbec.h — training the tensor-basis Born-charge model of nnp/bec.h (docs/bec.md,
 * training.md section 7): channels, predictions, loss and gradients on cached frames.
 *
 * Per atom i (neighbour entries of the frame cache, model units): v^p = sum_j phi_a(r) rhat,
 * T^p = sum_j phi_a(r) (rhat rhat^T - I/3), p = s K + a (s = neighbour element); the network
 * outputs c (1 + P + P^2) and M = c0 I + sum cT_p T^p + sum_{p<=q} cS_pq sym(v^p v^q^T)
 * + sum_{p<q} cA_pq asym(v^p v^q^T) (nnmd_bec_assemble). The model is written field-first,
 * so Z = M (Z[alpha][beta], alpha = field).
 * Loss (e^2): L = w/(9 N) [sum_i |Z_i - <Z> - (Zref_i - <Zref>)|_F^2 + n |<Z>|_F^2] with the
 * acoustic sum rule (frame mean subtracted) applied to predictions and labels; the second
 * term keeps the raw predictions' mean (the rule's violation, a null direction of the first
 * term) near zero. The gradient with respect
 * to M of atom i is g_i = 2w/(9N) (residual_i + <Z>), and dL/dc follows from the basis: dL/dc0 = tr g, dL/dcT_p = g : T^p,
 * dL/dcS_pq = (v^p . g v^q + v^q . g v^p)/2, dL/dcA_pq = (v^p . g v^q - v^q . g v^p)/2.
 * The charge-derivative term D (charge, tensor_charge) and the dipole-derivative term
 * (tensor_charge_dipole; bec.h) depend on the networks' input gradients: their predictions
 * use input-gradient / vector-Jacobian passes (tnet.h) and the cache's descriptor Jacobian,
 * and their weight gradients come from double backpropagation (a tangent pass along the
 * loss-weighted Jacobian, then a reverse pass: one for q, three for the dipole outputs).
 */
#ifndef NNMD_TRAIN_TBEC_H
#define NNMD_TRAIN_TBEC_H

#include "bec.h"
#include "tloss.h"

/* Channels of every atom of a frame (3P + 9P doubles per atom). */
struct tbec_chan {
  int n, P;
  double *v, *T;
};
int tbec_channels(const struct nnmd_bec_model *bm, const struct tframe *f, const struct tcache *c,
                  struct tbec_chan *ch, struct nnmd_error *err);
void tbec_chan_free(struct tbec_chan *ch);

/* Loss parts of the BEC fit (sums of squares in e^2 and counts). */
struct tbec_parts {
  double s_all, n_all, s_diag, n_diag, s_off, n_off, s_tr, n_tr;
  double s_asr, n_asr; /* sum over frames of the raw |<Z>|_F (acoustic-sum-rule violation) */
  double s_el[NNMD_NNP_MAX_ELEM], n_el[NNMD_NNP_MAX_ELEM];
};

/* Z* of every atom (9n, engine order, raw: no ASR) into z. */
int tbec_predict(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta,
                 const struct tframe *f, const struct tcache *c, const struct tbec_chan *ch, struct tscratch *s,
                 double *z, struct nnmd_error *err);
/* Loss of frame f (weight wZ, normaliser N = atoms of the batch with labels); grad may be
 * NULL. parts (may be NULL) gets the frame's sums (after the ASR). */
int tbec_frame(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta, const struct tframe *f,
               const struct tcache *c, const struct tbec_chan *ch, double wZ, double N, struct tscratch *s,
               double *grad, double *loss, struct tbec_parts *parts, struct nnmd_error *err);

#endif
