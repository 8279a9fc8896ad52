/* fuzz_train.c — libFuzzer target of `nnmd train`'s readers. FUZZ_TRAIN_CONFIG = 1: train.toml
 * (the TOML reader, then train/tconfig.c); 0: a training data file (train/tdata.c, extxyz
 * with labels or n2p2 input.data, recognised by content). */
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tdata.h"
#include "toml.h"
#include "ttrain.h"

#include "fuzz_util.h"

#ifndef FUZZ_TRAIN_CONFIG
#define FUZZ_TRAIN_CONFIG 0
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512];
  struct nnmd_error err;
  nnmd_error_init(&err);
#if FUZZ_TRAIN_CONFIG
  fuzz_write("train.toml", data, size, path, sizeof path);
  struct nnmd_cfg *root = NULL;
  if (nnmd_toml_parse_file(path, &root, &err) == NNMD_OK) {
    struct tconfig c;
    tconfig_parse(root, path, &c, &err);
    tconfig_free(&c);
  }
  nnmd_cfg_free(root);
#else
  fuzz_write("train.data", data, size, path, sizeof path);
  struct tdata d;
  memset(&d, 0, sizeof d);
  struct tdata_opts o;
  memset(&o, 0, sizeof o);
  o.length_scale = o.energy_scale = 1.0;
  o.bec_key = "born_charges"; /* the Born-charge column parsed too */
  tdata_read(&d, path, NULL, &o, &err);
  tdata_free(&d);
#endif
  nnmd_error_clear(&err);
  return 0;
}
