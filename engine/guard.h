/* guard.h — run-time sanity guards: a run that blew up stops with an error instead of
 * finishing with exit 0 on garbage (issue 16).
 *
 * Checks and when they run (none adds a global reduction to an ordinary step):
 *   - forces: every force evaluation of the host path, owned and ghost atoms, a local scan
 *     (no communication: the status goes through the agreement nnmd_md_forces already does);
 *     resident GPU runs check the host copy at thermo steps instead;
 *   - positions and velocities finite, and the conserved quantity: at every thermo step
 *     (after the thermo reductions; one extra status agreement). The conserved quantity may
 *     not move more than max_drift eV per atom from its value at the start of this run (or
 *     restart): |C(t) - C(0)| / N > max_drift is an error. max_drift <= 0 switches it off
 *     (minimisation: the energy is meant to fall).
 * Lost atoms (MPI migration) and extrapolation-warning streams (hdnnp
 * max_extrapolation_warnings) are detected where they happen (migrate.c, hdnnp.c). After
 * any of these, nnmd_md_run writes the state of the failing step to `failed_path` when it
 * is finite and complete (for inspection), and leaves the periodic checkpoint untouched.
 * Units: eV, A, ps.
 */
#ifndef NNMD_GUARD_H
#define NNMD_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "system.h"

#define NNMD_GUARD_DEFAULT_MAX_DRIFT 1.0 /* eV per atom */

struct nnmd_guard {
  double max_drift;        /* eV per atom; <= 0: no drift check */
  char failed_path[4096];  /* where the state of a failed step goes; "" = nowhere */
  /* owned by run.c / guard.c */
  bool have_ref;
  double conserved0; /* eV, at the start of this run */
  int64_t step0;
};

struct nnmd_md;

/* A non-finite force on an owned or ghost atom of this rank: an error naming the atom.
 * Local (no communication). */
int nnmd_guard_forces(const struct nnmd_system *sys, int64_t step, struct nnmd_error *err);
/* Remember the conserved quantity of the current thermo as the reference. */
void nnmd_guard_reference(struct nnmd_md *md);
/* At a thermo step (md->thermo current): positions, velocities (and forces when
 * `forces`) finite on every rank, conserved-quantity drift within bounds. Collective. */
int nnmd_guard_state(struct nnmd_md *md, bool forces, struct nnmd_error *err);
/* After a failure every rank agreed on: write the current state to failed_path when it is
 * finite and no atom is missing. Collective. Returns true when written. */
bool nnmd_guard_write_failed(struct nnmd_md *md);

#endif
