/* units.c — see units.h. */
#include "units.h"

#include <string.h>

static const struct nnmd_units k_lammps = {
    .name = "lammps",
    .boltz = 8.617343e-5,
    .mvv2e = 1.0364269e-4,
    .ftm2v = 1.0 / 1.0364269e-4,
    .nktv2p = 1.6021765e6,
    .qqr2e = 14.399645,
    .qe2f = 1.0,
    .hplanck = 4.135667403e-3,
};

static const struct nnmd_units k_codata = {
    .name = "codata2018",
    .boltz = 8.617333262e-5,
    .mvv2e = 1.0364269653e-4,
    .ftm2v = 1.0 / 1.0364269653e-4,
    .nktv2p = 1.602176634e6,
    .qqr2e = 14.3996454784,
    .qe2f = 1.0,
    .hplanck = 4.135667697e-3,
};

const struct nnmd_units *nnmd_units_get(const char *name) {
  if (!name || strcmp(name, "lammps") == 0) return &k_lammps;
  if (strcmp(name, "codata2018") == 0) return &k_codata;
  return NULL;
}
