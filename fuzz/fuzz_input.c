/* fuzz_input.c — libFuzzer target: the TOML reader (io/toml*.c) and the input schema
 * (io/schema.c), i.e. what `nnmd check` does with an input file before it opens the
 * structure and the models. Any outcome but a crash, hang, leak or sanitizer report is fine. */
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "schema.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512];
  fuzz_write("input.toml", data, size, path, sizeof path);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_input in;
  memset(&in, 0, sizeof in);
  nnmd_input_read(path, &in, &err);
  nnmd_input_free(&in); /* the tree is kept on errors too */
  nnmd_error_clear(&err);
  return 0;
}
