/* cmd_analyze.c — `nnmd analyze TRAJ.extxyz [options]`: the MSD / diffusion, VACF / VDOS and
 * RDF products of a run, computed after the fact from a multi-frame extxyz trajectory with
 * exactly the code the in-run observers use (analysis/msd.h, vacf.h, rdf.h).
 *
 * Positions: the "unwrapped" column when the frames have one (a trajectory written with
 * fields = ["unwrapped"]: the run's displacement-tracked positions, exact under NPT), or
 * "pos" itself when the comment line says unwrapped=T (unwrapped = true); else
 * "pos" unwrapped frame to frame by the minimum image in the current cell (von Buelow et al.
 * 2020), which needs every atom to move less than half a cell width between frames.
 * Time: step= and time= of the frames give the time step (ps per step); without them frames
 * count as steps and --dt gives the time between frames. --every and --window are in steps
 * (every: a multiple of the frame spacing, default the spacing; window: default 1/5 of the
 * trajectory). Temperature for kT: from the velocities column (N_f = 3N - 3) or --temperature.
 * --skip N drops the first N frames, --start T the frames before time T (ps; the frames' time=,
 * or step x --dt): equilibration is left out of every analysis; the rest must still hold 2 frames.
 * A window longer than the (remaining) trajectory is an error that says how long it is.
 * Two passes over the file: headers first (frame count and spacing), then the frames.
 * Memory: one frame plus one block per analysis (msd.h, vacf.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "box.h"
#include "commands.h"
#include "log.h"
#include "mem.h"
#include "msd.h"
#include "rdf.h"
#include "read_frames.h"
#include "units.h"
#include "vacf.h"

struct an_opts {
  const char *traj, *out, *species, *charges, *pairs;
  bool msd, vacf, rdf, no_com;
  double dt, fit[2], field[3], temperature, rmax, start;
  bool has_fit, has_field, has_start;
  int64_t every, window, bins, skip;
};

static int num_list(const char *s, int n, double *out) {
  for (int k = 0; k < n; ++k) {
    char *end;
    out[k] = strtod(s, &end);
    if (end == s || !isfinite(out[k])) return 1;
    s = end;
    if (k < n - 1) {
      if (*s != ',') return 1;
      ++s;
    }
  }
  return *s != 0;
}

static int parse(int argc, char **argv, struct an_opts *o) {
  *o = (struct an_opts){.out = ".", .temperature = NAN, .fit = {0.1, 0.5}};
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool flag = true;
    if (!strcmp(a, "--msd")) o->msd = true;
    else if (!strcmp(a, "--vacf")) o->vacf = true;
    else if (!strcmp(a, "--rdf")) o->rdf = true;
    else if (!strcmp(a, "--no-com")) o->no_com = true;
    else flag = false;
    if (flag) continue;
    if (a[0] != '-') {
      if (o->traj) {
        fprintf(stderr, "error: more than one trajectory ('%s' and '%s')\n", o->traj, a);
        return 1;
      }
      o->traj = a;
      continue;
    }
    if (!v) {
      fprintf(stderr, "error: unknown option '%s' or missing value (see nnmd --help)\n", a);
      return 1;
    }
    ++i;
    char *end = NULL;
    int bad = 0;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->out = v;
    else if (!strcmp(a, "--species")) o->species = v;
    else if (!strcmp(a, "--charges")) o->charges = v;
    else if (!strcmp(a, "--pairs")) o->pairs = v;
    else if (!strcmp(a, "--dt")) bad = num_list(v, 1, &o->dt) || !(o->dt > 0);
    else if (!strcmp(a, "--temperature")) bad = num_list(v, 1, &o->temperature) || !(o->temperature > 0);
    else if (!strcmp(a, "--rmax")) bad = num_list(v, 1, &o->rmax) || !(o->rmax > 0);
    else if (!strcmp(a, "--fit")) bad = num_list(v, 2, o->fit) || !(o->fit[0] >= 0 && o->fit[0] < o->fit[1] && o->fit[1] <= 1),
                                  o->has_fit = true;
    else if (!strcmp(a, "--field")) bad = num_list(v, 3, o->field), o->has_field = true;
    else if (!strcmp(a, "--start")) bad = num_list(v, 1, &o->start) || !(o->start >= 0), o->has_start = true;
    else if (!strcmp(a, "--skip")) {
      long long x = strtoll(v, &end, 10);
      bad = end == v || *end || x < 0;
      o->skip = x;
    }
    else if (!strcmp(a, "--every") || !strcmp(a, "--window") || !strcmp(a, "--bins")) {
      long long x = strtoll(v, &end, 10);
      bad = end == v || *end || x < 1;
      *(!strcmp(a, "--every") ? &o->every : !strcmp(a, "--window") ? &o->window : &o->bins) = x;
    } else {
      fprintf(stderr, "error: unknown option '%s' (see nnmd --help)\n", a);
      return 1;
    }
    if (bad) {
      fprintf(stderr, "error: bad value '%s' for %s\n", v, a);
      return 1;
    }
  }
  if (!o->traj) {
    fprintf(stderr, "error: missing trajectory (usage: nnmd analyze TRAJ.extxyz [--msd] [--vacf] [--rdf] ...)\n");
    return 1;
  }
  return 0;
}

/* Pass 1: frame count, spacing in steps, time per step. */
struct scan {
  int64_t frames, n, s0, ds, s_last;
  int64_t first, total; /* index of the first frame used (--skip/--start), frames in the file */
  double t_first, t_last; /* times of the first and last frames in the file (ps; NaN without time) */
  double dt;
  bool periodic;
  double h[9];
};

static int scan(const struct an_opts *o, struct scan *sc, struct nnmd_error *err) {
  struct nnmd_frame_reader *r = NULL;
  int st = nnmd_frames_open(o->traj, &r, err);
  if (st) return st;
  memset(sc, 0, sizeof *sc);
  double t[2] = {0, 0};
  int64_t s[2] = {0, 0};
  bool has_step = false, has_time = false, got = true;
  bool kept = false;
  sc->t_first = sc->t_last = NAN;
  while (!st) {
    const struct nnmd_frame *f = NULL;
    if ((st = nnmd_frames_next(r, true, &f, &got, err)) || !got) break;
    int64_t step = f->has_step ? f->step : sc->total;
    double tf = f->has_time ? f->time : o->dt > 0 ? (double)step * o->dt : NAN;
    if (sc->total == 0) sc->t_first = tf;
    sc->t_last = tf;
    sc->total++;
    if (!kept && o->has_start && !isfinite(tf)) {
      st = nnmd_fail(err, NNMD_ERR_INPUT, "%s: --start needs frame times (time= in the comment line) or --dt PS",
                     o->traj);
      break;
    }
    if (!kept && (sc->total - 1 < o->skip || (o->has_start && tf < o->start - 1e-9 * fmax(1.0, o->start)))) continue;
    if (!kept) sc->first = sc->total - 1;
    kept = true;
    if (sc->frames == 0) {
      sc->n = f->n;
      has_step = f->has_step;
      has_time = f->has_time;
      sc->periodic = f->has_cell && f->periodic[0] && f->periodic[1] && f->periodic[2];
      memcpy(sc->h, f->h, sizeof sc->h);
    }
    if (sc->frames < 2) {
      s[sc->frames] = step;
      t[sc->frames] = f->time;
    }
    sc->s_last = step;
    sc->frames++;
  }
  nnmd_frames_close(r);
  if (st) return st;
  if (sc->frames < 2 && (o->skip > 0 || o->has_start))
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: %lld frame%s left after %s%s%s (the file has %lld frames, t = %g .. %g ps); "
                     "at least 2 are needed", o->traj, (long long)sc->frames, sc->frames == 1 ? "" : "s",
                     o->skip > 0 ? "--skip" : "", o->skip > 0 && o->has_start ? " and " : "", o->has_start ? "--start" : "",
                     (long long)sc->total, sc->t_first, sc->t_last);
  if (sc->frames < 2) return nnmd_fail(err, NNMD_ERR_INPUT, "%s: needs at least 2 frames, found %lld", o->traj, (long long)sc->frames);
  sc->s0 = s[0];
  sc->ds = s[1] - s[0];
  if (sc->ds <= 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: the first two frames have steps %lld and %lld", o->traj, (long long)s[0],
                     (long long)s[1]);
  if (o->dt > 0) sc->dt = o->dt;
  else if (has_time) sc->dt = (t[1] - t[0]) / (double)sc->ds;
  if (!(sc->dt > 0))
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: the frames carry no time (time=%s); give the time step with --dt PS",
                     o->traj, has_step ? "" : " and step=");
  return NNMD_OK;
}

struct an {
  struct an_opts o;
  struct scan sc;
  struct nnmd_log log;
  const struct nnmd_units *units;
  struct nnmd_msd *msd;
  struct nnmd_vacf *vacf;
  struct nnmd_rdf *rdf;
  double *u, *prev;
  int *type0; /* species of the first frame's atoms */
  bool min_image;
};

static int charges(const char *list, const struct nnmd_species_table *sp, struct nnmd_msd_opts *mo,
                   struct nnmd_error *err) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    int k = -1;
    double q = 0;
    if (!eq || num_list(eq + 1, 1, &q))
      return nnmd_fail(err, NNMD_ERR_INPUT, "--charges: expected Species=charge,..., got '%s'", tok);
    *eq = 0;
    int st = nnmd_ana_species_index(tok, NNMD_NOLOC, sp, &k, err);
    if (st) return st;
    mo->charge_known[k] = true;
    mo->charge[k] = q;
  }
  return NNMD_OK;
}

static int pairs(const char *list, const struct nnmd_species_table *sp, struct nnmd_rdf_opts *ro,
                 struct nnmd_error *err) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok && ro->npairs < NNMD_RDF_MAX_PAIRS; tok = strtok_r(NULL, ",", &save)) {
    char *dash = strchr(tok, '-');
    if (!dash) return nnmd_fail(err, NNMD_ERR_INPUT, "--pairs: expected A-B,..., got '%s'", tok);
    *dash = 0;
    int a = -1, b = -1, st = nnmd_ana_species_index(tok, NNMD_NOLOC, sp, &a, err);
    if (!st) st = nnmd_ana_species_index(dash + 1, NNMD_NOLOC, sp, &b, err);
    if (st) return st;
    ro->pair[ro->npairs][0] = a;
    ro->pair[ro->npairs++][1] = b;
  }
  return NNMD_OK;
}

/* Accumulators from the first frame (species are known then). */
static int create(struct an *A, const struct nnmd_frame *f, const struct nnmd_species_table *sp, const struct nnmd_box *box,
                  struct nnmd_error *err) {
  const struct an_opts *o = &A->o;
  bool sel[NNMD_MAX_SPECIES];
  int st = o->species ? nnmd_ana_species_csv(o->species, sp, sel, err) : NNMD_OK;
  if (!o->species)
    for (int s = 0; s < NNMD_MAX_SPECIES; ++s) sel[s] = s < sp->n;
  if (st) return st;
  char source[512];
  snprintf(source, sizeof source, "nnmd analyze %.480s", o->traj);
  if (A->o.msd) {
    struct nnmd_msd_opts mo;
    nnmd_msd_opts_default(&mo);
    mo.every = o->every;
    mo.window = o->window;
    memcpy(mo.fit, o->fit, sizeof mo.fit);
    mo.com = !o->no_com;
    memcpy(mo.species, sel, sizeof sel);
    if (o->charges && (st = charges(o->charges, sp, &mo, err))) return st;
    mo.field_on = o->has_field;
    memcpy(mo.E, o->field, sizeof mo.E);
    snprintf(mo.dir, sizeof mo.dir, "%s", o->out);
    snprintf(mo.source, sizeof mo.source, "%s", source);
    mo.log = &A->log;
    mo.units = A->units;
    if ((st = nnmd_msd_create(&mo, sp, f->n, f->type, A->sc.dt, &A->msd, err))) return st;
  }
  if (A->o.vacf) {
    struct nnmd_vacf_opts vo;
    nnmd_vacf_opts_default(&vo);
    vo.every = o->every;
    vo.window = o->window;
    memcpy(vo.species, sel, sizeof sel);
    snprintf(vo.dir, sizeof vo.dir, "%s", o->out);
    snprintf(vo.source, sizeof vo.source, "%s", source);
    vo.log = &A->log;
    vo.units = A->units;
    if ((st = nnmd_vacf_create(&vo, sp, f->n, f->type, A->sc.dt, &A->vacf, err))) return st;
  }
  if (A->o.rdf) {
    struct nnmd_rdf_opts ro;
    nnmd_rdf_opts_default(&ro);
    ro.every = o->every;
    double lim = nnmd_rdf_rmax_limit(box);
    ro.rmax = o->rmax > 0 ? o->rmax : fmin(10.0, floor(0.98 * lim * 10.0) / 10.0);
    if (ro.rmax > lim)
      return nnmd_fail(err, NNMD_ERR_INPUT, "--rmax %g A is more than half the smallest perpendicular cell width (%g A)",
                       ro.rmax, 2.0 * lim);
    if (o->bins > 0) ro.bins = o->bins;
    if (o->pairs && (st = pairs(o->pairs, sp, &ro, err))) return st;
    snprintf(ro.dir, sizeof ro.dir, "%s", o->out);
    snprintf(ro.source, sizeof ro.source, "%s", source);
    ro.log = &A->log;
    if ((st = nnmd_rdf_create(&ro, sp, f->n, f->type, &A->rdf, err))) return st;
  }
  return NNMD_OK;
}

static double temperature(const struct an *A, const struct nnmd_frame *f, const struct nnmd_species_table *sp) {
  if (A->o.temperature > 0 || !f->vel) return A->o.temperature;
  double s = 0;
  for (int64_t i = 0; i < f->n; ++i)
    for (int d = 0; d < 3; ++d) s += sp->s[f->type[i]].mass * f->vel[d * f->n + i] * f->vel[d * f->n + i];
  int64_t ndof = 3 * f->n - 3;
  return A->units->mvv2e * s / ((double)(ndof > 0 ? ndof : 1) * A->units->boltz);
}

/* One frame: unwrap, and feed the accumulators when it is a sample. */
static int frame(struct an *A, struct nnmd_frame_reader *r, const struct nnmd_frame *f, int64_t k,
                 struct nnmd_error *err) {
  const struct nnmd_species_table *sp = nnmd_frames_species(r);
  int64_t n = f->n, step = f->has_step ? f->step : k + A->sc.first; /* file index without step= */
  struct nnmd_box box;
  int st = NNMD_OK;
  if (f->has_cell) {
    if ((st = nnmd_box_set_h(&box, f->h, f->lo, f->periodic, err))) return st;
  } else {
    memset(&box, 0, sizeof box);
    box.volume = NAN;
  }
  if (n != A->sc.n)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){A->o.traj, f->line, 0}),
                        "frame %lld has %lld atoms, the first had %lld", (long long)k, (long long)n, (long long)A->sc.n);
  if (step != A->sc.s0 + k * A->sc.ds)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){A->o.traj, f->line, 0}),
                        "frames are not equally spaced: frame %lld is step %lld, expected %lld", (long long)k,
                        (long long)step, (long long)(A->sc.s0 + k * A->sc.ds));
  if (k == 0) {
    A->min_image = !f->unwrapped;
    memcpy(A->type0, f->type, (size_t)n * sizeof *A->type0);
    if ((st = create(A, f, sp, &box, err))) return st;
  }
  for (int64_t i = 0; i < n; ++i)
    if (f->type[i] != A->type0[i])
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){A->o.traj, f->line, 0}),
                          "frame %lld: atom %lld (by id) is %s, in the first frame it was %s", (long long)k,
                          (long long)f->id[i], sp->s[f->type[i]].symbol, sp->s[A->type0[i]].symbol);
  if (A->o.msd) {
    if (f->unwrapped) memcpy(A->u, f->unwrapped, (size_t)(3 * n) * sizeof(double));
    else if (k == 0) memcpy(A->u, f->pos, (size_t)(3 * n) * sizeof(double));
    else {
      for (int64_t i = 0; i < n; ++i) {
        double u[3] = {A->u[i], A->u[n + i], A->u[2 * n + i]}, d[3];
        for (int c = 0; c < 3; ++c) d[c] = f->pos[c * n + i] - A->prev[c * n + i];
        if (f->has_cell) nnmd_msd_unwrap(u, d, &box);
        else
          for (int c = 0; c < 3; ++c) u[c] += d[c];
        for (int c = 0; c < 3; ++c) A->u[c * n + i] = u[c];
      }
    }
    memcpy(A->prev, f->pos, (size_t)(3 * n) * sizeof(double));
  }
  if ((step - A->sc.s0) % A->o.every != 0) return NNMD_OK;
  if (A->msd && (st = nnmd_msd_add(A->msd, A->u, temperature(A, f, sp), box.volume, err))) return st;
  if (A->vacf && (st = nnmd_vacf_add(A->vacf, f->vel, err))) return st;
  if (A->rdf && (st = nnmd_rdf_add(A->rdf, f->pos, &box, err))) return st;
  return NNMD_OK;
}

static int analyze(struct an *A, struct nnmd_error *err) {
  int st = scan(&A->o, &A->sc, err);
  if (st) return st;
  struct an_opts *o = &A->o;
  if (o->every == 0) o->every = A->sc.ds;
  if (o->every % A->sc.ds != 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "--every %lld is not a multiple of the frame spacing (%lld steps)",
                     (long long)o->every, (long long)A->sc.ds);
  int64_t span = A->sc.s_last - A->sc.s0;
  if (o->window > span)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the trajectory is too short for --window %lld: its %lld frames%s span %lld steps "
                     "(%g ps); give --window %lld or less (a multiple of --every %lld), or a longer trajectory",
                     (long long)o->window, (long long)A->sc.frames, A->sc.first ? " used" : "", (long long)span,
                     (double)span * A->sc.dt, (long long)(span / o->every * o->every), (long long)o->every);
  if (o->window == 0) o->window = span / 5 / o->every * o->every;
  if (o->window == 0 && span >= 2 * o->every) o->window = span / o->every * o->every; /* short: one window */
  if (o->window < 2 * o->every && span < 2 * o->every)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the trajectory is too short: its %lld frames%s span %lld steps, a window needs "
                     "at least 2 samples of --every %lld steps (3 frames at that spacing)", (long long)A->sc.frames,
                     A->sc.first ? " used" : "", (long long)span, (long long)o->every);
  if (o->window < 2 * o->every || o->window % o->every != 0)
    return nnmd_fail(err, NNMD_ERR_INPUT, "the window (%lld steps) must be a multiple of --every (%lld) and at least "
                     "twice it (the trajectory spans %lld steps)", (long long)o->window, (long long)o->every, (long long)span);
  if (!o->msd && !o->vacf && !o->rdf) o->msd = true; /* default: the MSD products */
  if (o->rdf && !A->sc.periodic)
    return nnmd_fail(err, NNMD_ERR_INPUT, "--rdf needs frames with a Lattice periodic in x, y and z");
  if (mkdir(o->out, 0777) != 0 && errno != EEXIST)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot create the output folder '%s': %s", o->out, strerror(errno));
  A->u = nnmd_malloc((size_t)(3 * A->sc.n) * sizeof(double), err);
  A->prev = nnmd_malloc((size_t)(3 * A->sc.n) * sizeof(double), err);
  A->type0 = nnmd_malloc((size_t)A->sc.n * sizeof(int), err);
  if (!A->u || !A->prev || !A->type0) return NNMD_ERR_NOMEM;
  struct nnmd_frame_reader *r = NULL;
  if ((st = nnmd_frames_open(o->traj, &r, err))) return st;
  bool got = true;
  for (int64_t k = 0; !st; ++k) {
    const struct nnmd_frame *f = NULL;
    if ((st = nnmd_frames_next(r, k < A->sc.first, &f, &got, err)) || !got) break;
    if (k < A->sc.first) continue; /* --skip / --start */
    if (o->vacf && !f->vel)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){o->traj, f->line, 0}),
                        "--vacf needs a velocities column in every frame");
    if (!st) st = frame(A, r, f, k - A->sc.first, err);
  }
  nnmd_frames_close(r);
  if (st) return st;
  if (A->sc.first > 0)
    nnmd_log_info(&A->log, "%s: the first %lld frames left out (--skip/--start); analysis from step %lld", o->traj,
                  (long long)A->sc.first, (long long)A->sc.s0);
  nnmd_log_info(&A->log, "%s: %lld frames of %lld atoms, %g ps per step, samples every %lld steps, window %lld steps%s",
                o->traj, (long long)A->sc.frames, (long long)A->sc.n, A->sc.dt, (long long)o->every, (long long)o->window,
                A->min_image ? "; positions unwrapped frame to frame by the minimum image (atoms must move less "
                               "than half a cell between frames)" : "; unwrapped column used");
  if (A->msd && (st = nnmd_msd_write(A->msd, err))) return st;
  if (A->vacf && (st = nnmd_vacf_write(A->vacf, err))) return st;
  if (A->rdf && (st = nnmd_rdf_write(A->rdf, err))) return st;
  return NNMD_OK;
}

int nnmd_cmd_analyze(const struct nnmd_cli *cli, int argc, char **argv) {
  struct an A;
  memset(&A, 0, sizeof A);
  if (parse(argc, argv, &A.o)) return NNMD_EXIT_INPUT;
  if (nnmd_comm_rank(cli->comm) != 0) return NNMD_EXIT_OK; /* post-processing runs on one rank */
  nnmd_log_init(&A.log, 0, cli->verbosity);
  A.units = nnmd_units_get("lammps");
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = analyze(&A, &err);
  if (st) nnmd_error_print(&err, stderr, cli->verbosity >= 2);
  nnmd_error_clear(&err);
  nnmd_msd_destroy(A.msd);
  nnmd_vacf_destroy(A.vacf);
  nnmd_rdf_destroy(A.rdf);
  free(A.u);
  free(A.prev);
  free(A.type0);
  if (st == NNMD_OK) return NNMD_EXIT_OK;
  return (st == NNMD_ERR_NOMEM || st == NNMD_ERR_INTERNAL) ? NNMD_EXIT_RUNTIME : NNMD_EXIT_INPUT;
}
