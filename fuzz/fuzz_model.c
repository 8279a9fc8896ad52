/* fuzz_model.c — libFuzzer target: a model folder read whole. FUZZ_BEC = 0: an n2p2 HDNNP
 * (nnp/model*.c: input.nn, scaling.data, weights.NNN.data); FUZZ_BEC = 1: a Born-charge
 * model (nnp/bec_model.c: bec.nn, bec-scaling.data, bec-weights.NNN.data).
 * The input holds the files separated by FUZZ_SPLIT lines: settings, scaling, then the
 * weights of the elements named on the settings' `elements` line, in increasing atomic
 * number (the order of the model's element table). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bec.h"
#include "error.h"
#include "model.h"
#include "species.h"

#include "fuzz_util.h"

#ifndef FUZZ_BEC
#define FUZZ_BEC 0
#endif
#define PREFIX (FUZZ_BEC ? "bec-" : "")

/* Atomic numbers on the `elements` line of the settings text, sorted, unique. */
static int element_zs(const uint8_t *s, size_t n, int z[FUZZ_MAX_PARTS]) {
  char line[512];
  int k = 0;
  for (size_t i = 0; i < n && !k;) {
    size_t j = i, m = 0;
    while (j < n && s[j] != '\n') {
      if (m + 1 < sizeof line) line[m++] = (char)s[j];
      ++j;
    }
    line[m] = 0;
    i = j + 1;
    char *p = line;
    while (isspace((unsigned char)*p)) ++p;
    if (strncmp(p, "elements", 8) != 0 || !isspace((unsigned char)p[8])) continue;
    char *save = NULL;
    for (char *t = strtok_r(p + 8, " \t\r", &save); t && *t != '#' && k < FUZZ_MAX_PARTS - 2;
         t = strtok_r(NULL, " \t\r", &save)) {
      int zz = nnmd_element_z(t), dup = 0;
      for (int q = 0; q < k; ++q) dup |= z[q] == zz;
      if (zz > 0 && !dup) z[k++] = zz;
    }
  }
  for (int a = 1; a < k; ++a) /* insertion sort */
    for (int b = a; b > 0 && z[b - 1] > z[b]; --b) {
      int t = z[b];
      z[b] = z[b - 1];
      z[b - 1] = t;
    }
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *part[FUZZ_MAX_PARTS];
  size_t len[FUZZ_MAX_PARTS];
  int np = fuzz_split(data, size, part, len);
  char dir[400], name[64], path[512];
  snprintf(dir, sizeof dir, "%s/model", fuzz_scratch());
  mkdir(dir, 0700);
  for (int zz = 1; zz <= 118; ++zz) { /* no weights left over from the previous input */
    snprintf(path, sizeof path, "%s/%sweights.%03d.data", dir, PREFIX, zz);
    unlink(path);
  }
  snprintf(name, sizeof name, "model/%s", FUZZ_BEC ? "bec.nn" : "input.nn");
  fuzz_write(name, part[0], len[0], path, sizeof path);
  snprintf(name, sizeof name, "model/%sscaling.data", PREFIX);
  fuzz_write(name, np > 1 ? part[1] : data, np > 1 ? len[1] : 0, path, sizeof path);
  int z[FUZZ_MAX_PARTS];
  int nz = element_zs(part[0], len[0], z);
  for (int e = 0; e < nz; ++e) {
    snprintf(name, sizeof name, "model/%sweights.%03d.data", PREFIX, z[e]);
    fuzz_write(name, 2 + e < np ? part[2 + e] : data, 2 + e < np ? len[2 + e] : 0, path, sizeof path);
  }
  struct nnmd_error err;
  nnmd_error_init(&err);
#if FUZZ_BEC
  struct nnmd_bec_model *m = NULL;
  if (nnmd_bec_model_load(NULL, dir, &m, &err) == NNMD_OK) nnmd_bec_model_free(m);
#else
  struct nnmd_nnp_model *m = NULL;
  if (nnmd_nnp_model_load(dir, &m, &err) == NNMD_OK) nnmd_nnp_model_free(m);
#endif
  nnmd_error_clear(&err);
  return 0;
}
