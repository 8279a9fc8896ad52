/* descriptor_pairs.h — internal interface between descriptor.c and descriptor_pairs.c
 * (the angular pair loops). Not part of the public NNP API. */
#ifndef NNMD_DESCRIPTOR_PAIRS_H
#define NNMD_DESCRIPTOR_PAIRS_H

#include <stddef.h>

#include "descriptor.h"

/* Pair-scratch doubles needed per neighbour of capacity. */
size_t nnmd_desc_pair_scratch(const struct nnmd_desc_plan *p);
/* Sum of a[0..n) with 8 partial sums (vectorises without -ffast-math). */
double nnmd_desc_sum(const double *a, int n);
/* Pass 1: add the group's SF values to g. */
void nnmd_desc_group_values(const struct nnmd_desc_plan *p, const struct nnmd_desc_elem *E,
                            const struct nnmd_desc_group *grp, struct nnmd_desc_work *w, double *g);
/* Pass 2: add the gradient of sum_s c_s G_s over the group's SFs to the work accumulators. */
void nnmd_desc_group_gradient(const struct nnmd_desc_plan *p, const struct nnmd_desc_elem *E,
                              const struct nnmd_desc_group *grp, struct nnmd_desc_work *w,
                              const double *c);

#endif
