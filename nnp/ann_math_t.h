/* ann_math_t.h — n2p2 activation functions f(x) and f'(x), written ONCE for a scalar type R
 * and instantiated by ann_math.h: in double (nnmd_ann_act, the CPU path and the GPU "double"
 * mode) and, in CUDA translation units, in float (nnmd_annf_act, the GPU "mixed" mode).
 * No include guard: included once per instantiation with NNMD_ANN_R (the type) and
 * NNMD_ANN_N(x) (the function name) defined. Literals are cast to R; tanh/exp/log/sin/cos
 * resolve to the float overloads in CUDA C++.
 *
 * Letters: l identity, t tanh, s logistic, p softplus, r ReLU, g Gaussian, c cosine,
 * S reverse logistic, e exp(-x), h x^2. The clamps of n2p2 are reproduced: logistic and
 * softplus switch to their asymptotes for |x| > 35, and softplus uses log(1 + exp(x)) and
 * 1 / (1 + 1/exp(x)) exactly as n2p2 evaluates them.
 */
#define R_ NNMD_ANN_R

/* y = f(x), *dy = f'(x). */
static inline NNMD_HD R_ NNMD_ANN_N(act)(char a, R_ x, R_ *dy) {
  switch (a) {
    case 't': {
      R_ t = tanh(x);
      *dy = (R_)1 - t * t;
      return t;
    }
    case 's':
      if (x > (R_)35) {
        *dy = (R_)0;
        return (R_)1;
      }
      if (x < (R_)-35) {
        *dy = (R_)0;
        return (R_)0;
      } else {
        R_ f = (R_)1 / ((R_)1 + exp(-x));
        *dy = f * ((R_)1 - f);
        return f;
      }
    case 'p':
      if (x > (R_)35) {
        *dy = (R_)1;
        return x;
      }
      if (x < (R_)-35) {
        *dy = (R_)0;
        return (R_)0;
      } else {
        R_ e = exp(x);
        *dy = (R_)1 / ((R_)1 + (R_)1 / e);
        return log((R_)1 + e);
      }
    case 'r':
      *dy = x > (R_)0 ? (R_)1 : (R_)0;
      return x > (R_)0 ? x : (R_)0;
    case 'g': {
      R_ f = exp((R_)-0.5 * x * x);
      *dy = -x * f;
      return f;
    }
    case 'c':
      *dy = -sin(x);
      return cos(x);
    case 'S': {
      R_ sg = (R_)1 / ((R_)1 + exp(-x));
      *dy = sg * (sg - (R_)1);
      return (R_)1 - sg;
    }
    case 'e': {
      R_ f = exp(-x);
      *dy = -f;
      return f;
    }
    case 'h':
      *dy = (R_)2 * x;
      return x * x;
    default: /* 'l' */
      *dy = (R_)1;
      return x;
  }
}

#undef R_
