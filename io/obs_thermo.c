/* obs_thermo.c — the thermo table (stdout) and thermo.csv.
 * Each CSV line is formatted completely in memory and written with one call followed by a
 * flush, so the file on disk always ends with a complete line (a killed run keeps every
 * line it printed). Energies in eV, pressure and stress in bar, volume in A^3, lengths in A,
 * angles in degrees, time in ps, temperatures in K.
 *
 * Columns: the default table (step ... ns_per_day and the force terms' extra columns), or
 * the [output] thermo_columns selection (docs/outputs.md). Every name is looked up once at
 * start (unknown names: error at the list item, with "did you mean"); a sample evaluates
 * the list. Per-species temperatures (temp_Li) need a sum over ranks, done on every rank
 * before rank 0 prints: T_s = mvv2e sum_{i in s} m v^2 / (3 N_s kB) (no COM correction).
 * The CSV always begins with the step (restarts truncate it by the first column). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "mem.h"
#include "observers.h"
#include "schema.h"

enum col_kind { C_STEP, C_INT, C_REAL, C_PT, C_LEN, C_ANG, C_TILT, C_TSP, C_EXTRA };

struct col_def {
  const char *name, *csv, *head;
  enum col_kind kind;
  int width;
  const char *fmt, *csv_fmt; /* stdout %*.*x and CSV formats for reals */
  size_t off;                /* offsetof in struct nnmd_thermo (reals / ints), or an index */
};

#define TOFF(f) offsetof(struct nnmd_thermo, f)
static const struct col_def k_cols[] = {
    {"step", "step", "Step", C_STEP, 10, NULL, NULL, 0},
    {"time", "time_ps", "Time", C_REAL, 10, "%10.4f", "%.10g", TOFF(time)},
    {"temp", "temp_K", "Temp", C_REAL, 10, "%10.3f", "%.10g", TOFF(temp)},
    {"epot", "epot_eV", "E_pot", C_REAL, 16, "%16.8f", "%.15g", TOFF(epot)},
    {"ekin", "ekin_eV", "E_kin", C_REAL, 14, "%14.6f", "%.15g", TOFF(ekin)},
    {"etot", "etot_eV", "E_tot", C_REAL, 16, "%16.8f", "%.15g", TOFF(etot)},
    {"conserved", "conserved_eV", "Conserved", C_REAL, 16, "%16.8f", "%.15g", TOFF(conserved)},
    {"press", "press_bar", "Press", C_REAL, 12, "%12.3f", "%.10g", TOFF(press)},
    {"volume", "volume_A3", "Volume", C_REAL, 12, "%12.3f", "%.12g", TOFF(volume)},
    {"warnings", "warnings", "Warn", C_INT, 5, NULL, NULL, TOFF(warnings)},
    {"atom_steps_per_s", "atom_steps_per_s", "atom-st/s", C_REAL, 11, "%11.4g", "%.6g", TOFF(atom_steps_per_s)},
    {"ns_per_day", "ns_per_day", "ns/day", C_REAL, 9, "%9.4g", "%.6g", TOFF(ns_per_day)},
    {"natoms", "natoms", "Atoms", C_INT, 9, NULL, NULL, TOFF(natoms)},
    {"neigh_builds", "neigh_builds", "Builds", C_INT, 8, NULL, NULL, TOFF(neigh_builds)},
    {"pxx", "pxx_bar", "Pxx", C_PT, 12, "%12.3f", "%.10g", 0},
    {"pyy", "pyy_bar", "Pyy", C_PT, 12, "%12.3f", "%.10g", 4},
    {"pzz", "pzz_bar", "Pzz", C_PT, 12, "%12.3f", "%.10g", 8},
    {"pxy", "pxy_bar", "Pxy", C_PT, 12, "%12.3f", "%.10g", 1},
    {"pxz", "pxz_bar", "Pxz", C_PT, 12, "%12.3f", "%.10g", 2},
    {"pyz", "pyz_bar", "Pyz", C_PT, 12, "%12.3f", "%.10g", 5},
    {"lx", "lx_A", "Lx", C_LEN, 11, "%11.5f", "%.12g", 0},
    {"ly", "ly_A", "Ly", C_LEN, 11, "%11.5f", "%.12g", 1},
    {"lz", "lz_A", "Lz", C_LEN, 11, "%11.5f", "%.12g", 2},
    {"alpha", "alpha_deg", "Alpha", C_ANG, 9, "%9.4f", "%.12g", 0},
    {"beta", "beta_deg", "Beta", C_ANG, 9, "%9.4f", "%.12g", 1},
    {"gamma", "gamma_deg", "Gamma", C_ANG, 9, "%9.4f", "%.12g", 2},
    {"xy", "xy_A", "Xy", C_TILT, 10, "%10.5f", "%.12g", 3},
    {"xz", "xz_A", "Xz", C_TILT, 10, "%10.5f", "%.12g", 4},
    {"yz", "yz_A", "Yz", C_TILT, 10, "%10.5f", "%.12g", 5},
};
enum { NDEF = sizeof k_cols / sizeof k_cols[0], NDEFAULT = 12 };

struct col {
  const struct col_def *def; /* NULL: temp_<species> or an extra column */
  enum col_kind kind;
  int index; /* species or extra index */
  char csv[40], head[24];
};

struct thermo_obs {
  char path[4096];
  FILE *csv;
  bool to_stdout;
  int64_t lines;
  int n_req; /* requested names (0 = default table) */
  char req[NNMD_THERMO_MAX_COLUMNS][32];
  struct nnmd_loc req_loc[NNMD_THERMO_MAX_COLUMNS];
  int n_cols;
  struct col cols[NNMD_THERMO_MAX_COLUMNS + 16];
  bool need_tsp;
  double tsp[NNMD_MAX_SPECIES];
};

static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b), d[40];
  if (la > 38 || lb > 38) return 99;
  for (int j = 0; j <= lb; ++j) d[j] = j;
  for (int i = 1; i <= la; ++i) {
    int prev = d[0];
    d[0] = i;
    for (int j = 1; j <= lb; ++j) {
      int t = d[j], c = prev + (a[i - 1] != b[j - 1]);
      if (d[j] + 1 < c) c = d[j] + 1;
      if (d[j - 1] + 1 < c) c = d[j - 1] + 1;
      d[j] = c;
      prev = t;
    }
  }
  return d[lb];
}

static void add_def(struct thermo_obs *o, const struct col_def *d) {
  struct col *c = &o->cols[o->n_cols++];
  *c = (struct col){.def = d, .kind = d->kind, .index = (int)d->off};
  snprintf(c->csv, sizeof c->csv, "%s", d->csv);
  snprintf(c->head, sizeof c->head, "%s", d->head);
}

/* Resolve one requested name; error at its location when unknown. */
static int resolve(struct thermo_obs *o, int k, const struct nnmd_species_table *sp, const char *const *extra,
                   int n_extra, struct nnmd_error *err) {
  char name[32];
  memcpy(name, o->req[k], sizeof name);
  for (int j = 0; j < NDEF; ++j)
    if (!strcmp(name, k_cols[j].name)) {
      if (j == 0) return NNMD_OK; /* step is always first */
      add_def(o, &k_cols[j]);
      return NNMD_OK;
    }
  if (!strncmp(name, "temp_", 5)) {
    int s = nnmd_species_find(sp, name + 5);
    if (s >= 0) {
      struct col *c = &o->cols[o->n_cols++];
      *c = (struct col){.kind = C_TSP, .index = s};
      snprintf(c->csv, sizeof c->csv, "temp_%s_K", sp->s[s].symbol);
      snprintf(c->head, sizeof c->head, "T_%s", sp->s[s].symbol);
      o->need_tsp = true;
      return NNMD_OK;
    }
  }
  for (int j = 0; j < n_extra; ++j)
    if (!strcmp(name, extra[j])) {
      struct col *c = &o->cols[o->n_cols++];
      *c = (struct col){.kind = C_EXTRA, .index = j};
      snprintf(c->csv, sizeof c->csv, "%s", name);
      snprintf(c->head, sizeof c->head, "%.*s", (int)sizeof c->head - 1, name);
      return NNMD_OK;
    }
  /* unknown: suggest the closest known name */
  const char *best = NULL;
  int bd = 3;
  char tmp[40], sugg[40];
  for (int j = 0; j < NDEF; ++j) {
    int d = edit_distance(name, k_cols[j].name);
    if (d < bd) bd = d, best = k_cols[j].name;
  }
  for (int s = 0; s < sp->n; ++s) {
    snprintf(tmp, sizeof tmp, "temp_%s", sp->s[s].symbol);
    int d = edit_distance(name, tmp);
    if (d < bd) bd = d, best = memcpy(sugg, tmp, sizeof sugg);
  }
  char list[512] = "";
  size_t n = 0;
  for (int j = 0; j < NDEF && n < sizeof list - 40; ++j)
    n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "", k_cols[j].name);
  for (int j = 0; j < n_extra && n < sizeof list - 40; ++j)
    n += (size_t)snprintf(list + n, sizeof list - n, ", %s", extra[j]);
  if (best)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, o->req_loc[k],
                        "unknown column '%s' in 'thermo_columns'; did you mean '%s'? (known: %s, temp_<species>)", name,
                        best, list);
  return nnmd_fail_at(err, NNMD_ERR_INPUT, o->req_loc[k],
                      "unknown column '%s' in 'thermo_columns' (known: %s, temp_<species>)", name, list);
}

static int make_columns(struct thermo_obs *o, const struct nnmd_step_view *v, struct nnmd_error *err) {
  o->n_cols = 0;
  add_def(o, &k_cols[0]);
  if (o->n_req == 0) {
    for (int j = 1; j < NDEFAULT; ++j) add_def(o, &k_cols[j]);
    for (int j = 0; j < v->thermo->n_extra; ++j) {
      struct col *c = &o->cols[o->n_cols++];
      *c = (struct col){.kind = C_EXTRA, .index = j};
      snprintf(c->csv, sizeof c->csv, "%s", v->thermo->extra_name[j]);
      snprintf(c->head, sizeof c->head, "%s", v->thermo->extra_name[j]);
    }
    return NNMD_OK;
  }
  int st = NNMD_OK;
  for (int k = 0; k < o->n_req; ++k) {
    int r = resolve(o, k, &v->sys->species, v->thermo->extra_name, v->thermo->n_extra, err);
    st = st ? st : r;
  }
  return st;
}

static void species_temps(struct thermo_obs *o, const struct nnmd_step_view *v) {
  const struct nnmd_system *sys = v->sys;
  int ns = sys->species.n;
  double s[2 * NNMD_MAX_SPECIES] = {0};
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    int t = sys->type[i];
    double m = sys->species.s[t].mass;
    s[t] += m * (sys->v[i] * sys->v[i] + sys->v[c + i] * sys->v[c + i] + sys->v[2 * c + i] * sys->v[2 * c + i]);
    s[ns + t] += 1.0;
  }
  nnmd_comm_sum_double(v->comm, s, 2 * ns);
  for (int t = 0; t < ns; ++t)
    o->tsp[t] = s[ns + t] > 0 ? v->units->mvv2e * s[t] / (3.0 * s[ns + t] * v->units->boltz) : NAN;
}

static double col_value(const struct thermo_obs *o, const struct col *c, const struct nnmd_step_view *v) {
  const struct nnmd_thermo *t = v->thermo;
  double p[6], R[9];
  switch (c->kind) {
    case C_REAL: return *(const double *)((const char *)t + c->def->off);
    case C_INT: return (double)*(const int64_t *)((const char *)t + c->def->off);
    case C_STEP: return (double)t->step;
    case C_PT: return t->ptensor[c->index];
    case C_TSP: return o->tsp[c->index];
    case C_EXTRA: return t->extra[c->index];
    case C_TILT: nnmd_box_lammps_params(v->box, p, R); return p[c->index];
    case C_LEN: {
      double a[3];
      nnmd_box_vector(v->box, c->index, a);
      return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    }
    case C_ANG: { /* alpha = angle(b, c), beta = angle(a, c), gamma = angle(a, b) */
      double a[3], b[3];
      nnmd_box_vector(v->box, (c->index + 1) % 3, a);
      nnmd_box_vector(v->box, (c->index + 2) % 3, b);
      double ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
      double la = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]), lb = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
      return acos(fmax(-1.0, fmin(1.0, ab / (la * lb)))) * 180.0 / 3.14159265358979323846;
    }
  }
  return NAN;
}

static int th_start(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  int st = make_columns(o, v, err); /* every rank: the same outcome */
  if (st) return st;
  if (nnmd_comm_rank(v->comm) != 0) return NNMD_OK;
  if (o->path[0] && v->first_step > 0) { /* restart: keep lines up to the checkpoint, append */
    st = nnmd_truncate_after_step(o->path, v->first_step, false, err);
    if (st) return st;
    o->csv = fopen(o->path, "a");
    if (!o->csv) return nnmd_fail(err, NNMD_ERR_FILE, "cannot append to '%s': %s", o->path, strerror(errno));
  } else if (o->path[0]) {
    o->csv = fopen(o->path, "w");
    if (!o->csv)
      return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", o->path, strerror(errno));
    for (int k = 0; k < o->n_cols; ++k) fprintf(o->csv, "%s%s", k ? "," : "", o->cols[k].csv);
    fputc('\n', o->csv);
    fflush(o->csv);
  }
  if (o->to_stdout) {
    for (int k = 0; k < o->n_cols; ++k) {
      int w = o->cols[k].def ? o->cols[k].def->width : 14;
      printf("%s%*s", k ? " " : "", w, o->cols[k].head);
    }
    putchar('\n');
    fflush(stdout);
  }
  return NNMD_OK;
}

static int th_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  if (o->need_tsp) species_temps(o, v); /* collective */
  if (nnmd_comm_rank(v->comm) != 0) return NNMD_OK;
  if (o->to_stdout) {
    for (int k = 0; k < o->n_cols; ++k) {
      const struct col *c = &o->cols[k];
      double x = col_value(o, c, v);
      if (k) putchar(' ');
      if (c->kind == C_STEP || c->kind == C_INT) printf("%*lld", c->def->width, (long long)x);
      else if (c->def) printf(c->def->fmt, x);
      else printf(c->kind == C_TSP ? "%14.3f" : "%14.8g", x);
    }
    putchar('\n');
    fflush(stdout);
  }
  if (o->csv) {
    char line[4096];
    int n = 0;
    for (int k = 0; k < o->n_cols && n < (int)sizeof line - 64; ++k) {
      const struct col *c = &o->cols[k];
      double x = col_value(o, c, v);
      if (k) line[n++] = ',';
      if (c->kind == C_STEP || c->kind == C_INT) n += snprintf(line + n, sizeof line - (size_t)n, "%lld", (long long)x);
      else n += snprintf(line + n, sizeof line - (size_t)n, c->def ? c->def->csv_fmt : "%.15g", x);
    }
    n += snprintf(line + n, sizeof line - (size_t)n, "\n");
    if (fwrite(line, 1, (size_t)n, o->csv) != (size_t)n || fflush(o->csv) != 0)
      return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", o->path, strerror(errno));
  }
  o->lines++;
  return NNMD_OK;
}

static int th_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  (void)v;
  if (o->csv) {
    int bad = fclose(o->csv) != 0;
    o->csv = NULL;
    if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot close '%s': %s", o->path, strerror(errno));
  }
  return NNMD_OK;
}

static void th_destroy(void *state) {
  struct thermo_obs *o = state;
  if (o && o->csv) fclose(o->csv);
  free(o);
}

static const struct nnmd_observer_ops k_thermo_ops = {
    .name = "thermo", .start = th_start, .sample = th_sample, .finish = th_finish, .destroy = th_destroy};

int nnmd_obs_thermo_create_cols(const char *csv_path, int64_t every, bool to_stdout, int n_columns,
                                const char (*columns)[32], const struct nnmd_loc *locs, struct nnmd_observer *out,
                                struct nnmd_error *err) {
  struct thermo_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  snprintf(o->path, sizeof o->path, "%s", csv_path ? csv_path : "");
  o->to_stdout = to_stdout;
  o->n_req = n_columns < NNMD_THERMO_MAX_COLUMNS ? n_columns : NNMD_THERMO_MAX_COLUMNS;
  for (int k = 0; k < o->n_req; ++k) {
    snprintf(o->req[k], sizeof o->req[k], "%s", columns[k]);
    o->req_loc[k] = locs ? locs[k] : NNMD_NOLOC;
  }
  *out = (struct nnmd_observer){.ops = &k_thermo_ops, .state = o, .every = every, .at_last = true};
  return NNMD_OK;
}

int nnmd_thermo_columns_check(int n, const char (*columns)[32], const struct nnmd_loc *locs,
                              const struct nnmd_species_table *sp, const char *const *extra, int n_extra,
                              struct nnmd_error *err) {
  struct thermo_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  int st = NNMD_OK;
  o->n_req = n < NNMD_THERMO_MAX_COLUMNS ? n : NNMD_THERMO_MAX_COLUMNS;
  for (int k = 0; k < o->n_req; ++k) {
    snprintf(o->req[k], sizeof o->req[k], "%s", columns[k]);
    o->req_loc[k] = locs ? locs[k] : NNMD_NOLOC;
    o->n_cols = 0;
    int r = resolve(o, k, sp, extra, n_extra, err);
    st = st ? st : r;
  }
  free(o);
  return st;
}

int nnmd_obs_thermo_create(const char *csv_path, int64_t every, bool to_stdout, struct nnmd_observer *out,
                           struct nnmd_error *err) {
  return nnmd_obs_thermo_create_cols(csv_path, every, to_stdout, 0, NULL, NULL, out, err);
}
