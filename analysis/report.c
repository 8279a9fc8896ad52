/* report.c — see report.h. Algorithm: read thermo.csv (header + numeric rows) and the JSON
 * products (our own writers' layout: one "name": { ... } block per species, one key per
 * line, read line by line), then write the page section by section into a temp file that is
 * renamed at the end. Plots of thermo columns are drawn here (plot_svg); the analysis SVGs
 * are copied in with their clip-path ids made unique and the xmlns attribute dropped (inline
 * SVG in HTML needs none), so the page holds no URL at all. */
#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "mem.h"
#include "plot_svg.h"

/* ---- thermo.csv ------------------------------------------------------------------------- */
struct table {
  int nc;
  char name[64][40];
  int64_t nr, cap;
  double *v; /* nr x nc */
};

static int col_of(const struct table *t, const char *name) {
  for (int k = 0; k < t->nc; ++k)
    if (!strcmp(t->name[k], name)) return k;
  return -1;
}

static void read_csv(const char *path, struct table *t) {
  memset(t, 0, sizeof *t);
  FILE *f = path && path[0] ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[8192];
  if (fgets(line, sizeof line, f)) {
    char *save = NULL;
    for (char *tok = strtok_r(line, ",\n", &save); tok && t->nc < 64; tok = strtok_r(NULL, ",\n", &save))
      snprintf(t->name[t->nc++], sizeof t->name[0], "%s", tok);
  }
  while (t->nc > 0 && fgets(line, sizeof line, f)) {
    if (t->nr == t->cap) {
      int64_t cap = t->cap ? 2 * t->cap : 256;
      double *v = realloc(t->v, (size_t)(cap * t->nc) * sizeof *v);
      if (!v) break;
      t->v = v;
      t->cap = cap;
    }
    char *p = line, *end;
    int k = 0;
    for (; k < t->nc; ++k) {
      t->v[t->nr * t->nc + k] = strtod(p, &end);
      if (end == p) break;
      p = end + (*end == ',');
    }
    if (k == t->nc) t->nr++;
  }
  fclose(f);
}

/* ---- our JSON products: "block": { "key": value, ... } -------------------------------- */
struct kv {
  char block[32], key[48], val[320];
};
struct json {
  int n;
  struct kv *e;
};

static void add_kv(struct json *j, const char *block, const char *key, size_t kl, const char *val, size_t vl) {
  if (!j->e || j->n >= 512) return;
  struct kv *e = &j->e[j->n++];
  snprintf(e->block, sizeof e->block, "%.31s", block);
  snprintf(e->key, sizeof e->key, "%.*s", (int)(kl < 47 ? kl : 47), key);
  snprintf(e->val, sizeof e->val, "%.*s", (int)(vl < 319 ? vl : 319), val);
}

/* "k": v, "k": v ... on one line (vacf.json style); values: numbers, null, strings, [..], {..} */
static void parse_inline(struct json *j, const char *block, const char *p) {
  while (*p) {
    p += strspn(p, " ,{}");
    if (*p != '"') return;
    const char *k = p + 1, *ke = strchr(k, '"');
    if (!ke || ke[1] != ':') return;
    const char *v = ke + 2 + strspn(ke + 2, " "), *ve = v;
    if (*v == '[' || *v == '{') {
      int depth = 0;
      for (; *ve; ++ve) {
        depth += (*ve == '[' || *ve == '{') - (*ve == ']' || *ve == '}');
        if (depth == 0) {
          ++ve;
          break;
        }
      }
    } else if (*v == '"') {
      for (ve = v + 1; *ve && !(*ve == '"' && ve[-1] != '\\'); ++ve) {}
      if (*ve) ++ve;
    } else {
      ve = v + strcspn(v, ",}\n");
    }
    add_kv(j, block, k, (size_t)(ke - k), v, (size_t)(ve - v));
    p = ve;
  }
}

static void read_json(const char *path, struct json *j) {
  memset(j, 0, sizeof *j);
  FILE *f = fopen(path, "r");
  if (!f) return;
  j->e = calloc(512, sizeof *j->e);
  char line[4096], block[32] = "";
  while (j->e && j->n < 512 && fgets(line, sizeof line, f)) {
    char *p = line + strspn(line, " ");
    if (*p != '"') continue;
    char *q = strchr(p + 1, '"');
    if (!q || q[1] != ':') continue;
    *q = 0;
    char *val = q + 2 + strspn(q + 2, " ");
    size_t l = strlen(val);
    while (l && (val[l - 1] == '\n' || val[l - 1] == ',' || val[l - 1] == ' ')) val[--l] = 0;
    if (p == line + 2 && val[0] == '{') { /* a top-level block, maybe with its keys on this line */
      size_t bl = strlen(p + 1) < sizeof block - 1 ? strlen(p + 1) : sizeof block - 1;
      memcpy(block, p + 1, bl);
      block[bl] = 0;
      parse_inline(j, block, val + 1);
      continue;
    }
    struct kv *e = &j->e[j->n++];
    snprintf(e->block, sizeof e->block, "%s", block);
    snprintf(e->key, sizeof e->key, "%.47s", p + 1);
    snprintf(e->val, sizeof e->val, "%.319s", val);
  }
  fclose(f);
}

static const char *json_get(const struct json *j, const char *block, const char *key) {
  for (int k = 0; k < j->n; ++k)
    if (!strcmp(j->e[k].block, block) && !strcmp(j->e[k].key, key)) return j->e[k].val;
  return NULL;
}

/* ---- HTML helpers -------------------------------------------------------------------------- */
static void esc(FILE *f, const char *s) {
  for (; s && *s; ++s) {
    if (*s == '&') fputs("&amp;", f);
    else if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

/* A JSON value shortened for a table: numbers to 5 digits, arrays element-wise. */
static void put_value(FILE *f, const char *v) {
  char *end;
  while (*v) {
    bool num = (*v >= '0' && *v <= '9') || *v == '-' || *v == '+' || *v == '.';
    double x = num ? strtod(v, &end) : 0.0;
    if (num && end != v) {
      fprintf(f, "%.5g", x);
      v = end;
    } else {
      char c[2] = {*v++, 0};
      esc(f, c);
    }
  }
}

static void section(FILE *f, const char *id, const char *title) {
  fprintf(f, "<section id=\"%s\">\n<h2>", id);
  esc(f, title);
  fputs("</h2>\n", f);
}

static void none(FILE *f, const char *why) {
  fputs("<p class=\"none\">", f);
  esc(f, why);
  fputs("</p>\n</section>\n", f);
}

/* Copy an SVG file inline: no XML prolog, no xmlns, clip ids made unique. */
static bool inline_svg(FILE *f, const char *path, int *uid) {
  FILE *in = fopen(path, "r");
  if (!in) return false;
  char line[1 << 16], id[32];
  snprintf(id, sizeof id, "c%d", (*uid)++);
  fputs("<div class=\"plot\">\n", f);
  while (fgets(line, sizeof line, in)) {
    if (!strncmp(line, "<?xml", 5)) continue;
    for (char *p = line; *p;) {
      if (!strncmp(p, " xmlns=\"http://www.w3.org/2000/svg\"", 35)) {
        p += 35;
      } else if (!strncmp(p, "id=\"area\"", 9)) {
        fprintf(f, "id=\"%s\"", id);
        p += 9;
      } else if (!strncmp(p, "url(#area)", 10)) {
        fprintf(f, "url(#%s)", id);
        p += 10;
      } else {
        fputc(*p++, f);
      }
    }
  }
  fputs("</div>\n", f);
  fclose(in);
  return true;
}

static void plot_column(FILE *f, const struct table *t, int xc, int yc, const char *xlabel, int *uid, double shift,
                        double scale, const char *ylabel) {
  double *x = malloc((size_t)(t->nr > 0 ? t->nr : 1) * sizeof *x), *y = malloc((size_t)(t->nr > 0 ? t->nr : 1) * sizeof *y);
  if (!x || !y) {
    free(x);
    free(y);
    return;
  }
  for (int64_t i = 0; i < t->nr; ++i) {
    x[i] = t->v[i * t->nc + xc];
    y[i] = (t->v[i * t->nc + yc] - shift) * scale;
  }
  char id[32], lab[96];
  snprintf(id, sizeof id, "c%d", (*uid)++);
  snprintf(lab, sizeof lab, "%s", ylabel ? ylabel : t->name[yc]);
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < t->nr; ++i)
    if (isfinite(y[i])) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
  if (isfinite(lo) && hi - lo < 1e-3 * fmax(fabs(lo), fabs(hi))) { /* e.g. E_pot: plot relative to a round value */
    double q = pow(10.0, floor(log10(fmax(hi - lo, 1e-300))) + 1), off = round(0.5 * (lo + hi) / q) * q;
    for (int64_t i = 0; i < t->nr; ++i) y[i] -= off;
    snprintf(lab, sizeof lab, "%s \u2212 (%.10g)", ylabel ? ylabel : t->name[yc], off);
  }
  struct nnmd_plot_series s = {.label = NULL, .x = x, .y = y, .n = t->nr, .color = 0};
  struct nnmd_plot p = {.title = lab, .xlabel = xlabel, .ylabel = lab, .clip_id = id, .width = 620, .height = 330};
  fputs("<div class=\"plot small\">\n", f);
  nnmd_plot_svg_write(f, &p, &s, 1);
  fputs("</div>\n", f);
  free(x);
  free(y);
}

/* ---- sections ------------------------------------------------------------------------------- */
static void sec_summary(FILE *f, const struct nnmd_report_info *r) {
  section(f, "summary", "Run");
  fputs("<table>\n<tr><th>input</th><td>", f);
  esc(f, r->input_path);
  fputs("</td></tr>\n<tr><th>system</th><td>", f);
  esc(f, r->system ? r->system : "");
  fprintf(f, "</td></tr>\n<tr><th>steps</th><td>%lld to %lld, time step %g ps (%g ps)</td></tr>\n",
          (long long)r->first_step, (long long)r->last_step, r->dt, (double)(r->last_step - r->first_step) * r->dt);
  fputs("<tr><th>status</th><td>", f);
  esc(f, r->status ? r->status : "");
  fputs("</td></tr>\n<tr><th>thermo</th><td>", f);
  esc(f, r->thermo_csv && r->thermo_csv[0] ? r->thermo_csv : "(no thermo file: thermo_file = \"\")");
  fputs("</td></tr>\n</table>\n</section>\n", f);
}

static bool skip_column(const char *n) {
  static const char *const k_skip[] = {"step", "time_ps", "atom_steps_per_s", "ns_per_day", "warnings",
                                       "conserved_eV", "natoms", "neigh_builds", NULL};
  for (int k = 0; k_skip[k]; ++k)
    if (!strcmp(n, k_skip[k])) return true;
  return false;
}

static void sec_thermo(FILE *f, const struct table *t, int xc, const char *xl, int *uid) {
  section(f, "thermo", "Thermodynamics");
  if (t->nr < 2) {
    none(f, t->nc ? "fewer than 2 thermo lines in thermo.csv" : "no thermo.csv (thermo_file = \"\" or not readable)");
    return;
  }
  fputs("<div class=\"grid\">\n", f);
  int shown = 0;
  for (int k = 0; k < t->nc && shown < 24; ++k) {
    if (skip_column(t->name[k])) continue;
    plot_column(f, t, xc, k, xl, uid, 0.0, 1.0, NULL);
    shown++;
  }
  fputs("</div>\n", f);
  if (!shown) fputs("<p class=\"none\">thermo.csv holds no thermodynamic columns (thermo_columns)</p>\n", f);
  fputs("</section>\n", f);
}

static void sec_conserved(FILE *f, const struct table *t, int xc, const char *xl, int64_t natoms, int *uid) {
  section(f, "conserved", "Conserved quantity");
  int c = col_of(t, "conserved_eV");
  if (c < 0 || t->nr < 3) {
    none(f, c < 0 ? "thermo.csv has no conserved_eV column" : "fewer than 3 thermo lines: no drift estimate");
    return;
  }
  double n = natoms > 0 ? (double)natoms : 1.0, c0 = t->v[c], dmax = 0.0;
  double *x = malloc((size_t)t->nr * sizeof *x), *y = malloc((size_t)t->nr * sizeof *y);
  if (x && y) {
    for (int64_t i = 0; i < t->nr; ++i) {
      x[i] = t->v[i * t->nc + xc];
      y[i] = (t->v[i * t->nc + c] - c0) / n;
      dmax = fmax(dmax, fabs(y[i]));
    }
    double a, se, b = nnmd_ana_line(x, y, 0, t->nr - 1, &a, &se);
    fprintf(f, "<p>Drift of the conserved quantity (linear fit over %lld lines): <b>%.4g meV/atom per %s</b> "
               "(&plusmn; %.2g); largest deviation from the start %.4g meV/atom.</p>\n",
            (long long)t->nr, 1e3 * b, strcmp(xl, "time (ps)") ? "step" : "ps", 1e3 * se, 1e3 * dmax);
    plot_column(f, t, xc, c, xl, uid, c0, 1e3 / n, "conserved - start (meV/atom)");
  }
  free(x);
  free(y);
  fputs("</section>\n", f);
}

static void json_table(FILE *f, const struct json *j, const char *const *keys, bool (*want)(const char *)) {
  char blocks[16][32];
  int nb = 0;
  for (int k = 0; k < j->n && nb < 16; ++k) {
    if (!strcmp(j->e[k].block, "meta") || !strcmp(j->e[k].block, "conductivity") || !j->e[k].block[0]) continue;
    bool seen = false;
    for (int b = 0; b < nb; ++b) seen = seen || !strcmp(blocks[b], j->e[k].block);
    if (!seen) snprintf(blocks[nb++], sizeof blocks[0], "%s", j->e[k].block);
  }
  fputs("<table>\n<tr><th></th>", f);
  for (int b = 0; b < nb; ++b) {
    fputs("<th>", f);
    esc(f, blocks[b]);
    fputs("</th>", f);
  }
  fputs("</tr>\n", f);
  for (int k = 0; nb && k < j->n; ++k) { /* the keys of the first block, in file order */
    const struct kv *e = &j->e[k];
    if (strcmp(e->block, blocks[0])) continue;
    bool ok = want ? want(e->key) : false;
    for (int q = 0; keys && keys[q]; ++q) ok = ok || !strcmp(keys[q], e->key);
    if (!ok) continue;
    fputs("<tr><th>", f);
    esc(f, e->key);
    fputs("</th>", f);
    for (int b = 0; b < nb; ++b) {
      const char *v = json_get(j, blocks[b], e->key);
      fputs("<td>", f);
      put_value(f, v ? v : "");
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

static bool field_key(const char *k) {
  return strstr(k, "drift") || strstr(k, "mobility") || strstr(k, "sigma") || strstr(k, "haven") ||
         strstr(k, "charge") || strstr(k, "conductivity");
}

static void sec_msd(FILE *f, const struct nnmd_report_info *r, const struct json *d, int *uid) {
  char path[4200];
  section(f, "msd", "Mean squared displacement and diffusion");
  nnmd_ana_file(r->dir, r->prefix, "msd.svg", path, sizeof path);
  if (!d->n) {
    none(f, "no diffusion.json: no [analysis.msd] in this run, or no complete window");
    return;
  }
  static const char *const keys[] = {"n_atoms", "D", "D_err", "D_xyz", "D_xyz_err", "fit_window", "msd_exponent",
                                     "diffusive", NULL};
  fputs("<p>D in Å²/ps from the slope of the block-averaged MSD in the fit window (shaded); errors from the "
        "spread of the blocks.</p>\n", f);
  json_table(f, d, keys, NULL);
  if (!inline_svg(f, path, uid)) fputs("<p class=\"none\">msd.svg is missing</p>\n", f);
  fputs("</section>\n", f);
}

static void sec_field(FILE *f, const struct json *d) {
  section(f, "field", "Drift and mobility under a field");
  if (!d->n) {
    none(f, "no diffusion.json ([analysis.msd] gives drift velocities, and mobilities when a field is on)");
    return;
  }
  const char *E = json_get(d, "meta", "field_V_per_A");
  fputs("<p>", f);
  if (!E || !strcmp(E, "null")) fputs("No external field in this run: the drift velocities below should be zero "
                                      "within their errors.", f);
  else {
    fputs("Field E = ", f);
    put_value(f, E);
    fputs(" V/Å (mean over the run). Drift velocity in Å/ps, mobility in Å²/(V ps).", f);
  }
  fputs("</p>\n", f);
  json_table(f, d, NULL, field_key);
  bool sig = false;
  for (int k = 0; k < d->n; ++k) {
    const struct kv *e = &d->e[k];
    if (strcmp(e->block, "conductivity")) continue;
    if (!sig) fputs("<p>Conductivity of the analysed species (S/cm):</p>\n<table>\n", f);
    sig = true;
    fputs("<tr><th>", f);
    esc(f, e->key);
    fputs("</th><td>", f);
    if (!strcmp(e->key, "note")) esc(f, e->val);
    else put_value(f, e->val);
    fputs("</td></tr>\n", f);
  }
  if (sig) fputs("</table>\n", f);
  fputs("</section>\n", f);
}

static void sec_svg(FILE *f, const struct nnmd_report_info *r, const char *id, const char *title, const char *file,
                    const char *why, const struct json *extra, int *uid) {
  char path[4200];
  section(f, id, title);
  nnmd_ana_file(r->dir, r->prefix, file, path, sizeof path);
  FILE *t = fopen(path, "r");
  if (!t) {
    none(f, why);
    return;
  }
  fclose(t);
  if (extra && extra->n) {
    static const char *const keys[] = {"D_gk", "D_gk_err", NULL};
    fputs("<p>Green-Kubo D (Å²/ps) from the VACF; Nyquist frequency ", f);
    put_value(f, json_get(extra, "meta", "nyquist_THz") ? json_get(extra, "meta", "nyquist_THz") : "?");
    fputs(" THz.</p>\n", f);
    json_table(f, extra, keys, NULL);
  }
  inline_svg(f, path, uid);
  fputs("</section>\n", f);
}

static void sec_warnings(FILE *f, const struct table *t, int xc, const char *xl, int *uid) {
  section(f, "warnings", "Extrapolation warnings");
  int c = col_of(t, "warnings");
  if (c < 0 || t->nr < 1) {
    none(f, "thermo.csv has no warnings column");
    return;
  }
  double sum = 0, mx = 0;
  int64_t nz = 0;
  for (int64_t i = 0; i < t->nr; ++i) {
    double w = t->v[i * t->nc + c];
    sum += w;
    mx = fmax(mx, w);
    nz += w > 0;
  }
  if (nz == 0) {
    fprintf(f, "<p>No extrapolation warnings at any of the %lld thermo steps.</p>\n</section>\n", (long long)t->nr);
    return;
  }
  fprintf(f, "<p class=\"warn\">Warnings at %lld of %lld thermo steps (at most %g in one force call, %g summed over "
             "the thermo steps): the model was used outside its training range there.</p>\n",
          (long long)nz, (long long)t->nr, mx, sum);
  plot_column(f, t, xc, c, xl, uid, 0.0, 1.0, "extrapolation warnings (per force call)");
  fputs("</section>\n", f);
}

static void sec_timers(FILE *f, const struct nnmd_report_info *r) {
  section(f, "timers", "Timers");
  const struct nnmd_timers *t = r->timers;
  if (!t || t->total[NNMD_T_LOOP] <= 0) {
    none(f, "no timing (the loop did not run)");
    return;
  }
  fputs("<table>\n<tr><th>timer</th><th>calls</th><th>total (s)</th><th>% of loop</th></tr>\n", f);
  for (int i = 0; i < NNMD_T_COUNT; ++i) {
    if (!t->calls[i]) continue;
    fprintf(f, "<tr><th>%s</th><td>%lld</td><td>%.4f</td><td>%.2f</td></tr>\n", nnmd_timer_name((enum nnmd_timer_id)i),
            (long long)t->calls[i], t->total[i], 100.0 * t->total[i] / t->total[NNMD_T_LOOP]);
  }
  fputs("</table>\n", f);
  if (r->atom_steps > 0)
    fprintf(f, "<p>Performance: %.4g atom-steps/s (rank 0's loop time).</p>\n",
            (double)r->atom_steps / t->total[NNMD_T_LOOP]);
  fputs("</section>\n", f);
}

static void sec_input(FILE *f, const struct nnmd_report_info *r) {
  section(f, "input", "Input file");
  FILE *in = fopen(r->input_path, "r");
  if (!in) {
    none(f, "the input file could not be read back");
    return;
  }
  fputs("<pre>", f);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf - 1, in)) > 0) {
    buf[n] = 0;
    esc(f, buf);
  }
  fclose(in);
  fputs("</pre>\n</section>\n", f);
}

int nnmd_report_write(const struct nnmd_report_info *r, struct nnmd_error *err) {
  struct table t;
  struct json diff, vacf;
  char path[4200];
  read_csv(r->thermo_csv, &t);
  nnmd_ana_file(r->dir, r->prefix, "diffusion.json", path, sizeof path);
  read_json(path, &diff);
  nnmd_ana_file(r->dir, r->prefix, "vacf.json", path, sizeof path);
  read_json(path, &vacf);
  int xc = col_of(&t, "time_ps");
  const char *xl = "time (ps)";
  if (xc < 0) xc = 0, xl = "step";
  struct nnmd_outfile o;
  int st = nnmd_outfile_open(&o, r->path, err);
  if (!st) {
    FILE *f = o.f;
    int uid = 0;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>nnmd report: ", f);
    esc(f, r->input_path);
    fputs("</title>\n<style>\nbody{font-family:sans-serif;margin:1.5em;max-width:1300px}\n"
          "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\n"
          "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:.2em .6em;text-align:left;"
          "font-size:.9em}\n.grid{display:flex;flex-wrap:wrap}.plot svg{max-width:100%;height:auto}"
          ".small{width:620px;max-width:49%}\n.none{color:#777;font-style:italic}.warn{color:#a40}\n"
          "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}\nnav a{margin-right:.8em}\n"
          "</style>\n</head>\n<body>\n<h1>nnmd run report</h1>\n<nav>", f);
    static const char *const ids[] = {"summary", "thermo", "conserved", "msd", "field", "rdf", "vdos", "warnings",
                                      "timers", "input", NULL};
    static const char *const names[] = {"run", "thermo", "conserved", "MSD", "field", "RDF", "VDOS", "warnings",
                                        "timers", "input", NULL};
    for (int k = 0; ids[k]; ++k) fprintf(f, "<a href=\"#%s\">%s</a>", ids[k], names[k]);
    fputs("</nav>\n", f);
    sec_summary(f, r);
    sec_thermo(f, &t, xc, xl, &uid);
    sec_conserved(f, &t, xc, xl, r->natoms, &uid);
    sec_msd(f, r, &diff, &uid);
    sec_field(f, &diff);
    sec_svg(f, r, "rdf", "Radial distribution functions", "rdf.svg", "no rdf.svg: no [analysis.rdf] in this run", NULL,
            &uid);
    sec_svg(f, r, "vdos", "Vibrational density of states", "vdos.svg",
            "no vdos.svg: no [analysis.vacf] in this run, or no complete window", &vacf, &uid);
    sec_warnings(f, &t, xc, xl, &uid);
    sec_timers(f, r);
    sec_input(f, r);
    fputs("</body>\n</html>\n", f);
    st = nnmd_outfile_commit(&o, err);
  }
  free(t.v);
  free(diff.e);
  free(vacf.e);
  return st;
}
