/* test_train_bec.c — Born-charge training (train/tbec.c) on small random models:
 *   - dL/dtheta of the BEC loss (ASR on predictions and labels) vs central differences
 *     (h = 1e-5; bound 1e-6 of the largest gradient component: FD truncation ~1e-10, so a
 *     missing term or a wrong basis derivative fails by orders of magnitude), for
 *     field_first and force_first models, 2 and 3 elements, a triclinic cell;
 *   - rotating a frame (random proper and improper Q) rotates every predicted Z* as
 *     Q Z Q^T (1e-12 of max |Z|), and rotated copies of a frame with rotated labels give the
 *     same loss (1e-12 relative);
 *   - the trainer's predictions equal nnp/bec.c's evaluation of the same files (the MD
 *     code, nnmd_bec_eval_atom) to 1e-12: the basis and channel code agree; and the "bec"
 *     term through the engine path (halo ghosts, full list, reverse sum of the ghost
 *     contributions) to 1e-12;
 *   - the same for the charge-derivative forms (charge, tensor_charge, tensor_charge_dipole),
 *     plus, on a non-periodic cluster, Z_i - M_i against central differences in r_i,b of
 *     sum_j (r_j - r_i)_a q_j + sum_j mu_j,a (coefficients r_j - r_i at the reference; q_j =
 *     network output 0, mu_j = sum_p w_jp v^p_j for tensor_charge_dipole; h = 1e-5, bound 1e-7
 *     of max |Z|: truncation ~h^2 |P'''| ~ 1e-9).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bec.h"
#include "nnp_test_util.c"
#include "tnet.h"
#include "tbec.h"
#include "tframe.h"
#include "tmodel.h"
#include "train_test_util.h"

#define PI 3.14159265358979323846

static uint64_t rs = 0x1234567ull;
static double urand(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (double)(rs >> 11) * 0x1.0p-53;
}

#define die tt_die

/* A random BEC model in dir: generated SFs, K = 2 radial functions, random stats/weights. */
static const char *const k_forms[] = {"tensor", "charge", "tensor_charge", "tensor_charge_dipole"};

static struct nnmd_bec_model *make_model(const char *dir, int ne, const char *syms[], bool force_first, int form) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct tgen_opts o = {0};
  o.n_elem = ne;
  for (int e = 0; e < ne; ++e) snprintf(o.sym[e], 4, "%s", syms[e]);
  o.cutoff = 4.0;
  o.r0 = 0.8;
  o.radial = 3;
  o.angular = 2;
  o.cutoff_type = 6;
  o.n_hidden = 1;
  o.hidden[0] = 5;
  o.act[0] = 't';
  o.act[1] = 'l';
  char path[600];
  snprintf(path, sizeof path, "%s/bec.nn", dir);
  FILE *fp = fopen(path, "w");
  if (tgen_write_input(fp, &o, "angstrom", "eV", &err)) die(&err);
  const int K = form == 1 ? 0 : 2, P = K * ne, nout = 1 + P + P * P + (form == 3 ? P : 0);
  fprintf(fp, "nnmd_bec_form %s\n", k_forms[form]);
  if (K) fprintf(fp, "nnmd_bec_radial 1.2 1.0 3.8\nnnmd_bec_radial 0.7 2.2 3.5\n");
  fprintf(fp, "nnmd_bec_index_order %s\nnnmd_length_unit angstrom\nnnmd_bec_outputs %d\n",
          force_first ? "force_first" : "field_first", nout);
  fclose(fp);
  /* settings-only copy (no nnmd keywords) for the SF table */
  char p2[600];
  snprintf(p2, sizeof p2, "%s/sf.nn", dir);
  fp = fopen(p2, "w");
  if (tgen_write_input(fp, &o, "angstrom", "eV", &err)) die(&err);
  fclose(fp);
  struct nnmd_nnp_model *m = tt_settings_model(p2);
  unlink(p2);
  snprintf(path, sizeof path, "%s/bec-scaling.data", dir);
  tt_random_scaling(path, m, urand);
  for (int e = 0; e < ne; ++e) nnmd_ann_set_outputs(&m->ann[e], nout);
  struct tmodel t = {.m = m};
  if (tmodel_setup_params(&t, &err)) die(&err);
  double *th = malloc(t.n_params * sizeof(double));
  for (size_t k = 0; k < t.n_params; ++k) th[k] = 0.6 * (urand() - 0.5);
  if (tmodel_write_weights(dir, "bec-weights", m, th, &err)) die(&err);
  free(th);
  nnmd_nnp_model_free(m);
  struct nnmd_bec_model *bm = NULL;
  if (nnmd_bec_model_load(NULL, dir, &bm, &err)) die(&err);
  return bm;
}

static void make_frame(struct tframe *f, int n, int ne) {
  memset(f, 0, sizeof *f);
  f->n = n;
  f->elem = malloc(n * sizeof(int));
  f->pos = malloc(3 * n * sizeof(double));
  f->bec = malloc(9 * n * sizeof(double));
  f->has_cell = true;
  f->has_z = true;
  double h[9] = {5.0, 0.6, -0.3, 0.0, 4.7, 0.4, 0.0, 0.0, 5.4};
  memcpy(f->h, h, sizeof h);
  f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
  for (int i = 0; i < n; ++i) {
    f->elem[i] = i % ne;
    for (;;) {
      double s[3] = {urand(), urand(), urand()}, *r = f->pos + 3 * i;
      for (int k = 0; k < 3; ++k) r[k] = h[3 * k] * s[0] + h[3 * k + 1] * s[1] + h[3 * k + 2] * s[2];
      int ok = 1;
      for (int j = 0; j < i && ok; ++j) {
        double d2 = 0;
        for (int k = 0; k < 3; ++k) d2 += (r[k] - f->pos[3 * j + k]) * (r[k] - f->pos[3 * j + k]);
        ok = d2 > 1.0;
      }
      if (ok) break;
    }
    for (int k = 0; k < 9; ++k) f->bec[9 * i + k] = (k % 4 == 0 ? 1.5 : 0.2) * (urand() - 0.5);
  }
  f->weight = 1.0;
  f->file = "random";
}

static double *theta_of(const struct tmodel *t) {
  double *th = malloc(t->n_params * sizeof(double));
  for (int e = 0; e < t->m->n_elem; ++e)
    memcpy(th + t->poff[e], t->m->ann[e].w, t->m->ann[e].n_params * sizeof(double));
  return th;
}

static double frame_loss(struct tmodel *t, struct nnmd_bec_model *bm, double *th, struct tframe *f, double *grad) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_desc_work *wk = NULL;
  struct tcache c;
  struct tbec_chan ch = {0};
  struct tscratch s = {0};
  if (nnmd_desc_work_create(t->plan, 64, &wk, &err) || tcache_build(t->m, t->plan, &wk, f, &c, &err) ||
      tbec_channels(bm, f, &c, &ch, &err))
    die(&err);
  double L = 0;
  if (tbec_frame(t, bm, th, f, &c, &ch, 1.0, f->n, &s, grad, &L, NULL, &err)) die(&err);
  tscratch_free(&s);
  tbec_chan_free(&ch);
  tcache_free(&c);
  nnmd_desc_work_free(wk);
  return L;
}

static double maxabs(const double *a, int n) {
  double m = 0;
  for (int k = 0; k < n; ++k) m = fmax(m, fabs(a[k]));
  return m;
}

/* Z* of every atom of f through the engine path (bt_eval's harness: halo, full list, term). */
static void engine_z(const char *dir, const struct tframe *f, const struct nnmd_nnp_model *m, double *z) {
  struct nt_struct ns = {.n = f->n, .periodic = f->has_cell};
  ns.x = malloc(3 * f->n * sizeof(double));
  ns.el = malloc(f->n * sizeof *ns.el);
  memcpy(ns.x, f->pos, 3 * f->n * sizeof(double));
  for (int i = 0; i < f->n; ++i) snprintf(ns.el[i], 4, "%s", m->sym[f->elem[i]]); /* model order */
  for (int k = 0; k < 3; ++k)
    for (int d = 0; d < 3; ++d) ns.lat[k][d] = f->h[3 * d + k];
  struct nt_engine e;
  ck_assert(nt_engine_init(&e, &ns, 1.0, 0.3) == 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_term_info info;
  memset(&info, 0, sizeof info);
  info.species = &e.sys->species;
  e.ops = &nnmd_pot_bec;
  if (nnmd_bec_term_create(dir, &info, &e.pot, &err)) die(&err);
  e.log.rank = 1;
  ck_assert(nt_engine_compute(&e, NULL, NULL, NULL, NULL) == 0);
  const double *zf = nnmd_system_field(e.sys, "bec");
  for (int i = 0; i < f->n; ++i)
    for (int k = 0; k < 9; ++k) z[9 * i + k] = zf[k * e.sys->capacity + i];
  nt_engine_free(&e);
  free(ns.x);
  free(ns.el);
}

/* All network outputs (n x n_out) and the channels of every atom of f. */
static double *outputs(struct tmodel *t, struct nnmd_bec_model *bm, const double *th, const struct tframe *f,
                       struct tbec_chan *ch) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_desc_work *wk = NULL;
  struct tcache c;
  if (nnmd_desc_work_create(t->plan, 64, &wk, &err) || tcache_build(t->m, t->plan, &wk, f, &c, &err) ||
      tbec_channels(bm, f, &c, ch, &err))
    die(&err);
  double gs[512], *st = malloc(tnet_state_size(&t->m->ann[0]) * 4 * sizeof(double) + 4096 * sizeof(double));
  double *out = malloc((size_t)f->n * bm->n_out * sizeof(double));
  for (int i = 0; i < f->n; ++i) {
    const int ec = f->elem[i];
    const struct nnmd_nnp_sf *sf = t->m->sf + t->m->sf_off[ec];
    ck_assert(t->m->n_sf[ec] <= 512);
    for (int k = 0; k < t->m->n_sf[ec]; ++k) gs[k] = sf[k].smin + sf[k].scale * (c.g[c.goff[i] + k] - sf[k].gref);
    tnet_forward(&t->m->ann[ec], th + t->poff[ec], gs, st);
    memcpy(out + (size_t)i * bm->n_out, tnet_outputs(&t->m->ann[ec], st), bm->n_out * sizeof(double));
  }
  free(st);
  tcache_free(&c);
  nnmd_desc_work_free(wk);
  return out;
}

/* The model's polarisation of a cluster about atom i, P = sum_j (ref_j - ref_i) q_j + mu_j,
 * with the charges' coefficients at the reference positions ref (so its derivative in r_i is
 * D_i + dmu/dr_i); mu_j = sum_p w_jp v^p_j (only for tensor_charge_dipole). */
static void polarisation(struct tmodel *t, struct nnmd_bec_model *bm, const double *th, const struct tframe *f,
                         const double *ref, int i, double P[3]) {
  struct tbec_chan ch = {0};
  double *o = outputs(t, bm, th, f, &ch);
  P[0] = P[1] = P[2] = 0;
  for (int j = 0; j < f->n; ++j) {
    const double *oj = o + (size_t)j * bm->n_out;
    for (int a = 0; a < 3; ++a) P[a] += oj[0] * (ref[3 * j + a] - ref[3 * i + a]);
    if (bm->dipole)
      for (int p = 0; p < bm->P; ++p)
        for (int a = 0; a < 3; ++a) P[a] += oj[bm->dip_off + p] * ch.v[3 * ((size_t)bm->P * j + p) + a];
  }
  free(o);
  tbec_chan_free(&ch);
}

/* Charge-derivative forms on a non-periodic cluster: Z_i - M_i (M_i = q_i I for the charge
 * form) against central differences in r_i,b of sum_j (r_j - r_i)_ref q_j + sum_j mu_j
 * (coefficients r_j - r_i held at the reference): D_i + sum_j dmu_j/dr_i. */
static void check_derivative_fd(struct tmodel *t, struct nnmd_bec_model *bm, const double *th, int ne) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct tframe f;
  make_frame(&f, 7, ne);
  f.has_cell = false;
  f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
  memset(f.h, 0, sizeof f.h);
  for (int i = 0; i < f.n; ++i) /* a compact cluster: every pair within the cutoff */
    for (int k = 0; k < 3; ++k) f.pos[3 * i + k] *= 0.55;
  struct nnmd_desc_work *wk = NULL;
  struct tcache c;
  struct tbec_chan ch = {0};
  struct tscratch s = {0};
  if (nnmd_desc_work_create(t->plan, 64, &wk, &err) || tcache_build(t->m, t->plan, &wk, &f, &c, &err) ||
      tbec_channels(bm, &f, &c, &ch, &err))
    die(&err);
  double *z = malloc(9 * f.n * sizeof(double)), *zr = malloc(9 * f.n * sizeof(double));
  if (tbec_predict(t, bm, th, &f, &c, &ch, &s, z, &err)) die(&err);
  struct tbec_chan ch0 = {0};
  double *o = outputs(t, bm, th, &f, &ch0);
  for (int i = 0; i < f.n; ++i) { /* M_i in engine order */
    double M[9] = {0};
    if (bm->K)
      nnmd_bec_assemble(bm->P, o + (size_t)i * bm->n_out, ch0.v + 3 * (size_t)bm->P * i,
                        ch0.T + 9 * (size_t)bm->P * i, M);
    for (int k = 0; k < 9; ++k)
      zr[9 * i + k] = bm->K ? (bm->order == NNMD_BEC_FIELD_FIRST ? M[k] : M[3 * (k % 3) + k / 3])
                            : (k % 4 == 0 ? o[(size_t)i * bm->n_out] : 0.0);
  }
  free(o);
  tbec_chan_free(&ch0);
  const double h = 1e-5;
  double zmax = maxabs(z, 9 * f.n), e = 0, dmax = 0, *ref = malloc(3 * f.n * sizeof(double));
  memcpy(ref, f.pos, 3 * f.n * sizeof(double));
  for (int i = 0; i < f.n; ++i)
    for (int b = 0; b < 3; ++b) {
      double Pp[3], Pm[3];
      const double x0 = f.pos[3 * i + b];
      f.pos[3 * i + b] = x0 + h;
      polarisation(t, bm, th, &f, ref, i, Pp);
      f.pos[3 * i + b] = x0 - h;
      polarisation(t, bm, th, &f, ref, i, Pm);
      f.pos[3 * i + b] = x0;
      for (int a = 0; a < 3; ++a) {
        const double fd = (Pp[a] - Pm[a]) / (2 * h), d = z[9 * i + 3 * a + b] - zr[9 * i + 3 * a + b];
        dmax = fmax(dmax, fabs(d));
        e = fmax(e, fabs(d - fd));
      }
    }
  ck_assert_msg(dmax > 1e-3 * zmax, "derivative term is empty (%.3g of %.3g)", dmax, zmax);
  ck_assert_msg(e <= 1e-7 * zmax, "%s: Z - M vs FD of the polarisation: %.3g of %.3g", k_forms[bm->form], e, zmax);
  free(ref);
  free(z);
  free(zr);
  tscratch_free(&s);
  tbec_chan_free(&ch);
  tcache_free(&c);
  nnmd_desc_work_free(wk);
  tframe_free(&f);
}

static void run_case(int ne, bool force_first, int form) {
  char dir[] = "/tmp/nnmd_tbecXXXXXX";
  ck_assert(mkdtemp(dir) != NULL);
  const char *s2[] = {"H", "O"}, *s3[] = {"Li", "P", "O"};
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_bec_model *bm = make_model(dir, ne, ne == 2 ? s2 : s3, force_first, form);
  struct tmodel t = {.m = bm->nnp, .cfl = 1, .cfe = 1};
  if (tmodel_setup_params(&t, &err) || nnmd_desc_plan_build(t.m, &t.plan, &err)) die(&err);
  double *th = theta_of(&t), *g = calloc(t.n_params, sizeof(double));
  if (form != 0) check_derivative_fd(&t, bm, th, ne);
  struct tframe f;
  make_frame(&f, 9, ne);
  frame_loss(&t, bm, th, &f, g);
  double gmax = 0, gerr = 0;
  for (size_t k = 0; k < t.n_params; ++k) {
    double x0 = th[k], h = 1e-5;
    th[k] = x0 + h;
    double lp = frame_loss(&t, bm, th, &f, NULL);
    th[k] = x0 - h;
    double lm = frame_loss(&t, bm, th, &f, NULL);
    th[k] = x0;
    double fd = (lp - lm) / (2 * h);
    gmax = fmax(gmax, fabs(g[k]));
    gerr = fmax(gerr, fabs(fd - g[k]));
  }
  ck_assert_msg(gmax > 0 && gerr <= 1e-6 * gmax, "BEC dL/dw vs FD: %.3g of %.3g (ne %d, %s, %s)", gerr, gmax, ne,
                force_first ? "force_first" : "field_first", k_forms[form]);
  /* predictions vs the MD evaluation (nnp/bec.c) of the same files */
  void *term = NULL;
  struct nnmd_species_table sp;
  memset(&sp, 0, sizeof sp);
  struct nnmd_term_info info;
  memset(&info, 0, sizeof info);
  if (nnmd_bec_term_create(dir, &info, &term, &err)) die(&err);
  struct nnmd_desc_work *wk = NULL;
  struct tcache c;
  struct tbec_chan ch = {0};
  struct tscratch s = {0};
  if (nnmd_desc_work_create(t.plan, 64, &wk, &err) || tcache_build(t.m, t.plan, &wk, &f, &c, &err) ||
      tbec_channels(bm, &f, &c, &ch, &err))
    die(&err);
  double *z = malloc(9 * f.n * sizeof(double));
  if (tbec_predict(&t, bm, th, &f, &c, &ch, &s, z, &err)) die(&err);
  double zmax = 0, zerr = 0;
  {
    double *ze = malloc(9 * f.n * sizeof(double));
    engine_z(dir, &f, bm->nnp, ze);
    double emax = maxabs(ze, 9 * f.n), eerr = 0;
    for (int k = 0; k < 9 * f.n; ++k) eerr = fmax(eerr, fabs(ze[k] - z[k]));
    ck_assert_msg(emax > 0 && eerr <= 1e-12 * emax, "trainer vs the bec term (engine path, %s): %.3g of %.3g",
                  k_forms[form], eerr, emax);
    free(ze);
  }
  for (int i = 0; i < f.n && !bm->deriv; ++i) {
    int n = (int)(c.eoff[i + 1] - c.eoff[i]);
    double *dx = malloc((n + 1) * 3 * sizeof(double));
    int *el = malloc((n + 1) * sizeof(int));
    for (int q = 0; q < n; ++q) {
      size_t e = c.eoff[i] + q;
      dx[q] = c.ed[3 * e];
      dx[n + q] = c.ed[3 * e + 1];
      dx[2 * n + q] = c.ed[3 * e + 2];
      el[q] = f.elem[c.eatom[e]];
    }
    double zr[9];
    if (nnmd_bec_eval_atom(term, f.elem[i], n, dx, dx + n, dx + 2 * n, el, zr, NULL, &err)) die(&err);
    for (int k = 0; k < 9; ++k) {
      zmax = fmax(zmax, fabs(zr[k]));
      zerr = fmax(zerr, fabs(zr[k] - z[9 * i + k]));
    }
    free(dx);
    free(el);
  }
  ck_assert_msg(zerr <= 1e-12 * zmax, "trainer vs nnp/bec.c: %.3g of %.3g", zerr, zmax);
  if (bm->deriv) { /* single-atom evaluation is refused for these forms */
    double zr[9], dx[3] = {1, 0, 0};
    int el[1] = {0};
    ck_assert(nnmd_bec_eval_atom(term, 0, 1, dx, dx + 1, dx + 2, el, zr, NULL, &err) == NNMD_ERR_UNSUPPORTED);
    nnmd_error_clear(&err);
    zmax = maxabs(z, 9 * f.n);
  }
  /* rotation: Z(QR) = Q Z Q^T, loss invariant with rotated labels */
  for (int rep = 0; rep < 2; ++rep) {
    double q[9], a = 2 * PI * urand(), b = PI * urand(), cc = 2 * PI * urand();
    double Rz1[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1}, Ry[9] = {cos(b), 0, sin(b), 0, 1, 0, -sin(b), 0, cos(b)},
           Rz2[9] = {cos(cc), -sin(cc), 0, sin(cc), cos(cc), 0, 0, 0, 1}, tmp[9];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        tmp[3 * i + j] = 0;
        for (int k = 0; k < 3; ++k) tmp[3 * i + j] += Rz1[3 * i + k] * Ry[3 * k + j];
      }
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        q[3 * i + j] = 0;
        for (int k = 0; k < 3; ++k) q[3 * i + j] += tmp[3 * i + k] * Rz2[3 * k + j];
        if (rep == 1) q[3 * i + j] = -q[3 * i + j]; /* improper */
      }
    struct tframe r = f;
    r.pos = malloc(3 * f.n * sizeof(double));
    r.bec = malloc(9 * f.n * sizeof(double));
    for (int i = 0; i < f.n; ++i)
      for (int k = 0; k < 3; ++k)
        r.pos[3 * i + k] = q[3 * k] * f.pos[3 * i] + q[3 * k + 1] * f.pos[3 * i + 1] + q[3 * k + 2] * f.pos[3 * i + 2];
    for (int col = 0; col < 3; ++col)
      for (int k = 0; k < 3; ++k)
        r.h[3 * k + col] = q[3 * k] * f.h[col] + q[3 * k + 1] * f.h[3 + col] + q[3 * k + 2] * f.h[6 + col];
    for (int i = 0; i < f.n; ++i) /* rotated labels: Q Z Q^T */
      for (int x = 0; x < 3; ++x)
        for (int y = 0; y < 3; ++y) {
          double acc = 0;
          for (int k = 0; k < 3; ++k)
            for (int l = 0; l < 3; ++l) acc += q[3 * x + k] * f.bec[9 * i + 3 * k + l] * q[3 * y + l];
          r.bec[9 * i + 3 * x + y] = acc;
        }
    struct tcache c2;
    struct tbec_chan ch2 = {0};
    if (tcache_build(t.m, t.plan, &wk, &r, &c2, &err) || tbec_channels(bm, &r, &c2, &ch2, &err)) die(&err);
    double *z2 = malloc(9 * f.n * sizeof(double));
    if (tbec_predict(&t, bm, th, &r, &c2, &ch2, &s, z2, &err)) die(&err);
    double rerr = 0;
    for (int i = 0; i < f.n; ++i)
      for (int x = 0; x < 3; ++x)
        for (int y = 0; y < 3; ++y) {
          double acc = 0;
          for (int k = 0; k < 3; ++k)
            for (int l = 0; l < 3; ++l) acc += q[3 * x + k] * z[9 * i + 3 * k + l] * q[3 * y + l];
          rerr = fmax(rerr, fabs(acc - z2[9 * i + 3 * x + y]));
        }
    ck_assert_msg(rerr <= 1e-12 * zmax, "rotation %d: Q Z Q^T vs prediction %.3g of %.3g", rep, rerr, zmax);
    double L0 = frame_loss(&t, bm, th, &f, NULL), L1 = frame_loss(&t, bm, th, &r, NULL);
    ck_assert_msg(fabs(L0 - L1) <= 1e-12 * L0, "rotated loss %.17g vs %.17g", L1, L0);
    free(z2);
    tbec_chan_free(&ch2);
    tcache_free(&c2);
    free(r.pos);
    free(r.bec);
  }
  nnmd_pot_bec.destroy(term);
  free(z);
  tscratch_free(&s);
  tbec_chan_free(&ch);
  tcache_free(&c);
  nnmd_desc_work_free(wk);
  tframe_free(&f);
  free(th);
  free(g);
  nnmd_desc_plan_free(t.plan);
  nnmd_bec_model_free(bm);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert(system(cmd) == 0);
}

START_TEST(test_field_first_2) { run_case(2, false, 0); }
END_TEST
START_TEST(test_force_first_3) { run_case(3, true, 0); }
END_TEST
START_TEST(test_charge_2) { run_case(2, false, 1); }
END_TEST
START_TEST(test_charge_3) { run_case(3, false, 1); }
END_TEST
START_TEST(test_tensor_charge_3) { run_case(3, true, 2); }
END_TEST
START_TEST(test_tensor_charge_dipole_2) { run_case(2, false, 3); }
END_TEST
START_TEST(test_tensor_charge_dipole_3) { run_case(3, true, 3); }
END_TEST

int main(void) {
  if (nt_init()) return 1;
  Suite *s = suite_create("train_bec");
  TCase *tc = tcase_create("bec");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_field_first_2);
  tcase_add_test(tc, test_force_first_3);
  tcase_add_test(tc, test_charge_2);
  tcase_add_test(tc, test_charge_3);
  tcase_add_test(tc, test_tensor_charge_3);
  tcase_add_test(tc, test_tensor_charge_dipole_2);
  tcase_add_test(tc, test_tensor_charge_dipole_3);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
