/* toml.c — a TOML 1.0 reader producing the configuration tree of config.h.
 *
 * Algorithm. The whole text is held in memory and read once, left to right, by a
 * recursive-descent parser. The top level is a loop over lines; each line is blank, a
 * comment, a [table] or [[array-of-tables]] header, or a `key = value` pair, optionally
 * followed by a comment. A header walks its dotted name from the root, creating missing
 * intermediate tables, and makes the last table "current"; a key/value pair walks its
 * dotted key from the current table the same way and stores the value there. Values are
 * parsed recursively (arrays and inline tables nest) straight into config nodes. The
 * reader keeps the byte offset, the line number and the offset where the line starts, so
 * every node is stamped with the line:column (bytes, 1-based) where it starts and every
 * error names the exact line:column of the offending character. The first error stops
 * the parse; the partial tree is freed.
 *
 * Redefinition rules (TOML 1.0, "Table"). A table is in one of four states:
 *   implicit  defined = false: created as a prefix of a [a.b.c] header. A later header may
 *             define it once; a dotted key in the current section may also claim it.
 *   dotted    defined = true and listed in the current section's scope: created by a
 *             dotted key (a.b = 1) since the last header. More dotted keys of the same
 *             section may add to it; a header may add sub-tables ([a.b.c]) but not define it.
 *   defined   defined = true, not in scope: defined by a header (or dotted keys of an
 *             earlier section). No header may define it again and no dotted key may enter it.
 *   inline    is_inline = true (inline tables and static arrays): nothing may be added.
 * Arrays of tables ([[x]]) are arrays with is_inline = false; headers through them enter
 * their last element. Keys are looked up linearly, which suits input files of modest size.
 *
 * Strings are validated as UTF-8 and may not hold control characters other than tab;
 * escapes (\uXXXX, \UXXXXXXXX) are written out as UTF-8. CRLF is accepted everywhere a
 * newline is, and multi-line strings store it as LF. Since config strings are C strings,
 * an escaped NUL (\u0000) is rejected. Floats are converted with strtod, which assumes
 * the "C" numeric locale.
 */
#include "toml.h"

#include "files.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  MAX_DEPTH = 100, /* nesting limit of arrays and inline tables (protects the stack) */
  KEYTEXT = 256,   /* longest key name shown in a message */
  SHOWN = 40       /* longest bare word shown in a message */
};

#define FAIL(p, loc, ...) nnmd_fail_at((p)->err, NNMD_ERR_INPUT, (loc), __VA_ARGS__)

/* A growable NUL-terminated byte string. */
struct buf {
  char *p;
  size_t n, cap;
};

/* A dotted key: its parts and where each part starts. */
struct keypath {
  size_t n, cap;
  char **part;
  struct nnmd_loc *loc;
};

/* The table key/value pairs go into, and the tables its dotted keys created. */
struct scope {
  struct nnmd_cfg *table;
  struct nnmd_cfg **dotted;
  size_t n, cap;
};

struct parser {
  const char *src;
  size_t len, pos;
  int line;
  size_t line_start; /* byte offset where the current line starts */
  const char *file;  /* root->owned_file */
  struct nnmd_error *err;
  struct nnmd_cfg *root;
  struct scope section; /* the current [header] section */
  int depth;            /* current nesting of arrays and inline tables */
};

/* ---- small utilities ------------------------------------------------------------------ */

static int buf_put(struct buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + n + 1) cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q) return -1;
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
  return 0;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static bool is_bare_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
}

/* Characters of an unquoted value: numbers, booleans, inf/nan, dates. */
static bool is_word_char(int c) { return is_bare_char(c) || c == '+' || c == '.' || c == ':'; }

static int digit_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

/* Bytes in the UTF-8 sequence a lead byte starts (0: not a lead byte). */
static size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

/* Length of the valid UTF-8 sequence at s (0 if invalid: bad bytes, overlong, surrogate). */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp) {
  static const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
  size_t n = utf8_length(s[0]);
  if (n == 0 || avail < n) return 0;
  uint32_t v = n == 1 ? s[0] : s[0] & (0x7Fu >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  if (v < smallest[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

static size_t utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* ---- position, errors ----------------------------------------------------------------- */

static int peek_at(const struct parser *p, size_t k) {
  return p->pos + k < p->len ? (unsigned char)p->src[p->pos + k] : -1;
}

static int peek(const struct parser *p) { return peek_at(p, 0); }

static struct nnmd_loc here(const struct parser *p) {
  return (struct nnmd_loc){p->file, p->line, (int)(p->pos - p->line_start + 1)};
}

static int nomem(struct parser *p) {
  return nnmd_fail_at(p->err, NNMD_ERR_NOMEM, here(p), "out of memory while reading the input");
}

/* Append to b (b may be NULL: the text is only checked). */
static int put(struct parser *p, struct buf *b, const char *s, size_t n) {
  if (b && buf_put(b, s, n)) return nomem(p);
  return NNMD_OK;
}

static bool at_newline(const struct parser *p) {
  int c = peek(p);
  return c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static bool eat_newline(struct parser *p) {
  if (!at_newline(p)) return false;
  p->pos += peek(p) == '\r' ? 2 : 1;
  p->line++;
  p->line_start = p->pos;
  return true;
}

static void skip_ws(struct parser *p) {
  while (peek(p) == ' ' || peek(p) == '\t') p->pos++;
}

/* The character at the current position, for messages. */
static const char *describe(const struct parser *p, char out[16]) {
  int c = peek(p);
  uint32_t cp;
  if (c < 0) return "end of file";
  if (at_newline(p)) return "end of line";
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  if (c == '\r') return "a carriage return";
  if (c > 0x20 && c < 0x7f) {
    snprintf(out, 16, "'%c'", c);
    return out;
  }
  size_t n = utf8_decode((const unsigned char *)p->src + p->pos, p->len - p->pos, &cp);
  if (c >= 0x80 && n > 0)
    snprintf(out, 16, "'%.*s'", (int)n, p->src + p->pos);
  else
    snprintf(out, 16, "byte 0x%02X", (unsigned)c);
  return out;
}

/* Consume one character of string or comment text (not a newline), checking it. */
static int text_char(struct parser *p, struct buf *b, const char *where) {
  unsigned char c = (unsigned char)p->src[p->pos];
  size_t n = 1;
  uint32_t cp;
  if (c == '\r')
    return FAIL(p, here(p), "carriage return without a following newline in %s", where);
  if ((c < 0x20 && c != '\t') || c == 0x7f)
    return FAIL(p, here(p), "control character U+%04X is not allowed in %s", (unsigned)c, where);
  if (c >= 0x80) {
    n = utf8_decode((const unsigned char *)p->src + p->pos, p->len - p->pos, &cp);
    if (n == 0) return FAIL(p, here(p), "invalid UTF-8 (byte 0x%02X) in %s", (unsigned)c, where);
  }
  int st = put(p, b, p->src + p->pos, n);
  p->pos += n;
  return st;
}

static int skip_comment(struct parser *p) {
  p->pos++; /* '#' */
  while (peek(p) >= 0 && !at_newline(p)) {
    int st = text_char(p, NULL, "a comment");
    if (st) return st;
  }
  return NNMD_OK;
}

/* Whitespace, newlines and comments (inside arrays). */
static int skip_blank(struct parser *p) {
  for (;;) {
    skip_ws(p);
    if (peek(p) == '#') {
      int st = skip_comment(p);
      if (st) return st;
    } else if (!eat_newline(p)) {
      return NNMD_OK;
    }
  }
}

/* ---- strings --------------------------------------------------------------------------- */

static int parse_unicode_escape(struct parser *p, struct buf *b, struct nnmd_loc at, int ndig) {
  int letter = peek(p);
  uint32_t v = 0;
  char d[16], utf8[4];
  p->pos++; /* 'u' or 'U' */
  for (int i = 0; i < ndig; ++i) {
    int x = digit_value(peek(p));
    if (x > 15)
      return FAIL(p, here(p), "expected %d hexadecimal digits in '\\%c' escape, found %s", ndig,
                  letter, describe(p, d));
    v = v * 16 + (uint32_t)x;
    p->pos++;
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return FAIL(p, at, "escape '\\%c%.*s' is not a Unicode scalar value", letter, ndig,
                p->src + p->pos - ndig);
  if (v == 0) return FAIL(p, at, "NUL characters (\\u0000) are not supported in strings");
  return put(p, b, utf8, utf8_encode(v, utf8));
}

/* An escape sequence starting at the backslash. */
static int parse_escape(struct parser *p, struct buf *b) {
  static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
  struct nnmd_loc at = here(p);
  char d[16];
  p->pos++;
  int c = peek(p);
  if (c == 'u' || c == 'U') return parse_unicode_escape(p, b, at, c == 'u' ? 4 : 8);
  const char *hit = c > 0 ? strchr(from, c) : NULL;
  if (!hit) return FAIL(p, at, "invalid escape sequence: '\\' followed by %s", describe(p, d));
  p->pos++;
  return put(p, b, &to[hit - from], 1);
}

static bool at_triple(const struct parser *p, int q) {
  return peek(p) == q && peek_at(p, 1) == q && peek_at(p, 2) == q;
}

/* A backslash followed by optional blanks and a newline (multi-line basic strings). */
static bool line_ending_backslash(const struct parser *p) {
  size_t k = 1;
  while (peek_at(p, k) == ' ' || peek_at(p, k) == '\t') k++;
  return peek_at(p, k) == '\n' || (peek_at(p, k) == '\r' && peek_at(p, k + 1) == '\n');
}

static void skip_ws_newlines(struct parser *p) {
  do skip_ws(p);
  while (eat_newline(p));
}

/* A run of quotes inside a multi-line string: up to two belong to the content, three
 * close the string. Sets *closed. */
static int ml_quotes(struct parser *p, struct buf *b, int q, bool *closed) {
  size_t run = 0;
  while (peek_at(p, run) == q) run++;
  *closed = run >= 3;
  size_t keep = !*closed ? run : (run - 3 > 2 ? 2 : run - 3);
  int st = put(p, b, p->src + p->pos, keep);
  p->pos += keep + (*closed ? 3 : 0);
  return st;
}

/* """...""" (q = '"', escapes) or '''...''' (q = '\'', raw). */
static int parse_ml_string(struct parser *p, struct buf *b, int q) {
  struct nnmd_loc open = here(p);
  p->pos += 3;
  eat_newline(p); /* a newline right after the opening delimiter is trimmed */
  for (;;) {
    int st, c = peek(p);
    bool closed = false;
    if (c < 0) return FAIL(p, open, "unterminated multi-line string (no closing %c%c%c)", q, q, q);
    if (c == q) {
      st = ml_quotes(p, b, q, &closed);
    } else if (c == '\\' && q == '"' && line_ending_backslash(p)) {
      p->pos++;
      skip_ws_newlines(p);
      st = NNMD_OK;
    } else if (c == '\\' && q == '"') {
      st = parse_escape(p, b);
    } else if (eat_newline(p)) {
      st = put(p, b, "\n", 1);
    } else {
      st = text_char(p, b, "a string");
    }
    if (st || closed) return st;
  }
}

/* "..." (q = '"', escapes) or '...' (q = '\'', raw), on one line. */
static int parse_line_string(struct parser *p, struct buf *b, int q) {
  struct nnmd_loc open = here(p);
  p->pos++;
  for (;;) {
    int st, c = peek(p);
    if (c < 0 || at_newline(p))
      return FAIL(p, open, "unterminated string (no closing %c on this line)", q);
    if (c == q) {
      p->pos++;
      return NNMD_OK;
    }
    st = c == '\\' && q == '"' ? parse_escape(p, b) : text_char(p, b, "a string");
    if (st) return st;
  }
}

/* Any of the four string forms, at its opening quote; *out is malloc'd. */
static int parse_string(struct parser *p, char **out) {
  struct buf b = {0};
  int q = peek(p);
  int st = put(p, &b, "", 0);
  if (!st) st = at_triple(p, q) ? parse_ml_string(p, &b, q) : parse_line_string(p, &b, q);
  if (st) {
    free(b.p);
    return st;
  }
  *out = b.p;
  return NNMD_OK;
}

/* ---- keys ------------------------------------------------------------------------------- */

static void keypath_free(struct keypath *k) {
  for (size_t i = 0; i < k->n; ++i) free(k->part[i]);
  free(k->part);
  free(k->loc);
}

static int keypath_push(struct keypath *k, char *s, struct nnmd_loc loc) {
  if (k->n == k->cap) {
    size_t cap = k->cap ? 2 * k->cap : 4;
    char **part = realloc(k->part, cap * sizeof *part);
    if (!part) return -1;
    k->part = part;
    struct nnmd_loc *l = realloc(k->loc, cap * sizeof *l);
    if (!l) return -1;
    k->loc = l;
    k->cap = cap;
  }
  k->part[k->n] = s;
  k->loc[k->n++] = loc;
  return 0;
}

/* The parts 0..upto of k joined with '.', for messages (non-bare parts quoted). */
static const char *key_text(const struct keypath *k, size_t upto, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i <= upto && i < k->n; ++i) {
    const char *s = k->part[i];
    bool bare = *s != '\0';
    for (const char *c = s; *c; ++c) bare = bare && is_bare_char((unsigned char)*c);
    int w = snprintf(out + n, cap - n, bare ? "%s%s" : "%s\"%s\"", i ? "." : "", s);
    if (w < 0 || (size_t)w >= cap - n) break;
    n += (size_t)w;
  }
  return out;
}

static int parse_simple_key(struct parser *p, struct keypath *k) {
  struct nnmd_loc at = here(p);
  int c = peek(p);
  char *s = NULL, d[16];
  if (c == '"' || c == '\'') {
    if (at_triple(p, c)) return FAIL(p, at, "a multi-line string cannot be used as a key");
    int st = parse_string(p, &s);
    if (st) return st;
  } else if (is_bare_char(c)) {
    size_t start = p->pos;
    while (is_bare_char(peek(p))) p->pos++;
    s = strndup(p->src + start, p->pos - start);
    if (!s) return nomem(p);
  } else {
    return FAIL(p, at, "expected a key, found %s", describe(p, d));
  }
  if (keypath_push(k, s, at)) {
    free(s);
    return nomem(p);
  }
  return NNMD_OK;
}

/* key ( '.' key )*, with blanks around the dots; leaves blanks after the key skipped. */
static int parse_key(struct parser *p, struct keypath *k) {
  int st = parse_simple_key(p, k);
  while (!st) {
    skip_ws(p);
    if (peek(p) != '.') break;
    p->pos++;
    skip_ws(p);
    st = parse_simple_key(p, k);
  }
  return st;
}

/* ---- tree ------------------------------------------------------------------------------- */

static struct nnmd_cfg *new_node(struct parser *p, enum nnmd_cfg_kind kind, struct nnmd_loc loc) {
  struct nnmd_cfg *v = nnmd_cfg_new(kind, loc);
  if (!v) nomem(p);
  return v;
}

static struct nnmd_cfg *member(const struct nnmd_cfg *t, const char *key) {
  for (size_t i = 0; i < t->n; ++i)
    if (strcmp(t->keys[i], key) == 0) return t->items[i];
  return NULL;
}

/* Add v to t under key; v is freed on failure. */
static int add_member(struct parser *p, struct nnmd_cfg *t, const char *key, struct nnmd_loc kloc,
                      struct nnmd_cfg *v) {
  if (nnmd_cfg_table_set(t, key, kloc, v) == 0) return NNMD_OK;
  nnmd_cfg_free(v);
  return nomem(p);
}

static bool scope_has(const struct scope *s, const struct nnmd_cfg *t) {
  for (size_t i = 0; i < s->n; ++i)
    if (s->dotted[i] == t) return true;
  return false;
}

static int scope_add(struct parser *p, struct scope *s, struct nnmd_cfg *t) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 8;
    struct nnmd_cfg **d = realloc(s->dotted, cap * sizeof *d);
    if (!d) return nomem(p);
    s->dotted = d;
    s->cap = cap;
  }
  s->dotted[s->n++] = t;
  return NNMD_OK;
}

static bool is_table_array(const struct nnmd_cfg *v) {
  return v->kind == NNMD_CFG_ARRAY && !v->is_inline;
}

/* The line where an existing node was first written. */
static int first_line(const struct nnmd_cfg *v) {
  return v->kind == NNMD_CFG_TABLE || !v->key_loc.line ? v->loc.line : v->key_loc.line;
}

/* `name` exists as c, which is not a table that can be entered or extended. */
static int not_a_table(struct parser *p, struct nnmd_loc at, const char *name,
                       const struct nnmd_cfg *c) {
  if (c->kind == NNMD_CFG_TABLE)
    return FAIL(p, at, "cannot add to inline table '%s' (defined at line %d)", name, first_line(c));
  if (is_table_array(c))
    return FAIL(p, at, "'%s' is an array of tables (line %d); dotted keys cannot add to it", name,
                first_line(c));
  return FAIL(p, at, "'%s' is already defined as %s at line %d, not as a table", name,
              nnmd_cfg_kind_name(c->kind), first_line(c));
}

/* One step of a dotted key a.b.c = v: enter (or create) part i below *t. */
static int dotted_step(struct parser *p, struct scope *sc, const struct keypath *k, size_t i,
                       struct nnmd_cfg **t) {
  char name[KEYTEXT];
  struct nnmd_cfg *c = member(*t, k->part[i]);
  key_text(k, i, name, sizeof name);
  if (!c) {
    c = new_node(p, NNMD_CFG_TABLE, k->loc[i]);
    if (!c) return NNMD_ERR_NOMEM;
    int st = add_member(p, *t, k->part[i], k->loc[i], c);
    if (st) return st;
  } else if (c->kind != NNMD_CFG_TABLE || c->is_inline) {
    return not_a_table(p, k->loc[i], name, c);
  } else if (c->defined && !scope_has(sc, c)) {
    return FAIL(p, k->loc[i],
                "cannot add to table '%s' with a dotted key: it was defined at line %d", name,
                first_line(c));
  }
  if (!scope_has(sc, c)) {
    if (!c->defined) c->loc = k->loc[i]; /* an implicit table claimed here */
    c->defined = true;
    int st = scope_add(p, sc, c);
    if (st) return st;
  }
  *t = c;
  return NNMD_OK;
}

/* Store val under the dotted key k below the scope's table; val is freed on failure. */
static int insert_keyval(struct parser *p, struct scope *sc, const struct keypath *k,
                         struct nnmd_cfg *val) {
  struct nnmd_cfg *t = sc->table;
  size_t last = k->n - 1;
  char name[KEYTEXT];
  for (size_t i = 0; i < last; ++i) {
    int st = dotted_step(p, sc, k, i, &t);
    if (st) {
      nnmd_cfg_free(val);
      return st;
    }
  }
  const struct nnmd_cfg *old = member(t, k->part[last]);
  if (old) {
    nnmd_cfg_free(val);
    return FAIL(p, k->loc[last], "duplicate key '%s' (first defined at line %d)",
                key_text(k, last, name, sizeof name), first_line(old));
  }
  return add_member(p, t, k->part[last], k->loc[last], val);
}

/* One step of a header [a.b.c]: enter (or create implicitly) part i below *t. */
static int header_step(struct parser *p, const struct keypath *k, size_t i, struct nnmd_cfg **t) {
  char name[KEYTEXT];
  struct nnmd_cfg *c = member(*t, k->part[i]);
  if (!c) {
    c = new_node(p, NNMD_CFG_TABLE, k->loc[i]);
    if (!c) return NNMD_ERR_NOMEM;
    int st = add_member(p, *t, k->part[i], k->loc[i], c);
    if (st) return st;
  } else if (is_table_array(c)) {
    c = c->items[c->n - 1];
  } else if (c->kind != NNMD_CFG_TABLE || c->is_inline) {
    key_text(k, i, name, sizeof name);
    if (c->kind == NNMD_CFG_ARRAY)
      return FAIL(p, k->loc[i], "cannot add to static array '%s' (defined at line %d)", name,
                  first_line(c));
    return not_a_table(p, k->loc[i], name, c);
  }
  *t = c;
  return NNMD_OK;
}

/* [name] where name already exists as c. */
static int redefinition(struct parser *p, struct nnmd_loc at, const char *name,
                        const struct nnmd_cfg *c) {
  if (c->kind == NNMD_CFG_TABLE)
    return FAIL(p, at, "table '%s' is already defined at line %d", name, first_line(c));
  if (is_table_array(c))
    return FAIL(p, at,
                "'%s' is an array of tables (first defined at line %d); use [[%s]] to add "
                "an element",
                name, first_line(c), name);
  return FAIL(p, at, "'%s' is already defined as %s at line %d", name, nnmd_cfg_kind_name(c->kind),
              first_line(c));
}

/* [[name]] where name already exists as c, not an array of tables. */
static int not_table_array(struct parser *p, struct nnmd_loc at, const char *name,
                           const struct nnmd_cfg *c) {
  if (c->kind == NNMD_CFG_ARRAY)
    return FAIL(p, at, "cannot append to static array '%s' (defined at line %d)", name,
                first_line(c));
  return FAIL(p, at, "'%s' is already defined as %s at line %d, not as an array of tables", name,
              nnmd_cfg_kind_name(c->kind), first_line(c));
}

/* The last part of [name]: define the table below parent. */
static int define_table(struct parser *p, const struct keypath *k, struct nnmd_cfg *parent,
                        struct nnmd_loc at, struct nnmd_cfg **cur) {
  size_t last = k->n - 1;
  char name[KEYTEXT];
  struct nnmd_cfg *c = member(parent, k->part[last]);
  if (!c) {
    c = new_node(p, NNMD_CFG_TABLE, at);
    if (!c) return NNMD_ERR_NOMEM;
    int st = add_member(p, parent, k->part[last], k->loc[last], c);
    if (st) return st;
  } else if (c->kind != NNMD_CFG_TABLE || c->defined || c->is_inline) {
    return redefinition(p, k->loc[last], key_text(k, last, name, sizeof name), c);
  }
  c->defined = true;
  c->loc = at;
  *cur = c;
  return NNMD_OK;
}

/* The last part of [[name]]: append a new table to the array below parent. */
static int append_table(struct parser *p, const struct keypath *k, struct nnmd_cfg *parent,
                        struct nnmd_loc at, struct nnmd_cfg **cur) {
  size_t last = k->n - 1;
  char name[KEYTEXT];
  struct nnmd_cfg *arr = member(parent, k->part[last]);
  if (!arr) {
    arr = new_node(p, NNMD_CFG_ARRAY, at);
    if (!arr) return NNMD_ERR_NOMEM;
    int st = add_member(p, parent, k->part[last], k->loc[last], arr);
    if (st) return st;
  } else if (!is_table_array(arr)) {
    return not_table_array(p, k->loc[last], key_text(k, last, name, sizeof name), arr);
  }
  struct nnmd_cfg *t = new_node(p, NNMD_CFG_TABLE, at);
  if (!t) return NNMD_ERR_NOMEM;
  t->defined = true;
  if (nnmd_cfg_array_push(arr, t)) {
    nnmd_cfg_free(t);
    return nomem(p);
  }
  *cur = t;
  return NNMD_OK;
}

/* Make the table named by a header current; `at` is the header's '['. */
static int open_table(struct parser *p, const struct keypath *k, bool array, struct nnmd_loc at) {
  struct nnmd_cfg *t = p->root, *cur = NULL;
  for (size_t i = 0; i + 1 < k->n; ++i) {
    int st = header_step(p, k, i, &t);
    if (st) return st;
  }
  int st = array ? append_table(p, k, t, at, &cur) : define_table(p, k, t, at, &cur);
  if (st) return st;
  p->section.table = cur;
  p->section.n = 0;
  return NNMD_OK;
}

/* ---- numbers ---------------------------------------------------------------------------- */

/* An unquoted value: its text and where it starts. */
struct token {
  const char *s;
  size_t n;
  struct nnmd_loc at;
};

static struct nnmd_loc tok_loc(const struct token *t, size_t i) {
  struct nnmd_loc l = t->at;
  l.col += (int)i;
  return l;
}

/* Digits of `base` from t->s[*i] (a digit), single underscores allowed between digits. */
static int scan_digits(struct parser *p, const struct token *t, size_t *i, int base) {
  size_t k = *i;
  while (k < t->n) {
    if (digit_value(t->s[k]) < base) {
      k++;
      continue;
    }
    if (t->s[k] != '_') break;
    if (k + 1 >= t->n || digit_value(t->s[k + 1]) >= base)
      return FAIL(p, tok_loc(t, k), "'_' in a number must be between two digits");
    k++;
  }
  *i = k;
  return NNMD_OK;
}

static int new_int(struct parser *p, const struct token *t, int64_t v, struct nnmd_cfg **out) {
  *out = new_node(p, NNMD_CFG_INT, t->at);
  if (!*out) return NNMD_ERR_NOMEM;
  (*out)->u.i = v;
  return NNMD_OK;
}

static int new_float(struct parser *p, const struct token *t, double v, struct nnmd_cfg **out) {
  *out = new_node(p, NNMD_CFG_FLOAT, t->at);
  if (!*out) return NNMD_ERR_NOMEM;
  (*out)->u.f = v;
  return NNMD_OK;
}

static int too_big(struct parser *p, const struct token *t) {
  return FAIL(p, t->at, "integer %.*s does not fit in 64 bits", (int)t->n, t->s);
}

/* 0x..., 0o..., 0b... (no sign; leading zeros allowed). */
static int parse_radix(struct parser *p, const struct token *t, struct nnmd_cfg **out) {
  int base = t->s[1] == 'x' ? 16 : t->s[1] == 'o' ? 8 : 2;
  const char *what = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
  size_t i = 2;
  if (i >= t->n || digit_value(t->s[i]) >= base)
    return FAIL(p, tok_loc(t, i), "expected a %s digit after '0%c'", what, t->s[1]);
  int st = scan_digits(p, t, &i, base);
  if (st) return st;
  if (i < t->n)
    return FAIL(p, tok_loc(t, i), "invalid character '%c' in %s integer", t->s[i], what);
  uint64_t v = 0;
  for (size_t k = 2; k < t->n; ++k) {
    if (t->s[k] == '_') continue;
    uint64_t d = (uint64_t)digit_value(t->s[k]);
    if (v > ((uint64_t)INT64_MAX - d) / (uint64_t)base) return too_big(p, t);
    v = v * (uint64_t)base + d;
  }
  return new_int(p, t, (int64_t)v, out);
}

/* A validated decimal integer: optional sign, digits and underscores. */
static int make_decimal(struct parser *p, const struct token *t, struct nnmd_cfg **out) {
  bool neg = t->s[0] == '-';
  uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
  for (size_t k = 0; k < t->n; ++k) {
    if (!is_digit(t->s[k])) continue;
    uint64_t d = (uint64_t)(t->s[k] - '0');
    if (v > (lim - d) / 10) return too_big(p, t);
    v = v * 10 + d;
  }
  int64_t i = !neg ? (int64_t)v : v == lim ? INT64_MIN : -(int64_t)v;
  return new_int(p, t, i, out);
}

/* A validated decimal float: underscores dropped, then strtod. */
static int make_float(struct parser *p, const struct token *t, struct nnmd_cfg **out) {
  struct buf b = {0};
  int st = NNMD_OK;
  for (size_t k = 0; k < t->n && !st; ++k)
    if (t->s[k] != '_') st = put(p, &b, &t->s[k], 1);
  if (st) {
    free(b.p);
    return st;
  }
  errno = 0;
  double v = strtod(b.p, NULL);
  bool overflow = errno == ERANGE && isinf(v);
  free(b.p);
  if (overflow) return FAIL(p, t->at, "float %.*s is too large for a double", (int)t->n, t->s);
  return new_float(p, t, v, out);
}

static bool is_radix_letter(int c) { return c == 'x' || c == 'o' || c == 'b'; }

/* Optional exponent of a float at t->s[*i]; sets *is_float if present. */
static int scan_exponent(struct parser *p, const struct token *t, size_t *i, bool *is_float) {
  if (*i >= t->n || (t->s[*i] != 'e' && t->s[*i] != 'E')) return NNMD_OK;
  *is_float = true;
  ++*i;
  if (*i < t->n && (t->s[*i] == '+' || t->s[*i] == '-')) ++*i;
  if (*i >= t->n || !is_digit(t->s[*i]))
    return FAIL(p, tok_loc(t, *i), "expected a digit in the exponent");
  return scan_digits(p, t, i, 10);
}

/* Optional fraction of a float at t->s[*i]; sets *is_float if present. */
static int scan_fraction(struct parser *p, const struct token *t, size_t *i, bool *is_float) {
  if (*i >= t->n || t->s[*i] != '.') return NNMD_OK;
  *is_float = true;
  ++*i;
  if (*i >= t->n || !is_digit(t->s[*i]))
    return FAIL(p, tok_loc(t, *i), "expected a digit after the decimal point");
  return scan_digits(p, t, i, 10);
}

/* A decimal integer or float: [sign] int-part [. digits] [e [sign] digits]. */
static int parse_decimal(struct parser *p, const struct token *t, struct nnmd_cfg **out) {
  const char *s = t->s;
  size_t i = s[0] == '+' || s[0] == '-';
  bool is_float = false;
  if (i < t->n && s[i] == '.')
    return FAIL(p, tok_loc(t, i), "a float needs a digit before the decimal point (0.5, not .5)");
  if (i >= t->n || !is_digit(s[i]))
    return FAIL(p, tok_loc(t, i), "expected a digit after the sign");
  if (s[i] == '0' && i + 1 < t->n && (is_digit(s[i + 1]) || s[i + 1] == '_'))
    return FAIL(p, tok_loc(t, i), "leading zeros are not allowed in numbers");
  int st = scan_digits(p, t, &i, 10);
  if (!st) st = scan_fraction(p, t, &i, &is_float);
  if (!st) st = scan_exponent(p, t, &i, &is_float);
  if (st) return st;
  if (i < t->n) return FAIL(p, tok_loc(t, i), "invalid character '%c' in number", s[i]);
  return is_float ? make_float(p, t, out) : make_decimal(p, t, out);
}

static int parse_number(struct parser *p, const struct token *t, struct nnmd_cfg **out) {
  const char *s = t->s;
  if (t->n >= 2 && s[0] == '0' && is_radix_letter(s[1])) return parse_radix(p, t, out);
  if (t->n >= 3 && (s[0] == '+' || s[0] == '-') && s[1] == '0' && is_radix_letter(s[2]))
    return FAIL(p, t->at, "hexadecimal, octal and binary integers cannot have a sign");
  return parse_decimal(p, t, out);
}

/* ---- values ----------------------------------------------------------------------------- */

static bool word_is(const struct token *t, const char *w) {
  return t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

/* inf, nan with an optional sign. */
static bool special_float(const struct token *t, double *out) {
  size_t i = t->n > 0 && (t->s[0] == '+' || t->s[0] == '-');
  double v;
  if (t->n - i != 3) return false;
  if (memcmp(t->s + i, "inf", 3) == 0)
    v = INFINITY;
  else if (memcmp(t->s + i, "nan", 3) == 0)
    v = NAN;
  else
    return false;
  *out = t->s[0] == '-' ? copysign(v, -1.0) : v;
  return true;
}

/* 1979-05-27..., 07:32:00... */
static bool looks_like_datetime(const struct token *t) {
  const char *s = t->s;
  bool date = t->n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
              s[4] == '-';
  bool time = t->n >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':';
  return date || time;
}

/* An unquoted value: boolean, number, inf/nan; dates and times are refused. */
static int parse_word(struct parser *p, struct nnmd_cfg **out) {
  struct token t = {p->src + p->pos, 0, here(p)};
  double f;
  int st;
  while (p->pos + t.n < p->len && is_word_char((unsigned char)t.s[t.n])) t.n++;
  int shown = (int)(t.n < SHOWN ? t.n : SHOWN);
  if (word_is(&t, "true") || word_is(&t, "false")) {
    *out = new_node(p, NNMD_CFG_BOOL, t.at);
    if (!*out) return NNMD_ERR_NOMEM;
    (*out)->u.b = t.s[0] == 't';
    st = NNMD_OK;
  } else if (special_float(&t, &f)) {
    st = new_float(p, &t, f, out);
  } else if (looks_like_datetime(&t)) {
    return FAIL(p, t.at,
                "dates and times are not supported (found '%.*s'); write a string or a "
                "number instead",
                shown, t.s);
  } else if (is_digit(t.s[0]) || t.s[0] == '+' || t.s[0] == '-' || t.s[0] == '.') {
    st = parse_number(p, &t, out);
  } else {
    return FAIL(p, t.at,
                "invalid value '%.*s' (strings must be quoted; booleans are true or "
                "false)",
                shown, t.s);
  }
  if (!st) p->pos += t.n;
  return st;
}

static int parse_value(struct parser *p, struct nnmd_cfg **out, const char *what);
static int parse_keyval(struct parser *p, struct scope *sc);

static int parse_string_value(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_loc at = here(p);
  char *s = NULL;
  int st = parse_string(p, &s);
  if (st) return st;
  *out = new_node(p, NNMD_CFG_STRING, at);
  if (!*out) {
    free(s);
    return NNMD_ERR_NOMEM;
  }
  (*out)->u.s = s;
  return NNMD_OK;
}

/* The elements of [ ... ] after the '['. */
static int array_items(struct parser *p, struct nnmd_cfg *arr) {
  char d[16];
  for (;;) {
    struct nnmd_cfg *item = NULL;
    int st = skip_blank(p);
    if (st) return st;
    if (peek(p) == ']') break;
    st = parse_value(p, &item, "in array");
    if (st) return st;
    if (nnmd_cfg_array_push(arr, item)) {
      nnmd_cfg_free(item);
      return nomem(p);
    }
    st = skip_blank(p);
    if (st) return st;
    if (peek(p) == ']') break;
    if (peek(p) != ',')
      return FAIL(p, here(p), "expected ',' or ']' after an array element, found %s",
                  describe(p, d));
    p->pos++;
  }
  p->pos++; /* ']' */
  return NNMD_OK;
}

static int parse_array(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_cfg *arr = new_node(p, NNMD_CFG_ARRAY, here(p));
  if (!arr) return NNMD_ERR_NOMEM;
  arr->is_inline = true;
  p->pos++;
  int st = array_items(p, arr);
  if (st) {
    nnmd_cfg_free(arr);
    return st;
  }
  *out = arr;
  return NNMD_OK;
}

/* The members of { ... } after the '{' (one line, no trailing comma). */
static int inline_members(struct parser *p, struct scope *sc) {
  char d[16];
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
    return NNMD_OK;
  }
  for (;;) {
    if (at_newline(p)) return FAIL(p, here(p), "an inline table must be written on one line");
    int st = parse_keyval(p, sc);
    if (st) return st;
    skip_ws(p);
    if (peek(p) == '}') {
      p->pos++;
      return NNMD_OK;
    }
    if (at_newline(p))
      return FAIL(p, here(p), "an inline table must be written on one line (missing '}'?)");
    if (peek(p) != ',')
      return FAIL(p, here(p), "expected ',' or '}' in inline table, found %s", describe(p, d));
    p->pos++;
    skip_ws(p);
    if (peek(p) == '}')
      return FAIL(p, here(p), "a trailing comma is not allowed in an inline table");
  }
}

static int parse_inline_table(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_cfg *t = new_node(p, NNMD_CFG_TABLE, here(p));
  if (!t) return NNMD_ERR_NOMEM;
  struct scope sc = {t, NULL, 0, 0};
  t->defined = true;
  p->pos++;
  int st = inline_members(p, &sc);
  free(sc.dotted);
  if (st) {
    nnmd_cfg_free(t);
    return st;
  }
  t->is_inline = true;
  *out = t;
  return NNMD_OK;
}

/* Any value; `what` completes "expected a value ..." (e.g. "for key 'x'"). */
static int parse_value(struct parser *p, struct nnmd_cfg **out, const char *what) {
  char d[16];
  int c = peek(p);
  if (c == '"' || c == '\'') return parse_string_value(p, out);
  if (is_word_char(c)) return parse_word(p, out);
  if (c != '[' && c != '{')
    return FAIL(p, here(p), "expected a value %s, found %s", what, describe(p, d));
  if (p->depth >= MAX_DEPTH)
    return FAIL(p, here(p), "arrays and inline tables are nested too deeply (limit %d)", MAX_DEPTH);
  p->depth++;
  int st = c == '[' ? parse_array(p, out) : parse_inline_table(p, out);
  p->depth--;
  return st;
}

/* ---- lines ------------------------------------------------------------------------------ */

/* key = value, stored below the scope's table. */
static int parse_keyval(struct parser *p, struct scope *sc) {
  struct keypath k = {0};
  struct nnmd_cfg *v = NULL;
  char name[KEYTEXT], what[KEYTEXT + 16], d[16];
  int st = parse_key(p, &k);
  if (!st) {
    key_text(&k, k.n - 1, name, sizeof name);
    if (peek(p) != '=')
      st = FAIL(p, here(p), "expected '=' after key '%s', found %s", name, describe(p, d));
  }
  if (!st) {
    p->pos++;
    skip_ws(p);
    snprintf(what, sizeof what, "for key '%s'", name);
    st = parse_value(p, &v, what);
  }
  if (!st) st = insert_keyval(p, sc, &k, v);
  keypath_free(&k);
  return st;
}

static int close_header(struct parser *p, const struct keypath *k, bool array) {
  char name[KEYTEXT], d[16];
  key_text(k, k->n - 1, name, sizeof name);
  if (peek(p) != ']')
    return FAIL(p, here(p), "expected '%s' after table name '%s', found %s", array ? "]]" : "]",
                name, describe(p, d));
  p->pos++;
  if (array && peek(p) != ']')
    return FAIL(p, here(p), "expected ']]' to close array-of-tables header '%s', found %s", name,
                describe(p, d));
  p->pos += array;
  return NNMD_OK;
}

/* [name] or [[name]]. */
static int parse_header(struct parser *p) {
  struct nnmd_loc at = here(p);
  struct keypath k = {0};
  bool array = peek_at(p, 1) == '[';
  p->pos += array ? 2 : 1;
  skip_ws(p);
  int st = parse_key(p, &k);
  if (!st) st = close_header(p, &k, array);
  if (!st) st = open_table(p, &k, array, at);
  keypath_free(&k);
  return st;
}

/* After a header or a value: blanks, an optional comment, then a newline or the end. */
static int end_of_line(struct parser *p, const char *after) {
  char d[16];
  skip_ws(p);
  if (peek(p) == '#') {
    int st = skip_comment(p);
    if (st) return st;
  }
  if (peek(p) < 0 || eat_newline(p)) return NNMD_OK;
  return FAIL(p, here(p), "expected a newline or a comment after %s, found %s", after,
              describe(p, d));
}

static int parse_document(struct parser *p) {
  if (p->len >= 3 && memcmp(p->src, "\xEF\xBB\xBF", 3) == 0) p->pos = p->line_start = 3;
  for (;;) {
    const char *after = "the value";
    int st = NNMD_OK;
    skip_ws(p);
    int c = peek(p);
    if (c < 0) return NNMD_OK;
    if (c == '[') {
      st = parse_header(p);
      after = "the table header";
    } else if (c != '#' && !at_newline(p)) {
      st = parse_keyval(p, &p->section);
    }
    if (!st) st = end_of_line(p, after);
    if (st) return st;
  }
}

static int parse_text(const char *text, size_t len, const char *filename, struct nnmd_cfg **root,
                      struct nnmd_error *err) {
  struct nnmd_cfg *r = nnmd_cfg_new(NNMD_CFG_TABLE, NNMD_NOLOC);
  *root = NULL;
  if (r) r->owned_file = strdup(filename ? filename : "<string>");
  if (!r || !r->owned_file) {
    nnmd_cfg_free(r);
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory while reading '%s'",
                     filename ? filename : "<string>");
  }
  r->loc = (struct nnmd_loc){r->owned_file, 1, 1};
  r->defined = true;
  struct parser p = {.src = text,
                     .len = len,
                     .line = 1,
                     .file = r->owned_file,
                     .err = err,
                     .root = r,
                     .section = {r, NULL, 0, 0}};
  int st = parse_document(&p);
  free(p.section.dotted);
  if (st) {
    nnmd_cfg_free(r);
    return st;
  }
  *root = r;
  return NNMD_OK;
}

/* ---- entry points ----------------------------------------------------------------------- */

int nnmd_toml_parse_string(const char *text, const char *filename, struct nnmd_cfg **root,
                           struct nnmd_error *err) {
  return parse_text(text, strlen(text), filename, root, err);
}

static int read_file(struct nnmd_files *files, const char *path, struct buf *b, struct nnmd_error *err) {
  char chunk[16384];
  size_t n;
  FILE *f = nnmd_files_open(files, path);
  if (!f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot open '%s': %s", path, strerror(errno));
  errno = 0;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    if (buf_put(b, chunk, n)) {
      fclose(f);
      return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory while reading '%s'", path);
    }
  int bad = ferror(f), e = errno;
  fclose(f);
  if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot read '%s': %s", path, strerror(e));
  if (!b->p && buf_put(b, "", 0))
    return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory while reading '%s'", path);
  return NNMD_OK;
}

int nnmd_toml_parse_file(const char *path, struct nnmd_cfg **root, struct nnmd_error *err) {
  return nnmd_toml_parse_file_with(NULL, path, root, err);
}

int nnmd_toml_parse_file_with(struct nnmd_files *files, const char *path, struct nnmd_cfg **root,
                              struct nnmd_error *err) {
  struct buf b = {0};
  *root = NULL;
  int st = read_file(files, path, &b, err);
  if (!st) st = parse_text(b.p, b.n, path, root, err);
  free(b.p);
  return st;
}
