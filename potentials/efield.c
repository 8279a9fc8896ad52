/* efield.c — see efield.h. */
#include "efield.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

enum { Q_SPECIES, Q_ATOMS, Q_BEC };

struct efield {
  int mode;
  int n_table;       /* 1 = constant */
  double *t, *E;     /* [n_table], [3 n_table] */
  double q[NNMD_MAX_SPECIES];
  bool q_set[NNMD_MAX_SPECIES];
  double q_mean[NNMD_MAX_SPECIES]; /* nominal charge per species */
  int n_species;
  bool asr;
  double qe2f;
  int64_t last_step; /* step of the previous compute (INT64_MIN: none yet) */
  double asr_last, asr_max;
  struct nnmd_log *log;
};

static const char *const k_field[] = {"E", "charges", "born_charges", "asr", "allow_net_charge", NULL};

/* ---- the field table ---- */

static int read_E(struct efield *s, const struct nnmd_cfg *tbl, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, "E");
  if (!v) return nnmd_fail_at(err, NNMD_ERR_INPUT, tbl->loc, "[field] needs 'E' (V/A): [Ex, Ey, Ez]");
  bool rows = v->kind == NNMD_CFG_ARRAY && v->n > 0 && v->items[0]->kind == NNMD_CFG_ARRAY;
  int n = rows ? (int)v->n : 1, w = rows ? 4 : 3;
  s->n_table = n;
  s->t = nnmd_calloc((size_t)n, sizeof(double), err);
  s->E = nnmd_calloc((size_t)(3 * n), sizeof(double), err);
  if (!s->t || !s->E) return NNMD_ERR_NOMEM;
  for (int r = 0; r < n; ++r) {
    const struct nnmd_cfg *row = rows ? v->items[r] : v;
    if (row->kind != NNMD_CFG_ARRAY || row->n != (size_t)w)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, row->loc,
                          rows ? "'E' as a table needs rows [t, Ex, Ey, Ez] (ps, V/A)"
                               : "'E' must be [Ex, Ey, Ez] (V/A) or a table of [t, Ex, Ey, Ez] rows");
    double x[4];
    for (int k = 0; k < w; ++k)
      if (!nnmd_cfg_number(row->items[k], &x[k]) || !isfinite(x[k]))
        return nnmd_fail_at(err, NNMD_ERR_INPUT, row->items[k]->loc, "'E' must hold finite numbers");
    if (rows) {
      s->t[r] = x[0];
      if (r > 0 && !(x[0] > s->t[r - 1]))
        return nnmd_fail_at(err, NNMD_ERR_INPUT, row->items[0]->loc,
                            "'E' table times must increase (row %d: t = %g after %g)", r + 1, x[0], s->t[r - 1]);
    }
    memcpy(s->E + 3 * r, x + (rows ? 1 : 0), 3 * sizeof(double));
  }
  return NNMD_OK;
}

/* A field component along a non-periodic cell direction has no meaning in the periodic
 * (fixed-E) formalism of the Born charges: refuse it. */
static int check_periodic(const struct efield *s, const struct nnmd_cfg *tbl, const struct nnmd_box *box,
                          struct nnmd_error *err) {
  for (int d = 0; d < 3; ++d) {
    if (box->periodic[d]) continue;
    double a[3];
    nnmd_box_vector(box, d, a);
    double la = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    for (int r = 0; r < s->n_table; ++r) {
      const double *E = s->E + 3 * r;
      double e = sqrt(E[0] * E[0] + E[1] * E[1] + E[2] * E[2]), p = (E[0] * a[0] + E[1] * a[1] + E[2] * a[2]) / la;
      if (fabs(p) > 1e-12 * e)
        return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(tbl, "E")->loc,
                            "the field has a component (%g V/A) along cell vector %c, which is not periodic; "
                            "fields are only defined along periodic directions",
                            p, "abc"[d]);
    }
  }
  return NNMD_OK;
}

static int read_charges(struct efield *s, const struct nnmd_cfg *tbl, const struct nnmd_term_info *info,
                        const struct nnmd_system *sys, struct nnmd_error *err) {
  const struct nnmd_cfg *c = nnmd_cfg_get(tbl, "charges"), *b = nnmd_cfg_get(tbl, "born_charges");
  if (c && b)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, b->loc, "[field] takes either 'charges' or 'born_charges', not both");
  if (!c && !b)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tbl->loc,
                        "[field] needs 'charges' (constant charges per species, or \"structure\") or "
                        "'born_charges' (a Born-charge model folder)");
  const struct nnmd_species_table *sp = info->species;
  s->n_species = sp->n;
  if (b) {
    if (b->kind != NNMD_CFG_STRING)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, b->loc, "'born_charges' must be a folder name (string)");
    s->mode = Q_BEC;
    return NNMD_OK;
  }
  if (c->kind == NNMD_CFG_STRING) {
    if (strcmp(c->u.s, "structure") != 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc,
                          "'charges' must be a table like { Li = 1.0, O = -2.0 } or \"structure\", got \"%s\"", c->u.s);
    if (!nnmd_system_field(sys, "charge"))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc,
                          "charges = \"structure\", but the structure file has no per-atom charges (extxyz "
                          "column 'charge' or 'initial_charges', or LAMMPS atom style 'charge')");
    s->mode = Q_ATOMS;
    return NNMD_OK;
  }
  if (c->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc, "'charges' must be a table like { Li = 1.0, O = -2.0 }");
  s->mode = Q_SPECIES;
  int st = NNMD_OK;
  for (size_t k = 0; k < c->n; ++k) {
    int t = nnmd_species_find(sp, c->keys[k]);
    double q;
    if (t < 0) {
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, c->items[k]->key_loc.line ? c->items[k]->key_loc : c->items[k]->loc,
                        "charges: the structure has no species '%s'", c->keys[k]);
      continue;
    }
    if (!nnmd_cfg_number(c->items[k], &q) || !isfinite(q)) {
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, c->items[k]->loc, "charges: '%s' must be a number (e)", c->keys[k]);
      continue;
    }
    s->q[t] = q;
    s->q_set[t] = true;
  }
  for (int t = 0; t < sp->n && !st; ++t)
    if (!s->q_set[t])
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc, "charges: no charge given for species '%s'", sp->s[t].symbol);
  return st;
}

/* Nominal charges per species and the neutrality check (every rank holds all atoms). */
static int check_neutral(struct efield *s, const struct nnmd_cfg *tbl, const struct nnmd_system *sys,
                         bool allow, struct nnmd_error *err) {
  if (s->mode == Q_BEC) return NNMD_OK;
  const double *qa = nnmd_system_field(sys, "charge");
  double sum = 0.0, sabs = 0.0, qs[NNMD_MAX_SPECIES] = {0};
  int64_t ns[NNMD_MAX_SPECIES] = {0};
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double q = s->mode == Q_SPECIES ? s->q[sys->type[i]] : qa[i];
    sum += q;
    sabs += fabs(q);
    qs[sys->type[i]] += q;
    ns[sys->type[i]]++;
  }
  for (int t = 0; t < s->n_species; ++t) s->q_mean[t] = ns[t] ? qs[t] / (double)ns[t] : 0.0;
  if (!allow && fabs(sum) > 1e-8 * (sabs > 1.0 ? sabs : 1.0)) {
    const struct nnmd_cfg *c = nnmd_cfg_get(tbl, "charges");
    return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc,
                        "the charges sum to %.10g e, not zero: a periodic cell must be neutral (a net charge "
                        "would accelerate the centre of mass); fix the charges or set allow_net_charge = true",
                        sum);
  }
  return NNMD_OK;
}

static void efield_destroy(void *state) {
  struct efield *s = state;
  if (!s) return;
  if (s->mode == Q_BEC && s->asr && s->log && s->last_step != INT64_MIN)
    nnmd_log_info(s->log, "field: largest raw acoustic-sum-rule violation |sum Z*|/N = %.3e e (removed each step)",
                  s->asr_max);
  free(s->t);
  free(s->E);
  free(s);
}

int nnmd_efield_create(const struct nnmd_cfg *field, const struct nnmd_term_info *info,
                       const struct nnmd_system *sys, const struct nnmd_box *box, void **state,
                       struct nnmd_error *err) {
  *state = NULL;
  int st = nnmd_cfg_check_keys(field, k_field, "[field]", err);
  struct efield *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->last_step = INT64_MIN;
  s->qe2f = info->units->qe2f;
  s->log = info->log;
  s->asr = true;
  bool allow = false;
  int r = read_E(s, field, err);
  if (!r) r = check_periodic(s, field, box, err);
  st = st ? st : r;
  r = read_charges(s, field, info, sys, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(field, "asr", false, &s->asr, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(field, "allow_net_charge", false, &allow, err);
  st = st ? st : r;
  if (!st) st = check_neutral(s, field, sys, allow, err);
  if (st) {
    efield_destroy(s);
    return st;
  }
  *state = s;
  return NNMD_OK;
}

/* ---- the field in time ---- */

void nnmd_efield_at(const void *state, double t, double E[3]) {
  const struct efield *s = state;
  int n = s->n_table, k = 0;
  if (n == 1 || t <= s->t[0]) {
    memcpy(E, s->E, 3 * sizeof(double));
    return;
  }
  if (t >= s->t[n - 1]) {
    memcpy(E, s->E + 3 * (n - 1), 3 * sizeof(double));
    return;
  }
  while (s->t[k + 1] < t) ++k;
  double w = (t - s->t[k]) / (s->t[k + 1] - s->t[k]);
  for (int a = 0; a < 3; ++a) E[a] = (1.0 - w) * s->E[3 * k + a] + w * s->E[3 * (k + 1) + a];
}

void nnmd_efield_mean(const void *state, double t0, double t1, double E[3]) {
  nnmd_efield_at(state, t0, E);
  if (!(t1 > t0)) return;
  /* the field is piecewise linear: the trapezoid rule on the table knots is exact */
  const struct efield *s = state;
  double acc[3] = {0, 0, 0}, ta = t0, Ea[3];
  memcpy(Ea, E, sizeof Ea);
  for (int k = 0; k <= s->n_table; ++k) {
    double tb = k < s->n_table ? s->t[k] : t1, Eb[3];
    if (tb <= ta) continue;
    if (tb > t1) tb = t1;
    nnmd_efield_at(state, tb, Eb);
    for (int a = 0; a < 3; ++a) acc[a] += 0.5 * (Ea[a] + Eb[a]) * (tb - ta);
    ta = tb;
    memcpy(Ea, Eb, sizeof Ea);
    if (ta >= t1) break;
  }
  for (int a = 0; a < 3; ++a) E[a] = acc[a] / (t1 - t0);
}

bool nnmd_efield_uses_bec(const void *state) { return ((const struct efield *)state)->mode == Q_BEC; }

bool nnmd_efield_species_charge(const void *state, int species, double *z) {
  const struct efield *s = state;
  if (s->mode == Q_BEC || species < 0 || species >= s->n_species) return false;
  *z = s->q_mean[species];
  return true;
}

/* ---- the force ---- */

static int field_ptr(struct nnmd_system *sys, const char *name, int ncomp, double **out, struct nnmd_error *err) {
  *out = nnmd_system_field(sys, name);
  if (*out) return NNMD_OK;
  int idx, st = nnmd_system_field_add(sys, name, ncomp, false, &idx, err);
  if (st) return st;
  *out = sys->fields[idx].data;
  return NNMD_OK;
}

/* Subtract the mean Born-charge tensor (all ranks); returns the raw |sum Z|_F / N. */
static double apply_asr(double *Z, const struct nnmd_system *sys, const struct nnmd_comm *comm) {
  int64_t c = sys->capacity, n = sys->n_local;
  double sum[9] = {0};
  for (int k = 0; k < 9; ++k)
    for (int64_t i = 0; i < n; ++i) sum[k] += Z[k * c + i];
  if (comm) nnmd_comm_sum_double(comm, sum, 9);
  double N = (double)sys->n_global, norm = 0.0;
  for (int k = 0; k < 9; ++k) {
    norm += sum[k] * sum[k];
    double mean = sum[k] / N;
    for (int64_t i = 0; i < n; ++i) Z[k * c + i] -= mean;
  }
  return sqrt(norm) / N;
}

static int efield_compute(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  struct efield *s = state;
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  double E[3];
  nnmd_efield_at(s, ctx->time, E);
  const double *q = s->mode == Q_ATOMS ? nnmd_system_field(sys, "charge") : NULL;
  double *Z = s->mode == Q_BEC ? nnmd_system_field(sys, "bec") : NULL;
  if (s->mode == Q_BEC && !Z)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "field: no Born charges (the 'bec' term must run before 'efield')");
  if (s->mode == Q_ATOMS && !q)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "field: the per-atom charges were lost");
  double *w, *fp, *up;
  const double *u = nnmd_system_field(sys, "unwrapped");
  int st;
  if ((st = field_ptr(sys, "efield_work", 1, &w, err)) || (st = field_ptr(sys, "efield_fprev", 3, &fp, err)) ||
      (st = field_ptr(sys, "efield_uprev", 3, &up, err)))
    return st;
  if (Z && s->asr) {
    s->asr_last = apply_asr(Z, sys, ctx->comm);
    if (s->asr_last > s->asr_max) s->asr_max = s->asr_last;
  }
  bool advance = u && s->last_step != INT64_MIN && ctx->step > s->last_step;
  for (int64_t i = 0; i < n; ++i) {
    double fe[3];
    if (Z) {
      for (int b = 0; b < 3; ++b)
        fe[b] = s->qe2f * (E[0] * Z[(0 + b) * c + i] + E[1] * Z[(3 + b) * c + i] + E[2] * Z[(6 + b) * c + i]);
    } else {
      double qi = q ? q[i] : s->q[sys->type[i]];
      for (int b = 0; b < 3; ++b) fe[b] = s->qe2f * qi * E[b];
    }
    for (int b = 0; b < 3; ++b) sys->f[b * c + i] += fe[b];
    if (advance)
      for (int b = 0; b < 3; ++b) w[i] += 0.5 * (fp[b * c + i] + fe[b]) * (u[b * c + i] - up[b * c + i]);
    for (int b = 0; b < 3; ++b) {
      fp[b * c + i] = fe[b];
      if (u) up[b * c + i] = u[b * c + i];
    }
  }
  if (u) s->last_step = ctx->step;
  return NNMD_OK;
}

static double total_work(const struct nnmd_system *sys, const struct nnmd_comm *comm) {
  const double *w = nnmd_system_field(sys, "efield_work");
  double W = 0.0;
  for (int64_t i = 0; w && i < sys->n_local; ++i) W += w[i];
  if (comm) nnmd_comm_sum_double(comm, &W, 1);
  return W;
}

static double efield_conserved_extra(void *state, const struct nnmd_system *sys, const struct nnmd_comm *comm) {
  (void)state;
  return -total_work(sys, comm);
}

static int efield_thermo_extra(void *state, const struct nnmd_system *sys, const struct nnmd_comm *comm,
                               const char **names, double *values, int max) {
  struct efield *s = state;
  int k = 0;
  if (k < max) {
    names[k] = "W_field";
    values[k++] = total_work(sys, comm);
  }
  if (s->mode == Q_BEC && s->asr && k < max) {
    names[k] = "ASR";
    values[k++] = s->asr_last;
  }
  return k;
}

static double efield_cutoff(const void *state) {
  (void)state;
  return 0.0;
}

static void efield_print(const void *state, struct nnmd_log *log) {
  const struct efield *s = state;
  const char *how = s->mode == Q_BEC ? "Born charges (model)" : s->mode == Q_ATOMS ? "per-atom charges" : "charges per species";
  if (s->n_table == 1)
    nnmd_log_info(log, "field: E = (%g, %g, %g) V/A on %s%s", s->E[0], s->E[1], s->E[2], how,
                  s->mode == Q_BEC ? (s->asr ? ", acoustic sum rule enforced" : ", no sum rule") : "");
  else
    nnmd_log_info(log, "field: E(t) from a table of %d rows (%g .. %g ps) on %s", s->n_table, s->t[0],
                  s->t[s->n_table - 1], how);
}

static int efield_create_ops(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                             struct nnmd_error *err) {
  (void)cfg;
  (void)info;
  *state = NULL;
  return nnmd_fail(err, NNMD_ERR_INPUT, "the electric field is set in the [field] table, not as a [[potential]]");
}

static const char *const efield_requires_bec[] = {NULL};

const struct nnmd_potential_ops nnmd_pot_efield = {
    .name = "efield",
    .flags = NNMD_POT_NO_ENERGY | NNMD_POT_NO_LIST,
    .provides = NULL,
    .requires = efield_requires_bec,
    .create = efield_create_ops,
    .cutoff = efield_cutoff,
    .print = efield_print,
    .compute_cpu = efield_compute,
    .compute_cuda = NULL,
    .warnings = NULL,
    .conserved_extra = efield_conserved_extra,
    .thermo_extra = efield_thermo_extra,
    .destroy = efield_destroy,
};
