/* barostat_util.h — shared pieces of the NPT integrators and the minimiser (mtk.c,
 * crescale.c, berendsen_npt.c, fire.c).
 *
 *  - [run] key readers: temperature (K, number or [start, stop] ramp), pressure (bar, number
 *    or 3x3 array with zero off-diagonal terms), couple.
 *  - global reductions: kinetic tensor mvv2e sum m v_a v_b (eV), pressure tensor (eV/A^3).
 *  (Per-atom work — kicks, drifts, scaling, sums — goes through engine/gpu/avec.h: host arrays
 *  or a resident run's device arrays.)
 *  - cell changes: a new cell h' = M h (M acting on column vectors) with owned atoms
 *    remapped affinely about the origin lo (fractional coordinates kept); sets box_changed.
 *  - a Nose-Hoover chain half step in the form of LAMMPS fix_nh (nhc_temp_integrate /
 *    nhc_press_integrate; methods.md §2.2), usable for particles and for barostat rates.
 *  (Random numbers and the CSVR resampling come from thermostat_util.h.)
 * Units: metal (A, ps, eV, amu, K, bar); barostat algebra in eV/A^3 (bar / nktv2p).
 */
#ifndef NNMD_BAROSTAT_UTIL_H
#define NNMD_BAROSTAT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "integrator.h"

#define NNMD_BU_MAX_CHAIN 10

enum nnmd_bu_couple { NNMD_BU_ISO = 0, NNMD_BU_ANISO = 1, NNMD_BU_TRI = 2 };

/* ---- [run] keys ---------------------------------------------------------------------- */
/* temperature = T or [T_start, T_stop] (K, >= 0). */
int nnmd_bu_read_temperature(const struct nnmd_cfg *run, bool required, double t[2], struct nnmd_error *err);
/* pressure = P or [[Pxx,Pxy,Pxz],[Pyx,Pyy,Pyz],[Pzx,Pzy,Pzz]] (bar). Off-diagonal targets
 * must be 0; with `hydrostatic` the three diagonal targets must also be equal. Absent: 0. */
int nnmd_bu_read_pressure(const struct nnmd_cfg *run, bool hydrostatic, double p[3], struct nnmd_error *err);
/* couple = "iso" (default) | "aniso" | "triclinic"; `allow_tri` false refuses triclinic. */
int nnmd_bu_read_couple(const struct nnmd_cfg *run, bool allow_tri, enum nnmd_bu_couple *c,
                        struct nnmd_error *err);
/* A string key that, when present, must be one of `choices`; *index = -1 when absent. */
/* Keys shared by the rescaling barostats (c-rescale, berendsen): pressure (bar, hydrostatic;
 * *p0 in eV/A^3), tdamp (ps, default 0.1), pdamp (ps, default 1.0), compressibility (bar^-1,
 * default 4.5e-5; *beta in A^3/eV), couple (iso | aniso). Reports every problem. */
int nnmd_bu_read_rescale_keys(const struct nnmd_cfg *run, const struct nnmd_units *u, double *p0, double *tdamp,
                              double *pdamp, double *beta, enum nnmd_bu_couple *couple, struct nnmd_error *err);
int nnmd_bu_read_choice(const struct nnmd_cfg *run, const char *key, const char *const *choices, int *index,
                        struct nnmd_error *err);
/* Linear ramp value at ctx->step over [first, last] (LAMMPS compute_temp_target). */
double nnmd_bu_ramp(const double v[2], int64_t step, int64_t first, int64_t last);

/* ---- atoms ---------------------------------------------------------------------------- */
/* mvv2e sum_i m_i v_ia v_ib over all ranks (eV); 2 K = trace. */
int nnmd_bu_kinetic_tensor(const struct nnmd_integ_ctx *ctx, double mvv[9], struct nnmd_error *err);
/* Pressure tensor (eV/A^3) = (mvv + W) / V. */
void nnmd_bu_pressure_tensor(const double mvv[9], const double virial[9], double volume, double p[9]);

/* ---- cell ----------------------------------------------------------------------------- */
/* h' = M h, lo' = lo_new (NULL: unchanged); owned atoms keep their fractional coordinates.
 * Sets ctx->box_changed. */
int nnmd_bu_deform(struct nnmd_integ_ctx *ctx, const double m[9], const double *lo_new, struct nnmd_error *err);
/* Set the cell to h (lo unchanged or lo_new), remapping owned atoms in fractional coordinates. */
int nnmd_bu_set_cell(struct nnmd_integ_ctx *ctx, const double h[9], const double lo_new[3],
                     struct nnmd_error *err);
/* LAMMPS fix_nh remap over tau (= dt/2): time-symmetric solution of hdot = Omega h for an
 * upper-triangular h (Voigt rates wdot[6] = xx,yy,zz,yz,xz,xy; pflag[6] says which are
 * barostatted); diagonal lengths scale about the cell centre; with `scale_tilts` (iso/aniso)
 * xy follows ly and xz, yz follow lz. A cell that is not upper triangular is only accepted
 * for an isotropic rate (uniform scaling about the centre). Tilt beyond 0.6 of the length
 * (no box flips in this version) is an error. */
int nnmd_bu_remap_nh(struct nnmd_integ_ctx *ctx, const double wdot[6], const int pflag[6], bool scale_tilts,
                     double tau, struct nnmd_error *err);

/* ---- Nose-Hoover chain (LAMMPS fix_nh form) ----------------------------------------------- */
struct nnmd_bu_chain {
  int m;     /* chain length */
  int nloop; /* sub-steps (tloop / ploop) */
  double eta[NNMD_BU_MAX_CHAIN], eta_dot[NNMD_BU_MAX_CHAIN + 1], eta_dotdot[NNMD_BU_MAX_CHAIN];
  double mass[NNMD_BU_MAX_CHAIN];
};
/* Masses: mass[0] = q0, mass[k>0] = qk; eta_dotdot[k>0] from the current eta_dot with target kt. */
void nnmd_bu_chain_masses(struct nnmd_bu_chain *c, double q0, double qk, double kt, bool init_forces);
/* One half step (dt/2 in total) driven by ke2 = sum m v^2 of the coupled dofs (eV, i.e. 2K)
 * with target ke2_target for element 0 and kt for the others. Returns the factor by which
 * the coupled velocities must be scaled (the product over the sub-steps). */
double nnmd_bu_chain_half(struct nnmd_bu_chain *c, double dt, double ke2, double ke2_target, double kt);
/* Chain energy: ke2_target eta_0 + kt sum_{k>0} eta_k + sum_k 1/2 mass_k eta_dot_k^2. */
double nnmd_bu_chain_energy(const struct nnmd_bu_chain *c, double ke2_target, double kt);

/* One standard normal number of a global draw (seed, id 0, step, purpose, block, element 0..3). */
double nnmd_bu_normal(uint64_t seed, int64_t step, int purpose, int index, int elem);

/* ---- binary state ----------------------------------------------------------------------- */
/* Write/read a tagged block of doubles (magic, version, count, values). */
int nnmd_bu_write_doubles(FILE *f, uint32_t magic, const double *v, int n, struct nnmd_error *err);
int nnmd_bu_read_doubles(FILE *f, uint32_t magic, double *v, int n, struct nnmd_error *err);
/* Checks of restored state (a checkpoint that passed its checksum can still hold garbage):
 * a whole step number in [0, 2^53]; the 'initialised' flag 0/1 and the ramp steps of a
 * barostat state (`who` names it in the message). nnmd_bu_read_doubles already refuses
 * non-finite values. */
bool nnmd_bu_is_step(double v);
int nnmd_bu_check_ramp(double initialised, double first, double last, const char *who, struct nnmd_error *err);

#endif
