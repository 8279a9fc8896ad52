/* berendsen.c — Berendsen weak-coupling thermostat (methods.md §2.7), for equilibration only.
 *
 * Ref: Berendsen, Postma, van Gunsteren, DiNola, Haak, J. Chem. Phys. 81, 3684 (1984),
 * doi:10.1063/1.448118. LAMMPS `fix temp/berendsen` + `fix nve` placement: after the final
 * kick of velocity Verlet, with T = 2K/(N_f kB),
 *   lambda^2 = 1 + dt/tdamp (T0/T - 1),   v <- lambda v,   E_res += K (1 - lambda^2).
 * tdamp (ps, default 0.1) must be >= 5 dt (the hard minimum of every thermostat,
 * thermostat_util.h; >= dt keeps lambda^2 >= 0). The kinetic energy does not
 * fluctuate canonically: never use it for fluctuation or transport analysis (a warning is
 * logged at creation). Conserved: K + U + E_res (eV).
 */
#include <math.h>
#include <stdlib.h>

#include "avec.h"
#include "integrators.h"
#include "mem.h"
#include "thermostat_util.h"

#define BERENDSEN_TAG "NNMDBERT"
#define BERENDSEN_VERSION 1u

struct berendsen {
  struct nnmd_tstat_params tp;
  double e_res; /* eV */
};

static const char *const k_not_used[] = {"chain", "substeps", "sy", "placement", "zero", NULL};

static int check_tdamp(const struct nnmd_cfg *run, const struct nnmd_tstat_params *tp, double dt,
                       struct nnmd_error *err) {
  if (!(dt > 0.0) || tp->tdamp >= dt) return NNMD_OK;
  const struct nnmd_cfg *v = nnmd_cfg_get(run, "tdamp");
  struct nnmd_loc loc = v ? v->loc : (run ? run->loc : NNMD_NOLOC);
  return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                      "the Berendsen thermostat needs tdamp >= timestep (tdamp = %g ps, timestep = %g ps)",
                      tp->tdamp, dt);
}

static int berendsen_create(const struct nnmd_cfg *run, const struct nnmd_integ_info *info, void **state,
                            struct nnmd_error *err) {
  *state = NULL;
  struct nnmd_tstat_params tp;
  int st = nnmd_tstat_read(run, "Berendsen", 0.1, &tp, err), r;
  if (!st) st = nnmd_damp_check(run, "tdamp", tp.tdamp, info ? info->dt : 0.0, NNMD_TDAMP_MIN_STEPS, err);
  r = nnmd_tstat_refuse(run, k_not_used, "Berendsen", err);
  st = st ? st : r;
  if (!st) st = check_tdamp(run, &tp, info ? info->dt : 0.0, err);
  if (st) return st;
  struct berendsen *s = nnmd_calloc(1, sizeof *s, err);
  if (!s) return NNMD_ERR_NOMEM;
  s->tp = tp;
  *state = s;
  if (info)
    nnmd_log_warn(info->log,
                  "Berendsen thermostat: the kinetic energy does not fluctuate canonically; use it for "
                  "equilibration only (not for fluctuations, diffusion or conductivity)");
  return NNMD_OK;
}

static int berendsen_first(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  (void)state;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  return st ? st : nnmd_av_drift(ctx, ctx->dt, err);
}

static int berendsen_second(void *state, struct nnmd_integ_ctx *ctx, struct nnmd_error *err) {
  struct berendsen *s = state;
  double k = 0.0;
  int st = nnmd_av_kick(ctx, ctx->dt, err);
  if (!st) st = nnmd_av_kinetic_energy(ctx, &k, err);
  if (st || !(k > 0.0)) return st;
  double t = 2.0 * k / (nnmd_tstat_ndof(ctx) * ctx->units->boltz);
  double l2 = 1.0 + ctx->dt / s->tp.tdamp * (nnmd_tstat_target(&s->tp, ctx) / t - 1.0);
  if (l2 < 0.0) l2 = 0.0;
  s->e_res += k * (1.0 - l2);
  return nnmd_av_scale(ctx, sqrt(l2), err);
}

static double berendsen_conserved(const void *state) {
  const struct berendsen *s = state;
  return s ? s->e_res : 0.0;
}

/* Record: E_res, ramp origin. */
static int berendsen_write(const void *state, FILE *f, struct nnmd_error *err) {
  const struct berendsen *s = state;
  double rec[3] = {s->e_res};
  nnmd_tstat_ramp_pack(&s->tp, rec + 1);
  return nnmd_tstat_write_record(f, BERENDSEN_TAG, BERENDSEN_VERSION, rec, 3, err);
}

static int berendsen_read(void *state, FILE *f, struct nnmd_error *err) {
  struct berendsen *s = state;
  double rec[3];
  int st = nnmd_tstat_read_record(f, BERENDSEN_TAG, BERENDSEN_VERSION, rec, 3, err);
  if (st) return st;
  s->e_res = rec[0];
  return nnmd_tstat_ramp_unpack(&s->tp, rec + 1, err);
}

static void berendsen_destroy(void *state) { free(state); }

const struct nnmd_integrator_ops nnmd_integ_berendsen = {
    .name = "berendsen",
    .create = berendsen_create,
    .first_half = berendsen_first,
    .second_half = berendsen_second,
    .conserved_extra = berendsen_conserved,
    .write_state = berendsen_write,
    .read_state = berendsen_read,
    .destroy = berendsen_destroy,
};
