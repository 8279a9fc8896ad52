/* test_toml_errors.c — unit tests of the TOML 1.0 reader (io/toml.c) through files (a
 * temporary file, a missing one) and on malformed inputs: a table of (text, line, column,
 * message fragment) run as a loop test, deep nesting, the error text.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toml.h"

#ifndef NNMD_TEST_TMP
#define NNMD_TEST_TMP "/tmp"
#endif

#include "toml_test_util.c"

/* ---- files ---------------------------------------------------------------------------------- */

START_TEST(test_parse_file) {
  char path[512];
  snprintf(path, sizeof path, "%s/nnmd_toml_XXXXXX", NNMD_TEST_TMP);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  fputs("[run]\ntimestep = 0.5\nsteps = 1_000\nname = \"argon\"\n[[potential]]\ntype = 'lj'\n", f);
  fclose(f);
  struct nnmd_error err;
  struct nnmd_cfg *r = NULL;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_toml_parse_file(path, &r, &err), NNMD_OK);
  ck_assert_str_eq(r->owned_file, path);
  ck_assert_ptr_ne(r->owned_file, path);
  ck_assert_double_eq(float_at(r, "run.timestep"), 0.5);
  ck_assert_int_eq(int_at(r, "run.steps"), 1000);
  ck_assert_str_eq(str_at(r, "run.name"), "argon");
  ck_assert_str_eq(str_at(r, "potential.#0.type"), "lj");
  ck_assert_ptr_eq(at(r, "run.steps")->loc.file, r->owned_file);
  check_at(r, "run.steps", 3, 9, 3, 1);
  nnmd_cfg_free(r);

  /* an error in a file names the file */
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("[run]\ntimestep 0.5\n", f);
  fclose(f);
  ck_assert_int_eq(nnmd_toml_parse_file(path, &r, &err), NNMD_ERR_INPUT);
  ck_assert_ptr_null(r);
  ck_assert_str_eq(err.file, path);
  ck_assert_int_eq(err.line, 2);
  ck_assert_int_eq(err.col, 10);
  ck_assert_ptr_nonnull(strstr(err.msg, "expected '=' after key 'timestep'"));
  nnmd_error_clear(&err);

  /* a NUL byte read from a file is a control character */
  f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fwrite("a = 1 # x\0y\n", 1, 12, f);
  fclose(f);
  ck_assert_int_eq(nnmd_toml_parse_file(path, &r, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.line, 1);
  ck_assert_int_eq(err.col, 10);
  ck_assert_ptr_nonnull(strstr(err.msg, "U+0000"));
  nnmd_error_clear(&err);
  unlink(path);
}
END_TEST

START_TEST(test_missing_file) {
  const char *path = NNMD_TEST_TMP "/no-such-dir/missing.toml";
  struct nnmd_error err;
  struct nnmd_cfg *r = (struct nnmd_cfg *)&err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_toml_parse_file(path, &r, &err), NNMD_ERR_FILE);
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(err.msg, path));
  ck_assert_ptr_nonnull(strstr(err.msg, strerror(ENOENT)));
  nnmd_error_clear(&err);
  /* a directory opens but cannot be read */
  ck_assert_int_eq(nnmd_toml_parse_file(NNMD_TEST_TMP, &r, &err), NNMD_ERR_FILE);
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(err.msg, NNMD_TEST_TMP));
  nnmd_error_clear(&err);
}
END_TEST

/* ---- errors --------------------------------------------------------------------------------- */

struct bad {
  const char *text;
  int line, col;
  const char *frag;
};

static const struct bad BAD[] = {
    /* key/value syntax */
    {"a = 1\ntimestep 0.5\n", 2, 10, "expected '=' after key 'timestep', found '0'"},
    {"a = \n", 1, 5, "expected a value for key 'a', found end of line"},
    {"a =", 1, 4, "expected a value for key 'a', found end of file"},
    {"a = 1 b = 2", 1, 7, "expected a newline or a comment after the value, found 'b'"},
    {"= 1", 1, 1, "expected a key, found '='"},
    {"a. = 1", 1, 4, "expected a key, found '='"},
    {"a.b.c", 1, 6, "expected '=' after key 'a.b.c', found end of file"},
    {"é = 1", 1, 1, "expected a key, found 'é'"},
    {"\"\"\"k\"\"\" = 1", 1, 1, "multi-line string cannot be used as a key"},
    {"a = yes", 1, 5, "invalid value 'yes'"},
    {"a = tru", 1, 5, "invalid value 'tru'"},
    {"a = true1", 1, 5, "invalid value 'true1'"},
    {"a = \"x\" \"y\"", 1, 9, "after the value, found '\"'"},
    {"a = 1\rb = 2", 1, 6, "found a carriage return"},
    /* integers */
    {"a = 01", 1, 5, "leading zeros"},
    {"a = -01", 1, 6, "leading zeros"},
    {"a = 0_1", 1, 5, "leading zeros"},
    {"a = 1__0", 1, 6, "'_' in a number must be between two digits"},
    {"a = 1_", 1, 6, "'_' in a number must be between two digits"},
    {"a = 1_000_", 1, 10, "'_' in a number must be between two digits"},
    {"a = 9223372036854775808", 1, 5, "does not fit in 64 bits"},
    {"a = -9223372036854775809", 1, 5, "does not fit in 64 bits"},
    {"a = 0xFFFFFFFFFFFFFFFF", 1, 5, "does not fit in 64 bits"},
    {"a = 0x", 1, 7, "expected a hexadecimal digit after '0x'"},
    {"a = 0o8", 1, 7, "expected a octal digit after '0o'"},
    {"a = 0b102", 1, 9, "invalid character '2' in binary integer"},
    {"a = 0x_1", 1, 7, "hexadecimal digit"},
    {"a = +0x10", 1, 5, "cannot have a sign"},
    {"a = 12abc", 1, 7, "invalid character 'a' in number"},
    {"a = -", 1, 6, "expected a digit after the sign"},
    /* floats */
    {"a = 1.\n", 1, 7, "expected a digit after the decimal point"},
    {"a = 1.e5", 1, 7, "expected a digit after the decimal point"},
    {"a = .5", 1, 5, "digit before the decimal point"},
    {"a = -.5", 1, 6, "digit before the decimal point"},
    {"a = 1e", 1, 7, "expected a digit in the exponent"},
    {"a = 1e+", 1, 8, "expected a digit in the exponent"},
    {"a = 1e_5", 1, 7, "expected a digit in the exponent"},
    {"a = 1.5.3", 1, 8, "invalid character '.' in number"},
    {"a = 3.14_", 1, 9, "between two digits"},
    {"a = 1_.5", 1, 6, "between two digits"},
    {"a = 00.5", 1, 5, "leading zeros"},
    {"a = 1e400", 1, 5, "too large for a double"},
    {"a = infinity", 1, 5, "invalid value 'infinity'"},
    {"a = NaN", 1, 5, "invalid value 'NaN'"},
    /* dates and times */
    {"a = 1979-05-27", 1, 5, "dates and times are not supported"},
    {"x = 1\nb = 1979-05-27T07:32:00Z", 2, 5, "dates and times are not supported"},
    {"a = 1979-05-27 07:32:00", 1, 5, "dates and times are not supported"},
    {"t = [1, 07:32:00]", 1, 9, "dates and times are not supported"},
    /* strings */
    {"a = \"abc", 1, 5, "unterminated string"},
    {"a = \"abc\nb = 1", 1, 5, "unterminated string"},
    {"a = 'abc\n'", 1, 5, "unterminated string"},
    {"a = \"\\q\"", 1, 6, "invalid escape sequence: '\\' followed by 'q'"},
    {"a = \"\\ \"", 1, 6, "invalid escape sequence"},
    {"a = \"\\x41\"", 1, 6, "invalid escape sequence"},
    {"a = \"\\uD800\"", 1, 6, "not a Unicode scalar value"},
    {"a = \"\\U00110000\"", 1, 6, "not a Unicode scalar value"},
    {"a = \"\\u12\"", 1, 10, "expected 4 hexadecimal digits in '\\u' escape"},
    {"a = \"\\U0001F60\"", 1, 15, "expected 8 hexadecimal digits in '\\U' escape"},
    {"a = \"\\u0000\"", 1, 6, "NUL characters"},
    {"a = '''abc", 1, 5, "unterminated multi-line string (no closing ''')"},
    {"a = \"\"\"abc\n\n", 1, 5, "unterminated multi-line string"},
    {"a = \"\"\"\nok\n\\z\"\"\"", 3, 1, "invalid escape sequence"},
    {"a = \"\"\"\nx\\  y\"\"\"", 2, 2, "invalid escape sequence"},
    {"a = \"tab\x01\"", 1, 9, "control character U+0001 is not allowed in a string"},
    {"a = '\x7f'", 1, 6, "control character U+007F"},
    {"a = '''\nx\x0by'''", 2, 2, "control character U+000B"},
    {"a = \"\"\"\nx\ry\"\"\"", 2, 2, "carriage return without a following newline"},
    {"a = \"\xC3\x28\"", 1, 6, "invalid UTF-8"},
    {"a = 'x\xED\xA0\x80'", 1, 7, "invalid UTF-8"},
    {"a = \"\xC0\xAF\"", 1, 6, "invalid UTF-8"},
    {"a = \"\xF0\x9F\x98\"", 1, 6, "invalid UTF-8"},
    /* comments */
    {"# ok \xFF\n", 1, 6, "invalid UTF-8 (byte 0xFF) in a comment"},
    {"a = 1 # \x7f\n", 1, 9, "control character U+007F is not allowed in a comment"},
    {"# a\x0c\n", 1, 4, "control character U+000C"},
    {"# a\rb\n", 1, 4, "carriage return"},
    /* tables and headers */
    {"[a", 1, 3, "expected ']' after table name 'a', found end of file"},
    {"[a.b\n", 1, 5, "expected ']' after table name 'a.b', found end of line"},
    {"[[a]", 1, 5, "expected ']]' to close array-of-tables header 'a'"},
    {"[[a] ]", 1, 5, "expected ']]'"},
    {"[]", 1, 2, "expected a key, found ']'"},
    {"[a.]", 1, 4, "expected a key, found ']'"},
    {"[a] x = 1", 1, 5, "after the table header, found 'x'"},
    {"[ [a] ]", 1, 3, "expected a key, found '['"},
    /* arrays and inline tables */
    {"a = [1 2]", 1, 8, "expected ',' or ']' after an array element, found '2'"},
    {"a = [1,,2]", 1, 8, "expected a value in array, found ','"},
    {"a = [,]", 1, 6, "expected a value in array, found ','"},
    {"a = [1, 2", 1, 10, "found end of file"},
    {"a = [1,\n2,\n# c\n", 4, 1, "expected a value in array, found end of file"},
    {"a = { b = 1, }", 1, 14, "trailing comma is not allowed"},
    {"a = { b = 1\n}", 1, 12, "must be written on one line"},
    {"a = {\nb = 1}", 1, 6, "must be written on one line"},
    {"a = { b = 1 c = 2 }", 1, 13, "expected ',' or '}' in inline table, found 'c'"},
    {"a = { b }", 1, 9, "expected '=' after key 'b'"},
    {"a = {,}", 1, 6, "expected a key, found ','"},
    /* duplicates and redefinitions */
    {"a = 1\na = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"},
    {"a = 1\n\"a\" = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"},
    {"[t]\nx = 1\ny = 2\n x = 3", 4, 2, "duplicate key 'x' (first defined at line 2)"},
    {"a = { b = 1, b = 2 }", 1, 14, "duplicate key 'b' (first defined at line 1)"},
    {"a.b = 1\na = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"},
    {"a.b = 1\na.b = 2", 2, 3, "duplicate key 'a.b' (first defined at line 1)"},
    {"a.b.c = 1\na.b = 2", 2, 3, "duplicate key 'a.b' (first defined at line 1)"},
    {"[a]\nx = 1\n[a]", 3, 2, "table 'a' is already defined at line 1"},
    {"[a.b]\n[c]\n[ a . b ]", 3, 7, "table 'a.b' is already defined at line 1"},
    {"[a]\nb.c = 1\n[a.b]", 3, 4, "table 'a.b' is already defined at line 2"},
    {"[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.taste]", 4, 14,
     "table 'fruit.apple.taste' is already defined at line 3"},
    {"[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3,
     "cannot add to table 'b.c' with a dotted key: it was defined at line 1"},
    {"[a.b.c.d]\n[a]\nb.c.d.k.t = 1", 3, 5, "cannot add to table 'b.c.d' with a dotted key"},
    {"[a.b]\nx = 1\n[a]\nb.y = 2", 4, 1,
     "cannot add to table 'b' with a dotted key: it was defined at line 1"},
    {"a = {x = 1}\na.y = 2", 2, 1, "cannot add to inline table 'a' (defined at line 1)"},
    {"a = {x = 1}\n[a.b]", 2, 2, "cannot add to inline table 'a' (defined at line 1)"},
    {"a = {x = 1}\n[a]", 2, 2, "table 'a' is already defined at line 1"},
    {"t = { f = { a = 1 }, f.b = 2 }", 1, 22, "cannot add to inline table 'f'"},
    {"a = [1]\n[[a]]", 2, 3, "cannot append to static array 'a' (defined at line 1)"},
    {"a = [{b = 1}]\n[a.c]", 2, 2, "cannot add to static array 'a' (defined at line 1)"},
    {"[[a]]\n[a]", 2, 2, "'a' is an array of tables (first defined at line 1); use [[a]]"},
    {"[[a.b]]\n[a]\n[a.b]", 3, 4, "'a.b' is an array of tables"},
    {"[[a]]\na.x = 1\n[[a]]\nb = 1\n[[a.b]]", 5, 5, "'a.b' is already defined as an integer"},
    {"[a]\n[[a]]", 2, 3, "'a' is already defined as a table at line 1, not as an array of tables"},
    {"a = 1\n[a]", 2, 2, "'a' is already defined as an integer at line 1"},
    {"a = 'x'\n[a.b]", 2, 2, "'a' is already defined as a string at line 1, not as a table"},
    {"a = 1\na.b = 2", 2, 1, "'a' is already defined as an integer at line 1, not as a table"},
    {"[[a]]\nb.c = 1\n[a.b]", 3, 4, "table 'a.b' is already defined at line 2"},
    {"[b]\na.c = 1\n[x]\n[[b.a]]", 4, 5, "'b.a' is already defined as a table at line 2"},
};

START_TEST(test_malformed) {
  const struct bad *b = &BAD[_i];
  expect_error(b->text, b->line, b->col, b->frag);
}
END_TEST

START_TEST(test_deep_nesting) {
  char text[512] = "a = ";
  size_t n = strlen(text);
  for (int i = 0; i < 150; ++i) text[n++] = '[';
  text[n] = '\0';
  expect_error(text, 1, 105, "nested too deeply");
  /* 100 levels are fine */
  char ok[512] = "a = ";
  n = strlen(ok);
  for (int i = 0; i < 100; ++i) ok[n++] = '[';
  for (int i = 0; i < 100; ++i) ok[n++] = ']';
  ok[n] = '\0';
  struct nnmd_cfg *r = parse_ok(ok);
  ck_assert_uint_eq(at(r, "a.#0.#0.#0")->n, 1);
  nnmd_cfg_free(r);
}
END_TEST

/* Text of `parts` dotted parts "a.a.a..." between `pre` and `post` (malloc'd). */
static char *dotted(const char *pre, size_t parts, const char *post) {
  size_t n = strlen(pre) + 2 * parts + strlen(post) + 1;
  char *s = malloc(n), *q = s;
  ck_assert_ptr_nonnull(s);
  q += sprintf(q, "%s", pre);
  for (size_t i = 0; i < parts; ++i) q += sprintf(q, i ? ".a" : "a");
  sprintf(q, "%s", post);
  return s;
}

/* Issue 16: no depth limit on dotted keys and headers (a 600 KB [a.a.a...] header overflowed
 * the stack in the recursive free). Every way of nesting counts towards one limit of 100. */
START_TEST(test_deep_keys) {
  char *t = dotted("x = 1\n[", 101, "]\n");
  expect_error(t, 2, 2, "dotted key has more than 100 parts");
  free(t);
  t = dotted("x = 1\n[[", 100, "]]\n"); /* the array adds a level */
  expect_error(t, 2, 1, "table header nests 101 levels deep (limit 100)");
  free(t);
  t = dotted("\n", 101, " = 1\n");
  expect_error(t, 2, 1, "dotted key has more than 100 parts");
  free(t);
  char *sec = dotted("[", 50, "]\n");
  t = dotted(sec, 51, " = 1\n"); /* 50 + 51 */
  expect_error(t, 2, 1, "nests 101 levels deep (limit 100)");
  free(t);
  free(sec);
  t = dotted("", 300000, " = 1\n"); /* 600 KB: refused at part 101, not read further */
  expect_error(t, 1, 1, "dotted key has more than 100 parts");
  free(t);
  t = dotted("[", 300000, "]\n");
  expect_error(t, 1, 2, "dotted key has more than 100 parts");
  free(t);
  /* headers, dotted keys and inline tables add up: 60 + 30 + {20} > 100 */
  char *h = dotted("[", 60, "]\n"), *k = dotted(h, 30, " = ");
  char *in = dotted("{", 20, " = 1}\n");
  size_t n = strlen(k) + strlen(in) + 1;
  char *all = malloc(n);
  snprintf(all, n, "%s%s", k, in);
  expect_error(all, 2, 64, "nests 110 levels deep (limit 100)");
  free(all);
  free(in);
  free(k);
  free(h);
  /* exactly at the limit is accepted */
  t = dotted("[", 99, "]\n");
  char *u = dotted(t, 1, " = 7\n");
  struct nnmd_cfg *r = parse_ok(u);
  nnmd_cfg_free(r);
  free(u);
  free(t);
}
END_TEST

static double cpu_seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

static void parse_quickly(const char *text, double limit_s) {
  double t0 = cpu_seconds();
  struct nnmd_error err;
  struct nnmd_cfg *r = NULL;
  nnmd_error_init(&err);
  int st = nnmd_toml_parse_string(text, "big.toml", &r, &err);
  double dt = cpu_seconds() - t0;
  nnmd_cfg_free(r);
  nnmd_error_clear(&err);
  ck_assert_int_eq(st, NNMD_OK);
  ck_assert_msg(dt < limit_s, "parse took %.2f s CPU (limit %.1f s)", dt, limit_s);
}

/* Issue 16: key lookup was quadratic (150k keys 72 s, 100k headers 25 s, a 200k-part dotted
 * key 13 s on main). With the hash index and scope stamps they take well under a second
 * (0.1-0.3 s here, a few times that under the sanitizers); the 5 s CPU bound leaves a wide
 * margin for slow machines and still fails any quadratic lookup by an order of magnitude. */
START_TEST(test_many_keys_linear) {
  enum { KEYS = 150000, HEADERS = 100000, DOTTED = 100000 };
  char *s = malloc((size_t)KEYS * 24 + 64), *q = s;
  ck_assert_ptr_nonnull(s);
  for (int i = 0; i < KEYS; ++i) q += sprintf(q, "key_%d = %d\n", i, i);
  parse_quickly(s, 5.0);
  q = s;
  for (int i = 0; i < HEADERS; ++i) q += sprintf(q, "[t%d]\nx = 1\n", i);
  parse_quickly(s, 5.0);
  q = s; /* many dotted keys in one section: each claims a table in the section's scope */
  for (int i = 0; i < DOTTED; ++i) q += sprintf(q, "d%d.x = 1\n", i);
  parse_quickly(s, 5.0);
  free(s);
  struct nnmd_cfg *r = parse_ok("[t]\nk9 = 9\nk1 = 1\nk2 = 2\nk3 = 3\nk4 = 4\nk5 = 5\nk6 = 6\nk7 = 7\n"
                                "k8 = 8\nk10 = 10\nk11 = 11\n");
  const struct nnmd_cfg *t = nnmd_cfg_get(r, "t");
  ck_assert_int_eq(nnmd_cfg_get(t, "k9")->u.i, 9); /* looked up through the index */
  ck_assert_int_eq(nnmd_cfg_get(t, "k11")->u.i, 11);
  ck_assert_ptr_null(nnmd_cfg_get(t, "k12"));
  ck_assert_str_eq(t->keys[0], "k9"); /* file order kept */
  nnmd_cfg_free(r);
  expect_error("[t]\na1=1\na2=2\na3=3\na4=4\na5=5\na6=6\na7=7\na8=8\na9=9\na10=1\na5 = 0\n", 12, 1,
               "duplicate key 'a5' (first defined at line 6)");
}
END_TEST

START_TEST(test_error_text) {
  struct nnmd_error err;
  struct nnmd_cfg *r = NULL;
  nnmd_error_init(&err);
  ck_assert_int_eq(
      nnmd_toml_parse_string("[run]\nsteps = 10\ntimestep 0.5\n", "run.toml", &r, &err),
      NNMD_ERR_INPUT);
  ck_assert_str_eq(err.all, "run.toml:3:10: error: expected '=' after key 'timestep', found '0'\n");
  nnmd_error_clear(&err);
}
END_TEST

static Suite *toml_errors_suite(void) {
  Suite *s = suite_create("toml_errors");
  TCase *tc = tcase_create("files");
  tcase_add_test(tc, test_parse_file);
  tcase_add_test(tc, test_missing_file);
  suite_add_tcase(s, tc);

  tc = tcase_create("errors");
  tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof BAD / sizeof BAD[0]));
  tcase_add_test(tc, test_deep_nesting);
  tcase_add_test(tc, test_error_text);
  tcase_add_test(tc, test_deep_keys);
  suite_add_tcase(s, tc);

  tc = tcase_create("hostile");
  tcase_set_timeout(tc, 60); /* main took > 100 s; the test itself asserts a 5 s CPU bound */
  tcase_add_test(tc, test_many_keys_linear);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(toml_errors_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed != 0;
}
