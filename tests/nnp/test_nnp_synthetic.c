/* test_nnp_synthetic.c — the parts no n2p2 reference exercises: synthetic 3-element models
 * (H, C, O) with EVERY symmetry-function type (2 3 9 12 13 20 21 22 23 24 25, cores p1..p4,
 * p1a..p4a, e), every cutoff type 0..8 (with an inner radius alpha where it applies), every
 * scaling mode, every activation letter, normalize_nodes, normalisation and atom_energy.
 *
 * Narrow and wide types share groups where they use the same element pair (3/9 on C-O,
 * 21/22 on H-C, 24/25 weighted), as in Cu2S_PBE.
 * Each variant is written to the test's temporary folder (random weights), loaded, and a
 * random non-periodic cluster is evaluated through the engine path. Checks:
 *   - every raw SF value against an independent brute-force O(N^3) implementation in this
 *     file, written from n2p2-format.md sections 5-6 (explicit j<k pair loops, no groups):
 *     |dG| <= 1e-12 max(1, |G|) (rounding only: other summation order);
 *   - the total energy against an independent forward pass over the weight file (layer
 *     order of section 8.3, scaling of section 7, normalisation of section 10):
 *     1e-12 relative;
 *   - forces against central finite differences (h = 1e-5 A): 1e-6 of max|F| (truncation
 *     ~1e-10), plus the rounding floor 20 eps |E| / h of a central difference (some random
 *     variants have forces of only ~1e-4).
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hdnnp.h"
#include "model.h"
#include "nnp_test_util.c"
#include "types.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

static const char *const k_el[3] = {"H", "C", "O"};
static const int k_z[3] = {1, 6, 8};

/* ---------------- independent reference formulas (n2p2-format.md 5.1, 5.2, 6) ---------- */

static double ref_core(int core, double x) {
  switch (core) {
    case 1: return 2 * x * x * x - 3 * x * x + 1;
    case 2: return -6 * pow(x, 5) + 15 * pow(x, 4) - 10 * pow(x, 3) + 1;
    case 3: return 20 * pow(x, 7) - 70 * pow(x, 6) + 84 * pow(x, 5) - 35 * pow(x, 4) + 1;
    case 4: return -70 * pow(x, 9) + 315 * pow(x, 8) - 540 * pow(x, 7) + 420 * pow(x, 6) - 126 * pow(x, 5) + 1;
    default: return exp(1 - 1 / (1 - x * x));
  }
}

static double ref_fc(int type, double r, double rc, double alpha) {
  if (r >= rc) return 0;
  if (type == 0) return 1;
  if (type == 2) return pow(tanh(1 - r / rc), 3);
  if (type == 3) return pow(tanh(1 - r / rc) / tanh(1.0), 3);
  double ri = alpha * rc;
  if (r < ri) return 1;
  double x = (r - ri) / (rc - ri);
  if (type == 1) return 0.5 * (cos(NNMD_PI * x) + 1);
  if (type == 4) return ref_core(5, x);
  return ref_core(type - 4, x); /* 5..8 -> POLY1..POLY4 */
}

static double ref_compact(double v, double l, double r, int core, int asym) {
  double m = 0.5 * (l + r), w = 0.5 * (r - l), x = fabs((v - m) / w);
  if (x >= 1) return 0;
  if (asym) x = (2 - x) * x;
  return ref_core(core, x);
}

struct ref_sf {
  int type, e1, e2, core, asym;
  double eta, rs, lambda, zeta, rc, rl, al, ar;
};

static int z_of(int e) { return k_z[e]; }

/* G of atom i for one SF: explicit loops over neighbours and pairs j < k. */
static double ref_g(const struct ref_sf *s, int i, int n, const double *x, const int *el, int ctype, double alpha) {
  double g = 0;
  double d[64][3], r[64];
  int idx[64], m = 0;
  for (int j = 0; j < n; ++j) {
    if (j == i) continue;
    for (int c = 0; c < 3; ++c) d[m][c] = x[3 * j + c] - x[3 * i + c];
    r[m] = sqrt(d[m][0] * d[m][0] + d[m][1] * d[m][1] + d[m][2] * d[m][2]);
    idx[m++] = j;
  }
  bool poly = s->type >= 20, weighted = s->type == 12 || s->type == 13 || s->type >= 23;
  bool radial = s->type == 2 || s->type == 12 || s->type == 20 || s->type == 23;
  bool narrow = s->type == 3 || s->type == 13 || s->type == 21 || s->type == 24;
  for (int a = 0; a < m; ++a) {
    int ea = el[idx[a]];
    if (radial) {
      if (!weighted && ea != s->e1) continue;
      double w = weighted ? z_of(ea) : 1.0;
      if (poly) {
        if (r[a] > s->rl && r[a] < s->rc) g += w * ref_compact(r[a], s->rl, s->rc, s->core, s->asym);
      } else if (r[a] < s->rc) {
        g += w * exp(-s->eta * (r[a] - s->rs) * (r[a] - s->rs)) * ref_fc(ctype, r[a], s->rc, alpha);
      }
      continue;
    }
    for (int b = a + 1; b < m; ++b) {
      int eb = el[idx[b]];
      if (!weighted && !((ea == s->e1 && eb == s->e2) || (ea == s->e2 && eb == s->e1))) continue;
      double w = weighted ? (double)z_of(ea) * z_of(eb) : 1.0;
      double c = (d[a][0] * d[b][0] + d[a][1] * d[b][1] + d[a][2] * d[b][2]) / (r[a] * r[b]);
      double djk[3] = {d[b][0] - d[a][0], d[b][1] - d[a][1], d[b][2] - d[a][2]};
      double rjk = sqrt(djk[0] * djk[0] + djk[1] * djk[1] + djk[2] * djk[2]);
      if (poly) {
        if (!(r[a] > s->rl && r[a] < s->rc && r[b] > s->rl && r[b] < s->rc)) continue;
        if (narrow && !(rjk > fmax(s->rl, 0.0) && rjk < s->rc)) continue;
        double th = acos(fmax(-1.0, fmin(1.0, c))) * 180.0 / NNMD_PI;
        if (th < s->al || th > s->ar) continue;
        double t = ref_compact(r[a], s->rl, s->rc, s->core, s->asym) * ref_compact(r[b], s->rl, s->rc, s->core, s->asym) *
                   ref_compact(th * NNMD_PI / 180.0, s->al * NNMD_PI / 180.0, s->ar * NNMD_PI / 180.0, s->core, 0);
        if (narrow) t *= ref_compact(rjk, s->rl, s->rc, s->core, s->asym);
        g += w * t;
      } else {
        if (!(r[a] < s->rc && r[b] < s->rc)) continue;
        if (narrow && !(rjk < s->rc)) continue;
        double base = 1 + s->lambda * c;
        if (base <= 0) continue;
        double e2 = (r[a] - s->rs) * (r[a] - s->rs) + (r[b] - s->rs) * (r[b] - s->rs);
        double t = pow(2.0, 1 - s->zeta) * pow(base, s->zeta) * ref_fc(ctype, r[a], s->rc, alpha) *
                   ref_fc(ctype, r[b], s->rc, alpha);
        if (narrow) {
          e2 += (rjk - s->rs) * (rjk - s->rs);
          t *= ref_fc(ctype, rjk, s->rc, alpha);
        }
        g += w * t * exp(-s->eta * e2);
      }
    }
  }
  return g;
}

/* ---------------- synthetic model files ---------------- */

static const char *const k_sf_lines[] = {
    "%s 2 H 0.5 0.0 %g",          "%s 2 O 0.8 1.1 %g",           "%s 3 O C 0.2 1.0 2.0 %g",
    "%s 3 C H 0.1 -1.0 1.0 %g 0.4", "%s 3 H H 0.3 1.0 2.5 %g",     "%s 9 H O 0.05 -1.0 4.0 %g",
    "%s 9 C C 0.4 1.0 3.0 %g 0.5", "%s 12 0.3 0.2 %g",            "%s 13 0.1 0.3 1.0 2.0 %g",
    "%s 20 O 0.0 %g p1",           "%s 20 H -4.0 %g p3a",         "%s 20 C 1.5 %g e",
    "%s 20 O -1.0 %g p2a",         "%s 21 H C -4.0 %g 0 180 p2",  "%s 21 O O 0.5 %g 30 150 p4a",
    "%s 22 O H -5.0 %g -60 60 p4", "%s 22 H H 1.0 %g 120 240 p1", "%s 22 C O 0.0 %g 20 110 e",
    "%s 23 0.5 %g p2a",            "%s 24 -4.0 %g 40 140 p1",     "%s 25 1.0 %g 0 180 e",
    "%s 25 -3.0 %g 100 260 p3",    "%s 9 C O 0.15 1.0 3.0 %g",    "%s 22 C H -4.0 %g 20 160 p2",
};
#define N_SF_LINES ((int)(sizeof k_sf_lines / sizeof k_sf_lines[0]))

struct variant {
  int cutoff;
  double alpha;
  const char *scaling; /* keyword lines */
  const char *acts;    /* hidden acts + output */
  int normalize;
};

static const struct variant k_var[] = {
    {0, 0.0, "scale_symmetry_functions\n", "t s l", 0},
    {1, 0.25, "center_symmetry_functions\n", "p r l", 1},
    {2, 0.0, "scale_symmetry_functions\ncenter_symmetry_functions\nscale_min_short -1.0\nscale_max_short 2.0\n",
     "g c l", 0},
    {3, 0.0, "scale_symmetry_functions_sigma\n", "S e t", 1},
    {4, 0.3, "", "h l s", 0},
    {5, 0.2, "scale_symmetry_functions\n", "t p l", 0},
    {6, 0.0, "scale_symmetry_functions\ncenter_symmetry_functions\n", "s t l", 1},
    {7, 0.4, "center_symmetry_functions\n", "c t l", 0},
    {8, 0.1, "scale_symmetry_functions_sigma\nscale_min_short 0.5\nscale_max_short 1.5\n", "r g l", 0},
};

static void write_model(const char *dir, const struct variant *v, uint64_t seed, int *nsf_out) {
  mkdir(dir, 0755);
  char path[1200];
  snprintf(path, sizeof path, "%s/input.nn", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "# synthetic test model\nnumber_of_elements 3\nelements O H C\ncutoff_type %d %g\n%s", v->cutoff,
          v->alpha, v->scaling);
  fprintf(f, "global_hidden_layers_short 2\nglobal_nodes_short 4 3\nglobal_activation_short %s\n", v->acts);
  if (v->normalize) fprintf(f, "normalize_nodes\n");
  fprintf(f, "mean_energy -0.7\nconv_energy 2.5\nconv_length 1.3\natom_energy H -0.5\natom_energy O -3.25\n");
  fprintf(f, "epochs 10 ! training keyword, ignored\n");
  for (int e = 0; e < 3; ++e)
    for (int k = 0; k < N_SF_LINES; ++k) {
      char line[160];
      snprintf(line, sizeof line, k_sf_lines[k], k_el[e], 4.0 + 0.25 * ((k + e) % 5));
      fprintf(f, "symfunction_short %s\n", line);
    }
  fclose(f);
  /* scaling: plausible statistics; sorted order is irrelevant for the values */
  snprintf(path, sizeof path, "%s/scaling.data", dir);
  f = fopen(path, "w");
  fprintf(f, "# e sf min max mean sigma\n");
  uint64_t st = seed;
  for (int e = 0; e < 3; ++e)
    for (int k = 0; k < N_SF_LINES; ++k) {
      double mx = 0.5 + 3 * tsup_rand_uniform(&st);
      fprintf(f, "%d %d %.17g %.17g %.17g %.17g\n", e + 1, k + 1, 0.0, mx, 0.3 * mx, 0.2 * mx + 0.01);
    }
  fclose(f);
  int nodes[4] = {N_SF_LINES, 4, 3, 1};
  for (int e = 0; e < 3; ++e) {
    snprintf(path, sizeof path, "%s/weights.%03d.data", dir, k_z[e]);
    f = fopen(path, "w");
    fprintf(f, "# weights\n");
    for (int l = 1; l <= 3; ++l) {
      for (int j = 0; j < nodes[l - 1]; ++j)
        for (int k = 0; k < nodes[l]; ++k) fprintf(f, "%.17g\n", 0.6 * (tsup_rand_uniform(&st) - 0.5));
      for (int k = 0; k < nodes[l]; ++k) fprintf(f, "%.17g b\n", 0.4 * (tsup_rand_uniform(&st) - 0.5));
    }
    fclose(f);
  }
  *nsf_out = N_SF_LINES;
}

/* Independent forward pass: y(G~) with the weight order of n2p2-format.md 8.3. */
static double ref_network(const struct nnmd_ann *a, const double *in, const char *acts) {
  double buf[2][64];
  int np = a->nodes[0];
  memcpy(buf[0], in, (size_t)np * sizeof(double));
  const double *w = a->w;
  for (int l = 1; l <= a->n_layers; ++l) {
    int nl = a->nodes[l];
    double *out = buf[l & 1], *prev = buf[(l - 1) & 1];
    for (int k = 0; k < nl; ++k) {
      double s = w[(size_t)np * nl + k];
      for (int j = 0; j < np; ++j) s += w[(size_t)j * nl + k] * prev[j];
      if (a->normalize) s /= np;
      double xx = s, y;
      switch (acts[2 * (l - 1)]) {
        case 't': y = tanh(xx); break;
        case 's': y = xx > 35 ? 1 : (xx < -35 ? 0 : 1 / (1 + exp(-xx))); break;
        case 'p': y = xx > 35 ? xx : (xx < -35 ? 0 : log(1 + exp(xx))); break;
        case 'r': y = xx > 0 ? xx : 0; break;
        case 'g': y = exp(-0.5 * xx * xx); break;
        case 'c': y = cos(xx); break;
        case 'S': y = 1 - 1 / (1 + exp(-xx)); break;
        case 'e': y = exp(-xx); break;
        case 'h': y = xx * xx; break;
        default: y = xx; break;
      }
      out[k] = y;
    }
    w += (size_t)(np + 1) * nl;
    np = nl;
  }
  return buf[a->n_layers & 1][0];
}

static void sf_from_model(const struct nnmd_nnp_sf *m, struct ref_sf *s) {
  s->type = m->type;
  s->e1 = m->e1;
  s->e2 = m->e2;
  s->core = m->core;
  s->asym = m->asym;
  s->eta = m->eta;
  s->rs = m->rs;
  s->lambda = m->lambda;
  s->zeta = m->zeta;
  s->rc = m->rc;
  s->rl = m->rl;
  s->al = m->angl;
  s->ar = m->angr;
}

START_TEST(synthetic_variant) {
  const struct variant *v = &k_var[_i];
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/nnp_synthetic_%d", NNMD_TEST_TMP, _i);
  int nsf;
  write_model(dir, v, 1000 + (uint64_t)_i, &nsf);
  /* random cluster, elements H C O */
  struct nt_struct s;
  double lat[3][3] = {{6.5, 0, 0}, {0, 6.5, 0}, {0, 0, 6.5}};
  nt_random_struct(&s, 16, lat, 1.0, k_el, 3, 55 + (uint64_t)_i);
  s.periodic = 0;
  struct nt_engine e;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0, 0.3), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  int st = nnmd_hdnnp_create_dir(dir, &e.sys->species, 1.0, 1.0, -1, NULL, &e.pot, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  e.log.rank = 1;
  nnmd_hdnnp_record_sf(e.pot, 1);
  const struct nnmd_nnp_model *m = nnmd_hdnnp_model(e.pot);
  int n = s.n;
  double en, *f = malloc(3 * (size_t)n * sizeof(double));
  ck_assert_int_eq(nt_engine_compute(&e, &en, f, NULL, NULL), 0);
  /* SF values and the energy from independent code */
  int *el = malloc((size_t)n * sizeof(int));
  for (int i = 0; i < n; ++i) el[i] = nnmd_nnp_model_element(m, s.el[i]);
  double eref = 0, worst_g = 0;
  for (int i = 0; i < n; ++i) {
    const double *g = nnmd_hdnnp_recorded_g(e.pot, i);
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[el[i]];
    double gs[64];
    for (int k = 0; k < m->n_sf[el[i]]; ++k) {
      struct ref_sf r;
      sf_from_model(&sf[k], &r);
      double gr = ref_g(&r, i, n, s.x, el, m->cutoff_type, m->cutoff_alpha);
      double dg = fabs(gr - g[k]) / fmax(1.0, fabs(gr));
      worst_g = fmax(worst_g, dg);
      ck_assert_msg(dg < 1e-12, "variant %d atom %d SF %d (type %d, line %lld): %.17g vs reference %.17g", _i, i, k + 1,
                    sf[k].type, (long long)sf[k].line, g[k], gr);
      double sc = 1, ref = 0, smin = 0;
      switch (m->scaling) {
        case NNMD_NNP_ST_SCALE: sc = (m->smax - m->smin) / (sf[k].gmax - sf[k].gmin); ref = sf[k].gmin; smin = m->smin; break;
        case NNMD_NNP_ST_CENTER: ref = sf[k].gmean; break;
        case NNMD_NNP_ST_SCALECENTER: sc = (m->smax - m->smin) / (sf[k].gmax - sf[k].gmin); ref = sf[k].gmean; smin = m->smin; break;
        case NNMD_NNP_ST_SCALESIGMA: sc = (m->smax - m->smin) / sf[k].gsigma; ref = sf[k].gmean; smin = m->smin; break;
        default: break;
      }
      gs[k] = smin + sc * (gr - ref);
    }
    eref += ref_network(&m->ann[el[i]], gs, v->acts) / m->conv_energy + m->mean_energy + m->atom_energy[el[i]];
  }
  ck_assert_msg(fabs(en - eref) <= 1e-12 * fmax(1.0, fabs(eref)), "variant %d: energy %.17g vs reference %.17g", _i,
                en, eref);
  /* finite differences */
  double fm = 0, worst_f = 0;
  for (int k = 0; k < 3 * n; ++k) fm = fmax(fm, fabs(f[k]));
  double *x = malloc(3 * (size_t)n * sizeof(double));
  memcpy(x, s.x, 3 * (size_t)n * sizeof(double));
  const double h = 1e-5;
  /* rounding floor of the central difference: ~eps |E| / h per energy, a few of them */
  const double floor_f = 20.0 * DBL_EPSILON * fmax(1.0, fabs(en)) / h;
  for (int k = 0; k < 3 * n; ++k) {
    double x0 = x[k], ep, em;
    x[k] = x0 + h;
    nt_engine_set(&e, x, NULL);
    ck_assert_int_eq(nt_engine_compute(&e, &ep, NULL, NULL, NULL), 0);
    x[k] = x0 - h;
    nt_engine_set(&e, x, NULL);
    ck_assert_int_eq(nt_engine_compute(&e, &em, NULL, NULL, NULL), 0);
    x[k] = x0;
    double d = fabs(-(ep - em) / (2 * h) - f[k]) / (fm + floor_f / 1e-6);
    worst_f = fmax(worst_f, d);
    ck_assert_msg(d < 1e-6, "variant %d: atom %d comp %d: F %.12g FD %.12g (max|F| %.3g)", _i, k / 3, k % 3, f[k],
                  -(ep - em) / (2 * h), fm);
  }
  printf("  variant %d (cutoff %d, alpha %.2f, acts %s%s): max |dG| %.1e, |dE| %.1e, FD %.1e\n", _i, v->cutoff,
         v->alpha, v->acts, v->normalize ? ", normalize_nodes" : "", worst_g, fabs(en - eref), worst_f);
  free(x);
  free(f);
  free(el);
  nt_engine_free(&e);
  nt_struct_free(&s);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  if (nt_init()) return 1;
  Suite *s = suite_create("nnp_synthetic");
  TCase *tc = tcase_create("synthetic");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, synthetic_variant, 0, (int)(sizeof k_var / sizeof k_var[0]));
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
