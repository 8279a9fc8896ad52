/* hdnnp_device.c — see hdnnp_device.h. No arithmetic of its own: the inputs of
 * nnmd_hdnnp_gpu_compute come straight from the force context (component blocks of sys->x
 * and sys->f with stride sys->capacity, the full list's row-major idx), the outputs are
 * accumulated into ctx as compute_cpu does; the extrapolation records name atoms by their
 * global id. */
#include "hdnnp_device.h"

#include <stdio.h>

int nnmd_hdnnp_device_create(const struct nnmd_nnp_model *m, double cflength, double cfenergy,
                             const struct nnmd_term_info *info, struct nnmd_hdnnp_gpu **out,
                             struct nnmd_error *err) {
  struct nnmd_hdnnp_gpu_opts o = {.precision = info->device_mixed ? NNMD_GPU_MIXED : NNMD_GPU_DOUBLE,
                                  .device = -1, /* by the MPI local rank */
                                  .flags = info->device_emulate ? NNMD_HDNNP_GPU_EMULATE : 0u,
                                  .cflength = cflength,
                                  .cfenergy = cfenergy};
  struct nnmd_error e;
  nnmd_error_init(&e);
  int st = nnmd_hdnnp_gpu_create(m, &o, out, &e);
  if (st) {
    /* the user's handle on this is the [parallel] device key */
    nnmd_fail_at(err, st, info->device_loc, "device = \"gpu\": the HDNNP model '%s' cannot be set up on the GPU: %s",
                 m->dir, e.msg);
    *out = NULL;
  } else if (info->log) {
    nnmd_log_info(info->log, "%s", nnmd_hdnnp_gpu_describe(*out));
  }
  nnmd_error_clear(&e);
  return st;
}

static void log_warnings(const struct nnmd_hdnnp_gpu *g, const struct nnmd_nnp_model *m,
                         const struct nnmd_force_ctx *ctx, int *shown, int max_shown) {
  struct nnmd_hdnnp_gpu_warning w[16];
  int want = max_shown - *shown;
  if (want <= 0) return;
  int n = nnmd_hdnnp_gpu_warnings(g, w, want < 16 ? want : 16);
  for (int k = 0; k < n; ++k, ++*shown) {
    const int e = w[k].elem;
    const long long id = w[k].atom >= 0 && w[k].atom < ctx->sys->n_local ? (long long)ctx->sys->id[w[k].atom] : -1;
    if (w[k].sf >= m->n_sf[e]) {
      const struct nnmd_nnp_sf *qs = &m->charge.scal[e];
      nnmd_log_warn(ctx->log,
                    "hdnnp extrapolation: atom %lld (%s), charge-state input Q = c q / V = %.10g outside the "
                    "training range [%.10g, %.10g] (scaling.data line %lld)",
                    id, m->sym[e], w[k].value, qs->gmin, qs->gmax, (long long)qs->scaling_line);
    } else {
      const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[e] + w[k].sf;
      nnmd_log_warn(ctx->log,
                    "hdnnp extrapolation: atom %lld (%s), symmetry function %d (input.nn line %lld) = %.10g "
                    "outside the training range [%.10g, %.10g]",
                    id, m->sym[e], w[k].sf + 1, (long long)sf->line, w[k].value, sf->gmin, sf->gmax);
    }
  }
}

int nnmd_hdnnp_device_compute(struct nnmd_hdnnp_gpu *g, const struct nnmd_nnp_model *m, const int *sp_map,
                              struct nnmd_force_ctx *ctx, double q, int *shown, int max_shown, int64_t *nwarn,
                              double *dedq_sum, struct nnmd_error *err) {
  struct nnmd_system *sys = ctx->sys;
  if (ctx->dev) { /* resident run: the device's own arrays and list */
    const struct nnmd_dev_atoms *a = ctx->dev;
    const struct nnmd_dev_list *dl = ctx->dlist;
    struct nnmd_hdnnp_gpu_res rin = {.n_local = a->n_local, .n_all = a->n_local + a->n_ghost, .stride = a->capacity,
                                     .x = a->x, .type = a->type, .type_elem = sp_map, .n_types = sys->species.n,
                                     .nl_count = dl->count, .nl_idx = dl->idx, .max_neigh = dl->max_neigh,
                                     .f = a->f, .charge_q = q, .sums = ctx->eflag || ctx->vflag,
                                     .eatom = ctx->eatom != NULL, .eatom_host = ctx->eatom};
    struct nnmd_hdnnp_gpu_out rout = {0};
    int st = nnmd_hdnnp_gpu_compute_resident(g, &rin, &rout, err);
    if (st) return st;
    ctx->energy += rout.energy;
    for (int k = 0; k < 9; ++k) ctx->virial[k] += rout.virial[k];
    *nwarn = rout.warnings;
    *dedq_sum = rout.dedq_sum;
    if (rout.warnings > 0) log_warnings(g, m, ctx, shown, max_shown);
    return NNMD_OK;
  }
  const struct nnmd_nlist *nl = ctx->list;
  struct nnmd_hdnnp_gpu_in in = {.n_local = sys->n_local,
                                 .n_all = sys->n_local + sys->n_ghost,
                                 .stride = sys->capacity,
                                 .x = sys->x,
                                 .type = sys->type,
                                 .type_elem = sp_map,
                                 .n_types = sys->species.n,
                                 .nl_count = nl->count,
                                 .nl_idx = nl->idx,
                                 .max_neigh = nl->max_neigh,
                                 .charge_q = q,
                                 .eatom = ctx->eatom != NULL};
  struct nnmd_hdnnp_gpu_out out = {.f = sys->f, .eatom = ctx->eatom};
  int st = nnmd_hdnnp_gpu_compute(g, &in, &out, err);
  if (st) return st;
  ctx->energy += out.energy;
  for (int k = 0; k < 9; ++k) ctx->virial[k] += out.virial[k];
  *nwarn = out.warnings;
  *dedq_sum = out.dedq_sum;
  if (out.warnings > 0) log_warnings(g, m, ctx, shown, max_shown);
  return NNMD_OK;
}
