/* cmd_predict.c — `nnmd predict MODEL_DIR STRUCTURE [options]`: single-point energy,
 * forces and stress with an n2p2 model (like n2p2's nnp-predict), for any structure format
 * nnmd reads. Every frame of a multi-frame extxyz or n2p2 input.data file is predicted, in
 * input order, streaming (one frame's text is copied to a temporary file and read with the
 * ordinary structure reader, so memory does not grow with the file). Output: extxyz, one
 * frame per input frame (atoms in input order) with energy=, virial=, stress= in the comment
 * line and forces:R:3 and energies:R:1 (per-atom energies) columns (+ born_charges:R:9 with
 * --born-charges); a summary on stdout (per frame for up to 10 frames, then totals).
 * Units: the structure is in A (--structure-length-unit bohr: in Bohr, converted to A on
 * reading) and results in eV, eV/A, eV/A^3; the model's units are given
 * with --length-unit angstrom|bohr and --energy-unit eV|hartree (as the [[potential]] keys),
 * both required unless the model folder records them (models written by nnmd train). With --units model the structure is read in the model's own units
 * and the results are printed in them too, with no conversion at all (for comparisons with
 * n2p2's own numbers). --charge-state Q gives the system charge (e) for a model with a
 * charge-state input node (nnmd_charge_node, docs/nnp.md); such a model requires it.
 * The models are loaded once; every frame is computed by the calculator of api/calculator.h,
 * the function the library API (libnnmd.so, api/nnmd.h, the Python package) runs too, so both
 * give the same numbers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calculator.h"
#include "commands.h"
#include "files.h"
#include "hdnnp.h"
#include "run.h"
#include "structure.h"
#include "units.h"
#include "write_extxyz.h"

struct predict_opts {
  const char *model, *structure, *out, *format;
  const char *bec; /* --born-charges BEC_DIR */
  double cflength, cfenergy;
  double slength; /* --structure-length-unit: A per length unit of the structure file */
  bool slength_given;
  int native;
  bool units_given;
  int n_unit_flags;
  bool has_q;
  double q;
};

static int parse(int argc, char **argv, struct predict_opts *o) {
  *o = (struct predict_opts){.cflength = 1.0, .cfenergy = 1.0, .slength = 1.0, .out = "predict.extxyz"};
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--units") || !strcmp(a, "--length-unit") ||
        !strcmp(a, "--energy-unit") || !strcmp(a, "--format") || !strcmp(a, "--charge-state") ||
        !strcmp(a, "--born-charges") || !strcmp(a, "--structure-length-unit")) {
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
      else if (!strcmp(a, "--structure-length-unit")) {
        o->slength_given = true;
        if (!strcmp(val, "bohr")) o->slength = 1.0 / NNMD_BOHR_PER_ANGSTROM;
        else if (strcmp(val, "angstrom")) {
          fprintf(stderr, "error: --structure-length-unit takes 'angstrom' or 'bohr', got '%s'\n", val);
          return 1;
        }
      }
      else if (!strcmp(a, "--units")) {
        if (strcmp(val, "model") && strcmp(val, "metal")) {
          fprintf(stderr, "error: --units takes 'model' or 'metal', got '%s'\n", val);
          return 1;
        }
        o->native = !strcmp(val, "model");
      } else if (!strcmp(a, "--length-unit")) {
        o->units_given = true;
        o->n_unit_flags |= 1;
        if (!strcmp(val, "bohr")) o->cflength = NNMD_BOHR_PER_ANGSTROM;
        else if (strcmp(val, "angstrom")) {
          fprintf(stderr, "error: --length-unit takes 'angstrom' or 'bohr', got '%s'\n", val);
          return 1;
        }
      } else {
        o->units_given = true;
        o->n_unit_flags |= 2;
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
                    "                    [--structure-length-unit angstrom|bohr] [--charge-state Q]\n"
                    "                    [--born-charges BEC_DIR]\n");
    return 1;
  }
  if (o->native && o->slength_given) {
    fprintf(stderr, "error: --structure-length-unit does not go with --units model (the structure is then read in "
                    "the model's own length unit)\n");
    return 1;
  }
  if (!o->native && o->n_unit_flags && o->n_unit_flags != 3) {
    fprintf(stderr, "error: give both --length-unit and --energy-unit (the model's units)\n");
    return 1;
  }
  bool rb, rh; /* a model written by nnmd train records its units */
  char miss[2 * NNMD_NNP_PATH + 96];
  if (nnmd_nnp_settings_missing(o->model, miss, sizeof miss)) {
    fprintf(stderr, "error: %s\n", miss);
    return 1;
  }
  if (!o->native && !o->units_given) {
    if (!nnmd_nnp_recorded_units(o->model, &rb, &rh)) {
      fprintf(stderr,
              "error: the model '%s' does not record its units (n2p2 files do not): give --length-unit "
              "angstrom|bohr and --energy-unit eV|hartree (as the hdnnp input keys), or --units model to work in "
              "the model's own units\n",
              o->model);
      return 1;
    }
    o->cflength = rb ? NNMD_BOHR_PER_ANGSTROM : 1.0;
    o->cfenergy = rh ? NNMD_HARTREE_PER_EV : 1.0;
  }
  if (o->native) o->cflength = o->cfenergy = 1.0;
  return 0;
}

/* One frame: read the structure and compute it with the calculator shared with the library
 * API (api/calculator.h). */
static int compute(const struct predict_opts *o, struct nnmd_calc *calc, const char *path,
                   struct nnmd_calc_frame *fr, struct nnmd_error *err) {
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  memset(fr, 0, sizeof *fr);
  int st = nnmd_system_create(&sys, err);
  if (!st) st = nnmd_read_structure(path, o->format, o->slength, sys, &box, NULL, err);
  if (st) {
    nnmd_system_destroy(sys);
    return st;
  }
  return nnmd_calc_compute(calc, sys, &box, fr, err); /* fr owns sys from here */
}

static int write_result(const struct nnmd_calc_frame *fr, FILE *f, struct nnmd_error *err) {
  const struct nnmd_md *md = &fr->md;
  struct nnmd_extxyz_column col[2] = {{.name = "energies", .ncomp = 1, .data = md->eatom, .stride = 0},
                                      {.name = "born_charges", .ncomp = 9, .data = fr->bec, .stride = 0}};
  /* Born charges: the calculator applied the acoustic sum rule (methods.md 4.2) */
  struct nnmd_extxyz_frame xf = {.has_energy = true, .energy = md->epot, .has_virial = true, .write_stress = true,
                                 .forces = true, .n_extra = fr->bec ? 2 : 1, .extra = col};
  memcpy(xf.virial, md->virial, sizeof xf.virial);
  return nnmd_write_extxyz_frame(f, md->sys, &md->box, &xf, err);
}

/* Frame splitter: copies the next frame's text of `in` to the file `out` (truncated).
 * n2p2: begin ... end; extxyz: the count line, the comment and count atom lines; any other
 * format (LAMMPS data) is one frame: the whole file. Sets *line0 to the frame's first line.
 * Returns 1 at the end of the input, 0 after a frame, -1 on a truncated frame. */
struct splitter {
  FILE *in;
  int64_t line;
  int64_t bad; /* a negative nnmd_read_line result other than the end of the file */
  int kind; /* 0 extxyz, 1 n2p2, 2 whole file */
  char *buf;
  size_t cap;
};

/* One line (nnmd_read_line: bounded, NUL bytes and read errors refused); <= 0 ends the input,
 * a failure is kept in sp->bad. */
static int64_t split_line(struct splitter *sp) {
  int64_t n = nnmd_read_line(sp->in, &sp->buf, &sp->cap, NNMD_LINE_MAX);
  if (n < NNMD_LINE_EOF && !sp->bad) sp->bad = n;
  return n;
}

static int next_frame(struct splitter *sp, const char *out, int64_t *line0) {
  FILE *fo = fopen(out, "w");
  if (!fo) return -1;
  int64_t n;
  int got = 0;
  if (sp->kind == 2) {
    while ((n = split_line(sp)) > 0) {
      fwrite(sp->buf, 1, (size_t)n, fo);
      got = 1;
    }
    *line0 = 1;
    fclose(fo);
    return got ? 0 : 1;
  }
  /* skip blank lines, then the first line of the frame */
  while ((n = split_line(sp)) > 0) {
    sp->line++;
    if (strspn(sp->buf, " \t\r\n") != (size_t)n) break;
  }
  if (n <= 0) {
    fclose(fo);
    return 1;
  }
  *line0 = sp->line;
  fwrite(sp->buf, 1, (size_t)n, fo);
  int rc = 0;
  if (sp->kind == 1) {
    for (;;) {
      if ((n = split_line(sp)) <= 0) {
        rc = -1;
        break;
      }
      sp->line++;
      fwrite(sp->buf, 1, (size_t)n, fo);
      const char *t = sp->buf + strspn(sp->buf, " \t");
      if (!strncmp(t, "end", 3) && (t[3] == 0 || t[3] == '\n' || t[3] == '\r' || t[3] == ' ')) break;
    }
  } else {
    char *end;
    long na = strtol(sp->buf, &end, 10);
    if (end == sp->buf || na < 1) na = 0; /* the structure reader reports the bad count line */
    for (long k = 0; k < na + 1; ++k) {
      if ((n = split_line(sp)) <= 0) break; /* truncated: the reader reports it */
      sp->line++;
      fwrite(sp->buf, 1, (size_t)n, fo);
    }
  }
  if (fclose(fo)) return -1;
  return rc;
}

int nnmd_cmd_predict(const struct nnmd_cli *cli, int argc, char **argv) {
  struct predict_opts o;
  if (parse(argc, argv, &o)) return NNMD_EXIT_INPUT;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_log log;
  nnmd_log_init(&log, nnmd_comm_rank(cli->comm), cli->verbosity);
  struct splitter sp = {0};
  sp.in = nnmd_fopen_input(o.structure);
  if (!sp.in) {
    fprintf(stderr, "error: cannot open '%s': %s\n", o.structure, nnmd_files_strerror(errno));
    return NNMD_EXIT_INPUT;
  }
  { /* the format decides how frames are split */
    const char *fmt = o.format;
    char first[64] = "";
    if (!fmt || !strcmp(fmt, "auto")) {
      int c;
      size_t k = 0;
      while ((c = fgetc(sp.in)) != EOF && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {}
      while (c != EOF && c != ' ' && c != '\t' && c != '\n' && k + 1 < sizeof first) {
        first[k++] = (char)c;
        c = fgetc(sp.in);
      }
      first[k] = 0;
      rewind(sp.in);
      char *end;
      long v = strtol(first, &end, 10);
      sp.kind = !strcmp(first, "begin") ? 1 : (end != first && *end == 0 && v > 0) ? 0 : 2;
    } else
      sp.kind = !strcmp(fmt, "n2p2") ? 1 : !strcmp(fmt, "extxyz") ? 0 : 2;
  }
  char frame_path[] = "/tmp/nnmd_predict_XXXXXX";
  int fd = mkstemp(frame_path);
  if (fd < 0) {
    fclose(sp.in);
    fprintf(stderr, "error: cannot create a temporary file\n");
    return NNMD_EXIT_RUNTIME;
  }
  close(fd);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", o.out);
  FILE *out = fopen(tmp, "w");
  int st = out ? NNMD_OK : nnmd_fail(&err, NNMD_ERR_FILE, "cannot write '%s'", tmp);
  /* the models are loaded once, for every frame (the library API's calculator) */
  struct nnmd_calc *calc = NULL;
  struct nnmd_calc_opts co = {.model = o.model, .bec = o.bec, .cflength = o.cflength, .cfenergy = o.cfenergy,
                              .native = o.native, .has_q = o.has_q, .q = o.q, .q_what = "--charge-state",
                              .comm = cli->comm, .log = &log};
  if (!st) st = nnmd_calc_create(&co, &calc, &err);
  long nframes = 0;
  double etot = 0.0;
  int64_t natoms = 0, nwarn = 0;
  const char *eu = o.native ? "model energy unit" : "eV", *lu = o.native ? "model length unit" : "A";
  while (!st) {
    int64_t line0 = 0;
    int r = next_frame(&sp, frame_path, &line0);
    if (sp.bad) {
      st = nnmd_read_line_fail(&err, o.structure, sp.line + 1, sp.bad);
      break;
    }
    if (r == 1) break;
    if (r < 0) {
      st = nnmd_fail_at(&err, NNMD_ERR_FORMAT, ((struct nnmd_loc){o.structure, line0, 1}),
                        "frame %ld is truncated (no 'end' or too few atom lines)", nframes + 1);
      break;
    }
    struct nnmd_calc_frame fr;
    st = compute(&o, calc, frame_path, &fr, &err);
    if (st) { /* point at the frame in the user's file, not at the temporary copy */
      struct nnmd_error e2;
      nnmd_error_init(&e2);
      nnmd_fail_at(&e2, st, ((struct nnmd_loc){o.structure, line0, 1}), "frame %ld (starting here): %s",
                   nframes + 1, err.msg);
      nnmd_error_clear(&err);
      err = e2;
    }
    if (!st) st = write_result(&fr, out, &err);
    if (!st) {
      const struct nnmd_system *sys = fr.md.sys;
      double fm = 0;
      int64_t c = sys->capacity;
      for (int64_t i = 0; i < sys->n_local; ++i)
        fm = fmax(fm, sqrt(sys->f[i] * sys->f[i] + sys->f[c + i] * sys->f[c + i] + sys->f[2 * c + i] * sys->f[2 * c + i]));
      ++nframes;
      etot += fr.md.epot;
      natoms += sys->n_global;
      nwarn += fr.warnings;
      if (nframes <= 10) {
        nnmd_log_info(&log, "frame %ld: atoms %lld, energy %.17g %s (%.17g per atom)", nframes,
                      (long long)sys->n_global, fr.md.epot, eu, fr.md.epot / (double)sys->n_global);
        nnmd_log_info(&log, "frame %ld: max |force| %.6g %s/%s, virial trace %.10g %s, extrapolation warnings %lld",
                      nframes, fm, eu, lu, fr.md.virial[0] + fr.md.virial[4] + fr.md.virial[8], eu,
                      (long long)fr.warnings);
      }
    }
    nnmd_calc_frame_release(&fr);
  }
  nnmd_calc_destroy(calc);
  fclose(sp.in);
  free(sp.buf);
  remove(frame_path);
  if (out && fclose(out) != 0 && !st) st = nnmd_fail(&err, NNMD_ERR_FILE, "cannot write '%s'", tmp);
  if (!st && nframes == 0) st = nnmd_fail_at(&err, NNMD_ERR_INPUT, ((struct nnmd_loc){o.structure, 1, 1}), "no frames");
  if (!st && rename(tmp, o.out) != 0) st = nnmd_fail(&err, NNMD_ERR_FILE, "cannot rename '%s' to '%s'", tmp, o.out);
  if (st) {
    remove(tmp);
    nnmd_error_print(&err, stderr, cli->verbosity >= 2);
  } else {
    if (nframes > 1)
      nnmd_log_info(&log, "%ld frames, %lld atoms, mean energy per atom %.10g %s, extrapolation warnings %lld", nframes,
                    (long long)natoms, etot / (double)natoms, eu, (long long)nwarn);
    nnmd_log_info(&log, "wrote %s", o.out);
  }
  nnmd_error_clear(&err);
  return st ? (st == NNMD_ERR_INTERRUPTED ? NNMD_EXIT_INTERRUPTED : NNMD_EXIT_INPUT) : NNMD_EXIT_OK;
}
