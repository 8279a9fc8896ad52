/* potential.h — the force-term interface and the force field (design §5).
 *
 * A force term is an ops descriptor (static const struct nnmd_potential_ops) plus private
 * state made by create(). The force field holds an ordered list of terms and one
 * neighbour list per distinct (cutoff, full/half) need; compute() zeroes the outputs, asks
 * each term to ACCUMULATE (+=) into them, and reports which terms put forces on ghosts
 * (the caller then runs the reverse halo exchange).
 *
 * Conventions for terms:
 *  - forces: sys->f (component blocks, stride sys->capacity), owned AND ghost atoms;
 *    a term that writes ghost forces sets NNMD_POT_GHOST_FORCES.
 *  - energy (eV) and virial W (eV, 3x3 row-major, W_ab = sum r_a F_b, LAMMPS' sign: positive
 *    for repulsion) accumulate in ctx; per-atom energy into ctx->eatom[i] when non-NULL
 *    (owned atoms; a pair term may split pair energies onto ghosts, which are folded back).
 *  - positions: sys->x of owned and ghost atoms. Units: metal (A, eV).
 */
#ifndef NNMD_POTENTIAL_H
#define NNMD_POTENTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "config.h"
#include "dev_atoms.h"
#include "error.h"
#include "files.h"
#include "log.h"
#include "neighbor.h"
#include "system.h"
#include "units.h"

enum {
  NNMD_POT_NEEDS_FULL_LIST = 1u << 0, /* else a half list */
  NNMD_POT_GHOST_FORCES = 1u << 1,    /* writes forces on ghosts (reverse halo needed) */
  NNMD_POT_NO_ENERGY = 1u << 2,       /* non-conservative (e.g. Born-charge field) */
  NNMD_POT_NO_LIST = 1u << 3          /* needs no neighbour list (external fields) */
};

/* What create() may know besides its own [[potential]] table. */
struct nnmd_term_info {
  const char *base_dir; /* folder of the input file: relative paths start here */
  const struct nnmd_species_table *species; /* species of the structure */
  const struct nnmd_units *units;
  struct nnmd_log *log;
  struct nnmd_files *files; /* open input files through this (rank 0 reads, all ranks get them) */
  const struct nnmd_comm *comm; /* may be NULL in tools/tests (serial) */
  bool has_charge_state;        /* [system] charge_state given */
  double charge_state;          /* system charge q_sys in e (+n = n electrons removed) */
  struct nnmd_loc charge_state_loc; /* its input location (for errors) */
  /* The run's device, resolved once by the set-up ([parallel] device, "auto" decided): with
   * use_device, a term that has compute_cuda prepares its device state in create() and the
   * force field calls compute_cuda (nnmd_ff_set_device); other terms stay on the CPU. */
  bool use_device;
  bool device_mixed;          /* [parallel] precision = "mixed" (else "double") */
  bool device_emulate;        /* NNMD_GPU_EMULATE=1: host emulation of the kernels (testing aid) */
  struct nnmd_loc device_loc; /* the 'device' key (errors of the device set-up are reported there) */
};

struct nnmd_force_ctx {
  struct nnmd_system *sys;
  const struct nnmd_box *box;
  const struct nnmd_nlist *list; /* the list this term asked for; NULL with NO_LIST */
  const struct nnmd_units *units;
  struct nnmd_log *log;
  int64_t step;
  double time;      /* ps, of this step (step * dt) */
  const struct nnmd_comm *comm; /* collective terms (sum rules): every rank calls compute; NULL = serial */
  bool eflag;       /* energy and per-atom energy wanted this call (else terms may skip them) */
  bool vflag;       /* virial wanted this call */
  double energy;    /* += */
  double virial[9]; /* += */
  double *eatom;    /* [capacity] or NULL */
  /* Resident run (engine/gpu/resident.h): the atoms live on the device. Terms run compute_cuda
   * on these device arrays and the device list (`list` is NULL); sys gives n_local,
   * n_ghost, species and the ids of the last rebuild; its positions and forces are stale. */
  const struct nnmd_dev_atoms *dev;
  const struct nnmd_dev_list *dlist;
  /* Add the ghost entries of a per-atom array (ncomp blocks of stride sys->capacity) to their
   * owners (halo reverse communication; collective: every rank calls it equally often). NULL
   * where the caller has no halo; a term that needs it then fails. */
  int (*reverse_sum)(void *arg, double *data, int ncomp, struct nnmd_error *err);
  void *reverse_arg;
};

struct nnmd_potential_ops {
  const char *name; /* the `type` in [[potential]] */
  unsigned flags;
  const char *const *provides; /* NULL-terminated per-atom field names, or NULL */
  const char *const *requires;
  /* Validate the table (unknown keys, types, ranges: report ALL problems into err) and
   * build the state. */
  int (*create)(const struct nnmd_cfg *cfg, const struct nnmd_term_info *info, void **state,
                struct nnmd_error *err);
  double (*cutoff)(const void *state); /* interaction cutoff in A */
  void (*print)(const void *state, struct nnmd_log *log);
  int (*compute_cpu)(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err);
  /* Optional (NULL: the term always runs compute_cpu): the same outputs from the GPU path,
   * used when the force field's device is on (nnmd_ff_set_device). */
  int (*compute_cuda)(void *state, struct nnmd_force_ctx *ctx, struct nnmd_error *err);
  /* Optional: warnings (e.g. NNP extrapolation) counted in the last compute; NULL if none. */
  int64_t (*warnings)(const void *state);
  /* Optional: energy to add to the conserved quantity (eV, global: collective, every rank
   * calls it), e.g. minus the work done by an external field. NULL if none. */
  double (*conserved_extra)(void *state, const struct nnmd_system *sys, const struct nnmd_comm *comm);
  /* Optional: extra thermo columns (global values; collective). Fills up to max names
   * (static strings) and values; returns how many. NULL if none. */
  int (*thermo_extra)(void *state, const struct nnmd_system *sys, const struct nnmd_comm *comm,
                      const char **names, double *values, int max);
  void (*destroy)(void *state);
};

/* ---- the force field: an ordered list of terms ---- */
struct nnmd_forcefield;

int nnmd_ff_create(struct nnmd_forcefield **out, struct nnmd_error *err);
void nnmd_ff_destroy(struct nnmd_forcefield *ff);
/* Add a term (takes ownership of state). loc: the [[potential]] table's location. */
int nnmd_ff_add(struct nnmd_forcefield *ff, const struct nnmd_potential_ops *ops, void *state,
                struct nnmd_loc loc, struct nnmd_error *err);
int nnmd_ff_n_terms(const struct nnmd_forcefield *ff);
/* Largest interaction cutoff of all terms (A). */
double nnmd_ff_max_cutoff(const struct nnmd_forcefield *ff);
/* Create the neighbour lists (one per distinct need). Call once after all terms are added. */
int nnmd_ff_setup_lists(struct nnmd_forcefield *ff, double skin, struct nnmd_error *err);
/* Rebuild every list. */
int nnmd_ff_build_lists(struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                        const struct nnmd_box *box, struct nnmd_error *err);
/* Largest owned-atom displacement since the last build. */
double nnmd_ff_max_displacement(const struct nnmd_forcefield *ff, const struct nnmd_system *sys);
/* Zero forces (owned+ghost) and eatom, then run every term. *ghost_forces tells whether
 * the reverse halo exchange is needed. */
int nnmd_ff_compute(struct nnmd_forcefield *ff, struct nnmd_system *sys, const struct nnmd_box *box,
                    struct nnmd_force_ctx *ctx, bool *ghost_forces, struct nnmd_error *err);
/* Run terms that have compute_cuda through it (on = the run's device is the GPU; they must
 * have been created with nnmd_term_info.use_device); the others keep compute_cpu. Call once
 * at set-up. Off by default. */
void nnmd_ff_set_device(struct nnmd_forcefield *ff, bool on);
/* Resident run: true if every term runs compute_cuda (else *why names the first that does
 * not). */
bool nnmd_ff_all_on_device(const struct nnmd_forcefield *ff, const char **why);
/* Resident run: run every term's compute_cuda with ctx->dev / ctx->dlist set (forces are
 * added into ctx->dev->f, which the caller zeroed; per-atom energies into ctx->eatom). */
int nnmd_ff_compute_resident(struct nnmd_forcefield *ff, struct nnmd_system *sys, const struct nnmd_box *box,
                             struct nnmd_force_ctx *ctx, struct nnmd_error *err);
/* True if term k runs compute_cuda. */
bool nnmd_ff_term_on_device(const struct nnmd_forcefield *ff, int k);
int64_t nnmd_ff_warnings(const struct nnmd_forcefield *ff);
/* Sum of the terms' conserved_extra (collective). */
double nnmd_ff_conserved_extra(const struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                               const struct nnmd_comm *comm);
/* The terms' extra thermo columns, in term order (collective); returns the count. */
int nnmd_ff_thermo_extra(const struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                         const struct nnmd_comm *comm, const char **names, double *values, int max);
/* Term k: its ops and state (NULL if k is out of range). */
const struct nnmd_potential_ops *nnmd_ff_term(const struct nnmd_forcefield *ff, int k, void **state);
void nnmd_ff_print(const struct nnmd_forcefield *ff, struct nnmd_log *log);
/* Neighbour statistics of list k (for the log). */
const struct nnmd_nlist *nnmd_ff_list(const struct nnmd_forcefield *ff, int k);
int nnmd_ff_n_lists(const struct nnmd_forcefield *ff);

#endif
