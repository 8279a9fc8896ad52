/* nlist_dev_kern.h — private interface between nlist_dev.c (host orchestration) and
 * nlist_dev.cu (kernels, launchers and their host emulation); see nlist_dev.h for the
 * algorithm. Plain C structs passed to kernels by value; every pointer is device memory
 * (host memory in emulation).
 *
 * Layout: s[d * n_all + i] fractional coordinates (component blocks); bins are numbered
 * (b2 * nb1 + b1) * nb0 + b0; bin_start[b] .. bin_start[b+1] index bin_atoms; the list is
 * count[i], idx[i * max_neigh + k] (i < n_local); x_ref[d * n_ref + i].
 * Reductions go into one struct nnmd_nld_red in device memory whose identities the host
 * sets before a pass. Doubles of either sign are reduced through order-preserving 64-bit
 * keys (atomicMin/atomicMax on unsigned long long); the squared displacement (>= 0, NaN
 * mapped to +inf) through its bit pattern, which orders like the value.
 */
#ifndef NNMD_NLIST_DEV_KERN_H
#define NNMD_NLIST_DEV_KERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nnmd_nld_grid {
  int nb[3];        /* bins per direction */
  int reach[3];     /* stencil half-width in bins */
  double smin[3];   /* lower corner of the grid (fractional) */
  double inv_bw[3]; /* 1 / bin width (fractional), slightly reduced so s = smax stays inside */
};

struct nnmd_nld_red {
  unsigned long long smin[3], smax[3]; /* keys of the fractional bounding box */
  unsigned long long first_bad;        /* lowest atom with a non-finite s; ~0ULL if none */
  unsigned long long n_pairs;          /* sum of the row counts */
  unsigned long long disp2;            /* bits of the largest squared displacement */
  int need_max, min_count;             /* largest / smallest row count */
};

struct nnmd_nld_args {
  const double *x;      /* positions, component blocks of stride cap */
  int64_t cap, n_all, n_local;
  double h_inv[9], lo[3];
  double rl2;           /* (cutoff + skin)^2 */
  struct nnmd_nld_grid g;
  int n_bins;
  double *s;            /* 3 * n_all */
  int *bin_count;       /* n_bins + 1 (the last one 0) */
  int *bin_start;       /* n_bins + 1 */
  int *bin_cursor;      /* n_bins */
  int *bin_atoms;       /* n_all */
  int *count, *idx;     /* the list */
  int max_neigh;
  double *x_ref;        /* 3 * n_ref */
  int64_t n_ref;
  void *scan_tmp;       /* device scan workspace (nnmd_nld_scan_bytes) */
  size_t scan_tmp_bytes;
  struct nnmd_nld_red *red;
};

enum {
  NNMD_NLD_K_FRAC,  /* s and the bounding box, all atoms */
  NNMD_NLD_K_COUNT, /* bin_count[bin(i)]++, all atoms */
  NNMD_NLD_K_SCAN,  /* bin_start = exclusive scan of bin_count (n_bins + 1 items) */
  NNMD_NLD_K_FILL,  /* bin_atoms[bin_cursor[bin(i)]++] = i, all atoms */
  NNMD_NLD_K_SORT,  /* each bin's atoms ascending, one thread per bin */
  NNMD_NLD_K_LIST,  /* rows of owned atoms, counts reduced into red */
  NNMD_NLD_K_DISP   /* largest squared displacement of the n_ref reference atoms */
};

/* Run one kernel (emulate: the same bodies sequentially on the host). nlist_dev.cu; the
 * stub fails with NNMD_ERR_UNSUPPORTED. */
int nnmd_nld_launch(int kernel, const struct nnmd_nld_args *a, int emulate, struct nnmd_error *err);
/* Workspace bytes of the device scan over n items (0 in emulation). */
int nnmd_nld_scan_bytes(int n, int emulate, size_t *bytes, struct nnmd_error *err);

/* Order-preserving key of a double (total order of non-NaN values, -0 < +0) and back. */
static inline NNMD_HD unsigned long long nnmd_nld_key(double v) {
  unsigned long long u;
  memcpy(&u, &v, sizeof u);
  const unsigned long long sign = 1ULL << 63;
  return (u & sign) ? ~u : (u | sign);
}
static inline NNMD_HD double nnmd_nld_unkey(unsigned long long k) {
  const unsigned long long sign = 1ULL << 63;
  unsigned long long u = (k & sign) ? (k & ~sign) : ~k;
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

#ifdef __cplusplus
}
#endif

#endif
