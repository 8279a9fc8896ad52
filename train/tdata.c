/* tdata.c — reading training frames (extxyz with labels, n2p2 input.data); see tdata.h. */
#include "tdata.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "files.h"

#define MAX_KV 64
/* An error at the reader's current line. */
#define DERR(r, status, ...) \
  nnmd_fail_at(err, status, ((struct nnmd_loc){(r)->path, (r)->line, 1}), __VA_ARGS__)

struct kv {
  char *k, *v;
};

struct rd {
  FILE *fp;
  const char *path;
  int64_t line;
  char *buf;
  size_t cap;
};

/* Bytes after the current position of a regular file, -1 when unknown. */
static int64_t bytes_left(FILE *fp) {
  struct stat sb;
  off_t pos = ftello(fp);
  if (pos < 0 || fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) return -1;
  return (int64_t)sb.st_size - (int64_t)pos;
}

/* 0: a line; 1: end of the file; negative: an error was recorded (read error, a line longer
 * than NNMD_LINE_MAX, binary data). */
static int rd_next(struct rd *r, struct nnmd_error *err) {
  int64_t n = nnmd_read_line(r->fp, &r->buf, &r->cap, NNMD_LINE_MAX);
  if (n == NNMD_LINE_EOF) return 1;
  if (n < 0) return -nnmd_read_line_fail(err, r->path, r->line + 1, n);
  r->line++;
  while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = 0;
  return 0;
}

static int intern(struct tdata *d, const char *s, const char *path, int64_t line, struct nnmd_error *err) {
  char sym[4];
  size_t n = strlen(s);
  if (n == 0 || n > 3 || !isalpha((unsigned char)s[0]))
    return -1 - nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, line, 1}),
                             "'%s' is not an element symbol", s);
  sym[0] = (char)toupper((unsigned char)s[0]);
  for (size_t k = 1; k < n; ++k) sym[k] = (char)tolower((unsigned char)s[k]);
  sym[n] = 0;
  for (int e = 0; e < d->nsym; ++e)
    if (!strcmp(d->sym[e], sym)) return e;
  if (d->nsym == TDATA_MAX_SPECIES)
    return -1 - nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, line, 1}), "more than %d species",
                             TDATA_MAX_SPECIES);
  memcpy(d->sym[d->nsym], sym, n + 1);
  return d->nsym++;
}

/* Split a comment line into key=value pairs in place. */
static int parse_kv(char *s, struct kv *kv, int *nkv) {
  int n = 0;
  while (*s) {
    while (isspace((unsigned char)*s)) ++s;
    if (!*s) break;
    char *k = s;
    while (*s && *s != '=' && !isspace((unsigned char)*s)) ++s;
    if (*s != '=') { /* bare flag */
      if (*s) *s++ = 0;
      continue;
    }
    *s++ = 0;
    char *v;
    if (*s == '"' || *s == '\'') {
      char q = *s++;
      v = s;
      while (*s && *s != q) ++s;
      if (!*s) return -1;
      *s++ = 0;
    } else {
      v = s;
      while (*s && !isspace((unsigned char)*s)) ++s;
      if (*s) *s++ = 0;
    }
    if (n < MAX_KV) {
      kv[n].k = k;
      kv[n].v = v;
      ++n;
    }
  }
  *nkv = n;
  return 0;
}

static const char *find(const struct kv *kv, int n, const char *key) {
  for (int i = 0; i < n; ++i)
    if (!strcasecmp(kv[i].k, key)) return kv[i].v;
  return NULL;
}

static int numbers(const char *s, double *out, int max) {
  int n = 0;
  char *end;
  while (*s) {
    while (*s && (isspace((unsigned char)*s) || *s == ',' || *s == '[' || *s == ']')) ++s;
    if (!*s) break;
    if (n == max) return max + 1;
    out[n] = strtod(s, &end);
    if (end == s) return -1;
    ++n;
    s = end;
  }
  return n;
}

static int bad_num(const struct rd *r, const char *what, struct nnmd_error *err) {
  return DERR(r, NNMD_ERR_FORMAT, "%s is not a finite number (NaN or inf labels are refused)", what);
}

static void voigt_from9(const double *m, double *v) {
  v[0] = m[0];
  v[1] = m[4];
  v[2] = m[8];
  v[3] = 0.5 * (m[5] + m[7]);
  v[4] = 0.5 * (m[2] + m[6]);
  v[5] = 0.5 * (m[1] + m[3]);
}

struct cols {
  int species, pos, forces, bec, ncol;
};

static int properties(const char *p, const struct tdata_opts *o, struct cols *c, const struct rd *r,
                      struct nnmd_error *err) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", p);
  c->species = c->pos = c->forces = c->bec = -1;
  int col = 0;
  char *save = NULL;
  for (char *name = strtok_r(buf, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
    char *type = strtok_r(NULL, ":", &save), *cnt = strtok_r(NULL, ":", &save);
    if (!type || !cnt) return DERR(r, NNMD_ERR_FORMAT, "Properties is not name:type:count...");
    int count = atoi(cnt);
    if (count < 1 || count > 64) return DERR(r, NNMD_ERR_FORMAT, "Properties: bad count '%s'", cnt);
    const char *fk = o->forces_key ? o->forces_key : "forces";
    if (!strcasecmp(name, "species")) c->species = col;
    else if (!strcasecmp(name, "pos") || !strcasecmp(name, "positions")) c->pos = col;
    else if (!strcasecmp(name, fk)) {
      if (count != 3) return DERR(r, NNMD_ERR_FORMAT, "column '%s' has %d values per atom, not 3", name, count);
      c->forces = col;
    } else if (o->bec_key && !strcasecmp(name, o->bec_key)) {
      if (count != 9)
        return DERR(r, NNMD_ERR_FORMAT, "Born-charge column '%s' has %d values per atom; 9 are needed (the full 3x3 tensor)",
                  name, count);
      c->bec = col;
    }
    col += count;
  }
  c->ncol = col;
  if (c->species < 0 || c->pos < 0)
    return DERR(r, NNMD_ERR_FORMAT, "Properties lacks species or pos");
  return NNMD_OK;
}

static int push_frame(struct tdata *d, struct tframe *f, struct nnmd_error *err) {
  void *p = realloc(d->f, ((size_t)d->n + 1) * sizeof *d->f);
  if (!p) return nnmd_fail(err, NNMD_ERR_NOMEM, "train: out of memory for frames");
  d->f = p;
  f->index = d->n;
  d->f[d->n++] = *f;
  return NNMD_OK;
}

static int read_xyz(struct tdata *d, struct rd *r, const struct tdata_opts *o, const char *fname,
                    struct nnmd_error *err) {
  int st;
  char *tok[256];
  while ((st = rd_next(r, err)) == 0) {
    char *s = r->buf;
    while (isspace((unsigned char)*s)) ++s;
    if (!*s) continue;
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n < 1 || n > 10000000)
      return DERR(r, NNMD_ERR_FORMAT, "expected the atom count of a frame");
    int64_t left = bytes_left(r->fp); /* an atom line takes at least 8 bytes: bound the claim */
    if (left >= 0 && n > left / 8 + 1)
      return DERR(r, NNMD_ERR_FORMAT, "the frame claims %ld atoms, but only %lld bytes of the file are left", n,
                  (long long)left);
    if (rd_next(r, err)) return DERR(r, NNMD_ERR_FORMAT, "file ends before the comment line");
    struct tframe f = {0};
    f.file = fname;
    f.line = r->line;
    f.weight = 1.0;
    struct kv kv[MAX_KV];
    int nkv;
    if (parse_kv(r->buf, kv, &nkv)) return DERR(r, NNMD_ERR_FORMAT, "unclosed quote");
    double v[16];
    const char *s_lat = find(kv, nkv, "Lattice");
    if (s_lat) {
      if (numbers(s_lat, v, 9) != 9) return DERR(r, NNMD_ERR_FORMAT, "Lattice needs 9 numbers");
      for (int a = 0; a < 3; ++a)
        for (int k = 0; k < 3; ++k) f.h[3 * k + a] = v[3 * a + k] * o->length_scale;
      f.has_cell = true;
      f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    }
    const char *s_pbc = find(kv, nkv, "pbc");
    if (s_pbc && s_lat) {
      int k = 0;
      for (const char *q = s_pbc; *q && k < 3; ++q)
        if (*q == 'T' || *q == 't' || *q == '1') f.pbc[k++] = 1;
        else if (*q == 'F' || *q == 'f' || *q == '0') f.pbc[k++] = 0;
    }
    struct cols c = {.species = 0, .pos = 1, .forces = -1, .bec = -1, .ncol = 4};
    const char *s_prop = find(kv, nkv, "Properties");
    if (s_prop && (st = properties(s_prop, o, &c, r, err))) return st;
    if (o->bec_key && c.bec < 0) d->bec_missing++;
    const char *ek = o->energy_key;
    const char *s_e = ek ? find(kv, nkv, ek) : find(kv, nkv, "energy");
    if (!ek && !s_e) s_e = find(kv, nkv, "free_energy");
    if (s_e) {
      f.energy = strtod(s_e, &end);
      if (end == s_e) return DERR(r, NNMD_ERR_FORMAT, "energy '%s' is not a number", s_e);
      if (!isfinite(f.energy)) return bad_num(r, "the energy", err);
      f.energy *= o->energy_scale;
      f.has_e = true;
    }
    const char *sk = o->stress_key ? o->stress_key : "stress";
    const char *s_s = find(kv, nkv, sk), *s_v = o->stress_key ? NULL : find(kv, nkv, "virial");
    if (s_s || s_v) {
      int m = numbers(s_s ? s_s : s_v, v, 9);
      if (m != 9 && m != 6)
        return DERR(r, NNMD_ERR_FORMAT, "%s needs 9 or 6 numbers", s_s ? sk : "virial");
      for (int k = 0; k < m; ++k)
        if (!isfinite(v[k])) return bad_num(r, s_s ? sk : "virial", err);
      if (m == 9) voigt_from9(v, f.stress);
      else memcpy(f.stress, v, 6 * sizeof(double));
      f.has_s = true;
      if (!s_s) { /* virial W (eV) -> stress = -W / V, after the cell is known */
        if (!f.has_cell) return DERR(r, NNMD_ERR_FORMAT, "virial without a Lattice");
        double V = tframe_volume(&f) / (o->length_scale * o->length_scale * o->length_scale);
        for (int k = 0; k < 6; ++k) f.stress[k] = -f.stress[k] / V;
      }
      const double sc = o->energy_scale / (o->length_scale * o->length_scale * o->length_scale);
      for (int k = 0; k < 6; ++k) f.stress[k] *= sc;
    }
    const char *s_w = find(kv, nkv, "weight");
    if (s_w) {
      f.weight = strtod(s_w, &end);
      if (end == s_w || !(f.weight >= 0) || !isfinite(f.weight))
        return DERR(r, NNMD_ERR_FORMAT, "weight '%s' must be a number >= 0", s_w);
    }
    f.n = (int)n;
    f.elem = malloc((size_t)n * sizeof(int));
    f.pos = malloc(3 * (size_t)n * sizeof(double));
    if (c.forces >= 0) f.force = malloc(3 * (size_t)n * sizeof(double));
    if (c.bec >= 0) f.bec = malloc(9 * (size_t)n * sizeof(double));
    if (!f.elem || !f.pos || (c.forces >= 0 && !f.force) || (c.bec >= 0 && !f.bec)) {
      tframe_free(&f);
      return nnmd_fail(err, NNMD_ERR_NOMEM, "train: out of memory reading %s", r->path);
    }
    f.has_f = c.forces >= 0;
    f.has_z = c.bec >= 0;
    for (long i = 0; i < n; ++i) {
      if (rd_next(r, err)) {
        tframe_free(&f);
        return DERR(r, NNMD_ERR_FORMAT, "file ends inside a frame (%ld of %ld atoms)", i, n);
      }
      int nt = 0;
      char *save = NULL;
      for (char *t = strtok_r(r->buf, " \t", &save); t && nt < 256; t = strtok_r(NULL, " \t", &save)) tok[nt++] = t;
      if (nt < c.ncol) {
        tframe_free(&f);
        return DERR(r, NNMD_ERR_FORMAT, "%d columns, Properties says %d", nt, c.ncol);
      }
      int e = intern(d, tok[c.species], r->path, r->line, err);
      if (e < 0) {
        tframe_free(&f);
        return NNMD_ERR_FORMAT;
      }
      f.elem[i] = e;
      for (int k = 0; k < 3; ++k) {
        double x = strtod(tok[c.pos + k], &end);
        if (end == tok[c.pos + k] || !isfinite(x)) {
          tframe_free(&f);
          return bad_num(r, "a position", err);
        }
        f.pos[3 * i + k] = x * o->length_scale;
        if (f.force) {
          double y = strtod(tok[c.forces + k], &end);
          if (end == tok[c.forces + k] || !isfinite(y)) {
            tframe_free(&f);
            return bad_num(r, "a force", err);
          }
          f.force[3 * i + k] = y * o->energy_scale / o->length_scale;
        }
      }
      if (f.bec)
        for (int k = 0; k < 9; ++k) {
          double y = strtod(tok[c.bec + k], &end);
          if (end == tok[c.bec + k] || !isfinite(y)) {
            tframe_free(&f);
            return bad_num(r, "a Born charge", err);
          }
          f.bec[9 * i + k] = y;
        }
    }
    if ((st = push_frame(d, &f, err))) {
      tframe_free(&f);
      return st;
    }
  }
  return st < 0 ? -st : NNMD_OK;
}

static int read_n2p2(struct tdata *d, struct rd *r, const struct tdata_opts *o, const char *fname,
                     struct nnmd_error *err) {
  int st;
  struct tframe f = {0};
  int in = 0, nlat = 0;
  size_t cap = 0;
  while ((st = rd_next(r, err)) == 0) {
    char *tok[16];
    int nt = 0;
    char *save = NULL;
    for (char *t = strtok_r(r->buf, " \t", &save); t && nt < 16; t = strtok_r(NULL, " \t", &save)) tok[nt++] = t;
    if (nt == 0) continue;
    char *end;
    if (!strcmp(tok[0], "begin")) {
      if (in) goto bad;
      memset(&f, 0, sizeof f);
      f.file = fname;
      f.line = r->line;
      f.weight = 1.0;
      in = 1;
      nlat = 0;
      cap = 0;
      continue;
    }
    if (!in) goto bad;
    if (!strcmp(tok[0], "comment")) continue;
    if (!strcmp(tok[0], "lattice")) {
      if (nt < 4 || nlat >= 3) goto bad;
      for (int k = 0; k < 3; ++k) {
        double x = strtod(tok[1 + k], &end);
        if (end == tok[1 + k] || !isfinite(x)) {
          st = bad_num(r, "a lattice value", err);
          goto fail;
        }
        f.h[3 * k + nlat] = x * o->length_scale;
      }
      if (++nlat == 3) {
        f.has_cell = true;
        f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
      }
    } else if (!strcmp(tok[0], "atom")) {
      if (nt < 10) goto bad;
      if ((size_t)f.n == cap) {
        cap = cap ? 2 * cap : 64;
        void *a = realloc(f.elem, cap * sizeof(int)), *b = a ? realloc(f.pos, 3 * cap * sizeof(double)) : NULL,
             *c = b ? realloc(f.force, 3 * cap * sizeof(double)) : NULL;
        if (a) f.elem = a;
        if (b) f.pos = b;
        if (c) f.force = c;
        if (!a || !b || !c) {
          st = nnmd_fail(err, NNMD_ERR_NOMEM, "train: out of memory reading %s", r->path);
          goto fail;
        }
      }
      int e = intern(d, tok[4], r->path, r->line, err);
      if (e < 0) {
        st = NNMD_ERR_FORMAT;
        goto fail;
      }
      f.elem[f.n] = e;
      for (int k = 0; k < 3; ++k) {
        double x = strtod(tok[1 + k], &end), y;
        if (end == tok[1 + k] || !isfinite(x)) {
          st = bad_num(r, "a position", err);
          goto fail;
        }
        y = strtod(tok[7 + k], &end);
        if (end == tok[7 + k] || !isfinite(y)) {
          st = bad_num(r, "a force", err);
          goto fail;
        }
        f.pos[3 * f.n + k] = x * o->length_scale;
        f.force[3 * f.n + k] = y * o->energy_scale / o->length_scale;
      }
      f.n++;
      f.has_f = true;
    } else if (!strcmp(tok[0], "energy")) {
      if (nt < 2) goto bad;
      f.energy = strtod(tok[1], &end);
      if (end == tok[1] || !isfinite(f.energy)) {
        st = bad_num(r, "the energy", err);
        goto fail;
      }
      f.energy *= o->energy_scale;
      f.has_e = true;
    } else if (!strcmp(tok[0], "charge")) {
      continue;
    } else if (!strcmp(tok[0], "end")) {
      if (f.n == 0) {
        st = DERR(r, NNMD_ERR_FORMAT, "structure without atoms");
        goto fail;
      }
      if (nlat != 0 && nlat != 3) goto bad;
      if ((st = push_frame(d, &f, err))) goto fail;
      memset(&f, 0, sizeof f);
      in = 0;
    } else
      goto bad;
  }
  if (st < 0) {
    st = -st; /* a read error, a line too long, binary data: recorded by rd_next */
    goto fail;
  }
  if (in) {
    tframe_free(&f);
    return DERR(r, NNMD_ERR_FORMAT, "file ends inside a structure (no 'end')");
  }
  return NNMD_OK;
bad:
  tframe_free(&f);
  return DERR(r, NNMD_ERR_FORMAT, "unexpected line for n2p2 input.data");
fail: /* every error after 'begin' frees the frame being read (a fuzz finding: they leaked) */
  tframe_free(&f);
  return st;
}

int tdata_read(struct tdata *d, const char *path, const char *format, const struct tdata_opts *o,
               struct nnmd_error *err) {
  struct rd r = {.path = path};
  r.fp = nnmd_fopen_input(path);
  if (!r.fp) return nnmd_fail(err, NNMD_ERR_FILE, "%s: cannot open: %s", path, nnmd_files_strerror(errno));
  char **fl = realloc(d->files, ((size_t)d->n_files + 1) * sizeof(char *));
  if (!fl) {
    fclose(r.fp);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory");
  }
  d->files = fl;
  d->files[d->n_files] = strdup(path);
  const char *fname = d->files[d->n_files++];
  bool n2p2 = format && !strcmp(format, "n2p2");
  if (!format || !strcmp(format, "auto")) {
    int c;
    while ((c = fgetc(r.fp)) != EOF && isspace(c)) {}
    n2p2 = c == 'b';
    rewind(r.fp);
  }
  int n0 = d->n;
  int st = n2p2 ? read_n2p2(d, &r, o, fname, err) : read_xyz(d, &r, o, fname, err);
  free(r.buf);
  fclose(r.fp);
  if (!st && d->n == n0)
    st = nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){path, 1, 1}), "no frames in the file (empty data set)");
  return st;
}

void tdata_free(struct tdata *d) {
  for (int i = 0; i < d->n; ++i) tframe_free(&d->f[i]);
  free(d->f);
  for (int i = 0; i < d->n_files; ++i) free(d->files[i]);
  free(d->files);
  memset(d, 0, sizeof *d);
}
