/* integrators.h — the integrators of nnmd (registered in engine/app/registry.c). */
#ifndef NNMD_INTEGRATORS_H
#define NNMD_INTEGRATORS_H

#include "integrator.h"

extern const struct nnmd_integrator_ops nnmd_integ_nve; /* nve.c: velocity Verlet */

#endif
