/* observer.h — things that watch the run: thermo output, trajectories, analysis,
 * checkpoints (design §5). An observer is sampled every `every` steps (and at step 0 and
 * the last step when it asks for it) with one view of the current state. */
#ifndef NNMD_OBSERVER_H
#define NNMD_OBSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "error.h"
#include "system.h"
#include "timer.h"
#include "units.h"

/* Global thermodynamic state (metal units). */
struct nnmd_thermo {
  int64_t step;
  double time;      /* ps */
  int64_t natoms;
  double temp;      /* K */
  double epot, ekin, etot, conserved; /* eV */
  double press;     /* bar (scalar, LAMMPS definition with N_f) */
  double ptensor[9]; /* bar */
  double virial[9];  /* eV, W = sum r (x) F */
  double volume;     /* A^3 */
  double atom_steps_per_s, ns_per_day;
  int64_t warnings; /* e.g. NNP extrapolation warnings in the last force call */
  int64_t neigh_builds;
  /* extra columns from force terms (e.g. W_field: work done by an external field, eV) */
  int n_extra;
  const char *extra_name[16];
  double extra[16];
};

struct nnmd_step_view {
  int64_t step, first_step, last_step;
  double time, dt;
  struct nnmd_system *sys;
  const struct nnmd_box *box;
  const struct nnmd_thermo *thermo;
  const struct nnmd_timers *timers;
  const struct nnmd_units *units;
  const struct nnmd_comm *comm;
  const double *eatom; /* per-atom energies or NULL */
};

struct nnmd_observer_ops {
  const char *name;
  int (*start)(void *state, const struct nnmd_step_view *v, struct nnmd_error *err);
  int (*sample)(void *state, const struct nnmd_step_view *v, struct nnmd_error *err);
  int (*finish)(void *state, const struct nnmd_step_view *v, struct nnmd_error *err);
  void (*destroy)(void *state);
};

struct nnmd_observer {
  const struct nnmd_observer_ops *ops;
  void *state;
  int64_t every;     /* sample when step % every == 0 */
  bool at_last;      /* also sample the last step */
};

#endif
