/* vacf.c — the VACF accumulator, Green-Kubo D and the DOS (algorithm and units in vacf.h).
 *
 * Layout: analysed atoms in id order get slots a; buf[(3a + d) Nt + k] is one block of
 * velocity series. Species slots s: c_sum[(4s + c) Nt + m] (c = x, y, z, total; summed over
 * atoms and blocks), mw_sum[s Nt + m] the mass-weighted numerator of C^ (summed likewise).
 * Per block one Green-Kubo D per species slot (blk[b nslot + s]).
 */
#include "vacf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "corr.h"
#include "mem.h"
#include "types.h"

struct nnmd_vacf {
  struct nnmd_vacf_opts o;
  struct nnmd_species_table sp;
  int64_t natoms, nsel, *sel;
  int *type;
  int slot[NNMD_MAX_SPECIES], slot_sp[NNMD_MAX_SPECIES], nslot;
  int64_t n_in[NNMD_MAX_SPECIES];
  double tau;
  int64_t M, Nt, k, n_samples, n_blocks;
  double *buf, *c_b, *mw_b, *c_sum, *mw_sum, *c_avg, *norm, *acf;
  double *blk;
  size_t blk_cap;
  struct nnmd_corr *corr, *dos_plan;
  int64_t n_freq;
  double *freq, *dos, *fwin; /* dos: (nslot + 1) * n_freq, total first */
  struct nnmd_vacf_stats stats;
};

void nnmd_vacf_opts_default(struct nnmd_vacf_opts *o) {
  memset(o, 0, sizeof *o);
  o->every = 1;
  o->units = nnmd_units_get("lammps");
}

void nnmd_vacf_destroy(struct nnmd_vacf *v) {
  if (!v) return;
  free(v->sel);
  free(v->type);
  free(v->buf);
  free(v->c_b);
  free(v->mw_b);
  free(v->c_sum);
  free(v->mw_sum);
  free(v->c_avg);
  free(v->norm);
  free(v->acf);
  free(v->blk);
  nnmd_corr_destroy(v->corr);
  nnmd_corr_destroy(v->dos_plan);
  free(v->freq);
  free(v->dos);
  free(v->fwin);
  free(v);
}

static int alloc_arrays(struct nnmd_vacf *v, struct nnmd_error *err) {
  size_t Nt = (size_t)v->Nt, ns = (size_t)v->nslot;
  v->buf = nnmd_malloc((size_t)v->nsel * 3 * Nt * sizeof(double), err);
  v->c_b = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  v->mw_b = nnmd_calloc(ns * Nt, sizeof(double), err);
  v->c_sum = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  v->mw_sum = nnmd_calloc(ns * Nt, sizeof(double), err);
  v->c_avg = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  v->norm = nnmd_calloc(Nt, sizeof(double), err);
  v->acf = nnmd_malloc(Nt * sizeof(double), err);
  if (!v->buf || !v->c_b || !v->mw_b || !v->c_sum || !v->mw_sum || !v->c_avg || !v->norm || !v->acf)
    return NNMD_ERR_NOMEM;
  int st = nnmd_corr_create(v->Nt, &v->corr, err);
  if (!st) st = nnmd_corr_create(2 * v->Nt, &v->dos_plan, err); /* L >= 4 Nt: finer frequency grid */
  if (st) return st;
  v->n_freq = nnmd_corr_padded(v->dos_plan) / 2 + 1;
  v->freq = nnmd_malloc((size_t)v->n_freq * sizeof(double), err);
  v->dos = nnmd_calloc((ns + 1) * (size_t)v->n_freq, sizeof(double), err);
  v->fwin = nnmd_malloc(Nt * sizeof(double), err);
  if (!v->freq || !v->dos || !v->fwin) return NNMD_ERR_NOMEM;
  double L = (double)nnmd_corr_padded(v->dos_plan);
  for (int64_t k = 0; k < v->n_freq; ++k) v->freq[k] = (double)k / (L * v->tau);
  return NNMD_OK;
}

int nnmd_vacf_create(const struct nnmd_vacf_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                     const int *type, double dt, struct nnmd_vacf **out, struct nnmd_error *err) {
  *out = NULL;
  if (o->every < 1 || o->window < 2 * o->every || o->window % o->every != 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "VACF: window (%lld) must be a multiple of every (%lld), at least twice it",
                     (long long)o->window, (long long)o->every);
  if (!(dt > 0) || natoms < 1) return nnmd_fail(err, NNMD_ERR_INPUT, "VACF: needs atoms and a positive time step");
  struct nnmd_vacf *v = nnmd_calloc(1, sizeof *v, err);
  if (!v) return NNMD_ERR_NOMEM;
  v->o = *o;
  if (!v->o.units) v->o.units = nnmd_units_get("lammps");
  v->sp = *sp;
  v->natoms = natoms;
  v->tau = dt * (double)o->every;
  v->M = o->window / o->every;
  v->Nt = v->M + 1;
  v->sel = nnmd_malloc((size_t)natoms * sizeof *v->sel, err);
  v->type = nnmd_malloc((size_t)natoms * sizeof *v->type, err);
  if (!v->sel || !v->type) {
    nnmd_vacf_destroy(v);
    return NNMD_ERR_NOMEM;
  }
  for (int s = 0; s < NNMD_MAX_SPECIES; ++s) v->slot[s] = -1;
  for (int64_t i = 0; i < natoms; ++i) {
    int t = type[i];
    v->type[i] = t;
    if (t < 0 || t >= sp->n || !o->species[t]) continue;
    if (v->slot[t] < 0) {
      v->slot_sp[v->nslot] = t;
      v->slot[t] = v->nslot++;
    }
    v->n_in[v->slot[t]]++;
    v->sel[v->nsel++] = i;
  }
  int st = v->nsel ? alloc_arrays(v, err) : nnmd_fail(err, NNMD_ERR_INPUT, "VACF: no atom of the analysed species");
  if (st) {
    nnmd_vacf_destroy(v);
    return st;
  }
  *out = v;
  return NNMD_OK;
}

static int process_block(struct nnmd_vacf *v, struct nnmd_error *err) {
  int64_t Nt = v->Nt, ns = v->nslot;
  memset(v->c_b, 0, (size_t)(ns * 4 * Nt) * sizeof(double));
  memset(v->mw_b, 0, (size_t)(ns * Nt) * sizeof(double));
  for (int64_t a = 0; a < v->nsel; ++a) {
    int t = v->type[v->sel[a]], s = v->slot[t];
    double mass = v->sp.s[t].mass;
    for (int d = 0; d < 3; ++d) {
      nnmd_corr_acf(v->corr, v->buf + (3 * a + d) * Nt, Nt, v->acf);
      double *c = v->c_b + (4 * s + d) * Nt, *ct = v->c_b + (4 * s + 3) * Nt, *mw = v->mw_b + s * Nt;
      for (int64_t m = 0; m < Nt; ++m) {
        double x = v->acf[m] / (double)(Nt - m);
        c[m] += x;
        ct[m] += x;
        mw[m] += mass * x;
      }
    }
  }
  if (nnmd_grow((void **)&v->blk, &v->blk_cap, (size_t)((v->n_blocks + 1) * ns), sizeof(double), err))
    return NNMD_ERR_NOMEM;
  for (int s = 0; s < ns; ++s) {
    const double *ct = v->c_b + (4 * s + 3) * Nt;
    double integral = 0.5 * (ct[0] + ct[Nt - 1]);
    for (int64_t m = 1; m < Nt - 1; ++m) integral += ct[m];
    v->blk[v->n_blocks * ns + s] = integral * v->tau / (3.0 * (double)v->n_in[s]);
  }
  for (int64_t j = 0; j < ns * 4 * Nt; ++j) v->c_sum[j] += v->c_b[j];
  for (int64_t j = 0; j < ns * Nt; ++j) v->mw_sum[j] += v->mw_b[j];
  v->n_blocks++;
  for (int64_t j = 0; j < 3 * v->nsel; ++j) v->buf[j * Nt] = v->buf[j * Nt + Nt - 1];
  v->k = 1;
  return NNMD_OK;
}

int nnmd_vacf_add(struct nnmd_vacf *v, const double *vel, struct nnmd_error *err) {
  int64_t n = v->natoms, Nt = v->Nt;
  for (int64_t a = 0; a < v->nsel; ++a)
    for (int d = 0; d < 3; ++d) v->buf[(3 * a + d) * Nt + v->k] = vel[d * n + v->sel[a]];
  v->n_samples++;
  if (++v->k == Nt) return process_block(v, err);
  return NNMD_OK;
}

/* g of one windowed numerator f (n_lags values, already divided by the C^ normaliser). */
static void dos_of(struct nnmd_vacf *v, const double *num, double *g) {
  int64_t Nt = v->Nt;
  double natoms = (double)v->nsel;
  for (int64_t m = 0; m < Nt; ++m) v->fwin[m] = 0.5 * (1.0 + cos(NNMD_PI * (double)m / (double)v->M)) * num[m];
  nnmd_corr_cos(v->dos_plan, v->fwin, Nt, g);
  for (int64_t k = 0; k < v->n_freq; ++k) g[k] = 12.0 * natoms * v->tau * (g[k] - 0.5 * v->fwin[0]);
}

const struct nnmd_vacf_stats *nnmd_vacf_compute(struct nnmd_vacf *v) {
  struct nnmd_vacf_stats *st = &v->stats;
  memset(st, 0, sizeof *st);
  int64_t Nt = v->Nt, ns = v->nslot, nb = v->n_blocks;
  st->n_blocks = nb;
  st->n_samples = v->n_samples;
  st->n_lags = Nt;
  st->n_atoms = v->nsel;
  st->n_freq = v->n_freq;
  st->tau = v->tau;
  for (int s = 0; s < ns; ++s) {
    int t = v->slot_sp[s];
    st->n_in[t] = v->n_in[s];
    st->D_gk[t] = nnmd_ana_mean_se(v->blk + s, nb, ns, &st->D_gk_err[t]);
    for (int64_t j = 0; j < 4 * Nt; ++j)
      v->c_avg[4 * s * Nt + j] = nb ? v->c_sum[4 * s * Nt + j] / ((double)nb * (double)v->n_in[s]) : NAN;
  }
  if (nb == 0) return st;
  double c0 = 0.0;
  for (int s = 0; s < ns; ++s) c0 += v->mw_sum[s * Nt];
  for (int64_t m = 0; m < Nt; ++m) {
    double sum = 0.0;
    for (int s = 0; s < ns; ++s) sum += v->mw_sum[s * Nt + m];
    v->norm[m] = sum / c0;
  }
  /* DOS: total from C^, partials from each species' share of the numerator */
  double *tmp = v->acf; /* Nt scratch */
  dos_of(v, v->norm, v->dos);
  for (int s = 0; s < ns; ++s) {
    for (int64_t m = 0; m < Nt; ++m) tmp[m] = v->mw_sum[s * Nt + m] / c0;
    dos_of(v, tmp, v->dos + (s + 1) * v->n_freq);
  }
  double dnu = v->freq[1] - v->freq[0], integral = 0.5 * (v->dos[0] + v->dos[v->n_freq - 1]);
  for (int64_t k = 1; k < v->n_freq - 1; ++k) integral += v->dos[k];
  integral *= dnu;
  st->dos_integral = integral;
  double scale = 3.0 * (double)v->nsel / integral;
  for (int64_t j = 0; j < (ns + 1) * v->n_freq; ++j) v->dos[j] *= scale;
  return st;
}

const double *nnmd_vacf_curve(const struct nnmd_vacf *v, int species, int comp) {
  if (species < 0 || species >= NNMD_MAX_SPECIES || v->slot[species] < 0 || comp < 0 || comp > 3) return NULL;
  return v->c_avg + (4 * v->slot[species] + comp) * v->Nt;
}
const double *nnmd_vacf_norm(const struct nnmd_vacf *v) { return v->norm; }
const double *nnmd_vacf_freq(const struct nnmd_vacf *v) { return v->freq; }
const double *nnmd_vacf_dos(const struct nnmd_vacf *v, int species) {
  if (species < 0) return v->dos;
  if (species >= NNMD_MAX_SPECIES || v->slot[species] < 0) return NULL;
  return v->dos + (v->slot[species] + 1) * v->n_freq;
}
const struct nnmd_species_table *nnmd_vacf_species_table(const struct nnmd_vacf *v) { return &v->sp; }
const struct nnmd_vacf_opts *nnmd_vacf_options(const struct nnmd_vacf *v) { return &v->o; }
