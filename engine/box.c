/* box.c — see box.h. */
#include "box.h"

#include <math.h>
#include <string.h>

static double det3(const double *m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
         m[2] * (m[3] * m[7] - m[4] * m[6]);
}

static void inv3(const double *m, double d, double *o) {
  o[0] = (m[4] * m[8] - m[5] * m[7]) / d;
  o[1] = (m[2] * m[7] - m[1] * m[8]) / d;
  o[2] = (m[1] * m[5] - m[2] * m[4]) / d;
  o[3] = (m[5] * m[6] - m[3] * m[8]) / d;
  o[4] = (m[0] * m[8] - m[2] * m[6]) / d;
  o[5] = (m[2] * m[3] - m[0] * m[5]) / d;
  o[6] = (m[3] * m[7] - m[4] * m[6]) / d;
  o[7] = (m[1] * m[6] - m[0] * m[7]) / d;
  o[8] = (m[0] * m[4] - m[1] * m[3]) / d;
}

void nnmd_box_vector(const struct nnmd_box *box, int k, double v[3]) {
  v[0] = box->h[k];
  v[1] = box->h[3 + k];
  v[2] = box->h[6 + k];
}

int nnmd_box_set_h(struct nnmd_box *box, const double h[9], const double lo[3],
                   const int periodic[3], struct nnmd_error *err) {
  double len[3];
  for (int k = 0; k < 3; ++k) {
    len[k] = sqrt(h[k] * h[k] + h[3 + k] * h[3 + k] + h[6 + k] * h[6 + k]);
    if (!isfinite(len[k]))
      return nnmd_fail(err, NNMD_ERR_INPUT, "cell vector %c is not finite", "abc"[k]);
    if (len[k] <= 0)
      return nnmd_fail(err, NNMD_ERR_INPUT, "cell vector %c has zero length", "abc"[k]);
  }
  double d = det3(h);
  if (!(fabs(d) > 1e-9 * len[0] * len[1] * len[2]))
    return nnmd_fail(err, NNMD_ERR_INPUT, "the cell has zero volume (lattice vectors are coplanar)");
  if (d < 0)
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "the cell is left-handed (a.(b x c) < 0); reorder or negate a lattice vector");
  memcpy(box->h, h, sizeof box->h);
  memcpy(box->lo, lo, sizeof box->lo);
  for (int k = 0; k < 3; ++k) box->periodic[k] = periodic[k] ? 1 : 0;
  box->volume = d;
  inv3(h, d, box->h_inv);
  for (int k = 0; k < 3; ++k) {
    const double *r = box->h_inv + 3 * k;
    box->width[k] = 1.0 / sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  }
  return NNMD_OK;
}

int nnmd_box_set_lammps(struct nnmd_box *box, const double lo[3], double lx, double ly, double lz,
                        double xy, double xz, double yz, const int periodic[3],
                        struct nnmd_error *err) {
  double h[9] = {lx, xy, xz, 0, ly, yz, 0, 0, lz};
  return nnmd_box_set_h(box, h, lo, periodic, err);
}

bool nnmd_box_is_upper_triangular(const struct nnmd_box *box) {
  return box->h[3] == 0 && box->h[6] == 0 && box->h[7] == 0;
}

void nnmd_box_lammps_params(const struct nnmd_box *box, double p[6], double R[9]) {
  double a[3], b[3], c[3];
  nnmd_box_vector(box, 0, a);
  nnmd_box_vector(box, 1, b);
  nnmd_box_vector(box, 2, c);
  double la = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  double ahat[3] = {a[0] / la, a[1] / la, a[2] / la};
  double bx = b[0] * ahat[0] + b[1] * ahat[1] + b[2] * ahat[2];
  double axb[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
  double laxb = sqrt(axb[0] * axb[0] + axb[1] * axb[1] + axb[2] * axb[2]);
  double zhat[3] = {axb[0] / laxb, axb[1] / laxb, axb[2] / laxb};
  double yhat[3] = {zhat[1] * ahat[2] - zhat[2] * ahat[1], zhat[2] * ahat[0] - zhat[0] * ahat[2],
                    zhat[0] * ahat[1] - zhat[1] * ahat[0]};
  double ly = b[0] * yhat[0] + b[1] * yhat[1] + b[2] * yhat[2];
  double cx = c[0] * ahat[0] + c[1] * ahat[1] + c[2] * ahat[2];
  double cy = c[0] * yhat[0] + c[1] * yhat[1] + c[2] * yhat[2];
  double cz = c[0] * zhat[0] + c[1] * zhat[1] + c[2] * zhat[2];
  p[0] = la;
  p[1] = ly;
  p[2] = cz;
  p[3] = bx;
  p[4] = cx;
  p[5] = cy;
  for (int k = 0; k < 3; ++k) {
    R[k] = ahat[k];
    R[3 + k] = yhat[k];
    R[6 + k] = zhat[k];
  }
}
