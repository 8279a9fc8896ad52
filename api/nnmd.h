/* nnmd.h — the public C API of libnnmd (the only header a program using the library needs).
 *
 * A calculator evaluates an n2p2-format high-dimensional neural network potential (HDNNP),
 * optionally with an nnmd Born-effective-charge (BEC) model, on single structures: energy,
 * forces, virial and stress, per-atom energies, Born charges and extrapolation warnings. It
 * is the same code that `nnmd predict` runs (one function, api/calculator.c), so the numbers
 * are identical to predict's output for the same structure.
 *
 * Units (LAMMPS "metal"): positions and cell in Angstrom; energy eV; forces eV/A; virial eV;
 * stress eV/A^3; Born charges e. The model's own units are given at creation
 * ("angstrom"|"bohr", "eV"|"hartree"), or taken from the model folder when it records them
 * (models written by `nnmd train`); n2p2's own model files do not record units.
 *
 * Arrays are C order (row-major): positions[3 i + d], forces[3 i + d], cell[3 k + d] =
 * component d of lattice vector k, born_charges[9 i + 3 alpha + beta] = dF_(i,beta) /
 * dE_alpha (alpha = field direction, beta = force direction), tensors t[3 a + b].
 *
 * Errors: every function that can fail returns a status (NNMD_API_OK = 0, else one of the
 * NNMD_API_ERR_* codes) and writes a message (NUL-terminated, truncated to msg_len) into msg
 * when msg is not NULL; with a file location when one is known ("file:line:col: text").
 *
 * Threads: separate calculators may be used from different threads at the same time (the
 * library has no global mutable state); one calculator must not be used by two threads at
 * once. The library never calls MPI and never prints.
 *
 * Stability: functions and codes are only ever added; NNMD_API_VERSION counts additions.
 */
#ifndef NNMD_PUBLIC_API_H
#define NNMD_PUBLIC_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNMD_API_VERSION 1

enum nnmd_api_status {
  NNMD_API_OK = 0,
  NNMD_API_ERR_INPUT = 1,       /* bad argument: units, species not in the model, bad cell, ... */
  NNMD_API_ERR_FILE = 2,        /* a model file cannot be opened or read */
  NNMD_API_ERR_FORMAT = 3,      /* a model file is malformed */
  NNMD_API_ERR_NOMEM = 4,       /* out of memory */
  NNMD_API_ERR_RANGE = 5,       /* a capacity was exceeded */
  NNMD_API_ERR_UNSUPPORTED = 6, /* not available in this build */
  NNMD_API_ERR_MPI = 7,         /* (not returned: the library never calls MPI) */
  NNMD_API_ERR_CUDA = 8,        /* (not returned: the library computes on the CPU) */
  NNMD_API_ERR_PHYSICS = 9,     /* atoms too close, non-finite result, ... */
  NNMD_API_ERR_INTERNAL = 10,
  NNMD_API_ERR_INTERRUPTED = 11
};

typedef struct nnmd_calc nnmd_calculator;

typedef struct nnmd_result {
  double energy;                  /* total potential energy, eV */
  double virial[9];               /* W_ab = sum_i r_ia F_ib (eV), LAMMPS sign: positive for repulsion */
  double stress[9];               /* -W / V (eV/A^3), ASE's sign (positive under tension); NaN unless the
                                     structure is periodic in all three directions */
  double volume;                  /* cell volume (A^3); for a structure without a cell the box built around it */
  int64_t extrapolation_warnings; /* symmetry-function values outside the training range
                                     (HDNNP + BEC model) in this structure */
  int has_born_charges;           /* 1 when born_charges was filled */
} nnmd_result;

/* NNMD_API_VERSION of the loaded library, and the nnmd version string ("0.1.0"). */
int nnmd_api_version(void);
const char *nnmd_library_version(void);
/* Atomic number of an element symbol ("Cu" -> 29), 0 if it is not an element. */
int nnmd_atomic_number(const char *symbol);
/* A static name of a status code ("OK", "ERR_INPUT", "ERR_FILE", ...). */
const char *nnmd_status_string(int status);

/* Create a calculator.
 *   model_dir      HDNNP folder (input.nn, scaling.data, weights.NNN.data)
 *   length_unit    "angstrom" | "bohr", energy_unit "eV" | "hartree": the model's units; both
 *                  NULL when the folder records them (else an error); one alone is an error
 *   bec_dir        Born-charge model folder (bec.nn, ...), or NULL
 *   charge_state   system charge (e) for a model with a charge-state input node, else NULL
 * On success *out is a new calculator (free it with nnmd_calculator_destroy). */
int nnmd_calculator_create(const char *model_dir, const char *length_unit, const char *energy_unit, const char *bec_dir,
                           const double *charge_state, nnmd_calculator **out, char *msg, size_t msg_len);
void nnmd_calculator_destroy(nnmd_calculator *calc);
/* 1 when the calculator has a Born-charge model. */
int nnmd_calculator_has_born_charges(const nnmd_calculator *calc);

/* Compute one structure of n_atoms atoms:
 *   numbers[n]       atomic numbers (see nnmd_atomic_number)
 *   positions[3n]    A
 *   cell[9]          lattice vectors as rows (A), or NULL (or all zero) for an isolated
 *                    structure (a box with 10 A of vacuum is built around it)
 *   pbc[3]           non-zero = periodic along lattice vector k (all 0 without a cell)
 * Outputs: *result (required); forces[3n], energies[n] (per-atom energies, eV) and
 * born_charges[9n] (acoustic sum rule applied; needs a Born-charge model) are filled when
 * not NULL. Atoms closer than 0.01 A (periodic images included) are an error. */
int nnmd_calculator_compute(nnmd_calculator *calc, int64_t n_atoms, const int *numbers, const double *positions,
                            const double *cell, const int *pbc, nnmd_result *result, double *forces, double *energies,
                            double *born_charges, char *msg, size_t msg_len);

#ifdef __cplusplus
}
#endif

#endif
