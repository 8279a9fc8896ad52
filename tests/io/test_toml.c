/* test_toml.c — unit tests of the TOML 1.0 reader (io/toml.c and its pieces), valid inputs:
 * parsed from strings, every value checked exactly (kind, value, line:column of the value and
 * of its key, table flags). Files and malformed inputs: test_toml_errors.c.
 */
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

#include "toml_test_util.c"

/* ---- structure ------------------------------------------------------------------------------ */

START_TEST(test_empty) {
  static const char *texts[] = {"", "\n\n", "# just a comment", "  \t\n# c\n   # d\r\n", NULL};
  for (int i = 0; texts[i]; ++i) {
    struct nnmd_cfg *r = parse_ok(texts[i]);
    ck_assert_int_eq(r->kind, NNMD_CFG_TABLE);
    ck_assert_uint_eq(r->n, 0);
    ck_assert_str_eq(r->owned_file, "t.toml");
    ck_assert_ptr_eq(r->loc.file, r->owned_file);
    nnmd_cfg_free(r);
  }
}
END_TEST

START_TEST(test_comments) {
  struct nnmd_cfg *r = parse_ok(
      "# head é ✓\n"
      "a = 1 # trailing\n"
      "#b = 2\n"
      "[t] # after header\n"
      "c = \"# not a comment\" #\n"
      "d = [ # in array\n"
      "  1, # one\n"
      "  # alone\n"
      "  2 # two\n"
      "] # end\n"
      "e = 3#tight\n");
  ck_assert_uint_eq(r->n, 2);
  ck_assert_int_eq(int_at(r, "a"), 1);
  ck_assert_ptr_null(nnmd_cfg_get(r, "b"));
  ck_assert_str_eq(str_at(r, "t.c"), "# not a comment");
  ck_assert_uint_eq(at(r, "t.d")->n, 2);
  ck_assert_int_eq(int_at(r, "t.d.#1"), 2);
  ck_assert_int_eq(int_at(r, "t.e"), 3);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_keys) {
  struct nnmd_cfg *r = parse_ok(
      "key = 1\n"
      "bare_key = 2\n"
      "bare-key = 3\n"
      "1234 = 4\n"
      "\"127.0.0.1\" = 5\n"
      "\"character encoding\" = 6\n"
      "\"ʎǝʞ\" = 7\n"
      "'key2' = 8\n"
      "'quoted \"value\"' = 9\n"
      "\"\" = 10\n"
      "\"tab\\there\" = 11\n"
      "KEY = 12\n");
  ck_assert_uint_eq(r->n, 12);
  ck_assert_int_eq(int_at(r, "key"), 1);
  ck_assert_int_eq(int_at(r, "bare_key"), 2);
  ck_assert_int_eq(int_at(r, "bare-key"), 3);
  ck_assert_int_eq(int_at(r, "1234"), 4);
  ck_assert_int_eq(nnmd_cfg_get(r, "127.0.0.1")->u.i, 5);
  ck_assert_int_eq(int_at(r, "character encoding"), 6);
  ck_assert_int_eq(int_at(r, "ʎǝʞ"), 7);
  ck_assert_int_eq(int_at(r, "key2"), 8);
  ck_assert_int_eq(int_at(r, "quoted \"value\""), 9);
  ck_assert_int_eq(nnmd_cfg_get(r, "")->u.i, 10);
  ck_assert_int_eq(int_at(r, "tab\there"), 11);
  ck_assert_int_eq(int_at(r, "KEY"), 12);
  /* keys keep file order */
  ck_assert_str_eq(r->keys[0], "key");
  ck_assert_str_eq(r->keys[11], "KEY");
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_dotted_keys) {
  struct nnmd_cfg *r = parse_ok(
      "name = \"Orange\"\n"
      "physical.color = \"orange\"\n"
      "physical.shape = \"round\"\n"
      "site.\"google.com\" = true\n"
      "a . b . c = 1\n"
      "a.b.d = 2\n"
      "a.e = 3\n"
      "3.14159 = \"pi\"\n");
  ck_assert_str_eq(str_at(r, "physical.color"), "orange");
  ck_assert_str_eq(str_at(r, "physical.shape"), "round");
  ck_assert(nnmd_cfg_get(at(r, "site"), "google.com")->u.b);
  ck_assert_int_eq(int_at(r, "a.b.c"), 1);
  ck_assert_int_eq(int_at(r, "a.b.d"), 2);
  ck_assert_int_eq(int_at(r, "a.e"), 3);
  ck_assert_str_eq(str_at(r, "3.14159"), "pi");
  ck_assert_uint_eq(at(r, "a")->n, 2);
  ck_assert_uint_eq(at(r, "a.b")->n, 2);
  /* tables made by dotted keys are defined (no [header] may define them again) */
  ck_assert(at(r, "a.b")->defined);
  ck_assert(!at(r, "a.b")->is_inline);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_tables) {
  struct nnmd_cfg *r = parse_ok(
      "[table-1]\n"
      "key1 = \"some string\"\n"
      "key2 = 123\n"
      "\n"
      "[table-2]\n"
      "key1 = \"another string\"\n"
      "\n"
      "[dog.\"tater.man\"]\n"
      "type.name = \"pug\"\n"
      "[ j . \"ʞ\" . 'l' ]\n"
      "[empty]\n"
      "[x.y.z.w]\n"
      "[x]\n"
      "v = 1\n");
  ck_assert_str_eq(str_at(r, "table-1.key1"), "some string");
  ck_assert_int_eq(int_at(r, "table-1.key2"), 123);
  ck_assert_str_eq(str_at(r, "table-2.key1"), "another string");
  ck_assert_str_eq(str_at(nnmd_cfg_get(at(r, "dog"), "tater.man"), "type.name"), "pug");
  ck_assert_uint_eq(at(r, "j.ʞ.l")->n, 0);
  ck_assert_int_eq(at(r, "empty")->kind, NNMD_CFG_TABLE);
  ck_assert_uint_eq(at(r, "x.y.z.w")->n, 0);
  ck_assert_int_eq(int_at(r, "x.v"), 1);
  ck_assert_str_eq(r->keys[5], "x");
  ck_assert_str_eq(at(r, "x")->keys[0], "y");
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_table_flags) {
  struct nnmd_cfg *r = parse_ok(
      "[a.b.c]\n"
      "s = [1]\n"
      "t = {x = 1}\n"
      "[[u]]\n");
  ck_assert(r->defined);
  ck_assert(!at(r, "a")->defined);
  ck_assert(!at(r, "a.b")->defined);
  ck_assert(at(r, "a.b.c")->defined);
  ck_assert(!at(r, "a.b.c")->is_inline);
  ck_assert(at(r, "a.b.c.s")->is_inline);
  ck_assert(at(r, "a.b.c.t")->is_inline);
  ck_assert(at(r, "a.b.c.t")->defined);
  ck_assert_int_eq(at(r, "u")->kind, NNMD_CFG_ARRAY);
  ck_assert(!at(r, "u")->is_inline);
  ck_assert(at(r, "u.#0")->defined);
  nnmd_cfg_free(r);
}
END_TEST

/* Combinations of headers and dotted keys that TOML 1.0 allows. */
START_TEST(test_valid_redefinitions) {
  struct nnmd_cfg *r = parse_ok(
      "[fruit]\n"
      "apple.color = \"red\"\n"
      "apple.taste.sweet = true\n"
      "[fruit.apple.texture]\n"
      "smooth = true\n"
      "[p.q.r]\n"
      "[p]\n"
      "q.s = 1\n"
      "[[arr]]\n"
      "[arr.sub]\n"
      "k = 1\n"
      "[[arr]]\n"
      "[arr.sub]\n"
      "k = 2\n"
      "[b]\n"
      "a.c = 1\n"
      "[x]\n"
      "[b.a.d]\n"
      "e = 1\n");
  ck_assert_str_eq(str_at(r, "fruit.apple.color"), "red");
  ck_assert(bool_at(r, "fruit.apple.taste.sweet"));
  ck_assert(bool_at(r, "fruit.apple.texture.smooth"));
  ck_assert_uint_eq(at(r, "p.q.r")->n, 0);
  ck_assert_int_eq(int_at(r, "p.q.s"), 1);
  ck_assert_int_eq(int_at(r, "arr.#0.sub.k"), 1);
  ck_assert_int_eq(int_at(r, "arr.#1.sub.k"), 2);
  ck_assert_int_eq(int_at(r, "b.a.c"), 1);
  ck_assert_int_eq(int_at(r, "b.a.d.e"), 1);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_array_of_tables) {
  struct nnmd_cfg *r = parse_ok(
      "[[fruits]]\n"
      "name = \"apple\"\n"
      "\n"
      "[fruits.physical]  # subtable\n"
      "color = \"red\"\n"
      "\n"
      "[[fruits.varieties]]  # nested array of tables\n"
      "name = \"red delicious\"\n"
      "\n"
      "[[fruits.varieties]]\n"
      "name = \"granny smith\"\n"
      "\n"
      "[[fruits]]\n"
      "name = \"banana\"\n"
      "\n"
      "[[fruits.varieties]]\n"
      "name = \"plantain\"\n"
      "[[ empty ]]\n"
      "[[empty]]\n");
  const struct nnmd_cfg *f = at(r, "fruits");
  ck_assert_int_eq(f->kind, NNMD_CFG_ARRAY);
  ck_assert_uint_eq(f->n, 2);
  ck_assert_str_eq(str_at(r, "fruits.#0.name"), "apple");
  ck_assert_str_eq(str_at(r, "fruits.#0.physical.color"), "red");
  ck_assert_uint_eq(at(r, "fruits.#0.varieties")->n, 2);
  ck_assert_str_eq(str_at(r, "fruits.#0.varieties.#0.name"), "red delicious");
  ck_assert_str_eq(str_at(r, "fruits.#0.varieties.#1.name"), "granny smith");
  ck_assert_str_eq(str_at(r, "fruits.#1.name"), "banana");
  ck_assert_uint_eq(at(r, "fruits.#1.varieties")->n, 1);
  ck_assert_str_eq(str_at(r, "fruits.#1.varieties.#0.name"), "plantain");
  ck_assert_uint_eq(at(r, "empty")->n, 2);
  ck_assert_uint_eq(at(r, "empty.#1")->n, 0);
  /* elements start at their header, the array where it was first written */
  check_at(r, "fruits", 1, 1, 1, 3);
  check_at(r, "fruits.#1", 13, 1, 0, 0);
  check_at(r, "fruits.#1.varieties.#0", 16, 1, 0, 0);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_potentials) {
  struct nnmd_cfg *r = parse_ok(
      "[[potential]]\n"
      "type = \"lj\"\n"
      "cutoff = 8.5\n"
      "pairs = [ { species = [\"Ar\",\"Ar\"], epsilon = 0.0104, sigma = 3.405 } ]\n"
      "\n"
      "[[potential]]\n"
      "type = \"zbl\"\n"
      "pairs = [\n"
      "  { species = [\"Ar\", \"Kr\"], inner = 1.0, outer = 2 },\n"
      "  { species = ['Kr', 'Kr'], inner = 1.5e0, outer = 2.5 },\n"
      "]\n");
  const struct nnmd_cfg *pot = at(r, "potential");
  ck_assert_uint_eq(pot->n, 2);
  ck_assert_str_eq(str_at(r, "potential.#0.type"), "lj");
  ck_assert_double_eq(float_at(r, "potential.#0.cutoff"), 8.5);
  const struct nnmd_cfg *pairs = at(r, "potential.#0.pairs");
  ck_assert_int_eq(pairs->kind, NNMD_CFG_ARRAY);
  ck_assert(pairs->is_inline);
  ck_assert_uint_eq(pairs->n, 1);
  ck_assert(pairs->items[0]->is_inline);
  ck_assert_str_eq(str_at(r, "potential.#0.pairs.#0.species.#0"), "Ar");
  ck_assert_str_eq(str_at(r, "potential.#0.pairs.#0.species.#1"), "Ar");
  ck_assert_double_eq(float_at(r, "potential.#0.pairs.#0.epsilon"), 0.0104);
  ck_assert_double_eq(float_at(r, "potential.#0.pairs.#0.sigma"), 3.405);
  check_at(r, "potential.#0.pairs", 4, 9, 4, 1);
  check_at(r, "potential.#0.pairs.#0", 4, 11, 0, 0);
  check_at(r, "potential.#0.pairs.#0.sigma", 4, 62, 4, 54);
  ck_assert_uint_eq(at(r, "potential.#1.pairs")->n, 2);
  ck_assert_str_eq(str_at(r, "potential.#1.pairs.#0.species.#1"), "Kr");
  ck_assert_double_eq(float_at(r, "potential.#1.pairs.#0.inner"), 1.0);
  ck_assert_int_eq(int_at(r, "potential.#1.pairs.#0.outer"), 2);
  ck_assert_str_eq(str_at(r, "potential.#1.pairs.#1.species.#0"), "Kr");
  ck_assert_double_eq(float_at(r, "potential.#1.pairs.#1.inner"), 1.5);
  check_at(r, "potential.#1.pairs.#1", 10, 3, 0, 0);
  /* the checked getters of config.h work on the result */
  struct nnmd_error err;
  double sigma = 0, v[2];
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_cfg_positive(pairs->items[0], "sigma", true, &sigma, &err), NNMD_OK);
  ck_assert_double_eq(sigma, 3.405);
  ck_assert_int_eq(nnmd_cfg_vec(pairs->items[0], "species", true, 2, v, &err), NNMD_ERR_INPUT);
  ck_assert_int_eq(err.line, 4);
  ck_assert_int_eq(err.col, 24);
  nnmd_error_clear(&err);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_inline_tables) {
  struct nnmd_cfg *r = parse_ok(
      "name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
      "point = {x=1,y=2}\n"
      "animal = { type.name = \"pug\", type.legs = 4 }\n"
      "empty = {}\n"
      "empty2 = {  }\n"
      "nest = { a = { b = { c = [ {}, { d = true } ] } } }\n");
  ck_assert_str_eq(str_at(r, "name.first"), "Tom");
  ck_assert_str_eq(str_at(r, "name.last"), "Preston-Werner");
  ck_assert_int_eq(int_at(r, "point.x"), 1);
  ck_assert_int_eq(int_at(r, "point.y"), 2);
  ck_assert_str_eq(str_at(r, "animal.type.name"), "pug");
  ck_assert_int_eq(int_at(r, "animal.type.legs"), 4);
  ck_assert_uint_eq(at(r, "empty")->n, 0);
  ck_assert_uint_eq(at(r, "empty2")->n, 0);
  ck_assert(at(r, "empty")->is_inline);
  ck_assert(bool_at(r, "nest.a.b.c.#1.d"));
  ck_assert_uint_eq(at(r, "nest.a.b.c.#0")->n, 0);
  ck_assert(at(r, "nest.a.b")->is_inline);
  check_at(r, "animal.type", 3, 12, 3, 12);
  check_at(r, "animal.type.legs", 3, 43, 3, 36);
  nnmd_cfg_free(r);
}
END_TEST

/* ---- strings -------------------------------------------------------------------------------- */

START_TEST(test_basic_strings) {
  struct nnmd_cfg *r = parse_ok(
      "str = \"I'm a string. \\\"You can quote me\\\". Name\\tJos\\u00E9\\n"
      "Location\\tSF.\"\n"
      "esc = \"b\\b t\\t n\\n f\\f r\\r q\\\" s\\\\ end\"\n"
      "u4 = \"\\u00e9\\u20AC\\u0041\"\n"
      "u8 = \"\\U0001F600\\U00000041\\U0010FFFF\"\n"
      "utf8 = \"Ünïcødé ✓ 😀\"\n"
      "empty = \"\"\n"
      "tab = \"a\tb\"\n"
      "path = \"C:\\\\Users\\\\x\"\n");
  ck_assert_str_eq(str_at(r, "str"),
                   "I'm a string. \"You can quote me\". Name\tJos\xC3\xA9\nLocation\tSF.");
  ck_assert_str_eq(str_at(r, "esc"), "b\b t\t n\n f\f r\r q\" s\\ end");
  ck_assert_str_eq(str_at(r, "u4"),
                   "\xC3\xA9\xE2\x82\xAC"
                   "A");
  ck_assert_str_eq(str_at(r, "u8"),
                   "\xF0\x9F\x98\x80"
                   "A"
                   "\xF4\x8F\xBF\xBF");
  ck_assert_str_eq(str_at(r, "utf8"), "Ünïcødé ✓ 😀");
  ck_assert_str_eq(str_at(r, "empty"), "");
  ck_assert_str_eq(str_at(r, "tab"), "a\tb");
  ck_assert_str_eq(str_at(r, "path"), "C:\\Users\\x");
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_literal_strings) {
  struct nnmd_cfg *r = parse_ok(
      "winpath  = 'C:\\Users\\nodejs\\templates'\n"
      "winpath2 = '\\\\ServerX\\admin$\\system32\\'\n"
      "quoted   = 'Tom \"Dubs\" Preston-Werner'\n"
      "regex    = '<\\i\\c*\\s*>'\n"
      "empty    = ''\n"
      "uni      = 'é\t✓'\n");
  ck_assert_str_eq(str_at(r, "winpath"), "C:\\Users\\nodejs\\templates");
  ck_assert_str_eq(str_at(r, "winpath2"), "\\\\ServerX\\admin$\\system32\\");
  ck_assert_str_eq(str_at(r, "quoted"), "Tom \"Dubs\" Preston-Werner");
  ck_assert_str_eq(str_at(r, "regex"), "<\\i\\c*\\s*>");
  ck_assert_str_eq(str_at(r, "empty"), "");
  ck_assert_str_eq(str_at(r, "uni"), "é\t✓");
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_multiline_basic) {
  struct nnmd_cfg *r = parse_ok(
      "str1 = \"\"\"\n"
      "Roses are red\n"
      "Violets are blue\"\"\"\n"
      "str2 = \"\"\"\n"
      "The quick brown \\\n"
      "\n"
      "\n"
      "  fox jumps over \\\n"
      "    the lazy dog.\"\"\"\n"
      "str3 = \"\"\"\\\n"
      "       The quick brown \\\t \n"
      "       fox.\\\n"
      "       \"\"\"\n"
      "str4 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
      "str5 = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"\n"
      "str6 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
      "str7 = \"\"\"two\"\"\"\"\"\n"
      "crlf = \"\"\"\r\na\r\nb\\u00E9\r\n\"\"\"\n"
      "one = \"\"\"x\"\"\"\n"
      "after = 1\n");
  ck_assert_str_eq(str_at(r, "str1"), "Roses are red\nViolets are blue");
  ck_assert_str_eq(str_at(r, "str2"), "The quick brown fox jumps over the lazy dog.");
  ck_assert_str_eq(str_at(r, "str3"), "The quick brown fox.");
  ck_assert_str_eq(str_at(r, "str4"), "Here are two quotation marks: \"\". Simple enough.");
  ck_assert_str_eq(str_at(r, "str5"), "Here are three quotation marks: \"\"\".");
  ck_assert_str_eq(str_at(r, "str6"), "\"This,\" she said, \"is just a pointless statement.\"");
  ck_assert_str_eq(str_at(r, "str7"), "two\"\"");
  ck_assert_str_eq(str_at(r, "crlf"), "a\nb\xC3\xA9\n");
  ck_assert_str_eq(str_at(r, "one"), "x");
  check_at(r, "after", 23, 9, 23, 1);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_multiline_literal) {
  struct nnmd_cfg *r = parse_ok(
      "regex2 = '''I [dw]on't need \\d{2} apples'''\n"
      "lines  = '''\n"
      "The first newline is\n"
      "trimmed in raw strings.\n"
      "   All other whitespace\n"
      "   is preserved. \\\n"
      "'''\n"
      "quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n"
      "apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n"
      "str = ''''That,' she said, 'is still pointless.''''\n"
      "after = 2\n");
  ck_assert_str_eq(str_at(r, "regex2"), "I [dw]on't need \\d{2} apples");
  ck_assert_str_eq(str_at(r, "lines"),
                   "The first newline is\ntrimmed in raw strings.\n"
                   "   All other whitespace\n   is preserved. \\\n");
  ck_assert_str_eq(str_at(r, "quot15"),
                   "Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
  ck_assert_str_eq(str_at(r, "apos15"), "Here are fifteen apostrophes: '''''''''''''''");
  ck_assert_str_eq(str_at(r, "str"), "'That,' she said, 'is still pointless.'");
  check_at(r, "after", 11, 9, 11, 1);
  nnmd_cfg_free(r);
}
END_TEST

/* ---- numbers and booleans ------------------------------------------------------------------- */

START_TEST(test_integers) {
  struct nnmd_cfg *r = parse_ok(
      "int1 = +99\n"
      "int2 = 42\n"
      "int3 = 0\n"
      "int4 = -17\n"
      "int5 = 1_000\n"
      "int6 = 5_349_221\n"
      "int7 = 53_49_221\n"
      "int8 = 1_2_3_4_5\n"
      "hex1 = 0xDEADBEEF\n"
      "hex2 = 0xdeadbeef\n"
      "hex3 = 0xdead_beef\n"
      "hex4 = 0x00ff\n"
      "oct1 = 0o01234567\n"
      "oct2 = 0o755\n"
      "bin1 = 0b11010110\n"
      "max = 9223372036854775807\n"
      "min = -9223372036854775808\n"
      "hmax = 0x7FFFFFFFFFFFFFFF\n"
      "mzero = -0\n"
      "pzero = +0\n");
  ck_assert_int_eq(int_at(r, "int1"), 99);
  ck_assert_int_eq(int_at(r, "int2"), 42);
  ck_assert_int_eq(int_at(r, "int3"), 0);
  ck_assert_int_eq(int_at(r, "int4"), -17);
  ck_assert_int_eq(int_at(r, "int5"), 1000);
  ck_assert_int_eq(int_at(r, "int6"), 5349221);
  ck_assert_int_eq(int_at(r, "int7"), 5349221);
  ck_assert_int_eq(int_at(r, "int8"), 12345);
  ck_assert_int_eq(int_at(r, "hex1"), 0xDEADBEEF);
  ck_assert_int_eq(int_at(r, "hex2"), 0xDEADBEEF);
  ck_assert_int_eq(int_at(r, "hex3"), 0xDEADBEEF);
  ck_assert_int_eq(int_at(r, "hex4"), 255);
  ck_assert_int_eq(int_at(r, "oct1"), 01234567);
  ck_assert_int_eq(int_at(r, "oct2"), 0755);
  ck_assert_int_eq(int_at(r, "bin1"), 214);
  ck_assert(int_at(r, "max") == INT64_MAX);
  ck_assert(int_at(r, "min") == INT64_MIN);
  ck_assert(int_at(r, "hmax") == INT64_MAX);
  ck_assert_int_eq(int_at(r, "mzero"), 0);
  ck_assert_int_eq(int_at(r, "pzero"), 0);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_floats) {
  struct nnmd_cfg *r = parse_ok(
      "flt1 = +1.0\n"
      "flt2 = 3.1415\n"
      "flt3 = -0.01\n"
      "flt4 = 5e+22\n"
      "flt5 = 1e06\n"
      "flt6 = -2E-2\n"
      "flt7 = 6.626e-34\n"
      "flt8 = 224_617.445_991_228\n"
      "milli = 1e-3\n"
      "mzero = -0.0\n"
      "pzero = +0.0\n"
      "zexp = 0e0\n"
      "frac_exp = 1.5E3\n"
      "big = 1.7976931348623157e308\n"
      "tiny = 1e-400\n"
      "sf1 = inf\n"
      "sf2 = +inf\n"
      "sf3 = -inf\n"
      "sf4 = nan\n"
      "sf5 = +nan\n"
      "sf6 = -nan\n");
  ck_assert_double_eq(float_at(r, "flt1"), 1.0);
  ck_assert_double_eq(float_at(r, "flt2"), 3.1415);
  ck_assert_double_eq(float_at(r, "flt3"), -0.01);
  ck_assert_double_eq(float_at(r, "flt4"), 5e22);
  ck_assert_double_eq(float_at(r, "flt5"), 1e6);
  ck_assert_double_eq(float_at(r, "flt6"), -0.02);
  ck_assert_double_eq(float_at(r, "flt7"), 6.626e-34);
  ck_assert_double_eq(float_at(r, "flt8"), 224617.445991228);
  ck_assert_double_eq(float_at(r, "milli"), 0.001);
  ck_assert_double_eq(float_at(r, "mzero"), 0.0);
  ck_assert(signbit(float_at(r, "mzero")));
  ck_assert(!signbit(float_at(r, "pzero")));
  ck_assert_double_eq(float_at(r, "zexp"), 0.0);
  ck_assert_double_eq(float_at(r, "frac_exp"), 1500.0);
  ck_assert_double_eq(float_at(r, "big"), 1.7976931348623157e308);
  ck_assert_double_eq(float_at(r, "tiny"), 0.0);
  ck_assert(isinf(float_at(r, "sf1")) && float_at(r, "sf1") > 0);
  ck_assert(isinf(float_at(r, "sf2")) && float_at(r, "sf2") > 0);
  ck_assert(isinf(float_at(r, "sf3")) && float_at(r, "sf3") < 0);
  ck_assert(isnan(float_at(r, "sf4")));
  ck_assert(isnan(float_at(r, "sf5")));
  ck_assert(isnan(float_at(r, "sf6")));
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_booleans) {
  struct nnmd_cfg *r = parse_ok("t = true\nf = false\narr = [true,false]\n");
  ck_assert(bool_at(r, "t"));
  ck_assert(!bool_at(r, "f"));
  ck_assert(bool_at(r, "arr.#0"));
  ck_assert(!bool_at(r, "arr.#1"));
  nnmd_cfg_free(r);
}
END_TEST

/* ---- arrays --------------------------------------------------------------------------------- */

START_TEST(test_arrays) {
  struct nnmd_cfg *r = parse_ok(
      "integers = [ 1, 2, 3 ]\n"
      "colors = [ \"red\", \"yellow\", \"green\" ]\n"
      "nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n"
      "nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
      "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", "
      "'''type''' ]\n"
      "numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n"
      "contributors = [\n"
      "  \"Foo Bar <foo@example.com>\",\n"
      "  { name = \"Baz Qux\", email = \"bazqux@example.com\" }\n"
      "]\n"
      "integers2 = [\n"
      "  1, 2, 3\n"
      "]\n"
      "integers3 = [\n"
      "  1,\n"
      "  2, # this is ok\n"
      "]\n"
      "empty = []\n"
      "empty2 = [ # c\n"
      "\n"
      "]\n"
      "commas = [ \",\", ']', \"[\" ]\n"
      "crlf = [\r\n  1,\r\n  2\r\n]\r\n");
  ck_assert_uint_eq(at(r, "integers")->n, 3);
  ck_assert_int_eq(int_at(r, "integers.#2"), 3);
  ck_assert_str_eq(str_at(r, "colors.#1"), "yellow");
  ck_assert_int_eq(int_at(r, "nested_arrays_of_ints.#1.#2"), 5);
  ck_assert_str_eq(str_at(r, "nested_mixed_array.#1.#0"), "a");
  ck_assert_int_eq(int_at(r, "nested_mixed_array.#0.#1"), 2);
  ck_assert_str_eq(str_at(r, "string_array.#2"), "are the same");
  ck_assert_str_eq(str_at(r, "string_array.#3"), "type");
  ck_assert_double_eq(float_at(r, "numbers.#2"), 0.5);
  ck_assert_int_eq(int_at(r, "numbers.#5"), 5);
  ck_assert_str_eq(str_at(r, "contributors.#0"), "Foo Bar <foo@example.com>");
  ck_assert_str_eq(str_at(r, "contributors.#1.name"), "Baz Qux");
  ck_assert_uint_eq(at(r, "integers2")->n, 3);
  ck_assert_uint_eq(at(r, "integers3")->n, 2);
  ck_assert_uint_eq(at(r, "empty")->n, 0);
  ck_assert_uint_eq(at(r, "empty2")->n, 0);
  ck_assert_str_eq(str_at(r, "commas.#0"), ",");
  ck_assert_str_eq(str_at(r, "commas.#1"), "]");
  ck_assert_uint_eq(at(r, "crlf")->n, 2);
  check_at(r, "crlf.#1", 25, 3, 0, 0);
  check_at(r, "integers3.#1", 16, 3, 0, 0);
  nnmd_cfg_free(r);
}
END_TEST

/* ---- locations ------------------------------------------------------------------------------ */

START_TEST(test_locations) {
  struct nnmd_cfg *r = parse_ok(
      "title = \"x\"\n"            /* 1 */
      "[server]\n"                 /* 2 */
      "  port = 8080\n"            /* 3 */
      "  a.b = true\n"             /* 4 */
      "[x.y]\n"                    /* 5 */
      "list = [\n"                 /* 6 */
      "  1,\n"                     /* 7 */
      "  \"two\", # c\n"           /* 8 */
      "]\n"                        /* 9 */
      "m = \"\"\"\n"               /* 10 */
      "ab\"\"\"\n"                 /* 11 */
      "\tk =\t1\n"                 /* 12 */
      "u = { \"é\" = 1, z = 2 }\n" /* 13 */
      "[ x . y2 ]\n"               /* 14 */
      "[x]\n"                      /* 15 */
      "last = -1.5");              /* 16, no newline */
  ck_assert_ptr_eq(r->loc.file, r->owned_file);
  check_loc(r->loc, 1, 1, "root");
  check_at(r, "title", 1, 9, 1, 1);
  check_at(r, "server", 2, 1, 2, 2);
  check_at(r, "server.port", 3, 10, 3, 3);
  check_at(r, "server.a", 4, 3, 4, 3);
  check_at(r, "server.a.b", 4, 9, 4, 5);
  check_at(r, "x.y", 5, 1, 5, 4);
  check_at(r, "x.y.list", 6, 8, 6, 1);
  check_at(r, "x.y.list.#0", 7, 3, 0, 0);
  check_at(r, "x.y.list.#1", 8, 3, 0, 0);
  check_at(r, "x.y.m", 10, 5, 10, 1);
  check_at(r, "x.y.k", 12, 6, 12, 2);
  check_at(r, "x.y.u", 13, 5, 13, 1);
  check_at(r, "x.y.u.é", 13, 14, 13, 7);
  check_at(r, "x.y.u.z", 13, 21, 13, 17);
  check_at(r, "x.y2", 14, 1, 14, 7);
  /* x was created implicitly at 5:2, then defined by [x] on line 15 */
  check_at(r, "x", 15, 1, 5, 2);
  check_at(r, "x.last", 16, 8, 16, 1);
  ck_assert_ptr_eq(at(r, "x.y.u.z")->loc.file, r->owned_file);
  ck_assert_ptr_eq(at(r, "x.y.list.#1")->loc.file, r->owned_file);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_implicit_locations) {
  struct nnmd_cfg *r = parse_ok(
      "[a.b.c]\n"
      "x.y.z = 1\n"
      "[[p.q]]\n");
  check_at(r, "a", 1, 2, 1, 2);
  check_at(r, "a.b", 1, 4, 1, 4);
  check_at(r, "a.b.c", 1, 1, 1, 6);
  check_at(r, "a.b.c.x", 2, 1, 2, 1);
  check_at(r, "a.b.c.x.y", 2, 3, 2, 3);
  check_at(r, "a.b.c.x.y.z", 2, 9, 2, 5);
  check_at(r, "p", 3, 3, 3, 3);
  check_at(r, "p.q", 3, 1, 3, 5);
  check_at(r, "p.q.#0", 3, 1, 0, 0);
  ck_assert(!at(r, "p")->defined);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_crlf_and_no_newline) {
  struct nnmd_cfg *r = parse_ok("a = 1\r\n# c\r\n[t]\r\nb = 'x' # d\r\nc = 2");
  ck_assert_int_eq(int_at(r, "a"), 1);
  ck_assert_str_eq(str_at(r, "t.b"), "x");
  check_at(r, "t.b", 4, 5, 4, 1);
  check_at(r, "t.c", 5, 5, 5, 1);
  nnmd_cfg_free(r);
  r = parse_ok("s = \"end\"");
  ck_assert_str_eq(str_at(r, "s"), "end");
  nnmd_cfg_free(r);
  r = parse_ok("[only]");
  ck_assert_uint_eq(at(r, "only")->n, 0);
  nnmd_cfg_free(r);
}
END_TEST

START_TEST(test_bom_and_null_filename) {
  struct nnmd_error err;
  struct nnmd_cfg *r = NULL;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_toml_parse_string("\xEF\xBB\xBFk = 1\n", NULL, &r, &err), NNMD_OK);
  ck_assert_str_eq(r->owned_file, "<string>");
  ck_assert_int_eq(int_at(r, "k"), 1);
  check_at(r, "k", 1, 5, 1, 1);
  nnmd_cfg_free(r);
  ck_assert_int_eq(nnmd_toml_parse_string("k = ?", NULL, &r, &err), NNMD_ERR_INPUT);
  ck_assert_str_eq(err.file, "<string>");
  ck_assert_ptr_nonnull(strstr(err.all, "<string>:1:5: error: expected a value for key 'k'"));
  nnmd_error_clear(&err);
}
END_TEST

static Suite *toml_suite(void) {
  Suite *s = suite_create("toml");
  TCase *tc = tcase_create("valid");
  tcase_add_test(tc, test_empty);
  tcase_add_test(tc, test_comments);
  tcase_add_test(tc, test_keys);
  tcase_add_test(tc, test_dotted_keys);
  tcase_add_test(tc, test_tables);
  tcase_add_test(tc, test_table_flags);
  tcase_add_test(tc, test_valid_redefinitions);
  tcase_add_test(tc, test_array_of_tables);
  tcase_add_test(tc, test_potentials);
  tcase_add_test(tc, test_inline_tables);
  tcase_add_test(tc, test_basic_strings);
  tcase_add_test(tc, test_literal_strings);
  tcase_add_test(tc, test_multiline_basic);
  tcase_add_test(tc, test_multiline_literal);
  tcase_add_test(tc, test_integers);
  tcase_add_test(tc, test_floats);
  tcase_add_test(tc, test_booleans);
  tcase_add_test(tc, test_arrays);
  tcase_add_test(tc, test_locations);
  tcase_add_test(tc, test_implicit_locations);
  tcase_add_test(tc, test_crlf_and_no_newline);
  tcase_add_test(tc, test_bom_and_null_filename);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(toml_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed != 0;
}
