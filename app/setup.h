/* setup.h — the composition root: input -> system, force field, integrator, observers.
 * The only code (with registry.c and main.c) that includes nnp/, integrators/ and io/. */
#ifndef NNMD_SETUP_H
#define NNMD_SETUP_H

#include <stdbool.h>

#include "comm.h"
#include "config.h"
#include "groups.h"
#include "log.h"
#include "potential.h"
#include "run.h"
#include "schema.h"
#include "system.h"

struct nnmd_sim {
  struct nnmd_input in;
  struct nnmd_comm *comm; /* not owned */
  struct nnmd_log log;
  struct nnmd_system *sys;
  struct nnmd_forcefield *ff;
  struct nnmd_md md;
  const struct nnmd_units *units;
  struct nnmd_files *files; /* input files: rank 0 reads, every rank receives */
  struct nnmd_groups *groups; /* [[group]]s or NULL */
};

/* Read and validate everything a run needs (input, structure, terms, integrator,
 * observers when `with_outputs`). Reports every problem found into err. */
int nnmd_sim_setup(struct nnmd_sim *s, const char *input_path, struct nnmd_comm *comm, int verbosity,
                   bool with_outputs, struct nnmd_error *err);
void nnmd_sim_destroy(struct nnmd_sim *s);

/* [[potential]] tables -> force field (each term validates its own keys). */
int nnmd_forcefield_build(const struct nnmd_cfg *potentials, const struct nnmd_term_info *info,
                          struct nnmd_forcefield **out, struct nnmd_error *err);
/* [system] lattice = {...} */
int nnmd_lattice_build(const struct nnmd_cfg *t, struct nnmd_system *sys, struct nnmd_box *box,
                       struct nnmd_error *err);

#endif
