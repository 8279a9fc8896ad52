/* tnet.c — training derivatives of the atomic networks (see tnet.h for the formulas).
 * State layout per layer l = 0..L (n_l values each): y, f', f'', yd (tangent of y), zd
 * (tangent of z), at offset 5 * sum_{m<l} n_m. Layer 0 uses only y (= g) and yd (= c).
 */
#include "tnet.h"

#include <math.h>
#include <string.h>

#include "ann_math.h"

double tnet_act2(char a, double x, double *d1, double *d2) {
  double f = nnmd_ann_act(a, x, d1);
  switch (a) {
    case 't': *d2 = -2.0 * f * *d1; break;
    case 's': *d2 = *d1 * (1.0 - 2.0 * f); break;            /* 0 in the clamped tails */
    case 'p': *d2 = (x > 35.0 || x < -35.0) ? 0.0 : *d1 * (1.0 - *d1); break;
    case 'r': *d2 = 0.0; break;
    case 'g': *d2 = (x * x - 1.0) * f; break;
    case 'c': *d2 = -f; break;
    case 'S': { double sg = 1.0 - f; *d2 = -sg * (1.0 - sg) * (1.0 - 2.0 * sg); break; }
    case 'e': *d2 = f; break;
    case 'h': *d2 = 2.0; break;
    default: *d2 = 0.0; break; /* 'l' */
  }
  return f;
}

static size_t loff(const struct nnmd_ann *a, int l) {
  size_t o = 0;
  for (int m = 0; m < l; ++m) o += 5 * (size_t)a->nodes[m];
  return o;
}

size_t tnet_state_size(const struct nnmd_ann *a) { return loff(a, a->n_layers + 1); }

static double knorm(const struct nnmd_ann *a, int l) { return a->normalize ? 1.0 / a->nodes[l - 1] : 1.0; }

double tnet_forward(const struct nnmd_ann *a, const double *w, const double *g, double *st) {
  memcpy(st, g, (size_t)a->nodes[0] * sizeof(double));
  for (int l = 1; l <= a->n_layers; ++l) {
    const int ni = a->nodes[l - 1], no = a->nodes[l];
    const double *yin = st + loff(a, l - 1);
    double *y = st + loff(a, l), *d1 = y + no, *d2 = y + 2 * no;
    const double *W = w + a->w_off[l], *b = W + (size_t)ni * no;
    const double k = knorm(a, l);
    for (int o = 0; o < no; ++o) y[o] = b[o];
    for (int j = 0; j < ni; ++j) {
      const double yj = yin[j];
      const double *row = W + (size_t)j * no;
      for (int o = 0; o < no; ++o) y[o] += row[o] * yj;
    }
    for (int o = 0; o < no; ++o) y[o] = tnet_act2(a->act[l], k * y[o], &d1[o], &d2[o]);
  }
  return st[loff(a, a->n_layers)];
}

/* ybar_(l-1)[j] = k sum_o W[o][j] zbar[o] */
static void back_mat(const struct nnmd_ann *a, const double *w, int l, const double *zbar, double *out) {
  const int ni = a->nodes[l - 1], no = a->nodes[l];
  const double *W = w + a->w_off[l];
  const double k = knorm(a, l);
  for (int j = 0; j < ni; ++j) {
    const double *row = W + (size_t)j * no;
    double s = 0.0;
    for (int o = 0; o < no; ++o) s += row[o] * zbar[o];
    out[j] = k * s;
  }
}

void tnet_input_grad(const struct nnmd_ann *a, const double *w, const double *st, double *dydg, double *scratch) {
  double *ybar = scratch, *zbar = scratch + a->max_nodes;
  ybar[0] = 1.0;
  for (int o = 1; o < a->nodes[a->n_layers]; ++o) ybar[o] = 0.0; /* multi-output: dy_0/dg */
  for (int l = a->n_layers; l >= 1; --l) {
    const int no = a->nodes[l];
    const double *d1 = st + loff(a, l) + no;
    for (int o = 0; o < no; ++o) zbar[o] = d1[o] * ybar[o];
    back_mat(a, w, l, zbar, l == 1 ? dydg : ybar);
  }
}

double tnet_tangent(const struct nnmd_ann *a, const double *w, const double *c, double *st) {
  memcpy(st + 3 * (size_t)a->nodes[0], c, (size_t)a->nodes[0] * sizeof(double));
  for (int l = 1; l <= a->n_layers; ++l) {
    const int ni = a->nodes[l - 1], no = a->nodes[l];
    const double *ydin = st + loff(a, l - 1) + 3 * (size_t)ni;
    double *y = st + loff(a, l), *d1 = y + no, *yd = y + 3 * no, *zd = y + 4 * no;
    const double *W = w + a->w_off[l];
    const double k = knorm(a, l);
    for (int o = 0; o < no; ++o) zd[o] = 0.0;
    for (int j = 0; j < ni; ++j) {
      const double v = ydin[j];
      if (v == 0.0) continue;
      const double *row = W + (size_t)j * no;
      for (int o = 0; o < no; ++o) zd[o] += row[o] * v;
    }
    for (int o = 0; o < no; ++o) {
      zd[o] *= k;
      yd[o] = d1[o] * zd[o];
    }
  }
  return st[loff(a, a->n_layers) + 3];
}

void tnet_reverse(const struct nnmd_ann *a, const double *w, const double *st, double sE, double sT, double *grad,
                  double *scratch) {
  tnet_reverse_mix(a, w, st, NULL, sE, sT, grad, scratch);
}

static void reverse_core(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double sE,
                         const double *ydbarL, double sT, double *grad, double *scratch) {
  const int M = a->max_nodes;
  double *ybar = scratch, *ydbar = scratch + M, *zbar = scratch + 2 * M, *zdbar = scratch + 3 * M;
  const int tan = ydbarL || sT != 0.0;
  for (int o = 0; o < a->nodes[a->n_layers]; ++o) {
    ybar[o] = ybarL ? ybarL[o] : (o == 0 ? sE : 0.0);
    ydbar[o] = ydbarL ? ydbarL[o] : (o == 0 ? sT : 0.0);
  }
  for (int l = a->n_layers; l >= 1; --l) {
    const int ni = a->nodes[l - 1], no = a->nodes[l];
    const double *y = st + loff(a, l), *d1 = y + no, *d2 = y + 2 * no, *zd = y + 4 * no;
    const double *yin = st + loff(a, l - 1), *ydin = yin + 3 * (size_t)ni;
    const double k = knorm(a, l);
    for (int o = 0; o < no; ++o) {
      zbar[o] = d1[o] * ybar[o];
      if (tan) {
        zbar[o] += d2[o] * zd[o] * ydbar[o];
        zdbar[o] = d1[o] * ydbar[o];
      }
    }
    double *gW = grad + a->w_off[l], *gb = gW + (size_t)ni * no;
    for (int j = 0; j < ni; ++j) {
      double *row = gW + (size_t)j * no;
      const double yj = k * yin[j];
      if (tan) {
        const double ydj = k * ydin[j];
        for (int o = 0; o < no; ++o) row[o] += zbar[o] * yj + zdbar[o] * ydj;
      } else {
        for (int o = 0; o < no; ++o) row[o] += zbar[o] * yj;
      }
    }
    for (int o = 0; o < no; ++o) gb[o] += k * zbar[o];
    if (l > 1) {
      back_mat(a, w, l, zbar, ybar);
      if (tan) back_mat(a, w, l, zdbar, ydbar);
    }
  }
}

void tnet_reverse_mix(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double sE,
                      double sT, double *grad, double *scratch) {
  reverse_core(a, w, st, ybarL, sE, NULL, sT, grad, scratch);
}

void tnet_reverse_tan(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL,
                      const double *ydbarL, double *grad, double *scratch) {
  reverse_core(a, w, st, ybarL, 0.0, ydbarL, 0.0, grad, scratch);
}

void tnet_input_vjp(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double *dydg,
                    double *scratch) {
  double *ybar = scratch, *zbar = scratch + a->max_nodes;
  for (int o = 0; o < a->nodes[a->n_layers]; ++o) ybar[o] = ybarL[o];
  for (int l = a->n_layers; l >= 1; --l) {
    const int no = a->nodes[l];
    const double *d1 = st + loff(a, l) + no;
    for (int o = 0; o < no; ++o) zbar[o] = d1[o] * ybar[o];
    back_mat(a, w, l, zbar, l == 1 ? dydg : ybar);
  }
}

const double *tnet_outputs(const struct nnmd_ann *a, const double *st) { return st + loff(a, a->n_layers); }

void tnet_reverse_out(const struct nnmd_ann *a, const double *w, const double *st, const double *ybarL, double *grad,
                      double *scratch) {
  const int M = a->max_nodes;
  double *ybar = scratch, *zbar = scratch + 2 * M;
  memcpy(ybar, ybarL, (size_t)a->nodes[a->n_layers] * sizeof(double));
  for (int l = a->n_layers; l >= 1; --l) {
    const int ni = a->nodes[l - 1], no = a->nodes[l];
    const double *d1 = st + loff(a, l) + no;
    const double *yin = st + loff(a, l - 1);
    const double k = knorm(a, l);
    for (int o = 0; o < no; ++o) zbar[o] = d1[o] * ybar[o];
    double *gW = grad + a->w_off[l], *gb = gW + (size_t)ni * no;
    for (int j = 0; j < ni; ++j) {
      double *row = gW + (size_t)j * no;
      const double yj = k * yin[j];
      for (int o = 0; o < no; ++o) row[o] += zbar[o] * yj;
    }
    for (int o = 0; o < no; ++o) gb[o] += k * zbar[o];
    if (l > 1) back_mat(a, w, l, zbar, ybar);
  }
}
