/* run.c — see run.h. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box_math.h"
#include "avec.h"
#include "checkpoint.h"
#include "device.h"
#include "mem.h"
#include "thermo.h"

/* Reorder owned atoms by spatial bin (bins of half the ghost cutoff, in fractional
 * coordinates) so that neighbours are close in memory. Ids keep the output order stable;
 * results change only in the last bits (summation order). */
static int sort_atoms(struct nnmd_md *md, double ghost_cut, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  int64_t n = sys->n_local, c = sys->capacity, nb[3], nbins = 1;
  for (int d = 0; d < 3; ++d) {
    nb[d] = (int64_t)(md->box.width[d] / (0.5 * ghost_cut));
    if (nb[d] < 1) nb[d] = 1;
    if (nb[d] > 1024) nb[d] = 1024;
    nbins *= nb[d];
  }
  if (nbins < 8 || n < 1000) return NNMD_OK;
  int64_t *bin = nnmd_malloc((size_t)n * sizeof(int64_t), err);
  int64_t *start = nnmd_calloc((size_t)nbins + 1, sizeof(int64_t), err);
  int64_t *perm = nnmd_malloc((size_t)n * sizeof(int64_t), err);
  int st = (bin && start && perm) ? NNMD_OK : NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < n && !st; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(md->box.h_inv, md->box.lo, r, s);
    int64_t b[3];
    for (int d = 0; d < 3; ++d) {
      double f = s[d] - floor(s[d]);
      b[d] = (int64_t)(f * (double)nb[d]);
      if (b[d] >= nb[d]) b[d] = nb[d] - 1;
      if (b[d] < 0) b[d] = 0;
    }
    bin[i] = (b[2] * nb[1] + b[1]) * nb[0] + b[0];
    start[bin[i] + 1]++;
  }
  if (!st) {
    for (int64_t k = 0; k < nbins; ++k) start[k + 1] += start[k];
    for (int64_t i = 0; i < n; ++i) perm[start[bin[i]]++] = i;
    st = nnmd_system_permute(sys, perm, err);
  }
  free(bin);
  free(start);
  free(perm);
  return st;
}

int nnmd_md_distribute(struct nnmd_md *md, struct nnmd_error *err) {
  int st;
  if (!md->halo && (st = nnmd_halo_create(&md->halo, md->comm, err))) return st;
  if (nnmd_comm_size(md->comm) == 1) return NNMD_OK;
  struct nnmd_domain dom;
  if ((st = nnmd_domain_setup(&dom, md->comm, &md->box, md->grid, err))) return st;
  nnmd_halo_set_domain(md->halo, &dom);
  nnmd_log_info(md->log, "MPI: %d ranks on a %d x %d x %d grid", dom.size, dom.grid[0], dom.grid[1], dom.grid[2]);
  return nnmd_halo_distribute(md->halo, md->sys, &md->box, err);
}

/* Unwrapped positions u (per-atom field "unwrapped", methods §6.1): u follows each atom's
 * actual displacement, including barostat scaling of its wrapped coordinate; wrapping into
 * the cell never changes it. Atoms and the cell move only in first_half (integrator.h), which
 * is bracketed by save_positions / advance_unwrapped; one step's displacement is far below
 * half a cell, so the minimum image of x_new - x_old removes any lattice jump. */
static int ensure_unwrapped(struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  if (nnmd_system_field(sys, "unwrapped")) return NNMD_OK; /* restored from a checkpoint */
  int idx, st = nnmd_system_field_add(sys, "unwrapped", 3, false, &idx, err);
  if (st) return st;
  double *u = sys->fields[idx].data;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double n[3] = {sys->image[i], sys->image[c + i], sys->image[2 * c + i]};
    for (int a = 0; a < 3; ++a)
      u[a * c + i] = sys->x[a * c + i] + md->box.h[3 * a] * n[0] + md->box.h[3 * a + 1] * n[1] +
                     md->box.h[3 * a + 2] * n[2];
  }
  return NNMD_OK;
}

static int save_positions(struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  int64_t n = sys->n_local, c = sys->capacity;
  if (nnmd_grow((void **)&md->x_prev, &md->x_prev_cap, (size_t)(3 * n), sizeof(double), err)) return NNMD_ERR_NOMEM;
  for (int a = 0; a < 3; ++a) memcpy(md->x_prev + a * n, sys->x + a * c, (size_t)n * sizeof(double));
  return NNMD_OK;
}

static void advance_unwrapped(struct nnmd_md *md) {
  struct nnmd_system *sys = md->sys;
  double *u = nnmd_system_field(sys, "unwrapped");
  int64_t n = sys->n_local, c = sys->capacity;
  const double *h = md->box.h, *hi = md->box.h_inv;
  for (int64_t i = 0; i < n; ++i) {
    double d[3], s[3];
    for (int a = 0; a < 3; ++a) d[a] = sys->x[a * c + i] - md->x_prev[a * n + i];
    for (int a = 0; a < 3; ++a) {
      s[a] = hi[3 * a] * d[0] + hi[3 * a + 1] * d[1] + hi[3 * a + 2] * d[2];
      if (md->box.periodic[a]) s[a] -= nearbyint(s[a]);
    }
    for (int a = 0; a < 3; ++a) u[a * c + i] += h[3 * a] * s[0] + h[3 * a + 1] * s[1] + h[3 * a + 2] * s[2];
  }
}

static int cmp_key(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The canonical state of a checkpoint step (docs/restart.md): owned atoms wrapped into the
 * cell and on their rank (migrate), in increasing id order, and the bin sort due, which is
 * exactly the state a restart from this step starts from (a checkpoint holds the atoms by id;
 * nnmd_halo_distribute keeps them in that order). Both runs then bin, migrate and build ghosts
 * and lists from the same arrays, and execute the same arithmetic from here on. */
static int canonical_order(struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  int st = NNMD_OK;
  if (nnmd_comm_size(md->comm) > 1) {
    st = nnmd_comm_agree(md->comm, nnmd_halo_migrate(md->halo, sys, &md->box, md->comm, err));
    if (st) return st;
  } else {
    sys->n_ghost = 0;
    if ((st = nnmd_halo_wrap(sys, &md->box, err))) return st;
  }
  md->n_rebuilds = 0;
  int64_t n = sys->n_local;
  bool sorted = true;
  for (int64_t i = 1; i < n && sorted; ++i) sorted = sys->id[i - 1] < sys->id[i];
  if (sorted) return NNMD_OK;
  int64_t *key = nnmd_malloc((size_t)(2 * n) * sizeof(int64_t), err);
  int64_t *perm = nnmd_malloc((size_t)n * sizeof(int64_t), err);
  st = (key && perm) ? NNMD_OK : NNMD_ERR_NOMEM;
  if (!st) {
    for (int64_t i = 0; i < n; ++i) {
      key[2 * i] = sys->id[i];
      key[2 * i + 1] = i;
    }
    qsort(key, (size_t)n, 2 * sizeof(int64_t), cmp_key);
    for (int64_t i = 0; i < n; ++i) perm[i] = key[2 * i + 1];
    st = nnmd_system_permute(sys, perm, err);
  }
  free(key);
  free(perm);
  return st;
}

static int rebuild(struct nnmd_md *md, struct nnmd_error *err) {
  double ghost_cut = nnmd_ff_max_cutoff(md->ff) + md->skin;
  if (md->canonical_rebuild) {
    md->canonical_rebuild = false;
    int s = canonical_order(md, err);
    if ((s = nnmd_comm_agree(md->comm, s))) return s;
  }
  if (md->n_rebuilds++ % 10 == 0) {
    int s = sort_atoms(md, ghost_cut, err);
    if (s) return s;
  }
  if (nnmd_comm_size(md->comm) > 1) {
    int s = nnmd_halo_migrate(md->halo, md->sys, &md->box, md->comm, err);
    s = nnmd_comm_agree(md->comm, s);
    if (s) return s;
    int64_t n = md->sys->n_local;
    nnmd_comm_sum_int64(md->comm, &n, 1);
    if (n != md->sys->n_global)
      return nnmd_fail(err, NNMD_ERR_PHYSICS, "atoms lost at step %lld: %lld of %lld left", (long long)md->step,
                       (long long)n, (long long)md->sys->n_global);
  }
  int st = nnmd_halo_borders(md->halo, md->sys, &md->box, ghost_cut, err);
  if (st) return st;
  memcpy(md->h_ref, md->box.h, sizeof md->h_ref);
  for (int d = 0; d < 3; ++d) md->halo_need[d] = md->box.periodic[d] ? ceil(ghost_cut / md->box.width[d]) : 0;
  if (md->res) { /* resident: the device takes the atoms and ghost plan, and bins and lists them */
    st = nnmd_resident_upload(md->res, md->sys, md->halo, err);
    if (!st) st = nnmd_nlist_dev_build(md->dlist, nnmd_resident_atoms(md->res), &md->box, err);
    md->res_ready = st == NNMD_OK;
    md->host_current = true;
    return st;
  }
  return nnmd_ff_build_lists(md->ff, md->sys, &md->box, err);
}

/* ---- resident run ---------------------------------------------------------------------- */
static int resident_start(struct nnmd_md *md, struct nnmd_error *err) {
  int st = nnmd_resident_create(&md->res, md->resident_emulate, err);
  if (!st) st = nnmd_nlist_dev_create(&md->dlist, nnmd_ff_max_cutoff(md->ff), md->skin, md->resident_emulate, err);
  if (!st) {
    size_t b = NNMD_AV_SCRATCH * sizeof(double);
    if (md->resident_emulate) {
      md->dev_scratch = nnmd_calloc(NNMD_AV_SCRATCH, sizeof(double), err);
      st = md->dev_scratch ? NNMD_OK : NNMD_ERR_NOMEM;
    } else {
      st = nnmd_device_alloc((void **)&md->dev_scratch, b, "reduction scratch", err);
    }
  }
  md->res_ready = false;
  md->host_current = true;
  if (!st)
    nnmd_log_info(md->log, "resident run: positions, velocities, forces, neighbour lists and integration on the %s",
                  md->resident_emulate ? "device (HOST EMULATION of the kernels)" : "device");
  return st;
}

/* Bring the host system up to date with the device (owned atoms: x, v, f, u). */
static int host_sync(struct nnmd_md *md, struct nnmd_error *err) {
  if (!md->res || !md->res_ready || md->host_current) return NNMD_OK;
  int st = nnmd_resident_download(md->res, md->sys, NNMD_RES_X | NNMD_RES_V | NNMD_RES_F | NNMD_RES_U, err);
  md->host_current = st == NNMD_OK;
  return st;
}

static void resident_stop(struct nnmd_md *md) {
  if (md->resident_emulate) free(md->dev_scratch);
  else nnmd_device_free(md->dev_scratch);
  md->dev_scratch = NULL;
  nnmd_nlist_dev_destroy(md->dlist);
  md->dlist = NULL;
  nnmd_resident_destroy(md->res);
  md->res = NULL;
}

/* A checkpoint is written at the end of this step (decided before its forces: a minimiser
 * that converges at this step writes one without the canonical rebuild, which is harmless). */
static bool checkpoint_due(const struct nnmd_md *md) {
  return md->checkpoint_path[0] &&
         ((md->checkpoint_every > 0 && md->step % md->checkpoint_every == 0) || md->step == md->last_step);
}

/* The force context of this step: energy/virial only where thermo, observers or the
 * integrator use them (inside nnmd_md_run). */
static int reverse_sum(void *arg, double *data, int ncomp, struct nnmd_error *err) {
  struct nnmd_md *md = arg;
  return nnmd_halo_reverse_array(md->halo, md->sys, data, ncomp, err);
}

static int force_ctx(struct nnmd_md *md, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  if (md->want_eatom &&
      nnmd_grow((void **)&md->eatom, &md->eatom_cap, (size_t)md->sys->capacity, sizeof(double), err))
    return NNMD_ERR_NOMEM;
  *ctx = (struct nnmd_force_ctx){.units = md->units, .log = md->log, .step = md->step,
                                 .time = (double)md->step * md->dt, .comm = md->comm,
                                 .eatom = md->want_eatom ? md->eatom : NULL, .eflag = true, .vflag = true,
                                 .reverse_sum = reverse_sum, .reverse_arg = md};
  if (md->lazy_energy) {
    unsigned f = md->integ ? md->integ->flags : 0;
    bool sampled = md->step == md->last_step || checkpoint_due(md);
    for (int k = 0; k < md->n_obs && !sampled; ++k)
      sampled = md->obs[k].every > 0 && md->step % md->obs[k].every == 0;
    ctx->eflag = sampled || (f & NNMD_INTEG_NEEDS_ENERGY);
    ctx->vflag = sampled || (f & NNMD_INTEG_NEEDS_VIRIAL);
    if (!ctx->eflag) ctx->eatom = NULL;
  }
  return NNMD_OK;
}

/* Energy and virial summed over ranks. */
static int reduce_energy(struct nnmd_md *md, const struct nnmd_force_ctx *ctx) {
  double ev[10];
  ev[0] = ctx->energy;
  memcpy(ev + 1, ctx->virial, sizeof ctx->virial);
  nnmd_comm_sum_double(md->comm, ev, 10);
  md->epot = ev[0];
  memcpy(md->virial, ev + 1, sizeof md->virial);
  return NNMD_OK;
}

static int forces_resident(struct nnmd_md *md, bool do_rebuild, struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  int st;
  if (do_rebuild) {
    nnmd_timer_start(&md->timers, NNMD_T_NEIGHBOR);
    st = md->res_ready ? nnmd_resident_download(md->res, md->sys, NNMD_RES_X | NNMD_RES_V | NNMD_RES_U, err) : NNMD_OK;
    if (!st) st = rebuild(md, err);
    nnmd_timer_stop(&md->timers, NNMD_T_NEIGHBOR);
  } else {
    nnmd_timer_start(&md->timers, NNMD_T_HALO);
    st = nnmd_resident_forward(md->res, &md->box, err);
    nnmd_timer_stop(&md->timers, NNMD_T_HALO);
  }
  if ((st = nnmd_comm_agree(md->comm, st))) return st;
  nnmd_timer_start(&md->timers, NNMD_T_FORCE);
  const struct nnmd_dev_atoms *a = nnmd_resident_atoms(md->res);
  struct nnmd_dev_list dl = {.cutoff = nnmd_ff_max_cutoff(md->ff), .skin = md->skin, .n = a->n_local,
                             .max_neigh = nnmd_nlist_dev_max_neigh(md->dlist),
                             .count = nnmd_nlist_dev_count(md->dlist), .idx = nnmd_nlist_dev_idx(md->dlist)};
  ctx->dev = a;
  ctx->dlist = &dl;
  st = nnmd_resident_zero_forces(md->res, err);
  if (!st) st = nnmd_ff_compute_resident(md->ff, md->sys, &md->box, ctx, err);
  st = nnmd_comm_agree(md->comm, st);
  if (!st) st = nnmd_resident_reverse(md->res, err);
  ctx->dev = NULL;
  ctx->dlist = NULL;
  md->host_current = false;
  nnmd_timer_stop(&md->timers, NNMD_T_FORCE);
  return st;
}

int nnmd_md_forces(struct nnmd_md *md, bool do_rebuild, struct nnmd_error *err) {
  int st;
  if (md->res) {
    struct nnmd_force_ctx ctx;
    if ((st = force_ctx(md, &ctx, err))) return st;
    if ((st = forces_resident(md, do_rebuild, &ctx, err))) return st;
    return reduce_energy(md, &ctx);
  }
  if (do_rebuild) {
    nnmd_timer_start(&md->timers, NNMD_T_NEIGHBOR);
    st = rebuild(md, err);
    nnmd_timer_stop(&md->timers, NNMD_T_NEIGHBOR);
  } else {
    nnmd_timer_start(&md->timers, NNMD_T_HALO);
    st = nnmd_halo_forward(md->halo, md->sys, &md->box, err);
    nnmd_timer_stop(&md->timers, NNMD_T_HALO);
  }
  if ((st = nnmd_comm_agree(md->comm, st))) return st ? st : NNMD_ERR_INTERNAL;
  nnmd_timer_start(&md->timers, NNMD_T_FORCE);
  struct nnmd_system *sys = md->sys;
  struct nnmd_force_ctx ctx;
  if ((st = force_ctx(md, &ctx, err))) return st;
  bool ghost_forces = false;
  st = nnmd_ff_compute(md->ff, sys, &md->box, &ctx, &ghost_forces, err);
  if (!st) st = nnmd_guard_forces(sys, md->step, err); /* local scan; agreed on the next line */
  st = nnmd_comm_agree(md->comm, st);
  if (!st && ghost_forces) {
    st = nnmd_halo_reverse_array(md->halo, sys, sys->f, 3, err);
    if (!st && ctx.eatom) st = nnmd_halo_reverse_array(md->halo, sys, ctx.eatom, 1, err);
  }
  if (!st) nnmd_groups_freeze_forces(md->groups, sys); /* setforce 0 on frozen atoms */
  /* per-atom fields made in this force call (e.g. Born charges "bec") reach the ghosts now,
   * after every term (the field term applies the sum rule in place) */
  for (int k = 0; !st && k < nnmd_ff_n_terms(md->ff); ++k) {
    const struct nnmd_potential_ops *ops = nnmd_ff_term(md->ff, k, NULL);
    for (int q = 0; !st && ops->provides && ops->provides[q]; ++q) {
      struct nnmd_field *fi = nnmd_system_field_info(sys, ops->provides[q]);
      if (fi && fi->halo) st = nnmd_halo_forward_array(md->halo, sys, fi->data, fi->ncomp, err);
    }
  }
  nnmd_timer_stop(&md->timers, NNMD_T_FORCE);
  if (st) return st;
  return reduce_energy(md, &ctx);
}

void nnmd_md_thermo(struct nnmd_md *md) {
  nnmd_thermo_compute(&md->thermo, md->sys, &md->box, md->units, md->comm, md->n_dof, md->epot, md->virial);
  md->thermo.step = md->step;
  md->thermo.time = (double)md->step * md->dt;
  double extra = md->integ && md->integ->conserved_extra ? md->integ->conserved_extra(md->integ_state) : 0.0;
  extra += nnmd_ff_conserved_extra(md->ff, md->sys, md->comm);
  md->thermo.conserved = md->thermo.etot + extra;
  md->thermo.n_extra = nnmd_ff_thermo_extra(md->ff, md->sys, md->comm, md->thermo.extra_name, md->thermo.extra, 8);
  nnmd_groups_thermo(md->groups, md->sys, md->units, md->comm, md->thermo.extra_name, md->thermo.extra,
                     &md->thermo.n_extra, 16); /* T_<group>, N_<group> of groups with thermo = true */
  int64_t w = nnmd_ff_warnings(md->ff);
  nnmd_comm_sum_int64(md->comm, &w, 1);
  md->thermo.warnings = w;
  int64_t nb = 0;
  for (int k = 0; k < nnmd_ff_n_lists(md->ff); ++k) nb += nnmd_ff_list(md->ff, k)->n_builds;
  if (md->dlist) {
    struct nnmd_nlist_dev_stats ds;
    nnmd_nlist_dev_stats(md->dlist, &ds);
    nb += ds.n_builds;
  }
  md->thermo.neigh_builds = nb;
  double now = nnmd_wtime(), dtw = now - md->perf_t0;
  int64_t dsteps = md->step - md->perf_step0;
  if (dsteps > 0 && dtw > 0) {
    md->thermo.atom_steps_per_s = (double)md->sys->n_global * (double)dsteps / dtw;
    md->thermo.ns_per_day = (double)dsteps * md->dt * 1e-3 / dtw * 86400.0;
  }
  md->perf_t0 = now;
  md->perf_step0 = md->step;
}

static void make_view(struct nnmd_md *md, struct nnmd_step_view *v) {
  *v = (struct nnmd_step_view){.step = md->step, .first_step = md->first_step, .last_step = md->last_step,
                               .time = (double)md->step * md->dt, .dt = md->dt, .sys = md->sys,
                               .box = &md->box, .thermo = &md->thermo, .timers = &md->timers,
                               .units = md->units, .comm = md->comm,
                               .eatom = md->want_eatom ? md->eatom : NULL};
}

static bool due(const struct nnmd_md *md, const struct nnmd_observer *o) {
  if (md->step == md->last_step && o->at_last) return true;
  return o->every > 0 && md->step % o->every == 0;
}

static int check_finite(struct nnmd_md *md, struct nnmd_error *err) {
  if (isfinite(md->epot) && isfinite(md->thermo.ekin)) return NNMD_OK;
  return nnmd_fail(err, NNMD_ERR_PHYSICS,
                   "the energy became non-finite at step %lld (time step too large, atoms overlapping, "
                   "or a potential outside its range)", (long long)md->step);
}

static int sample(struct nnmd_md *md, bool all, struct nnmd_error *err) {
  bool any = all;
  for (int k = 0; k < md->n_obs && !any; ++k) any = due(md, &md->obs[k]);
  if (!any) return NNMD_OK;
  nnmd_timer_start(&md->timers, NNMD_T_OUTPUT);
  int st = host_sync(md, err);
  if (st) return st;
  nnmd_md_thermo(md);
  st = check_finite(md, err);
  if (!st) st = nnmd_guard_state(md, md->res != NULL, err);
  struct nnmd_step_view v;
  make_view(md, &v);
  for (int k = 0; k < md->n_obs && !st; ++k)
    if (all || due(md, &md->obs[k])) st = md->obs[k].ops->sample(md->obs[k].state, &v, err);
  nnmd_timer_stop(&md->timers, NNMD_T_OUTPUT);
  return st;
}

int nnmd_md_init(struct nnmd_md *md, struct nnmd_error *err) {
  nnmd_timers_init(&md->timers);
  nnmd_timer_start(&md->timers, NNMD_T_TOTAL);
  nnmd_timer_start(&md->timers, NNMD_T_SETUP);
  int st = md->halo ? NNMD_OK : nnmd_halo_create(&md->halo, md->comm, err);
  if (st) return st;
  if (md->neigh_every < 1) md->neigh_every = 1;
  md->step = md->first_step;
  md->n_dof = nnmd_groups_ndof(md->groups, md->sys->n_global); /* 3N - 3, or 3(N - N_frozen) */
  if ((st = ensure_unwrapped(md, err))) return st;
  if ((st = nnmd_groups_sync(md->groups, md->sys, err))) return st; /* by id: also after a checkpoint */
  if (md->resident && !md->res && (st = resident_start(md, err))) return st;
  md->canonical_rebuild = true; /* as at every checkpoint step: a restart starts from here */
  if ((st = nnmd_md_forces(md, true, err))) return st;
  if ((st = host_sync(md, err))) return st;
  md->perf_t0 = nnmd_wtime();
  md->perf_step0 = md->step;
  nnmd_md_thermo(md);
  if ((st = check_finite(md, err))) return st;
  if ((st = nnmd_guard_state(md, md->res != NULL, err))) return st;
  nnmd_guard_reference(md);
  struct nnmd_step_view v;
  make_view(md, &v);
  for (int k = 0; k < md->n_obs; ++k)
    if (md->obs[k].ops->start && (st = md->obs[k].ops->start(md->obs[k].state, &v, err))) return st;
  nnmd_timer_stop(&md->timers, NNMD_T_SETUP);
  /* the initial state is sampled by every observer (a run of 0 steps is a single point) */
  /* a fresh run samples its initial state in every observer (a run of 0 steps is a single
   * point); a restart does not: the step was written before the checkpoint was taken */
  for (int k = 0; k < md->n_obs && !st && md->first_step == 0; ++k)
    st = md->obs[k].ops->sample(md->obs[k].state, &v, err);
  md->perf_t0 = nnmd_wtime();
  return st;
}

/* Largest extra displacement of a ghost caused by the cell change since the last build: a
 * ghost is its source plus n lattice vectors, |n_d| <= hops along d. */
static double box_displacement(const struct nnmd_md *md) {
  double b = 0.0;
  for (int d = 0; d < 3; ++d) {
    double dx = md->box.h[d] - md->h_ref[d], dy = md->box.h[3 + d] - md->h_ref[3 + d],
           dz = md->box.h[6 + d] - md->h_ref[6 + d];
    b += md->halo_need[d] * sqrt(dx * dx + dy * dy + dz * dz);
  }
  return b;
}

static int need_rebuild(struct nnmd_md *md, bool box_changed, bool *out, struct nnmd_error *err) {
  *out = false;
  if (md->step % md->neigh_every != 0) return NNMD_OK;
  *out = true;
  if (!md->neigh_check) return NNMD_OK;
  double d = 0.0;
  int st = NNMD_OK;
  if (md->res) st = nnmd_nlist_dev_max_displacement(md->dlist, nnmd_resident_atoms(md->res), &d, err);
  else d = nnmd_ff_max_displacement(md->ff, md->sys);
  if ((st = nnmd_comm_agree(md->comm, st))) return st;
  if (box_changed || memcmp(md->h_ref, md->box.h, sizeof md->h_ref) != 0) d += box_displacement(md);
  nnmd_comm_max_double(md->comm, &d, 1);
  *out = d > 0.5 * md->skin;
  return NNMD_OK;
}

static void progress(struct nnmd_md *md, double t_start, double *t_last) {
  double now = nnmd_wtime();
  if (now - *t_last < 1.0) return;
  *t_last = now;
  double frac = (double)(md->step - md->first_step) / (double)(md->last_step - md->first_step);
  double eta = frac > 0 ? (now - t_start) * (1.0 - frac) / frac : 0.0;
  fprintf(stdout, "\r  step %lld / %lld (%.1f%%), ETA %02d:%02d:%02d ", (long long)md->step,
          (long long)md->last_step, 100.0 * frac, (int)(eta / 3600), (int)fmod(eta / 60, 60), (int)fmod(eta, 60));
  fflush(stdout);
}

static int finish(struct nnmd_md *md, struct nnmd_error *err) {
  int s0 = host_sync(md, err);
  if (s0) return s0;
  nnmd_md_thermo(md);
  nnmd_log_info(md->log, "neighbour lists: %lld builds%s", (long long)md->thermo.neigh_builds,
                md->dlist ? " (on the device)" : "");
  struct nnmd_step_view v;
  make_view(md, &v);
  int st = NNMD_OK;
  for (int k = 0; k < md->n_obs; ++k)
    if (md->obs[k].ops->finish) {
      int s = md->obs[k].ops->finish(md->obs[k].state, &v, err);
      if (s && !st) st = s;
    }
  return st;
}

int nnmd_md_run(struct nnmd_md *md, struct nnmd_error *err) {
  int st = NNMD_OK;
  struct nnmd_integ_ctx ic = {.sys = md->sys, .box = &md->box, .units = md->units, .comm = md->comm,
                              .dt = md->dt, .seed = md->seed, .n_dof = md->n_dof,
                              .first_step = md->first_step, .last_step = md->last_step, .groups = md->groups};
  double t_start = nnmd_wtime(), t_last = t_start - 1.0; /* the progress line shows from the first step */
  bool agreed = false; /* the loop stopped on a status every rank shares */
  md->lazy_energy = true;
  nnmd_timer_start(&md->timers, NNMD_T_LOOP);
  while (md->step < md->last_step) {
    if (md->stop_flag && *md->stop_flag) {
      const char *path = md->checkpoint_path[0] ? md->checkpoint_path : md->interrupt_path;
      if ((st = host_sync(md, err))) break;
      if (path[0] && (st = nnmd_checkpoint_write(path, md, err))) break;
      if (path[0]) nnmd_log_info(md->log, "\ninterrupted: checkpoint of step %lld written to %s", (long long)md->step, path);
      st = NNMD_ERR_INTERRUPTED;
      nnmd_fail(err, st, "interrupted by a signal at step %lld%s%s", (long long)md->step,
                path[0] ? "; continue with --restart " : "", path);
      break;
    }
    ic.step = md->step + 1;
    ic.epot = md->epot;
    memcpy(ic.virial, md->virial, sizeof ic.virial);
    ic.box_changed = false;
    nnmd_timer_start(&md->timers, NNMD_T_INTEGRATE);
    if (md->res) { /* the integrator works on the device arrays (engine/gpu/avec.h) */
      ic.dev = nnmd_resident_atoms(md->res);
      ic.dev_scratch = md->dev_scratch;
      st = nnmd_resident_save_positions(md->res, err);
      if (!st) st = md->integ->first_half(md->integ_state, &ic, err);
      if (!st) st = nnmd_resident_advance_unwrapped(md->res, &md->box, err);
    } else {
      st = save_positions(md, err);
      if (!st) st = md->integ->first_half(md->integ_state, &ic, err);
      if (!st) nnmd_groups_freeze_positions(md->groups, md->sys, md->x_prev); /* frozen atoms stay put */
      if (!st) advance_unwrapped(md);
    }
    nnmd_timer_stop(&md->timers, NNMD_T_INTEGRATE);
    if (st) break;
    md->step++;
    /* a changed cell needs no rebuild by itself: ghosts follow it (forward exchange with the
     * current cell) and the skin test below accounts for their extra motion */
    bool rb = false;
    if ((st = need_rebuild(md, ic.box_changed, &rb, err))) break;
    /* a checkpoint step rebuilds in canonical order (docs/restart.md), so that the restarted
     * run, which starts with that rebuild, repeats this run bit for bit */
    if (checkpoint_due(md)) rb = md->canonical_rebuild = true;
    if ((st = nnmd_md_forces(md, rb, err))) {
      agreed = true; /* every rank has this status (nnmd_md_forces agrees) */
      break;
    }
    memcpy(ic.virial, md->virial, sizeof ic.virial);
    ic.epot = md->epot;
    nnmd_timer_start(&md->timers, NNMD_T_INTEGRATE);
    st = md->integ->second_half(md->integ_state, &ic, err); /* velocities only (integrator.h) */
    if (!md->res) nnmd_groups_freeze_velocities(md->groups, md->sys);
    nnmd_timer_stop(&md->timers, NNMD_T_INTEGRATE);
    if (st) break;
    md->atom_steps += md->sys->n_global;
    if (ic.stop) { /* a minimiser converged: this step is the last */
      nnmd_log_info(md->log, "converged at step %lld", (long long)md->step);
      md->last_step = md->step;
    }
    if ((st = sample(md, false, err))) {
      agreed = true; /* thermo, energy check and guards are collective */
      break;
    }
    if (checkpoint_due(md)) {
      nnmd_timer_start(&md->timers, NNMD_T_OUTPUT);
      st = host_sync(md, err);
      if (!st) st = nnmd_checkpoint_write(md->checkpoint_path, md, err);
      nnmd_timer_stop(&md->timers, NNMD_T_OUTPUT);
      if (st) break;
    }
    if (md->progress) progress(md, t_start, &t_last);
  }
  nnmd_timer_stop(&md->timers, NNMD_T_LOOP);
  if (st == NNMD_ERR_PHYSICS && agreed && host_sync(md, err) == NNMD_OK && nnmd_guard_write_failed(md))
    nnmd_log_info(md->log, "the state of step %lld was written to %s (for inspection; a periodic checkpoint, if "
                  "any, keeps the last good state)", (long long)md->step, md->guard.failed_path);
  md->lazy_energy = false;
  if (md->progress) fprintf(stdout, "\r%60s\r", "");
  int st2 = (st == NNMD_OK || st == NNMD_ERR_INTERRUPTED) ? finish(md, err) : NNMD_OK;
  nnmd_timer_stop(&md->timers, NNMD_T_TOTAL);
  return st ? st : st2;
}

void nnmd_md_release(struct nnmd_md *md) {
  for (int k = 0; k < md->n_obs; ++k)
    if (md->obs[k].ops->destroy) md->obs[k].ops->destroy(md->obs[k].state);
  md->n_obs = 0;
  if (md->integ && md->integ->destroy) md->integ->destroy(md->integ_state);
  md->integ_state = NULL;
  nnmd_halo_destroy(md->halo);
  md->halo = NULL;
  resident_stop(md);
  free(md->eatom);
  md->eatom = NULL;
  free(md->x_prev);
  md->x_prev = NULL;
  md->x_prev_cap = 0;
}
