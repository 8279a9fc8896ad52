/* test_device.c — the device layer (engine/gpu/device.h) in every build:
 *  - local-rank detection from the MPI launchers' variables and the device choice;
 *  - byte formatting and the one-line device description;
 *  - without CUDA (or without a GPU): no device, and every operation fails cleanly with a
 *    message instead of crashing;
 *  - with a GPU: select by local rank, allocate, upload/download round trip (exact bytes),
 *    zeroing, and an allocation far beyond any card that must fail with NNMD_ERR_NOMEM
 *    and say how many bytes were asked and how many are free.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

static const char *const k_vars[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID",
                                     "MV2_COMM_WORLD_LOCAL_RANK", "PMI_LOCAL_RANK", NULL};

static void clear_env(void) {
  for (int k = 0; k_vars[k]; ++k) unsetenv(k_vars[k]);
}

START_TEST(local_rank) {
  clear_env();
  const char *src = NULL;
  ck_assert_int_eq(nnmd_device_local_rank(&src), 0);
  ck_assert_str_eq(src, "");
  setenv("SLURM_LOCALID", "2", 1);
  ck_assert_int_eq(nnmd_device_local_rank(&src), 2);
  ck_assert_str_eq(src, "SLURM_LOCALID");
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "5", 1); /* Open MPI's variable wins */
  ck_assert_int_eq(nnmd_device_local_rank(&src), 5);
  ck_assert_str_eq(src, "OMPI_COMM_WORLD_LOCAL_RANK");
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "x1", 1);
  ck_assert_int_eq(nnmd_device_local_rank(NULL), -1);
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "-3", 1);
  ck_assert_int_eq(nnmd_device_local_rank(NULL), -1);
  clear_env();
  ck_assert_int_eq(nnmd_device_choose(4, 5), 1);
  ck_assert_int_eq(nnmd_device_choose(4, 3), 3);
  ck_assert_int_eq(nnmd_device_choose(1, 7), 0);
  ck_assert_int_eq(nnmd_device_choose(0, 0), -1);
  ck_assert_int_eq(nnmd_device_choose(2, -1), 0);
}
END_TEST

START_TEST(formatting) {
  char b[64];
  nnmd_device_format_bytes(512, b, sizeof b);
  ck_assert_str_eq(b, "512 B");
  nnmd_device_format_bytes(1536, b, sizeof b);
  ck_assert_str_eq(b, "1.50 KiB");
  nnmd_device_format_bytes(80.0 * 1024 * 1024 * 1024, b, sizeof b);
  ck_assert_str_eq(b, "80.00 GiB");
  struct nnmd_device_props p;
  memset(&p, 0, sizeof p);
  p.id = 1;
  snprintf(p.name, sizeof p.name, "Test GPU");
  p.mem_total = (size_t)2 << 30;
  p.cc_major = 9;
  p.sm_count = 132;
  p.driver_version = 13000;
  p.runtime_version = 12080;
  char d[512];
  nnmd_device_describe(&p, d, sizeof d);
  ck_assert_str_eq(d, "device 1: Test GPU (sm_90, 132 SMs, 2.00 GiB, driver 13.0, runtime 12.8)");
}
END_TEST

/* No device (no CUDA build, or no GPU/driver): clean failures with messages. */
START_TEST(no_device) {
  if (nnmd_device_count() > 0) return; /* covered by with_device */
  struct nnmd_error err;
  nnmd_error_init(&err);
  void *p = (void *)&err;
  int st = nnmd_device_alloc(&p, 1024, "test buffer", &err);
  ck_assert_int_ne(st, NNMD_OK);
  ck_assert_ptr_null(p);
  ck_assert_msg(strlen(err.msg) > 0, "no message");
  if (!nnmd_device_built()) {
    ck_assert_int_eq(st, NNMD_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "without CUDA"));
  }
  nnmd_error_clear(&err);
  nnmd_error_init(&err);
  ck_assert_int_ne(nnmd_device_select(-1, NULL, &err), NNMD_OK);
  ck_assert_msg(strlen(err.msg) > 0, "no message");
  nnmd_error_clear(&err);
  nnmd_device_free(NULL);
}
END_TEST

START_TEST(with_device) {
  if (nnmd_device_count() == 0) return;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_device_props pr;
  ck_assert_int_eq(nnmd_device_select(-1, &pr, &err), NNMD_OK);
  ck_assert_int_gt(pr.mem_total, 0);
  ck_assert_int_gt(pr.mem_free, 0);
  char d[512];
  nnmd_device_describe(&pr, d, sizeof d);
  printf("  %s\n", d);
  enum { N = 100003 };
  double *h = malloc(N * sizeof(double)), *back = malloc(N * sizeof(double));
  for (int i = 0; i < N; ++i) h[i] = 1.0 / (i + 1.0);
  void *dev = NULL;
  ck_assert_int_eq(nnmd_device_alloc(&dev, N * sizeof(double), "round trip", &err), NNMD_OK);
  ck_assert_int_eq(nnmd_device_upload(dev, h, N * sizeof(double), "round trip", &err), NNMD_OK);
  ck_assert_int_eq(nnmd_device_download(back, dev, N * sizeof(double), "round trip", &err), NNMD_OK);
  ck_assert_int_eq(memcmp(h, back, N * sizeof(double)), 0);
  ck_assert_int_eq(nnmd_device_zero(dev, N * sizeof(double), "round trip", &err), NNMD_OK);
  ck_assert_int_eq(nnmd_device_download(back, dev, N * sizeof(double), "round trip", &err), NNMD_OK);
  for (int i = 0; i < N; ++i) ck_assert(back[i] == 0.0);
  ck_assert_int_eq(nnmd_device_sync("test", &err), NNMD_OK);
  nnmd_device_free(dev);
  /* 1 PiB: no card has it. */
  void *big = NULL;
  int st = nnmd_device_alloc(&big, (size_t)1 << 50, "huge buffer", &err);
  ck_assert_int_eq(st, NNMD_ERR_NOMEM);
  ck_assert_ptr_null(big);
  ck_assert_ptr_nonnull(strstr(err.msg, "huge buffer"));
  ck_assert_ptr_nonnull(strstr(err.msg, "1125899906842624 bytes"));
  ck_assert_ptr_nonnull(strstr(err.msg, "free"));
  printf("  expected error: %s\n", err.msg);
  /* the device still works after the failed allocation */
  nnmd_error_clear(&err);
  nnmd_error_init(&err);
  ck_assert_int_eq(nnmd_device_alloc(&dev, 4096, "after", &err), NNMD_OK);
  nnmd_device_free(dev);
  free(h);
  free(back);
  nnmd_error_clear(&err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("device");
  TCase *tc = tcase_create("device layer");
  tcase_add_test(tc, local_rank);
  tcase_add_test(tc, formatting);
  tcase_add_test(tc, no_device);
  tcase_add_test(tc, with_device);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? 1 : 0;
}
