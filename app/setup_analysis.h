/* setup_analysis.h — [analysis.msd], [analysis.vacf], [analysis.rdf] -> observers. */
#ifndef NNMD_SETUP_ANALYSIS_H
#define NNMD_SETUP_ANALYSIS_H

#include <stdbool.h>

#include "setup.h"

/* Validate s->in.analysis against the system (species, cell, run length); with `create`, also
 * append the analysis observers to s->md. Products go to the folder of thermo.csv (the input
 * file's folder when thermo_file = ""). The field information for mobilities comes from the
 * field term (nnmd_sim_field_info), averaged over the whole run. */
int nnmd_sim_add_analysis(struct nnmd_sim *s, bool create, struct nnmd_error *err);

#endif
