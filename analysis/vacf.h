/* vacf.h — velocity autocorrelation, vibrational density of states and Green-Kubo
 * diffusion (methods §7).
 *
 * Algorithm. As the MSD (msd.h): consecutive blocks of `window` steps sampled every `every`
 * steps, M = window/every lags, Nt = M + 1 samples per block (the last sample of a block is
 * the first of the next), every sample a time origin. Per atom and component the
 * autocorrelation a(m) = sum_k v_k v_{k+m} comes from the zero-padded FFT (corr.h) and is
 * divided by its number of origins Nt - m. Per species: C_s(m) = < v_i(0) . v_i(m) > (atom
 * average, also per component); mass-weighted over all analysed atoms:
 *     C^(m) = sum_i m_i < v_i(0) . v_i(m) > / sum_i m_i < v_i^2 >.
 * Green-Kubo: D_s = 1/3 int_0^tmax C_s dt (trapezoid) per block; mean and block standard
 * error s/sqrt(n_blocks) as for the MSD.
 * DOS (normalised to 3N, N = analysed atoms):
 *     g(nu) = 12 N int_0^tmax w(t) C^(t) cos(2 pi nu t) dt,  w(t) = [1 + cos(pi t / tmax)] / 2,
 * trapezoid rule, evaluated by one FFT of the windowed C^ zero-padded to L >= 4 Nt, so
 * nu_k = k / (L tau), k = 0 .. L/2 (spacing ~ 1/(4 tmax), up to the Nyquist frequency
 * 1/(2 tau)); then rescaled so that the trapezoid integral of g is 3N (the discrete sum already
 * gives 3N C^(0) = 3N to rounding). Partial DOS g_s use the same window on the species' part
 * of the mass-weighted numerator, so sum_s g_s = g.
 *
 * Memory on the computing rank: 24 Nt bytes per analysed atom (one block of velocities).
 * Units: v in A/ps, C in A^2/ps^2, t in ps, nu in THz (also cm^-1 = THz / c and meV = 1000 h nu
 * with h from the units table), g in 1/THz, D in A^2/ps.
 */
#ifndef NNMD_VACF_H
#define NNMD_VACF_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "observer.h"
#include "species.h"
#include "units.h"

/* 1 THz in cm^-1: 1e12 / c, c = 2.99792458e10 cm/s (exact). */
#define NNMD_THZ_TO_CM1 (1.0e12 / 2.99792458e10)

struct nnmd_vacf_opts {
  int64_t every;  /* steps between samples */
  int64_t window; /* steps per block, a multiple of every */
  bool species[NNMD_MAX_SPECIES];
  char prefix[64];  /* before every file name ([output] prefix) */
  char dir[4096];   /* folder of vacf.csv, vdos.csv, vdos.svg, vacf.json */
  char source[512];
  const struct nnmd_log *log;
  const struct nnmd_units *units; /* h for meV */
};
void nnmd_vacf_opts_default(struct nnmd_vacf_opts *o);

struct nnmd_vacf_stats {
  int64_t n_blocks, n_samples, n_lags, n_atoms, n_freq;
  double tau;          /* ps */
  double dos_integral; /* trapezoid integral of g before the rescaling (3N in theory) */
  double D_gk[NNMD_MAX_SPECIES], D_gk_err[NNMD_MAX_SPECIES];
  int64_t n_in[NNMD_MAX_SPECIES]; /* analysed atoms per species (0 = not analysed) */
};

struct nnmd_vacf;
int nnmd_vacf_create(const struct nnmd_vacf_opts *o, const struct nnmd_species_table *sp, int64_t natoms,
                     const int *type, double dt, struct nnmd_vacf **out, struct nnmd_error *err);
void nnmd_vacf_destroy(struct nnmd_vacf *v);
/* One sample: velocities of all atoms in id order (vel[d * natoms + i]). */
int nnmd_vacf_add(struct nnmd_vacf *v, const double *vel, struct nnmd_error *err);
/* Averages, Green-Kubo D and the DOS (valid until the next add). */
const struct nnmd_vacf_stats *nnmd_vacf_compute(struct nnmd_vacf *v);
/* After compute: C_s (comp 0..2 = x, y, z, 3 = total; n_lags values; NULL if not analysed),
 * the mass-weighted normalised C^, the frequencies (THz), g and the partial g_s (n_freq). */
const double *nnmd_vacf_curve(const struct nnmd_vacf *v, int species, int comp);
const double *nnmd_vacf_norm(const struct nnmd_vacf *v);
const double *nnmd_vacf_freq(const struct nnmd_vacf *v);
const double *nnmd_vacf_dos(const struct nnmd_vacf *v, int species); /* species -1: total */
const struct nnmd_species_table *nnmd_vacf_species_table(const struct nnmd_vacf *v);
const struct nnmd_vacf_opts *nnmd_vacf_options(const struct nnmd_vacf *v);
/* vacf.csv, vdos.csv, vdos.svg, vacf.json in opts.dir (vacf_obs.c). */
int nnmd_vacf_write(struct nnmd_vacf *v, struct nnmd_error *err);

/* [analysis.vacf]: species, every (default 1), window (steps; default: 1/5 of the run). */
int nnmd_vacf_opts_read(const struct nnmd_cfg *tbl, const struct nnmd_species_table *sp, int64_t run_steps,
                        struct nnmd_vacf_opts *o, struct nnmd_error *err);
/* The observer: gathers sys->v of all ranks to rank 0 every `every` steps. */
int nnmd_obs_vacf_create(const struct nnmd_vacf_opts *o, struct nnmd_observer *out, struct nnmd_error *err);
struct nnmd_vacf *nnmd_obs_vacf_get(const struct nnmd_observer *obs);

#endif
