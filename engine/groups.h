/* groups.h — static atom groups ([[group]] tables): selection, frozen atoms, per-group
 * temperature and count, and the settings of group thermostats (integrators/group_tstat.c).
 *
 * A group is the set of atoms matching ALL of its criteria (species, id range, region,
 * per-atom column of the structure file). Membership is evaluated once, on the initial
 * structure (static groups, like LAMMPS `group ... region` without `dynamic`), recorded by
 * atom id, and stored as a bit mask in the migrating per-atom field "group_mask" (bit k =
 * group k), so it travels with the atom through MPI migration and sorting; the run start
 * (nnmd_groups_sync) sets it again from the ids, also after a checkpoint read. Up to NNMD_MAX_GROUPS groups.
 *
 * Frozen atoms (freeze = true, LAMMPS `fix setforce 0 0 0` plus zero velocity): the run loop
 * puts them back at their position before each step's drift and zeroes their velocity and
 * force, so they do not move at all (bitwise). They are excluded from the kinetic degrees of
 * freedom: N_f = 3 (N - N_frozen) when some atoms are frozen (the frozen atoms break momentum
 * conservation, so no 3 is removed), else 3N - 3.
 *
 * Per-group thermo (thermo = true): columns T_<name> (K) = 2 K_g / (3 N_g k_B) over the
 * group's atoms (no centre-of-mass correction; 0 for a frozen group) and N_<name> (count).
 *
 * Units: A, K, ps, amu, eV.
 */
#ifndef NNMD_GROUPS_H
#define NNMD_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "system.h"
#include "units.h"

#define NNMD_MAX_GROUPS 32
#define NNMD_GROUP_NAME 32
#define NNMD_GROUP_FIELD "group_mask"
#define NNMD_GROUP_MAX_THERMO 4 /* groups with thermo = true: 8 columns after the force terms' 8 */

enum nnmd_group_tstat { NNMD_GTSTAT_NONE, NNMD_GTSTAT_LANGEVIN, NNMD_GTSTAT_CSVR };

struct nnmd_group {
  char name[NNMD_GROUP_NAME];
  int64_t count; /* atoms in the whole system */
  bool freeze, thermo;
  enum nnmd_group_tstat tstat;
  double temperature, tdamp; /* K, ps (group thermostat) */
  struct nnmd_loc loc;       /* the [[group]] table */
  char col_t[NNMD_GROUP_NAME + 2], col_n[NNMD_GROUP_NAME + 2]; /* thermo column names */
};

struct nnmd_groups {
  int64_t n_members; /* atoms in some group: their ids (ascending) and masks */
  int64_t *member_id;
  uint64_t *member_mask;
  int n;
  struct nnmd_group g[NNMD_MAX_GROUPS];
  uint64_t frozen_bits; /* groups with freeze = true */
  uint64_t tstat_bits;  /* groups with a thermostat */
  int64_t n_frozen;     /* atoms in a frozen group */
};

/* Read the [[group]] tables (an array of tables, may be NULL: no groups) and mark every atom of
 * `sys` (which holds the whole system, before distribution). Errors: unknown keys, bad or
 * duplicate names, a group without a criterion, unknown species, bad id range, region shape
 * or coordinates, a region outside the cell, an unknown per-atom column, an empty group, a
 * frozen group with a thermostat, an atom in two thermostatted groups. */
int nnmd_groups_create(const struct nnmd_cfg *tables, struct nnmd_system *sys, const struct nnmd_box *box,
                       struct nnmd_groups **out, struct nnmd_error *err);
void nnmd_groups_destroy(struct nnmd_groups *g);
/* Set the field "group_mask" of the owned atoms from the membership recorded at creation, by
 * atom id (after distribution or a checkpoint read: a restart has the groups of its input
 * structure, whatever the checkpoint holds). */
int nnmd_groups_sync(const struct nnmd_groups *g, struct nnmd_system *sys, struct nnmd_error *err);
/* Index of a group by name, -1 if absent. */
int nnmd_groups_find(const struct nnmd_groups *g, const char *name);
/* The group mask of owned atom i (0 without groups). */
static inline uint64_t nnmd_group_mask(const double *mask, int64_t i) {
  return mask ? (uint64_t)mask[i] : 0u;
}
/* Kinetic degrees of freedom of the whole system (see above); g may be NULL. */
int64_t nnmd_groups_ndof(const struct nnmd_groups *g, int64_t n_global);

/* Frozen atoms: position back to x_prev (component blocks with stride n = n_local) and zero
 * velocity / zero force. No-ops without frozen groups. */
void nnmd_groups_freeze_positions(const struct nnmd_groups *g, struct nnmd_system *sys, const double *x_prev);
void nnmd_groups_freeze_forces(const struct nnmd_groups *g, struct nnmd_system *sys);
void nnmd_groups_freeze_velocities(const struct nnmd_groups *g, struct nnmd_system *sys);
/* Zero the velocities of frozen atoms and rescale the others to temperature T with the
 * degrees of freedom above (after [velocities] created them). Collective. */
void nnmd_groups_velocities(const struct nnmd_groups *g, struct nnmd_system *sys, const struct nnmd_units *u,
                            const struct nnmd_comm *comm, double temp);

/* Per-group thermo columns (groups with thermo = true): appends T_<name>, N_<name> to
 * names/values from position *n (at most max). Collective. */
void nnmd_groups_thermo(const struct nnmd_groups *g, const struct nnmd_system *sys, const struct nnmd_units *u,
                        const struct nnmd_comm *comm, const char **names, double *values, int *n, int max);

#endif
