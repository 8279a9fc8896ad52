/* obs_thermo.c — the thermo table (stdout) and thermo.csv.
 * Each CSV line is formatted completely in memory and written with one call followed by a
 * flush, so the file on disk always ends with a complete line (a killed run keeps every
 * line it printed). Energies in eV, pressure in bar, volume in A^3, time in ps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "mem.h"
#include "observers.h"

struct thermo_obs {
  char path[4096];
  FILE *csv;
  bool to_stdout;
  int64_t lines;
};

static int th_start(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  if (nnmd_comm_rank(v->comm) != 0) return NNMD_OK;
  if (o->path[0] && v->first_step > 0) { /* restart: keep lines up to the checkpoint, append */
    int st = nnmd_truncate_after_step(o->path, v->first_step, false, err);
    if (st) return st;
    o->csv = fopen(o->path, "a");
    if (!o->csv) return nnmd_fail(err, NNMD_ERR_FILE, "cannot append to '%s': %s", o->path, strerror(errno));
  } else if (o->path[0]) {
    o->csv = fopen(o->path, "w");
    if (!o->csv)
      return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", o->path, strerror(errno));
    fputs("step,time_ps,temp_K,epot_eV,ekin_eV,etot_eV,conserved_eV,press_bar,volume_A3,warnings,"
          "atom_steps_per_s,ns_per_day", o->csv);
    for (int k = 0; k < v->thermo->n_extra; ++k) fprintf(o->csv, ",%s", v->thermo->extra_name[k]);
    fputc('\n', o->csv);
    fflush(o->csv);
  }
  if (o->to_stdout) {
    printf("%10s %10s %10s %16s %14s %16s %16s %12s %12s %5s %11s %9s", "Step", "Time", "Temp", "E_pot",
           "E_kin", "E_tot", "Conserved", "Press", "Volume", "Warn", "atom-st/s", "ns/day");
    for (int k = 0; k < v->thermo->n_extra; ++k) printf(" %14s", v->thermo->extra_name[k]);
    putchar('\n');
    fflush(stdout);
  }
  return NNMD_OK;
}

static int th_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  (void)err;
  if (nnmd_comm_rank(v->comm) != 0) return NNMD_OK;
  const struct nnmd_thermo *t = v->thermo;
  if (o->to_stdout) {
    printf("%10lld %10.4f %10.3f %16.8f %14.6f %16.8f %16.8f %12.3f %12.3f %5lld %11.4g %9.4g",
           (long long)t->step, t->time, t->temp, t->epot, t->ekin, t->etot, t->conserved, t->press,
           t->volume, (long long)t->warnings, t->atom_steps_per_s, t->ns_per_day);
    for (int k = 0; k < t->n_extra; ++k) printf(" %14.8g", t->extra[k]);
    putchar('\n');
    fflush(stdout);
  }
  if (o->csv) {
    char line[1024];
    int n = snprintf(line, sizeof line, "%lld,%.10g,%.10g,%.15g,%.15g,%.15g,%.15g,%.10g,%.12g,%lld,%.6g,%.6g",
                     (long long)t->step, t->time, t->temp, t->epot, t->ekin, t->etot, t->conserved, t->press,
                     t->volume, (long long)t->warnings, t->atom_steps_per_s, t->ns_per_day);
    for (int k = 0; k < t->n_extra; ++k) n += snprintf(line + n, sizeof line - (size_t)n, ",%.15g", t->extra[k]);
    n += snprintf(line + n, sizeof line - (size_t)n, "\n");
    if (fwrite(line, 1, (size_t)n, o->csv) != (size_t)n || fflush(o->csv) != 0)
      return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", o->path, strerror(errno));
  }
  o->lines++;
  return NNMD_OK;
}

static int th_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct thermo_obs *o = state;
  (void)v;
  if (o->csv) {
    int bad = fclose(o->csv) != 0;
    o->csv = NULL;
    if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot close '%s': %s", o->path, strerror(errno));
  }
  return NNMD_OK;
}

static void th_destroy(void *state) {
  struct thermo_obs *o = state;
  if (o && o->csv) fclose(o->csv);
  free(o);
}

static const struct nnmd_observer_ops k_thermo_ops = {
    .name = "thermo", .start = th_start, .sample = th_sample, .finish = th_finish, .destroy = th_destroy};

int nnmd_obs_thermo_create(const char *csv_path, int64_t every, bool to_stdout, struct nnmd_observer *out,
                           struct nnmd_error *err) {
  struct thermo_obs *o = nnmd_calloc(1, sizeof *o, err);
  if (!o) return NNMD_ERR_NOMEM;
  snprintf(o->path, sizeof o->path, "%s", csv_path ? csv_path : "");
  o->to_stdout = to_stdout;
  *out = (struct nnmd_observer){.ops = &k_thermo_ops, .state = o, .every = every, .at_last = true};
  return NNMD_OK;
}
