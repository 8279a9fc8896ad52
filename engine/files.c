/* files.c — see files.h. */
#include "files.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *nnmd_fopen_input(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block here */
  if (fd < 0) return NULL;
  struct stat sb;
  int e = 0;
  if (fstat(fd, &sb) != 0)
    e = errno;
  else if (S_ISDIR(sb.st_mode))
    e = EISDIR;
  else if (!S_ISREG(sb.st_mode))
    e = NNMD_ENOTREG;
  else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
    e = errno;
  FILE *f = e ? NULL : fdopen(fd, "r");
  if (!f) {
    if (!e) e = errno;
    close(fd);
    errno = e;
  }
  return f;
}

const char *nnmd_files_strerror(int errnum) {
  if (errnum == NNMD_ENOTREG) return "not a regular file (a device, FIFO or socket)";
  if (errnum == EFBIG) return "file too large (the limit is 2 GiB)";
  return strerror(errnum);
}

int64_t nnmd_read_line(FILE *f, char **line, size_t *cap, size_t max) {
  size_t n = 0;
  int c = 0;
  bool nul = false;
  errno = 0;
  flockfile(f);
  while ((c = getc_unlocked(f)) != EOF) {
    if (n + 2 > *cap) {
      if (n >= max) break;
      size_t nc = *cap ? 2 * *cap : 256;
      if (nc > max + 2) nc = max + 2;
      char *p = realloc(*line, nc);
      if (!p) {
        funlockfile(f);
        return NNMD_LINE_NOMEM;
      }
      *line = p;
      *cap = nc;
    }
    if (n >= max) break;
    if (c == 0) nul = true;
    (*line)[n++] = (char)c;
    if (c == '\n') break;
  }
  int bad = ferror(f);
  funlockfile(f);
  if (*line) (*line)[n] = '\0';
  if (bad) {
    if (!errno) errno = EIO;
    return NNMD_LINE_ERROR;
  }
  if (c != EOF && c != '\n' && n >= max) return NNMD_LINE_LONG;
  if (nul) return NNMD_LINE_NUL;
  return n ? (int64_t)n : NNMD_LINE_EOF;
}

const char *nnmd_read_line_error(int64_t r, char *buf, size_t n) {
  if (r == NNMD_LINE_ERROR)
    snprintf(buf, n, "read error: %s", strerror(errno ? errno : EIO));
  else if (r == NNMD_LINE_LONG)
    snprintf(buf, n, "line longer than %zu bytes (not a text file of this format?)", (size_t)NNMD_LINE_MAX);
  else if (r == NNMD_LINE_NUL)
    snprintf(buf, n, "NUL byte in the line: binary data, not a text file");
  else if (r == NNMD_LINE_NOMEM)
    snprintf(buf, n, "out of memory reading a line");
  else
    snprintf(buf, n, "unexpected end of file");
  return buf;
}

struct entry {
  char *path;
  char *data;
  int64_t len;
};

struct nnmd_files {
  const struct nnmd_comm *comm;
  struct entry *e;
  int n, cap;
};

struct nnmd_files *nnmd_files_create(const struct nnmd_comm *comm) {
  struct nnmd_files *f = calloc(1, sizeof *f);
  if (f) f->comm = comm;
  return f;
}

void nnmd_files_destroy(struct nnmd_files *f) {
  if (!f) return;
  for (int i = 0; i < f->n; ++i) {
    free(f->e[i].path);
    free(f->e[i].data);
  }
  free(f->e);
  free(f);
}

static FILE *open_mem(const struct entry *e) {
  if (e->len == 0) return fopen("/dev/null", "r"); /* fmemopen refuses size 0 */
  return fmemopen(e->data, (size_t)e->len, "r");
}

/* Rank 0: the whole file; *err_no = errno on failure. */
static char *slurp(const char *path, int64_t *len, int *err_no) {
  FILE *in = nnmd_fopen_input(path);
  if (!in) {
    *err_no = errno;
    return NULL;
  }
  struct stat sb;
  if (fstat(fileno(in), &sb) == 0 && (int64_t)sb.st_size > NNMD_FILE_MAX) {
    fclose(in);
    *err_no = EFBIG;
    return NULL;
  }
  char *buf = NULL;
  size_t cap = 0, n = 0, k;
  char chunk[65536];
  while ((k = fread(chunk, 1, sizeof chunk, in)) > 0) {
    if ((int64_t)(n + k) > NNMD_FILE_MAX) { /* grew while read */
      free(buf);
      fclose(in);
      *err_no = EFBIG;
      return NULL;
    }
    if (n + k + 1 > cap) {
      size_t c = cap ? 2 * cap : 65536;
      while (c < n + k + 1) c *= 2;
      char *p = realloc(buf, c);
      if (!p) {
        free(buf);
        fclose(in);
        *err_no = ENOMEM;
        return NULL;
      }
      buf = p;
      cap = c;
    }
    memcpy(buf + n, chunk, k);
    n += k;
  }
  int bad = ferror(in);
  *err_no = bad ? (errno ? errno : EIO) : 0;
  fclose(in);
  if (bad) {
    free(buf);
    return NULL;
  }
  if (!buf) buf = calloc(1, 1);
  *len = (int64_t)n;
  return buf;
}

FILE *nnmd_files_open(struct nnmd_files *f, const char *path) {
  if (!f || nnmd_comm_size(f->comm) == 1) return nnmd_fopen_input(path);
  for (int i = 0; i < f->n; ++i)
    if (strcmp(f->e[i].path, path) == 0) return open_mem(&f->e[i]);
  int64_t head[2] = {0, 0}; /* errno, length */
  char *data = NULL;
  if (nnmd_comm_rank(f->comm) == 0) {
    int e = 0;
    data = slurp(path, &head[1], &e);
    head[0] = data ? 0 : e;
  }
  nnmd_comm_bcast(f->comm, head, sizeof head, 0);
  if (head[0]) {
    errno = (int)head[0];
    return NULL;
  }
  if (nnmd_comm_rank(f->comm) != 0) data = malloc((size_t)head[1] + 1);
  /* chunked, so that a rank whose allocation failed can still take part (into scratch) */
  char scratch[1 << 16];
  for (int64_t off = 0; off < head[1]; off += (int64_t)sizeof scratch) {
    int64_t n = head[1] - off < (int64_t)sizeof scratch ? head[1] - off : (int64_t)sizeof scratch;
    nnmd_comm_bcast(f->comm, data ? data + off : scratch, n, 0);
  }
  if (!data) {
    errno = ENOMEM;
    return NULL;
  }
  data[head[1]] = 0;
  if (f->n == f->cap) {
    int cap = f->cap ? 2 * f->cap : 8;
    struct entry *p = realloc(f->e, (size_t)cap * sizeof *p);
    if (!p) {
      free(data);
      errno = ENOMEM;
      return NULL;
    }
    f->e = p;
    f->cap = cap;
  }
  f->e[f->n] = (struct entry){strdup(path), data, head[1]};
  return open_mem(&f->e[f->n++]);
}

int nnmd_read_line_fail(struct nnmd_error *err, const char *path, int64_t line, int64_t r) {
  char why[160];
  nnmd_read_line_error(r, why, sizeof why);
  return nnmd_fail_at(err, r == NNMD_LINE_ERROR ? NNMD_ERR_FILE : NNMD_ERR_FORMAT,
                      ((struct nnmd_loc){path, line, 0}), "%s", why);
}
