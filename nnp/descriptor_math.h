/* descriptor_math.h — the scalar formulas of n2p2 symmetry functions, shared by the CPU
 * loops (descriptor.c) and the CUDA kernels (hdnnp_gpu.cu): static inline NNMD_HD, no state.
 * The primitives (exp, sqrt, acos, selects) are here in double; the formulas built on them
 * live once in descriptor_math_t.h, instantiated below in double (nnmd_nnp_*) and, in CUDA
 * translation units, in float (nnmd_nnpf_*, with CUDA's float primitives).
 *
 * Contents (n2p2-format.md section 5):
 *  - nnmd_nnp_exp: exp(x) by range reduction x = k ln2 + r, |r| <= ln2/2, and a degree-13
 *    Taylor polynomial (truncation < 5e-18 relative); branch-free so that gcc vectorises
 *    loops that call it (libm's exp is not vectorised without -ffast-math). Max error about
 *    1 ulp; x < -708 gives 0 (true value < 3e-308).
 *  - cutoff functions f_c(r) and df_c/dr for n2p2 cutoff types 0..8 (HARD, COS, TANHU, TANH,
 *    EXP, POLY1..POLY4), with the inner cutoff r_i = alpha rc for types 1 and 4..8;
 *    f_c = f_c' = 0 for r >= rc.
 *  - compact-function cores k(x), k'(x) (p1..p4, e) and the compact function C(v; l, r)
 *    with the asymmetric variant x -> (2 - x) x (polynomial SF types 20..25).
 *  - integer powers by repeated squaring (n2p2 pow_int) and the angular term
 *    2^(1-zeta) (1 + lambda cos)^zeta of types 3/9/13.
 * All lengths are in the model's length unit; these functions are unit-agnostic.
 */
#ifndef NNMD_DESCRIPTOR_MATH_H
#define NNMD_DESCRIPTOR_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "types.h"

/* n2p2 cutoff-function codes (CutoffFunction.h enum order). */
enum {
  NNMD_CUT_HARD = 0,
  NNMD_CUT_COS = 1,
  NNMD_CUT_TANHU = 2,
  NNMD_CUT_TANH = 3,
  NNMD_CUT_EXP = 4,
  NNMD_CUT_POLY1 = 5,
  NNMD_CUT_POLY2 = 6,
  NNMD_CUT_POLY3 = 7,
  NNMD_CUT_POLY4 = 8
};

/* Compact-function cores (CoreFunction.h): POLY1..POLY4 and the exponential bump. */
enum { NNMD_CORE_P1 = 1, NNMD_CORE_P2 = 2, NNMD_CORE_P3 = 3, NNMD_CORE_P4 = 4, NNMD_CORE_EXP = 5 };

static inline NNMD_HD double nnmd_nnp_bits_to_double(uint64_t u) {
#ifdef __CUDA_ARCH__
  return __longlong_as_double((long long)u);
#else
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
#endif
}

static inline NNMD_HD uint64_t nnmd_nnp_double_to_bits(double d) {
#ifdef __CUDA_ARCH__
  return (uint64_t)__double_as_longlong(d);
#else
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
#endif
}

/* cond ? a : b as a bitwise blend. gcc will not if-convert a select whose operands are
 * computed floating-point values under the default -ftrapping-math unless the target has
 * masked vector instructions (AVX-512); integer mask arithmetic vectorises on every x86
 * level (SSE2, AVX2). Exact for all values. */
static inline NNMD_HD double nnmd_nnp_pick(int cond, double a, double b) {
#ifdef __CUDACC__
  return cond ? a : b;
#else
  uint64_t m = (uint64_t)0 - (uint64_t)(cond != 0);
  return nnmd_nnp_bits_to_double((nnmd_nnp_double_to_bits(a) & m) | (nnmd_nnp_double_to_bits(b) & ~m));
#endif
}

/* Fused multiply-add where the hardware has it (one rounding, shorter dependency chains);
 * plain a*b+c otherwise (ISO C mode does not contract expressions by itself). */
#if defined(__CUDACC__) || defined(__FMA__)
#define NNMD_NNP_FMA(a, b, c) fma((a), (b), (c))
#else
#define NNMD_NNP_FMA(a, b, c) ((a) * (b) + (c))
#endif

/* exp(x) for x <= 709; see the file comment. The polynomial is evaluated in Estrin's
 * scheme (dependency depth 5 instead of 13) because the vector loops are latency-bound. */
static inline NNMD_HD double nnmd_nnp_exp(double x) {
  const double inv_ln2 = 1.4426950408889634074;
  const double ln2_hi = 6.93147180369123816490e-01; /* 32 leading bits of ln 2 */
  const double ln2_lo = 1.90821492927058770002e-10; /* ln 2 - ln2_hi */
  const double shifter = 6755399441055744.0;        /* 1.5 * 2^52: rounds to an integer */
  double xc = nnmd_nnp_pick(x < -708.0, -708.0, x);
  double kd = NNMD_NNP_FMA(xc, inv_ln2, shifter);
  uint64_t kbits = nnmd_nnp_double_to_bits(kd);
  kd -= shifter;
  double r = NNMD_NNP_FMA(-kd, ln2_hi, xc);
  r = NNMD_NNP_FMA(-kd, ln2_lo, r);
  /* Taylor polynomial of exp(r) to degree 13, c_i = 1/i!, as 1 + (r + r^2 t(r)) with
   * t = sum_{i=2..13} c_i r^(i-2) in Estrin's scheme (the leading 1 + r added last). */
  double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  double a0 = NNMD_NNP_FMA(1.0 / 6.0, r, 0.5), a1 = NNMD_NNP_FMA(1.0 / 120.0, r, 1.0 / 24.0);
  double a2 = NNMD_NNP_FMA(1.0 / 5040.0, r, 1.0 / 720.0), a3 = NNMD_NNP_FMA(1.0 / 362880.0, r, 1.0 / 40320.0);
  double a4 = NNMD_NNP_FMA(1.0 / 39916800.0, r, 1.0 / 3628800.0);
  double a5 = NNMD_NNP_FMA(1.0 / 6227020800.0, r, 1.0 / 479001600.0);
  double b0 = NNMD_NNP_FMA(a1, r2, a0), b1 = NNMD_NNP_FMA(a3, r2, a2), b2 = NNMD_NNP_FMA(a5, r2, a4);
  double t = NNMD_NNP_FMA(b2, r8, NNMD_NNP_FMA(b1, r4, b0));
  double p = 1.0 + NNMD_NNP_FMA(r2, t, r);
  /* 2^k: the low bits of kbits hold k (two's complement); add the exponent bias. */
  uint64_t e = (kbits + 1023u) << 52;
  double v = p * nnmd_nnp_bits_to_double(e);
  return nnmd_nnp_pick(x < -708.0, 0.0, v);
}

/* sqrt(x) for x >= 0 that vectorises: with -fno-math-errno (or on CUDA) the hardware sqrt;
 * otherwise gcc keeps a scalar errno path for sqrt, so use 1/sqrt by a bit-level estimate
 * and four Newton steps (relative error < 1e-20 before the final product; result within
 * 1 ulp of sqrt). x = 0 gives 0 (y stays finite, about 2^511, and s = 0 y). */
static inline NNMD_HD double nnmd_nnp_sqrt(double x) {
#if defined(__CUDACC__) || defined(__NO_MATH_ERRNO__)
  return sqrt(x);
#else
  uint64_t bits = 0x5FE6EB50C7B537A9ull - (nnmd_nnp_double_to_bits(x) >> 1);
  double y = nnmd_nnp_bits_to_double(bits), hx = 0.5 * x;
  y = y * (1.5 - hx * y * y);
  y = y * (1.5 - hx * y * y);
  y = y * (1.5 - hx * y * y);
  y = y * (1.5 - hx * y * y);
  double s = x * y;
  s = s + 0.5 * y * (x - s * s);
  return s;
#endif
}

/* tanh(y) for y >= 0 from one exponential: (1 - e^-2y) / (1 + e^-2y). */
static inline NNMD_HD double nnmd_nnp_tanh_pos(double y) {
  double e = nnmd_nnp_exp(-2.0 * y);
  return (1.0 - e) / (1.0 + e);
}

/* acos(x) for -1 <= x <= 1, branch-free so that loops vectorise (libm acos does not).
 * asin(s) = s + s^3 P(s^2) on s in [0, 1/2], P a degree-13 polynomial (Chebyshev
 * interpolation of the asin series in 60-digit arithmetic, max error 1e-18); then
 * acos(x) = pi/2 - asin(x) for |x| <= 1/2, 2 asin(sqrt((1-x)/2)) for x > 1/2 and
 * pi - 2 asin(sqrt((1+x)/2)) for x < -1/2. Error about 1 ulp. */
static inline NNMD_HD double nnmd_nnp_acos(double x) {
  const double pio2_hi = 1.57079632679489655800e+00, pio2_lo = 6.12323399573676603587e-17;
  double ax = fabs(x);
  int big = ax > 0.5;
  double z = nnmd_nnp_pick(big, 0.5 * (1.0 - ax), ax * ax);
  double s = nnmd_nnp_pick(big, nnmd_nnp_sqrt(z), ax);
  /* P(z) = sum c_i z^i, i = 0..13, in Estrin's scheme. */
  double z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  double e0 = NNMD_NNP_FMA(7.50000000000011768e-02, z, 1.66666666666666657e-01);
  double e2 = NNMD_NNP_FMA(3.03819444755323402e-02, z, 4.46428571425518950e-02);
  double e4 = NNMD_NNP_FMA(1.73528165403254962e-02, z, 2.23721574435072207e-02);
  double e6 = NNMD_NNP_FMA(1.15664596121216687e-02, z, 1.39637800122035700e-02);
  double e8 = NNMD_NNP_FMA(9.31956079476744560e-03, z, 9.62184297010028160e-03);
  double e10 = NNMD_NNP_FMA(1.95545133361233782e-02, z, 3.04487990945567734e-03);
  double e12 = NNMD_NNP_FMA(2.96120112649551209e-02, z, -1.92416717467430408e-02);
  double f0 = NNMD_NNP_FMA(e2, z2, e0), f1 = NNMD_NNP_FMA(e6, z2, e4), f2 = NNMD_NNP_FMA(e10, z2, e8);
  double g0 = NNMD_NNP_FMA(f1, z4, f0), g1 = NNMD_NNP_FMA(e12, z4, f2);
  double p = NNMD_NNP_FMA(g1, z8, g0);
  double as = NNMD_NNP_FMA(s * z, p, s); /* asin(s) */
  double small = pio2_hi - (nnmd_nnp_pick(x < 0.0, -as, as) - pio2_lo);
  double large = nnmd_nnp_pick(x > 0.0, 2.0 * as, (pio2_hi - as) * 2.0 + 2.0 * pio2_lo);
  return nnmd_nnp_pick(big, large, small);
}

/* coth(1)^3: normalises TANH so that f_c(0) = 1. */
#define NNMD_NNP_TANH_NORM 2.2637537952253508 /* ((e + 1/e) / (e - 1/e))^3 = coth(1)^3 */

/* ---- the formulas (descriptor_math_t.h), in double: nnmd_nnp_pow_int, _core, _cutoff,
 * _compact, _angular_exp, _radial_exp, _polar ---------------------------------------- */
#define NNMD_NNP_R double
#define NNMD_NNP_N(x) nnmd_nnp_##x
#include "descriptor_math_t.h"
#undef NNMD_NNP_R
#undef NNMD_NNP_N

#ifdef __CUDACC__
/* ---- float primitives and the float instantiation (nnmd_nnpf_*) for the GPU "mixed"
 * precision: CUDA's correctly-rounded-within-ulps float functions. ---------------------- */
static inline NNMD_HD float nnmd_nnpf_pick(int cond, float a, float b) { return cond ? a : b; }
static inline NNMD_HD float nnmd_nnpf_exp(float x) { return expf(x); }
static inline NNMD_HD float nnmd_nnpf_tanh_pos(float y) { return tanhf(y); }
static inline NNMD_HD float nnmd_nnpf_acos(float x) { return acosf(x); }
static inline NNMD_HD float nnmd_nnpf_sqrt(float x) { return sqrtf(x); }
#define NNMD_NNP_R float
#define NNMD_NNP_N(x) nnmd_nnpf_##x
#include "descriptor_math_t.h"
#undef NNMD_NNP_R
#undef NNMD_NNP_N
#endif

#endif
