/* test_train_grad.c — the training gradients against central finite differences.
 *
 * Small random models (generated descriptors, 2 and 3 elements, 2 hidden layers of 6
 * nodes), every n2p2 activation in the hidden layers, periodic triclinic cells (and one
 * non-periodic cluster), random labels for energy, forces and stress. Checked:
 *   - dL/dtheta (energy, force and stress terms together and each alone) vs central
 *     differences with h = 1e-5 on every parameter: max |analytic - FD| <= 1e-6 x
 *     max |gradient| (FD truncation ~h^2 |L'''| ~ 1e-10 relative, rounding ~1e-16 L / h
 *     ~ 1e-11: the bound leaves 4 orders of margin and still catches any missing term);
 *   - forces vs -dE/dr by central differences (1e-7 relative), virial vs the derivative
 *     of E under a homogeneous strain (1e-7);
 *   - Kalman rows (energy per atom and single force components) vs the FD derivative of
 *     the observation (1e-6).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "descriptor.h"
#include "model.h"
#include "tframe.h"
#include "tloss.h"
#include "tmodel.h"
#include "train_test_util.h"

#define CHECK(c, ...) ck_assert_msg(c, __VA_ARGS__)

static uint64_t rs = 88172645463325252ull;
static double urand(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (double)(rs >> 11) * 0x1.0p-53;
}

#define die tt_die

/* model in dir with random stats and weights */
static struct tmodel make_model(const char *dir, int ne, const char *syms[], char act, bool narrow) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct tgen_opts o = {0};
  o.n_elem = ne;
  for (int e = 0; e < ne; ++e) snprintf(o.sym[e], 4, "%s", syms[e]);
  o.cutoff = 4.2;
  o.r0 = 0.8;
  o.radial = 3;
  o.angular = 3;
  o.shifted = act == 's';
  o.narrow = narrow;
  o.cutoff_type = 6;
  o.n_hidden = 2;
  o.hidden[0] = 6;
  o.hidden[1] = 5;
  o.act[0] = act;
  o.act[1] = act == 'r' ? 't' : act; /* keep one smooth layer with ReLU */
  o.act[2] = 'l';
  char path[512];
  snprintf(path, sizeof path, "%s/input.nn", dir);
  FILE *fp = fopen(path, "w");
  if (tgen_write_input(fp, &o, "angstrom", "eV", &err)) die(&err);
  double e0[3] = {-1.5, -3.25, 0.75};
  struct nnmd_nnp_model tmp = {0};
  tmp.n_elem = ne;
  /* atom energies go in after the settings; sorted element order is the loader's */
  fclose(fp);
  struct nnmd_nnp_model *m = tt_settings_model(path);
  fp = fopen(path, "a");
  if (tgen_write_atom_energies(fp, m, e0, &err)) die(&err);
  fclose(fp);
  snprintf(path, sizeof path, "%s/scaling.data", dir);
  tt_random_scaling(path, m, urand);
  struct tmodel t = {0};
  t.m = m;
  if (tmodel_setup_params(&t, &err)) die(&err);
  double *th = malloc(t.n_params * sizeof(double));
  tmodel_init_weights(m, th, 7);
  for (size_t k = 0; k < t.n_params; ++k) th[k] += 0.3 * (urand() - 0.5); /* non-zero biases too */
  if (tmodel_write_weights(dir, "weights", m, th, &err)) die(&err);
  free(th);
  nnmd_nnp_model_free(m);
  struct tmodel t2 = {0};
  if (nnmd_nnp_model_load(dir, &t2.m, &err)) die(&err);
  if (tmodel_setup_params(&t2, &err)) die(&err);
  if (nnmd_desc_plan_build(t2.m, &t2.plan, &err)) die(&err);
  t2.cfl = 1.0;
  t2.cfe = 1.0;
  (void)tmp;
  return t2;
}

static void make_frame(struct tframe *f, int n, int ne, bool periodic) {
  memset(f, 0, sizeof *f);
  f->n = n;
  f->elem = malloc(n * sizeof(int));
  f->pos = malloc(3 * n * sizeof(double));
  f->force = malloc(3 * n * sizeof(double));
  f->has_cell = periodic;
  double L = 5.2;
  if (periodic) {
    double h[9] = {L, 0.7, -0.4, 0.0, L * 0.93, 0.5, 0.0, 0.0, L * 1.07};
    memcpy(f->h, h, sizeof h);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
  }
  for (int i = 0; i < n; ++i) {
    f->elem[i] = i % ne;
    for (int tries = 0;; ++tries) {
      double s[3] = {urand(), urand(), urand()};
      double *r = f->pos + 3 * i;
      if (periodic)
        for (int k = 0; k < 3; ++k) r[k] = f->h[3 * k] * s[0] + f->h[3 * k + 1] * s[1] + f->h[3 * k + 2] * s[2];
      else
        for (int k = 0; k < 3; ++k) r[k] = 4.0 * s[k];
      int ok = 1;
      for (int j = 0; j < i && ok; ++j) {
        double d2 = 0;
        for (int k = 0; k < 3; ++k) d2 += (r[k] - f->pos[3 * j + k]) * (r[k] - f->pos[3 * j + k]);
        if (d2 < 1.0) ok = 0; /* images are far enough for these cells in practice */
      }
      if (ok) break;
    }
  }
  f->has_e = true;
  f->energy = -2.0 * n + urand();
  f->has_f = true;
  for (int k = 0; k < 3 * n; ++k) f->force[k] = urand() - 0.5;
  f->has_s = periodic;
  for (int v = 0; v < 6; ++v) f->stress[v] = 0.01 * (urand() - 0.5);
  f->weight = 1.0;
  f->file = "random";
}

static double loss_of(struct tmodel *t, double *th, struct tframe *f, struct tcache *c, struct tloss_w *w,
                      struct tscratch *s, double *grad) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  double L = 0.0;
  if (tloss_frame(t, th, f, c, w, s, grad, &L, NULL, &err)) die(&err);
  return L;
}

static void check_case(const char *dir, int ne, const char *syms[], char act, bool periodic, bool narrow) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct tmodel t = make_model(dir, ne, syms, act, narrow);
  struct tframe f;
  make_frame(&f, periodic ? 11 : 7, ne, periodic);
  struct nnmd_desc_work *wk = NULL;
  if (nnmd_desc_work_create(t.plan, 64, &wk, &err)) die(&err);
  struct tcache c;
  if (tcache_build(t.m, t.plan, &wk, &f, &c, &err)) die(&err);
  size_t np = t.n_params;
  double *th = malloc(np * sizeof(double)), *g = calloc(np, sizeof(double)), *H = calloc(np, sizeof(double));
  size_t off = 0;
  for (int e = 0; e < t.m->n_elem; ++e) {
    memcpy(th + off, t.m->ann[e].w, t.m->ann[e].n_params * sizeof(double));
    off += t.m->ann[e].n_params;
  }
  struct tscratch s = {0};
  /* forces and virial vs finite differences of the energy */
  struct tpred p = {0};
  p.force = malloc(3 * f.n * sizeof(double));
  if (tloss_predict(&t, th, &f, &c, &s, &p, &err)) die(&err);
  double fmax = 0, ferr = 0;
  for (int i = 0; i < f.n; ++i)
    for (int k = 0; k < 3; ++k) {
      double x0 = f.pos[3 * i + k], h = 1e-5, ep, em;
      struct tpred q = {0};
      struct tcache c2;
      f.pos[3 * i + k] = x0 + h;
      tcache_build(t.m, t.plan, &wk, &f, &c2, &err);
      tloss_predict(&t, th, &f, &c2, &s, &q, &err);
      ep = q.energy;
      tcache_free(&c2);
      f.pos[3 * i + k] = x0 - h;
      tcache_build(t.m, t.plan, &wk, &f, &c2, &err);
      tloss_predict(&t, th, &f, &c2, &s, &q, &err);
      em = q.energy;
      tcache_free(&c2);
      f.pos[3 * i + k] = x0;
      double fd = -(ep - em) / (2 * h);
      if (fabs(p.force[3 * i + k]) > fmax) fmax = fabs(p.force[3 * i + k]);
      if (fabs(fd - p.force[3 * i + k]) > ferr) ferr = fabs(fd - p.force[3 * i + k]);
    }
  CHECK(ferr <= 1e-7 * fmax, "act %c ne %d: forces vs FD %.3g of %.3g", act, ne, ferr, fmax);
  if (periodic) {
    /* W_ab = -dE/d eps_ab under r -> (1 + eps) r, h -> (1 + eps) h */
    double werr = 0, wmax = 0;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        double e2[2];
        for (int sg = 0; sg < 2; ++sg) {
          double eps = (sg ? -1 : 1) * 1e-6;
          struct tframe g2 = f;
          g2.pos = malloc(3 * f.n * sizeof(double));
          for (int i = 0; i < f.n; ++i) {
            for (int k = 0; k < 3; ++k) g2.pos[3 * i + k] = f.pos[3 * i + k];
            g2.pos[3 * i + a] += eps * f.pos[3 * i + b];
          }
          for (int col = 0; col < 3; ++col) g2.h[3 * a + col] += eps * f.h[3 * b + col];
          struct tcache c2;
          struct tpred q = {0};
          tcache_build(t.m, t.plan, &wk, &g2, &c2, &err);
          tloss_predict(&t, th, &g2, &c2, &s, &q, &err);
          e2[sg] = q.energy;
          tcache_free(&c2);
          free(g2.pos);
        }
        double fd = -(e2[0] - e2[1]) / 2e-6;
        if (fabs(p.virial[3 * a + b]) > wmax) wmax = fabs(p.virial[3 * a + b]);
        if (fabs(fd - p.virial[3 * a + b]) > werr) werr = fabs(fd - p.virial[3 * a + b]);
      }
    CHECK(werr <= 1e-7 * wmax + 1e-9, "act %c: virial vs strain FD %.3g of %.3g", act, werr, wmax);
  }
  /* loss gradients: all terms, then each alone */
  struct tloss_w ws[4] = {{1.0, 3.0, periodic ? 50.0 : 0.0, 1, 3.0 * f.n, 6},
                          {1.0, 0, 0, 1, 0, 0},
                          {0, 1.0, 0, 0, 3.0 * f.n, 0},
                          {0, 0, periodic ? 1.0 : 0, 0, 0, periodic ? 6 : 0}};
  for (int wi = 0; wi < 4; ++wi) {
    if (wi == 3 && !periodic) continue;
    memset(g, 0, np * sizeof(double));
    loss_of(&t, th, &f, &c, &ws[wi], &s, g);
    double gmax = 0, gerr = 0;
    for (size_t k = 0; k < np; ++k) {
      double x0 = th[k], h = 1e-5;
      th[k] = x0 + h;
      double lp = loss_of(&t, th, &f, &c, &ws[wi], &s, NULL);
      th[k] = x0 - h;
      double lm = loss_of(&t, th, &f, &c, &ws[wi], &s, NULL);
      th[k] = x0;
      double fd = (lp - lm) / (2 * h);
      if (fabs(g[k]) > gmax) gmax = fabs(g[k]);
      if (fabs(fd - g[k]) > gerr) gerr = fabs(fd - g[k]);
    }
    CHECK(gmax > 0 && gerr <= 1e-6 * gmax, "act %c ne %d %s weights %d: dL/dw vs FD %.3g of %.3g", act, ne,
          periodic ? "periodic" : "cluster", wi, gerr, gmax);
  }
  /* Kalman rows */
  int obs_atom[5] = {-1, 2, f.n - 1, -2, -2 - 4}, obs_ax[5] = {0, 1, 2, 0, 0};
  for (int oi = 0; oi < (periodic ? 5 : 3); ++oi) {
    double o0;
    if (tloss_observe(&t, th, &f, &c, obs_atom[oi], obs_ax[oi], 0.5, 2.0, &s, &o0, H, &err)) die(&err);
    double hmax = 0, herr = 0;
    double *Hs = calloc(np, sizeof(double));
    for (size_t k = 0; k < np; ++k) {
      double x0 = th[k], h = 1e-5, op, om;
      th[k] = x0 + h;
      tloss_observe(&t, th, &f, &c, obs_atom[oi], obs_ax[oi], 0.5, 2.0, &s, &op, Hs, &err);
      th[k] = x0 - h;
      tloss_observe(&t, th, &f, &c, obs_atom[oi], obs_ax[oi], 0.5, 2.0, &s, &om, Hs, &err);
      th[k] = x0;
      double fd = (op - om) / (2 * h);
      if (fabs(H[k]) > hmax) hmax = fabs(H[k]);
      if (fabs(fd - H[k]) > herr) herr = fabs(fd - H[k]);
    }
    free(Hs);
    CHECK(hmax > 0 && herr <= 1e-6 * hmax, "act %c: Kalman row %d vs FD %.3g of %.3g", act, oi, herr, hmax);
  }
  free(p.force);
  free(th);
  free(g);
  free(H);
  tscratch_free(&s);
  tcache_free(&c);
  tframe_free(&f);
  nnmd_desc_work_free(wk);
  nnmd_desc_plan_free(t.plan);
  nnmd_nnp_model_free(t.m);
}

static char g_dir[] = "/tmp/nnmd_train_gradXXXXXX";
static const char *s2[] = {"H", "O"}, *s3[] = {"Li", "P", "O"};
static const char acts[] = "tspgcSehr";

START_TEST(test_activation) {
  int k = _i;
  check_case(g_dir, (k % 2) ? 3 : 2, (k % 2) ? s3 : s2, acts[k], true, k % 3 == 0);
}
END_TEST

START_TEST(test_cluster) { check_case(g_dir, 3, s3, 't', false, false); }
END_TEST

/* E0 by least squares (tmodel_fit_e0). Energies made from known E0 = (-2, -5, -7) (Li, P, O):
 * - full rank (3 independent compositions): E0 recovered to rounding (1e-9 relative: the normal
 *   equations square the condition number, ~1e3 here);
 * - rank 2 (Li3PO4 multiples and Li4P2O7, the Li2O-deficient cells of the Li3PO4 data set): every
 *   training energy reproduced (1e-9 relative) and E0 orthogonal to the null space of the
 *   compositions (minimum norm), not the mean energy per atom (that was a 3 eV/atom error);
 * - rank 1 (one formula): n2p2's mean energy per atom for every element, exactly. */
START_TEST(test_fit_e0) {
  const double t[3] = {-2.0, -5.0, -7.0};
  const int full[4 * 3] = {6, 2, 8, 4, 2, 7, 1, 1, 1, 12, 4, 16};
  const int rank2[4 * 3] = {6, 2, 8, 4, 2, 7, 10, 4, 15, 24, 8, 32};
  const int rank1[3 * 3] = {6, 2, 8, 12, 4, 16, 24, 8, 32};
  double E[4], e0[3];
  for (int s = 0; s < 4; ++s) E[s] = full[3 * s] * t[0] + full[3 * s + 1] * t[1] + full[3 * s + 2] * t[2];
  ck_assert_int_eq(tmodel_fit_e0(4, 3, full, E, e0), 3);
  for (int e = 0; e < 3; ++e) ck_assert_double_eq_tol(e0[e], t[e], 1e-9 * 7.0);
  for (int s = 0; s < 4; ++s) E[s] = rank2[3 * s] * t[0] + rank2[3 * s + 1] * t[1] + rank2[3 * s + 2] * t[2];
  ck_assert_int_eq(tmodel_fit_e0(4, 3, rank2, E, e0), 2);
  for (int s = 0; s < 4; ++s) {
    double m = rank2[3 * s] * e0[0] + rank2[3 * s + 1] * e0[1] + rank2[3 * s + 2] * e0[2];
    ck_assert_double_eq_tol(m, E[s], 1e-9 * fabs(E[s]));
  }
  /* null space of {(3,1,4), (4,2,7)}: their cross product (-1, -5, 2) */
  ck_assert_double_eq_tol(-e0[0] - 5.0 * e0[1] + 2.0 * e0[2], 0.0, 1e-9 * 30.0);
  double tot = 0.0, nat = 0.0;
  for (int s = 0; s < 3; ++s) {
    E[s] = rank1[3 * s] * t[0] + rank1[3 * s + 1] * t[1] + rank1[3 * s + 2] * t[2] + 0.01 * s;
    tot += E[s];
    nat += rank1[3 * s] + rank1[3 * s + 1] + rank1[3 * s + 2];
  }
  ck_assert_int_eq(tmodel_fit_e0(3, 3, rank1, E, e0), 1);
  for (int e = 0; e < 3; ++e) ck_assert_double_eq_tol(e0[e], tot / nat, 1e-12);
}
END_TEST

int main(void) {
  if (!mkdtemp(g_dir)) return 1;
  Suite *s = suite_create("train_grad");
  TCase *tc = tcase_create("fd");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_activation, 0, (int)strlen(acts));
  tcase_add_test(tc, test_cluster);
  tcase_add_test(tc, test_fit_e0);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  if (system(cmd)) return 1;
  return nf ? 1 : 0;
}
