/* rdf.h — radial distribution functions g_ab(r) and running coordination numbers.
 *
 * Algorithm: every `every` steps the positions of all atoms are gathered on rank 0 (id
 * order) and every unordered pair closer than rmax is binned, using a cell list in
 * fractional coordinates (27-cell stencil; plain all-pairs when the cell is less than 3
 * rmax wide) and the minimum image. The minimum image finds every pair below rmax exactly
 * because rmax <= half the smallest perpendicular cell width d_min is required: then
 * |s_k| <= r/d_k < 1/2 for each fractional component of such a pair (checked at setup and at
 * every sample, as an NPT cell may shrink). The cell must be periodic in all three directions.
 * We do not use the force field's neighbour lists: their cutoff is the force cutoff and an
 * RDF usually reaches further.
 *
 * Normalisation per sample with the current volume V, averaged over samples:
 *   g_ab(r_k) = V c_ab(k) / (P_ab dV_k),  P_ab = N_a N_b (a != b) or N_a (N_a - 1)/2 (a = b),
 *   dV_k = 4/3 pi (r_{k+1}^3 - r_k^3),  c_ab(k) = unordered pairs in bin k;
 * total g over all atoms with P = N (N - 1)/2. Running coordination number (b around a):
 *   n_ab(r) = sum_{bins up to r} c_ab / N_a (twice that for a = b), averaged over samples.
 * For an ideal gas (uniform independent points) the pair counts are binomial with mean
 * P_ab dV_k / V, so g = 1 with relative noise 1 / sqrt(P_ab dV_k n_samples / V).
 *
 * Units: r in A, g dimensionless, n atoms.
 */
#ifndef NNMD_RDF_H
#define NNMD_RDF_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "observer.h"
#include "species.h"

#define NNMD_RDF_MAX_PAIRS 64

struct nnmd_rdf_opts {
  int64_t every; /* steps between samples (default 100) */
  double rmax;   /* A */
  int64_t bins;  /* default 200 */
  int npairs;    /* 0: every pair of species present */
  int pair[NNMD_RDF_MAX_PAIRS][2];
  char prefix[64];  /* before every file name ([output] prefix) */
  char dir[4096]; /* folder of rdf.csv, rdf.svg */
  char source[512];
  const struct nnmd_log *log;
};
void nnmd_rdf_opts_default(struct nnmd_rdf_opts *o);

struct nnmd_rdf;
int nnmd_rdf_create(const struct nnmd_rdf_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                    const int *type, struct nnmd_rdf **out, struct nnmd_error *err);
void nnmd_rdf_destroy(struct nnmd_rdf *r);
/* Largest allowed rmax for a cell: half the smallest perpendicular width (periodic cells). */
double nnmd_rdf_rmax_limit(const struct nnmd_box *box);
/* One sample: positions of all atoms in id order (x[d * natoms + i]), any image. */
int nnmd_rdf_add(struct nnmd_rdf *r, const double *x, const struct nnmd_box *box, struct nnmd_error *err);
/* Averages over the samples so far. Curves (bins values): bin centres; g and n of species pair
 * (a, b) (a = b = -1: all atoms); NULL for an unknown species. */
int64_t nnmd_rdf_samples(const struct nnmd_rdf *r);
const double *nnmd_rdf_r(const struct nnmd_rdf *r);
int nnmd_rdf_compute(struct nnmd_rdf *r, int a, int b, double *g, double *n);
const struct nnmd_rdf_opts *nnmd_rdf_options(const struct nnmd_rdf *r);
const struct nnmd_species_table *nnmd_rdf_species_table(const struct nnmd_rdf *r);
/* rdf.csv and rdf.svg in opts.dir (rdf_obs.c). */
int nnmd_rdf_write(struct nnmd_rdf *r, struct nnmd_error *err);

/* [analysis.rdf]: every, rmax (A; default: the largest multiple of 0.1 A <= 0.49 d_min, at most
 * 10 A), bins, pairs (["Li-O", ...]; default all). Checks rmax against the cell. */
int nnmd_rdf_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, const struct nnmd_box *box,
                       struct nnmd_rdf_opts *o, struct nnmd_error *err);
int nnmd_obs_rdf_create(const struct nnmd_rdf_opts *o, struct nnmd_observer *out, struct nnmd_error *err);
struct nnmd_rdf *nnmd_obs_rdf_get(const struct nnmd_observer *obs);

#endif
