/* calculator.c — see calculator.h. A calculator owns a force field of the HDNNP term (+ the
 * BEC term), created once; each structure gets a fresh run context (nnmd_md: halo, ghosts,
 * neighbour lists built for it) and is computed as a single point by nnmd_md_init, exactly
 * as a run's step 0. Born charges: the BEC term writes raw Z* into the field "bec"; the
 * acoustic sum rule subtracts, per component, the mean over the owned atoms. */
#include "calculator.h"

#include <stdlib.h>
#include <string.h>

#include "bec.h"
#include "hdnnp.h"
#include "potential.h"
#include "units.h"

struct nnmd_calc {
  struct nnmd_forcefield *ff;
  struct nnmd_comm *own_comm; /* when the caller gave none */
  const struct nnmd_comm *comm;
  struct nnmd_log *log;
  bool has_bec;
};

bool nnmd_calc_has_bec(const struct nnmd_calc *c) { return c->has_bec; }

void nnmd_calc_destroy(struct nnmd_calc *c) {
  if (!c)
    return;
  nnmd_ff_destroy(c->ff);
  if (c->own_comm)
    nnmd_comm_destroy(c->own_comm);
  free(c);
}

int nnmd_calc_create(const struct nnmd_calc_opts *o, struct nnmd_calc **out, struct nnmd_error *err) {
  *out = NULL;
  if (!o->model || !o->model[0])
    return nnmd_fail(err, NNMD_ERR_INPUT, "no model folder given");
  struct nnmd_calc *c = calloc(1, sizeof *c);
  if (!c)
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  c->log = o->log;
  c->comm = o->comm;
  int st = NNMD_OK;
  if (!c->comm) {
    st = nnmd_comm_create_self(&c->own_comm, err);
    c->comm = c->own_comm;
  }
  if (!st)
    st = nnmd_ff_create(&c->ff, err);
  void *state = NULL;
  if (!st) {
    double cfl = o->native ? 1.0 : o->cflength, cfe = o->native ? 1.0 : o->cfenergy;
    st = nnmd_hdnnp_create_dir(o->model, NULL, cfl, cfe, -1, o->log, &state, err);
  }
  if (!st && o->native)
    nnmd_hdnnp_set_native_units(state);
  if (!st)
    st = nnmd_hdnnp_set_charge_state(state, o->has_q, o->q, NNMD_NOLOC, o->q_what ? o->q_what : "charge state", err);
  if (!st) {
    st = nnmd_ff_add(c->ff, &nnmd_pot_hdnnp, state, NNMD_NOLOC, err); /* owns state from here */
    state = NULL;
  }
  if (state)
    nnmd_pot_hdnnp.destroy(state);
  if (!st && o->bec) { /* the Born-charge term publishes raw Z* as the field "bec" */
    struct nnmd_term_info ti;
    memset(&ti, 0, sizeof ti);
    ti.log = o->log;
    ti.comm = c->comm;
    void *bs = NULL;
    st = nnmd_bec_term_create(o->bec, &ti, &bs, err);
    if (!st)
      st = nnmd_ff_add(c->ff, &nnmd_pot_bec, bs, NNMD_NOLOC, err);
    c->has_bec = !st;
  }
  if (!st)
    st = nnmd_ff_setup_lists(c->ff, 0.0, err);
  if (st) {
    nnmd_calc_destroy(c);
    return st;
  }
  *out = c;
  return NNMD_OK;
}

/* Acoustic sum rule: subtract, per component, the mean Z* over the owned atoms. */
static void sum_rule(const struct nnmd_system *sys, double *z) {
  const int64_t cap = sys->capacity, n = sys->n_local;
  for (int k = 0; k < 9; ++k) {
    double mean = 0.0;
    for (int64_t i = 0; i < n; ++i)
      mean += z[k * cap + i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; ++i)
      z[k * cap + i] -= mean;
  }
}

int nnmd_calc_compute(struct nnmd_calc *c, struct nnmd_system *sys, const struct nnmd_box *box,
                      struct nnmd_calc_frame *fr, struct nnmd_error *err) {
  memset(fr, 0, sizeof *fr);
  struct nnmd_md *md = &fr->md;
  md->sys = sys;
  md->box = *box;
  md->ff = c->ff;
  md->comm = c->comm;
  md->units = nnmd_units_get("lammps");
  md->log = c->log;
  md->want_eatom = true;
  md->dt = 0.001;
  int st = nnmd_md_init(md, err);
  if (st)
    return st;
  fr->warnings = nnmd_ff_warnings(c->ff);
  if (c->has_bec) {
    fr->bec = nnmd_system_field(sys, "bec");
    if (!fr->bec)
      return nnmd_fail(err, NNMD_ERR_INTERNAL, "the Born-charge term wrote no field \"bec\"");
    sum_rule(sys, fr->bec);
  }
  return NNMD_OK;
}

void nnmd_calc_frame_release(struct nnmd_calc_frame *fr) {
  nnmd_md_release(&fr->md);
  nnmd_system_destroy(fr->md.sys);
  memset(fr, 0, sizeof *fr);
}
