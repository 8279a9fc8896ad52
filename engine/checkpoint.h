/* checkpoint.h — restart files (design §10, docs/restart.md).
 *
 * One versioned binary file: header (magic "NNMDCHK\0", format version, endianness marker,
 * payload length), payload, and a 64-bit FNV-1a checksum of the payload. The payload holds
 * the step, time step, seed, the cell, the periodic flags, the writer's MPI process grid
 * (version 2), the species table, every atom sorted by id (id, type, position, velocity, image
 * flags, migrating named fields) and the integrator's own state (its write_state blob, tagged
 * with its name). Counter-based random numbers need no state beyond (seed, step). Written to
 * FILE.tmp, flushed and fsync'ed, then renamed over FILE, so the previous checkpoint stays
 * intact until the new one is complete. A truncated or corrupt file (bad magic, version,
 * length or checksum) is refused with a clear error, and so is implausible content (non-finite
 * or huge coordinates, atoms outside the cell, a cell thinner than the structure readers
 * accept, wild image or periodic flags, inconsistent counts, out-of-range integrator state):
 * the message names the file and the field. Bit-exact continuation needs the run loop's
 * canonical rebuild at checkpoint steps (run.c).
 */
#ifndef NNMD_CHECKPOINT_H
#define NNMD_CHECKPOINT_H

#include "error.h"
#include "run.h"

int nnmd_checkpoint_write(const char *path, const struct nnmd_md *md, struct nnmd_error *err);
/* Load into an md whose system, force field and integrator are set up from the same input:
 * replaces atoms, cell, step and integrator state. Species must match by symbol. */
int nnmd_checkpoint_read(const char *path, struct nnmd_md *md, struct nnmd_error *err);

#endif
