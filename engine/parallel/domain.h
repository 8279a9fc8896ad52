/* domain.h — the 3-D process grid and this rank's sub-domain (design §3, methods §8.3).
 *
 * Sub-domains are slabs in FRACTIONAL coordinates: rank (i, j, k) of a px x py x pz grid
 * owns s_a in [i/px, (i+1)/px), s_b in [j/py, ...), s_c in [k/pz, ...), so every cell shape
 * (triclinic, changing under NPT) is served by one code path. Neighbour ranks along each
 * direction are lower/upper in the grid, periodic (a rank may be its own neighbour).
 * grid = "auto" picks the factorisation of the rank count with the least halo surface per
 * volume: sum_d p_d / width_d. Non-periodic directions are not split.
 */
#ifndef NNMD_DOMAIN_H
#define NNMD_DOMAIN_H

#include "box.h"
#include "comm.h"
#include "error.h"

struct nnmd_domain {
  int grid[3];
  int coord[3];
  int rank, size;
  int lower[3], upper[3]; /* neighbour ranks along each direction */
  double lo[3], hi[3];    /* fractional bounds of this rank's sub-domain */
};

/* grid: {0,0,0} = auto, else explicit (product must equal the rank count). */
int nnmd_domain_setup(struct nnmd_domain *d, const struct nnmd_comm *comm, const struct nnmd_box *box,
                      const int grid[3], struct nnmd_error *err);
/* Rank owning fractional coordinate s (wrapped into [0,1) along periodic directions). */
int nnmd_domain_owner(const struct nnmd_domain *d, const double s[3]);
/* A domain of one rank covering the whole cell. */
void nnmd_domain_serial(struct nnmd_domain *d);

#endif
