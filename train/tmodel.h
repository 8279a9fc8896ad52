/* tmodel.h — making the model files of a training run: generated descriptor sets, input.nn
 * from a template or a generated set, scaling.data from training statistics, reference
 * energies by least squares, initial weights, and weights.NNN.data (n2p2 formats,
 * n2p2-format.md sections 2, 3, 7, 8.3).
 *
 * Generated descriptors (docs/training.md "Generated descriptors"; Imbalzano et al., JCP
 * 148, 241730 (2018)): for every central element and neighbour element, N radial type-2
 * functions between r0 and rc, either "centred" (rs = 0, eta_m = 1/(2 r_m^2), r_m evenly
 * spaced from r0 to rc, m = 0..N-1) or "shifted" (rs_m = r0 + m dr, eta = 1/dr^2,
 * dr = (rc - r0)/N); for every central element and neighbour pair (e1 <= e2), M angular
 * functions (type 9 "wide" or type 3 "narrow") taking (zeta, lambda) in the order (1,+1),
 * (1,-1), (2,+1), (2,-1), (4,+1), (4,-1), (16,+1), (16,-1) with eta = 0 for the first eight,
 * then again with eta = 1/(2 (rc/2)^2), and so on with rc/3, ... . Cutoff function POLY2
 * (cutoff_type 6) unless set. Lengths in the model's length unit.
 */
#ifndef NNMD_TRAIN_TMODEL_H
#define NNMD_TRAIN_TMODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "model.h"

struct tgen_opts {
  int n_elem;
  char sym[NNMD_NNP_MAX_ELEM][4]; /* any order; written sorted by atomic number by n2p2 */
  double cutoff, r0;
  int radial, angular;
  bool shifted;      /* radial grid: shifted (true) or centred */
  bool narrow;       /* angular type 3 (true) or 9 */
  int cutoff_type;   /* n2p2 cutoff_type; -1 = 6 */
  int n_hidden;
  int hidden[NNMD_ANN_MAX_LAYERS];
  char act[NNMD_ANN_MAX_LAYERS + 1]; /* hidden activations then the output's ('l') */
};

/* Write an input.nn for generated descriptors to fp (units comment: length/energy names). */
int tgen_write_input(FILE *fp, const struct tgen_opts *o, const char *length_unit, const char *energy_unit,
                     struct nnmd_error *err);
/* Copy the template input.nn at path to fp, dropping normalisation and atom_energy lines
 * unless keep_energies, and replacing the network topology when hidden/act are given
 * (n_hidden > 0). Adds the units comment. */
int tgen_copy_template(FILE *fp, const char *path, bool keep_energies, int n_hidden, const int *hidden,
                       const char *act, const char *length_unit, const char *energy_unit, struct nnmd_error *err);
/* Append `atom_energy` lines (model energy unit). */
int tgen_write_atom_energies(FILE *fp, const struct nnmd_nnp_model *m, const double *e0, struct nnmd_error *err);

/* Rewrite the input.nn at path with new `atom_energy` lines (the old ones are dropped). */
int tgen_replace_atom_energies(const char *path, const struct nnmd_nnp_model *m, const double *e0,
                               struct nnmd_error *err);

/* scaling.data from per-SF statistics (min, max, mean, sigma per SF in model->sf order). */
int tmodel_write_scaling(const char *path, const struct nnmd_nnp_model *m, const double *gmin, const double *gmax,
                         const double *gmean, const double *gsig, struct nnmd_error *err);
/* <prefix>.NNN.data ("weights" or "bec-weights") of every element from the flat parameter
 * vector (element blocks). */
int tmodel_write_weights(const char *dir, const char *prefix, const struct nnmd_nnp_model *m, const double *theta,
                         struct nnmd_error *err);
/* Random initial weights: uniform in +-sqrt(6/(fan_in + fan_out)) (Glorot), output layer
 * scaled by 0.1, biases 0. seed: splitmix64 stream. */
void tmodel_init_weights(const struct nnmd_nnp_model *m, double *theta, uint64_t seed);

/* Reference energies E0_e (model energy) by least squares over frames: counts[s * ne + e],
 * energies[s]. If the compositions do not determine E0 (rank-deficient): with one composition
 * every element gets the mean energy per atom; with several, the minimum-norm least-squares
 * solution. Returns the rank of the composition matrix (ne when E0 is determined). */
int tmodel_fit_e0(int n_frames, int ne, const int *counts, const double *energies, double *e0);

#endif
