/* hdnnp_gpu_check.c — GPU HDNNP (nnp/hdnnp_gpu.h) against the CPU term on the same engine
 * state, shared by tests/nnp/test_hdnnp_gpu_emul.c (kernels emulated on the host) and
 * tests/gpu/test_gpu_hdnnp.c (on a device). #included after nnp_test_util.c.
 *
 * One comparison: the engine harness builds ghosts and the full list and runs the CPU term
 * (forces folded onto owned atoms by the reverse halo); then the GPU path gets the same
 * owned+ghost positions and list, its owned+ghost forces are folded the same way, and
 *   energy   |E_gpu - E_cpu| / |E_cpu|  and per atom  |dE| / N / max(|E_cpu| / N, 1e-300)
 *   forces   max |dF_k| / RMS(F) and RMS(dF) / RMS(F) over all components
 *   virial   max |dW_ab| / max |W_ab|
 *   eatom    max |dE_i| / max |E_i|
 * are measured; warnings counted on both sides are returned for the caller.
 * For mixed precision also the float resolution of the structure: the CPU's rms force
 * change when only the input coordinates are rounded to float (f_floor, same measure).
 * Models with a charge-state node: the system charge q is set on both sides and
 * dE/dq compared (the GPU returns sum_i dE_i/dQ in model units, Q = c q / V).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halo.h"
#include "hdnnp.h"
#include "hdnnp_gpu.h"

struct hg_result {
  int n;
  double e_cpu, e_gpu;
  double de_rel, de_atom_rel, df_max_rel, df_rms_rel, dw_rel, dea_rel;
  int64_t warn_cpu, warn_gpu;
  double f_rms;
  double f_floor; /* mixed only: rms(dF)/rms(F) of the CPU path for float-rounded coordinates */
  double dedq_rel; /* charge node: |dE/dq gpu - cpu| / |cpu| */
};

static double hg_rms(const double *a, size_t n) {
  double s = 0.0;
  for (size_t k = 0; k < n; ++k) s += a[k] * a[k];
  return sqrt(s / (double)(n ? n : 1));
}

/* CPU forces (3n atom-major) of structure s (system charge q unless NAN); 0 on success. */
static int hg_cpu_forces(const char *dir, const struct nt_struct *s, double scale, double cfl, double cfe, double q,
                         double *f) {
  struct nt_engine e;
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nt_engine_init(&e, s, scale, 0.5 / cfl)) return 1;
  e.ops = &nnmd_pot_hdnnp;
  e.log.rank = 1;
  double en;
  int st = nnmd_hdnnp_create_dir(dir, &e.sys->species, cfl, cfe, -1, NULL, &e.pot, &err);
  if (!st && !isnan(q)) st = nnmd_hdnnp_set_charge_state(e.pot, true, q, NNMD_NOLOC, "q", &err);
  if (!st) st = nt_engine_compute(&e, &en, f, NULL, NULL);
  if (st) nnmd_error_print(&err, stderr, false);
  nt_engine_free(&e);
  nnmd_error_clear(&err);
  return st;
}

/* rms force change of the CPU path when the coordinates (engine units) are rounded to float. */
static int hg_float_floor(const char *dir, const struct nt_struct *s, double scale, double cfl, double cfe, double q,
                          const double *fref, double *floor_rel) {
  struct nt_struct t = *s;
  t.x = malloc(3 * (size_t)s->n * sizeof(double));
  for (int k = 0; k < 3 * s->n; ++k) t.x[k] = (double)(float)(s->x[k] * scale);
  for (int a = 0; a < 3; ++a)
    for (int d = 0; d < 3; ++d) t.lat[a][d] = s->lat[a][d] * scale;
  double *f = calloc(3 * (size_t)s->n, sizeof(double)), *df = calloc(3 * (size_t)s->n, sizeof(double));
  int st = hg_cpu_forces(dir, &t, 1.0, cfl, cfe, q, f);
  for (int k = 0; k < 3 * s->n; ++k) df[k] = f[k] - fref[k];
  *floor_rel = st ? 0.0 : hg_rms(df, 3 * (size_t)s->n) / fmax(hg_rms(fref, 3 * (size_t)s->n), 1e-300);
  free(t.x);
  free(f);
  free(df);
  return st;
}

/* Compare on structure s (positions x scale, engine units), model in dir with unit factors
 * cfl, cfe; precision and flags for the GPU. reuse: an existing GPU term to evaluate with
 * (kept), else one is created for this call. Returns 0 on success (r filled), else prints. */
static int hg_compare_with(const char *dir, const struct nt_struct *s, double scale, double cfl, double cfe,
                           int precision, unsigned flags, struct nnmd_hdnnp_gpu *reuse, double q,
                           struct hg_result *r) {
  memset(r, 0, sizeof *r);
  struct nt_engine e;
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nt_engine_init(&e, s, scale, 0.5 / cfl)) return 1;
  e.ops = &nnmd_pot_hdnnp;
  e.log.rank = 1; /* quiet: the gas structures extrapolate on purpose */
  int st = nnmd_hdnnp_create_dir(dir, &e.sys->species, cfl, cfe, -1, NULL, &e.pot, &err);
  if (!st && !isnan(q)) st = nnmd_hdnnp_set_charge_state(e.pot, true, q, NNMD_NOLOC, "q", &err);
  const int n = s->n;
  double *fc = calloc(3 * (size_t)n, sizeof(double)), *eac = calloc((size_t)n, sizeof(double));
  double wc[9];
  if (!st) st = nt_engine_compute(&e, &r->e_cpu, fc, wc, eac);
  if (!st) r->warn_cpu = nnmd_pot_hdnnp.warnings(e.pot);
  struct nnmd_hdnnp_gpu *g = reuse;
  const struct nnmd_nnp_model *m = st ? NULL : nnmd_hdnnp_model(e.pot);
  struct nnmd_hdnnp_gpu_opts o = {precision, -1, flags, cfl, cfe};
  if (!st && !g) st = nnmd_hdnnp_gpu_create(m, &o, &g, &err);
  struct nnmd_system *sys = e.sys;
  int te[NNMD_MAX_SPECIES];
  for (int t = 0; !st && t < sys->species.n; ++t) te[t] = nnmd_nnp_model_element(m, sys->species.s[t].symbol);
  double *eag = calloc((size_t)n, sizeof(double));
  struct nnmd_hdnnp_gpu_out out;
  memset(&out, 0, sizeof out);
  if (!st) {
    const int64_t c = sys->capacity, nall = sys->n_local + sys->n_ghost;
    for (int d = 0; d < 3; ++d) memset(sys->f + d * c, 0, (size_t)nall * sizeof(double));
    /* charge input Q = c q / V, V in model length^3 (as hdnnp.c) */
    const double qin = isnan(q) ? 0.0 : m->charge.c * q / (e.box.volume * cfl * cfl * cfl);
    struct nnmd_hdnnp_gpu_in in = {sys->n_local, nall,       c, sys->x, sys->type, te, sys->species.n,
                                   e.nl->count,  e.nl->idx, e.nl->max_neigh, qin, true};
    out.f = sys->f;
    out.eatom = eag;
    st = nnmd_hdnnp_gpu_compute(g, &in, &out, &err);
    if (!st) st = nnmd_halo_reverse_array(e.halo, sys, sys->f, 3, &err);
  }
  if (!st) {
    const int64_t c = sys->capacity;
    r->n = n;
    r->e_gpu = out.energy;
    r->warn_gpu = out.warnings;
    r->de_rel = fabs(out.energy - r->e_cpu) / fabs(r->e_cpu);
    r->de_atom_rel = fabs(out.energy - r->e_cpu) / n / fmax(fabs(r->e_cpu) / n, 1e-300);
    double *df = calloc(3 * (size_t)n, sizeof(double)), dmax = 0.0;
    for (int i = 0; i < n; ++i)
      for (int d = 0; d < 3; ++d) {
        df[3 * i + d] = sys->f[d * c + i] - fc[3 * i + d];
        dmax = fmax(dmax, fabs(df[3 * i + d]));
      }
    r->f_rms = hg_rms(fc, 3 * (size_t)n);
    r->df_max_rel = dmax / fmax(r->f_rms, 1e-300);
    r->df_rms_rel = hg_rms(df, 3 * (size_t)n) / fmax(r->f_rms, 1e-300);
    double wmax = 0.0, dw = 0.0, emax = 0.0, dea = 0.0;
    for (int k = 0; k < 9; ++k) {
      wmax = fmax(wmax, fabs(wc[k]));
      dw = fmax(dw, fabs(out.virial[k] - wc[k]));
    }
    for (int i = 0; i < n; ++i) {
      emax = fmax(emax, fabs(eac[i]));
      dea = fmax(dea, fabs(eag[i] - eac[i]));
    }
    r->dw_rel = dw / fmax(wmax, 1e-300);
    if (!isnan(q)) {
      const double dc = nnmd_hdnnp_dedq(e.pot);
      const double dg = out.dedq_sum * m->charge.c / (e.box.volume * cfl * cfl * cfl) / cfe;
      r->dedq_rel = fabs(dg - dc) / fmax(fabs(dc), 1e-300);
    }
    r->dea_rel = dea / fmax(emax, 1e-300);
    free(df);
  }
  if (st) nnmd_error_print(&err, stderr, false);
  if (!st && precision == NNMD_GPU_MIXED) st = hg_float_floor(dir, s, scale, cfl, cfe, q, fc, &r->f_floor);
  if (g != reuse) nnmd_hdnnp_gpu_destroy(g);
  nt_engine_free(&e);
  free(fc);
  free(eac);
  free(eag);
  nnmd_error_clear(&err);
  return st;
}

static void hg_print(const char *label, const char *prec, const struct hg_result *r);
static void hg_check(const char *label, int precision, const struct hg_result *r);

static int hg_compare(const char *dir, const struct nt_struct *s, double scale, double cfl, double cfe, int precision,
                      unsigned flags, struct hg_result *r) {
  return hg_compare_with(dir, s, scale, cfl, cfe, precision, flags, NULL, NAN, r);
}

/* One GPU term, three calls of different sizes (dimer, 192 atoms, dimer): buffers grow and
 * are reused; every call is checked like a fresh one. */
static void hg_reuse(int precision, unsigned flags) {
  char dir[1024], p1[1400], p2[1400];
  if (!nt_model_path(dir, sizeof dir, "H2O_RPBE-D3", "input.nn")) return;
  nt_model_path(dir, sizeof dir, "H2O_RPBE-D3", "");
  snprintf(p1, sizeof p1, "%s/reference/h2o_dimer.data", dir);
  snprintf(p2, sizeof p2, "%s/reference/h2o_192.data", dir);
  struct nt_struct a, b;
  ck_assert_int_eq(nt_read_data(p1, &a), 0);
  ck_assert_int_eq(nt_read_data(p2, &b), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  ck_assert_int_eq(nnmd_nnp_model_load(dir, &m, &err), 0);
  struct nnmd_hdnnp_gpu_opts o = {precision, -1, flags, 1.0, 1.0};
  struct nnmd_hdnnp_gpu *g = NULL;
  int st = nnmd_hdnnp_gpu_create(m, &o, &g, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  const struct nt_struct *seq[3] = {&a, &b, &a};
  for (int k = 0; k < 3; ++k) {
    struct hg_result r;
    ck_assert_int_eq(hg_compare_with(dir, seq[k], 1.0, 1.0, 1.0, precision, flags, g, NAN, &r), 0);
    hg_print(k == 1 ? "H2O reuse: h2o_192" : "H2O reuse: dimer", precision ? "mixed" : "double", &r);
    hg_check(k == 1 ? "reuse H2O_RPBE-D3/h2o_192" : "reuse H2O_RPBE-D3/h2o_dimer", precision, &r);
  }
  printf("  device memory held after the calls: %zu bytes\n", nnmd_hdnnp_gpu_memory(g));
  nnmd_hdnnp_gpu_destroy(g);
  nnmd_nnp_model_free(m);
  nt_struct_free(&a);
  nt_struct_free(&b);
  nnmd_error_clear(&err);
}

/* A copy of `model` with a charge-state node (charge_model_util.c: random extra weights,
 * c = 0.8 V), structure `structure`, q = 1.5 e: the usual comparison plus dE/dq. */
static void hg_charge_node(const char *model, const char *structure, int precision, unsigned flags) {
  char src[1024], path[1400], dq[1024], name[64];
  if (!nt_model_path(src, sizeof src, model, "input.nn")) return;
  nt_model_path(src, sizeof src, model, "");
  snprintf(path, sizeof path, "%s/reference/%s.data", src, structure);
  struct nt_struct s;
  ck_assert_int_eq(nt_read_data(path, &s), 0);
  const double(*l)[3] = s.lat;
  const double v = fabs(l[0][0] * (l[1][1] * l[2][2] - l[1][2] * l[2][1]) - l[0][1] * (l[1][0] * l[2][2] - l[1][2] * l[2][0]) +
                        l[0][2] * (l[1][0] * l[2][1] - l[1][1] * l[2][0]));
  struct cm_opts o = {.c = 0.8 * v, .random = 1, .amp = 1.0, .seed = 99, .qstat = {-3.0, 4.0, 0.5, 2.0}};
  snprintf(name, sizeof name, "gpu_%.30s_%d_%u", model, precision, flags);
  cm_write(model, name, &o, dq, sizeof dq);
  struct hg_result r;
  ck_assert_int_eq(hg_compare_with(dq, &s, 1.0, 1.0, 1.0, precision, flags, NULL, 1.5, &r), 0);
  char label[200];
  snprintf(label, sizeof label, "%s + charge node", model);
  hg_print(label, precision ? "mixed" : "double", &r);
  printf("      dE/dq deviation %.1e\n", r.dedq_rel);
  hg_check(label, precision, &r);
  /* dE/dq = sum_i dE_i/dQ dQ/dq, a derivative of the energy like the forces: double 1e-10,
   * mixed the 1e-5 of the forces (float descriptors feed the double network; measured
   * 2e-6 for H2O) */
  ck_assert_msg(r.dedq_rel < (precision == NNMD_GPU_DOUBLE ? 1e-10 : 1e-5), "%s: dE/dq deviation %.3g", label,
                r.dedq_rel);
  nt_struct_free(&s);
}

static void hg_print(const char *label, const char *prec, const struct hg_result *r) {
  char fl[48] = "";
  if (r->f_floor > 0.0) snprintf(fl, sizeof fl, " (float coords %.1e)", r->f_floor);
  printf("  %-34s %-6s N=%4d dE/E %.1e  dE/atom %.1e  dF max/rms(F) %.1e  rms(dF)/rms(F) %.1e%s  dW %.1e  dE_i %.1e"
         "  warn %lld/%lld\n",
         label, prec, r->n, r->de_rel, r->de_atom_rel, r->df_max_rel, r->df_rms_rel, fl, r->dw_rel, r->dea_rel,
         (long long)r->warn_gpu, (long long)r->warn_cpu);
}

/* Mixed-precision force bound (rms(dF)/rms(F)): issue 7's 1e-5, or twice the structure's
 * float resolution f_floor where that is larger (float displacements and SF arithmetic
 * cannot resolve forces better than float coordinates do; Cu2S: f_floor 1.4e-5, measured
 * 1.6e-5). Exception, measured and documented in docs/gpu.md: the periodic SCAN models
 * (Ethylbenzene, Anisole: 300+ polynomial SFs per atom over 15 bohr, ~10^4 pair terms per
 * SF whose force contributions cancel to ~1e-3 of their magnitude) reach 2e-5..8e-5 with
 * float pair terms while their energies agree to 1e-8: bound 2e-4 there, room for the
 * device's float functions (double precision is the mode for such models). */
static double hg_mixed_force_bound(const char *model, const struct hg_result *r) {
  if (strstr(model, "Ethylbenzene_SCAN") || strstr(model, "Anisole_SCAN")) return 2e-4;
  return fmax(1e-5, 2.0 * r->f_floor);
}

/* Tolerances (see the suites' comments). */
static void hg_check(const char *label, int precision, const struct hg_result *r) {
  if (precision == NNMD_GPU_DOUBLE) {
    ck_assert_msg(r->de_rel < 1e-10, "%s double: energy rel. deviation %.3g", label, r->de_rel);
    ck_assert_msg(r->df_max_rel < 1e-10, "%s double: force deviation %.3g x rms(F)", label, r->df_max_rel);
    ck_assert_msg(r->dw_rel < 1e-10, "%s double: virial deviation %.3g", label, r->dw_rel);
    ck_assert_msg(r->dea_rel < 1e-10, "%s double: atom energy deviation %.3g", label, r->dea_rel);
    ck_assert_msg(r->warn_gpu == r->warn_cpu, "%s double: %lld extrapolation warnings, CPU %lld", label,
                  (long long)r->warn_gpu, (long long)r->warn_cpu);
  } else {
    ck_assert_msg(r->df_rms_rel < hg_mixed_force_bound(label, r),
                  "%s mixed: rms force deviation %.3g x rms(F) (bound %.3g)", label, r->df_rms_rel,
                  hg_mixed_force_bound(label, r));
    ck_assert_msg(r->de_atom_rel < 1e-6, "%s mixed: energy per atom rel. deviation %.3g", label, r->de_atom_rel);
  }
}

/* Random triclinic cell: one model, both precisions. Density from a minimum distance dmin
 * that keeps atoms apart as in condensed matter (model length units); packing fractions
 * (dmin spheres) stay below 0.3, well under random-sequential-addition jamming. */
struct hg_rnd_case {
  const char *model;
  const char *syms[3];
  int nsym, n;
  double dmin, edge;
};

static void hg_random_triclinic(const struct hg_rnd_case *c, uint64_t seed, unsigned flags) {
  char dir[1024];
  if (!nt_model_path(dir, sizeof dir, c->model, "input.nn")) {
    printf("SKIP: %s: model not found under shared/models\n", c->model);
    return;
  }
  nt_model_path(dir, sizeof dir, c->model, "");
  const double L = c->edge;
  const double lat[3][3] = {{L, 0.0, 0.0}, {0.31 * L, 0.93 * L, 0.0}, {-0.22 * L, 0.27 * L, 0.87 * L}};
  struct nt_struct s;
  nt_random_struct(&s, c->n, lat, c->dmin, c->syms, c->nsym, seed);
  for (int p = 0; p < 2; ++p) {
    struct hg_result r;
    ck_assert_int_eq(hg_compare(dir, &s, 1.0, 1.0, 1.0, p, flags, &r), 0);
    char label[200];
    snprintf(label, sizeof label, "%s random triclinic", c->model);
    hg_print(label, p == NNMD_GPU_DOUBLE ? "double" : "mixed", &r);
    hg_check(label, p, &r);
  }
  nt_struct_free(&s);
}

/* The model folders with reference structures: every shared/models/<m>/reference/<s>.data. */
static int hg_list_cases(char (*model)[128], char (*name)[128], int max) {
  char root[1024];
  nt_shared_path(root, sizeof root, "models");
  DIR *d = opendir(root);
  if (!d) return 0;
  struct dirent *de;
  int n = 0;
  while ((de = readdir(d)) && n < max) {
    if (de->d_name[0] == '.') continue;
    char rdir[1400];
    snprintf(rdir, sizeof rdir, "%s/%.200s/reference", root, de->d_name);
    DIR *r = opendir(rdir);
    if (!r) continue;
    struct dirent *fe;
    while ((fe = readdir(r)) && n < max) {
      size_t l = strlen(fe->d_name);
      if (l < 6 || strcmp(fe->d_name + l - 5, ".data") != 0) continue;
      snprintf(model[n], 128, "%.127s", de->d_name);
      snprintf(name[n], 128, "%.*s", (int)(l - 5 > 127 ? 127 : l - 5), fe->d_name);
      ++n;
    }
    closedir(r);
  }
  closedir(d);
  return n;
}
