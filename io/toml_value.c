/* toml_value.c — values of the TOML reader (toml.c): integers (decimal, hex, octal, binary,
 * underscores), floats (exponents, inf, nan), booleans, strings, arrays and inline tables,
 * each stored as a config node stamped with the line:column where it starts. Dates and
 * times are recognised and rejected with a message. */
#include "toml_parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ---------------------------------------------------------------------------- */


static struct nnmd_loc tok_loc(const struct token *t, size_t i) {
  struct nnmd_loc l = t->at;
  l.col += (int)i;
  return l;
}

/* Digits of `base` from t->s[*i] (a digit), single underscores allowed between digits. */
static int scan_digits(struct parser *p, const struct token *t, size_t *i, int base) {
  size_t k = *i;
  while (k < t->n) {
    if (toml_digit_value(t->s[k]) < base) {
      k++;
      continue;
    }
    if (t->s[k] != '_') break;
    if (k + 1 >= t->n || toml_digit_value(t->s[k + 1]) >= base)
      return FAIL(p, tok_loc(t, k), "'_' in a number must be between two digits");
    k++;
  }
  *i = k;
  return NNMD_OK;
}

static int new_int(struct parser *p, const struct token *t, int64_t v, struct nnmd_cfg **out) {
  *out = toml_new_node(p, NNMD_CFG_INT, t->at);
  if (!*out) return NNMD_ERR_NOMEM;
  (*out)->u.i = v;
  return NNMD_OK;
}

static int new_float(struct parser *p, const struct token *t, double v, struct nnmd_cfg **out) {
  *out = toml_new_node(p, NNMD_CFG_FLOAT, t->at);
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
  if (i >= t->n || toml_digit_value(t->s[i]) >= base)
    return FAIL(p, tok_loc(t, i), "expected a %s digit after '0%c'", what, t->s[1]);
  int st = scan_digits(p, t, &i, base);
  if (st) return st;
  if (i < t->n)
    return FAIL(p, tok_loc(t, i), "invalid character '%c' in %s integer", t->s[i], what);
  uint64_t v = 0;
  for (size_t k = 2; k < t->n; ++k) {
    if (t->s[k] == '_') continue;
    uint64_t d = (uint64_t)toml_digit_value(t->s[k]);
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
    if (!toml_is_digit(t->s[k])) continue;
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
    if (t->s[k] != '_') st = toml_put(p, &b, &t->s[k], 1);
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
  if (*i >= t->n || !toml_is_digit(t->s[*i]))
    return FAIL(p, tok_loc(t, *i), "expected a digit in the exponent");
  return scan_digits(p, t, i, 10);
}

/* Optional fraction of a float at t->s[*i]; sets *is_float if present. */
static int scan_fraction(struct parser *p, const struct token *t, size_t *i, bool *is_float) {
  if (*i >= t->n || t->s[*i] != '.') return NNMD_OK;
  *is_float = true;
  ++*i;
  if (*i >= t->n || !toml_is_digit(t->s[*i]))
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
  if (i >= t->n || !toml_is_digit(s[i]))
    return FAIL(p, tok_loc(t, i), "expected a digit after the sign");
  if (s[i] == '0' && i + 1 < t->n && (toml_is_digit(s[i + 1]) || s[i + 1] == '_'))
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
  bool date = t->n >= 5 && toml_is_digit(s[0]) && toml_is_digit(s[1]) && toml_is_digit(s[2]) && toml_is_digit(s[3]) &&
              s[4] == '-';
  bool time = t->n >= 3 && toml_is_digit(s[0]) && toml_is_digit(s[1]) && s[2] == ':';
  return date || time;
}

/* An unquoted value: boolean, number, inf/nan; dates and times are refused. */
static int parse_word(struct parser *p, struct nnmd_cfg **out) {
  struct token t = {p->src + p->pos, 0, toml_here(p)};
  double f;
  int st;
  while (p->pos + t.n < p->len && toml_is_word_char((unsigned char)t.s[t.n])) t.n++;
  int shown = (int)(t.n < SHOWN ? t.n : SHOWN);
  if (word_is(&t, "true") || word_is(&t, "false")) {
    *out = toml_new_node(p, NNMD_CFG_BOOL, t.at);
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
  } else if (toml_is_digit(t.s[0]) || t.s[0] == '+' || t.s[0] == '-' || t.s[0] == '.') {
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


static int parse_string_value(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_loc at = toml_here(p);
  char *s = NULL;
  int st = toml_parse_string(p, &s);
  if (st) return st;
  *out = toml_new_node(p, NNMD_CFG_STRING, at);
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
    int st = toml_skip_blank(p);
    if (st) return st;
    if (toml_peek(p) == ']') break;
    st = toml_parse_value(p, &item, "in array");
    if (st) return st;
    if (nnmd_cfg_array_push(arr, item)) {
      nnmd_cfg_free(item);
      return toml_nomem(p);
    }
    st = toml_skip_blank(p);
    if (st) return st;
    if (toml_peek(p) == ']') break;
    if (toml_peek(p) != ',')
      return FAIL(p, toml_here(p), "expected ',' or ']' after an array element, found %s",
                  toml_describe(p, d));
    p->pos++;
  }
  p->pos++; /* ']' */
  return NNMD_OK;
}

static int parse_array(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_cfg *arr = toml_new_node(p, NNMD_CFG_ARRAY, toml_here(p));
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
  toml_skip_ws(p);
  if (toml_peek(p) == '}') {
    p->pos++;
    return NNMD_OK;
  }
  for (;;) {
    if (toml_at_newline(p)) return FAIL(p, toml_here(p), "an inline table must be written on one line");
    int st = toml_parse_keyval(p, sc);
    if (st) return st;
    toml_skip_ws(p);
    if (toml_peek(p) == '}') {
      p->pos++;
      return NNMD_OK;
    }
    if (toml_at_newline(p))
      return FAIL(p, toml_here(p), "an inline table must be written on one line (missing '}'?)");
    if (toml_peek(p) != ',')
      return FAIL(p, toml_here(p), "expected ',' or '}' in inline table, found %s", toml_describe(p, d));
    p->pos++;
    toml_skip_ws(p);
    if (toml_peek(p) == '}')
      return FAIL(p, toml_here(p), "a trailing comma is not allowed in an inline table");
  }
}

static int parse_inline_table(struct parser *p, struct nnmd_cfg **out) {
  struct nnmd_cfg *t = toml_new_node(p, NNMD_CFG_TABLE, toml_here(p));
  if (!t) return NNMD_ERR_NOMEM;
  struct scope sc = {t, ++p->scopes, p->depth - 1}; /* toml_parse_value entered the members' depth */
  t->defined = true;
  p->pos++;
  int st = inline_members(p, &sc);
  if (st) {
    nnmd_cfg_free(t);
    return st;
  }
  t->is_inline = true;
  *out = t;
  return NNMD_OK;
}

/* Any value; `what` completes "expected a value ..." (e.g. "for key 'x'"). */
int toml_parse_value(struct parser *p, struct nnmd_cfg **out, const char *what) {
  char d[16];
  int c = toml_peek(p);
  if (c == '"' || c == '\'') return parse_string_value(p, out);
  if (toml_is_word_char(c)) return parse_word(p, out);
  if (c != '[' && c != '{')
    return FAIL(p, toml_here(p), "expected a value %s, found %s", what, toml_describe(p, d));
  if (p->depth > MAX_DEPTH) /* deeper than the limit (its items would lie deeper still) */
    return FAIL(p, toml_here(p), "arrays, inline tables and dotted keys are nested too deeply (limit %d)",
                MAX_DEPTH);
  p->depth++;
  int st = c == '[' ? parse_array(p, out) : parse_inline_table(p, out);
  p->depth--;
  return st;
}
