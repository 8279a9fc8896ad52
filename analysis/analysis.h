/* analysis.h — what the analysis modules (msd, vacf, rdf) share: atomically written output
 * files, gathering per-atom vectors of all ranks on rank 0 in id order, species lists from
 * the input, least-squares lines and block statistics, JSON numbers.
 *
 * Gather: each rank packs (id, type, v_x, v_y, v_z) of its owned atoms as 5 words, rank 0
 * receives all blocks (nnmd_comm_gather) and sorts them by id. Everything the analyses
 * compute afterwards runs on rank 0 over atoms in id order, so the result does not depend
 * on the number of ranks or on how atoms are ordered in memory (design §1.3).
 * Cost per call: 40 bytes per atom sent, O(N log N) on rank 0.
 */
#ifndef NNMD_ANALYSIS_H
#define NNMD_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "comm.h"
#include "config.h"
#include "error.h"
#include "species.h"
#include "system.h"

/* ---- files written whole: temp file + rename, so a reader never sees half a file -------- */
struct nnmd_outfile {
  FILE *f;
  char path[4096];
  char tmp[4112];
};
int nnmd_outfile_open(struct nnmd_outfile *o, const char *path, struct nnmd_error *err);
/* Close and rename onto the final path (checks every write error). */
int nnmd_outfile_commit(struct nnmd_outfile *o, struct nnmd_error *err);
/* Close and remove the temp file (after an error). Safe to call twice. */
void nnmd_outfile_abort(struct nnmd_outfile *o);
/* dir + "/" + name ("" or NULL dir: name as is). */
void nnmd_ana_path(const char *dir, const char *name, char *out, size_t n);
/* The same with `prefix` ([output] prefix, may be "" or NULL) before the file name. */
void nnmd_ana_file(const char *dir, const char *prefix, const char *name, char *out, size_t n);
/* A JSON number (%.17g), or null when not finite. */
void nnmd_json_num(FILE *f, double v);
/* A JSON string (escapes quotes, backslashes and control characters). */
void nnmd_json_str(FILE *f, const char *s);

/* ---- gathering -------------------------------------------------------------------------- */
struct nnmd_ana_gathered {
  int64_t n;      /* atoms (rank 0; 0 elsewhere) */
  int64_t *id;    /* n ids, ascending */
  int *type;      /* n species indices */
  double *v;      /* 3 * n, component blocks: v[d * n + i] */
  size_t cap;     /* allocated atoms */
  double *send;   /* pack buffer */
  size_t send_cap;
};
/* Owned atoms' 3-vectors `a` (component blocks with stride `stride`) of every rank, on rank 0
 * in id order; reuses g's buffers between calls. Collective. */
int nnmd_ana_gather(struct nnmd_ana_gathered *g, const struct nnmd_system *sys, const struct nnmd_comm *comm,
                    const double *a, int64_t stride, struct nnmd_error *err);
void nnmd_ana_gathered_free(struct nnmd_ana_gathered *g);

/* ---- input helpers ---------------------------------------------------------------------- */
/* `key` = ["Li", "O"] -> sel[species index] = true. Absent key: every species. Unknown
 * species are errors at the item (with "did you mean"). */
int nnmd_ana_species(const struct nnmd_cfg *tbl, const char *key, const struct nnmd_species_table *sp,
                     bool sel[NNMD_MAX_SPECIES], struct nnmd_error *err);
/* Index of species `name` in *idx; unknown: error at loc with "did you mean" and the list. */
int nnmd_ana_species_index(const char *name, struct nnmd_loc loc, const struct nnmd_species_table *sp, int *idx,
                           struct nnmd_error *err);
/* 'every' (>= 1; *every holds the default on entry) and 'window' (steps; a multiple of every,
 * at least 2 every, at most run_steps when run_steps > 0; default: the largest multiple of
 * every giving 5 windows in run_steps). `where` names the table in messages. */
int nnmd_ana_window(const struct nnmd_cfg *tbl, const char *where, int64_t run_steps, int64_t *every, int64_t *window,
                    struct nnmd_error *err);
/* "Li,O" (command line) -> sel[]; unknown names are errors. */
int nnmd_ana_species_csv(const char *list, const struct nnmd_species_table *sp, bool sel[NNMD_MAX_SPECIES],
                         struct nnmd_error *err);

/* ---- statistics ------------------------------------------------------------------------- */
/* Least-squares line y = a + b x over points k = k0..k1 of (x[k], y[k]); *se = the naive
 * standard error of the slope (NaN with fewer than 3 points). Returns the slope b. */
double nnmd_ana_line(const double *x, const double *y, int64_t k0, int64_t k1, double *intercept, double *se);
/* Mean of v[0..n) and its standard error s/sqrt(n) (NaN for n < 2). */
double nnmd_ana_mean_se(const double *v, int64_t n, int64_t stride, double *se);

#endif
