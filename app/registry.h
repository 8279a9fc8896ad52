/* registry.h — the tables of force terms and integrators (the LAMMPS "style" idea without
 * generated code): a new term is two files plus one line in registry.c. */
#ifndef NNMD_REGISTRY_H
#define NNMD_REGISTRY_H

#include "integrator.h"
#include "potential.h"

const struct nnmd_potential_ops *nnmd_registry_potential(const char *name);
/* NULL-terminated list of the registered potential names. */
const char *const *nnmd_registry_potential_names(void);
const struct nnmd_integrator_ops *nnmd_registry_integrator(const char *name);

#endif
