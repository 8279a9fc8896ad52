/* groups_select.c — [[group]] tables -> the per-atom field "group_mask" (groups.h).
 *
 * Criteria (all given ones must hold):
 *   species = ["Li", ...]          the atom's species
 *   ids = [first, last]            first <= id <= last (inclusive)
 *   column = "name"                the per-atom extxyz column "name" (I, L or R) is non-zero
 *   region = { shape = ..., coords = "cartesian" | "fractional", side = "in" | "out", ... }
 *     block     lo = [x, y, z], hi = [x, y, z]            lo <= r < hi per axis
 *     sphere    center = [x, y, z], radius = r             |r - center| <= radius
 *     cylinder  axis = "x"|"y"|"z", center = [c1, c2], radius, lo, hi (optional, along the axis)
 *     plane     point = [x, y, z], normal = [nx, ny, nz]   (r - point) . normal >= 0
 *   Cartesian regions are tested on the atom position wrapped into the cell (periodic axes),
 *   fractional ones on its fractional coordinates wrapped into [0, 1). A block, sphere or
 *   cylinder whose bounding box misses the cell is an error ("outside the cell").
 * Units: A (Cartesian) or cell fractions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_math.h"
#include "groups.h"
#include "mem.h"

static const char *const k_group[] = {"name", "species", "ids", "region", "column", "freeze", "thermostat", "thermo",
                                      NULL};
static const char *const k_region[] = {"shape", "coords", "side", "lo", "hi", "center", "radius", "axis", "point",
                                       "normal", NULL};
static const char *const k_shapes[] = {"block", "sphere", "cylinder", "plane", NULL};
static const char *const k_coords[] = {"cartesian", "fractional", NULL};
static const char *const k_sides[] = {"in", "out", NULL};
static const char *const k_axes[] = {"x", "y", "z", NULL};
static const char *const k_tstat_keys[] = {"type", "temperature", "tdamp", NULL};
static const char *const k_tstats[] = {"langevin", "csvr", NULL};

enum { SH_BLOCK, SH_SPHERE, SH_CYL, SH_PLANE };

struct region {
  int shape, fractional, out, axis;
  double lo[3], hi[3], c[3], r, n[3];
};

struct criteria {
  bool species[NNMD_MAX_SPECIES], has_species;
  bool has_ids;
  int64_t id0, id1;
  bool has_region;
  struct region reg;
  const double *column;
};

static int read_region(const struct nnmd_cfg *t, const char *gname, const struct nnmd_box *box, struct region *R,
                       struct nnmd_error *err) {
  if (t->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "group '%s': 'region' must be a table, e.g. { shape = \"block\", "
                        "lo = [0, 0, 0], hi = [10, 10, 5] }", gname);
  int st = nnmd_cfg_check_keys(t, k_region, "'region'", err), r;
  memset(R, 0, sizeof *R);
  r = nnmd_cfg_choice(t, "shape", true, k_shapes, &R->shape, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(t, "coords", false, k_coords, &R->fractional, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(t, "side", false, k_sides, &R->out, err);
  st = st ? st : r;
  if (st) return st;
  static const char *const need[4][3] = {{"lo", "hi", NULL}, {"center", "radius", NULL}, {"center", "radius", "axis"},
                                         {"point", "normal", NULL}};
  for (int k = 0; k < 3; ++k)
    if (need[R->shape][k] && !nnmd_cfg_get(t, need[R->shape][k]))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "group '%s': a %s region needs '%s'", gname,
                          k_shapes[R->shape], need[R->shape][k]);
  switch (R->shape) {
  case SH_BLOCK:
    st = nnmd_cfg_vec(t, "lo", true, 3, R->lo, err);
    r = nnmd_cfg_vec(t, "hi", true, 3, R->hi, err);
    st = st ? st : r;
    for (int d = 0; !st && d < 3; ++d)
      if (!(R->lo[d] < R->hi[d]))
        st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "hi")->loc,
                          "group '%s': block region with hi <= lo along axis %d (an empty region)", gname, d + 1);
    break;
  case SH_SPHERE:
    st = nnmd_cfg_vec(t, "center", true, 3, R->c, err);
    r = nnmd_cfg_positive(t, "radius", true, &R->r, err);
    st = st ? st : r;
    break;
  case SH_CYL:
    st = nnmd_cfg_choice(t, "axis", true, k_axes, &R->axis, err);
    r = nnmd_cfg_vec(t, "center", true, 2, R->c, err);
    st = st ? st : r;
    r = nnmd_cfg_positive(t, "radius", true, &R->r, err);
    st = st ? st : r;
    R->lo[0] = -INFINITY;
    R->hi[0] = INFINITY;
    r = nnmd_cfg_double(t, "lo", false, -INFINITY, INFINITY, &R->lo[0], err);
    st = st ? st : r;
    r = nnmd_cfg_double(t, "hi", false, -INFINITY, INFINITY, &R->hi[0], err);
    st = st ? st : r;
    if (!st && !(R->lo[0] < R->hi[0]))
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "group '%s': cylinder region with hi <= lo (an empty region)",
                        gname);
    break;
  default:
    st = nnmd_cfg_vec(t, "point", true, 3, R->c, err);
    r = nnmd_cfg_vec(t, "normal", true, 3, R->n, err);
    st = st ? st : r;
    if (!st && R->n[0] * R->n[0] + R->n[1] * R->n[1] + R->n[2] * R->n[2] == 0.0)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "normal")->loc, "group '%s': the plane normal is zero",
                        gname);
  }
  if (st) return st;
  /* the region's bounding box must meet the cell's */
  double blo[3] = {0, 0, 0}, bhi[3] = {0, 0, 0}, clo[3], chi[3];
  if (R->shape == SH_PLANE) return NNMD_OK;
  for (int d = 0; d < 3; ++d) {
    if (R->shape == SH_BLOCK) {
      blo[d] = R->lo[d];
      bhi[d] = R->hi[d];
    } else if (R->shape == SH_SPHERE) {
      blo[d] = R->c[d] - R->r;
      bhi[d] = R->c[d] + R->r;
    }
  }
  if (R->shape == SH_CYL) {
    for (int d = 0, k = 0; d < 3; ++d) {
      if (d == R->axis) {
        blo[d] = R->lo[0];
        bhi[d] = R->hi[0];
      } else {
        blo[d] = R->c[k] - R->r;
        bhi[d] = R->c[k] + R->r;
        ++k;
      }
    }
  }
  for (int d = 0; d < 3; ++d) {
    clo[d] = R->fractional ? 0.0 : INFINITY;
    chi[d] = R->fractional ? 1.0 : -INFINITY;
  }
  for (int corner = 0; corner < 8 && !R->fractional; ++corner)
    for (int d = 0; d < 3; ++d) {
      double x = box->lo[d];
      for (int k = 0; k < 3; ++k)
        if (corner >> k & 1) x += box->h[3 * d + k];
      clo[d] = x < clo[d] ? x : clo[d];
      chi[d] = x > chi[d] ? x : chi[d];
    }
  for (int d = 0; d < 3; ++d)
    if (bhi[d] <= clo[d] || blo[d] >= chi[d])
      return nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc,
                          "group '%s': the %s region lies outside the cell (along %s the cell spans [%g, %g]%s, the "
                          "region [%g, %g])", gname, k_shapes[R->shape], k_axes[d], clo[d], chi[d],
                          R->fractional ? " in fractions" : " A", blo[d], bhi[d]);
  return NNMD_OK;
}

static bool in_region(const struct region *R, const struct nnmd_box *box, const double x[3]) {
  double s[3], r[3];
  nnmd_cart_to_frac(box->h_inv, box->lo, x, s);
  for (int d = 0; d < 3; ++d)
    if (box->periodic[d]) s[d] -= floor(s[d]);
  if (R->fractional) {
    memcpy(r, s, sizeof r);
  } else {
    for (int d = 0; d < 3; ++d)
      r[d] = box->lo[d] + box->h[3 * d] * s[0] + box->h[3 * d + 1] * s[1] + box->h[3 * d + 2] * s[2];
  }
  bool in = false;
  switch (R->shape) {
  case SH_BLOCK:
    in = true;
    for (int d = 0; d < 3; ++d) in = in && r[d] >= R->lo[d] && r[d] < R->hi[d];
    break;
  case SH_SPHERE: {
    double q = 0;
    for (int d = 0; d < 3; ++d) q += (r[d] - R->c[d]) * (r[d] - R->c[d]);
    in = q <= R->r * R->r;
    break;
  }
  case SH_CYL: {
    double q = 0;
    for (int d = 0, k = 0; d < 3; ++d)
      if (d != R->axis) {
        q += (r[d] - R->c[k]) * (r[d] - R->c[k]);
        ++k;
      }
    in = q <= R->r * R->r && r[R->axis] >= R->lo[0] && r[R->axis] < R->hi[0];
    break;
  }
  default: {
    double q = 0;
    for (int d = 0; d < 3; ++d) q += (r[d] - R->c[d]) * R->n[d];
    in = q >= 0.0;
  }
  }
  return R->out ? !in : in;
}

static int read_species(const struct nnmd_cfg *t, const char *gname, const struct nnmd_species_table *sp,
                        struct criteria *c, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(t, "species");
  if (!v) return NNMD_OK;
  c->has_species = true;
  if (v->kind == NNMD_CFG_STRING) {
    int k = nnmd_species_find(sp, v->u.s);
    if (k < 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "group '%s': species %s is not in the structure", gname,
                                   v->u.s);
    c->species[k] = true;
    return NNMD_OK;
  }
  if (v->kind != NNMD_CFG_ARRAY || v->n == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "group '%s': 'species' must be a list like [\"Li\", \"O\"]", gname);
  for (size_t q = 0; q < v->n; ++q) {
    const struct nnmd_cfg *e = v->items[q];
    int k = e->kind == NNMD_CFG_STRING ? nnmd_species_find(sp, e->u.s) : -1;
    if (k < 0)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "group '%s': species %s is not in the structure", gname,
                          e->kind == NNMD_CFG_STRING ? e->u.s : "(not a name)");
    c->species[k] = true;
  }
  return NNMD_OK;
}

static int read_tstat(const struct nnmd_cfg *t, struct nnmd_group *g, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(t, "thermostat");
  if (!v) return NNMD_OK;
  if (v->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "group '%s': 'thermostat' must be a table, e.g. { type = "
                        "\"langevin\", temperature = 300.0, tdamp = 0.1 }", g->name);
  int st = nnmd_cfg_check_keys(v, k_tstat_keys, "the group 'thermostat'", err), r;
  const char *type = NULL;
  r = nnmd_cfg_string(v, "type", true, &type, err);
  st = st ? st : r;
  if (type) {
    int k = -1;
    for (int q = 0; k_tstats[q]; ++q)
      if (!strcmp(type, k_tstats[q])) k = q;
    if (k < 0) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(v, "type")->loc,
                       "group '%s': thermostat type \"%s\" cannot act on a group; group thermostats are \"langevin\" "
                       "and \"csvr\" (nose-hoover and berendsen act on all atoms through [run])", g->name, type);
      st = st ? st : r;
    } else {
      g->tstat = k == 0 ? NNMD_GTSTAT_LANGEVIN : NNMD_GTSTAT_CSVR;
    }
  }
  r = nnmd_cfg_double(v, "temperature", true, 0.0, 1e7, &g->temperature, err);
  st = st ? st : r;
  if (!r && !(g->temperature > 0))
    st = st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(v, "temperature")->loc,
                                "group '%s': the thermostat temperature must be positive (K)", g->name);
  g->tdamp = g->tstat == NNMD_GTSTAT_CSVR ? 0.1 : 1.0;
  r = nnmd_cfg_positive(v, "tdamp", false, &g->tdamp, err);
  return st ? st : r;
}

static int read_group(const struct nnmd_cfg *t, struct nnmd_groups *G, struct nnmd_system *sys,
                      const struct nnmd_box *box, struct criteria *c, struct nnmd_error *err) {
  struct nnmd_group *g = &G->g[G->n];
  memset(g, 0, sizeof *g);
  memset(c, 0, sizeof *c);
  g->loc = t->loc;
  if (t->kind != NNMD_CFG_TABLE) return nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "each [[group]] must be a table");
  int st = nnmd_cfg_check_keys(t, k_group, "[[group]]", err), r;
  const char *name = NULL;
  r = nnmd_cfg_string(t, "name", true, &name, err);
  if (r) return r;
  size_t ln = strlen(name);
  if (ln == 0 || ln >= NNMD_GROUP_NAME ||
      strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != ln)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "name")->loc,
                        "group name \"%s\": use 1 to %d letters, digits, '_' or '-'", name, NNMD_GROUP_NAME - 1);
  if (nnmd_groups_find(G, name) >= 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "name")->loc, "group '%s' is defined twice", name);
  snprintf(g->name, sizeof g->name, "%s", name);
  snprintf(g->col_t, sizeof g->col_t, "T_%s", name);
  snprintf(g->col_n, sizeof g->col_n, "N_%s", name);
  r = read_species(t, name, &sys->species, c, err);
  st = st ? st : r;
  const struct nnmd_cfg *ids = nnmd_cfg_get(t, "ids");
  if (ids) {
    c->has_ids = true;
    bool ok = ids->kind == NNMD_CFG_ARRAY && ids->n == 2 && ids->items[0]->kind == NNMD_CFG_INT &&
              ids->items[1]->kind == NNMD_CFG_INT;
    if (ok) {
      c->id0 = ids->items[0]->u.i;
      c->id1 = ids->items[1]->u.i;
    }
    if (!ok || c->id0 < 1 || c->id1 < c->id0) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, ids->loc, "group '%s': 'ids' must be [first, last] with 1 <= first <= last",
                       name);
      st = st ? st : r;
    }
  }
  const struct nnmd_cfg *reg = nnmd_cfg_get(t, "region");
  if (reg) {
    c->has_region = true;
    r = read_region(reg, name, box, &c->reg, err);
    st = st ? st : r;
  }
  const struct nnmd_cfg *col = nnmd_cfg_get(t, "column");
  if (col) {
    char fname[NNMD_FIELD_NAME];
    if (col->kind != NNMD_CFG_STRING) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, col->loc, "group '%s': 'column' must be the name of a per-atom column", name);
    } else {
      snprintf(fname, sizeof fname, "col_%.26s", col->u.s);
      c->column = nnmd_system_field(sys, fname);
      r = c->column ? NNMD_OK
                    : nnmd_fail_at(err, NNMD_ERR_INPUT, col->loc,
                                   "group '%s': the structure file has no per-atom column '%s' (an extxyz Properties "
                                   "column of type I, L or R with one value per atom)", name, col->u.s);
    }
    st = st ? st : r;
  }
  if (!st && !c->has_species && !c->has_ids && !c->has_region && !col)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "group '%s' selects nothing: give species, ids, region or column",
                      name);
  r = nnmd_cfg_bool(t, "freeze", false, &g->freeze, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(t, "thermo", false, &g->thermo, err);
  st = st ? st : r;
  r = read_tstat(t, g, err);
  st = st ? st : r;
  if (!st && g->freeze && g->tstat != NNMD_GTSTAT_NONE)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "thermostat")->loc,
                      "group '%s' is frozen; it cannot have a thermostat", name);
  return st;
}

static bool matches(const struct criteria *c, const struct nnmd_system *sys, const struct nnmd_box *box, int64_t i) {
  int64_t cap = sys->capacity;
  if (c->has_species && !c->species[sys->type[i]]) return false;
  if (c->has_ids && (sys->id[i] < c->id0 || sys->id[i] > c->id1)) return false;
  if (c->column && c->column[i] == 0.0) return false;
  if (c->has_region) {
    double x[3] = {sys->x[i], sys->x[cap + i], sys->x[2 * cap + i]};
    if (!in_region(&c->reg, box, x)) return false;
  }
  return true;
}

static int cmp_member(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* (id, mask) of every atom in some group, ascending ids (nnmd_groups_sync). */
static int record_members(struct nnmd_groups *G, const struct nnmd_system *sys, const double *mask,
                          struct nnmd_error *err) {
  int64_t n = 0;
  for (int64_t i = 0; i < sys->n_local; ++i) n += nnmd_group_mask(mask, i) != 0;
  int64_t *pairs = nnmd_malloc((size_t)(2 * (n > 0 ? n : 1)) * sizeof(int64_t), err);
  G->member_id = nnmd_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t), err);
  G->member_mask = nnmd_malloc((size_t)(n > 0 ? n : 1) * sizeof(uint64_t), err);
  if (!pairs || !G->member_id || !G->member_mask) {
    free(pairs);
    return NNMD_ERR_NOMEM;
  }
  int64_t k = 0;
  for (int64_t i = 0; i < sys->n_local; ++i)
    if (nnmd_group_mask(mask, i)) {
      pairs[2 * k] = sys->id[i];
      pairs[2 * k + 1] = (int64_t)nnmd_group_mask(mask, i);
      ++k;
    }
  qsort(pairs, (size_t)n, 2 * sizeof(int64_t), cmp_member);
  for (int64_t q = 0; q < n; ++q) {
    G->member_id[q] = pairs[2 * q];
    G->member_mask[q] = (uint64_t)pairs[2 * q + 1];
  }
  G->n_members = n;
  free(pairs);
  return NNMD_OK;
}

int nnmd_groups_create(const struct nnmd_cfg *tables, struct nnmd_system *sys, const struct nnmd_box *box,
                       struct nnmd_groups **out, struct nnmd_error *err) {
  *out = NULL;
  if (!tables) return NNMD_OK;
  if (tables->n > NNMD_MAX_GROUPS)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tables->loc, "at most %d [[group]] tables", NNMD_MAX_GROUPS);
  struct nnmd_groups *G = nnmd_calloc(1, sizeof *G, err);
  if (!G) return NNMD_ERR_NOMEM;
  int idx = -1, st = nnmd_system_field_add(sys, NNMD_GROUP_FIELD, 1, false, &idx, err);
  if (st) {
    free(G);
    return st;
  }
  double *mask = sys->fields[idx].data;
  for (int64_t i = 0; i < sys->n_local; ++i) mask[i] = 0.0;
  for (size_t k = 0; k < tables->n; ++k) {
    struct criteria c;
    int r = read_group(tables->items[k], G, sys, box, &c, err);
    if (r) {
      st = st ? st : r;
      continue;
    }
    struct nnmd_group *g = &G->g[G->n];
    uint64_t bit = (uint64_t)1 << G->n;
    for (int64_t i = 0; i < sys->n_local; ++i)
      if (matches(&c, sys, box, i)) {
        mask[i] = (double)(nnmd_group_mask(mask, i) | bit);
        g->count++;
      }
    if (g->count == 0) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, g->loc, "group '%s' is empty: no atom matches all of its criteria", g->name);
      st = st ? st : r;
    }
    int n_thermo = 0;
    for (int q = 0; q <= G->n; ++q) n_thermo += G->g[q].thermo;
    if (g->thermo && n_thermo > NNMD_GROUP_MAX_THERMO) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(tables->items[k], "thermo")->loc,
                       "at most %d groups can have thermo = true", NNMD_GROUP_MAX_THERMO);
      st = st ? st : r;
    }
    if (g->freeze) G->frozen_bits |= bit;
    if (g->tstat != NNMD_GTSTAT_NONE) G->tstat_bits |= bit;
    G->n++;
  }
  /* an atom may be in several groups, but in at most one thermostatted group, and a frozen atom in none */
  for (int64_t i = 0; i < sys->n_local && !st; ++i) {
    uint64_t m = nnmd_group_mask(mask, i), t = m & G->tstat_bits;
    if (t & (t - 1) || (t && (m & G->frozen_bits))) {
      int a = -1, b = -1;
      for (int q = 0; q < G->n; ++q)
        if ((m >> q & 1) && (G->tstat_bits >> q & 1 || G->frozen_bits >> q & 1)) {
          if (a < 0) a = q;
          else if (b < 0) b = q;
        }
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, G->g[b].loc, "groups '%s' and '%s' overlap (atom id %lld is in both): an "
                        "atom can have one thermostat and a frozen atom none", G->g[a].name, G->g[b].name,
                        (long long)sys->id[i]);
    }
    if (m & G->frozen_bits) G->n_frozen++;
  }
  if (!st && G->n_frozen >= sys->n_global)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, tables->loc, "every atom is frozen: nothing would move");
  if (!st) st = record_members(G, sys, mask, err);
  if (st) {
    nnmd_groups_destroy(G);
    return st;
  }
  *out = G;
  return NNMD_OK;
}
