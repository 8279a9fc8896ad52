/* setup_bec.c — born_charges = "dir": the Born-charge model term (nnp/bec.h), appended
 * before the field term. Its elements must be exactly the energy model's (an hdnnp term):
 * a BEC model trained for other elements (or another element order) is not meant for this
 * energy model, and every species of the structure must be covered by both. */
#include <stdio.h>
#include <string.h>

#include "bec.h"
#include "hdnnp.h"
#include "setup_field.h"

static int same_elements(const struct nnmd_nnp_model *a, const struct nnmd_nnp_model *b) {
  if (a->n_elem != b->n_elem) return 0;
  for (int e = 0; e < a->n_elem; ++e)
    if (strcmp(a->sym[e], b->sym[e]) != 0) return 0;
  return 1;
}

int nnmd_sim_add_bec(struct nnmd_sim *s, const struct nnmd_term_info *info, const struct nnmd_cfg *dir,
                     struct nnmd_error *err) {
  char path[NNMD_PATH_MAX];
  nnmd_input_path(&s->in, dir->u.s, path, sizeof path);
  void *state = NULL;
  int st = nnmd_bec_term_create(path, info, &state, err);
  if (st) return st;
  const struct nnmd_nnp_model *bm = nnmd_bec_term_model(state);
  for (int k = 0; k < nnmd_ff_n_terms(s->ff); ++k) {
    void *ts;
    if (nnmd_ff_term(s->ff, k, &ts) != &nnmd_pot_hdnnp) continue;
    const struct nnmd_nnp_model *em = nnmd_hdnnp_model(ts);
    if (same_elements(em, bm)) continue;
    char a[256], b[256];
    nnmd_nnp_model_element_list(em, a, sizeof a);
    nnmd_nnp_model_element_list(bm, b, sizeof b);
    nnmd_pot_bec.destroy(state);
    return nnmd_fail_at(err, NNMD_ERR_INPUT, dir->loc,
                        "born_charges: the Born-charge model '%s' has the elements [%s], the energy model '%s' has "
                        "[%s]; they must be the same",
                        path, b, em->dir, a);
  }
  return nnmd_ff_add(s->ff, &nnmd_pot_bec, state, dir->loc, err);
}
