/* log.c — see log.h. */
#include "log.h"

#include <stdarg.h>

void nnmd_log_init(struct nnmd_log *log, int rank, int verbosity) {
  log->rank = rank;
  log->verbosity = verbosity;
  log->out = stdout;
  log->file = NULL;
}

static void emit(const struct nnmd_log *log, FILE *f, const char *prefix, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  if (f) {
    fputs(prefix, f);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
  }
  if (log->file) {
    fputs(prefix, log->file);
    vfprintf(log->file, fmt, ap2);
    fputc('\n', log->file);
  }
  va_end(ap2);
}

void nnmd_log_info(const struct nnmd_log *log, const char *fmt, ...) {
  if (!log || log->rank != 0 || log->verbosity < 1) return;
  va_list ap;
  va_start(ap, fmt);
  emit(log, log->out, "", fmt, ap);
  va_end(ap);
}

void nnmd_log_verbose(const struct nnmd_log *log, const char *fmt, ...) {
  if (!log || log->rank != 0 || log->verbosity < 2) return;
  va_list ap;
  va_start(ap, fmt);
  emit(log, log->out, "", fmt, ap);
  va_end(ap);
}

void nnmd_log_warn(const struct nnmd_log *log, const char *fmt, ...) {
  if (!log || log->rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  emit(log, stderr, "warning: ", fmt, ap);
  va_end(ap);
}
