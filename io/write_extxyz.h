/* write_extxyz.h — one frame of extended XYZ (ASE flavour), e.g. a trajectory frame.
 *
 * Written per frame:
 *   line 1   number of owned atoms
 *   line 2   Lattice="ax ay az bx by bz cx cy cz" (the columns of h), Properties=...,
 *            [energy=E (eV)] [virial="..." (eV)] [stress="..." (eV/A^3)] [step=N] [time=t (ps)]
 *            [Origin="x y z" when the origin is not 0] pbc="T T T" (from box->periodic)
 *   N lines  owned atoms sorted by id: species:S:1 pos:R:3 [id:I:1] [velocities:R:3 (A/ps)]
 *            [forces:R:3 (eV/A)] [extra:R:ncomp ...]
 * 3x3 tensors are written in ASE's order (Fortran / column-major: xx yx zx xy yy zy xz yz zz,
 * the same as row-major for a symmetric tensor). The virial is W = sum_i r_i (x) F_i; the stress
 * is ASE's sign convention, stress = -W / V (positive under tension), without the kinetic part.
 * Every real is written with %.17g, so reading the file back gives the same doubles. ASE reads
 * the file with ase.io.read(path, format="extxyz"): energy, stress and forces become the
 * results of a SinglePointCalculator; velocities and extra columns become atoms.arrays (ASE does
 * not convert the A/ps velocities to its own unit).
 */
#ifndef NNMD_IO_WRITE_EXTXYZ_H
#define NNMD_IO_WRITE_EXTXYZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "box.h"
#include "error.h"
#include "system.h"

/* An extra per-atom column: data[c * stride + i] is component c of atom index i. */
struct nnmd_extxyz_column {
  const char *name; /* letters, digits, '_' */
  int ncomp;
  const double *data;
  int64_t stride; /* 0 = sys->capacity (the layout of system fields) */
};

struct nnmd_extxyz_frame {
  bool has_energy;
  double energy; /* eV */
  bool has_virial;
  double virial[9]; /* eV, row-major W[a][b] = sum r_a F_b */
  bool write_stress; /* with has_virial: stress = -W/V */
  bool has_step;
  int64_t step;
  bool has_time;
  double time; /* ps */
  bool unwrapped;  /* unwrapped positions: the per-atom field "unwrapped" when the system has it
                      (displacement-tracked by the run loop), else x + h * image */
  bool wrap;       /* (without unwrapped) positions mapped into the cell along periodic
                      directions (between neighbour-list rebuilds atoms may sit slightly
                      outside it) */
  bool ids;        /* column id:I:1 */
  bool velocities; /* column velocities:R:3 */
  bool forces;     /* column forces:R:3 */
  int n_extra;
  const struct nnmd_extxyz_column *extra;
};

/* Append one frame to f. */
int nnmd_write_extxyz_frame(FILE *f, const struct nnmd_system *sys, const struct nnmd_box *box,
                            const struct nnmd_extxyz_frame *fr, struct nnmd_error *err);

/* Owned atom indices sorted by id (caller frees). Shared with the LAMMPS data writer. */
int nnmd_sorted_by_id(const struct nnmd_system *sys, int64_t **order, struct nnmd_error *err);

#endif
