/* test_hdnnp_charge.c — the charge-state input node of the HDNNP term (methods.md section 5,
 * docs/nnp.md): Q = c q / V scaled like a symmetry function and fed as input N_G+1.
 * Models: copies of H2O_RPBE-D3 (bohr/hartree, scale+center) and Cu2S_PBE (A/eV, sigma
 * scaling) written by charge_model_util.c. Everything runs through the engine path in the
 * models' native units.
 *
 * 1. Zero extra weights = the plain model, for q = -2, 0, 1, 3:
 *    a) the shared models as they are (none uses normalize_nodes): energy, forces, per-atom
 *       energies and virial are BITWISE equal to the plain model's, because the extra input is
 *       the last term of each first-layer sum (x + 0 * Q~ = x exactly), the backward pass for
 *       inputs 1..N_G is unchanged, and the virial gets + Q * 0. Hence they also meet n2p2's
 *       .ref numbers with test_hdnnp_ref.c's tolerances (1e-8 per atom energy, 1e-7 forces,
 *       equal warning counts); the deviations are printed.
 *    b) with normalize_nodes added (layer 1 then divides by N_G+1; the copy's layer-1 weights
 *       and biases are multiplied by (N_G+1)/N_G): equal to the plain normalize_nodes copy to
 *       1e-12 (energy, relative to sum_i |E_i - mean_energy|, the network part) and 1e-11 (forces, virial, relative to their max):
 *       the rescaled weights and the other divisor change each first-layer pre-activation by a
 *       few ulp of sum|w y| (~1e-15 relative with N_G ~ 70 terms), amplified by at most the
 *       downstream weight norms (< 1e3); measured deviations printed.
 * 2. Nonzero random extra weights, q = 1.5: central finite differences of the energy give the
 *    forces (step 1e-5) and the virial W = -dU/d eps (strain step 1e-6) on triclinic cells,
 *    1e-6 relative (as test_hdnnp_fd.c, whose error budget applies: truncation ~1e-10,
 *    rounding ~1e-9). The strain changes V, hence Q: the FD virial contains the volume term
 *    q dE/dq, which the test requires to be > 1e-3 max|W| so that dropping it would fail.
 * 3. E(q) changes with q, and dE/dq (nnmd_hdnnp_dedq) equals the central difference in q
 *    (step 1e-4 e) to 1e-7 relative: truncation h^2 |E'''/E'| / 6 ~ 1e-9 (|E'''/E'| ~ 0.5
 *    measured: 6e-8 at h = 1e-3), rounding eps |E| / (h |E'|) ~ 1e-16 1e2 / (1e-4 0.03) ~ 1e-8.
 * 4. Unit conversion of V (cflength^3): see unit_conversion below.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdnnp.h"
#include "nnp_test_util.c"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

#include "charge_model_util.c"

/* Engine + native-unit term of model folder dir for structure s; q set unless NAN. */
static void open_term(struct nt_engine *e, const char *dir, const struct nt_struct *s, double q) {
  ck_assert_int_eq(nt_engine_init(e, s, 1.0, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e->ops = &nnmd_pot_hdnnp;
  int st = nnmd_hdnnp_create_dir(dir, &e->sys->species, 1.0, 1.0, -1, NULL, &e->pot, &err);
  if (!st && !isnan(q)) st = nnmd_hdnnp_set_charge_state(e->pot, true, q, NNMD_NOLOC, "q", &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  nnmd_error_clear(&err);
  e->log.verbosity = 0;
}

struct result {
  double e, w[9];
  double *f, *ea;
  int64_t warn;
};

static void eval(struct nt_engine *e, struct result *r) {
  r->f = calloc(3 * (size_t)e->n, sizeof(double));
  r->ea = calloc((size_t)e->n, sizeof(double));
  ck_assert_int_eq(nt_engine_compute(e, &r->e, r->f, r->w, r->ea), 0);
  r->warn = nnmd_pot_hdnnp.warnings(e->pot);
}

static void result_free(struct result *r) {
  free(r->f);
  free(r->ea);
}

struct ref_case {
  const char *model, *structure;
};
static const struct ref_case k_ref[] = {{"H2O_RPBE-D3", "h2o_192"}, {"Cu2S_PBE", "cu2s_144"}};
static const double k_qs[] = {-2.0, 0.0, 1.0, 3.0};
#define N_QS 4

static double cell_volume(const double lat[3][3]) {
  return fabs(lat[0][0] * (lat[1][1] * lat[2][2] - lat[1][2] * lat[2][1]) -
              lat[0][1] * (lat[1][0] * lat[2][2] - lat[1][2] * lat[2][0]) +
              lat[0][2] * (lat[1][0] * lat[2][1] - lat[1][1] * lat[2][0]));
}

/* Reference structure s and .ref of case c; false if the shared models are absent. */
static bool read_case(const struct ref_case *c, char *dir, size_t n, struct nt_struct *s, struct nt_ref *rf) {
  char data[1400], ref[1400];
  if (!nt_model_path(dir, n, c->model, "input.nn")) return false;
  nt_model_path(dir, n, c->model, "");
  snprintf(data, sizeof data, "%sreference/%s.data", dir, c->structure);
  snprintf(ref, sizeof ref, "%sreference/%s.ref", dir, c->structure);
  ck_assert_int_eq(nt_read_data(data, s), 0);
  ck_assert_int_eq(nt_read_ref(ref, rf), 0);
  ck_assert_int_eq(rf->natoms, s->n);
  return true;
}

/* 1a: the shared models (no normalize_nodes) with zero extra weights: bitwise equal to the
 * plain model, and n2p2's reference numbers within test_hdnnp_ref.c's tolerances. */
START_TEST(zero_weights_exact) {
  const struct ref_case *c = &k_ref[_i];
  char dir[1024], dq[1400], name[64];
  struct nt_struct s;
  struct nt_ref rf;
  if (!read_case(c, dir, sizeof dir, &s, &rf)) return;
  struct cm_opts o = {.c = cell_volume(s.lat), .qstat = {-3.0, 4.0, 0.5, 2.0}};
  snprintf(name, sizeof name, "zero%d", _i);
  cm_write(c->model, name, &o, dq, sizeof dq);
  struct nt_engine e;
  struct result r0, r;
  open_term(&e, dir, &s, NAN);
  eval(&e, &r0);
  nt_engine_free(&e);
  double dref_e = 0, dref_f = 0, dref_ea = 0;
  for (int iq = 0; iq < N_QS; ++iq) {
    open_term(&e, dq, &s, k_qs[iq]);
    ck_assert_int_eq(nnmd_hdnnp_model(e.pot)->ann[0].nodes[0], nnmd_hdnnp_model(e.pot)->n_sf[0] + 1);
    eval(&e, &r);
    ck_assert_msg(r.e == r0.e, "%s q=%g: energy %.17g vs plain %.17g", c->model, k_qs[iq], r.e, r0.e);
    for (int k = 0; k < 3 * s.n; ++k) ck_assert_msg(r.f[k] == r0.f[k], "%s: force %d differs", c->model, k);
    for (int i = 0; i < s.n; ++i) ck_assert_msg(r.ea[i] == r0.ea[i], "%s: atom energy %d differs", c->model, i);
    for (int k = 0; k < 9; ++k) ck_assert_msg(r.w[k] == r0.w[k], "%s: virial %d differs", c->model, k);
    ck_assert_double_eq(nnmd_hdnnp_dedq(e.pot), 0.0);
    const struct nnmd_nnp_model *m = nnmd_hdnnp_model(e.pot);
    dref_e = fmax(dref_e, fabs(r.e - rf.energy) / s.n);
    for (int k = 0; k < 3 * s.n; ++k) dref_f = fmax(dref_f, fabs(r.f[k] - rf.f[k]));
    for (int i = 0; i < s.n; ++i) {
      int el = nnmd_nnp_model_element(m, s.el[i]);
      dref_ea = fmax(dref_ea, fabs(r.ea[i] - m->mean_energy - m->atom_energy[el] - rf.eat[i]));
    }
    ck_assert_int_eq(r.warn, rf.warnings);
    result_free(&r);
    nt_engine_free(&e);
  }
  printf("  %-12s zero extra weights, q = -2 0 1 3: bitwise equal to the plain model; vs n2p2 |dE|/N %.1e, "
         "max|dF| %.1e, max|dE_i| %.1e, warnings %lld\n",
         c->model, dref_e, dref_f, dref_ea, (long long)rf.warnings);
  ck_assert_double_le(dref_e, 1e-8);
  ck_assert_double_le(dref_f, 1e-7);
  ck_assert_double_le(dref_ea, 1e-8);
  result_free(&r0);
  nt_struct_free(&s);
  nt_ref_free(&rf);
}
END_TEST

/* 1b: with normalize_nodes the first layer divides by N_G+1: a copy whose layer 1 is scaled by
 * (N_G+1)/N_G equals the plain normalize_nodes copy to rounding. */
START_TEST(zero_weights_normalize) {
  const struct ref_case *c = &k_ref[_i];
  char dir[1024], dplain[1400], dq[1400], name[64];
  struct nt_struct s;
  struct nt_ref rf;
  if (!read_case(c, dir, sizeof dir, &s, &rf)) return;
  struct cm_opts o = {.c = cell_volume(s.lat), .qstat = {-3.0, 4.0, 0.5, 2.0}, .add_normalize = 1, .no_charge = 1};
  snprintf(name, sizeof name, "normplain%d", _i);
  cm_write(c->model, name, &o, dplain, sizeof dplain);
  o.no_charge = 0;
  o.compensate = 1;
  snprintf(name, sizeof name, "normq%d", _i);
  cm_write(c->model, name, &o, dq, sizeof dq);
  struct nt_engine e;
  struct result r0, r;
  open_term(&e, dplain, &s, NAN);
  eval(&e, &r0);
  double fm = 0, esum = 0, de = 0, df = 0, dw = 0, wm = 0;
  const struct nnmd_nnp_model *m0 = nnmd_hdnnp_model(e.pot);
  for (int i = 0; i < s.n; ++i) /* network part only: mean_energy dominates E_i */
    esum += fabs(r0.ea[i] - m0->mean_energy - m0->atom_energy[nnmd_nnp_model_element(m0, s.el[i])]);
  nt_engine_free(&e);
  for (int k = 0; k < 3 * s.n; ++k) fm = fmax(fm, fabs(r0.f[k]));
  for (int k = 0; k < 9; ++k) wm = fmax(wm, fabs(r0.w[k]));
  for (int iq = 0; iq < N_QS; ++iq) {
    open_term(&e, dq, &s, k_qs[iq]);
    eval(&e, &r);
    de = fmax(de, fabs(r.e - r0.e) / esum);
    for (int k = 0; k < 3 * s.n; ++k) df = fmax(df, fabs(r.f[k] - r0.f[k]) / fm);
    for (int k = 0; k < 9; ++k) dw = fmax(dw, fabs(r.w[k] - r0.w[k]) / wm);
    ck_assert_int_eq(r.warn, r0.warn);
    result_free(&r);
    nt_engine_free(&e);
  }
  /* and without the rescaling the copy differs (the divisor really is N_G+1, not N_G) */
  o.compensate = 0;
  snprintf(name, sizeof name, "normq_nocomp%d", _i);
  cm_write(c->model, name, &o, dq, sizeof dq);
  open_term(&e, dq, &s, 1.0);
  eval(&e, &r);
  double dnc = 0;
  for (int k = 0; k < 3 * s.n; ++k) dnc = fmax(dnc, fabs(r.f[k] - r0.f[k]) / fm);
  ck_assert_msg(dnc > 1e-4, "%s: layer 1 not divided by N_G+1 (max|dF|/max|F| = %.3g)", c->model, dnc);
  result_free(&r);
  nt_engine_free(&e);
  printf("  %-12s normalize_nodes, zero extra weights, layer 1 x (N+1)/N: |dE|/sum|E_i,NN| %.1e, max|dF|/max|F| "
         "%.1e, max|dW|/max|W| %.1e (not rescaled: max|dF|/max|F| %.1e)\n",
         c->model, de, df, dw, dnc);
  ck_assert_double_le(de, 1e-12);
  ck_assert_double_le(df, 1e-11);
  ck_assert_double_le(dw, 1e-11);
  result_free(&r0);
  nt_struct_free(&s);
  nt_ref_free(&rf);
}
END_TEST

struct fd_case {
  const char *model;
  const char *syms[2];
  int natoms;
  double lat[3][3];
  double qstat[4];
};
static const struct fd_case k_fd[] = {
    {"H2O_RPBE-D3", {"O", "H"}, 14, {{13.0, 0.0, 0.0}, {2.5, 12.0, 0.0}, {-1.8, 3.1, 12.5}}, {-1.0, 3.0, 1.0, 1.2}},
    {"Cu2S_PBE", {"Cu", "S"}, 14, {{7.0, 0.0, 0.0}, {1.3, 6.6, 0.0}, {0.9, -1.2, 6.9}}, {-1.0, 3.0, 1.0, 1.2}},
};

static double energy_at(struct nt_engine *e, const double *x, const double lat[3][3]) {
  double en;
  ck_assert_int_eq(nt_engine_set(e, x, lat), 0);
  ck_assert_int_eq(nt_engine_compute(e, &en, NULL, NULL, NULL), 0);
  return en;
}

/* 2 and 3 on one random triclinic structure. */
START_TEST(random_weights_fd) {
  const struct fd_case *c = &k_fd[_i];
  char p[1024], dq[1400], name[64];
  if (!nt_model_path(p, sizeof p, c->model, "input.nn")) return;
  struct nt_struct s;
  nt_random_struct(&s, c->natoms, c->lat, 2.0, c->syms, 2, 4321 + (uint64_t)_i);
  const double q = 1.5, v = cell_volume(c->lat);
  struct cm_opts o = {.c = 0.8 * v, .random = 1, .amp = 1.0, .seed = 77 + (uint64_t)_i};
  memcpy(o.qstat, c->qstat, sizeof o.qstat);
  snprintf(name, sizeof name, "rand%d", _i);
  cm_write(c->model, name, &o, dq, sizeof dq);
  struct nt_engine e;
  open_term(&e, dq, &s, q);
  e.log.rank = 1; /* random structures extrapolate in G: silence the log */
  int n = s.n;
  double *x = malloc(3 * (size_t)n * sizeof(double)), *f = malloc(3 * (size_t)n * sizeof(double)), w[9], en;
  memcpy(x, s.x, 3 * (size_t)n * sizeof(double));
  ck_assert_int_eq(nt_engine_set(&e, x, s.lat), 0);
  ck_assert_int_eq(nt_engine_compute(&e, &en, f, w, NULL), 0);
  const double dedq = nnmd_hdnnp_dedq(e.pot);
  /* forces */
  double fm = 0, worst_f = 0;
  for (int k = 0; k < 3 * n; ++k) fm = fmax(fm, fabs(f[k]));
  const double h = 1e-5;
  for (int k = 0; k < 3 * n; ++k) {
    double x0 = x[k];
    x[k] = x0 + h;
    double ep = energy_at(&e, x, s.lat);
    x[k] = x0 - h;
    double em = energy_at(&e, x, s.lat);
    x[k] = x0;
    double d = fabs(-(ep - em) / (2 * h) - f[k]) / fm;
    worst_f = fmax(worst_f, d);
    ck_assert_msg(d < 1e-6, "%s: force %d: F %.12g vs FD %.12g", c->model, k, f[k], -(ep - em) / (2 * h));
  }
  /* virial: dU/d eps_ab = -W_ba for x -> (I + eps) x, cell rows -> (I + eps) row */
  double wm = 0, worst_w = 0;
  for (int k = 0; k < 9; ++k) wm = fmax(wm, fabs(w[k]));
  const double hs = 1e-6;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double epm[2];
      for (int sg = 0; sg < 2; ++sg) {
        double eps = sg ? -hs : hs, lat[3][3];
        for (int i = 0; i < n; ++i) {
          memcpy(x + 3 * i, s.x + 3 * i, 3 * sizeof(double));
          x[3 * i + a] += eps * s.x[3 * i + b];
        }
        memcpy(lat, s.lat, sizeof lat);
        for (int r = 0; r < 3; ++r) lat[r][a] += eps * s.lat[r][b];
        epm[sg] = energy_at(&e, x, lat);
      }
      double wfd = -(epm[0] - epm[1]) / (2 * hs);
      double d = fabs(wfd - w[3 * b + a]) / wm;
      worst_w = fmax(worst_w, d);
      ck_assert_msg(d < 1e-6, "%s: virial %d%d: W %.12g vs -dU/deps %.12g", c->model, b, a, w[3 * b + a], wfd);
    }
  /* the volume term W_aa += Q sum_i dE_i/dQ = q dE/dq must matter at the tested precision */
  const double vterm = q * dedq;
  ck_assert_msg(fabs(vterm) > 1e-3 * wm, "%s: volume term %.3g too small against max|W| %.3g", c->model, vterm, wm);
  /* 3: the node is used, and dE/dq */
  memcpy(x, s.x, 3 * (size_t)n * sizeof(double));
  const double hq = 1e-4;
  double eq[2];
  for (int sg = 0; sg < 2; ++sg) {
    struct nnmd_error err;
    nnmd_error_init(&err);
    ck_assert_int_eq(nnmd_hdnnp_set_charge_state(e.pot, true, q + (sg ? -hq : hq), NNMD_NOLOC, "q", &err), 0);
    eq[sg] = energy_at(&e, x, s.lat);
  }
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_hdnnp_set_charge_state(e.pot, true, -0.5, NNMD_NOLOC, "q", &err), 0);
  double e_other = energy_at(&e, x, s.lat);
  double dedq_fd = (eq[0] - eq[1]) / (2 * hq);
  double dq_rel = fabs(dedq_fd - dedq) / fabs(dedq);
  printf("  %-12s random extra weights, q = %g: forces max|F_fd - F|/max|F| %.1e; virial max|W_fd - W|/max|W| "
         "%.1e (volume term q dE/dq = %.3g, max|W| %.3g); dE/dq %.6g vs FD %.1e rel; E(1.5) - E(-0.5) = %.3g\n",
         c->model, q, worst_f, worst_w, vterm, wm, dedq, dq_rel, en - e_other);
  ck_assert_double_le(dq_rel, 1e-7);
  ck_assert_msg(fabs(en - e_other) > 1e-6 * fabs(en), "%s: energy does not depend on q", c->model);
  free(x);
  free(f);
  nt_engine_free(&e);
  nt_struct_free(&s);
}
END_TEST

/* 4. Units: the bohr/hartree H2O copy run in A/eV (cflength, cfenergy) gives the native
 * results converted (energy 1e-12 relative, forces and virial 1e-11 of their max: conversion
 * rounding only, as in test_hdnnp_fd.c). Q uses V_model = V_engine cflength^3: a wrong
 * conversion would shift Q by a factor ~6 and change E far beyond these bounds. */
START_TEST(unit_conversion) {
  char p[1024], dq[1400];
  if (!nt_model_path(p, sizeof p, "H2O_RPBE-D3", "input.nn")) return;
  const struct fd_case *c = &k_fd[0];
  struct nt_struct s;
  nt_random_struct(&s, c->natoms, c->lat, 2.0, c->syms, 2, 99);
  struct cm_opts o = {.c = 0.8 * cell_volume(c->lat), .random = 1, .amp = 1.0, .seed = 3};
  memcpy(o.qstat, c->qstat, sizeof o.qstat);
  cm_write("H2O_RPBE-D3", "units", &o, dq, sizeof dq);
  const double q = 1.5;
  struct nt_engine e;
  struct result r0, r1;
  open_term(&e, dq, &s, q);
  e.log.rank = 1;
  eval(&e, &r0);
  double d0 = nnmd_hdnnp_dedq(e.pot);
  nt_engine_free(&e);
  const double cfl = NNMD_BOHR_PER_ANGSTROM, cfe = NNMD_HARTREE_PER_EV;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0 / cfl, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  ck_assert_int_eq(nnmd_hdnnp_create_dir(dq, &e.sys->species, cfl, cfe, -1, NULL, &e.pot, &err), 0);
  ck_assert_int_eq(nnmd_hdnnp_set_charge_state(e.pot, true, q, NNMD_NOLOC, "q", &err), 0);
  e.log.rank = 1;
  eval(&e, &r1);
  double d1 = nnmd_hdnnp_dedq(e.pot);
  double fm = 0, wm = 0, df = 0, dw = 0;
  for (int k = 0; k < 3 * s.n; ++k) fm = fmax(fm, fabs(r1.f[k]));
  for (int k = 0; k < 9; ++k) wm = fmax(wm, fabs(r1.w[k]));
  for (int k = 0; k < 3 * s.n; ++k) df = fmax(df, fabs(r1.f[k] - r0.f[k] * cfl / cfe) / fm);
  for (int k = 0; k < 9; ++k) dw = fmax(dw, fabs(r1.w[k] - r0.w[k] / cfe) / wm);
  double de = fabs(r1.e - r0.e / cfe) / fabs(r1.e), dd = fabs(d1 - d0 / cfe) / fabs(d1);
  printf("  H2O_RPBE-D3  charge node in A/eV vs bohr/hartree: energy %.1e, forces %.1e, virial %.1e, dE/dq %.1e\n",
         de, df, dw, dd);
  ck_assert_double_le(de, 1e-12);
  ck_assert_double_le(df, 1e-11);
  ck_assert_double_le(dw, 1e-11);
  ck_assert_double_le(dd, 1e-11);
  result_free(&r0);
  result_free(&r1);
  nt_engine_free(&e);
  nnmd_error_clear(&err);
  nt_struct_free(&s);
}
END_TEST

int main(void) {
  char p[1024];
  nt_shared_path(p, sizeof p, "models/H2O_RPBE-D3/input.nn");
  if (!tsup_file_exists(p)) {
    printf("SKIP: %s absent\n", p);
    return 77;
  }
  if (nt_init()) return 1;
  Suite *s = suite_create("hdnnp_charge");
  TCase *tc = tcase_create("charge");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, zero_weights_exact, 0, 2);
  tcase_add_loop_test(tc, zero_weights_normalize, 0, 2);
  tcase_add_loop_test(tc, random_weights_fd, 0, 2);
  tcase_add_test(tc, unit_conversion);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
