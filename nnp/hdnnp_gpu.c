/* hdnnp_gpu.c — host orchestration of the GPU HDNNP (see hdnnp_gpu.h): flat device tables
 * from the model (once), per-call buffers grown on demand, uploads, the kernel sequence and
 * the downloads. All device work goes through device.h and the launcher of
 * hdnnp_gpu_kern.h; in emulation mode the same buffers are host memory.
 *
 * Tables: one struct nnmd_gsf per SF (double, or nnmd_gsf_f for mixed precision), SF chunks
 * per element (members share the key: radial/angular, exp/poly, weighted, neighbour
 * elements; at most NNMD_GPU_CHUNK, in n2p2 order), one struct nnmd_gnet per element and
 * all weights of all elements in two double arrays (w source-major + biases, wt target-major).
 * One call: upload x, types, the list -> count kernel -> (grow) -> fill -> descriptors ->
 * network -> forces -> download forces, energy, virial, warnings. Memory for the per-atom
 * buffers is checked against the device's free memory first, so a system that does not fit
 * gets one clear error with the number of atoms that would.
 */
#include "hdnnp_gpu.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "hdnnp_gpu_kern.h"
#include "mem.h"
#include "types.h"

struct gbuf {
  void *p;
  size_t bytes;
};

enum { B_X, B_TYPE, B_TE, B_RCNT, B_RIDX, B_BSTART, B_NB, B_ND, B_G, B_F, B_EATOM, B_N };
static const char *const k_buf_names[B_N] = {"positions",     "types",           "type map",
                                             "neighbour counts", "neighbour list", "element buckets",
                                             "filtered list", "displacements",   "descriptors",
                                             "forces",        "atom energies"};

struct nnmd_hdnnp_gpu {
  int precision, emulate;
  size_t ts; /* sizeof(T) */
  double cfl, cfe;
  struct nnmd_gpu_model m;
  struct nnmd_gpu_frame f;
  void *d_sf, *d_ch, *d_net, *d_w, *d_wt, *d_acc, *d_warn, *d_wrec, *d_max;
  size_t model_bytes;
  struct gbuf b[B_N];
  double *hf; /* host staging for downloads */
  size_t hf_len;
  double q_smin[NNMD_GPU_MAX_ELEM], q_scale[NNMD_GPU_MAX_ELEM], q_gref[NNMD_GPU_MAX_ELEM];
  double q_gmin[NNMD_GPU_MAX_ELEM], q_gmax[NNMD_GPU_MAX_ELEM];
  struct nnmd_gwarn wrec[NNMD_GPU_WARN_REC];
  int n_wrec;
  bool timing;
  bool res_warn_fetched; /* resident: the warning counter was read by the last call (zero it) */
  int res_ntypes;        /* resident: the species map on the device */
  int res_te[NNMD_GPU_MAX_TYPES];
  const void *res_te_buf; /* the buffer it was uploaded to */
  struct nnmd_hdnnp_gpu_times times;
  char desc[600];
};

/* ---- buffers: device memory, or host memory in emulation ------------------------------- */
static int b_alloc(struct nnmd_hdnnp_gpu *g, void **p, size_t bytes, const char *what, struct nnmd_error *err) {
  if (!g->emulate) return nnmd_device_alloc(p, bytes, what, err);
  *p = bytes ? calloc(1, bytes) : NULL;
  if (bytes && !*p) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory for %s (%zu bytes)", what, bytes);
  return NNMD_OK;
}

static void b_free(const struct nnmd_hdnnp_gpu *g, void *p) {
  if (g->emulate) free(p);
  else nnmd_device_free(p);
}

static int b_put(const struct nnmd_hdnnp_gpu *g, void *dst, const void *src, size_t bytes, const char *what,
                 struct nnmd_error *err) {
  if (!g->emulate) return nnmd_device_upload(dst, src, bytes, what, err);
  if (bytes) memcpy(dst, src, bytes);
  return NNMD_OK;
}

static int b_get(const struct nnmd_hdnnp_gpu *g, void *dst, const void *src, size_t bytes, const char *what,
                 struct nnmd_error *err) {
  if (!g->emulate) return nnmd_device_download(dst, src, bytes, what, err);
  if (bytes) memcpy(dst, src, bytes);
  return NNMD_OK;
}

static int b_zero(const struct nnmd_hdnnp_gpu *g, void *p, size_t bytes, const char *what, struct nnmd_error *err) {
  if (!g->emulate) return nnmd_device_zero(p, bytes, what, err);
  if (bytes) memset(p, 0, bytes);
  return NNMD_OK;
}

/* Make per-call buffer k hold `bytes` (contents are not kept: every call re-fills them). */
static int ensure(struct nnmd_hdnnp_gpu *g, int k, size_t bytes, struct nnmd_error *err) {
  struct gbuf *b = &g->b[k];
  if (bytes <= b->bytes && (b->p || !bytes)) return NNMD_OK;
  b_free(g, b->p);
  b->p = NULL;
  b->bytes = 0;
  size_t want = bytes + bytes / 8; /* headroom: the atom count fluctuates between calls */
  int st = b_alloc(g, &b->p, want, k_buf_names[k], err);
  if (!st) b->bytes = want;
  return st;
}

/* Bytes of the per-call buffers for n owned atoms, N owned + ghosts, raw list stride mn and
 * filtered list capacity cap. */
static size_t frame_bytes(const struct nnmd_hdnnp_gpu *g, size_t n, size_t N, size_t mn, size_t cap) {
  const size_t ne = (size_t)g->m.n_elem, ms = (size_t)g->m.max_sf;
  return N * (3 * sizeof(double) + sizeof(int) + 3 * sizeof(double)) + n * (sizeof(int) + sizeof(double)) +
         n * mn * sizeof(int) + n * (ne + 1) * sizeof(int) + n * cap * (sizeof(int) + 4 * g->ts) + n * ms * g->ts;
}

static size_t held_frame_bytes(const struct nnmd_hdnnp_gpu *g) {
  size_t s = 0;
  for (int k = 0; k < B_N; ++k) s += g->b[k].bytes;
  return s;
}

/* Fail clearly (with the atoms that would fit) if the buffers for this call cannot fit. */
static int check_fit(struct nnmd_hdnnp_gpu *g, size_t n, size_t N, size_t mn, size_t cap, struct nnmd_error *err) {
  if (g->emulate) return NNMD_OK;
  size_t fr = 0, tot = 0;
  int st = nnmd_device_mem_info(&fr, &tot, err);
  if (st) return st;
  const double need = 1.15 * (double)frame_bytes(g, n, N, mn, cap); /* 1.125 headroom, rounding */
  const double avail = (double)fr + (double)held_frame_bytes(g) - 64.0 * 1024 * 1024; /* keep 64 MiB */
  if (need <= avail) return NNMD_OK;
  char a[32], b[32];
  nnmd_device_format_bytes(need, a, sizeof a);
  nnmd_device_format_bytes(avail > 0 ? avail : 0, b, sizeof b);
  const double per = need / (double)(n ? n : 1);
  return nnmd_fail(err, NNMD_ERR_NOMEM,
                   "hdnnp gpu: %zu atoms (+%zu ghosts, list stride %zu, %zu neighbours within the cutoff) need %s "
                   "of GPU memory (%.0f B per atom), only %s is available: about %.0f atoms fit on this GPU",
                   n, N - n, mn, cap, a, per, b, avail > 0 ? floor(avail / per) : 0.0);
}

/* ---- model tables ---------------------------------------------------------------------- */
static bool t_angular(int t) { return t == 3 || t == 9 || t == 13 || t == 21 || t == 22 || t == 24 || t == 25; }
static bool t_weighted(int t) { return t == 12 || t == 13 || t == 23 || t == 24 || t == 25; }
static bool t_narrow(int t) { return t == 3 || t == 13 || t == 21 || t == 24; }

static void fill_sf(const struct nnmd_nnp_model *m, const struct nnmd_nnp_sf *s, struct nnmd_gsf *o) {
  memset(o, 0, sizeof *o);
  if (s->type >= 20) {
    o->rc = s->rc;
    o->rm = 0.5 * (s->rl + s->rc);
    o->riw = 1.0 / (0.5 * (s->rc - s->rl));
    const double tl = s->angl * (NNMD_PI / 180.0), tr = s->angr * (NNMD_PI / 180.0);
    o->am = 0.5 * (tl + tr);
    o->aiw = t_angular(s->type) ? 1.0 / (0.5 * (tr - tl)) : 0.0;
  } else {
    o->eta = s->eta;
    o->rs = s->rs;
    o->rc = s->rc;
    o->ri = m->cutoff_alpha * s->rc;
    o->lambda = s->lambda;
    o->zeta = s->zeta;
    o->pref = pow(2.0, 1.0 - s->zeta);
  }
  o->izeta = s->izeta;
  o->core = o->acore = s->core;
  o->asym = s->asym;
  o->narrow = t_narrow(s->type);
  o->smin = s->smin;
  o->scale = s->scale;
  o->gref = s->gref;
  o->gmin = s->gmin;
  o->gmax = s->gmax;
}

static void sf_to_float(const struct nnmd_gsf *d, struct nnmd_gsf_f *f) {
  memset(f, 0, sizeof *f);
  f->eta = (float)d->eta, f->rs = (float)d->rs, f->rc = (float)d->rc, f->ri = (float)d->ri;
  f->rm = (float)d->rm, f->riw = (float)d->riw;
  f->lambda = (float)d->lambda, f->zeta = (float)d->zeta, f->pref = (float)d->pref;
  f->am = (float)d->am, f->aiw = (float)d->aiw;
  f->smin = (float)d->smin, f->scale = (float)d->scale, f->gref = (float)d->gref;
  f->gmin = d->gmin, f->gmax = d->gmax;
  f->narrow = d->narrow, f->izeta = d->izeta, f->core = d->core, f->asym = d->asym, f->acore = d->acore;
}

/* The chunk key of an SF: (angular, poly, weighted, e1, e2) with e1 <= e2, -1 where unused. */
static void sf_key(const struct nnmd_nnp_sf *s, int key[5]) {
  int a = t_angular(s->type), w = t_weighted(s->type);
  int e1 = w ? -1 : s->e1, e2 = (w || !a) ? -1 : s->e2;
  if (e2 >= 0 && e2 < e1) {
    int t = e1;
    e1 = e2;
    e2 = t;
  }
  key[0] = a, key[1] = s->type >= 20, key[2] = w, key[3] = e1, key[4] = e2;
}

/* Group the SFs of every element into chunks (greedy, n2p2 order). ch must hold n_sf_total. */
static int build_chunks(const struct nnmd_nnp_model *m, struct nnmd_gpu_model *gm, struct nnmd_gchunk *ch) {
  int nc = 0;
  char *used = calloc((size_t)m->n_sf_total + 1, 1);
  if (!used) return -1;
  for (int e = 0; e < m->n_elem; ++e) {
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[e];
    gm->ch_off[e] = nc;
    for (int s = 0; s < m->n_sf[e]; ++s) {
      if (used[m->sf_off[e] + s]) continue;
      int key[5], k2[5];
      sf_key(&sf[s], key);
      struct nnmd_gchunk *c = &ch[nc++];
      memset(c, 0, sizeof *c);
      c->angular = key[0], c->poly = key[1], c->weighted = key[2], c->e1 = key[3], c->e2 = key[4];
      for (int t = s; t < m->n_sf[e] && c->n_m < NNMD_GPU_CHUNK; ++t) {
        if (used[m->sf_off[e] + t]) continue;
        sf_key(&sf[t], k2);
        if (memcmp(key, k2, sizeof key) != 0) continue;
        used[m->sf_off[e] + t] = 1;
        c->sf[c->n_m++] = t;
        if (sf[t].rc > c->rc) c->rc = sf[t].rc;
        if (t_narrow(sf[t].type)) c->narrow = 1;
      }
    }
    gm->n_ch[e] = nc - gm->ch_off[e];
  }
  free(used);
  return nc;
}

static int check_model(const struct nnmd_nnp_model *m, struct nnmd_error *err) {
  if (m->n_elem > NNMD_GPU_MAX_ELEM)
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED, "hdnnp gpu: %d elements (at most %d)", m->n_elem, NNMD_GPU_MAX_ELEM);
  for (int e = 0; e < m->n_elem; ++e) {
    const struct nnmd_ann *a = &m->ann[e];
    int nodes = 0;
    for (int l = 1; l <= a->n_layers; ++l) nodes += 2 * a->nodes[l];
    if (a->n_layers > NNMD_GPU_MAX_LAYERS || nodes > NNMD_GPU_ANN_BUF)
      return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                       "hdnnp gpu: the network of %s has %d layers and %d neurons; the GPU kernels take at most %d "
                       "layers and %d neurons (NNMD_GPU_ANN_BUF / 2)",
                       m->sym[e], a->n_layers, nodes / 2, NNMD_GPU_MAX_LAYERS, NNMD_GPU_ANN_BUF / 2);
    if (a->nodes[0] != m->n_sf[e] + (m->charge.on ? 1 : 0))
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp gpu: network inputs of %s do not match its SFs", m->sym[e]);
  }
  return NNMD_OK;
}

/* Build and upload every table of the model. */
static int upload_model(struct nnmd_hdnnp_gpu *g, const struct nnmd_nnp_model *m, struct nnmd_error *err) {
  struct nnmd_gpu_model *gm = &g->m;
  const size_t nsf = (size_t)m->n_sf_total;
  struct nnmd_gsf *sd = nnmd_calloc(nsf + 1, sizeof *sd, err);
  struct nnmd_gsf_f *sfl = nnmd_calloc(nsf + 1, sizeof *sfl, err);
  struct nnmd_gchunk *ch = nnmd_calloc(nsf + 1, sizeof *ch, err);
  struct nnmd_gnet net[NNMD_GPU_MAX_ELEM];
  size_t nw = 0, nwt = 0;
  for (int e = 0; e < m->n_elem; ++e) {
    nw += m->ann[e].n_params;
    nwt += m->ann[e].wt_off[m->ann[e].n_layers] + (size_t)m->ann[e].nodes[m->ann[e].n_layers - 1];
  }
  double *w = nnmd_calloc(nw + nwt + 1, sizeof(double), err);
  int st = (sd && sfl && ch && w) ? NNMD_OK : NNMD_ERR_NOMEM;
  int nch = st ? 0 : build_chunks(m, gm, ch);
  if (nch < 0) st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory for the SF chunks");
  if (!st) {
    for (size_t s = 0; s < nsf; ++s) {
      fill_sf(m, &m->sf[s], &sd[s]);
      sf_to_float(&sd[s], &sfl[s]);
    }
    size_t ow = 0, owt = nw;
    memset(net, 0, sizeof net);
    for (int e = 0; e < m->n_elem; ++e) {
      const struct nnmd_ann *a = &m->ann[e];
      net[e].n_layers = a->n_layers;
      net[e].normalize = a->normalize;
      for (int l = 0; l <= a->n_layers; ++l) {
        net[e].nodes[l] = a->nodes[l];
        net[e].act[l] = a->act[l];
        net[e].w_off[l] = (long long)(ow + a->w_off[l]);
        net[e].wt_off[l] = (long long)(owt - nw + a->wt_off[l]);
      }
      size_t nt = a->wt_off[a->n_layers] + (size_t)a->nodes[a->n_layers - 1];
      memcpy(w + ow, a->w, a->n_params * sizeof(double));
      memcpy(w + owt, a->wt, nt * sizeof(double));
      ow += a->n_params;
      owt += nt;
    }
  }
  const bool mixed = g->precision == NNMD_GPU_MIXED;
  const size_t bsf = nsf * (mixed ? sizeof *sfl : sizeof *sd), bch = (size_t)nch * sizeof *ch;
  const size_t bnet = (size_t)m->n_elem * sizeof(struct nnmd_gnet);
  if (!st) st = b_alloc(g, &g->d_sf, bsf, "SF table", err);
  if (!st) st = b_alloc(g, &g->d_ch, bch, "SF chunks", err);
  if (!st) st = b_alloc(g, &g->d_net, bnet, "network table", err);
  if (!st) st = b_alloc(g, &g->d_w, nw * sizeof(double), "weights", err);
  if (!st) st = b_alloc(g, &g->d_wt, nwt * sizeof(double), "weights", err);
  if (!st) st = b_put(g, g->d_sf, mixed ? (const void *)sfl : (const void *)sd, bsf, "SF table", err);
  if (!st) st = b_put(g, g->d_ch, ch, bch, "SF chunks", err);
  if (!st) st = b_put(g, g->d_net, net, bnet, "network table", err);
  if (!st) st = b_put(g, g->d_w, w, nw * sizeof(double), "weights", err);
  if (!st) st = b_put(g, g->d_wt, w + nw, nwt * sizeof(double), "weights", err);
  g->model_bytes = bsf + bch + bnet + (nw + nwt) * sizeof(double);
  gm->sf = g->d_sf;
  gm->ch = g->d_ch;
  gm->net = g->d_net;
  gm->w = g->d_w;
  gm->wt = g->d_wt;
  free(sd);
  free(sfl);
  free(ch);
  free(w);
  return st;
}

int nnmd_hdnnp_gpu_create(const struct nnmd_nnp_model *m, const struct nnmd_hdnnp_gpu_opts *o,
                          struct nnmd_hdnnp_gpu **out, struct nnmd_error *err) {
  *out = NULL;
  if (!nnmd_device_built())
    return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                     "hdnnp on the GPU: this nnmd was built without CUDA (reconfigure with -DNNMD_CUDA=ON and nvcc on "
                     "the PATH)");
  if (o->precision != NNMD_GPU_DOUBLE && o->precision != NNMD_GPU_MIXED)
    return nnmd_fail(err, NNMD_ERR_INPUT, "hdnnp gpu: unknown precision %d", o->precision);
  if (!(o->cflength > 0.0) || !(o->cfenergy > 0.0))
    return nnmd_fail(err, NNMD_ERR_INPUT, "hdnnp gpu: unit factors must be positive");
  int st = check_model(m, err);
  if (st) return st;
  struct nnmd_hdnnp_gpu *g = nnmd_calloc(1, sizeof *g, err);
  if (!g) return NNMD_ERR_NOMEM;
  g->precision = o->precision;
  g->emulate = (o->flags & NNMD_HDNNP_GPU_EMULATE) != 0;
  g->ts = g->precision == NNMD_GPU_MIXED ? sizeof(float) : sizeof(double);
  g->cfl = o->cflength;
  g->cfe = o->cfenergy;
  const char *pname = g->precision == NNMD_GPU_MIXED ? "mixed" : "double";
  if (g->emulate) {
    snprintf(g->desc, sizeof g->desc, "hdnnp gpu: host emulation of the kernels, precision %s", pname);
  } else {
    struct nnmd_device_props pr;
    st = nnmd_device_select(o->device, &pr, err);
    if (st) {
      free(g);
      return st;
    }
    char d[400];
    nnmd_device_describe(&pr, d, sizeof d);
    snprintf(g->desc, sizeof g->desc, "hdnnp gpu: %s, precision %s", d, pname);
  }
  struct nnmd_gpu_model *gm = &g->m;
  gm->n_elem = m->n_elem;
  gm->cutoff_type = m->cutoff_type;
  gm->charge_on = m->charge.on;
  gm->cfl = g->cfl;
  gm->ff = g->cfl / g->cfe;
  gm->ice = 1.0 / m->conv_energy;
  gm->mean_energy = m->mean_energy;
  gm->ext_tol = 1000.0 * (g->precision == NNMD_GPU_MIXED ? (double)FLT_EPSILON : DBL_EPSILON);
  for (int e = 0; e < m->n_elem; ++e) {
    gm->e0[e] = m->atom_energy[e];
    gm->rc[e] = m->rc_elem[e];
    gm->z[e] = (double)m->z[e];
    gm->sf_off[e] = m->sf_off[e];
    gm->n_sf[e] = m->n_sf[e];
    if (m->n_sf[e] > gm->max_sf) gm->max_sf = m->n_sf[e];
    const struct nnmd_nnp_sf *qs = &m->charge.scal[e];
    g->q_smin[e] = qs->smin, g->q_scale[e] = qs->scale, g->q_gref[e] = qs->gref;
    g->q_gmin[e] = qs->gmin, g->q_gmax[e] = qs->gmax;
  }
  st = upload_model(g, m, err);
  if (!st) st = b_alloc(g, &g->d_acc, 11 * sizeof(double), "energy and virial sums", err);
  if (!st) st = b_alloc(g, &g->d_warn, 2 * sizeof(unsigned long long), "warning counter", err);
  if (!st) st = b_alloc(g, &g->d_wrec, NNMD_GPU_WARN_REC * sizeof(struct nnmd_gwarn), "warning records", err);
  if (!st) st = b_alloc(g, &g->d_max, sizeof(int), "neighbour maximum", err);
  if (st) {
    nnmd_hdnnp_gpu_destroy(g);
    return st;
  }
  *out = g;
  return NNMD_OK;
}

void nnmd_hdnnp_gpu_destroy(struct nnmd_hdnnp_gpu *g) {
  if (!g) return;
  void *p[] = {g->d_sf, g->d_ch, g->d_net, g->d_w, g->d_wt, g->d_acc, g->d_warn, g->d_wrec, g->d_max};
  for (size_t k = 0; k < sizeof p / sizeof p[0]; ++k) b_free(g, p[k]);
  for (int k = 0; k < B_N; ++k) b_free(g, g->b[k].p);
  free(g->hf);
  free(g);
}

size_t nnmd_hdnnp_gpu_memory(const struct nnmd_hdnnp_gpu *g) {
  return g->model_bytes + held_frame_bytes(g) + 11 * sizeof(double) + 2 * sizeof(unsigned long long) +
         NNMD_GPU_WARN_REC * sizeof(struct nnmd_gwarn) + sizeof(int);
}

int nnmd_hdnnp_gpu_warnings(const struct nnmd_hdnnp_gpu *g, struct nnmd_hdnnp_gpu_warning *w, int max) {
  int n = g->n_wrec < max ? g->n_wrec : max;
  for (int k = 0; k < n; ++k) {
    w[k].atom = g->wrec[k].atom;
    w[k].elem = g->wrec[k].elem;
    w[k].sf = g->wrec[k].sf;
    w[k].value = g->wrec[k].value;
  }
  return n;
}

void nnmd_hdnnp_gpu_set_timing(struct nnmd_hdnnp_gpu *g, bool on) { g->timing = on; }
const struct nnmd_hdnnp_gpu_times *nnmd_hdnnp_gpu_times(const struct nnmd_hdnnp_gpu *g) { return &g->times; }
const char *nnmd_hdnnp_gpu_describe(const struct nnmd_hdnnp_gpu *g) { return g->desc; }

/* ---- one evaluation ------------------------------------------------------------------ */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* End of a timed phase: wait for the device (timing only) and book the time. */
static int phase(struct nnmd_hdnnp_gpu *g, double *slot, double *t0, struct nnmd_error *err) {
  if (!g->timing) return NNMD_OK;
  int st = g->emulate ? NNMD_OK : nnmd_device_sync("hdnnp gpu kernels", err);
  double t = now();
  *slot = t - *t0;
  *t0 = t;
  return st;
}

static int check_in(const struct nnmd_hdnnp_gpu *g, const struct nnmd_hdnnp_gpu_in *in, struct nnmd_error *err) {
  if (in->n_local < 0 || in->n_all < in->n_local || in->n_all > 2147483647LL || in->stride < in->n_all ||
      in->max_neigh < 0 || (in->n_local > 0 && (!in->x || !in->type || !in->nl_count || (in->max_neigh && !in->nl_idx))))
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp gpu: inconsistent input (%lld owned, %lld in all, stride %lld)",
                     (long long)in->n_local, (long long)in->n_all, (long long)in->stride);
  for (int t = 0; t < in->n_types; ++t)
    if (in->type_elem[t] < 0 || in->type_elem[t] >= g->m.n_elem)
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp gpu: species %d has no model element", t);
  return NNMD_OK;
}

/* Charge-state input of this call (hdnnp.c: Q~ per element, the range check). */
static void charge_input(struct nnmd_hdnnp_gpu *g, double q) {
  struct nnmd_gpu_model *gm = &g->m;
  gm->q_raw = q;
  for (int e = 0; e < gm->n_elem; ++e) {
    gm->qin[e] = gm->charge_on ? g->q_smin[e] + g->q_scale[e] * (q - g->q_gref[e]) : 0.0;
    gm->qscale[e] = g->q_scale[e];
    const double tol = 1000.0 * DBL_EPSILON * fmax(1.0, fmax(fabs(g->q_gmin[e]), fabs(g->q_gmax[e])));
    gm->q_out[e] = gm->charge_on && (q + tol < g->q_gmin[e] || q - tol > g->q_gmax[e]);
  }
}

static int launch(struct nnmd_hdnnp_gpu *g, int k, struct nnmd_error *err) {
  return nnmd_hdnnp_gpu_launch(k, &g->m, &g->f, g->precision, g->emulate, err);
}

/* The kernel sequence on a prepared frame (f->x, type, type_elem, raw list, f, counts set):
 * count -> grow the filtered list -> fill -> descriptors -> network -> forces (added into
 * f->f with stride f->stride). *t0 is the phase clock. */
static int run_kernels(struct nnmd_hdnnp_gpu *g, double *t0, bool zero_warn, struct nnmd_error *err) {
  struct nnmd_gpu_frame *f = &g->f;
  const size_t n = (size_t)f->n_local, N = (size_t)f->n_all, mn = (size_t)f->max_neigh, ts = g->ts;
  int maxcnt = 0, st = b_zero(g, g->d_max, sizeof(int), "neighbour maximum", err);
  if (!st) st = launch(g, NNMD_GPU_K_COUNT, err);
  if (!st) st = b_get(g, &maxcnt, g->d_max, sizeof(int), "neighbour maximum", err);
  if (st) return st;
  size_t cap = maxcnt > 0 ? (size_t)maxcnt : 1;
  if ((st = check_fit(g, n, N, mn, cap, err))) return st;
  if (!st) st = ensure(g, B_NB, cap * n * sizeof(int), err);
  if (!st) st = ensure(g, B_ND, 4 * cap * n * ts, err);
  f->cap = (int)cap;
  f->nb = g->b[B_NB].p;
  f->nd = g->b[B_ND].p;
  if (!st) st = launch(g, NNMD_GPU_K_FILL, err);
  if (!st) st = phase(g, &g->times.neighbours, t0, err);
  if (!st && zero_warn) st = b_zero(g, g->d_warn, 2 * sizeof(unsigned long long), "warning counter", err);
  if (!st) st = launch(g, NNMD_GPU_K_DESC, err);
  if (!st) st = phase(g, &g->times.descriptors, t0, err);
  if (!st) st = b_zero(g, g->d_acc, 11 * sizeof(double), "energy and virial sums", err);
  if (!st) st = launch(g, NNMD_GPU_K_ANN, err);
  if (!st) st = phase(g, &g->times.network, t0, err);
  if (!st) st = launch(g, NNMD_GPU_K_FORCE, err);
  if (!st) st = phase(g, &g->times.forces, t0, err);
  return st;
}

/* Energy, virial (+ the charge node's volume term), sum dE/dQ and the warnings, downloaded. */
static int fetch_sums(struct nnmd_hdnnp_gpu *g, struct nnmd_hdnnp_gpu_out *out, struct nnmd_error *err) {
  double acc[11];
  unsigned long long wc[2] = {0, 0};
  int st = b_get(g, acc, g->d_acc, sizeof acc, "energy and virial sums", err);
  if (!st) st = b_get(g, wc, g->d_warn, sizeof wc, "warning counter", err);
  if (!st && wc[0] > 0) st = b_get(g, g->wrec, g->d_wrec, sizeof g->wrec, "warning records", err);
  if (st) return st;
  out->energy += acc[0] / g->cfe;
  out->dedq_sum = acc[1];
  double *w = acc + 2;
  for (int k = 0; k < 9; k += 4) w[k] += g->m.q_raw * acc[1]; /* charge node: W_ab += delta_ab Q sum dE/dQ */
  for (int k = 0; k < 9; ++k) out->virial[k] += w[k] / g->cfe;
  out->warnings = (int64_t)wc[0];
  g->n_wrec = wc[0] < NNMD_GPU_WARN_REC ? (int)wc[0] : NNMD_GPU_WARN_REC;
  return NNMD_OK;
}

int nnmd_hdnnp_gpu_compute(struct nnmd_hdnnp_gpu *g, const struct nnmd_hdnnp_gpu_in *in,
                           struct nnmd_hdnnp_gpu_out *out, struct nnmd_error *err) {
  int st = check_in(g, in, err);
  if (st) return st;
  memset(&g->times, 0, sizeof g->times);
  g->n_wrec = 0;
  out->warnings = 0;
  out->dedq_sum = 0.0;
  const size_t n = (size_t)in->n_local, N = (size_t)in->n_all, mn = (size_t)in->max_neigh;
  const size_t ne = (size_t)g->m.n_elem, ts = g->ts;
  if (n == 0) return NNMD_OK;
  double t0 = now();
  struct nnmd_gpu_frame *f = &g->f;
  size_t cap = (size_t)f->cap;
  if ((st = check_fit(g, n, N, mn, cap, err))) return st;
  const size_t sizes[] = {3 * N * sizeof(double), N * sizeof(int), (size_t)in->n_types * sizeof(int), n * sizeof(int),
                          n * mn * sizeof(int), (ne + 1) * n * sizeof(int), 0, 0, (size_t)g->m.max_sf * n * ts,
                          3 * N * sizeof(double), in->eatom ? n * sizeof(double) : 0};
  for (int k = 0; k < B_N && !st; ++k)
    if (k != B_NB && k != B_ND) st = ensure(g, k, sizes[k], err);
  size_t hlen = 3 * N > n ? 3 * N : n;
  if (!st && hlen > g->hf_len) {
    free(g->hf);
    g->hf = nnmd_malloc(hlen * sizeof(double), err);
    g->hf_len = g->hf ? hlen : 0;
    if (!g->hf) st = NNMD_ERR_NOMEM;
  }
  if (st) return st;
  double *x = g->b[B_X].p;
  for (int d = 0; d < 3 && !st; ++d) st = b_put(g, x + d * N, in->x + d * in->stride, N * sizeof(double), "positions", err);
  if (!st) st = b_put(g, g->b[B_TYPE].p, in->type, N * sizeof(int), "types", err);
  if (!st) st = b_put(g, g->b[B_TE].p, in->type_elem, (size_t)in->n_types * sizeof(int), "type map", err);
  if (!st) st = b_put(g, g->b[B_RCNT].p, in->nl_count, n * sizeof(int), "neighbour counts", err);
  if (!st) st = b_put(g, g->b[B_RIDX].p, in->nl_idx, n * mn * sizeof(int), "neighbour list", err);
  f->n_local = (long long)n;
  f->n_all = (long long)N;
  f->stride = (long long)N;
  f->max_neigh = (int)mn;
  f->n_types = in->n_types;
  f->want_eatom = in->eatom;
  f->x = x;
  f->type = g->b[B_TYPE].p;
  f->type_elem = g->b[B_TE].p;
  f->raw_count = g->b[B_RCNT].p;
  f->raw_idx = g->b[B_RIDX].p;
  f->bstart = g->b[B_BSTART].p;
  f->g = g->b[B_G].p;
  f->f = g->b[B_F].p;
  f->eatom = g->b[B_EATOM].p;
  f->acc = g->d_acc;
  f->warn = g->d_warn;
  f->wrec = g->d_wrec;
  f->maxcnt = g->d_max;
  charge_input(g, in->charge_q);
  if (!st) st = phase(g, &g->times.upload, &t0, err);
  if (!st) st = b_zero(g, f->f, 3 * N * sizeof(double), "forces", err);
  if (!st) st = run_kernels(g, &t0, true, err);
  /* results */
  if (!st) st = b_get(g, g->hf, f->f, 3 * N * sizeof(double), "forces", err);
  for (int d = 0; d < 3 && !st; ++d) {
    double *fo = out->f + d * in->stride;
    const double *fh = g->hf + d * N;
    for (size_t j = 0; j < N; ++j) fo[j] += fh[j];
  }
  if (!st && in->eatom) {
    st = b_get(g, g->hf, f->eatom, n * sizeof(double), "atom energies", err);
    for (size_t i = 0; i < n && !st; ++i) out->eatom[i] += g->hf[i] / g->cfe;
  }
  if (!st) st = fetch_sums(g, out, err);
  if (st) return st;
  return phase(g, &g->times.download, &t0, err);
}

int nnmd_hdnnp_gpu_compute_resident(struct nnmd_hdnnp_gpu *g, const struct nnmd_hdnnp_gpu_res *in,
                                    struct nnmd_hdnnp_gpu_out *out, struct nnmd_error *err) {
  struct nnmd_hdnnp_gpu_in chk = {.n_local = in->n_local, .n_all = in->n_all, .stride = in->stride, .x = in->x,
                                  .type = in->type, .type_elem = in->type_elem, .n_types = in->n_types,
                                  .nl_count = in->nl_count, .nl_idx = in->nl_idx, .max_neigh = in->max_neigh};
  int st = check_in(g, &chk, err);
  if (st) return st;
  memset(&g->times, 0, sizeof g->times);
  out->warnings = 0;
  out->dedq_sum = 0.0;
  const size_t n = (size_t)in->n_local, ne = (size_t)g->m.n_elem, ts = g->ts;
  if (n == 0) return NNMD_OK;
  double t0 = now();
  struct nnmd_gpu_frame *f = &g->f;
  const size_t sizes[] = {0, 0, (size_t)in->n_types * sizeof(int), 0, 0, (ne + 1) * n * sizeof(int), 0, 0,
                          (size_t)g->m.max_sf * n * ts, 0, in->eatom ? n * sizeof(double) : 0};
  for (int k = 0; k < B_N && !st; ++k)
    if (sizes[k]) st = ensure(g, k, sizes[k], err);
  if (!st && in->eatom && n > g->hf_len) {
    free(g->hf);
    g->hf = nnmd_malloc(n * sizeof(double), err);
    g->hf_len = g->hf ? n : 0;
    if (!g->hf) st = NNMD_ERR_NOMEM;
  }
  /* the species map goes up once (and again only if it changes) */
  if (!st && in->n_types > NNMD_GPU_MAX_TYPES)
    st = nnmd_fail(err, NNMD_ERR_INTERNAL, "hdnnp gpu: %d species (at most %d)", in->n_types, NNMD_GPU_MAX_TYPES);
  if (!st && (g->res_te_buf != g->b[B_TE].p || g->res_ntypes != in->n_types ||
              memcmp(g->res_te, in->type_elem, (size_t)in->n_types * sizeof(int)))) {
    st = b_put(g, g->b[B_TE].p, in->type_elem, (size_t)in->n_types * sizeof(int), "type map", err);
    memcpy(g->res_te, in->type_elem, (size_t)in->n_types * sizeof(int));
    g->res_ntypes = in->n_types;
    g->res_te_buf = g->b[B_TE].p;
  }
  if (st) return st;
  f->n_local = (long long)n;
  f->n_all = (long long)in->n_all;
  f->stride = (long long)in->stride;
  f->max_neigh = in->max_neigh;
  f->n_types = in->n_types;
  f->want_eatom = in->eatom;
  f->x = in->x;
  f->type = in->type;
  f->type_elem = g->b[B_TE].p;
  f->raw_count = in->nl_count;
  f->raw_idx = in->nl_idx;
  f->bstart = g->b[B_BSTART].p;
  f->g = g->b[B_G].p;
  f->f = in->f;
  f->eatom = g->b[B_EATOM].p;
  f->acc = g->d_acc;
  f->warn = g->d_warn;
  f->wrec = g->d_wrec;
  f->maxcnt = g->d_max;
  charge_input(g, in->charge_q);
  /* warnings accumulate on the device between the calls that fetch the sums */
  if (!st) st = run_kernels(g, &t0, g->res_warn_fetched, err);
  g->res_warn_fetched = in->sums;
  if (!st && in->sums) {
    g->n_wrec = 0;
    st = fetch_sums(g, out, err);
  }
  if (!st && in->eatom) {
    st = b_get(g, g->hf, f->eatom, n * sizeof(double), "atom energies", err);
    for (size_t i = 0; i < n && !st; ++i) in->eatom_host[i] += g->hf[i] / g->cfe;
  }
  if (st) return st;
  return phase(g, &g->times.download, &t0, err);
}
