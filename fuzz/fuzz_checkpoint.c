/* fuzz_checkpoint.c — libFuzzer target: the checkpoint reader (engine/checkpoint.c,
 * nnmd_checkpoint_read, its public entry only) into a run set up once from a small LJ input
 * (32 argon atoms, NVE), as `nnmd run --restart` does.
 *
 * The input is the checkpoint's payload: the harness adds the header (magic, version, byte
 * order and the payload's length, taken from a checkpoint the set-up run writes) and the
 * FNV-1a checksum, so mutations reach the content instead of all failing the checksum. An
 * input whose first byte is 'R' is written as it is (the framing checks). The run's state is
 * overwritten by every checkpoint that loads; no input may crash, hang or leak. With
 * FUZZ_WRITE_SEED=DIR set, the initialisation writes the payload of a valid checkpoint to
 * DIR/seed_lj32 (fuzz/run.sh seeds the corpus that way) and exits. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "comm.h"
#include "error.h"
#include "setup.h"

#include "fuzz_util.h"

static struct nnmd_sim sim;
static unsigned char head[24]; /* magic 8, version 4, byte order 4, payload length 8 */

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void die(const char *what, struct nnmd_error *err) {
  fprintf(stderr, "fuzz_checkpoint: %s\n", what);
  if (err) nnmd_error_print(err, stderr, true);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_comm *comm = NULL;
  if (nnmd_comm_create(&comm, argc, argv, &err)) die("no communicator", &err);
  static const char input[] =
      "[system]\nlattice = { type = \"fcc\", a = 5.72, repeat = [2, 2, 2], species = \"Ar\" }\n"
      "[velocities]\ntemperature = 100.0\nseed = 1\n"
      "[[potential]]\ntype = \"lj\"\ncutoff = 5.0\npairs = [ { species = [\"Ar\", \"Ar\"], epsilon = 0.0104, "
      "sigma = 3.405 } ]\n[run]\nensemble = \"nve\"\ntimestep = 0.002\nsteps = 10\n";
  char in_path[512], chk[512];
  fuzz_write("input.toml", (const uint8_t *)input, sizeof input - 1, in_path, sizeof in_path);
  if (nnmd_sim_setup(&sim, in_path, comm, 0, false, &err)) die("set-up of the LJ run failed", &err);
  snprintf(chk, sizeof chk, "%s/seed.chk", fuzz_scratch());
  if (nnmd_checkpoint_write(chk, &sim.md, &err)) die("cannot write the seed checkpoint", &err);
  FILE *f = fopen(chk, "rb");
  static uint8_t buf[1 << 20];
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  uint64_t plen = 0, sum = 0;
  if (n < 32) die("seed checkpoint too short", NULL);
  memcpy(head, buf, sizeof head);
  memcpy(&plen, buf + 16, 8);
  if (plen + 32 != n) die("seed checkpoint framing not as expected", NULL);
  memcpy(&sum, buf + 24 + plen, 8);
  if (fnv1a(buf + 24, plen) != sum) die("checksum is not FNV-1a 64 of the payload", NULL);
  const char *seed_dir = getenv("FUZZ_WRITE_SEED");
  if (seed_dir) {
    char p[600];
    snprintf(p, sizeof p, "%s/seed_lj32", seed_dir);
    FILE *o = fopen(p, "wb");
    if (!o || fwrite(buf + 24, 1, plen, o) != plen) die("cannot write the seed", NULL);
    fclose(o);
    exit(0);
  }
  nnmd_error_clear(&err);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/fuzz.chk", fuzz_scratch());
  FILE *f = fopen(path, "wb");
  if (!f) die("cannot write", NULL);
  if (size > 0 && data[0] == 'R') {
    fwrite(data + 1, 1, size - 1, f);
  } else {
    uint64_t plen = size, sum = fnv1a(data, size);
    fwrite(head, 1, 16, f);
    fwrite(&plen, 8, 1, f);
    if (size) fwrite(data, 1, size, f);
    fwrite(&sum, 8, 1, f);
  }
  fclose(f);
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = nnmd_checkpoint_read(path, &sim.md, &err);
  if (getenv("FUZZ_VERBOSE")) { /* replaying by hand: what became of the input */
    if (st) nnmd_error_print(&err, stderr, false);
    else fprintf(stderr, "loaded: step %lld, %lld atoms\n", (long long)sim.md.step, (long long)sim.md.sys->n_global);
  }
  nnmd_error_clear(&err);
  return 0;
}
