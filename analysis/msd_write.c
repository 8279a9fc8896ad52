/* msd_write.c — the MSD products: msd.csv (block-averaged curves), diffusion.json (D, errors,
 * drift, mobility, conductivities) and msd.svg (MSD per species with the fitted line and the
 * shaded fit window), plus a summary in the log. Units as in msd.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "corr.h"
#include "mem.h"
#include "msd.h"
#include "plot_svg.h"

/* The analysed species' name; a group's name for a per-group MSD (one pseudo species). */
static const char *sp_name(const struct nnmd_msd *m, int s) {
  const struct nnmd_msd_opts *o = nnmd_msd_options(m);
  return o->group[0] ? o->group : nnmd_msd_species_table(m)->s[s].symbol;
}

/* [prefix]msd.csv, or [prefix]msd_<group>.csv for a per-group MSD. */
static void product_path(const struct nnmd_msd_opts *o, const char *stem, const char *ext, char *path, size_t n) {
  char name[128];
  if (o->group[0]) snprintf(name, sizeof name, "%s_%s.%s", stem, o->group, ext);
  else snprintf(name, sizeof name, "%s.%s", stem, ext);
  nnmd_ana_file(o->dir, o->prefix, name, path, n);
}

static int write_csv(struct nnmd_msd *m, const struct nnmd_msd_stats *st, const char *path, struct nnmd_error *err) {
  const struct nnmd_msd_opts *o = nnmd_msd_options(m);
  const struct nnmd_species_table *sp = nnmd_msd_species_table(m);
  struct nnmd_outfile out;
  int rc = nnmd_outfile_open(&out, path, err);
  if (rc) return rc;
  FILE *f = out.f;
  static const char *const comp[4] = {"x", "y", "z", "total"};
  fputs("time_ps", f);
  for (int s = 0; s < sp->n; ++s) {
    if (!st->sp[s].analysed) continue;
    for (int c = 0; c < 4; ++c) fprintf(f, ",%s_msd_%s_A2", sp_name(m, s), comp[c]);
    for (int c = 0; o->field_on && c < 3; ++c) fprintf(f, ",%s_du_%s_A", sp_name(m, s), comp[c]);
  }
  fputc('\n', f);
  for (int64_t l = 0; l < st->n_lags; ++l) {
    fprintf(f, "%.10g", (double)l * st->tau);
    for (int s = 0; s < sp->n; ++s) {
      if (!st->sp[s].analysed) continue;
      for (int c = 0; c < 4; ++c) fprintf(f, ",%.12g", nnmd_msd_curve(m, s, c)[l]);
      for (int c = 0; o->field_on && c < 3; ++c) fprintf(f, ",%.12g", nnmd_msd_mean_disp(m, s, c)[l]);
    }
    fputc('\n', f);
  }
  return nnmd_outfile_commit(&out, err);
}

static void key_num(FILE *f, const char *ind, const char *key, double v, bool comma) {
  fprintf(f, "%s\"%s\": ", ind, key);
  nnmd_json_num(f, v);
  fputs(comma ? ",\n" : "\n", f);
}

static void key_vec(FILE *f, const char *ind, const char *key, const double *v, int n, bool comma) {
  fprintf(f, "%s\"%s\": [", ind, key);
  for (int k = 0; k < n; ++k) {
    if (k) fputs(", ", f);
    nnmd_json_num(f, v[k]);
  }
  fputs(comma ? "],\n" : "]\n", f);
}

static double ratio_err(double r, double a, double ea, double b, double eb) {
  return fabs(r) * sqrt(pow(ea / a, 2) + pow(eb / b, 2));
}

static void json_species(FILE *f, const struct nnmd_msd_opts *o, const struct nnmd_msd_stats *st,
                         const struct nnmd_msd_species_stats *r) {
  const char *I = "    ";
  fprintf(f, "%s\"n_atoms\": %lld,\n", I, (long long)r->n_atoms);
  key_num(f, I, "D", r->D, true);
  key_num(f, I, "D_err", r->D_err, true);
  key_num(f, I, "D_ols_err", r->D_ols_err, true);
  key_vec(f, I, "D_xyz", r->D_xyz, 3, true);
  key_vec(f, I, "D_xyz_err", r->D_xyz_err, 3, true);
  key_vec(f, I, "fit_window", st->t_fit, 2, true);
  fprintf(f, "%s\"n_blocks\": %lld,\n", I, (long long)st->n_blocks);
  key_num(f, I, "msd_exponent", r->alpha, true);
  fprintf(f, "%s\"diffusive\": %s,\n", I, (r->alpha >= 0.9 && r->alpha <= 1.1) ? "true" : "false");
  key_vec(f, I, "drift_velocity", r->v_drift, 3, true);
  key_vec(f, I, "drift_velocity_err", r->v_drift_err, 3, true);
  key_num(f, I, "D_sigma", r->D_sigma, true);
  key_num(f, I, "D_sigma_err", r->D_sigma_err, true);
  key_num(f, I, "haven_ratio", r->haven, true);
  key_num(f, I, "haven_ratio_err", r->haven_err, r->has_z || o->field_on);
  if (r->has_z) {
    key_num(f, I, "charge", r->z, true);
    key_num(f, I, "mobility_ne", r->mobility_ne, true);
    key_num(f, I, "mobility_ne_err", r->mobility_ne_err, o->field_on);
  }
  if (o->field_on) {
    key_num(f, I, "mobility", r->mobility, true);
    double q = r->mobility / r->mobility_ne;
    key_num(f, I, "mobility_err", r->mobility_err, true);
    key_num(f, I, "mobility_ratio", r->has_z ? q : NAN, true);
    key_num(f, I, "mobility_ratio_err",
            r->has_z ? ratio_err(q, r->mobility, r->mobility_err, r->mobility_ne, r->mobility_ne_err) : NAN, false);
  }
}

static int write_json(struct nnmd_msd *m, const struct nnmd_msd_stats *st, const char *path, struct nnmd_error *err) {
  const struct nnmd_msd_opts *o = nnmd_msd_options(m);
  const struct nnmd_species_table *sp = nnmd_msd_species_table(m);
  struct nnmd_outfile out;
  int rc = nnmd_outfile_open(&out, path, err);
  if (rc) return rc;
  FILE *f = out.f;
  fputs("{\n", f);
  for (int s = 0; s < sp->n; ++s) {
    if (!st->sp[s].analysed) continue;
    fputs("  ", f);
    nnmd_json_str(f, sp_name(m, s));
    fputs(": {\n", f);
    json_species(f, o, st, &st->sp[s]);
    fputs("  },\n", f);
  }
  if (st->have_sigma) {
    const char *I = "    ";
    fputs("  \"conductivity\": {\n", f);
    key_num(f, I, "sigma_NE", st->sigma_ne, true);
    key_num(f, I, "sigma_NE_err", st->sigma_ne_err, true);
    key_num(f, I, "sigma_collective", st->sigma_coll, true);
    key_num(f, I, "sigma_collective_err", st->sigma_coll_err, true);
    key_num(f, I, "haven_ratio", st->haven, true);
    key_num(f, I, "haven_ratio_err", st->haven_err, true);
    fprintf(f, "    \"note\": \"sums over the analysed species with known charges; sigma in S/cm; %s\"\n  },\n",
            st->sigma_from_field ? "sigma_collective from the drift velocities, sum N z v_d / (V E)"
                                 : "sigma_collective from the MSD of the charge displacement");
  }
  const char *I = "    ";
  fputs("  \"meta\": {\n    \"source\": ", f);
  nnmd_json_str(f, o->source);
  fputs(",\n    \"units\": {\"D\": \"A^2/ps\", \"time\": \"ps\", \"drift_velocity\": \"A/ps\", "
        "\"mobility\": \"A^2/(V ps)\", \"charge\": \"e\", \"sigma\": \"S/cm\"},\n",
        f);
  fputs("    \"errors\": \"block average: the run is cut into consecutive blocks of 'window' steps; *_err = "
        "s/sqrt(n_blocks) of the per-block values (null with one block); D_ols_err = naive least-squares error "
        "of the averaged curve\",\n",
        f);
  fprintf(f, "    \"n_blocks\": %lld,\n    \"n_samples\": %lld,\n", (long long)st->n_blocks, (long long)st->n_samples);
  key_num(f, I, "sample_interval_ps", st->tau, true);
  key_num(f, I, "window_ps", st->tau * (double)(st->n_lags - 1), true);
  key_vec(f, I, "fit_fraction", o->fit, 2, true);
  key_vec(f, I, "fit_window_ps", st->t_fit, 2, true);
  key_num(f, I, "temperature_K", st->temp, true);
  key_num(f, I, "volume_A3", st->volume, true);
  fprintf(f, "    \"com_removed\": %s,\n", o->com ? "true" : "false");
  if (o->field_on) key_vec(f, I, "field_V_per_A", o->E, 3, true);
  else fputs("    \"field_V_per_A\": null,\n", f);
  fprintf(f, "    \"fft\": \"%s\"\n  }\n}\n", nnmd_corr_have_fftw() ? "fftw3" : "direct O(T^2) sums");
  return nnmd_outfile_commit(&out, err);
}

static int write_svg(struct nnmd_msd *m, const struct nnmd_msd_stats *st, const char *path, struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_msd_species_table(m);
  int64_t n = st->n_lags;
  double *t = nnmd_malloc((size_t)n * sizeof(double), err);
  double *fit = nnmd_malloc((size_t)(2 * NNMD_MAX_SPECIES) * sizeof(double), err);
  struct nnmd_plot_series *ser = nnmd_calloc(2 * NNMD_MAX_SPECIES, sizeof *ser, err);
  char(*labels)[80] = nnmd_calloc(NNMD_MAX_SPECIES, sizeof *labels, err);
  int rc = (t && fit && ser && labels) ? NNMD_OK : NNMD_ERR_NOMEM;
  double tt[2] = {0.0, st->tau * (double)(n - 1)};
  int ns = 0, color = 0;
  for (int64_t l = 0; l < n && !rc; ++l) t[l] = (double)l * st->tau;
  for (int s = 0; s < sp->n && !rc; ++s) {
    if (!st->sp[s].analysed) continue;
    const double *y = nnmd_msd_curve(m, s, 3);
    double a = 0.0, b = nnmd_ana_line(t, y, st->lag_a, st->lag_b, &a, NULL);
    fit[2 * s] = a + b * tt[0];
    fit[2 * s + 1] = a + b * tt[1];
    snprintf(labels[s], sizeof labels[s], "%.31s (D = %.3g A^2/ps)", sp_name(m, s), st->sp[s].D);
    ser[ns++] = (struct nnmd_plot_series){.label = labels[s], .x = t, .y = y, .n = n, .color = color};
    ser[ns++] = (struct nnmd_plot_series){.x = tt, .y = fit + 2 * s, .n = 2, .dashed = true, .color = color};
    color++;
  }
  if (!rc) {
    struct nnmd_plot p = {.title = "Mean squared displacement (block average)", .xlabel = "lag time (ps)",
                          .ylabel = "MSD (A^2)", .band = true, .band_lo = st->t_fit[0], .band_hi = st->t_fit[1],
                          .band_label = "fit window", .y_from_zero = true};
    rc = nnmd_plot_svg(path, &p, ser, ns, err);
  }
  free(t);
  free(fit);
  free(ser);
  free(labels);
  return rc;
}

static void log_summary(struct nnmd_msd *m, const struct nnmd_msd_stats *st) {
  const struct nnmd_msd_opts *o = nnmd_msd_options(m);
  const struct nnmd_species_table *sp = nnmd_msd_species_table(m);
  if (!o->log) return;
  nnmd_log_info(o->log, "MSD: %lld blocks of %g ps, fit %g..%g ps, T = %.2f K", (long long)st->n_blocks,
                st->tau * (double)(st->n_lags - 1), st->t_fit[0], st->t_fit[1], st->temp);
  for (int s = 0; s < sp->n; ++s) {
    const struct nnmd_msd_species_stats *r = &st->sp[s];
    if (!r->analysed) continue;
    nnmd_log_info(o->log, "MSD: %-3s D = %.6g +- %.3g A^2/ps (%.4g cm^2/s), exponent %.3f", sp_name(m, s), r->D,
                  r->D_err, r->D * 1e-4, r->alpha);
    if (!(r->alpha >= 0.9 && r->alpha <= 1.1))
      nnmd_log_warn(o->log, "MSD: %s is not diffusive in the fit window (d ln MSD / d ln t = %.3f, expected 0.9..1.1); "
                    "use a longer window or a later fit window", sp_name(m, s), r->alpha);
    if (o->field_on && r->has_z)
      nnmd_log_info(o->log, "MSD: %-3s mobility %.6g +- %.3g A^2/(V ps), Nernst-Einstein z D/kT %.6g +- %.3g",
                    sp_name(m, s), r->mobility, r->mobility_err, r->mobility_ne, r->mobility_ne_err);
  }
  if (st->have_sigma)
    nnmd_log_info(o->log, "MSD: sigma_NE = %.6g +- %.3g S/cm, %s sigma = %.6g +- %.3g S/cm, Haven ratio %.4g",
                  st->sigma_ne, st->sigma_ne_err, st->sigma_from_field ? "field (drift)" : "collective", st->sigma_coll,
                  st->sigma_coll_err, st->haven);
  if (st->n_blocks == 1)
    nnmd_log_warn(o->log, "MSD: only one block of %g ps: D_err is null; use a window of at most 1/5 of the run for "
                  "a block error", st->tau * (double)(st->n_lags - 1));
}

int nnmd_msd_write(struct nnmd_msd *m, struct nnmd_error *err) {
  const struct nnmd_msd_stats *st = nnmd_msd_compute(m);
  const struct nnmd_msd_opts *o = nnmd_msd_options(m);
  if (st->n_blocks == 0) {
    nnmd_log_warn(o->log, "MSD: the run holds no complete window of %g ps (%lld samples): no msd.csv / "
                  "diffusion.json written", st->tau * (double)(st->n_lags - 1), (long long)st->n_samples);
    return NNMD_OK;
  }
  int64_t unused = (st->n_samples - 1) % (st->n_lags - 1);
  if (unused > 0)
    nnmd_log_info(o->log, "MSD: the last %lld samples do not fill a window and are not used", (long long)unused);
  char path[4200];
  product_path(o, "msd", "csv", path, sizeof path);
  int rc = write_csv(m, st, path, err);
  product_path(o, "diffusion", "json", path, sizeof path);
  if (!rc) rc = write_json(m, st, path, err);
  product_path(o, "msd", "svg", path, sizeof path);
  if (!rc) rc = write_svg(m, st, path, err);
  if (!rc) log_summary(m, st);
  return rc;
}
