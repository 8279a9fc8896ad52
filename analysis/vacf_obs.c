/* vacf_obs.c — [analysis.vacf] input, the in-run VACF observer (velocities of all ranks
 * gathered on rank 0 in id order every `every` steps) and the products:
 *   vacf.csv   time_ps, vacf_norm (mass-weighted C^), per species <v(0).v(t)> total and x, y, z
 *              (A^2/ps^2) and the running Green-Kubo integral 1/3 int_0^t C dt (A^2/ps)
 *   vdos.csv   freq_THz, freq_cm-1, energy_meV, g_total and partial g per species (1/THz; the
 *              total integrates to 3N over THz)
 *   vdos.svg   total and partial DOS against cm^-1 (THz on the top axis), up to where the
 *              spectrum ends: the highest frequency with g above 0.2 % of its maximum, plus 15 %
 *              (the Nyquist frequency at most)
 * Aliasing check: when more than 1 % of the DOS lies in the top 10 % of the band below the
 * Nyquist frequency 1/(2 tau), the sampling interval tau is too long for the fastest motions
 * (they fold back into lower frequencies): a warning says so and what interval would do.
 *   vacf.json  Green-Kubo D per species with its block error, and the sampling parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "corr.h"
#include "mem.h"
#include "plot_svg.h"
#include "vacf.h"

static const char *const k_vacf_keys[] = {"species", "every", "window", NULL};

int nnmd_vacf_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, int64_t run_steps,
                        struct nnmd_vacf_opts *o, struct nnmd_error *err) {
  const struct nnmd_units *units = o->units;
  nnmd_vacf_opts_default(o);
  if (units) o->units = units;
  int st = nnmd_cfg_check_keys(tbl, k_vacf_keys, "[analysis.vacf]", err), r;
  r = nnmd_ana_species(tbl, "species", sp, o->species, err);
  st = st ? st : r;
  r = nnmd_ana_window(tbl, "[analysis.vacf]", run_steps, &o->every, &o->window, err);
  return st ? st : r;
}

/* ---- products ----------------------------------------------------------------------------- */

static int write_vacf_csv(struct nnmd_vacf *v, const struct nnmd_vacf_stats *st, const char *path,
                          struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_vacf_species_table(v);
  struct nnmd_outfile out;
  int rc = nnmd_outfile_open(&out, path, err);
  if (rc) return rc;
  FILE *f = out.f;
  fputs("time_ps,vacf_norm", f);
  for (int s = 0; s < sp->n; ++s)
    if (st->n_in[s])
      fprintf(f, ",%s_vacf_A2ps2,%s_vacf_x,%s_vacf_y,%s_vacf_z,%s_D_gk_A2ps", sp->s[s].symbol, sp->s[s].symbol,
              sp->s[s].symbol, sp->s[s].symbol, sp->s[s].symbol);
  fputc('\n', f);
  double run[NNMD_MAX_SPECIES] = {0};
  for (int64_t m = 0; m < st->n_lags; ++m) {
    fprintf(f, "%.10g,%.12g", (double)m * st->tau, nnmd_vacf_norm(v)[m]);
    for (int s = 0; s < sp->n; ++s) {
      if (!st->n_in[s]) continue;
      const double *c = nnmd_vacf_curve(v, s, 3);
      if (m > 0) run[s] += 0.5 * (c[m - 1] + c[m]) * st->tau / 3.0;
      fprintf(f, ",%.12g,%.12g,%.12g,%.12g,%.12g", c[m], nnmd_vacf_curve(v, s, 0)[m], nnmd_vacf_curve(v, s, 1)[m],
              nnmd_vacf_curve(v, s, 2)[m], run[s]);
    }
    fputc('\n', f);
  }
  return nnmd_outfile_commit(&out, err);
}

static int write_vdos_csv(struct nnmd_vacf *v, const struct nnmd_vacf_stats *st, const char *path,
                          struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_vacf_species_table(v);
  double h_mev = 1000.0 * nnmd_vacf_options(v)->units->hplanck; /* meV per THz */
  struct nnmd_outfile out;
  int rc = nnmd_outfile_open(&out, path, err);
  if (rc) return rc;
  FILE *f = out.f;
  fputs("freq_THz,freq_cm-1,energy_meV,g_total_per_THz", f);
  for (int s = 0; s < sp->n; ++s)
    if (st->n_in[s]) fprintf(f, ",g_%s_per_THz", sp->s[s].symbol);
  fputc('\n', f);
  const double *nu = nnmd_vacf_freq(v), *g = nnmd_vacf_dos(v, -1);
  for (int64_t k = 0; k < st->n_freq; ++k) {
    fprintf(f, "%.10g,%.10g,%.10g,%.10g", nu[k], nu[k] * NNMD_THZ_TO_CM1, nu[k] * h_mev, g[k]);
    for (int s = 0; s < sp->n; ++s)
      if (st->n_in[s]) fprintf(f, ",%.10g", nnmd_vacf_dos(v, s)[k]);
    fputc('\n', f);
  }
  return nnmd_outfile_commit(&out, err);
}

static int write_json(struct nnmd_vacf *v, const struct nnmd_vacf_stats *st, const char *path,
                      struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_vacf_species_table(v);
  struct nnmd_outfile out;
  int rc = nnmd_outfile_open(&out, path, err);
  if (rc) return rc;
  FILE *f = out.f;
  fputs("{\n", f);
  for (int s = 0; s < sp->n; ++s) {
    if (!st->n_in[s]) continue;
    fputs("  ", f);
    nnmd_json_str(f, sp->s[s].symbol);
    fprintf(f, ": {\"n_atoms\": %lld, \"D_gk\": ", (long long)st->n_in[s]);
    nnmd_json_num(f, st->D_gk[s]);
    fputs(", \"D_gk_err\": ", f);
    nnmd_json_num(f, st->D_gk_err[s]);
    fputs("},\n", f);
  }
  fputs("  \"meta\": {\"source\": ", f);
  nnmd_json_str(f, nnmd_vacf_options(v)->source);
  fprintf(f, ", \"n_blocks\": %lld, \"n_samples\": %lld, \"sample_interval_ps\": %.17g, \"window_ps\": %.17g, "
             "\"dos_resolution_THz\": %.17g, \"nyquist_THz\": %.17g, \"dos_integral_before_rescaling\": %.17g, "
             "\"n_atoms\": %lld,\n    \"units\": {\"D_gk\": \"A^2/ps\", \"g\": \"1/THz (integral 3N)\"},\n"
             "    \"errors\": \"D_gk_err = s/sqrt(n_blocks) over consecutive blocks of 'window' steps (null with one "
             "block); D_gk integrates C(t)/3 up to the window length\", \"fft\": \"%s\"}\n}\n",
          (long long)st->n_blocks, (long long)st->n_samples, st->tau, st->tau * (double)(st->n_lags - 1),
          nnmd_vacf_freq(v)[1], 0.5 / st->tau, st->dos_integral, (long long)st->n_atoms,
          nnmd_corr_have_fftw() ? "fftw3" : "direct O(T^2) sums");
  return nnmd_outfile_commit(&out, err);
}

static int write_svg(struct nnmd_vacf *v, const struct nnmd_vacf_stats *st, const char *path,
                     struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_vacf_species_table(v);
  struct nnmd_plot_series ser[NNMD_MAX_SPECIES + 1];
  char labels[NNMD_MAX_SPECIES][32];
  int n = 0;
  ser[n++] = (struct nnmd_plot_series){.label = "total", .x = nnmd_vacf_freq(v), .y = nnmd_vacf_dos(v, -1),
                                       .n = st->n_freq, .color = 0};
  for (int s = 0; s < sp->n; ++s) {
    if (!st->n_in[s] || st->n_in[s] == st->n_atoms) continue;
    snprintf(labels[s], sizeof labels[s], "%s (partial)", sp->s[s].symbol);
    ser[n] = (struct nnmd_plot_series){.label = labels[s], .x = nnmd_vacf_freq(v), .y = nnmd_vacf_dos(v, s),
                                       .n = st->n_freq, .color = n};
    n++;
  }
  const double *nu = nnmd_vacf_freq(v), *g = nnmd_vacf_dos(v, -1);
  double gmax = 0.0, fend = 0.0, cm = 33.35640951981521; /* cm^-1 per THz */
  for (int64_t j = 0; j < st->n_freq; ++j) gmax = fmax(gmax, g[j]);
  for (int64_t j = 0; j < st->n_freq; ++j)
    if (g[j] > 2e-3 * gmax) fend = nu[j];
  double fmax_plot = fmin(1.15 * fend, nu[st->n_freq - 1]);
  if (!(fmax_plot > 0)) fmax_plot = nu[st->n_freq - 1];
  double *x = nnmd_malloc((size_t)st->n_freq * sizeof *x, err);
  if (!x) return NNMD_ERR_NOMEM;
  for (int64_t j = 0; j < st->n_freq; ++j) x[j] = nu[j] * cm;
  for (int k = 0; k < n; ++k) ser[k].x = x;
  struct nnmd_plot p = {.title = "Vibrational density of states (mass-weighted VACF)", .xlabel = "wavenumber (cm\u207b\u00b9)",
                        .ylabel = "g (1/THz), integral 3N", .y_from_zero = true, .fixed_x = true, .xmin = 0.0,
                        .xmax = fmax_plot * cm, .has_x2 = true, .x2_scale = 1.0 / cm, .x2label = "frequency (THz)"};
  int rc = nnmd_plot_svg(path, &p, ser, n, err);
  free(x);
  return rc;
}

int nnmd_vacf_write(struct nnmd_vacf *v, struct nnmd_error *err) {
  const struct nnmd_vacf_stats *st = nnmd_vacf_compute(v);
  const struct nnmd_vacf_opts *o = nnmd_vacf_options(v);
  if (st->n_blocks == 0) {
    nnmd_log_warn(o->log, "VACF: no complete window of %g ps (%lld samples): no vacf/vdos files written",
                  st->tau * (double)(st->n_lags - 1), (long long)st->n_samples);
    return NNMD_OK;
  }
  char path[4200];
  nnmd_ana_file(o->dir, o->prefix, "vacf.csv", path, sizeof path);
  int rc = write_vacf_csv(v, st, path, err);
  nnmd_ana_file(o->dir, o->prefix, "vdos.csv", path, sizeof path);
  if (!rc) rc = write_vdos_csv(v, st, path, err);
  nnmd_ana_file(o->dir, o->prefix, "vacf.json", path, sizeof path);
  if (!rc) rc = write_json(v, st, path, err);
  nnmd_ana_file(o->dir, o->prefix, "vdos.svg", path, sizeof path);
  if (!rc) rc = write_svg(v, st, path, err);
  if (rc) return rc;
  const struct nnmd_species_table *sp = nnmd_vacf_species_table(v);
  for (int s = 0; s < sp->n; ++s)
    if (st->n_in[s])
      nnmd_log_info(o->log, "VACF: %-3s Green-Kubo D = %.6g +- %.3g A^2/ps (%lld blocks)", sp->s[s].symbol,
                    st->D_gk[s], st->D_gk_err[s], (long long)st->n_blocks);
  if (st->n_blocks == 1) nnmd_log_warn(o->log, "VACF: only one block: D_gk_err is null; use a shorter window");
  { /* aliasing: weight near the Nyquist frequency */
    const double *nu = nnmd_vacf_freq(v), *g = nnmd_vacf_dos(v, -1);
    double all = 0.0, top = 0.0, nyq = 0.5 / st->tau, gmax = 0.0, fhi = 0.0;
    for (int64_t j = 0; j < st->n_freq; ++j) {
      all += g[j];
      if (nu[j] >= 0.9 * nyq) top += g[j];
      gmax = fmax(gmax, g[j]);
    }
    for (int64_t j = 0; j < st->n_freq; ++j)
      if (g[j] > 2e-3 * gmax) fhi = nu[j];
    if (all > 0 && top > 0.01 * all)
      nnmd_log_warn(o->log, "VACF: %.1f%% of the spectrum lies within 10%% of the Nyquist frequency %.4g THz (%.0f cm^-1; "
                    "samples every %g ps): motions faster than that are aliased into lower frequencies. Sample more "
                    "often (every %g ps or less: the spectrum seen reaches %.4g THz)",
                    100.0 * top / all, nyq, nyq * 33.35640951981521, st->tau, 0.5 * st->tau, fhi);
  }
  return NNMD_OK;
}

/* ---- the observer ------------------------------------------------------------------------ */

struct vacf_obs {
  struct nnmd_vacf_opts o;
  struct nnmd_vacf *acc;
  struct nnmd_ana_gathered g;
};

static int vacf_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct vacf_obs *o = state;
  int st = nnmd_ana_gather(&o->g, v->sys, v->comm, v->sys->v, v->sys->capacity, err);
  if (st) return st;
  if (nnmd_comm_rank(v->comm) == 0) {
    if (!o->acc) st = nnmd_vacf_create(&o->o, &v->sys->species, o->g.n, o->g.type, v->dt, &o->acc, err);
    if (!st) st = nnmd_vacf_add(o->acc, o->g.v, err);
  }
  return nnmd_comm_agree(v->comm, st);
}

static int vacf_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct vacf_obs *o = state;
  int st = NNMD_OK;
  if (nnmd_comm_rank(v->comm) == 0 && o->acc) st = nnmd_vacf_write(o->acc, err);
  return nnmd_comm_agree(v->comm, st);
}

static void vacf_destroy(void *state) {
  struct vacf_obs *o = state;
  if (!o) return;
  nnmd_vacf_destroy(o->acc);
  nnmd_ana_gathered_free(&o->g);
  free(o);
}

static const struct nnmd_observer_ops k_vacf_ops = {
    .name = "vacf", .sample = vacf_sample, .finish = vacf_finish, .destroy = vacf_destroy};

int nnmd_obs_vacf_create(const struct nnmd_vacf_opts *opts, struct nnmd_observer *out, struct nnmd_error *err) {
  struct vacf_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  o->o = *opts;
  *out = (struct nnmd_observer){.ops = &k_vacf_ops, .state = o, .every = opts->every, .at_last = false};
  return NNMD_OK;
}

struct nnmd_vacf *nnmd_obs_vacf_get(const struct nnmd_observer *obs) {
  if (!obs || obs->ops != &k_vacf_ops) return NULL;
  return ((const struct vacf_obs *)obs->state)->acc;
}
