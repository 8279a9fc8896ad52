/* tdata.h — training data sets: multi-frame extxyz (ASE conventions) and n2p2 input.data.
 *
 * extxyz: per frame the atom count, a comment line of key=value pairs and one line per
 * atom. Comment keys: Lattice (columns of h), pbc, Properties (species:S:1, pos:R:3 and the
 * force column, R:3), the energy key (default "energy", else "free_energy"), stress
 * (9 or 6 Voigt numbers xx yy zz yz xz xy, eV/A^3, ASE sign: positive = tensile) or virial
 * (9 or 6, eV, W = sum r (x) F), weight. Born charges: a column of 9 reals per atom.
 * Key and column names can be renamed (tdata_opts). Units: A, eV, eV/A.
 * n2p2 input.data: begin / comment / lattice (3 lines) / atom x y z El q e fx fy fz /
 * energy / charge / end, in the units given by length_unit / energy_unit.
 *
 * Frames are returned in file order with species as symbols of the data set's own table;
 * labels the frame lacks are marked absent (has_e/has_f/has_s/has_z false). Every error
 * names file:line (and the key or column).
 */
#ifndef NNMD_TRAIN_TDATA_H
#define NNMD_TRAIN_TDATA_H

#include <stdbool.h>

#include "error.h"
#include "tframe.h"

#define TDATA_MAX_SPECIES 32

struct tdata_opts {
  const char *energy_key;  /* NULL: "energy" then "free_energy" */
  const char *forces_key;  /* NULL: "forces" */
  const char *stress_key;  /* NULL: "stress" (then "virial") */
  const char *bec_key;     /* NULL: no Born charges read; else the column name */
  double length_scale;     /* multiply lengths (to A) */
  double energy_scale;     /* multiply energies (to eV) */
};

struct tdata {
  int n;                   /* frames */
  struct tframe *f;        /* elem[] = index into sym */
  int nsym;
  char sym[TDATA_MAX_SPECIES][4];
  int n_files;
  char **files;            /* names the frames point to */
  int bec_missing;         /* frames without the Born-charge column (bec_key set) */
};

/* Append the frames of path (format "extxyz", "n2p2" or NULL = by content). */
int tdata_read(struct tdata *d, const char *path, const char *format, const struct tdata_opts *o,
               struct nnmd_error *err);
void tdata_free(struct tdata *d);

#endif
