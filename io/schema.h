/* schema.h — the input file (design §9): TOML -> a validated, typed description of a run.
 *
 * nnmd_input_read parses the file, checks every table and key this version knows
 * (types, ranges, defaults, "did you mean" for unknown keys) and reports ALL problems
 * before anything runs. Force-term tables ([[potential]]) are validated by the terms
 * themselves when the composition root creates them. Paths are relative to the input
 * file's folder. Units: ps, K, A, bar.
 */
#ifndef NNMD_IO_SCHEMA_H
#define NNMD_IO_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

#define NNMD_PATH_MAX 4096
#define NNMD_TRAJ_MAX_FIELDS 8
#define NNMD_THERMO_MAX_COLUMNS 48
#define NNMD_DUMP_MAX_COLUMNS 24
#define NNMD_CHECK_EXTRAP_FRACTION 0.05 /* default of [run] check_extrapolation_fraction */

enum nnmd_ensemble { NNMD_ENS_NVE, NNMD_ENS_NVT, NNMD_ENS_NPT, NNMD_ENS_MINIMIZE };
enum nnmd_device { NNMD_DEV_AUTO, NNMD_DEV_CPU, NNMD_DEV_GPU };
enum nnmd_precision { NNMD_PREC_MIXED, NNMD_PREC_DOUBLE }; /* GPU arithmetic (docs/gpu.md) */

struct nnmd_input {
  struct nnmd_cfg *root; /* owned */
  char path[NNMD_PATH_MAX];
  char base_dir[NNMD_PATH_MAX];
  /* [system] */
  char structure[NNMD_PATH_MAX]; /* resolved path, "" when a lattice is generated */
  struct nnmd_loc structure_loc;
  const char *format; /* NULL = detect */
  double length_scale; /* [system] length_unit: A per file length unit (1, or 0.529... for "bohr") */
  const struct nnmd_cfg *lattice; /* [system] lattice = {...} or NULL */
  bool has_charge_state;
  double charge_state; /* [system] charge_state: system charge in e */
  struct nnmd_loc charge_state_loc;
  int64_t frame; /* [system] frame: structure of a multi-frame file (0 first, -1 last) */
  struct nnmd_loc frame_loc;
  int replicate[3]; /* [system] replicate = [nx, ny, nz] (default 1 1 1) */
  struct nnmd_loc replicate_loc;
  const struct nnmd_cfg *masses; /* [system] masses = { H = 2.014 } or NULL */
  const struct nnmd_cfg *groups; /* [[group]] tables or NULL */
  /* [velocities] */
  bool has_velocities;
  double vel_temperature;
  int64_t vel_seed;
  /* [[potential]] */
  const struct nnmd_cfg *potentials; /* array of tables */
  /* [run] */
  const struct nnmd_cfg *run; /* the table, for integrators' own keys */
  enum nnmd_ensemble ensemble;
  double timestep; /* ps */
  int64_t steps;
  int64_t seed;
  const char *units; /* "lammps" | "codata2018" */
  double max_drift;       /* [run] max_conserved_drift: eV per atom (engine/guard.h), 0 = off */
  double extrap_fraction; /* [run] check_extrapolation_fraction: largest fraction of atoms with
                             extrapolating HDNNP inputs at step 0 (app/cmd_run.c) */
  /* [neighbor] */
  double skin;
  int64_t neigh_every;
  bool neigh_check;
  /* [parallel] */
  enum nnmd_device device; /* "auto" (default) | "cpu" | "gpu"; the set-up resolves "auto" */
  struct nnmd_loc device_loc; /* the 'device' key (for errors), NNMD_NOLOC when not given */
  enum nnmd_precision precision; /* "mixed" (default) | "double": GPU only */
  bool has_precision;
  bool resident;         /* [parallel] resident (default true): with device = "gpu", keep the
                            whole step on the device when every term and the integrator can */
  struct nnmd_loc precision_loc;
  int grid[3]; /* {0,0,0} = auto */
  /* [output] */
  char out_dir[NNMD_PATH_MAX]; /* [output] directory, resolved ("" = the input's folder) */
  char out_prefix[64];         /* [output] prefix of the files nnmd names itself */
  bool report;                 /* [output] report (default true): report.html after the run */
  int n_thermo_columns;        /* [output] thermo_columns (0 = the default table) */
  char thermo_columns[NNMD_THERMO_MAX_COLUMNS][32];
  struct nnmd_loc thermo_column_loc[NNMD_THERMO_MAX_COLUMNS];
  int64_t thermo_every;
  char thermo_file[NNMD_PATH_MAX]; /* "" = none */
  char traj_file[NNMD_PATH_MAX];   /* "" = none */
  int64_t traj_every;
  bool traj_unwrapped, traj_velocities, traj_forces;
  int n_traj_fields; /* trajectory fields = ["bec", ...]: named per-atom fields as extra columns */
  char traj_fields[NNMD_TRAJ_MAX_FIELDS][32];
  bool traj_lammps;   /* LAMMPS dump (format = "lammps-dump" or a .lammpstrj / .dump file name) */
  int n_traj_columns; /* LAMMPS dump columns (0 = the default set) */
  char traj_columns[NNMD_DUMP_MAX_COLUMNS][16];
  struct nnmd_loc traj_loc;
  char checkpoint_file[NNMD_PATH_MAX]; /* "" = none */
  int64_t checkpoint_every;
  /* [field] and [analysis]: the tables (or NULL), validated by the field term and the
   * analysis observers when the run is set up */
  const struct nnmd_cfg *field;
  const struct nnmd_cfg *analysis;
};

int nnmd_input_read(const char *path, struct nnmd_input *in, struct nnmd_error *err);
/* The same, reading files through `files` (rank 0 reads, all ranks receive). */
struct nnmd_files;
int nnmd_input_read_with(struct nnmd_files *files, const char *path, struct nnmd_input *in,
                         struct nnmd_error *err);
void nnmd_input_free(struct nnmd_input *in);
/* Resolve `rel` against the input's folder (absolute paths unchanged). */
void nnmd_input_path(const struct nnmd_input *in, const char *rel, char *out, size_t n);
/* An output file: `rel` resolved against [output] directory (default: the input's folder);
 * with `named` (a name nnmd chose, e.g. "thermo.csv") the [output] prefix goes before it. */
void nnmd_output_path(const struct nnmd_input *in, const char *rel, bool named, char *out, size_t n);

#endif
