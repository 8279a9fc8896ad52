/* select.c — the integrator of a run from its [run] table (see integrators.h).
 *
 * ensemble "nve" -> velocity Verlet; "nvt" -> the thermostat; "npt" -> the barostat (MTK
 * requires the Nose-Hoover thermostat); "minimize" -> FIRE. Keys that belong to another
 * ensemble are errors at their line:column, so that a forgotten `ensemble = "nvt"` does not
 * silently run NVE. The NPT and FIRE integrators live in other files of this library. Those
 * not yet committed are referred to weakly, so a build without them links and reports "not
 * built". Note: a weak reference does not pull a member out of a static library, so once a
 * file is part of the library its reference here must become strong (as for MTK and
 * C-rescale), or the linker leaves it out and select reports "not built" although it exists.
 */
#include <stddef.h>

#include "integrators.h"

/* Weak references: NULL when the defining file is not part of the build. */
extern const struct nnmd_integrator_ops nnmd_integ_berendsen_npt __attribute__((weak));
extern const struct nnmd_integrator_ops nnmd_integ_fire __attribute__((weak));

enum { ENS_NVE, ENS_NVT, ENS_NPT, ENS_MIN };
static const char *const k_ensembles[] = {"nve", "nvt", "npt", "minimize", NULL};
static const char *const k_thermostats[] = {"nose-hoover", "csvr", "langevin", "berendsen", NULL};
static const char *const k_barostats[] = {"mtk", "c-rescale", "berendsen", NULL};

/* Keys of the thermostat and of the barostat (integrators read their own values). */
static const char *const k_thermo_keys[] = {"thermostat", "temperature", "tdamp", "chain", "substeps",
                                            "sy", "placement", "zero", NULL};
static const char *const k_baro_keys[] = {"barostat", "pressure", "pdamp", "couple", NULL};

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

static int not_built(const struct nnmd_cfg *run, const char *key, const char *what,
                     struct nnmd_error *err) {
  return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, key_loc(run, key),
                      "%s is not built into this nnmd (its integrator is missing from the library)", what);
}

static int select_nvt(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  static const struct nnmd_integrator_ops *const table[] = {&nnmd_integ_nhc, &nnmd_integ_csvr,
                                                            &nnmd_integ_langevin, &nnmd_integ_berendsen};
  int t = 0;
  int st = nnmd_cfg_choice(run, "thermostat", false, k_thermostats, &t, err);
  int r = refuse(run, k_baro_keys, "nvt", err);
  if (st || r) return st ? st : r;
  *ops = table[t];
  return NNMD_OK;
}

static int select_npt(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  int b = 0, t = 0;
  int st = nnmd_cfg_choice(run, "barostat", false, k_barostats, &b, err);
  int r = nnmd_cfg_choice(run, "thermostat", false, k_thermostats, &t, err);
  if (st || r) return st ? st : r;
  if (b == 0 && t != 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(run, "thermostat")->loc,
                        "barostat = \"mtk\" runs with the Nose-Hoover thermostat only (thermostat = \"%s\" "
                        "given); use barostat = \"c-rescale\" for a stochastic thermostat",
                        k_thermostats[t]);
  const struct nnmd_integrator_ops *const table[] = {&nnmd_integ_mtk, &nnmd_integ_crescale,
                                                     &nnmd_integ_berendsen_npt};
  static const char *const what[] = {"the MTK barostat (ensemble = \"npt\", barostat = \"mtk\")",
                                     "the C-rescale barostat (barostat = \"c-rescale\")",
                                     "the Berendsen barostat (barostat = \"berendsen\")"};
  if (!table[b]) return not_built(run, nnmd_cfg_get(run, "barostat") ? "barostat" : "ensemble", what[b], err);
  *ops = table[b];
  return NNMD_OK;
}

static int select_min(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                      struct nnmd_error *err) {
  static const char *const k_dyn[] = {"thermostat", "barostat", NULL};
  int st = refuse(run, k_dyn, "minimize", err);
  if (st) return st;
  const struct nnmd_integrator_ops *fire = &nnmd_integ_fire;
  if (!fire) return not_built(run, "ensemble", "the FIRE minimiser (ensemble = \"minimize\")", err);
  *ops = fire;
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
  if (r1 || r2) return r1 ? r1 : r2;
  *ops = &nnmd_integ_nve;
  return NNMD_OK;
}
