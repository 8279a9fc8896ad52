/* thermo.h — thermodynamic reductions (methods.md §1, §3):
 *   K = 1/2 mvv2e sum m v^2;  T = 2K / (N_f kB), N_f = 3N - 3 (3 (N - N_frozen) with frozen
 *   groups, groups.h: the caller passes n_dof);
 *   P_ab = nktv2p / V (mvv2e sum m v_a v_b + W_ab);  P = nktv2p/(3V) (N_f kB T + tr W). */
#ifndef NNMD_THERMO_H
#define NNMD_THERMO_H

#include "box.h"
#include "comm.h"
#include "observer.h"
#include "system.h"
#include "units.h"

/* Kinetic energy (eV) summed over all ranks. */
double nnmd_kinetic_energy(const struct nnmd_system *sys, const struct nnmd_units *u,
                           const struct nnmd_comm *comm);
/* Fill T, ekin, pressure from velocities, the virial (already globally summed) and epot. */
void nnmd_thermo_compute(struct nnmd_thermo *t, const struct nnmd_system *sys, const struct nnmd_box *box,
                         const struct nnmd_units *u, const struct nnmd_comm *comm, int64_t n_dof,
                         double epot, const double virial[9]);
/* Maxwell-Boltzmann velocities at temperature T (K), zero net momentum, scaled to exactly T;
 * the draw of each atom depends only on (seed, id). */
void nnmd_velocities_create(struct nnmd_system *sys, const struct nnmd_units *u,
                            const struct nnmd_comm *comm, double temp, uint64_t seed, int64_t n_dof);

#endif
