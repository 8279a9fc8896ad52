/* rdf_obs.c — [analysis.rdf] input, the in-run RDF observer (positions of all ranks gathered
 * on rank 0 in id order) and the products:
 *   rdf.csv  r_A (bin centre), then per pair "A-B": g_A-B and n_A-B (running number of B
 *            around an A), then g_total, n_total
 *   rdf.svg  g(r) of every pair and the total. Its y range shows the intermolecular structure:
 *            a curve whose highest peak is a spike (an intramolecular bond, e.g. O-H at 0.97 A)
 *            more than 5 times the highest g beyond the minimum that follows it counts only
 *            with that farther part; the plot then says which peaks run off the scale (the
 *            values are in rdf.csv). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "mem.h"
#include "plot_svg.h"
#include "rdf.h"

static const char *const k_rdf_keys[] = {"every", "rmax", "bins", "pairs", NULL};

static int read_pairs(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, struct nnmd_rdf_opts *o,
                      struct nnmd_error *err) {
  const struct nnmd_cfg *p = nnmd_cfg_get(tbl, "pairs");
  if (!p) return NNMD_OK;
  if (p->kind != NNMD_CFG_ARRAY || p->n == 0 || p->n > NNMD_RDF_MAX_PAIRS)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, p->loc, "'pairs' must be a list of 1 to %d pairs like [\"Li-O\", \"Li-Li\"]",
                        NNMD_RDF_MAX_PAIRS);
  int st = NNMD_OK;
  for (size_t k = 0; k < p->n; ++k) {
    const struct nnmd_cfg *it = p->items[k];
    const char *dash = it->kind == NNMD_CFG_STRING ? strchr(it->u.s, '-') : NULL;
    char a[NNMD_SYMBOL_LEN + 1], b[NNMD_SYMBOL_LEN + 1];
    size_t la = dash ? (size_t)(dash - it->u.s) : 0;
    if (!dash || la == 0 || la > NNMD_SYMBOL_LEN || strlen(dash + 1) == 0 || strlen(dash + 1) > NNMD_SYMBOL_LEN) {
      int r = nnmd_fail_at(err, NNMD_ERR_INPUT, it->loc, "each pair must be a string \"A-B\" of two species, e.g. \"Li-O\"");
      st = st ? st : r;
      continue;
    }
    memcpy(a, it->u.s, la);
    a[la] = 0;
    snprintf(b, sizeof b, "%s", dash + 1);
    int ia = -1, ib = -1;
    int r = nnmd_ana_species_index(a, it->loc, sp, &ia, err);
    if (!r) r = nnmd_ana_species_index(b, it->loc, sp, &ib, err);
    if (!r) {
      o->pair[o->npairs][0] = ia;
      o->pair[o->npairs][1] = ib;
      o->npairs++;
    }
    st = st ? st : r;
  }
  return st;
}

int nnmd_rdf_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, const struct nnmd_box *box,
                       struct nnmd_rdf_opts *o, struct nnmd_error *err) {
  nnmd_rdf_opts_default(o);
  int st = nnmd_cfg_check_keys(tbl, k_rdf_keys, "[analysis.rdf]", err), r;
  r = nnmd_cfg_int(tbl, "every", false, 1, INT64_MAX / 4, &o->every, err);
  st = st ? st : r;
  r = nnmd_cfg_int(tbl, "bins", false, 1, 1000000, &o->bins, err);
  st = st ? st : r;
  r = read_pairs(tbl, sp, o, err);
  st = st ? st : r;
  if (!box->periodic[0] || !box->periodic[1] || !box->periodic[2])
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tbl->loc, "[analysis.rdf] needs a cell periodic in x, y and z");
  double lim = nnmd_rdf_rmax_limit(box);
  o->rmax = fmin(10.0, floor(0.98 * lim * 10.0) / 10.0);
  const struct nnmd_cfg *rm = nnmd_cfg_get(tbl, "rmax");
  if (rm) {
    r = nnmd_cfg_positive(tbl, "rmax", false, &o->rmax, err);
    if (!r && o->rmax > lim)
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, rm->loc,
                       "'rmax' = %g A is more than half the smallest perpendicular cell width (%g A): pairs beyond "
                       "it would be missed; use rmax <= %g or a larger cell", o->rmax, 2.0 * lim, lim);
    st = st ? st : r;
  } else if (!(o->rmax > 0)) {
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, tbl->loc, "[analysis.rdf]: the cell is too small for an RDF");
  }
  return st;
}

/* ---- products ----------------------------------------------------------------------------- */

struct curves {
  int n;                  /* curves: pairs, then the total */
  int a[NNMD_RDF_MAX_PAIRS + 1], b[NNMD_RDF_MAX_PAIRS + 1];
  char name[NNMD_RDF_MAX_PAIRS + 1][2 * NNMD_SYMBOL_LEN + 2];
  double *g, *n_run;      /* n * bins each */
};

/* Robust y maximum of the RDF plot (see the file comment); fills `note` when it clips. */
static double rdf_ymax(const struct curves *c, const double *r, int64_t bins, char *note, size_t nn) {
  double ymax = 0.0;
  size_t w = 0;
  note[0] = 0;
  for (int k = 0; k < c->n; ++k) {
    const double *g = c->g + k * bins;
    int64_t ip = 0;
    for (int64_t j = 1; j < bins; ++j)
      if (g[j] > g[ip]) ip = j;
    int64_t im = ip; /* the lowest point within 1.5 A after the peak */
    for (int64_t j = ip + 1; j < bins && r[j] <= r[ip] + 1.5; ++j)
      if (g[j] < g[im]) im = j;
    double beyond = 0.0;
    for (int64_t j = im + 1; j < bins; ++j) beyond = fmax(beyond, g[j]);
    if (im > ip && beyond > 0 && g[ip] > 5.0 * beyond) {
      ymax = fmax(ymax, beyond);
      if (w < nn)
        w += (size_t)snprintf(note + w, nn - w, "%s%s %.3g at %.2f \u00c5", w ? ", " : "y axis clipped: peaks of ",
                              c->name[k], g[ip], r[ip]);
    } else {
      ymax = fmax(ymax, g[ip]);
    }
  }
  if (note[0] && w < nn) snprintf(note + w, nn - w, " (values in rdf.csv)");
  return ymax;
}

static int make_curves(struct nnmd_rdf *r, const struct nnmd_rdf_opts *o, const struct nnmd_species_table *sp,
                       int64_t bins, struct curves *c, struct nnmd_error *err) {
  c->n = 0;
  if (o->npairs > 0) {
    for (int k = 0; k < o->npairs; ++k) {
      c->a[c->n] = o->pair[k][0];
      c->b[c->n++] = o->pair[k][1];
    }
  } else {
    for (int a = 0; a < sp->n; ++a)
      for (int b = a; b < sp->n && c->n < NNMD_RDF_MAX_PAIRS; ++b) {
        c->a[c->n] = a;
        c->b[c->n++] = b;
      }
  }
  for (int k = 0; k < c->n; ++k) snprintf(c->name[k], sizeof c->name[k], "%s-%s", sp->s[c->a[k]].symbol, sp->s[c->b[k]].symbol);
  c->a[c->n] = c->b[c->n] = -1;
  snprintf(c->name[c->n++], sizeof c->name[0], "total");
  c->g = nnmd_malloc((size_t)(c->n * bins) * sizeof(double), err);
  c->n_run = nnmd_malloc((size_t)(c->n * bins) * sizeof(double), err);
  if (!c->g || !c->n_run) return NNMD_ERR_NOMEM;
  for (int k = 0; k < c->n; ++k) nnmd_rdf_compute(r, c->a[k], c->b[k], c->g + k * bins, c->n_run + k * bins);
  return NNMD_OK;
}

int nnmd_rdf_write(struct nnmd_rdf *r, struct nnmd_error *err) {
  const struct nnmd_rdf_opts *o = nnmd_rdf_options(r);
  const struct nnmd_species_table *sp = nnmd_rdf_species_table(r);
  if (nnmd_rdf_samples(r) == 0) {
    nnmd_log_warn(o->log, "RDF: no samples: no rdf.csv written");
    return NNMD_OK;
  }
  int64_t bins = o->bins;
  struct curves c = {0};
  int rc = make_curves(r, o, sp, bins, &c, err);
  char path[4200];
  struct nnmd_outfile out;
  nnmd_ana_file(o->dir, o->prefix, "rdf.csv", path, sizeof path);
  if (!rc) rc = nnmd_outfile_open(&out, path, err);
  if (!rc) {
    FILE *f = out.f;
    const double *rr = nnmd_rdf_r(r);
    fputs("r_A", f);
    for (int k = 0; k < c.n; ++k) fprintf(f, ",g_%s,n_%s", c.name[k], c.name[k]);
    fputc('\n', f);
    for (int64_t j = 0; j < bins; ++j) {
      fprintf(f, "%.10g", rr[j]);
      for (int k = 0; k < c.n; ++k) fprintf(f, ",%.10g,%.10g", c.g[k * bins + j], c.n_run[k * bins + j]);
      fputc('\n', f);
    }
    rc = nnmd_outfile_commit(&out, err);
  }
  if (!rc) {
    struct nnmd_plot_series ser[NNMD_RDF_MAX_PAIRS + 1];
    for (int k = 0; k < c.n; ++k)
      ser[k] = (struct nnmd_plot_series){.label = c.name[k], .x = nnmd_rdf_r(r), .y = c.g + k * bins, .n = bins,
                                         .color = k, .dashed = c.a[k] < 0};
    char note[400];
    double ymax = rdf_ymax(&c, nnmd_rdf_r(r), bins, note, sizeof note);
    struct nnmd_plot p = {.title = "Radial distribution functions", .xlabel = "r (\u00c5)", .ylabel = "g(r)",
                          .y_from_zero = true, .fixed_x = true, .xmin = 0.0, .xmax = o->rmax,
                          .fixed_y = note[0] != 0, .ymin = 0.0, .ymax = 1.1 * ymax, .note = note[0] ? note : NULL};
    nnmd_ana_file(o->dir, o->prefix, "rdf.svg", path, sizeof path);
    rc = nnmd_plot_svg(path, &p, ser, c.n, err);
  }
  if (!rc) nnmd_log_info(o->log, "RDF: %lld samples, %d curves up to %g A written", (long long)nnmd_rdf_samples(r), c.n,
                         o->rmax);
  free(c.g);
  free(c.n_run);
  return rc;
}

/* ---- the observer ------------------------------------------------------------------------ */

struct rdf_obs {
  struct nnmd_rdf_opts o;
  struct nnmd_rdf *acc;
  struct nnmd_ana_gathered g;
};

static int rdf_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct rdf_obs *o = state;
  int st = nnmd_ana_gather(&o->g, v->sys, v->comm, v->sys->x, v->sys->capacity, err);
  if (st) return st;
  if (nnmd_comm_rank(v->comm) == 0) {
    if (!o->acc) st = nnmd_rdf_create(&o->o, &v->sys->species, o->g.n, o->g.type, &o->acc, err);
    if (!st) st = nnmd_rdf_add(o->acc, o->g.v, v->box, err);
  }
  return nnmd_comm_agree(v->comm, st);
}

static int rdf_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct rdf_obs *o = state;
  int st = NNMD_OK;
  if (nnmd_comm_rank(v->comm) == 0 && o->acc) st = nnmd_rdf_write(o->acc, err);
  return nnmd_comm_agree(v->comm, st);
}

static void rdf_destroy(void *state) {
  struct rdf_obs *o = state;
  if (!o) return;
  nnmd_rdf_destroy(o->acc);
  nnmd_ana_gathered_free(&o->g);
  free(o);
}

static const struct nnmd_observer_ops k_rdf_ops = {
    .name = "rdf", .sample = rdf_sample, .finish = rdf_finish, .destroy = rdf_destroy};

int nnmd_obs_rdf_create(const struct nnmd_rdf_opts *opts, struct nnmd_observer *out, struct nnmd_error *err) {
  struct rdf_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  o->o = *opts;
  *out = (struct nnmd_observer){.ops = &k_rdf_ops, .state = o, .every = opts->every, .at_last = false};
  return NNMD_OK;
}

struct nnmd_rdf *nnmd_obs_rdf_get(const struct nnmd_observer *obs) {
  if (!obs || obs->ops != &k_rdf_ops) return NULL;
  return ((const struct rdf_obs *)obs->state)->acc;
}
