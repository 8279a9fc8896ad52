/* setup_analysis.c — see setup_analysis.h. */
#include "setup_analysis.h"

#include <string.h>

#include "msd.h"
#include "rdf.h"
#include "setup_field.h"
#include "vacf.h"

static const char *const k_analysis[] = {"msd", "vacf", "rdf", NULL};

void nnmd_sim_output_dir(const struct nnmd_input *in, char *dir, size_t n) {
  const char *f = in->thermo_file, *slash = strrchr(f, '/');
  if (f[0] && slash) {
    size_t l = (size_t)(slash - f);
    if (l == 0) l = 1; /* "/thermo.csv" */
    if (l >= n) l = n - 1;
    memcpy(dir, f, l);
    dir[l] = 0;
  } else if (f[0]) {
    dir[0] = 0;
  } else {
    snprintf(dir, n, "%s", in->out_dir[0] ? in->out_dir : in->base_dir);
  }
}

static int add(struct nnmd_sim *s, struct nnmd_observer *obs, struct nnmd_error *err) {
  struct nnmd_md *md = &s->md;
  if (md->n_obs >= NNMD_MAX_OBSERVERS) {
    obs->ops->destroy(obs->state);
    return nnmd_fail(err, NNMD_ERR_INPUT, "too many observers (at most %d)", NNMD_MAX_OBSERVERS);
  }
  md->obs[md->n_obs++] = *obs;
  return NNMD_OK;
}

static int msd(struct nnmd_sim *s, const struct nnmd_cfg *t, const char *dir, bool create, struct nnmd_error *err) {
  struct nnmd_msd_opts o;
  o.units = s->units;
  int st = nnmd_msd_opts_read(t, &s->sys->species, s->in.steps, &o, err);
  if (st) return st;
  snprintf(o.dir, sizeof o.dir, "%s", dir);
  snprintf(o.prefix, sizeof o.prefix, "%s", s->in.out_prefix);
  snprintf(o.source, sizeof o.source, "nnmd run %.480s", s->in.path);
  o.log = &s->log;
  /* field information (mobility, Nernst-Einstein): the field term's mean field over the run and
   * its species charges; [analysis.msd] charges override the charges (nnmd_msd_create) */
  if (s->ff)
    o.field_on = nnmd_sim_field_info(s, 0.0, (double)s->in.steps * s->in.timestep, o.E, o.z_known, o.z,
                                     s->sys->species.n) != 0;
  /* groups = ["name", ...]: one more MSD per group (products msd_<group>.csv, ...) */
  const struct nnmd_cfg *gl = nnmd_cfg_get(t, "groups");
  int bits[NNMD_MAX_GROUPS], ng = 0;
  if (gl && (gl->kind != NNMD_CFG_ARRAY || gl->n == 0 || gl->n > NNMD_MAX_GROUPS))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, gl->loc, "'groups' must be a list of [[group]] names, e.g. [\"mobile\"]");
  for (size_t k = 0; gl && k < gl->n; ++k) {
    const struct nnmd_cfg *e = gl->items[k];
    int q = e->kind == NNMD_CFG_STRING ? nnmd_groups_find(s->groups, e->u.s) : -1;
    if (q < 0) {
      const char *names[NNMD_MAX_GROUPS + 1];
      int nn = 0;
      for (int k2 = 0; s->groups && k2 < s->groups->n; ++k2) names[nn++] = s->groups->g[k2].name;
      names[nn] = NULL;
      const char *nm = e->kind == NNMD_CFG_STRING ? e->u.s : "(not a name)";
      const char *sug = e->kind == NNMD_CFG_STRING ? nnmd_suggest(nm, names) : NULL;
      int r = sug ? nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "[analysis.msd] groups: unknown group '%s'; did you mean "
                                 "'%s'?", nm, sug)
                  : nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "[analysis.msd] groups: unknown group '%s' (define it in "
                                 "a [[group]] table)", nm);
      st = st ? st : r;
      continue;
    }
    bits[ng++] = q;
  }
  if (st || !create) return st;
  struct nnmd_observer obs;
  if ((st = nnmd_obs_msd_create(&o, &obs, err)) || (st = add(s, &obs, err))) return st;
  for (int k = 0; k < ng; ++k) {
    struct nnmd_msd_opts go = o;
    go.group_bit = bits[k];
    snprintf(go.group, sizeof go.group, "%s", s->groups->g[bits[k]].name);
    if ((st = nnmd_obs_msd_create(&go, &obs, err)) || (st = add(s, &obs, err))) return st;
  }
  return NNMD_OK;
}

static int vacf(struct nnmd_sim *s, const struct nnmd_cfg *t, const char *dir, bool create, struct nnmd_error *err) {
  struct nnmd_vacf_opts o;
  o.units = s->units;
  int st = nnmd_vacf_opts_read(t, &s->sys->species, s->in.steps, &o, err);
  if (st || !create) return st;
  snprintf(o.dir, sizeof o.dir, "%s", dir);
  snprintf(o.prefix, sizeof o.prefix, "%s", s->in.out_prefix);
  snprintf(o.source, sizeof o.source, "nnmd run %.480s", s->in.path);
  o.log = &s->log;
  struct nnmd_observer obs;
  if ((st = nnmd_obs_vacf_create(&o, &obs, err))) return st;
  return add(s, &obs, err);
}

static int rdf(struct nnmd_sim *s, const struct nnmd_cfg *t, const char *dir, bool create, struct nnmd_error *err) {
  struct nnmd_rdf_opts o;
  int st = nnmd_rdf_opts_read(t, &s->sys->species, &s->md.box, &o, err);
  if (st || !create) return st;
  snprintf(o.dir, sizeof o.dir, "%s", dir);
  snprintf(o.prefix, sizeof o.prefix, "%s", s->in.out_prefix);
  snprintf(o.source, sizeof o.source, "nnmd run %.480s", s->in.path);
  o.log = &s->log;
  struct nnmd_observer obs;
  if ((st = nnmd_obs_rdf_create(&o, &obs, err))) return st;
  return add(s, &obs, err);
}

int nnmd_sim_add_analysis(struct nnmd_sim *s, bool create, struct nnmd_error *err) {
  const struct nnmd_cfg *a = s->in.analysis;
  if (!a) return NNMD_OK;
  int st = nnmd_cfg_check_keys(a, k_analysis, "[analysis]", err);
  char dir[4096];
  nnmd_sim_output_dir(&s->in, dir, sizeof dir);
  static int (*const fn[])(struct nnmd_sim *, const struct nnmd_cfg *, const char *, bool, struct nnmd_error *) = {
      msd, vacf, rdf};
  for (int k = 0; k < 3; ++k) {
    const struct nnmd_cfg *t = NULL;
    int r = nnmd_cfg_table(a, k_analysis[k], false, &t, err);
    if (!r && t) r = fn[k](s, t, dir, create, err);
    st = st ? st : r;
  }
  return st;
}
