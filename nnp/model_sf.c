/* model_sf.c — parsing `symfunction_short` lines and sorting them into n2p2's order
 * (n2p2-format.md sections 3.3 and 6bis).
 *
 * Field layouts after the keyword (lengths in the model's unit, angles in degrees):
 *   2: ec 2 e1 eta rs rc            3/9: ec T e1 e2 eta lambda zeta rc [rs]
 *  12: ec 12 eta rs rc               13: ec 13 eta rs lambda zeta rc
 *  20: ec 20 e1 rl rc sub         21/22: ec T e1 e2 rl rc angl angr sub
 *  23: ec 23 rl rc sub            24/25: ec T rl rc angl angr sub
 * Angular types swap e1/e2 so that index(e1) <= index(e2). Any other type code is an error
 * (never ignored), as is every constraint n2p2 enforces. Sorting: by central element, then
 * type code, then the per-type key of section 6bis (elements compare by index); ties keep
 * input.nn order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor_math.h"
#include "mem.h"
#include "model.h"

/* Parse a finite double; false on garbage. */
static bool parse_double(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !isfinite(v)) return false;
  *out = v;
  return true;
}

static bool parse_int(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < -1000000 || v > 1000000) return false;
  *out = (int)v;
  return true;
}

/* Subtype of the polynomial SFs: p1..p4 with optional 'a', or 'e' (rest ignored). */
static bool parse_sub(const char *s, int *core, int *asym) {
  *asym = 0;
  if (s[0] == 'e') {
    *core = NNMD_CORE_EXP;
    return true;
  }
  if (s[0] == 'p' && s[1] >= '1' && s[1] <= '4' && (s[2] == '\0' || (s[2] == 'a' && s[3] == '\0'))) {
    *core = NNMD_CORE_P1 + (s[1] - '1');
    *asym = s[2] == 'a';
    return true;
  }
  return false;
}

struct sf_ctx {
  const struct nnmd_nnp_model *m;
  const struct nnmd_nnp_kwline *kl;
  struct nnmd_loc loc;
  struct nnmd_error *err;
  int st;
};

static int elem_field(struct sf_ctx *c, int t, int *e) {
  *e = nnmd_nnp_model_element(c->m, c->kl->tok[t]);
  if (*e < 0)
    c->st = nnmd_fail_at(c->err, NNMD_ERR_FORMAT, c->loc,
                         "symmetry function element '%s' is not listed in 'elements'", c->kl->tok[t]);
  return *e >= 0;
}

static int num_field(struct sf_ctx *c, int t, const char *name, double *v) {
  if (parse_double(c->kl->tok[t], v)) return 1;
  c->st = nnmd_fail_at(c->err, NNMD_ERR_FORMAT, c->loc, "symmetry function field %d (%s) is not a number: '%s'",
                       t + 1, name, c->kl->tok[t]);
  return 0;
}

static int bad(struct sf_ctx *c, const char *msg) {
  c->st = nnmd_fail_at(c->err, NNMD_ERR_FORMAT, c->loc, "symmetry function: %s", msg);
  return 0;
}

/* Fields (count, including ec and type) for each type; -1 = unsupported. */
static void field_counts(int type, int *lo, int *hi) {
  *lo = *hi = -1;
  switch (type) {
    case 2: *lo = *hi = 6; break;
    case 3: case 9: *lo = 8; *hi = 9; break;
    case 12: *lo = *hi = 5; break;
    case 13: *lo = *hi = 7; break;
    case 20: *lo = *hi = 6; break;
    case 21: case 22: *lo = *hi = 9; break;
    case 23: *lo = *hi = 5; break;
    case 24: case 25: *lo = *hi = 7; break;
    default: break;
  }
}

static int parse_exp_sf(struct sf_ctx *c, struct nnmd_nnp_sf *sf) {
  int t = 2, ok = 1;
  if (sf->type == 2 || sf->type == 3 || sf->type == 9) ok &= elem_field(c, t++, &sf->e1);
  if (sf->type == 3 || sf->type == 9) ok &= elem_field(c, t++, &sf->e2);
  ok &= num_field(c, t++, "eta", &sf->eta);
  if (sf->type == 3 || sf->type == 9) {
    ok &= num_field(c, t++, "lambda", &sf->lambda);
    ok &= num_field(c, t++, "zeta", &sf->zeta);
    ok &= num_field(c, t++, "rc", &sf->rc);
    if (c->kl->ntok > t) ok &= num_field(c, t++, "rs", &sf->rs);
  } else {
    ok &= num_field(c, t++, "rs", &sf->rs);
    if (sf->type == 13) {
      ok &= num_field(c, t++, "lambda", &sf->lambda);
      ok &= num_field(c, t++, "zeta", &sf->zeta);
    }
    ok &= num_field(c, t++, "rc", &sf->rc);
  }
  if (!ok) return 0;
  if (!(sf->rc > 0.0)) return bad(c, "the cutoff radius must be positive");
  if (sf->eta < 0.0) return bad(c, "eta must not be negative");
  if (sf->type == 3 || sf->type == 9 || sf->type == 13) {
    if (sf->lambda == 0.0) return bad(c, "lambda must not be 0");
    if (!(sf->zeta > 0.0)) return bad(c, "zeta must be positive");
    sf->izeta = (sf->zeta == floor(sf->zeta) && sf->zeta <= 1000.0) ? (int)sf->zeta : -1;
  }
  return 1;
}

static int parse_poly_sf(struct sf_ctx *c, struct nnmd_nnp_sf *sf) {
  int t = 2, ok = 1;
  bool ang = sf->type == 21 || sf->type == 22 || sf->type == 24 || sf->type == 25;
  if (sf->type == 20 || sf->type == 21 || sf->type == 22) ok &= elem_field(c, t++, &sf->e1);
  if (sf->type == 21 || sf->type == 22) ok &= elem_field(c, t++, &sf->e2);
  ok &= num_field(c, t++, "rl", &sf->rl);
  ok &= num_field(c, t++, "rc", &sf->rc);
  if (ang) {
    ok &= num_field(c, t++, "angleLeft", &sf->angl);
    ok &= num_field(c, t++, "angleRight", &sf->angr);
  }
  if (!ok) return 0;
  const char *sub = c->kl->tok[t];
  if (!parse_sub(sub, &sf->core, &sf->asym))
    return bad(c, "unknown subtype (core function); expected p1..p4, p1a..p4a or e");
  snprintf(sf->sub, sizeof sf->sub, "%s", sub);
  if (!(sf->rc > 0.0)) return bad(c, "the right radius rc must be positive");
  if (!(sf->rl < sf->rc)) return bad(c, "the left radius rl must be smaller than rc");
  if (ang) {
    double cen = 0.5 * (sf->angl + sf->angr);
    if (!(sf->angl < sf->angr)) return bad(c, "angleLeft must be smaller than angleRight");
    if (sf->angl < 0.0 && cen != 0.0) return bad(c, "angleLeft < 0 requires the window centre to be 0");
    if (sf->angr > 180.0 && cen != 180.0)
      return bad(c, "angleRight > 180 requires the window centre to be 180");
    if (sf->angr - sf->angl > 360.0) return bad(c, "the angular window must not exceed 360 degrees");
  }
  return 1;
}

/* Parse one line into *sf; returns 1 on success. */
static int parse_sf(struct sf_ctx *c, struct nnmd_nnp_sf *sf) {
  const struct nnmd_nnp_kwline *kl = c->kl;
  memset(sf, 0, sizeof *sf);
  sf->e1 = sf->e2 = sf->izeta = -1;
  sf->line = kl->line;
  if (kl->ntok < 2) return bad(c, "expected '<element> <type> ...'");
  if (!elem_field(c, 0, &sf->ec)) return 0;
  if (!parse_int(kl->tok[1], &sf->type)) return bad(c, "the type (field 2) is not an integer");
  int lo, hi;
  field_counts(sf->type, &lo, &hi);
  if (lo < 0) {
    c->st = nnmd_fail_at(c->err, NNMD_ERR_UNSUPPORTED, c->loc,
                         "unsupported symmetry function type %d (supported: 2 3 9 12 13 20 21 22 23 24 25)",
                         sf->type);
    return 0;
  }
  if (kl->ntok < lo || kl->ntok > hi) {
    char msg[128];
    if (lo == hi) snprintf(msg, sizeof msg, "type %d needs %d fields, got %d", sf->type, lo, kl->ntok);
    else snprintf(msg, sizeof msg, "type %d needs %d or %d fields, got %d", sf->type, lo, hi, kl->ntok);
    return bad(c, msg);
  }
  int ok = sf->type < 20 ? parse_exp_sf(c, sf) : parse_poly_sf(c, sf);
  if (ok && sf->e2 >= 0 && sf->e2 < sf->e1) {
    int t = sf->e1;
    sf->e1 = sf->e2;
    sf->e2 = t;
  }
  return ok;
}

static int cmp_d(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }
static int cmp_i(int a, int b) { return a < b ? -1 : (a > b ? 1 : 0); }

/* n2p2's order within one element (section 6bis); ties by input.nn line. */
static int sf_cmp(const void *pa, const void *pb) {
  const struct nnmd_nnp_sf *a = pa, *b = pb;
  int c = cmp_i(a->ec, b->ec);
  if (!c) c = cmp_i(a->type, b->type);
  if (c) return c;
  switch (a->type) {
    case 2: case 3: case 9: case 12: case 13:
      if ((c = cmp_d(a->rc, b->rc)) || (c = cmp_d(a->eta, b->eta)) || (c = cmp_d(a->rs, b->rs))) return c;
      if (a->type == 3 || a->type == 9 || a->type == 13)
        if ((c = cmp_d(a->zeta, b->zeta)) || (c = cmp_d(a->lambda, b->lambda))) return c;
      if ((c = cmp_i(a->e1, b->e1)) || (c = cmp_i(a->e2, b->e2))) return c;
      break;
    default: {
      int s = strcmp(a->sub, b->sub);
      if (s) return s < 0 ? -1 : 1;
      if ((c = cmp_i(a->e1, b->e1)) || (c = cmp_i(a->e2, b->e2))) return c;
      if ((c = cmp_d(a->rc, b->rc)) || (c = cmp_d(a->rl, b->rl))) return c;
      if ((c = cmp_d(a->angl, b->angl)) || (c = cmp_d(a->angr, b->angr))) return c;
      break;
    }
  }
  return cmp_i(a->line, b->line);
}

int nnmd_nnp_parse_sfs(const struct nnmd_nnp_settings *s, struct nnmd_nnp_model *m,
                       struct nnmd_error *err) {
  int n = 0;
  for (int i = 0; i < s->n; ++i) n += strcmp(s->lines[i].key, "symfunction_short") == 0;
  if (n == 0) return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){s->path, 0, 0}),
                                  "no symmetry functions (symfunction_short lines)");
  m->sf = nnmd_calloc((size_t)n, sizeof *m->sf, err);
  if (!m->sf) return NNMD_ERR_NOMEM;
  int k = 0, st = NNMD_OK;
  for (int i = 0; i < s->n; ++i) {
    if (strcmp(s->lines[i].key, "symfunction_short") != 0) continue;
    struct sf_ctx c = {m, &s->lines[i], {s->path, s->lines[i].line, 1}, err, NNMD_OK};
    if (parse_sf(&c, &m->sf[k])) ++k;
    else st = c.st ? c.st : NNMD_ERR_FORMAT;
  }
  if (st) return st;
  m->n_sf_total = n;
  qsort(m->sf, (size_t)n, sizeof *m->sf, sf_cmp);
  for (int e = 0; e < m->n_elem; ++e) {
    m->n_sf[e] = 0;
    m->rc_elem[e] = 0.0;
  }
  for (int i = n - 1; i >= 0; --i) m->sf_off[m->sf[i].ec] = i;
  for (int i = 0; i < n; ++i) {
    int e = m->sf[i].ec;
    m->n_sf[e]++;
    if (m->sf[i].rc > m->rc_elem[e]) m->rc_elem[e] = m->sf[i].rc;
  }
  m->rc_max = 0.0;
  for (int e = 0; e < m->n_elem; ++e) {
    if (m->n_sf[e] == 0)
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){s->path, 0, 0}),
                        "element %s has no symmetry functions", m->sym[e]);
    if (m->rc_elem[e] > m->rc_max) m->rc_max = m->rc_elem[e];
  }
  return st;
}
