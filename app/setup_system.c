/* setup_system.c — [system] options applied to the structure after it is read: the frame of a
 * multi-frame file, per-species masses and replication of the cell.
 *
 * frame: nnmd_read_structure_opts reads structure `frame` (0-based, negative from the end).
 * masses = { H = 2.014 }: replaces the mass (amu) of a species present in the structure;
 *   a species that is not in the structure is an error (a typo would otherwise be silent).
 * replicate = [nx, ny, nz]: copy k = (a + nx (b + ny c)) of atom i sits at x_i + a A + b B +
 *   c C (A, B, C the cell vectors), with velocity, species and per-atom fields of atom i and
 *   id_i + k max_id (copy 0 keeps the original ids); the cell becomes [nx A, ny B, nz C] and
 *   image counters start at 0. Replicating a non-periodic axis is an error.
 * [[group]]s (engine/groups.h) are selected here too, and choose the integrator of group
 * thermostats (integrators/group_tstat.c).
 * Every rank holds the whole structure at this point (before nnmd_md_distribute).
 * Units: A, amu.
 */
#include <string.h>

#include "groups.h"
#include "integrators.h"
#include "setup.h"
#include "setup_system.h"
#include "structure.h"

static int apply_masses(struct nnmd_sim *s, struct nnmd_error *err) {
  const struct nnmd_cfg *m = s->in.masses;
  int st = NNMD_OK;
  for (size_t k = 0; m && m->kind == NNMD_CFG_TABLE && k < m->n; ++k) {
    int t = nnmd_species_find(&s->sys->species, m->keys[k]);
    double v = 0;
    if (t < 0) {
      char list[256] = "";
      for (int q = 0; q < s->sys->species.n; ++q)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", q ? ", " : "", s->sys->species.s[q].symbol);
      int r = nnmd_fail_at(err, NNMD_ERR_INPUT, m->items[k]->key_loc.line ? m->items[k]->key_loc : m->items[k]->loc,
                           "'masses': species %s is not in the structure (it has %s)", m->keys[k], list);
      st = st ? st : r;
      continue;
    }
    if (nnmd_cfg_number(m->items[k], &v) && v > 0) s->sys->species.s[t].mass = v;
  }
  return st;
}

static int replicate(struct nnmd_sim *s, struct nnmd_error *err) {
  const int *r = s->in.replicate;
  int64_t ncopy = (int64_t)r[0] * r[1] * r[2];
  if (ncopy == 1) return NNMD_OK;
  struct nnmd_box *box = &s->md.box;
  static const char *const axis[3] = {"a (x)", "b (y)", "c (z)"};
  for (int d = 0; d < 3; ++d)
    if (r[d] > 1 && !box->periodic[d])
      return nnmd_fail_at(err, NNMD_ERR_INPUT, s->in.replicate_loc,
                          "'replicate' = %d along %s, but the structure is not periodic along that axis", r[d], axis[d]);
  struct nnmd_system *sys = s->sys;
  int64_t n = sys->n_local, max_id = 0;
  for (int64_t i = 0; i < n; ++i) max_id = sys->id[i] > max_id ? sys->id[i] : max_id;
  if (n * ncopy > ((int64_t)1 << 40) / 2 || max_id > ((int64_t)1 << 40) / ncopy)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, s->in.replicate_loc, "'replicate' makes too many atoms");
  int st = nnmd_system_reserve(sys, n * ncopy, err);
  if (st) return st;
  int64_t c = sys->capacity;
  for (int64_t k = 1; k < ncopy; ++k) {
    int64_t a = k % r[0], b = (k / r[0]) % r[1], cc = k / ((int64_t)r[0] * r[1]);
    double sh[3];
    for (int d = 0; d < 3; ++d)
      sh[d] = (double)a * box->h[3 * d] + (double)b * box->h[3 * d + 1] + (double)cc * box->h[3 * d + 2];
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = k * n + i;
      nnmd_system_copy_atom(sys, j, i);
      for (int d = 0; d < 3; ++d) sys->x[d * c + j] += sh[d];
      sys->id[j] = sys->id[i] + k * max_id;
    }
  }
  for (int64_t j = 0; j < n * ncopy; ++j)
    for (int d = 0; d < 3; ++d) sys->image[d * c + j] = 0;
  sys->n_local = sys->n_global = n * ncopy;
  double h[9];
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col) h[3 * row + col] = box->h[3 * row + col] * (double)r[col];
  double lo[3] = {box->lo[0], box->lo[1], box->lo[2]};
  int per[3] = {box->periodic[0], box->periodic[1], box->periodic[2]};
  return nnmd_box_set_h(box, h, lo, per, err);
}

/* Per-atom columns the [[group]] tables select on (column = "name"). */
static void group_columns(const struct nnmd_input *in, const char **cols, int max) {
  int n = 0;
  for (size_t k = 0; in->groups && in->groups->kind == NNMD_CFG_ARRAY && k < in->groups->n && n < max - 1; ++k) {
    const struct nnmd_cfg *c = nnmd_cfg_get(in->groups->items[k], "column");
    if (c && c->kind == NNMD_CFG_STRING) cols[n++] = c->u.s;
  }
  cols[n] = NULL;
}

int nnmd_sim_read_structure(struct nnmd_sim *s, struct nnmd_error *err) {
  struct nnmd_input *in = &s->in;
  const char *cols[17];
  group_columns(in, cols, 17);
  struct nnmd_structure_opts o = {.frame = in->frame, .frame_loc = in->frame_loc, .columns = cols};
  struct nnmd_structure_info info;
  int st = nnmd_read_structure_opts(s->files, in->structure, in->format, in->length_scale, &o, s->sys, &s->md.box, &info, err);
  if (st) return st;
  if (info.n_frames > 0)
    nnmd_log_info(&s->log, "%s: structure %d of %d (frame = %lld) is used", in->structure, info.frame, info.n_frames,
                  (long long)in->frame);
  else if (info.n_frames_skipped > 0)
    nnmd_log_warn(&s->log, "%s holds %d more frames after the first; only the first is used ([system] frame = N "
                  "picks another, -1 the last)", in->structure, info.n_frames_skipped);
  return NNMD_OK;
}

int nnmd_sim_system_options(struct nnmd_sim *s, struct nnmd_error *err) {
  int st = apply_masses(s, err);
  if (st) return st;
  return replicate(s, err);
}

/* [[group]]s: selection on the initial structure (before distribution). */
int nnmd_sim_groups(struct nnmd_sim *s, struct nnmd_error *err) {
  if (!s->in.groups || s->sys->n_global == 0) return NNMD_OK;
  int st = nnmd_groups_create(s->in.groups, s->sys, &s->md.box, &s->groups, err);
  if (st) return st;
  s->md.groups = s->groups;
  for (int k = 0; k < s->groups->n; ++k) {
    const struct nnmd_group *g = &s->groups->g[k];
    nnmd_log_info(&s->log, "group %s: %lld atoms%s%s%s", g->name, (long long)g->count, g->freeze ? ", frozen" : "",
                  g->tstat == NNMD_GTSTAT_LANGEVIN ? ", Langevin thermostat" : g->tstat == NNMD_GTSTAT_CSVR ? ", CSVR "
                  "thermostat" : "", g->thermo ? ", thermo columns" : "");
  }
  nnmd_groups_freeze_velocities(s->groups, s->sys); /* velocities read from the structure */
  return NNMD_OK;
}

/* The integrator with groups: group thermostats replace NVE; frozen atoms need a fixed cell
 * and no per-atom noise of the [run] thermostat; neither runs in the resident GPU step. */
int nnmd_sim_groups_integrator(struct nnmd_sim *s, struct nnmd_error *err) {
  const struct nnmd_groups *g = s->groups;
  struct nnmd_md *md = &s->md;
  if (!g) return NNMD_OK;
  const struct nnmd_cfg *ens = nnmd_cfg_get(s->in.run, "ensemble");
  struct nnmd_loc where = ens ? ens->loc : (s->in.run ? s->in.run->loc : s->in.groups->loc);
  if (g->tstat_bits) {
    if (md->integ != &nnmd_integ_nve)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, where, "a [[group]] has a thermostat: [run] ensemble must be \"nve\" "
                          "(atoms outside thermostatted groups follow NVE; the [run] thermostats act on all atoms)");
    md->integ = &nnmd_integ_group_tstat;
  }
  if (g->frozen_bits && s->in.ensemble == NNMD_ENS_NPT)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, where, "frozen groups need a fixed cell: ensemble \"npt\" is not supported "
                        "with freeze = true");
  if (g->frozen_bits && md->integ == &nnmd_integ_langevin)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, where, "frozen groups with the [run] langevin thermostat are not supported "
                        "(its noise acts on every atom): use ensemble = \"nve\" and a group thermostat = { type = "
                        "\"langevin\", ... } on the mobile atoms");
  if (md->resident && (g->tstat_bits || g->frozen_bits)) {
    md->resident = false;
    nnmd_log_info(&s->log, "resident GPU step off: frozen groups and group thermostats work on host arrays");
  }
  return NNMD_OK;
}
