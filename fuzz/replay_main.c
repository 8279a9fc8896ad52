/* replay_main.c — a main() for a fuzz target's LLVMFuzzerTestOneInput in the ordinary builds
 * (gcc, no libFuzzer): every file named on the command line, or found in a folder named
 * there, is read and passed to the target once. ctest runs the regression inputs of
 * tests/fuzz/<target>/ and the seeds this way (fuzz_replay_*), also under `make sanitize`.
 * Exit 0 when every input returned; a crash or a sanitizer report fails the test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, as in libFuzzer: called once before the first input. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0, k;
  uint8_t chunk[65536];
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (n + k > cap) {
      cap = 2 * (n + k);
      uint8_t *p = realloc(buf, cap);
      if (!p) {
        free(buf);
        fclose(f);
        return 1;
      }
      buf = p;
    }
    memcpy(buf + n, chunk, k);
    n += k;
  }
  fclose(f);
  printf("replay %s (%zu bytes)\n", path, n);
  fflush(stdout);
  LLVMFuzzerTestOneInput(buf ? buf : chunk, n);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int bad = 0, count = 0;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (int a = 1; a < argc; ++a) {
    struct stat sb;
    if (stat(argv[a], &sb) != 0) {
      perror(argv[a]);
      bad = 1;
      continue;
    }
    if (!S_ISDIR(sb.st_mode)) {
      bad |= replay_file(argv[a]);
      ++count;
      continue;
    }
    DIR *d = opendir(argv[a]);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[a], e->d_name);
      bad |= replay_file(p);
      ++count;
    }
    if (d) closedir(d);
  }
  printf("%d inputs replayed\n", count);
  return bad;
}
