/* config.c — see config.h. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nnmd_cfg *nnmd_cfg_new(enum nnmd_cfg_kind kind, struct nnmd_loc loc) {
  struct nnmd_cfg *v = calloc(1, sizeof *v);
  if (!v) return NULL;
  v->kind = kind;
  v->loc = loc;
  return v;
}

static int grow(struct nnmd_cfg *v, bool keys) {
  if (v->n < v->cap) return 0;
  size_t cap = v->cap ? 2 * v->cap : 4;
  struct nnmd_cfg **it = realloc(v->items, cap * sizeof *it);
  if (!it) return -1;
  v->items = it;
  if (keys) {
    char **k = realloc(v->keys, cap * sizeof *k);
    if (!k) return -1;
    v->keys = k;
  }
  v->cap = cap;
  return 0;
}

int nnmd_cfg_array_push(struct nnmd_cfg *arr, struct nnmd_cfg *item) {
  if (grow(arr, false)) return -1;
  arr->items[arr->n++] = item;
  return 0;
}

/* ---- key index ---------------------------------------------------------------------------
 * Tables with more than HASH_MIN keys get an open-addressing (linear probing) index of their
 * keys, FNV-1a hashed; it is rebuilt at twice the size when it would become half full.
 * Probing visits keys in insertion order, so a lookup finds the first of equal keys, as the
 * linear scan of a small table does. */
enum { HASH_MIN = 8 };

static size_t key_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (size_t)(h ^ (h >> 29));
}

static void hash_put(size_t *slot, size_t cap, const char *key, size_t index) {
  size_t i = key_hash(key) & (cap - 1);
  while (slot[i]) i = (i + 1) & (cap - 1);
  slot[i] = index + 1;
}

/* Index key n-1 (just appended); build or grow the index when needed. */
static int hash_add(struct nnmd_cfg *t) {
  if (t->n <= HASH_MIN) return 0;
  if (t->hash && 2 * t->n <= t->hash_cap) {
    hash_put(t->hash, t->hash_cap, t->keys[t->n - 1], t->n - 1);
    return 0;
  }
  size_t cap = 32;
  while (cap < 4 * t->n) cap *= 2;
  size_t *slot = calloc(cap, sizeof *slot);
  if (!slot) return -1;
  for (size_t i = 0; i < t->n; ++i) hash_put(slot, cap, t->keys[i], i);
  free(t->hash);
  t->hash = slot;
  t->hash_cap = cap;
  return 0;
}

int nnmd_cfg_table_set(struct nnmd_cfg *tbl, const char *key, struct nnmd_loc key_loc,
                       struct nnmd_cfg *val) {
  if (grow(tbl, true)) return -1;
  char *k = strdup(key);
  if (!k) return -1;
  tbl->keys[tbl->n] = k;
  tbl->items[tbl->n++] = val;
  if (hash_add(tbl)) {
    free(k);
    tbl->n--;
    return -1;
  }
  val->key_loc = key_loc;
  return 0;
}

void nnmd_cfg_free(struct nnmd_cfg *v) {
  if (!v) return;
  if (v->kind == NNMD_CFG_STRING) free(v->u.s);
  for (size_t i = 0; i < v->n; ++i) {
    nnmd_cfg_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->hash);
  free(v->owned_file);
  free(v);
}

const struct nnmd_cfg *nnmd_cfg_get(const struct nnmd_cfg *tbl, const char *key) {
  if (!tbl || tbl->kind != NNMD_CFG_TABLE) return NULL;
  if (tbl->hash) {
    size_t m = tbl->hash_cap - 1;
    for (size_t i = key_hash(key) & m; tbl->hash[i]; i = (i + 1) & m)
      if (strcmp(tbl->keys[tbl->hash[i] - 1], key) == 0) return tbl->items[tbl->hash[i] - 1];
    return NULL;
  }
  for (size_t i = 0; i < tbl->n; ++i)
    if (strcmp(tbl->keys[i], key) == 0) return tbl->items[i];
  return NULL;
}

const char *nnmd_cfg_kind_name(enum nnmd_cfg_kind k) {
  switch (k) {
    case NNMD_CFG_STRING: return "a string";
    case NNMD_CFG_INT: return "an integer";
    case NNMD_CFG_FLOAT: return "a float";
    case NNMD_CFG_BOOL: return "a boolean";
    case NNMD_CFG_ARRAY: return "an array";
    case NNMD_CFG_TABLE: return "a table";
  }
  return "?";
}

bool nnmd_cfg_number(const struct nnmd_cfg *v, double *out) {
  if (!v) return false;
  if (v->kind == NNMD_CFG_INT) {
    *out = (double)v->u.i;
    return true;
  }
  if (v->kind == NNMD_CFG_FLOAT) {
    *out = v->u.f;
    return true;
  }
  return false;
}

static int missing(const struct nnmd_cfg *tbl, const char *key, struct nnmd_error *err) {
  struct nnmd_loc loc = tbl ? tbl->loc : NNMD_NOLOC;
  return nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "required key '%s' is missing", key);
}

int nnmd_cfg_double(const struct nnmd_cfg *tbl, const char *key, bool required, double lo, double hi,
                    double *out, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  double x;
  if (!nnmd_cfg_number(v, &x))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be a number, got %s", key,
                        nnmd_cfg_kind_name(v->kind));
  if (!isfinite(x))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be finite, got %g", key, x);
  if (x < lo || x > hi) {
    if (isinf(hi))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be >= %g, got %g", key, lo, x);
    if (isinf(lo))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be <= %g, got %g", key, hi, x);
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be in [%g, %g], got %g", key, lo, hi,
                        x);
  }
  *out = x;
  return NNMD_OK;
}

int nnmd_cfg_positive(const struct nnmd_cfg *tbl, const char *key, bool required, double *out,
                      struct nnmd_error *err) {
  double x = *out;
  int st = nnmd_cfg_double(tbl, key, required, -INFINITY, INFINITY, &x, err);
  if (st) return st;
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (v && !(x > 0))
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be positive, got %g", key, x);
  *out = x;
  return NNMD_OK;
}

int nnmd_cfg_int(const struct nnmd_cfg *tbl, const char *key, bool required, int64_t lo, int64_t hi,
                 int64_t *out, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  if (v->kind != NNMD_CFG_INT)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be an integer, got %s", key,
                        nnmd_cfg_kind_name(v->kind));
  if (v->u.i < lo || v->u.i > hi)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be in [%lld, %lld], got %lld", key,
                        (long long)lo, (long long)hi, (long long)v->u.i);
  *out = v->u.i;
  return NNMD_OK;
}

int nnmd_cfg_bool(const struct nnmd_cfg *tbl, const char *key, bool required, bool *out,
                  struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  if (v->kind != NNMD_CFG_BOOL)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be true or false, got %s", key,
                        nnmd_cfg_kind_name(v->kind));
  *out = v->u.b;
  return NNMD_OK;
}

int nnmd_cfg_string(const struct nnmd_cfg *tbl, const char *key, bool required, const char **out,
                    struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  if (v->kind != NNMD_CFG_STRING)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be a string, got %s", key,
                        nnmd_cfg_kind_name(v->kind));
  *out = v->u.s;
  return NNMD_OK;
}

int nnmd_cfg_choice(const struct nnmd_cfg *tbl, const char *key, bool required,
                    const char *const *choices, int *index, struct nnmd_error *err) {
  const char *s = NULL;
  int st = nnmd_cfg_string(tbl, key, required, &s, err);
  if (st || !s) return st;
  for (int i = 0; choices[i]; ++i)
    if (strcmp(s, choices[i]) == 0) {
      *index = i;
      return NNMD_OK;
    }
  char list[512] = "";
  for (int i = 0; choices[i]; ++i) {
    strncat(list, i ? ", \"" : "\"", sizeof list - strlen(list) - 1);
    strncat(list, choices[i], sizeof list - strlen(list) - 1);
    strncat(list, "\"", sizeof list - strlen(list) - 1);
  }
  const char *sug = nnmd_suggest(s, choices);
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (sug)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' = \"%s\" is not one of %s; did you mean \"%s\"?",
                        key, s, list, sug);
  return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' = \"%s\" is not one of %s", key, s, list);
}

int nnmd_cfg_vec(const struct nnmd_cfg *tbl, const char *key, bool required, int n, double *out,
                 struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  if (v->kind != NNMD_CFG_ARRAY || v->n != (size_t)n)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be an array of %d numbers", key, n);
  for (int i = 0; i < n; ++i) {
    double x;
    if (!nnmd_cfg_number(v->items[i], &x) || !isfinite(x))
      return nnmd_fail_at(err, NNMD_ERR_INPUT, v->items[i]->loc,
                          "'%s' must be an array of %d finite numbers", key, n);
    out[i] = x;
  }
  return NNMD_OK;
}

int nnmd_cfg_table(const struct nnmd_cfg *tbl, const char *key, bool required,
                   const struct nnmd_cfg **out, struct nnmd_error *err) {
  const struct nnmd_cfg *v = nnmd_cfg_get(tbl, key);
  *out = NULL;
  if (!v) return required ? missing(tbl, key, err) : NNMD_OK;
  if (v->kind != NNMD_CFG_TABLE)
    return nnmd_fail_at(err, NNMD_ERR_INPUT, v->loc, "'%s' must be a table, got %s", key,
                        nnmd_cfg_kind_name(v->kind));
  *out = v;
  return NNMD_OK;
}

/* Optimal-string-alignment distance (Levenshtein + adjacent transposition), cut off: any
 * value above `limit` is returned as limit + 1, which lets whole words be skipped by their
 * length and rows be abandoned once every entry exceeds the limit (a hostile file with
 * thousands of unknown keys stays cheap). Strings over 64 characters are never close. */
static int edit_distance(const char *a, const char *b, int limit) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return limit + 1;
  if ((la > lb ? la - lb : lb - la) > (size_t)limit) return limit + 1;
  int d[65][65];
  for (size_t i = 0; i <= la; ++i) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; ++j) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; ++i) {
    int row_min = d[i][0];
    for (size_t j = 1; j <= lb; ++j) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      /* transposition */
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
        c = d[i - 2][j - 2] + 1;
      d[i][j] = c;
      if (c < row_min) row_min = c;
    }
    /* a transposition reaches back two rows, so stop only when two rows are over the limit */
    if (row_min > limit && i > 1) {
      int prev_min = d[i - 1][0];
      for (size_t j = 1; j <= lb; ++j)
        if (d[i - 1][j] < prev_min) prev_min = d[i - 1][j];
      if (prev_min > limit) return limit + 1;
    }
  }
  return d[la][lb] <= limit ? d[la][lb] : limit + 1;
}

const char *nnmd_suggest(const char *s, const char *const *words) {
  size_t l = strlen(s);
  int limit = l <= 3 ? 1 : (l <= 6 ? 2 : 3);
  const char *best = NULL;
  int bd = limit + 1;
  for (int i = 0; words[i]; ++i) {
    int d = edit_distance(s, words[i], limit);
    if (d < bd) {
      bd = d;
      best = words[i];
    }
  }
  return bd <= limit ? best : NULL;
}

static bool is_allowed(const char *key, const char *const *allowed) {
  for (int k = 0; allowed[k]; ++k)
    if (strcmp(key, allowed[k]) == 0) return true;
  return false;
}

int nnmd_cfg_check_keys(const struct nnmd_cfg *tbl, const char *const *allowed, const char *where,
                        struct nnmd_error *err) {
  if (!tbl) return NNMD_OK;
  int st = NNMD_OK, nbad = 0;
  for (size_t i = 0; i < tbl->n; ++i) {
    if (is_allowed(tbl->keys[i], allowed)) continue;
    if (++nbad > NNMD_ERRORS_PER_READER) { /* like a compiler: stop reporting after 20 */
      size_t left = 0;
      for (size_t j = i; j < tbl->n; ++j) left += !is_allowed(tbl->keys[j], allowed);
      st = nnmd_fail(err, NNMD_ERR_INPUT, "%zu more unknown keys in %s not listed", left, where);
      break;
    }
    const char *sug = nnmd_suggest(tbl->keys[i], allowed);
    struct nnmd_loc loc = tbl->items[i]->key_loc.line ? tbl->items[i]->key_loc : tbl->items[i]->loc;
    if (sug)
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "unknown key '%s' in %s; did you mean '%s'?",
                        tbl->keys[i], where, sug);
    else
      st = nnmd_fail_at(err, NNMD_ERR_INPUT, loc, "unknown key '%s' in %s", tbl->keys[i], where);
  }
  return st;
}
