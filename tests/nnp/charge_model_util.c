/* charge_model_util.c — writes a copy of an n2p2 model from shared/models with the nnmd
 * charge-state input node added (docs/nnp.md "Charge-state input node"), for the charge-node
 * suites (included by tests/nnp/test_hdnnp_charge*.c after nnp_test_util.c).
 *
 * The copy: input.nn + `nnmd_charge_node c [qmin qmax]` (optionally + `normalize_nodes`, which
 * none of the shared models uses); scaling.data with the row `e N_G+1 Qmin Qmax Qmean Qsigma` after the
 * last row of every element; weights.NNN.data rewritten with N_G+1 inputs in n2p2's file order
 * (n2p2-format.md 8.3: layer 1 is source-neuron-major, so the n_1 weights leaving the new input
 * N_G+1 come after those of input N_G and before the layer-1 biases), informative columns
 * renumbered. Values are printed with %.17g, which reads back as the same double. The extra
 * weights are zero or uniform random in [-amp, amp].
 *
 * normalize_nodes: a network with N_G+1 inputs divides its first layer by N_G+1 (docs/nnp.md).
 * `compensate` multiplies the layer-1 weights and biases by (N_G+1)/N_G, so that with zero
 * extra weights the network equals the original one up to rounding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "support.h"

struct cm_opts {
  double c;                /* nnmd_charge_node constant (model length^3) */
  int qrange;              /* write the optional q range */
  double qmin, qmax;       /* e */
  double qstat[4];         /* Qmin Qmax Qmean Qsigma of the scaling row (every element) */
  int random;              /* extra weights random (else zero) */
  double amp;              /* their amplitude */
  uint64_t seed;
  int add_normalize;       /* add a normalize_nodes line */
  int compensate;          /* scale layer 1 by (N_G+1)/N_G (see above) */
  int no_charge;           /* write the model without the charge node (but same other edits) */
  int skip_scaling_elem;   /* 1-based element whose extra scaling row is left out (0: none) */
};

static char *cm_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

/* Next line of *p (NUL-terminated in place); NULL at the end. */
static char *cm_line(char **p) {
  if (!*p || !**p) return NULL;
  char *s = *p, *e = strchr(s, '\n');
  if (e) {
    *e = '\0';
    *p = e + 1;
  } else {
    *p = s + strlen(s);
  }
  return s;
}

static int cm_is_data(const char *l) { return l[0] != '#' && strspn(l, " \t\r") != strlen(l); }

static void cm_input_nn(const char *src, const char *dst, const struct cm_opts *o) {
  char *buf = cm_slurp(src), *p = buf, *l;
  ck_assert_ptr_nonnull(buf);
  FILE *f = fopen(dst, "w");
  ck_assert_ptr_nonnull(f);
  while ((l = cm_line(&p))) fprintf(f, "%s\n", l);
  if (o->add_normalize) fprintf(f, "normalize_nodes\n");
  if (!o->no_charge) {
    fprintf(f, "nnmd_charge_node %.17g", o->c);
    if (o->qrange) fprintf(f, " %.17g %.17g", o->qmin, o->qmax);
    fprintf(f, "\n");
  }
  fclose(f);
  free(buf);
}

static void cm_scaling(const char *src, const char *dst, const struct nnmd_nnp_model *m, const struct cm_opts *o) {
  char *buf = cm_slurp(src), *p = buf, *l;
  ck_assert_ptr_nonnull(buf);
  FILE *f = fopen(dst, "w");
  ck_assert_ptr_nonnull(f);
  int e = 0, k = 0;
  while ((l = cm_line(&p))) {
    fprintf(f, "%s\n", l);
    if (!cm_is_data(l)) continue;
    if (++k < m->n_sf[e]) continue;
    if (!o->no_charge && o->skip_scaling_elem != e + 1)
      fprintf(f, "%4d %4d %24.17g %24.17g %24.17g %24.17g\n", e + 1, m->n_sf[e] + 1, o->qstat[0], o->qstat[1],
              o->qstat[2], o->qstat[3]);
    ++e;
    k = 0;
  }
  ck_assert_int_eq(e, m->n_elem);
  fclose(f);
  free(buf);
}

static double cm_uniform(uint64_t *s) { return tsup_rand_uniform(s); }

static void cm_weights(const char *src, const char *dst, const struct nnmd_ann *a, const struct cm_opts *o,
                       uint64_t *rng) {
  char *buf = cm_slurp(src), *p = buf, *l;
  ck_assert_ptr_nonnull(buf);
  double *w = malloc(a->n_params * sizeof(double));
  size_t n = 0;
  while ((l = cm_line(&p)))
    if (cm_is_data(l)) {
      ck_assert_uint_lt(n, a->n_params);
      w[n++] = strtod(l, NULL);
    }
  ck_assert_uint_eq(n, a->n_params);
  FILE *f = fopen(dst, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "# weights with the charge-state input N_G+1 (nnmd test copy)\n");
  size_t src_i = 0, idx = 0;
  const int extra = o->no_charge ? 0 : 1;
  const double comp = o->compensate && extra ? (double)(a->nodes[0] + 1) / (double)a->nodes[0] : 1.0;
  for (int layer = 1; layer <= a->n_layers; ++layer) {
    int np = a->nodes[layer - 1], nl = a->nodes[layer];
    double fac = layer == 1 ? comp : 1.0;
    int np_new = layer == 1 ? np + extra : np;
    for (int j = 0; j < np_new; ++j)
      for (int k = 0; k < nl; ++k) {
        double v;
        if (j < np) v = w[src_i++] * fac;
        else v = o->random ? o->amp * (2.0 * cm_uniform(rng) - 1.0) : 0.0;
        fprintf(f, "%24.17g a %9zu %5d %5d %5d %5d\n", v, ++idx, layer - 1, j + 1, layer, k + 1);
      }
    for (int k = 0; k < nl; ++k) fprintf(f, "%24.17g b %9zu %5d %5d\n", w[src_i++] * fac, ++idx, layer, k + 1);
  }
  ck_assert_uint_eq(src_i, a->n_params);
  fclose(f);
  free(w);
  free(buf);
}

/* Write the copy of shared model `model` into NNMD_TEST_TMP/<name>; returns the folder. */
static const char *cm_write(const char *model, const char *name, const struct cm_opts *o, char *dst, size_t n) {
  char src[1024], a[1400], b[1400];
  nt_model_path(src, sizeof src, model, "");
  snprintf(dst, n, "%s/charge_%s", NNMD_TEST_TMP, name);
  mkdir(dst, 0755);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  ck_assert_int_eq(nnmd_nnp_model_load(src, &m, &err), 0);
  ck_assert(!m->charge.on);
  snprintf(a, sizeof a, "%sinput.nn", src);
  snprintf(b, sizeof b, "%s/input.nn", dst);
  cm_input_nn(a, b, o);
  snprintf(a, sizeof a, "%sscaling.data", src);
  snprintf(b, sizeof b, "%s/scaling.data", dst);
  cm_scaling(a, b, m, o);
  uint64_t rng = o->seed ? o->seed : 1;
  for (int e = 0; e < m->n_elem; ++e) {
    snprintf(a, sizeof a, "%sweights.%03d.data", src, m->z[e]);
    snprintf(b, sizeof b, "%s/weights.%03d.data", dst, m->z[e]);
    cm_weights(a, b, &m->ann[e], o, &rng);
  }
  nnmd_nnp_model_free(m);
  nnmd_error_clear(&err);
  return dst;
}
