/* error.h — status codes and the error record (design §12).
 *
 * Every function that can fail returns an `int` status (NNMD_OK = 0) and fills a
 * caller-owned `struct nnmd_error`. The record keeps the FIRST error's status, the
 * user's input location (file, line, column) when one is known, and our own source
 * location (shown with --verbose). Later errors are appended to a message list so that
 * input validation can report every problem before the run starts.
 *
 * User-facing text is compiler style:  run.toml:14:9: error: 'timestep' must be positive
 */
#ifndef NNMD_ERROR_H
#define NNMD_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus /* CUDA translation units are C++ */
extern "C" {
#endif

enum nnmd_status {
  NNMD_OK = 0,
  NNMD_ERR_INPUT,       /* bad user input (value, key, type)              */
  NNMD_ERR_FILE,        /* cannot open / read / write a file               */
  NNMD_ERR_FORMAT,      /* a file's content is malformed                   */
  NNMD_ERR_NOMEM,       /* allocation failed                               */
  NNMD_ERR_RANGE,       /* a capacity was exceeded (caller may grow+retry) */
  NNMD_ERR_UNSUPPORTED, /* feature not built / not available               */
  NNMD_ERR_MPI,
  NNMD_ERR_CUDA,
  NNMD_ERR_PHYSICS, /* NaN, lost atom, atoms too close, ...           */
  NNMD_ERR_INTERNAL,
  NNMD_ERR_INTERRUPTED /* SIGINT/SIGTERM received                       */
};

/* A location in a user's file. line/col are 1-based; 0 = unknown. */
struct nnmd_loc {
  const char *file; /* not owned; may be NULL */
  int64_t line;     /* 64-bit: a text file may have more than 2^31 lines */
  int col;
};

struct nnmd_error {
  int status;          /* first error's status, NNMD_OK if none */
  char file[512];      /* user's file of the first error ("" if none) */
  int64_t line;        /* user's location of the first error */
  int col;
  char msg[2048];      /* first error's message (without location prefix) */
  const char *src_file; /* our source location of the first error */
  int src_line;
  int count;  /* number of errors recorded (also those past NNMD_ERROR_KEEP) */
  char *all;  /* the first NNMD_ERROR_KEEP messages, "file:line:col: error: msg\n" (owned) */
  size_t all_len, all_cap;
};

/* Messages kept per error record. Later errors are only counted, so a hostile file with
 * millions of bad lines costs bounded memory. Readers that go on after an error (to report
 * several at once) stop after NNMD_ERRORS_PER_READER of their own and say so, as compilers
 * stop after ~20 errors. */
#define NNMD_ERROR_KEEP 32
#define NNMD_ERRORS_PER_READER 20

void nnmd_error_init(struct nnmd_error *e);
void nnmd_error_clear(struct nnmd_error *e); /* frees `all` and resets */

/* Record an error. Returns `status` so callers can `return nnmd_error_set(...)`. */
int nnmd_error_setv(struct nnmd_error *e, int status, struct nnmd_loc loc, const char *src_file,
                    int src_line, const char *fmt, va_list ap);
int nnmd_error_set_(struct nnmd_error *e, int status, struct nnmd_loc loc, const char *src_file,
                    int src_line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#define NNMD_NOLOC ((struct nnmd_loc){NULL, 0, 0})
/* Error with no input location. */
#define nnmd_fail(err, status, ...) \
  nnmd_error_set_((err), (status), NNMD_NOLOC, __FILE__, __LINE__, __VA_ARGS__)
/* Error at a user's input location. */
#define nnmd_fail_at(err, status, loc, ...) \
  nnmd_error_set_((err), (status), (loc), __FILE__, __LINE__, __VA_ARGS__)

/* Write the recorded errors to a stream, compiler style; verbose adds our source location. */
void nnmd_error_print(const struct nnmd_error *e, void *stream /* FILE* */, bool verbose);

const char *nnmd_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
