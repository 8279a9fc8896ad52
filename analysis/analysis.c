/* analysis.c — see analysis.h. */
#include "analysis.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* ---- files ------------------------------------------------------------------------------ */

int nnmd_outfile_open(struct nnmd_outfile *o, const char *path, struct nnmd_error *err) {
  memset(o, 0, sizeof *o);
  snprintf(o->path, sizeof o->path, "%s", path);
  snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path);
  o->f = fopen(o->tmp, "w");
  if (!o->f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", o->tmp, strerror(errno));
  return NNMD_OK;
}

int nnmd_outfile_commit(struct nnmd_outfile *o, struct nnmd_error *err) {
  if (!o->f) return nnmd_fail(err, NNMD_ERR_INTERNAL, "'%s' is not open", o->path);
  bool bad = ferror(o->f) != 0;
  bad = (fclose(o->f) != 0) || bad;
  o->f = NULL;
  if (bad) {
    int e = errno;
    remove(o->tmp);
    return nnmd_fail(err, NNMD_ERR_FILE, "write error on '%s': %s", o->tmp, strerror(e));
  }
  if (rename(o->tmp, o->path) != 0) {
    int e = errno;
    remove(o->tmp);
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(e));
  }
  return NNMD_OK;
}

void nnmd_outfile_abort(struct nnmd_outfile *o) {
  if (!o->f) return;
  fclose(o->f);
  o->f = NULL;
  remove(o->tmp);
}

void nnmd_ana_path(const char *dir, const char *name, char *out, size_t n) {
  if (!dir || !dir[0]) snprintf(out, n, "%s", name);
  else snprintf(out, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}

void nnmd_ana_file(const char *dir, const char *prefix, const char *name, char *out, size_t n) {
  char full[512];
  snprintf(full, sizeof full, "%s%s", prefix ? prefix : "", name);
  nnmd_ana_path(dir, full, out, n);
}

void nnmd_json_num(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.17g", v);
  else fputs("null", f);
}

void nnmd_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* ---- gathering -------------------------------------------------------------------------- */

struct rec {
  int64_t id, type;
  double v[3];
};

static int cmp_rec(const void *a, const void *b) {
  int64_t x = ((const struct rec *)a)->id, y = ((const struct rec *)b)->id;
  return (x > y) - (x < y);
}

int nnmd_ana_gather(struct nnmd_ana_gathered *g, const struct nnmd_system *sys, const struct nnmd_comm *comm,
                    const double *a, int64_t stride, struct nnmd_error *err) {
  int64_t n = sys->n_local;
  if (nnmd_grow((void **)&g->send, &g->send_cap, (size_t)(n > 0 ? n : 1) * sizeof(struct rec), 1, err))
    return NNMD_ERR_NOMEM;
  struct rec *r = (struct rec *)g->send;
  for (int64_t i = 0; i < n; ++i) {
    r[i].id = sys->id[i];
    r[i].type = sys->type[i];
    for (int d = 0; d < 3; ++d) r[i].v[d] = a[d * stride + i];
  }
  void *all = NULL;
  int64_t bytes = 0;
  int st = nnmd_comm_gather(comm, r, n * (int64_t)sizeof(struct rec), &all, &bytes, 0, err);
  st = nnmd_comm_agree(comm, st);
  if (st) {
    free(all);
    return st;
  }
  g->n = 0;
  if (nnmd_comm_rank(comm) != 0) {
    free(all);
    return NNMD_OK;
  }
  int64_t m = bytes / (int64_t)sizeof(struct rec);
  struct rec *ra = all;
  qsort(ra, (size_t)m, sizeof *ra, cmp_rec);
  if ((size_t)m > g->cap) {
    size_t cap = (size_t)m;
    if (nnmd_realloc((void **)&g->id, cap * sizeof *g->id, err) ||
        nnmd_realloc((void **)&g->type, cap * sizeof *g->type, err) ||
        nnmd_realloc((void **)&g->v, 3 * cap * sizeof *g->v, err)) {
      free(all);
      return NNMD_ERR_NOMEM;
    }
    g->cap = cap;
  }
  for (int64_t i = 0; i < m; ++i) {
    g->id[i] = ra[i].id;
    g->type[i] = (int)ra[i].type;
    for (int d = 0; d < 3; ++d) g->v[d * m + i] = ra[i].v[d];
  }
  g->n = m;
  free(all);
  return NNMD_OK;
}

void nnmd_ana_gathered_free(struct nnmd_ana_gathered *g) {
  free(g->id);
  free(g->type);
  free(g->v);
  free(g->send);
  memset(g, 0, sizeof *g);
}

/* ---- input helpers ---------------------------------------------------------------------- */

int nnmd_ana_species_index(const char *name, struct nnmd_loc loc, const struct nnmd_species_table *sp, int *idx,
                           struct nnmd_error *err) {
  int k = nnmd_species_find(sp, name);
  *idx = k;
  if (k >= 0) return NNMD_OK;
  const char *words[NNMD_MAX_SPECIES + 1];
  char list[NNMD_MAX_SPECIES * (NNMD_SYMBOL_LEN + 2) + 1] = "";
  for (int s = 0; s < sp->n; ++s) {
    words[s] = sp->s[s].symbol;
    strcat(list, s ? ", " : "");
    strcat(list, sp->s[s].symbol);
  }
  words[sp->n] = NULL;
  const char *sug = nnmd_suggest(name, words);
  if (sug)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "unknown species '%s'; did you mean '%s'? (the system has: %s)",
                        name, sug, list);
  return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "unknown species '%s' (the system has: %s)", name, list);
}

static int mark_species(const char *name, struct nnmd_loc loc, const struct nnmd_species_table *sp,
                        bool sel[NNMD_MAX_SPECIES], struct nnmd_error *err) {
  int k = -1, st = nnmd_ana_species_index(name, loc, sp, &k, err);
  if (!st) sel[k] = true;
  return st;
}

int nnmd_ana_species(const struct nnmd_cfg *tbl, const char *key, const struct nnmd_species_table *sp,
                     bool sel[NNMD_MAX_SPECIES], struct nnmd_error *err) {
  memset(sel, 0, NNMD_MAX_SPECIES * sizeof *sel);
  const struct nnmd_cfg *a = nnmd_cfg_get(tbl, key);
  if (!a) {
    for (int s = 0; s < sp->n; ++s) sel[s] = true;
    return NNMD_OK;
  }
  if (a->kind != NNMD_CFG_ARRAY || a->n == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, a->loc, "'%s' must be a list of species, e.g. [\"Li\", \"O\"]", key);
  int st = NNMD_OK;
  for (size_t k = 0; k < a->n; ++k) {
    const struct nnmd_cfg *it = a->items[k];
    int r = it->kind != NNMD_CFG_STRING
                ? nnmd_fail_at(err, NNMD_ERR_INPUT, it->loc, "'%s' must be a list of species names (strings)", key)
                : mark_species(it->u.s, it->loc, sp, sel, err);
    st = st ? st : r;
  }
  return st;
}

int nnmd_ana_species_csv(const char *list, const struct nnmd_species_table *sp, bool sel[NNMD_MAX_SPECIES],
                         struct nnmd_error *err) {
  memset(sel, 0, NNMD_MAX_SPECIES * sizeof *sel);
  char name[64];
  const char *p = list;
  int st = NNMD_OK;
  while (*p) {
    size_t n = strcspn(p, ",");
    if (n == 0 || n >= sizeof name) {
      st = nnmd_fail(err, NNMD_ERR_INPUT, "bad species list '%s' (expected names separated by commas)", list);
      break;
    }
    memcpy(name, p, n);
    name[n] = 0;
    int r = mark_species(name, NNMD_NOLOC, sp, sel, err);
    st = st ? st : r;
    p += n;
    if (*p == ',') ++p;
  }
  return st;
}

int nnmd_ana_window(const struct nnmd_cfg *tbl, const char *where, int64_t run_steps, int64_t *every, int64_t *window,
                    struct nnmd_error *err) {
  int r_every = nnmd_cfg_int(tbl, "every", false, 1, INT64_MAX / 4, every, err), st = r_every, r;
  const struct nnmd_cfg *w = nnmd_cfg_get(tbl, "window");
  if (w) {
    r = nnmd_cfg_int(tbl, "window", false, 1, INT64_MAX / 4, window, err);
    if (!r && !r_every && (*window % *every != 0 || *window < 2 * *every))
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, w->loc,
                       "'window' (%lld steps) must be a multiple of 'every' (%lld) and at least twice it",
                       (long long)*window, (long long)*every);
    else if (!r && run_steps > 0 && *window > run_steps)
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, w->loc, "'window' (%lld steps) is longer than the run (steps = %lld)",
                       (long long)*window, (long long)run_steps);
    st = st ? st : r;
  } else if (!r_every) { /* default: at least 5 blocks (methods §6.4) */
    *window = run_steps / 5 / *every * *every;
    if (*window < 2 * *every)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, tbl->loc,
                        "%s: the run (%lld steps) is too short for 5 windows of at least 2 samples every %lld steps; "
                        "set 'window' (steps)", where, (long long)run_steps, (long long)*every);
  }
  return st;
}

/* ---- statistics ------------------------------------------------------------------------- */

double nnmd_ana_line(const double *x, const double *y, int64_t k0, int64_t k1, double *intercept, double *se) {
  int64_t n = k1 - k0 + 1;
  double mx = 0, my = 0;
  for (int64_t k = k0; k <= k1; ++k) {
    mx += x[k];
    my += y[k];
  }
  mx /= (double)n;
  my /= (double)n;
  double sxx = 0, sxy = 0;
  for (int64_t k = k0; k <= k1; ++k) {
    sxx += (x[k] - mx) * (x[k] - mx);
    sxy += (x[k] - mx) * (y[k] - my);
  }
  double b = sxx > 0 ? sxy / sxx : NAN, a = my - b * mx;
  if (intercept) *intercept = a;
  if (se) {
    double rss = 0;
    for (int64_t k = k0; k <= k1; ++k) {
      double e = y[k] - a - b * x[k];
      rss += e * e;
    }
    *se = (n > 2 && sxx > 0) ? sqrt(rss / (double)(n - 2) / sxx) : NAN;
  }
  return b;
}

double nnmd_ana_mean_se(const double *v, int64_t n, int64_t stride, double *se) {
  double m = 0;
  for (int64_t k = 0; k < n; ++k) m += v[k * stride];
  m = n > 0 ? m / (double)n : NAN;
  if (se) {
    double s2 = 0;
    for (int64_t k = 0; k < n; ++k) s2 += (v[k * stride] - m) * (v[k * stride] - m);
    *se = n > 1 ? sqrt(s2 / (double)(n - 1) / (double)n) : NAN;
  }
  return m;
}
