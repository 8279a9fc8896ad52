/* obs_traj.c — extxyz trajectory observer. Each frame is formatted completely in memory
 * (open_memstream) and appended with one write followed by a flush, so the file always ends
 * with a complete frame: a run killed between frames leaves a valid trajectory. The comment
 * line carries energy= (eV), virial= (eV, W = sum r (x) F), stress= (ASE convention,
 * -W/V, eV/A^3), step= and time= (ps); columns: species, pos, id, velocities, forces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "gather.h"
#include "mem.h"
#include "observers.h"
#include "write_extxyz.h"

struct traj_obs {
  struct nnmd_traj_opts o;
  char path[4096];
  FILE *f;
  int64_t frames;
  char names[8][32];
};

static int tr_start(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct traj_obs *t = state;
  if (nnmd_comm_rank(v->comm) != 0) return NNMD_OK;
  if (v->first_step > 0) { /* restart: keep frames up to the checkpoint, append */
    int st = nnmd_truncate_after_step(t->path, v->first_step, true, err);
    if (st) return st;
  }
  t->f = fopen(t->path, v->first_step > 0 ? "a" : "w");
  if (!t->f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot write trajectory '%s': %s", t->path, strerror(errno));
  return NNMD_OK;
}

static int tr_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct traj_obs *t = state;
  struct nnmd_system *full = NULL;
  if (nnmd_comm_size(v->comm) > 1) { /* collective: every rank sends its atoms to rank 0 */
    int st = nnmd_system_gather(v->sys, v->comm, 0, &full, err);
    if (st) return st;
  }
  if (!t->f) {
    nnmd_system_destroy(full);
    return NNMD_OK;
  }
  struct nnmd_extxyz_frame fr = {.has_energy = true, .energy = v->thermo->epot, .has_virial = true,
                                 .write_stress = true, .has_step = true, .step = v->step, .has_time = true,
                                 .time = v->time, .unwrapped = t->o.unwrapped, .wrap = true, .ids = true,
                                 .velocities = t->o.velocities, .forces = t->o.forces};
  memcpy(fr.virial, v->thermo->virial, sizeof fr.virial);
  const struct nnmd_system *src = full ? full : v->sys;
  struct nnmd_extxyz_column cols[8];
  for (int k = 0; k < t->o.n_fields; ++k) {
    const struct nnmd_field *fi = nnmd_system_field_info((struct nnmd_system *)src, t->o.fields[k]);
    if (!fi) {
      nnmd_system_destroy(full);
      return nnmd_fail(err, NNMD_ERR_INPUT,
                       "trajectory: the run has no per-atom field '%s' (e.g. \"bec\" needs born_charges in [field], "
                       "\"charge\" charges in the structure)", t->o.fields[k]);
    }
    cols[k] = (struct nnmd_extxyz_column){.name = fi->name, .ncomp = fi->ncomp, .data = fi->data, .stride = 0};
  }
  fr.n_extra = t->o.n_fields;
  fr.extra = cols;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory formatting a trajectory frame");
  int st = nnmd_write_extxyz_frame(m, full ? full : v->sys, v->box, &fr, err);
  nnmd_system_destroy(full);
  fclose(m);
  if (!st && (fwrite(buf, 1, len, t->f) != len || fflush(t->f) != 0))
    st = nnmd_fail(err, NNMD_ERR_FILE, "cannot write trajectory '%s': %s", t->path, strerror(errno));
  free(buf);
  t->frames++;
  return st;
}

static int tr_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct traj_obs *t = state;
  (void)v;
  if (t->f) {
    int bad = fclose(t->f) != 0;
    t->f = NULL;
    if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot close '%s': %s", t->path, strerror(errno));
  }
  return NNMD_OK;
}

static void tr_destroy(void *state) {
  struct traj_obs *t = state;
  if (t && t->f) fclose(t->f);
  free(t);
}

static const struct nnmd_observer_ops k_traj_ops = {
    .name = "trajectory", .start = tr_start, .sample = tr_sample, .finish = tr_finish, .destroy = tr_destroy};

int nnmd_obs_traj_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err) {
  struct traj_obs *t = nnmd_calloc(1, sizeof *t, err);
  if (!t) return NNMD_ERR_NOMEM;
  t->o = *o;
  snprintf(t->path, sizeof t->path, "%s", o->path);
  t->o.path = t->path;
  if (t->o.n_fields > 8) t->o.n_fields = 8;
  for (int k = 0; k < t->o.n_fields; ++k) {
    snprintf(t->names[k], sizeof t->names[k], "%s", o->fields[k]);
    t->o.fields[k] = t->names[k];
  }
  *out = (struct nnmd_observer){.ops = &k_traj_ops, .state = t, .every = o->every, .at_last = true};
  return NNMD_OK;
}
