/* thermostat_util.h — pieces shared by the NVT integrators (nhc.c, csvr.c, langevin.c,
 * berendsen.c; methods.md §2.1-2.4, 2.7, 2.8):
 *   - the [run] keys every thermostat reads (temperature as a number or a [start, stop]
 *     linear ramp, tdamp with its per-thermostat default) and the target at a step;
 *   - uniform velocity scaling of owned atoms for tests (the integrators do their per-atom
 *     work through engine/gpu/avec.h, on the host or on a device);
 *   - a stream of counter-based random numbers (engine/rng.h) with Gamma and chi-square
 *     deviates (Marsaglia & Tsang, ACM TOMS 26, 363 (2000), doi:10.1145/358407.358414) and
 *     the CSVR kinetic-energy resampling of Bussi, Donadio & Parrinello (2007);
 *   - a versioned binary record for write_state/read_state.
 * Units: K, ps, eV, A/ps (metal, engine/units.h).
 */
#ifndef NNMD_THERMOSTAT_UTIL_H
#define NNMD_THERMOSTAT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "integrator.h"

/* ---- input ---------------------------------------------------------------------------- */

struct nnmd_tstat_params {
  double t_start, t_stop; /* K; equal when no ramp */
  double tdamp;           /* ps */
  /* origin of the ramp: ctx->first_step at the first call, kept in checkpoints so that a
   * restarted run continues the ramp of the whole run instead of starting it again */
  int64_t ramp_first;
  int ramp_set;
};

/* Read `temperature` (required, > 0: a number or [start, stop]) and `tdamp` (> 0, default
 * tdamp_default) from the [run] table; errors at the value's line:column. `who` names the
 * thermostat in messages. */
int nnmd_tstat_read(const struct nnmd_cfg *run, const char *who, double tdamp_default,
                    struct nnmd_tstat_params *p, struct nnmd_error *err);
/* Hard minimum coupling times, in time steps (LAMMPS advises about 100 steps for tdamp and
 * 1000 for pdamp; below these minimums a thermostat or barostat acts faster than the
 * integrator resolves and the run is refused). */
#define NNMD_TDAMP_MIN_STEPS 5.0
#define NNMD_PDAMP_MIN_STEPS 10.0
/* `key` ("tdamp" | "pdamp") of value `value` ps against min_steps * dt: an error at the key's
 * value (or at the [run] table for a default) when shorter. dt <= 0: no check. */
int nnmd_damp_check(const struct nnmd_cfg *run, const char *key, double value, double dt, double min_steps,
                    struct nnmd_error *err);
/* Keys of `keys` (NULL-terminated) present in `run` are errors: "'chain' is not used by ...". */
int nnmd_tstat_refuse(const struct nnmd_cfg *run, const char *const *keys, const char *who,
                      struct nnmd_error *err);
/* Target temperature (K) of the step being made: t_start + (step - first)/(last - first)
 * (t_stop - t_start), as LAMMPS' compute_temp_target; t_start when the range is empty.
 * `first` is the ramp origin (set from ctx->first_step on the first call). */
double nnmd_tstat_target(struct nnmd_tstat_params *p, const struct nnmd_integ_ctx *ctx);
/* The ramp origin as two doubles for a checkpoint record, and back; unpacking refuses a flag
 * other than 0/1 and an origin that is not a whole step in [0, 2^53] (a corrupt checkpoint). */
void nnmd_tstat_ramp_pack(const struct nnmd_tstat_params *p, double out[2]);
int nnmd_tstat_ramp_unpack(struct nnmd_tstat_params *p, const double in[2], struct nnmd_error *err);
/* Kinetic degrees of freedom of the context (at least 1). */
double nnmd_tstat_ndof(const struct nnmd_integ_ctx *ctx);

/* ---- velocities ------------------------------------------------------------------------ */

/* v *= s on owned atoms through nnmd_av_scale (a convenience for tests: errors, which only
 * the device path can have, are not reported; integrators call nnmd_av_scale). */
void nnmd_tstat_scale(struct nnmd_integ_ctx *ctx, double s);

/* ---- counter-based random stream -------------------------------------------------------- */

/* Draws of one (seed, id, step, purpose) tuple, taken block by block from the counter RNG
 * starting at block `lo` and staying below `hi` (so two streams of the same tuple can share
 * the 256 blocks without overlap). Normals and uniforms come from different blocks (the
 * normals of a block are a function of its uniforms). When the range is used up the stream
 * continues on id - page * 2^40 (page = 1, 2, ...), which is never an atom id. The stream is
 * a pure function of its key: the same on every rank and after a restart. */
struct nnmd_rstream {
  uint64_t seed;
  int64_t id, step;
  int purpose, lo, hi, block, page;
  double nbuf[4], ubuf[4];
  int npos, upos; /* next unread in nbuf / ubuf (4 = empty) */
};

void nnmd_rstream_init(struct nnmd_rstream *s, uint64_t seed, int64_t id, int64_t step, int purpose,
                       int lo, int hi);
double nnmd_rstream_normal(struct nnmd_rstream *s);  /* N(0, 1) */
double nnmd_rstream_uniform(struct nnmd_rstream *s); /* (0, 1) */
/* Gamma(shape, 1), shape >= 0 (0 gives 0): Marsaglia-Tsang for shape >= 1, and
 * Gamma(a) = Gamma(a + 1) U^(1/a) below. */
double nnmd_rstream_gamma(struct nnmd_rstream *s, double shape);
/* Sum of k squared standard normals (chi-square, k dof) as methods.md §2.3: 2 Gamma(k/2) for
 * even k, 2 Gamma((k-1)/2) + R^2 for odd k. */
double nnmd_rstream_chisq(struct nnmd_rstream *s, int64_t k);

/* CSVR (methods.md §2.3): the new kinetic energy after an interval with c = exp(-interval/tdamp),
 * from K (> 0), the target Kbar = N_f kB T0 / 2 and N_f:
 *   K' = c K + (1 - c) Kbar/N_f (R1^2 + S) + 2 R1 sqrt(c (1 - c) K Kbar / N_f),  S ~ chi2(N_f - 1). */
double nnmd_csvr_resample(double K, double Kbar, double n_f, double c, struct nnmd_rstream *s);

/* ---- checkpoint records ------------------------------------------------------------------ */

/* A record is: 8-byte tag, uint32 version, uint32 payload bytes, payload (n doubles). */
int nnmd_tstat_write_record(FILE *f, const char tag[8], uint32_t version, const double *v, size_t n,
                            struct nnmd_error *err);
/* Reads a record written by nnmd_tstat_write_record: tag and version must match and the
 * payload must hold exactly n doubles. */
int nnmd_tstat_read_record(FILE *f, const char tag[8], uint32_t version, double *v, size_t n,
                           struct nnmd_error *err);

#endif
