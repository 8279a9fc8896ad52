/* bench_gpu.c — HDNNP force evaluations on the GPU (nnp/hdnnp_gpu.h) against the CPU term on
 * one core, measured in the same run: atom-steps/s = force calls per second x atoms, and
 * device memory per atom, for the H2O (bohr/hartree, run in A/eV) and Cu2S (A/eV) models at
 * about 10^4, 10^5, 10^6 atoms (reference structures replicated k x k x k).
 *
 * One GPU call = upload of positions, types and the full neighbour list, the kernels, and
 * the download of forces, energy and virial: what the force term's compute_cuda costs today
 * (the resident whole-step design removes the transfers). Also reported: the kernels alone
 * (per-phase times from a separate, synchronised call), and the device memory the term holds
 * (accounted) and the drop in free device memory (includes CUDA's own reservations).
 * CPU: the existing term (compute_cpu, one core, no threads) at sizes up to --cpu-max atoms
 * (default 30000); larger sizes use the per-atom rate of the largest CPU size measured
 * (the CPU cost per atom does not depend on the size, bench_hdnnp). The host neighbour list
 * and ghosts are built once per size and not timed. Each figure is the median of --reps
 * calls after one warm-up. At the smallest size the GPU energies and forces are compared
 * with the CPU's (a sanity check; tests/gpu has the real one).
 * Usage: bench_gpu [--sizes 10000,100000,1000000] [--reps N] [--cpu-max N] [--model h2o|cu2s]
 *                  [--emulate] [shared_dir]
 * --emulate runs the kernels' host emulation instead of a device (to test this program on a
 * machine without a GPU; its rates mean nothing). Without CUDA, or without a device and
 * without --emulate, it prints SKIP and exits 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comm.h"
#include "device.h"
#include "halo.h"
#include "hdnnp.h"
#include "hdnnp_gpu.h"
#include "neighbor.h"
#include "structure.h"
#include "units.h"

struct bmodel {
  const char *key, *model, *structure;
  int bohr_hartree;
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : (x > y);
}

static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof(double), cmp_d);
  return t[n / 2];
}

/* Replicate the owned atoms k x k x k times (lattice vectors = columns of h). */
static int replicate(struct nnmd_system *sys, struct nnmd_box *box, int k, struct nnmd_error *err) {
  const int64_t n0 = sys->n_local, n = n0 * k * k * k;
  int st = nnmd_system_reserve(sys, n, err);
  if (st) return st;
  const int64_t c = sys->capacity;
  int64_t m = n0;
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b)
      for (int cc = 0; cc < k; ++cc) {
        if (!a && !b && !cc) continue;
        for (int64_t i = 0; i < n0; ++i, ++m) {
          for (int d = 0; d < 3; ++d)
            sys->x[d * c + m] =
                sys->x[d * c + i] + a * box->h[3 * d] + b * box->h[3 * d + 1] + cc * box->h[3 * d + 2];
          sys->type[m] = sys->type[i];
          sys->id[m] = m + 1;
        }
      }
  sys->n_local = sys->n_global = n;
  double h[9];
  for (int d = 0; d < 3; ++d)
    for (int v = 0; v < 3; ++v) h[3 * d + v] = box->h[3 * d + v] * k;
  return nnmd_box_set_h(box, h, box->lo, box->periodic, err);
}

struct bstate {
  struct nnmd_system *sys;
  struct nnmd_box box;
  struct nnmd_halo *halo;
  struct nnmd_nlist *nl;
  void *pot;
  int te[NNMD_MAX_SPECIES];
  double cfl, cfe;
};

static void bstate_free(struct bstate *s) {
  if (s->pot) nnmd_pot_hdnnp.destroy(s->pot);
  nnmd_nlist_destroy(s->nl);
  nnmd_halo_destroy(s->halo);
  nnmd_system_destroy(s->sys);
  memset(s, 0, sizeof *s);
}

/* Structure replicated k^3 times, ghosts, full list, CPU term. */
static int bstate_init(struct bstate *s, const char *shared, const struct bmodel *bm, int k, struct nnmd_comm *comm,
                       struct nnmd_error *err) {
  memset(s, 0, sizeof *s);
  char dir[1024], path[1200];
  snprintf(dir, sizeof dir, "%s/models/%s", shared, bm->model);
  snprintf(path, sizeof path, "%s/reference/%s.data", dir, bm->structure);
  s->cfl = bm->bohr_hartree ? NNMD_BOHR_PER_ANGSTROM : 1.0;
  s->cfe = bm->bohr_hartree ? NNMD_HARTREE_PER_EV : 1.0;
  int st = nnmd_system_create(&s->sys, err);
  if (!st) st = nnmd_read_structure(path, "n2p2", 1.0 / s->cfl, s->sys, &s->box, NULL, err);
  if (!st) st = replicate(s->sys, &s->box, k, err);
  if (!st) st = nnmd_hdnnp_create_dir(dir, &s->sys->species, s->cfl, s->cfe, -1, NULL, &s->pot, err);
  if (!st) st = nnmd_halo_create(&s->halo, comm, err);
  const double rc = s->pot ? nnmd_pot_hdnnp.cutoff(s->pot) : 0.0, skin = 1.0;
  if (!st) st = nnmd_nlist_create(&s->nl, rc, skin, true, err);
  if (!st) st = nnmd_halo_borders(s->halo, s->sys, &s->box, rc + skin, err);
  if (!st) st = nnmd_nlist_build(s->nl, s->sys, &s->box, err);
  const struct nnmd_nnp_model *m = s->pot ? nnmd_hdnnp_model(s->pot) : NULL;
  for (int t = 0; !st && t < s->sys->species.n; ++t) s->te[t] = nnmd_nnp_model_element(m, s->sys->species.s[t].symbol);
  return st;
}

static void zero_forces(struct nnmd_system *sys) {
  const int64_t c = sys->capacity, n = sys->n_local + sys->n_ghost;
  for (int d = 0; d < 3; ++d) memset(sys->f + d * c, 0, (size_t)n * sizeof(double));
}

/* Median seconds of one CPU evaluation; energy of the last. */
static int cpu_time(struct bstate *s, int reps, double *sec, double *energy, struct nnmd_error *err) {
  double *t = calloc((size_t)reps + 1, sizeof(double));
  struct nnmd_log log;
  nnmd_log_init(&log, 1, 0);
  int st = NNMD_OK;
  for (int r = 0; r <= reps && !st; ++r) {
    zero_forces(s->sys);
    struct nnmd_force_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sys = s->sys;
    ctx.box = &s->box;
    ctx.list = s->nl;
    ctx.log = &log;
    ctx.units = nnmd_units_get("lammps");
    double t0 = now();
    st = nnmd_pot_hdnnp.compute_cpu(s->pot, &ctx, err);
    t[r] = now() - t0;
    *energy = ctx.energy;
  }
  *sec = st ? 0.0 : median(t + 1, reps);
  free(t);
  return st;
}

static struct nnmd_hdnnp_gpu_in gpu_input(const struct bstate *s) {
  const struct nnmd_system *sys = s->sys;
  struct nnmd_hdnnp_gpu_in in = {sys->n_local, sys->n_local + sys->n_ghost, sys->capacity, sys->x, sys->type, s->te,
                                 sys->species.n, s->nl->count, s->nl->idx, s->nl->max_neigh, 0.0, false};
  return in;
}

struct gres {
  double sec, kern_sec, energy, mem_acc, mem_free_drop;
  struct nnmd_hdnnp_gpu_times tm;
  double f_rms_dev; /* vs CPU forces (owned + ghost arrays), smallest size only */
};

/* GPU: warm-up, reps timed calls, one timed-phases call. cpu_f: CPU forces (3 x capacity)
 * to compare with, or NULL. */
static int gpu_run(struct bstate *s, int precision, int reps, const double *cpu_f, unsigned flags, struct gres *g,
                   struct nnmd_error *err) {
  memset(g, 0, sizeof *g);
  size_t free0 = 0, free1 = 0, tot = 0;
  struct nnmd_hdnnp_gpu *gpu = NULL;
  struct nnmd_hdnnp_gpu_opts o = {precision, -1, flags, s->cfl, s->cfe};
  const bool dev = !(flags & NNMD_HDNNP_GPU_EMULATE);
  int st = dev ? nnmd_device_mem_info(&free0, &tot, err) : NNMD_OK;
  if (!st) st = nnmd_hdnnp_gpu_create(nnmd_hdnnp_model(s->pot), &o, &gpu, err);
  struct nnmd_hdnnp_gpu_in in = gpu_input(s);
  double *t = calloc((size_t)reps + 1, sizeof(double));
  for (int r = 0; r <= reps && !st; ++r) {
    zero_forces(s->sys);
    struct nnmd_hdnnp_gpu_out out;
    memset(&out, 0, sizeof out);
    out.f = s->sys->f;
    double t0 = now();
    st = nnmd_hdnnp_gpu_compute(gpu, &in, &out, err);
    t[r] = now() - t0;
    g->energy = out.energy;
  }
  if (!st) {
    g->sec = median(t + 1, reps);
    if (dev) (void)nnmd_device_mem_info(&free1, &tot, err);
    g->mem_acc = (double)nnmd_hdnnp_gpu_memory(gpu);
    g->mem_free_drop = (double)free0 - (double)free1;
  }
  if (!st && cpu_f) { /* forces of the last timed call vs the CPU's */
    const int64_t c = s->sys->capacity, n = s->sys->n_local + s->sys->n_ghost;
    double d2 = 0.0, f2 = 0.0;
    for (int d = 0; d < 3; ++d)
      for (int64_t j = 0; j < n; ++j) {
        double a = s->sys->f[d * c + j], b = cpu_f[d * c + j];
        d2 += (a - b) * (a - b);
        f2 += b * b;
      }
    g->f_rms_dev = sqrt(d2 / fmax(f2, 1e-300));
  }
  if (!st) {
    nnmd_hdnnp_gpu_set_timing(gpu, true);
    zero_forces(s->sys);
    struct nnmd_hdnnp_gpu_out out;
    memset(&out, 0, sizeof out);
    out.f = s->sys->f;
    st = nnmd_hdnnp_gpu_compute(gpu, &in, &out, err);
    g->tm = *nnmd_hdnnp_gpu_times(gpu);
    g->kern_sec = g->tm.neighbours + g->tm.descriptors + g->tm.network + g->tm.forces;
  }
  free(t);
  nnmd_hdnnp_gpu_destroy(gpu);
  return st;
}

static int run_model(const char *shared, const struct bmodel *bm, const double *sizes, int nsizes, int reps,
                     double cpu_max, unsigned flags, struct nnmd_comm *comm) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  double cpu_us = 0.0; /* CPU microseconds per atom of the largest CPU size so far */
  int st = NNMD_OK;
  for (int z = 0; z < nsizes && !st; ++z) {
    struct bstate s;
    /* k^3 replicas of the reference structure reach at least sizes[z] atoms */
    int n0 = !strcmp(bm->key, "h2o") ? 192 : 144;
    int k = (int)ceil(cbrt(sizes[z] / n0) - 1e-9);
    if (k < 1) k = 1;
    double tl = now();
    st = bstate_init(&s, shared, bm, k, comm, &err);
    tl = now() - tl;
    if (st) {
      bstate_free(&s);
      break;
    }
    const double n = (double)s.sys->n_local;
    double cpu_sec = 0.0, e_cpu = 0.0, *cpu_f = NULL;
    const char *cpu_note = "measured";
    if (n <= cpu_max || cpu_us == 0.0) {
      st = cpu_time(&s, n > 50000 ? 1 : reps, &cpu_sec, &e_cpu, &err);
      cpu_us = 1e6 * cpu_sec / n;
      if (z == 0) {
        const size_t len = 3 * (size_t)s.sys->capacity;
        cpu_f = malloc(len * sizeof(double));
        memcpy(cpu_f, s.sys->f, len * sizeof(double));
      }
    } else {
      cpu_sec = cpu_us * 1e-6 * n;
      cpu_note = "per-atom rate of the largest CPU size";
    }
    printf("\n%s %s x %d^3 = %.0f atoms (+%lld ghosts), full list: %.1f neighbours/atom, stride %d (host setup %.1f s)\n",
           bm->model, bm->structure, k, n, (long long)s.sys->n_ghost, s.nl->mean_count, s.nl->max_neigh, tl);
    printf("  CPU one core : %10.4f s/call  %12.4g atom-steps/s  (%s, %.1f us/atom)\n", cpu_sec, n / cpu_sec, cpu_note,
           cpu_us);
    for (int p = 0; p < 2 && !st; ++p) {
      struct gres g;
      st = gpu_run(&s, p == 0 ? NNMD_GPU_MIXED : NNMD_GPU_DOUBLE, reps, cpu_f, flags, &g, &err);
      if (st) break;
      char acc[32], drop[32];
      nnmd_device_format_bytes(g.mem_acc / n, acc, sizeof acc);
      nnmd_device_format_bytes(g.mem_free_drop / n, drop, sizeof drop);
      printf("  GPU %-6s   : %10.4f s/call  %12.4g atom-steps/s  x%.1f vs CPU | kernels only %.4f s: %.4g atom-steps/s "
             "x%.1f | memory/atom %s held, %s free-memory drop\n",
             p == 0 ? "mixed" : "double", g.sec, n / g.sec, cpu_sec / g.sec, g.kern_sec, n / g.kern_sec,
             cpu_sec / g.kern_sec, acc, drop);
      printf("      phases (s): upload %.4f  neighbours %.4f  descriptors %.4f  network %.4f  forces %.4f  "
             "download %.4f\n",
             g.tm.upload, g.tm.neighbours, g.tm.descriptors, g.tm.network, g.tm.forces, g.tm.download);
      if (cpu_f)
        printf("      vs CPU: energy rel. %.2e, rms force deviation %.2e rms(F)\n", fabs(g.energy - e_cpu) / fabs(e_cpu),
               g.f_rms_dev);
    }
    free(cpu_f);
    bstate_free(&s);
  }
  if (st) nnmd_error_print(&err, stderr, false);
  nnmd_error_clear(&err);
  return st;
}

int main(int argc, char **argv) {
  const char *shared = NNMD_SHARED_DIR, *only = NULL;
  double sizes[16] = {1e4, 1e5, 1e6}, cpu_max = 30000;
  int nsizes = 3, reps = 3;
  unsigned flags = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cpu-max") && i + 1 < argc) cpu_max = atof(argv[++i]);
    else if (!strcmp(argv[i], "--model") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(argv[i], "--emulate")) flags |= NNMD_HDNNP_GPU_EMULATE;
    else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
      nsizes = 0;
      for (char *p = strtok(argv[++i], ","); p && nsizes < 16; p = strtok(NULL, ",")) sizes[nsizes++] = atof(p);
    } else shared = argv[i];
  }
  if (reps < 1) reps = 1;
  if (!nnmd_device_built() || (nnmd_device_count() == 0 && !flags)) {
    printf("bench_gpu: SKIP: %s\n", nnmd_device_built() ? "no CUDA device" : "nnmd was built without CUDA");
    return 0;
  }
  struct nnmd_comm *comm = NULL;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_device_props pr;
  if (nnmd_comm_create(&comm, &argc, &argv, &err) || (!flags && nnmd_device_select(-1, &pr, &err))) {
    nnmd_error_print(&err, stderr, false);
    return 1;
  }
  char d[512] = "host emulation of the kernels (--emulate): rates are meaningless";
  if (!flags) nnmd_device_describe(&pr, d, sizeof d);
  printf("bench_gpu: HDNNP force calls, GPU (mixed, double) vs the CPU term on one core; median of %d\n%s\n", reps, d);
  const struct bmodel models[] = {{"h2o", "H2O_RPBE-D3", "h2o_192", 1}, {"cu2s", "Cu2S_PBE", "cu2s_144", 0}};
  int st = 0;
  for (size_t k = 0; k < sizeof models / sizeof models[0]; ++k)
    if (!only || !strcmp(only, models[k].key))
      st |= run_model(shared, &models[k], sizes, nsizes, reps, cpu_max, flags, comm);
  nnmd_comm_destroy(comm);
  nnmd_error_clear(&err);
  return st ? 1 : 0;
}
