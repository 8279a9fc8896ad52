/* hdnnp_gpu.cu — HDNNP kernels (see hdnnp_gpu.h for the algorithm, hdnnp_gpu_kern.h for the
 * data layout) and their launchers. One thread per owned atom; every kernel body is a
 * __host__ __device__ per-atom function, templated on the working precision T (double, or
 * float for "mixed"), so the same code also runs on the host in emulation mode.
 *
 * Formulas come only from descriptor_math.h / ann_math.h (nnmd_nnp_* in double, nnmd_nnpf_*
 * in float); the thin overloads below pick the instantiation for T.
 *
 * Per atom i (element ec), with its filtered neighbours q in element buckets:
 *   descriptors: for each chunk of SFs (same loop): radial  G_s = sum_q Z? rho_s(r_q);
 *     angular G_s = sum_{pairs j<k} rho_s(r_j) rho_s(r_k) [Q_s(r_jk)] A_s(cos) (rho includes
 *     Z_j for the weighted types; Q_s is the same radial function without Z);
 *   forces, for each neighbour q: g_q = sum_s c_s dG_s/dd_q with
 *     radial   c Z? rho'(r_q) u_q,
 *     angular  sum_{k != q} c [rho'_q rho_k Q A u_q + rho_q rho_k Q A' (u_k - cos u_q)/r_q
 *                              - rho_q rho_k Q' A (d_k - d_q)/r_qk],
 *     then F_q -= g_q ff, F_i += g_q ff (double atomics), W -= d_q (x) g_q.
 * The pair terms are evaluated twice in pass 2 (from either end), which costs flops but
 * stores nothing per pair.
 */
#include <cuda_runtime.h>
#include <float.h>
#include <math.h>

#include "ann_math.h"
#include "descriptor_math.h"
#include "device.h"
#include "hdnnp_gpu.h"
#include "hdnnp_gpu_kern.h"

#define HD NNMD_HD
#ifdef __CUDA_ARCH__ /* the host pass (emulation) does not know the pragma */
#define UNROLL _Pragma("unroll")
#else
#define UNROLL
#endif
typedef struct nnmd_gpu_model GM;
typedef struct nnmd_gpu_frame GF;

/* Accumulation type of sums over neighbours and pairs: T in double mode; in mixed mode
 * float terms are summed in double (G has thousands of positive terms; the force sums
 * cancel strongly). */
template <typename T> struct acc_of { typedef double type; };

/* ---- the shared formulas, by precision ---------------------------------------------- */
static HD inline void m_cutoff(int t, double r, double rc, double ri, double *f, double *df) {
  nnmd_nnp_cutoff(t, r, rc, ri, f, df);
}
static HD inline void m_cutoff(int t, float r, float rc, float ri, float *f, float *df) {
  nnmd_nnpf_cutoff(t, r, rc, ri, f, df);
}
static HD inline void m_compact(int c, int a, double v, double m, double iw, double *x, double *dx) {
  nnmd_nnp_compact(c, a, v, m, iw, x, dx);
}
static HD inline void m_compact(int c, int a, float v, float m, float iw, float *x, float *dx) {
  nnmd_nnpf_compact(c, a, v, m, iw, x, dx);
}
static HD inline void m_angexp(double c, double l, double z, int iz, double p, double *a, double *da) {
  nnmd_nnp_angular_exp(c, l, z, iz, p, a, da);
}
static HD inline void m_angexp(float c, float l, float z, int iz, float p, float *a, float *da) {
  nnmd_nnpf_angular_exp(c, l, z, iz, p, a, da);
}
static HD inline void m_radexp(double e, double rs, double r, double f, double df, double *v, double *dv) {
  nnmd_nnp_radial_exp(e, rs, r, f, df, v, dv);
}
static HD inline void m_radexp(float e, float rs, float r, float f, float df, float *v, float *dv) {
  nnmd_nnpf_radial_exp(e, rs, r, f, df, v, dv);
}
static HD inline void m_polar(double s, double c, double *th, double *isn) { nnmd_nnp_polar_sc(s, c, th, isn); }
static HD inline void m_polar(float s, float c, float *th, float *isn) { nnmd_nnpf_polar_sc(s, c, th, isn); }
static HD inline double m_act(char a, double x, double *d) { return nnmd_ann_act(a, x, d); }
static HD inline double m_sqrt(double x) { return sqrt(x); }
static HD inline float m_sqrt(float x) { return sqrtf(x); }

/* SF parameters in T (hdnnp_gpu_kern.h) */
template <typename T> struct sf_of;
template <> struct sf_of<double> { typedef struct nnmd_gsf type; };
template <> struct sf_of<float> { typedef struct nnmd_gsf_f type; };

/* ---- atomics (plain operations in host emulation, which is sequential) ------------------ */
static HD inline void add_f64(double *p, double v) {
#ifdef __CUDA_ARCH__
  atomicAdd(p, v);
#else
  *p += v;
#endif
}

static HD inline unsigned long long inc_u64(unsigned long long *p) {
#ifdef __CUDA_ARCH__
  return atomicAdd(p, 1ull);
#else
  return (*p)++;
#endif
}

static HD inline void max_i32(int *p, int v) {
#ifdef __CUDA_ARCH__
  atomicMax(p, v);
#else
  if (v > *p) *p = v;
#endif
}

static HD inline void warn(const GF &f, long long i, int e, int s, double v) {
  unsigned long long k = inc_u64(f.warn);
  if (k < NNMD_GPU_WARN_REC) {
    f.wrec[k].atom = i;
    f.wrec[k].elem = e;
    f.wrec[k].sf = s;
    f.wrec[k].value = v;
  }
}

/* ---- radial channel and angular factor of one SF ---------------------------------------- */
/* rho(r) and rho'(r) without the Z weight: compact window, or exp(-eta (r-rs)^2) f_c(r). */
template <typename T, typename S>
static HD inline void chan(const S &p, int poly, int cut, T r, T *v, T *dv) {
  if (poly) {
    m_compact(p.core, p.asym, r, p.rm, p.riw, v, dv);
  } else {
    T fc, dfc;
    m_cutoff(cut, r, p.rc, p.ri, &fc, &dfc);
    m_radexp(p.eta, p.rs, r, fc, dfc, v, dv);
  }
}

/* A(cos) and dA/dcos: (1 + lambda cos)^zeta form, or the compact window in theta. */
template <typename T, typename S>
static HD inline void angf(const S &p, int poly, T c, T th, T isn, T *a, T *da) {
  if (poly) {
    T dc;
    m_compact(p.acore, 0, th, p.am, p.aiw, a, &dc);
    *da = dc * isn;
  } else {
    m_angexp(c, p.lambda, p.zeta, p.izeta, p.pref, a, da);
  }
}

/* ---- neighbours: count and fill (filtered, bucketed, neighbour-major) ------------------ */
static HD inline void atom_count(const GM &m, const GF &f, long long i) {
  const long long n = f.n_local, N = f.stride;
  const int ec = f.type_elem[f.type[i]];
  const double rc2 = m.rc[ec] * m.rc[ec], xi = f.x[i], yi = f.x[N + i], zi = f.x[2 * N + i];
  int cnt[NNMD_GPU_MAX_ELEM];
  for (int e = 0; e < m.n_elem; ++e) cnt[e] = 0;
  const int *row = f.raw_idx + i * (long long)f.max_neigh;
  for (int k = 0; k < f.raw_count[i]; ++k) {
    const int j = row[k];
    double dx = (f.x[j] - xi) * m.cfl, dy = (f.x[N + j] - yi) * m.cfl, dz = (f.x[2 * N + j] - zi) * m.cfl;
    if (dx * dx + dy * dy + dz * dz < rc2) cnt[f.type_elem[f.type[j]]]++;
  }
  int tot = 0;
  for (int e = 0; e < m.n_elem; ++e) {
    f.bstart[e * n + i] = cnt[e];
    tot += cnt[e];
  }
  f.bstart[m.n_elem * n + i] = tot;
  max_i32(f.maxcnt, tot);
}

template <typename T> static HD inline void atom_fill(const GM &m, const GF &f, long long i) {
  const long long n = f.n_local, N = f.stride, K = (long long)f.cap * n;
  const int ec = f.type_elem[f.type[i]];
  const double rc2 = m.rc[ec] * m.rc[ec], xi = f.x[i], yi = f.x[N + i], zi = f.x[2 * N + i];
  int pos[NNMD_GPU_MAX_ELEM];
  int s = 0;
  for (int e = 0; e < m.n_elem; ++e) {
    int c = f.bstart[e * n + i];
    f.bstart[e * n + i] = pos[e] = s;
    s += c;
  }
  T *nd = (T *)f.nd;
  const int *row = f.raw_idx + i * (long long)f.max_neigh;
  for (int k = 0; k < f.raw_count[i]; ++k) {
    const int j = row[k];
    double dx = (f.x[j] - xi) * m.cfl, dy = (f.x[N + j] - yi) * m.cfl, dz = (f.x[2 * N + j] - zi) * m.cfl;
    double r2 = dx * dx + dy * dy + dz * dz;
    if (!(r2 < rc2)) continue;
    const long long q = pos[f.type_elem[f.type[j]]]++ * n + i;
    f.nb[q] = j;
    nd[q] = (T)dx;
    nd[K + q] = (T)dy;
    nd[2 * K + q] = (T)dz;
    nd[3 * K + q] = (T)sqrt(r2);
  }
}

/* ---- pass 1: descriptors, extrapolation check, scaling ---------------------------------- */
template <typename T> static HD void atom_desc(const GM &m, const GF &f, long long i) {
  typedef typename acc_of<T>::type A;
  typedef typename sf_of<T>::type S;
  const long long n = f.n_local, K = (long long)f.cap * n;
  const int ec = f.type_elem[f.type[i]], cut = m.cutoff_type, ne = m.n_elem;
  int bs[NNMD_GPU_MAX_ELEM + 1];
  for (int e = 0; e <= ne; ++e) bs[e] = f.bstart[e * n + i];
  const T *ndx = (const T *)f.nd, *ndy = ndx + K, *ndz = ndx + 2 * K, *nr = ndx + 3 * K;
  const S *sfe = (const S *)m.sf + m.sf_off[ec];
  T *g = (T *)f.g;
  for (int c = 0; c < m.n_ch[ec]; ++c) {
    const struct nnmd_gchunk &ch = m.ch[m.ch_off[ec] + c];
    const int nm = ch.n_m, poly = ch.poly;
    const T rc = (T)ch.rc;
    const S *p[NNMD_GPU_CHUNK];
    A acc[NNMD_GPU_CHUNK];
UNROLL
    for (int u = 0; u < NNMD_GPU_CHUNK; ++u) {
      p[u] = sfe + ch.sf[u < nm ? u : 0];
      acc[u] = (A)0;
    }
    if (!ch.angular) {
      const int e0 = ch.weighted ? 0 : ch.e1, e1 = ch.weighted ? ne : ch.e1 + 1;
      for (int e = e0; e < e1; ++e) {
        const T z = ch.weighted ? (T)m.z[e] : (T)1;
        for (int q = bs[e]; q < bs[e + 1]; ++q) {
          const T r = nr[q * n + i];
          if (r >= rc) continue;
UNROLL
          for (int u = 0; u < NNMD_GPU_CHUNK; ++u)
            if (u < nm) {
              T v, dv;
              chan(*p[u], poly, cut, r, &v, &dv);
              acc[u] += (A)(z * v);
            }
        }
      }
    } else {
      const int same = ch.weighted || ch.e1 == ch.e2;
      const int ja = ch.weighted ? 0 : bs[ch.e1], jb = ch.weighted ? bs[ne] : bs[ch.e1 + 1];
      const int kb = same ? jb : bs[ch.e2 + 1];
      int ej = ch.weighted ? 0 : ch.e1;
      for (int j = ja; j < jb; ++j) {
        while (ch.weighted && j >= bs[ej + 1]) ++ej;
        const long long qj = j * n + i;
        const T rj = nr[qj];
        if (rj >= rc) continue;
        const T irj = (T)1 / rj, ujx = ndx[qj] * irj, ujy = ndy[qj] * irj, ujz = ndz[qj] * irj;
        const T zj = ch.weighted ? (T)m.z[ej] : (T)1;
        T rhoj[NNMD_GPU_CHUNK];
UNROLL
        for (int u = 0; u < NNMD_GPU_CHUNK; ++u) {
          T v = (T)0, dv;
          if (u < nm) chan(*p[u], poly, cut, rj, &v, &dv);
          rhoj[u] = zj * v;
        }
        const int k0 = same ? j + 1 : bs[ch.e2];
        int ek = ch.weighted ? ej : ch.e2;
        T zk = ch.weighted ? (T)m.z[ek] : (T)1;
        for (int k = k0; k < kb; ++k) {
          if (ch.weighted && k >= bs[ek + 1]) {
            while (k >= bs[ek + 1]) ++ek;
            zk = (T)m.z[ek];
          }
          const long long qk = k * n + i;
          const T rk = nr[qk];
          if (rk >= rc) continue;
          const T irk = (T)1 / rk, ukx = ndx[qk] * irk, uky = ndy[qk] * irk, ukz = ndz[qk] * irk;
          const T cs = ujx * ukx + ujy * uky + ujz * ukz;
          T th = (T)0, isn = (T)0, rjk = (T)0;
          if (poly) {
            const T wx = ujy * ukz - ujz * uky, wy = ujz * ukx - ujx * ukz, wz = ujx * uky - ujy * ukx;
            m_polar(m_sqrt(wx * wx + wy * wy + wz * wz), cs, &th, &isn);
          }
          if (ch.narrow) {
            const T ex = ndx[qk] - ndx[qj], ey = ndy[qk] - ndy[qj], ez = ndz[qk] - ndz[qj];
            rjk = m_sqrt(ex * ex + ey * ey + ez * ez);
          }
UNROLL
          for (int u = 0; u < NNMD_GPU_CHUNK; ++u)
            if (u < nm && rhoj[u] != (T)0) {
              T vk, dv, qv = (T)1, a, da;
              chan(*p[u], poly, cut, rk, &vk, &dv);
              if (p[u]->narrow) chan(*p[u], poly, cut, rjk, &qv, &dv);
              angf(*p[u], poly, cs, th, isn, &a, &da);
              acc[u] += (A)(rhoj[u] * (zk * vk) * qv * a);
            }
        }
      }
    }
    for (int u = 0; u < nm; ++u) {
      const int s = ch.sf[u];
      const S &q = sfe[s];
      const double G = (double)acc[u];
      const double tol = m.ext_tol * fmax(1.0, fmax(fabs(q.gmin), fabs(q.gmax)));
      if (G + tol < q.gmin || G - tol > q.gmax) warn(f, i, ec, s, G);
      g[s * n + i] = q.smin + q.scale * ((T)acc[u] - q.gref);
    }
  }
}

/* ---- network: forward, backward, c = dE/dG -------------------------------------------- */
/* The network runs in double in both modes (T = double here; TG is the descriptor type):
 * it is < 1% of the flops, and in float it dominated the mixed-precision force error of
 * small-network models (LJ dimer: 2.7e-5 rms -> 3e-7). */
template <typename TG> static HD double atom_ann(const GM &m, const GF &f, long long i, double *dedq) {
  typedef double T;
  typedef typename sf_of<TG>::type S;
  const long long n = f.n_local;
  const int ec = f.type_elem[f.type[i]], nsf = m.n_sf[ec];
  const struct nnmd_gnet &net = m.net[ec];
  const T *w = m.w, *wt = m.wt;
  TG *g = (TG *)f.g;
  const T qin = m.qin[ec];
  const int L = net.n_layers;
  T buf[NNMD_GPU_ANN_BUF];
  int off[NNMD_GPU_MAX_LAYERS + 1];
  const T *yprev = NULL;
  int o = 0;
  for (int l = 1; l <= L; ++l) {
    const int np = net.nodes[l - 1], nl = net.nodes[l];
    const T kf = net.normalize ? (T)1 / (T)np : (T)1;
    const T *wl = w + net.w_off[l], *wtl = wt + net.wt_off[l];
    off[l] = o;
    T *y = buf + o, *d = buf + o + nl;
    for (int k = 0; k < nl; ++k) {
      T x = (T)0;
      const T *wk = wtl + (long long)k * np;
      if (l == 1)
        for (int j = 0; j < np; ++j) x += wk[j] * (j < nsf ? g[j * n + i] : qin);
      else
        for (int j = 0; j < np; ++j) x += wk[j] * yprev[j];
      x = (x + wl[(long long)np * nl + k]) * kf;
      y[k] = m_act(net.act[l], x, &d[k]);
    }
    yprev = y;
    o += 2 * nl;
  }
  const double e = (double)yprev[0] * m.ice + m.mean_energy + m.e0[ec];
  /* backward: d_l (in place of f'(x_l)) = f'(x_l) * W_(l+1)^T (k d_(l+1)); layer 1 gives dy/dG~ */
  const S *sfe = (const S *)m.sf + m.sf_off[ec];
  const T ice = (T)m.ice;
  *dedq = 0.0;
  for (int l = L; l >= 1; --l) {
    const int np = net.nodes[l - 1], nl = net.nodes[l];
    T *d = buf + off[l] + nl;
    if (net.normalize) {
      const T kf = (T)1 / (T)np;
      for (int k = 0; k < nl; ++k) d[k] *= kf;
    }
    const T *wl = w + net.w_off[l];
    for (int j = 0; j < np; ++j) {
      T s = (T)0;
      const T *wj = wl + (long long)j * nl;
      for (int k = 0; k < nl; ++k) s += wj[k] * d[k];
      if (l > 1) buf[off[l - 1] + net.nodes[l - 1] + j] *= s;
      else if (j < nsf) g[j * n + i] = (TG)(s * (T)sfe[j].scale * ice);
      else *dedq = (double)s * m.qscale[ec] * m.ice;
    }
  }
  if (m.charge_on && m.q_out[ec]) warn(f, i, ec, nsf, m.q_raw);
  return e;
}

/* ---- pass 2: forces and virial -------------------------------------------------------- */
template <typename T> static HD void atom_force(const GM &m, const GF &f, long long i, double *w) {
  typedef typename acc_of<T>::type A;
  typedef typename sf_of<T>::type S;
  const long long n = f.n_local, N = f.stride, K = (long long)f.cap * n;
  const int ec = f.type_elem[f.type[i]], cut = m.cutoff_type, ne = m.n_elem;
  int bs[NNMD_GPU_MAX_ELEM + 1];
  for (int e = 0; e <= ne; ++e) bs[e] = f.bstart[e * n + i];
  const T *ndx = (const T *)f.nd, *ndy = ndx + K, *ndz = ndx + 2 * K, *nr = ndx + 3 * K;
  const S *sfe = (const S *)m.sf + m.sf_off[ec];
  const T *g = (const T *)f.g;
  const struct nnmd_gchunk *chs = m.ch + m.ch_off[ec];
  double gix = 0.0, giy = 0.0, giz = 0.0;
  int eq = 0;
  for (int q = 0; q < bs[ne]; ++q) {
    while (q >= bs[eq + 1]) ++eq;
    const long long qq = q * n + i;
    const T rq = nr[qq], dqx = ndx[qq], dqy = ndy[qq], dqz = ndz[qq];
    const T irq = (T)1 / rq, uqx = dqx * irq, uqy = dqy * irq, uqz = dqz * irq;
    const T zq = (T)m.z[eq];
    A gu = (A)0, gcx = (A)0, gcy = (A)0, gcz = (A)0, gwx = (A)0, gwy = (A)0, gwz = (A)0;
    for (int c = 0; c < m.n_ch[ec]; ++c) {
      const struct nnmd_gchunk &ch = chs[c];
      if (rq >= (T)ch.rc) continue;
      const int nm = ch.n_m, poly = ch.poly;
      if (!ch.weighted && eq != ch.e1 && (!ch.angular || eq != ch.e2)) continue;
      const S *p[NNMD_GPU_CHUNK];
      T cm[NNMD_GPU_CHUNK], rho[NNMD_GPU_CHUNK], drho[NNMD_GPU_CHUNK];
      const T zw = ch.weighted ? zq : (T)1;
UNROLL
      for (int u = 0; u < NNMD_GPU_CHUNK; ++u) {
        p[u] = sfe + ch.sf[u < nm ? u : 0];
        cm[u] = u < nm ? g[ch.sf[u] * n + i] : (T)0;
        T v = (T)0, dv = (T)0;
        if (u < nm) chan(*p[u], poly, cut, rq, &v, &dv);
        rho[u] = zw * v;
        drho[u] = zw * dv;
      }
      if (!ch.angular) {
UNROLL
        for (int u = 0; u < NNMD_GPU_CHUNK; ++u) gu += (A)(cm[u] * drho[u]);
        continue;
      }
      const T rc = (T)ch.rc;
      const int other = ch.weighted ? -1 : (eq == ch.e1 ? ch.e2 : ch.e1);
      const int ka = other < 0 ? 0 : bs[other], kb = other < 0 ? bs[ne] : bs[other + 1];
      int ek = other < 0 ? 0 : other;
      T zk = ch.weighted ? (T)m.z[ek] : (T)1;
      for (int k = ka; k < kb; ++k) {
        if (ch.weighted && k >= bs[ek + 1]) {
          while (k >= bs[ek + 1]) ++ek;
          zk = (T)m.z[ek];
        }
        if (k == q) continue;
        const long long qk = k * n + i;
        const T rk = nr[qk];
        if (rk >= rc) continue;
        const T irk = (T)1 / rk, ukx = ndx[qk] * irk, uky = ndy[qk] * irk, ukz = ndz[qk] * irk;
        const T cs = uqx * ukx + uqy * uky + uqz * ukz;
        /* e = u_k - cos u_q = (u_q x u_k) x u_q: no cancellation at small angles */
        const T cx = uqy * ukz - uqz * uky, cy = uqz * ukx - uqx * ukz, cz = uqx * uky - uqy * ukx;
        const T ex_ = cy * uqz - cz * uqy, ey_ = cz * uqx - cx * uqz, ez_ = cx * uqy - cy * uqx;
        T th = (T)0, isn = (T)0, rjk = (T)1, wx = (T)0, wy = (T)0, wz = (T)0;
        if (poly) m_polar(m_sqrt(cx * cx + cy * cy + cz * cz), cs, &th, &isn);
        if (ch.narrow) {
          const T ex = ndx[qk] - dqx, ey = ndy[qk] - dqy, ez = ndz[qk] - dqz;
          rjk = m_sqrt(ex * ex + ey * ey + ez * ez);
          const T ir = (T)1 / rjk;
          wx = ex * ir;
          wy = ey * ir;
          wz = ez * ir;
        }
        T au = (T)0, ac = (T)0, aw = (T)0;
UNROLL
        for (int u = 0; u < NNMD_GPU_CHUNK; ++u)
          if (u < nm) {
            T vk, dvk, qv = (T)1, dqv = (T)0, a, da;
            chan(*p[u], poly, cut, rk, &vk, &dvk);
            if (p[u]->narrow) chan(*p[u], poly, cut, rjk, &qv, &dqv);
            angf(*p[u], poly, cs, th, isn, &a, &da);
            const T t = cm[u] * zk * vk;
            au += t * drho[u] * qv * a;
            ac += t * rho[u] * qv * da;
            aw += t * rho[u] * dqv * a;
          }
        gu += (A)au;
        const T acr = ac * irq;
        gcx += (A)(acr * ex_);
        gcy += (A)(acr * ey_);
        gcz += (A)(acr * ez_);
        gwx += (A)(aw * wx);
        gwy += (A)(aw * wy);
        gwz += (A)(aw * wz);
      }
    }
    const double gx = (double)(gu * (A)uqx + gcx - gwx), gy = (double)(gu * (A)uqy + gcy - gwy),
                 gz = (double)(gu * (A)uqz + gcz - gwz);
    const int j = f.nb[qq];
    add_f64(f.f + j, -gx * m.ff);
    add_f64(f.f + N + j, -gy * m.ff);
    add_f64(f.f + 2 * N + j, -gz * m.ff);
    gix += gx;
    giy += gy;
    giz += gz;
    const double dx = (double)dqx, dy = (double)dqy, dz = (double)dqz;
    w[0] -= dx * gx;
    w[1] -= dx * gy;
    w[2] -= dx * gz;
    w[3] -= dy * gx;
    w[4] -= dy * gy;
    w[5] -= dy * gz;
    w[6] -= dz * gx;
    w[7] -= dz * gy;
    w[8] -= dz * gz;
  }
  add_f64(f.f + i, gix * m.ff);
  add_f64(f.f + N + i, giy * m.ff);
  add_f64(f.f + 2 * N + i, giz * m.ff);
}

/* ---- kernels ------------------------------------------------------------------------ */
/* Sum v[0..NV) over the block and add it to dst[0..NV) (one atomic per value and block). */
template <int NV> static __device__ void block_add(const double *v, double *dst) {
  __shared__ double sh[NNMD_GPU_BLOCK / 32][NV];
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
UNROLL
  for (int a = 0; a < NV; ++a) {
    double x = v[a];
    for (int o = 16; o > 0; o >>= 1) x += __shfl_down_sync(0xffffffffu, x, o);
    if (lane == 0) sh[wid][a] = x;
  }
  __syncthreads();
  if (threadIdx.x < NV) {
    double s = 0.0;
    for (int k = 0; k < NNMD_GPU_BLOCK / 32; ++k) s += sh[k][threadIdx.x];
    atomicAdd(dst + threadIdx.x, s);
  }
}

static __device__ inline long long thread_atom() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

static __global__ void __launch_bounds__(NNMD_GPU_BLOCK) k_count(GM m, GF f) {
  const long long i = thread_atom();
  if (i < f.n_local) atom_count(m, f, i);
}

template <typename T> static __global__ void __launch_bounds__(NNMD_GPU_BLOCK) k_fill(GM m, GF f) {
  const long long i = thread_atom();
  if (i < f.n_local) atom_fill<T>(m, f, i);
}

template <typename T> static __global__ void __launch_bounds__(NNMD_GPU_BLOCK) k_desc(GM m, GF f) {
  const long long i = thread_atom();
  if (i < f.n_local) atom_desc<T>(m, f, i);
}

template <typename T> static __global__ void __launch_bounds__(NNMD_GPU_BLOCK) k_ann(GM m, GF f) {
  const long long i = thread_atom();
  double v[2] = {0.0, 0.0};
  if (i < f.n_local) {
    v[0] = atom_ann<T>(m, f, i, &v[1]);
    if (f.want_eatom) f.eatom[i] = v[0];
  }
  block_add<2>(v, f.acc);
}

template <typename T> static __global__ void __launch_bounds__(NNMD_GPU_BLOCK) k_force(GM m, GF f) {
  const long long i = thread_atom();
  double w[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  if (i < f.n_local) atom_force<T>(m, f, i, w);
  block_add<9>(w, f.acc + 2);
}

/* ---- launchers ----------------------------------------------------------------------- */
static const char *const k_names[] = {"hdnnp neighbour count kernel", "hdnnp neighbour fill kernel",
                                      "hdnnp descriptor kernel", "hdnnp network kernel", "hdnnp force kernel"};

template <typename T> static int launch_t(int kernel, const GM &m, const GF &f, struct nnmd_error *err) {
  const unsigned blocks = (unsigned)((f.n_local + NNMD_GPU_BLOCK - 1) / NNMD_GPU_BLOCK);
  switch (kernel) {
    case NNMD_GPU_K_COUNT: k_count<<<blocks, NNMD_GPU_BLOCK>>>(m, f); break;
    case NNMD_GPU_K_FILL: k_fill<T><<<blocks, NNMD_GPU_BLOCK>>>(m, f); break;
    case NNMD_GPU_K_DESC: k_desc<T><<<blocks, NNMD_GPU_BLOCK>>>(m, f); break;
    case NNMD_GPU_K_ANN: k_ann<T><<<blocks, NNMD_GPU_BLOCK>>>(m, f); break;
    default: k_force<T><<<blocks, NNMD_GPU_BLOCK>>>(m, f); break;
  }
  return nnmd_device_check(k_names[kernel], err);
}

/* The same per-atom code, sequentially on the host (emulation: no device needed). */
template <typename T> static int emulate_t(int kernel, const GM &m, const GF &f) {
  for (long long i = 0; i < f.n_local; ++i) {
    switch (kernel) {
      case NNMD_GPU_K_COUNT: atom_count(m, f, i); break;
      case NNMD_GPU_K_FILL: atom_fill<T>(m, f, i); break;
      case NNMD_GPU_K_DESC: atom_desc<T>(m, f, i); break;
      case NNMD_GPU_K_ANN: {
        double dq = 0.0, e = atom_ann<T>(m, f, i, &dq);
        if (f.want_eatom) f.eatom[i] = e;
        f.acc[0] += e;
        f.acc[1] += dq;
        break;
      }
      default: {
        double w[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        atom_force<T>(m, f, i, w);
        for (int a = 0; a < 9; ++a) f.acc[2 + a] += w[a];
        break;
      }
    }
  }
  return NNMD_OK;
}

extern "C" int nnmd_hdnnp_gpu_launch(int kernel, const struct nnmd_gpu_model *m, const struct nnmd_gpu_frame *f,
                                     int precision, int emulate, struct nnmd_error *err) {
  if (kernel < NNMD_GPU_K_COUNT || kernel > NNMD_GPU_K_FORCE)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp gpu: unknown kernel %d", kernel);
  if (f->n_local <= 0) return NNMD_OK;
  if (precision == NNMD_GPU_MIXED) return emulate ? emulate_t<float>(kernel, *m, *f) : launch_t<float>(kernel, *m, *f, err);
  return emulate ? emulate_t<double>(kernel, *m, *f) : launch_t<double>(kernel, *m, *f, err);
}
