/* setup.c — see setup.h. */
#include "setup.h"

#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdnnp.h"
#include "integrators.h"
#include "observers.h"
#include "registry.h"
#include "setup_analysis.h"
#include "setup_device.h"
#include "setup_field.h"
#include "setup_system.h"
#include "structure.h"
#include "thermo.h"

int nnmd_forcefield_build(const struct nnmd_cfg *potentials, const struct nnmd_term_info *info,
                          struct nnmd_forcefield **out, struct nnmd_error *err) {
  int st = nnmd_ff_create(out, err);
  if (st) return st;
  for (size_t k = 0; k < potentials->n; ++k) {
    const struct nnmd_cfg *t = potentials->items[k];
    const char *type = NULL;
    if (nnmd_cfg_string(t, "type", true, &type, err) || !type) {
      st = NNMD_ERR_INPUT;
      continue;
    }
    const struct nnmd_potential_ops *ops = nnmd_registry_potential(type);
    if (!ops) {
      const char *sug = nnmd_suggest(type, nnmd_registry_potential_names());
      const struct nnmd_cfg *tv = nnmd_cfg_get(t, "type");
      st = sug ? nnmd_fail_at(err, NNMD_ERR_INPUT, tv->loc, "unknown potential type \"%s\"; did you mean \"%s\"?",
                              type, sug)
               : nnmd_fail_at(err, NNMD_ERR_INPUT, tv->loc, "unknown potential type \"%s\"", type);
      continue;
    }
    void *state = NULL;
    int r = ops->create(t, info, &state, err);
    if (r) {
      st = st ? st : r;
      continue;
    }
    if ((r = nnmd_ff_add(*out, ops, state, t->loc, err))) st = st ? st : r;
  }
  return st;
}

static int read_system(struct nnmd_sim *s, struct nnmd_error *err) {
  struct nnmd_input *in = &s->in;
  if (in->lattice) {
    int r = nnmd_lattice_build(in->lattice, s->sys, &s->md.box, err);
    return r ? r : nnmd_sim_system_options(s, err);
  }
  /* rank 0 alone looks at the file system; everyone learns the outcome */
  int st0 = NNMD_OK;
  if (nnmd_comm_rank(s->comm) == 0) {
    struct stat sb;
    if (stat(in->structure, &sb) != 0)
      st0 = nnmd_fail_at(err, NNMD_ERR_FILE, in->structure_loc, "cannot open structure file '%s': %s",
                         in->structure, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
      st0 = nnmd_fail_at(err, NNMD_ERR_FILE, in->structure_loc, "structure '%s' is not a regular file",
                         in->structure);
  }
  if ((st0 = nnmd_comm_agree(s->comm, st0))) return st0;
  int st = nnmd_sim_read_structure(s, err);
  return st ? st : nnmd_sim_system_options(s, err);
}

/* The progress/ETA line: only when stdout is a terminal; NNMD_PROGRESS=0 turns it off (under
 * an MPI launcher cmd_run.c turns it off too, see there). */
static bool want_progress(void) {
  const char *f = getenv("NNMD_PROGRESS");
  if (f && !strcmp(f, "0")) return false;
  return isatty(1) != 0;
}

/* [output] directory: made (with its parents) by rank 0 when missing. */
static int make_out_dir(struct nnmd_sim *s, struct nnmd_error *err) {
  int st = NNMD_OK;
  if (s->in.out_dir[0] && nnmd_comm_rank(s->comm) == 0) {
    char p[NNMD_PATH_MAX];
    snprintf(p, sizeof p, "%s", s->in.out_dir);
    for (char *c = p + 1; !st; ++c) {
      bool end = *c == 0;
      if (*c != '/' && !end) continue;
      *c = 0;
      struct stat sb;
      if (mkdir(p, 0777) != 0 && errno != EEXIST)
        st = nnmd_fail(err, NNMD_ERR_FILE, "cannot create the output directory '%s': %s", p, strerror(errno));
      else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = nnmd_fail(err, NNMD_ERR_FILE, "output directory '%s' exists and is not a folder", p);
      if (end) break;
      *c = '/';
    }
  }
  return nnmd_comm_agree(s->comm, st);
}

/* couple = "aniso" keeps a tilted cell's tilt fixed while its lengths change, which is not
 * consistent with the barostat's conserved quantity (Cu2S, monoclinic: +0.42 eV per 10 ps
 * with MTK aniso; iso and triclinic conserve): refused on a cell with any off-diagonal term. */
static int refuse_aniso_tilt(const struct nnmd_sim *s, struct nnmd_error *err) {
  const struct nnmd_cfg *c = s->in.run ? nnmd_cfg_get(s->in.run, "couple") : NULL;
  if (s->in.ensemble != NNMD_ENS_NPT || !c || c->kind != NNMD_CFG_STRING || strcmp(c->u.s, "aniso")) return NNMD_OK;
  const double *h = s->md.box.h;
  double scale = fmax(fabs(h[0]), fmax(fabs(h[4]), fabs(h[8])));
  bool tilted = false;
  for (int k = 0; k < 9; ++k)
    if (k % 4 != 0 && fabs(h[k]) > 1e-10 * scale) tilted = true;
  if (!tilted) return NNMD_OK;
  return nnmd_fail_at(err, NNMD_ERR_INPUT, c->loc,
                      "couple = \"aniso\" on a tilted cell (xy = %g, xz = %g, yz = %g A): the anisotropic barostat "
                      "keeps the tilt fixed while the lengths change, which does not conserve its conserved "
                      "quantity; use couple = \"triclinic\" (barostat = \"mtk\": all six cell degrees of freedom) "
                      "or couple = \"iso\"",
                      h[1], h[2], h[5]);
}

static int add_observers(struct nnmd_sim *s, struct nnmd_error *err) {
  struct nnmd_input *in = &s->in;
  struct nnmd_md *md = &s->md;
  int st = make_out_dir(s, err);
  if (st) return st;
  st = nnmd_obs_thermo_create_cols(in->thermo_file, in->thermo_every, true, in->n_thermo_columns,
                                   (const char(*)[32])in->thermo_columns, in->thermo_column_loc, &md->obs[md->n_obs],
                                   err);
  if (st) return st;
  md->n_obs++;
  if (in->traj_file[0]) {
    struct nnmd_traj_opts o = {.path = in->traj_file, .every = in->traj_every, .unwrapped = in->traj_unwrapped,
                               .velocities = in->traj_velocities, .forces = in->traj_forces,
                               .n_fields = in->n_traj_fields, .lammps = in->traj_lammps,
                               .n_columns = in->n_traj_columns, .loc = in->traj_loc};
    for (int k = 0; k < in->n_traj_fields; ++k) o.fields[k] = in->traj_fields[k];
    for (int k = 0; k < in->n_traj_columns; ++k) o.columns[k] = in->traj_columns[k];
    st = o.lammps ? nnmd_obs_dump_create(&o, &md->obs[md->n_obs], err) : nnmd_obs_traj_create(&o, &md->obs[md->n_obs], err);
    if (st) return st;
    md->n_obs++;
  }
  return nnmd_sim_add_analysis(s, true, err); /* [analysis.*] observers */
}

int nnmd_sim_setup(struct nnmd_sim *s, const char *input_path, struct nnmd_comm *comm, int verbosity,
                   bool with_outputs, struct nnmd_error *err) {
  memset(s, 0, sizeof *s);
  s->comm = comm;
  nnmd_log_init(&s->log, nnmd_comm_rank(comm), verbosity);
  s->files = nnmd_files_create(comm);
  if (!s->files) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  int st = nnmd_input_read_with(s->files, input_path, &s->in, err);
  if (!s->in.root) return st;
  s->units = nnmd_units_get(s->in.units);
  int r = nnmd_system_create(&s->sys, err);
  if (r) return r;
  if (s->in.lattice || s->in.structure[0]) {
    r = read_system(s, err);
    if (!r) r = nnmd_sim_groups(s, err); /* [[group]]s on the initial structure */
    st = st ? st : r;
  }
  if (s->in.potentials && s->sys->n_global > 0) {
    struct nnmd_term_info info = {.base_dir = s->in.base_dir[0] ? s->in.base_dir : ".",
                                  .species = &s->sys->species, .units = s->units, .log = &s->log,
                                  .files = s->files, .comm = comm, .has_charge_state = s->in.has_charge_state,
                                  .charge_state = s->in.charge_state, .charge_state_loc = s->in.charge_state_loc};
    r = nnmd_sim_choose_device(s, &info, err); /* [parallel] device, once: the terms set up their backend */
    st = st ? st : r;
    r = nnmd_forcefield_build(s->in.potentials, &info, &s->ff, err);
    st = st ? st : r;
    if (!r) {
      r = nnmd_sim_add_field(s, &info, err);
      st = st ? st : r;
    }
    if (!r) nnmd_sim_apply_device(s, &info);
    bool nnp = false; /* charge_state is an input of HDNNPs with a charge node (their create checks it) */
    for (int k = 0; !r && k < nnmd_ff_n_terms(s->ff); ++k) nnp = nnp || nnmd_ff_term(s->ff, k, NULL) == &nnmd_pot_hdnnp;
    if (!r && s->in.has_charge_state && !nnp)
      st = st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, s->in.charge_state_loc,
                                  "'charge_state' is given but no [[potential]] uses it (only an hdnnp model with a "
                                  "charge-state node, keyword nnmd_charge_node, does)");
  }
  if (!st && s->in.n_thermo_columns > 0) { /* [output] thermo_columns against the species and terms */
    const char *names[16];
    double vals[16];
    int ne = nnmd_ff_thermo_extra(s->ff, s->sys, comm, names, vals, 8);
    nnmd_groups_thermo(s->groups, s->sys, s->units, comm, names, vals, &ne, 16); /* T_<group>, N_<group> */
    st = nnmd_thermo_columns_check(s->in.n_thermo_columns, (const char(*)[32])s->in.thermo_columns,
                                   s->in.thermo_column_loc, &s->sys->species, names, ne, err);
  }
  if (!st && s->in.traj_lammps && s->in.n_traj_columns > 0) { /* LAMMPS dump columns against the fields */
    struct nnmd_traj_opts o = {.lammps = true, .n_columns = s->in.n_traj_columns, .loc = s->in.traj_loc};
    for (int k = 0; k < s->in.n_traj_columns; ++k) o.columns[k] = s->in.traj_columns[k];
    st = nnmd_dump_columns_check(&o, s->sys, err);
  }
  if (st) return st;
  struct nnmd_md *md = &s->md;
  md->sys = s->sys;
  md->ff = s->ff;
  md->comm = comm;
  md->units = s->units;
  md->log = &s->log;
  md->dt = s->in.timestep;
  md->first_step = 0;
  md->last_step = s->in.steps;
  md->seed = (uint64_t)s->in.seed;
  md->skin = s->in.skin;
  md->neigh_every = (int)s->in.neigh_every;
  md->neigh_check = s->in.neigh_check;
  md->thermo_every = s->in.thermo_every;
  md->progress = with_outputs && nnmd_comm_rank(comm) == 0 && want_progress();
  snprintf(md->checkpoint_path, sizeof md->checkpoint_path, "%s", s->in.checkpoint_file);
  md->checkpoint_every = s->in.checkpoint_every;
  nnmd_input_path(&s->in, "interrupted.chk", md->interrupt_path, sizeof md->interrupt_path);
  nnmd_input_path(&s->in, "failed.chk", md->guard.failed_path, sizeof md->guard.failed_path);
  md->guard.max_drift = s->in.ensemble == NNMD_ENS_MINIMIZE ? 0.0 : s->in.max_drift; /* a minimiser lowers E */
  if ((st = nnmd_ff_setup_lists(s->ff, s->in.skin, err))) return st;
  if (nnmd_ff_max_cutoff(s->ff) <= 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the force field has no interactions (cutoff 0)");
  if ((st = nnmd_integrator_select(s->in.run, &md->integ, err))) return st;
  if ((st = nnmd_sim_groups_integrator(s, err))) return st;
  int64_t n_dof = nnmd_groups_ndof(s->groups, s->sys->n_global); /* 3N - 3, or 3(N - N_frozen) */
  struct nnmd_integ_info ii = {.units = s->units, .dt = md->dt, .n_global = s->sys->n_global,
                               .n_dof = n_dof, .seed = md->seed, .log = &s->log, .groups = s->groups};
  if ((st = md->integ->create(s->in.run, &ii, &md->integ_state, err))) return st;
  if ((st = refuse_aniso_tilt(s, err))) return st;
  nnmd_sim_check_resident(s);
  for (int d = 0; d < 3; ++d) md->grid[d] = s->in.grid[d];
  if ((st = nnmd_md_distribute(md, err))) return st;
  if (s->in.has_velocities) {
    nnmd_velocities_create(s->sys, s->units, comm, s->in.vel_temperature, (uint64_t)s->in.vel_seed, n_dof);
    nnmd_groups_velocities(s->groups, s->sys, s->units, comm, s->in.vel_temperature); /* frozen: v = 0 */
  }
  if (with_outputs && (st = add_observers(s, err))) return st;
  if (!with_outputs && (st = nnmd_sim_add_analysis(s, false, err))) return st; /* nnmd check validates it */
  return NNMD_OK;
}

void nnmd_sim_destroy(struct nnmd_sim *s) {
  nnmd_md_release(&s->md);
  nnmd_ff_destroy(s->ff);
  nnmd_system_destroy(s->sys);
  nnmd_input_free(&s->in);
  nnmd_files_destroy(s->files);
  nnmd_groups_destroy(s->groups);
  memset(s, 0, sizeof *s);
}
