/* support.h — test helpers: random structures, lattices, tolerance checks, paths. */
#ifndef NNMD_TEST_SUPPORT_H
#define NNMD_TEST_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "system.h"

/* Small deterministic RNG for tests (splitmix64). */
uint64_t tsup_rand_u64(uint64_t *state);
double tsup_rand_uniform(uint64_t *state); /* [0,1) */
double tsup_rand_normal(uint64_t *state);

/* Relative difference |a-b| / max(|a|,|b|,floor). */
double tsup_reldiff(double a, double b, double floor);
/* Path under shared/ (static buffer per call site not needed: writes into buf). */
const char *tsup_shared_path(char *buf, size_t n, const char *rel);
bool tsup_file_exists(const char *path);

#endif

#include "run.h"

/* Random periodic system: n atoms of the given species (cycled), uniform in a cell with
 * edge lengths L[3] and LAMMPS tilts (xy, xz, yz), min pair distance rmin (rejection). */
int tsup_random_system(struct nnmd_system *sys, struct nnmd_box *box, int64_t n, const char *const *species,
                       const double L[3], const double tilt[3], double rmin, uint64_t seed);
/* An md (ghosts, lists, forces) over sys/box with the force terms of a TOML text holding
 * [[potential]] tables. Returns status; on success md is ready for nnmd_md_forces. */
int tsup_md_setup(struct nnmd_md *md, struct nnmd_comm **comm, struct nnmd_log *log, struct nnmd_system *sys,
                  const struct nnmd_box *box, const char *toml, double skin, struct nnmd_error *err);
void tsup_md_free(struct nnmd_md *md, struct nnmd_comm *comm);
