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
 * their last element. "In the current section's scope" is a stamp on the table (the
 * scope's id), and keys are found through the tables' hash index (config.c), so the parse
 * stays linear in the input size even for hostile inputs (150k keys, 100k headers).
 *
 * Limits (hostile input): no node may lie deeper than MAX_DEPTH (100) levels below the root,
 * counting header parts, dotted-key parts, arrays and inline tables together; a key path
 * stops being read at that many parts. The error names the line.
 *
 * Strings are validated as UTF-8 and may not hold control characters other than tab;
 * escapes (\uXXXX, \UXXXXXXXX) are written out as UTF-8. CRLF is accepted everywhere a
 * newline is, and multi-line strings store it as LF. Since config strings are C strings,
 * an escaped NUL (\u0000) is rejected. Floats are converted with strtod, which assumes
 * the "C" numeric locale.
 *
 * Files: this one (lines, documents, entry points), toml_lex.c (bytes, positions, errors,
 * strings, keys), toml_tree.c (the table tree and the redefinition rules), toml_value.c
 * (numbers, arrays, inline tables); toml_parse.h holds the parser state they share.
 */
#include "toml_parse.h"

#include "files.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lines ------------------------------------------------------------------------------ */

/* key = value, stored below the scope's table. */
int toml_parse_keyval(struct parser *p, struct scope *sc) {
  struct keypath k = {0};
  struct nnmd_cfg *v = NULL;
  char name[KEYTEXT], what[KEYTEXT + 16], d[16];
  int st = toml_parse_key(p, &k);
  if (!st) {
    toml_key_text(&k, k.n - 1, name, sizeof name);
    if (toml_peek(p) != '=')
      st = FAIL(p, toml_here(p), "expected '=' after key '%s', found %s", name, toml_describe(p, d));
  }
  int depth = sc->depth + (int)k.n, outer = p->depth;
  if (!st && depth > MAX_DEPTH)
    st = FAIL(p, k.loc[0], "key '%s' nests %d levels deep (limit %d)", name, depth, MAX_DEPTH);
  if (!st) {
    p->pos++;
    toml_skip_ws(p);
    snprintf(what, sizeof what, "for key '%s'", name);
    p->depth = depth;
    st = toml_parse_value(p, &v, what);
    p->depth = outer;
  }
  if (!st) st = toml_insert_keyval(p, sc, &k, v);
  toml_keypath_free(&k);
  return st;
}

static int close_header(struct parser *p, const struct keypath *k, bool array) {
  char name[KEYTEXT], d[16];
  toml_key_text(k, k->n - 1, name, sizeof name);
  if (toml_peek(p) != ']')
    return FAIL(p, toml_here(p), "expected '%s' after table name '%s', found %s", array ? "]]" : "]",
                name, toml_describe(p, d));
  p->pos++;
  if (array && toml_peek(p) != ']')
    return FAIL(p, toml_here(p), "expected ']]' to close array-of-tables header '%s', found %s", name,
                toml_describe(p, d));
  p->pos += array;
  return NNMD_OK;
}

/* [name] or [[name]]. */
static int parse_header(struct parser *p) {
  struct nnmd_loc at = toml_here(p);
  struct keypath k = {0};
  bool array = toml_peek_at(p, 1) == '[';
  p->pos += array ? 2 : 1;
  toml_skip_ws(p);
  int st = toml_parse_key(p, &k);
  if (!st) st = close_header(p, &k, array);
  if (!st) st = toml_open_table(p, &k, array, at);
  toml_keypath_free(&k);
  return st;
}

/* After a header or a value: blanks, an optional comment, then a newline or the end. */
static int end_of_line(struct parser *p, const char *after) {
  char d[16];
  toml_skip_ws(p);
  if (toml_peek(p) == '#') {
    int st = toml_skip_comment(p);
    if (st) return st;
  }
  if (toml_peek(p) < 0 || toml_eat_newline(p)) return NNMD_OK;
  return FAIL(p, toml_here(p), "expected a newline or a comment after %s, found %s", after,
              toml_describe(p, d));
}

static int parse_document(struct parser *p) {
  if (p->len >= 3 && memcmp(p->src, "\xEF\xBB\xBF", 3) == 0) p->pos = p->line_start = 3;
  for (;;) {
    const char *after = "the value";
    int st = NNMD_OK;
    toml_skip_ws(p);
    int c = toml_peek(p);
    if (c < 0) return NNMD_OK;
    if (c == '[') {
      st = parse_header(p);
      after = "the table header";
    } else if (c != '#' && !toml_at_newline(p)) {
      st = toml_parse_keyval(p, &p->section);
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
                     .section = {r, 1, 0},
                     .scopes = 1};
  int st = parse_document(&p);
  if (st) {
    nnmd_cfg_free(r);
    return st;
  }
  *root = r;
  return NNMD_OK;
}

/* ---- entry points ----------------------------------------------------------------------- */

enum { TOML_FILE_MAX = 64 << 20 }; /* bytes: an input file is small; refuse anything larger */

int nnmd_toml_parse_string(const char *text, const char *filename, struct nnmd_cfg **root,
                           struct nnmd_error *err) {
  return parse_text(text, strlen(text), filename, root, err);
}

static int read_file(struct nnmd_files *files, const char *path, struct buf *b, struct nnmd_error *err) {
  char chunk[16384];
  size_t n;
  FILE *f = nnmd_files_open(files, path);
  if (!f) return nnmd_fail(err, NNMD_ERR_FILE, "cannot open '%s': %s", path, nnmd_files_strerror(errno));
  errno = 0;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b->n + n > TOML_FILE_MAX) {
      fclose(f);
      return nnmd_fail(err, NNMD_ERR_FILE, "'%s' is larger than %d MiB: not an input file", path,
                       TOML_FILE_MAX >> 20);
    }
    if (toml_buf_put(b, chunk, n)) {
      fclose(f);
      return nnmd_fail(err, NNMD_ERR_NOMEM, "out of memory while reading '%s'", path);
    }
  }
  int bad = ferror(f), e = errno;
  fclose(f);
  if (bad) return nnmd_fail(err, NNMD_ERR_FILE, "cannot read '%s': %s", path, strerror(e));
  if (!b->p && toml_buf_put(b, "", 0))
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
