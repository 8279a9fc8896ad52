/* toml_tree.c — the configuration tree the TOML reader (toml.c) builds: new nodes, members,
 * the current section's scope, and the TOML 1.0 table rules (implicit / dotted / defined /
 * inline, arrays of tables) applied when a key/value pair or a [header] enters a table. */
#include "toml_parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tree ------------------------------------------------------------------------------- */

struct nnmd_cfg *toml_new_node(struct parser *p, enum nnmd_cfg_kind kind, struct nnmd_loc loc) {
  struct nnmd_cfg *v = nnmd_cfg_new(kind, loc);
  if (!v) toml_nomem(p);
  return v;
}

static struct nnmd_cfg *member(const struct nnmd_cfg *t, const char *key) {
  return (struct nnmd_cfg *)nnmd_cfg_get(t, key); /* hash index: O(1) */
}

/* Add v to t under key; v is freed on failure. */
static int add_member(struct parser *p, struct nnmd_cfg *t, const char *key, struct nnmd_loc kloc,
                      struct nnmd_cfg *v) {
  if (nnmd_cfg_table_set(t, key, kloc, v) == 0) return NNMD_OK;
  nnmd_cfg_free(v);
  return toml_nomem(p);
}

static bool scope_has(const struct scope *s, const struct nnmd_cfg *t) { return t->scope_id == s->id; }

static void scope_add(struct scope *s, struct nnmd_cfg *t) { t->scope_id = s->id; }

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
  toml_key_text(k, i, name, sizeof name);
  if (!c) {
    c = toml_new_node(p, NNMD_CFG_TABLE, k->loc[i]);
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
    scope_add(sc, c);
  }
  *t = c;
  return NNMD_OK;
}

/* Store val under the dotted key k below the scope's table; val is freed on failure. */
int toml_insert_keyval(struct parser *p, struct scope *sc, const struct keypath *k,
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
                toml_key_text(k, last, name, sizeof name), first_line(old));
  }
  return add_member(p, t, k->part[last], k->loc[last], val);
}

/* One step of a header [a.b.c]: enter (or create implicitly) part i below *t. */
static int header_step(struct parser *p, const struct keypath *k, size_t i, struct nnmd_cfg **t) {
  char name[KEYTEXT];
  struct nnmd_cfg *c = member(*t, k->part[i]);
  if (!c) {
    c = toml_new_node(p, NNMD_CFG_TABLE, k->loc[i]);
    if (!c) return NNMD_ERR_NOMEM;
    int st = add_member(p, *t, k->part[i], k->loc[i], c);
    if (st) return st;
  } else if (is_table_array(c)) {
    c = c->items[c->n - 1];
  } else if (c->kind != NNMD_CFG_TABLE || c->is_inline) {
    toml_key_text(k, i, name, sizeof name);
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
    c = toml_new_node(p, NNMD_CFG_TABLE, at);
    if (!c) return NNMD_ERR_NOMEM;
    int st = add_member(p, parent, k->part[last], k->loc[last], c);
    if (st) return st;
  } else if (c->kind != NNMD_CFG_TABLE || c->defined || c->is_inline) {
    return redefinition(p, k->loc[last], toml_key_text(k, last, name, sizeof name), c);
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
    arr = toml_new_node(p, NNMD_CFG_ARRAY, at);
    if (!arr) return NNMD_ERR_NOMEM;
    int st = add_member(p, parent, k->part[last], k->loc[last], arr);
    if (st) return st;
  } else if (!is_table_array(arr)) {
    return not_table_array(p, k->loc[last], toml_key_text(k, last, name, sizeof name), arr);
  }
  struct nnmd_cfg *t = toml_new_node(p, NNMD_CFG_TABLE, at);
  if (!t) return NNMD_ERR_NOMEM;
  t->defined = true;
  if (nnmd_cfg_array_push(arr, t)) {
    nnmd_cfg_free(t);
    return toml_nomem(p);
  }
  *cur = t;
  return NNMD_OK;
}

/* Make the table named by a header current; `at` is the header's '['. */
int toml_open_table(struct parser *p, const struct keypath *k, bool array, struct nnmd_loc at) {
  struct nnmd_cfg *t = p->root, *cur = NULL;
  int depth = (int)k->n + (array ? 1 : 0); /* an array of tables adds a level */
  if (depth > MAX_DEPTH)
    return FAIL(p, at, "table header nests %d levels deep (limit %d)", depth, MAX_DEPTH);
  for (size_t i = 0; i + 1 < k->n; ++i) {
    int st = header_step(p, k, i, &t);
    if (st) return st;
  }
  int st = array ? append_table(p, k, t, at, &cur) : define_table(p, k, t, at, &cur);
  if (st) return st;
  p->section.table = cur;
  p->section.id = ++p->scopes;
  p->section.depth = depth;
  return NNMD_OK;
}
