/* registry.c — see registry.h. */
#include "registry.h"

#include <string.h>

#include "hdnnp.h"
#include "integrators.h"
#include "classic.h"

static const struct nnmd_potential_ops *const k_potentials[] = {
    &nnmd_pot_lj,
    &nnmd_pot_zbl,
    &nnmd_pot_hdnnp,
    NULL,
};

static const char *const k_potential_names[] = {"lj", "zbl", "hdnnp", NULL};

static const struct nnmd_integrator_ops *const k_integrators[] = {
    &nnmd_integ_nve,
    NULL,
};

const struct nnmd_potential_ops *nnmd_registry_potential(const char *name) {
  for (int i = 0; k_potentials[i]; ++i)
    if (strcmp(k_potentials[i]->name, name) == 0) return k_potentials[i];
  return NULL;
}

const char *const *nnmd_registry_potential_names(void) { return k_potential_names; }

const struct nnmd_integrator_ops *nnmd_registry_integrator(const char *name) {
  for (int i = 0; k_integrators[i]; ++i)
    if (strcmp(k_integrators[i]->name, name) == 0) return k_integrators[i];
  return NULL;
}
