/* domain.c — see domain.h. */
#include "domain.h"

#include <math.h>

static int rank_of(const struct nnmd_domain *d, int i, int j, int k) {
  i = (i + d->grid[0]) % d->grid[0];
  j = (j + d->grid[1]) % d->grid[1];
  k = (k + d->grid[2]) % d->grid[2];
  return (k * d->grid[1] + j) * d->grid[0] + i;
}

void nnmd_domain_serial(struct nnmd_domain *d) {
  *d = (struct nnmd_domain){.grid = {1, 1, 1}, .size = 1, .hi = {1, 1, 1}};
}

static void best_grid(int p, const struct nnmd_box *box, int g[3]) {
  double best = INFINITY;
  g[0] = p;
  g[1] = g[2] = 1;
  for (int a = 1; a <= p; ++a) {
    if (p % a) continue;
    for (int b = 1; b <= p / a; ++b) {
      if ((p / a) % b) continue;
      int c = p / a / b, t[3] = {a, b, c};
      double cost = 0;
      bool ok = true;
      for (int k = 0; k < 3; ++k) {
        if (!box->periodic[k] && t[k] > 1) ok = false;
        cost += t[k] / box->width[k];
      }
      if (ok && cost < best - 1e-12) {
        best = cost;
        g[0] = a;
        g[1] = b;
        g[2] = c;
      }
    }
  }
}

int nnmd_domain_setup(struct nnmd_domain *d, const struct nnmd_comm *comm, const struct nnmd_box *box,
                      const int grid[3], struct nnmd_error *err) {
  d->rank = nnmd_comm_rank(comm);
  d->size = nnmd_comm_size(comm);
  if (grid[0] > 0) {
    if (grid[0] * grid[1] * grid[2] != d->size)
      return nnmd_fail(err, NNMD_ERR_INPUT, "grid = [%d, %d, %d] needs %d MPI ranks, but %d are running", grid[0],
                       grid[1], grid[2], grid[0] * grid[1] * grid[2], d->size);
    for (int k = 0; k < 3; ++k) {
      d->grid[k] = grid[k];
      if (!box->periodic[k] && grid[k] > 1)
        return nnmd_fail(err, NNMD_ERR_INPUT, "grid splits the non-periodic direction %c", "abc"[k]);
    }
  } else {
    best_grid(d->size, box, d->grid);
  }
  int r = d->rank;
  d->coord[0] = r % d->grid[0];
  d->coord[1] = (r / d->grid[0]) % d->grid[1];
  d->coord[2] = r / (d->grid[0] * d->grid[1]);
  for (int k = 0; k < 3; ++k) {
    int c[3] = {d->coord[0], d->coord[1], d->coord[2]};
    c[k] -= 1;
    d->lower[k] = rank_of(d, c[0], c[1], c[2]);
    c[k] += 2;
    d->upper[k] = rank_of(d, c[0], c[1], c[2]);
    d->lo[k] = (double)d->coord[k] / d->grid[k];
    d->hi[k] = (double)(d->coord[k] + 1) / d->grid[k];
  }
  return NNMD_OK;
}

int nnmd_domain_owner(const struct nnmd_domain *d, const double s[3]) {
  int c[3];
  for (int k = 0; k < 3; ++k) {
    double f = s[k] - floor(s[k]);
    if (!(f >= 0.0 && f < 1.0)) f = 0.0; /* NaN/inf: no undefined float-to-int (the halo wrap reports it) */
    c[k] = (int)(f * d->grid[k]);
    if (c[k] >= d->grid[k]) c[k] = d->grid[k] - 1;
    if (c[k] < 0) c[k] = 0;
  }
  return rank_of(d, c[0], c[1], c[2]);
}
