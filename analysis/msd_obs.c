/* msd_obs.c — [analysis.msd] input and the in-run MSD observer.
 *
 * Every `every` steps each rank takes the unwrapped positions of its owned atoms (the
 * per-atom field "unwrapped", updated by the run loop with each atom's real displacement,
 * barostat scaling included; without that field x + h image, which is exact at constant
 * cell but biased under NPT, methods §6.1), rank 0 gathers them in id order and feeds the
 * accumulator (msd.c); at the end rank 0 writes the products. Statuses are agreed over all
 * ranks after each sample so every rank stops together on an error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "mem.h"
#include "msd.h"

static const char *const k_msd_keys[] = {"species", "every", "window", "fit", "com", "charges", "groups", NULL};

static int read_charges(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, struct nnmd_msd_opts *o,
                        struct nnmd_error *err) {
  const struct nnmd_cfg *c = nnmd_cfg_get(tbl, "charges");
  if (!c) return NNMD_OK;
  if (c->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc, "'charges' must be a table, e.g. { Li = 1.0, O = -2.0 }");
  int st = NNMD_OK;
  for (size_t k = 0; k < c->n; ++k) {
    const char *name = c->keys[k];
    int s = -1;
    double q = 0;
    int r = nnmd_ana_species_index(name, c->items[k]->key_loc, sp, &s, err);
    if (!r && (!nnmd_cfg_number(c->items[k], &q) || !isfinite(q))) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, c->items[k]->loc, "'charges': the charge of %s must be a number (e)", name);
    } else if (!r) {
      o->charge_known[s] = true;
      o->charge[s] = q;
    }
    st = st ? st : r;
  }
  return st;
}

int nnmd_msd_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, int64_t run_steps,
                       struct nnmd_msd_opts *o, struct nnmd_error *err) {
  const struct nnmd_units *units = o->units;
  nnmd_msd_opts_default(o);
  if (units) o->units = units;
  int st = nnmd_cfg_check_keys(tbl, k_msd_keys, "[analysis.msd]", err), r;
  r = nnmd_ana_species(tbl, "species", sp, o->species, err);
  st = st ? st : r;
  r = nnmd_ana_window(tbl, "[analysis.msd]", run_steps, &o->every, &o->window, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(tbl, "com", false, &o->com, err);
  st = st ? st : r;
  r = read_charges(tbl, sp, o, err);
  st = st ? st : r;
  const struct nnmd_cfg *f = nnmd_cfg_get(tbl, "fit");
  if (f) {
    r = nnmd_cfg_vec(tbl, "fit", false, 2, o->fit, err);
    if (!r && !(o->fit[0] >= 0.0 && o->fit[0] < o->fit[1] && o->fit[1] <= 1.0))
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, f->loc,
                       "'fit' = [%g, %g]: must be [start, end] with 0 <= start < end <= 1 (fractions of the window)",
                       o->fit[0], o->fit[1]);
    st = st ? st : r;
  }
  if (!st) {
    int64_t M = o->window / o->every;
    if (llround(o->fit[1] * (double)M) - llround(o->fit[0] * (double)M) < 1)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, f ? f->loc : tbl->loc,
                        "the fit window [%g, %g] of the %lld lags of the window holds fewer than 2 lags", o->fit[0],
                        o->fit[1], (long long)M);
  }
  return st;
}

/* ---- the observer ----------------------------------------------------------------------- */

struct msd_obs {
  struct nnmd_msd_opts o;
  struct nnmd_msd *acc;
  struct nnmd_ana_gathered g, gm; /* gm: group masks (per-group MSD, first sample) */
  bool group_done;
  double *u;
  size_t u_cap;
};

/* Unwrapped positions of the owned atoms into o->u (component blocks, stride n_local). */
static int local_u(struct msd_obs *o, const struct nnmd_step_view *v, const double **u, int64_t *stride,
                   struct nnmd_error *err) {
  const struct nnmd_system *sys = v->sys;
  const double *f = nnmd_system_field(sys, "unwrapped");
  if (f) {
    *u = f;
    *stride = sys->capacity;
    return NNMD_OK;
  }
  int64_t n = sys->n_local, c = sys->capacity;
  if (nnmd_grow((void **)&o->u, &o->u_cap, (size_t)(3 * (n > 0 ? n : 1)), sizeof(double), err)) return NNMD_ERR_NOMEM;
  const double *h = v->box->h;
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d)
      o->u[d * n + i] = sys->x[d * c + i] + h[3 * d] * sys->image[i] + h[3 * d + 1] * sys->image[c + i] +
                        h[3 * d + 2] * sys->image[2 * c + i];
  *u = o->u;
  *stride = n;
  return NNMD_OK;
}

/* Per-group MSD: the accumulator sees the group's atoms as one pseudo species (index sp->n,
 * named after the group) and everything else as unanalysed; masses stay per atom. Groups are
 * static, so this is set once at the first sample. Collective (gathers the group masks). */
static int create_group(struct msd_obs *o, const struct nnmd_step_view *v, struct nnmd_error *err) {
  const struct nnmd_system *sys = v->sys;
  const double *mask = nnmd_system_field(sys, "group_mask");
  int64_t n = sys->n_local;
  if (nnmd_grow((void **)&o->u, &o->u_cap, (size_t)(3 * (n > 0 ? n : 1)), sizeof(double), err)) return NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < n; ++i) o->u[i] = o->u[n + i] = o->u[2 * n + i] = mask ? mask[i] : 0.0;
  int st = nnmd_ana_gather(&o->gm, sys, v->comm, o->u, n, err);
  if (st || nnmd_comm_rank(v->comm) != 0) return st;
  struct nnmd_species_table sp = sys->species;
  if (sp.n >= NNMD_MAX_SPECIES) return nnmd_fail(err, NNMD_ERR_INPUT, "MSD of group %s: too many species", o->o.group);
  int gs = sp.n++;
  snprintf(sp.s[gs].symbol, sizeof sp.s[gs].symbol, "%.7s", o->o.group);
  sp.s[gs].mass = 1.0;
  int64_t na = o->g.n;
  int *type = nnmd_malloc((size_t)(na > 0 ? na : 1) * sizeof(int), err);
  double *mass = nnmd_malloc((size_t)(na > 0 ? na : 1) * sizeof(double), err);
  if (!type || !mass) st = NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < na && !st; ++i) {
    bool in = ((uint64_t)o->gm.v[i] >> o->o.group_bit) & 1u;
    mass[i] = sys->species.s[o->g.type[i]].mass;
    type[i] = in ? gs : o->g.type[i];
  }
  struct nnmd_msd_opts go = o->o;
  memset(go.species, 0, sizeof go.species);
  go.species[gs] = true;
  go.atom_mass = mass;
  if (!st) st = nnmd_msd_create(&go, &sp, na, type, v->dt, &o->acc, err);
  free(type);
  free(mass);
  return st;
}

static int msd_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct msd_obs *o = state;
  const double *u = NULL;
  int64_t stride = 0;
  int st = local_u(o, v, &u, &stride, err);
  if ((st = nnmd_comm_agree(v->comm, st))) return st;
  if ((st = nnmd_ana_gather(&o->g, v->sys, v->comm, u, stride, err))) return st;
  if (o->o.group_bit >= 0 && !o->group_done) { /* every rank: the mask gather is collective */
    o->group_done = true;
    if ((st = nnmd_comm_agree(v->comm, create_group(o, v, err)))) return st;
  }
  if (nnmd_comm_rank(v->comm) == 0) {
    if (!o->acc) st = nnmd_msd_create(&o->o, &v->sys->species, o->g.n, o->g.type, v->dt, &o->acc, err);
    if (!st && o->g.n != v->sys->n_global)
      st = nnmd_fail(err, NNMD_ERR_INTERNAL, "MSD: gathered %lld of %lld atoms", (long long)o->g.n,
                     (long long)v->sys->n_global);
    if (!st) st = nnmd_msd_add(o->acc, o->g.v, v->thermo->temp, v->thermo->volume, err);
  }
  return nnmd_comm_agree(v->comm, st);
}

static int msd_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct msd_obs *o = state;
  int st = NNMD_OK;
  if (nnmd_comm_rank(v->comm) == 0) {
    if (o->acc) st = nnmd_msd_write(o->acc, err);
    else nnmd_log_warn(o->o.log, "MSD: no samples were taken");
  }
  return nnmd_comm_agree(v->comm, st);
}

static void msd_destroy(void *state) {
  struct msd_obs *o = state;
  if (!o) return;
  nnmd_msd_destroy(o->acc);
  nnmd_ana_gathered_free(&o->g);
  nnmd_ana_gathered_free(&o->gm);
  free(o->u);
  free(o);
}

static const struct nnmd_observer_ops k_msd_ops = {
    .name = "msd", .start = NULL, .sample = msd_sample, .finish = msd_finish, .destroy = msd_destroy};

int nnmd_obs_msd_create(const struct nnmd_msd_opts *opts, struct nnmd_observer *out, struct nnmd_error *err) {
  struct msd_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  o->o = *opts;
  *out = (struct nnmd_observer){.ops = &k_msd_ops, .state = o, .every = opts->every, .at_last = false};
  return NNMD_OK;
}

struct nnmd_msd *nnmd_obs_msd_get(const struct nnmd_observer *obs) {
  if (!obs || obs->ops != &k_msd_ops) return NULL;
  return ((const struct msd_obs *)obs->state)->acc;
}
