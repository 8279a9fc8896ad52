/* ttrain.h — `nnmd train`: the training run of an HDNNP energy model (docs/training.md).
 *
 * Set-up: read the data sets, split train/test by frame, make the model files in a
 * staging folder (input.nn from a template or generated, scaling.data from the training
 * frames' statistics, atom energies by least squares, initial weights), cache every
 * frame's descriptors; then optimise (Adam on mini-batches of frames, or the global
 * extended Kalman filter of n2p2 on single energies and force components), evaluate
 * train/test RMSEs each epoch, keep the parameters of the best test epoch, and finally
 * move the staging folder to `output` (so a failed or interrupted run never leaves a
 * half-written model there). MPI: frames are dealt to ranks; per-frame gradients and
 * Jacobian rows are summed exactly (one non-zero contribution per slot), so 1 and N ranks
 * give the same model.
 */
#ifndef NNMD_TRAIN_TTRAIN_H
#define NNMD_TRAIN_TTRAIN_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

#include "comm.h"
#include "config.h"
#include "error.h"
#include "tmodel.h"

#define TTRAIN_MAX_FILES 64

struct tconfig {
  const char *path; /* the train.toml */
  /* [data] */
  int n_train, n_test;
  const char *train[TTRAIN_MAX_FILES], *test[TTRAIN_MAX_FILES];
  struct nnmd_loc train_loc, test_fraction_loc;
  double test_fraction;
  int64_t split_seed;
  const char *format;
  const char *energy_key, *forces_key, *stress_key;
  double data_length_scale, data_energy_scale; /* to A, eV */
  bool data_units_given;
  /* Born-charge fits ([model] kind = "bec") */
  int kind;                /* 0 energy, 1 bec */
  const char *bec_key;     /* [data] born_charges: the per-atom column (9 reals) */
  int bec_order;           /* [data] index_order: 0 field_first, 1 force_first */
  int bec_radial;          /* [model] bec_radial: radial functions K of the tensor basis */
  double bec_cutoff;       /* [model] bec_cutoff (A; 0 = the descriptor cutoff) */
  int bec_form;            /* [model] bec_form: enum nnmd_bec_form (nnp/bec.h) */
  struct nnmd_loc kind_loc;
  /* [model] */
  int n_elem;
  char elements[NNMD_NNP_MAX_ELEM][4];
  struct nnmd_loc elements_loc;
  const char *template_dir;
  bool init_template;
  struct nnmd_loc template_loc;
  double cfl, cfe; /* model units per A / eV */
  const char *length_unit, *energy_unit;
  struct tgen_opts gen;
  bool hidden_given;
  /* [training] */
  int optimizer; /* 0 kalman, 1 adam */
  int64_t epochs, batch;
  double lr, lr_final;
  double wE, wF, wS;
  int64_t seed;
  const char *output, *checkpoint;
  double max_time;
  double energy_fraction, force_fraction; /* Kalman: updates per epoch / training frames, force components */
  int64_t force_batch;                    /* Kalman: force components per update */
  double k_eps, k_q0, k_qmin, k_qtau, k_eta0, k_etamax, k_etatau;
  double cache_gb;
  bool quiet;
  volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: checkpoint after the epoch and stop */
  int n_owned;
  char *owned[2 * TTRAIN_MAX_FILES + 8]; /* resolved paths */
};
void tconfig_free(struct tconfig *c);

/* Parse and check train.toml (every error names file:line). dir: the file's folder, for
 * relative paths (strings stay in cfg_root, which must outlive the config). */
int tconfig_parse(const struct nnmd_cfg *root, const char *path, struct tconfig *c, struct nnmd_error *err);

struct ttrain_result {
  int best_epoch;
  double test_e, test_f, test_s; /* meV/atom, meV/A, GPa at the best epoch */
  double train_e, train_f, train_s;
  double wall;
};

/* check_only: read and check the data and the model set-up, write nothing.
 * Returns NNMD_ERR_INTERRUPTED after a stop request (the checkpoint is written first). */
int ttrain_run(const struct tconfig *c, struct nnmd_comm *comm, bool check_only, struct ttrain_result *res,
               struct nnmd_error *err);

#endif
