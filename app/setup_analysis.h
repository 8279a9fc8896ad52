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
/* The folder of the analysis products and report.html: thermo.csv's folder, else [output]
 * directory, else the input file's folder. */
void nnmd_sim_output_dir(const struct nnmd_input *in, char *dir, size_t n);
/* report.html after a run (setup_report.c); `status` is how the run ended. Rank 0; never fails
 * the run (a problem is a warning). */
void nnmd_sim_write_report(struct nnmd_sim *s, int status);

#endif
