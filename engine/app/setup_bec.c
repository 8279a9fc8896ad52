/* setup_bec.c — born_charges = "dir": the Born-charge model term (nnp/bec). Until the
 * model lands this refuses the key with a clear message. */
#include "setup_field.h"

int nnmd_sim_add_bec(struct nnmd_sim *s, const struct nnmd_term_info *info, const struct nnmd_cfg *dir,
                     struct nnmd_error *err) {
  (void)s;
  (void)info;
  return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, dir->loc, "born_charges: Born-charge models are not built yet");
}
