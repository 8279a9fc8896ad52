/* descriptor_pairs.c — the angular symmetry-function groups: loops over neighbour pairs.
 *
 * For a central atom and one group, every neighbour j (element e1, inside the group's
 * largest radius) is paired with the run of partners k (element e2; k > j when e1 == e2;
 * all neighbours for weighted groups). The partner run is processed as arrays over k in
 * simple stages so that gcc vectorises each stage (no sums across k inside a stage):
 *   geometry   cos_jk = u_j . u_k; narrow types also r_jk and w = (d_k - d_j) / r_jk
 *   pair radial Q_a(r_jk), Q_a' (narrow types; f_c(r_jk) once per distinct rc)
 *   angular    A_b(cos), dA_b/dcos (exp: integer powers; poly: theta = acos(cos), with
 *              collinear pairs included, see pair_angular)
 * Pass 1 (values): G_s += rho_a(j) * sum_k rho_a(k) Q_a A_b for every member s = (a, b).
 * The pair radial factors Q_a, Q_a' and 1/r_jk of the narrow types (the exp/tanh-heavy part)
 * are written to a per-atom "tape" in pass 1 and read back in pass 2, in the same order;
 * the tape is scratch of the work (O(pairs of one atom)), not a per-atom store.
 * Pass 2 (gradient of sum_s c_s G_s): per partner, X_a = sum_{s in a} c_s A_b and
 * Y_a = sum c_s A_b' give dT/dr_ij, dT/dr_ik, dT/dr_jk, dT/dcos; the chain rule with
 *   d r_ij/d d_j = u_j,  d cos/d d_j = (u_k - cos u_j)/r_ij,  d r_jk/d d_j = -w
 * (and symmetrically for k) accumulates the gradient of every neighbour vector.
 * Sums across k use 8 partial sums (nnmd_desc_sum), so only rounding differs from n2p2.
 */
#include <math.h>

#include "descriptor_kernels.h"
#include "descriptor_math.h"
#include "descriptor_pairs.h"

/* Views into the pair scratch, each array of capacity `cap`. */
struct pbuf {
  size_t cap;
  double *cs, *rjk, *wx, *wy, *wz, *th, *isn, *t1;
  double *fcjk, *dfcjk; /* [max_slot][cap] */
  double *Q, *dQ;       /* narrow types: the current tape block, [n_a][qs] each */
  size_t qs;
  double *irjk;         /* tape: 1/r_jk of the current block */
  double *P;            /* [max_a][cap] */
  double *acc;          /* pass 1: 8 partial sums per member, [max_m][8] */
  double *chi;          /* pass 2, polynomial groups: [2][max_a][17] (narrow, wide) */
  double *A, *dA;       /* [max_b][cap] */
  double *X, *Y;        /* [2][max_a][cap]: narrow members' block first, then wide */
  size_t na;            /* max_a: offset of the wide block in X, Y (x cap) and chi (x 17) */
  double *Dij, *Dik, *Djk, *Dc, *jx, *jy, *jz;
};

size_t nnmd_desc_pair_scratch(const struct nnmd_desc_plan *p) {
  size_t ns = p->max_slot > 0 ? (size_t)p->max_slot : 1;
  size_t na = p->max_a > 0 ? (size_t)p->max_a : 1, nb = p->max_b > 0 ? (size_t)p->max_b : 1;
  size_t nm = p->max_m > 0 ? (size_t)p->max_m : 1;
  return 15 + 2 * ns + 5 * na + 2 * nb + (8 * nm + 34 * na) / 8 + 2;
}

static void pbuf_map(const struct nnmd_desc_plan *p, const struct nnmd_desc_work *w, struct pbuf *b) {
  size_t c = (size_t)w->cap;
  size_t ns = p->max_slot > 0 ? (size_t)p->max_slot : 1;
  size_t na = p->max_a > 0 ? (size_t)p->max_a : 1, nb = p->max_b > 0 ? (size_t)p->max_b : 1;
  double *q = w->pb;
  b->cap = c;
  double **one[] = {&b->cs, &b->rjk, &b->wx, &b->wy, &b->wz, &b->th, &b->isn, &b->t1,
                    &b->Dij, &b->Dik, &b->Djk, &b->Dc, &b->jx, &b->jy, &b->jz};
  for (size_t i = 0; i < sizeof one / sizeof one[0]; ++i) {
    *one[i] = q;
    q += c;
  }
  b->fcjk = q;
  q += ns * c;
  b->dfcjk = q;
  q += ns * c;
  b->Q = b->dQ = b->irjk = NULL;
  b->qs = 0;
  b->P = q;
  q += na * c;
  b->na = na;
  b->X = q;
  q += 2 * na * c;
  b->Y = q;
  q += 2 * na * c;
  b->A = q;
  q += nb * c;
  b->dA = q;
  q += nb * c;
  b->acc = q;
  q += 8 * (size_t)(p->max_m > 0 ? p->max_m : 1);
  b->chi = q;
}

double nnmd_desc_sum(const double *a, int n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[k + l];
  for (; k < n; ++k) s[k & 7] += a[k];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Neighbour ranges of a group: j in [*j0, *j1), partners of j from ks(j) to *k1. */
static void group_ranges(const struct nnmd_desc_group *g, const struct nnmd_desc_work *w, int *j0,
                         int *j1, int *k0, int *k1) {
  if (g->e1 < 0) {
    *j0 = *k0 = 0;
    *j1 = *k1 = w->n;
  } else {
    /* The pair term is symmetric in j <-> k: for two buckets, let j run over the smaller
     * one so the vectorised partner runs are long. */
    int a = g->e1, b = g->e2;
    if (a != b && w->bstart[a + 1] - w->bstart[a] > w->bstart[b + 1] - w->bstart[b]) {
      a = g->e2;
      b = g->e1;
    }
    *j0 = w->bstart[a];
    *j1 = w->bstart[a + 1];
    *k0 = w->bstart[b];
    *k1 = w->bstart[b + 1];
  }
}

/* cos_jk for the partner run; narrow types: pass 1 (need_w = 0) computes r_jk and stores
 * 1/r_jk on the tape, pass 2 (need_w = 1) reads it back and forms w = (d_k - d_j)/r_jk. */
static void geometry(const struct nnmd_desc_work *w, int j, int ks, int nk, int narrow, int need_w,
                     struct pbuf *b) {
  const double ujx = w->ux[j], ujy = w->uy[j], ujz = w->uz[j];
  const double *restrict ux = w->ux + ks, *restrict uy = w->uy + ks, *restrict uz = w->uz + ks;
  double *restrict cs = b->cs;
#pragma GCC ivdep
  for (int k = 0; k < nk; ++k) cs[k] = ujx * ux[k] + ujy * uy[k] + ujz * uz[k];
  if (!narrow) return;
  const double djx = w->dx[j], djy = w->dy[j], djz = w->dz[j];
  const double *restrict dx = w->dx + ks, *restrict dy = w->dy + ks, *restrict dz = w->dz + ks;
  double *restrict rjk = b->rjk, *restrict ir = b->irjk;
  if (!need_w) {
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      double ex = dx[k] - djx, ey = dy[k] - djy, ez = dz[k] - djz;
      double r = nnmd_nnp_sqrt(ex * ex + ey * ey + ez * ez);
      rjk[k] = r;
      ir[k] = 1.0 / r;
    }
    return;
  }
  double *restrict wx = b->wx, *restrict wy = b->wy, *restrict wz = b->wz;
#pragma GCC ivdep
  for (int k = 0; k < nk; ++k) {
    wx[k] = (dx[k] - djx) * ir[k];
    wy[k] = (dy[k] - djy) * ir[k];
    wz[k] = (dz[k] - djz) * ir[k];
  }
}

/* Point the pair buffer at the next tape block: [1/r_jk][Q_a ...][dQ_a ...], nk each. */
static void tape_block(struct nnmd_desc_work *w, const struct nnmd_desc_group *g, int nk, struct pbuf *b) {
  double *t = w->tape + w->tape_pos;
  b->irjk = t;
  b->Q = t + nk;
  b->dQ = t + (size_t)nk * (1 + (size_t)g->n_a);
  b->qs = (size_t)nk;
  w->tape_pos += (size_t)nk * (1 + 2 * (size_t)g->n_a);
}

/* Narrow types (pass 1 only; pass 2 reads the tape): Q_a(r_jk) and dQ_a/dr_jk for every
 * local channel. */
static void pair_radial(const struct nnmd_desc_plan *p, const struct nnmd_desc_elem *E,
                        const struct nnmd_desc_group *g, const struct nnmd_desc_work *w, int ks, int nk,
                        struct pbuf *b) {
  const size_t cap = b->cap;
  const double *restrict rjk = b->rjk;
  if (!g->poly)
    for (int t = 0; t < g->n_slot; ++t) {
      int s = p->gslot[g->s_off + t];
      const double rc = p->slot_rc[E->slot_off + s];
      nnmd_k_cutoff(p->cutoff_type, rjk, nk, rc, p->alpha * rc, b->fcjk + s * cap, b->dfcjk + s * cap);
    }
  for (int a = 0; a < g->n_a; ++a) {
    if (!(p->aflag[g->a_off + a] & NNMD_DESC_A_NARROW)) continue;
    const struct nnmd_desc_chan *ch = &p->chan[E->chan_off + p->achan[g->a_off + a]];
    double *restrict Q = b->Q + a * b->qs, *restrict dQ = b->dQ + a * b->qs, *restrict P = b->P + a * cap;
    const double *restrict rk = w->rho + p->achan[g->a_off + a] * (size_t)w->cap + ks;
    if (g->poly) {
      nnmd_k_compact(ch->core, ch->asym, rjk, w->one, nk, ch->m, ch->iw, Q, dQ);
#pragma GCC ivdep
      for (int k = 0; k < nk; ++k) P[k] = rk[k] * Q[k];
    } else {
      const double eta = ch->eta, rs = ch->rs;
      const double *restrict f = b->fcjk + ch->slot * cap, *restrict df = b->dfcjk + ch->slot * cap;
#pragma GCC ivdep
      for (int k = 0; k < nk; ++k) {
        double t = rjk[k] - rs;
        double ex = nnmd_nnp_exp(-eta * t * t);
        double q = ex * f[k];
        Q[k] = q;
        dQ[k] = ex * (df[k] - 2.0 * eta * t * f[k]);
        P[k] = rk[k] * q;
      }
    }
  }
}

/* out = base^e for integer e >= 0 (repeated squaring, staged over the array). */
static void powi_arr(const double *restrict base, int n, int e, double *restrict out, double *restrict tmp) {
#pragma GCC ivdep
  for (int k = 0; k < n; ++k) out[k] = 1.0;
  if (e <= 0) return;
#pragma GCC ivdep
  for (int k = 0; k < n; ++k) tmp[k] = base[k];
  for (;;) {
    if (e & 1) {
#pragma GCC ivdep
      for (int k = 0; k < n; ++k) out[k] *= tmp[k];
    }
    e >>= 1;
    if (!e) break;
#pragma GCC ivdep
    for (int k = 0; k < n; ++k) tmp[k] *= tmp[k];
  }
}

/* A_b and (if deriv) dA_b/dcos for every angular factor of the group. */
static void pair_angular(const struct nnmd_desc_plan *p, const struct nnmd_desc_group *g, const double *one,
                         int nk, int deriv, struct pbuf *b) {
  const size_t cap = b->cap;
  const double *restrict cs = b->cs;
  if (g->poly) {
    /* theta = acos(cos), cos clamped to [-1, 1]. Unlike n2p2, exactly collinear pairs
     * (|cos| = 1) are NOT skipped: they take the limit value A(0) or A(pi), so G stays
     * continuous (an atom's own images at +-L in a cell thinner than the cutoff are always
     * collinear, and rounding decides whether cos is -1 or -1 + ulp). There grad(cos) = 0,
     * so dA/dcos is set to 0; elsewhere dA/dcos = -C'(theta) / sin(theta) with
     * sin^2 = (1 - cos)(1 + cos), accurate near +-1. */
    double *restrict th = b->th, *restrict isn = b->isn;
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      double c = cs[k];
      double cc = nnmd_nnp_pick(c > 1.0, 1.0, nnmd_nnp_pick(c < -1.0, -1.0, c));
      double s2 = (1.0 - cc) * (1.0 + cc);
      int ok = s2 > 0.0;
      th[k] = nnmd_nnp_acos(cc);
      isn[k] = nnmd_nnp_pick(ok, -1.0 / nnmd_nnp_sqrt(nnmd_nnp_pick(ok, s2, 1.0)), 0.0); /* 0 at cos = +-1 */
    }
    for (int i = 0; i < g->n_b; ++i) {
      const struct nnmd_desc_ang *an = &p->ang[g->b_off + i];
      double *restrict A = b->A + i * cap, *restrict dA = b->dA + i * cap;
      nnmd_k_compact(an->core, 0, th, one, nk, an->m, an->iw, A, dA);
      if (deriv) {
#pragma GCC ivdep
        for (int k = 0; k < nk; ++k) dA[k] *= isn[k];
      }
    }
    return;
  }
  double *restrict base = b->th, *restrict q = b->isn;
  for (int i = 0; i < g->n_b; ++i) {
    const struct nnmd_desc_ang *an = &p->ang[g->b_off + i];
    const double lambda = an->lambda, pref = an->pref, zeta = an->zeta;
    double *restrict A = b->A + i * cap, *restrict dA = b->dA + i * cap;
    if (nnmd_k_angexp(an->izeta, lambda, pref, cs, nk, A, deriv ? dA : NULL)) continue;
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) base[k] = 1.0 + lambda * cs[k];
    if (an->izeta >= 1) {
      powi_arr(base, nk, an->izeta - 1, q, b->t1);
    } else {
      for (int k = 0; k < nk; ++k) q[k] = base[k] > 0.0 ? pow(base[k], zeta - 1.0) : 0.0;
    }
    const double pz = pref * zeta * lambda;
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      int ok = base[k] > 0.0;
      A[k] = nnmd_nnp_pick(ok, pref * q[k] * base[k], 0.0);
      dA[k] = nnmd_nnp_pick(ok, pz * q[k], 0.0);
    }
  }
}

/* acc[0..8) += r * sum_k a[k] b[k] as 8 lane sums (vectorises; no horizontal sum per call). */
static void dot_acc(double *restrict acc, double r, const double *restrict a, const double *restrict b, int n) {
  double s[8];
  for (int l = 0; l < 8; ++l) s[l] = acc[l];
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int l = 0; l < 8; ++l) s[l] = NNMD_NNP_FMA(r * a[k + l], b[k + l], s[l]);
  for (; k < n; ++k) s[k & 7] = NNMD_NNP_FMA(r * a[k], b[k], s[k & 7]);
  for (int l = 0; l < 8; ++l) acc[l] = s[l];
}

void nnmd_desc_group_values(const struct nnmd_desc_plan *p, const struct nnmd_desc_elem *E,
                            const struct nnmd_desc_group *g, struct nnmd_desc_work *w, double *G) {
  struct pbuf b;
  pbuf_map(p, w, &b);
  const size_t cap = b.cap;
  const int same = g->e1 == g->e2;
  int j0, j1, k0, k1;
  group_ranges(g, w, &j0, &j1, &k0, &k1);
  const struct nnmd_desc_member *mem = p->mem + g->m_off;
  const int *ach = p->achan + g->a_off;
  for (int m = 0; m < 8 * g->n_m; ++m) b.acc[m] = 0.0;
  for (int j = j0; j < j1; ++j) {
    if (w->r[j] >= g->rc) continue;
    int ks = same ? j + 1 : k0, nk = k1 - ks;
    if (nk <= 0) continue;
    if (g->narrow) tape_block(w, g, nk, &b);
    geometry(w, j, ks, nk, g->narrow, 0, &b);
    if (g->narrow) pair_radial(p, E, g, w, ks, nk, &b);
    pair_angular(p, g, w->one, nk, 0, &b);
    for (int m = 0; m < g->n_m; ++m) {
      const int a = mem[m].a;
      const double rj = w->rho[ach[a] * cap + j];
      if (rj == 0.0) continue;
      const double *Pa = mem[m].narrow ? b.P + a * cap : w->rho + ach[a] * cap + ks;
      dot_acc(b.acc + 8 * m, rj, Pa, b.A + mem[m].b * cap, nk);
    }
  }
  for (int m = 0; m < g->n_m; ++m) G[mem[m].sf] += nnmd_desc_sum(b.acc + 8 * m, 8);
}

/* X_a = sum_{s in a} c_s A_b(s), Y_a = sum c_s A_b(s)', separately for narrow and wide members. */
static void member_weights(const struct nnmd_desc_group *g, const struct nnmd_desc_member *mem,
                           const double *c, int nk, struct pbuf *b) {
  const size_t cap = b->cap;
  for (int a = 0; a < g->n_a; ++a)
    for (int h = 0; h < 2; ++h) {
      double *restrict X = b->X + (h * b->na + a) * cap, *restrict Y = b->Y + (h * b->na + a) * cap;
      for (int k = 0; k < nk; ++k) X[k] = Y[k] = 0.0;
    }
  for (int m = 0; m < g->n_m; ++m) {
    const double cm = c[mem[m].sf];
    const size_t o = ((mem[m].narrow ? 0 : b->na) + (size_t)mem[m].a) * cap;
    double *restrict X = b->X + o, *restrict Y = b->Y + o;
    const double *restrict A = b->A + mem[m].b * cap, *restrict dA = b->dA + mem[m].b * cap;
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      X[k] += cm * A[k];
      Y[k] += cm * dA[k];
    }
  }
}

/* dT/dr_ij, dT/dr_ik, dT/dr_jk, dT/dcos per partner, summed over the local channels:
 * with XQ = Q X_narrow + X_wide and YQ = Q Y_narrow + Y_wide,
 *   Dij += rho_j' rho_k XQ, Dik += rho_j rho_k' XQ, Djk += rho_j rho_k Q' X_narrow,
 *   Dc += rho_j rho_k YQ. */
static void pair_derivs(const struct nnmd_desc_plan *p, const struct nnmd_desc_group *g,
                        const struct nnmd_desc_work *w, const int *ach, int j, int ks, int nk, struct pbuf *b) {
  const size_t cap = b->cap;
  double *restrict Dij = b->Dij, *restrict Dik = b->Dik, *restrict Djk = b->Djk, *restrict Dc = b->Dc;
#pragma GCC ivdep
  for (int k = 0; k < nk; ++k) Dij[k] = Dik[k] = Djk[k] = Dc[k] = 0.0;
  for (int a = 0; a < g->n_a; ++a) {
    const double rj = w->rho[ach[a] * cap + j], drj = w->drho[ach[a] * cap + j];
    if (rj == 0.0 && drj == 0.0) continue;
    const int fl = p->aflag[g->a_off + a];
    const double *restrict rk = w->rho + ach[a] * cap + ks, *restrict drk = w->drho + ach[a] * cap + ks;
    const double *restrict Xn = b->X + a * cap, *restrict Yn = b->Y + a * cap;
    const double *restrict Xw = b->X + (b->na + a) * cap, *restrict Yw = b->Y + (b->na + a) * cap;
    if (fl & NNMD_DESC_A_NARROW) {
      const double *restrict Q = b->Q + a * b->qs, *restrict dQ = b->dQ + a * b->qs;
      const double wide = (fl & NNMD_DESC_A_WIDE) ? 1.0 : 0.0;
#pragma GCC ivdep
      for (int k = 0; k < nk; ++k) {
        double xq = NNMD_NNP_FMA(Xn[k], Q[k], wide * Xw[k]), yq = NNMD_NNP_FMA(Yn[k], Q[k], wide * Yw[k]);
        double rr = rj * rk[k];
        Dij[k] += drj * rk[k] * xq;
        Dik[k] += rj * drk[k] * xq;
        Djk[k] += rr * dQ[k] * Xn[k];
        Dc[k] += rr * yq;
      }
    } else {
#pragma GCC ivdep
      for (int k = 0; k < nk; ++k) {
        Dij[k] += drj * rk[k] * Xw[k];
        Dik[k] += rj * drk[k] * Xw[k];
        Dc[k] += rj * rk[k] * Yw[k];
      }
    }
  }
}

/* Chain rule to the neighbour vectors; partners accumulate directly, j via partial sums. */
static void pair_chain(struct nnmd_desc_work *w, int j, int ks, int nk, int narrow, struct pbuf *b) {
  const double ujx = w->ux[j], ujy = w->uy[j], ujz = w->uz[j], irj = 1.0 / w->r[j];
  const double *restrict ux = w->ux + ks, *restrict uy = w->uy + ks, *restrict uz = w->uz + ks;
  const double *restrict rr = w->r + ks, *restrict cs = b->cs, *restrict Dc = b->Dc;
  const double *restrict Dik = b->Dik, *restrict Djk = b->Djk;
  const double *restrict wx = b->wx, *restrict wy = b->wy, *restrict wz = b->wz;
  double *restrict gx = w->gx + ks, *restrict gy = w->gy + ks, *restrict gz = w->gz + ks;
  double *restrict gr = w->grad_r + ks;
  double *restrict jx = b->jx, *restrict jy = b->jy, *restrict jz = b->jz;
  if (narrow) {
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      double c = cs[k], aj = Dc[k] * irj, ak = Dc[k] / rr[k], q = Djk[k];
      jx[k] = aj * (ux[k] - c * ujx) - q * wx[k];
      jy[k] = aj * (uy[k] - c * ujy) - q * wy[k];
      jz[k] = aj * (uz[k] - c * ujz) - q * wz[k];
      gx[k] += ak * (ujx - c * ux[k]) + q * wx[k];
      gy[k] += ak * (ujy - c * uy[k]) + q * wy[k];
      gz[k] += ak * (ujz - c * uz[k]) + q * wz[k];
      gr[k] += Dik[k];
    }
  } else {
#pragma GCC ivdep
    for (int k = 0; k < nk; ++k) {
      double c = cs[k], aj = Dc[k] * irj, ak = Dc[k] / rr[k];
      jx[k] = aj * (ux[k] - c * ujx);
      jy[k] = aj * (uy[k] - c * ujy);
      jz[k] = aj * (uz[k] - c * ujz);
      gx[k] += ak * (ujx - c * ux[k]);
      gy[k] += ak * (ujy - c * uy[k]);
      gz[k] += ak * (ujz - c * uz[k]);
      gr[k] += Dik[k];
    }
  }
  w->grad_r[j] += nnmd_desc_sum(b->Dij, nk);
  w->gx[j] += nnmd_desc_sum(jx, nk);
  w->gy[j] += nnmd_desc_sum(jy, nk);
  w->gz[j] += nnmd_desc_sum(jz, nk);
}

/* chi[h][a][q]: coefficient of cos^q in sum_{s in a} c_s 2^(1-zeta) (1 + lambda cos)^zeta,
 * h = 0 for the narrow members, 1 for the wide ones. */
static void poly_coefficients(const struct nnmd_desc_plan *p, const struct nnmd_desc_group *g,
                              const struct nnmd_desc_member *mem, const double *c, size_t na, double *chi) {
  for (size_t i = 0; i < 34 * na; ++i) chi[i] = 0.0;
  for (int m = 0; m < g->n_m; ++m) {
    const struct nnmd_desc_ang *an = &p->ang[g->b_off + mem[m].b];
    double t = c[mem[m].sf] * an->pref; /* binom(zeta, q) lambda^q, q = 0.. */
    double *ch = chi + 17 * ((mem[m].narrow ? 0 : na) + (size_t)mem[m].a);
    for (int q = 0; q <= an->izeta; ++q) {
      ch[q] += t;
      t = t * (double)(an->izeta - q) / (double)(q + 1) * an->lambda;
    }
  }
}

void nnmd_desc_group_gradient(const struct nnmd_desc_plan *p, const struct nnmd_desc_elem *E,
                              const struct nnmd_desc_group *g, struct nnmd_desc_work *w,
                              const double *c) {
  (void)E; /* pair radial factors come from the tape */
  struct pbuf b;
  pbuf_map(p, w, &b);
  const int same = g->e1 == g->e2;
  int j0, j1, k0, k1;
  group_ranges(g, w, &j0, &j1, &k0, &k1);
  const struct nnmd_desc_member *mem = p->mem + g->m_off;
  const int *ach = p->achan + g->a_off;
  if (g->pdeg > 0) poly_coefficients(p, g, mem, c, b.na, b.chi);
  for (int j = j0; j < j1; ++j) {
    if (w->r[j] >= g->rc) continue;
    int ks = same ? j + 1 : k0, nk = k1 - ks;
    if (nk <= 0) continue;
    if (g->narrow) tape_block(w, g, nk, &b);
    geometry(w, j, ks, nk, g->narrow, 1, &b);
    if (g->pdeg > 0) {
      for (int a = 0; a < g->n_a; ++a) {
        const int fl = p->aflag[g->a_off + a];
        for (int h = 0; h < 2; ++h)
          if (fl & (h ? NNMD_DESC_A_WIDE : NNMD_DESC_A_NARROW)) {
            size_t o = h * b.na + (size_t)a;
            nnmd_k_horner(g->pdeg, b.chi + 17 * o, b.cs, nk, b.X + o * b.cap, b.Y + o * b.cap);
          }
      }
    } else {
      pair_angular(p, g, w->one, nk, 1, &b);
      member_weights(g, mem, c, nk, &b);
    }
    pair_derivs(p, g, w, ach, j, ks, nk, &b);
    pair_chain(w, j, ks, nk, g->narrow, &b);
  }
}
