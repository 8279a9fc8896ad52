/* tframe.h — training frames (structures with DFT labels) and their descriptor caches.
 *
 * A frame holds, in the MODEL's units (positions, cell, energy, forces, stress converted at
 * load time with cflength / cfenergy, as for the hdnnp term): element indices of the model,
 * positions (3n, atom-major x0 y0 z0 x1 ...), the cell h (row-major, columns = lattice
 * vectors) and periodic flags, and the labels it has: total energy, forces (3n), stress
 * (Voigt xx yy zz yz xz xy, ASE sign: sigma = -W/V), Born charges (9n, field index first),
 * a weight, and where it came from (file, line) for messages and reports.
 *
 * The cache of a frame (struct tcache) is what the loss needs of the descriptors: for each
 * atom i its raw symmetry-function values G_i, its neighbour entries (atom index j of the
 * frame and vector d = r_j + shift - r_i; periodic images are separate entries) and the
 * sparse Jacobian dG_{i,s}/dd (for every SF s of i's element, the entries with a non-zero
 * derivative and the 3-vector). Built with nnp/descriptor.h (the MD code), one gradient
 * pass per SF. Memory: about 28 bytes x (non-zero (s, entry) pairs), e.g. ~10 MB for a
 * 192-atom water frame with the H2O_RPBE-D3 descriptors.
 */
#ifndef NNMD_TRAIN_TFRAME_H
#define NNMD_TRAIN_TFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "error.h"
#include "model.h"

struct tframe {
  int n;
  int *elem;      /* model element of each atom */
  double *pos;    /* 3n */
  double h[9];    /* columns = lattice vectors; zero without a cell */
  int pbc[3];
  bool has_cell;
  bool has_e, has_f, has_s, has_z;
  double energy;  /* model energy unit */
  double *force;  /* 3n or NULL */
  double stress[6];
  double *bec;    /* 9n or NULL (field index first) */
  double weight;
  const char *file; /* not owned (data set keeps the names) */
  int64_t line;     /* line of the frame's header (comment line / begin) */
  int index;        /* index in the data set (input order) */
};

void tframe_free(struct tframe *f);
/* Volume (model length^3); 0 without a cell. */
double tframe_volume(const struct tframe *f);
/* The checks of a frame's cell that the pair search makes (singular, denser than 5 atoms/A^3,
 * too thin or oblique for the cutoff, atoms far outside), without the search: `nnmd check`. */
struct nnmd_nnp_model;
int tframe_check_geometry(const struct nnmd_nnp_model *m, const struct tframe *f, struct nnmd_error *err);

struct tcache {
  int n;
  size_t *goff;      /* [n+1] offsets into g */
  double *g;         /* raw SF values */
  size_t *eoff;      /* [n+1] neighbour entries of atom i */
  int *eatom;        /* [entries] */
  double *ed;        /* [3 entries] */
  size_t *joff;      /* [goff[n] + 1]: Jacobian rows (one per (atom, SF)) */
  int *jent;         /* entry index of each non-zero */
  double *jg;        /* [3 nnz] */
  size_t bytes;
};

/* Build the cache of f for the model's plan. work: a descriptor work (grown as needed). */
int tcache_build(const struct nnmd_nnp_model *m, const struct nnmd_desc_plan *plan, struct nnmd_desc_work **work,
                 const struct tframe *f, struct tcache *c, struct nnmd_error *err);
void tcache_free(struct tcache *c);

#endif
