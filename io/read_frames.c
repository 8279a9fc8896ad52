/* read_frames.c — see read_frames.h. The atom lines are read with the shared text reader of
 * structure.h (tokens with columns for error messages); the comment line is split into
 * key=value pairs here. */
#include "read_frames.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "structure.h"

enum { C_SPECIES, C_POS, C_UNWRAPPED, C_VEL, C_ID, C_COUNT };

struct nnmd_frame_reader {
  struct nnmd_text t;
  bool open;
  struct nnmd_species_table sp;
  struct nnmd_frame f;
  int64_t cap;
  struct id_index *order;
  double *scratch;
  double *uw, *vel; /* buffers behind f.unwrapped / f.vel */
  bool pos_unwrapped; /* the comment says unwrapped=T: "pos" holds unwrapped positions */
  char *kv; /* comment copy */
  size_t kv_cap;
};

struct id_index {
  int64_t id, idx;
};

struct kvpair {
  const char *key, *val;
  int col;
};

/* Split the comment line into key=value pairs (in r->kv); up to max pairs. */
static int split_comment(struct nnmd_frame_reader *r, struct kvpair *kv, int max, int *n, struct nnmd_error *err) {
  const char *line = r->t.line;
  size_t len = strlen(line);
  if (nnmd_grow((void **)&r->kv, &r->kv_cap, 2 * len + 2, 1, err)) return NNMD_ERR_NOMEM;
  char *o = r->kv;
  const char *p = line;
  *n = 0;
  while (*p) {
    while (*p && isspace((unsigned char)*p)) ++p;
    if (!*p) break;
    struct kvpair pr = {.key = o, .col = (int)(p - line) + 1};
    while (*p && *p != '=' && !isspace((unsigned char)*p)) *o++ = *p++;
    *o++ = 0;
    const char *q = p;
    while (*q && isspace((unsigned char)*q)) ++q;
    pr.val = o;
    if (*q == '=') {
      ++q;
      while (*q && isspace((unsigned char)*q)) ++q;
      pr.col = (int)(q - line) + 1;
      if (*q == '"' || *q == '\'') {
        char close = *q++;
        while (*q && *q != close) *o++ = *q++;
        if (!*q)
          return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, pr.col), "unterminated %c in the comment line",
                              close);
        ++q;
      } else {
        while (*q && !isspace((unsigned char)*q)) *o++ = *q++;
      }
      p = q;
    } else {
      *o++ = 'T';
    }
    *o++ = 0;
    if (*n < max) kv[(*n)++] = pr;
  }
  return NNMD_OK;
}

static const struct kvpair *find(const struct kvpair *kv, int n, const char *key) {
  for (int k = 0; k < n; ++k)
    if (strcasecmp(kv[k].key, key) == 0) return &kv[k];
  return NULL;
}

static int numbers(struct nnmd_frame_reader *r, const struct kvpair *p, int n, double *out, struct nnmd_error *err) {
  const char *s = p->val;
  int k = 0;
  while (*s) {
    while (*s && (isspace((unsigned char)*s) || *s == ',')) ++s;
    if (!*s) break;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || k >= n)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, p->col), "%s needs %d finite numbers, got \"%s\"",
                          p->key, n, p->val);
    out[k++] = v;
    s = end;
  }
  if (k != n)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, p->col), "%s needs %d numbers, got %d", p->key, n, k);
  return NNMD_OK;
}

/* Properties -> column offsets; returns the number of columns in *ncol. */
static int layout(struct nnmd_frame_reader *r, const struct kvpair *p, int off[C_COUNT], int *ncol,
                  struct nnmd_error *err) {
  for (int k = 0; k < C_COUNT; ++k) off[k] = -1;
  if (!p) {
    off[C_SPECIES] = 0;
    off[C_POS] = 1;
    *ncol = 4;
    return NNMD_OK;
  }
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", p->val);
  char *save = NULL, *f[3];
  int nf = 0, col = 0;
  for (char *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
    f[nf++] = tok;
    if (nf < 3) continue;
    nf = 0;
    int cnt = atoi(f[2]);
    if (cnt < 1)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, p->col), "Properties: bad count for '%s'", f[0]);
    int role = !strcmp(f[0], "species") ? C_SPECIES : !strcmp(f[0], "pos") ? C_POS
             : !strcmp(f[0], "unwrapped") ? C_UNWRAPPED : (!strcmp(f[0], "velocities") || !strcmp(f[0], "vel")) ? C_VEL
             : !strcmp(f[0], "id") ? C_ID : -1;
    int want = (role == C_SPECIES || role == C_ID) ? 1 : 3;
    if (role >= 0 && cnt != want)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, p->col), "Properties: '%s' must have %d columns",
                          f[0], want);
    if (role >= 0 && off[role] < 0) off[role] = col;
    col += cnt;
  }
  if (nf != 0 || off[C_SPECIES] < 0 || off[C_POS] < 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, p->col),
                        "Properties must be name:type:count triples with species and pos, got \"%s\"", p->val);
  *ncol = col;
  return NNMD_OK;
}

static int reserve(struct nnmd_frame_reader *r, int64_t n, struct nnmd_error *err) {
  if (n <= r->cap) return NNMD_OK;
  struct nnmd_frame *f = &r->f;
  size_t m = (size_t)n;
  if (nnmd_realloc((void **)&f->type, m * sizeof *f->type, err) || nnmd_realloc((void **)&f->id, m * sizeof *f->id, err) ||
      nnmd_realloc((void **)&f->pos, 3 * m * sizeof *f->pos, err) ||
      nnmd_realloc((void **)&r->uw, 3 * m * sizeof(double), err) ||
      nnmd_realloc((void **)&r->vel, 3 * m * sizeof(double), err) ||
      nnmd_realloc((void **)&r->order, m * sizeof *r->order, err) ||
      nnmd_realloc((void **)&r->scratch, 3 * m * sizeof *r->scratch, err))
    return NNMD_ERR_NOMEM;
  r->cap = n;
  return NNMD_OK;
}

static int read_vec(struct nnmd_text *t, int off, const char *what, double *a, int64_t n, int64_t i,
                    struct nnmd_error *err) {
  for (int d = 0; d < 3; ++d) {
    int st = nnmd_parse_finite(t, &t->tok[off + d], what, &a[d * n + i], err);
    if (st) return st;
  }
  return NNMD_OK;
}

static int read_atom(struct nnmd_frame_reader *r, const int off[C_COUNT], int ncol, bool exact, int64_t i,
                     struct nnmd_error *err) {
  struct nnmd_text *t = &r->t;
  struct nnmd_frame *f = &r->f;
  if (t->ntok < ncol || (exact && t->ntok != ncol))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "atom line has %d columns, expected %d", t->ntok, ncol);
  const struct nnmd_tok *sk = &t->tok[off[C_SPECIES]];
  char sym[NNMD_SYMBOL_LEN];
  size_t l = strlen(sk->s);
  int type = -1;
  if (l < sizeof sym) {
    for (size_t k = 0; k <= l; ++k) sym[k] = (char)(k ? tolower((unsigned char)sk->s[k]) : toupper((unsigned char)sk->s[0]));
    type = nnmd_species_intern(&r->sp, sym);
  }
  if (type < 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_text_loc(t, sk->col), "unknown element '%s'", sk->s);
  f->type[i] = type;
  int st = read_vec(t, off[C_POS], "coordinate", f->pos, f->n, i, err);
  if (!st && off[C_UNWRAPPED] >= 0) st = read_vec(t, off[C_UNWRAPPED], "unwrapped coordinate", r->uw, f->n, i, err);
  if (!st && off[C_VEL] >= 0) st = read_vec(t, off[C_VEL], "velocity", r->vel, f->n, i, err);
  f->id[i] = i + 1;
  if (!st && off[C_ID] >= 0) st = nnmd_parse_int64(t, &t->tok[off[C_ID]], "id", &f->id[i], err);
  return st;
}

static int cmp_id(const void *a, const void *b) {
  int64_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;
  return (x > y) - (x < y);
}

/* Sort the atoms by id (an index sorted by id, then every array permuted through scratch). */
static int sort_by_id(struct nnmd_frame_reader *r, struct nnmd_error *err) {
  struct nnmd_frame *f = &r->f;
  int64_t n = f->n;
  bool sorted = true;
  for (int64_t i = 1; i < n && sorted; ++i) sorted = f->id[i] > f->id[i - 1];
  if (sorted) return NNMD_OK;
  for (int64_t i = 0; i < n; ++i) r->order[i] = (struct id_index){f->id[i], i};
  qsort(r->order, (size_t)n, sizeof *r->order, cmp_id);
  for (int64_t i = 1; i < n; ++i)
    if (r->order[i].id == r->order[i - 1].id)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(&r->t, 0), "the frame ending here has atom id %lld twice",
                          (long long)r->order[i].id);
  double *arrays[3] = {f->pos, f->unwrapped, f->vel};
  for (int a = 0; a < 3; ++a) {
    if (!arrays[a]) continue;
    for (int d = 0; d < 3; ++d)
      for (int64_t i = 0; i < n; ++i) r->scratch[d * n + i] = arrays[a][d * n + r->order[i].idx];
    memcpy(arrays[a], r->scratch, (size_t)(3 * n) * sizeof(double));
  }
  for (int64_t i = 0; i < n; ++i) r->scratch[i] = (double)f->type[r->order[i].idx];
  for (int64_t i = 0; i < n; ++i) {
    f->type[i] = (int)r->scratch[i];
    f->id[i] = r->order[i].id;
  }
  return NNMD_OK;
}

static int header(struct nnmd_frame_reader *r, int off[C_COUNT], int *ncol, bool *exact, struct nnmd_error *err) {
  struct nnmd_text *t = &r->t;
  struct nnmd_frame *f = &r->f;
  struct kvpair kv[64];
  int nkv = 0, st = split_comment(r, kv, 64, &nkv, err);
  if (st) return st;
  f->line = t->lineno;
  const struct kvpair *lat = find(kv, nkv, "Lattice"), *org = find(kv, nkv, "Origin"), *pbc = find(kv, nkv, "pbc");
  const struct kvpair *tm = find(kv, nkv, "time"), *sp = find(kv, nkv, "step"), *pr = find(kv, nkv, "Properties");
  f->has_cell = lat != NULL;
  memset(f->lo, 0, sizeof f->lo);
  for (int d = 0; d < 3; ++d) f->periodic[d] = lat != NULL;
  if (lat) {
    double v[9];
    if ((st = numbers(r, lat, 9, v, err))) return st;
    for (int a = 0; a < 3; ++a)
      for (int k = 0; k < 3; ++k) f->h[3 * a + k] = v[3 * k + a];
  }
  if (org && (st = numbers(r, org, 3, f->lo, err))) return st;
  if (pbc) {
    int k = 0;
    for (const char *s = pbc->val; *s && k < 3; ++s)
      if (strchr("TtFf10", *s) && (s == pbc->val || isspace((unsigned char)s[-1]) || s[-1] == ','))
        f->periodic[k++] = strchr("Tt1", *s) != NULL;
  }
  f->has_time = tm != NULL;
  if (tm && (st = numbers(r, tm, 1, &f->time, err))) return st;
  const struct kvpair *uwk = find(kv, nkv, "unwrapped");
  r->pos_unwrapped = uwk && strchr("Tt1", uwk->val[0]);
  f->has_step = false;
  if (sp) {
    char *end;
    long long v = strtoll(sp->val, &end, 10);
    if (end == sp->val || *end)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, sp->col), "step must be an integer, got \"%s\"", sp->val);
    f->step = v;
    f->has_step = true;
  }
  *exact = pr != NULL;
  return layout(r, pr, off, ncol, err);
}

int nnmd_frames_next(struct nnmd_frame_reader *r, bool skip_atoms, const struct nnmd_frame **frame, bool *got,
                     struct nnmd_error *err) {
  struct nnmd_text *t = &r->t;
  struct nnmd_frame *f = &r->f;
  *got = false;
  int st = nnmd_text_next_nonblank(t, got, err);
  if (st || !*got) return st;
  if ((st = nnmd_text_tokenize(t, err))) return st;
  int64_t n = 0;
  if (t->ntok != 1 || !nnmd_is_int_token(t->tok[0].s) || (st = nnmd_parse_int64(t, &t->tok[0], "the atom count", &n, err)) ||
      n < 1)
    return st ? st : nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1), "expected the number of atoms of a frame");
  bool more = false;
  if ((st = nnmd_text_next(t, &more, err))) return st;
  if (!more) return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "the file ends inside a frame");
  /* the count is a claim of the file: each atom line takes at least 8 bytes ("H 0 0 0\n"),
   * so a count the rest of the file cannot hold is refused before anything is allocated */
  int64_t left = nnmd_text_bytes_left(t);
  if (left >= 0 && n > left / 8 + 1)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                        "expected %lld atom lines, but only %lld bytes of the file are left", (long long)n,
                        (long long)left);
  if ((st = reserve(r, n, err))) return st;
  f->n = n;
  int off[C_COUNT], ncol = 0;
  bool exact = false;
  if ((st = header(r, off, &ncol, &exact, err))) return st;
  for (int64_t i = 0; i < n; ++i) {
    if ((st = nnmd_text_next(t, &more, err))) return st;
    if (!more)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "expected %lld atom lines, the file ends at line %lld",
                          (long long)n, (long long)t->lineno);
    if (skip_atoms) continue;
    if ((st = nnmd_text_tokenize(t, err)) || (st = read_atom(r, off, ncol, exact, i, err))) return st;
  }
  f->unwrapped = (!skip_atoms && off[C_UNWRAPPED] >= 0) ? r->uw : NULL;
  f->vel = (!skip_atoms && off[C_VEL] >= 0) ? r->vel : NULL;
  if (!skip_atoms) st = sort_by_id(r, err);
  if (!skip_atoms && !f->unwrapped && r->pos_unwrapped) f->unwrapped = f->pos; /* nnmd's unwrapped = true */
  *frame = f;
  return st;
}

int nnmd_frames_open(const char *path, struct nnmd_frame_reader **out, struct nnmd_error *err) {
  *out = NULL;
  struct nnmd_frame_reader *r = nnmd_calloc(1, sizeof *r, err);
  if (!r) return NNMD_ERR_NOMEM;
  int st = nnmd_text_open(&r->t, path, err);
  if (st) {
    free(r);
    return st;
  }
  r->open = true;
  *out = r;
  return NNMD_OK;
}

void nnmd_frames_close(struct nnmd_frame_reader *r) {
  if (!r) return;
  if (r->open) nnmd_text_close(&r->t);
  free(r->f.type);
  free(r->f.id);
  free(r->f.pos);
  free(r->uw);
  free(r->vel);
  free(r->order);
  free(r->scratch);
  free(r->kv);
  free(r);
}

const struct nnmd_species_table *nnmd_frames_species(const struct nnmd_frame_reader *r) { return &r->sp; }
