/* nnp_test_util.h — helpers for the NNP test suites: n2p2 reference files (.data structures,
 * .ref energies/forces, .sf symmetry-function dumps) and an engine harness that evaluates a
 * force term the way nnmd runs it (halo ghosts -> full neighbour list -> compute -> reverse
 * communication of ghost forces).
 *
 * The test build globs only tests/nnp/test_*.c, so each suite #includes nnp_test_util.c.
 */
#ifndef NNMD_NNP_TEST_UTIL_H
#define NNMD_NNP_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "halo.h"
#include "neighbor.h"
#include "potential.h"
#include "system.h"

/* A structure: n atoms, positions atom-major x[3i+d], element symbols, optional lattice
 * vectors as rows lat[k][d]. */
struct nt_struct {
  int n;
  double *x;
  char (*el)[4];
  int periodic;
  double lat[3][3];
};

struct nt_ref {
  int natoms;
  double energy, energy_offset_sum;
  int64_t warnings;
  double *f;   /* 3n atom-major */
  double *eat; /* atomic_energy_nn */
};

struct nt_sfdump {
  int natoms;
  int *nsf, *off; /* per atom */
  double *graw, *gscaled, *dedg;
};

/* Create / destroy the process-wide communicator (call once in main). */
int nt_init(void);
void nt_fini(void);

int nt_read_data(const char *path, struct nt_struct *s);
void nt_struct_free(struct nt_struct *s);
int nt_read_ref(const char *path, struct nt_ref *r);
void nt_ref_free(struct nt_ref *r);
int nt_read_sf(const char *path, struct nt_sfdump *d);
void nt_sf_free(struct nt_sfdump *d);
/* Path under the shared/ folder (NNMD_SHARED_DIR from CMake). */
const char *nt_shared_path(char *buf, size_t n, const char *rel);
/* Path of a file under shared/models/<model>/...; false (and a message) if absent. */
bool nt_model_path(char *buf, size_t n, const char *model, const char *rel);

/* Engine harness: one system, box, halo and full list for one force term. */
struct nt_engine {
  struct nnmd_comm *comm;
  struct nnmd_halo *halo;
  struct nnmd_nlist *nl;
  struct nnmd_system *sys;
  struct nnmd_box box;
  const struct nnmd_potential_ops *ops;
  void *pot;
  struct nnmd_log log;
  double skin;
  int n;
};

/* Build the system from s (positions x scale), species interned in file order of first
 * appearance. Non-periodic structures get a non-periodic box around the atoms. */
int nt_engine_init(struct nt_engine *e, const struct nt_struct *s, double scale, double skin);
void nt_engine_free(struct nt_engine *e);
/* Set owned positions (atom-major, 3n) and the cell (lattice vectors as rows, NULL = keep). */
int nt_engine_set(struct nt_engine *e, const double *x, const double lat[3][3]);
/* Ghosts, list, compute, reverse comm. f: 3n atom-major forces of owned atoms (in input
 * order), virial 3x3, eatom (n) optional. Returns the status; prints errors. */
int nt_engine_compute(struct nt_engine *e, double *energy, double *f, double *virial, double *eatom);

/* A random periodic triclinic structure: n atoms in the cell with rows lat, min distance dmin,
 * elements drawn from syms (count nsym). */
void nt_random_struct(struct nt_struct *s, int n, const double lat[3][3], double dmin, const char *const *syms,
                      int nsym, uint64_t seed);

#endif
