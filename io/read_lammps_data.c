/* read_lammps_data.c — a LAMMPS data file (read_data format), atom_style atomic, charge or
 * full (bonds and other topology sections of full files are skipped).
 *
 * Format: line 1 is a title. Header lines follow ('#' starts a comment):
 *   N atoms / T atom types / xlo xhi / ylo yhi / zlo zhi / [xy xz yz]
 *   (bond, angle, ... counts and "extra ..." lines are accepted and their sections skipped;
 *   ellipsoids/lines/triangles/bodies and general triclinic avec/bvec/cvec are refused).
 * Then sections, each a keyword line followed by its entries (blank lines are ignored):
 *   Masses              "type mass [# Symbol]"
 *   Atom Type Labels    "type label"
 *   Atoms [# style]     atomic: "id type x y z [ix iy iz]"; charge: "id type q x y z [ix iy iz]";
 *                       full: "id mol type q x y z [ix iy iz]" (needs the '# full' comment).
 *                       Without a style comment the style follows from the column count
 *                       (5/8 atomic, 6/9 charge). Other styles are refused.
 *   Velocities          "id vx vy vz" (metal units: A/ps)
 *   any other section   skipped
 * The element of type k is, in this order: its type label, the first word of the comment
 * after its mass ("1 63.546 # Cu"), or the element whose standard mass is nearest to the
 * given mass, within 0.1 amu. Species are interned in type order and take the masses of the
 * Masses section. Units are LAMMPS metal (A, A/ps, e). The box is lo = (xlo, ylo, zlo),
 * h = [[lx, xy, xz], [0, ly, yz], [0, 0, lz]], periodic in all three directions. Ids, image
 * flags (into sys->image) and charges (field "charge") are taken from the file; atoms are
 * stored in file order.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "structure.h"

#define LMP_NAME 64

struct lmp_type {
  double mass;
  int64_t mass_line; /* 0 = no mass given */
  char comment_sym[NNMD_SYMBOL_LEN];
  char label[NNMD_SYMBOL_LEN];
};

struct lmp_idx {
  int64_t id, idx;
};

struct lmp_state {
  int64_t natoms;
  int ntypes;
  int64_t atoms_line, types_line; /* header lines, 0 if absent */
  double lo[3], hi[3], tilt[3];
  int64_t bounds_line[3], tilt_line;
  struct lmp_type *types;
  char section[LMP_NAME]; /* current section keyword */
  char style[LMP_NAME];   /* first word of the comment on the section line */
  int64_t section_line;
  const char *comment;    /* comment of the current line (after '#'), "" if none */
  bool atoms_read;
  struct lmp_idx *by_id;  /* sorted by id once Atoms is read */
};

static const char *const k_sections[] = {
    "Atoms", "Velocities", "Masses", "Atom Type Labels", "Ellipsoids", "Lines", "Triangles",
    "Bodies", "Bonds", "Angles", "Dihedrals", "Impropers", "Pair Coeffs", "PairIJ Coeffs",
    "Bond Coeffs", "Angle Coeffs", "Dihedral Coeffs", "Improper Coeffs", "BondBond Coeffs",
    "BondAngle Coeffs", "MiddleBondTorsion Coeffs", "EndBondTorsion Coeffs", "AngleTorsion Coeffs",
    "AngleAngleTorsion Coeffs", "BondBond13 Coeffs", "AngleAngle Coeffs", "Bond Type Labels",
    "Angle Type Labels", "Dihedral Type Labels", "Improper Type Labels"};

/* ---- lines and sections ----------------------------------------------------------------- */

/* Cut the comment off the current line and remember it. */
static void split_comment(struct nnmd_text *t, struct lmp_state *s) {
  char *h = strchr(t->line, '#');
  s->comment = "";
  if (!h) return;
  *h = '\0';
  s->comment = h + 1;
}

/* The trimmed line, copied into out. */
static void trimmed(const char *line, char *out, size_t n) {
  while (isspace((unsigned char)*line)) ++line;
  size_t len = strlen(line);
  while (len > 0 && isspace((unsigned char)line[len - 1])) --len;
  if (len >= n) len = n - 1;
  memcpy(out, line, len);
  out[len] = '\0';
}

/* The keyword `name` starts a section: remember it (and the style comment); error if unknown. */
static int enter_section(const struct nnmd_text *t, struct lmp_state *s, const char *name,
                         struct nnmd_error *err) {
  for (size_t k = 0; k < sizeof k_sections / sizeof k_sections[0]; ++k)
    if (strcmp(name, k_sections[k]) == 0) {
      snprintf(s->section, sizeof s->section, "%s", name);
      char style[LMP_NAME];
      trimmed(s->comment, style, sizeof style);
      style[strcspn(style, " \t")] = '\0';
      memcpy(s->style, style, sizeof style);
      s->section_line = t->lineno;
      return NNMD_OK;
    }
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                      "unknown section or header line '%s' in LAMMPS data file", name);
}

/* The tokens of the current line joined by single blanks. */
static void joined_tokens(const struct nnmd_text *t, char *buf, size_t n) {
  buf[0] = '\0';
  for (int k = 0; k < t->ntok; ++k) {
    if (k) strncat(buf, " ", n - strlen(buf) - 1);
    strncat(buf, t->tok[k].s, n - strlen(buf) - 1);
  }
}

/* Next entry of the current section, tokenized. *got = false at a new section (entered) or
 * at the end of the file (*eof). */
static int next_entry(struct nnmd_text *t, struct lmp_state *s, bool *got, bool *eof,
                      struct nnmd_error *err) {
  *got = false;
  *eof = false;
  for (;;) {
    bool have = false;
    int st = nnmd_text_next(t, &have, err);
    if (st) return st;
    if (!have) {
      *eof = true;
      return NNMD_OK;
    }
    split_comment(t, s);
    if ((st = nnmd_text_tokenize(t, err))) return st;
    if (t->ntok == 0) continue;
    if (isalpha((unsigned char)t->tok[0].s[0])) {
      char name[LMP_NAME];
      joined_tokens(t, name, sizeof name);
      return enter_section(t, s, name, err);
    }
    *got = true;
    return NNMD_OK;
  }
}

/* ---- header ------------------------------------------------------------------------------- */

static bool tok_is(const struct nnmd_text *t, int k, const char *w) {
  return k < t->ntok && strcmp(t->tok[k].s, w) == 0;
}

static int header_bounds(struct nnmd_text *t, struct lmp_state *s, int d, struct nnmd_error *err) {
  static const char *const lo[3] = {"xlo", "ylo", "zlo"}, *const hi[3] = {"xhi", "yhi", "zhi"};
  int st = nnmd_parse_finite(t, &t->tok[0], lo[d], &s->lo[d], err);
  if (!st) st = nnmd_parse_finite(t, &t->tok[1], hi[d], &s->hi[d], err);
  if (st) return st;
  if (!(s->hi[d] > s->lo[d]))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_text_loc(t, t->tok[1].col),
                        "%s (%g) must be greater than %s (%g)", hi[d], s->hi[d], lo[d], s->lo[d]);
  s->bounds_line[d] = t->lineno;
  return NNMD_OK;
}

static int header_count(struct nnmd_text *t, int64_t *n, const char *what, struct nnmd_error *err) {
  int st = nnmd_parse_int64(t, &t->tok[0], what, n, err);
  if (!st && *n < 0)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col), "negative %s", what);
  return st;
}

static bool is_topology(const struct nnmd_text *t) {
  static const char *const w[] = {"bonds", "angles", "dihedrals", "impropers"};
  static const char *const ty[] = {"bond", "angle", "dihedral", "improper"};
  for (int k = 0; k < 4; ++k) {
    if (t->ntok == 2 && tok_is(t, 1, w[k])) return true;
    if (t->ntok == 3 && tok_is(t, 1, ty[k]) && tok_is(t, 2, "types")) return true;
  }
  return tok_is(t, 1, "extra");
}

static int header_line(struct nnmd_text *t, struct lmp_state *s, struct nnmd_error *err) {
  int64_t n = 0;
  if (t->ntok == 2 && tok_is(t, 1, "atoms")) {
    s->atoms_line = t->lineno;
    return header_count(t, &s->natoms, "number of atoms", err);
  }
  if (t->ntok == 3 && tok_is(t, 1, "atom") && tok_is(t, 2, "types")) {
    int st = header_count(t, &n, "number of atom types", err);
    if (!st && (n < 1 || n > NNMD_MAX_SPECIES * 16))
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                        "number of atom types must be 1..%d, got %lld", NNMD_MAX_SPECIES * 16,
                        (long long)n);
    s->ntypes = (int)n;
    s->types_line = t->lineno;
    return st;
  }
  if (is_topology(t)) return NNMD_OK;
  static const char *const lo[3] = {"xlo", "ylo", "zlo"}, *const hi[3] = {"xhi", "yhi", "zhi"};
  for (int d = 0; d < 3; ++d)
    if (t->ntok == 4 && tok_is(t, 2, lo[d]) && tok_is(t, 3, hi[d])) return header_bounds(t, s, d, err);
  if (t->ntok == 6 && tok_is(t, 3, "xy") && tok_is(t, 4, "xz") && tok_is(t, 5, "yz")) {
    static const char *const w[3] = {"xy", "xz", "yz"};
    s->tilt_line = t->lineno;
    for (int k = 0; k < 3; ++k) {
      int st = nnmd_parse_finite(t, &t->tok[k], w[k], &s->tilt[k], err);
      if (st) return st;
    }
    return NNMD_OK;
  }
  if (t->ntok == 2 && (tok_is(t, 1, "ellipsoids") || tok_is(t, 1, "lines") ||
                       tok_is(t, 1, "triangles") || tok_is(t, 1, "bodies"))) {
    int st = header_count(t, &n, t->tok[1].s, err);
    if (!st && n > 0)
      st = nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, nnmd_text_loc(t, t->tok[1].col),
                        "LAMMPS data with %s is not supported", t->tok[1].s);
    return st;
  }
  if (tok_is(t, t->ntok - 1, "avec") || tok_is(t, t->ntok - 1, "bvec") || tok_is(t, t->ntok - 1, "cvec") ||
      tok_is(t, t->ntok - 1, "origin"))
    return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, nnmd_text_loc(t, 1),
                        "general triclinic boxes (avec/bvec/cvec) are not supported; use xlo xhi ... "
                        "and xy xz yz");
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1), "unknown header line in LAMMPS data file");
}

/* Header lines up to the first section keyword (entered); *eof if the file ends first. */
static int read_header(struct nnmd_text *t, struct lmp_state *s, bool *eof, struct nnmd_error *err) {
  bool have = false;
  int st = nnmd_text_next(t, &have, err); /* title */
  if (st) return st;
  if (!have)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){t->path, 0, 0}),
                        "the structure file is empty");
  for (;;) {
    bool got = false;
    if ((st = next_entry(t, s, &got, eof, err))) return st;
    if (!got) return NNMD_OK;
    if ((st = header_line(t, s, err))) return st;
  }
}

static int check_header(const struct nnmd_text *t, const struct lmp_state *s, struct nnmd_error *err) {
  struct nnmd_loc loc = {t->path, s->section_line, 0};
  static const char *const what[3] = {"xlo xhi", "ylo yhi", "zlo zhi"};
  if (!s->atoms_line) return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "the header has no 'N atoms' line");
  if (!s->types_line)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "the header has no 'N atom types' line");
  for (int d = 0; d < 3; ++d)
    if (!s->bounds_line[d])
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "the header has no '%s' line", what[d]);
  return NNMD_OK;
}

/* ---- Masses and Atom Type Labels ---------------------------------------------------------- */

static int entry_type(struct nnmd_text *t, const struct lmp_state *s, const struct nnmd_tok *tk,
                      int *type, struct nnmd_error *err) {
  int64_t v = 0;
  int st = nnmd_parse_int64(t, tk, "atom type", &v, err);
  if (st) return st;
  if (v < 1 || v > s->ntypes)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col),
                        "atom type %lld is out of range 1..%d", (long long)v, s->ntypes);
  *type = (int)v;
  return NNMD_OK;
}

static int mass_entry(struct nnmd_text *t, struct lmp_state *s, struct nnmd_error *err) {
  int type = 0, st = NNMD_OK;
  if (t->ntok != 2)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                        "Masses line needs 2 values (type mass), got %d", t->ntok);
  struct lmp_type *ty = NULL;
  if ((st = entry_type(t, s, &t->tok[0], &type, err))) return st;
  ty = &s->types[type - 1];
  if ((st = nnmd_parse_finite(t, &t->tok[1], "mass", &ty->mass, err))) return st;
  if (!(ty->mass > 0))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_text_loc(t, t->tok[1].col), "mass must be positive");
  ty->mass_line = t->lineno;
  char word[LMP_NAME];
  trimmed(s->comment, word, sizeof word);
  word[strcspn(word, " \t")] = '\0';
  if (strlen(word) < NNMD_SYMBOL_LEN && nnmd_element_z(word) > 0) memcpy(ty->comment_sym, word, NNMD_SYMBOL_LEN);
  return NNMD_OK;
}

static int label_entry(struct nnmd_text *t, struct lmp_state *s, struct nnmd_error *err) {
  int type = 0;
  if (t->ntok != 2)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                        "Atom Type Labels line needs 2 values (type label), got %d", t->ntok);
  int st = entry_type(t, s, &t->tok[0], &type, err);
  if (!st) snprintf(s->types[type - 1].label, NNMD_SYMBOL_LEN, "%s", t->tok[1].s);
  return st;
}

/* Element of file type k (1-based): label, mass comment, or nearest standard mass. */
static int type_symbol(const char *path, const struct lmp_state *s, int k, const char **sym,
                       struct nnmd_error *err) {
  const struct lmp_type *ty = &s->types[k - 1];
  if (nnmd_element_z(ty->label) > 0) *sym = ty->label;
  else if (ty->comment_sym[0]) *sym = ty->comment_sym;
  else if (ty->mass_line) {
    int best = 0;
    double dbest = 0.1;
    for (int z = 1; z <= 118; ++z)
      if (fabs(nnmd_element_mass(z) - ty->mass) <= dbest) {
        dbest = fabs(nnmd_element_mass(z) - ty->mass);
        best = z;
      }
    if (!best)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){path, ty->mass_line, 0}),
                          "cannot tell the element of atom type %d: mass %g is not within 0.1 of any "
                          "element; add a comment like '%d %g # Symbol'",
                          k, ty->mass, k, ty->mass);
    *sym = nnmd_element_symbol(best);
  } else
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){path, 0, 0}),
                        "atom type %d has no mass in a Masses section (and no element label)", k);
  return NNMD_OK;
}

/* Intern the species of every type (in type order) and map the atoms' file types onto them. */
static int resolve_types(const char *path, struct lmp_state *s, struct nnmd_sbuild *b,
                         struct nnmd_error *err) {
  struct nnmd_system *sys = b->sys;
  int *map = nnmd_malloc((size_t)s->ntypes * sizeof(int), err), st = NNMD_OK;
  if (!map) return NNMD_ERR_NOMEM;
  for (int k = 1; k <= s->ntypes && !st; ++k) {
    const char *sym = NULL;
    struct nnmd_loc loc = {path, s->types[k - 1].mass_line, 0};
    bool fresh = false;
    if ((st = type_symbol(path, s, k, &sym, err))) break;
    fresh = nnmd_species_find(&sys->species, sym) < 0;
    if ((st = nnmd_sbuild_species(b, sym, loc, &map[k - 1], err))) break;
    struct nnmd_species *sp = &sys->species.s[map[k - 1]];
    double m = s->types[k - 1].mass;
    if (s->types[k - 1].mass_line && !fresh && sp->mass != m)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                        "atom type %d is %s with mass %g, but another type is %s with mass %g", k, sym,
                        m, sym, sp->mass);
    else if (s->types[k - 1].mass_line)
      sp->mass = m;
  }
  for (int64_t i = 0; i < sys->n_local && !st; ++i) sys->type[i] = map[sys->type[i]];
  free(map);
  return st;
}

/* ---- Atoms ------------------------------------------------------------------------------------ */

enum { STYLE_UNKNOWN, STYLE_ATOMIC, STYLE_CHARGE, STYLE_FULL };

static int atoms_style(const struct nnmd_text *t, const struct lmp_state *s, int *style,
                       struct nnmd_error *err) {
  if (strcmp(s->style, "atomic") == 0) *style = STYLE_ATOMIC;
  else if (strcmp(s->style, "charge") == 0) *style = STYLE_CHARGE;
  else if (strcmp(s->style, "full") == 0) *style = STYLE_FULL;
  else if (s->style[0])
    return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, ((struct nnmd_loc){t->path, s->section_line, 0}),
                        "atom_style '%s' is not supported (use atomic, charge or full)", s->style);
  else if (t->ntok == 5 || t->ntok == 8) *style = STYLE_ATOMIC;
  else if (t->ntok == 6 || t->ntok == 9) *style = STYLE_CHARGE;
  else
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                        "cannot tell the atom style from %d columns (atomic: id type x y z [ix iy iz], "
                        "charge: id type q x y z [ix iy iz]); add '# atomic' or '# charge' after Atoms",
                        t->ntok);
  return NNMD_OK;
}

static int atom_images(struct nnmd_text *t, int first, int32_t im[3], struct nnmd_error *err) {
  static const char *const w[3] = {"image flag ix", "image flag iy", "image flag iz"};
  for (int d = 0; d < 3; ++d) {
    int64_t v = 0;
    int st = nnmd_parse_int64(t, &t->tok[first + d], w[d], &v, err);
    if (st) return st;
    if (v < INT32_MIN || v > INT32_MAX)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[first + d].col),
                          "%s is out of range", w[d]);
    im[d] = (int32_t)v;
  }
  return NNMD_OK;
}

static int atom_entry(struct nnmd_text *t, struct lmp_state *s, struct nnmd_sbuild *b, int style,
                      int charge_field, struct nnmd_error *err) {
  /* full: id mol type q x y z [ix iy iz] (the molecule id is not used) */
  int full = style == STYLE_FULL, tcol = full ? 2 : 1, qcol = full ? 3 : 2;
  int base = full ? 7 : style == STYLE_CHARGE ? 6 : 5, xo = full ? 4 : style == STYLE_CHARGE ? 3 : 2, type = 0;
  if (t->ntok != base && t->ntok != base + 3)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1), "atom line has %d columns, expected %d or %d (%s)",
                        t->ntok, base, base + 3,
                        full ? "id mol type q x y z [ix iy iz]"
                             : style == STYLE_CHARGE ? "id type q x y z [ix iy iz]" : "id type x y z [ix iy iz]");
  int64_t id = 0, idx = 0;
  double x[3], q = 0;
  int32_t im[3] = {0, 0, 0};
  static const char *const what[3] = {"x coordinate", "y coordinate", "z coordinate"};
  int st = nnmd_parse_int64(t, &t->tok[0], "atom id", &id, err);
  if (!st && id < 1)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col), "atom id must be positive");
  if (!st) st = entry_type(t, s, &t->tok[tcol], &type, err);
  if (!st && style != STYLE_ATOMIC) st = nnmd_parse_finite(t, &t->tok[qcol], "charge", &q, err);
  for (int d = 0; d < 3 && !st; ++d) st = nnmd_parse_finite(t, &t->tok[xo + d], what[d], &x[d], err);
  if (!st && t->ntok == base + 3) st = atom_images(t, base, im, err);
  if (!st) st = nnmd_sbuild_add(b, id, type - 1, x, t->lineno, &idx, err);
  if (st) return st;
  struct nnmd_system *sys = b->sys;
  for (int d = 0; d < 3; ++d) sys->image[d * sys->capacity + idx] = im[d];
  if (charge_field >= 0) sys->fields[charge_field].data[idx] = q;
  return NNMD_OK;
}

static int cmp_idx(const void *a, const void *b) {
  int64_t x = ((const struct lmp_idx *)a)->id, y = ((const struct lmp_idx *)b)->id;
  return (x > y) - (x < y);
}

/* Sort (id, index) pairs; a repeated id is an error. */
static int index_ids(const char *path, struct lmp_state *s, const struct nnmd_sbuild *b,
                     struct nnmd_error *err) {
  int64_t n = b->sys->n_local;
  s->by_id = nnmd_malloc((size_t)(n > 0 ? n : 1) * sizeof *s->by_id, err);
  if (!s->by_id) return NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < n; ++i) s->by_id[i] = (struct lmp_idx){b->sys->id[i], i};
  qsort(s->by_id, (size_t)n, sizeof *s->by_id, cmp_idx);
  for (int64_t k = 1; k < n; ++k)
    if (s->by_id[k].id == s->by_id[k - 1].id) {
      int64_t l1 = b->atom_line[s->by_id[k - 1].idx], l2 = b->atom_line[s->by_id[k].idx];
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, l1 > l2 ? l1 : l2, 0}),
                          "atom id %lld appears twice (lines %lld and %lld)", (long long)s->by_id[k].id,
                          (long long)(l1 < l2 ? l1 : l2), (long long)(l1 > l2 ? l1 : l2));
    }
  return NNMD_OK;
}

/* Check the number of entries read against the header count. */
static int check_count(const struct nnmd_text *t, const struct lmp_state *s, int64_t got, bool eof,
                       const char *what, struct nnmd_error *err) {
  if (got == s->natoms) return NNMD_OK;
  if (eof)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                        "expected %lld %s lines, file ends at line %lld", (long long)s->natoms, what,
                        (long long)t->lineno);
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                      "expected %lld %s lines (header line %lld), found %lld before this section",
                      (long long)s->natoms, what, (long long)s->atoms_line, (long long)got);
}

static int section_atoms(struct nnmd_text *t, struct lmp_state *s, struct nnmd_sbuild *b, bool *eof,
                         struct nnmd_error *err) {
  int style = STYLE_UNKNOWN, charge_field = -1, st = NNMD_OK;
  int64_t count = 0;
  bool got = false;
  if (s->atoms_read)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1), "second Atoms section");
  if (s->natoms > 0 && (st = nnmd_sbuild_reserve(b, s->natoms < (1 << 20) ? s->natoms : (1 << 20), err)))
    return st;
  while (!(st = next_entry(t, s, &got, eof, err)) && got) {
    if (count == s->natoms)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                          "more atom lines than the %lld atoms of the header (line %lld)",
                          (long long)s->natoms, (long long)s->atoms_line);
    if (style == STYLE_UNKNOWN && (st = atoms_style(t, s, &style, err))) return st;
    if ((style == STYLE_CHARGE || style == STYLE_FULL) && charge_field < 0 &&
        (st = nnmd_system_field_add(b->sys, "charge", 1, false, &charge_field, err)))
      return st;
    if ((st = atom_entry(t, s, b, style, charge_field, err))) return st;
    count++;
  }
  if (st || (st = check_count(t, s, count, *eof, "atom", err))) return st;
  s->atoms_read = true;
  return index_ids(t->path, s, b, err);
}

static int velocity_entry(struct nnmd_text *t, struct lmp_state *s, struct nnmd_sbuild *b,
                          struct nnmd_error *err) {
  if (t->ntok != 4)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                        "Velocities line needs 4 values (id vx vy vz), got %d", t->ntok);
  struct lmp_idx key = {0, 0};
  int st = nnmd_parse_int64(t, &t->tok[0], "atom id", &key.id, err);
  if (st) return st;
  const struct lmp_idx *hit =
      bsearch(&key, s->by_id, (size_t)b->sys->n_local, sizeof *s->by_id, cmp_idx);
  if (!hit)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                        "velocity for atom id %lld, which is not in the Atoms section", (long long)key.id);
  static const char *const what[3] = {"velocity x", "velocity y", "velocity z"};
  struct nnmd_system *sys = b->sys;
  for (int d = 0; d < 3; ++d)
    if ((st = nnmd_parse_finite(t, &t->tok[1 + d], what[d], &sys->v[d * sys->capacity + hit->idx], err)))
      return st;
  return NNMD_OK;
}

static int section_velocities(struct nnmd_text *t, struct lmp_state *s, struct nnmd_sbuild *b,
                              bool *eof, struct nnmd_error *err) {
  if (!s->atoms_read)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 1),
                        "the Velocities section must come after the Atoms section");
  int64_t count = 0;
  bool got = false;
  int st = NNMD_OK;
  while (!(st = next_entry(t, s, &got, eof, err)) && got) {
    if ((st = velocity_entry(t, s, b, err))) return st;
    count++;
  }
  return st ? st : check_count(t, s, count, *eof, "velocity", err);
}

/* Masses, labels, or a skipped section: entries until the next section. */
static int section_simple(struct nnmd_text *t, struct lmp_state *s, bool *eof, struct nnmd_error *err) {
  bool masses = strcmp(s->section, "Masses") == 0;
  bool labels = strcmp(s->section, "Atom Type Labels") == 0;
  bool got = false;
  int st = NNMD_OK;
  while (!(st = next_entry(t, s, &got, eof, err)) && got) {
    if (masses) st = mass_entry(t, s, err);
    else if (labels) st = label_entry(t, s, err);
    if (st) return st;
  }
  return st;
}

static int read_sections(struct nnmd_text *t, struct lmp_state *s, struct nnmd_sbuild *b,
                         struct nnmd_structure_info *info, struct nnmd_error *err) {
  bool eof = false;
  int st = NNMD_OK;
  while (!eof && !st) {
    if (strcmp(s->section, "Atoms") == 0) st = section_atoms(t, s, b, &eof, err);
    else if (strcmp(s->section, "Velocities") == 0) {
      st = section_velocities(t, s, b, &eof, err);
      info->has_velocities = true;
    } else
      st = section_simple(t, s, &eof, err);
  }
  if (!st && !s->atoms_read)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){t->path, t->lineno, 0}),
                      "no Atoms section in LAMMPS data file (file ends at line %lld)", (long long)t->lineno);
  return st;
}

static void set_cell(const struct lmp_state *s, struct nnmd_sbuild *b) {
  double h[9] = {s->hi[0] - s->lo[0], s->tilt[0], s->tilt[1], 0, s->hi[1] - s->lo[1], s->tilt[2],
                 0, 0, s->hi[2] - s->lo[2]};
  memcpy(b->h, h, sizeof h);
  memcpy(b->lo, s->lo, sizeof b->lo);
  for (int d = 0; d < 3; ++d) b->periodic[d] = 1;
  b->has_cell = true;
  b->cell_line = s->tilt_line ? s->tilt_line : s->bounds_line[0];
}

int nnmd_read_lammps_data(struct nnmd_text *t, struct nnmd_sbuild *b,
                          struct nnmd_structure_info *info, struct nnmd_error *err) {
  struct lmp_state s;
  memset(&s, 0, sizeof s);
  bool eof = false;
  int st = read_header(t, &s, &eof, err);
  if (!st && eof)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                      "no Atoms section in LAMMPS data file (file ends at line %lld)", (long long)t->lineno);
  if (!st) st = check_header(t, &s, err);
  if (!st && !(s.types = nnmd_calloc((size_t)s.ntypes, sizeof *s.types, err))) st = NNMD_ERR_NOMEM;
  if (!st) st = read_sections(t, &s, b, info, err);
  if (!st) st = resolve_types(t->path, &s, b, err);
  if (!st) {
    set_cell(&s, b);
    info->has_charges = nnmd_system_field(b->sys, "charge") != NULL;
  }
  free(s.types);
  free(s.by_id);
  return st;
}
