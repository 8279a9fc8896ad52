/* obs_traj.c — placeholder until the extxyz writer lands. */
#include "observers.h"
int nnmd_obs_traj_create(const struct nnmd_traj_opts *o, struct nnmd_observer *out, struct nnmd_error *err) {
  (void)o; (void)out;
  return nnmd_fail(err, NNMD_ERR_UNSUPPORTED, "trajectory output is not built yet");
}
