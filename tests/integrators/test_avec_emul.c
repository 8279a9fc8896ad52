/* test_avec_emul.c — the integrators' device path (engine/gpu/avec.h, kernels of engine/gpu/avec.cu)
 * without a GPU: every ensemble integrator runs the same steps twice from the same state,
 * once on the host arrays of a struct nnmd_system (ctx.dev = NULL, the production host path)
 * and once on an emulated struct nnmd_dev_atoms (dev->emulate: host COPIES of the arrays in
 * another capacity, the kernels' per-atom __host__ __device__ bodies run sequentially;
 * ctx.sys = NULL there, so an integrator that touched the host system would crash).
 *
 * System: 300 atoms of two species (Ar, Kr masses) at random positions in an orthorhombic
 * or (MTK triclinic) tilted periodic cell, random velocities (~100 K), forces of a harmonic
 * tether to the initial sites, F_i = -k (x_i - x0_i) with k = 0.05 eV/A^2, and its virial
 * W_ab = sum_i (x_i - x0_i)_a F_ib, recomputed on each side between the halves (the cell
 * change of the barostats does not enter the tether). 50 steps of dt = 2 fs.
 * Compared after the steps: owned positions and velocities, the cell h and lo, and
 * conserved_extra.
 * Tolerance: 1e-12 relative (positions against the cell size, velocities against their rms,
 * cell and reservoir against their magnitude). The emulated bodies evaluate the host loops'
 * expressions in the same order and the emulated sums add atom by atom in the host loop
 * order, so the two paths agree bit for bit when both compilers round every operation
 * (measured: bitwise identical for every integrator; the number of differing values is
 * printed). The margin allows a host compiler that contracts a*b+c into an FMA in one of the
 * two translation units (one rounding less per operation, ~1e-16 relative per step; the
 * tethered system is linear, so such differences do not grow exponentially over 50 steps).
 * Without CUDA the suite checks that the device path refuses (NNMD_ERR_UNSUPPORTED) and
 * skips (exit 77): the emulated bodies are compiled by nvcc only.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avec.h"
#include "dev_atoms.h"
#include "device.h"
#include "integrators.h"
#include "support.h"
#include "toml.h"

#define N_ATOMS 300
#define N_STEPS 50
#define DT 0.002
#define K_TETHER 0.05
#define CAP_EMU (N_ATOMS + 13) /* another stride than the host system's */
#define TOL 1e-12

static struct nnmd_comm *g_comm;

struct side {
  double *x, *v, *f, *x0; /* component blocks of stride cap */
  int64_t cap, n;
};

/* Tether forces and their virial. */
static void forces(struct side *s, double w[9]) {
  memset(w, 0, 9 * sizeof(double));
  for (int64_t i = 0; i < s->n; ++i) {
    double d[3], f[3];
    for (int a = 0; a < 3; ++a) {
      d[a] = s->x[a * s->cap + i] - s->x0[a * s->cap + i];
      f[a] = -K_TETHER * d[a];
      s->f[a * s->cap + i] = f[a];
    }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) w[3 * a + b] += d[a] * f[b];
  }
}

struct world {
  struct nnmd_system *sys;
  struct nnmd_box box_h, box_e;
  struct side host, emu;
  double *x0_host;
  struct nnmd_dev_atoms dev;
  struct nnmd_dev_atoms *devp;
};

static void world_init(struct world *w, bool tilted, uint64_t seed) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  memset(w, 0, sizeof *w);
  ck_assert_int_eq(nnmd_system_create(&w->sys, &err), 0);
  const char *sp[] = {"Ar", "Kr", "Ar", NULL};
  double L[3] = {24.0, 22.0, 23.0}, tilt[3] = {0, 0, 0};
  if (tilted) {
    tilt[0] = 2.5; /* xy, xz, yz */
    tilt[1] = -1.5;
    tilt[2] = 1.0;
  }
  ck_assert_int_eq(tsup_random_system(w->sys, &w->box_h, N_ATOMS, sp, L, tilt, 1.5, seed), 0);
  ck_assert_int_eq(w->sys->n_local, N_ATOMS);
  struct nnmd_system *sys = w->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  uint64_t rs = seed ^ 0x5eedu;
  for (int64_t i = 0; i < n; ++i) {
    double sd = sqrt(8.617e-5 * 100.0 / (nnmd_system_mass(sys, i) * 1.0364269e-4)); /* ~100 K, A/ps */
    for (int d = 0; d < 3; ++d) {
      sys->v[d * c + i] = sd * tsup_rand_normal(&rs);
      sys->x[d * c + i] += 0.05 * tsup_rand_normal(&rs); /* off the tether sites */
    }
  }
  w->box_e = w->box_h;
  /* host side: the system's own arrays; x0 = the sites */
  w->x0_host = calloc(3 * (size_t)c, sizeof(double));
  ck_assert_ptr_nonnull(w->x0_host);
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) w->x0_host[d * c + i] = sys->x[d * c + i] + 0.03 * tsup_rand_normal(&rs);
  w->host = (struct side){sys->x, sys->v, sys->f, w->x0_host, c, n};
  /* emulated side: copies in stride CAP_EMU */
  size_t bytes = 3 * (size_t)CAP_EMU * sizeof(double);
  w->emu = (struct side){malloc(bytes), malloc(bytes), calloc(1, bytes), malloc(bytes), CAP_EMU, n};
  ck_assert(w->emu.x && w->emu.v && w->emu.f && w->emu.x0);
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) {
      w->emu.x[d * CAP_EMU + i] = sys->x[d * c + i];
      w->emu.v[d * CAP_EMU + i] = sys->v[d * c + i];
      w->emu.x0[d * CAP_EMU + i] = w->x0_host[d * c + i];
    }
  struct nnmd_dev_atoms *a = &w->dev;
  a->n_local = n;
  a->n_ghost = 0;
  a->capacity = CAP_EMU;
  a->x = w->emu.x;
  a->v = w->emu.v;
  a->f = w->emu.f;
  a->type = malloc(CAP_EMU * sizeof(int));
  a->id = malloc(CAP_EMU * sizeof(int64_t));
  ck_assert(a->type && a->id);
  for (int64_t i = 0; i < n; ++i) {
    a->type[i] = sys->type[i];
    a->id[i] = sys->id[i];
  }
  a->n_types = sys->species.n;
  for (int t = 0; t < sys->species.n; ++t) a->mass[t] = sys->species.s[t].mass;
  a->emulate = true;
  w->devp = a;
  nnmd_error_clear(&err);
}

static void world_free(struct world *w) {
  free(w->x0_host);
  free(w->emu.x);
  free(w->emu.v);
  free(w->emu.f);
  free(w->emu.x0);
  free(w->dev.type);
  free(w->dev.id);
  nnmd_system_destroy(w->sys);
}

static void *make_state(const struct nnmd_integrator_ops *ops, const char *text) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_cfg *root = NULL;
  ck_assert_int_eq(nnmd_toml_parse_string(text, "run.toml", &root, &err), 0);
  struct nnmd_integ_info info = {.units = nnmd_units_get("lammps"), .dt = DT, .n_global = N_ATOMS,
                                 .n_dof = 3 * N_ATOMS - 3, .seed = 987654321u, .log = NULL};
  void *state = NULL;
  int st = ops->create(nnmd_cfg_get(root, "run"), &info, &state, &err);
  if (st) nnmd_error_print(&err, stderr, true);
  ck_assert_int_eq(st, 0);
  nnmd_cfg_free(root);
  nnmd_error_clear(&err);
  return state;
}

/* Largest |a - b| over the owned atoms of two sides, and the count of differing values. */
static double max_diff(const double *a, int64_t ca, const double *b, int64_t cb, int64_t n, long *ndiff) {
  double m = 0.0;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) {
      double x = a[d * ca + i], y = b[d * cb + i];
      if (memcmp(&x, &y, sizeof x) != 0) ++*ndiff;
      m = fmax(m, fabs(x - y));
    }
  return m;
}

static double rms(const double *a, int64_t c, int64_t n) {
  double s = 0.0;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) s += a[d * c + i] * a[d * c + i];
  return sqrt(s / (3.0 * (double)n));
}

static void compare(const char *label, const struct nnmd_integrator_ops *ops, const char *text, bool tilted) {
  struct world w;
  world_init(&w, tilted, 4242u + (uint64_t)strlen(text));
  void *sh = make_state(ops, text), *se = make_state(ops, text);
  const struct nnmd_units *u = nnmd_units_get("lammps");
  struct nnmd_integ_ctx ch = {.sys = w.sys, .box = &w.box_h, .units = u, .comm = g_comm, .dt = DT,
                              .seed = 987654321u, .n_dof = 3 * N_ATOMS - 3, .first_step = 0, .last_step = N_STEPS};
  struct nnmd_integ_ctx ce = ch;
  ce.sys = NULL;
  ce.box = &w.box_e;
  ce.dev = w.devp;
  struct nnmd_error err;
  nnmd_error_init(&err);
  const double vol0 = w.box_h.volume;
  forces(&w.host, ch.virial);
  forces(&w.emu, ce.virial);
  for (int64_t step = 1; step <= N_STEPS; ++step) {
    ch.step = ce.step = step;
    int st = ops->first_half(sh, &ch, &err);
    if (!st) st = ops->first_half(se, &ce, &err);
    if (st) nnmd_error_print(&err, stderr, true);
    ck_assert_int_eq(st, 0);
    ck_assert(ch.box_changed == ce.box_changed);
    forces(&w.host, ch.virial);
    forces(&w.emu, ce.virial);
    ck_assert_int_eq(ops->second_half(sh, &ch, &err), 0);
    ck_assert_int_eq(ops->second_half(se, &ce, &err), 0);
  }
  long nd = 0;
  double dx = max_diff(w.host.x, w.host.cap, w.emu.x, w.emu.cap, N_ATOMS, &nd);
  double dv = max_diff(w.host.v, w.host.cap, w.emu.v, w.emu.cap, N_ATOMS, &nd);
  double dh = 0.0, hmax = 0.0;
  for (int k = 0; k < 9; ++k) {
    dh = fmax(dh, fabs(w.box_h.h[k] - w.box_e.h[k]));
    hmax = fmax(hmax, fabs(w.box_h.h[k]));
    nd += w.box_h.h[k] != w.box_e.h[k];
  }
  for (int k = 0; k < 3; ++k) {
    dh = fmax(dh, fabs(w.box_h.lo[k] - w.box_e.lo[k]));
    nd += w.box_h.lo[k] != w.box_e.lo[k];
  }
  double eh = ops->conserved_extra ? ops->conserved_extra(sh) : 0.0;
  double ee = ops->conserved_extra ? ops->conserved_extra(se) : 0.0;
  nd += eh != ee;
  double vrms = rms(w.host.v, w.host.cap, N_ATOMS);
  printf("%-20s max|dx| %.1e A, max|dv| %.1e A/ps (rms v %.3g), max|dh| %.1e A, V/V0 - 1 = %+.1e, extra %.17g "
         "vs %.17g; %ld of %d values differ\n",
         label, dx, dv, vrms, dh, w.box_h.volume / vol0 - 1.0, eh, ee, nd, 6 * N_ATOMS + 13);
  ck_assert_msg(dx <= TOL * hmax, "%s: positions differ by %g A", label, dx);
  ck_assert_msg(dv <= TOL * vrms, "%s: velocities differ by %g A/ps", label, dv);
  ck_assert_msg(dh <= TOL * hmax, "%s: cells differ by %g A", label, dh);
  ck_assert_msg(fabs(eh - ee) <= TOL * fmax(fabs(eh), 1e-6), "%s: conserved_extra %.17g vs %.17g", label, eh, ee);
  /* the run moved something: a comparison of untouched arrays would prove nothing */
  ck_assert(vrms > 0.0);
  if (ops->flags & NNMD_INTEG_NEEDS_VIRIAL) /* barostats: the cell (and the remap) took part */
    ck_assert_msg(fabs(w.box_h.volume / vol0 - 1.0) > 1e-6, "%s: the volume did not change", label);
  if (ops->destroy) {
    ops->destroy(sh);
    ops->destroy(se);
  }
  world_free(&w);
  nnmd_error_clear(&err);
}

static const struct {
  const char *label;
  const struct nnmd_integrator_ops *ops;
  const char *run;
  bool tilted;
} k_cases[] = {
    {"nve", &nnmd_integ_nve, "[run]\n", false},
    {"nose-hoover", &nnmd_integ_nhc, "[run]\ntemperature = [100, 140]\ntdamp = 0.05\nchain = 4\nsy = 3\n", false},
    {"csvr", &nnmd_integ_csvr, "[run]\ntemperature = 150\ntdamp = 0.05\n", false},
    {"csvr end", &nnmd_integ_csvr, "[run]\ntemperature = 150\nplacement = 'end'\n", false},
    {"langevin", &nnmd_integ_langevin, "[run]\ntemperature = 150\ntdamp = 0.2\n", false},
    {"langevin zero", &nnmd_integ_langevin, "[run]\ntemperature = 150\ntdamp = 0.2\nzero = true\n", false},
    {"berendsen", &nnmd_integ_berendsen, "[run]\ntemperature = 150\ntdamp = 0.05\n", false},
    {"berendsen npt iso", &nnmd_integ_berendsen_npt,
     "[run]\ntemperature = 150\npressure = 300\npdamp = 0.1\ncompressibility = 2e-4\n", false},
    {"berendsen npt aniso", &nnmd_integ_berendsen_npt,
     "[run]\ntemperature = 150\npressure = 300\npdamp = 0.1\ncompressibility = 2e-4\ncouple = 'aniso'\n", false},
    {"mtk iso", &nnmd_integ_mtk, "[run]\ntemperature = 150\npressure = 300\npdamp = 0.2\n", false},
    {"mtk aniso", &nnmd_integ_mtk, "[run]\ntemperature = 150\npressure = 300\npdamp = 0.2\ncouple = 'aniso'\n", false},
    {"mtk triclinic", &nnmd_integ_mtk,
     "[run]\ntemperature = 150\npressure = 300\npdamp = 0.2\ncouple = 'triclinic'\n", true},
    {"mtk iso nph", &nnmd_integ_mtk, "[run]\nthermostat = 'none'\npressure = 300\npdamp = 0.2\n", false},
    {"c-rescale iso", &nnmd_integ_crescale,
     "[run]\ntemperature = 150\npressure = 300\npdamp = 0.1\ncompressibility = 2e-4\n", false},
    {"c-rescale aniso", &nnmd_integ_crescale,
     "[run]\ntemperature = 150\npressure = 300\npdamp = 0.1\ncompressibility = 2e-4\ncouple = 'aniso'\n", false},
};

START_TEST(test_integrator) { compare(k_cases[_i].label, k_cases[_i].ops, k_cases[_i].run, k_cases[_i].tilted); }
END_TEST

/* Single operations against the host loops: kinetic energy and tensor, remap. */
START_TEST(test_reductions) {
  struct world w;
  world_init(&w, true, 99u);
  struct nnmd_error err;
  nnmd_error_init(&err);
  const struct nnmd_units *u = nnmd_units_get("lammps");
  struct nnmd_integ_ctx ch = {.sys = w.sys, .box = &w.box_h, .units = u, .comm = g_comm, .dt = DT};
  struct nnmd_integ_ctx ce = ch;
  ce.sys = NULL;
  ce.dev = w.devp;
  double kh, ke, mh[9], me[9];
  ck_assert_int_eq(nnmd_av_kinetic_energy(&ch, &kh, &err), 0);
  ck_assert_int_eq(nnmd_av_kinetic_energy(&ce, &ke, &err), 0);
  ck_assert_int_eq(nnmd_av_mvv_local(&ch, mh, &err), 0);
  ck_assert_int_eq(nnmd_av_mvv_local(&ce, me, &err), 0);
  printf("kinetic energy host %.17g emulated %.17g\n", kh, ke);
  ck_assert(kh > 0.0);
  ck_assert_double_le(fabs(kh - ke), TOL * kh);
  for (int k = 0; k < 9; ++k) ck_assert_double_le(fabs(mh[k] - me[k]), TOL * mh[0]);
  ck_assert_double_eq(me[3], 0.0); /* lower triangle left 0 */
  /* trace of the tensor = 2 K / mvv2e */
  ck_assert_double_le(fabs(0.5 * u->mvv2e * (mh[0] + mh[4] + mh[8]) - kh), 1e-12 * kh);
  world_free(&w);
  nnmd_error_clear(&err);
}
END_TEST

/* Without CUDA: the device path refuses clearly. */
START_TEST(test_unsupported) {
  struct nnmd_dev_atoms a;
  memset(&a, 0, sizeof a);
  a.n_local = 1;
  a.emulate = true;
  struct nnmd_integ_ctx c = {.units = nnmd_units_get("lammps"), .comm = g_comm, .dt = DT, .dev = &a};
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_av_kick(&c, DT, &err), NNMD_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(err.msg, "NNMD_CUDA"));
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nnmd_comm_create(&g_comm, NULL, NULL, &err)) {
    nnmd_error_print(&err, stderr, true);
    return 1;
  }
  Suite *s = suite_create("avec_emulation");
  TCase *tc = tcase_create("integrators: emulated device path vs host");
  tcase_set_timeout(tc, 300);
  bool cuda = nnmd_device_built();
  if (!cuda) {
    tcase_add_test(tc, test_unsupported);
  } else {
    tcase_add_test(tc, test_reductions);
    tcase_add_loop_test(tc, test_integrator, 0, (int)(sizeof k_cases / sizeof k_cases[0]));
  }
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK); /* one communicator (MPI) for the process */
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nnmd_comm_destroy(g_comm);
  if (!cuda && nf == 0) {
    printf("SKIP: built without CUDA: the emulated integrator kernels need nvcc (the refusal was checked)\n");
    return 77;
  }
  return nf ? 1 : 0;
}
