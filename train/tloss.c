/* tloss.c — HDNNP predictions, loss, loss gradients and Kalman Jacobian rows on cached
 * frames (formulas in tloss.h). */
#include "tloss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "tnet.h"

#define GPA_PER_EV_A3 160.21766208

void tscratch_free(struct tscratch *s) {
  if (!s) return;
  free(s->state);
  free(s->dydg);
  free(s->c);
  free(s->gs);
  free(s->tmp);
  free(s->force);
  free(s->res);
  memset(s, 0, sizeof *s);
}

int tmodel_setup_params(struct tmodel *t, struct nnmd_error *err) {
  const struct nnmd_nnp_model *m = t->m;
  if (m->charge.on)
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED, "train: models with a charge-state node cannot be trained yet");
  size_t off = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    t->poff[e] = off;
    off += m->ann[e].n_params;
  }
  t->poff[m->n_elem] = off;
  t->n_params = off;
  return NNMD_OK;
}

static int reserve(const struct tmodel *t, struct tscratch *s, int n, struct nnmd_error *err) {
  const struct nnmd_nnp_model *m = t->m;
  if (n <= s->cap && s->state) return NNMD_OK;
  tscratch_free(s);
  size_t ssz = 0, gsz = 1;
  int mn = 1;
  for (int e = 0; e < m->n_elem; ++e) {
    size_t z = tnet_state_size(&m->ann[e]);
    if (z > ssz) ssz = z;
    if ((size_t)m->n_sf[e] > gsz) gsz = (size_t)m->n_sf[e];
    if (m->ann[e].max_nodes > mn) mn = m->ann[e].max_nodes;
  }
  s->ssz = ssz;
  s->gsz = gsz;
  s->cap = n;
  s->state = nnmd_malloc((size_t)n * ssz * sizeof(double), err);
  s->dydg = nnmd_malloc((size_t)n * gsz * sizeof(double), err);
  s->c = nnmd_malloc(gsz * sizeof(double), err);
  s->gs = nnmd_malloc(gsz * sizeof(double), err);
  s->tmp = nnmd_malloc(4 * (size_t)mn * sizeof(double), err);
  s->force = nnmd_malloc(3 * (size_t)n * sizeof(double), err);
  s->res = nnmd_malloc(3 * (size_t)n * sizeof(double), err);
  if (!s->state || !s->dydg || !s->c || !s->gs || !s->tmp || !s->force || !s->res) {
    tscratch_free(s);
    return NNMD_ERR_NOMEM;
  }
  return NNMD_OK;
}

/* Pass 1: networks, dy/dg, energy; with forces: F (3n) and W. */
static void pass1(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  struct tscratch *s, bool forces, double *energy, double *F, double *W) {
  const struct nnmd_nnp_model *m = t->m;
  const double icE = 1.0 / m->conv_energy;
  double E = 0.0;
  if (forces) {
    memset(F, 0, 3 * (size_t)f->n * sizeof(double));
    memset(W, 0, 9 * sizeof(double));
  }
  for (int i = 0; i < f->n; ++i) {
    const int ec = f->elem[i];
    const struct nnmd_ann *a = &m->ann[ec];
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    const double *G = c->g + c->goff[i];
    const int ns = m->n_sf[ec];
    for (int k = 0; k < ns; ++k) s->gs[k] = sf[k].smin + sf[k].scale * (G[k] - sf[k].gref);
    double *st = s->state + (size_t)i * s->ssz, *dy = s->dydg + (size_t)i * s->gsz;
    const double *w = theta + t->poff[ec];
    double y = tnet_forward(a, w, s->gs, st);
    E += y * icE + m->mean_energy + m->atom_energy[ec];
    tnet_input_grad(a, w, st, dy, s->tmp);
    if (!forces) continue;
    double fi[3] = {0, 0, 0};
    for (int k = 0; k < ns; ++k) {
      const double coef = dy[k] * sf[k].scale * icE;
      if (coef == 0.0) continue;
      const size_t r = c->goff[i] + (size_t)k;
      for (size_t q = c->joff[r]; q < c->joff[r + 1]; ++q) {
        const double *g = c->jg + 3 * q;
        const double px = coef * g[0], py = coef * g[1], pz = coef * g[2];
        const int ent = c->jent[q];
        const int j = c->eatom[ent];
        const double *d = c->ed + 3 * (size_t)ent;
        F[3 * j] -= px;
        F[3 * j + 1] -= py;
        F[3 * j + 2] -= pz;
        fi[0] += px;
        fi[1] += py;
        fi[2] += pz;
        W[0] -= d[0] * px;
        W[1] -= d[0] * py;
        W[2] -= d[0] * pz;
        W[3] -= d[1] * px;
        W[4] -= d[1] * py;
        W[5] -= d[1] * pz;
        W[6] -= d[2] * px;
        W[7] -= d[2] * py;
        W[8] -= d[2] * pz;
      }
    }
    F[3 * i] += fi[0];
    F[3 * i + 1] += fi[1];
    F[3 * i + 2] += fi[2];
  }
  *energy = E;
}

/* Pass 2: tangents from r = dL/dF (3n, may be NULL) and R = dL/dW (9, may be NULL), reverse
 * with energy seed sE; accumulate into grad. */
static void pass2(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  struct tscratch *s, const double *r, const double *R, double sE, double *grad, int only_atom) {
  const struct nnmd_nnp_model *m = t->m;
  const double icE = 1.0 / m->conv_energy;
  for (int i = 0; i < f->n; ++i) {
    const int ec = f->elem[i];
    const struct nnmd_ann *a = &m->ann[ec];
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[ec];
    const int ns = m->n_sf[ec];
    double *st = s->state + (size_t)i * s->ssz;
    const double *w = theta + t->poff[ec];
    bool any = false;
    if (only_atom >= 0 && i != only_atom) {
      /* a single force component: only atoms that have only_atom as a neighbour contribute */
      bool has = false;
      for (size_t e = c->eoff[i]; e < c->eoff[i + 1]; ++e)
        if (c->eatom[e] == only_atom) {
          has = true;
          break;
        }
      if (!has) continue;
    }
    if (r || R) {
      const double ri[3] = {r ? r[3 * i] : 0.0, r ? r[3 * i + 1] : 0.0, r ? r[3 * i + 2] : 0.0};
      for (int k = 0; k < ns; ++k) {
        const size_t row = c->goff[i] + (size_t)k;
        double acc = 0.0;
        for (size_t q = c->joff[row]; q < c->joff[row + 1]; ++q) {
          const double *g = c->jg + 3 * q;
          const int ent = c->jent[q];
          const int j = c->eatom[ent];
          double v[3] = {0, 0, 0};
          if (r) {
            v[0] = r[3 * j] - ri[0];
            v[1] = r[3 * j + 1] - ri[1];
            v[2] = r[3 * j + 2] - ri[2];
          }
          if (R) {
            const double *d = c->ed + 3 * (size_t)ent;
            for (int b = 0; b < 3; ++b) v[b] += R[b] * d[0] + R[3 + b] * d[1] + R[6 + b] * d[2];
          }
          acc += g[0] * v[0] + g[1] * v[1] + g[2] * v[2];
        }
        s->c[k] = -sf[k].scale * icE * acc;
        if (s->c[k] != 0.0) any = true;
      }
    }
    if (!any && sE == 0.0) continue;
    if (any) tnet_tangent(a, w, s->c, st);
    tnet_reverse(a, w, st, sE * icE, any ? 1.0 : 0.0, grad + t->poff[ec], s->tmp);
  }
}

int tloss_predict(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  struct tscratch *s, struct tpred *p, struct nnmd_error *err) {
  int st = reserve(t, s, f->n, err);
  if (st) return st;
  pass1(t, theta, f, c, s, true, &p->energy, s->force, p->virial);
  if (p->force) memcpy(p->force, s->force, 3 * (size_t)f->n * sizeof(double));
  return NNMD_OK;
}

static const int VA[6] = {0, 1, 2, 1, 0, 0}, VB[6] = {0, 1, 2, 2, 2, 1};

int tloss_frame(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                const struct tloss_w *lw, struct tscratch *s, double *grad, double *loss, struct tloss_parts *parts,
                struct nnmd_error *err) {
  int st = reserve(t, s, f->n, err);
  if (st) return st;
  const bool useF = f->has_f && lw->wF > 0.0 && lw->NF > 0.0;
  const bool useS = f->has_s && f->has_cell && lw->wS > 0.0 && lw->NS > 0.0;
  const bool need_f = f->has_f || (f->has_s && f->has_cell);
  double E, W[9];
  pass1(t, theta, f, c, s, need_f, &E, s->force, W);
  const double n = f->n, cfe = t->cfe, ff = t->cfl / t->cfe, fw = f->weight;
  s->last_epa = E / n / cfe;
  double L = 0.0, aE = 0.0;
  if (f->has_e) {
    const double eE = (E - f->energy) / n / cfe;
    if (lw->wE > 0.0 && lw->NE > 0.0) {
      L += fw * lw->wE / lw->NE * eE * eE;
      aE = fw * 2.0 * lw->wE * eE / (lw->NE * n * cfe);
      if (parts) parts->lE += fw * lw->wE / lw->NE * eE * eE;
    }
    if (parts) {
      parts->se2 += eE * eE;
      parts->nE += 1;
    }
  }
  double *r = NULL;
  if (f->has_f) {
    double sum = 0.0;
    for (int k = 0; k < 3 * f->n; ++k) {
      const double d = (s->force[k] - f->force[k]) * ff;
      sum += d * d;
      if (parts) {
        parts->sfe[f->elem[k / 3]] += d * d;
        parts->nfe[f->elem[k / 3]] += 1;
      }
      if (useF) s->res[k] = fw * 2.0 * lw->wF * d / lw->NF * ff;
    }
    if (useF) {
      L += fw * lw->wF / lw->NF * sum;
      r = s->res;
      if (parts) parts->lF += fw * lw->wF / lw->NF * sum;
    }
    if (parts) {
      parts->sf2 += sum;
      parts->nF += 3 * f->n;
    }
  }
  double Rm[9], *R = NULL;
  if (f->has_s && f->has_cell) {
    const double V = tframe_volume(f);
    const double gpa = GPA_PER_EV_A3 * t->cfl * t->cfl * t->cfl / t->cfe;
    double sum = 0.0, sg = 0.0;
    memset(Rm, 0, sizeof Rm);
    for (int v = 0; v < 6; ++v) {
      const int a = VA[v], b = VB[v];
      const double sig = -0.5 * (W[3 * a + b] + W[3 * b + a]) / V;
      const double rho = (sig - f->stress[v]) * V / (n * cfe);
      sum += rho * rho;
      sg += (sig - f->stress[v]) * gpa * (sig - f->stress[v]) * gpa;
      if (useS) {
        const double dL = fw * 2.0 * lw->wS * rho / lw->NS;
        const double drho = -1.0 / (n * cfe);
        if (a == b) Rm[3 * a + b] += dL * drho;
        else {
          Rm[3 * a + b] += 0.5 * dL * drho;
          Rm[3 * b + a] += 0.5 * dL * drho;
        }
      }
    }
    if (useS) {
      L += fw * lw->wS / lw->NS * sum;
      R = Rm;
      if (parts) parts->lS += fw * lw->wS / lw->NS * sum;
    }
    if (parts) {
      parts->ss2 += sg;
      parts->nS += 6;
    }
  }
  if (loss) *loss += L;
  if (grad) pass2(t, theta, f, c, s, r, R, aE, grad, -1);
  return NNMD_OK;
}

int tloss_observe_begin(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                        bool forces, struct tscratch *s, double *energy_pa, struct nnmd_error *err) {
  int st = reserve(t, s, f->n, err);
  if (st) return st;
  double E;
  pass1(t, theta, f, c, s, forces, &E, s->force, s->W);
  *energy_pa = E / f->n / t->cfe;
  return NNMD_OK;
}

void tloss_observe_row(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                       int atom, int axis, double sE, double sF, struct tscratch *s, double *obs, double *H) {
  memset(H, 0, t->n_params * sizeof(double));
  if (atom == -1) {
    double E = 0.0;
    for (int i = 0; i < f->n; ++i) { /* energy from the stored outputs (pass 1) */
      const int ec = f->elem[i];
      const double y = tnet_outputs(&t->m->ann[ec], s->state + (size_t)i * s->ssz)[0];
      E += y / t->m->conv_energy + t->m->mean_energy + t->m->atom_energy[ec];
    }
    *obs = E / f->n / t->cfe / sE;
    pass2(t, theta, f, c, s, NULL, NULL, 1.0 / (f->n * t->cfe * sE), H, -1);
    return;
  }
  if (atom <= -2) { /* stress: per-atom virial component v = -2 - atom (Voigt), divided by sF */
    const int v = -2 - atom, a = VA[v], b = VB[v];
    const double V = tframe_volume(f), k = 1.0 / (f->n * t->cfe * sF);
    *obs = -0.5 * (s->W[3 * a + b] + s->W[3 * b + a]) * k; /* sigma V / n = -W / n */
    double R[9] = {0};
    R[3 * a + b] += a == b ? -k : -0.5 * k;
    if (a != b) R[3 * b + a] += -0.5 * k;
    (void)V;
    pass2(t, theta, f, c, s, NULL, R, 0.0, H, -1);
    return;
  }
  const double ff = t->cfl / t->cfe / sF;
  *obs = s->force[3 * atom + axis] * ff;
  memset(s->res, 0, 3 * (size_t)f->n * sizeof(double));
  s->res[3 * atom + axis] = ff;
  pass2(t, theta, f, c, s, s->res, NULL, 0.0, H, atom);
}

int tloss_observe(const struct tmodel *t, const double *theta, const struct tframe *f, const struct tcache *c,
                  int atom, int axis, double sE, double sF, struct tscratch *s, double *obs, double *H,
                  struct nnmd_error *err) {
  double epa;
  int st = tloss_observe_begin(t, theta, f, c, atom != -1, s, &epa, err);
  if (st) return st;
  tloss_observe_row(t, theta, f, c, atom, axis, sE, sF, s, obs, H);
  return NNMD_OK;
}
