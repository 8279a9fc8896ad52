/* report.h — report.html: one self-contained page per run (inline SVG and CSS, no scripts,
 * no network) that gathers what the run wrote:
 *   summary      input, atoms, steps, time step, how the run ended
 *   thermo       every thermo.csv column against time (T, energies, P, V, cell, ...)
 *   conserved    the conserved quantity per atom relative to its start, its linear drift
 *   msd          msd.svg (MSD with the fit windows) and D per species from diffusion.json
 *   field        drift velocities, mobilities and conductivities (diffusion.json) when a field
 *                was on
 *   rdf, vdos    rdf.svg, vdos.svg (and the Green-Kubo D from vacf.json)
 *   warnings     the extrapolation-warning column against time
 *   timers       the timer table and atom-steps/s
 *   input        the input file, verbatim
 * Every section is always there; one without data says why (e.g. "no [analysis.msd] in this
 * run"). The products are read back from disk after the run (the same files a user sees).
 * Units as in the files: ps, K, eV, bar, Å. */
#ifndef NNMD_REPORT_H
#define NNMD_REPORT_H

#include <stdint.h>

#include "error.h"
#include "timer.h"

struct nnmd_report_info {
  const char *path;       /* report.html */
  const char *input_path; /* echoed verbatim */
  const char *thermo_csv; /* "" = none */
  const char *dir;        /* folder of the analysis products */
  const char *prefix;     /* their file-name prefix ("" = none) */
  const struct nnmd_timers *timers;
  int64_t natoms, first_step, last_step, atom_steps;
  double dt;          /* ps */
  const char *status; /* e.g. "completed", "interrupted at step 1200" */
  const char *system; /* one line: species and counts, cell */
};

int nnmd_report_write(const struct nnmd_report_info *r, struct nnmd_error *err);

#endif
