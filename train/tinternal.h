/* tinternal.h — the state of one training run shared by ttrain.c (set-up) and tloop.c
 * (epochs, optimisers, outputs). Not a public interface. */
#ifndef NNMD_TRAIN_TINTERNAL_H
#define NNMD_TRAIN_TINTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tbec.h"
#include "tdata.h"
#include "tloss.h"
#include "ttrain.h"

#define THIST_COLS 8 /* epoch, wall, trainE, testE, trainF, testF, trainS, testS (+ per element F) */

struct trun {
  const struct tconfig *c;
  struct nnmd_comm *comm;
  int rank, size;
  struct tdata data;
  int n_train_frames_files;
  int *train_idx, n_tr, *test_idx, n_te;
  struct tmodel t;
  struct nnmd_bec_model *bm;  /* Born-charge fit: the model (owns t.m) */
  struct tbec_chan *chan;     /* per frame (own frames; computed on demand) */
  int n_no_bec;               /* frames skipped: no Born-charge column */
  double best_e0[NNMD_NNP_MAX_ELEM]; /* atom energies of the best epoch */
  double *epred;              /* energy per atom (eV) of every frame at the last evaluation */
  double *theta, *best;
  struct tcache *cache, tmp_cache;
  char *cached;
  double cache_bytes;
  int n_uncached;
  struct nnmd_desc_work *work;
  struct tscratch s;
  double *gmin, *gmax, *gmean, *gsig;
  int n_const_sf;
  int e0_rank; /* rank of the training compositions (< n_elem: E0 not fixed by the data); 0 = not fitted */
  double sigE, sigF, sigS; /* label scales: energy per atom, force, per-atom virial (eV) */
  char stage[NNMD_NNP_PATH + 16];
  bool stage_is_tmp;
  int check_elems;
  /* history: rows of (THIST_COLS + n_elem) doubles */
  double *hist;
  int n_hist, hist_cols;
  int best_epoch;
  double best_score;
};

static inline bool trun_mine(const struct trun *R, int frame) { return frame % R->size == R->rank; }
uint64_t trun_hash(uint64_t a, uint64_t b, uint64_t c);
int trun_cache_get(struct trun *R, int i, struct tcache **out, struct nnmd_error *err);
int trun_chan_get(struct trun *R, int i, const struct tcache *c, struct tbec_chan **out, struct nnmd_error *err);
int ttrain_setup(struct trun *R, bool check_only, struct nnmd_error *err);
void trun_free(struct trun *R);
void trun_remove_stage(struct trun *R);
int trun_refit_offsets(struct trun *R, struct nnmd_error *err);

#endif
