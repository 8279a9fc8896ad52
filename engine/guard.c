/* guard.c — see guard.h. Scans are plain loops over this rank's atoms; the only
 * communication is one status agreement per thermo step (and the gather of a failed-state
 * checkpoint). */
#include "guard.h"

#include <math.h>
#include <stdio.h>

#include "checkpoint.h"
#include "run.h"

static const char *symbol(const struct nnmd_system *sys, int64_t i) {
  int t = sys->type[i];
  return t >= 0 && t < sys->species.n ? sys->species.s[t].symbol : "?";
}

/* First atom in [0, n) of array a (3 components, stride cap) with a non-finite component. */
static int64_t first_bad(const double *a, int64_t n, int64_t cap) {
  for (int64_t i = 0; i < n; ++i)
    if (!isfinite(a[i]) || !isfinite(a[cap + i]) || !isfinite(a[2 * cap + i])) return i;
  return -1;
}

int nnmd_guard_forces(const struct nnmd_system *sys, int64_t step, struct nnmd_error *err) {
  int64_t c = sys->capacity, i = first_bad(sys->f, sys->n_local + sys->n_ghost, c);
  if (i < 0) return NNMD_OK;
  return nnmd_fail(err, NNMD_ERR_PHYSICS,
                   "non-finite force on %s atom %lld (%s) at step %lld: F = (%g, %g, %g) eV/A (time step too "
                   "large, atoms overlapping, or a potential outside its range)",
                   i < sys->n_local ? "owned" : "ghost", (long long)sys->id[i], symbol(sys, i), (long long)step,
                   sys->f[i], sys->f[c + i], sys->f[2 * c + i]);
}

void nnmd_guard_reference(struct nnmd_md *md) {
  md->guard.have_ref = isfinite(md->thermo.conserved);
  md->guard.conserved0 = md->thermo.conserved;
  md->guard.step0 = md->step;
}

int nnmd_guard_state(struct nnmd_md *md, bool forces, struct nnmd_error *err) {
  const struct nnmd_system *sys = md->sys;
  int64_t c = sys->capacity, n = sys->n_local, i;
  int st = NNMD_OK;
  if ((i = first_bad(sys->x, n, c)) >= 0)
    st = nnmd_fail(err, NNMD_ERR_PHYSICS, "non-finite position of atom %lld (%s) at step %lld (the run blew up: "
                   "time step too large, atoms overlapping, or a potential outside its range)",
                   (long long)sys->id[i], symbol(sys, i), (long long)md->step);
  else if ((i = first_bad(sys->v, n, c)) >= 0)
    st = nnmd_fail(err, NNMD_ERR_PHYSICS, "non-finite velocity of atom %lld (%s) at step %lld (the run blew up: "
                   "time step too large, atoms overlapping, or a potential outside its range)",
                   (long long)sys->id[i], symbol(sys, i), (long long)md->step);
  else if (forces)
    st = nnmd_guard_forces(sys, md->step, err);
  if ((st = nnmd_comm_agree(md->comm, st))) return st;
  const struct nnmd_guard *g = &md->guard;
  if (!(g->max_drift > 0) || !g->have_ref || sys->n_global < 1) return NNMD_OK;
  double d = (md->thermo.conserved - g->conserved0) / (double)sys->n_global;
  if (fabs(d) <= g->max_drift) return NNMD_OK; /* NaN falls through: the energy check reports it */
  if (!isfinite(d)) return NNMD_OK;
  return nnmd_fail(err, NNMD_ERR_PHYSICS,
                   "the conserved quantity drifted by %+.6g eV per atom between step %lld (%.10g eV) and step "
                   "%lld (%.10g eV), more than max_conserved_drift = %g eV per atom: the integration is unstable "
                   "(time step too large for the fastest motion, or the potential left its range)",
                   d, (long long)g->step0, g->conserved0, (long long)md->step, md->thermo.conserved, g->max_drift);
}

bool nnmd_guard_write_failed(struct nnmd_md *md) {
  const struct nnmd_system *sys = md->sys;
  int64_t c = sys->capacity, n = sys->n_local;
  int bad = first_bad(sys->x, n, c) >= 0 || first_bad(sys->v, n, c) >= 0;
  bad = nnmd_comm_agree(md->comm, bad);
  int64_t total = n;
  nnmd_comm_sum_int64(md->comm, &total, 1);
  if (bad || total != sys->n_global || !md->guard.failed_path[0]) return false;
  struct nnmd_error e2;
  nnmd_error_init(&e2);
  int st = nnmd_checkpoint_write(md->guard.failed_path, md, &e2);
  nnmd_error_clear(&e2);
  return st == NNMD_OK;
}
