/* log.h — the run log: messages from rank 0 go to stdout (and an optional log file);
 * warnings and errors go to stderr. No global state: a log is passed where needed. */
#ifndef NNMD_LOG_H
#define NNMD_LOG_H

#include <stdbool.h>
#include <stdio.h>

struct nnmd_log {
  int rank;      /* only rank 0 prints info */
  int verbosity; /* 0 quiet, 1 normal, 2 verbose */
  FILE *out;     /* stdout by default */
  FILE *file;    /* optional copy (log file), may be NULL */
};

void nnmd_log_init(struct nnmd_log *log, int rank, int verbosity);
void nnmd_log_info(const struct nnmd_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nnmd_log_verbose(const struct nnmd_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nnmd_log_warn(const struct nnmd_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
