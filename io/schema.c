/* schema.c — see schema.h. Each table has a list of known keys; unknown keys get a "did you
 * mean" error. Whether a [parallel] device can be used (CUDA build, a GPU present) is
 * decided by the set-up (app/setup.c), which reports at the 'device' key. */
#include "schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "toml.h"
#include "units.h"

static const char *const k_top[] = {"system", "velocities", "potential", "run", "neighbor",
                                    "parallel", "output", "field", "analysis", "group", NULL};
static const char *const k_system[] = {"structure", "format", "lattice", "charge_state", "masses", "replicate",
                                       "frame", "length_unit", NULL};
static const char *const k_lunits[] = {"angstrom", "bohr", NULL};
static const char *const k_vel[] = {"temperature", "seed", NULL};
static const char *const k_run[] = {"ensemble", "thermostat", "barostat", "timestep", "steps",
                                    "temperature", "tdamp", "pressure", "pdamp", "couple",
                                    "seed", "units", "chain", "substeps", "compressibility", "ftol", "etol",
                                    "relax_cell", "max_step", "sy", "zero", "placement", "ptol",
                                    "dmax", "log_every", "max_conserved_drift", "check_extrapolation_fraction",
                                    NULL};
static const char *const k_neigh[] = {"skin", "every", "check", NULL};
static const char *const k_par[] = {"grid", "device", "precision", "resident", NULL};
static const char *const k_out[] = {"thermo_every", "thermo_file", "trajectory", "checkpoint",
                                    "directory", "prefix", "thermo_columns", "report", NULL};
static const char *const k_traj[] = {"file", "every", "unwrapped", "velocities", "forces", "fields", "format",
                                     "columns", NULL};
static const char *const k_traj_formats[] = {"auto", "extxyz", "lammps-dump", NULL};
static const char *const k_ckpt[] = {"file", "every", NULL};
static const char *const k_formats[] = {"auto", "extxyz", "lammps-data", "n2p2", NULL};
static const char *const k_ens[] = {"nve", "nvt", "npt", "minimize", NULL};
static const char *const k_dev[] = {"auto", "cpu", "gpu", NULL};
static const char *const k_prec[] = {"mixed", "double", NULL}; /* order of enum nnmd_precision */
static const char *const k_units[] = {"lammps", "codata2018", NULL};

void nnmd_input_path(const struct nnmd_input *in, const char *rel, char *out, size_t n) {
  size_t lb = (rel[0] == '/') ? 0 : strlen(in->base_dir), lr = strlen(rel);
  if (n == 0) return;
  if (lb + 1 + lr + 1 > n) { /* too long: keep what fits; the open will fail and name it */
    lb = 0;
    lr = lr < n - 1 ? lr : n - 1;
  }
  size_t k = 0;
  if (lb) {
    memcpy(out, in->base_dir, lb);
    k = lb;
    out[k++] = '/';
  }
  memcpy(out + k, rel, lr);
  out[k + lr] = 0;
}

void nnmd_output_path(const struct nnmd_input *in, const char *rel, bool named, char *out, size_t n) {
  char name[NNMD_PATH_MAX];
  const char *slash = strrchr(rel, '/');
  if (named && in->out_prefix[0]) { /* the prefix goes before the file name, after any folder */
    size_t l = slash ? (size_t)(slash - rel) + 1 : 0;
    snprintf(name, sizeof name, "%.*s%s%s", (int)l, rel, in->out_prefix, rel + l);
  } else {
    snprintf(name, sizeof name, "%s", rel);
  }
  if (!in->out_dir[0] || name[0] == '/') {
    nnmd_input_path(in, name, out, n);
    return;
  }
  int w = snprintf(out, n, "%s/%s", in->out_dir, name);
  if (w < 0 || (size_t)w >= n) snprintf(out, n, "%s", name); /* too long: the open fails and names it */
}

static int sub_table(const struct nnmd_cfg *root, const char *key, const char *const *keys,
                     const char *where, const struct nnmd_cfg **out, struct nnmd_error *err) {
  int st = nnmd_cfg_table(root, key, false, out, err);
  if (st || !*out) return st;
  return nnmd_cfg_check_keys(*out, keys, where, err);
}

/* [system] frame, replicate, masses (masses are checked against the species by the set-up). */
static int read_system_extras(struct nnmd_input *in, const struct nnmd_cfg *t, struct nnmd_error *err) {
  int st = NNMD_OK, r;
  for (int d = 0; d < 3; ++d) in->replicate[d] = 1;
  const struct nnmd_cfg *fr = nnmd_cfg_get(t, "frame");
  if (fr) {
    in->frame_loc = fr->loc;
    st = nnmd_cfg_int(t, "frame", false, INT32_MIN + 1, INT32_MAX, &in->frame, err);
    if (!st && in->lattice)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, fr->loc, "'frame' selects a structure of a file; it cannot go with 'lattice'");
  }
  const struct nnmd_cfg *rp = nnmd_cfg_get(t, "replicate");
  if (rp) {
    in->replicate_loc = rp->loc;
    bool ok = rp->kind == NNMD_CFG_ARRAY && rp->n == 3;
    for (size_t k = 0; ok && k < 3; ++k) {
      ok = rp->items[k]->kind == NNMD_CFG_INT && rp->items[k]->u.i >= 1 && rp->items[k]->u.i <= 1000;
      if (ok) in->replicate[k] = (int)rp->items[k]->u.i;
    }
    if (!ok) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, rp->loc, "'replicate' must be three integers [nx, ny, nz] from 1 to 1000");
      st = st ? st : r;
    }
  }
  in->masses = nnmd_cfg_get(t, "masses");
  if (in->masses && in->masses->kind != NNMD_CFG_TABLE) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, in->masses->loc, "'masses' must be a table, e.g. { H = 2.014 } (amu)");
    st = st ? st : r;
  }
  for (size_t k = 0; in->masses && in->masses->kind == NNMD_CFG_TABLE && k < in->masses->n; ++k) {
    double m = 0;
    if (!nnmd_cfg_number(in->masses->items[k], &m) || !isfinite(m) || !(m > 0)) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, in->masses->items[k]->loc, "'masses': the mass of %s must be a positive "
                       "number (amu)", in->masses->keys[k]);
      st = st ? st : r;
    }
  }
  return st;
}

static int read_system(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "system", k_system, "[system]", &t, err);
  if (!t) return st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, in->root->loc,
                                        "the input needs a [system] table with 'structure' or 'lattice'");
  const char *s = NULL;
  int fmt = 0;
  int r = nnmd_cfg_string(t, "structure", false, &s, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(t, "format", false, k_formats, &fmt, err);
  st = st ? st : r;
  in->format = fmt > 0 ? k_formats[fmt] : NULL;
  in->lattice = nnmd_cfg_get(t, "lattice");
  if (in->lattice && in->lattice->kind != NNMD_CFG_TABLE)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, in->lattice->loc, "'lattice' must be a table");
  if (s && in->lattice)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, in->lattice->loc, "give either 'structure' or 'lattice', not both");
  if (!s && !in->lattice)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "[system] needs 'structure' (a file) or 'lattice'");
  int lu = 0; /* the structure file's length unit (positions, cell, origin, velocities) */
  in->length_scale = 1.0;
  r = nnmd_cfg_choice(t, "length_unit", false, k_lunits, &lu, err);
  st = st ? st : r;
  if (!r && lu == 1) in->length_scale = 1.0 / NNMD_BOHR_PER_ANGSTROM;
  const struct nnmd_cfg *luv = nnmd_cfg_get(t, "length_unit");
  if (luv && in->lattice)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, luv->loc,
                      "'length_unit' is the unit of a structure file; a lattice is given in A (remove it)");
  if (s) {
    nnmd_input_path(in, s, in->structure, sizeof in->structure);
    in->structure_loc = nnmd_cfg_get(t, "structure")->loc;
  }
  r = read_system_extras(in, t, err);
  st = st ? st : r;
  const struct nnmd_cfg *cs = nnmd_cfg_get(t, "charge_state");
  in->has_charge_state = cs != NULL;
  in->charge_state = 0.0;
  if (cs) { /* system charge in e for models with a charge-state input (nnp: nnmd_charge_node) */
    in->charge_state_loc = cs->loc;
    r = nnmd_cfg_double(t, "charge_state", false, -INFINITY, INFINITY, &in->charge_state, err);
    if (!r && !isfinite(in->charge_state))
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, cs->loc, "'charge_state' must be a finite number (e)");
    st = st ? st : r;
  }
  return st;
}

static int read_run(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "run", k_run, "[run]", &t, err), r;
  in->run = t;
  in->timestep = 0.001;
  in->steps = 0;
  in->seed = 12345;
  in->units = "lammps";
  in->max_drift = NNMD_GUARD_DEFAULT_MAX_DRIFT;
  in->extrap_fraction = NNMD_CHECK_EXTRAP_FRACTION;
  if (!t && !st) /* a forgotten run length must not silently be a single point */
    return nnmd_fail_at(err, NNMD_ERR_INPUT, in->root->loc,
                        "the input needs a [run] table with 'steps' (the run length in time steps; a single "
                        "point is steps = 0)");
  if (!t) return st;
  int e = 0, u = 0;
  r = nnmd_cfg_choice(t, "ensemble", false, k_ens, &e, err);
  st = st ? st : r;
  in->ensemble = (enum nnmd_ensemble)e;
  r = nnmd_cfg_positive(t, "timestep", false, &in->timestep, err);
  st = st ? st : r;
  if (!r && in->timestep > 0.1) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "timestep")->loc,
                     "'timestep' is %g ps: time steps are in ps (1 fs = 0.001)", in->timestep);
    st = st ? st : r;
  }
  if (!nnmd_cfg_get(t, "steps"))
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc,
                     "[run] needs 'steps' (the run length in time steps; a single point is steps = 0)");
  else r = nnmd_cfg_int(t, "steps", true, 0, INT64_MAX / 4, &in->steps, err);
  st = st ? st : r;
  r = nnmd_cfg_int(t, "seed", false, 0, INT64_MAX, &in->seed, err);
  st = st ? st : r;
  /* guards (engine/guard.h): 0 switches the drift check off */
  r = nnmd_cfg_double(t, "max_conserved_drift", false, 0.0, INFINITY, &in->max_drift, err);
  st = st ? st : r;
  r = nnmd_cfg_double(t, "check_extrapolation_fraction", false, 0.0, 1.0, &in->extrap_fraction, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(t, "units", false, k_units, &u, err);
  st = st ? st : r;
  in->units = k_units[u];
  return st;
}

static int read_velocities(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "velocities", k_vel, "[velocities]", &t, err), r;
  if (!t) return st;
  in->has_velocities = true;
  in->vel_seed = 2022;
  r = nnmd_cfg_double(t, "temperature", true, 0.0, 1e7, &in->vel_temperature, err);
  st = st ? st : r;
  r = nnmd_cfg_int(t, "seed", false, 0, INT64_MAX, &in->vel_seed, err);
  return st ? st : r;
}

static int read_neighbor(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "neighbor", k_neigh, "[neighbor]", &t, err), r;
  in->skin = 1.0;
  in->neigh_every = 1;
  in->neigh_check = true;
  if (!t) return st;
  r = nnmd_cfg_double(t, "skin", false, 0.0, 100.0, &in->skin, err);
  st = st ? st : r;
  r = nnmd_cfg_int(t, "every", false, 1, 1000000, &in->neigh_every, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(t, "check", false, &in->neigh_check, err);
  return st ? st : r;
}

static int read_parallel(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "parallel", k_par, "[parallel]", &t, err), r, d = 0, p = 0;
  in->device = NNMD_DEV_AUTO;
  in->device_loc = NNMD_NOLOC;
  in->precision = NNMD_PREC_MIXED;
  in->has_precision = false;
  in->precision_loc = NNMD_NOLOC;
  in->resident = true;
  if (!t) return st;
  r = nnmd_cfg_bool(t, "resident", false, &in->resident, err);
  st = st ? st : r;
  r = nnmd_cfg_choice(t, "device", false, k_dev, &d, err);
  st = st ? st : r;
  in->device = (enum nnmd_device)d;
  const struct nnmd_cfg *dv = nnmd_cfg_get(t, "device");
  if (dv) in->device_loc = dv->loc;
  r = nnmd_cfg_choice(t, "precision", false, k_prec, &p, err);
  st = st ? st : r;
  in->precision = (enum nnmd_precision)p;
  const struct nnmd_cfg *pv = nnmd_cfg_get(t, "precision");
  if (pv && !r) {
    in->has_precision = true;
    in->precision_loc = pv->loc;
  }
  const struct nnmd_cfg *g = nnmd_cfg_get(t, "grid");
  if (g && !(g->kind == NNMD_CFG_STRING && strcmp(g->u.s, "auto") == 0)) {
    bool okg = g->kind == NNMD_CFG_ARRAY && g->n == 3;
    for (size_t k = 0; okg && k < 3; ++k) {
      okg = g->items[k]->kind == NNMD_CFG_INT && g->items[k]->u.i >= 1 && g->items[k]->u.i <= 100000;
      if (okg) in->grid[k] = (int)g->items[k]->u.i;
    }
    if (!okg) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, g->loc, "'grid' must be \"auto\" or three positive integers [px, py, pz]");
      st = st ? st : r;
    }
  }
  return st;
}

static int read_traj(struct nnmd_input *in, const struct nnmd_cfg *tr, struct nnmd_error *err) {
  if (tr->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, tr->loc,
                        "'trajectory' must be a table, e.g. { file = \"traj.extxyz\", every = 100 }");
  int st = nnmd_cfg_check_keys(tr, k_traj, "'trajectory'", err), r;
  const char *f = NULL;
  in->traj_every = 100;
  in->traj_velocities = true;
  in->traj_forces = true;
  r = nnmd_cfg_string(tr, "file", true, &f, err);
  st = st ? st : r;
  if (f) nnmd_output_path(in, f, false, in->traj_file, sizeof in->traj_file);
  in->traj_loc = tr->loc;
  int fmt = 0;
  r = nnmd_cfg_choice(tr, "format", false, k_traj_formats, &fmt, err);
  st = st ? st : r;
  if (fmt == 0 && f) { /* auto: by the extension */
    size_t l = strlen(f);
    in->traj_lammps = (l >= 10 && !strcmp(f + l - 10, ".lammpstrj")) || (l >= 5 && !strcmp(f + l - 5, ".dump"));
  } else {
    in->traj_lammps = fmt == 2;
  }
  const struct nnmd_cfg *cl = nnmd_cfg_get(tr, "columns"); /* LAMMPS dump columns, checked by the writer */
  if (cl && (cl->kind != NNMD_CFG_ARRAY || cl->n == 0 || cl->n > NNMD_DUMP_MAX_COLUMNS)) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, cl->loc, "'columns' must be a list of 1 to %d LAMMPS dump column names, "
                     "e.g. [\"id\", \"element\", \"x\", \"y\", \"z\"]", NNMD_DUMP_MAX_COLUMNS);
    st = st ? st : r;
  } else if (cl && !in->traj_lammps) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, cl->loc, "'columns' is for LAMMPS dumps (format = \"lammps-dump\" or a "
                     ".lammpstrj file); extxyz trajectories take velocities/forces/fields");
    st = st ? st : r;
  }
  for (size_t k = 0; cl && cl->kind == NNMD_CFG_ARRAY && k < cl->n && k < NNMD_DUMP_MAX_COLUMNS; ++k) {
    const struct nnmd_cfg *e = cl->items[k];
    if (e->kind != NNMD_CFG_STRING || !e->u.s[0] || strlen(e->u.s) >= sizeof in->traj_columns[0]) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "'columns' entries must be column names like \"x\"");
      st = st ? st : r;
      continue;
    }
    snprintf(in->traj_columns[k], sizeof in->traj_columns[k], "%s", e->u.s);
    in->n_traj_columns = (int)k + 1;
  }
  r = nnmd_cfg_int(tr, "every", false, 1, INT64_MAX, &in->traj_every, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(tr, "unwrapped", false, &in->traj_unwrapped, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(tr, "velocities", false, &in->traj_velocities, err);
  st = st ? st : r;
  r = nnmd_cfg_bool(tr, "forces", false, &in->traj_forces, err);
  st = st ? st : r;
  const struct nnmd_cfg *fl = nnmd_cfg_get(tr, "fields"); /* per-atom fields, e.g. ["bec", "charge"] */
  if (fl && (fl->kind != NNMD_CFG_ARRAY || fl->n > NNMD_TRAJ_MAX_FIELDS))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, fl->loc, "'fields' must be a list of at most %d per-atom field names",
                        NNMD_TRAJ_MAX_FIELDS);
  if (fl && in->traj_lammps)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, fl->loc, "'fields' is for extxyz trajectories; a LAMMPS dump takes "
                        "per-atom fields in 'columns' (e.g. \"q\", \"bec[1]\")");
  for (size_t k = 0; fl && k < fl->n; ++k) {
    const struct nnmd_cfg *e = fl->items[k];
    if (e->kind != NNMD_CFG_STRING || !e->u.s[0] || strlen(e->u.s) >= sizeof in->traj_fields[0] ||
        strspn(e->u.s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(e->u.s))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "'fields' entries must be field names like \"bec\"");
    snprintf(in->traj_fields[k], sizeof in->traj_fields[k], "%s", e->u.s);
    in->n_traj_fields = (int)k + 1;
  }
  return st;
}

static int read_output(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *t = NULL;
  int st = sub_table(in->root, "output", k_out, "[output]", &t, err), r;
  in->thermo_every = 100;
  in->report = true;
  nnmd_output_path(in, "thermo.csv", true, in->thermo_file, sizeof in->thermo_file);
  if (!t) return st;
  const char *dir = NULL, *pre = NULL;
  r = nnmd_cfg_string(t, "directory", false, &dir, err); /* folder of every output, made when missing */
  st = st ? st : r;
  if (dir && !dir[0]) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "directory")->loc,
                     "'directory' must name a folder (relative to the input file's folder), e.g. \"run1\"");
    st = st ? st : r;
  } else if (dir) {
    nnmd_input_path(in, dir, in->out_dir, sizeof in->out_dir);
  }
  r = nnmd_cfg_string(t, "prefix", false, &pre, err); /* before the names of files nnmd names itself */
  st = st ? st : r;
  if (pre && (strlen(pre) >= sizeof in->out_prefix || strchr(pre, '/') ||
              strspn(pre, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+=") != strlen(pre))) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "prefix")->loc,
                     "'prefix' must be a file-name prefix of at most %d letters, digits or _.-+= (no '/'; use "
                     "'directory' for a folder), e.g. \"run1_\"", (int)sizeof in->out_prefix - 1);
    st = st ? st : r;
  } else if (pre) {
    snprintf(in->out_prefix, sizeof in->out_prefix, "%s", pre);
  }
  nnmd_output_path(in, "thermo.csv", true, in->thermo_file, sizeof in->thermo_file);
  r = nnmd_cfg_bool(t, "report", false, &in->report, err);
  st = st ? st : r;
  r = nnmd_cfg_int(t, "thermo_every", false, 1, INT64_MAX, &in->thermo_every, err);
  st = st ? st : r;
  const char *tf = NULL;
  r = nnmd_cfg_string(t, "thermo_file", false, &tf, err);
  st = st ? st : r;
  if (tf) {
    if (tf[0]) nnmd_output_path(in, tf, false, in->thermo_file, sizeof in->thermo_file);
    else in->thermo_file[0] = 0;
  }
  const struct nnmd_cfg *tc = nnmd_cfg_get(t, "thermo_columns"); /* names checked by the thermo observer */
  if (tc && (tc->kind != NNMD_CFG_ARRAY || tc->n == 0 || tc->n > NNMD_THERMO_MAX_COLUMNS)) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, tc->loc, "'thermo_columns' must be a list of 1 to %d column names, e.g. "
                     "[\"step\", \"temp\", \"press\", \"lx\"] (docs/outputs.md)", NNMD_THERMO_MAX_COLUMNS);
    st = st ? st : r;
  }
  for (size_t k = 0; tc && tc->kind == NNMD_CFG_ARRAY && k < tc->n && k < NNMD_THERMO_MAX_COLUMNS; ++k) {
    const struct nnmd_cfg *e = tc->items[k];
    if (e->kind != NNMD_CFG_STRING || !e->u.s[0] || strlen(e->u.s) >= sizeof in->thermo_columns[0]) {
      r = nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "'thermo_columns' entries must be column names like \"temp\"");
      st = st ? st : r;
      continue;
    }
    snprintf(in->thermo_columns[k], sizeof in->thermo_columns[k], "%s", e->u.s);
    in->thermo_column_loc[k] = e->loc;
    in->n_thermo_columns = (int)k + 1;
  }
  const struct nnmd_cfg *tr = nnmd_cfg_get(t, "trajectory");
  if (tr) {
    r = read_traj(in, tr, err);
    st = st ? st : r;
  }
  const struct nnmd_cfg *ck = nnmd_cfg_get(t, "checkpoint");
  if (ck && ck->kind != NNMD_CFG_TABLE) {
    r = nnmd_fail_at(err, NNMD_ERR_INPUT, ck->loc,
                     "'checkpoint' must be a table, e.g. { file = \"run.chk\", every = 10000 }");
    st = st ? st : r;
  } else if (ck) {
    r = nnmd_cfg_check_keys(ck, k_ckpt, "'checkpoint'", err);
    st = st ? st : r;
    const char *f = NULL;
    r = nnmd_cfg_string(ck, "file", true, &f, err);
    st = st ? st : r;
    if (f) nnmd_output_path(in, f, false, in->checkpoint_file, sizeof in->checkpoint_file);
    in->checkpoint_every = 0;
    r = nnmd_cfg_int(ck, "every", false, 1, INT64_MAX, &in->checkpoint_every, err);
    st = st ? st : r;
  }
  return st;
}

static int read_potentials(struct nnmd_input *in, struct nnmd_error *err) {
  const struct nnmd_cfg *p = nnmd_cfg_get(in->root, "potential");
  if (!p)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, in->root->loc,
                        "the input needs at least one [[potential]] table (e.g. type = \"lj\")");
  if (p->kind != NNMD_CFG_ARRAY || p->n == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, p->loc, "'potential' must be written as [[potential]] tables");
  int st = NNMD_OK;
  for (size_t k = 0; k < p->n; ++k) {
    const struct nnmd_cfg *t = p->items[k];
    if (t->kind != NNMD_CFG_TABLE) {
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, t->loc, "each [[potential]] entry must be a table");
      continue;
    }
    const char *type = NULL;
    int r = nnmd_cfg_string(t, "type", true, &type, err);
    st = st ? st : r;
  }
  in->potentials = p;
  return st;
}

int nnmd_input_read(const char *path, struct nnmd_input *in, struct nnmd_error *err) {
  return nnmd_input_read_with(NULL, path, in, err);
}

int nnmd_input_read_with(struct nnmd_files *files, const char *path, struct nnmd_input *in,
                         struct nnmd_error *err) {
  memset(in, 0, sizeof *in);
  strncpy(in->path, path, sizeof in->path - 1);
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t l = (size_t)(slash - path);
    if (l >= sizeof in->base_dir) l = sizeof in->base_dir - 1;
    memcpy(in->base_dir, path, l);
    in->base_dir[l] = 0;
  }
  if (slash == path) strcpy(in->base_dir, "/");
  int st = nnmd_toml_parse_file_with(files, path, &in->root, err);
  if (st) return st;
  st = nnmd_cfg_check_keys(in->root, k_top, "the input file", err);
  int r;
  if ((r = read_system(in, err))) st = st ? st : r;
  if ((r = read_velocities(in, err))) st = st ? st : r;
  if ((r = read_potentials(in, err))) st = st ? st : r;
  if ((r = read_run(in, err))) st = st ? st : r;
  if ((r = read_neighbor(in, err))) st = st ? st : r;
  if ((r = read_parallel(in, err))) st = st ? st : r;
  if ((r = read_output(in, err))) st = st ? st : r;
  /* [field] and [analysis] are validated by the field term and the analysis observers
   * (their keys depend on the species and the model) when the run is set up */
  in->field = nnmd_cfg_get(in->root, "field");
  if (in->field && in->field->kind != NNMD_CFG_TABLE)
    st = st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, in->field->loc, "'field' must be a table");
  in->groups = nnmd_cfg_get(in->root, "group"); /* [[group]]: read by the set-up (engine/groups.h) */
  if (in->groups && (in->groups->kind != NNMD_CFG_ARRAY || in->groups->n == 0))
    st = st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, in->groups->loc, "groups are written as [[group]] tables");
  in->analysis = nnmd_cfg_get(in->root, "analysis");
  if (in->analysis && in->analysis->kind != NNMD_CFG_TABLE)
    st = st ? st : nnmd_fail_at(err, NNMD_ERR_INPUT, in->analysis->loc, "'analysis' must be a table");
  return st;
}

void nnmd_input_free(struct nnmd_input *in) {
  nnmd_cfg_free(in->root);
  in->root = NULL;
}
