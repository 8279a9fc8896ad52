/* tbec.c — Born-charge model training: channels, predictions, loss and gradient (see
 * tbec.h). The radial functions use the model's cutoff function through descriptor_math.h,
 * as nnp/bec.c does at run time. */
#include "tbec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor_math.h"
#include "mem.h"
#include "tnet.h"

void tbec_chan_free(struct tbec_chan *ch) {
  free(ch->v);
  free(ch->T);
  memset(ch, 0, sizeof *ch);
}

int tbec_channels(const struct nnmd_bec_model *bm, const struct tframe *f, const struct tcache *c,
                  struct tbec_chan *ch, struct nnmd_error *err) {
  const struct nnmd_nnp_model *m = bm->nnp;
  const int K = bm->K, P = bm->P, n = f->n;
  ch->n = n;
  ch->P = P;
  ch->v = nnmd_calloc(3 * (size_t)P * n + 1, sizeof(double), err);
  ch->T = nnmd_calloc(9 * (size_t)P * n + 1, sizeof(double), err);
  if (!ch->v || !ch->T) {
    tbec_chan_free(ch);
    return NNMD_ERR_NOMEM;
  }
  const double rcr = bm->rc_radial, alpha = m->cutoff_alpha;
  for (int i = 0; i < n; ++i) {
    double *v = ch->v + 3 * (size_t)P * i, *T = ch->T + 9 * (size_t)P * i;
    for (size_t q = c->eoff[i]; q < c->eoff[i + 1]; ++q) {
      const double *d = c->ed + 3 * q;
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (!(r2 < rcr * rcr) || r2 == 0.0) continue;
      double r = sqrt(r2), u[3] = {d[0] / r, d[1] / r, d[2] / r}, uu[9];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) uu[3 * a + b] = u[a] * u[b] - (a == b ? 1.0 / 3.0 : 0.0);
      const int s = f->elem[c->eatom[q]];
      for (int a = 0; a < K; ++a) {
        if (!(r < bm->rc[a])) continue;
        double fc, dfc;
        nnmd_nnp_cutoff(m->cutoff_type, r, bm->rc[a], alpha * bm->rc[a], &fc, &dfc);
        double w = exp(-bm->eta[a] * (r - bm->rs[a]) * (r - bm->rs[a])) * fc;
        const int p = s * K + a;
        for (int k = 0; k < 3; ++k) v[3 * p + k] += w * u[k];
        for (int k = 0; k < 9; ++k) T[9 * p + k] += w * uu[k];
      }
    }
  }
  return NNMD_OK;
}

static int reserve(const struct tmodel *t, struct tscratch *s, int n, struct nnmd_error *err) {
  /* the energy scratch holds what the BEC fit needs (state per atom, inputs, tmp); tmp must
     hold the multi-output reverse pass (4 max_nodes) and a seed vector (n_out) */
  const struct nnmd_nnp_model *m = t->m;
  if (s->cap >= n && s->state) return NNMD_OK;
  tscratch_free(s);
  size_t ssz = 0, gsz = 1;
  int mn = 1;
  for (int e = 0; e < m->n_elem; ++e) {
    size_t z = tnet_state_size(&m->ann[e]);
    if (z > ssz) ssz = z;
    if ((size_t)m->n_sf[e] > gsz) gsz = (size_t)m->n_sf[e];
    if (m->ann[e].max_nodes > mn) mn = m->ann[e].max_nodes;
  }
  s->ssz = ssz;
  s->gsz = gsz;
  s->cap = n;
  s->state = nnmd_malloc((size_t)n * ssz * sizeof(double), err);
  s->gs = nnmd_malloc(gsz * sizeof(double), err);
  s->c = nnmd_malloc(gsz * sizeof(double), err);
  s->tmp = nnmd_malloc(6 * (size_t)mn * sizeof(double), err);
  s->res = nnmd_malloc(18 * (size_t)n * sizeof(double) + 1, err);
  if (!s->state || !s->gs || !s->c || !s->tmp || !s->res) {
    tscratch_free(s);
    return NNMD_ERR_NOMEM;
  }
  return NNMD_OK;
}

/* Charge-derivative term (bec.h): with dq_j/dG~ of every atom j (tnet_input_grad, output 0),
 * u_k = sum_s dq_j/dG~_s scale_s dG_js/dd_k for j's entries k (cache Jacobian), and
 * Z_(atom k) -= d_k (x) u_k (engine order, field first). u: 3 x entries scratch. */
static void deriv_add(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                      struct tscratch *s, double *u, double *z) {
  const struct nnmd_nnp_model *m = t->m;
  memset(u, 0, 3 * c->eoff[f->n] * sizeof *u);
  for (int j = 0; j < f->n; ++j) {
    const int ec = f->elem[j];
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    tnet_input_grad(&m->ann[ec], theta + t->poff[ec], s->state + (size_t)j * s->ssz, s->c, s->tmp);
    for (int k = 0; k < m->n_sf[ec]; ++k) {
      const double cs = s->c[k] * sf[k].scale;
      const size_t row = c->goff[j] + (size_t)k;
      for (size_t q = c->joff[row]; q < c->joff[row + 1]; ++q) {
        double *uk = u + 3 * (size_t)c->jent[q];
        const double *jg = c->jg + 3 * q;
        uk[0] += cs * jg[0];
        uk[1] += cs * jg[1];
        uk[2] += cs * jg[2];
      }
    }
    for (size_t k = c->eoff[j]; k < c->eoff[j + 1]; ++k) {
      const double *d = c->ed + 3 * k, *uk = u + 3 * k;
      double *zi = z + 9 * (size_t)c->eatom[k];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) zi[3 * a + b] -= d[a] * uk[b];
    }
  }
}

/* Dipole-derivative term (bec.h, tensor_charge_dipole) of every atom j, after forward_all:
 * X_k = sum_a w_(s K + a) J_a(d_k) and Y_k[alpha] = sum_s A_alpha,s dG_js/dd_k with
 * A_alpha = scale (x) sum_p v^p_alpha dw_p/dG~ (three vector-Jacobian products); atom k of
 * each entry gets X_k + Y_k, j gets -(X_k + Y_k). u: 9 x entries scratch, buf: 3 (n_out +
 * n_sf) doubles. */
static void dipole_add(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta,
                       const struct tframe *f, const struct tcache *c, const struct tbec_chan *ch, struct tscratch *s,
                       double *u, double *buf, double *z) {
  const struct nnmd_nnp_model *m = t->m;
  const int P = bm->P, K = bm->K, no = bm->n_out;
  for (int j = 0; j < f->n; ++j) {
    const int ec = f->elem[j], ns = m->n_sf[ec];
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    const double *st = s->state + (size_t)j * s->ssz, *w = tnet_outputs(&m->ann[ec], st) + bm->dip_off;
    const double *v = ch->v + 3 * (size_t)P * j;
    double *seed = buf, *dg = buf + no;
    const size_t e0 = c->eoff[j], e1 = c->eoff[j + 1];
    memset(u + 9 * e0, 0, 9 * (e1 - e0) * sizeof *u);
    for (int al = 0; al < 3; ++al) {
      memset(seed, 0, (size_t)no * sizeof *seed);
      for (int p = 0; p < P; ++p) seed[bm->dip_off + p] = v[3 * p + al];
      tnet_input_vjp(&m->ann[ec], theta + t->poff[ec], st, seed, dg, s->tmp);
      for (int k = 0; k < ns; ++k) {
        const double cs = dg[k] * sf[k].scale;
        const size_t row = c->goff[j] + (size_t)k;
        for (size_t q = c->joff[row]; q < c->joff[row + 1]; ++q) {
          double *uk = u + 9 * (size_t)c->jent[q] + 3 * al;
          const double *jg = c->jg + 3 * q;
          uk[0] += cs * jg[0];
          uk[1] += cs * jg[1];
          uk[2] += cs * jg[2];
        }
      }
    }
    double *zj = z + 9 * (size_t)j;
    for (size_t k = e0; k < e1; ++k) {
      double J[NNMD_BEC_MAX_RADIAL][9], X[9];
      nnmd_bec_radial_jac(bm, c->ed + 3 * k, J);
      const int sp = f->elem[c->eatom[k]] * K;
      for (int q = 0; q < 9; ++q) {
        X[q] = u[9 * k + q];
        for (int a = 0; a < K; ++a) X[q] += w[sp + a] * J[a][q];
      }
      double *zk = z + 9 * (size_t)c->eatom[k];
      for (int q = 0; q < 9; ++q) {
        zk[q] += X[q];
        zj[q] -= X[q];
      }
    }
  }
}

/* forward every atom, M of each atom into z (field first: Z = M) */
static void forward_all(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta,
                        const struct tframe *f, const struct tcache *c, const struct tbec_chan *ch, struct tscratch *s,
                        double *z) {
  const struct nnmd_nnp_model *m = t->m;
  const int P = bm->P;
  for (int i = 0; i < f->n; ++i) {
    const int ec = f->elem[i];
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    const double *G = c->g + c->goff[i];
    for (int k = 0; k < m->n_sf[ec]; ++k) s->gs[k] = sf[k].smin + sf[k].scale * (G[k] - sf[k].gref);
    double *st = s->state + (size_t)i * s->ssz;
    tnet_forward(&m->ann[ec], theta + t->poff[ec], s->gs, st);
    double M[9];
    nnmd_bec_assemble(P, tnet_outputs(&m->ann[ec], st), ch->v + 3 * (size_t)P * i, ch->T + 9 * (size_t)P * i, M);
    for (int k = 0; k < 9; ++k) z[9 * i + k] = bm->order == NNMD_BEC_FIELD_FIRST ? M[k] : M[3 * (k % 3) + k / 3];
  }
}

int tbec_predict(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta,
                 const struct tframe *f, const struct tcache *c, const struct tbec_chan *ch, struct tscratch *s,
                 double *z, struct nnmd_error *err) {
  int st = reserve(t, s, f->n, err);
  if (st) return st;
  forward_all(t, bm, theta, f, c, ch, s, z);
  if (!bm->deriv) return NNMD_OK;
  double *u = nnmd_malloc(9 * c->eoff[f->n] * sizeof(double) + 3 * (size_t)(bm->n_out + s->gsz) * sizeof(double), err);
  if (!u) return NNMD_ERR_NOMEM;
  deriv_add(t, theta, f, c, s, u, z);
  if (bm->dipole) dipole_add(t, bm, theta, f, c, ch, s, u, u + 9 * c->eoff[f->n], z);
  free(u);
  return NNMD_OK;
}

int tbec_frame(const struct tmodel *t, const struct nnmd_bec_model *bm, const double *theta, const struct tframe *f,
               const struct tcache *c, const struct tbec_chan *ch, double wZ, double N, struct tscratch *s,
               double *grad, double *loss, struct tbec_parts *parts, struct nnmd_error *err) {
  int st = reserve(t, s, f->n, err);
  if (st) return st;
  const int n = f->n, P = bm->P;
  double *z = s->res, *res = s->res + 9 * (size_t)n;
  forward_all(t, bm, theta, f, c, ch, s, z);
  double *u = NULL, *gz = NULL; /* charge-derivative forms: entry vectors, dL/dZ of every atom */
  if (bm->deriv) {
    u = nnmd_malloc(9 * c->eoff[n] * sizeof(double) + 3 * (size_t)(bm->n_out + s->gsz) * sizeof(double), err);
    gz = nnmd_malloc(9 * (size_t)n * sizeof(double) + 1, err);
    if (!u || !gz) {
      free(u);
      free(gz);
      return NNMD_ERR_NOMEM;
    }
    deriv_add(t, theta, f, c, s, u, z);
    if (bm->dipole) dipole_add(t, bm, theta, f, c, ch, s, u, u + 9 * c->eoff[n], z);
  }
  double mz[9] = {0}, mr[9] = {0};
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 9; ++k) {
      mz[k] += z[9 * i + k] / n;
      mr[k] += f->bec[9 * i + k] / n;
    }
  double L = 0.0;
  const double fw = f->weight;
  for (int i = 0; i < n; ++i) {
    double str = 0.0;
    for (int k = 0; k < 9; ++k) {
      const double d = (z[9 * i + k] - mz[k]) - (f->bec[9 * i + k] - mr[k]);
      res[9 * i + k] = d;
      L += d * d;
      if (parts) {
        parts->s_all += d * d;
        parts->n_all += 1;
        parts->s_el[f->elem[i]] += d * d;
        parts->n_el[f->elem[i]] += 1;
        if (k % 4 == 0) {
          parts->s_diag += d * d;
          parts->n_diag += 1;
          str += d;
        } else {
          parts->s_off += d * d;
          parts->n_off += 1;
        }
      }
    }
    if (parts) {
      parts->s_tr += (str / 3) * (str / 3);
      parts->n_tr += 1;
    }
  }
  /* the raw predictions' frame mean (the acoustic-sum-rule violation) is a null direction of
     the ASR-projected loss: a penalty of the same scale, wZ/(9N) n |<Z>|^2, keeps the raw
     model close to the rule so the MD term's correction stays small */
  double a2 = 0.0;
  for (int k = 0; k < 9; ++k) a2 += mz[k] * mz[k];
  L += n * a2;
  if (parts) {
    parts->s_asr += sqrt(a2);
    parts->n_asr += 1;
  }
  if (loss && N > 0) *loss += fw * wZ / (9.0 * N) * L;
  if (!grad || N <= 0) {
    free(u);
    free(gz);
    return NNMD_OK;
  }
  const struct nnmd_nnp_model *m = t->m;
  const int nout = bm->n_out;
  double *seed = malloc(2 * (size_t)nout * sizeof(double)), *seedv = seed + nout;
  if (!seed) {
    free(u);
    free(gz);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  }
  if (gz)
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < 9; ++k) gz[9 * i + k] = fw * 2.0 * wZ / (9.0 * N) * (res[9 * i + k] + mz[k]);
  for (int i = 0; i < n; ++i) {
    const int ec = f->elem[i];
    double g[9]; /* dL/dM (M in the model's order) */
    for (int k = 0; k < 9; ++k) {
      const double gk = fw * 2.0 * wZ / (9.0 * N) * (res[9 * i + k] + mz[k]);
      if (bm->order == NNMD_BEC_FIELD_FIRST) g[k] = gk;
      else g[3 * (k % 3) + k / 3] = gk;
    }
    const double *v = ch->v + 3 * (size_t)P * i, *T = ch->T + 9 * (size_t)P * i;
    seed[0] = g[0] + g[4] + g[8];
    for (int p = 0; p < P; ++p) {
      double sdot = 0.0;
      for (int k = 0; k < 9; ++k) sdot += g[k] * T[9 * p + k];
      seed[1 + p] = sdot;
    }
    /* gv[q] = g v^q, vg . : v^p . (g v^q) */
    double *gv = malloc(3 * (size_t)P * sizeof(double));
    if (!gv) {
      free(seed);
      return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
    }
    for (int q = 0; q < P; ++q)
      for (int a = 0; a < 3; ++a)
        gv[3 * q + a] = g[3 * a] * v[3 * q] + g[3 * a + 1] * v[3 * q + 1] + g[3 * a + 2] * v[3 * q + 2];
    int k = 1 + P;
    for (int p = 0; p < P; ++p)
      for (int q = p; q < P; ++q) {
        double a1 = v[3 * p] * gv[3 * q] + v[3 * p + 1] * gv[3 * q + 1] + v[3 * p + 2] * gv[3 * q + 2];
        double a2 = v[3 * q] * gv[3 * p] + v[3 * q + 1] * gv[3 * p + 1] + v[3 * q + 2] * gv[3 * p + 2];
        seed[k++] = 0.5 * (a1 + a2);
      }
    for (int p = 0; p < P; ++p)
      for (int q = p + 1; q < P; ++q) {
        double a1 = v[3 * p] * gv[3 * q] + v[3 * p + 1] * gv[3 * q + 1] + v[3 * p + 2] * gv[3 * q + 2];
        double a2 = v[3 * q] * gv[3 * p] + v[3 * q + 1] * gv[3 * p + 1] + v[3 * q + 2] * gv[3 * p + 2];
        seed[k++] = 0.5 * (a1 - a2);
      }
    free(gv);
    for (int q = bm->dip_off; q < nout; ++q) seed[q] = 0.0;
    if (bm->dipole) /* dL/dw_p of the direct dipole term: sum over i's entries k of h_k : J_a(d_k) */
      for (size_t k = c->eoff[i]; k < c->eoff[i + 1]; ++k) {
        double J[NNMD_BEC_MAX_RADIAL][9], h[9];
        nnmd_bec_radial_jac(bm, c->ed + 3 * k, J);
        const double *gk = gz + 9 * (size_t)c->eatom[k], *gi = gz + 9 * (size_t)i;
        for (int q = 0; q < 9; ++q) h[q] = gk[q] - gi[q];
        const int sp = bm->dip_off + f->elem[c->eatom[k]] * bm->K;
        for (int a = 0; a < bm->K; ++a) {
          double acc = 0.0;
          for (int q = 0; q < 9; ++q) acc += h[q] * J[a][q];
          seed[sp + a] += acc;
        }
      }
    double *sti = s->state + (size_t)i * s->ssz;
    if (!gz) {
      tnet_reverse_out(&m->ann[ec], theta + t->poff[ec], sti, seed, grad + t->poff[ec], s->tmp);
      continue;
    }
    /* D: dL = -sum_k (g_(atom k)^T d_k) . du_k over i's entries k = tangent of q_i along
       c_s = -scale_s sum_q (g^T d)_(entry q) . dG_s/dd_q, seeded with 1 (double backprop) */
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    for (int k = 0; k < m->n_sf[ec]; ++k) {
      const size_t row = c->goff[i] + (size_t)k;
      double acc = 0.0;
      for (size_t q = c->joff[row]; q < c->joff[row + 1]; ++q) {
        const size_t e = (size_t)c->jent[q];
        const double *d = c->ed + 3 * e, *ga = gz + 9 * (size_t)c->eatom[e], *jg = c->jg + 3 * q;
        for (int b = 0; b < 3; ++b) acc += (ga[b] * d[0] + ga[3 + b] * d[1] + ga[6 + b] * d[2]) * jg[b];
      }
      s->c[k] = -sf[k].scale * acc;
    }
    tnet_tangent(&m->ann[ec], theta + t->poff[ec], s->c, sti);
    tnet_reverse_mix(&m->ann[ec], theta + t->poff[ec], sti, seed, 0.0, 1.0, grad + t->poff[ec], s->tmp);
    if (!bm->dipole) continue;
    /* Y: dL = sum_k h_k : Y_k = sum_alpha sum_p v^p_alpha (tangent of w_p along c^alpha),
       c^alpha_s = scale_s sum_q sum_beta h_(entry q)[alpha][beta] dG_s/dd_q,beta (double backprop,
       one tangent per alpha) */
    for (int al = 0; al < 3; ++al) {
      for (int k = 0; k < m->n_sf[ec]; ++k) {
        const size_t row = c->goff[i] + (size_t)k;
        double acc = 0.0;
        for (size_t q = c->joff[row]; q < c->joff[row + 1]; ++q) {
          const size_t e = (size_t)c->jent[q];
          const double *gk = gz + 9 * (size_t)c->eatom[e] + 3 * al, *gi = gz + 9 * (size_t)i + 3 * al,
                       *jg = c->jg + 3 * q;
          for (int b = 0; b < 3; ++b) acc += (gk[b] - gi[b]) * jg[b];
        }
        s->c[k] = sf[k].scale * acc;
      }
      memset(seedv, 0, (size_t)nout * sizeof *seedv);
      for (int p = 0; p < P; ++p) seedv[bm->dip_off + p] = v[3 * p + al];
      tnet_tangent(&m->ann[ec], theta + t->poff[ec], s->c, sti);
      tnet_reverse_tan(&m->ann[ec], theta + t->poff[ec], sti, NULL, seedv, grad + t->poff[ec], s->tmp);
    }
  }
  free(seed);
  free(u);
  free(gz);
  return NNMD_OK;
}
