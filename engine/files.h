/* files.h — input files read once by rank 0 and broadcast (design §12: "rank 0 reads model
 * files and broadcasts them").
 *
 * nnmd_files_open(files, path) returns a read-only FILE*. With files == NULL, or on a single
 * rank, it is plain fopen. Otherwise the call is collective: rank 0 reads the whole file,
 * broadcasts its status and bytes, and every rank reads its copy from memory (fmemopen); the
 * bytes stay cached (keyed by path) until nnmd_files_destroy, so a second open of the same
 * file costs no communication. Errors (missing file) arrive on every rank with rank 0's
 * errno, so all ranks fail together with the same message.
 *
 * Hostile input: every input file is opened through nnmd_fopen_input, which refuses what is
 * not a regular file (a directory, /dev/zero, /dev/urandom, a FIFO, a socket) before reading
 * a byte; a FIFO is opened non-blocking so that the refusal cannot hang. A file read whole
 * (rank 0's broadcast copy, an input.toml) is bounded in size before it is allocated, and text
 * is read line by line with nnmd_read_line, which bounds the length of a line and tells a
 * read error from the end of the file.
 */
#ifndef NNMD_FILES_H
#define NNMD_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "comm.h"

struct nnmd_files;

struct nnmd_files *nnmd_files_create(const struct nnmd_comm *comm);
void nnmd_files_destroy(struct nnmd_files *f);
/* Like fopen(path, "r"): NULL with errno set on failure (NNMD_ENOTREG, EISDIR and EFBIG from
 * nnmd_fopen_input and the size limit included; print it with nnmd_files_strerror). */
FILE *nnmd_files_open(struct nnmd_files *f, const char *path);


enum {
  NNMD_ENOTREG = 0x4e4e0001 /* errno value of our own: not a regular file */
};
#define NNMD_FILE_MAX ((int64_t)1 << 31) /* bytes: largest file read whole into memory */
#define NNMD_LINE_MAX ((size_t)1 << 24)  /* bytes: longest line of a text input file */

/* fopen(path, "r") of a regular file only; NULL with errno = EISDIR (a directory),
 * NNMD_ENOTREG (a device, FIFO or socket) or fopen's errno. */
FILE *nnmd_fopen_input(const char *path);
/* strerror that also knows NNMD_ENOTREG. */
const char *nnmd_files_strerror(int errnum);

/* One line of f into *line (grown as getline does, NUL-terminated, the newline kept).
 * Returns its length (> 0); NNMD_LINE_EOF at the end of the file; NNMD_LINE_ERROR on a read
 * error (errno set); NNMD_LINE_LONG when the line is longer than `max` bytes;
 * NNMD_LINE_NUL when it holds a NUL byte (binary data, not text); NNMD_LINE_NOMEM. */
enum { NNMD_LINE_EOF = -1, NNMD_LINE_ERROR = -2, NNMD_LINE_LONG = -3, NNMD_LINE_NUL = -4, NNMD_LINE_NOMEM = -5 };
int64_t nnmd_read_line(FILE *f, char **line, size_t *cap, size_t max);
/* Record the error for a negative nnmd_read_line result r at `line` of `path`
 * (NNMD_ERR_FILE for a read error, NNMD_ERR_FORMAT otherwise); returns the status. */
struct nnmd_error;
int nnmd_read_line_fail(struct nnmd_error *err, const char *path, int64_t line, int64_t r);
/* Text for a negative nnmd_read_line result ("read error: ...", "line longer than ..."). */
const char *nnmd_read_line_error(int64_t r, char *buf, size_t n);

#endif
