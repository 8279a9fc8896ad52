/* obs_dump.c — LAMMPS dump trajectory observer ("ITEM:" text format of `dump custom`, which
 * OVITO, VMD, ASE and LAMMPS read_dump / rerun read).
 *
 * One frame: ITEM: TIMESTEP, NUMBER OF ATOMS, BOX BOUNDS, ATOMS <columns>, atoms in id order.
 * Box: orthogonal cells as "pp pp pp" with xlo xhi; other cells as "xy xz yz pp pp pp" with
 * the bounding-box form LAMMPS uses (xlo_bound = xlo + min(0, xy, xz, xy + xz), xhi_bound =
 * xhi + max(0, xy, xz, xy + xz), ylo_bound = ylo + min(0, yz), yhi_bound = yhi + max(0, yz)).
 * A cell that is not upper triangular (a not along x, b not in the xy plane) is rotated to
 * LAMMPS' restricted form (nnmd_box_lammps_params): r' = R (r - lo), v' = R v, f' = R f, with
 * origin 0; an upper-triangular cell keeps its origin and is not rotated.
 * Positions x y z are wrapped into the cell (image counts ix iy iz adjusted alike); xu yu zu
 * are the run's unwrapped positions; xs ys zs are fractional. type = species index + 1 in
 * the order of the species table (the element column names it). Units: metal (A, A/ps, eV/A,
 * amu, e). Each frame is formatted in memory and appended with one write and a flush, so a
 * killed run leaves whole frames. On restart the frames after the checkpoint are cut off. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box_math.h"
#include "comm.h"
#include "gather.h"
#include "mem.h"
#include "observers.h"
#include "write_extxyz.h"

enum dcol { D_ID, D_TYPE, D_ELEM, D_MASS, D_X, D_XS, D_XU, D_IX, D_V, D_F, D_FIELD };

struct dump_col {
  enum dcol kind;
  int comp;           /* 0..2 for vectors, the component of a field */
  char field[32];     /* named per-atom field */
};

struct dump_obs {
  struct nnmd_traj_opts o;
  char path[4096];
  char names[24][16];
  char header[1024];
  FILE *f;
  int n_cols;
  struct dump_col cols[24];
};

static const char *const k_names[] = {"id", "type", "element", "mass", "x",  "y",  "z",  "xs", "ys", "zs", "xu", "yu",
                                      "zu", "ix",   "iy",      "iz",   "vx", "vy", "vz", "fx", "fy", "fz", NULL};

/* name -> column; fields: "q" (charge) or a 1-component field by name, "name[k]" (1-based) */
static int parse_col(const char *name, struct nnmd_system *sys, struct dump_col *c) {
  static const enum dcol kinds[] = {D_ID, D_TYPE, D_ELEM, D_MASS, D_X, D_X, D_X, D_XS, D_XS, D_XS, D_XU,
                                    D_XU, D_XU,   D_IX,   D_IX,   D_IX, D_V, D_V, D_V, D_F,  D_F,  D_F};
  for (int k = 0; k_names[k]; ++k)
    if (!strcmp(name, k_names[k])) {
      *c = (struct dump_col){.kind = kinds[k], .comp = k >= 4 ? (k - 4) % 3 : 0};
      return 0;
    }
  char fname[32];
  int comp = 1;
  const char *br = strchr(name, '[');
  if (br) {
    size_t l = (size_t)(br - name);
    if (l == 0 || l >= sizeof fname || sscanf(br, "[%d]", &comp) != 1 || comp < 1) return 1;
    memcpy(fname, name, l);
    fname[l] = 0;
  } else {
    snprintf(fname, sizeof fname, "%s", !strcmp(name, "q") ? "charge" : name);
  }
  const struct nnmd_field *fi = nnmd_system_field_info(sys, fname);
  if (!fi || comp > fi->ncomp || (!br && fi->ncomp != 1)) return 1;
  *c = (struct dump_col){.kind = D_FIELD, .comp = comp - 1};
  snprintf(c->field, sizeof c->field, "%s", fname);
  return 0;
}

static int setup_cols(struct dump_obs *d, struct nnmd_system *sys, struct nnmd_error *err) {
  const char *def[16];
  int n = 0;
  if (d->o.n_columns == 0) {
    static const char *const base[] = {"id", "type", "element"};
    for (int k = 0; k < 3; ++k) def[n++] = base[k];
    const char *const *pos = d->o.unwrapped ? &k_names[10] : &k_names[4];
    for (int k = 0; k < 3; ++k) def[n++] = pos[k];
    for (int k = 0; d->o.velocities && k < 3; ++k) def[n++] = k_names[16 + k];
    for (int k = 0; d->o.forces && k < 3; ++k) def[n++] = k_names[19 + k];
  }
  int total = d->o.n_columns ? d->o.n_columns : n;
  size_t hl = (size_t)snprintf(d->header, sizeof d->header, "ITEM: ATOMS");
  for (int k = 0; k < total; ++k) {
    const char *name = d->o.n_columns ? d->o.columns[k] : def[k];
    if (parse_col(name, sys, &d->cols[k])) {
      char list[400] = "";
      size_t m = 0;
      for (int j = 0; k_names[j]; ++j) m += (size_t)snprintf(list + m, sizeof list - m, "%s%s", j ? " " : "", k_names[j]);
      return nnmd_fail_at(err, NNMD_ERR_INPUT, d->o.loc,
                          "trajectory: unknown LAMMPS dump column '%s' in 'columns' (known: %s, q, and the run's "
                          "per-atom fields as name or name[k])", name, list);
    }
    hl += (size_t)snprintf(d->header + hl, sizeof d->header - hl, " %s", name);
  }
  d->n_cols = total;
  return NNMD_OK;
}

int nnmd_dump_columns_check(const struct nnmd_traj_opts *o, struct nnmd_system *sys, struct nnmd_error *err) {
  struct dump_obs *d = nnmd_calloc(1, sizeof *d, err);
  if (!d) return NNMD_ERR_NOMEM;
  d->o = *o;
  int st = setup_cols(d, sys, err);
  free(d);
  return st;
}

/* Cut a dump after the frames of steps <= step (restart). */
static int truncate_dump(const char *path, int64_t step, struct nnmd_error *err) {
  FILE *f = fopen(path, "r");
  if (!f) return NNMD_OK; /* nothing to keep */
  char line[4096];
  long cut = -1, pos = ftell(f);
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "ITEM: TIMESTEP", 14)) {
      long here = pos;
      long long s = 0;
      if (!fgets(line, sizeof line, f) || sscanf(line, "%lld", &s) != 1 || s > step) {
        cut = here;
        break;
      }
    }
    pos = ftell(f);
  }
  fclose(f);
  if (cut >= 0 && truncate(path, (off_t)cut) != 0)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot cut '%s' back to step %lld: %s", path, (long long)step, strerror(errno));
  return NNMD_OK;
}

static int du_start(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct dump_obs *d = state;
  int st = setup_cols(d, v->sys, err); /* every rank: the same outcome */
  if (st || nnmd_comm_rank(v->comm) != 0) return st;
  if (v->first_step > 0 && (st = truncate_dump(d->path, v->first_step, err))) return st;
  d->f = fopen(d->path, v->first_step > 0 ? "a" : "w");
  if (!d->f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot write trajectory '%s': %s", d->path, strerror(errno));
  return NNMD_OK;
}

static void rot(const double R[9], bool rotate, const double a[3], double out[3]) {
  for (int k = 0; k < 3; ++k) out[k] = rotate ? R[3 * k] * a[0] + R[3 * k + 1] * a[1] + R[3 * k + 2] * a[2] : a[k];
}

static void put_real(FILE *f, double x) { fprintf(f, " %.10g", x); }

static void write_frame(FILE *f, const struct dump_obs *d, const struct nnmd_system *sys, const struct nnmd_box *box,
                        int64_t step, const int64_t *order) {
  double p[6], R[9], zero[3] = {0, 0, 0};
  nnmd_box_lammps_params(box, p, R);
  bool rotate = !nnmd_box_is_upper_triangular(box);
  const double *lo = rotate ? zero : box->lo;
  if (!rotate) { /* exact parameters of an upper-triangular cell */
    p[0] = box->h[0], p[1] = box->h[4], p[2] = box->h[8], p[3] = box->h[1], p[4] = box->h[2], p[5] = box->h[5];
  }
  bool tri = p[3] != 0 || p[4] != 0 || p[5] != 0;
  fprintf(f, "ITEM: TIMESTEP\n%lld\nITEM: NUMBER OF ATOMS\n%lld\nITEM: BOX BOUNDS ", (long long)step,
          (long long)sys->n_local);
  const char *pb[3];
  for (int k = 0; k < 3; ++k) pb[k] = box->periodic[k] ? "pp" : "ff";
  if (tri) {
    double xy = p[3], xz = p[4], yz = p[5];
    double xmin = fmin(fmin(0.0, xy), fmin(xz, xy + xz)), xmax = fmax(fmax(0.0, xy), fmax(xz, xy + xz));
    fprintf(f, "xy xz yz %s %s %s\n", pb[0], pb[1], pb[2]);
    fprintf(f, "%.16g %.16g %.16g\n", lo[0] + xmin, lo[0] + p[0] + xmax, xy);
    fprintf(f, "%.16g %.16g %.16g\n", lo[1] + fmin(0.0, yz), lo[1] + p[1] + fmax(0.0, yz), xz);
    fprintf(f, "%.16g %.16g %.16g\n", lo[2], lo[2] + p[2], yz);
  } else {
    fprintf(f, "%s %s %s\n", pb[0], pb[1], pb[2]);
    for (int k = 0; k < 3; ++k) fprintf(f, "%.16g %.16g\n", lo[k], lo[k] + p[k]);
  }
  fprintf(f, "%s\n", d->header);
  int64_t c = sys->capacity;
  const double *uw = nnmd_system_field(sys, "unwrapped");
  for (int64_t k = 0; k < sys->n_local; ++k) {
    int64_t i = order[k];
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3], u[3];
    int img[3] = {sys->image[i], sys->image[c + i], sys->image[2 * c + i]};
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    for (int a = 0; a < 3; ++a)
      if (box->periodic[a]) img[a] += nnmd_wrap_frac(&s[a]);
    nnmd_frac_to_cart(box->h, box->lo, s, r);
    for (int a = 0; a < 3; ++a) u[a] = uw ? uw[a * c + i] : r[a] + box->h[3 * a] * img[0] + box->h[3 * a + 1] * img[1] + box->h[3 * a + 2] * img[2];
    double rl[3], ul[3], vl[3], fl[3], dr[3], du[3];
    for (int a = 0; a < 3; ++a) dr[a] = r[a] - box->lo[a], du[a] = u[a] - box->lo[a];
    rot(R, rotate, dr, rl);
    rot(R, rotate, du, ul);
    double va[3] = {sys->v[i], sys->v[c + i], sys->v[2 * c + i]}, fa[3] = {sys->f[i], sys->f[c + i], sys->f[2 * c + i]};
    rot(R, rotate, va, vl);
    rot(R, rotate, fa, fl);
    for (int j = 0; j < d->n_cols; ++j) {
      const struct dump_col *col = &d->cols[j];
      int m = col->comp;
      switch (col->kind) {
        case D_ID: fprintf(f, j ? " %lld" : "%lld", (long long)sys->id[i]); continue;
        case D_TYPE: fprintf(f, j ? " %d" : "%d", sys->type[i] + 1); continue;
        case D_ELEM: fprintf(f, j ? " %s" : "%s", sys->species.s[sys->type[i]].symbol); continue;
        case D_IX: fprintf(f, j ? " %d" : "%d", img[m]); continue;
        default: break;
      }
      double x = 0;
      switch (col->kind) {
        case D_MASS: x = sys->species.s[sys->type[i]].mass; break;
        case D_X: x = lo[m] + rl[m]; break;
        case D_XU: x = lo[m] + ul[m]; break;
        case D_XS: x = s[m]; break;
        case D_V: x = vl[m]; break;
        case D_F: x = fl[m]; break;
        case D_FIELD: {
          const double *fd = nnmd_system_field(sys, col->field);
          x = fd ? fd[(int64_t)m * c + i] : NAN;
          break;
        }
        default: break;
      }
      if (j) put_real(f, x);
      else fprintf(f, "%.10g", x);
    }
    fputc('\n', f);
  }
}

static int du_sample(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct dump_obs *d = state;
  struct nnmd_system *full = NULL;
  if (nnmd_comm_size(v->comm) > 1) { /* collective: every rank sends its atoms to rank 0 */
    int st = nnmd_system_gather(v->sys, v->comm, 0, &full, err);
    if (st) return st;
  }
  if (!d->f) {
    nnmd_system_destroy(full);
    return NNMD_OK;
  }
  const struct nnmd_system *src = full ? full : v->sys;
  int64_t *order = NULL;
  int st = nnmd_sorted_by_id(src, &order, err);
  char *buf = NULL;
  size_t len = 0;
  FILE *m = st ? NULL : open_memstream(&buf, &len);
  if (!st && !m) st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory formatting a dump frame");
  if (!st) {
    write_frame(m, d, src, v->box, v->step, order);
    if (fclose(m) != 0) st = nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory formatting a dump frame");
  }
  if (!st && (fwrite(buf, 1, len, d->f) != len || fflush(d->f) != 0))
    st = nnmd_fail(err, NNMD_ERR_FILE, "cannot write trajectory '%s': %s", d->path, strerror(errno));
  free(buf);
  free(order);
  nnmd_system_destroy(full);
  return st;
}

static int du_finish(void *state, const struct nnmd_step_view *v, struct nnmd_error *err) {
  struct dump_obs *d = state;
  (void)v;
  if (d->f) {
    int bad = fclose(d->f) != 0;
    d->f = NULL;
    if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot close '%s': %s", d->path, strerror(errno));
  }
  return NNMD_OK;
}

static void du_destroy(void *state) {
  struct dump_obs *d = state;
  if (d && d->f) fclose(d->f);
  free(d);
}

static const struct nnmd_observer_ops k_dump_ops = {
    .name = "trajectory", .start = du_start, .sample = du_sample, .finish = du_finish, .destroy = du_destroy};

int nnmd_obs_dump_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err) {
  struct dump_obs *d = nnmd_calloc(1, sizeof *d, err);
  if (!d) return NNMD_ERR_NOMEM;
  d->o = *o;
  snprintf(d->path, sizeof d->path, "%s", o->path);
  d->o.path = d->path;
  if (d->o.n_columns > 24) d->o.n_columns = 24;
  for (int k = 0; k < d->o.n_columns; ++k) {
    snprintf(d->names[k], sizeof d->names[k], "%s", o->columns[k]);
    d->o.columns[k] = d->names[k];
  }
  *out = (struct nnmd_observer){.ops = &k_dump_ops, .state = d, .every = o->every, .at_last = true};
  return NNMD_OK;
}
