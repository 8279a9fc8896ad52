/* toml_parse.h — private to io/: the state and helpers the pieces of the TOML reader share
 * (toml.c: lines, documents and entry points; toml_lex.c: bytes, positions, errors, strings
 * and keys; toml_tree.c: the table tree and its redefinition rules; toml_value.c: values).
 * The algorithm and the rules are described at the top of toml.c. */
#ifndef NNMD_TOML_PARSE_H
#define NNMD_TOML_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toml.h"

enum {
  MAX_DEPTH = 100, /* deepest node of the tree: table headers, dotted keys, arrays and inline
                      tables together (protects the stack of the recursive parts and walkers) */
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

/* The table key/value pairs go into; the tables its dotted keys created carry its id
 * (nnmd_cfg.scope_id), so "is this table in scope" is O(1). depth: the table's depth in the
 * tree (root 0). */
struct scope {
  struct nnmd_cfg *table;
  uint64_t id;
  int depth;
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
  uint64_t scopes;      /* ids handed out to scopes so far */
  int depth;            /* depth in the tree of the value being parsed */
};

/* An unquoted value: its text and where it starts. */
struct token {
  const char *s;
  size_t n;
  struct nnmd_loc at;
};

/* toml_lex.c — bytes, positions and errors, strings, keys */
int toml_buf_put(struct buf *b, const char *s, size_t n);
bool toml_is_digit(int c);
bool toml_is_word_char(int c);
int toml_digit_value(int c);
int toml_peek_at(const struct parser *p, size_t k);
int toml_peek(const struct parser *p);
struct nnmd_loc toml_here(const struct parser *p);
int toml_nomem(struct parser *p);
int toml_put(struct parser *p, struct buf *b, const char *s, size_t n);
bool toml_at_newline(const struct parser *p);
bool toml_eat_newline(struct parser *p);
void toml_skip_ws(struct parser *p);
const char *toml_describe(const struct parser *p, char out[16]);
int toml_skip_comment(struct parser *p);
int toml_skip_blank(struct parser *p);
int toml_parse_string(struct parser *p, char **out);
void toml_keypath_free(struct keypath *k);
const char *toml_key_text(const struct keypath *k, size_t upto, char *out, size_t cap);
int toml_parse_key(struct parser *p, struct keypath *k);

/* toml_tree.c — the table tree and the TOML 1.0 (re)definition rules */
struct nnmd_cfg *toml_new_node(struct parser *p, enum nnmd_cfg_kind kind, struct nnmd_loc loc);
int toml_insert_keyval(struct parser *p, struct scope *sc, const struct keypath *k, struct nnmd_cfg *val);
int toml_open_table(struct parser *p, const struct keypath *k, bool array, struct nnmd_loc at);

/* toml_value.c — values: numbers, booleans, strings, arrays, inline tables */
int toml_parse_value(struct parser *p, struct nnmd_cfg **out, const char *what);

/* toml.c — lines and documents, entry points */
int toml_parse_keyval(struct parser *p, struct scope *sc);

#endif
