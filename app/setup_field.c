/* setup_field.c — the [field] table -> force terms: an optional Born-charge model term
 * (`bec`, provides the per-atom field "bec") followed by the field term (`efield`), both
 * appended after the [[potential]] terms so the field acts on top of the energy model.
 * Checks that need several parts of the input live here: the BEC model's elements must be
 * the energy model's elements. */
#include <stdio.h>
#include <string.h>

#include "efield.h"
#include "setup.h"
#include "setup_field.h"

int nnmd_sim_add_field(struct nnmd_sim *s, const struct nnmd_term_info *info, struct nnmd_error *err) {
  const struct nnmd_cfg *f = s->in.field;
  if (!f) return NNMD_OK;
  void *fs = NULL;
  int st = nnmd_efield_create(f, info, s->sys, &s->md.box, &fs, err);
  if (st) return st;
  if (nnmd_efield_uses_bec(fs)) {
    const struct nnmd_cfg *b = nnmd_cfg_get(f, "born_charges");
    if ((st = nnmd_sim_add_bec(s, info, b, err))) {
      nnmd_pot_efield.destroy(fs);
      return st;
    }
  }
  return nnmd_ff_add(s->ff, &nnmd_pot_efield, fs, f->loc, err);
}

int nnmd_sim_field_info(const struct nnmd_sim *s, double t0, double t1, double E[3], bool *z_known, double *z,
                        int n_species) {
  for (int k = 0; k < nnmd_ff_n_terms(s->ff); ++k) {
    void *state;
    const struct nnmd_potential_ops *ops = nnmd_ff_term(s->ff, k, &state);
    if (ops != &nnmd_pot_efield) continue;
    nnmd_efield_mean(state, t0, t1, E);
    for (int t = 0; t < n_species; ++t) z_known[t] = nnmd_efield_species_charge(state, t, &z[t]);
    return 1;
  }
  return 0;
}
