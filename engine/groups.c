/* groups.c — frozen atoms, degrees of freedom and per-group thermo columns (groups.h);
 * the selection itself is in groups_select.c, group thermostats in integrators/group_tstat.c.
 * Units: A, A/ps, eV/A, K, amu.
 */
#include "groups.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "thermo.h"

void nnmd_groups_destroy(struct nnmd_groups *g) {
  if (!g) return;
  free(g->member_id);
  free(g->member_mask);
  free(g);
}

int nnmd_groups_sync(const struct nnmd_groups *g, struct nnmd_system *sys, struct nnmd_error *err) {
  if (!g) return NNMD_OK;
  int idx = -1, st = nnmd_system_field_add(sys, NNMD_GROUP_FIELD, 1, false, &idx, err);
  if (st) return st;
  double *mask = sys->fields[idx].data;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    int64_t lo = 0, hi = g->n_members, id = sys->id[i]; /* binary search in the ascending ids */
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (g->member_id[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    mask[i] = (lo < g->n_members && g->member_id[lo] == id) ? (double)g->member_mask[lo] : 0.0;
  }
  return NNMD_OK;
}

int nnmd_groups_find(const struct nnmd_groups *g, const char *name) {
  for (int k = 0; g && k < g->n; ++k)
    if (strcmp(g->g[k].name, name) == 0) return k;
  return -1;
}

int64_t nnmd_groups_ndof(const struct nnmd_groups *g, int64_t n_global) {
  int64_t n = (g && g->n_frozen > 0) ? 3 * (n_global - g->n_frozen) : 3 * n_global - 3;
  return n > 0 ? n : 1;
}

static bool frozen(const struct nnmd_groups *g, const double *mask, int64_t i) {
  return (nnmd_group_mask(mask, i) & g->frozen_bits) != 0;
}

void nnmd_groups_freeze_positions(const struct nnmd_groups *g, struct nnmd_system *sys, const double *x_prev) {
  if (!g || !g->frozen_bits) return;
  const double *mask = nnmd_system_field(sys, NNMD_GROUP_FIELD);
  int64_t n = sys->n_local, c = sys->capacity;
  for (int64_t i = 0; i < n; ++i)
    if (frozen(g, mask, i))
      for (int d = 0; d < 3; ++d) {
        sys->x[d * c + i] = x_prev[d * n + i];
        sys->v[d * c + i] = 0.0;
      }
}

void nnmd_groups_freeze_forces(const struct nnmd_groups *g, struct nnmd_system *sys) {
  if (!g || !g->frozen_bits) return;
  const double *mask = nnmd_system_field(sys, NNMD_GROUP_FIELD);
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i)
    if (frozen(g, mask, i))
      for (int d = 0; d < 3; ++d) sys->f[d * c + i] = 0.0;
}

void nnmd_groups_freeze_velocities(const struct nnmd_groups *g, struct nnmd_system *sys) {
  if (!g || !g->frozen_bits) return;
  const double *mask = nnmd_system_field(sys, NNMD_GROUP_FIELD);
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i)
    if (frozen(g, mask, i))
      for (int d = 0; d < 3; ++d) sys->v[d * c + i] = 0.0;
}

void nnmd_groups_velocities(const struct nnmd_groups *g, struct nnmd_system *sys, const struct nnmd_units *u,
                            const struct nnmd_comm *comm, double temp) {
  if (!g || !g->frozen_bits) return;
  nnmd_groups_freeze_velocities(g, sys);
  double k = nnmd_kinetic_energy(sys, u, comm);
  double ndof = (double)nnmd_groups_ndof(g, sys->n_global);
  double tnow = 2.0 * k / (ndof * u->boltz), s = (tnow > 0 && temp > 0) ? sqrt(temp / tnow) : 0.0;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i)
    for (int d = 0; d < 3; ++d) sys->v[d * c + i] *= s;
}

void nnmd_groups_thermo(const struct nnmd_groups *g, const struct nnmd_system *sys, const struct nnmd_units *u,
                        const struct nnmd_comm *comm, const char **names, double *values, int *n, int max) {
  if (!g) return;
  double k[NNMD_MAX_GROUPS] = {0};
  const double *mask = nnmd_system_field(sys, NNMD_GROUP_FIELD);
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    uint64_t m = nnmd_group_mask(mask, i);
    if (!m) continue;
    double vv = 0;
    for (int d = 0; d < 3; ++d) vv += sys->v[d * c + i] * sys->v[d * c + i];
    vv *= nnmd_system_mass(sys, i);
    for (int q = 0; q < g->n; ++q)
      if (m >> q & 1) k[q] += vv;
  }
  nnmd_comm_sum_double(comm, k, g->n);
  for (int q = 0; q < g->n; ++q) {
    if (!g->g[q].thermo || *n + 2 > max) continue;
    double ek = 0.5 * u->mvv2e * k[q];
    names[*n] = g->g[q].col_t;
    values[(*n)++] = g->g[q].freeze ? 0.0 : 2.0 * ek / (3.0 * (double)g->g[q].count * u->boltz);
    names[*n] = g->g[q].col_n;
    values[(*n)++] = (double)g->g[q].count;
  }
}
