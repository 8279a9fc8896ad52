/* test_report.c — report.html (analysis/report.h) from hand-made products, for the cases a
 * short test run does not produce:
 *  - extrapolation warnings at 2 of 4 thermo steps: the warnings section says so and plots them;
 *  - a field run's diffusion.json (our writer's layout, with a "conductivity" block): the field
 *    section gives E, the drift and mobility rows per species and the conductivity table, and
 *    the MSD table has one column per species only (no "conductivity" column);
 *  - the conserved drift: conserved = E0 + 0.004 eV/ps * t for 10 atoms -> 0.4 meV/atom/ps;
 *  - a thermo.csv without the conserved and warnings columns: both sections say why;
 *  - text from the input file is HTML-escaped; no URL on the page.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = 0;
  fclose(f);
  return s;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static char *section(const char *html, const char *id) {
  char key[64];
  snprintf(key, sizeof key, "<section id=\"%s\">", id);
  const char *a = strstr(html, key);
  ck_assert_msg(a != NULL, "no section %s", id);
  const char *b = strstr(a, "</section>");
  ck_assert_ptr_nonnull(b);
  char *s = malloc((size_t)(b - a) + 1);
  memcpy(s, a, (size_t)(b - a));
  s[b - a] = 0;
  return s;
}

START_TEST(field_and_warnings) {
  put("rep_in.toml", "# <b>E & co</b>\n[run]\nsteps = 30\n");
  put("rep_thermo.csv", "step,time_ps,temp_K,conserved_eV,warnings\n"
                        "0,0,300,-10,0\n10,0.01,301,-9.99996,3\n20,0.02,299,-9.99992,0\n30,0.03,300,-9.99988,5\n");
  put("rep_diffusion.json",
      "{\n  \"Li\": {\n    \"n_atoms\": 4,\n    \"D\": 0.5,\n    \"drift_velocity\": [0, 0, 0.25],\n"
      "    \"mobility\": 2.5,\n    \"mobility_ne\": 2.4\n  },\n  \"O\": {\n    \"n_atoms\": 6,\n    \"D\": 0.1,\n"
      "    \"drift_velocity\": [0, 0, -0.05],\n    \"mobility\": -0.5,\n    \"mobility_ne\": -0.45\n  },\n"
      "  \"conductivity\": {\"sigma_NE\": 1.5, \"haven_ratio\": 0.8, \"note\": \"S/cm\"},\n"
      "  \"meta\": {\n    \"field_V_per_A\": [0, 0, 0.1],\n    \"n_blocks\": 3\n  }\n}\n");
  struct nnmd_timers t;
  memset(&t, 0, sizeof t);
  t.total[NNMD_T_LOOP] = 2.0;
  t.calls[NNMD_T_LOOP] = 1;
  t.total[NNMD_T_FORCE] = 1.5;
  t.calls[NNMD_T_FORCE] = 31;
  struct nnmd_report_info r = {.path = "rep_report.html", .input_path = "rep_in.toml", .thermo_csv = "rep_thermo.csv",
                               .dir = "", .prefix = "rep_", .timers = &t, .natoms = 10, .first_step = 0,
                               .last_step = 30, .atom_steps = 300, .dt = 0.001, .status = "completed",
                               .system = "10 atoms"};
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_report_write(&r, &err), NNMD_OK);
  char *h = slurp("rep_report.html");
  ck_assert_ptr_nonnull(h);
  char *w = section(h, "warnings");
  ck_assert_msg(strstr(w, "Warnings at 2 of 4 thermo steps (at most 5") != NULL, "%s", w);
  ck_assert_ptr_nonnull(strstr(w, "<svg"));
  char *fs = section(h, "field");
  ck_assert_msg(strstr(fs, "Field E = [0, 0, 0.1] V/") != NULL, "%s", fs);
  ck_assert_ptr_nonnull(strstr(fs, "<tr><th>mobility</th><td>2.5</td><td>-0.5</td></tr>"));
  ck_assert_ptr_nonnull(strstr(fs, "<tr><th>drift_velocity</th><td>[0, 0, 0.25]</td><td>[0, 0, -0.05]</td></tr>"));
  ck_assert_ptr_nonnull(strstr(fs, "<tr><th>sigma_NE</th><td>1.5</td></tr>"));
  char *ms = section(h, "msd");
  ck_assert_ptr_nonnull(strstr(ms, "<tr><th></th><th>Li</th><th>O</th></tr>"));
  ck_assert_ptr_null(strstr(ms, "conductivity</th>"));
  char *cs = section(h, "conserved");
  ck_assert_msg(strstr(cs, "<b>0.4 meV/atom per ps</b>") != NULL, "%s", cs);
  ck_assert_ptr_nonnull(strstr(h, "# &lt;b&gt;E &amp; co&lt;/b&gt;"));
  ck_assert_ptr_null(strstr(h, "http"));
  char *ts = section(h, "timers");
  ck_assert_ptr_nonnull(strstr(ts, "<tr><th>force</th><td>31</td><td>1.5000</td><td>75.00</td></tr>"));
  free(w), free(fs), free(ms), free(cs), free(ts), free(h);
  /* without conserved and warnings columns, and without analysis products */
  put("rep2_thermo.csv", "step,temp_K\n0,300\n10,301\n");
  r.thermo_csv = "rep2_thermo.csv";
  r.prefix = "rep2_";
  r.path = "rep2_report.html";
  ck_assert_int_eq(nnmd_report_write(&r, &err), NNMD_OK);
  h = slurp("rep2_report.html");
  ck_assert_ptr_nonnull(strstr(h, "thermo.csv has no conserved_eV column"));
  ck_assert_ptr_nonnull(strstr(h, "thermo.csv has no warnings column"));
  ck_assert_ptr_nonnull(strstr(h, "no [analysis.msd] in this run"));
  ck_assert_ptr_nonnull(strstr(h, "no [analysis.rdf] in this run"));
  free(h);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("report");
  TCase *tc = tcase_create("report");
  tcase_add_test(tc, field_and_warnings);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf == 0 ? 0 : 1;
}
