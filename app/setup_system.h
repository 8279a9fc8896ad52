/* setup_system.h — [system] frame, masses and replicate (setup_system.c). */
#ifndef NNMD_SETUP_SYSTEM_H
#define NNMD_SETUP_SYSTEM_H

#include "error.h"

struct nnmd_sim;
/* Read [system] structure (the selected frame, extra columns [[group]] tables use). */
int nnmd_sim_read_structure(struct nnmd_sim *s, struct nnmd_error *err);
/* masses, then replicate: after the structure or lattice is in s->sys. */
int nnmd_sim_system_options(struct nnmd_sim *s, struct nnmd_error *err);

/* [[group]] selection (s->groups, s->md.groups) and its integrator checks. */
int nnmd_sim_groups(struct nnmd_sim *s, struct nnmd_error *err);
int nnmd_sim_groups_integrator(struct nnmd_sim *s, struct nnmd_error *err);

#endif
