/* fuzz_frames.c — libFuzzer target: the extended XYZ trajectory reader of `nnmd analyze`
 * (io/read_frames.c: count line, key=value comment with quoted values, Properties columns,
 * atoms sorted by id). As analyze does, the file is read twice: a scan of the headers
 * (skip_atoms) and then every frame whole. Every input must end in frames or a recorded error:
 * crashes, hangs, leaks and sanitizer reports are findings. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "read_frames.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512];
  fuzz_write("traj.extxyz", data, size, path, sizeof path);
  for (int pass = 0; pass < 2; ++pass) {
    struct nnmd_error err;
    nnmd_error_init(&err);
    struct nnmd_frame_reader *r = NULL;
    int st = nnmd_frames_open(path, &r, &err);
    bool got = true;
    double sum = 0; /* touch what a frame claims to hold, so ASan checks the lengths */
    while (!st && got) {
      const struct nnmd_frame *f = NULL;
      st = nnmd_frames_next(r, pass == 0, &f, &got, &err);
      if (st || !got || pass == 0) continue;
      for (int64_t i = 0; i < f->n; ++i) {
        sum += f->type[i] + (double)f->id[i];
        for (int d = 0; d < 3; ++d) {
          sum += f->pos[d * f->n + i];
          if (f->unwrapped) sum += f->unwrapped[d * f->n + i];
          if (f->vel) sum += f->vel[d * f->n + i];
        }
      }
    }
    if (r) nnmd_frames_close(r);
    nnmd_error_clear(&err);
    if (isnan(sum) && size == 0) abort(); /* never: keeps `sum` alive */
  }
  return 0;
}
