/* classic.h — the classical pair terms of potentials/ (lj, zbl) (registered in app/registry.c). */
#ifndef NNMD_POT_CLASSIC_H
#define NNMD_POT_CLASSIC_H

#include "potential.h"

extern const struct nnmd_potential_ops nnmd_pot_lj;  /* lj.c */
extern const struct nnmd_potential_ops nnmd_pot_zbl; /* zbl.c */

#endif
