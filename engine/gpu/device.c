/* device.c — the parts of the device layer that need no CUDA (see device.h): which device a
 * process should use and how devices and sizes are written in messages. Compiled in every
 * build; the CUDA calls are in device.cu (or device_stub.c without CUDA).
 *
 * Local rank: the first of the launchers' variables that is set wins, in the order
 * Open MPI, Slurm, MPICH/Hydra, MVAPICH2, PMI. One rank per GPU: device = local rank mod
 * the number of devices (more ranks than GPUs share them round-robin).
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const k_rank_vars[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID",
                                          "MV2_COMM_WORLD_LOCAL_RANK", "PMI_LOCAL_RANK", NULL};

int nnmd_device_local_rank(const char **source) {
  if (source) *source = "";
  for (int k = 0; k_rank_vars[k]; ++k) {
    const char *v = getenv(k_rank_vars[k]);
    if (!v || !*v) continue;
    if (source) *source = k_rank_vars[k];
    char *end = NULL;
    errno = 0;
    long r = strtol(v, &end, 10);
    if (errno || *end || r < 0 || r > 1000000) return -1;
    return (int)r;
  }
  return 0;
}

int nnmd_device_choose(int count, int local_rank) {
  if (count <= 0) return -1;
  if (local_rank < 0) local_rank = 0;
  return local_rank % count;
}

void nnmd_device_format_bytes(double bytes, char *buf, size_t n) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  if (u == 0) snprintf(buf, n, "%.0f B", bytes);
  else snprintf(buf, n, "%.2f %s", bytes, unit[u]);
}

void nnmd_device_describe(const struct nnmd_device_props *p, char *buf, size_t n) {
  char mem[32];
  nnmd_device_format_bytes((double)p->mem_total, mem, sizeof mem);
  snprintf(buf, n, "device %d: %s (sm_%d%d, %d SMs, %s, driver %d.%d, runtime %d.%d)", p->id, p->name, p->cc_major,
           p->cc_minor, p->sm_count, mem, p->driver_version / 1000, (p->driver_version % 1000) / 10,
           p->runtime_version / 1000, (p->runtime_version % 1000) / 10);
}
