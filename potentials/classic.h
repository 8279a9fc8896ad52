/* pot_classic.h — the classical force terms of the engine (registered in app/registry.c). */
#ifndef NNMD_POT_CLASSIC_H
#define NNMD_POT_CLASSIC_H

#include "potential.h"

extern const struct nnmd_potential_ops nnmd_pot_lj;  /* pot_lj.c */
extern const struct nnmd_potential_ops nnmd_pot_zbl; /* pot_zbl.c */

#endif
