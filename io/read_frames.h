/* read_frames.h — reading an extended XYZ trajectory frame by frame (for `nnmd analyze`).
 *
 * Each frame: the atom count, a comment line of key=value pairs (values quoted with "..." or
 * '...' may hold blanks) and one line per atom. Comment keys used (case-insensitive):
 * Lattice="ax ay az bx by bz cx cy cz" (the lattice vectors, columns of h), Origin="x y z",
 * pbc="T T T" (default periodic with a Lattice), Properties=name:type:count:..., time= (ps),
 * step=. Columns used: species (S:1, element symbol, capitalised as ASE does), pos (R:3, A),
 * unwrapped (R:3, A: the run's displacement-tracked positions, written by a trajectory with
 * fields = ["unwrapped"]), velocities or vel (R:3, A/ps), id (I:1). Without Properties the
 * columns are species x y z. Atoms are returned sorted by id (file order without ids).
 *
 * Memory: one frame (about 80 bytes per atom). Errors carry file:line:col.
 */
#ifndef NNMD_IO_READ_FRAMES_H
#define NNMD_IO_READ_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "species.h"

struct nnmd_frame {
  int64_t n;
  int *type;          /* species index in the reader's table */
  int64_t *id;        /* ids (1..n in file order when the file has none) */
  double *pos;        /* 3n, component blocks: pos[d * n + i] */
  double *unwrapped;  /* 3n or NULL when the frame has no "unwrapped" column; = pos when the
                         comment says unwrapped=T (nnmd trajectories with unwrapped = true) */
  double *vel;        /* 3n or NULL */
  bool has_cell;
  double h[9], lo[3]; /* h row-major, columns = lattice vectors */
  int periodic[3];
  bool has_time, has_step;
  double time; /* ps */
  int64_t step;
  int64_t line; /* line of the comment */
};

struct nnmd_frame_reader;

int nnmd_frames_open(const char *path, struct nnmd_frame_reader **out, struct nnmd_error *err);
void nnmd_frames_close(struct nnmd_frame_reader *r);
/* The next frame (*got = false at the end of the file). With skip_atoms only the header is
 * read (n, cell, time, step). The frame's arrays belong to the reader and are reused. */
int nnmd_frames_next(struct nnmd_frame_reader *r, bool skip_atoms, const struct nnmd_frame **frame, bool *got,
                     struct nnmd_error *err);
/* Species of all frames read so far (standard masses). */
const struct nnmd_species_table *nnmd_frames_species(const struct nnmd_frame_reader *r);

#endif
