/* config.h — a typed configuration tree with source locations, and checked getters.
 *
 * The tree is what io/toml.c produces from an input file; engine code and force terms
 * read their own keys from it without knowing the file format. Every value keeps the
 * line:column where it was written, so a check made late (a cutoff longer than the cell,
 * an element missing from a model) can still point at the user's line.
 *
 * Kinds: string, integer (int64), float (double), bool, array, table. A table keeps its
 * keys in file order (lookup by key is O(1) through a hash index). Arrays of tables (TOML [[x]]) are arrays whose items are tables.
 * The getters report wrong types, out-of-range values and unknown keys (with "did you
 * mean") into a `struct nnmd_error`, which keeps every message so all problems of an
 * input can be shown at once.
 */
#ifndef NNMD_CONFIG_H
#define NNMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum nnmd_cfg_kind {
  NNMD_CFG_STRING,
  NNMD_CFG_INT,
  NNMD_CFG_FLOAT,
  NNMD_CFG_BOOL,
  NNMD_CFG_ARRAY,
  NNMD_CFG_TABLE
};

struct nnmd_cfg {
  enum nnmd_cfg_kind kind;
  struct nnmd_loc loc; /* where the value starts; loc.file points into the tree's file name */
  struct nnmd_loc key_loc; /* for table members: where the key was written */
  union {
    char *s;
    int64_t i;
    double f;
    bool b;
  } u;
  /* ARRAY and TABLE: n children; TABLE also has keys[n] */
  size_t n, cap;
  struct nnmd_cfg **items;
  char **keys;
  bool defined; /* TABLE: defined by a [header] or inline (TOML redefinition rules) */
  bool is_inline; /* TABLE/ARRAY: written inline (cannot be extended later) */
  char *owned_file; /* root only: the file name every loc.file in the tree points to */
  /* TABLE with more than a few keys: open-addressing index of keys (slot = item index + 1,
   * 0 = empty; hash_cap a power of two, at least twice n), so lookups stay O(1) on huge
   * hostile inputs instead of a linear scan. NULL while the table is small. */
  size_t *hash;
  size_t hash_cap;
  uint64_t scope_id; /* io/toml: the key/value scope that may still extend this table (0 none) */
};

/* Construction (used by parsers and tests). All return NULL on allocation failure. */
struct nnmd_cfg *nnmd_cfg_new(enum nnmd_cfg_kind kind, struct nnmd_loc loc);
/* Append to an array; append a member to a table (key copied). Return 0 or -1 (no memory). */
int nnmd_cfg_array_push(struct nnmd_cfg *arr, struct nnmd_cfg *item);
int nnmd_cfg_table_set(struct nnmd_cfg *tbl, const char *key, struct nnmd_loc key_loc,
                       struct nnmd_cfg *val);
void nnmd_cfg_free(struct nnmd_cfg *v);

/* Lookup; NULL if absent (or tbl is NULL / not a table). */
const struct nnmd_cfg *nnmd_cfg_get(const struct nnmd_cfg *tbl, const char *key);
const char *nnmd_cfg_kind_name(enum nnmd_cfg_kind k);

/* Checked getters. Absent key: return NNMD_OK and leave *out at its default (caller sets
 * it first) unless `required`, which is an error at the table's location. A present key of
 * the wrong kind or out of range is an error at the value's location. An integer is
 * accepted where a float is expected. Ranges are inclusive; pass -INFINITY/INFINITY to skip. */
int nnmd_cfg_double(const struct nnmd_cfg *tbl, const char *key, bool required, double lo, double hi,
                    double *out, struct nnmd_error *err);
/* Positive strictly (> 0). */
int nnmd_cfg_positive(const struct nnmd_cfg *tbl, const char *key, bool required, double *out,
                      struct nnmd_error *err);
int nnmd_cfg_int(const struct nnmd_cfg *tbl, const char *key, bool required, int64_t lo, int64_t hi,
                 int64_t *out, struct nnmd_error *err);
int nnmd_cfg_bool(const struct nnmd_cfg *tbl, const char *key, bool required, bool *out,
                  struct nnmd_error *err);
/* String (pointer into the tree, not copied). */
int nnmd_cfg_string(const struct nnmd_cfg *tbl, const char *key, bool required, const char **out,
                    struct nnmd_error *err);
/* One of `choices` (NULL-terminated); *index = position in choices. */
int nnmd_cfg_choice(const struct nnmd_cfg *tbl, const char *key, bool required,
                    const char *const *choices, int *index, struct nnmd_error *err);
/* Array of exactly n numbers. */
int nnmd_cfg_vec(const struct nnmd_cfg *tbl, const char *key, bool required, int n, double *out,
                 struct nnmd_error *err);
/* A sub-table (or NULL if absent and not required). */
int nnmd_cfg_table(const struct nnmd_cfg *tbl, const char *key, bool required,
                   const struct nnmd_cfg **out, struct nnmd_error *err);

/* Numeric value of a node (int or float); false if not numeric. */
bool nnmd_cfg_number(const struct nnmd_cfg *v, double *out);

/* Every key of `tbl` must be in `allowed` (NULL-terminated): others are errors with a
 * "did you mean 'x'?" suggestion. `where` names the table in the message ("[run]"). */
int nnmd_cfg_check_keys(const struct nnmd_cfg *tbl, const char *const *allowed, const char *where,
                        struct nnmd_error *err);

/* The closest word of `words` to `s` by edit distance, or NULL if none is close. */
const char *nnmd_suggest(const char *s, const char *const *words);

#endif
