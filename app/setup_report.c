/* setup_report.c — report.html at the end of `nnmd run` ([output] report, default on): the
 * run's description for analysis/report.h, written by rank 0 into the folder of the analysis
 * products with the [output] prefix. A failing report is a warning, never a failed run. */
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "report.h"
#include "setup.h"
#include "setup_analysis.h"

void nnmd_sim_write_report(struct nnmd_sim *s, int status) {
  if (!s->in.report || nnmd_comm_rank(s->comm) != 0 || !s->sys) return;
  char dir[4096], path[4200], sys[512], stat[128];
  nnmd_sim_output_dir(&s->in, dir, sizeof dir);
  nnmd_ana_file(dir, s->in.out_prefix, "report.html", path, sizeof path);
  const struct nnmd_box *b = &s->md.box;
  size_t n = (size_t)snprintf(sys, sizeof sys, "%lld atoms, species", (long long)s->sys->n_global);
  for (int k = 0; k < s->sys->species.n && n < sizeof sys - 64; ++k)
    n += (size_t)snprintf(sys + n, sizeof sys - n, " %s", s->sys->species.s[k].symbol);
  if (n < sizeof sys - 64) snprintf(sys + n, sizeof sys - n, "; cell volume %.4f \u00c5\u00b3", b->volume);
  if (status == NNMD_OK) snprintf(stat, sizeof stat, "completed");
  else snprintf(stat, sizeof stat, "%s at step %lld", status == NNMD_ERR_INTERRUPTED ? "interrupted" : "stopped by an error",
                (long long)s->md.step);
  struct nnmd_report_info r = {.path = path, .input_path = s->in.path, .thermo_csv = s->in.thermo_file, .dir = dir,
                               .prefix = s->in.out_prefix, .timers = &s->md.timers, .natoms = s->sys->n_global,
                               .first_step = s->md.first_step, .last_step = s->md.step, .atom_steps = s->md.atom_steps,
                               .dt = s->md.dt, .status = stat, .system = sys};
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nnmd_report_write(&r, &err)) nnmd_log_warn(&s->log, "report.html not written: %s", err.msg);
  else nnmd_log_info(&s->log, "report: %s", path);
  nnmd_error_clear(&err);
}
