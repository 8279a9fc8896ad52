/* integrator.h — the integrator interface (design §5); implementations in integrators/.
 *
 * One integrator per run. first_half: half kick + drift (+ thermostat/barostat
 * half-steps); second_half: half kick (+ thermostat). Positions and the cell change only in
 * first_half (the run loop tracks each atom's unwrapped displacement around it); second_half
 * changes velocities and the integrator's own state. The integrator never knows which
 * force terms exist. conserved_extra returns the reservoir energy (eV) that makes
 * E_pot + E_kin + extra the conserved quantity of the ensemble (0 for NVE).
 * Units: dt in ps, velocities A/ps, forces eV/A, masses amu (a = ftm2v F / m).
 */
#ifndef NNMD_INTEGRATOR_H
#define NNMD_INTEGRATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "box.h"
#include "comm.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "system.h"
#include "units.h"

struct nnmd_dev_atoms; /* dev_atoms.h */
struct nnmd_groups;    /* groups.h */

struct nnmd_integ_ctx {
  struct nnmd_system *sys;
  struct nnmd_box *box;
  const struct nnmd_units *units;
  const struct nnmd_comm *comm;
  double dt;
  int64_t step;       /* the step being made (1-based: first_half of step n moves n-1 -> n) */
  uint64_t seed;
  int64_t n_dof;      /* kinetic degrees of freedom (3N - 3) */
  double virial[9];   /* of the current forces (eV) */
  double epot;
  bool box_changed;   /* set by the integrator when it changed the cell (owned atoms remapped:
                         the run loop refreshes ghosts with the new cell and rebuilds lists) */
  bool stop;          /* set by a minimiser when converged: the run ends after this step */
  int64_t first_step, last_step; /* of the whole run (for target ramps) */
  /* Where the atoms are (engine/gpu/avec.h): NULL = the host arrays of sys (x, v, f, id, type
   * and the species masses); else the device arrays of a resident run (design §1.2), which
   * the integrator reaches only through the nnmd_av_* functions. dev_scratch: a device
   * buffer of NNMD_AV_SCRATCH doubles for their reductions (owned by the caller; NULL: one
   * is allocated per reduction). Integrators flagged NNMD_INTEG_HOST_ONLY need dev == NULL. */
  const struct nnmd_dev_atoms *dev;
  double *dev_scratch;
  const struct nnmd_groups *groups; /* [[group]] definitions or NULL (group thermostats) */
};

struct nnmd_integ_info {
  const struct nnmd_units *units;
  double dt;
  int64_t n_global;
  int64_t n_dof;       /* 3N - 3 */
  uint64_t seed;       /* [run] seed: stochastic integrators key their draws on it */
  struct nnmd_log *log; /* e.g. "Berendsen: equilibration only" */
  const struct nnmd_groups *groups; /* [[group]] definitions or NULL */
};

enum { NNMD_INTEG_NEEDS_VIRIAL = 1u << 0, /* barostats: virial every step */
       NNMD_INTEG_NEEDS_ENERGY = 1u << 1,
       /* works on the host arrays of ctx->sys only (ctx->dev must be NULL): a resident GPU
        * run downloads the atoms around its steps or refuses it (fire) */
       NNMD_INTEG_HOST_ONLY = 1u << 2 };

struct nnmd_integrator_ops {
  const char *name;
  unsigned flags;
  int (*create)(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                struct nnmd_error *err);
  int (*first_half)(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err);
  int (*second_half)(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err);
  double (*conserved_extra)(const void *state);
  int (*write_state)(const void *state, FILE *f, struct nnmd_error *err);
  int (*read_state)(void *state, FILE *f, struct nnmd_error *err);
  void (*destroy)(void *state);
};

#endif
