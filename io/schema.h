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
  const struct nnmd_cfg *lattice; /* [system] lattice = {...} or NULL */
  bool has_charge_state;
  double charge_state; /* [system] charge_state: system charge in e */
  struct nnmd_loc charge_state_loc;
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
  int64_t thermo_every;
  char thermo_file[NNMD_PATH_MAX]; /* "" = none */
  char traj_file[NNMD_PATH_MAX];   /* "" = none */
  int64_t traj_every;
  bool traj_unwrapped, traj_velocities, traj_forces;
  int n_traj_fields; /* trajectory fields = ["bec", ...]: named per-atom fields as extra columns */
  char traj_fields[NNMD_TRAJ_MAX_FIELDS][32];
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

#endif
