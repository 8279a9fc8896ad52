/* ttrain.c — the training run: data, split, model files, caches (see ttrain.h); the
 * epoch loop and the optimisers' drivers are in tloop.c.
 *
 * Staging: the model is made in `<output>.partial/` and renamed to `<output>` at the end
 * (an existing `<output>` is first renamed to `<output>.previous`). Units: the data are read
 * in A/eV (n2p2 data converted with [data] length_unit/energy_unit) and converted to the
 * model's units (cfl, cfe) once.
 */
#include "tinternal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "mem.h"

uint64_t trun_hash(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
               (c + 0x85157AF5ull) * 0x94D049BB133111EBull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Read every data file; check labels and elements; convert to model units later. */
static int read_data(struct trun *R, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  struct tdata_opts o = {.energy_key = c->energy_key, .forces_key = c->forces_key, .stress_key = c->stress_key,
                         .bec_key = c->kind == 1 ? c->bec_key : NULL,
                         .length_scale = c->data_length_scale, .energy_scale = c->data_energy_scale};
  int st;
  for (int k = 0; k < c->n_train + c->n_test; ++k) {
    const char *p = k < c->n_train ? c->train[k] : c->test[k - c->n_train];
    const char *fmt = c->format;
    if (!strcmp(fmt, "auto")) {
      FILE *fp = nnmd_fopen_input(p); /* a FIFO must not block the format sniffing */
      if (!fp)
        return nnmd_fail_at(err, NNMD_ERR_FILE, c->train_loc, "[data] %s: cannot open: %s", p,
                            nnmd_files_strerror(errno));
      int ch;
      while ((ch = fgetc(fp)) != EOF && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r')) {}
      fclose(fp);
      fmt = ch == 'b' ? "n2p2" : "extxyz";
    }
    if (!strcmp(fmt, "n2p2") && !c->data_units_given)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->train_loc,
                          "[data] %s is n2p2 input.data, which does not record its units: give [data] length_unit "
                          "and energy_unit", p);
    int n0 = R->data.n;
    if ((st = tdata_read(&R->data, p, fmt, &o, err))) return st;
    if (k < c->n_train) R->n_train_frames_files = R->data.n;
    (void)n0;
  }
  if (R->data.n == 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, c->train_loc, "[data] the data set is empty");
  if (c->kind == 1) { /* Born-charge fit: frames without the column are skipped and counted */
    int keep = 0, keep_train = 0;
    for (int i = 0; i < R->data.n; ++i) {
      struct tframe *f = &R->data.f[i];
      if (!f->has_z) {
        R->n_no_bec++;
        tframe_free(f);
        continue;
      }
      if (c->bec_order == 1) /* force_first -> the engine's field-first order */
        for (int a = 0; a < f->n; ++a)
          for (int p = 0; p < 3; ++p)
            for (int q = p + 1; q < 3; ++q) {
              double t = f->bec[9 * a + 3 * p + q];
              f->bec[9 * a + 3 * p + q] = f->bec[9 * a + 3 * q + p];
              f->bec[9 * a + 3 * q + p] = t;
            }
      if (i < R->n_train_frames_files) keep_train++;
      f->index = keep;
      R->data.f[keep++] = *f;
    }
    R->data.n = keep;
    R->n_train_frames_files = keep_train;
    if (keep == 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->train_loc,
                          "[data] no frame has the Born-charge column '%s' (Properties=...:%s:R:9:...)", c->bec_key,
                          c->bec_key);
  }
  for (int i = 0; i < R->data.n && c->kind == 0; ++i) {
    const struct tframe *f = &R->data.f[i];
    if (!f->has_e)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){f->file, f->line, 1}),
                          "frame %d has no energy (looked for '%s' in the comment line)", i,
                          c->energy_key ? c->energy_key : "energy or free_energy");
  }
  for (int s = 0; s < R->data.nsym; ++s) {
    bool found = false;
    for (int e = 0; e < c->n_elem; ++e) found |= !strcmp(c->elements[e], R->data.sym[s]);
    if (!found) {
      for (int i = 0; i < R->data.n; ++i)
        for (int a = 0; a < R->data.f[i].n; ++a)
          if (R->data.f[i].elem[a] == s)
            return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){R->data.f[i].file, R->data.f[i].line, 1}),
                                "element '%s' (frame %d) is not in [model] elements (%s line %lld)", R->data.sym[s], i,
                                c->path, (long long)c->elements_loc.line);
    }
  }
  return NNMD_OK;
}

static int split(struct trun *R, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  const int n = R->data.n;
  R->train_idx = nnmd_malloc((size_t)n * sizeof(int), err);
  R->test_idx = nnmd_malloc((size_t)n * sizeof(int) + 1, err);
  if (!R->train_idx || !R->test_idx) return NNMD_ERR_NOMEM;
  if (c->n_test) {
    for (int i = 0; i < n; ++i) {
      if (i < R->n_train_frames_files) R->train_idx[R->n_tr++] = i;
      else R->test_idx[R->n_te++] = i;
    }
  } else {
    int *perm = nnmd_malloc((size_t)n * sizeof(int), err);
    if (!perm) return NNMD_ERR_NOMEM;
    for (int i = 0; i < n; ++i) perm[i] = i;
    for (int i = n - 1; i > 0; --i) {
      int j = (int)(trun_hash((uint64_t)c->split_seed, 17, (uint64_t)i) % (uint64_t)(i + 1));
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int nte = (int)floor(c->test_fraction * n + 0.5);
    if (c->test_fraction > 0 && nte == 0) nte = 1;
    char *is_test = calloc((size_t)n, 1);
    if (!is_test) {
      free(perm);
      return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < nte; ++k) is_test[perm[k]] = 1;
    for (int i = 0; i < n; ++i) {
      if (is_test[i]) R->test_idx[R->n_te++] = i;
      else R->train_idx[R->n_tr++] = i;
    }
    free(is_test);
    free(perm);
  }
  if (R->n_tr == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, c->test_fraction_loc.line ? c->test_fraction_loc : c->train_loc,
                        "[data] test_fraction = %g leaves no training frame (%d frames in all)", c->test_fraction, n);
  return NNMD_OK;
}

static int mkdir_p(const char *dir, struct nnmd_error *err) {
  if (mkdir(dir, 0777) && errno != EEXIST)
    return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot create the folder: %s", dir, strerror(errno));
  return NNMD_OK;
}

/* input.nn (without atom energies) into the staging folder, then the settings-only model. */
static int model_settings(struct trun *R, struct nnmd_nnp_model **out, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  char path[NNMD_NNP_PATH + 32];
  snprintf(path, sizeof path, "%s/input.nn", R->stage);
  FILE *fp = fopen(path, "w");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", path, strerror(errno));
  int st;
  if (c->template_dir) {
    char tp[NNMD_NNP_PATH + 32];
    snprintf(tp, sizeof tp, "%s/input.nn", c->template_dir);
    if (access(tp, R_OK)) {
      fclose(fp);
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc, "[model] template: %s cannot be read", tp);
    }
    if (c->init_template && c->hidden_given) {
      fclose(fp);
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc,
                          "[model] init = \"template\" keeps the template's network: drop hidden/activation");
    }
    st = tgen_copy_template(fp, tp, c->init_template, c->hidden_given ? c->gen.n_hidden : 0, c->gen.hidden,
                            c->gen.act, c->length_unit, c->energy_unit, err);
  } else
    st = tgen_write_input(fp, &c->gen, "angstrom", "eV", err);
  if (fclose(fp) && !st) st = nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
  if (st) return st;
  struct nnmd_nnp_settings s;
  if ((st = nnmd_nnp_settings_read(NULL, path, &s, err))) return st;
  struct nnmd_nnp_model *m = nnmd_calloc(1, sizeof *m, err);
  if (!m) {
    nnmd_nnp_settings_free(&s);
    return NNMD_ERR_NOMEM;
  }
  st = nnmd_nnp_model_from_settings(&s, m, err);
  nnmd_nnp_settings_free(&s);
  if (st) {
    nnmd_nnp_model_free(m);
    return st;
  }
  *out = m;
  return NNMD_OK;
}

/* Model elements of the data's species; frames to model units. */
static int map_frames(struct trun *R, const struct nnmd_nnp_model *m, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  int map[TDATA_MAX_SPECIES];
  for (int s = 0; s < R->data.nsym; ++s) {
    map[s] = nnmd_nnp_model_element(m, R->data.sym[s]);
    if (map[s] < 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc.line ? c->template_loc : c->elements_loc,
                          "element '%s' of the data is not in the model", R->data.sym[s]);
  }
  for (int e = 0; e < c->n_elem; ++e)
    if (nnmd_nnp_model_element(m, c->elements[e]) < 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->elements_loc, "[model] elements: '%s' is not in the template",
                          c->elements[e]);
  const double cfl = c->cfl, cfe = c->cfe;
  for (int i = 0; i < R->data.n; ++i) {
    struct tframe *f = &R->data.f[i];
    for (int a = 0; a < f->n; ++a) f->elem[a] = map[f->elem[a]];
    for (int k = 0; k < 3 * f->n; ++k) f->pos[k] *= cfl;
    for (int k = 0; k < 9; ++k) f->h[k] *= cfl;
    f->energy *= cfe;
    if (f->force)
      for (int k = 0; k < 3 * f->n; ++k) f->force[k] *= cfe / cfl;
    for (int k = 0; k < 6; ++k) f->stress[k] *= cfe / (cfl * cfl * cfl);
  }
  return NNMD_OK;
}

int trun_cache_get(struct trun *R, int i, struct tcache **out, struct nnmd_error *err) {
  if (R->cached[i]) {
    *out = &R->cache[i];
    return NNMD_OK;
  }
  tcache_free(&R->tmp_cache);
  int st = tcache_build(R->t.m, R->t.plan, &R->work, &R->data.f[i], &R->tmp_cache, err);
  *out = &R->tmp_cache;
  return st;
}

/* Caches of this rank's frames while memory allows; SF statistics of the training frames.
 * Sums are made per frame and added in frame order after an exact cross-rank sum (each
 * frame's slot has one non-zero contribution), so the statistics — and the model — do not
 * depend on the number of ranks. */
static int caches_and_stats(struct trun *R, const struct nnmd_nnp_model *m, struct nnmd_error *err) {
  const int n = R->data.n, nsf = m->n_sf_total, ne = m->n_elem;
  int st = NNMD_OK;
  R->cache = nnmd_calloc((size_t)n, sizeof *R->cache, err);
  R->cached = nnmd_calloc((size_t)n, 1, err);
  double *mx = nnmd_calloc(2 * (size_t)nsf + 1, sizeof(double), err); /* -min, max */
  const size_t row = 2 * (size_t)nsf + (size_t)ne;                     /* sum, sumsq, count */
  double *pf = nnmd_calloc((size_t)R->n_tr * row + 1, sizeof(double), err);
  int *slot = nnmd_malloc((size_t)n * sizeof(int) + 1, err);
  if (!R->cache || !R->cached || !mx || !pf || !slot) {
    free(mx);
    free(pf);
    free(slot);
    return NNMD_ERR_NOMEM;
  }
  for (int k = 0; k < 2 * nsf; ++k) mx[k] = -INFINITY;
  for (int i = 0; i < n; ++i) slot[i] = -1;
  for (int k = 0; k < R->n_tr; ++k) slot[R->train_idx[k]] = k;
  const double budget = R->c->cache_gb * 1073741824.0;
  for (int i = 0; i < n; ++i) {
    if (!trun_mine(R, i)) continue;
    struct tcache tmp, *cp = &tmp;
    if ((st = tcache_build(m, R->t.plan, &R->work, &R->data.f[i], &tmp, err))) break;
    if (R->cache_bytes + (double)tmp.bytes <= budget) {
      R->cache[i] = tmp;
      R->cached[i] = 1;
      R->cache_bytes += (double)tmp.bytes;
      cp = &R->cache[i];
    } else
      R->n_uncached++;
    if (slot[i] >= 0) {
      const struct tframe *f = &R->data.f[i];
      double *p = pf + (size_t)slot[i] * row;
      for (int a = 0; a < f->n; ++a) {
        const int e = f->elem[a];
        const double *g = cp->g + cp->goff[a];
        for (int k = 0; k < m->n_sf[e]; ++k) {
          const int s = m->sf_off[e] + k;
          if (-g[k] > mx[s]) mx[s] = -g[k];
          if (g[k] > mx[nsf + s]) mx[nsf + s] = g[k];
          p[s] += g[k];
          p[nsf + s] += g[k] * g[k];
        }
        p[2 * nsf + e] += 1;
      }
    }
    if (cp == &tmp) tcache_free(&tmp);
  }
  free(slot);
  st = nnmd_comm_agree(R->comm, st);
  double *tot = NULL;
  if (!st) {
    nnmd_comm_max_double(R->comm, mx, 2 * nsf);
    if (R->size > 1) nnmd_comm_sum_double(R->comm, pf, (int)((size_t)R->n_tr * row));
    tot = nnmd_calloc(row, sizeof(double), err);
    R->gmin = nnmd_malloc(4 * (size_t)nsf * sizeof(double) + 1, err);
    if (!tot || !R->gmin) st = NNMD_ERR_NOMEM;
  }
  if (!st) {
    for (int k = 0; k < R->n_tr; ++k)
      for (size_t q = 0; q < row; ++q) tot[q] += pf[(size_t)k * row + q];
    R->gmax = R->gmin + nsf;
    R->gmean = R->gmax + nsf;
    R->gsig = R->gmean + nsf;
    for (int e = 0; e < ne; ++e) {
      const double cnt = tot[2 * nsf + e];
      if (cnt == 0) {
        st = nnmd_fail_at(err, NNMD_ERR_INPUT, R->c->elements_loc,
                          "[model] element '%s' has no atom in the training frames", m->sym[e]);
        break;
      }
      for (int k = 0; k < m->n_sf[e]; ++k) {
        const int s = m->sf_off[e] + k;
        double mean = tot[s] / cnt, var = tot[nsf + s] / cnt - mean * mean;
        R->gmin[s] = -mx[s];
        R->gmax[s] = mx[nsf + s];
        R->gmean[s] = mean;
        R->gsig[s] = sqrt(var > 0 ? var : 0);
        if (!(R->gmax[s] - R->gmin[s] > 1e-12 * (fabs(R->gmax[s]) + 1e-300))) {
          /* a function that is constant on the training set (often 0: no such neighbours):
             keep a unit range so the scaling is finite; extrapolation warns if it changes */
          R->n_const_sf++;
          R->gmax[s] = R->gmin[s] + 1.0;
          if (R->gsig[s] <= 0) R->gsig[s] = 1.0;
        }
        if (R->gsig[s] <= 0) R->gsig[s] = R->gmax[s] - R->gmin[s];
      }
    }
  }
  free(tot);
  free(mx);
  free(pf);
  return st;
}

/* The Born-charge model's files: bec.nn (the descriptor settings plus the nnmd keywords of
 * docs/bec.md), bec-scaling.data, random bec-weights.NNN.data. Radial functions of the
 * tensor basis: K Gaussians centred at r0 + (a + 1/2) dr, dr = (rc - r0)/K, eta = 1/dr^2,
 * times the cutoff function; rc = [model] bec_cutoff or the smallest descriptor cutoff. */
static int bec_files(struct trun *R, struct nnmd_nnp_model *m0, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  char in[NNMD_NNP_PATH + 64], out[NNMD_NNP_PATH + 64];
  snprintf(in, sizeof in, "%s/input.nn", R->stage);
  snprintf(out, sizeof out, "%s/bec.nn", R->stage);
  double rmin = INFINITY;
  for (int e = 0; e < m0->n_elem; ++e) rmin = fmin(rmin, m0->rc_elem[e]);
  double rc = c->bec_cutoff > 0 ? c->bec_cutoff * c->cfl : rmin;
  if (rc > rmin * (1 + 1e-12))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, c->elements_loc,
                        "[model] bec_cutoff = %g is beyond the descriptors' cutoff %g (model units)", rc, rmin);
  const double r0 = (c->template_dir ? 0.5 * c->cfl : c->gen.r0);
  if (!(rc > r0)) return nnmd_fail_at(err, NNMD_ERR_INPUT, c->elements_loc, "[model] bec_cutoff must exceed r0");
  const int K = c->bec_form == 1 ? 0 : c->bec_radial, P = K * m0->n_elem;
  const int nout = 1 + P + P * P + (c->bec_form == NNMD_BEC_FORM_TENSOR_CHARGE_DIPOLE ? P : 0);
  static const char *const forms[] = {"tensor", "charge", "tensor_charge", "tensor_charge_dipole"};
  FILE *fi = fopen(in, "r"), *fo = fi ? fopen(out, "w") : NULL;
  if (!fi || !fo) {
    if (fi) fclose(fi);
    return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", out, strerror(errno));
  }
  char *line = NULL;
  size_t cap = 0;
  fprintf(fo, "# Born-charge model (nnmd, docs/bec.md) made by nnmd train\n");
  while (getline(&line, &cap, fi) > 0) fputs(line, fo);
  free(line);
  fclose(fi);
  const double dr = K > 0 ? (rc - r0) / K : 0.0;
  fprintf(fo, "nnmd_bec_form %s\n", forms[c->bec_form]);
  for (int a = 0; a < K; ++a) fprintf(fo, "nnmd_bec_radial %.17g %.17g %.17g\n", 1.0 / (dr * dr), r0 + (a + 0.5) * dr, rc);
  fprintf(fo, "nnmd_bec_index_order field_first\nnnmd_length_unit %s\nnnmd_bec_outputs %d\n",
          c->cfl == 1.0 ? "angstrom" : "bohr", nout);
  if (fclose(fo)) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", out);
  unlink(in);
  snprintf(out, sizeof out, "%s/bec-scaling.data", R->stage);
  int st = tmodel_write_scaling(out, m0, R->gmin, R->gmax, R->gmean, R->gsig, err);
  if (st) return st;
  for (int e = 0; e < m0->n_elem; ++e) nnmd_ann_set_outputs(&m0->ann[e], nout);
  struct tmodel t0 = {.m = m0};
  if ((st = tmodel_setup_params(&t0, err))) return st;
  double *th = nnmd_calloc(t0.n_params + 1, sizeof(double), err);
  if (!th) return NNMD_ERR_NOMEM;
  tmodel_init_weights(m0, th, (uint64_t)c->seed);
  st = tmodel_write_weights(R->stage, "bec-weights", m0, th, err);
  free(th);
  return st;
}

static int load_bec(struct trun *R, struct nnmd_error *err) {
  int st = nnmd_bec_model_load(NULL, R->stage, &R->bm, err);
  if (st) return st;
  R->t.m = R->bm->nnp;
  if ((st = tmodel_setup_params(&R->t, err))) return st;
  R->theta = nnmd_malloc(R->t.n_params * sizeof(double), err);
  R->best = nnmd_malloc(R->t.n_params * sizeof(double), err);
  if (!R->theta || !R->best) return NNMD_ERR_NOMEM;
  for (int e = 0; e < R->t.m->n_elem; ++e)
    memcpy(R->theta + R->t.poff[e], R->t.m->ann[e].w, R->t.m->ann[e].n_params * sizeof(double));
  memcpy(R->best, R->theta, R->t.n_params * sizeof(double));
  R->chan = nnmd_calloc((size_t)R->data.n + 1, sizeof *R->chan, err);
  return R->chan ? NNMD_OK : NNMD_ERR_NOMEM;
}

int trun_chan_get(struct trun *R, int i, const struct tcache *c, struct tbec_chan **out, struct nnmd_error *err) {
  if (!R->chan[i].v) {
    int st = tbec_channels(R->bm, &R->data.f[i], c, &R->chan[i], err);
    if (st) return st;
  }
  *out = &R->chan[i];
  return NNMD_OK;
}

/* atom energies, scaling.data, initial weights; then the full model from the folder. */
static int model_files(struct trun *R, struct nnmd_nnp_model *m0, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  char path[NNMD_NNP_PATH + 64];
  int st;
  const int ne = m0->n_elem;
  if (c->kind == 1) return bec_files(R, m0, err);
  double e0[NNMD_NNP_MAX_ELEM] = {0};
  if (!c->init_template) {
    int *counts = nnmd_calloc((size_t)R->n_tr * ne + 1, sizeof(int), err);
    double *E = nnmd_calloc((size_t)R->n_tr + 1, sizeof(double), err);
    if (!counts || !E) {
      free(counts);
      free(E);
      return NNMD_ERR_NOMEM;
    }
    for (int k = 0; k < R->n_tr; ++k) {
      const struct tframe *f = &R->data.f[R->train_idx[k]];
      for (int a = 0; a < f->n; ++a) counts[k * ne + f->elem[a]]++;
      E[k] = f->energy;
    }
    R->e0_rank = tmodel_fit_e0(R->n_tr, ne, counts, E, e0);
    free(counts);
    free(E);
    snprintf(path, sizeof path, "%s/input.nn", R->stage);
    FILE *fp = fopen(path, "a");
    if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot append: %s", path, strerror(errno));
    st = tgen_write_atom_energies(fp, m0, e0, err);
    if (fclose(fp) && !st) st = nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
    if (st) return st;
    snprintf(path, sizeof path, "%s/scaling.data", R->stage);
    if ((st = tmodel_write_scaling(path, m0, R->gmin, R->gmax, R->gmean, R->gsig, err))) return st;
  } else {
    /* fine-tuning keeps the template's scaling and weights */
    char src[NNMD_NNP_PATH + 64];
    snprintf(src, sizeof src, "%s/scaling.data", c->template_dir);
    snprintf(path, sizeof path, "%s/scaling.data", R->stage);
    FILE *in = fopen(src, "rb"), *out = in ? fopen(path, "wb") : NULL;
    if (!in || !out) {
      if (in) fclose(in);
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc, "[model] template: %s cannot be read", src);
    }
    char buf[65536];
    size_t nr;
    while ((nr = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, nr, out);
    fclose(in);
    if (fclose(out)) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
    for (int e = 0; e < ne; ++e) {
      snprintf(src, sizeof src, "%s/weights.%03d.data", c->template_dir, m0->z[e]);
      snprintf(path, sizeof path, "%s/weights.%03d.data", R->stage, m0->z[e]);
      in = fopen(src, "rb");
      if (!in)
        return nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc,
                            "[model] init = \"template\": the template has no weights for %s (%s)", m0->sym[e], src);
      out = fopen(path, "wb");
      if (!out) {
        fclose(in);
        return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write", path);
      }
      while ((nr = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, nr, out);
      fclose(in);
      if (fclose(out)) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
    }
  }
  if (!c->init_template) {
    struct tmodel t0 = {.m = m0};
    if ((st = tmodel_setup_params(&t0, err))) return st;
    double *th = nnmd_calloc(t0.n_params + 1, sizeof(double), err);
    if (!th) return NNMD_ERR_NOMEM;
    tmodel_init_weights(m0, th, (uint64_t)c->seed);
    st = tmodel_write_weights(R->stage, "weights", m0, th, err);
    free(th);
    if (st) return st;
  }
  struct nnmd_nnp_model *m = NULL;
  if ((st = nnmd_nnp_model_load(R->stage, &m, err))) return st;
  R->t.m = m;
  if ((st = tmodel_setup_params(&R->t, err))) return st;
  R->theta = nnmd_malloc(R->t.n_params * sizeof(double), err);
  R->best = nnmd_malloc(R->t.n_params * sizeof(double), err);
  if (!R->theta || !R->best) return NNMD_ERR_NOMEM;
  for (int e = 0; e < m->n_elem; ++e)
    memcpy(R->theta + R->t.poff[e], m->ann[e].w, m->ann[e].n_params * sizeof(double));
  memcpy(R->best, R->theta, R->t.n_params * sizeof(double));
  return NNMD_OK;
}

/* Label scales for the Kalman filter: sigma of the per-atom energy after E0, RMS force. */
static void label_scales(struct trun *R) {
  const struct nnmd_nnp_model *m = R->t.m;
  double s1 = 0, s2 = 0, nE = 0, f2 = 0, nF = 0;
  for (int k = 0; k < R->n_tr; ++k) {
    const struct tframe *f = &R->data.f[R->train_idx[k]];
    double e = f->energy;
    for (int a = 0; a < f->n; ++a) e -= m->atom_energy[f->elem[a]] + m->mean_energy;
    e /= f->n * R->t.cfe;
    s1 += e;
    s2 += e * e;
    nE += 1;
    if (f->has_f)
      for (int q = 0; q < 3 * f->n; ++q) {
        double x = f->force[q] * R->t.cfl / R->t.cfe;
        f2 += x * x;
        nF += 1;
      }
  }
  double v2 = 0, nv = 0;
  for (int k = 0; k < R->n_tr; ++k) {
    const struct tframe *f = &R->data.f[R->train_idx[k]];
    if (!f->has_s || !f->has_cell) continue;
    const double V = tframe_volume(f);
    for (int v = 0; v < 6; ++v) {
      double x = f->stress[v] * V / (f->n * R->t.cfe);
      v2 += x * x;
      nv += 1;
    }
  }
  R->sigS = nv > 0 ? sqrt(v2 / nv) + 1e-4 : 1.0;
  double mean = s1 / nE, var = s2 / nE - mean * mean;
  R->sigE = sqrt(var > 0 ? var : 0) + 1e-4;
  R->sigF = nF > 0 ? sqrt(f2 / nF) + 1e-3 : 1.0;
}

/* The per-element offsets E0 re-fitted by least squares to the residuals E_ref - E_model of
 * the training frames (weights unchanged; forces unaffected). Used before fine-tuning (a
 * template made for another DFT set usually has another energy reference, so the optimiser
 * starts from the template's forces instead of chasing a constant shift) and after every
 * epoch (the filter's updates can move the networks' mean; the linear part is exact by least
 * squares). Exact cross-rank sums (one slot per frame). The staging input.nn is not touched:
 * the offsets are written with the best model (tmodel_write_best). */
int trun_refit_offsets(struct trun *R, struct nnmd_error *err) {
  const struct nnmd_nnp_model *m = R->t.m;
  const int ne = m->n_elem;
  double *res = nnmd_calloc((size_t)R->n_tr + 1, sizeof(double), err);
  int *counts = nnmd_calloc((size_t)R->n_tr * ne + 1, sizeof(int), err);
  if (!res || !counts) {
    free(res);
    free(counts);
    return NNMD_ERR_NOMEM;
  }
  int st = NNMD_OK;
  for (int k = 0; k < R->n_tr && !st; ++k) {
    const int i = R->train_idx[k];
    const struct tframe *f = &R->data.f[i];
    for (int a = 0; a < f->n; ++a) counts[k * ne + f->elem[a]]++;
    if (!trun_mine(R, i)) continue;
    struct tcache *c;
    if ((st = trun_cache_get(R, i, &c, err))) break;
    struct tpred p = {0};
    if ((st = tloss_predict(&R->t, R->theta, f, c, &R->s, &p, err))) break;
    res[k] = f->energy - p.energy;
  }
  st = nnmd_comm_agree(R->comm, st);
  if (!st) {
    if (R->size > 1) nnmd_comm_sum_double(R->comm, res, R->n_tr);
    double d[NNMD_NNP_MAX_ELEM], e0[NNMD_NNP_MAX_ELEM];
    tmodel_fit_e0(R->n_tr, ne, counts, res, d);
    for (int e = 0; e < ne; ++e) {
      e0[e] = m->atom_energy[e] + d[e];
      R->t.m->atom_energy[e] = e0[e];
    }
  }
  free(res);
  free(counts);
  return st;
}

int ttrain_setup(struct trun *R, bool check_only, struct nnmd_error *err) {
  const struct tconfig *c = R->c;
  int st;
  R->rank = nnmd_comm_rank(R->comm);
  R->size = nnmd_comm_size(R->comm);
  R->t.cfl = c->cfl;
  R->t.cfe = c->cfe;
  if ((st = read_data(R, err))) return st;
  if ((st = split(R, err))) return st;
  if (check_only) {
    char tmpl[] = "/tmp/nnmd_check_XXXXXX";
    if (!mkdtemp(tmpl)) return nnmd_fail(err, NNMD_ERR_FILE, "cannot create a temporary folder");
    snprintf(R->stage, sizeof R->stage, "%s", tmpl);
    R->stage_is_tmp = true;
  } else {
    snprintf(R->stage, sizeof R->stage, "%s.partial", c->output);
    if (R->rank == 0 && (st = mkdir_p(R->stage, err))) return st;
  }
  st = nnmd_comm_agree(R->comm, st);
  struct nnmd_nnp_model *m0 = NULL;
  /* every rank makes the settings from the same input (rank 0 wrote it; the others read it) */
  if (R->rank == 0) st = model_settings(R, &m0, err);
  st = nnmd_comm_agree(R->comm, st);
  if (st) return st ? st : NNMD_ERR_INPUT;
  if (R->rank != 0) {
    char path[NNMD_NNP_PATH + 32];
    snprintf(path, sizeof path, "%s/input.nn", R->stage);
    struct nnmd_nnp_settings s;
    if ((st = nnmd_nnp_settings_read(NULL, path, &s, err))) return st;
    m0 = nnmd_calloc(1, sizeof *m0, err);
    st = m0 ? nnmd_nnp_model_from_settings(&s, m0, err) : NNMD_ERR_NOMEM;
    nnmd_nnp_settings_free(&s);
    if (st) return st;
  }
  if ((st = map_frames(R, m0, err))) goto out;
  if (c->init_template) /* fine-tuning needs the template's weights */
    for (int e = 0; e < m0->n_elem && !st; ++e) {
      char wp[NNMD_NNP_PATH + 32];
      snprintf(wp, sizeof wp, "%s/weights.%03d.data", c->template_dir, m0->z[e]);
      if (access(wp, R_OK))
        st = nnmd_fail_at(err, NNMD_ERR_INPUT, c->template_loc,
                          "[model] init = \"template\": the template has no weights for %s (%s)", m0->sym[e], wp);
    }
  if (st) goto out;
  if (check_only) { /* the cell checks the cache build would make, without the pair search */
    for (int i = 0; i < R->data.n && !st; ++i) st = tframe_check_geometry(m0, &R->data.f[i], err);
    st = nnmd_comm_agree(R->comm, st);
    if (st) goto out;
    R->check_elems = m0->n_elem;
    goto out;
  }
  if ((st = nnmd_desc_plan_build(m0, &R->t.plan, err))) goto out;
  if ((st = nnmd_desc_work_create(R->t.plan, 64, &R->work, err))) goto out;
  if ((st = caches_and_stats(R, m0, err))) goto out;
  if (R->rank == 0) st = model_files(R, m0, err);
  st = nnmd_comm_agree(R->comm, st);
  if (st) goto out;
  if (c->kind == 1) {
    if ((st = load_bec(R, err))) goto out;
  } else if (R->rank != 0) {
    struct nnmd_nnp_model *m = NULL;
    if ((st = nnmd_nnp_model_load(R->stage, &m, err))) goto out;
    R->t.m = m;
    if ((st = tmodel_setup_params(&R->t, err))) goto out;
    R->theta = nnmd_malloc(R->t.n_params * sizeof(double), err);
    R->best = nnmd_malloc(R->t.n_params * sizeof(double), err);
    if (!R->theta || !R->best) {
      st = NNMD_ERR_NOMEM;
      goto out;
    }
    for (int e = 0; e < m->n_elem; ++e)
      memcpy(R->theta + R->t.poff[e], m->ann[e].w, m->ann[e].n_params * sizeof(double));
    memcpy(R->best, R->theta, R->t.n_params * sizeof(double));
  }
  /* the loaded model's plan replaces the settings-only one (same SFs) */
  nnmd_desc_plan_free(R->t.plan);
  R->t.plan = NULL;
  if ((st = nnmd_desc_plan_build(R->t.m, &R->t.plan, err))) goto out;
  if (c->init_template && (st = trun_refit_offsets(R, err))) goto out;
  if (c->kind == 0) label_scales(R);
out:
  nnmd_nnp_model_free(m0);
  return st;
}

/* Remove the staging folder and the regular files in it (after a failed set-up or a check). */
void trun_remove_stage(struct trun *R) {
  if (!R->stage[0] || R->rank != 0) return;
  DIR *d = opendir(R->stage);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[2 * NNMD_NNP_PATH];
      snprintf(p, sizeof p, "%s/%s", R->stage, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(R->stage);
}

void trun_free(struct trun *R) {
  if (R->cache)
    for (int i = 0; i < R->data.n; ++i)
      if (R->cached[i]) tcache_free(&R->cache[i]);
  free(R->cache);
  free(R->cached);
  tcache_free(&R->tmp_cache);
  tdata_free(&R->data);
  free(R->train_idx);
  free(R->test_idx);
  free(R->theta);
  free(R->best);
  free(R->epred);
  free(R->gmin);
  free(R->hist);
  tscratch_free(&R->s);
  nnmd_desc_work_free(R->work);
  nnmd_desc_plan_free(R->t.plan);
  if (R->chan)
    for (int i = 0; i < R->data.n; ++i) tbec_chan_free(&R->chan[i]);
  free(R->chan);
  if (R->bm) nnmd_bec_model_free(R->bm); /* owns t.m */
  else nnmd_nnp_model_free(R->t.m);
  if (R->stage_is_tmp) trun_remove_stage(R);
}
