/* toml_lex.c — the lexical layer of the TOML reader (toml.c): growable byte strings, UTF-8,
 * the read position with its line:column and error messages, whitespace, comments and
 * newlines, basic/literal (multi-line) strings with their escapes, and dotted keys. */
#include "toml_parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small utilities ------------------------------------------------------------------ */

int toml_buf_put(struct buf *b, const char *s, size_t n) {
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

bool toml_is_digit(int c) { return c >= '0' && c <= '9'; }

static bool is_bare_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || toml_is_digit(c) || c == '_' || c == '-';
}

/* Characters of an unquoted value: numbers, booleans, inf/nan, dates. */
bool toml_is_word_char(int c) { return is_bare_char(c) || c == '+' || c == '.' || c == ':'; }

int toml_digit_value(int c) {
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

int toml_peek_at(const struct parser *p, size_t k) {
  return p->pos + k < p->len ? (unsigned char)p->src[p->pos + k] : -1;
}

int toml_peek(const struct parser *p) { return toml_peek_at(p, 0); }

struct nnmd_loc toml_here(const struct parser *p) {
  return (struct nnmd_loc){p->file, p->line, (int)(p->pos - p->line_start + 1)};
}

int toml_nomem(struct parser *p) {
  return nnmd_fail_at(p->err, NNMD_ERR_NOMEM, toml_here(p), "out of memory while reading the input");
}

/* Append to b (b may be NULL: the text is only checked). */
int toml_put(struct parser *p, struct buf *b, const char *s, size_t n) {
  if (b && toml_buf_put(b, s, n)) return toml_nomem(p);
  return NNMD_OK;
}

bool toml_at_newline(const struct parser *p) {
  int c = toml_peek(p);
  return c == '\n' || (c == '\r' && toml_peek_at(p, 1) == '\n');
}

bool toml_eat_newline(struct parser *p) {
  if (!toml_at_newline(p)) return false;
  p->pos += toml_peek(p) == '\r' ? 2 : 1;
  p->line++;
  p->line_start = p->pos;
  return true;
}

void toml_skip_ws(struct parser *p) {
  while (toml_peek(p) == ' ' || toml_peek(p) == '\t') p->pos++;
}

/* The character at the current position, for messages. */
const char *toml_describe(const struct parser *p, char out[16]) {
  int c = toml_peek(p);
  uint32_t cp;
  if (c < 0) return "end of file";
  if (toml_at_newline(p)) return "end of line";
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
    return FAIL(p, toml_here(p), "carriage return without a following newline in %s", where);
  if ((c < 0x20 && c != '\t') || c == 0x7f)
    return FAIL(p, toml_here(p), "control character U+%04X is not allowed in %s", (unsigned)c, where);
  if (c >= 0x80) {
    n = utf8_decode((const unsigned char *)p->src + p->pos, p->len - p->pos, &cp);
    if (n == 0) return FAIL(p, toml_here(p), "invalid UTF-8 (byte 0x%02X) in %s", (unsigned)c, where);
  }
  int st = toml_put(p, b, p->src + p->pos, n);
  p->pos += n;
  return st;
}

int toml_skip_comment(struct parser *p) {
  p->pos++; /* '#' */
  while (toml_peek(p) >= 0 && !toml_at_newline(p)) {
    int st = text_char(p, NULL, "a comment");
    if (st) return st;
  }
  return NNMD_OK;
}

/* Whitespace, newlines and comments (inside arrays). */
int toml_skip_blank(struct parser *p) {
  for (;;) {
    toml_skip_ws(p);
    if (toml_peek(p) == '#') {
      int st = toml_skip_comment(p);
      if (st) return st;
    } else if (!toml_eat_newline(p)) {
      return NNMD_OK;
    }
  }
}

/* ---- strings --------------------------------------------------------------------------- */

static int parse_unicode_escape(struct parser *p, struct buf *b, struct nnmd_loc at, int ndig) {
  int letter = toml_peek(p);
  uint32_t v = 0;
  char d[16], utf8[4];
  p->pos++; /* 'u' or 'U' */
  for (int i = 0; i < ndig; ++i) {
    int x = toml_digit_value(toml_peek(p));
    if (x > 15)
      return FAIL(p, toml_here(p), "expected %d hexadecimal digits in '\\%c' escape, found %s", ndig,
                  letter, toml_describe(p, d));
    v = v * 16 + (uint32_t)x;
    p->pos++;
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return FAIL(p, at, "escape '\\%c%.*s' is not a Unicode scalar value", letter, ndig,
                p->src + p->pos - ndig);
  if (v == 0) return FAIL(p, at, "NUL characters (\\u0000) are not supported in strings");
  return toml_put(p, b, utf8, utf8_encode(v, utf8));
}

/* An escape sequence starting at the backslash. */
static int parse_escape(struct parser *p, struct buf *b) {
  static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
  struct nnmd_loc at = toml_here(p);
  char d[16];
  p->pos++;
  int c = toml_peek(p);
  if (c == 'u' || c == 'U') return parse_unicode_escape(p, b, at, c == 'u' ? 4 : 8);
  const char *hit = c > 0 ? strchr(from, c) : NULL;
  if (!hit) return FAIL(p, at, "invalid escape sequence: '\\' followed by %s", toml_describe(p, d));
  p->pos++;
  return toml_put(p, b, &to[hit - from], 1);
}

static bool at_triple(const struct parser *p, int q) {
  return toml_peek(p) == q && toml_peek_at(p, 1) == q && toml_peek_at(p, 2) == q;
}

/* A backslash followed by optional blanks and a newline (multi-line basic strings). */
static bool line_ending_backslash(const struct parser *p) {
  size_t k = 1;
  while (toml_peek_at(p, k) == ' ' || toml_peek_at(p, k) == '\t') k++;
  return toml_peek_at(p, k) == '\n' || (toml_peek_at(p, k) == '\r' && toml_peek_at(p, k + 1) == '\n');
}

static void skip_ws_newlines(struct parser *p) {
  do toml_skip_ws(p);
  while (toml_eat_newline(p));
}

/* A run of quotes inside a multi-line string: up to two belong to the content, three
 * close the string. Sets *closed. */
static int ml_quotes(struct parser *p, struct buf *b, int q, bool *closed) {
  size_t run = 0;
  while (toml_peek_at(p, run) == q) run++;
  *closed = run >= 3;
  size_t keep = !*closed ? run : (run - 3 > 2 ? 2 : run - 3);
  int st = toml_put(p, b, p->src + p->pos, keep);
  p->pos += keep + (*closed ? 3 : 0);
  return st;
}

/* """...""" (q = '"', escapes) or '''...''' (q = '\'', raw). */
static int parse_ml_string(struct parser *p, struct buf *b, int q) {
  struct nnmd_loc open = toml_here(p);
  p->pos += 3;
  toml_eat_newline(p); /* a newline right after the opening delimiter is trimmed */
  for (;;) {
    int st, c = toml_peek(p);
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
    } else if (toml_eat_newline(p)) {
      st = toml_put(p, b, "\n", 1);
    } else {
      st = text_char(p, b, "a string");
    }
    if (st || closed) return st;
  }
}

/* "..." (q = '"', escapes) or '...' (q = '\'', raw), on one line. */
static int parse_line_string(struct parser *p, struct buf *b, int q) {
  struct nnmd_loc open = toml_here(p);
  p->pos++;
  for (;;) {
    int st, c = toml_peek(p);
    if (c < 0 || toml_at_newline(p))
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
int toml_parse_string(struct parser *p, char **out) {
  struct buf b = {0};
  int q = toml_peek(p);
  int st = toml_put(p, &b, "", 0);
  if (!st) st = at_triple(p, q) ? parse_ml_string(p, &b, q) : parse_line_string(p, &b, q);
  if (st) {
    free(b.p);
    return st;
  }
  *out = b.p;
  return NNMD_OK;
}

/* ---- keys ------------------------------------------------------------------------------- */

void toml_keypath_free(struct keypath *k) {
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
const char *toml_key_text(const struct keypath *k, size_t upto, char *out, size_t cap) {
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
  struct nnmd_loc at = toml_here(p);
  int c = toml_peek(p);
  char *s = NULL, d[16];
  if (c == '"' || c == '\'') {
    if (at_triple(p, c)) return FAIL(p, at, "a multi-line string cannot be used as a key");
    int st = toml_parse_string(p, &s);
    if (st) return st;
  } else if (is_bare_char(c)) {
    size_t start = p->pos;
    while (is_bare_char(toml_peek(p))) p->pos++;
    s = strndup(p->src + start, p->pos - start);
    if (!s) return toml_nomem(p);
  } else {
    return FAIL(p, at, "expected a key, found %s", toml_describe(p, d));
  }
  if (keypath_push(k, s, at)) {
    free(s);
    return toml_nomem(p);
  }
  return NNMD_OK;
}

/* key ( '.' key )*, with blanks around the dots; leaves blanks after the key skipped. */
int toml_parse_key(struct parser *p, struct keypath *k) {
  int st = parse_simple_key(p, k);
  while (!st) {
    toml_skip_ws(p);
    if (toml_peek(p) != '.') break;
    if (k->n >= MAX_DEPTH) /* refused before the rest of a hostile key is read */
      return FAIL(p, k->loc[0], "dotted key has more than %d parts", (int)MAX_DEPTH);
    p->pos++;
    toml_skip_ws(p);
    st = parse_simple_key(p, k);
  }
  return st;
}
