/* units.h — LAMMPS "metal" units and their conversion constants (methods.md §1).
 *
 * length A, energy eV, time ps, mass amu, temperature K, pressure bar, charge e,
 * field V/A, force eV/A, velocity A/ps. The default table holds LAMMPS' own values
 * (src/update.cpp, Update::set_units) so thermo output matches LAMMPS for the same
 * input; "codata2018" is available. No other file hard-codes a constant.
 */
#ifndef NNMD_UNITS_H
#define NNMD_UNITS_H

struct nnmd_units {
  const char *name;
  double boltz;   /* eV/K */
  double mvv2e;   /* amu A^2/ps^2 -> eV */
  double ftm2v;   /* (eV/A)/amu -> A/ps^2 */
  double nktv2p;  /* eV/A^3 -> bar */
  double qqr2e;   /* e^2/A -> eV */
  double qe2f;    /* e V/A -> eV/A */
  double hplanck; /* eV ps */
};

/* "lammps" (default) or "codata2018"; NULL if unknown. */
const struct nnmd_units *nnmd_units_get(const char *name);

/* Conversions used by model readers (exact factors from n2p2's LAMMPS example). */
#define NNMD_BOHR_PER_ANGSTROM 1.8897261328
#define NNMD_HARTREE_PER_EV 0.0367493254

#endif
