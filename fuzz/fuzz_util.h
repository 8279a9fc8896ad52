/* fuzz_util.h — shared by the libFuzzer targets of fuzz/: a private scratch folder, and the
 * fuzz input (or its parts) written to files there, because every reader under test reads a
 * path the way nnmd does (the checks on the file itself included).
 *
 * Several files from one input: the parts are separated by a line FUZZ_SPLIT (seeds are made
 * by fuzz/make_corpus.sh that way), so the fuzzer can mutate each file and their mix.
 */
#ifndef NNMD_FUZZ_UTIL_H
#define NNMD_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_SPLIT "#%%nnmd-fuzz-split%%\n"
#define FUZZ_MAX_PARTS 8

static char fuzz_dir[256];

static inline void fuzz_cleanup(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
  if (fuzz_dir[0] && system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

/* The scratch folder (created on first use, removed at exit). */
static inline const char *fuzz_scratch(void) {
  if (!fuzz_dir[0]) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/nnmd-fuzz-XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) {
      perror("fuzz: mkdtemp");
      abort();
    }
    atexit(fuzz_cleanup);
  }
  return fuzz_dir;
}

/* Write n bytes to `name` in the scratch folder; the path goes to out. */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t n, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", fuzz_scratch(), name);
  FILE *f = fopen(out, "wb");
  if (!f || (n && fwrite(data, 1, n, f) != n)) {
    perror("fuzz: write");
    abort();
  }
  fclose(f);
  return out;
}

/* Split data at FUZZ_SPLIT lines into at most FUZZ_MAX_PARTS parts; returns the count. */
static inline int fuzz_split(const uint8_t *data, size_t n, const uint8_t *part[], size_t len[]) {
  const size_t m = strlen(FUZZ_SPLIT);
  int k = 0;
  size_t start = 0;
  for (size_t i = 0; i + m <= n && k < FUZZ_MAX_PARTS - 1; ++i)
    if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, FUZZ_SPLIT, m) == 0) {
      part[k] = data + start;
      len[k++] = i - start;
      start = i + m;
      i = start - 1;
    }
  part[k] = data + start;
  len[k++] = n - start;
  return k;
}

#endif
