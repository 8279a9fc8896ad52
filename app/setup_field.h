/* setup_field.h — [field] -> force terms (see setup_field.c). */
#ifndef NNMD_SETUP_FIELD_H
#define NNMD_SETUP_FIELD_H

#include <stdbool.h>

#include "setup.h"

/* Append the field terms described by s->in.field (no-op without a [field] table). */
int nnmd_sim_add_field(struct nnmd_sim *s, const struct nnmd_term_info *info, struct nnmd_error *err);
/* Append the Born-charge model term of born_charges = "dir" (setup_bec.c). */
int nnmd_sim_add_bec(struct nnmd_sim *s, const struct nnmd_term_info *info, const struct nnmd_cfg *dir,
                     struct nnmd_error *err);
/* For analysis: 1 and the mean field over [t0, t1] ps with the species' nominal charges
 * (z_known[t] false where unknown, e.g. Born charges) when a field is on, else 0. */
int nnmd_sim_field_info(const struct nnmd_sim *s, double t0, double t1, double E[3], bool *z_known, double *z,
                        int n_species);

#endif
