/* device_stub.c — the device layer of a build without CUDA (CMake compiles this file instead
 * of device.cu when NNMD_CUDA is off or nvcc is absent; see device.h). There is no device:
 * nnmd_device_count() is 0 and every operation fails with NNMD_ERR_UNSUPPORTED and a message
 * that says how to get a GPU build.
 */
#include "device.h"

static int unsupported(const char *what, struct nnmd_error *err) {
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED,
                   "%s: this nnmd was built without CUDA (reconfigure with -DNNMD_CUDA=ON and nvcc on the PATH)",
                   what ? what : "GPU");
}

bool nnmd_device_built(void) { return false; }
int nnmd_device_count(void) { return 0; }

int nnmd_device_props(int id, struct nnmd_device_props *p, struct nnmd_error *err) {
  (void)id;
  (void)p;
  return unsupported("device properties", err);
}

int nnmd_device_select(int id, struct nnmd_device_props *props, struct nnmd_error *err) {
  (void)id;
  (void)props;
  return unsupported("selecting a GPU", err);
}

int nnmd_device_mem_info(size_t *free_bytes, size_t *total_bytes, struct nnmd_error *err) {
  if (free_bytes) *free_bytes = 0;
  if (total_bytes) *total_bytes = 0;
  return unsupported("device memory query", err);
}

int nnmd_device_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)bytes;
  *ptr = NULL;
  return unsupported(what, err);
}

void nnmd_device_free(void *ptr) { (void)ptr; }

int nnmd_device_host_alloc(void **ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)bytes;
  *ptr = NULL;
  return unsupported(what, err);
}

void nnmd_device_host_free(void *ptr) { (void)ptr; }

int nnmd_device_upload(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)dst;
  (void)src;
  (void)bytes;
  return unsupported(what, err);
}

int nnmd_device_download(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)dst;
  (void)src;
  (void)bytes;
  return unsupported(what, err);
}

int nnmd_device_copy(void *dst, const void *src, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)dst;
  (void)src;
  (void)bytes;
  return unsupported(what, err);
}

int nnmd_device_zero(void *ptr, size_t bytes, const char *what, struct nnmd_error *err) {
  (void)ptr;
  (void)bytes;
  return unsupported(what, err);
}

int nnmd_device_check(const char *what, struct nnmd_error *err) { return unsupported(what, err); }
int nnmd_device_sync(const char *what, struct nnmd_error *err) { return unsupported(what, err); }
