/* avec.c — see avec.h. Host loops over the arrays of ctx->sys (component blocks, stride
 * capacity; owned atoms [0, n_local)), or one nnmd_av_op handed to the kernel launcher of
 * avec.cu (avec_stub.c without CUDA) for ctx->dev. The host loops are the integrators'
 * former loops, unchanged (outer loop over components where the work is element-wise).
 */
#include "avec.h"

#include <math.h>
#include <string.h>

#include "avec_kern.h"
#include "box_math.h"
#include "rng.h"
#include "thermo.h"

/* An operation of `kind` with the counter-RNG key of the context. */
static struct nnmd_av_op make_op(const struct nnmd_integ_ctx *ctx, int kind) {
  struct nnmd_av_op op;
  memset(&op, 0, sizeof op);
  op.kind = kind;
  op.seed = ctx->seed;
  op.step = ctx->step;
  op.purpose = NNMD_RNG_LANGEVIN;
  return op;
}

int nnmd_av_ntypes(const struct nnmd_integ_ctx *ctx) {
  return ctx->dev ? ctx->dev->n_types : ctx->sys->species.n;
}

double nnmd_av_mass(const struct nnmd_integ_ctx *ctx, int t) {
  return ctx->dev ? ctx->dev->mass[t] : ctx->sys->species.s[t].mass;
}

static int launch(const struct nnmd_integ_ctx *ctx, const struct nnmd_av_op *op, double *out,
                  struct nnmd_error *err) {
  return nnmd_av_launch(op, ctx->dev, ctx->dev_scratch, out, err);
}

int nnmd_av_kick(struct nnmd_integ_ctx *ctx, double dt, struct nnmd_error *err) {
  double h = 0.5 * dt * ctx->units->ftm2v;
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_KICK);
    for (int t = 0; t < ctx->dev->n_types; ++t) op.sp[t] = h / ctx->dev->mass[t];
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  double dtfm[NNMD_MAX_SPECIES];
  for (int t = 0; t < sys->species.n; ++t) dtfm[t] = h / sys->species.s[t].mass;
  const int *type = sys->type;
  for (int d = 0; d < 3; ++d) {
    double *v = sys->v + d * c;
    const double *f = sys->f + d * c;
    for (int64_t i = 0; i < n; ++i) v[i] += dtfm[type[i]] * f[i];
  }
  return NNMD_OK;
}

int nnmd_av_drift(struct nnmd_integ_ctx *ctx, double tau, struct nnmd_error *err) {
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_DRIFT);
    op.a = tau;
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int d = 0; d < 3; ++d) {
    double *x = sys->x + d * c;
    const double *v = sys->v + d * c;
    for (int64_t i = 0; i < n; ++i) x[i] += tau * v[i];
  }
  return NNMD_OK;
}

int nnmd_av_scale3(struct nnmd_integ_ctx *ctx, const double s[3], struct nnmd_error *err) {
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_SCALE);
    for (int d = 0; d < 3; ++d) op.s[d] = s[d];
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int d = 0; d < 3; ++d) {
    double *v = sys->v + d * c;
    for (int64_t i = 0; i < n; ++i) v[i] *= s[d];
  }
  return NNMD_OK;
}

int nnmd_av_scale(struct nnmd_integ_ctx *ctx, double s, struct nnmd_error *err) {
  double s3[3] = {s, s, s};
  return nnmd_av_scale3(ctx, s3, err);
}

int nnmd_av_kinetic_energy(const struct nnmd_integ_ctx *ctx, double *k, struct nnmd_error *err) {
  if (!ctx->dev) {
    *k = nnmd_kinetic_energy(ctx->sys, ctx->units, ctx->comm);
    return NNMD_OK;
  }
  struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_KE);
  double sum = 0.0;
  int st = launch(ctx, &op, &sum, err);
  nnmd_comm_sum_double(ctx->comm, &sum, 1); /* every rank takes part, also after a failure */
  *k = 0.5 * ctx->units->mvv2e * sum;
  return st;
}

int nnmd_av_mvv_local(const struct nnmd_integ_ctx *ctx, double mvv[9], struct nnmd_error *err) {
  memset(mvv, 0, 9 * sizeof(double));
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_MVV);
    return launch(ctx, &op, mvv, err);
  }
  const struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double m = nnmd_system_mass(sys, i), v[3] = {sys->v[i], sys->v[c + i], sys->v[2 * c + i]};
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) mvv[3 * a + b] += m * v[a] * v[b];
  }
  return NNMD_OK;
}

int nnmd_av_remap(struct nnmd_integ_ctx *ctx, const struct nnmd_box *old, const struct nnmd_box *now,
                  struct nnmd_error *err) {
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_REMAP);
    memcpy(op.h_inv_old, old->h_inv, sizeof op.h_inv_old);
    memcpy(op.lo_old, old->lo, sizeof op.lo_old);
    memcpy(op.h, now->h, sizeof op.h);
    memcpy(op.lo, now->lo, sizeof op.lo);
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(old->h_inv, old->lo, r, s);
    nnmd_frac_to_cart(now->h, now->lo, s, r);
    sys->x[i] = r[0];
    sys->x[c + i] = r[1];
    sys->x[2 * c + i] = r[2];
  }
  return NNMD_OK;
}

int nnmd_av_crescale(struct nnmd_integ_ctx *ctx, const double lo[3], const double mu[3], struct nnmd_error *err) {
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_CRESCALE);
    for (int d = 0; d < 3; ++d) {
      op.lo[d] = lo[d];
      op.s[d] = mu[d];
      op.w[d] = 0.5 * (mu[d] + 1.0 / mu[d]) * ctx->dt;
    }
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity;
  for (int d = 0; d < 3; ++d) {
    double *x = sys->x + d * c, *v = sys->v + d * c, m = mu[d], vs = 0.5 * (m + 1.0 / m) * ctx->dt;
    for (int64_t i = 0; i < sys->n_local; ++i) {
      x[i] = lo[d] + m * (x[i] - lo[d]) + vs * v[i];
      v[i] /= m;
    }
  }
  return NNMD_OK;
}

int nnmd_av_mtk_vpress(struct nnmd_integ_ctx *ctx, const double f[3], const double wdot[6], bool tri,
                       struct nnmd_error *err) {
  double dth = 0.5 * ctx->dt;
  if (ctx->dev) {
    struct nnmd_av_op op = make_op(ctx, NNMD_AV_K_VPRESS);
    for (int d = 0; d < 3; ++d) op.s[d] = f[d];
    for (int d = 0; d < 6; ++d) op.w[d] = wdot[d];
    op.a = dth;
    op.flag = tri;
    return launch(ctx, &op, NULL, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  double *vx = sys->v, *vy = sys->v + c, *vz = sys->v + 2 * c;
  for (int64_t i = 0; i < n; ++i) {
    vx[i] *= f[0];
    vy[i] *= f[1];
    vz[i] *= f[2];
    if (tri) {
      vx[i] += -dth * (vy[i] * wdot[5] + vz[i] * wdot[4]);
      vy[i] += -dth * vz[i] * wdot[3];
    }
    vx[i] *= f[0];
    vy[i] *= f[1];
    vz[i] *= f[2];
  }
  return NNMD_OK;
}

/* ---- Langevin ------------------------------------------------------------------------- */

static struct nnmd_av_op langevin_op(const struct nnmd_integ_ctx *ctx, int kind, const double *sig) {
  struct nnmd_av_op op = make_op(ctx, kind);
  for (int t = 0; t < ctx->dev->n_types; ++t) op.sp[t] = sig[t];
  return op;
}

/* The noise increment of owned atom i (A/ps): sig[type] xi. */
static void noise(const struct nnmd_integ_ctx *ctx, const double *sig, int64_t i, double dv[3]) {
  double g[4];
  nnmd_rng_normal4(ctx->seed, ctx->sys->id[i], ctx->step, NNMD_RNG_LANGEVIN, 0, g);
  for (int d = 0; d < 3; ++d) dv[d] = sig[ctx->sys->type[i]] * g[d];
}

int nnmd_av_langevin_mean(const struct nnmd_integ_ctx *ctx, const double *sig, double p[4], struct nnmd_error *err) {
  for (int d = 0; d < 4; ++d) p[d] = 0.0;
  if (ctx->dev) {
    struct nnmd_av_op op = langevin_op(ctx, NNMD_AV_K_LMEAN, sig);
    return launch(ctx, &op, p, err);
  }
  for (int64_t i = 0; i < ctx->sys->n_local; ++i) {
    double dv[3], m = nnmd_system_mass(ctx->sys, i);
    noise(ctx, sig, i, dv);
    for (int d = 0; d < 3; ++d) p[d] += m * dv[d];
    p[3] += m;
  }
  return NNMD_OK;
}

int nnmd_av_langevin_o(struct nnmd_integ_ctx *ctx, const double *sig, double c1, const double mean[3], double k[2],
                       struct nnmd_error *err) {
  k[0] = k[1] = 0.0;
  if (ctx->dev) {
    struct nnmd_av_op op = langevin_op(ctx, NNMD_AV_K_LANGEVIN, sig);
    op.a = c1;
    for (int d = 0; d < 3; ++d) op.mean[d] = mean[d];
    return launch(ctx, &op, k, err);
  }
  struct nnmd_system *sys = ctx->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int64_t i = 0; i < n; ++i) {
    double dv[3], m = nnmd_system_mass(sys, i);
    noise(ctx, sig, i, dv);
    for (int d = 0; d < 3; ++d) {
      double *v = sys->v + d * c + i;
      k[0] += m * *v * *v;
      *v = c1 * *v + (dv[d] - mean[d]);
      k[1] += m * *v * *v;
    }
  }
  return NNMD_OK;
}
