/* setup_device.h — [parallel] device / precision -> the run's backend (see setup_device.c). */
#ifndef NNMD_SETUP_DEVICE_H
#define NNMD_SETUP_DEVICE_H

#include "setup.h"

/* Decide the run's device once, before the force terms are created: fills info->use_device,
 * device_mixed, device_emulate, device_loc. Errors (at the input's 'device' key): device =
 * "gpu" in a build without CUDA, or with no CUDA device. Logs the choice. */
int nnmd_sim_choose_device(struct nnmd_sim *s, struct nnmd_term_info *info, struct nnmd_error *err);
/* After the force field is built: switch it to the device and log, once, which terms run
 * where (no-op on the CPU). */
void nnmd_sim_apply_device(struct nnmd_sim *s, const struct nnmd_term_info *info);
/* After the integrator is chosen: a host-only integrator (fire) turns the resident step off. */
void nnmd_sim_check_resident(struct nnmd_sim *s);

#endif
