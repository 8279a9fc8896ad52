/* system.h — the atoms: structure of arrays, owned atoms first, then ghosts.
 *
 * Layout (design §3): every per-atom vector quantity is ONE allocation in component
 * blocks with stride `capacity`:  x[0*cap + i], x[1*cap + i], x[2*cap + i]  for atom i.
 * Indices [0, n_local) are owned atoms; [n_local, n_local + n_ghost) are ghosts (periodic
 * images or, with MPI, copies of other ranks' atoms) made by the halo engine. Ghosts
 * carry the id and type of their source atom. `image` (3*cap, owned only) counts how many
 * lattice vectors an owned atom has been wrapped by, so unwrapped = x + h*image.
 * Named per-atom fields ("charge" 1 component, "bec" 9, ...) are allocated on request
 * with the same stride; fields flagged `halo` are copied to ghosts by forward exchange.
 *
 * Units: x in A, v in A/ps, f in eV/A, mass in amu.
 * Growing the capacity moves every array: re-read the pointers after nnmd_system_reserve.
 */
#ifndef NNMD_SYSTEM_H
#define NNMD_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "species.h"

#define NNMD_MAX_FIELDS 16
#define NNMD_FIELD_NAME 32

struct nnmd_field {
  char name[NNMD_FIELD_NAME];
  int ncomp;
  bool halo;    /* forward-exchanged to ghosts */
  bool migrate; /* travels with the atom when it changes rank / is reordered */
  double *data; /* ncomp * capacity, component blocks */
};

struct nnmd_system {
  int64_t n_local;  /* owned atoms on this rank */
  int64_t n_ghost;  /* ghost atoms after the owned ones */
  int64_t capacity; /* allocated length of every per-atom array */
  int64_t n_global; /* atoms in the whole system */
  double *x, *v, *f; /* 3*capacity each */
  int64_t *id;      /* global tag, 1-based, stable for the run */
  int *type;        /* index into species */
  int32_t *image;   /* 3*capacity: periodic image counters (owned atoms) */
  struct nnmd_species_table species;
  int n_fields;
  struct nnmd_field fields[NNMD_MAX_FIELDS];
};

int nnmd_system_create(struct nnmd_system **out, struct nnmd_error *err);
void nnmd_system_destroy(struct nnmd_system *sys);
/* Ensure capacity >= n (keeps existing data of all n_local+n_ghost atoms). */
int nnmd_system_reserve(struct nnmd_system *sys, int64_t n, struct nnmd_error *err);
/* Add a named field (zero-filled); returns its index in *idx. Adding an existing name with the
 * same ncomp returns that field. */
int nnmd_system_field_add(struct nnmd_system *sys, const char *name, int ncomp, bool halo,
                          int *idx, struct nnmd_error *err);
/* Field data or NULL if absent. */
double *nnmd_system_field(const struct nnmd_system *sys, const char *name);
struct nnmd_field *nnmd_system_field_info(struct nnmd_system *sys, const char *name);
/* Copy all per-atom data (x, v, f, id, type, image, migrating fields) of atom src to dst. */
void nnmd_system_copy_atom(struct nnmd_system *sys, int64_t dst, int64_t src);
/* Mass of atom i (amu). */
static inline double nnmd_system_mass(const struct nnmd_system *sys, int64_t i) {
  return sys->species.s[sys->type[i]].mass;
}
/* Permute owned atoms: new position k takes old atom perm[k]. Ghosts are dropped. */
int nnmd_system_permute(struct nnmd_system *sys, const int64_t *perm, struct nnmd_error *err);

#endif
