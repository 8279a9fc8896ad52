/* train_test_util.h — helpers shared by the training test suites (random models): the
 * settings-only model of an input.nn-syntax file and random scaling statistics. The random
 * numbers come from the caller's generator, drawn in a fixed order. */
#ifndef NNMD_TEST_TRAIN_UTIL_H
#define NNMD_TEST_TRAIN_UTIL_H

#include <check.h>
#include <stdlib.h>

#include "model.h"
#include "tmodel.h"

static inline void tt_die(struct nnmd_error *err) {
  nnmd_error_print(err, stderr, false);
  ck_abort_msg("unexpected error");
}

/* Elements, symmetry functions and topology of the settings file at path (no files read). */
static inline struct nnmd_nnp_model *tt_settings_model(const char *path) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_nnp_settings s;
  struct nnmd_nnp_model *m = calloc(1, sizeof *m);
  if (nnmd_nnp_settings_read(NULL, path, &s, &err)) tt_die(&err);
  if (nnmd_nnp_model_from_settings(&s, m, &err)) tt_die(&err);
  nnmd_nnp_settings_free(&s);
  return m;
}

/* Random statistics (min in [0, 0.1), range 0.5..2.5, mean at the centre, sigma 0.3)
 * written as a scaling file at path; urand draws in [0, 1). */
static inline void tt_random_scaling(const char *path, const struct nnmd_nnp_model *m, double (*urand)(void)) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  int nsf = m->n_sf_total;
  double *a = malloc(4 * nsf * sizeof(double));
  for (int k = 0; k < nsf; ++k) {
    a[k] = urand() * 0.1;
    a[nsf + k] = a[k] + 0.5 + 2 * urand();
    a[2 * nsf + k] = 0.5 * (a[k] + a[nsf + k]);
    a[3 * nsf + k] = 0.3;
  }
  if (tmodel_write_scaling(path, m, a, a + nsf, a + 2 * nsf, a + 3 * nsf, &err)) tt_die(&err);
  free(a);
}

#endif
