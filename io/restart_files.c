/* restart_files.c — trimming output files to a checkpoint's step before a restart appends
 * to them, so no record is duplicated (see observers.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observers.h"

static int64_t frame_step(const char *comment) {
  const char *p = strstr(comment, " step=");
  if (!p && strncmp(comment, "step=", 5) == 0) p = comment - 1;
  if (!p) return -1;
  return strtoll(p + 6, NULL, 10);
}

/* Copy the records to keep; an incomplete last extxyz frame is dropped whole. */
static void copy_kept(FILE *in, FILE *out, int64_t step, bool extxyz) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  bool first = true;
  while ((len = getline(&line, &cap, in)) > 0) {
    if (!extxyz) {
      if (first || strtoll(line, NULL, 10) <= step) fwrite(line, 1, (size_t)len, out);
      first = false;
      continue;
    }
    long long n = strtoll(line, NULL, 10);
    char *frame = NULL;
    size_t flen = 0;
    FILE *m = open_memstream(&frame, &flen);
    if (!m) break;
    fwrite(line, 1, (size_t)len, m);
    bool complete = n > 0, keep = false;
    for (long long k = -1; k < n && complete; ++k) { /* k = -1: the comment line */
      len = getline(&line, &cap, in);
      if (len <= 0) complete = false;
      else {
        if (k < 0) keep = frame_step(line) <= step;
        fwrite(line, 1, (size_t)len, m);
      }
    }
    fclose(m);
    if (complete && keep) fwrite(frame, 1, flen, out);
    free(frame);
    if (!complete) break;
  }
  free(line);
}

int nnmd_truncate_after_step(const char *path, int64_t step, bool extxyz, struct nnmd_error *err) {
  FILE *in = fopen(path, "r");
  if (!in) return NNMD_OK;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fclose(in);
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot write '%s': %s", tmp, strerror(errno));
  }
  copy_kept(in, out, step, extxyz);
  fclose(in);
  if (fclose(out) != 0 || rename(tmp, path) != 0) {
    remove(tmp);
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot rewrite '%s' for the restart: %s", path, strerror(errno));
  }
  return NNMD_OK;
}
