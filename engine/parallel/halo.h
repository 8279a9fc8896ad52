/* halo.h — ghost atoms: the exchange engine shared by serial and MPI runs (design §1, §8;
 * methods §8.3).
 *
 * Algorithm (staged six-direction scheme, as CoMD haloExchange / LAMMPS CommBrick):
 * for each lattice direction d = a, b, c that is periodic (or split across ranks), for
 * hop k = 1..need_d (need_d = ceil(ghost_cut / sub-domain width), so cells thinner than
 * the ghost cutoff get several images), two swaps are made:
 *   - to the lower neighbour: atoms with fractional s_d < lo_d + g_d, shifted by +1 lattice
 *     vector when the message crosses the periodic boundary;
 *   - to the upper neighbour: atoms with s_d >= hi_d - g_d, shifted by -1 vector.
 * Hop 1 considers every atom present before direction d (owned + ghosts of earlier
 * directions, so edges and corners need no diagonal messages); hop k > 1 forwards only
 * what arrived in hop k-1 from the opposite side. g_d = ghost_cut / width_d.
 * A rank that is its own neighbour (serial, or one rank along d) copies directly.
 *
 * Each swap stores its send list and its INTEGER lattice shift, so forward communication
 * (every step) recomputes ghost positions with the CURRENT cell: x_ghost = x_src + h*shift
 * (NPT-safe). Reverse communication adds ghost forces to their sources in reverse swap
 * order. Owned atoms are wrapped into the cell (image flags updated) when ghosts are built.
 */
#ifndef NNMD_HALO_H
#define NNMD_HALO_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "comm.h"
#include "domain.h"
#include "error.h"
#include "system.h"

struct nnmd_halo;

int nnmd_halo_create(struct nnmd_halo **out, const struct nnmd_comm *comm, struct nnmd_error *err);
void nnmd_halo_destroy(struct nnmd_halo *h);
/* Wrap owned atoms (periodic directions), drop old ghosts and build new ones within
 * ghost_cut (A) of the sub-domain. Fields flagged `halo` are copied too. */
int nnmd_halo_borders(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      double ghost_cut, struct nnmd_error *err);
/* Ghost positions from their sources with the current cell. */
int nnmd_halo_forward(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      struct nnmd_error *err);
/* Copy a per-atom array (ncomp component blocks with stride sys->capacity) to ghosts. */
int nnmd_halo_forward_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err);
/* Add ghost values of a per-atom array to their sources (forces: data = sys->f, ncomp 3). */
int nnmd_halo_reverse_array(struct nnmd_halo *h, struct nnmd_system *sys, double *data, int ncomp,
                            struct nnmd_error *err);
/* The process grid (default: one rank owning the whole cell). */
void nnmd_halo_set_domain(struct nnmd_halo *h, const struct nnmd_domain *d);
const struct nnmd_domain *nnmd_halo_domain(const struct nnmd_halo *h);
/* Wrap owned atoms into the cell along periodic directions (image flags updated). */
/* An atom that is not finite or more than NNMD_FRAC_MAX cell lengths away is an error
 * (NNMD_ERR_PHYSICS, naming the atom and its position). */
int nnmd_halo_wrap(struct nnmd_system *sys, const struct nnmd_box *box, struct nnmd_error *err);
/* Keep only this rank's atoms of a system every rank holds in full (migrate.c). */
int nnmd_halo_distribute(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                         struct nnmd_error *err);
/* Send owned atoms that left this rank's sub-domain to their new rank (migrate.c). */
int nnmd_halo_migrate(struct nnmd_halo *h, struct nnmd_system *sys, const struct nnmd_box *box,
                      const struct nnmd_comm *comm, struct nnmd_error *err);
/* Number of swaps and ghosts of the last borders() (for logs and tests). */
int nnmd_halo_n_swaps(const struct nnmd_halo *h);

/* The plan of swap k (0 <= k < n_swaps) of the last borders(), for a device copy of the
 * exchange (engine/gpu/resident.c): forward = x[recv_first + m] = x[send[m]] + shift * a_dim,
 * swaps in order; reverse = f[send[m]] += f[recv_first + m], swaps in reverse order. With
 * `self` false the sender packs and comm_sendrecv moves the records (send to send_rank,
 * receive from recv_rank; reverse the other way round). The pointer is valid until the next
 * borders(). */
struct nnmd_halo_swap_info {
  int dim, shift, send_rank, recv_rank;
  bool self;
  const int64_t *send;
  int64_t nsend, recv_first, nrecv;
};
void nnmd_halo_swap_info(const struct nnmd_halo *h, int k, struct nnmd_halo_swap_info *out);
/* The communicator the halo was created with. */
const struct nnmd_comm *nnmd_halo_comm(const struct nnmd_halo *h);

#endif
