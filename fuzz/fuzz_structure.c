/* fuzz_structure.c — libFuzzer target: the structure readers (io/structure.c and
 * read_extxyz.c / read_lammps_data.c / read_n2p2.c) on one file, as `nnmd run` reads
 * [system] structure. FUZZ_FORMAT (set per executable by fuzz/CMakeLists.txt) picks the
 * reader; NULL is content detection. Every input must end in NNMD_OK or a recorded error:
 * crashes, hangs, leaks and sanitizer reports are findings. */
#include <stddef.h>
#include <stdint.h>

#include "box.h"
#include "error.h"
#include "structure.h"
#include "system.h"

#include "fuzz_util.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT NULL
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512];
  fuzz_write("structure", data, size, path, sizeof path);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_system *sys = NULL;
  if (nnmd_system_create(&sys, &err) == NNMD_OK) {
    struct nnmd_box box;
    struct nnmd_structure_info info;
    memset(&box, 0, sizeof box);
    nnmd_read_structure(path, FUZZ_FORMAT, 1.0, sys, &box, &info, &err);
  }
  nnmd_system_destroy(sys);
  nnmd_error_clear(&err);
  return 0;
}
