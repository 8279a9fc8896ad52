/* neighbor.h — binned Verlet lists with a skin (design §6, methods §8.2).
 *
 * Atoms (owned + ghost) are binned in fractional coordinates: bins are at least half the
 * list cutoff wide perpendicular to each face, and a stencil reaching
 * ceil(cutoff/bin width) bins each way is scanned, so every box shape works. Ghosts are
 * explicit periodic images (halo.h): the list never uses minimum image.
 *
 * Layout: row-major, idx[i * max_neigh + k] for k < count[i], i < n_local (CPU
 * cache-friendly; a GPU backend may transpose to neighbour-major). Indices refer to the
 * system's owned+ghost arrays.
 *   full list: every j != i within cutoff+skin (many-body terms, HDNNP).
 *   half list ("newton on"): each pair once; owned-owned pairs kept when j > i,
 *     owned-ghost pairs kept when r_j - r_i is lexicographically positive in (z, y, x),
 *     which selects exactly one of the two images of a periodic pair.
 * Overflow: build() returns NNMD_ERR_RANGE with the needed max in `need_max`; the caller
 * (nnmd_nlist_build_grow) grows and rebuilds. Never truncated.
 * Rebuild test: an owned atom moved more than skin/2 since the last build (positions kept
 * in `x_ref`), or the box changed.
 */
#ifndef NNMD_NEIGHBOR_H
#define NNMD_NEIGHBOR_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "error.h"
#include "system.h"

struct nnmd_nlist {
  double cutoff; /* interaction cutoff (A) */
  double skin;   /* list radius = cutoff + skin */
  bool full;
  int64_t n;     /* atoms with lists (= n_local at build) */
  int max_neigh; /* row stride of idx */
  int *count;    /* [n] */
  int *idx;      /* [n * max_neigh] */
  int need_max;  /* set on overflow */
  /* statistics of the last build */
  int64_t n_pairs;
  int min_count, max_count;
  double mean_count;
  int64_t n_builds;
  /* private: bins and reference positions */
  struct nnmd_nlist_priv *priv;
};

int nnmd_nlist_create(struct nnmd_nlist **out, double cutoff, double skin, bool full,
                      struct nnmd_error *err);
void nnmd_nlist_destroy(struct nnmd_nlist *nl);
/* Build from the current owned+ghost atoms; grows max_neigh and retries on overflow. */
int nnmd_nlist_build(struct nnmd_nlist *nl, const struct nnmd_system *sys, const struct nnmd_box *box,
                     struct nnmd_error *err);
/* Largest displacement of an owned atom since the last build (A). */
double nnmd_nlist_max_displacement(const struct nnmd_nlist *nl, const struct nnmd_system *sys);

#endif
