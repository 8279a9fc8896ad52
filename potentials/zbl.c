/* zbl.c — Ziegler-Biersack-Littmark universal screened nuclear repulsion
 * (`type = "zbl"`), as LAMMPS pair_style zbl (the usual Delta-NNP baseline).
 *
 *   E(r) = qqr2e Zi Zj / r * phi(r/a),  a = 0.46850 / (Zi^0.23 + Zj^0.23)  (A)
 *   phi(x) = 0.18175 e^{-3.19980x} + 0.50986 e^{-0.94229x} + 0.28022 e^{-0.40290x}
 *            + 0.02817 e^{-0.20162x}
 * A switching function S(r) makes energy, force and curvature go smoothly to zero at the
 * cutoff rc: S = C for r < r1 (`inner`), S = A/3 t^3 + B/4 t^4 + C with t = r - r1 for
 * r1 <= r < rc, where A, B, C follow from E, E', E'' at rc (LAMMPS documentation).
 * Input: inner (A), cutoff (A), optional z = { H = 1, ... } to override atomic numbers.
 * Half list, forces on ghosts, virial W += d (x) F_j as in lj.c.
 */
#include <math.h>
#include <stdlib.h>

#include "mem.h"
#include "classic.h"

static const double k_c[4] = {0.02817, 0.28022, 0.50986, 0.18175};
static const double k_d[4] = {0.20162, 0.40290, 0.94229, 3.19980};

struct zbl_pair {
  double zze; /* qqr2e Zi Zj (eV A) */
  double ainv;
  double sw3, sw4, sw5; /* A/3, B/4, C */
};

struct zbl {
  int nt;
  double r1, rc;
  struct zbl_pair *pp; /* [nt*nt] */
};

/* E, dE/dr, d2E/dr2 of the unswitched ZBL energy. */
static void zbl_e(const struct zbl_pair *p, double r, double *e, double *de, double *d2e) {
  double phi = 0, dphi = 0, d2phi = 0;
  for (int k = 0; k < 4; ++k) {
    double dk = k_d[k] * p->ainv, t = k_c[k] * exp(-dk * r);
    phi += t;
    dphi -= dk * t;
    d2phi += dk * dk * t;
  }
  double ri = 1.0 / r;
  *e = p->zze * phi * ri;
  if (de) *de = p->zze * (dphi * ri - phi * ri * ri);
  if (d2e) *d2e = p->zze * (d2phi * ri - 2.0 * dphi * ri * ri + 2.0 * phi * ri * ri * ri);
}

static void zbl_destroy(void *s) {
  struct zbl *p = s;
  if (!p) return;
  free(p->pp);
  free(p);
}

static const char *const k_keys[] = {"type", "inner", "cutoff", "z", NULL};

static int zbl_create(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                      struct nnmd_error *err) {
  int st = nnmd_cfg_check_keys(cfg, k_keys, "[[potential]] type = \"zbl\"", err);
  double r1 = 0, rc = 0;
  int s1 = nnmd_cfg_positive(cfg, "inner", true, &r1, err);
  int s2 = nnmd_cfg_positive(cfg, "cutoff", true, &rc, err);
  if (st || s1 || s2) return st ? st : (s1 ? s1 : s2);
  if (r1 >= rc)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(cfg, "inner")->loc,
                        "'inner' (%g) must be smaller than 'cutoff' (%g)", r1, rc);
  const struct nnmd_species_table *sp = info->species;
  int nt = sp->n;
  double z[NNMD_MAX_SPECIES];
  for (int a = 0; a < nt; ++a) z[a] = sp->s[a].z;
  const struct nnmd_cfg *zt = NULL;
  if ((st = nnmd_cfg_table(cfg, "z", false, &zt, err))) return st;
  for (size_t k = 0; zt && k < zt->n; ++k) {
    double v;
    if (!nnmd_cfg_number(zt->items[k], &v) || !(v > 0))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, zt->items[k]->loc, "z.%s must be a positive number",
                          zt->keys[k]);
    int a = nnmd_species_find(sp, zt->keys[k]);
    if (a >= 0) z[a] = v;
  }
  for (int a = 0; a < nt; ++a)
    if (!(z[a] > 0))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, cfg->loc, "no atomic number for species %s (set z.%s)",
                          sp->s[a].symbol, sp->s[a].symbol);
  struct zbl *p = nnmd_calloc(1, sizeof *p, err);
  if (!p) return NNMD_ERR_NOMEM;
  p->pp = nnmd_calloc((size_t)(nt * nt) + 1, sizeof *p->pp, err);
  if (!p->pp) {
    free(p);
    return NNMD_ERR_NOMEM;
  }
  p->nt = nt;
  p->r1 = r1;
  p->rc = rc;
  for (int a = 0; a < nt; ++a)
    for (int b = 0; b < nt; ++b) {
      struct zbl_pair *q = &p->pp[a * nt + b];
      q->zze = info->units->qqr2e * z[a] * z[b];
      q->ainv = (pow(z[a], 0.23) + pow(z[b], 0.23)) / 0.46850;
      double e, de, d2e, t = rc - r1;
      zbl_e(q, rc, &e, &de, &d2e);
      double A = (-3.0 * de + t * d2e) / (t * t), B = (2.0 * de - t * d2e) / (t * t * t);
      q->sw3 = A / 3.0;
      q->sw4 = B / 4.0;
      q->sw5 = -e + 0.5 * t * de - t * t * d2e / 12.0;
    }
  *state = p;
  return NNMD_OK;
}

static double zbl_cutoff(const void *s) { return ((const struct zbl *)s)->rc; }

static void zbl_print(const void *s, struct nnmd_log *log) {
  const struct zbl *p = s;
  nnmd_log_info(log, "potential zbl: inner %.4f A, cutoff %.4f A", p->r1, p->rc);
}

static int zbl_compute(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  (void)err;
  const struct zbl *p = state;
  struct nnmd_system *sys = ctx->sys;
  const struct nnmd_nlist *nl = ctx->list;
  int64_t c = sys->capacity;
  const double *x = sys->x, *y = sys->x + c, *z = sys->x + 2 * c;
  double *f = sys->f;
  double rc2 = p->rc * p->rc, energy = 0.0, w[6] = {0, 0, 0, 0, 0, 0}; /* xx yy zz xy xz yz */
  for (int64_t i = 0; i < nl->n; ++i) {
    const int *row = nl->idx + (size_t)i * (size_t)nl->max_neigh;
    for (int k = 0; k < nl->count[i]; ++k) {
      int j = row[k];
      double d[3] = {x[j] - x[i], y[j] - y[i], z[j] - z[i]};
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= rc2) continue;
      const struct zbl_pair *q = &p->pp[sys->type[i] * p->nt + sys->type[j]];
      double r = sqrt(r2), e, de;
      zbl_e(q, r, &e, &de, NULL);
      e += q->sw5;
      if (r > p->r1) {
        double t = r - p->r1;
        e += t * t * t * (q->sw3 + q->sw4 * t);
        de += t * t * (3.0 * q->sw3 + 4.0 * q->sw4 * t);
      }
      double fpair = -de / r; /* F_j = fpair * d */
      for (int a = 0; a < 3; ++a) {
        f[a * c + i] -= fpair * d[a];
        f[a * c + j] += fpair * d[a];
      }
      w[0] += d[0] * fpair * d[0];
      w[1] += d[1] * fpair * d[1];
      w[2] += d[2] * fpair * d[2];
      w[3] += d[0] * fpair * d[1];
      w[4] += d[0] * fpair * d[2];
      w[5] += d[1] * fpair * d[2];
      energy += e;
      if (ctx->eatom) {
        ctx->eatom[i] += 0.5 * e;
        ctx->eatom[j] += 0.5 * e;
      }
    }
  }
  ctx->energy += energy;
  const int ab[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};
  for (int k = 0; k < 6; ++k) {
    ctx->virial[3 * ab[k][0] + ab[k][1]] += w[k];
    if (k >= 3) ctx->virial[3 * ab[k][1] + ab[k][0]] += w[k];
  }
  return NNMD_OK;
}

const struct nnmd_potential_ops nnmd_pot_zbl = {
    .name = "zbl",
    .flags = NNMD_POT_GHOST_FORCES,
    .create = zbl_create,
    .cutoff = zbl_cutoff,
    .print = zbl_print,
    .compute_cpu = zbl_compute,
    .destroy = zbl_destroy,
};
