/* hdnnp.h — the Behler-Parrinello HDNNP force term (`type = "hdnnp"`) reading n2p2 models.
 *
 * [[potential]] keys:
 *   type = "hdnnp"
 *   model = "dir"                      folder with input.nn, scaling.data, weights.NNN.data
 *                                      (relative to the input file's folder unless absolute)
 *   length_unit = "angstrom" | "bohr"  the model's units (n2p2 files do not record them)
 *   energy_unit = "eV" | "hartree"
 *   max_extrapolation_warnings = N     optional, default -1 (never stop): compute fails once
 *                                      the warnings counted since the start exceed N
 *   native_units = true                optional (tools/tests): positions, energies, forces and
 *                                      virial in the model's own units, no conversion at all;
 *                                      length_unit / energy_unit are then not needed
 * Conversion (n2p2 LAMMPS interface semantics): model length = engine length x cflength
 * (1.8897261328 for bohr), engine energy = model energy / cfenergy (0.0367493254 for
 * hartree), engine force = model force x cflength / cfenergy.
 *
 * Charge-state node (model file keyword `nnmd_charge_node c`, docs/nnp.md): the term needs
 * the system charge q (in e; [system] charge_state, given to create() through
 * nnmd_term_info); Q = c q / V with c in the model's length unit^3 and V the cell volume
 * converted to it (V_engine cflength^3).
 */
#ifndef NNMD_HDNNP_H
#define NNMD_HDNNP_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "potential.h"

extern const struct nnmd_potential_ops nnmd_pot_hdnnp;

/* Create a term without a config table (tests, tools). cflength / cfenergy as above
 * (1, 1 for native units); max_warnings < 0: never stop. */
int nnmd_hdnnp_create_dir(const char *model_dir, const struct nnmd_species_table *species,
                          double cflength, double cfenergy, int64_t max_warnings, struct nnmd_log *log,
                          void **state, struct nnmd_error *err);
/* Set (given) or declare absent (!given) the system charge q_sys (e). Errors: given but the
 * model has no charge node (reported at loc, the input line; `what` names the setting, e.g.
 * "[system] charge_state"), or not given for a model with one (reported at the model's
 * nnmd_charge_node line). */
int nnmd_hdnnp_set_charge_state(void *state, bool given, double q_sys, struct nnmd_loc loc, const char *what,
                                struct nnmd_error *err);
/* dE/dq_sys of the last compute, summed over this rank's owned atoms (engine energy / e). */
double nnmd_hdnnp_dedq(const void *state);
/* Switch an existing term to the model's own units (no conversion rounding). */
void nnmd_hdnnp_set_native_units(void *state);
/* Extrapolation warnings counted since creation (ops->warnings gives the last compute). */
int64_t nnmd_hdnnp_total_warnings(const void *state);
/* Warnings of the last evaluation (this rank), and this rank's owned atoms with at least one
 * extrapolating input in it (-1 when unknown: the GPU path counts warnings only). */
int64_t nnmd_hdnnp_warnings_last(const void *state);
int64_t nnmd_hdnnp_extrapolating_atoms(const void *state);
/* Default of max_extrapolation_warnings in a [[potential]] table (-1 = never stop). */
#define NNMD_HDNNP_DEFAULT_MAX_WARNINGS 10000
/* Bytes held by the term (model, tables, scratch incl. the pair tape); none of it scales
 * with the number of atoms unless SF recording is enabled. */
size_t nnmd_hdnnp_memory(const void *state);
/* The loaded model (read-only). */
const struct nnmd_nnp_model *nnmd_hdnnp_model(const void *state);
/* Raw SF values G (n2p2 order, before scaling) and dE_i/dG~ of owned atom i from the last
 * compute when recording was enabled (tests); NULL otherwise. */
void nnmd_hdnnp_record_sf(void *state, int enable);
const double *nnmd_hdnnp_recorded_g(const void *state, int64_t i);
const double *nnmd_hdnnp_recorded_dedg(const void *state, int64_t i);

#endif
