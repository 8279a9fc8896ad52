/* box_math.h — triclinic cell maths shared by CPU loops and CUDA kernels.
 *
 * The cell matrix h (row-major 3x3) has the lattice vectors a, b, c as COLUMNS:
 *   r = lo + h * s,  s = fractional coordinates (s in [0,1) inside the cell).
 * In LAMMPS form h is upper triangular: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz);
 * nnmd also accepts any right-handed cell (extxyz / n2p2 lattices are kept as given, so
 * forces come out in the user's frame). h_inv is the inverse; the perpendicular width
 * along lattice direction d is 1/|row d of h_inv|.
 */
#ifndef NNMD_BOX_MATH_H
#define NNMD_BOX_MATH_H

#include <math.h>
#include <stdbool.h>

#include "types.h"

static inline NNMD_HD void nnmd_mat3_vec(const double *m, const double *v, double *out) {
  double x = v[0], y = v[1], z = v[2];
  out[0] = m[0] * x + m[1] * y + m[2] * z;
  out[1] = m[3] * x + m[4] * y + m[5] * z;
  out[2] = m[6] * x + m[7] * y + m[8] * z;
}

/* s = h_inv (r - lo) */
static inline NNMD_HD void nnmd_cart_to_frac(const double *h_inv, const double *lo, const double *r,
                                             double *s) {
  double d[3] = {r[0] - lo[0], r[1] - lo[1], r[2] - lo[2]};
  nnmd_mat3_vec(h_inv, d, s);
}

/* r = lo + h s */
static inline NNMD_HD void nnmd_frac_to_cart(const double *h, const double *lo, const double *s,
                                             double *r) {
  nnmd_mat3_vec(h, s, r);
  r[0] += lo[0];
  r[1] += lo[1];
  r[2] += lo[2];
}

/* Largest |fractional coordinate| (cell lengths from the cell's origin) an atom may have:
 * beyond it a wrapped position has lost its digits (1e6 costs 6 of 16) and the image shift
 * approaches the range of an int image flag. Readers and the halo wrap refuse such atoms
 * with a message instead of wrapping them. */
#define NNMD_FRAC_MAX 1.0e6

/* s is finite and within NNMD_FRAC_MAX cell lengths (NaN fails). */
static inline NNMD_HD bool nnmd_frac_ok(double s) { return s > -NNMD_FRAC_MAX && s < NNMD_FRAC_MAX; }

/* Wrap a fractional coordinate into [0,1); returns the integer shift that was subtracted.
 * Callers check nnmd_frac_ok first; outside that range the shift is clamped, never an
 * undefined float-to-int conversion. */
static inline NNMD_HD int nnmd_wrap_frac(double *s) {
  double f = floor(*s);
  *s -= f;
  if (*s >= 1.0) { /* rounding: -1e-17 - floor(-1e-17) == 1.0 */
    *s -= 1.0;
    f += 1.0;
  }
  if (!(f > -2.0e9 && f < 2.0e9)) return 0; /* NaN or beyond int: see nnmd_frac_ok */
  return (int)f;
}

/* Minimum-image displacement d (in place) for periodic dims. Only valid when the cutoff is
 * below half of every perpendicular width; kernels never rely on it (ghosts are explicit). */
static inline NNMD_HD void nnmd_min_image(const double *h, const double *h_inv, const int *periodic,
                                          double *d) {
  double s[3];
  nnmd_mat3_vec(h_inv, d, s);
  for (int k = 0; k < 3; ++k)
    if (periodic[k]) s[k] -= rint(s[k]);
  nnmd_mat3_vec(h, s, d);
}

#endif
