/* structure.h — reading one atomic structure (extxyz, LAMMPS data, n2p2 input.data) into
 * the engine's data model, and writing a LAMMPS data file.
 *
 * Formats (format names as used in the input file and in nnmd_structure_info.format):
 *   "extxyz"       ASE-flavoured extended XYZ (also plain XYZ): line 1 the atom count,
 *                  line 2 key=value pairs (Lattice, Properties, pbc, Origin), then one line
 *                  per atom. The first frame is read (nnmd_read_structure_opts: any).
 *   "lammps-data"  LAMMPS data file, atom_style atomic, charge or full (header, Masses, Atoms,
 *                  Velocities, optional Atom Type Labels). Periodic in all three dims.
 *   "n2p2"         n2p2 input.data (begin/comment/lattice/atom/energy/charge/end). The
 *                  first structure is read (nnmd_read_structure_opts: any); its reference
 *                  charges, energies and forces are training data and are ignored.
 *
 * Units: the numbers are taken as written (A, and A/ps for velocities), then every length
 * (positions, cell, origin, velocities) is multiplied by `length_scale`. The 10 A margin of
 * the box built around a non-periodic structure is added after scaling.
 *
 * Result: an empty system gets n_local = n_global = atoms, n_ghost = 0; ids are the LAMMPS
 * ids, or 1..N in file order for extxyz and n2p2; atoms are stored in file order; `type`
 * indexes species interned with nnmd_species_intern (LAMMPS: in type order, with the masses
 * of the Masses section). The cell is set with nnmd_box_set_h from the lattice vectors as
 * columns of h, exactly as written (never rotated). Coordinates outside the cell are kept.
 *
 * Checks (file:line:col in the error record wherever a line is known): unreadable file,
 * unknown format, truncated file, bad numbers, NaN/inf coordinates, unknown element, bad
 * or left-handed cell, duplicate LAMMPS ids, no atoms, a periodic cell holding more than
 * NNMD_STRUCTURE_MAX_DENSITY atoms per A^3, and two atoms closer than NNMD_STRUCTURE_MIN_DIST
 * (periodic images included).
 */
#ifndef NNMD_IO_STRUCTURE_H
#define NNMD_IO_STRUCTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "box.h"
#include "error.h"
#include "system.h"

/* Two atoms closer than this (A, after length_scale) are an error. */
#define NNMD_STRUCTURE_MIN_DIST 0.01
/* Atoms per A^3 above which a periodic structure is refused: no matter comes near it (diamond
 * 0.18, compressed hydrogen ~1); a cell a thousand times too small (fuzzing found one with 250
 * atoms per A^3 that made the close-atoms check crawl through its periodic images). */
#define NNMD_STRUCTURE_MAX_DENSITY 5.0
/* Margin (A) on each side of the bounding box built for a non-periodic structure. */
#define NNMD_STRUCTURE_VACUUM 10.0

struct nnmd_structure_info {
  char format[16];      /* "extxyz" | "lammps-data" | "n2p2" */
  bool has_velocities;  /* velocities were read into sys->v */
  bool has_charges;     /* per-atom charges were read into the field "charge" (1 comp) */
  int n_frames_skipped; /* extxyz / n2p2: structures after the first (not read) */
  int n_frames;         /* nnmd_read_structure_opts with a frame: structures in the file */
  int frame;            /* ... and the 0-based index of the one read */
};

/* Options of nnmd_read_structure_opts. frame: which structure of a multi-frame extxyz or
 * n2p2 file (0 = the first, the default; negative counts from the end, -1 = the last);
 * out of range is an error naming the count. columns: NULL-terminated names of extra
 * per-atom extxyz columns (Properties name:I|L|R:1) to keep as per-atom fields named
 * "col_<name>" (L as 1/0); a missing column is not an error here (the caller checks). */
struct nnmd_structure_opts {
  int64_t frame;
  struct nnmd_loc frame_loc; /* where frame was given (errors about it point there) */
  const char *const *columns;
};

/* Read the first structure of `path` into the empty system `sys` and set `box`.
 * format: NULL or "auto" = recognise from the content, else "extxyz" | "lammps-data" |
 * "n2p2". length_scale > 0 multiplies every length. `info` may be NULL. */
int nnmd_read_structure(const char *path, const char *format, double length_scale,
                        struct nnmd_system *sys, struct nnmd_box *box,
                        struct nnmd_structure_info *info, struct nnmd_error *err);

/* Build a structure from arrays (the library API, api/): n atoms with atomic numbers z[i],
 * positions pos[3 i + d] (A, row per atom), the cell as rows cell[3 k + d] = component d of
 * lattice vector k (A), or cell == NULL / all zero for none, and pbc[3] (non-zero =
 * periodic). The same rules as the extxyz reader: a cell is kept as given with origin 0 and
 * periodic where pbc says; without a cell every pbc must be 0 and an orthogonal box with
 * NNMD_STRUCTURE_VACUUM on each side is built around the atoms; species are interned in
 * order of first appearance; ids 1..n in array order. Checks: n >= 1, atomic numbers
 * 1..118, finite numbers, the cell (right-handed, non-degenerate) and the minimum distance;
 * messages number atoms from 1 and name `what` (e.g. "structure"). */
int nnmd_structure_from_arrays(int64_t n, const int *z, const double *pos, const double *cell, const int pbc[3],
                               const char *what, struct nnmd_system *sys, struct nnmd_box *box,
                               struct nnmd_error *err);

/* Recognise the format of `path` from its content: "extxyz", "lammps-data" or "n2p2"
 * (a static string) in *format. */
/* The same, reading the file through `files` (engine/files.h: rank 0 reads and broadcasts). */
struct nnmd_files;
int nnmd_read_structure_with(struct nnmd_files *files, const char *path, const char *format,
                             double length_scale, struct nnmd_system *sys, struct nnmd_box *box,
                             struct nnmd_structure_info *info, struct nnmd_error *err);

/* The same with options (frame selection, extra columns). */
int nnmd_read_structure_opts(struct nnmd_files *files, const char *path, const char *format,
                             double length_scale, const struct nnmd_structure_opts *opts,
                             struct nnmd_system *sys, struct nnmd_box *box,
                             struct nnmd_structure_info *info, struct nnmd_error *err);

int nnmd_detect_structure_format(const char *path, const char **format, struct nnmd_error *err);

/* Write the owned atoms, sorted by id, as a LAMMPS data file (atom_style atomic, metal
 * units): Masses with "# Symbol" comments (type k = species k-1), Atoms with image flags,
 * and Velocities when any velocity is non-zero. The box is written as xlo/xhi..., plus the
 * "xy xz yz" line when it has tilt. When h is not upper triangular the cell is rotated into
 * LAMMPS form (nnmd_box_lammps_params: r' = R (r - lo), origin 0) and positions and
 * velocities are rotated with it. Tilts larger than LAMMPS accepts (|xy| > lx/2, ...) are
 * reduced by adding lattice vectors (the same periodic crystal); image flags are converted
 * so that unwrapped positions are unchanged. */
int nnmd_write_lammps_data(const char *path, const struct nnmd_system *sys,
                           const struct nnmd_box *box, struct nnmd_error *err);

/* ---- internals shared by the readers (io/ only; not part of the API) -------------------- */

struct nnmd_tok {
  char *s; /* NUL-terminated, points into the line buffer */
  int col; /* 1-based column */
};

/* A text file read line by line, with the current line split into tokens on demand. */
struct nnmd_text {
  const char *path;
  FILE *f;
  char *line;     /* current line without its newline */
  size_t cap;
  int64_t lineno; /* 1-based number of the current line, 0 before the first */
  struct nnmd_tok *tok;
  int ntok, tok_cap;
};

/* Accumulates atoms while a reader runs, and what the common checks need. */
struct nnmd_sbuild {
  const char *path;
  struct nnmd_system *sys;
  int64_t *atom_line; /* file line of each atom */
  int64_t line_cap;
  bool has_cell;  /* h and lo below hold the cell as written */
  double h[9], lo[3];
  int periodic[3];
  int64_t cell_line; /* line of the lattice (for cell errors), 0 if unknown */
  const char *const *columns; /* extxyz: extra per-atom columns to keep (structure_opts) */
};

int nnmd_text_open(struct nnmd_text *t, const char *path, struct nnmd_error *err);
int nnmd_text_open_with(struct nnmd_files *files, struct nnmd_text *t, const char *path, struct nnmd_error *err);
void nnmd_text_close(struct nnmd_text *t);
/* Next line into t->line (tokens reset). *got = false at the end of the file. */
int nnmd_text_next(struct nnmd_text *t, bool *got, struct nnmd_error *err);
/* Next line that is not blank. */
int nnmd_text_next_nonblank(struct nnmd_text *t, bool *got, struct nnmd_error *err);
/* Bytes of the file after the current line, -1 when unknown (not a plain file): readers bound
 * the counts a header claims with it before they allocate. */
int64_t nnmd_text_bytes_left(const struct nnmd_text *t);
/* Split the current line on blanks, in place. */
int nnmd_text_tokenize(struct nnmd_text *t, struct nnmd_error *err);
struct nnmd_loc nnmd_text_loc(const struct nnmd_text *t, int col);

/* Whole-token number parsing; errors name `what`, the token and its location. */
int nnmd_parse_double(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                      double *out, struct nnmd_error *err);
int nnmd_parse_int64(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                     int64_t *out, struct nnmd_error *err);
/* A finite double (coordinates, cell, velocities). */
int nnmd_parse_finite(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                      double *out, struct nnmd_error *err);
bool nnmd_is_int_token(const char *s);

void nnmd_sbuild_init(struct nnmd_sbuild *b, const char *path, struct nnmd_system *sys);
void nnmd_sbuild_free(struct nnmd_sbuild *b);
/* Make room for n atoms in total. */
int nnmd_sbuild_reserve(struct nnmd_sbuild *b, int64_t n, struct nnmd_error *err);
/* Append an owned atom with species index `type`; returns its index in *idx (may be NULL). */
int nnmd_sbuild_add(struct nnmd_sbuild *b, int64_t id, int type, const double x[3], int64_t line,
                    int64_t *idx, struct nnmd_error *err);
/* Species index of an element symbol (interned); error at loc when it is not an element. */
int nnmd_sbuild_species(struct nnmd_sbuild *b, const char *symbol, struct nnmd_loc loc, int *type,
                        struct nnmd_error *err);
/* Scale lengths, build the box (around the atoms when !has_cell) and run the checks. */
int nnmd_sbuild_finish(struct nnmd_sbuild *b, double length_scale, struct nnmd_box *box,
                       struct nnmd_error *err);
/* Report the closest pair below min_dist (periodic images included) as an error. */
int nnmd_check_close_atoms(const struct nnmd_system *sys, const struct nnmd_box *box,
                           double min_dist, const char *path, const int64_t *atom_line,
                           struct nnmd_error *err);

/* The readers: fill b (atoms, cell) and info; the caller finishes. */
int nnmd_read_extxyz(struct nnmd_text *t, struct nnmd_sbuild *b, struct nnmd_structure_info *info,
                     struct nnmd_error *err);
int nnmd_read_lammps_data(struct nnmd_text *t, struct nnmd_sbuild *b,
                          struct nnmd_structure_info *info, struct nnmd_error *err);
int nnmd_read_n2p2(struct nnmd_text *t, struct nnmd_sbuild *b, struct nnmd_structure_info *info,
                   struct nnmd_error *err);

#endif
