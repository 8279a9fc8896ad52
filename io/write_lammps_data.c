/* write_lammps_data.c — the owned atoms as a LAMMPS data file (atom_style atomic, metal
 * units: A, A/ps, amu), for feeding the same structure to LAMMPS (read_data).
 *
 * Layout written:
 *   title line / N atoms / T atom types / xlo xhi / ylo yhi / zlo zhi / [xy xz yz]
 *   Masses      "k mass # Symbol"  for species k-1 (type k)
 *   Atoms # atomic   "id type x y z ix iy iz", sorted by id
 *   Velocities  "id vx vy vz"     only when some velocity is non-zero
 * Cell: LAMMPS needs h upper triangular with a positive diagonal. If box->h already is,
 * positions and the origin are written unchanged. Otherwise the cell is rotated
 * (nnmd_box_lammps_params): h' = R h, r' = R (r - lo), v' = R v, origin 0. LAMMPS also
 * refuses tilts beyond half the box length (|xy|, |xz| > lx/2 or |yz| > ly/2); such tilts are
 * reduced by adding integer multiples of lattice vectors (c -= n b, c -= n a, b -= n a), which
 * describes the same periodic crystal. The image flags are converted (img' = h'^-1 h img) so the
 * unwrapped positions stay the same; the written positions may then lie outside the reduced
 * cell, which read_data wraps back. The periodicity (boundary command) is not part of the file.
 * Reals use %.17g.
 */
#include <math.h>
#include <stdlib.h>

#include "structure.h"
#include "write_extxyz.h"

/* The cell in LAMMPS form: parameters, rotation and origin to write. */
struct lmp_cell {
  double p[6]; /* lx ly lz xy xz yz (after tilt reduction) */
  double h0[9]; /* upper-triangular cell before the tilt reduction */
  double R[9];
  double lo[3];
  bool rotate;
};

static void upper_from_params(const double p[6], double h[9]) {
  double m[9] = {p[0], p[3], p[4], 0, p[1], p[5], 0, 0, p[2]};
  for (int k = 0; k < 9; ++k) h[k] = m[k];
}

/* Reduce |yz| <= ly/2, then |xz| <= lx/2 and |xy| <= lx/2 by lattice-vector additions. */
static void reduce_tilt(double p[6]) {
  if (fabs(p[5]) > 0.5 * p[1]) {
    double n = round(p[5] / p[1]);
    p[5] -= n * p[1];
    p[4] -= n * p[3];
  }
  if (fabs(p[4]) > 0.5 * p[0]) p[4] -= round(p[4] / p[0]) * p[0];
  if (fabs(p[3]) > 0.5 * p[0]) p[3] -= round(p[3] / p[0]) * p[0];
}

static void lammps_cell(const struct nnmd_box *box, struct lmp_cell *c) {
  const double *h = box->h;
  c->rotate = !(nnmd_box_is_upper_triangular(box) && h[0] > 0 && h[4] > 0 && h[8] > 0);
  if (c->rotate) {
    nnmd_box_lammps_params(box, c->p, c->R);
    for (int d = 0; d < 3; ++d) c->lo[d] = 0.0;
  } else {
    double p[6] = {h[0], h[4], h[8], h[1], h[2], h[5]};
    for (int k = 0; k < 6; ++k) c->p[k] = p[k];
    for (int d = 0; d < 3; ++d) c->lo[d] = box->lo[d];
  }
  upper_from_params(c->p, c->h0);
  reduce_tilt(c->p);
}

/* img' = h'^-1 h0 img for upper-triangular h' (back substitution), rounded. */
static void convert_image(const struct lmp_cell *c, const int32_t img[3], long long out[3]) {
  double u[3] = {0, 0, 0}, s[3];
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) u[r] += c->h0[3 * r + k] * img[k];
  const double *p = c->p; /* h' = [[lx,xy,xz],[0,ly,yz],[0,0,lz]] */
  s[2] = u[2] / p[2];
  s[1] = (u[1] - p[5] * s[2]) / p[1];
  s[0] = (u[0] - p[3] * s[1] - p[4] * s[2]) / p[0];
  for (int d = 0; d < 3; ++d) out[d] = llround(s[d]);
}

static void to_lammps_frame(const struct lmp_cell *c, const struct nnmd_box *box, const double r[3],
                            bool is_position, double out[3]) {
  double d[3] = {r[0], r[1], r[2]};
  if (!c->rotate) {
    for (int k = 0; k < 3; ++k) out[k] = d[k];
    return;
  }
  if (is_position)
    for (int k = 0; k < 3; ++k) d[k] -= box->lo[k];
  for (int a = 0; a < 3; ++a) out[a] = c->R[3 * a] * d[0] + c->R[3 * a + 1] * d[1] + c->R[3 * a + 2] * d[2];
}

static void put_header(FILE *f, const struct nnmd_system *sys, const struct lmp_cell *c) {
  const double *p = c->p;
  fprintf(f, "LAMMPS data file written by nnmd (atom_style atomic, units metal)\n\n");
  fprintf(f, "%lld atoms\n%d atom types\n\n", (long long)sys->n_local, sys->species.n);
  fprintf(f, "%.17g %.17g xlo xhi\n", c->lo[0], c->lo[0] + p[0]);
  fprintf(f, "%.17g %.17g ylo yhi\n", c->lo[1], c->lo[1] + p[1]);
  fprintf(f, "%.17g %.17g zlo zhi\n", c->lo[2], c->lo[2] + p[2]);
  if (p[3] != 0 || p[4] != 0 || p[5] != 0) fprintf(f, "%.17g %.17g %.17g xy xz yz\n", p[3], p[4], p[5]);
  fprintf(f, "\nMasses\n\n");
  for (int k = 0; k < sys->species.n; ++k)
    fprintf(f, "%d %.17g # %s\n", k + 1, sys->species.s[k].mass, sys->species.s[k].symbol);
}

static void put_atoms(FILE *f, const struct nnmd_system *sys, const struct nnmd_box *box,
                      const struct lmp_cell *c, const int64_t *order) {
  int64_t cap = sys->capacity;
  fprintf(f, "\nAtoms # atomic\n\n");
  for (int64_t k = 0; k < sys->n_local; ++k) {
    int64_t i = order[k];
    double r[3] = {sys->x[i], sys->x[cap + i], sys->x[2 * cap + i]}, q[3];
    int32_t img[3] = {sys->image[i], sys->image[cap + i], sys->image[2 * cap + i]};
    long long im[3];
    to_lammps_frame(c, box, r, true, q);
    convert_image(c, img, im);
    fprintf(f, "%lld %d %.17g %.17g %.17g %lld %lld %lld\n", (long long)sys->id[i], sys->type[i] + 1,
            q[0], q[1], q[2], im[0], im[1], im[2]);
  }
}

static bool any_velocity(const struct nnmd_system *sys) {
  int64_t cap = sys->capacity;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < sys->n_local; ++i)
      if (sys->v[d * cap + i] != 0) return true;
  return false;
}

static void put_velocities(FILE *f, const struct nnmd_system *sys, const struct nnmd_box *box,
                           const struct lmp_cell *c, const int64_t *order) {
  int64_t cap = sys->capacity;
  fprintf(f, "\nVelocities\n\n");
  for (int64_t k = 0; k < sys->n_local; ++k) {
    int64_t i = order[k];
    double v[3] = {sys->v[i], sys->v[cap + i], sys->v[2 * cap + i]}, q[3];
    to_lammps_frame(c, box, v, false, q);
    fprintf(f, "%lld %.17g %.17g %.17g\n", (long long)sys->id[i], q[0], q[1], q[2]);
  }
}

int nnmd_write_lammps_data(const char *path, const struct nnmd_system *sys,
                           const struct nnmd_box *box, struct nnmd_error *err) {
  struct nnmd_loc loc = {path, 0, 0};
  if (sys->species.n < 1)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "cannot write a LAMMPS data file without species");
  int64_t *order = NULL;
  int st = nnmd_sorted_by_id(sys, &order, err);
  if (st) return st;
  FILE *f = fopen(path, "w");
  if (!f) {
    free(order);
    return nnmd_fail_at(err, NNMD_ERR_FILE, loc, "cannot open for writing");
  }
  struct lmp_cell c;
  lammps_cell(box, &c);
  put_header(f, sys, &c);
  put_atoms(f, sys, box, &c, order);
  if (any_velocity(sys)) put_velocities(f, sys, box, &c, order);
  free(order);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0) bad = true;
  if (bad) return nnmd_fail_at(err, NNMD_ERR_FILE, loc, "write error");
  return NNMD_OK;
}
