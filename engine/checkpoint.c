/* checkpoint.c — see checkpoint.h. The payload is assembled in memory (open_memstream),
 * checksummed, and written in one go. Integers are int64, reals IEEE double, in the
 * writer's byte order (the endianness marker lets a reader refuse a foreign file). */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gather.h"
#include "mem.h"

#define CHK_MAGIC "NNMDCHK"
#define CHK_VERSION 1
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

static int load(const char *path, struct rd *r, struct nnmd_md *md, struct nnmd_error *err) {
  struct nnmd_system *sys = md->sys;
  int64_t step = get_i64(r);
  double dt;
  get(r, &dt, sizeof dt);
  (void)get_i64(r); /* seed of the run that wrote it; the input's seed is used */
  double h[9], lo[3];
  int per[3];
  get(r, h, sizeof h);
  get(r, lo, sizeof lo);
  for (int d = 0; d < 3; ++d) per[d] = (int)get_i64(r);
  int64_t nsp = get_i64(r);
  if (r->bad || nsp < 1 || nsp > NNMD_MAX_SPECIES) return NNMD_ERR_FORMAT;
  int map[NNMD_MAX_SPECIES];
  for (int64_t t = 0; t < nsp; ++t) {
    char sym[64];
    double mass;
    get_str(r, sym, sizeof sym);
    get(r, &mass, sizeof mass);
    map[t] = nnmd_species_find(&sys->species, sym);
    if (map[t] < 0 && !r->bad)
      return nnmd_fail(err, NNMD_ERR_INPUT, "checkpoint '%s' holds species %s, which this input's structure lacks",
                       path, sym);
  }
  int64_t n = get_i64(r);
  if (r->bad || n < 1 || n > (int64_t)(r->n / 64)) return NNMD_ERR_FORMAT;
  int st = nnmd_system_reserve(sys, n, err);
  if (st) return st;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < n && !r->bad; ++i) {
    sys->id[i] = get_i64(r);
    int64_t t = get_i64(r);
    if (t < 0 || t >= nsp) {
      r->bad = true;
      break;
    }
    sys->type[i] = map[t];
    for (int d = 0; d < 3; ++d) get(r, &sys->x[d * c + i], sizeof(double));
    for (int d = 0; d < 3; ++d) get(r, &sys->v[d * c + i], sizeof(double));
    for (int d = 0; d < 3; ++d) sys->image[d * c + i] = (int32_t)get_i64(r);
  }
  if (r->bad) return NNMD_ERR_FORMAT;
  sys->n_local = sys->n_global = n;
  sys->n_ghost = 0;
  int64_t nf = get_i64(r);
  for (int64_t q = 0; q < nf && !r->bad; ++q) {
    char name[NNMD_FIELD_NAME];
    get_str(r, name, sizeof name);
    int64_t nc = get_i64(r);
    if (nc < 1 || nc > 64) return NNMD_ERR_FORMAT;
    int idx;
    if ((st = nnmd_system_field_add(sys, name, (int)nc, false, &idx, err))) return st;
    struct nnmd_field *f = &sys->fields[idx];
    c = sys->capacity;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t cc = 0; cc < nc; ++cc) get(r, &f->data[cc * c + k], sizeof(double));
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
    st = md->integ->read_state(md->integ_state, b, err);
    fclose(b);
    if (st) return st;
  }
  if ((st = nnmd_box_set_h(&md->box, h, lo, per, err))) return st;
  md->first_step = step;
  md->step = step;
  if (dt != md->dt)
    nnmd_log_warn(md->log, "checkpoint time step %g ps differs from the input's %g ps; using the input's", dt,
                  md->dt);
  return NNMD_OK;
}

int nnmd_checkpoint_read(const char *path, struct nnmd_md *md, struct nnmd_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot open checkpoint '%s': %s", path, strerror(errno));
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
  else if (ver != CHK_VERSION)
    st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' has format version %u; this nnmd reads version %d", path,
                   ver, CHK_VERSION);
  unsigned char *buf = NULL;
  if (!st) {
    buf = plen < ((uint64_t)1 << 40) ? malloc(plen ? plen : 1) : NULL;
    if (!buf) st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s': implausible length %llu", path,
                             (unsigned long long)plen);
    else if (fread(buf, 1, plen, f) != plen || fread(&sum, 8, 1, f) != 1)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is truncated", path);
    else if (fnv1a(buf, plen) != sum)
      st = nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is corrupt (checksum mismatch)", path);
  }
  fclose(f);
  if (!st) {
    struct rd r = {buf, plen, 0, false};
    st = load(path, &r, md, err);
    if (st == NNMD_ERR_FORMAT && err->count == 0)
      nnmd_fail(err, NNMD_ERR_FORMAT, "checkpoint '%s' is inconsistent (bad counts or lengths)", path);
  }
  free(buf);
  return st;
}
