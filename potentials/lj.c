/* lj.c — Lennard-Jones 12-6 pair term (`type = "lj"`), as LAMMPS pair_style lj/cut.
 *
 *   E(r) = 4 eps [ (sigma/r)^12 - (sigma/r)^6 ] - E_shift      for r < rc
 *   E_shift = E_unshifted(rc) when `shift = true` (LAMMPS pair_modify shift yes), else 0.
 * Input: cutoff (A, global), shift (bool), pairs = [ {species = ["Ar","Ar"], epsilon (eV),
 * sigma (A), cutoff (A, optional per pair)} ], mixing = "none" | "geometric" | "arithmetic"
 * for pairs not listed (LAMMPS pair_modify mix).
 * Half neighbour list with forces on ghosts ("newton on"): each pair once, F_i = -F_j,
 * virial W += d (x) F_j with d = r_j - r_i (positive for repulsion). Per-atom energy is
 * split half/half between the two atoms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "classic.h"

struct lj {
  int nt;
  double rc_max;
  bool shift;
  double *lj1, *lj2, *lj3, *lj4, *offset, *rc2; /* [nt*nt] */
  char names[NNMD_MAX_SPECIES][NNMD_SYMBOL_LEN];
};

static void lj_destroy(void *state) {
  struct lj *p = state;
  if (!p) return;
  free(p->lj1);
  free(p);
}

static const char *const k_keys[] = {"type", "cutoff", "shift", "pairs", "mixing", NULL};
static const char *const k_pair_keys[] = {"species", "epsilon", "sigma", "cutoff", NULL};
static const char *const k_mixing[] = {"none", "geometric", "arithmetic", NULL};

static int read_pair(const struct nnmd_cfg *pt, const struct nnmd_species_table *sp, int *a, int *b,
                     double *eps, double *sig, double *rc, struct nnmd_error *err) {
  int st = nnmd_cfg_check_keys(pt, k_pair_keys, "an LJ pair", err);
  const struct nnmd_cfg *s = nnmd_cfg_get(pt, "species");
  if (!s) return nnmd_fail_at(err, NNMD_ERR_INPUT, pt->loc, "LJ pair needs 'species = [\"A\", \"B\"]'");
  if (s->kind != NNMD_CFG_ARRAY || s->n != 2 || s->items[0]->kind != NNMD_CFG_STRING ||
      s->items[1]->kind != NNMD_CFG_STRING)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, s->loc, "'species' must be two element names, e.g. [\"Ar\", \"Ar\"]");
  *a = nnmd_species_find(sp, s->items[0]->u.s);
  *b = nnmd_species_find(sp, s->items[1]->u.s);
  int st2 = nnmd_cfg_positive(pt, "epsilon", true, eps, err);
  int st3 = nnmd_cfg_positive(pt, "sigma", true, sig, err);
  int st4 = nnmd_cfg_positive(pt, "cutoff", false, rc, err);
  return st ? st : (st2 ? st2 : (st3 ? st3 : st4));
}

static void set_pair(struct lj *p, int a, int b, double eps, double sig, double rc) {
  int nt = p->nt;
  for (int k = 0; k < 2; ++k) {
    int ij = k ? b * nt + a : a * nt + b;
    double s6 = pow(sig, 6.0);
    p->lj1[ij] = 48.0 * eps * s6 * s6;
    p->lj2[ij] = 24.0 * eps * s6;
    p->lj3[ij] = 4.0 * eps * s6 * s6;
    p->lj4[ij] = 4.0 * eps * s6;
    p->rc2[ij] = rc * rc;
    double sr6 = s6 / pow(rc, 6.0);
    p->offset[ij] = p->shift ? 4.0 * eps * (sr6 * sr6 - sr6) : 0.0;
  }
}

static int lj_create(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                     struct nnmd_error *err) {
  int st = nnmd_cfg_check_keys(cfg, k_keys, "[[potential]] type = \"lj\"", err);
  double rc = 0;
  bool shift = false;
  int mix = 0;
  int s1 = nnmd_cfg_positive(cfg, "cutoff", true, &rc, err);
  int s2 = nnmd_cfg_bool(cfg, "shift", false, &shift, err);
  int s3 = nnmd_cfg_choice(cfg, "mixing", false, k_mixing, &mix, err);
  const struct nnmd_cfg *pairs = nnmd_cfg_get(cfg, "pairs");
  if (!pairs) return nnmd_fail_at(err, NNMD_ERR_INPUT, cfg->loc, "LJ term needs 'pairs = [ {species = [..], epsilon = .., sigma = ..} ]'");
  if (pairs->kind != NNMD_CFG_ARRAY)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, pairs->loc, "'pairs' must be an array of tables");
  if (st || s1 || s2 || s3) return st ? st : (s1 ? s1 : (s2 ? s2 : s3));
  const struct nnmd_species_table *sp = info->species;
  int nt = sp->n;
  struct lj *p = nnmd_calloc(1, sizeof *p, err);
  if (!p) return NNMD_ERR_NOMEM;
  p->nt = nt;
  p->shift = shift;
  size_t m = (size_t)nt * (size_t)nt;
  p->lj1 = nnmd_calloc(6 * m, sizeof(double), err);
  if (!p->lj1) {
    free(p);
    return NNMD_ERR_NOMEM;
  }
  p->lj2 = p->lj1 + m;
  p->lj3 = p->lj2 + m;
  p->lj4 = p->lj3 + m;
  p->offset = p->lj4 + m;
  p->rc2 = p->offset + m;
  double *eps = nnmd_calloc(2 * m, sizeof(double), err);
  bool *set = calloc(m ? m : 1, sizeof(bool));
  if (!eps || !set) {
    free(eps);
    free(set);
    lj_destroy(p);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  }
  double *sig = eps + m;
  int bad = NNMD_OK;
  for (size_t k = 0; k < pairs->n; ++k) {
    const struct nnmd_cfg *pt = pairs->items[k];
    if (pt->kind != NNMD_CFG_TABLE) {
      bad = nnmd_fail_at(err, NNMD_ERR_INPUT, pt->loc, "each entry of 'pairs' must be a table");
      continue;
    }
    int a = -1, b = -1;
    double e = 0, s = 0, r = rc;
    int rs = read_pair(pt, sp, &a, &b, &e, &s, &r, err);
    if (rs) {
      bad = rs;
      continue;
    }
    if (a < 0 || b < 0) continue; /* a species absent from this structure: nothing to do */
    set_pair(p, a, b, e, s, r);
    eps[a * nt + b] = eps[b * nt + a] = e;
    sig[a * nt + b] = sig[b * nt + a] = s;
    set[a * nt + b] = set[b * nt + a] = true;
    if (r > p->rc_max) p->rc_max = r;
  }
  for (int a = 0; a < nt && !bad; ++a)
    for (int b = a; b < nt; ++b) {
      if (set[a * nt + b]) continue;
      if (mix == 0 || !set[a * nt + a] || !set[b * nt + b]) {
        bad = nnmd_fail_at(err, NNMD_ERR_INPUT, pairs->loc,
                           "no LJ parameters for the pair %s-%s (add it to 'pairs' or set 'mixing')",
                           sp->s[a].symbol, sp->s[b].symbol);
        continue;
      }
      double e = sqrt(eps[a * nt + a] * eps[b * nt + b]);
      double s = mix == 1 ? sqrt(sig[a * nt + a] * sig[b * nt + b]) : 0.5 * (sig[a * nt + a] + sig[b * nt + b]);
      set_pair(p, a, b, e, s, rc);
      if (rc > p->rc_max) p->rc_max = rc;
    }
  free(eps);
  free(set);
  if (bad) {
    lj_destroy(p);
    return bad;
  }
  for (int a = 0; a < nt; ++a) snprintf(p->names[a], NNMD_SYMBOL_LEN, "%s", sp->s[a].symbol);
  *state = p;
  return NNMD_OK;
}

static double lj_cutoff(const void *state) { return ((const struct lj *)state)->rc_max; }

static void lj_print(const void *state, struct nnmd_log *log) {
  const struct lj *p = state;
  nnmd_log_info(log, "potential lj: cutoff %.4f A, shift %s, %d species", p->rc_max,
                p->shift ? "yes" : "no", p->nt);
}

/* The pair loop, specialised by the compiler for the four (energy, virial) cases. */
static inline __attribute__((always_inline)) void lj_loop(const struct lj *restrict p, struct nnmd_force_ctx *ctx,
                                                          const bool ev, const bool vir) {
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_nlist *nl = ctx->list;
  int64_t c = sys->capacity;
  const double *restrict x = sys->x, *restrict y = sys->x + c, *restrict z = sys->x + 2 * c;
  double *restrict fx = sys->f, *restrict fy = sys->f + c, *restrict fz = sys->f + 2 * c;
  const int *restrict type = sys->type;
  const double *restrict lj1 = p->lj1, *restrict lj2 = p->lj2, *restrict lj3 = p->lj3, *restrict lj4 = p->lj4,
               *restrict off = p->offset, *restrict rc2 = p->rc2;
  int nt = p->nt;
  double energy = 0.0, w[6] = {0, 0, 0, 0, 0, 0}; /* xx yy zz xy xz yz */
  double *restrict eatom = ev ? ctx->eatom : NULL;
  for (int64_t i = 0; i < nl->n; ++i) {
    double xi = x[i], yi = y[i], zi = z[i], fxi = 0, fyi = 0, fzi = 0;
    int ti = type[i] * nt;
    const int *restrict row = nl->idx + (size_t)i * (size_t)nl->max_neigh;
    int cnt = nl->count[i];
    for (int k = 0; k < cnt; ++k) {
      int j = row[k];
      double dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi;
      double r2 = dx * dx + dy * dy + dz * dz;
      int ij = ti + type[j];
      if (r2 >= rc2[ij]) continue;
      double r2i = 1.0 / r2, r6i = r2i * r2i * r2i;
      double fpair = r6i * (lj1[ij] * r6i - lj2[ij]) * r2i; /* F_j = fpair * d */
      double gx = fpair * dx, gy = fpair * dy, gz = fpair * dz;
      fxi -= gx;
      fyi -= gy;
      fzi -= gz;
      fx[j] += gx;
      fy[j] += gy;
      fz[j] += gz;
      if (ev) {
        double e = r6i * (lj3[ij] * r6i - lj4[ij]) - off[ij];
        energy += e;
        if (eatom) {
          eatom[i] += 0.5 * e;
          eatom[j] += 0.5 * e;
        }
      }
      if (vir) {
        w[0] += dx * gx;
        w[1] += dy * gy;
        w[2] += dz * gz;
        w[3] += dx * gy;
        w[4] += dx * gz;
        w[5] += dy * gz;
      }
    }
    fx[i] += fxi;
    fy[i] += fyi;
    fz[i] += fzi;
  }
  ctx->energy += energy;
  ctx->virial[0] += w[0];
  ctx->virial[4] += w[1];
  ctx->virial[8] += w[2];
  ctx->virial[1] += w[3];
  ctx->virial[3] += w[3];
  ctx->virial[2] += w[4];
  ctx->virial[6] += w[4];
  ctx->virial[5] += w[5];
  ctx->virial[7] += w[5];
}

static int lj_compute(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  (void)err;
  const struct lj *p = state;
  if (ctx->eflag && ctx->vflag) lj_loop(p, ctx, true, true);
  else if (ctx->eflag) lj_loop(p, ctx, true, false);
  else if (ctx->vflag) lj_loop(p, ctx, false, true);
  else lj_loop(p, ctx, false, false);
  return NNMD_OK;
}

const struct nnmd_potential_ops nnmd_pot_lj = {
    .name = "lj",
    .flags = NNMD_POT_GHOST_FORCES,
    .create = lj_create,
    .cutoff = lj_cutoff,
    .print = lj_print,
    .compute_cpu = lj_compute,
    .destroy = lj_destroy,
};
