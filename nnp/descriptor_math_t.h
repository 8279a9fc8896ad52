/* descriptor_math_t.h — the symmetry-function formulas of descriptor_math.h, written ONCE for
 * a scalar type R and instantiated by descriptor_math.h: in double (names nnmd_nnp_*, the
 * CPU path and the GPU "double" mode) and, for CUDA translation units only, in float (names
 * nnmd_nnpf_*, the GPU "mixed" mode). No include guard: included once per instantiation with
 *   NNMD_NNP_R      the scalar type (double / float)
 *   NNMD_NNP_N(x)   the name of function x in this instantiation (nnmd_nnp_##x / nnmd_nnpf_##x)
 * defined, and the primitives NNMD_NNP_N(exp), NNMD_NNP_N(tanh_pos), NNMD_NNP_N(pick),
 * NNMD_NNP_N(acos), NNMD_NNP_N(sqrt) already declared for R. Every literal is cast to R, so
 * the double instantiation is exactly the arithmetic the CPU code always ran and the float one
 * does no double arithmetic. cos/sin/fabs/pow resolve to the float overloads in CUDA C++.
 *
 * Contents (n2p2-format.md sections 5, 6): integer powers, compact-function cores, cutoff
 * functions f_c and f_c', compact functions C(v; l, r), the exponential angular factor, the
 * exponential radial channel exp(-eta (r - rs)^2) f_c(r) with its derivative, and the polar
 * angle of the polynomial angular types (from cos, and from sin and cos). Lengths in the
 * model's unit.
 */
#define R_ NNMD_NNP_R

/* x^n for integer n >= 0 by repeated squaring (n2p2 utility.cpp pow_int semantics). */
static inline NNMD_HD R_ NNMD_NNP_N(pow_int)(R_ x, int n) {
  R_ r = (R_)1;
  while (n > 0) {
    if (n & 1) r *= x;
    n >>= 1;
    if (n) x *= x;
  }
  return r;
}

/* POLY1..POLY4 and EXP cores k(x) and dk/dx for x in [0, 1) (also the cutoff shapes of
 * cutoff types 4..8). */
static inline NNMD_HD void NNMD_NNP_N(core)(int core, R_ x, R_ *f, R_ *df) {
  switch (core) {
    case NNMD_CORE_P1:
      *f = ((R_)2 * x - (R_)3) * x * x + (R_)1;
      *df = x * ((R_)6 * x - (R_)6);
      break;
    case NNMD_CORE_P2:
      *f = (((R_)15 - (R_)6 * x) * x - (R_)10) * x * x * x + (R_)1;
      *df = x * x * (((R_)60 - (R_)30 * x) * x - (R_)30);
      break;
    case NNMD_CORE_P3:
      *f = (x * (x * ((R_)20 * x - (R_)70) + (R_)84) - (R_)35) * x * x * x * x + (R_)1;
      *df = x * x * x * (x * (x * ((R_)140 * x - (R_)420) + (R_)420) - (R_)140);
      break;
    case NNMD_CORE_P4:
      *f = (x * (x * (((R_)315 - (R_)70 * x) * x - (R_)540) + (R_)420) - (R_)126) * x * x * x * x * x + (R_)1;
      *df = x * x * x * x * (x * (x * (((R_)2520 - (R_)630 * x) * x - (R_)3780) + (R_)2520) - (R_)630);
      break;
    default: { /* NNMD_CORE_EXP: exp(1 - 1/(1 - x^2)) */
      R_ q = (R_)1 - x * x;
      R_ iq = (R_)1 / q;
      R_ v = NNMD_NNP_N(exp)((R_)1 - iq);
      *f = v;
      *df = (R_)-2 * x * iq * iq * v;
      break;
    }
  }
}

/* f_c(r) and df_c/dr for cutoff type `type`, cutoff rc, inner radius ri = alpha rc
 * (ri is ignored by HARD, TANHU and TANH). r must be >= 0. Written without early returns
 * (selects only) so that loops over many r vectorise; `type` is loop-invariant. */
static inline NNMD_HD void NNMD_NNP_N(cutoff)(int type, R_ r, R_ rc, R_ ri, R_ *f, R_ *df) {
  R_ fv, dv;
  int inner = 0; /* types with an inner radius: 1 and 4..8 */
  switch (type) {
    case NNMD_CUT_HARD:
      fv = (R_)1;
      dv = (R_)0;
      break;
    case NNMD_CUT_TANHU:
    case NNMD_CUT_TANH: {
      const R_ irc = (R_)1 / rc; /* loop-invariant: hoisted out of vector loops */
      R_ t = NNMD_NNP_N(tanh_pos)((R_)1 - r * irc);
      R_ c = type == NNMD_CUT_TANH ? (R_)NNMD_NNP_TANH_NORM : (R_)1;
      fv = c * t * t * t;
      dv = c * (R_)3 * t * t * (t * t - (R_)1) * irc;
      break;
    }
    case NNMD_CUT_COS: {
      const R_ iw = (R_)1 / (rc - ri);
      R_ x = (r - ri) * iw;
      fv = (R_)0.5 * (cos((R_)NNMD_PI * x) + (R_)1);
      dv = (R_)-0.5 * (R_)NNMD_PI * sin((R_)NNMD_PI * x) * iw;
      inner = 1;
      break;
    }
    default: {
      const R_ iw = (R_)1 / (rc - ri);
      R_ x = (r - ri) * iw;
      R_ xc = NNMD_NNP_N(pick)((x > (R_)0) & (x < (R_)1), x, (R_)0);
      NNMD_NNP_N(core)(type == NNMD_CUT_EXP ? NNMD_CORE_EXP : type - NNMD_CUT_POLY1 + NNMD_CORE_P1, xc, &fv, &dv);
      dv *= iw;
      inner = 1;
      break;
    }
  }
  int below = inner & (r < ri);
  fv = NNMD_NNP_N(pick)(below, (R_)1, fv);
  dv = NNMD_NNP_N(pick)(below, (R_)0, dv);
  *f = NNMD_NNP_N(pick)(r < rc, fv, (R_)0);
  *df = NNMD_NNP_N(pick)(r < rc, dv, (R_)0);
}

/* C(v; l, r) and dC/dv given the window centre m and 1/halfwidth iw = 2/(r - l); zero
 * outside the open window. asym: apply the core to (2 - x) x, x = |v - m| / w.
 * Branch-free apart from the loop-invariant core/asym switches. */
static inline NNMD_HD void NNMD_NNP_N(compact)(int core, int asym, R_ v, R_ m, R_ iw, R_ *c, R_ *dc) {
  R_ a = (v - m) * iw;
  R_ x = fabs(a);
  int in = x < (R_)1;
  R_ xc = NNMD_NNP_N(pick)(in, x, (R_)0);
  R_ f, df;
  if (asym) {
    NNMD_NNP_N(core)(core, ((R_)2 - xc) * xc, &f, &df);
    df *= (R_)2 - (R_)2 * xc;
  } else {
    NNMD_NNP_N(core)(core, xc, &f, &df);
  }
  R_ d = NNMD_NNP_N(pick)(a < (R_)0, -df, df) * iw;
  *c = NNMD_NNP_N(pick)(in, f, (R_)0);
  *dc = NNMD_NNP_N(pick)(in, d, (R_)0);
}

/* Angular factor of types 3/9/13: A = pref (1 + lambda c)^zeta, with pref = 2^(1-zeta);
 * izeta >= 0 means zeta is that integer (repeated squaring), else pow. Returns A and
 * dA/dc; both are 0 when 1 + lambda c <= 0. */
static inline NNMD_HD void NNMD_NNP_N(angular_exp)(R_ c, R_ lambda, R_ zeta, int izeta, R_ pref, R_ *a, R_ *da) {
  R_ base = (R_)1 + lambda * c;
  if (base <= (R_)0) {
    *a = (R_)0;
    *da = (R_)0;
    return;
  }
  R_ q = izeta >= 1 ? NNMD_NNP_N(pow_int)(base, izeta - 1) : pow(base, zeta - (R_)1);
  *a = pref * q * base;
  *da = pref * zeta * lambda * q;
}

/* Exponential radial channel (types 2/3/9/12/13 per neighbour, and the r_jk factor of the
 * narrow types): v = exp(-eta (r - rs)^2) fc, dv/dr = exp(..) (fc' - 2 eta (r - rs) fc),
 * given fc = f_c(r) and dfc = f_c'(r). (descriptor.c's vectorised loops compute the same
 * expression inline.) */
static inline NNMD_HD void NNMD_NNP_N(radial_exp)(R_ eta, R_ rs, R_ r, R_ fc, R_ dfc, R_ *v, R_ *dv) {
  R_ t = r - rs;
  R_ ex = NNMD_NNP_N(exp)(-eta * t * t);
  *v = ex * fc;
  *dv = ex * (dfc - (R_)2 * eta * t * fc);
}

/* Polar angle of the polynomial angular types 21/22/24/25 from c = cos(theta):
 * theta = acos(c) with c clamped to [-1, 1], and isn = -1/sin(theta) so that
 * dA/dcos = C'(theta) isn. Exactly collinear pairs (|c| = 1) are kept with isn = 0 (the
 * limit value of A; grad(cos) = 0 there), see descriptor_pairs.c pair_angular. */
static inline NNMD_HD void NNMD_NNP_N(polar)(R_ c, R_ *theta, R_ *isn) {
  R_ cc = NNMD_NNP_N(pick)(c > (R_)1, (R_)1, NNMD_NNP_N(pick)(c < (R_)-1, (R_)-1, c));
  R_ s2 = ((R_)1 - cc) * ((R_)1 + cc);
  int ok = s2 > (R_)0;
  *theta = NNMD_NNP_N(acos)(cc);
  *isn = NNMD_NNP_N(pick)(ok, (R_)-1 / NNMD_NNP_N(sqrt)(NNMD_NNP_N(pick)(ok, s2, (R_)1)), (R_)0);
}

/* The same polar angle from sin(theta) = |u_j x u_k| >= 0 and cos(theta) = u_j . u_k:
 * theta = atan2(sin, cos), isn = -1/sin (0 for collinear pairs). Well conditioned at every
 * angle (acos of a rounded cosine is not near 0 and pi), which the float GPU path needs. */
static inline NNMD_HD void NNMD_NNP_N(polar_sc)(R_ sn, R_ c, R_ *theta, R_ *isn) {
  *theta = atan2(sn, c);
  *isn = NNMD_NNP_N(pick)(sn > (R_)0, (R_)-1 / NNMD_NNP_N(pick)(sn > (R_)0, sn, (R_)1), (R_)0);
}

#undef R_
