/* calculator.h — the single-structure calculator: one code path for `nnmd predict`
 * (app/cmd_predict.c) and the library API (nnmd.h, capi.c).
 *
 * A calculator loads an HDNNP model folder (and optionally a Born-effective-charge model
 * folder) once and computes any number of structures with it: energy, forces, virial,
 * per-atom energies, Born charges (acoustic sum rule applied: the mean Z* over the structure
 * is subtracted from every atom, methods.md 4.2, as `nnmd predict --born-charges` writes
 * them) and the extrapolation warnings of each structure. The model's elements are matched
 * to the structure's species at each compute (an element the model lacks is an error naming
 * it and the model). The terms keep scratch buffers between structures but no result: the
 * numbers of one structure do not depend on what was computed before.
 *
 * Units: the structure in A, results in eV, eV/A, eV (virial W_ab = sum_i r_ia F_ib, LAMMPS
 * sign) and e; the model's own units are given as cflength (model length per A) and
 * cfenergy (model energy per eV), or `native` for no conversion at all (--units model).
 * Thread safety: a calculator is used by one thread at a time; separate calculators share
 * nothing (no global state).
 */
#ifndef NNMD_API_CALCULATOR_H
#define NNMD_API_CALCULATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "error.h"
#include "log.h"
#include "run.h"
#include "system.h"

struct nnmd_calc_opts {
  const char *model;            /* HDNNP folder: input.nn, scaling.data, weights.NNN.data */
  const char *bec;              /* Born-charge model folder, or NULL */
  double cflength;              /* model length unit per A (1 or NNMD_BOHR_PER_ANGSTROM) */
  double cfenergy;              /* model energy unit per eV (1 or NNMD_HARTREE_PER_EV) */
  bool native;                  /* no unit conversion (cflength / cfenergy ignored) */
  bool has_q;                   /* system charge given (models with a charge-state node) */
  double q;                     /* e */
  const char *q_what;           /* how the caller names the charge setting in messages */
  const struct nnmd_comm *comm; /* NULL: the calculator's own one-process comm (no MPI) */
  struct nnmd_log *log;         /* NULL: silent */
};

struct nnmd_calc;

/* One structure's results (owned by the frame until nnmd_calc_frame_release). */
struct nnmd_calc_frame {
  struct nnmd_md md; /* md.sys (forces sys->f, ids sys->id), md.box, md.epot (eV), md.virial (eV), md.eatom */
  double *bec;       /* Z* after the sum rule, z[(3 alpha + beta) * capacity + i] (alpha = field,
                        beta = force), the system field "bec"; NULL without a BEC model */
  int64_t warnings;  /* extrapolation warnings of this structure (all terms) */
};

/* Load the models. Errors: unreadable / malformed model files, a charge-state mismatch. */
int nnmd_calc_create(const struct nnmd_calc_opts *o, struct nnmd_calc **out, struct nnmd_error *err);
void nnmd_calc_destroy(struct nnmd_calc *c);
bool nnmd_calc_has_bec(const struct nnmd_calc *c);

/* Compute the structure sys / box (sys as a structure reader leaves it: owned atoms only).
 * The frame takes sys over (nnmd_calc_frame_release destroys it, also after an error).
 * Atoms may be reordered and wrapped into the cell: sys->id[i] (1-based) is the input index. */
int nnmd_calc_compute(struct nnmd_calc *c, struct nnmd_system *sys, const struct nnmd_box *box,
                      struct nnmd_calc_frame *fr, struct nnmd_error *err);
void nnmd_calc_frame_release(struct nnmd_calc_frame *fr);

#endif
