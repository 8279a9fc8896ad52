/* ann_math.h — n2p2 activation functions f(x) and f'(x) (n2p2-format.md section 8.1),
 * static inline NNMD_HD so the CPU loops (ann.c) and the CUDA kernels (hdnnp_gpu.cu) share
 * them. The formulas live once in ann_math_t.h: instantiated here in double (nnmd_ann_act)
 * and, in CUDA translation units, in float (nnmd_annf_act, GPU "mixed" precision).
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

#define NNMD_ANN_R double
#define NNMD_ANN_N(x) nnmd_ann_##x
#include "ann_math_t.h"
#undef NNMD_ANN_R
#undef NNMD_ANN_N

#ifdef __CUDACC__
#define NNMD_ANN_R float
#define NNMD_ANN_N(x) nnmd_annf_##x
#include "ann_math_t.h"
#undef NNMD_ANN_R
#undef NNMD_ANN_N
#endif

#endif
