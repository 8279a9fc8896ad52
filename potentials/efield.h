/* efield.h — the external electric field term (methods.md §4; design §5 `efield`).
 *
 * Force on owned atom i (index convention of methods §4.1, alpha = field, beta = force):
 *     F^E_i,beta = qe2f * sum_alpha E_alpha Z*_i[alpha][beta]          (F^E_i = Z*_i^T E)
 * with Z*_i = q_i I for constant charges (LAMMPS `fix efield` equivalent) or the Born
 * effective charge tensor read from the per-atom field "bec" (9 components, block
 * 3*alpha + beta, written earlier in the same force call by the `bec` model term).
 *
 * Acoustic sum rule (Born charges, `asr = true`, the default): every call subtracts the
 * mean tensor (sum over all atoms of all ranks, one allreduce of 9 numbers) from each
 * atom's Z* in place, so the published "bec" field obeys sum_i Z*_i = 0 and the field
 * forces sum to zero; the raw violation |sum_i Z*_i|_F / N (e) is kept for the thermo
 * column "ASR" and summarised in the log.
 *
 * Work done by the field (methods §4.3), trapezoid rule consistent with velocity Verlet:
 *     W_E += sum_i 1/2 (F^E_i(t) + F^E_i(t+dt)) . (u_i(t+dt) - u_i(t))
 * with u the displacement-tracked unwrapped positions (field "unwrapped" of the run loop).
 * Per-atom running sums travel with the atoms (fields "efield_work", "efield_fprev",
 * "efield_uprev"), so checkpoints carry them and MPI needs no extra bookkeeping. The term
 * adds -W_E to the conserved quantity: K + U + E_res - W_E is conserved. For constant
 * charges W_E = sum_i q_i E . (u_i(t) - u_i(0)) exactly (LAMMPS' fix efield energy is
 * -sum_i q_i E . u_i).
 *
 * [field] keys:
 *   E = [Ex, Ey, Ez]                          V/A, constant, or
 *   E = [[t0, Ex, Ey, Ez], [t1, ...], ...]     a table, t in ps increasing, linear
 *                                              interpolation, end values held outside
 *   charges = { Li = 1.0, O = -2.0 }           constant charges per species (e), or
 *   charges = "structure"                      per-atom charges of the structure file
 *   born_charges = "dir"                       a BEC model (the caller adds the `bec` term)
 *   asr = true                                 Born charges: enforce the sum rule
 *   allow_net_charge = false                   constant charges must sum to zero unless true
 * Units: E in V/A, charges in e, forces eV/A, work eV.
 */
#ifndef NNMD_POTENTIALS_EFIELD_H
#define NNMD_POTENTIALS_EFIELD_H

#include <stdbool.h>

#include "box.h"
#include "config.h"
#include "potential.h"
#include "system.h"

extern const struct nnmd_potential_ops nnmd_pot_efield;

/* Validate the [field] table and build the term. sys: the whole structure (every rank
 * holds all atoms at set-up; used for the charges and the neutrality check); box: for
 * the periodicity check. */
int nnmd_efield_create(const struct nnmd_cfg *field, const struct nnmd_term_info *info,
                       const struct nnmd_system *sys, const struct nnmd_box *box, void **state,
                       struct nnmd_error *err);
/* Whether the field uses Born charges (a `bec` term must run before it). */
bool nnmd_efield_uses_bec(const void *state);
/* Field at time t (ps), V/A. */
void nnmd_efield_at(const void *state, double t, double E[3]);
/* Time average of E over [t0, t1] (ps); E(t0) when t1 <= t0. */
void nnmd_efield_mean(const void *state, double t0, double t1, double E[3]);
/* Nominal charge of a species (constant charges: its charge; "structure": the mean over
 * its atoms); false for Born charges. */
bool nnmd_efield_species_charge(const void *state, int species, double *z);

#endif
