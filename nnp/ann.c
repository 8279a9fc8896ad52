/* ann.c — dense networks: forward pass and dy/dG by back-propagation (see ann.h).
 *
 * Forward: y_0 = G; x_l = k_l (W_l y_(l-1) + b_l); y_l = f_l(x_l), keeping f_l'(x_l).
 * Backward: D_L = f_L'(x_L); D_(l-1) = f_(l-1)'(x_(l-1)) * W_l^T (k_l D_l);
 * dy/dG = W_1^T (k_1 D_1). Both passes are written as contiguous axpy loops over the
 * weight layout of ann.h so that they vectorise without reassociating sums.
 */
#include "ann.h"

#include <stdlib.h>
#include <string.h>

#include "ann_math.h"
#include "mem.h"

size_t nnmd_ann_setup(struct nnmd_ann *a, int n_in, int n_hidden, const int *hidden_nodes,
                      const char *acts, bool normalize) {
  memset(a, 0, sizeof *a);
  a->n_layers = n_hidden + 1;
  a->nodes[0] = n_in;
  for (int l = 1; l <= n_hidden; ++l) a->nodes[l] = hidden_nodes[l - 1];
  a->nodes[a->n_layers] = 1;
  for (int l = 1; l <= a->n_layers; ++l) a->act[l] = acts[l - 1];
  a->act[0] = 'l';
  a->normalize = normalize;
  size_t off = 0, toff = 0;
  a->max_nodes = n_in;
  for (int l = 1; l <= a->n_layers; ++l) {
    a->w_off[l] = off;
    a->wt_off[l] = toff;
    off += (size_t)(a->nodes[l - 1] + 1) * (size_t)a->nodes[l];
    toff += (size_t)a->nodes[l - 1] * (size_t)a->nodes[l];
    if (a->nodes[l] > a->max_nodes) a->max_nodes = a->nodes[l];
  }
  a->n_params = off;
  return off;
}

int nnmd_ann_alloc(struct nnmd_ann *a, struct nnmd_error *err) {
  size_t n_w = 0;
  for (int l = 1; l <= a->n_layers; ++l) n_w += (size_t)a->nodes[l - 1] * (size_t)a->nodes[l];
  a->w = nnmd_calloc(a->n_params, sizeof(double), err);
  a->wt = nnmd_calloc(n_w, sizeof(double), err);
  if (!a->w || !a->wt) {
    nnmd_ann_free(a);
    return NNMD_ERR_NOMEM;
  }
  return NNMD_OK;
}

void nnmd_ann_finish(struct nnmd_ann *a) {
  for (int l = 1; l <= a->n_layers; ++l) {
    int np = a->nodes[l - 1], nl = a->nodes[l];
    const double *w = a->w + a->w_off[l];
    double *wt = a->wt + a->wt_off[l];
    for (int j = 0; j < np; ++j)
      for (int k = 0; k < nl; ++k) wt[(size_t)k * np + j] = w[(size_t)j * nl + k];
  }
}

void nnmd_ann_free(struct nnmd_ann *a) {
  free(a->w);
  free(a->wt);
  a->w = a->wt = NULL;
}

size_t nnmd_ann_scratch_size(const struct nnmd_ann *a) {
  size_t n = 0;
  for (int l = 1; l <= a->n_layers; ++l) n += 2 * (size_t)a->nodes[l];
  return n + 2 * (size_t)a->max_nodes;
}

/* x[0..nl) = k (W y + b) with W source-major. */
static void layer_forward(const double *restrict w, const double *restrict y, int np, int nl,
                          double kfac, double *restrict x) {
  const double *b = w + (size_t)np * nl;
  for (int k = 0; k < nl; ++k) x[k] = 0.0;
  for (int j = 0; j < np; ++j) {
    const double yj = y[j];
    const double *wj = w + (size_t)j * nl;
    for (int k = 0; k < nl; ++k) x[k] += wj[k] * yj;
  }
  for (int k = 0; k < nl; ++k) x[k] = (x[k] + b[k]) * kfac;
}

/* e[0..np) = W^T d with W stored target-major (wt[k*np + j]). */
static void layer_backward(const double *restrict wt, const double *restrict d, int np, int nl,
                           double *restrict e) {
  for (int j = 0; j < np; ++j) e[j] = 0.0;
  for (int k = 0; k < nl; ++k) {
    const double dk = d[k];
    const double *wk = wt + (size_t)k * np;
    for (int j = 0; j < np; ++j) e[j] += wk[j] * dk;
  }
}

/* Lay out ys[l], ds[l] (values, f') of layers 1..L in scratch and run the forward pass;
 * returns the 2 max_nodes doubles after them (the backward work area). */
static double *forward_keep(const struct nnmd_ann *a, const double *g, double **ys, double **ds, double *scratch) {
  const int L = a->n_layers;
  double *p = scratch;
  for (int l = 1; l <= L; ++l) {
    ys[l] = p;
    p += a->nodes[l];
    ds[l] = p;
    p += a->nodes[l];
  }
  const double *yprev = g;
  for (int l = 1; l <= L; ++l) {
    int np = a->nodes[l - 1], nl = a->nodes[l];
    double kfac = a->normalize ? 1.0 / np : 1.0;
    double *x = ys[l];
    layer_forward(a->w + a->w_off[l], yprev, np, nl, kfac, x);
    const char act = a->act[l];
    for (int k = 0; k < nl; ++k) x[k] = nnmd_ann_act(act, x[k], &ds[l][k]);
    yprev = x;
  }
  return p;
}

/* Walk back from d = f_L'(x_L) * seed (in work[0..max_nodes)) to dy/dG in dy. */
static void backward(const struct nnmd_ann *a, double *const *ds, double *work, double *dy) {
  double *d = work, *e2 = work + a->max_nodes;
  for (int l = a->n_layers; l >= 1; --l) {
    int np = a->nodes[l - 1], nl = a->nodes[l];
    if (a->normalize) {
      double kfac = 1.0 / np;
      for (int k = 0; k < nl; ++k) d[k] *= kfac;
    }
    double *out = l == 1 ? dy : e2;
    layer_backward(a->wt + a->wt_off[l], d, np, nl, out);
    if (l == 1) break;
    const double *dprev = ds[l - 1];
    for (int j = 0; j < np; ++j) out[j] *= dprev[j];
    double *t = d;
    d = e2;
    e2 = t;
  }
}

double nnmd_ann_eval(const struct nnmd_ann *a, const double *g, double *dy, double *scratch) {
  const int L = a->n_layers;
  double *ys[NNMD_ANN_MAX_LAYERS + 1] = {NULL}, *ds[NNMD_ANN_MAX_LAYERS + 1] = {NULL};
  double *work = forward_keep(a, g, ys, ds, scratch);
  double energy = ys[L][0];
  if (!dy) return energy;
  work[0] = ds[L][0];
  for (int k = 1; k < a->nodes[L]; ++k) work[k] = 0.0; /* multi-output networks: dy_0/dG */
  backward(a, ds, work, dy);
  return energy;
}

void nnmd_ann_vjp(const struct nnmd_ann *a, const double *g, int nseed, const double *seeds, double *out,
                  double *dydg, double *scratch) {
  const int L = a->n_layers, n_in = a->nodes[0], n_out = a->nodes[L];
  double *ys[NNMD_ANN_MAX_LAYERS + 1] = {NULL}, *ds[NNMD_ANN_MAX_LAYERS + 1] = {NULL};
  double *work = forward_keep(a, g, ys, ds, scratch);
  if (out) memcpy(out, ys[L], (size_t)n_out * sizeof *out);
  for (int r = 0; r < nseed; ++r) {
    const double *sd = seeds + (size_t)r * n_out;
    for (int k = 0; k < n_out; ++k) work[k] = ds[L][k] * sd[k];
    backward(a, ds, work, dydg + (size_t)r * n_in);
  }
}

void nnmd_ann_set_outputs(struct nnmd_ann *a, int n_out) {
  a->nodes[a->n_layers] = n_out;
  size_t off = 0, toff = 0;
  a->max_nodes = a->nodes[0];
  for (int l = 1; l <= a->n_layers; ++l) {
    a->w_off[l] = off;
    a->wt_off[l] = toff;
    off += (size_t)(a->nodes[l - 1] + 1) * (size_t)a->nodes[l];
    toff += (size_t)a->nodes[l - 1] * (size_t)a->nodes[l];
    if (a->nodes[l] > a->max_nodes) a->max_nodes = a->nodes[l];
  }
  a->n_params = off;
}

void nnmd_ann_forward(const struct nnmd_ann *a, const double *g, double *out, double *scratch) {
  const int L = a->n_layers;
  double *x = scratch, *xn = scratch + a->max_nodes, dummy;
  const double *yprev = g;
  for (int l = 1; l <= L; ++l) {
    int np = a->nodes[l - 1], nl = a->nodes[l];
    double *dst = l == L ? out : x;
    layer_forward(a->w + a->w_off[l], yprev, np, nl, a->normalize ? 1.0 / np : 1.0, dst);
    const char act = a->act[l];
    for (int k = 0; k < nl; ++k) dst[k] = nnmd_ann_act(act, dst[k], &dummy);
    yprev = dst;
    double *t = x;
    x = xn;
    xn = t;
  }
}
