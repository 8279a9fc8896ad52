/* device.h — the GPU device layer (design §2): the ONLY code that calls the CUDA runtime
 * besides kernels and their thin launchers. Device selection, properties, checked device
 * buffers, copies and error strings, behind a plain C interface (no CUDA types), so host
 * code compiles and links with or without CUDA.
 *
 * Files: device.c   pure C, both builds: local-rank detection, device choice, formatting;
 *        device.cu  the CUDA runtime implementation (NNMD_CUDA builds);
 *        device_stub.c  the same functions without CUDA (CMake picks one of the two):
 *                   nnmd_device_count() is 0 and every other call returns
 *                   NNMD_ERR_UNSUPPORTED with a message that says how to build with CUDA.
 *
 * Selection: one MPI rank per GPU. The node-local rank comes from the launcher's
 * environment (OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID, MPI_LOCALRANKID,
 * MV2_COMM_WORLD_LOCAL_RANK, PMI_LOCAL_RANK; 0 if none is set) and device = local rank mod
 * count. Errors name the device, the operation (`what`) and the CUDA error; an allocation
 * that does not fit says how many bytes were asked and how many are free.
 * Copies and memsets are synchronous on the default stream (for now).
 */
#ifndef NNMD_DEVICE_H
#define NNMD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nnmd_device_props {
  int id;                 /* device ordinal */
  char name[256];
  size_t mem_total, mem_free; /* bytes (free: at the time of the query) */
  int cc_major, cc_minor; /* compute capability */
  int sm_count;
  int driver_version, runtime_version; /* CUDA versions as 1000*major + 10*minor */
};

/* ---- device.c (both builds) ---- */
/* Node-local rank from the launcher's environment; 0 if none is set, -1 if one is set but
 * not a non-negative integer. `source` (optional) receives the variable's name or "". */
int nnmd_device_local_rank(const char **source);
/* Device for a local rank: local_rank mod count (count > 0, local_rank >= 0). */
int nnmd_device_choose(int count, int local_rank);
/* "1.50 GiB" style text for a byte count. */
void nnmd_device_format_bytes(double bytes, char *buf, size_t n);
/* One line: "device 0: NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB, driver 13.0, runtime 13.0)". */
void nnmd_device_describe(const struct nnmd_device_props *p, char *buf, size_t n);

/* ---- device.cu / device_stub.c ---- */
/* True if nnmd was built with CUDA. */
bool nnmd_device_built(void);
/* Number of usable devices (0 without CUDA, without a driver or without a GPU). */
int nnmd_device_count(void);
/* Properties of device `id`. */
int nnmd_device_props(int id, struct nnmd_device_props *p, struct nnmd_error *err);
/* Make a device current for this thread: id >= 0 that device, id < 0 the one for this
 * process's local rank. Fills props (optional). Fails clearly when there is no device. */
int nnmd_device_select(int id, struct nnmd_device_props *props, struct nnmd_error *err);
/* Free and total memory of the current device (bytes). */
int nnmd_device_mem_info(size_t *free_bytes, size_t *total_bytes, struct nnmd_error *err);

/* Device buffers. `what` names the buffer in error messages. bytes = 0 gives NULL. */
int nnmd_device_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err);
void nnmd_device_free(void *ptr); /* NULL is fine */
/* Page-locked host buffers (fast transfers). */
int nnmd_device_host_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err);
void nnmd_device_host_free(void *ptr);
int nnmd_device_upload(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err);
int nnmd_device_download(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err);
int nnmd_device_copy(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err);
int nnmd_device_zero(void *ptr, size_t bytes, const char *what, struct nnmd_error *err);

/* After kernel launches: the launch error, if any (`what` names the kernel). */
int nnmd_device_check(const char *what, struct nnmd_error *err);
/* Wait for the device and report any error of the work queued so far. */
int nnmd_device_sync(const char *what, struct nnmd_error *err);

#ifdef __cplusplus
}
#endif

#endif
