/* tloss.h — predictions, loss gradients and Jacobian rows of an HDNNP on cached frames
 * (training.md sections 2-3). Everything inside is in the model's units; the loss is in
 * eV and A (cfl = model length per A, cfe = model energy per eV, as the hdnnp term).
 *
 * Loss of a batch (the normalisers NE, NF, NS are batch totals given by the caller):
 *   L = wE/NE sum_s (dE_s / n_s)^2                       dE in eV       (frames with energy)
 *     + wF/NF sum_{s,k,a} dF_{ka}^2                      dF in eV/A     (NF = 3 x atoms with forces)
 *     + wS/NS sum_s sum_{Voigt v} (dsigma_v V_s / n_s)^2  per-atom virial in eV (NS = 6 x frames)
 * The stress term uses the per-atom virial (as GPUMD's NEP) so that its scale matches the
 * energy term; the reported stress RMSE is in GPa.
 *
 * Gradient (tloss_frame): pass 1 evaluates every atom's network, dy/dg, the energy, the
 * forces F_j -= p_ij, F_i += p_ij and the virial W -= d (x) p_ij with
 * p_ij = (1/cE) sum_s s_s dy_i/dg_s dG_s/dd_ij; pass 2 contracts the loss derivatives
 * r_k = dL/dF_k and R = dL/dW into per-atom tangents c_is = -(s_s / cE) sum_j dG_s/dd_ij .
 * ((r_j - r_i) + R^T d_ij) and runs tnet_reverse with seeds (dL/dE / cE, 1).
 */
#ifndef NNMD_TRAIN_TLOSS_H
#define NNMD_TRAIN_TLOSS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "tframe.h"

/* The trainable HDNNP: the model (SFs, scaling maps, topology, energies) plus one flat
 * parameter vector theta (element blocks at poff[e], each in nnmd_ann's layout). */
struct tmodel {
  struct nnmd_nnp_model *m; /* owned */
  struct nnmd_desc_plan *plan;
  size_t poff[NNMD_NNP_MAX_ELEM + 1];
  size_t n_params;
  double cfl, cfe; /* model length per A, model energy per eV */
};

/* Per-thread scratch for frames of up to `n` atoms (grown on demand). */
struct tscratch {
  int cap;
  size_t ssz, gsz;
  double *state; /* [cap * ssz] */
  double *dydg;  /* [cap * gsz] */
  double *c;     /* [gsz] */
  double *gs;    /* [gsz] */
  double *tmp;   /* 4 * max_nodes */
  double *force; /* 3 cap */
  double *res;   /* 3 cap: dL/dF */
  double W[9];   /* virial of the last tloss_observe_begin with forces */
  double last_epa; /* predicted energy per atom (eV) of the last tloss_frame */
};
void tscratch_free(struct tscratch *s);

struct tpred {
  double energy;   /* model units */
  double *force;   /* 3n, model units (caller's buffer, may be NULL) */
  double virial[9];/* W = sum r (x) F, model energy */
};

struct tloss_w {
  double wE, wF, wS;
  double NE, NF, NS; /* batch normalisers (see above); 0 = term absent */
};

struct tloss_parts {
  double lE, lF, lS;          /* weighted loss contributions */
  double se2, nE;             /* sum (dE/n)^2 (eV/atom)^2 and count */
  double sf2, nF;             /* sum dF^2 (eV/A)^2 and components */
  double ss2, nS;             /* sum dsigma^2 (GPa^2) and components */
  double sfe[NNMD_NNP_MAX_ELEM], nfe[NNMD_NNP_MAX_ELEM]; /* force sums per element */
};

int tmodel_setup_params(struct tmodel *t, struct nnmd_error *err);
/* Prediction only (E, F, W) of frame f with parameters theta. */
int tloss_predict(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  struct tscratch *s, struct tpred *p, struct nnmd_error *err);
/* Loss of frame f; if grad != NULL, accumulate dL/dtheta into grad. parts (may be NULL)
 * gets the frame's contributions added. */
int tloss_frame(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                const struct tloss_w *w, struct tscratch *s, double *grad, double *loss, struct tloss_parts *parts,
                struct nnmd_error *err);
/* Kalman observations. atom = -1: the energy per atom (eV/atom) divided by sE; atom >= 0:
 * the force component F_(atom,axis) (eV/A) divided by sF; atom = -2 - v: the per-atom virial
 * sigma_v V / n (eV, Voigt v = xx yy zz yz xz xy) divided by sF (pass the stress scale).
 * Returns the prediction in *obs and its gradient (n_params, overwritten) in H. */
/* The same in two steps: tloss_observe_begin evaluates the frame once (networks, energy,
 * forces into s->force; *energy_pa = predicted energy per atom in eV), then each
 * tloss_observe_row gives one observation and its row. */
int tloss_observe_begin(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                        bool forces, struct tscratch *s, double *energy_pa, struct nnmd_error *err);
void tloss_observe_row(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                       int atom, int axis, double sE, double sF, struct tscratch *s, double *obs, double *H);
int tloss_observe(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  int atom, int axis, double sE, double sF, struct tscratch *s, double *obs, double *H,
                  struct nnmd_error *err);

#endif
