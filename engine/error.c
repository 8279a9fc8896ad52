/* error.c — see error.h. */
#include "error.h"

#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void nnmd_error_init(struct nnmd_error *e) { memset(e, 0, sizeof *e); }

void nnmd_error_clear(struct nnmd_error *e) {
  free(e->all);
  nnmd_error_init(e);
}

static void append(struct nnmd_error *e, const char *s) {
  size_t n = strlen(s);
  if (e->all_len + n + 1 > e->all_cap) {
    size_t cap = e->all_cap ? e->all_cap : 256;
    while (cap < e->all_len + n + 1) cap *= 2;
    char *p = realloc(e->all, cap);
    if (!p) return; /* keep what we have: the first error is still in msg */
    e->all = p;
    e->all_cap = cap;
  }
  memcpy(e->all + e->all_len, s, n + 1);
  e->all_len += n;
}

int nnmd_error_setv(struct nnmd_error *e, int status, struct nnmd_loc loc, const char *src_file,
                    int src_line, const char *fmt, va_list ap) {
  if (!e) return status;
  if (e->count >= NNMD_ERROR_KEEP) { /* only counted: memory stays bounded */
    if (e->count < INT_MAX) ++e->count;
    return status;
  }
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  char line[2600];
  if (loc.file && loc.line > 0)
    snprintf(line, sizeof line, "%s:%lld:%d: error: %s\n", loc.file, (long long)loc.line, loc.col > 0 ? loc.col : 1,
             msg);
  else if (loc.file)
    snprintf(line, sizeof line, "%s: error: %s\n", loc.file, msg);
  else
    snprintf(line, sizeof line, "error: %s\n", msg);
  append(e, line);
  if (e->count++ == 0) {
    e->status = status;
    snprintf(e->file, sizeof e->file, "%s", loc.file ? loc.file : "");
    e->line = loc.line;
    e->col = loc.col;
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    e->src_file = src_file;
    e->src_line = src_line;
  }
  return status;
}

int nnmd_error_set_(struct nnmd_error *e, int status, struct nnmd_loc loc, const char *src_file,
                    int src_line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = nnmd_error_setv(e, status, loc, src_file, src_line, fmt, ap);
  va_end(ap);
  return r;
}

void nnmd_error_print(const struct nnmd_error *e, void *stream, bool verbose) {
  FILE *f = stream;
  if (!e || e->count == 0) return;
  if (e->all) fputs(e->all, f);
  else fprintf(f, "error: %s\n", e->msg);
  if (e->count > NNMD_ERROR_KEEP)
    fprintf(f, "error: %d more error%s not shown (only the first %d are kept)\n", e->count - NNMD_ERROR_KEEP,
            e->count - NNMD_ERROR_KEEP == 1 ? "" : "s", NNMD_ERROR_KEEP);
  if (verbose && e->src_file) fprintf(f, "  (first error raised at %s:%d, status %s)\n", e->src_file,
                                      e->src_line, nnmd_status_name(e->status));
}

const char *nnmd_status_name(int s) {
  static const char *names[] = {"OK",        "ERR_INPUT", "ERR_FILE",    "ERR_FORMAT",
                                "ERR_NOMEM", "ERR_RANGE", "ERR_UNSUPPORTED", "ERR_MPI",
                                "ERR_CUDA",  "ERR_PHYSICS", "ERR_INTERNAL", "ERR_INTERRUPTED"};
  if (s < 0 || s >= (int)(sizeof names / sizeof names[0])) return "ERR_UNKNOWN";
  return names[s];
}
