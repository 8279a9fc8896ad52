/* run.h — the molecular-dynamics loop (design §4). One timestep:
 *   integrator.first_half
 *   if (step % neigh_every == 0) and (!neigh_check or max displacement > skin/2):
 *       wrap + ghosts (halo borders) + neighbour lists      [timer "neighbor"]
 *   else: forward ghost positions                            [timer "halo"]
 *   force field (sum of terms); reverse ghost forces          [timer "force"]
 *   integrator.second_half
 *   thermo (when an observer is due), guards (guard.h), observers [timer "output"]
 * Resident run (md->resident, engine/gpu/resident.h): the same sequence on device arrays; the
 * host system is brought up to date (download) before observers, checkpoints and the end,
 * and gives the device a fresh copy after each host-side rebuild (wrap, sort, migrate,
 * ghosts); binning and the neighbour list are made on the device (nlist_dev.h).
 * Checkpoint steps (and the initial state) rebuild in canonical order: atoms wrapped, migrated,
 * sorted by id, then binned, fresh ghosts and lists, energy and virial computed. A restart
 * starts from that same state, so it repeats the continuous run bit for bit (docs/restart.md).
 * The struct is plain: the composition root (app/setup.c) fills it, run.c drives it.
 */
#ifndef NNMD_RUN_H
#define NNMD_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "groups.h"
#include "guard.h"
#include "halo.h"
#include "integrator.h"
#include "log.h"
#include "observer.h"
#include "potential.h"
#include "resident.h"
#include "nlist_dev.h"
#include "system.h"
#include "timer.h"
#include "units.h"

#define NNMD_MAX_OBSERVERS 16

struct nnmd_md {
  /* filled by the caller */
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_forcefield *ff;
  const struct nnmd_comm *comm;
  const struct nnmd_units *units;
  struct nnmd_log *log;
  const struct nnmd_integrator_ops *integ;
  void *integ_state;
  struct nnmd_observer obs[NNMD_MAX_OBSERVERS];
  int n_obs;
  double dt;            /* ps */
  int64_t first_step;   /* step of the initial state (0, or a checkpoint's step) */
  int64_t last_step;    /* run until this step */
  uint64_t seed;
  int grid[3];          /* MPI process grid; {0,0,0} = auto */
  double skin;          /* A */
  int neigh_every;      /* consider a rebuild every N steps */
  bool neigh_check;     /* rebuild only if an atom moved > skin/2 */
  bool want_eatom;      /* keep per-atom energies */
  bool progress;        /* progress line with ETA (stdout is a terminal) */
  int64_t thermo_every; /* steps between thermo computations for performance figures */
  volatile sig_atomic_t *stop_flag; /* set by a signal handler: stop at the next step */
  char checkpoint_path[4096];  /* "" = no periodic checkpoints */
  int64_t checkpoint_every;    /* steps; the last step is always written when a path is set */
  char interrupt_path[4096];   /* where a signal-stopped run writes its checkpoint */
  struct nnmd_guard guard;     /* blow-up guards (guard.h): max_drift, failed_path */
  bool resident;         /* run the whole step on the device (engine/gpu/resident.h): every term
                            runs compute_cuda and the integrator is not host-only */
  bool resident_emulate; /* ... in host emulation of the kernels (testing aid) */
  const struct nnmd_groups *groups; /* [[group]]s or NULL (not owned): frozen atoms, group columns */
  /* owned by run.c */
  struct nnmd_halo *halo;
  struct nnmd_timers timers;
  int64_t step;
  int64_t n_dof;
  double epot, virial[9];
  double *eatom;
  size_t eatom_cap;
  double *x_prev; /* owned positions before an integrator half-step (unwrapped tracking) */
  size_t x_prev_cap;
  struct nnmd_thermo thermo;
  double perf_t0;
  int64_t perf_step0;
  int64_t atom_steps;
  int64_t n_rebuilds;
  bool canonical_rebuild; /* the next rebuild starts from the canonical order (run.c) */
  double h_ref[9];     /* cell at the last neighbour build */
  double halo_need[3]; /* ghost hops per direction at the last build */
  bool lazy_energy; /* inside nnmd_md_run: skip energy/virial on unsampled steps */
  /* resident run (owned by run.c) */
  struct nnmd_resident *res;
  struct nnmd_nlist_dev *dlist;
  double *dev_scratch;  /* reductions of the integrator kernels */
  bool res_ready;       /* the device holds the current atoms */
  bool host_current;    /* the host system equals the device's owned atoms */
};

/* Set up the process grid and keep this rank's atoms of a system every rank holds in
 * full (after reading a structure or a checkpoint). Serial runs: nothing to do. */
int nnmd_md_distribute(struct nnmd_md *md, struct nnmd_error *err);
/* Ghosts, lists and forces of the initial state; observers start; step-0 sample. */
int nnmd_md_init(struct nnmd_md *md, struct nnmd_error *err);
/* Run from the current step to last_step; observers finish. Returns NNMD_ERR_INTERRUPTED
 * when stopped by stop_flag (observers are finished so outputs are complete). */
int nnmd_md_run(struct nnmd_md *md, struct nnmd_error *err);
/* Release what run.c owns (halo, buffers, observers, integrator state). */
void nnmd_md_release(struct nnmd_md *md);
/* Recompute ghosts, lists and forces for the current positions (single point). */
int nnmd_md_forces(struct nnmd_md *md, bool rebuild, struct nnmd_error *err);
/* Fill md->thermo for the current state. */
void nnmd_md_thermo(struct nnmd_md *md);

#endif
