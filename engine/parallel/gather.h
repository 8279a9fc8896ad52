/* gather.h — collect every rank's owned atoms on one rank (outputs, checkpoints), sorted
 * by id. The result is a separate system (positions, velocities, forces, image flags, id,
 * type and the migrating named fields) with the same species table. */
#ifndef NNMD_GATHER_H
#define NNMD_GATHER_H

#include "comm.h"
#include "error.h"
#include "system.h"

/* On `root`, *full receives a new system holding all atoms in id order (caller destroys);
 * elsewhere *full is NULL. Collective: every rank must call it. */
int nnmd_system_gather(const struct nnmd_system *sys, const struct nnmd_comm *comm, int root,
                       struct nnmd_system **full, struct nnmd_error *err);

#endif
