/* tloop.c — the epochs of `nnmd train`: evaluation, Adam and Kalman drivers, checkpoints,
 * learning curves (train.csv), the summary (train.json), parity data and the final move of
 * the staging folder to `output`.
 *
 * Adam: per epoch the training frames in a shuffled order (counter-based random numbers:
 * the same on every rank and after a restart) in batches of `batch` frames; the gradient of
 * a batch is the sum of per-frame gradients in frame order (each frame's gradient is made by
 * its owner rank and summed exactly), so the model does not depend on the number of ranks.
 * Learning rate: lr (lr_final/lr)^(step/steps) (exponential decay over the run).
 * Kalman: per epoch energy_fraction x N_train energy updates and force_fraction x (force
 * components of the training set) / force_batch force updates, in a random order. Each
 * update takes one frame: its energy per atom, or force_batch components of it; candidates
 * are drawn up to 3 times and kept once their error exceeds the last epoch's training RMSE
 * (n2p2's threshold selection). Observations are normalised by the training set's energy
 * spread (sigma_E per atom) and RMS force, and weighted by energy_weight / force_weight.
 * The owner of the frame computes the observations and Jacobian rows and broadcasts them;
 * every rank applies the identical update.
 * Best epoch: the lowest test loss (the training loss without test frames); its parameters
 * are written to the staging folder at once, so an interrupted run keeps its best model.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "tinternal.h"
#include "topt.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double urand(uint64_t a, uint64_t b, uint64_t c) { return (double)(trun_hash(a, b, c) >> 11) * 0x1.0p-53; }

struct eval {
  struct tloss_parts p;
  struct tbec_parts z; /* Born-charge fits */
  double loss;
};

/* Atoms with Born-charge labels among the frames idx (the BEC loss normaliser). */
static double bec_atoms(const struct trun *R, const int *idx, int n) {
  double a = 0;
  for (int k = 0; k < n; ++k) a += R->data.f[idx[k]].n;
  return a;
}

/* Loss (and gradient) of frame i for either kind. */
static int frame_loss(struct trun *R, int i, const struct tloss_w *w, double NZ, const double *theta, double *grad,
                      double *loss, struct eval *ev, struct nnmd_error *err) {
  struct tcache *c;
  int st = trun_cache_get(R, i, &c, err);
  if (st) return st;
  if (R->bm) {
    struct tbec_chan *ch;
    if ((st = trun_chan_get(R, i, c, &ch, err))) return st;
    return tbec_frame(&R->t, R->bm, theta, &R->data.f[i], c, ch, 1.0, NZ, &R->s, grad, loss, ev ? &ev->z : NULL, err);
  }
  return tloss_frame(&R->t, theta, &R->data.f[i], c, w, &R->s, grad, loss, ev ? &ev->p : NULL, err);
}

/* Normalisers of a frame set for the loss. */
static struct tloss_w weights_for(const struct trun *R, const int *idx, int n) {
  struct tloss_w w = {R->c->wE, R->c->wF, R->c->wS, 0, 0, 0};
  for (int k = 0; k < n; ++k) {
    const struct tframe *f = &R->data.f[idx[k]];
    if (f->has_e) w.NE += 1;
    if (f->has_f) w.NF += 3.0 * f->n;
    if (f->has_s && f->has_cell) w.NS += 6;
  }
  return w;
}

static int evaluate(struct trun *R, const double *theta, const int *idx, int n, struct eval *ev,
                    struct nnmd_error *err) {
  memset(ev, 0, sizeof *ev);
  struct tloss_w w = weights_for(R, idx, n);
  const double NZ = bec_atoms(R, idx, n);
  int st = NNMD_OK;
  if (!R->epred && !R->bm) R->epred = calloc((size_t)R->data.n + 1, sizeof(double));
  for (int k = 0; k < n && !st; ++k) {
    if (!trun_mine(R, idx[k])) continue;
    st = frame_loss(R, idx[k], &w, NZ, theta, NULL, &ev->loss, ev, err);
    if (R->epred) R->epred[idx[k]] = R->s.last_epa;
  }
  st = nnmd_comm_agree(R->comm, st);
  if (st) return st;
  if (R->epred && R->size > 1) { /* every rank gets every frame's prediction (one owner each) */
    double *tmp = calloc((size_t)R->data.n + 1, sizeof(double));
    if (!tmp) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
    for (int k = 0; k < n; ++k)
      if (trun_mine(R, idx[k])) tmp[idx[k]] = R->epred[idx[k]];
    nnmd_comm_sum_double(R->comm, tmp, R->data.n);
    for (int k = 0; k < n; ++k) R->epred[idx[k]] = tmp[idx[k]];
    free(tmp);
  }
  nnmd_comm_sum_double(R->comm, (double *)&ev->p, (int)(sizeof ev->p / sizeof(double)));
  nnmd_comm_sum_double(R->comm, (double *)&ev->z, (int)(sizeof ev->z / sizeof(double)));
  nnmd_comm_sum_double(R->comm, &ev->loss, 1);
  return NNMD_OK;
}

static double rmse(double s, double n, double scale) { return n > 0 ? sqrt(s / n) * scale : NAN; }

static int adam_epoch(struct trun *R, struct tadam *ad, int epoch, int64_t *step, int64_t steps, double *G,
                      struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  const size_t np = R->t.n_params;
  const int B = (int)c->batch, n = R->n_tr;
  int *order = nnmd_malloc((size_t)n * sizeof(int), err);
  double *g = nnmd_malloc(np * sizeof(double), err);
  if (!order || !g) {
    free(order);
    free(g);
    return NNMD_ERR_NOMEM;
  }
  for (int i = 0; i < n; ++i) order[i] = R->train_idx[i];
  for (int i = n - 1; i > 0; --i) {
    int j = (int)(trun_hash((uint64_t)c->seed, 1000 + (uint64_t)epoch, (uint64_t)i) % (uint64_t)(i + 1));
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  int st = NNMD_OK;
  for (int b0 = 0; b0 < n && !st; b0 += B) {
    const int nb = b0 + B <= n ? B : n - b0;
    struct tloss_w w = weights_for(R, order + b0, nb);
    const double NZ = bec_atoms(R, order + b0, nb);
    memset(G, 0, (size_t)nb * np * sizeof(double));
    for (int k = 0; k < nb && !st; ++k) {
      const int i = order[b0 + k];
      if (!trun_mine(R, i)) continue;
      st = frame_loss(R, i, &w, NZ, R->theta, G + (size_t)k * np, NULL, NULL, err);
    }
    st = nnmd_comm_agree(R->comm, st);
    if (st) break;
    if (R->size > 1) nnmd_comm_sum_double(R->comm, G, (int)((size_t)nb * np));
    memcpy(g, G, np * sizeof(double));
    for (int k = 1; k < nb; ++k) {
      const double *gk = G + (size_t)k * np;
      for (size_t q = 0; q < np; ++q) g[q] += gk[q];
    }
    double lr = c->lr * pow(c->lr_final / c->lr, steps > 1 ? (double)*step / (double)(steps - 1) : 0.0);
    tadam_step(ad, R->theta, g, lr);
    ++*step;
  }
  free(order);
  free(g);
  return st;
}

static int kalman_epoch(struct trun *R, struct tkalman *kf, int epoch, double rmseE, double rmseF, double *H,
                        double *xi, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  const size_t np = R->t.n_params;
  int nE = (int)floor(c->energy_fraction * R->n_tr + 0.5);
  double ncomp = 0;
  for (int k = 0; k < R->n_tr; ++k)
    if (R->data.f[R->train_idx[k]].has_f) ncomp += 3.0 * R->data.f[R->train_idx[k]].n;
  int nF = (int)floor(c->force_fraction * ncomp / (double)c->force_batch + 0.5);
  if (c->wF <= 0) nF = 0;
  if (c->wE <= 0) nE = 0;
  const int U = nE + nF;
  if (U == 0) return NNMD_OK;
  char *kind = malloc((size_t)U);
  if (!kind) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  for (int u = 0; u < U; ++u) kind[u] = u < nE ? 'E' : 'F';
  for (int u = U - 1; u > 0; --u) {
    int j = (int)(trun_hash((uint64_t)c->seed, 2000 + (uint64_t)epoch, (uint64_t)u) % (uint64_t)(u + 1));
    char t = kind[u];
    kind[u] = kind[j];
    kind[j] = t;
  }
  int *fr_f = nnmd_malloc((size_t)R->n_tr * sizeof(int) + 1, err);
  int nff = 0;
  for (int k = 0; k < R->n_tr; ++k)
    if (R->data.f[R->train_idx[k]].has_f) fr_f[nff++] = R->train_idx[k];
  const double eta_step = exp(c->k_etatau / U), q_step = exp(-c->k_qtau / U);
  int st = NNMD_OK;
  for (int u = 0; u < U && !st; ++u) {
    const uint64_t key = ((uint64_t)epoch << 32) | (uint64_t)u;
    int frame, m = 0;
    if (kind[u] == 'E') {
      /* energy candidates: up to 3 frames drawn, the first whose error exceeds the last epoch's
         training RMSE is kept (n2p2's threshold selection); every rank knows every frame's
         label, and the prediction for the choice needs its owner: candidates are judged by
         their owner's cached prediction of the last evaluation (R->epred) */
      frame = R->train_idx[(int)(urand((uint64_t)c->seed, 3, key) * R->n_tr)];
      if (R->epred && isfinite(rmseE))
        for (int trial = 1; trial < 3; ++trial) {
          const struct tframe *fc = &R->data.f[frame];
          double e = (R->epred[frame] - fc->energy / fc->n / R->t.cfe);
          if (fabs(e) >= rmseE) break;
          frame = R->train_idx[(int)(urand((uint64_t)c->seed, 30 + (uint64_t)trial, key) * R->n_tr)];
        }
    } else
      frame = fr_f[(int)(urand((uint64_t)c->seed, 4, key) * nff)];
    if (frame >= R->data.n) frame = R->data.n - 1;
    const int owner = frame % R->size;
    if (R->rank == owner) {
      const struct tframe *f = &R->data.f[frame];
      struct tcache *cc;
      double epa;
      if (!(st = trun_cache_get(R, frame, &cc, err)))
        st = tloss_observe_begin(&R->t, R->theta, f, cc, kind[u] == 'F' || (c->wS > 0 && f->has_s), &R->s, &epa,
                                 err);
      if (!st && kind[u] == 'E') {
        double o;
        tloss_observe_row(&R->t, R->theta, f, cc, -1, 0, R->sigE, R->sigF, &R->s, &o, H);
        double ref = f->energy / f->n / R->t.cfe / R->sigE;
        xi[0] = c->wE * (ref - o);
        for (size_t q = 0; q < np; ++q) H[q] *= c->wE;
        m = 1;
        if (c->wS > 0 && f->has_s && f->has_cell) { /* the frame's stress as 6 more observations */
          const double V = tframe_volume(f);
          for (int v = 0; v < 6; ++v) {
            tloss_observe_row(&R->t, R->theta, f, cc, -2 - v, 0, R->sigE, R->sigS, &R->s, &o, H + (size_t)m * np);
            const double rs = f->stress[v] * V / (f->n * R->t.cfe) / R->sigS;
            xi[m] = c->wS * (rs - o);
            for (size_t q = 0; q < np; ++q) H[(size_t)m * np + q] *= c->wS;
            ++m;
          }
        }
      } else if (!st) {
        const double thr = isfinite(rmseF) ? rmseF / R->sigF : 0.0;
        for (int b = 0; b < c->force_batch; ++b) {
          int atom = 0, axis = 0;
          double o = 0, ref = 0;
          for (int trial = 0; trial < 3; ++trial) {
            uint64_t r = trun_hash((uint64_t)c->seed, 5 + (uint64_t)b * 7 + (uint64_t)trial, key);
            atom = (int)(r % (uint64_t)f->n);
            axis = (int)((r >> 40) % 3);
            o = R->s.force[3 * atom + axis] * R->t.cfl / R->t.cfe / R->sigF;
            ref = f->force[3 * atom + axis] * R->t.cfl / R->t.cfe / R->sigF;
            if (fabs(ref - o) >= thr) break;
          }
          tloss_observe_row(&R->t, R->theta, f, cc, atom, axis, R->sigE, R->sigF, &R->s, &o, H + (size_t)m * np);
          xi[m] = c->wF * (ref - o);
          for (size_t q = 0; q < np; ++q) H[(size_t)m * np + q] *= c->wF;
          ++m;
        }
      }
    }
    st = nnmd_comm_agree(R->comm, st);
    if (st) break;
    if (R->size > 1) {
      nnmd_comm_bcast(R->comm, &m, sizeof m, owner);
      nnmd_comm_bcast(R->comm, xi, (int64_t)m * (int64_t)sizeof(double), owner);
      nnmd_comm_bcast(R->comm, H, (int64_t)m * (int64_t)np * (int64_t)sizeof(double), owner);
    }
    if (tkalman_update(kf, R->theta, H, xi, m)) {
      st = nnmd_fail(err, NNMD_ERR_PHYSICS, "train: the Kalman filter's innovation matrix is not positive definite "
                     "(epoch %d, update %d): lower kalman.eta or force_weight", epoch, u);
      break;
    }
    kf->eta = fmin(kf->eta * eta_step, kf->eta_max);
    kf->q = fmax(kf->q * q_step, kf->q_min);
  }
  free(kind);
  free(fr_f);
  return st;
}

/* ---- checkpoints: magic, sizes, epoch, history, parameters, optimiser state; atomic */
#define CKPT_MAGIC "NNMDTRN2"

static int ckpt_write(struct trun *R, int next_epoch, int64_t step, const struct tadam *ad,
                      const struct tkalman *kf, struct nnmd_error *err) {
  const char *path = R->c->checkpoint;
  if (!path || R->rank != 0) return NNMD_OK;
  char tmp[NNMD_NNP_PATH + 16];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "wb");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write the checkpoint: %s", tmp, strerror(errno));
  int64_t hdr[8] = {(int64_t)R->t.n_params, R->c->optimizer, next_epoch, step, R->n_hist, R->hist_cols,
                    R->best_epoch, 0};
  fwrite(CKPT_MAGIC, 1, 8, fp);
  fwrite(hdr, sizeof hdr, 1, fp);
  fwrite(&R->best_score, sizeof(double), 1, fp);
  fwrite(R->theta, sizeof(double), R->t.n_params, fp);
  fwrite(R->best, sizeof(double), R->t.n_params, fp);
  fwrite(R->hist, sizeof(double), (size_t)R->n_hist * R->hist_cols, fp);
  fwrite(R->t.m->atom_energy, sizeof(double), NNMD_NNP_MAX_ELEM, fp);
  fwrite(R->best_e0, sizeof(double), NNMD_NNP_MAX_ELEM, fp);
  if (R->c->optimizer == 1) {
    fwrite(&ad->t, sizeof ad->t, 1, fp);
    fwrite(ad->m, sizeof(double), ad->n, fp);
    fwrite(ad->v, sizeof(double), ad->n, fp);
  } else {
    fwrite(&kf->eta, sizeof(double), 1, fp);
    fwrite(&kf->q, sizeof(double), 1, fp);
    fwrite(kf->P, sizeof(double), kf->n * kf->n, fp);
  }
  int bad = ferror(fp);
  if (fclose(fp) || bad || rename(tmp, path))
    return nnmd_fail(err, NNMD_ERR_FILE, "%s: writing the checkpoint failed", path);
  return NNMD_OK;
}

static int ckpt_read(struct trun *R, int *next_epoch, int64_t *step, struct tadam *ad, struct tkalman *kf,
                     bool *found, struct nnmd_error *err) {
  const char *path = R->c->checkpoint;
  *found = false;
  if (!path || access(path, F_OK)) return NNMD_OK;
  FILE *fp = fopen(path, "rb");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot read the checkpoint", path);
  char magic[8];
  int64_t hdr[8];
  int st = NNMD_OK;
  if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, CKPT_MAGIC, 8) || fread(hdr, sizeof hdr, 1, fp) != 1 ||
      hdr[0] != (int64_t)R->t.n_params || hdr[1] != R->c->optimizer || hdr[5] != R->hist_cols || hdr[4] < 0 ||
      hdr[4] > 100000000)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "%s: not a checkpoint of this training set-up (model size, optimiser)", path);
  if (!st) {
    *next_epoch = (int)hdr[2];
    *step = hdr[3];
    R->n_hist = (int)hdr[4];
    R->best_epoch = (int)hdr[6];
    double *h = realloc(R->hist, ((size_t)R->n_hist + 1) * R->hist_cols * sizeof(double));
    if (!h) st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
    else R->hist = h;
  }
  size_t np = R->t.n_params;
  if (!st && (fread(&R->best_score, sizeof(double), 1, fp) != 1 || fread(R->theta, sizeof(double), np, fp) != np ||
              fread(R->best, sizeof(double), np, fp) != np ||
              fread(R->hist, sizeof(double), (size_t)R->n_hist * R->hist_cols, fp) !=
                  (size_t)R->n_hist * R->hist_cols ||
              fread(R->t.m->atom_energy, sizeof(double), NNMD_NNP_MAX_ELEM, fp) != NNMD_NNP_MAX_ELEM ||
              fread(R->best_e0, sizeof(double), NNMD_NNP_MAX_ELEM, fp) != NNMD_NNP_MAX_ELEM))
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "%s: truncated checkpoint", path);
  if (!st && R->c->optimizer == 1) {
    if (fread(&ad->t, sizeof ad->t, 1, fp) != 1 || fread(ad->m, sizeof(double), np, fp) != np ||
        fread(ad->v, sizeof(double), np, fp) != np)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "%s: truncated checkpoint", path);
  } else if (!st) {
    if (fread(&kf->eta, sizeof(double), 1, fp) != 1 || fread(&kf->q, sizeof(double), 1, fp) != 1 ||
        fread(kf->P, sizeof(double), np * np, fp) != np * np)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "%s: truncated checkpoint", path);
  }
  fclose(fp);
  if (!st) *found = true;
  return st;
}

/* ---- outputs */
static int write_csv(struct trun *R, const char *dir, struct nnmd_error *err) {
  char path[NNMD_NNP_PATH + 32], tmp[NNMD_NNP_PATH + 40];
  snprintf(path, sizeof path, "%s/train.csv", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "w");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", tmp, strerror(errno));
  if (R->bm) {
    fprintf(fp, "epoch,wall_s,train_Z_e,test_Z_e,train_Zdiag_e,test_Zdiag_e,train_Zoff_e,test_Zoff_e");
    for (int e = 0; e < R->t.m->n_elem; ++e) fprintf(fp, ",test_Z_%s_e", R->t.m->sym[e]);
    fprintf(fp, ",train_trace_e,test_trace_e,test_raw_asr_e\n");
  } else {
    fprintf(fp, "epoch,wall_s,train_E_meV_atom,test_E_meV_atom,train_F_meV_A,test_F_meV_A,train_S_GPa,test_S_GPa");
    for (int e = 0; e < R->t.m->n_elem; ++e) fprintf(fp, ",test_F_%s_meV_A", R->t.m->sym[e]);
    fprintf(fp, "\n");
  }
  for (int r = 0; r < R->n_hist; ++r) {
    const double *h = R->hist + (size_t)r * R->hist_cols;
    fprintf(fp, "%d,%.3f", (int)h[0], h[1]);
    for (int k = 2; k < R->hist_cols; ++k) fprintf(fp, ",%.6g", h[k]);
    fprintf(fp, "\n");
  }
  int bad = ferror(fp);
  if (fclose(fp) || bad || rename(tmp, path)) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
  return NNMD_OK;
}

/* parity data of the test frames (training frames without a test set) with the best model */
static int write_parity(struct trun *R, const char *dir, struct nnmd_error *err) {
  const int *idx = R->n_te ? R->test_idx : R->train_idx;
  const int n = R->n_te ? R->n_te : R->n_tr;
  size_t cap = 1 << 16, len = 0, capf = 1 << 20, lenf = 0;
  char *be = malloc(cap), *bf = malloc(capf);
  if (!be || !bf) {
    free(be);
    free(bf);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  }
  int st = NNMD_OK;
  double *F = NULL;
  for (int k = 0; k < n && !st; ++k) {
    const int i = idx[k];
    if (!trun_mine(R, i)) continue;
    const struct tframe *f = &R->data.f[i];
    struct tcache *c;
    if ((st = trun_cache_get(R, i, &c, err))) break;
    if (R->bm) { /* Born charges, ASR applied to both: frame, element, component, DFT, NNP */
      struct tbec_chan *ch;
      double *nz = realloc(F, 9 * (size_t)f->n * sizeof(double));
      if (!nz || (st = trun_chan_get(R, i, c, &ch, err))) {
        if (nz) F = nz;
        if (!st) st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
        break;
      }
      F = nz;
      if ((st = tbec_predict(&R->t, R->bm, R->best, f, c, ch, &R->s, F, err))) break;
      double mz[9] = {0}, mr[9] = {0};
      for (int a = 0; a < f->n; ++a)
        for (int q = 0; q < 9; ++q) {
          mz[q] += F[9 * a + q] / f->n;
          mr[q] += f->bec[9 * a + q] / f->n;
        }
      for (int a = 0; a < f->n; ++a)
        for (int q = 0; q < 9; ++q) {
          while (lenf + 128 > capf) bf = realloc(bf, capf *= 2);
          lenf += (size_t)snprintf(bf + lenf, capf - lenf, "%d,%s,%d,%.17g,%.17g\n", f->index,
                                   R->t.m->sym[f->elem[a]], q, f->bec[9 * a + q] - mr[q], F[9 * a + q] - mz[q]);
        }
      continue;
    }
    double *nf = realloc(F, 3 * (size_t)f->n * sizeof(double));
    if (!nf) {
      st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
      break;
    }
    F = nf;
    struct tpred p = {.force = F};
    if ((st = tloss_predict(&R->t, R->best, f, c, &R->s, &p, err))) break;
    while (len + 256 > cap) be = realloc(be, cap *= 2);
    len += (size_t)snprintf(be + len, cap - len, "%d,%d,%.17g,%.17g\n", f->index, f->n,
                            f->energy / f->n / R->t.cfe, p.energy / f->n / R->t.cfe);
    if (f->has_f)
      for (int a = 0; a < f->n; ++a)
        for (int d = 0; d < 3; ++d) {
          while (lenf + 128 > capf) bf = realloc(bf, capf *= 2);
          const double ff = R->t.cfl / R->t.cfe;
          lenf += (size_t)snprintf(bf + lenf, capf - lenf, "%d,%s,%d,%.17g,%.17g\n", f->index, R->t.m->sym[f->elem[a]],
                                   d, f->force[3 * a + d] * ff, F[3 * a + d] * ff);
        }
  }
  free(F);
  st = nnmd_comm_agree(R->comm, st);
  void *ae = NULL, *af = NULL;
  int64_t ne = 0, nfb = 0;
  if (!st) st = nnmd_comm_gather(R->comm, be, (int64_t)len, &ae, &ne, 0, err);
  if (!st) st = nnmd_comm_gather(R->comm, bf, (int64_t)lenf, &af, &nfb, 0, err);
  free(be);
  free(bf);
  if (!st && R->rank == 0 && R->bm) {
    char path[NNMD_NNP_PATH + 64];
    snprintf(path, sizeof path, "%s/parity_bec.csv", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
      fprintf(fp, "frame,element,component,dft_e,nnp_e\n");
      fwrite(af, 1, (size_t)nfb, fp);
      fclose(fp);
    }
  } else if (!st && R->rank == 0) {
    char path[NNMD_NNP_PATH + 64];
    snprintf(path, sizeof path, "%s/parity_energy.csv", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
      fprintf(fp, "frame,atoms,dft_eV_atom,nnp_eV_atom\n");
      fwrite(ae, 1, (size_t)ne, fp);
      fclose(fp);
    }
    snprintf(path, sizeof path, "%s/parity_forces.csv", dir);
    fp = fopen(path, "w");
    if (fp) {
      fprintf(fp, "frame,element,axis,dft_eV_A,nnp_eV_A\n");
      fwrite(af, 1, (size_t)nfb, fp);
      fclose(fp);
    }
  }
  free(ae);
  free(af);
  return st;
}

static int write_json(struct trun *R, const char *dir, const struct ttrain_result *res, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  char path[NNMD_NNP_PATH + 32];
  snprintf(path, sizeof path, "%s/train.json", dir);
  FILE *fp = fopen(path, "w");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", path, strerror(errno));
  fprintf(fp, "{\n  \"program\": \"nnmd train\",\n  \"units\": {\"length\": \"%s\", \"energy\": \"%s\"},\n",
          c->template_dir ? c->length_unit : "angstrom", c->template_dir ? c->energy_unit : "eV");
  fprintf(fp, "  \"optimizer\": \"%s\",\n  \"epochs_run\": %d,\n  \"best_epoch\": %d,\n",
          c->optimizer ? "adam" : "kalman", R->n_hist > 0 ? (int)R->hist[(size_t)(R->n_hist - 1) * R->hist_cols] : 0,
          res->best_epoch);
  fprintf(fp, "  \"parameters\": %zu,\n  \"frames\": {\"train\": %d, \"test\": %d},\n", R->t.n_params, R->n_tr, R->n_te);
  fprintf(fp, "  \"test_frames\": [");
  for (int k = 0; k < R->n_te; ++k) fprintf(fp, "%s%d", k ? ", " : "", R->test_idx[k]);
  if (R->bm) {
    const double *b = R->hist;
    for (int r = 0; r < R->n_hist; ++r)
      if ((int)R->hist[(size_t)r * R->hist_cols] == res->best_epoch) b = R->hist + (size_t)r * R->hist_cols;
    const int ne = R->t.m->n_elem;
    fprintf(fp, "],\n  \"kind\": \"bec\",\n  \"frames_without_born_charges\": %d,\n", R->n_no_bec);
    fprintf(fp, "  \"best\": {\"train_Z_e\": %.6g, \"test_Z_e\": %.6g, \"test_Zdiag_e\": %.6g, \"test_Zoff_e\": %.6g, "
                "\"test_trace_e\": %.6g, \"test_raw_asr_violation_e\": %.6g", b[2], b[3], b[5], b[7],
                b[THIST_COLS + ne + 1], b[THIST_COLS + ne + 2]);
    for (int e = 0; e < ne; ++e) fprintf(fp, ", \"test_Z_%s_e\": %.6g", R->t.m->sym[e], b[THIST_COLS + e]);
    fprintf(fp, "},\n");
  } else
    fprintf(fp, "],\n  \"best\": {\"train_E_meV_atom\": %.6g, \"test_E_meV_atom\": %.6g, \"train_F_meV_A\": %.6g, "
                "\"test_F_meV_A\": %.6g, \"train_S_GPa\": %.6g, \"test_S_GPa\": %.6g},\n",
            res->train_e, res->test_e, res->train_f, res->test_f, res->train_s, res->test_s);
  fprintf(fp, "  \"wall_s\": %.3f,\n  \"ranks\": %d,\n  \"cache_MiB\": %.1f,\n  \"uncached_frames\": %d,\n",
          res->wall, R->size, R->cache_bytes / 1048576.0, R->n_uncached);
  fprintf(fp, "  \"constant_descriptors\": %d,\n  \"sigma_E_eV_atom\": %.6g,\n  \"rms_F_eV_A\": %.6g\n}\n",
          R->n_const_sf, R->sigE, R->sigF);
  int bad = ferror(fp);
  if (fclose(fp) || bad) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
  return NNMD_OK;
}

static int write_best(struct trun *R, struct nnmd_error *err) {
  if (R->rank != 0) return NNMD_OK;
  if (!R->bm) { /* the offsets of the best epoch go with its weights */
    char path[NNMD_NNP_PATH + 32];
    snprintf(path, sizeof path, "%s/input.nn", R->stage);
    int st = tgen_replace_atom_energies(path, R->t.m, R->best_e0, err);
    if (st) return st;
  }
  return tmodel_write_weights(R->stage, R->bm ? "bec-weights" : "weights", R->t.m, R->best, err);
}

int ttrain_run(const struct tconfig *c, struct nnmd_comm *comm, bool check_only, struct ttrain_result *res,
               struct nnmd_error *err) {
  struct trun R;
  memset(&R, 0, sizeof R);
  R.c = c;
  R.comm = comm;
  memset(res, 0, sizeof *res);
  const double t0 = now();
  int st = ttrain_setup(&R, check_only, err);
  if (st || check_only) {
    if (check_only && !st && R.rank == 0)
      printf("%s: OK — %d frames (%d train, %d test), %d elements; the training would start\n", c->path, R.data.n,
             R.n_tr, R.n_te, R.check_elems);
    if (st && !check_only) trun_remove_stage(&R); /* nothing of a failed set-up stays behind */
    trun_free(&R);
    return st;
  }
  const size_t np = R.t.n_params;
  const int ne = R.t.m->n_elem;
  R.hist_cols = THIST_COLS + ne + (R.bm ? 3 : 0);
  R.best_score = INFINITY;
  R.best_epoch = -1;
  struct tadam ad = {0};
  struct tkalman kf = {0};
  double *G = NULL, *H = NULL, *xi = NULL;
  if (c->optimizer == 1) {
    st = tadam_init(&ad, np, err);
    if (!st && !(G = nnmd_malloc((size_t)c->batch * np * sizeof(double), err))) st = NNMD_ERR_NOMEM;
  } else {
    const int mmax = c->force_batch > 7 ? (int)c->force_batch : 7;
    st = tkalman_init(&kf, np, mmax, c->k_eps, c->k_eta0, c->k_q0, c->k_etamax, c->k_qmin, err);
    H = nnmd_malloc((size_t)mmax * np * sizeof(double), err);
    xi = nnmd_malloc((size_t)mmax * sizeof(double), err);
    if (!st && (!H || !xi)) st = NNMD_ERR_NOMEM;
  }
  int epoch0 = 0;
  int64_t step = 0;
  bool resumed = false;
  if (!st) st = nnmd_comm_agree(comm, ckpt_read(&R, &epoch0, &step, &ad, &kf, &resumed, err));
  if (!st && R.rank == 0) {
    printf("train: %d frames (%d train, %d test), %d elements, %zu parameters, %s\n", R.data.n, R.n_tr, R.n_te, ne, np,
           c->optimizer ? "Adam" : "Kalman filter");
    printf("train: descriptor caches %.1f MiB on rank 0 (%d frames recomputed per use), set-up %.1f s%s\n",
           R.cache_bytes / 1048576.0, R.n_uncached, now() - t0, resumed ? ", resumed from the checkpoint" : "");
    if (R.n_const_sf)
      printf("train: %d symmetry functions are constant on the training set (unit range kept)\n", R.n_const_sf);
    if (R.e0_rank > 0 && R.e0_rank < ne)
      printf("train: the training compositions fix only %d of %d reference energies E0 (%s); energies of other "
             "compositions are extrapolation\n",
             R.e0_rank, ne, R.e0_rank == 1 ? "one composition: mean energy per atom" : "minimum-norm least squares");
    fflush(stdout);
  }
  const int64_t steps_total = c->epochs * ((R.n_tr + c->batch - 1) / c->batch);
  double lastE = NAN, lastF = NAN;
  if (R.n_hist > 0) {
    lastE = R.hist[(size_t)(R.n_hist - 1) * R.hist_cols + 2] / 1000.0;
    lastF = R.hist[(size_t)(R.n_hist - 1) * R.hist_cols + 4] / 1000.0;
  }
  const double wall0 = R.n_hist > 0 ? R.hist[(size_t)(R.n_hist - 1) * R.hist_cols + 1] : 0.0;
  const double tl = now();
  for (int epoch = epoch0; epoch <= c->epochs && !st; ++epoch) {
    if (epoch > 0) {
      if (c->optimizer == 1) st = adam_epoch(&R, &ad, epoch, &step, steps_total, G, err);
      else st = kalman_epoch(&R, &kf, epoch, lastE, lastF, H, xi, err);
      if (!st && !R.bm && c->wE > 0) st = trun_refit_offsets(&R, err);
      if (st) break;
    }
    struct eval tr, te;
    if ((st = evaluate(&R, R.theta, R.train_idx, R.n_tr, &tr, err))) break;
    if ((st = evaluate(&R, R.theta, R.test_idx, R.n_te, &te, err))) break;
    double *h = realloc(R.hist, ((size_t)R.n_hist + 1) * R.hist_cols * sizeof(double));
    if (!h) {
      st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
      break;
    }
    R.hist = h;
    h += (size_t)R.n_hist++ * R.hist_cols;
    double wall = wall0 + now() - tl;
    nnmd_comm_max_double(comm, &wall, 1);
    h[0] = epoch;
    h[1] = wall;
    if (R.bm) {
      h[2] = rmse(tr.z.s_all, tr.z.n_all, 1);
      h[3] = rmse(te.z.s_all, te.z.n_all, 1);
      h[4] = rmse(tr.z.s_diag, tr.z.n_diag, 1);
      h[5] = rmse(te.z.s_diag, te.z.n_diag, 1);
      h[6] = rmse(tr.z.s_off, tr.z.n_off, 1);
      h[7] = rmse(te.z.s_off, te.z.n_off, 1);
      for (int e = 0; e < ne; ++e) h[THIST_COLS + e] = rmse(te.z.s_el[e], te.z.n_el[e], 1);
      h[THIST_COLS + ne] = rmse(tr.z.s_tr, tr.z.n_tr, 1);
      h[THIST_COLS + ne + 1] = rmse(te.z.s_tr, te.z.n_tr, 1);
      h[THIST_COLS + ne + 2] = te.z.n_asr > 0 ? te.z.s_asr / te.z.n_asr : NAN;
    } else {
    h[2] = rmse(tr.p.se2, tr.p.nE, 1000);
    h[3] = rmse(te.p.se2, te.p.nE, 1000);
    h[4] = rmse(tr.p.sf2, tr.p.nF, 1000);
    h[5] = rmse(te.p.sf2, te.p.nF, 1000);
    h[6] = rmse(tr.p.ss2, tr.p.nS, 1);
    h[7] = rmse(te.p.ss2, te.p.nS, 1);
    for (int e = 0; e < ne; ++e) h[THIST_COLS + e] = rmse(te.p.sfe[e], te.p.nfe[e], 1000);
    }
    lastE = h[2] / 1000.0;
    lastF = h[4] / 1000.0;
    const double score = R.n_te ? te.loss : tr.loss;
    if (score < R.best_score) {
      R.best_score = score;
      R.best_epoch = epoch;
      memcpy(R.best, R.theta, np * sizeof(double));
      memcpy(R.best_e0, R.t.m->atom_energy, sizeof R.best_e0);
      if ((st = write_best(&R, err))) break;
    }
    if (R.rank == 0) {
      double per = epoch > epoch0 ? (now() - tl) / (epoch - epoch0 + (epoch0 == 0 ? 0 : 1)) : 0;
      double eta = per * (c->epochs - epoch);
      if (R.bm)
        printf("epoch %4d/%lld  Z* %.4f / %.4f e  diag %.4f / %.4f  off %.4f / %.4f", epoch, (long long)c->epochs,
               h[2], h[3], h[4], h[5], h[6], h[7]);
      else
        printf("epoch %4d/%lld  E %8.3f / %8.3f meV/atom  F %8.2f / %8.2f meV/A", epoch, (long long)c->epochs, h[2],
               h[3], h[4], h[5]);
      if (!R.bm && tr.p.nS > 0) printf("  S %.3f / %.3f GPa", h[6], h[7]);
      printf("  (train / test)  %.1f s  ETA %.0f s%s\n", wall, eta, R.best_epoch == epoch ? "  *" : "");
      fflush(stdout);
      st = write_csv(&R, R.stage, err);
    }
    st = nnmd_comm_agree(comm, st);
    if (!st && c->checkpoint) st = nnmd_comm_agree(comm, ckpt_write(&R, epoch + 1, step, &ad, &kf, err));
    /* a stop request (signal, or NNMD_TRAIN_STOP_AFTER=N epochs for tests) after the checkpoint */
    int stop = c->stop && *c->stop;
    const char *sa = getenv("NNMD_TRAIN_STOP_AFTER");
    if (sa && epoch >= atoi(sa) && epoch < c->epochs) stop = 1;
    double stopv = stop;
    nnmd_comm_max_double(comm, &stopv, 1);
    if (!st && stopv > 0 && epoch < c->epochs) {
      if (R.rank == 0)
        printf("train: stopped after epoch %d%s; the staging folder %s keeps the best model so far\n", epoch,
               c->checkpoint ? " (checkpoint written: run again to resume)" : "", R.stage);
      st = nnmd_fail(err, NNMD_ERR_INTERRUPTED, "train: interrupted after epoch %d", epoch);
      break;
    }
    if (!st && wall > c->max_time) {
      if (R.rank == 0) printf("train: max_time = %g s reached after epoch %d; keeping the best epoch (%d)\n",
                              c->max_time, epoch, R.best_epoch);
      break;
    }
  }
  if (!st && R.best_epoch >= 0) {
    const double *b = R.hist;
    for (int r = 0; r < R.n_hist; ++r)
      if ((int)R.hist[(size_t)r * R.hist_cols] == R.best_epoch) b = R.hist + (size_t)r * R.hist_cols;
    res->best_epoch = R.best_epoch;
    res->train_e = b[2];
    res->test_e = b[3];
    res->train_f = b[4];
    res->test_f = b[5];
    res->train_s = b[6];
    res->test_s = b[7];
    res->wall = now() - t0;
    st = write_parity(&R, R.stage, err);
    if (!st && R.rank == 0) st = write_json(&R, R.stage, res, err);
    st = nnmd_comm_agree(comm, st);
    if (!st && R.rank == 0) { /* staging -> output */
      char prev[NNMD_NNP_PATH + 16];
      snprintf(prev, sizeof prev, "%s.previous", c->output);
      if (access(c->output, F_OK) == 0) {
        char cmd[3 * NNMD_NNP_PATH + 64];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", prev);
        if (system(cmd)) {}
        if (rename(c->output, prev))
          st = nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot move the old model aside: %s", c->output, strerror(errno));
      }
      if (!st && rename(R.stage, c->output))
        st = nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot move %s there: %s", c->output, R.stage, strerror(errno));
    }
    st = nnmd_comm_agree(comm, st);
  }
  free(G);
  free(H);
  free(xi);
  tadam_free(&ad);
  tkalman_free(&kf);
  trun_free(&R);
  return st;
}
