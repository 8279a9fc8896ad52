/* ann_math.h — n2p2 activation functions f(x) and f'(x) (n2p2-format.md section 8.1),
 * static inline NNMD_HD so CPU loops and future CUDA kernels share them.
 *
 * Letters: l identity, t tanh, s logistic, p softplus, r ReLU, g Gaussian, c cosine,
 * S reverse logistic, e exp(-x), h x^2. The clamps of n2p2 are reproduced: logistic and
 * softplus switch to their asymptotes for |x| > 35, and softplus uses log(1 + exp(x)) and
 * 1 / (1 + 1/exp(x)) exactly as n2p2 evaluates them.
 */
#ifndef NNMD_ANN_MATH_H
#define NNMD_ANN_MATH_H

#include <math.h>

#include "types.h"

/* True if c is an activation letter n2p2 knows. */
static inline NNMD_HD int nnmd_ann_act_valid(char c) {
  return c == 'l' || c == 't' || c == 's' || c == 'p' || c == 'r' || c == 'g' || c == 'c' ||
         c == 'S' || c == 'e' || c == 'h';
}

/* y = f(x), *dy = f'(x). */
static inline NNMD_HD double nnmd_ann_act(char a, double x, double *dy) {
  switch (a) {
    case 't': {
      double t = tanh(x);
      *dy = 1.0 - t * t;
      return t;
    }
    case 's':
      if (x > 35.0) {
        *dy = 0.0;
        return 1.0;
      }
      if (x < -35.0) {
        *dy = 0.0;
        return 0.0;
      } else {
        double f = 1.0 / (1.0 + exp(-x));
        *dy = f * (1.0 - f);
        return f;
      }
    case 'p':
      if (x > 35.0) {
        *dy = 1.0;
        return x;
      }
      if (x < -35.0) {
        *dy = 0.0;
        return 0.0;
      } else {
        double e = exp(x);
        *dy = 1.0 / (1.0 + 1.0 / e);
        return log(1.0 + e);
      }
    case 'r':
      *dy = x > 0.0 ? 1.0 : 0.0;
      return x > 0.0 ? x : 0.0;
    case 'g': {
      double f = exp(-0.5 * x * x);
      *dy = -x * f;
      return f;
    }
    case 'c':
      *dy = -sin(x);
      return cos(x);
    case 'S': {
      double sg = 1.0 / (1.0 + exp(-x));
      *dy = sg * (sg - 1.0);
      return 1.0 - sg;
    }
    case 'e': {
      double f = exp(-x);
      *dy = -f;
      return f;
    }
    case 'h':
      *dy = 2.0 * x;
      return x * x;
    default: /* 'l' */
      *dy = 1.0;
      return x;
  }
}

#endif
