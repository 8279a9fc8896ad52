/* structure.c — the structure-reader front end: format detection, the line reader and
 * number parsing shared by the three readers, the atom builder, and the common checks.
 *
 * Flow of nnmd_read_structure: detect or take the format -> the reader fills a
 * struct nnmd_sbuild (atoms appended in file order, the cell as written, the line of each
 * atom) -> nnmd_sbuild_finish scales lengths, builds the box (an orthogonal box around the
 * atoms with NNMD_STRUCTURE_VACUUM on each side when there is no cell), and checks the
 * cell and the interatomic distances.
 *
 * Close-pair check (nnmd_check_close_atoms), O(N): fractional coordinates s = h^-1 (r - lo)
 * are wrapped into [0,1) in periodic directions and binned on a grid whose bins are at least
 * min_dist wide (perpendicular width). Two atoms closer than min_dist differ by at most
 * min_dist / width in each fractional coordinate, so they lie in neighbouring bins. Each
 * neighbouring bin is visited with the explicit lattice shift that its wrap implies, so no
 * minimum-image assumption is made: in a cell thinner than 3 bins, or thinner than min_dist,
 * the offsets cover every image that can come close (an atom near its own image included).
 * The bin count is capped at about 2N, so memory and time stay linear.
 */
#include "structure.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "box_math.h"
#include "files.h"
#include "mem.h"

/* ---- line reader ------------------------------------------------------------------------ */

int nnmd_text_open(struct nnmd_text *t, const char *path, struct nnmd_error *err) {
  return nnmd_text_open_with(NULL, t, path, err);
}

int nnmd_text_open_with(struct nnmd_files *files, struct nnmd_text *t, const char *path, struct nnmd_error *err) {
  memset(t, 0, sizeof *t);
  t->path = path;
  t->f = nnmd_files_open(files, path);
  if (!t->f)
    return nnmd_fail_at(err, NNMD_ERR_FILE, ((struct nnmd_loc){path, 0, 0}),
                        "cannot open structure file: %s", nnmd_files_strerror(errno));
  return NNMD_OK;
}

void nnmd_text_close(struct nnmd_text *t) {
  if (t->f) fclose(t->f);
  free(t->line);
  free(t->tok);
  t->f = NULL;
  t->line = NULL;
  t->tok = NULL;
}

int nnmd_text_next(struct nnmd_text *t, bool *got, struct nnmd_error *err) {
  t->ntok = 0;
  int64_t n = nnmd_read_line(t->f, &t->line, &t->cap, NNMD_LINE_MAX);
  if (n < 0) {
    *got = false;
    if (n != NNMD_LINE_EOF) {
      char why[160];
      nnmd_read_line_error(n, why, sizeof why);
      if (n == NNMD_LINE_ERROR) /* the failed line has no number yet */
        return nnmd_fail_at(err, NNMD_ERR_FILE, nnmd_text_loc(t, 0), "after this line: %s", why);
      t->lineno++;
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "%s", why);
    }
    if (t->line) t->line[0] = '\0';
    return NNMD_OK;
  }
  while (n > 0 && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r')) t->line[--n] = '\0';
  t->lineno++;
  *got = true;
  return NNMD_OK;
}

int64_t nnmd_text_bytes_left(const struct nnmd_text *t) {
  struct stat sb;
  int fd = t->f ? fileno(t->f) : -1;
  off_t pos = t->f ? ftello(t->f) : -1;
  if (fd < 0 || pos < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return -1;
  return (int64_t)sb.st_size - (int64_t)pos;
}

static bool is_blank(const char *s) {
  for (; *s; ++s)
    if (!isspace((unsigned char)*s)) return false;
  return true;
}

int nnmd_text_next_nonblank(struct nnmd_text *t, bool *got, struct nnmd_error *err) {
  for (;;) {
    int st = nnmd_text_next(t, got, err);
    if (st || !*got) return st;
    if (!is_blank(t->line)) return NNMD_OK;
  }
}

int nnmd_text_tokenize(struct nnmd_text *t, struct nnmd_error *err) {
  t->ntok = 0;
  char *p = t->line;
  while (*p) {
    while (*p && isspace((unsigned char)*p)) ++p;
    if (!*p) break;
    if (t->ntok == t->tok_cap) {
      size_t cap = (size_t)t->tok_cap;
      int st = nnmd_grow((void **)&t->tok, &cap, (size_t)t->ntok + 1, sizeof *t->tok, err);
      if (st) return st;
      t->tok_cap = (int)cap;
    }
    t->tok[t->ntok].s = p;
    t->tok[t->ntok].col = (int)(p - t->line) + 1;
    t->ntok++;
    while (*p && !isspace((unsigned char)*p)) ++p;
    if (*p) *p++ = '\0';
  }
  return NNMD_OK;
}

struct nnmd_loc nnmd_text_loc(const struct nnmd_text *t, int col) {
  return (struct nnmd_loc){t->path, t->lineno, col};
}

/* ---- numbers ------------------------------------------------------------------------------ */

int nnmd_parse_double(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                      double *out, struct nnmd_error *err) {
  char *end = NULL;
  errno = 0;
  double v = strtod(tk->s, &end);
  if (end == tk->s || *end != '\0')
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col), "bad number '%s' for %s",
                        tk->s, what);
  if (errno == ERANGE && isinf(v))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col),
                        "number '%s' for %s is out of range", tk->s, what);
  *out = v;
  return NNMD_OK;
}

int nnmd_parse_finite(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                      double *out, struct nnmd_error *err) {
  int st = nnmd_parse_double(t, tk, what, out, err);
  if (st) return st;
  if (!isfinite(*out))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col), "%s is not finite ('%s')",
                        what, tk->s);
  return NNMD_OK;
}

bool nnmd_is_int_token(const char *s) {
  if (*s == '+' || *s == '-') ++s;
  if (!*s) return false;
  for (; *s; ++s)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

int nnmd_parse_int64(const struct nnmd_text *t, const struct nnmd_tok *tk, const char *what,
                     int64_t *out, struct nnmd_error *err) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(tk->s, &end, 10);
  if (!nnmd_is_int_token(tk->s) || end == tk->s || *end != '\0')
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col),
                        "bad integer '%s' for %s", tk->s, what);
  if (errno == ERANGE)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, tk->col),
                        "integer '%s' for %s is out of range", tk->s, what);
  *out = (int64_t)v;
  return NNMD_OK;
}

/* ---- atom builder -------------------------------------------------------------------------- */

void nnmd_sbuild_init(struct nnmd_sbuild *b, const char *path, struct nnmd_system *sys) {
  memset(b, 0, sizeof *b);
  b->path = path;
  b->sys = sys;
}

void nnmd_sbuild_free(struct nnmd_sbuild *b) {
  free(b->atom_line);
  b->atom_line = NULL;
}

int nnmd_sbuild_reserve(struct nnmd_sbuild *b, int64_t n, struct nnmd_error *err) {
  int st = nnmd_system_reserve(b->sys, n, err);
  if (st) return st;
  size_t cap = (size_t)b->line_cap;
  st = nnmd_grow((void **)&b->atom_line, &cap, (size_t)n, sizeof *b->atom_line, err);
  b->line_cap = (int64_t)cap;
  return st;
}

int nnmd_sbuild_add(struct nnmd_sbuild *b, int64_t id, int type, const double x[3], int64_t line,
                    int64_t *idx, struct nnmd_error *err) {
  struct nnmd_system *s = b->sys;
  int64_t i = s->n_local;
  if (i + 1 > s->capacity || i + 1 > b->line_cap) {
    int64_t want = i + 1 + (i + 1) / 2 + 16;
    int st = nnmd_sbuild_reserve(b, want, err);
    if (st) return st;
  }
  int64_t c = s->capacity;
  for (int d = 0; d < 3; ++d) {
    s->x[d * c + i] = x[d];
    s->v[d * c + i] = 0.0;
    s->f[d * c + i] = 0.0;
    s->image[d * c + i] = 0;
  }
  s->id[i] = id;
  s->type[i] = type;
  b->atom_line[i] = line;
  s->n_local = i + 1;
  s->n_global = i + 1;
  if (idx) *idx = i;
  return NNMD_OK;
}

int nnmd_sbuild_species(struct nnmd_sbuild *b, const char *symbol, struct nnmd_loc loc, int *type,
                        struct nnmd_error *err) {
  int k = nnmd_species_intern(&b->sys->species, symbol);
  if (k >= 0) {
    *type = k;
    return NNMD_OK;
  }
  if (nnmd_element_z(symbol) == 0)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "unknown element '%s' (not in the periodic table)",
                        symbol);
  return nnmd_fail_at(err, NNMD_ERR_RANGE, loc, "too many species (at most %d)", NNMD_MAX_SPECIES);
}

static void scale_lengths(struct nnmd_sbuild *b, double s) {
  struct nnmd_system *sys = b->sys;
  if (s == 1.0) return;
  int64_t c = sys->capacity, n = sys->n_local;
  for (int d = 0; d < 3; ++d)
    for (int64_t i = 0; i < n; ++i) {
      sys->x[d * c + i] *= s;
      sys->v[d * c + i] *= s;
    }
  for (int k = 0; k < 9; ++k) b->h[k] *= s;
  for (int k = 0; k < 3; ++k) b->lo[k] *= s;
}

/* Orthogonal box around the atoms with NNMD_STRUCTURE_VACUUM on each side. */
static void box_around_atoms(struct nnmd_sbuild *b) {
  const struct nnmd_system *s = b->sys;
  int64_t c = s->capacity;
  memset(b->h, 0, sizeof b->h);
  for (int d = 0; d < 3; ++d) {
    double lo = s->x[d * c], hi = lo;
    for (int64_t i = 1; i < s->n_local; ++i) {
      lo = fmin(lo, s->x[d * c + i]);
      hi = fmax(hi, s->x[d * c + i]);
    }
    b->lo[d] = lo - NNMD_STRUCTURE_VACUUM;
    b->h[4 * d] = hi - lo + 2 * NNMD_STRUCTURE_VACUUM;
    b->periodic[d] = 0;
  }
}

/* Every atom within NNMD_FRAC_MAX cell lengths of the cell: further out, wrapping it into the
 * cell (here, in the halo, in the output) would lose its position and overflow the image
 * shift; such a file is refused with the atom's line, id and position. */
static int check_far_atoms(const struct nnmd_sbuild *b, const struct nnmd_box *box, struct nnmd_error *err) {
  const struct nnmd_system *sys = b->sys;
  int64_t c = sys->capacity;
  for (int64_t i = 0; i < sys->n_local; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, s[3];
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    for (int d = 0; d < 3; ++d)
      if (!nnmd_frac_ok(s[d]))
        return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){b->path, b->atom_line ? b->atom_line[i] : 0, 0}),
                            "atom %lld at (%g, %g, %g) A lies %.3g cell lengths along %c from the cell (limit %g): "
                            "far outside the cell, not a position that can be wrapped into it",
                            (long long)sys->id[i], r[0], r[1], r[2], s[d], "abc"[d], NNMD_FRAC_MAX);
  }
  return NNMD_OK;
}

int nnmd_sbuild_finish(struct nnmd_sbuild *b, double length_scale, struct nnmd_box *box,
                       struct nnmd_error *err) {
  if (b->sys->n_local == 0)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){b->path, 0, 0}),
                        "the structure has no atoms");
  scale_lengths(b, length_scale);
  if (!b->has_cell) box_around_atoms(b);
  struct nnmd_error tmp;
  nnmd_error_init(&tmp);
  int st = nnmd_box_set_h(box, b->h, b->lo, b->periodic, &tmp);
  if (st) {
    nnmd_fail_at(err, st, ((struct nnmd_loc){b->path, b->cell_line, 0}), "bad cell: %s", tmp.msg);
    nnmd_error_clear(&tmp);
    return st;
  }
  nnmd_error_clear(&tmp);
  if ((st = check_far_atoms(b, box, err))) return st;
  bool any_periodic = box->periodic[0] || box->periodic[1] || box->periodic[2];
  double density = (double)b->sys->n_local / box->volume;
  if (any_periodic && !(density <= NNMD_STRUCTURE_MAX_DENSITY))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, ((struct nnmd_loc){b->path, b->cell_line, 0}),
                        "%lld atoms in a cell of %.4g A^3: %.4g atoms per A^3, denser than any matter "
                        "(limit %g; diamond has 0.18). Wrong cell, or a length unit (length_unit) that "
                        "is not the file's?",
                        (long long)b->sys->n_local, box->volume, density, NNMD_STRUCTURE_MAX_DENSITY);
  return nnmd_check_close_atoms(b->sys, box, NNMD_STRUCTURE_MIN_DIST, b->path, b->atom_line, err);
}

/* ---- close pairs --------------------------------------------------------------------------- */

struct close_grid {
  int nb[3];      /* bins per direction */
  int m[3];       /* bin offsets to visit on each side */
  double org[3];  /* fractional origin of the binned range */
  double span[3]; /* fractional extent of the binned range */
  int64_t *start; /* nbins + 1 offsets into order */
  int64_t *order; /* atoms sorted by bin */
  int64_t *bin;   /* bin of each atom */
  double *s;      /* fractional coordinates, 3 per atom (interleaved), wrapped */
  int *wrap;      /* 3 per atom: the integer taken off each wrapped coordinate */
};

struct close_pair {
  int64_t i, j, count;
  double d2;
  bool image; /* the pair is across a periodic boundary */
};

static void grid_free(struct close_grid *g) {
  free(g->start);
  free(g->order);
  free(g->bin);
  free(g->s);
  free(g->wrap);
}

/* Fractional coordinates (wrapped in periodic directions) and the binned range. */
static void grid_frac(struct close_grid *g, const struct nnmd_system *sys, const struct nnmd_box *box) {
  int64_t n = sys->n_local, c = sys->capacity;
  double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (int64_t i = 0; i < n; ++i) {
    double r[3] = {sys->x[i], sys->x[c + i], sys->x[2 * c + i]}, *s = g->s + 3 * i;
    nnmd_cart_to_frac(box->h_inv, box->lo, r, s);
    for (int d = 0; d < 3; ++d) {
      g->wrap[3 * i + d] = box->periodic[d] ? nnmd_wrap_frac(&s[d]) : 0;
      lo[d] = fmin(lo[d], s[d]);
      hi[d] = fmax(hi[d], s[d]);
    }
  }
  for (int d = 0; d < 3; ++d) {
    g->org[d] = box->periodic[d] ? 0.0 : lo[d];
    g->span[d] = box->periodic[d] ? 1.0 : hi[d] - lo[d];
  }
}

/* Bin counts: bins at least min_dist wide, at most about 2N of them. */
static void grid_dims(struct close_grid *g, const struct nnmd_box *box, double min_dist, int64_t n) {
  for (int d = 0; d < 3; ++d) {
    double len = box->width[d] * g->span[d];
    double nb = floor(len / min_dist);
    g->nb[d] = nb < 1 ? 1 : (nb > 1 << 20 ? 1 << 20 : (int)nb);
  }
  double limit = fmax(27.0, 2.0 * (double)n);
  while ((double)g->nb[0] * g->nb[1] * g->nb[2] > limit) {
    int k = g->nb[0] >= g->nb[1] ? 0 : 1;
    if (g->nb[2] > g->nb[k]) k = 2;
    g->nb[k] = g->nb[k] / 2 > 1 ? g->nb[k] / 2 : 1;
  }
  for (int d = 0; d < 3; ++d) {
    double len = box->width[d] * g->span[d];
    g->m[d] = 1;
    if (box->periodic[d] && len < min_dist * g->nb[d]) g->m[d] = (int)ceil(min_dist * g->nb[d] / len);
  }
}

static int bin_index(const struct close_grid *g, const double *s, int d) {
  if (g->span[d] <= 0) return 0;
  int b = (int)floor((s[d] - g->org[d]) / g->span[d] * g->nb[d]);
  return b < 0 ? 0 : (b >= g->nb[d] ? g->nb[d] - 1 : b);
}

static int grid_build(struct close_grid *g, const struct nnmd_system *sys, const struct nnmd_box *box,
                      double min_dist, const char *path, struct nnmd_error *err) {
  struct nnmd_loc loc = {path, 0, 0};
  int64_t n = sys->n_local;
  g->s = nnmd_malloc((size_t)n * 3 * sizeof(double), err);
  g->bin = nnmd_malloc((size_t)n * sizeof(int64_t), err);
  g->order = nnmd_malloc((size_t)n * sizeof(int64_t), err);
  g->wrap = nnmd_malloc((size_t)n * 3 * sizeof(int), err);
  if (!g->s || !g->bin || !g->order || !g->wrap) return NNMD_ERR_NOMEM;
  grid_frac(g, sys, box);
  grid_dims(g, box, min_dist, n);
  for (int d = 0; d < 3; ++d)
    if (g->m[d] > 64)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                          "the cell is too thin (perpendicular width %g A along lattice vector %c)",
                          box->width[d], "abc"[d]);
  /* neighbour bins visited per atom: bounded, so that a cell thin in several directions (a
   * very oblique one) cannot make the check visit millions of periodic images per atom */
  if ((2 * g->m[0] + 1) * (2 * g->m[1] + 1) * (2 * g->m[2] + 1) > 65 * 65)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                     "the cell is too thin in several directions (perpendicular widths %g, %g, %g A "
                     "against a minimum distance of %g A): choose a less oblique cell",
                     box->width[0], box->width[1], box->width[2], min_dist);
  int64_t nbins = (int64_t)g->nb[0] * g->nb[1] * g->nb[2];
  g->start = nnmd_calloc((size_t)nbins + 1, sizeof(int64_t), err);
  if (!g->start) return NNMD_ERR_NOMEM;
  for (int64_t i = 0; i < n; ++i) {
    const double *s = g->s + 3 * i;
    g->bin[i] = ((int64_t)bin_index(g, s, 0) * g->nb[1] + bin_index(g, s, 1)) * g->nb[2] +
                bin_index(g, s, 2);
    g->start[g->bin[i] + 1]++;
  }
  for (int64_t b = 0; b < nbins; ++b) g->start[b + 1] += g->start[b];
  int64_t *fill = nnmd_malloc((size_t)nbins * sizeof(int64_t), err);
  if (!fill) return NNMD_ERR_NOMEM;
  memcpy(fill, g->start, (size_t)nbins * sizeof(int64_t));
  for (int64_t i = 0; i < n; ++i) g->order[fill[g->bin[i]]++] = i;
  free(fill);
  return NNMD_OK;
}

/* Atom i against every atom j >= i of bin (t0,t1,t2) seen through lattice shift sh. */
static void scan_bin(const struct close_grid *g, const struct nnmd_box *box, int64_t i,
                     const int t[3], const int sh[3], double min2, struct close_pair *best) {
  int64_t b = ((int64_t)t[0] * g->nb[1] + t[1]) * g->nb[2] + t[2];
  bool shifted = sh[0] || sh[1] || sh[2];
  const double *si = g->s + 3 * i;
  for (int64_t k = g->start[b]; k < g->start[b + 1]; ++k) {
    int64_t j = g->order[k];
    if (j < i || (j == i && !shifted)) continue;
    const double *sj = g->s + 3 * j;
    double ds[3] = {sj[0] + sh[0] - si[0], sj[1] + sh[1] - si[1], sj[2] + sh[2] - si[2]}, d[3];
    nnmd_mat3_vec(box->h, ds, d);
    double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (d2 >= min2) continue;
    best->count++;
    if (d2 >= best->d2) continue;
    /* lattice shift between the coordinates as given: sh + wrap_i - wrap_j */
    const int *wi = g->wrap + 3 * i, *wj = g->wrap + 3 * j;
    bool image = sh[0] + wi[0] != wj[0] || sh[1] + wi[1] != wj[1] || sh[2] + wi[2] != wj[2];
    *best = (struct close_pair){i, j, best->count, d2, image};
  }
}

/* Neighbour bin b+o in direction d: its index and lattice shift; false if outside. */
static bool neighbour_bin(const struct close_grid *g, const struct nnmd_box *box, int d, int b,
                          int o, int *t, int *sh) {
  int u = b + o;
  if (!box->periodic[d]) {
    *sh = 0;
    *t = u;
    return u >= 0 && u < g->nb[d];
  }
  int q = u >= 0 ? u / g->nb[d] : -((-u + g->nb[d] - 1) / g->nb[d]);
  *sh = q;
  *t = u - q * g->nb[d];
  return true;
}

static void scan_atom(const struct close_grid *g, const struct nnmd_box *box, int64_t i, double min2,
                      struct close_pair *best) {
  const double *si = g->s + 3 * i;
  int b[3] = {bin_index(g, si, 0), bin_index(g, si, 1), bin_index(g, si, 2)};
  int t[3], sh[3];
  for (int o0 = -g->m[0]; o0 <= g->m[0]; ++o0) {
    if (!neighbour_bin(g, box, 0, b[0], o0, &t[0], &sh[0])) continue;
    for (int o1 = -g->m[1]; o1 <= g->m[1]; ++o1) {
      if (!neighbour_bin(g, box, 1, b[1], o1, &t[1], &sh[1])) continue;
      for (int o2 = -g->m[2]; o2 <= g->m[2]; ++o2) {
        if (!neighbour_bin(g, box, 2, b[2], o2, &t[2], &sh[2])) continue;
        scan_bin(g, box, i, t, sh, min2, best);
      }
    }
  }
}

int nnmd_check_close_atoms(const struct nnmd_system *sys, const struct nnmd_box *box,
                           double min_dist, const char *path, const int64_t *atom_line,
                           struct nnmd_error *err) {
  if (sys->n_local == 0) return NNMD_OK;
  struct close_grid g;
  memset(&g, 0, sizeof g);
  int st = grid_build(&g, sys, box, min_dist, path, err);
  struct close_pair best = {-1, -1, 0, INFINITY, false};
  if (!st)
    for (int64_t i = 0; i < sys->n_local; ++i) scan_atom(&g, box, i, min_dist * min_dist, &best);
  grid_free(&g);
  if (st || best.count == 0) return st;
  int64_t li = atom_line ? atom_line[best.i] : 0, lj = atom_line ? atom_line[best.j] : 0;
  struct nnmd_loc loc = {path, li > lj ? li : lj, 0};
  char where[64] = "";
  if (li > 0 && lj > 0 && best.i != best.j) snprintf(where, sizeof where, " (lines %lld and %lld)", (long long)li, (long long)lj);
  if (best.i == best.j)
    return nnmd_fail_at(err, NNMD_ERR_PHYSICS, loc,
                        "atom %lld is only %.3g A from its own periodic image (minimum %g A): the "
                        "cell is too small",
                        (long long)sys->id[best.i], sqrt(best.d2), min_dist);
  return nnmd_fail_at(err, NNMD_ERR_PHYSICS, loc,
                      "atoms %lld and %lld%s are only %.3g A apart%s (minimum %g A); %lld pair(s) "
                      "too close in total",
                      (long long)sys->id[best.i], (long long)sys->id[best.j], where, sqrt(best.d2),
                      best.image ? " across the periodic boundary" : "", min_dist,
                      (long long)best.count);
}

/* ---- format detection and the entry point ------------------------------------------------ */

#define DETECT_LINES 64

struct detect_state {
  bool first_seen, n2p2, xyz_count, lammps_atoms, xyz_keys;
  int nlines;
};

/* One tokenized line; keys: the raw line had "Lattice=" or "Properties=". */
static void detect_line(struct detect_state *d, const struct nnmd_text *t, bool keys) {
  d->nlines++;
  if (d->nlines == 2 && keys) d->xyz_keys = true;
  int n = 0; /* tokens before a '#' comment */
  while (n < t->ntok && t->tok[n].s[0] != '#') ++n;
  if (d->nlines == 1) d->xyz_count = n == 1 && nnmd_is_int_token(t->tok[0].s);
  if (n > 0 && !d->first_seen) {
    d->first_seen = true;
    d->n2p2 = strcmp(t->tok[0].s, "begin") == 0;
  }
  if (d->nlines >= 2 && n == 2 && nnmd_is_int_token(t->tok[0].s) && strcmp(t->tok[1].s, "atoms") == 0)
    d->lammps_atoms = true;
}

static int detect_with(struct nnmd_files *files, const char *path, const char **format, struct nnmd_error *err);

int nnmd_detect_structure_format(const char *path, const char **format, struct nnmd_error *err) {
  return detect_with(NULL, path, format, err);
}

static int detect_with(struct nnmd_files *files, const char *path, const char **format, struct nnmd_error *err) {
  struct nnmd_text t;
  int st = nnmd_text_open_with(files, &t, path, err);
  if (st) return st;
  struct detect_state d = {0};
  bool got = true;
  while (!st && d.nlines < DETECT_LINES) {
    st = nnmd_text_next(&t, &got, err);
    if (st || !got) break;
    bool keys = strstr(t.line, "Lattice=") || strstr(t.line, "Properties=");
    st = nnmd_text_tokenize(&t, err);
    if (!st) detect_line(&d, &t, keys);
  }
  nnmd_text_close(&t);
  if (st) return st;
  if (!d.first_seen)
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, 0, 0}),
                        "the structure file is empty");
  if (d.n2p2) *format = "n2p2";
  else if (d.xyz_count && (!d.lammps_atoms || d.xyz_keys)) *format = "extxyz";
  else if (d.lammps_atoms) *format = "lammps-data";
  else
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){path, 1, 0}),
                        "cannot recognise the structure format (not extxyz, LAMMPS data or n2p2 "
                        "input.data); give the format explicitly");
  return NNMD_OK;
}

typedef int (*reader_fn)(struct nnmd_text *, struct nnmd_sbuild *, struct nnmd_structure_info *,
                         struct nnmd_error *);

static int pick_reader(struct nnmd_files *files, const char *path, const char **format, reader_fn *fn,
                       struct nnmd_error *err) {
  if (!*format || strcmp(*format, "auto") == 0) {
    int st = detect_with(files, path, format, err);
    if (st) return st;
  }
  if (strcmp(*format, "extxyz") == 0) *fn = nnmd_read_extxyz;
  else if (strcmp(*format, "lammps-data") == 0) *fn = nnmd_read_lammps_data;
  else if (strcmp(*format, "n2p2") == 0) *fn = nnmd_read_n2p2;
  else
    return nnmd_fail(err, NNMD_ERR_INPUT,
                     "unknown structure format '%s' (use auto, extxyz, lammps-data or n2p2)", *format);
  return NNMD_OK;
}

int nnmd_read_structure(const char *path, const char *format, double length_scale,
                        struct nnmd_system *sys, struct nnmd_box *box,
                        struct nnmd_structure_info *info, struct nnmd_error *err) {
  return nnmd_read_structure_with(NULL, path, format, length_scale, sys, box, info, err);
}

int nnmd_read_structure_with(struct nnmd_files *files, const char *path, const char *format,
                             double length_scale, struct nnmd_system *sys, struct nnmd_box *box,
                             struct nnmd_structure_info *info, struct nnmd_error *err) {
  struct nnmd_structure_opts o = {.frame = 0, .columns = NULL};
  return nnmd_read_structure_opts(files, path, format, length_scale, &o, sys, box, info, err);
}

/* Skip one whole structure of an extxyz or n2p2 file; *got = false at the end of the file. */
static int skip_frame(struct nnmd_text *t, bool n2p2, bool *got, struct nnmd_error *err) {
  int st = nnmd_text_next_nonblank(t, got, err);
  if (st || !*got) return st;
  if ((st = nnmd_text_tokenize(t, err))) return st;
  if (n2p2) {
    if (strcmp(t->tok[0].s, "begin") != 0)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->tok[0].col),
                          "expected 'begin' of the next structure, got '%s'", t->tok[0].s);
    for (;;) {
      bool g = false;
      if ((st = nnmd_text_next_nonblank(t, &g, err))) return st;
      if (!g)
        return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "the last structure has no 'end'");
      if ((st = nnmd_text_tokenize(t, err))) return st;
      if (strcmp(t->tok[0].s, "end") == 0) return NNMD_OK;
    }
  }
  if (t->ntok < 1 || !nnmd_is_int_token(t->tok[0].s))
    return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, t->ntok ? t->tok[0].col : 1),
                        "expected the number of atoms of the next frame, got '%s'", t->ntok ? t->tok[0].s : "");
  long long n = strtoll(t->tok[0].s, NULL, 10);
  for (long long k = 0; k <= n; ++k) {
    bool g = false;
    if ((st = nnmd_text_next(t, &g, err))) return st;
    if (!g)
      return nnmd_fail_at(err, NNMD_ERR_FORMAT, nnmd_text_loc(t, 0), "the last frame is truncated (%lld atoms announced)",
                          n);
  }
  return NNMD_OK;
}

/* Which structure to read: 0 stays 0 (no counting pass); otherwise count the frames. */
static int resolve_frame(struct nnmd_files *files, const char *path, const char *format, int64_t frame,
                         struct nnmd_loc loc, struct nnmd_structure_info *info, struct nnmd_error *err) {
  bool n2p2 = strcmp(format, "n2p2") == 0;
  if (strcmp(format, "lammps-data") == 0) {
    if (frame == 0 || frame == -1) return NNMD_OK;
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "frame = %lld: the LAMMPS data file %s holds one structure",
                        (long long)frame, path);
  }
  struct nnmd_text t;
  int st = nnmd_text_open_with(files, &t, path, err);
  if (st) return st;
  int64_t n = 0;
  for (bool got = true; !st;) {
    st = skip_frame(&t, n2p2, &got, err);
    if (st || !got) break;
    ++n;
  }
  nnmd_text_close(&t);
  if (st) return st;
  int64_t k = frame < 0 ? n + frame : frame;
  if (k < 0 || k >= n)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "frame = %lld is out of range: %s holds %lld structure%s (0..%lld, or -1..-%lld "
                     "from the end)", (long long)frame, path, (long long)n, n == 1 ? "" : "s", (long long)(n - 1),
                     (long long)n);
  info->n_frames = (int)n;
  info->frame = (int)k;
  return NNMD_OK;
}

int nnmd_read_structure_opts(struct nnmd_files *files, const char *path, const char *format,
                             double length_scale, const struct nnmd_structure_opts *opts,
                             struct nnmd_system *sys, struct nnmd_box *box,
                             struct nnmd_structure_info *info, struct nnmd_error *err) {
  struct nnmd_structure_info local;
  if (!info) info = &local;
  memset(info, 0, sizeof *info);
  if (!(length_scale > 0) || !isfinite(length_scale))
    return nnmd_fail(err, NNMD_ERR_INPUT, "length scale must be positive and finite, got %g",
                     length_scale);
  if (sys->n_local != 0 || sys->n_ghost != 0)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "nnmd_read_structure needs an empty system");
  reader_fn fn = NULL;
  int st = pick_reader(files, path, &format, &fn, err);
  if (st) return st;
  snprintf(info->format, sizeof info->format, "%s", format);
  int64_t frame = opts ? opts->frame : 0;
  if (frame != 0 && (st = resolve_frame(files, path, format, frame, opts->frame_loc, info, err))) return st;
  struct nnmd_text t;
  if ((st = nnmd_text_open_with(files, &t, path, err))) return st;
  for (int k = 0; k < info->frame && !st; ++k) {
    bool got = false;
    st = skip_frame(&t, strcmp(format, "n2p2") == 0, &got, err);
  }
  if (st) {
    nnmd_text_close(&t);
    return st;
  }
  struct nnmd_sbuild b;
  nnmd_sbuild_init(&b, path, sys);
  b.columns = opts ? opts->columns : NULL;
  int n_frames = info->n_frames, frame_read = info->frame;
  st = fn(&t, &b, info, err);
  nnmd_text_close(&t);
  if (n_frames > 0) { /* frames before the one read were skipped too */
    info->n_frames = n_frames;
    info->frame = frame_read;
    info->n_frames_skipped = n_frames - 1;
  }
  if (!st) st = nnmd_sbuild_finish(&b, length_scale, box, err);
  nnmd_sbuild_free(&b);
  return st;
}
