/* msd.c — the MSD accumulator: block storage, FFT MSD per block, block statistics
 * (algorithm, layout and units in msd.h).
 *
 * Layout: the analysed atoms get slots a = 0..nsel-1 in id order; their COM-corrected u of
 * the current block are buf[(3a + d) Nt + k] (one contiguous series per atom and component,
 * as the FFT wants it). Analysed species get slots s = 0..nslot-1; coll[(3s + d) Nt + k] is
 * sum_{i in s} u_i and qser[d Nt + k] = sum_i z_i u_i (the charge displacement). Curves:
 * msd_*[(4s + c) Nt + m] with c = x, y, z, total; du_*[(3s + d) Nt + m]. Per block one record
 * of REC doubles per species slot (D, D_x, D_y, D_z, v_x, v_y, v_z, D_sigma) and one more for
 * the charge displacement (slope / 6, e^2 A^2/ps).
 */
#include "msd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "box_math.h"
#include "corr.h"
#include "mem.h"

enum { REC = 8 };

struct nnmd_msd {
  struct nnmd_msd_opts o;
  struct nnmd_species_table sp;
  int64_t natoms;
  int *type;
  double *mass, mtot;
  double dt, tau;
  int64_t M, Nt, lag_a, lag_b;
  int64_t nsel, *sel; /* atom index of each analysed slot */
  int slot[NNMD_MAX_SPECIES], slot_sp[NNMD_MAX_SPECIES], nslot;
  int64_t n_in[NNMD_MAX_SPECIES]; /* atoms per species slot */
  bool zk[NNMD_MAX_SPECIES];      /* effective charge known, per species index */
  double zz[NNMD_MAX_SPECIES];
  bool have_q;
  double *buf, *coll, *qser;
  int64_t k; /* next sample slot within the block */
  int64_t n_samples;
  double temp_sum, vol_sum;
  double *msd_b, *du_b, *msd_sum, *du_sum, *msd_avg, *du_avg;
  double *tmp2; /* [Nt] mean displacement of one collective series */
  struct nnmd_corr *corr;
  double *work, *tmp, *times, *prefix;
  double *blk, *scr; /* block records; scratch of one value per block */
  size_t blk_cap, scr_cap;
  int64_t n_blocks, rec;
  struct nnmd_msd_stats stats;
};

void nnmd_msd_opts_default(struct nnmd_msd_opts *o) {
  memset(o, 0, sizeof *o);
  o->every = 10;
  o->fit[0] = 0.1;
  o->fit[1] = 0.5;
  o->com = true;
  o->group_bit = -1;
  o->units = nnmd_units_get("lammps");
}

void nnmd_msd_series_add(struct nnmd_corr *c, const double *x, int64_t n, double *work, double *msd) {
  double *y = work, *a = work + n, mean = 0.0;
  for (int64_t k = 0; k < n; ++k) mean += x[k];
  mean /= (double)n;
  for (int64_t k = 0; k < n; ++k) y[k] = x[k] - mean;
  nnmd_corr_acf(c, y, n, a); /* a[m] = (N - m) S2(m) */
  /* S1: Q runs over sum_{k<N-m} (y_k^2 + y_{k+m}^2), peeling one square off each end */
  double q = 0.0;
  for (int64_t k = 0; k < n; ++k) q += 2.0 * y[k] * y[k];
  for (int64_t m = 0; m < n; ++m) {
    if (m > 0) q -= y[m - 1] * y[m - 1] + y[n - m] * y[n - m];
    msd[m] += (q - 2.0 * a[m]) / (double)(n - m);
  }
}

void nnmd_msd_unwrap(double u[3], const double dx[3], const struct nnmd_box *box) {
  double d[3] = {dx[0], dx[1], dx[2]};
  nnmd_min_image(box->h, box->h_inv, box->periodic, d);
  for (int k = 0; k < 3; ++k) u[k] += d[k];
}

void nnmd_msd_destroy(struct nnmd_msd *m) {
  if (!m) return;
  free(m->type);
  free(m->mass);
  free(m->sel);
  free(m->buf);
  free(m->coll);
  free(m->qser);
  free(m->msd_b);
  free(m->du_b);
  free(m->tmp2);
  free(m->msd_sum);
  free(m->du_sum);
  free(m->msd_avg);
  free(m->du_avg);
  nnmd_corr_destroy(m->corr);
  free(m->work);
  free(m->tmp);
  free(m->times);
  free(m->prefix);
  free(m->blk);
  free(m->scr);
  free(m);
}

static int check_opts(const struct nnmd_msd_opts *o, struct nnmd_error *err) {
  if (o->every < 1 || o->window < 2 * o->every || o->window % o->every != 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "MSD: window (%lld) must be a multiple of every (%lld), at least twice it",
                     (long long)o->window, (long long)o->every);
  if (!(o->fit[0] >= 0.0 && o->fit[0] < o->fit[1] && o->fit[1] <= 1.0))
    return nnmd_fail(err, NNMD_ERR_INPUT, "MSD: fit = [%g, %g] must satisfy 0 <= start < end <= 1", o->fit[0], o->fit[1]);
  return NNMD_OK;
}

static int alloc_arrays(struct nnmd_msd *m, struct nnmd_error *err) {
  size_t Nt = (size_t)m->Nt, ns = (size_t)(m->nslot > 0 ? m->nslot : 1);
  m->buf = nnmd_malloc((size_t)(m->nsel > 0 ? m->nsel : 1) * 3 * Nt * sizeof(double), err);
  m->coll = nnmd_calloc(ns * 3 * Nt, sizeof(double), err);
  m->qser = nnmd_calloc(3 * Nt, sizeof(double), err);
  m->msd_b = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  m->du_b = nnmd_calloc(ns * 3 * Nt, sizeof(double), err);
  m->msd_sum = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  m->du_sum = nnmd_calloc(ns * 3 * Nt, sizeof(double), err);
  m->msd_avg = nnmd_calloc(ns * 4 * Nt, sizeof(double), err);
  m->du_avg = nnmd_calloc(ns * 3 * Nt, sizeof(double), err);
  m->work = nnmd_malloc(2 * Nt * sizeof(double), err);
  m->tmp = nnmd_malloc(Nt * sizeof(double), err);
  m->tmp2 = nnmd_malloc(Nt * sizeof(double), err);
  m->times = nnmd_malloc(Nt * sizeof(double), err);
  m->prefix = nnmd_malloc((Nt + 1) * sizeof(double), err);
  if (!m->buf || !m->coll || !m->qser || !m->msd_b || !m->du_b || !m->msd_sum || !m->du_sum || !m->msd_avg ||
      !m->du_avg || !m->work || !m->tmp || !m->tmp2 || !m->times || !m->prefix)
    return NNMD_ERR_NOMEM;
  for (int64_t k = 0; k < m->Nt; ++k) m->times[k] = (double)k * m->tau;
  return nnmd_corr_create(m->Nt, &m->corr, err);
}

int nnmd_msd_create(const struct nnmd_msd_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                    const int *type, double dt, struct nnmd_msd **out, struct nnmd_error *err) {
  *out = NULL;
  int st = check_opts(o, err);
  if (st) return st;
  if (!(dt > 0) || natoms < 1) return nnmd_fail(err, NNMD_ERR_INPUT, "MSD: needs atoms and a positive time step");
  struct nnmd_msd *m = nnmd_calloc(1, sizeof *m, err);
  if (!m) return NNMD_ERR_NOMEM;
  m->o = *o;
  if (!m->o.units) m->o.units = nnmd_units_get("lammps");
  m->sp = *sp;
  m->natoms = natoms;
  m->dt = dt;
  m->tau = dt * (double)o->every;
  m->M = o->window / o->every;
  m->Nt = m->M + 1;
  m->lag_a = (int64_t)llround(o->fit[0] * (double)m->M);
  m->lag_b = (int64_t)llround(o->fit[1] * (double)m->M);
  m->type = nnmd_malloc((size_t)natoms * sizeof *m->type, err);
  m->mass = nnmd_malloc((size_t)natoms * sizeof *m->mass, err);
  m->sel = nnmd_malloc((size_t)natoms * sizeof *m->sel, err);
  if (!m->type || !m->mass || !m->sel) {
    nnmd_msd_destroy(m);
    return NNMD_ERR_NOMEM;
  }
  if (m->lag_b - m->lag_a < 1) {
    nnmd_msd_destroy(m);
    return nnmd_fail(err, NNMD_ERR_INPUT, "MSD: the fit window [%g, %g] of %lld lags holds fewer than 2 lags",
                     o->fit[0], o->fit[1], (long long)(o->window / o->every));
  }
  for (int s = 0; s < NNMD_MAX_SPECIES; ++s) {
    m->slot[s] = -1;
    m->zk[s] = o->charge_known[s] || o->z_known[s];
    m->zz[s] = o->charge_known[s] ? o->charge[s] : (o->z_known[s] ? o->z[s] : 0.0);
  }
  for (int64_t i = 0; i < natoms; ++i) {
    int t = type[i];
    if (t < 0 || t >= sp->n) {
      nnmd_msd_destroy(m);
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "MSD: atom %lld has species index %d", (long long)i, t);
    }
    m->type[i] = t;
    m->mass[i] = o->atom_mass ? o->atom_mass[i] : sp->s[t].mass;
    m->mtot += m->mass[i];
    if (!o->species[t]) continue;
    if (m->slot[t] < 0) {
      m->slot_sp[m->nslot] = t;
      m->slot[t] = m->nslot++;
    }
    m->n_in[m->slot[t]]++;
    m->sel[m->nsel++] = i;
    if (m->zk[t]) m->have_q = true;
  }
  m->o.atom_mass = NULL; /* used above only */
  if (m->nsel == 0) {
    nnmd_msd_destroy(m);
    return nnmd_fail(err, NNMD_ERR_INPUT, "MSD: no atom of the analysed species is in the system");
  }
  m->rec = REC * m->nslot + 1;
  if ((st = alloc_arrays(m, err))) {
    nnmd_msd_destroy(m);
    return st;
  }
  *out = m;
  return NNMD_OK;
}

const struct nnmd_msd_opts *nnmd_msd_options(const struct nnmd_msd *m) { return &m->o; }
const struct nnmd_species_table *nnmd_msd_species_table(const struct nnmd_msd *m) { return &m->sp; }

static double fit_slope(const struct nnmd_msd *m, const double *y) {
  return nnmd_ana_line(m->times, y, m->lag_a, m->lag_b, NULL, NULL);
}

/* Mean displacement over all origins, added to du: (sum_{k>=m} x_k - sum_{k<N-m} x_k)/(N-m). */
static void mean_disp_add(struct nnmd_msd *m, const double *x, double *du) {
  int64_t n = m->Nt;
  double *p = m->prefix;
  p[0] = 0.0;
  for (int64_t k = 0; k < n; ++k) p[k + 1] = p[k] + x[k];
  for (int64_t l = 0; l < n; ++l) du[l] += ((p[n] - p[l]) - p[n - l]) / (double)(n - l);
}

/* MSD of one collective series component added to out. (In field runs it is dominated by
 * the drift; the collective quantities then come from the drift velocities instead.) */
static void collective_add(struct nnmd_msd *m, const double *x, double *out) {
  nnmd_msd_series_add(m->corr, x, m->Nt, m->work, out);
}

static int process_block(struct nnmd_msd *m, struct nnmd_error *err) {
  int64_t Nt = m->Nt, ns = m->nslot;
  memset(m->msd_b, 0, (size_t)(ns * 4 * Nt) * sizeof(double));
  memset(m->du_b, 0, (size_t)(ns * 3 * Nt) * sizeof(double));
  for (int64_t a = 0; a < m->nsel; ++a) {
    int s = m->slot[m->type[m->sel[a]]];
    for (int d = 0; d < 3; ++d) {
      const double *x = m->buf + (3 * a + d) * Nt;
      nnmd_msd_series_add(m->corr, x, Nt, m->work, m->msd_b + (4 * s + d) * Nt);
      mean_disp_add(m, x, m->du_b + (3 * s + d) * Nt);
    }
  }
  if (nnmd_grow((void **)&m->blk, &m->blk_cap, (size_t)((m->n_blocks + 1) * m->rec), sizeof(double), err) ||
      nnmd_grow((void **)&m->scr, &m->scr_cap, (size_t)(m->n_blocks + 1), sizeof(double), err))
    return NNMD_ERR_NOMEM;
  double *rec = m->blk + m->n_blocks * m->rec;
  for (int s = 0; s < ns; ++s) {
    double inv = 1.0 / (double)m->n_in[s], *mb = m->msd_b + 4 * s * Nt;
    for (int64_t l = 0; l < Nt; ++l) {
      for (int d = 0; d < 3; ++d) {
        mb[d * Nt + l] *= inv;
        m->du_b[(3 * s + d) * Nt + l] *= inv;
        /* field runs: the variance about the species' mean displacement (methods §6.2), so
         * the drift (v tau)^2 does not leak into D */
        if (m->o.field_on) mb[d * Nt + l] -= m->du_b[(3 * s + d) * Nt + l] * m->du_b[(3 * s + d) * Nt + l];
      }
      mb[3 * Nt + l] = mb[l] + mb[Nt + l] + mb[2 * Nt + l];
    }
    double *r = rec + REC * s;
    r[0] = fit_slope(m, mb + 3 * Nt) / 6.0;
    for (int d = 0; d < 3; ++d) {
      r[1 + d] = fit_slope(m, mb + d * Nt) / 2.0;
      r[4 + d] = m->du_b[(3 * s + d) * Nt + m->M] / ((double)m->M * m->tau);
    }
    memset(m->tmp, 0, (size_t)Nt * sizeof(double));
    for (int d = 0; d < 3; ++d) collective_add(m, m->coll + (3 * s + d) * Nt, m->tmp);
    r[7] = fit_slope(m, m->tmp) / (6.0 * (double)m->n_in[s]);
  }
  rec[REC * ns] = NAN;
  if (m->have_q) {
    memset(m->tmp, 0, (size_t)Nt * sizeof(double));
    for (int d = 0; d < 3; ++d) collective_add(m, m->qser + d * Nt, m->tmp);
    rec[REC * ns] = fit_slope(m, m->tmp) / 6.0;
  }
  for (int64_t j = 0; j < ns * 4 * Nt; ++j) m->msd_sum[j] += m->msd_b[j];
  for (int64_t j = 0; j < ns * 3 * Nt; ++j) m->du_sum[j] += m->du_b[j];
  m->n_blocks++;
  /* the last sample opens the next block */
  for (int64_t j = 0; j < 3 * m->nsel; ++j) m->buf[j * Nt] = m->buf[j * Nt + Nt - 1];
  for (int64_t j = 0; j < 3 * ns; ++j) m->coll[j * Nt] = m->coll[j * Nt + Nt - 1];
  for (int d = 0; d < 3; ++d) m->qser[d * Nt] = m->qser[d * Nt + Nt - 1];
  m->k = 1;
  return NNMD_OK;
}

int nnmd_msd_add(struct nnmd_msd *m, const double *u, double temp, double volume, struct nnmd_error *err) {
  int64_t n = m->natoms, Nt = m->Nt, k = m->k;
  double U[3] = {0, 0, 0};
  if (m->o.com) {
    for (int d = 0; d < 3; ++d) {
      double s = 0.0;
      for (int64_t i = 0; i < n; ++i) s += m->mass[i] * u[d * n + i];
      U[d] = s / m->mtot;
    }
  }
  for (int64_t j = 0; j < 3 * m->nslot; ++j) m->coll[j * Nt + k] = 0.0;
  for (int d = 0; d < 3; ++d) m->qser[d * Nt + k] = 0.0;
  for (int64_t a = 0; a < m->nsel; ++a) {
    int64_t i = m->sel[a];
    int t = m->type[i], s = m->slot[t];
    for (int d = 0; d < 3; ++d) {
      double x = u[d * n + i] - U[d];
      m->buf[(3 * a + d) * Nt + k] = x;
      m->coll[(3 * s + d) * Nt + k] += x;
      if (m->zk[t]) m->qser[d * Nt + k] += m->zz[t] * x;
    }
  }
  m->temp_sum += temp;
  m->vol_sum += volume;
  m->n_samples++;
  if (++m->k == Nt) return process_block(m, err);
  return NNMD_OK;
}

/* Mean and SE of column j of the block records (NaN-aware: NaN propagates). */
static double blk_mean(const struct nnmd_msd *m, int64_t j, double *se) {
  return nnmd_ana_mean_se(m->blk + j, m->n_blocks, m->rec, se);
}

static void species_stats(struct nnmd_msd *m, int s, double kT, double Emag, const double *Ehat) {
  struct nnmd_msd_stats *st = &m->stats;
  int t = m->slot_sp[s];
  struct nnmd_msd_species_stats *r = &st->sp[t];
  int64_t Nt = m->Nt;
  const double *avg = m->msd_avg + (4 * s + 3) * Nt;
  r->analysed = true;
  r->n_atoms = m->n_in[s];
  r->D = blk_mean(m, REC * s, &r->D_err);
  double se = NAN;
  nnmd_ana_line(m->times, avg, m->lag_a, m->lag_b, NULL, &se);
  r->D_ols_err = se / 6.0;
  for (int d = 0; d < 3; ++d) {
    r->D_xyz[d] = blk_mean(m, REC * s + 1 + d, &r->D_xyz_err[d]);
    r->v_drift[d] = blk_mean(m, REC * s + 4 + d, &r->v_drift_err[d]);
  }
  /* diffusive exponent: slope of ln MSD against ln t over the fit lags (lag 0 excluded) */
  int64_t a = m->lag_a > 0 ? m->lag_a : 1;
  bool pos = m->lag_b > a;
  for (int64_t l = a; l <= m->lag_b && pos; ++l) pos = avg[l] > 0;
  r->alpha = NAN;
  if (pos) {
    double *lx = m->work, *ly = m->work + Nt;
    for (int64_t l = a; l <= m->lag_b; ++l) {
      lx[l] = log(m->times[l]);
      ly[l] = log(avg[l]);
    }
    r->alpha = nnmd_ana_line(lx, ly, a, m->lag_b, NULL, NULL);
  }
  r->D_sigma = blk_mean(m, REC * s + 7, &r->D_sigma_err);
  if ((m->o.com && m->n_in[s] == m->natoms) /* the species is the whole system: its COM was removed */
      || m->o.field_on)                     /* the collective displacement is dominated by the drift */
    r->D_sigma = r->D_sigma_err = NAN;
  r->haven = r->D / r->D_sigma;
  r->haven_err = fabs(r->haven) * sqrt(pow(r->D_err / r->D, 2) + pow(r->D_sigma_err / r->D_sigma, 2));
  r->has_z = m->zk[t];
  r->z = m->zz[t];
  r->mobility = r->mobility_err = r->mobility_ne = r->mobility_ne_err = NAN;
  if (r->has_z) {
    r->mobility_ne = r->z * r->D / kT;
    r->mobility_ne_err = fabs(r->z) * r->D_err / kT;
  }
  if (Emag > 0) {
    double *vb = m->scr; /* per-block drift along E */
    for (int64_t b = 0; b < m->n_blocks; ++b) {
      const double *v = m->blk + b * m->rec + REC * s + 4;
      vb[b] = (v[0] * Ehat[0] + v[1] * Ehat[1] + v[2] * Ehat[2]) / Emag;
    }
    r->mobility = nnmd_ana_mean_se(vb, m->n_blocks, 1, &r->mobility_err);
  }
}

const struct nnmd_msd_stats *nnmd_msd_compute(struct nnmd_msd *m) {
  struct nnmd_msd_stats *st = &m->stats;
  memset(st, 0, sizeof *st);
  int64_t Nt = m->Nt, ns = m->nslot, nb = m->n_blocks;
  st->n_blocks = nb;
  st->n_samples = m->n_samples;
  st->n_lags = Nt;
  st->lag_a = m->lag_a;
  st->lag_b = m->lag_b;
  st->tau = m->tau;
  st->t_fit[0] = m->times[m->lag_a];
  st->t_fit[1] = m->times[m->lag_b];
  st->temp = m->n_samples ? m->temp_sum / (double)m->n_samples : NAN;
  st->volume = m->n_samples ? m->vol_sum / (double)m->n_samples : NAN;
  for (int64_t j = 0; j < ns * 4 * Nt; ++j) m->msd_avg[j] = nb ? m->msd_sum[j] / (double)nb : NAN;
  for (int64_t j = 0; j < ns * 3 * Nt; ++j) m->du_avg[j] = nb ? m->du_sum[j] / (double)nb : NAN;
  if (nb == 0) return st;
  double kT = m->o.units->boltz * st->temp;
  double Emag = m->o.field_on ? sqrt(m->o.E[0] * m->o.E[0] + m->o.E[1] * m->o.E[1] + m->o.E[2] * m->o.E[2]) : 0.0;
  double Ehat[3] = {0, 0, 0};
  for (int d = 0; d < 3 && Emag > 0; ++d) Ehat[d] = m->o.E[d] / Emag;
  for (int s = 0; s < ns; ++s) species_stats(m, s, kT, Emag, Ehat);
  st->have_sigma = m->have_q;
  st->sigma_ne = st->sigma_ne_err = st->sigma_coll = st->sigma_coll_err = st->haven = st->haven_err = NAN;
  if (m->have_q) {
    double f = NNMD_SIGMA_S_PER_CM / (st->volume * kT);
    double *sb = m->scr; /* per-block sigma_NE */
    for (int64_t b = 0; b < nb; ++b) {
      double sum = 0.0;
      for (int s = 0; s < ns; ++s) {
        int t = m->slot_sp[s];
        if (m->zk[t]) sum += (double)m->n_in[s] * m->zz[t] * m->zz[t] * m->blk[b * m->rec + REC * s];
      }
      sb[b] = f * sum;
    }
    st->sigma_ne = nnmd_ana_mean_se(sb, nb, 1, &st->sigma_ne_err);
    if (Emag > 0) { /* sigma_E = sum_s N_s z_s e v_d,s / (V E) (methods §6.5), per block */
      for (int64_t b = 0; b < nb; ++b) {
        double sum = 0.0;
        for (int s = 0; s < ns; ++s) {
          int t = m->slot_sp[s];
          const double *v = m->blk + b * m->rec + REC * s + 4;
          if (m->zk[t]) sum += (double)m->n_in[s] * m->zz[t] * (v[0] * Ehat[0] + v[1] * Ehat[1] + v[2] * Ehat[2]) / Emag;
        }
        sb[b] = NNMD_SIGMA_S_PER_CM * sum / st->volume;
      }
      st->sigma_coll = nnmd_ana_mean_se(sb, nb, 1, &st->sigma_coll_err);
      st->sigma_from_field = true;
    } else {
      st->sigma_coll = f * blk_mean(m, REC * ns, &st->sigma_coll_err);
      st->sigma_coll_err *= f;
    }
    st->haven = st->sigma_ne / st->sigma_coll;
    st->haven_err = fabs(st->haven) * sqrt(pow(st->sigma_ne_err / st->sigma_ne, 2) +
                                           pow(st->sigma_coll_err / st->sigma_coll, 2));
  }
  return st;
}

const double *nnmd_msd_curve(const struct nnmd_msd *m, int species, int comp) {
  if (species < 0 || species >= NNMD_MAX_SPECIES || m->slot[species] < 0 || comp < 0 || comp > 3) return NULL;
  return m->msd_avg + (4 * m->slot[species] + comp) * m->Nt;
}

const double *nnmd_msd_mean_disp(const struct nnmd_msd *m, int species, int comp) {
  if (species < 0 || species >= NNMD_MAX_SPECIES || m->slot[species] < 0 || comp < 0 || comp > 2) return NULL;
  return m->du_avg + (3 * m->slot[species] + comp) * m->Nt;
}
