/* thermostat_util.c — see thermostat_util.h.
 *
 * Gamma deviates: Marsaglia & Tsang (2000): for a >= 1, d = a - 1/3, c = 1/sqrt(9 d);
 * repeat { x ~ N(0,1); v = (1 + c x)^3 (reject v <= 0); u ~ U(0,1); accept if
 * u < 1 - 0.0331 x^4 or ln u < x^2/2 + d (1 - v + ln v) } and return d v. For a < 1 the
 * boost Gamma(a) = Gamma(a + 1) U^(1/a) (same paper, §6).
 * CSVR: Bussi, Donadio, Parrinello, J. Chem. Phys. 126, 014101 (2007), eq. (A7), as written in
 * methods.md §2.3.
 */
#include "thermostat_util.h"

#include <math.h>
#include <string.h>

#include "avec.h"
#include "barostat_util.h"
#include "rng.h"

/* ---- input ---------------------------------------------------------------------------- */

static int read_temperature_value(const struct nnmd_cfg *v, const char *who, double *out,
                                  struct nnmd_error *err) {
  double x = 0.0;
  if (!nnmd_cfg_number(v, &x))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'temperature' must be a number (K) or [start, stop], got %s",
                        nnmd_cfg_kind_name(v->kind));
  if (!isfinite(x) || !(x > 0.0))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'temperature' must be positive for the %s thermostat, got %g K", who, x);
  *out = x;
  return NNMD_OK;
}

static int read_temperature(const struct nnmd_cfg *run, const char *who, struct nnmd_tstat_params *p,
                            struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(run, "temperature");
  if (!v)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, run ? run->loc : NNMD_NOLOC,
                        "the %s thermostat needs 'temperature' (K) in [run]", who);
  if (v->kind != NNMD_CFG_ARRAY) {
    int st = read_temperature_value(v, who, &p->t_start, err);
    p->t_stop = p->t_start;
    return st;
  }
  if (v->n != 2)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc,
                        "'temperature' as an array must be [start, stop] (K), got %zu values", v->n);
  int st = read_temperature_value(v->items[0], who, &p->t_start, err);
  int s2 = read_temperature_value(v->items[1], who, &p->t_stop, err);
  return st ? st : s2;
}

int nnmd_tstat_read(const struct nnmd_cfg *run, const char *who, double tdamp_default,
                    struct nnmd_tstat_params *p, struct nnmd_error *err) {
  *p = (struct nnmd_tstat_params){.tdamp = tdamp_default};
  int st = read_temperature(run, who, p, err);
  int s2 = nnmd_cfg_positive(run, "tdamp", false, &p->tdamp, err);
  return st ? st : s2;
}

int nnmd_damp_check(const struct nnmd_cfg *run, const char *key, double value, double dt, double min_steps,
                    struct nnmd_error *err) {
  if (!(dt > 0.0) || value >= min_steps * dt * (1.0 - 1e-12)) return NNMD_OK;
  const struct nnmd_cfg *v = run ? nnmd_cfg_get(run, key) : NULL;
  struct nnmd_loc loc = v ? v->loc : (run ? run->loc : NNMD_NOLOC);
  return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                      "%s'%s' = %g ps is shorter than %g time steps (timestep %g ps): the %s would act faster "
                      "than the integration resolves; give at least %g ps (LAMMPS advice: about %d time steps)",
                      v ? "" : "the default ", key, value, min_steps, dt,
                      strcmp(key, "pdamp") ? "thermostat" : "barostat", min_steps * dt,
                      strcmp(key, "pdamp") ? 100 : 1000);
}

int nnmd_tstat_refuse(const struct nnmd_cfg *run, const char *const *keys, const char *who,
                      struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int k = 0; keys[k]; ++k) {
    const struct nnmd_cfg *v = nnmd_cfg_get(run, keys[k]);
    if (!v) continue;
    int r = nnmd_fail_at(err, NNMD_ERR_INPUT, v->key_loc.line ? v->key_loc : v->loc,
                         "'%s' is not used by the %s thermostat (remove it)", keys[k], who);
    st = st ? st : r;
  }
  return st;
}

double nnmd_tstat_target(struct nnmd_tstat_params *p, const struct nnmd_integ_ctx *ctx) {
  if (!p->ramp_set) {
    p->ramp_first = ctx->first_step;
    p->ramp_set = 1;
  }
  if (ctx->last_step <= p->ramp_first || p->t_stop == p->t_start) return p->t_start;
  double delta = (double)(ctx->step - p->ramp_first) / (double)(ctx->last_step - p->ramp_first);
  return p->t_start + delta * (p->t_stop - p->t_start);
}

void nnmd_tstat_ramp_pack(const struct nnmd_tstat_params *p, double out[2]) {
  out[0] = (double)p->ramp_set;
  out[1] = (double)p->ramp_first;
}

int nnmd_tstat_ramp_unpack(struct nnmd_tstat_params *p, const double in[2], struct nnmd_error *err) {
  if (in[0] != 0.0 && in[0] != 1.0)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "thermostat state: ramp flag %g is not 0 or 1", in[0]);
  if (!nnmd_bu_is_step(in[1]))
    return nnmd_fail(err, NNMD_ERR_FORMAT, "thermostat state: ramp origin %g is not a step number", in[1]);
  p->ramp_set = in[0] != 0.0;
  p->ramp_first = (int64_t)in[1];
  return NNMD_OK;
}

double nnmd_tstat_ndof(const struct nnmd_integ_ctx *ctx) {
  return ctx->n_dof > 0 ? (double)ctx->n_dof : 1.0;
}

/* ---- velocities ---------------------------------------------------------------------------- */

void nnmd_tstat_scale(struct nnmd_integ_ctx *ctx, double s) { (void)nnmd_av_scale(ctx, s, NULL); }

/* ---- random stream ------------------------------------------------------------------------- */

void nnmd_rstream_init(struct nnmd_rstream *s, uint64_t seed, int64_t id, int64_t step, int purpose,
                       int lo, int hi) {
  *s = (struct nnmd_rstream){.seed = seed, .id = id, .step = step, .purpose = purpose, .lo = lo,
                             .hi = hi > lo ? hi : lo + 1, .block = lo, .page = 0, .npos = 4, .upos = 4};
}

/* The next unused block: (id of the current page, block index). */
static void next_block(struct nnmd_rstream *s, int64_t *id, int *block) {
  if (s->block >= s->hi) {
    s->page++;
    s->block = s->lo;
  }
  *id = s->id - (int64_t)s->page * ((int64_t)1 << 40);
  *block = s->block++;
}

double nnmd_rstream_normal(struct nnmd_rstream *s) {
  if (s->npos >= 4) {
    int64_t id;
    int b;
    next_block(s, &id, &b);
    nnmd_rng_normal4(s->seed, id, s->step, s->purpose, b, s->nbuf);
    s->npos = 0;
  }
  return s->nbuf[s->npos++];
}

double nnmd_rstream_uniform(struct nnmd_rstream *s) {
  if (s->upos >= 4) {
    int64_t id;
    int b;
    next_block(s, &id, &b);
    nnmd_rng_uniform4(s->seed, id, s->step, s->purpose, b, s->ubuf);
    s->upos = 0;
  }
  return s->ubuf[s->upos++];
}

/* Marsaglia-Tsang, a >= 1. */
static double gamma_mt(struct nnmd_rstream *s, double a) {
  double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = nnmd_rstream_normal(s), v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    double u = nnmd_rstream_uniform(s), x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) return d * v;
  }
}

double nnmd_rstream_gamma(struct nnmd_rstream *s, double shape) {
  if (!(shape > 0.0)) return 0.0;
  if (shape >= 1.0) return gamma_mt(s, shape);
  double g = gamma_mt(s, shape + 1.0);
  return g * pow(nnmd_rstream_uniform(s), 1.0 / shape);
}

double nnmd_rstream_chisq(struct nnmd_rstream *s, int64_t k) {
  if (k <= 0) return 0.0;
  if (k % 2 == 0) return 2.0 * nnmd_rstream_gamma(s, 0.5 * (double)k);
  double r = nnmd_rstream_normal(s);
  return 2.0 * nnmd_rstream_gamma(s, 0.5 * (double)(k - 1)) + r * r;
}

double nnmd_csvr_resample(double K, double Kbar, double n_f, double c, struct nnmd_rstream *s) {
  double r1 = nnmd_rstream_normal(s);
  double sum = nnmd_rstream_chisq(s, (int64_t)llround(n_f) - 1);
  double kn = c * K + (1.0 - c) * Kbar / n_f * (r1 * r1 + sum) +
              2.0 * r1 * sqrt(c * (1.0 - c) * K * Kbar / n_f);
  return kn > 0.0 ? kn : 0.0;
}

/* ---- checkpoint records ------------------------------------------------------------------ */

int nnmd_tstat_write_record(FILE *f, const char tag[8], uint32_t version, const double *v, size_t n,
                            struct nnmd_error *err) {
  uint32_t head[2] = {version, (uint32_t)(n * sizeof(double))};
  if (fwrite(tag, 1, 8, f) != 8 || fwrite(head, sizeof head, 1, f) != 1 ||
      (n && fwrite(v, sizeof(double), n, f) != n))
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot write the %.8s integrator state to the checkpoint", tag);
  return NNMD_OK;
}

int nnmd_tstat_read_record(FILE *f, const char tag[8], uint32_t version, double *v, size_t n,
                           struct nnmd_error *err) {
  char got[8];
  uint32_t head[2];
  if (fread(got, 1, 8, f) != 8 || fread(head, sizeof head, 1, f) != 1)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint ends before the %.8s integrator state", tag);
  if (memcmp(got, tag, 8) != 0)
    return nnmd_fail(err, NNMD_ERR_FORMAT,
                     "the checkpoint holds the state of another integrator (%.8s, expected %.8s)", got, tag);
  if (head[0] != version)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "%.8s integrator state of version %u, this nnmd reads version %u",
                     tag, (unsigned)head[0], (unsigned)version);
  if (head[1] != n * sizeof(double))
    return nnmd_fail(err, NNMD_ERR_FORMAT,
                     "%.8s integrator state holds %u values, the input asks for %zu (different chain length "
                     "or settings than the checkpointed run?)",
                     tag, (unsigned)(head[1] / sizeof(double)), n);
  if (n && fread(v, sizeof(double), n, f) != n)
    return nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint ends inside the %.8s integrator state", tag);
  for (size_t k = 0; k < n; ++k)
    if (!isfinite(v[k]))
      return nnmd_fail(err, NNMD_ERR_FORMAT, "%.8s integrator state: value %zu of %zu is not finite", tag, k + 1, n);
  return NNMD_OK;
}
