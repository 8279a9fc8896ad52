/* toml_test_util.c — helpers of the TOML suites (test_toml.c, test_toml_errors.c), included
 * by each: parsing a string, looking nodes up and checking kind, value and location. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toml.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

/* ---- helpers ------------------------------------------------------------------------------ */

struct nnmd_cfg *parse_ok(const char *text) {
  struct nnmd_error err;
  struct nnmd_cfg *root = NULL;
  nnmd_error_init(&err);
  int st = nnmd_toml_parse_string(text, "t.toml", &root, &err);
  ck_assert_msg(st == NNMD_OK, "unexpected error %d at %lld:%d: %s", st, (long long)err.line, err.col, err.msg);
  ck_assert_ptr_nonnull(root);
  nnmd_error_clear(&err);
  return root;
}

/* Parse text that must fail with NNMD_ERR_INPUT at line:col with a message containing frag. */
void expect_error(const char *text, int line, int col, const char *frag) {
  struct nnmd_error err;
  struct nnmd_cfg *root = (struct nnmd_cfg *)&err; /* must be reset to NULL */
  nnmd_error_init(&err);
  int st = nnmd_toml_parse_string(text, "t.toml", &root, &err);
  ck_assert_msg(st == NNMD_ERR_INPUT, "input <<%s>>: status %d, expected a syntax error", text, st);
  ck_assert_ptr_null(root);
  ck_assert_int_eq(err.count, 1);
  ck_assert_str_eq(err.file, "t.toml");
  ck_assert_msg(err.line == line && err.col == col,
                "input <<%s>>: error at %lld:%d (%s), expected %d:%d", text, (long long)err.line, err.col,
                err.msg, line, col);
  ck_assert_msg(strstr(err.msg, frag) != NULL, "input <<%s>>: message '%s' lacks '%s'", text,
                err.msg, frag);
  nnmd_error_clear(&err);
}

/* A node by path: parts separated by '.', "#i" is item i of an array. */
const struct nnmd_cfg *at(const struct nnmd_cfg *v, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *save = NULL, *part = strtok_r(buf, ".", &save); part;
       part = strtok_r(NULL, ".", &save)) {
    ck_assert_msg(v != NULL, "path %s: missing parent of '%s'", path, part);
    if (part[0] == '#') {
      size_t i = (size_t)atoi(part + 1);
      ck_assert_msg(v->kind == NNMD_CFG_ARRAY && i < v->n, "path %s: no item %zu", path, i);
      v = v->items[i];
    } else {
      v = nnmd_cfg_get(v, part);
    }
  }
  ck_assert_msg(v != NULL, "path %s not found", path);
  return v;
}

int64_t int_at(const struct nnmd_cfg *root, const char *path) {
  const struct nnmd_cfg *v = at(root, path);
  ck_assert_msg(v->kind == NNMD_CFG_INT, "%s is %s", path, nnmd_cfg_kind_name(v->kind));
  return v->u.i;
}

double float_at(const struct nnmd_cfg *root, const char *path) {
  const struct nnmd_cfg *v = at(root, path);
  ck_assert_msg(v->kind == NNMD_CFG_FLOAT, "%s is %s", path, nnmd_cfg_kind_name(v->kind));
  return v->u.f;
}

const char *str_at(const struct nnmd_cfg *root, const char *path) {
  const struct nnmd_cfg *v = at(root, path);
  ck_assert_msg(v->kind == NNMD_CFG_STRING, "%s is %s", path, nnmd_cfg_kind_name(v->kind));
  return v->u.s;
}

bool bool_at(const struct nnmd_cfg *root, const char *path) {
  const struct nnmd_cfg *v = at(root, path);
  ck_assert_msg(v->kind == NNMD_CFG_BOOL, "%s is %s", path, nnmd_cfg_kind_name(v->kind));
  return v->u.b;
}

void check_loc(struct nnmd_loc l, int line, int col, const char *what) {
  ck_assert_msg(l.line == line && l.col == col, "%s at %lld:%d, expected %d:%d", what, (long long)l.line, l.col,
                line, col);
}

/* Value at line:col, key at kline:kcol (kline 0: not checked). */
void check_at(const struct nnmd_cfg *root, const char *path, int line, int col, int kline,
                     int kcol) {
  const struct nnmd_cfg *v = at(root, path);
  check_loc(v->loc, line, col, path);
  if (kline) check_loc(v->key_loc, kline, kcol, path);
}
