/* msd.h — mean squared displacement, diffusion coefficients, drift, mobility and
 * Nernst-Einstein / collective conductivity (methods §6).
 *
 * Algorithm. The run is cut into consecutive blocks of `window` steps sampled every `every`
 * steps: M = window/every lags, Nt = M + 1 samples per block (the last sample of a block is
 * the first of the next). Within a block every sample is a time origin and the MSD of each
 * atom and Cartesian component is computed exactly for all lags by the FFT method of
 * methods §6.3 (Kneller et al. 1995): MSD(m) = S1(m) - 2 S2(m), S2 from the zero-padded
 * autocorrelation (corr.h), S1 from a running sum of squares; the atom's mean is removed
 * first (the MSD does not change, the rounding does). Species curves are atom averages.
 * Per block: D = slope/6 (D_a = slope_a/2) of a least-squares line through the MSD over the
 * fit lags [fit0 M, fit1 M]; drift velocity = mean displacement over the whole block / its
 * length; collective "centre of mass of species s" MSD and the charge-displacement MSD
 * (|sum_i z_i u_i|^2) by the same FFT. Results: the block average; errors: the standard error
 * s/sqrt(n_blocks) of the per-block values (methods §6.4), NaN with one block. The averaged
 * curves (msd.csv) are the block means; since the line fit is linear in the data, the D of the
 * averaged curve equals the mean of the block D's.
 *
 * Centre-of-mass drift: with `com` the mass-weighted mean displacement of ALL atoms is
 * subtracted from every u at every sample (methods §6.2).
 *
 * Input: per sample, the unwrapped positions u of all atoms in id order (component blocks,
 * u[d * n + i]), plus the temperature and volume of that sample (for kT and V).
 *
 * Memory on the computing rank: 24 Nt bytes per analysed atom (one block of u), plus
 * O(n_species Nt) for curves; nothing grows with the run length except 8 doubles per species
 * per block.
 *
 * Units: u in A, time in ps, D in A^2/ps, velocity A/ps, E in V/A, mobility A^2/(V ps),
 * charges in e, T in K, V in A^3, conductivity in S/cm.
 */
#ifndef NNMD_MSD_H
#define NNMD_MSD_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "observer.h"
#include "species.h"
#include "units.h"

/* S/cm per (e^2 A^2/ps) / (A^3 eV): e [C] * 1e-8 m^2/s / 1e-30 m^3 / 100 (methods §6.5). */
#define NNMD_SIGMA_S_PER_CM 16.02176634

struct nnmd_msd_opts {
  int64_t every;  /* steps between samples, >= 1 */
  int64_t window; /* steps per block, a positive multiple of every */
  double fit[2];  /* fit lags as fractions of the window, 0 <= fit[0] < fit[1] <= 1 */
  bool com;       /* remove the centre-of-mass displacement of all atoms */
  bool species[NNMD_MAX_SPECIES];      /* analysed species (index into the species table) */
  bool charge_known[NNMD_MAX_SPECIES]; /* [analysis.msd] charges = {...}: override z below */
  double charge[NNMD_MAX_SPECIES];     /* e */
  /* ---- field information: filled by the composition root (app/setup.c) from the
   * field term; defaults: off, no charges ---- */
  bool field_on;
  double E[3]; /* V/A, time-averaged */
  bool z_known[NNMD_MAX_SPECIES];
  double z[NNMD_MAX_SPECIES]; /* e, per species index */
  /* ---- products ---- */
  char prefix[64];  /* before every file name ([output] prefix) */
  char dir[4096];   /* folder of msd.csv, diffusion.json, msd.svg ("" = working directory) */
  char source[512]; /* what produced the data (written to diffusion.json) */
  const struct nnmd_log *log;     /* warnings; may be NULL */
  const struct nnmd_units *units; /* k_B */
  /* ---- per-group MSD ([analysis.msd] groups = [...]): the group's atoms are one pseudo
   * species named `group` (products msd_<group>.csv, diffusion_<group>.json, msd_<group>.svg);
   * group_bit = its bit in the per-atom field "group_mask" (engine/groups.h), -1 = none ---- */
  char group[32];
  int group_bit;
  const double *atom_mass; /* per atom in id order (nnmd_msd_create), NULL = species masses */
};

/* Defaults: every 10, window 0 (caller must set), fit 0.1..0.5, com on, no species. */
void nnmd_msd_opts_default(struct nnmd_msd_opts *o);

struct nnmd_msd_species_stats {
  bool analysed;
  int64_t n_atoms;
  double D, D_err, D_ols_err, D_xyz[3], D_xyz_err[3]; /* A^2/ps */
  double alpha;                                       /* d ln MSD / d ln t in the fit window */
  double v_drift[3], v_drift_err[3];                  /* A/ps */
  bool has_z;
  double z;
  double mobility, mobility_err;       /* drift along E / |E| (field on) */
  double mobility_ne, mobility_ne_err; /* z D / kT */
  double D_sigma, D_sigma_err;         /* collective: MSD of sum_{i in s} u_i / (6 N_s t) */
  double haven, haven_err;             /* D / D_sigma */
};

struct nnmd_msd_stats {
  int64_t n_blocks, n_samples, n_lags; /* n_lags = M + 1 */
  int64_t lag_a, lag_b;                /* fit lags */
  double tau;                          /* ps between samples */
  double t_fit[2];                     /* ps */
  double temp, volume;                 /* mean over samples */
  bool have_sigma;                     /* some analysed species has a charge */
  double sigma_ne, sigma_ne_err;       /* S/cm */
  double sigma_coll, sigma_coll_err;   /* S/cm, from the charge displacement (zero field) or
                                          from the drift velocities (field runs) */
  bool sigma_from_field;               /* sigma_coll = sum N z v_d / (V E) */
  double haven, haven_err;             /* sigma_ne / sigma_coll */
  struct nnmd_msd_species_stats sp[NNMD_MAX_SPECIES];
};

struct nnmd_msd;

/* An accumulator for `natoms` atoms with species `type[i]` (id order); dt = ps per step. */
int nnmd_msd_create(const struct nnmd_msd_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                    const int *type, double dt, struct nnmd_msd **out, struct nnmd_error *err);
void nnmd_msd_destroy(struct nnmd_msd *m);
/* One sample: unwrapped positions of all atoms (u[d * natoms + i]), temperature, volume. */
int nnmd_msd_add(struct nnmd_msd *m, const double *u, double temp, double volume, struct nnmd_error *err);
/* Block averages and errors (valid until the next add). NULL-free: n_blocks may be 0. */
const struct nnmd_msd_stats *nnmd_msd_compute(struct nnmd_msd *m);
/* Averaged curves after nnmd_msd_compute: comp 0..2 = x, y, z, 3 = total (A^2); mean
 * displacement comp 0..2 (A). n_lags values each; NULL for a species not analysed. */
const double *nnmd_msd_curve(const struct nnmd_msd *m, int species, int comp);
const double *nnmd_msd_mean_disp(const struct nnmd_msd *m, int species, int comp);
const struct nnmd_msd_opts *nnmd_msd_options(const struct nnmd_msd *m);
const struct nnmd_species_table *nnmd_msd_species_table(const struct nnmd_msd *m);
/* msd.csv, diffusion.json, msd.svg in opts.dir (msd_write.c). Warns and writes nothing when no
 * block is complete. */
int nnmd_msd_write(struct nnmd_msd *m, struct nnmd_error *err);

/* The MSD of one series x[0..n) for lags 0..n-1 by S1 - 2 S2, ADDED to msd[] (corr plan for
 * >= n samples; work: 2n doubles). */
struct nnmd_corr;
void nnmd_msd_series_add(struct nnmd_corr *c, const double *x, int64_t n, double *work, double *msd);

/* Displacement unwrapping between two frames (von Buelow et al. 2020, "TOR" scheme): the raw
 * change of the wrapped position dx (new - old) minus the lattice vectors of the new cell that
 * bring it to its minimum image, added to u. Requires |true displacement| < half the cell. */
void nnmd_msd_unwrap(double u[3], const double dx[3], const struct nnmd_box *box);

/* ---- the in-run observer (msd_obs.c) ---------------------------------------------------- */
/* Read [analysis.msd] (validated: keys, ranges, species, window a multiple of every and not
 * longer than the run when run_steps > 0). Fills o (field members untouched). */
int nnmd_msd_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, int64_t run_steps,
                       struct nnmd_msd_opts *o, struct nnmd_error *err);
/* The observer: samples every o->every steps, gathers u (the per-atom field "unwrapped",
 * else x + h image) of all ranks to rank 0, which computes and writes the products at the end. */
int nnmd_obs_msd_create(const struct nnmd_msd_opts *o, struct nnmd_observer *out, struct nnmd_error *err);
/* The observer's accumulator (rank 0 after the first sample; NULL elsewhere / before). */
struct nnmd_msd *nnmd_obs_msd_get(const struct nnmd_observer *obs);

#endif
