/* bec.h — the nnmd-native Born-effective-charge model (methods.md §4.4 (C), docs/bec.md):
 * a covariant tensor-basis network that predicts each atom's 3x3 Z*, and the force term
 * "bec" that publishes Z* of the owned atoms as the per-atom field "bec".
 *
 * Model. Per element an n2p2-style network on the atom's invariant symmetry functions G_i
 * (same SF types, cutoff functions and scaling as an HDNNP) outputs coefficients c; with
 * K radial functions phi_a(r) = exp(-eta_a (r - rs_a)^2) f_c(r; rc_a) (f_c = the model's
 * cutoff_type) and channels p = s*K + a (s = neighbour element index in model order, i.e.
 * sorted by atomic number; a = order of the nnmd_bec_radial lines), P = n_elem*K:
 *   v^p = sum_{j: elem j = s} phi_a(r_ij) rhat_ij           (rhat_ij = (r_j - r_i)/r_ij)
 *   T^p = sum_{j: elem j = s} phi_a(r_ij) (rhat rhat^T - I/3)
 *   M   = c0 I + sum_p cT_p T^p + sum_{p<=q} cS_pq (v^p v^qT + v^q v^pT)/2
 *              + sum_{p<q}  cA_pq (v^p v^qT - v^q v^pT)/2.
 * Output order of the network (n_out = 1 + P + P(P+1)/2 + P(P-1)/2 = 1 + P + P^2):
 *   [0] c0;  [1 + p] cT_p;  then cS_pq for p = 0..P-1, q = p..P-1 (row by row);
 *   then cA_pq for p = 0..P-1, q = p+1..P-1 (row by row).
 * Neighbours are all entries within the cutoff, periodic images (and images of i) included.
 *
 * Forms (`nnmd_bec_form`, default tensor): "tensor" is M above; "charge" is the
 * charge-derivative form (training.md section 7, GPUMD qNEP): no radial functions (K = 0,
 * one output q_i = c0) and Z_i = q_i I + D_i; "tensor_charge" is M + D_i. With the
 * network's output 0 read as a charge q_j and its input gradient,
 *   D_i[alpha][beta] = sum_j sum_{entries k of j that are images of i} -(d_jk)_alpha (u_jk)_beta,
 *   u_jk = sum_s dq_j/dG_js dG_js/dd_jk   (d_jk = r_k - r_j, the neighbour vector of j),
 * i.e. sum_j (r_j - r_i)_alpha dq_j/dr_i,beta over the local images: dP_alpha/dr_i,beta of
 * P = sum q r, translation invariant and rotating as Q D Q^T. D is field-first by
 * construction (added after the index-order transpose of M).
 * "tensor_charge_dipole" adds P more outputs w_p (after the 1 + P + P^2 of the tensor basis)
 * read as an atomic dipole mu_j = sum_p w_p v^p_j, and its derivative: with, for j's entries k,
 *   X_k = sum_a w_(s_k K + a) J_a(d_k),  J_a(d) = d(phi_a(r) rhat)/dd = phi_a' rhat rhat^T
 *         + (phi_a / r)(I - rhat rhat^T),
 *   Y_k[alpha][beta] = sum_p v^p_alpha dw_p/dd_k,beta (input gradient of the outputs),
 * atom k gets X_k + Y_k and j gets -(X_k + Y_k): dmu_alpha/dr_beta of every atom, so Z = M + D
 * + sum_j dmu_j/dr_i (the polarisation P = sum (q r + mu), training.md section 7). D_i needs the networks of
 * i's neighbours, so the force term scatters -d (x) u to the neighbour entries (ghosts too)
 * and sums ghost contributions into their owners through nnmd_force_ctx.reverse_sum.
 *
 * Index convention (methods §4.1, fixed): engine Z[alpha][beta], alpha = field, beta =
 * force, stored row-major z[3*alpha + beta]; F^E_i,beta = sum_alpha E_alpha Z[alpha][beta].
 * A model declared `nnmd_bec_index_order field_first` gives Z = M; `force_first` Z = M^T.
 * Units: Z* in e; lengths of the model in its declared unit (nnmd_length_unit), model
 * length = engine length (A) x cflength. The term writes RAW Z* (no acoustic sum rule).
 *
 * Files in the model folder: bec.nn (input.nn syntax + nnmd keywords), bec-scaling.data
 * (scaling.data syntax), bec-weights.NNN.data (NNN = atomic number; weights.NNN.data syntax,
 * every line placed by its explicit layer/neuron columns).
 */
#ifndef NNMD_BEC_H
#define NNMD_BEC_H

#include <stdbool.h>
#include <stdint.h>

#include "files.h"
#include "model.h"
#include "potential.h"

#define NNMD_BEC_MAX_RADIAL 16

enum nnmd_bec_order { NNMD_BEC_FIELD_FIRST = 0, NNMD_BEC_FORCE_FIRST = 1 };
enum nnmd_bec_length { NNMD_BEC_ANGSTROM = 0, NNMD_BEC_BOHR = 1 };
enum nnmd_bec_form {
  NNMD_BEC_FORM_TENSOR = 0,
  NNMD_BEC_FORM_CHARGE = 1,
  NNMD_BEC_FORM_TENSOR_CHARGE = 2,
  NNMD_BEC_FORM_TENSOR_CHARGE_DIPOLE = 3
};

struct nnmd_bec_model {
  struct nnmd_nnp_model *nnp; /* elements, SFs + scaling, networks with n_out outputs */
  char path[NNMD_NNP_PATH + 16]; /* the bec.nn file, for messages */
  int K;                         /* radial functions */
  double eta[NNMD_BEC_MAX_RADIAL], rs[NNMD_BEC_MAX_RADIAL], rc[NNMD_BEC_MAX_RADIAL]; /* model units */
  int64_t radial_line[NNMD_BEC_MAX_RADIAL];
  int order;       /* enum nnmd_bec_order */
  int length_unit; /* enum nnmd_bec_length */
  int form;        /* enum nnmd_bec_form */
  bool deriv;      /* form has the charge-derivative term D */
  bool dipole;     /* form has the dipole-derivative term (tensor_charge_dipole) */
  int dip_off;     /* network output of the first dipole weight w_0 (1 + P + P^2) */
  double cflength; /* model length per engine length (1 or NNMD_BOHR_PER_ANGSTROM) */
  int P, n_out;
  double rc_radial; /* largest rc_a (model units) */
  double rc_max;    /* max(SF cutoffs, rc_radial) (model units) */
};

/* Read the model folder `dir` (files == NULL: plain fopen). */
int nnmd_bec_model_load(struct nnmd_files *files, const char *dir, struct nnmd_bec_model **out,
                        struct nnmd_error *err);
void nnmd_bec_model_free(struct nnmd_bec_model *m);

/* M from the network outputs c[n_out] and the channels v[3P] (v[3p + d]) and T[9P]
 * (T[9p + 3a + b]); M row-major (the model's own index order). */
void nnmd_bec_assemble(int P, const double *c, const double *v, const double *T, double M[9]);

/* Jacobians of the radial vector channels for one neighbour vector d (model units):
 * J[a][3 alpha + beta] = d(phi_a(r) rhat_alpha)/dd_beta = phi_a' rhat rhat^T + (phi_a/r)(I -
 * rhat rhat^T) for a = 0..K-1 (zero where r >= rc_a or r = 0). */
void nnmd_bec_radial_jac(const struct nnmd_bec_model *bm, const double d[3], double J[][9]);

/* ---- the force term ----
 * Flags NO_ENERGY | NEEDS_FULL_LIST; provides {"bec"}; no forces, energy or virial. compute
 * writes z[(3 alpha + beta) * capacity + i] of every owned atom i into the field "bec"
 * (created with 9 components, halo = true, at the first compute if absent). Extrapolation
 * (an SF outside its bec-scaling.data range) is counted (ops->warnings) and the first 10 are
 * logged, as for the HDNNP. [[potential]] keys when made from a table: type = "bec",
 * model = "dir" (relative to the input file's folder). */
extern const struct nnmd_potential_ops nnmd_pot_bec;

/* Create the term from the model folder `dir` (already resolved by the caller). Files are
 * read through info->files; every species in info->species (if not NULL) must be a model
 * element (else an error naming bec.nn). info->log (may be NULL) gets a summary line. */
int nnmd_bec_term_create(const char *dir, const struct nnmd_term_info *info, void **state,
                         struct nnmd_error *err);
/* The model's elements, SFs and networks (element symbols: ->sym[0 .. n_elem)). */
const struct nnmd_nnp_model *nnmd_bec_term_model(const void *state);
const struct nnmd_bec_model *nnmd_bec_term_bec_model(const void *state);
/* Extrapolation warnings counted since creation. */
int64_t nnmd_bec_total_warnings(const void *state);

/* Plain evaluation (tests, tools): Z* of one atom of model element ec, engine convention
 * z[3 alpha + beta], from its n neighbour entries d_j = r_j - r_i (engine length, A) of model
 * elements elem[j]; entries beyond the cutoff are ignored. *n_extrap (may be NULL) gets the
 * number of SFs outside their training range. Not thread-safe (uses the term's scratch).
 * Tensor form only: the charge-derivative forms need the neighbours' networks (error). */
int nnmd_bec_eval_atom(void *state, int ec, int n, const double *dx, const double *dy, const double *dz,
                       const int *elem, double z[9], int64_t *n_extrap, struct nnmd_error *err);

#endif
