/* read_n2p2.c — one structure of an n2p2 input.data file (the first, or the one
 * nnmd_read_structure_opts skipped to)
 * (shared/docs/n2p2-format.md §4.1, n2p2's Structure::readFromLines).
 *
 * Format: one keyword per line, blanks separate tokens:
 *   begin [set=train|set=test]
 *   comment <free text>
 *   lattice ax ay az     0 or 3 lines: the lattice vectors a, b, c as rows (= columns of h,
 *   lattice bx by bz     kept as given); 3 lines = periodic in all three directions,
 *   lattice cx cy cz     none = not periodic (the caller builds a box around the atoms)
 *   atom x y z El q n fx fy fz     exactly 10 tokens; only x y z El are used
 *   energy E
 *   charge Q
 *   end
 * Numbers are in the model's length unit and are used as written (scale them with
 * length_scale). The reference charge q, the ignored token n, the reference forces, energy
 * and total charge are training data: they are checked to be numbers and then dropped
 * (nothing goes into the field "charge"). Element symbols are case-sensitive. Ids are 1..N
 * in file order. Later structures are not read; they are counted in n_frames_skipped.
 */
#include <string.h>

#include "structure.h"

struct n2p2_state {
  int nlat;
  double lat[3][3];
  int64_t begin_line;
};

static int check_begin(struct nnmd_text *t, struct nnmd_error *err) {
  if (t->ntok == 0 || strcmp(t->tok[0].s, "begin") != 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->ntok ? t->tok[0].col : 1),
                        "expected 'begin' (n2p2 input.data), got '%s'", t->ntok ? t->tok[0].s : "");
  for (int k = 1; k < t->ntok; ++k)
    if (strcmp(t->tok[k].s, "set=train") != 0 && strcmp(t->tok[k].s, "set=test") != 0)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[k].col),
                          "unknown argument '%s' of 'begin' (set=train or set=test)", t->tok[k].s);
  return NNMD_OK;
}

static int need_tokens(const struct nnmd_text *t, int n, const char *form, struct nnmd_error *err) {
  if (t->ntok == n) return NNMD_OK;
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                      "'%s' line needs %d tokens (%s), got %d", t->tok[0].s, n, form, t->ntok);
}

static int read_lattice(struct nnmd_text *t, struct n2p2_state *s, struct nnmd_sbuild *b,
                        struct nnmd_error *err) {
  int st = need_tokens(t, 4, "lattice x y z", err);
  if (st) return st;
  if (s->nlat == 3)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                        "more than 3 lattice lines");
  static const char *const what[3] = {"lattice x", "lattice y", "lattice z"};
  for (int d = 0; d < 3; ++d)
    if ((st = nnmd_parse_finite(t, &t->tok[1 + d], what[d], &s->lat[s->nlat][d], err))) return st;
  s->nlat++;
  b->cell_line = t->lineno;
  return NNMD_OK;
}

static int read_atom(struct nnmd_text *t, struct nnmd_sbuild *b, struct nnmd_error *err) {
  int st = need_tokens(t, 10, "atom x y z element q n fx fy fz", err);
  if (st) return st;
  static const char *const what[3] = {"x coordinate", "y coordinate", "z coordinate"};
  double x[3], unused = 0;
  for (int d = 0; d < 3; ++d)
    if ((st = nnmd_parse_finite(t, &t->tok[1 + d], what[d], &x[d], err))) return st;
  static const char *const rest[6] = {"", "charge q", "the 7th token", "force x", "force y", "force z"};
  for (int k = 5; k < 10; ++k)
    if ((st = nnmd_parse_double(t, &t->tok[k], rest[k - 4], &unused, err))) return st;
  int type = 0;
  if ((st = nnmd_sbuild_species(b, t->tok[4].s, nnmd_text_loc(t, t->tok[4].col), &type, err)))
    return st;
  return nnmd_sbuild_add(b, b->sys->n_local + 1, type, x, t->lineno, NULL, err);
}

static int read_scalar(struct nnmd_text *t, struct nnmd_error *err) {
  int st = need_tokens(t, 2, t->tok[0].s[0] == 'e' ? "energy E" : "charge Q", err);
  double v = 0;
  if (!st) st = nnmd_parse_double(t, &t->tok[1], t->tok[0].s, &v, err);
  return st;
}

/* One line inside begin..end; *done at 'end'. */
static int read_line(struct nnmd_text *t, struct n2p2_state *s, struct nnmd_sbuild *b, bool *done,
                     struct nnmd_error *err) {
  const char *kw = t->tok[0].s;
  if (strcmp(kw, "atom") == 0) return read_atom(t, b, err);
  if (strcmp(kw, "lattice") == 0) return read_lattice(t, s, b, err);
  if (strcmp(kw, "comment") == 0) return NNMD_OK;
  if (strcmp(kw, "energy") == 0 || strcmp(kw, "charge") == 0) return read_scalar(t, err);
  if (strcmp(kw, "end") == 0) {
    *done = true;
    return NNMD_OK;
  }
  if (strcmp(kw, "begin") == 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                        "'begin' inside the structure that begins at line %lld (missing 'end')",
                        (long long)s->begin_line);
  return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                      "unknown keyword '%s' in n2p2 input.data (begin, comment, lattice, atom, "
                      "energy, charge, end)",
                      kw);
}

static int read_body(struct nnmd_text *t, struct n2p2_state *s, struct nnmd_sbuild *b,
                     struct nnmd_error *err) {
  bool done = false;
  while (!done) {
    bool got = false;
    int st = nnmd_text_next_nonblank(t, &got, err);
    if (st) return st;
    if (!got)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0),
                          "the structure that begins at line %lld has no 'end' (file ends at line %lld)",
                          (long long)s->begin_line, (long long)t->lineno);
    if ((st = nnmd_text_tokenize(t, err)) || (st = read_line(t, s, b, &done, err))) return st;
  }
  return NNMD_OK;
}

static int set_cell(const struct n2p2_state *s, struct nnmd_sbuild *b, struct nnmd_error *err) {
  if (s->nlat == 0) return NNMD_OK;
  if (s->nlat != 3)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){b->path, b->cell_line, 0}),
                        "need 0 or 3 lattice lines, got %d", s->nlat);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) b->h[3 * r + k] = s->lat[k][r];
  for (int d = 0; d < 3; ++d) b->periodic[d] = 1;
  b->has_cell = true;
  return NNMD_OK;
}

static int count_rest(struct nnmd_text *t, int *count, struct nnmd_error *err) {
  for (;;) {
    bool got = false;
    int st = nnmd_text_next_nonblank(t, &got, err);
    if (st || !got) return st;
    if ((st = nnmd_text_tokenize(t, err))) return st;
    if (strcmp(t->tok[0].s, "begin") == 0) (*count)++;
  }
}

int nnmd_read_n2p2(struct nnmd_text *t, struct nnmd_sbuild *b, struct nnmd_structure_info *info,
                   struct nnmd_error *err) {
  struct n2p2_state s;
  memset(&s, 0, sizeof s);
  bool got = false;
  int st = nnmd_text_next_nonblank(t, &got, err);
  if (st) return st;
  if (!got)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){t->path, 0, 0}),
                        "the structure file is empty");
  s.begin_line = t->lineno;
  if ((st = nnmd_text_tokenize(t, err)) || (st = check_begin(t, err))) return st;
  if ((st = read_body(t, &s, b, err)) || (st = set_cell(&s, b, err))) return st;
  info->has_velocities = false;
  info->has_charges = false;
  return count_rest(t, &info->n_frames_skipped, err);
}
