/* test_hdnnp_ref.c — the HDNNP term against n2p2's own results for every model in
 * shared/models (every reference/<s>.ref found, so held-back references are picked up too).
 *
 * Each structure runs through the engine path (halo ghosts, full neighbour list, reverse
 * communication) in the model's native units (no unit conversion, so no conversion rounding).
 * Tolerances (from shared/models/README.md, "How close nnmd should get"):
 *   |E - E_ref| / natoms < 1e-8 (model energy unit): n2p2 sums in another order; the
 *     expected agreement is ~1e-12 relative, the bound leaves room for other machines;
 *   every force component within 1e-7 (model units), same reason (~1e-12 expected);
 *   per-atom NN energies within 1e-8;
 *   extrapolation-warning counts equal n2p2's (same 1000-epsilon boundary tolerance);
 *   .sf dumps: |G - G_ref| < 1e-10 (Gmax - Gmin) per SF — the dumps' G_raw is recomputed by
 *     n2p2 from the scaled value, so it carries ~1e-16 of the range (n2p2-format.md 13);
 *     dE/dG~ within 1e-9 of the atom's largest |dE/dG~|.
 * The actual maximum deviations are printed for the report.
 * If shared/models is absent the suite reports a skip (exit 77).
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdnnp.h"
#include "model.h"
#include "structure.h"
#include "nnp_test_util.c"

static const char *const k_models[] = {"H2O_RPBE-D3",       "H2O_RPBE-D3-offsets", "Cu2S_PBE",
                                       "Ethylbenzene_SCAN", "Anisole_SCAN",        "DMABN_SCAN",
                                       "LJ",                NULL};

/* Compare the SF values recorded by the term with a .sf dump. */
static void check_sf(void *pot, const char *sfpath, const struct nt_struct *s, const char *label) {
  struct nt_sfdump d;
  if (nt_read_sf(sfpath, &d) != 0) return;
  const struct nnmd_nnp_model *m = nnmd_hdnnp_model(pot);
  ck_assert_int_eq(d.natoms, s->n);
  double worst_g = 0, worst_d = 0;
  for (int i = 0; i < s->n; ++i) {
    int e = nnmd_nnp_model_element(m, s->el[i]);
    ck_assert_int_eq(d.nsf[i], m->n_sf[e]);
    const double *g = nnmd_hdnnp_recorded_g(pot, i), *dd = nnmd_hdnnp_recorded_dedg(pot, i);
    const struct nnmd_nnp_sf *sf = m->sf + m->sf_off[e];
    double dmax = 0;
    for (int k = 0; k < d.nsf[i]; ++k) dmax = fmax(dmax, fabs(d.dedg[d.off[i] + k]));
    for (int k = 0; k < d.nsf[i]; ++k) {
      double range = sf[k].gmax - sf[k].gmin;
      double dg = fabs(g[k] - d.graw[d.off[i] + k]) / range;
      double ddd = fabs(dd[k] - d.dedg[d.off[i] + k]) / fmax(dmax, 1e-300);
      worst_g = fmax(worst_g, dg);
      worst_d = fmax(worst_d, ddd);
      ck_assert_msg(dg < 1e-10, "%s atom %d SF %d: G %.17g vs n2p2 %.17g", label, i + 1, k + 1, g[k],
                    d.graw[d.off[i] + k]);
      ck_assert_msg(ddd < 1e-9, "%s atom %d SF %d: dE/dG~ %.17g vs n2p2 %.17g", label, i + 1, k + 1, dd[k],
                    d.dedg[d.off[i] + k]);
    }
  }
  printf("  %-40s SF dump: max |dG|/range %.2e, max |d dE/dG~|/max %.2e\n", label, worst_g, worst_d);
  nt_sf_free(&d);
}

/* The structure read by nnmd's own reader (io/structure.h, what `nnmd run/predict` use) is
 * bit for bit the structure evaluated here (positions, elements, order, cell), so the
 * numbers above are what a user's run gets. */
static void check_io_reader(const char *path, const struct nt_struct *s) {
  struct nnmd_system *sys = NULL;
  struct nnmd_box box;
  struct nnmd_error err;
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_system_create(&sys, &err), 0);
  int st = nnmd_read_structure(path, "n2p2", 1.0, sys, &box, NULL, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  ck_assert_int_eq(sys->n_local, s->n);
  int64_t c = sys->capacity;
  for (int i = 0; i < s->n; ++i) {
    ck_assert_str_eq(sys->species.s[sys->type[i]].symbol, s->el[i]);
    for (int d = 0; d < 3; ++d) ck_assert_double_eq(sys->x[d * c + i], s->x[3 * i + d]);
  }
  ck_assert_int_eq(box.periodic[0], s->periodic);
  if (s->periodic)
    for (int k = 0; k < 3; ++k)
      for (int d = 0; d < 3; ++d) ck_assert_double_eq(box.h[3 * d + k], s->lat[k][d]);
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
}

static void run_reference(const char *model, const char *name) {
  char dir[1024], data[1400], ref[1400], sf[1400], label[512];
  snprintf(label, sizeof label, "%.200s/%.200s", model, name);
  nt_model_path(dir, sizeof dir, model, "");
  snprintf(data, sizeof data, "%.1000s/reference/%.300s.data", dir, name);
  snprintf(ref, sizeof ref, "%.1000s/reference/%.300s.ref", dir, name);
  snprintf(sf, sizeof sf, "%.1000s/reference/%.300s.sf", dir, name);
  struct nt_struct s;
  struct nt_ref r;
  ck_assert_int_eq(nt_read_data(data, &s), 0);
  ck_assert_int_eq(nt_read_ref(ref, &r), 0);
  ck_assert_int_eq(r.natoms, s.n);
  struct nt_engine e;
  ck_assert_int_eq(nt_engine_init(&e, &s, 1.0, 0.5), 0);
  struct nnmd_error err;
  nnmd_error_init(&err);
  e.ops = &nnmd_pot_hdnnp;
  int st = nnmd_hdnnp_create_dir(dir, &e.sys->species, 1.0, 1.0, -1, NULL, &e.pot, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  ck_assert_int_eq(st, 0);
  nnmd_hdnnp_record_sf(e.pot, 1);
  e.log.verbosity = 0;
  double energy, *f = calloc(3 * (size_t)s.n, sizeof(double)), *ea = calloc((size_t)s.n, sizeof(double));
  ck_assert_int_eq(nt_engine_compute(&e, &energy, f, NULL, ea), 0);
  const struct nnmd_nnp_model *m = nnmd_hdnnp_model(e.pot);
  double de = fabs(energy - r.energy) / s.n, dfmax = 0, dea = 0;
  for (int k = 0; k < 3 * s.n; ++k) dfmax = fmax(dfmax, fabs(f[k] - r.f[k]));
  for (int i = 0; i < s.n; ++i) {
    int el = nnmd_nnp_model_element(m, s.el[i]);
    dea = fmax(dea, fabs(ea[i] - m->mean_energy - m->atom_energy[el] - r.eat[i]));
  }
  int64_t nw = nnmd_pot_hdnnp.warnings(e.pot);
  printf("  %-40s N=%4d |dE|/N %.2e (rel %.1e)  max|dF| %.2e  max|dE_i| %.2e  warnings %lld (n2p2 %lld)\n",
         label, s.n, de, fabs(energy - r.energy) / fabs(r.energy), dfmax, dea, (long long)nw,
         (long long)r.warnings);
  ck_assert_msg(de < 1e-8, "%s: energy %.17g vs n2p2 %.17g", label, energy, r.energy);
  ck_assert_msg(dfmax < 1e-7, "%s: force deviation %.3g", label, dfmax);
  ck_assert_msg(dea < 1e-8, "%s: atomic energy deviation %.3g", label, dea);
  ck_assert_int_eq(nw, r.warnings);
  check_sf(e.pot, sf, &s, label);
  check_io_reader(data, &s);
  free(f);
  free(ea);
  nt_engine_free(&e);
  nt_struct_free(&s);
  nt_ref_free(&r);
  nnmd_error_clear(&err);
}

static void run_model(const char *model) {
  char dir[1024], rdir[1100];
  if (!nt_model_path(dir, sizeof dir, model, "input.nn")) return;
  nt_model_path(dir, sizeof dir, model, "");
  snprintf(rdir, sizeof rdir, "%.1000s/reference", dir);
  DIR *d = opendir(rdir);
  ck_assert_ptr_nonnull(d);
  struct dirent *de;
  int n = 0;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l < 5 || strcmp(de->d_name + l - 4, ".ref") != 0) continue;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(l - 4 > 250 ? 250 : l - 4), de->d_name);
    run_reference(model, name);
    ++n;
  }
  closedir(d);
  ck_assert_int_gt(n, 0);
}

START_TEST(reference_model) { run_model(k_models[_i]); }
END_TEST

/* n2p2's own listing of the sorted SF order (sf_order.txt: index, ..., input.nn line) must
 * equal ours for every element: exact. */
START_TEST(sf_order) {
  const char *model = k_models[_i];
  char path[1024], dir[1024];
  if (!nt_model_path(path, sizeof path, model, "sf_order.txt")) return;
  nt_model_path(dir, sizeof dir, model, "");
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_model *m = NULL;
  ck_assert_int_eq(nnmd_nnp_model_load(dir, &m, &err), 0);
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char line[512];
  int e = -1, checked = 0;
  char sym[8] = "";
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "Short range atomic symmetry functions element %7s", sym) == 1) {
      e = nnmd_nnp_model_element(m, sym);
      ck_assert_int_ge(e, 0);
      continue;
    }
    int ind;
    char ec[8];
    if (line[0] == '#' || sscanf(line, "%d %7s", &ind, ec) != 2 || e < 0) continue;
    int ln = atoi(strrchr(line, ' ') + 1);
    ck_assert_int_le(ind, m->n_sf[e]);
    ck_assert_msg(m->sf[m->sf_off[e] + ind - 1].line == ln, "%s %s SF %d: line %lld, n2p2 line %d", model, sym, ind,
                  (long long)m->sf[m->sf_off[e] + ind - 1].line, ln);
    ++checked;
  }
  fclose(f);
  ck_assert_int_eq(checked, m->n_sf_total);
  nnmd_nnp_model_free(m);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  char p[1024];
  nt_shared_path(p, sizeof p, "models/LJ/input.nn");
  if (!tsup_file_exists(p)) {
    printf("SKIP: %s absent\n", p);
    return 77;
  }
  if (nt_init()) return 1;
  Suite *s = suite_create("hdnnp_reference");
  TCase *tc = tcase_create("n2p2");
  tcase_set_timeout(tc, 600);
  int n = 0;
  while (k_models[n]) ++n;
  tcase_add_loop_test(tc, sf_order, 0, n);
  tcase_add_loop_test(tc, reference_model, 0, n);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  nt_fini();
  return nf ? 1 : 0;
}
