/* potential.c — the force field: an ordered list of terms and their neighbour lists. With
 * the device on, each term that has compute_cuda is computed through it, the rest on the
 * CPU, in term order within the same call. */
#include "potential.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define MAX_TERMS 16
#define MAX_LISTS 8

struct term {
  const struct nnmd_potential_ops *ops;
  void *state;
  struct nnmd_loc loc;
  int list; /* index into lists, -1 for none */
};

struct nnmd_forcefield {
  struct term terms[MAX_TERMS];
  int n;
  struct nnmd_nlist *lists[MAX_LISTS];
  int nlists;
  bool device; /* terms with compute_cuda use it */
};

int nnmd_ff_create(struct nnmd_forcefield **out, struct nnmd_error *err) {
  *out = nnmd_calloc(1, sizeof **out, err);
  return *out ? NNMD_OK : NNMD_ERR_NOMEM;
}

void nnmd_ff_destroy(struct nnmd_forcefield *ff) {
  if (!ff) return;
  for (int i = 0; i < ff->n; ++i)
    if (ff->terms[i].ops->destroy) ff->terms[i].ops->destroy(ff->terms[i].state);
  for (int k = 0; k < ff->nlists; ++k) nnmd_nlist_destroy(ff->lists[k]);
  free(ff);
}

int nnmd_ff_add(struct nnmd_forcefield *ff, const struct nnmd_potential_ops *ops, void *state,
                struct nnmd_loc loc, struct nnmd_error *err) {
  if (ff->n >= MAX_TERMS) {
    if (ops->destroy) ops->destroy(state);
    return nnmd_fail_at(err, NNMD_ERR_RANGE, loc, "too many force terms (max %d)", MAX_TERMS);
  }
  ff->terms[ff->n++] = (struct term){ops, state, loc, -1};
  return NNMD_OK;
}

int nnmd_ff_n_terms(const struct nnmd_forcefield *ff) { return ff->n; }

double nnmd_ff_max_cutoff(const struct nnmd_forcefield *ff) {
  double rc = 0.0;
  for (int i = 0; i < ff->n; ++i)
    if (!(ff->terms[i].ops->flags & NNMD_POT_NO_LIST)) rc = fmax(rc, ff->terms[i].ops->cutoff(ff->terms[i].state));
  return rc;
}

int nnmd_ff_setup_lists(struct nnmd_forcefield *ff, double skin, struct nnmd_error *err) {
  for (int i = 0; i < ff->n; ++i) {
    struct term *t = &ff->terms[i];
    if (t->ops->flags & NNMD_POT_NO_LIST) continue;
    double rc = t->ops->cutoff(t->state);
    bool full = (t->ops->flags & NNMD_POT_NEEDS_FULL_LIST) != 0;
    for (int k = 0; k < ff->nlists; ++k)
      if (ff->lists[k]->cutoff == rc && ff->lists[k]->full == full) t->list = k;
    if (t->list >= 0) continue;
    if (ff->nlists >= MAX_LISTS) return nnmd_fail(err, NNMD_ERR_RANGE, "too many neighbour lists");
    int st = nnmd_nlist_create(&ff->lists[ff->nlists], rc, skin, full, err);
    if (st) return st;
    t->list = ff->nlists++;
  }
  return NNMD_OK;
}

int nnmd_ff_build_lists(struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                        const struct nnmd_box *box, struct nnmd_error *err) {
  for (int k = 0; k < ff->nlists; ++k) {
    int st = nnmd_nlist_build(ff->lists[k], sys, box, err);
    if (st) return st;
  }
  return NNMD_OK;
}

double nnmd_ff_max_displacement(const struct nnmd_forcefield *ff, const struct nnmd_system *sys) {
  double m = 0.0;
  for (int k = 0; k < ff->nlists; ++k) m = fmax(m, nnmd_nlist_max_displacement(ff->lists[k], sys));
  return m;
}

int nnmd_ff_compute(struct nnmd_forcefield *ff, struct nnmd_system *sys, const struct nnmd_box *box,
                    struct nnmd_force_ctx *ctx, bool *ghost_forces, struct nnmd_error *err) {
  int64_t c = sys->capacity, n = sys->n_local + sys->n_ghost;
  for (int d = 0; d < 3; ++d) memset(sys->f + d * c, 0, (size_t)n * sizeof(double));
  if (ctx->eatom) memset(ctx->eatom, 0, (size_t)n * sizeof(double));
  ctx->sys = sys;
  ctx->box = box;
  ctx->energy = 0.0;
  memset(ctx->virial, 0, sizeof ctx->virial);
  *ghost_forces = false;
  for (int i = 0; i < ff->n; ++i) {
    struct term *t = &ff->terms[i];
    ctx->list = t->list >= 0 ? ff->lists[t->list] : NULL;
    int st = nnmd_ff_term_on_device(ff, i) ? t->ops->compute_cuda(t->state, ctx, err)
                                           : t->ops->compute_cpu(t->state, ctx, err);
    if (st) return st;
    if (t->ops->flags & NNMD_POT_GHOST_FORCES) *ghost_forces = true;
  }
  return NNMD_OK;
}

bool nnmd_ff_all_on_device(const struct nnmd_forcefield *ff, const char **why) {
  *why = NULL;
  for (int i = 0; i < ff->n; ++i) {
    const struct nnmd_potential_ops *o = ff->terms[i].ops;
    /* a term that makes per-atom fields (e.g. "bec") would need them exchanged on the device */
    if (!nnmd_ff_term_on_device(ff, i) || (o->provides && o->provides[0])) {
      *why = o->name;
      return false;
    }
  }
  return ff->n > 0;
}

int nnmd_ff_compute_resident(struct nnmd_forcefield *ff, struct nnmd_system *sys, const struct nnmd_box *box,
                             struct nnmd_force_ctx *ctx, struct nnmd_error *err) {
  if (ctx->eatom) memset(ctx->eatom, 0, (size_t)sys->n_local * sizeof(double));
  ctx->sys = sys;
  ctx->box = box;
  ctx->list = NULL;
  ctx->energy = 0.0;
  memset(ctx->virial, 0, sizeof ctx->virial);
  for (int i = 0; i < ff->n; ++i) {
    struct term *t = &ff->terms[i];
    if (!nnmd_ff_term_on_device(ff, i))
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "resident run: the term '%s' has no device path", t->ops->name);
    int st = t->ops->compute_cuda(t->state, ctx, err);
    if (st) return st;
  }
  return NNMD_OK;
}

void nnmd_ff_set_device(struct nnmd_forcefield *ff, bool on) { ff->device = on; }

bool nnmd_ff_term_on_device(const struct nnmd_forcefield *ff, int k) {
  return ff && ff->device && k >= 0 && k < ff->n && ff->terms[k].ops->compute_cuda != NULL;
}

int64_t nnmd_ff_warnings(const struct nnmd_forcefield *ff) {
  int64_t w = 0;
  for (int i = 0; i < ff->n; ++i)
    if (ff->terms[i].ops->warnings) w += ff->terms[i].ops->warnings(ff->terms[i].state);
  return w;
}

double nnmd_ff_conserved_extra(const struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                               const struct nnmd_comm *comm) {
  double e = 0.0;
  for (int i = 0; ff && i < ff->n; ++i)
    if (ff->terms[i].ops->conserved_extra) e += ff->terms[i].ops->conserved_extra(ff->terms[i].state, sys, comm);
  return e;
}

int nnmd_ff_thermo_extra(const struct nnmd_forcefield *ff, const struct nnmd_system *sys,
                         const struct nnmd_comm *comm, const char **names, double *values, int max) {
  int k = 0;
  for (int i = 0; ff && i < ff->n && k < max; ++i)
    if (ff->terms[i].ops->thermo_extra)
      k += ff->terms[i].ops->thermo_extra(ff->terms[i].state, sys, comm, names + k, values + k, max - k);
  return k;
}

const struct nnmd_potential_ops *nnmd_ff_term(const struct nnmd_forcefield *ff, int k, void **state) {
  if (!ff || k < 0 || k >= ff->n) return NULL;
  if (state) *state = ff->terms[k].state;
  return ff->terms[k].ops;
}

void nnmd_ff_print(const struct nnmd_forcefield *ff, struct nnmd_log *log) {
  for (int i = 0; i < ff->n; ++i) {
    const struct term *t = &ff->terms[i];
    if (t->ops->print) t->ops->print(t->state, log);
    else nnmd_log_info(log, "potential %s, cutoff %.4f A", t->ops->name, t->ops->cutoff(t->state));
  }
}

const struct nnmd_nlist *nnmd_ff_list(const struct nnmd_forcefield *ff, int k) { return ff->lists[k]; }
int nnmd_ff_n_lists(const struct nnmd_forcefield *ff) { return ff->nlists; }
