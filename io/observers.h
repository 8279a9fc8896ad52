/* observers.h — the output writers (they are observers, design §5). */
#ifndef NNMD_IO_OBSERVERS_H
#define NNMD_IO_OBSERVERS_H

#include <stdbool.h>

#include "observer.h"

/* Thermo table on stdout every `every` steps (and the last step), the same columns in
 * `csv_path` ("" = no file): step, time (ps), T (K), Epot, Ekin, Etot, conserved (eV),
 * P (bar), V (A^3), warnings, atom-steps/s, ns/day. */
int nnmd_obs_thermo_create(const char *csv_path, int64_t every, bool to_stdout, struct nnmd_observer *out,
                           struct nnmd_error *err);

struct nnmd_traj_opts {
  const char *path;
  int64_t every;
  bool unwrapped, velocities, forces;
  int n_fields;                 /* named per-atom fields written as extra columns */
  const char *fields[8];
};
/* extxyz trajectory (ASE-readable): one frame every `every` steps, step 0 included. */
int nnmd_obs_traj_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err);

/* Restart support: rewrite `path` (atomically: temp file + rename) keeping only the records
 * of steps <= step. extxyz: whole frames whose comment has step=N (frames without it are
 * kept); otherwise a CSV whose first column is the step (the header line is kept). A
 * missing file is not an error (nothing to keep). */
int nnmd_truncate_after_step(const char *path, int64_t step, bool extxyz, struct nnmd_error *err);

#endif
