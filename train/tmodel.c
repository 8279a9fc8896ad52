/* tmodel.c — model files of a training run (see tmodel.h for the generated scheme). */
#include "tmodel.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

static void units_comment(FILE *fp, const char *lu, const char *eu) {
  fprintf(fp, "# nnmd_units length=%s energy=%s (written by nnmd train; nnmd run/predict read these)\n", lu, eu);
}

static void topology(FILE *fp, int n_hidden, const int *hidden, const char *act) {
  fprintf(fp, "global_hidden_layers_short %d\nglobal_nodes_short", n_hidden);
  for (int l = 0; l < n_hidden; ++l) fprintf(fp, " %d", hidden[l]);
  fprintf(fp, "\nglobal_activation_short");
  for (int l = 0; l <= n_hidden; ++l) fprintf(fp, " %c", act[l]);
  fprintf(fp, "\n");
}

int tgen_write_input(FILE *fp, const struct tgen_opts *o, const char *lu, const char *eu, struct nnmd_error *err) {
  if (o->radial < 0 || o->angular < 0 || o->radial + o->angular == 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "train: descriptors need radial + angular > 0");
  fprintf(fp, "# HDNNP made by nnmd train (generated descriptors: %d radial %s, %d angular %s per element set)\n",
          o->radial, o->shifted ? "shifted" : "centred", o->angular, o->narrow ? "narrow" : "wide");
  units_comment(fp, lu, eu);
  fprintf(fp, "number_of_elements %d\nelements", o->n_elem);
  for (int e = 0; e < o->n_elem; ++e) fprintf(fp, " %s", o->sym[e]);
  fprintf(fp, "\ncutoff_type %d 0.0\n", o->cutoff_type < 0 ? 6 : o->cutoff_type);
  fprintf(fp, "scale_symmetry_functions\ncenter_symmetry_functions\nscale_min_short 0.0\nscale_max_short 1.0\n");
  topology(fp, o->n_hidden, o->hidden, o->act);
  const double rc = o->cutoff, r0 = o->r0;
  for (int ec = 0; ec < o->n_elem; ++ec) {
    for (int e1 = 0; e1 < o->n_elem; ++e1)
      for (int m = 0; m < o->radial; ++m) {
        double eta, rs;
        if (o->shifted) {
          double dr = (rc - r0) / o->radial;
          rs = r0 + m * dr;
          eta = 1.0 / (dr * dr);
        } else {
          double rm = o->radial > 1 ? r0 + m * (rc - r0) / (o->radial - 1) : rc;
          rs = 0.0;
          eta = 1.0 / (2.0 * rm * rm);
        }
        fprintf(fp, "symfunction_short %s 2 %s %.10g %.10g %.10g\n", o->sym[ec], o->sym[e1], eta, rs, rc);
      }
    static const double zl[8][2] = {{1, 1}, {1, -1}, {2, 1}, {2, -1}, {4, 1}, {4, -1}, {16, 1}, {16, -1}};
    for (int e1 = 0; e1 < o->n_elem; ++e1)
      for (int e2 = e1; e2 < o->n_elem; ++e2)
        for (int m = 0; m < o->angular; ++m) {
          int shell = m / 8;
          double eta = 0.0;
          if (shell > 0) {
            double r = rc / (shell + 1);
            eta = 1.0 / (2.0 * r * r);
          }
          fprintf(fp, "symfunction_short %s %d %s %s %.10g %g %g %.10g\n", o->sym[ec], o->narrow ? 3 : 9, o->sym[e1],
                  o->sym[e2], eta, zl[m % 8][1], zl[m % 8][0], rc);
        }
  }
  if (ferror(fp)) return nnmd_fail(err, NNMD_ERR_FILE, "train: cannot write input.nn: %s", strerror(errno));
  return NNMD_OK;
}

static bool starts(const char *line, const char *kw) {
  while (*line == ' ' || *line == '\t') ++line;
  size_t n = strlen(kw);
  return !strncmp(line, kw, n) && (line[n] == ' ' || line[n] == '\t' || line[n] == '\n' || line[n] == '\r' ||
                                   line[n] == 0);
}

int tgen_copy_template(FILE *fp, const char *path, bool keep_energies, int n_hidden, const int *hidden,
                       const char *act, const char *lu, const char *eu, struct nnmd_error *err) {
  FILE *in = nnmd_fopen_input(path);
  if (!in) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot open: %s", path, nnmd_files_strerror(errno));
  fprintf(fp, "# HDNNP made by nnmd train from the template %s\n", path);
  units_comment(fp, lu, eu);
  char *line = NULL;
  size_t cap = 0;
  bool topo_done = false;
  while (getline(&line, &cap, in) > 0) {
    if (starts(line, "#") || line[0] == '#') {
      if (strstr(line, "nnmd_units")) continue;
      fputs(line, fp);
      continue;
    }
    if (!keep_energies && (starts(line, "mean_energy") || starts(line, "conv_energy") ||
                           starts(line, "conv_length") || starts(line, "atom_energy")))
      continue;
    if (n_hidden > 0 && (starts(line, "global_hidden_layers_short") || starts(line, "global_nodes_short") ||
                         starts(line, "global_activation_short"))) {
      if (!topo_done) topology(fp, n_hidden, hidden, act);
      topo_done = true;
      continue;
    }
    fputs(line, fp);
  }
  free(line);
  fclose(in);
  if (n_hidden > 0 && !topo_done) topology(fp, n_hidden, hidden, act);
  if (ferror(fp)) return nnmd_fail(err, NNMD_ERR_FILE, "train: cannot write input.nn: %s", strerror(errno));
  return NNMD_OK;
}

int tgen_write_atom_energies(FILE *fp, const struct nnmd_nnp_model *m, const double *e0, struct nnmd_error *err) {
  for (int e = 0; e < m->n_elem; ++e) fprintf(fp, "atom_energy %s %.17g\n", m->sym[e], e0[e]);
  if (ferror(fp)) return nnmd_fail(err, NNMD_ERR_FILE, "train: cannot write input.nn: %s", strerror(errno));
  return NNMD_OK;
}

int tgen_replace_atom_energies(const char *path, const struct nnmd_nnp_model *m, const double *e0,
                               struct nnmd_error *err) {
  FILE *in = fopen(path, "r");
  if (!in) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot read: %s", path, strerror(errno));
  char tmp[NNMD_NNP_PATH + 16];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fclose(in);
    return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", tmp, strerror(errno));
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, in) > 0)
    if (!starts(line, "atom_energy")) fputs(line, out);
  free(line);
  fclose(in);
  int st = tgen_write_atom_energies(out, m, e0, err);
  if (fclose(out) && !st) st = nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", tmp);
  if (!st && rename(tmp, path)) st = nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot replace: %s", path, strerror(errno));
  return st;
}

int tmodel_write_scaling(const char *path, const struct nnmd_nnp_model *m, const double *gmin, const double *gmax,
                         const double *gmean, const double *gsig, struct nnmd_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", path, strerror(errno));
  fprintf(fp, "# Symmetry function scaling data (nnmd train): element sf Gmin Gmax Gmean Gsigma\n");
  for (int e = 0; e < m->n_elem; ++e)
    for (int k = 0; k < m->n_sf[e]; ++k) {
      int s = m->sf_off[e] + k;
      fprintf(fp, "%4d %5d %24.16E %24.16E %24.16E %24.16E\n", e + 1, k + 1, gmin[s], gmax[s], gmean[s], gsig[s]);
    }
  int bad = ferror(fp);
  if (fclose(fp) || bad) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
  return NNMD_OK;
}

int tmodel_write_weights(const char *dir, const char *prefix, const struct nnmd_nnp_model *m, const double *theta,
                         struct nnmd_error *err) {
  size_t off = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    const struct nnmd_ann *a = &m->ann[e];
    char path[NNMD_NNP_PATH + 64];
    snprintf(path, sizeof path, "%s/%s.%03d.data", dir, prefix, m->z[e]);
    FILE *fp = fopen(path, "w");
    if (!fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot write: %s", path, strerror(errno));
    fprintf(fp, "# Neural network connection values (weights and biases), element %s, written by nnmd train\n",
            m->sym[e]);
    fprintf(fp, "# value  t  index  l_s  n_s  l_e  n_e (weights a) / value  t  index  l  n (biases b)\n");
    const double *w = theta + off;
    size_t idx = 0;
    for (int l = 1; l <= a->n_layers; ++l) {
      const int ni = a->nodes[l - 1], no = a->nodes[l];
      for (int j = 0; j < ni; ++j)
        for (int k = 0; k < no; ++k) {
          fprintf(fp, "%24.16E a %9zu %5d %5d %5d %5d\n", w[idx], idx + 1, l - 1, j + 1, l, k + 1);
          ++idx;
        }
      for (int k = 0; k < no; ++k) {
        fprintf(fp, "%24.16E b %9zu %5d %5d\n", w[idx], idx + 1, l, k + 1);
        ++idx;
      }
    }
    off += a->n_params;
    int bad = ferror(fp);
    if (fclose(fp) || bad) return nnmd_fail(err, NNMD_ERR_FILE, "%s: write failed", path);
  }
  return NNMD_OK;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void tmodel_init_weights(const struct nnmd_nnp_model *m, double *theta, uint64_t seed) {
  uint64_t s = seed * 0x2545F4914F6CDD1Dull + 12345;
  size_t off = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    const struct nnmd_ann *a = &m->ann[e];
    double *w = theta + off;
    size_t idx = 0;
    for (int l = 1; l <= a->n_layers; ++l) {
      const int ni = a->nodes[l - 1], no = a->nodes[l];
      double lim = sqrt(6.0 / (ni + no)) * (l == a->n_layers ? 0.1 : 1.0);
      for (int j = 0; j < ni * no; ++j) {
        double u = (double)(splitmix(&s) >> 11) * 0x1.0p-53;
        w[idx++] = lim * (2.0 * u - 1.0);
      }
      for (int k = 0; k < no; ++k) w[idx++] = 0.0;
    }
    off += a->n_params;
  }
}

/* Solve the symmetric positive system A x = b (n <= 16) by Cholesky; -1 if not positive. */
static int chol_solve(int n, double *A, double *b) {
  for (int j = 0; j < n; ++j) {
    double d = A[j * n + j];
    for (int k = 0; k < j; ++k) d -= A[j * n + k] * A[j * n + k];
    if (!(d > 1e-10 * (fabs(A[j * n + j]) + 1e-300))) return -1;
    d = sqrt(d);
    A[j * n + j] = d;
    for (int i = j + 1; i < n; ++i) {
      double s = A[i * n + j];
      for (int k = 0; k < j; ++k) s -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = s / d;
    }
  }
  for (int i = 0; i < n; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= A[i * n + k] * b[k];
    b[i] = s / A[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    double s = b[i];
    for (int k = i + 1; k < n; ++k) s -= A[k * n + i] * b[k];
    b[i] = s / A[i * n + i];
  }
  return 0;
}

/* Minimum-norm solution of the symmetric positive semi-definite system A x = b (n <= 16):
 * cyclic Jacobi eigen-decomposition A = V diag(l) V^T, x = sum_k (v_k . b / l_k) v_k over the
 * eigenvalues above 1e-10 l_max (the pseudo-inverse). Returns the rank. A is overwritten. */
static int pinv_solve(int n, double *A, const double *b, double *x) {
  double V[NNMD_NNP_MAX_ELEM * NNMD_NNP_MAX_ELEM];
  for (int i = 0; i < n * n; ++i) V[i] = 0.0;
  for (int i = 0; i < n; ++i) V[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int p = 0; p < n; ++p)
      for (int q = 0; q < n; ++q) {
        if (p == q)
          diag += A[p * n + q] * A[p * n + q];
        else
          off += A[p * n + q] * A[p * n + q];
      }
    if (off <= 1e-30 * diag) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = A[p * n + q];
        if (apq == 0.0) continue;
        const double th = (A[q * n + q] - A[p * n + p]) / (2.0 * apq);
        const double t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1.0));
        const double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
        for (int k = 0; k < n; ++k) { /* columns p, q */
          const double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - sn * akq;
          A[k * n + q] = sn * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) { /* rows p, q */
          const double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - sn * aqk;
          A[q * n + k] = sn * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - sn * vkq;
          V[k * n + q] = sn * vkp + c * vkq;
        }
      }
  }
  double lmax = 0.0;
  for (int k = 0; k < n; ++k) lmax = fmax(lmax, A[k * n + k]);
  int rank = 0;
  for (int i = 0; i < n; ++i) x[i] = 0.0;
  for (int k = 0; k < n; ++k) {
    const double l = A[k * n + k];
    if (!(l > 1e-10 * lmax)) continue;
    ++rank;
    double vb = 0.0;
    for (int i = 0; i < n; ++i) vb += V[i * n + k] * b[i];
    for (int i = 0; i < n; ++i) x[i] += vb / l * V[i * n + k];
  }
  return rank;
}

int tmodel_fit_e0(int nf, int ne, const int *counts, const double *E, double *e0) {
  double A[NNMD_NNP_MAX_ELEM * NNMD_NNP_MAX_ELEM] = {0}, b[NNMD_NNP_MAX_ELEM] = {0};
  double tot = 0.0, natom = 0.0;
  for (int s = 0; s < nf; ++s) {
    for (int e = 0; e < ne; ++e) {
      b[e] += counts[s * ne + e] * E[s];
      natom += counts[s * ne + e];
      for (int f = 0; f < ne; ++f) A[e * ne + f] += (double)counts[s * ne + e] * counts[s * ne + f];
    }
    tot += E[s];
  }
  double A2[NNMD_NNP_MAX_ELEM * NNMD_NNP_MAX_ELEM], b2[NNMD_NNP_MAX_ELEM];
  memcpy(A2, A, sizeof A2);
  memcpy(b2, b, sizeof b2);
  if (chol_solve(ne, A, b) == 0) {
    for (int e = 0; e < ne; ++e) e0[e] = b[e];
    return ne;
  }
  /* rank-deficient. One composition (every frame a multiple of the same formula): the mean
   * energy per atom for every element, as n2p2 does. Several compositions that still do not
   * fix every E0 (e.g. Li3PO4 and Li4P2O7: 2 compositions, 3 elements): the minimum-norm
   * least-squares solution, which fits every composition spanned by the data exactly (the
   * mean per atom would leave their differences, eV per atom, to the networks). */
  const int rank = pinv_solve(ne, A2, b2, e0);
  if (rank <= 1)
    for (int e = 0; e < ne; ++e) e0[e] = natom > 0 ? tot / natom : 0.0;
  return rank;
}
