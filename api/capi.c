/* capi.c — the public C API (nnmd.h) over the shared calculator (calculator.h): argument
 * checks, the model's units (given, or recorded in the model folder), structures from arrays
 * (io/structure_arrays.c, the extxyz reader's rules) and results copied out in input order
 * (the engine may reorder atoms; sys->id is the 1-based input index). Stress = -W / V with
 * V = |det(cell)|, ASE's sign, given only for structures periodic in all three directions.
 * Units: A, eV, e (nnmd.h). */
#include "nnmd.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "calculator.h"
#include "model.h"
#include "species.h"
#include "structure.h"
#include "units.h"

#ifndef NNMD_VERSION
#define NNMD_VERSION "unknown"
#endif

#define SAME(x) ((int)NNMD_API_ERR_##x == (int)NNMD_ERR_##x)
_Static_assert(SAME(INPUT) && SAME(FILE) && SAME(FORMAT) && SAME(NOMEM) && SAME(RANGE) && SAME(UNSUPPORTED) &&
                   SAME(MPI) && SAME(CUDA) && SAME(PHYSICS) && SAME(INTERNAL) && SAME(INTERRUPTED),
               "public status codes are the engine's");
#undef SAME

int nnmd_api_version(void) { return NNMD_API_VERSION; }
const char *nnmd_library_version(void) { return NNMD_VERSION; }
int nnmd_atomic_number(const char *symbol) { return symbol ? nnmd_element_z(symbol) : 0; }
const char *nnmd_status_string(int status) { return nnmd_status_name(status); }

/* The first recorded error as "file:line:col: message" (location parts when known). */
static int report(struct nnmd_error *err, char *msg, size_t msg_len) {
  int st = err->status ? err->status : NNMD_ERR_INTERNAL;
  if (msg && msg_len) {
    if (err->file[0] && err->line > 0 && err->col > 0)
      snprintf(msg, msg_len, "%s:%lld:%d: %s", err->file, (long long)err->line, err->col, err->msg);
    else if (err->file[0] && err->line > 0)
      snprintf(msg, msg_len, "%s:%lld: %s", err->file, (long long)err->line, err->msg);
    else if (err->file[0])
      snprintf(msg, msg_len, "%s: %s", err->file, err->msg);
    else
      snprintf(msg, msg_len, "%s", err->msg);
  }
  nnmd_error_clear(err);
  return st;
}

static void ok_msg(char *msg, size_t msg_len) {
  if (msg && msg_len)
    msg[0] = '\0';
}

/* The model's units: both given, or both recorded in the folder. */
static int units(const char *model, const char *lu, const char *eu, double *cfl, double *cfe, struct nnmd_error *err) {
  if (lu && eu) {
    if (!strcmp(lu, "bohr"))
      *cfl = NNMD_BOHR_PER_ANGSTROM;
    else if (!strcmp(lu, "angstrom"))
      *cfl = 1.0;
    else
      return nnmd_fail(err, NNMD_ERR_INPUT, "length_unit must be 'angstrom' or 'bohr', got '%s'", lu);
    if (!strcmp(eu, "hartree"))
      *cfe = NNMD_HARTREE_PER_EV;
    else if (!strcmp(eu, "eV"))
      *cfe = 1.0;
    else
      return nnmd_fail(err, NNMD_ERR_INPUT, "energy_unit must be 'eV' or 'hartree', got '%s'", eu);
    return NNMD_OK;
  }
  if (lu || eu)
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "give both length_unit and energy_unit (the model's units), or neither "
                     "for a model that records them");
  bool rb = false, rh = false;
  char miss[2 * NNMD_NNP_PATH + 96];
  if (nnmd_nnp_settings_missing(model, miss, sizeof miss)) return nnmd_fail(err, NNMD_ERR_FILE, "%s", miss);
  if (!nnmd_nnp_recorded_units(model, &rb, &rh))
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "the model '%s' does not record its units (n2p2 files do not): give length_unit "
                     "'angstrom'|'bohr' and energy_unit 'eV'|'hartree'",
                     model);
  *cfl = rb ? NNMD_BOHR_PER_ANGSTROM : 1.0;
  *cfe = rh ? NNMD_HARTREE_PER_EV : 1.0;
  return NNMD_OK;
}

int nnmd_calculator_create(const char *model_dir, const char *length_unit, const char *energy_unit, const char *bec_dir,
                           const double *charge_state, nnmd_calculator **out, char *msg, size_t msg_len) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (!out) {
    nnmd_fail(&err, NNMD_ERR_INPUT, "nnmd_calculator_create: out is NULL");
    return report(&err, msg, msg_len);
  }
  *out = NULL;
  if (!model_dir || !model_dir[0]) {
    nnmd_fail(&err, NNMD_ERR_INPUT, "no model folder given");
    return report(&err, msg, msg_len);
  }
  struct nnmd_calc_opts o = {.model = model_dir, .bec = bec_dir, .q_what = "charge_state"};
  if (charge_state) {
    if (!isfinite(*charge_state)) {
      nnmd_fail(&err, NNMD_ERR_INPUT, "charge_state must be finite");
      return report(&err, msg, msg_len);
    }
    o.has_q = true;
    o.q = *charge_state;
  }
  int st = units(model_dir, length_unit, energy_unit, &o.cflength, &o.cfenergy, &err);
  if (!st)
    st = nnmd_calc_create(&o, out, &err);
  if (st)
    return report(&err, msg, msg_len);
  nnmd_error_clear(&err);
  ok_msg(msg, msg_len);
  return NNMD_API_OK;
}

void nnmd_calculator_destroy(nnmd_calculator *calc) { nnmd_calc_destroy(calc); }

int nnmd_calculator_has_born_charges(const nnmd_calculator *calc) { return calc && nnmd_calc_has_bec(calc); }

/* Copy the frame's results into the caller's arrays, by input index. */
static void copy_out(const struct nnmd_calc_frame *fr, const double *cell, const int *pbc, nnmd_result *res,
                     double *forces, double *energies, double *born) {
  const struct nnmd_md *md = &fr->md;
  const struct nnmd_system *sys = md->sys;
  const int64_t n = sys->n_local, cap = sys->capacity;
  res->energy = md->epot;
  memcpy(res->virial, md->virial, sizeof res->virial);
  res->volume = md->box.volume;
  bool periodic = cell && pbc && pbc[0] && pbc[1] && pbc[2];
  for (int k = 0; k < 9; ++k)
    res->stress[k] = periodic ? -md->virial[k] / md->box.volume : NAN;
  res->extrapolation_warnings = fr->warnings;
  res->has_born_charges = born && fr->bec ? 1 : 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = sys->id[i] - 1; /* input index */
    if (forces)
      for (int d = 0; d < 3; ++d)
        forces[3 * j + d] = sys->f[d * cap + i];
    if (energies)
      energies[j] = md->eatom[i];
    if (born && fr->bec)
      for (int k = 0; k < 9; ++k)
        born[9 * j + k] = fr->bec[k * cap + i];
  }
}

int nnmd_calculator_compute(nnmd_calculator *calc, int64_t n_atoms, const int *numbers, const double *positions,
                            const double *cell, const int *pbc, nnmd_result *result, double *forces, double *energies,
                            double *born_charges, char *msg, size_t msg_len) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (!calc || !result) {
    nnmd_fail(&err, NNMD_ERR_INPUT, "nnmd_calculator_compute: %s is NULL", calc ? "result" : "the calculator");
    return report(&err, msg, msg_len);
  }
  memset(result, 0, sizeof *result);
  if (born_charges && !nnmd_calc_has_bec(calc)) {
    nnmd_fail(&err, NNMD_ERR_INPUT, "Born charges asked for, but the calculator has no Born-charge model");
    return report(&err, msg, msg_len);
  }
  const int nopbc[3] = {0, 0, 0};
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  memset(&box, 0, sizeof box);
  int st = nnmd_system_create(&sys, &err);
  if (!st)
    st = nnmd_structure_from_arrays(n_atoms, numbers, positions, cell, pbc ? pbc : nopbc, "structure", sys, &box, &err);
  if (st) {
    nnmd_system_destroy(sys);
    return report(&err, msg, msg_len);
  }
  struct nnmd_calc_frame fr;
  st = nnmd_calc_compute(calc, sys, &box, &fr, &err); /* fr owns sys from here */
  if (!st) {
    if (fr.md.sys->n_local != n_atoms)
      st = nnmd_fail(&err, NNMD_ERR_INTERNAL, "%lld atoms after the compute, %lld given", (long long)fr.md.sys->n_local,
                     (long long)n_atoms);
    else
      copy_out(&fr, cell, pbc, result, forces, energies, born_charges);
  }
  nnmd_calc_frame_release(&fr);
  if (st)
    return report(&err, msg, msg_len);
  nnmd_error_clear(&err);
  ok_msg(msg, msg_len);
  return NNMD_API_OK;
}
