/* checkpoint.c — see checkpoint.h. The payload is assembled in memory (open_memstream),
 * checksummed, and written in one go. Integers are int64, reals IEEE double, in the
 * writer's byte order (the endianness marker lets a reader refuse a foreign file). */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box_math.h"
#include "files.h"
#include "gather.h"
#include "mem.h"

#define CHK_MAGIC "NNMDCHK"
#define CHK_VERSION 2 /* 2: the MPI process grid after the periodic flags; version 1 is still read */
#define CHK_ENDIAN 0x01020304u

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void put(FILE *m, const void *p, size_t n) { fwrite(p, 1, n, m); }
static void put_i64(FILE *m, int64_t v) { put(m, &v, sizeof v); }
static void put_str(FILE *m, const char *s) {
  int64_t n = (int64_t)strlen(s);
  put_i64(m, n);
  put(m, s, (size_t)n);
}

static int payload(const struct nnmd_md *md, const struct nnmd_system *sys, FILE *m, struct nnmd_error *err) {
  int64_t n = sys->n_local, c = sys->capacity;
  put_i64(m, md->step);
  put(m, &md->dt, sizeof md->dt);
  put_i64(m, (int64_t)md->seed);
  put(m, md->box.h, sizeof md->box.h);
  put(m, md->box.lo, sizeof md->box.lo);
  for (int d = 0; d < 3; ++d) put_i64(m, md->box.periodic[d]);
  const struct nnmd_domain *dom = md->halo ? nnmd_halo_domain(md->halo) : NULL;
  for (int d = 0; d < 3; ++d) put_i64(m, dom ? dom->grid[d] : 1);
  put_i64(m, sys->species.n);
  for (int t = 0; t < sys->species.n; ++t) {
    put_str(m, sys->species.s[t].symbol);
    put(m, &sys->species.s[t].mass, sizeof(double));
  }
  int64_t *order = nnmd_malloc((size_t)(n ? n : 1) * sizeof(int64_t), err);
  if (!order) return NNMD_ERR_NOMEM;
  /* counting the ids: they are 1..n_global in every nnmd run, so sort by placing */
  for (int64_t i = 0; i < n; ++i) order[i] = -1;
  int st = NNMD_OK;
  for (int64_t i = 0; i < n && !st; ++i) {
    int64_t k = sys->id[i] - 1;
    if (k < 0 || k >= n || order[k] >= 0)
      st = nnmd_fail(err, NNMD_ERR_INTERNAL, "checkpoint: atom ids are not 1..%lld", (long long)n);
    else order[k] = i;
  }
  if (st) {
    free(order);
    return st;
  }
  put_i64(m, n);
  for (int64_t k = 0; k < n; ++k) {
    int64_t i = order[k];
    put_i64(m, sys->id[i]);
    put_i64(m, sys->type[i]);
    for (int d = 0; d < 3; ++d) put(m, &sys->x[d * c + i], sizeof(double));
    for (int d = 0; d < 3; ++d) put(m, &sys->v[d * c + i], sizeof(double));
    for (int d = 0; d < 3; ++d) put_i64(m, sys->image[d * c + i]);
  }
  int64_t nf = 0;
  for (int q = 0; q < sys->n_fields; ++q) nf += sys->fields[q].migrate;
  put_i64(m, nf);
  for (int q = 0; q < sys->n_fields; ++q) {
    const struct nnmd_field *f = &sys->fields[q];
    if (!f->migrate) continue;
    put_str(m, f->name);
    put_i64(m, f->ncomp);
    for (int64_t k = 0; k < n; ++k)
      for (int cc = 0; cc < f->ncomp; ++cc) put(m, &f->data[cc * c + order[k]], sizeof(double));
  }
  free(order);
  put_str(m, md->integ ? md->integ->name : "");
  char *blob = NULL;
  size_t blen = 0;
  FILE *b = open_memstream(&blob, &blen);
  if (!b) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory writing a checkpoint");
  if (md->integ && md->integ->write_state) st = md->integ->write_state(md->integ_state, b, err);
  fclose(b);
  put_i64(m, (int64_t)blen);
  put(m, blob, blen);
  free(blob);
  return st;
}

static int write_file(const char *path, const struct nnmd_md *md, const struct nnmd_system *sys,
                      struct nnmd_error *err);

int nnmd_checkpoint_write(const char *path, const struct nnmd_md *md, struct nnmd_error *err) {
  if (!md->comm || nnmd_comm_size(md->comm) == 1) return write_file(path, md, md->sys, err);
  /* several ranks: rank 0 gathers the atoms (by id) and writes; everyone agrees on the status */
  struct nnmd_system *full = NULL;
  int st = nnmd_system_gather(md->sys, md->comm, 0, &full, err);
  if (!st && full) st = write_file(path, md, full, err);
  nnmd_system_destroy(full);
  return nnmd_comm_agree(md->comm, st);
}

static int write_file(const char *path, const struct nnmd_md *md, const struct nnmd_system *sys,
                      struct nnmd_error *err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory writing a checkpoint");
  int st = payload(md, sys, m, err);
  fclose(m);
  if (st) {
    free(buf);
    return st;
  }
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    free(buf);
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot write checkpoint '%s': %s", tmp, strerror(errno));
  }
  char head[8] = CHK_MAGIC;
  uint32_t ver = CHK_VERSION, endian = CHK_ENDIAN;
  uint64_t plen = len, sum = fnv1a((const unsigned char *)buf, len);
  int ok = write(fd, head, 8) == 8 && write(fd, &ver, 4) == 4 && write(fd, &endian, 4) == 4 &&
           write(fd, &plen, 8) == 8;
  for (size_t off = 0; ok && off < len;) {
    ssize_t w = write(fd, buf + off, len - off);
    if (w <= 0) ok = 0;
    else off += (size_t)w;
  }
  ok = ok && write(fd, &sum, 8) == 8 && fsync(fd) == 0;
  ok = (close(fd) == 0) && ok;
  free(buf);
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot write checkpoint '%s': %s", path, strerror(e));
  }
  return NNMD_OK;
}

/* ---- reading ---- */

struct rd {
  const unsigned char *p;
  size_t n, off;
  bool bad;
};

static void get(struct rd *r, void *out, size_t n) {
  if (r->bad || r->off + n > r->n) {
    r->bad = true;
    memset(out, 0, n);
    return;
  }
  memcpy(out, r->p + r->off, n);
  r->off += n;
}
static int64_t get_i64(struct rd *r) {
  int64_t v;
  get(r, &v, sizeof v);
  return v;
}
static void get_str(struct rd *r, char *out, size_t cap) {
  int64_t n = get_i64(r);
  if (n < 0 || (size_t)n >= cap) {
    r->bad = true;
    out[0] = 0;
    return;
  }
  get(r, out, (size_t)n);
  out[r->bad ? 0 : n] = 0;
}

/* ---- content validation (a file that passed its checksum can still hold garbage: a
 * corrupted copy with a recomputed checksum, a buggy writer, a fuzzer). Bounds, each chosen so
 * that every later float-to-int conversion is in range and no real run is refused: ---- */
#define CHK_MAX_STEP 9007199254740992.0 /* 2^53: steps are exact in a double (time = step dt) */
#define CHK_MAX_COORD 1e8               /* A: |cell vector components|, |origin|, |positions| */
#define CHK_MIN_WIDTH 1.5625e-4 /* A: thinnest periodic cell the structure readers accept (their close-atoms
                                   check refuses widths below NNMD_STRUCTURE_MIN_DIST / 64, io/structure.c) */
#define CHK_MAX_FRAC_PERIODIC 1.0 /* owned atoms are wrapped at every rebuild and move less than the skin
                                     between rebuilds: fractional coordinates lie in [-1, 2] */
#define CHK_MAX_FRAC_OPEN 1e6     /* non-periodic direction: within a million cell widths */
#define CHK_MAX_SPEED 2.99792458e6 /* A/ps: the speed of light */
#define CHK_MAX_IMAGE 1073741824  /* 2^30: image flags are int32 and grow by one per crossing */

static int bad(const char *path, struct nnmd_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const char *path, struct nnmd_error *err, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is invalid: %s", path, msg);
}

/* Cell, origin, periodic flags and process grid. */
static int check_cell(const char *path, const double h[9], const double lo[3], const int64_t per[3],
                      const int64_t grid[3], struct nnmd_box *box, struct nnmd_error *err) {
  for (int k = 0; k < 9; ++k)
    if (!isfinite(h[k]) || fabs(h[k]) > CHK_MAX_COORD)
      return bad(path, err, "cell component h[%d][%d] = %g is not finite or beyond %g A", k / 3, k % 3, h[k],
                 CHK_MAX_COORD);
  for (int d = 0; d < 3; ++d)
    if (!isfinite(lo[d]) || fabs(lo[d]) > CHK_MAX_COORD)
      return bad(path, err, "cell origin %c = %g is not finite or beyond %g A", "xyz"[d], lo[d], CHK_MAX_COORD);
  for (int d = 0; d < 3; ++d)
    if (per[d] != 0 && per[d] != 1)
      return bad(path, err, "periodic flag %c = %lld is not 0 or 1", "abc"[d], (long long)per[d]);
  for (int d = 0; d < 3; ++d)
    if (grid[d] < 1 || grid[d] > 1 << 20)
      return bad(path, err, "process grid %c = %lld out of range", "abc"[d], (long long)grid[d]);
  int p[3] = {(int)per[0], (int)per[1], (int)per[2]};
  struct nnmd_error e2;
  nnmd_error_init(&e2);
  int st = nnmd_box_set_h(box, h, lo, p, &e2);
  if (st) st = bad(path, err, "cell: %s", e2.msg);
  nnmd_error_clear(&e2);
  if (st) return st;
  for (int d = 0; d < 3; ++d)
    if (per[d] && box->width[d] < CHK_MIN_WIDTH)
      return bad(path, err, "the cell is %g A thin along lattice vector %c (the structure readers refuse cells "
                 "thinner than %g A)", box->width[d], "abc"[d], CHK_MIN_WIDTH);
  return NNMD_OK;
}

/* One atom (k-th record, id order) against the restored cell. */
static int check_atom(const char *path, int64_t k, int64_t id, const double x[3], const double v[3],
                      const int64_t img[3], const struct nnmd_box *box, struct nnmd_error *err) {
  if (id != k + 1)
    return bad(path, err, "atom record %lld has id %lld (the records hold ids 1..N in order)", (long long)k + 1,
               (long long)id);
  for (int d = 0; d < 3; ++d)
    if (!isfinite(x[d]) || fabs(x[d]) > CHK_MAX_COORD)
      return bad(path, err, "atom %lld: position %c = %g is not finite or beyond %g A", (long long)id, "xyz"[d],
                 x[d], CHK_MAX_COORD);
  double s[3];
  nnmd_cart_to_frac(box->h_inv, box->lo, x, s);
  for (int d = 0; d < 3; ++d) {
    double lim = box->periodic[d] ? CHK_MAX_FRAC_PERIODIC : CHK_MAX_FRAC_OPEN;
    if (!(s[d] >= -lim && s[d] <= 1.0 + lim))
      return bad(path, err, "atom %lld: fractional coordinate %c = %g is outside the cell (allowed [%g, %g])",
                 (long long)id, "abc"[d], s[d], -lim, 1.0 + lim);
  }
  double v2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  if (!(v2 <= CHK_MAX_SPEED * CHK_MAX_SPEED))
    return bad(path, err, "atom %lld: velocity (%g, %g, %g) A/ps is not finite or faster than light", (long long)id,
               v[0], v[1], v[2]);
  for (int d = 0; d < 3; ++d)
    if (img[d] < -CHK_MAX_IMAGE || img[d] > CHK_MAX_IMAGE)
      return bad(path, err, "atom %lld: image flag %c = %lld beyond +-%d", (long long)id, "abc"[d],
                 (long long)img[d], CHK_MAX_IMAGE);
  return NNMD_OK;
}

/* Read and validate everything first, then apply: a refused checkpoint changes nothing but
 * the atom arrays of md->sys (the run does not start). */
static int load(const char *path, struct rd *r, uint32_t version, struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  int64_t step = get_i64(r);
  double dt;
  get(r, &dt, sizeof dt);
  (void)get_i64(r); /* seed of the run that wrote it; the input's seed is used */
  double h[9], lo[3];
  int64_t per[3], grid[3] = {1, 1, 1};
  get(r, h, sizeof h);
  get(r, lo, sizeof lo);
  for (int d = 0; d < 3; ++d) per[d] = get_i64(r);
  if (version >= 2)
    for (int d = 0; d < 3; ++d) grid[d] = get_i64(r);
  if (r->bad) return NNMD_ERR_FORMAT;
  if (step < 0 || (double)step > CHK_MAX_STEP)
    return bad(path, err, "step %lld out of range [0, 2^53]", (long long)step);
  if (!(dt > 0.0) || !isfinite(dt)) return bad(path, err, "time step %g ps is not positive and finite", dt);
  struct nnmd_box box = md->box;
  int st = check_cell(path, h, lo, per, grid, &box, err);
  if (st) return st;
  int64_t nsp = get_i64(r);
  if (r->bad || nsp < 1 || nsp > NNMD_MAX_SPECIES) return NNMD_ERR_FORMAT;
  int map[NNMD_MAX_SPECIES];
  for (int64_t t = 0; t < nsp; ++t) {
    char sym[64];
    double mass;
    get_str(r, sym, sizeof sym);
    get(r, &mass, sizeof mass);
    if (r->bad) return NNMD_ERR_FORMAT;
    map[t] = nnmd_species_find(&sys->species, sym);
    if (map[t] < 0)
      return nnmd_fail(err, NNMD_ERR_INPUT, "checkpoint '%s' holds species %s, which this input's structure lacks",
                       path, sym);
    for (int64_t u = 0; u < t; ++u)
      if (map[u] == map[t]) return bad(path, err, "species %s is listed twice", sym);
    if (!(mass > 0.0) || !isfinite(mass))
      return bad(path, err, "species %s has mass %g (not positive and finite)", sym, mass);
  }
  int64_t n = get_i64(r);
  if (r->bad || n < 1 || n > (int64_t)(r->n / 64)) return NNMD_ERR_FORMAT;
  if (n != sys->n_global)
    return nnmd_fail(err, NNMD_ERR_INPUT, "checkpoint '%s' holds %lld atoms, this input's structure %lld", path,
                     (long long)n, (long long)sys->n_global);
  if ((st = nnmd_system_reserve(sys, n, err))) return st;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < n && !r->bad; ++i) {
    int64_t id = get_i64(r), t = get_i64(r), img[3];
    double x[3], v[3];
    get(r, x, sizeof x);
    get(r, v, sizeof v);
    for (int d = 0; d < 3; ++d) img[d] = get_i64(r);
    if (r->bad) break;
    if (t < 0 || t >= nsp) return bad(path, err, "atom record %lld has species index %lld of %lld", (long long)i + 1,
                                      (long long)t, (long long)nsp);
    if ((st = check_atom(path, i, id, x, v, img, &box, err))) return st;
    sys->id[i] = id;
    sys->type[i] = map[t];
    for (int d = 0; d < 3; ++d) {
      sys->x[d * c + i] = x[d];
      sys->v[d * c + i] = v[d];
      sys->image[d * c + i] = (int32_t)img[d];
    }
  }
  if (r->bad) return NNMD_ERR_FORMAT;
  sys->n_local = sys->n_global = n;
  sys->n_ghost = 0;
  int64_t nf = get_i64(r);
  if (r->bad || nf < 0 || nf > NNMD_MAX_FIELDS) return NNMD_ERR_FORMAT;
  for (int64_t q = 0; q < nf && !r->bad; ++q) {
    char name[NNMD_FIELD_NAME];
    get_str(r, name, sizeof name);
    int64_t nc = get_i64(r);
    if (r->bad || nc < 1 || nc > 64 || r->off + (size_t)(n * nc) * sizeof(double) > r->n) return NNMD_ERR_FORMAT;
    if (!name[0]) return bad(path, err, "per-atom field %lld has an empty name", (long long)q + 1);
    struct nnmd_field *old = nnmd_system_field_info(sys, name);
    if (old && old->ncomp != nc)
      return bad(path, err, "per-atom field '%s' has %lld components, this run's %d", name, (long long)nc,
                 old->ncomp);
    int idx;
    if ((st = nnmd_system_field_add(sys, name, (int)nc, false, &idx, err))) return st;
    struct nnmd_field *f = &sys->fields[idx];
    c = sys->capacity;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t cc = 0; cc < nc; ++cc) {
        double *dst = &f->data[cc * c + k];
        get(r, dst, sizeof(double));
        if (!isfinite(*dst))
          return bad(path, err, "per-atom field '%s' of atom %lld, component %lld, is not finite", name,
                     (long long)k + 1, (long long)cc + 1);
      }
  }
  char iname[64];
  get_str(r, iname, sizeof iname);
  int64_t blen = get_i64(r);
  if (r->bad || blen < 0 || r->off + (size_t)blen != r->n) return NNMD_ERR_FORMAT;
  const char *want = md->integ ? md->integ->name : "";
  if (strcmp(iname, want) != 0)
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "checkpoint '%s' was written by integrator '%s' but this input uses '%s'", path, iname, want);
  if (md->integ && md->integ->read_state && blen > 0) {
    FILE *b = fmemopen((void *)(r->p + r->off), (size_t)blen, "rb");
    if (!b) return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory reading a checkpoint");
    struct nnmd_error e2;
    nnmd_error_init(&e2);
    st = md->integ->read_state(md->integ_state, b, &e2);
    fclose(b);
    if (st) {
      int s2 = e2.status == NNMD_ERR_INPUT ? NNMD_ERR_INPUT : NNMD_ERR_FORMAT;
      nnmd_fail(err, s2, "checkpoint '%s': %s integrator state: %s", path, iname, e2.msg);
      nnmd_error_clear(&e2);
      return s2;
    }
    nnmd_error_clear(&e2);
  }
  md->box = box;
  /* the process grid of the writer, so that an automatic grid on as many ranks is the same
   * (a barostat may have changed the cell shape the automatic choice depends on) */
  if (md->grid[0] == 0 && md->comm && grid[0] * grid[1] * grid[2] == nnmd_comm_size(md->comm))
    for (int d = 0; d < 3; ++d) md->grid[d] = (int)grid[d];
  md->first_step = step;
  md->step = step;
  if (dt != md->dt)
    nnmd_log_warn(md->log, "checkpoint time step %g ps differs from the input's %g ps; using the input's", dt,
                  md->dt);
  return NNMD_OK;
}

int nnmd_checkpoint_read(const char *path, struct nnmd_md *md, struct nnmd_error *err) {
  /* a directory, device or FIFO is refused before a byte is read (a FIFO used to block here) */
  FILE *f = nnmd_fopen_input(path);
  if (!f)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot open checkpoint '%s': %s", path, nnmd_files_strerror(errno));
  struct stat sb;
  uint64_t fsize = fstat(fileno(f), &sb) == 0 && sb.st_size > 0 ? (uint64_t)sb.st_size : 0;
  char head[8];
  uint32_t ver = 0, endian = 0;
  uint64_t plen = 0, sum = 0;
  int st = NNMD_OK;
  if (fread(head, 1, 8, f) != 8 || memcmp(head, CHK_MAGIC, 8) != 0)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "'%s' is not an nnmd checkpoint (bad magic)", path);
  else if (fread(&ver, 4, 1, f) != 1 || fread(&endian, 4, 1, f) != 1 || fread(&plen, 8, 1, f) != 1)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is truncated (header)", path);
  else if (endian != CHK_ENDIAN)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' was written on a machine of other byte order", path);
  else if (ver != CHK_VERSION && ver != 1)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' has format version %u; this nnmd reads version %d", path,
                   ver, CHK_VERSION);
  unsigned char *buf = NULL;
  if (!st) {
    /* the length the header claims is bounded by the file before it is allocated:
     * 24 header bytes + payload + 8 checksum bytes */
    if (plen > fsize || fsize - plen < 32)
      st = nnmd_fail(err, NNMD_ERR_FORMAT,
                     "checkpoint '%s' is truncated or corrupt: its header claims %llu payload bytes, the file has "
                     "%llu bytes",
                     path, (unsigned long long)plen, (unsigned long long)fsize);
    else if (!(buf = malloc(plen ? plen : 1)))
      st = nnmd_fail(err, NNMD_ERR_NOMEM, "checkpoint '%s': cannot allocate %llu bytes", path,
                     (unsigned long long)plen);
    else if (fread(buf, 1, plen, f) != plen || fread(&sum, 8, 1, f) != 1)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is truncated", path);
    else if (fnv1a(buf, plen) != sum)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is corrupt (checksum mismatch)", path);
  }
  fclose(f);
  if (!st) {
    struct rd r = {buf, plen, 0, false};
    st = load(path, &r, ver, md, err);
    if (st == NNMD_ERR_FORMAT && err->count == 0)
      nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is inconsistent (bad counts or lengths)", path);
  }
  free(buf);
  return st;
}
