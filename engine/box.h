/* box.h — the simulation cell: always triclinic (orthorhombic = zero tilt).
 *
 * Stored as the origin `lo` and the cell matrix `h` whose columns are the lattice
 * vectors (see box_math.h). Derived quantities (h_inv, volume, perpendicular widths,
 * LAMMPS parameters when h is upper triangular) are refreshed by nnmd_box_set_h().
 * Non-periodic directions: the cell is only a frame for binning; atoms may leave it.
 * Units: Angstrom.
 */
#ifndef NNMD_BOX_H
#define NNMD_BOX_H

#include <stdbool.h>

#include "error.h"

struct nnmd_box {
  double lo[3];
  double h[9];     /* row-major; columns a, b, c */
  double h_inv[9];
  double volume;
  double width[3]; /* perpendicular widths along a, b, c */
  int periodic[3];
};

/* Set the cell from h (columns = lattice vectors) and origin; checks a right-handed,
 * non-degenerate cell (volume > 1e-9 * |a||b||c|). */
int nnmd_box_set_h(struct nnmd_box *box, const double h[9], const double lo[3],
                   const int periodic[3], struct nnmd_error *err);
/* Set from LAMMPS parameters. */
int nnmd_box_set_lammps(struct nnmd_box *box, const double lo[3], double lx, double ly, double lz,
                        double xy, double xz, double yz, const int periodic[3],
                        struct nnmd_error *err);
/* Lattice vector k (column k of h). */
void nnmd_box_vector(const struct nnmd_box *box, int k, double v[3]);
bool nnmd_box_is_upper_triangular(const struct nnmd_box *box);
/* LAMMPS form of the same cell (rotated if h is not upper triangular): lx, ly, lz, xy, xz, yz
 * and the rotation R with r_lammps = R (r - lo). Returns the 6 parameters in p. */
void nnmd_box_lammps_params(const struct nnmd_box *box, double p[6], double R[9]);

#endif
