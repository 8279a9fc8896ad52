/* read_extxyz.c — one frame of an extended XYZ file (ASE flavour), or plain XYZ: the frame at
 * the reader's position (the first, or the one nnmd_read_structure_opts skipped to).
 *
 * Format:
 *   line 1   number of atoms N
 *   line 2   key=value pairs separated by blanks. Values may be quoted with "..." or '...'
 *            or bracketed with {...} / [...] (a backslash escapes the next character);
 *            blanks around '=' are allowed and a key without '=' means T. Keys used
 *            (names matched case-insensitively):
 *              Lattice="ax ay az bx by bz cx cy cz"  lattice vectors a, b, c (rows of the
 *                                                    string = columns of h, kept as given)
 *              Properties=name:type:count:...        the per-atom columns, type S (string),
 *                                                    R (real), I (integer) or L (logical)
 *              pbc="T T T"                           default T T T with Lattice, else F F F
 *              Origin="x y z"                        cell origin (OVITO), default 0
 *            Without Properties the columns are species:S:1:pos:R:3 and extra columns are
 *            ignored (plain XYZ).
 *   N lines  one atom per line, the columns of Properties in order.
 * Columns used: species (element symbol, capitalised as ASE does: "CU" -> "Cu") or Z
 * (atomic number), pos (A), velocities or vel (taken as A/ps, nnmd's unit; ASE itself stores
 * such a column as a plain array), charge or initial_charges (e, into the field "charge").
 * Without a velocity column, ASE's momenta:R:3 (what ase.io.write writes for Atoms with
 * momenta; amu A per ASE time unit) give v = p / m x 98.22694788464063 A/ps (one ASE velocity
 * unit, 1000 ase.units.fs), m from a masses:R:1 column or else the species' standard mass.
 * Other one-value I, L or R columns named in b->columns are kept as per-atom fields
 * "col_<name>" (L as 1/0; for [[group]] column = "name"). Every other column (masses,
 * forces, ...) is skipped. Without a Lattice the structure is
 * not periodic and the caller builds a box around the atoms.
 * Later frames are not read; complete frames after this one are counted in
 * info->n_frames_skipped. Blank lines between frames are allowed. Ids are 1..N in file order.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "structure.h"

/* ---- the comment line ------------------------------------------------------------------- */

struct xyz_kv {
  const char *key, *val;
  int col; /* 1-based column of the value (of the key for a bare key) */
};

struct xyz_comment {
  char *buf; /* keys and values, NUL-separated */
  struct xyz_kv *kv;
  int n;
};

static void comment_free(struct xyz_comment *c) {
  free(c->buf);
  free(c->kv);
}

static const char *closing_delim(char c) {
  switch (c) {
  case '"': return "\"";
  case '\'': return "'";
  case '{': return "}";
  case '[': return "]";
  default: return NULL;
  }
}

/* Copy one value starting at *p into *out; advances both. Quoted values may hold blanks. */
static int scan_value(const char **p, char **out, struct nnmd_loc loc, struct nnmd_error *err) {
  const char *s = *p, *close = closing_delim(*s);
  char *o = *out;
  if (close) {
    ++s;
    while (*s && *s != close[0]) {
      if (*s == '\\' && s[1]) ++s;
      *o++ = *s++;
    }
    if (!*s) return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "unterminated %c in the comment line", **p);
    ++s;
  } else {
    while (*s && !isspace((unsigned char)*s)) *o++ = *s++;
  }
  *o++ = '\0';
  *p = s;
  *out = o;
  return NNMD_OK;
}

static const char *skip_blank(const char *s) {
  while (*s && isspace((unsigned char)*s)) ++s;
  return s;
}

/* Parse one key[=value] at *p. */
static int scan_pair(const char *line, const char **p, char **o, struct xyz_kv *kv, const char *path,
                     int64_t lineno, struct nnmd_error *err) {
  const char *s = *p;
  kv->key = *o;
  kv->col = (int)(s - line) + 1;
  while (*s && *s != '=' && !isspace((unsigned char)*s)) *(*o)++ = *s++;
  *(*o)++ = '\0';
  const char *q = skip_blank(s);
  if (*q != '=') {
    kv->val = *o;
    memcpy(*o, "T", 2);
    *o += 2;
    *p = s;
    return NNMD_OK;
  }
  q = skip_blank(q + 1);
  kv->val = *o;
  kv->col = (int)(q - line) + 1;
  int st = scan_value(&q, o, (struct nnmd_loc){path, lineno, kv->col}, err);
  *p = q;
  return st;
}

static int parse_comment(const char *line, const char *path, int64_t lineno, struct xyz_comment *c,
                         struct nnmd_error *err) {
  size_t len = strlen(line);
  memset(c, 0, sizeof *c);
  c->buf = nnmd_malloc(3 * len + 16, err);
  c->kv = nnmd_malloc((len / 2 + 2) * sizeof *c->kv, err);
  if (!c->buf || !c->kv) return NNMD_ERR_NOMEM;
  char *o = c->buf;
  const char *p = skip_blank(line);
  while (*p) {
    if (*p == '=')
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, lineno, (int)(p - line) + 1}),
                          "'=' without a key in the comment line");
    int st = scan_pair(line, &p, &o, &c->kv[c->n], path, lineno, err);
    if (st) return st;
    c->n++;
    p = skip_blank(p);
  }
  return NNMD_OK;
}

static const struct xyz_kv *find_key(const struct xyz_comment *c, const char *key) {
  for (int k = 0; k < c->n; ++k)
    if (strcasecmp(c->kv[k].key, key) == 0) return &c->kv[k];
  return NULL;
}

/* ---- values of the comment line --------------------------------------------------------- */

static bool is_list_sep(char ch) { return isspace((unsigned char)ch) || strchr(",[]{}", ch); }

/* Exactly n finite numbers separated by blanks, commas or brackets. */
static int parse_numbers(const struct xyz_kv *kv, int n, double *out, struct nnmd_loc loc,
                         struct nnmd_error *err) {
  const char *s = kv->val;
  int k = 0;
  for (;;) {
    while (*s && is_list_sep(*s)) ++s;
    if (!*s) break;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || (*end && !is_list_sep(*end)))
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "bad number in %s=\"%s\"", kv->key, kv->val);
    if (!isfinite(v))
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "%s has a value that is not finite", kv->key);
    if (k < n) out[k] = v;
    ++k;
    s = end;
  }
  if (k != n)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "%s needs %d numbers, got %d", kv->key, n, k);
  return NNMD_OK;
}

static int parse_bool(const char *s, size_t n, int *out) {
  static const char *const yes[] = {"T", "True", "true", "TRUE", "1"};
  static const char *const no[] = {"F", "False", "false", "FALSE", "0"};
  for (int k = 0; k < 5; ++k) {
    if (strlen(yes[k]) == n && strncmp(s, yes[k], n) == 0) {
      *out = 1;
      return 0;
    }
    if (strlen(no[k]) == n && strncmp(s, no[k], n) == 0) {
      *out = 0;
      return 0;
    }
  }
  return -1;
}

static int parse_pbc(const struct xyz_kv *kv, int pbc[3], struct nnmd_loc loc, struct nnmd_error *err) {
  const char *s = kv->val;
  int k = 0, v = 0;
  for (;;) {
    while (*s && is_list_sep(*s)) ++s;
    if (!*s) break;
    size_t n = 0;
    while (s[n] && !is_list_sep(s[n])) ++n;
    if (parse_bool(s, n, &v) != 0 || k >= 3)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "pbc must be three of T/F, got \"%s\"", kv->val);
    pbc[k++] = v;
    s += n;
  }
  if (k == 1) pbc[1] = pbc[2] = pbc[0];
  else if (k != 3)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "pbc must be three of T/F, got \"%s\"", kv->val);
  return NNMD_OK;
}

/* ---- Properties ----------------------------------------------------------------------------- */

enum xyz_role { ROLE_NONE, ROLE_SPECIES, ROLE_Z, ROLE_POS, ROLE_VEL, ROLE_CHARGE, ROLE_MOM, ROLE_MASS, ROLE_COUNT };

/* A/ps per ASE velocity unit (A / (A sqrt(amu/eV))): 1000 ase.units.fs (ASE's CODATA 2014). */
#define ASE_VELOCITY_IN_A_PER_PS 98.22694788464063

#define XYZ_MAX_EXTRA 16

struct xyz_layout {
  int offset[ROLE_COUNT]; /* first column of each role, -1 if absent */
  int n_extra;            /* other one-value I/L/R columns (kept when the caller asks) */
  char extra_name[XYZ_MAX_EXTRA][32];
  char extra_type[XYZ_MAX_EXTRA];
  int extra_off[XYZ_MAX_EXTRA];
  int ncol;               /* columns per atom line */
  bool exact;             /* the line must have exactly ncol columns (Properties given) */
};

struct role_spec {
  const char *name;
  enum xyz_role role;
  char type;
  int count;
};

static const struct role_spec k_roles[] = {
    {"species", ROLE_SPECIES, 'S', 1}, {"Z", ROLE_Z, 'I', 1},
    {"pos", ROLE_POS, 'R', 3},         {"velocities", ROLE_VEL, 'R', 3},
    {"vel", ROLE_VEL, 'R', 3},         {"charge", ROLE_CHARGE, 'R', 1},
    {"initial_charges", ROLE_CHARGE, 'R', 1}, {"momenta", ROLE_MOM, 'R', 3},
    {"masses", ROLE_MASS, 'R', 1}};

static int assign_role(struct xyz_layout *L, const char *name, char type, int count, int offset,
                       struct nnmd_loc loc, struct nnmd_error *err) {
  for (size_t k = 0; k < sizeof k_roles / sizeof k_roles[0]; ++k) {
    const struct role_spec *r = &k_roles[k];
    if (strcmp(name, r->name) != 0) continue;
    if (type != r->type || count != r->count)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Properties: column '%s' must be %c:%d, got %c:%d",
                          name, r->type, r->count, type, count);
    if (L->offset[r->role] < 0) L->offset[r->role] = offset;
    return NNMD_OK;
  }
  if (count == 1 && strchr("ILR", type) && L->n_extra < XYZ_MAX_EXTRA && strlen(name) < 32) {
    snprintf(L->extra_name[L->n_extra], 32, "%s", name);
    L->extra_type[L->n_extra] = type;
    L->extra_off[L->n_extra++] = offset;
  }
  return NNMD_OK;
}

/* One name:type:count triple; fields points at the three NUL-terminated strings. */
static int layout_triple(struct xyz_layout *L, char *const f[3], struct nnmd_loc loc,
                         struct nnmd_error *err) {
  char type = (char)toupper((unsigned char)f[1][0]);
  if (f[1][1] != '\0' || !strchr("SRIL", type) || f[1][0] == '\0')
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                        "Properties: column '%s' has type '%s' (expected S, R, I or L)", f[0], f[1]);
  char *end = NULL;
  long count = strtol(f[2], &end, 10);
  if (end == f[2] || *end || count < 1 || count > 1000)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Properties: column '%s' has a bad count '%s'",
                        f[0], f[2]);
  int st = assign_role(L, f[0], type, (int)count, L->ncol, loc, err);
  L->ncol += (int)count;
  return st;
}

static int parse_properties(const struct xyz_kv *kv, struct xyz_layout *L, struct nnmd_loc loc,
                            struct nnmd_error *err) {
  size_t n = strlen(kv->val);
  char *buf = nnmd_malloc(n + 1, err);
  if (!buf) return NNMD_ERR_NOMEM;
  memcpy(buf, kv->val, n + 1);
  char *f[3];
  int nf = 0, st = NNMD_OK;
  L->exact = true;
  for (char *p = buf; !st;) {
    f[nf++] = p;
    char *colon = strchr(p, ':');
    if (colon) *colon = '\0';
    if (nf == 3) {
      st = layout_triple(L, f, loc, err);
      nf = 0;
    }
    if (!colon) break;
    p = colon + 1;
  }
  if (!st && nf != 0)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                      "Properties must be name:type:count triples, got \"%s\"", kv->val);
  if (!st && L->offset[ROLE_SPECIES] < 0 && L->offset[ROLE_Z] < 0)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Properties has no 'species' (or 'Z') column");
  if (!st && L->offset[ROLE_POS] < 0)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "Properties has no 'pos' column");
  free(buf);
  return st;
}

static void default_layout(struct xyz_layout *L) {
  L->offset[ROLE_SPECIES] = 0;
  L->offset[ROLE_POS] = 1;
  L->ncol = 4;
  L->exact = false;
}

/* ---- header (lines 1 and 2) ------------------------------------------------------------- */

struct xyz_frame {
  int64_t natoms;
  struct xyz_layout layout;
};

static int read_count(struct nnmd_text *t, int64_t *n, struct nnmd_error *err) {
  bool got = false;
  int st = nnmd_text_next_nonblank(t, &got, err);
  if (st) return st;
  if (!got)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){t->path, 0, 0}),
                        "the structure file is empty");
  if ((st = nnmd_text_tokenize(t, err))) return st;
  if (t->ntok < 1 || !nnmd_is_int_token(t->tok[0].s))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->ntok ? t->tok[0].col : 1),
                        "expected the number of atoms on line 1 of an XYZ file, got '%s'",
                        t->ntok ? t->tok[0].s : "");
  if ((st = nnmd_parse_int64(t, &t->tok[0], "the number of atoms", n, err))) return st;
  if (*n < 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                        "negative number of atoms %lld", (long long)*n);
  return NNMD_OK;
}

static int apply_cell(const struct xyz_comment *c, struct nnmd_sbuild *b, struct nnmd_loc here,
                      struct nnmd_error *err) {
  const struct xyz_kv *lat = find_key(c, "Lattice"), *pbc = find_key(c, "pbc");
  const struct xyz_kv *org = find_key(c, "Origin");
  int per[3] = {lat != NULL, lat != NULL, lat != NULL}, st = NNMD_OK;
  if (pbc && (st = parse_pbc(pbc, per, (struct nnmd_loc){here.file, here.line, pbc->col}, err)))
    return st;
  if (!lat) {
    if (per[0] || per[1] || per[2])
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){here.file, here.line, pbc->col}),
                          "pbc is periodic but there is no Lattice");
    return NNMD_OK;
  }
  double v[9];
  if ((st = parse_numbers(lat, 9, v, (struct nnmd_loc){here.file, here.line, lat->col}, err)))
    return st;
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) b->h[3 * r + k] = v[3 * k + r]; /* vector k -> column k */
  if (org && (st = parse_numbers(org, 3, b->lo, (struct nnmd_loc){here.file, here.line, org->col}, err)))
    return st;
  memcpy(b->periodic, per, sizeof per);
  b->has_cell = true;
  b->cell_line = here.line;
  return NNMD_OK;
}

static int read_comment(struct nnmd_text *t, struct nnmd_sbuild *b, struct xyz_frame *fr,
                        struct nnmd_error *err) {
  bool got = false;
  int st = nnmd_text_next(t, &got, err);
  if (st) return st;
  if (!got) {
    if (fr->natoms == 0) return NNMD_OK;
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                        "expected %lld atom lines, file ends at line %lld", (long long)fr->natoms,
                        (long long)t->lineno);
  }
  struct xyz_comment c;
  st = parse_comment(t->line, t->path, t->lineno, &c, err);
  struct nnmd_loc here = nnmd_text_loc(t, 0);
  for (int k = 0; k < ROLE_COUNT; ++k) fr->layout.offset[k] = -1;
  const struct xyz_kv *props = st ? NULL : find_key(&c, "Properties");
  if (!st && props)
    st = parse_properties(props, &fr->layout, (struct nnmd_loc){t->path, t->lineno, props->col}, err);
  else if (!st)
    default_layout(&fr->layout);
  if (!st) st = apply_cell(&c, b, here, err);
  comment_free(&c);
  return st;
}

/* ---- atom lines ------------------------------------------------------------------------------ */

static int atom_species(struct nnmd_text *t, struct nnmd_sbuild *b, const struct xyz_layout *L,
                        int *type, struct nnmd_error *err) {
  char sym[NNMD_SYMBOL_LEN] = "";
  if (L->offset[ROLE_SPECIES] >= 0) {
    const struct nnmd_tok *tk = &t->tok[L->offset[ROLE_SPECIES]];
    size_t n = strlen(tk->s);
    if (n >= sizeof sym)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_text_loc(t, tk->col),
                          "unknown element '%s' (not in the periodic table)", tk->s);
    for (size_t k = 0; k <= n; ++k)
      sym[k] = (char)(k == 0 ? toupper((unsigned char)tk->s[k]) : tolower((unsigned char)tk->s[k]));
    return nnmd_sbuild_species(b, sym, nnmd_text_loc(t, tk->col), type, err);
  }
  const struct nnmd_tok *tk = &t->tok[L->offset[ROLE_Z]];
  int64_t z = 0;
  int st = nnmd_parse_int64(t, tk, "the atomic number Z", &z, err);
  if (st) return st;
  const char *s = (z >= 1 && z <= 118) ? nnmd_element_symbol((int)z) : NULL;
  if (!s)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_text_loc(t, tk->col),
                        "unknown element: atomic number %s", tk->s);
  return nnmd_sbuild_species(b, s, nnmd_text_loc(t, tk->col), type, err);
}

static int parse_vec3(struct nnmd_text *t, int off, const char *what, double v[3],
                      struct nnmd_error *err) {
  static const char *const axis[3] = {"x", "y", "z"};
  char name[64];
  for (int d = 0; d < 3; ++d) {
    snprintf(name, sizeof name, "%s %s", what, axis[d]);
    int st = nnmd_parse_finite(t, &t->tok[off + d], name, &v[d], err);
    if (st) return st;
  }
  return NNMD_OK;
}

static int check_columns(const struct nnmd_text *t, const struct xyz_layout *L, struct nnmd_error *err) {
  if (t->ntok == L->ncol || (!L->exact && t->ntok > L->ncol)) return NNMD_OK;
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                      "atom line has %d columns, expected %s%d%s", t->ntok, L->exact ? "" : "at least ",
                      L->ncol, L->exact ? " (from Properties)" : " (species x y z)");
}

/* Kept extra columns: field index per layout extra column (-1: not kept). */
struct xyz_keep {
  int field[XYZ_MAX_EXTRA];
};

static int keep_columns(struct nnmd_sbuild *b, const struct xyz_layout *L, struct xyz_keep *kp,
                        struct nnmd_error *err) {
  for (int e = 0; e < XYZ_MAX_EXTRA; ++e) kp->field[e] = -1;
  for (int e = 0; e < L->n_extra && b->columns; ++e)
    for (int k = 0; b->columns[k]; ++k) {
      if (strcmp(b->columns[k], L->extra_name[e]) != 0) continue;
      char name[NNMD_FIELD_NAME];
      snprintf(name, sizeof name, "col_%.26s", L->extra_name[e]);
      int st = nnmd_system_field_add(b->sys, name, 1, false, &kp->field[e], err);
      if (st) return st;
    }
  return NNMD_OK;
}

static int parse_extra(struct nnmd_text *t, const struct xyz_layout *L, int e, double *out, struct nnmd_error *err) {
  const struct nnmd_tok *tk = &t->tok[L->extra_off[e]];
  if (L->extra_type[e] == 'R') return nnmd_parse_finite(t, tk, L->extra_name[e], out, err);
  if (L->extra_type[e] == 'I') {
    int64_t v = 0;
    int st = nnmd_parse_int64(t, tk, L->extra_name[e], &v, err);
    *out = (double)v;
    return st;
  }
  int b = -1;
  if (parse_bool(tk->s, strlen(tk->s), &b) != 0 || b < 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col), "column '%s': '%s' is not a logical (T or F)",
                        L->extra_name[e], tk->s);
  *out = b ? 1.0 : 0.0;
  return NNMD_OK;
}

static int read_atom(struct nnmd_text *t, struct nnmd_sbuild *b, const struct xyz_layout *L,
                     int64_t i, int charge_field, const struct xyz_keep *kp, struct nnmd_error *err) {
  int st = check_columns(t, L, err), type = 0;
  if (st || (st = atom_species(t, b, L, &type, err))) return st;
  double x[3], v[3] = {0, 0, 0}, q = 0;
  if ((st = parse_vec3(t, L->offset[ROLE_POS], "coordinate", x, err))) return st;
  if (L->offset[ROLE_VEL] >= 0 && (st = parse_vec3(t, L->offset[ROLE_VEL], "velocity", v, err)))
    return st;
  if (L->offset[ROLE_VEL] < 0 && L->offset[ROLE_MOM] >= 0) { /* ASE momenta: v = p / m */
    double m = b->sys->species.s[type].mass;
    if ((st = parse_vec3(t, L->offset[ROLE_MOM], "momentum", v, err))) return st;
    if (L->offset[ROLE_MASS] >= 0 && (st = nnmd_parse_finite(t, &t->tok[L->offset[ROLE_MASS]], "mass", &m, err)))
      return st;
    if (!(m > 0))
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[L->offset[ROLE_MOM]].col),
                          "momenta need a positive mass, got %g amu", m);
    for (int d = 0; d < 3; ++d) v[d] = v[d] / m * ASE_VELOCITY_IN_A_PER_PS;
  }
  if (L->offset[ROLE_CHARGE] >= 0 &&
      (st = nnmd_parse_finite(t, &t->tok[L->offset[ROLE_CHARGE]], "charge", &q, err)))
    return st;
  int64_t idx = 0;
  if ((st = nnmd_sbuild_add(b, i + 1, type, x, t->lineno, &idx, err))) return st;
  struct nnmd_system *s = b->sys;
  for (int d = 0; d < 3; ++d) s->v[d * s->capacity + idx] = v[d];
  if (charge_field >= 0) s->fields[charge_field].data[idx] = q;
  for (int e = 0; e < L->n_extra; ++e) {
    if (kp->field[e] < 0) continue;
    double val = 0.0;
    if ((st = parse_extra(t, L, e, &val, err))) return st;
    s->fields[kp->field[e]].data[idx] = val;
  }
  return NNMD_OK;
}

static int read_atoms(struct nnmd_text *t, struct nnmd_sbuild *b, const struct xyz_frame *fr,
                      int charge_field, struct nnmd_error *err) {
  struct xyz_keep kp;
  int st0 = keep_columns(b, &fr->layout, &kp, err);
  if (st0) return st0;
  for (int64_t i = 0; i < fr->natoms; ++i) {
    bool got = false;
    int st = nnmd_text_next(t, &got, err);
    if (st) return st;
    if (!got)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                          "expected %lld atom lines, file ends at line %lld", (long long)fr->natoms,
                          (long long)t->lineno);
    if ((st = nnmd_text_tokenize(t, err)) || (st = read_atom(t, b, &fr->layout, i, charge_field, &kp, err)))
      return st;
  }
  return NNMD_OK;
}

/* Complete frames after the first (stops at the first thing that is not one). */
static int count_frames(struct nnmd_text *t, int *count, struct nnmd_error *err) {
  for (;;) {
    bool got = false;
    int st = nnmd_text_next_nonblank(t, &got, err);
    if (st || !got) return st;
    if ((st = nnmd_text_tokenize(t, err))) return st;
    if (t->ntok != 1 || !nnmd_is_int_token(t->tok[0].s)) return NNMD_OK;
    long long n = strtoll(t->tok[0].s, NULL, 10);
    for (long long k = 0; k <= n; ++k) {
      if ((st = nnmd_text_next(t, &got, err))) return st;
      if (!got) return NNMD_OK;
    }
    (*count)++;
  }
}

int nnmd_read_extxyz(struct nnmd_text *t, struct nnmd_sbuild *b, struct nnmd_structure_info *info,
                     struct nnmd_error *err) {
  struct xyz_frame fr;
  memset(&fr, 0, sizeof fr);
  int st = read_count(t, &fr.natoms, err);
  if (st || (st = read_comment(t, b, &fr, err))) return st;
  if (fr.natoms > 0 && (st = nnmd_sbuild_reserve(b, fr.natoms < (1 << 20) ? fr.natoms : (1 << 20), err)))
    return st;
  int charge_field = -1;
  if (fr.layout.offset[ROLE_CHARGE] >= 0 &&
      (st = nnmd_system_field_add(b->sys, "charge", 1, false, &charge_field, err)))
    return st;
  if ((st = read_atoms(t, b, &fr, charge_field, err))) return st;
  info->has_velocities = fr.layout.offset[ROLE_VEL] >= 0 || fr.layout.offset[ROLE_MOM] >= 0;
  info->has_charges = charge_field >= 0;
  return count_frames(t, &info->n_frames_skipped, err);
}
