/* select.c — the integrator of a run from its [run] table (see integrators.h).
 *
 * ensemble "nve" -> velocity Verlet; "nvt" -> the thermostat; "npt" -> the barostat (MTK
 * requires the Nose-Hoover thermostat); "minimize" -> FIRE. Keys that belong to another
 * ensemble are errors at their line:column, so that a forgotten `ensemble = "nvt"` does not
 * silently run NVE. The NPT and FIRE integrators live in other files of this library
 * (mtk.c, crescale.c, berendsen_npt.c, fire.c). They were referred to weakly until those
 * files existed; the references are strong now because a weak reference does not pull a
 * member out of a static library (the linker would leave the integrator out).
 */
#include <stddef.h>

#include "integrators.h"

enum { ENS_NVE, ENS_NVT, ENS_NPT, ENS_MIN };
static const char *const k_ensembles[] = {"nve", "nvt", "npt", "minimize", NULL};
static const char *const k_thermostats[] = {"nose-hoover", "csvr", "langevin", "berendsen", NULL};
static const char *const k_barostats[] = {"mtk", "c-rescale", "berendsen", NULL};

/* Keys of the thermostat, of the barostat and of the minimiser (the integrators read their
 * own values; FIRE reads pressure/couple for cell relaxation). */
static const char *const k_thermo_keys[] = {"thermostat", "temperature", "tdamp", "chain", "substeps",
                                            "sy", "placement", "zero", NULL};
static const char *const k_baro_keys[] = {"barostat", "pressure", "pdamp", "couple", "compressibility", NULL};
static const char *const k_min_keys[] = {"ftol", "etol", "relax_cell", "max_step", NULL};

static struct nnmd_loc key_loc(const struct nnmd_cfg *run, const char *key) {
  const struct nnmd_cfg *v = nnmd_cfg_get(run, key);
  if (!v) return run ? run->loc : NNMD_NOLOC;
  return v->key_loc.line ? v->key_loc : v->loc;
}

/* Every key of `keys` present in run is an error: it has no effect in this ensemble. */
static int refuse(const struct nnmd_cfg *run, const char *const *keys, const char *ens,
                  struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int k = 0; keys[k]; ++k) {
    if (!nnmd_cfg_get(run, keys[k])) continue;
    int r = nnmd_fail_at(err, NNMD_ERR_INPUT, key_loc(run, keys[k]),
                         "'%s' has no effect with ensemble = \"%s\" (remove it or choose another ensemble)",
                         keys[k], ens);
    st = st ? st : r;
  }
  return st;
}

static int select_nvt(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  static const struct nnmd_integrator_ops *const table[] = {&nnmd_integ_nhc, &nnmd_integ_csvr,
                                                            &nnmd_integ_langevin, &nnmd_integ_berendsen};
  int t = 0;
  int st = nnmd_cfg_choice(run, "thermostat", false, k_thermostats, &t, err);
  int r1 = refuse(run, k_baro_keys, "nvt", err), r2 = refuse(run, k_min_keys, "nvt", err);
  if (st || r1 || r2) return st ? st : (r1 ? r1 : r2);
  *ops = table[t];
  return NNMD_OK;
}

static int select_npt(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  int b = 0, t = 0;
  int st = nnmd_cfg_choice(run, "barostat", false, k_barostats, &b, err);
  int r = nnmd_cfg_choice(run, "thermostat", false, k_thermostats, &t, err);
  int r2 = refuse(run, k_min_keys, "npt", err);
  if (st || r || r2) return st ? st : (r ? r : r2);
  if (b == 0 && t != 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "thermostat")->loc,
                        "barostat = \"mtk\" runs with the Nose-Hoover thermostat only (thermostat = \"%s\" "
                        "given); use barostat = \"c-rescale\" for a stochastic thermostat",
                        k_thermostats[t]);
  static const struct nnmd_integrator_ops *const table[] = {&nnmd_integ_mtk, &nnmd_integ_crescale,
                                                            &nnmd_integ_berendsen_npt};
  *ops = table[b];
  return NNMD_OK;
}

static int select_min(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  static const char *const k_dyn[] = {"thermostat", "barostat", NULL};
  int st = refuse(run, k_dyn, "minimize", err);
  if (st) return st;
  *ops = &nnmd_integ_fire;
  return NNMD_OK;
}

int nnmd_integrator_select(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                           struct nnmd_error *err) {
  int e = ENS_NVE;
  *ops = NULL;
  int st = nnmd_cfg_choice(run, "ensemble", false, k_ensembles, &e, err);
  if (st) return st;
  switch (e) {
    case ENS_NVT: return select_nvt(run, ops, err);
    case ENS_NPT: return select_npt(run, ops, err);
    case ENS_MIN: return select_min(run, ops, err);
    default: break;
  }
  int r1 = refuse(run, k_thermo_keys, "nve", err);
  int r2 = refuse(run, k_baro_keys, "nve", err);
  int r3 = refuse(run, k_min_keys, "nve", err);
  if (r1 || r2 || r3) return r1 ? r1 : (r2 ? r2 : r3);
  *ops = &nnmd_integ_nve;
  return NNMD_OK;
}
