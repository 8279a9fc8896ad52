/* bench_hdnnp.c — time per atom of one HDNNP energy+force evaluation on one core,
 * neighbour list included, against the n2p2 figures of shared/models/README.md.
 *
 * One evaluation = ghost atoms (halo) + full neighbour list + compute + reverse
 * communication of ghost forces, i.e. what an MD step with a list rebuild costs. Each case
 * reports the median of `reps` evaluations (after one warm-up), and the ratio to n2p2's
 * time per atom (which EXCLUDES n2p2's O(N^2) neighbour list: ours includes it).
 * Memory per atom: the bytes held by the hdnnp term (nnmd_hdnnp_memory: model, tables,
 * scratch incl. the pair tape — nothing scales with the atom count), the engine's atom
 * arrays (owned + ghosts) and full neighbour list, and the resident-set growth of the case
 * (meaningful for the first case only: later cases reuse freed heap).
 * Structures: h2o_192 replicated 2x2x4 (3,072 atoms) and 5x5x5 (24,000), cu2s_144 2x2x2
 * (1,152), ebz_288 2x2x2 (2,304; only with --all, ~10 s per evaluation at n2p2 speed).
 * Models run in eV/Angstrom with unit conversion, as in a user's run.
 * Usage: bench_hdnnp [--all] [--reps N] [--case K] [shared_dir]   (K = 0..3: one case only)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "comm.h"
#include "halo.h"
#include "hdnnp.h"
#include "mem.h"
#include "neighbor.h"
#include "structure.h"
#include "units.h"

struct bcase {
  const char *model, *structure;
  int rep[3];
  int length_bohr, energy_hartree;
  double n2p2_us; /* n2p2 per atom per evaluation, excluding its neighbour list */
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Resident set size now (bytes; Linux /proc/self/statm), 0 if unknown. */
static size_t current_rss(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, res = 0;
  int n = fscanf(f, "%lu %lu", &size, &res);
  fclose(f);
  return n == 2 ? (size_t)res * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : (x > y);
}

/* Replicate the owned atoms of sys rep[0] x rep[1] x rep[2] times and enlarge the box. */
static int replicate(struct nnmd_system *sys, struct nnmd_box *box, const int rep[3], struct nnmd_error *err) {
  int64_t n0 = sys->n_local, n = n0 * rep[0] * rep[1] * rep[2];
  int st = nnmd_system_reserve(sys, n, err);
  if (st) return st;
  int64_t c = sys->capacity, k = n0;
  for (int a = 0; a < rep[0]; ++a)
    for (int b = 0; b < rep[1]; ++b)
      for (int cc = 0; cc < rep[2]; ++cc) {
        if (!a && !b && !cc) continue;
        for (int64_t i = 0; i < n0; ++i, ++k) {
          for (int d = 0; d < 3; ++d)
            sys->x[d * c + k] = sys->x[d * c + i] + a * box->h[3 * d] + b * box->h[3 * d + 1] + cc * box->h[3 * d + 2];
          sys->type[k] = sys->type[i];
          sys->id[k] = k + 1;
        }
      }
  sys->n_local = sys->n_global = n;
  double h[9];
  for (int d = 0; d < 3; ++d)
    for (int v = 0; v < 3; ++v) h[3 * d + v] = box->h[3 * d + v] * rep[v];
  return nnmd_box_set_h(box, h, box->lo, box->periodic, err);
}

static int run_case(const char *shared, const struct bcase *bc, int reps, struct nnmd_comm *comm) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  char dir[1024], path[1200];
  snprintf(dir, sizeof dir, "%s/models/%s", shared, bc->model);
  snprintf(path, sizeof path, "%s/reference/%s.data", dir, bc->structure);
  double cfl = bc->length_bohr ? NNMD_BOHR_PER_ANGSTROM : 1.0, cfe = bc->energy_hartree ? NNMD_HARTREE_PER_EV : 1.0;
  size_t rss0 = current_rss();
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  struct nnmd_halo *halo = NULL;
  struct nnmd_nlist *nl = NULL;
  void *pot = NULL;
  double *eatom = NULL;
  int st = nnmd_system_create(&sys, &err);
  if (!st) st = nnmd_read_structure(path, "n2p2", 1.0 / cfl, sys, &box, NULL, &err);
  if (!st) st = replicate(sys, &box, bc->rep, &err);
  if (!st) st = nnmd_hdnnp_create_dir(dir, &sys->species, cfl, cfe, -1, NULL, &pot, &err);
  if (!st) st = nnmd_halo_create(&halo, comm, &err);
  double rc = pot ? nnmd_pot_hdnnp.cutoff(pot) : 0.0, skin = 1.0;
  if (!st) st = nnmd_nlist_create(&nl, rc, skin, true, &err);
  double *t = calloc((size_t)reps + 1, sizeof(double)), energy = 0.0;
  struct nnmd_log log;
  nnmd_log_init(&log, 0, 0);
  for (int r = 0; r <= reps && !st; ++r) {
    double t0 = now();
    st = nnmd_halo_borders(halo, sys, &box, rc + skin, &err);
    if (!st) st = nnmd_nlist_build(nl, sys, &box, &err);
    if (st) break;
    if (!eatom) eatom = calloc((size_t)sys->capacity, sizeof(double));
    int64_t c = sys->capacity, nall = sys->n_local + sys->n_ghost;
    for (int d = 0; d < 3; ++d) memset(sys->f + d * c, 0, (size_t)nall * sizeof(double));
    struct nnmd_force_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sys = sys;
    ctx.box = &box;
    ctx.list = nl;
    ctx.log = &log;
    ctx.units = nnmd_units_get("lammps");
    st = nnmd_pot_hdnnp.compute_cpu(pot, &ctx, &err);
    if (!st) st = nnmd_halo_reverse_array(halo, sys, sys->f, 3, &err);
    t[r] = now() - t0;
    energy = ctx.energy;
  }
  if (st) {
    nnmd_error_print(&err, stderr, false);
  } else {
    qsort(t + 1, (size_t)reps, sizeof(double), cmp_d);
    double med = t[1 + reps / 2], n = (double)sys->n_local;
    double us = 1e6 * med / n;
    double mem = (double)(current_rss() - rss0) / n;
    double tmem = (double)nnmd_hdnnp_memory(pot);
    double smem = (double)sys->capacity * (9 * sizeof(double) + sizeof(int64_t) + sizeof(int) + 3 * sizeof(int32_t));
    double lmem = (double)nl->n * ((double)nl->max_neigh + 1) * sizeof(int);
    printf("%-18s %-10s %6lld atoms  %8.1f us/atom  (n2p2 %6.0f us/atom, ratio %.3f)  E/atom %.10f eV\n"
           "    memory per atom: hdnnp term %.0f B (%.0f kB in all, none per atom); engine: atoms incl. %lld ghosts "
           "%.0f B, full neighbour list %.0f B (%.1f neighbours, row stride %d); RSS growth %.0f B\n",
           bc->model, bc->structure, (long long)sys->n_local, us, bc->n2p2_us, us / bc->n2p2_us, energy / n,
           tmem / n, tmem / 1024.0, (long long)sys->n_ghost, smem / n, lmem / n, nl->mean_count, nl->max_neigh, mem);
  }
  free(t);
  free(eatom);
  nnmd_pot_hdnnp.destroy(pot);
  nnmd_nlist_destroy(nl);
  nnmd_halo_destroy(halo);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
  return st;
}

int main(int argc, char **argv) {
  const char *shared = NNMD_SHARED_DIR;
  int all = 0, reps = 5, only = -1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--all") == 0) all = 1;
    else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) only = atoi(argv[++i]);
    else shared = argv[i];
  }
  if (reps < 1) reps = 1;
  const struct bcase cases[] = {
      {"H2O_RPBE-D3", "h2o_192", {2, 2, 4}, 1, 1, 244.0},
      {"H2O_RPBE-D3", "h2o_192", {5, 5, 5}, 1, 1, 244.0},
      {"Cu2S_PBE", "cu2s_144", {2, 2, 2}, 0, 0, 353.0},
      {"Ethylbenzene_SCAN", "ebz_288", {2, 2, 2}, 1, 1, 5060.0},
  };
  struct nnmd_comm *comm = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nnmd_comm_create(&comm, &argc, &argv, &err)) {
    nnmd_error_print(&err, stderr, false);
    return 1;
  }
  printf("bench_hdnnp: one energy+force evaluation incl. ghosts + neighbour list, median of %d, one core\n", reps);
  int st = 0;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    if (only >= 0 ? (int)k != only : (!all && strcmp(cases[k].model, "Ethylbenzene_SCAN") == 0)) continue;
    st |= run_case(shared, &cases[k], strcmp(cases[k].model, "Ethylbenzene_SCAN") == 0 ? 1 : reps, comm);
  }
  nnmd_comm_destroy(comm);
  return st ? 1 : 0;
}
