/* integrators.h — the integrators of nnmd (registered in app/registry.c) and the
 * choice of one from the [run] table (select.c). */
#ifndef NNMD_INTEGRATORS_H
#define NNMD_INTEGRATORS_H

#include "integrator.h"

extern const struct nnmd_integrator_ops nnmd_integ_nve; /* nve.c: velocity Verlet */
/* group_tstat.c: velocity Verlet plus Langevin/CSVR thermostats on [[group]]s (NVE otherwise) */
extern const struct nnmd_integrator_ops nnmd_integ_group_tstat;

/* NVT thermostats (methods.md §2.2-2.4, 2.7) */
extern const struct nnmd_integrator_ops nnmd_integ_nhc;       /* nhc.c: Nose-Hoover chain (fix nvt) */
extern const struct nnmd_integrator_ops nnmd_integ_csvr;      /* csvr.c: Bussi stochastic rescaling */
extern const struct nnmd_integrator_ops nnmd_integ_langevin;  /* langevin.c: BAOAB */
extern const struct nnmd_integrator_ops nnmd_integ_berendsen; /* berendsen.c: weak coupling */

/* NPT barostats and the minimiser (mtk.c, crescale.c, berendsen_npt.c, fire.c) */
extern const struct nnmd_integrator_ops nnmd_integ_mtk, nnmd_integ_crescale, nnmd_integ_berendsen_npt,
    nnmd_integ_fire;

/* The integrator for a [run] table (NULL = all defaults, i.e. NVE):
 *   ensemble = "nve" (default)  -> nve
 *   ensemble = "nvt"            -> thermostat = "nose-hoover" (default) | "csvr" | "langevin" | "berendsen"
 *   ensemble = "npt"            -> barostat = "mtk" (default; thermostat nose-hoover or absent)
 *                                  | "c-rescale" | "berendsen"
 *   ensemble = "minimize"       -> fire
 * Keys that cannot apply to the chosen ensemble are errors at their line:column. The
 * integrator's own keys (temperature, tdamp, ...) are checked by its create(). */
int nnmd_integrator_select(const struct nnmd_cfg *run, const struct nnmd_integrator_ops **ops,
                           struct nnmd_error *err);

#endif
