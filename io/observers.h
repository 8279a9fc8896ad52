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

/* The same with a column selection ([output] thermo_columns, docs/outputs.md): `columns` are
 * names (step, time, temp, ..., pxx, lx, alpha, xy, temp_<species>, the force terms' extra
 * columns), checked at start against the run (unknown: error at locs[k]). 0 columns = default. */
int nnmd_obs_thermo_create_cols(const char *csv_path, int64_t every, bool to_stdout, int n_columns,
                                const char (*columns)[32], const struct nnmd_loc *locs, struct nnmd_observer *out,
                                struct nnmd_error *err);

/* Check thermo column names without a run (nnmd check): the same rules and messages. */
int nnmd_thermo_columns_check(int n, const char (*columns)[32], const struct nnmd_loc *locs,
                              const struct nnmd_species_table *sp, const char *const *extra, int n_extra,
                              struct nnmd_error *err);

struct nnmd_traj_opts {
  const char *path;
  int64_t every;
  bool unwrapped, velocities, forces;
  int n_fields;                 /* named per-atom fields written as extra columns */
  const char *fields[8];
  bool lammps;                  /* LAMMPS dump instead of extxyz (obs_dump.c) */
  int n_columns;                /* LAMMPS dump columns (0 = default set) */
  const char *columns[24];
  struct nnmd_loc loc;          /* the 'trajectory' key (errors about columns) */
};
/* extxyz trajectory (ASE-readable): one frame every `every` steps, step 0 included. */
int nnmd_obs_traj_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err);

/* LAMMPS dump (text, "ITEM:" format; OVITO, LAMMPS read_dump and rerun read it). Columns from
 * o->columns (id type element mass x y z xs ys zs xu yu zu ix iy iz vx vy vz fx fy fz q and the
 * run's per-atom fields); default id type element x y z (+ vx vy vz, fx fy fz as in
 * o->velocities / o->forces; xu yu zu instead of x y z with o->unwrapped). Cells that are not
 * upper triangular are rotated to LAMMPS' restricted triclinic form (vectors rotated alike). */
int nnmd_obs_dump_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err);
/* Check the dump columns against the run's per-atom fields (nnmd check): the same messages. */
int nnmd_dump_columns_check(const struct nnmd_traj_opts *o, struct nnmd_system *sys, struct nnmd_error *err);

/* Restart support: rewrite `path` (atomically: temp file + rename) keeping only the records
 * of steps <= step. extxyz: whole frames whose comment has step=N (frames without it are
 * kept); otherwise a CSV whose first column is the step (the header line is kept). A
 * missing file is not an error (nothing to keep). */
int nnmd_truncate_after_step(const char *path, int64_t step, bool extxyz, struct nnmd_error *err);

#endif
