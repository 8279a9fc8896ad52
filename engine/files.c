/* files.c — see files.h. */
#include "files.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
  FILE *in = fopen(path, "rb");
  if (!in) {
    *err_no = errno;
    return NULL;
  }
  char *buf = NULL;
  size_t cap = 0, n = 0, k;
  char chunk[65536];
  while ((k = fread(chunk, 1, sizeof chunk, in)) > 0) {
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
  if (!f || nnmd_comm_size(f->comm) == 1) return fopen(path, "r");
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
