/* cmd_predict.c — `nnmd predict MODEL_DIR STRUCTURE [options]`: single-point energy,
 * forces and stress with an n2p2 model (like n2p2's nnp-predict), for any structure format
 * nnmd reads. Output: extxyz (atoms in input order) with energy=, virial=, stress= in the
 * comment line and forces:R:3 and energies:R:1 (per-atom energies) columns; a summary on
 * stdout.
 * Units: by default the structure is in A and results in eV, eV/A, eV/A^3; the model's
 * units are given with --length-unit angstrom|bohr and --energy-unit eV|hartree (as the
 * [[potential]] keys). With --units model the structure is read in the model's own units
 * and the results are printed in them too, with no conversion at all (for comparisons with
 * n2p2's own numbers). --charge-state Q gives the system charge (e) for a model with a
 * charge-state input node (nnmd_charge_node, docs/nnp.md); such a model requires it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "bec.h"
#include "hdnnp.h"
#include "run.h"
#include "structure.h"
#include "units.h"
#include "write_extxyz.h"

struct predict_opts {
  const char *model, *structure, *out, *format;
  const char *bec; /* --born-charges BEC_DIR */
  double cflength, cfenergy;
  int native;
  bool units_given;
  bool has_q;
  double q;
};

static int parse(int argc, char **argv, struct predict_opts *o) {
  *o = (struct predict_opts){.cflength = 1.0, .cfenergy = 1.0, .out = "predict.extxyz"};
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--units") || !strcmp(a, "--length-unit") ||
        !strcmp(a, "--energy-unit") || !strcmp(a, "--format") || !strcmp(a, "--charge-state") ||
        !strcmp(a, "--born-charges")) {
      if (!val) {
        fprintf(stderr, "error: option %s needs a value\n", a);
        return 1;
      }
      ++i;
      if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->out = val;
      else if (!strcmp(a, "--born-charges")) o->bec = val;
      else if (!strcmp(a, "--charge-state")) {
        char *end;
        o->q = strtod(val, &end);
        o->has_q = true;
        if (end == val || *end || !isfinite(o->q)) {
          fprintf(stderr, "error: --charge-state takes a number (system charge in e), got '%s'\n", val);
          return 1;
        }
      }
      else if (!strcmp(a, "--format")) o->format = val;
      else if (!strcmp(a, "--units")) {
        if (strcmp(val, "model") && strcmp(val, "metal")) {
          fprintf(stderr, "error: --units takes 'model' or 'metal', got '%s'\n", val);
          return 1;
        }
        o->native = !strcmp(val, "model");
      } else if (!strcmp(a, "--length-unit")) {
        o->units_given = true;
        if (!strcmp(val, "bohr")) o->cflength = NNMD_BOHR_PER_ANGSTROM;
        else if (strcmp(val, "angstrom")) {
          fprintf(stderr, "error: --length-unit takes 'angstrom' or 'bohr', got '%s'\n", val);
          return 1;
        }
      } else {
        o->units_given = true;
        if (!strcmp(val, "hartree")) o->cfenergy = NNMD_HARTREE_PER_EV;
        else if (strcmp(val, "eV")) {
          fprintf(stderr, "error: --energy-unit takes 'eV' or 'hartree', got '%s'\n", val);
          return 1;
        }
      }
    } else if (a[0] == '-') {
      fprintf(stderr, "error: unknown option '%s' (see nnmd --help)\n", a);
      return 1;
    } else if (!o->model) o->model = a;
    else if (!o->structure) o->structure = a;
    else {
      fprintf(stderr, "error: unexpected argument '%s'\n", a);
      return 1;
    }
  }
  if (!o->model || !o->structure) {
    fprintf(stderr, "usage: nnmd predict MODEL_DIR STRUCTURE [-o out.extxyz] [--units model]\n"
                    "                    [--length-unit angstrom|bohr] [--energy-unit eV|hartree] [--format F]\n"
                    "                    [--charge-state Q] [--born-charges BEC_DIR]\n");
    return 1;
  }
  bool rb, rh; /* a model written by nnmd train records its units */
  if (!o->native && !o->units_given && nnmd_nnp_recorded_units(o->model, &rb, &rh)) {
    o->cflength = rb ? NNMD_BOHR_PER_ANGSTROM : 1.0;
    o->cfenergy = rh ? NNMD_HARTREE_PER_EV : 1.0;
  }
  if (o->native) o->cflength = o->cfenergy = 1.0;
  return 0;
}

static int compute(const struct predict_opts *o, struct nnmd_comm *comm, struct nnmd_log *log,
                   struct nnmd_system *sys, struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_structure_info info;
  int st = nnmd_read_structure(o->structure, o->format, 1.0, sys, &md->box, &info, err);
  if (st) return st;
  void *state = NULL;
  if ((st = nnmd_hdnnp_create_dir(o->model, &sys->species, o->cflength, o->cfenergy, -1, log, &state, err)))
    return st;
  if (o->native) nnmd_hdnnp_set_native_units(state);
  if ((st = nnmd_hdnnp_set_charge_state(state, o->has_q, o->q, NNMD_NOLOC, "--charge-state", err))) {
    nnmd_pot_hdnnp.destroy(state);
    return st;
  }
  if ((st = nnmd_ff_create(&md->ff, err))) {
    nnmd_pot_hdnnp.destroy(state);
    return st;
  }
  if ((st = nnmd_ff_add(md->ff, &nnmd_pot_hdnnp, state, NNMD_NOLOC, err))) return st;
  if (o->bec) { /* the Born-charge term publishes raw Z* as the field "bec" */
    struct nnmd_term_info ti;
    memset(&ti, 0, sizeof ti);
    ti.species = &sys->species;
    ti.log = log;
    void *bs = NULL;
    if ((st = nnmd_bec_term_create(o->bec, &ti, &bs, err))) return st;
    if ((st = nnmd_ff_add(md->ff, &nnmd_pot_bec, bs, NNMD_NOLOC, err))) return st;
  }
  if ((st = nnmd_ff_setup_lists(md->ff, 0.0, err))) return st;
  md->sys = sys;
  md->comm = comm;
  md->units = nnmd_units_get("lammps");
  md->log = log;
  md->want_eatom = true;
  md->dt = 0.001;
  return nnmd_md_init(md, err);
}

static int write_result(const struct predict_opts *o, struct nnmd_md *md, struct nnmd_error *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", o->out);
  FILE *f = fopen(tmp, "w");
  if (!f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s'", tmp);
  struct nnmd_extxyz_column col[2] = {{.name = "energies", .ncomp = 1, .data = md->eatom, .stride = 0},
                                      {.name = "born_charges", .ncomp = 9, .data = NULL, .stride = 0}};
  int ncol = 1;
  double *z = o->bec ? nnmd_system_field(md->sys, "bec") : NULL;
  if (z) { /* acoustic sum rule (methods.md 4.2): subtract the mean over the structure */
    const struct nnmd_system *sys = md->sys;
    const int64_t cap = sys->capacity, n = sys->n_local;
    for (int k = 0; k < 9; ++k) {
      double mean = 0.0;
      for (int64_t i = 0; i < n; ++i) mean += z[k * cap + i];
      mean /= (double)n;
      for (int64_t i = 0; i < n; ++i) z[k * cap + i] -= mean;
    }
    col[1].data = z;
    ncol = 2;
  }
  struct nnmd_extxyz_frame fr = {.has_energy = true, .energy = md->epot, .has_virial = true, .write_stress = true,
                                 .forces = true, .n_extra = ncol, .extra = col};
  memcpy(fr.virial, md->virial, sizeof fr.virial);
  int st = nnmd_write_extxyz_frame(f, md->sys, &md->box, &fr, err);
  if (fclose(f) != 0 && !st) st = nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s'", tmp);
  if (!st && rename(tmp, o->out) != 0) st = nnmd_fail(err, NNMD_ERR_FILE, "cannot rename '%s' to '%s'", tmp, o->out);
  if (st) remove(tmp);
  return st;
}

int nnmd_cmd_predict(const struct nnmd_cli *cli, int argc, char **argv) {
  struct predict_opts o;
  if (parse(argc, argv, &o)) return NNMD_EXIT_INPUT;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_log log;
  nnmd_log_init(&log, nnmd_comm_rank(cli->comm), cli->verbosity);
  struct nnmd_system *sys = NULL;
  struct nnmd_md md;
  memset(&md, 0, sizeof md);
  int st = nnmd_system_create(&sys, &err);
  if (!st) st = compute(&o, cli->comm, &log, sys, &md, &err);
  if (!st) st = write_result(&o, &md, &err);
  if (!st) {
    const char *eu = o.native ? "model energy unit" : "eV", *lu = o.native ? "model length unit" : "A";
    double fm = 0;
    int64_t c = sys->capacity;
    for (int64_t i = 0; i < sys->n_local; ++i)
      fm = fmax(fm, sqrt(sys->f[i] * sys->f[i] + sys->f[c + i] * sys->f[c + i] + sys->f[2 * c + i] * sys->f[2 * c + i]));
    nnmd_log_info(&log, "atoms %lld, energy %.17g %s (%.17g per atom)", (long long)sys->n_global, md.epot, eu,
                  md.epot / (double)sys->n_global);
    nnmd_log_info(&log, "max |force| %.6g %s/%s, virial trace %.10g %s, extrapolation warnings %lld", fm, eu, lu,
                  md.virial[0] + md.virial[4] + md.virial[8], eu, (long long)nnmd_ff_warnings(md.ff));
    nnmd_log_info(&log, "wrote %s", o.out);
  } else {
    nnmd_error_print(&err, stderr, cli->verbosity >= 2);
  }
  nnmd_md_release(&md);
  nnmd_ff_destroy(md.ff);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
  return st ? (st == NNMD_ERR_INTERRUPTED ? NNMD_EXIT_INTERRUPTED : NNMD_EXIT_INPUT) : NNMD_EXIT_OK;
}
