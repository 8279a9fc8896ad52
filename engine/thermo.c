/* thermo.c — see thermo.h. */
#include "thermo.h"

#include <math.h>
#include <string.h>

#include "rng.h"

double nnmd_kinetic_energy(const struct nnmd_system *sys, const struct nnmd_units *u,
                           const struct nnmd_comm *comm) {
  int64_t c = sys->capacity;
  double k = 0.0;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double vx = sys->v[i], vy = sys->v[c + i], vz = sys->v[2 * c + i];
    k += nnmd_system_mass(sys, i) * (vx * vx + vy * vy + vz * vz);
  }
  nnmd_comm_sum_double(comm, &k, 1);
  return 0.5 * u->mvv2e * k;
}

void nnmd_thermo_compute(struct nnmd_thermo *t, const struct nnmd_system *sys, const struct nnmd_box *box,
                         const struct nnmd_units *u, const struct nnmd_comm *comm, int64_t n_dof,
                         double epot, const double virial[9]) {
  int64_t c = sys->capacity;
  double mvv[9] = {0};
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double m = nnmd_system_mass(sys, i), v[3] = {sys->v[i], sys->v[c + i], sys->v[2 * c + i]};
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) mvv[3 * a + b] += m * v[a] * v[b];
  }
  nnmd_comm_sum_double(comm, mvv, 9);
  t->ekin = 0.5 * u->mvv2e * (mvv[0] + mvv[4] + mvv[8]);
  t->temp = n_dof > 0 ? 2.0 * t->ekin / ((double)n_dof * u->boltz) : 0.0;
  t->epot = epot;
  t->etot = t->epot + t->ekin;
  t->volume = box->volume;
  memcpy(t->virial, virial, 9 * sizeof(double));
  for (int k = 0; k < 9; ++k) t->ptensor[k] = u->nktv2p / box->volume * (u->mvv2e * mvv[k] + virial[k]);
  t->press = u->nktv2p / (3.0 * box->volume) * ((double)n_dof * u->boltz * t->temp + virial[0] + virial[4] + virial[8]);
  t->natoms = sys->n_global;
}

void nnmd_velocities_create(struct nnmd_system *sys, const struct nnmd_units *u,
                            const struct nnmd_comm *comm, double temp, uint64_t seed, int64_t n_dof) {
  int64_t c = sys->capacity;
  double p[4] = {0, 0, 0, 0}; /* momentum, mass */
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double g[4], m = nnmd_system_mass(sys, i);
    nnmd_rng_normal4(seed, sys->id[i], 0, NNMD_RNG_VELOCITY, 0, g);
    double s = sqrt(u->boltz * (temp > 0 ? temp : 1.0) / (m * u->mvv2e));
    for (int d = 0; d < 3; ++d) {
      sys->v[d * c + i] = s * g[d];
      p[d] += m * sys->v[d * c + i];
    }
    p[3] += m;
  }
  nnmd_comm_sum_double(comm, p, 4);
  for (int64_t i = 0; i < sys->n_local; ++i)
    for (int d = 0; d < 3; ++d) sys->v[d * c + i] -= p[d] / p[3];
  double k = nnmd_kinetic_energy(sys, u, comm);
  double tnow = n_dof > 0 ? 2.0 * k / ((double)n_dof * u->boltz) : 0.0;
  double scale = (tnow > 0 && temp > 0) ? sqrt(temp / tnow) : 0.0;
  for (int64_t i = 0; i < sys->n_local; ++i)
    for (int d = 0; d < 3; ++d) sys->v[d * c + i] *= scale;
}
