/* support.c — see support.h. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "types.h"

uint64_t tsup_rand_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double tsup_rand_uniform(uint64_t *s) { return (double)(tsup_rand_u64(s) >> 11) * 0x1.0p-53; }

double tsup_rand_normal(uint64_t *s) {
  double u1 = tsup_rand_uniform(s), u2 = tsup_rand_uniform(s);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(2 * NNMD_PI * u2);
}

double tsup_reldiff(double a, double b, double floor) {
  double m = fmax(fmax(fabs(a), fabs(b)), floor);
  return fabs(a - b) / m;
}

const char *tsup_shared_path(char *buf, size_t n, const char *rel) {
#ifdef NNMD_SHARED_DIR
  snprintf(buf, n, "%s/%s", NNMD_SHARED_DIR, rel);
#else
  snprintf(buf, n, "../shared/%s", rel);
#endif
  return buf;
}

bool tsup_file_exists(const char *path) { return access(path, R_OK) == 0; }

#include <string.h>

#include "box_math.h"
#include "setup.h"
#include "toml.h"

int tsup_random_system(struct nnmd_system *sys, struct nnmd_box *box, int64_t n, const char *const *species,
                       const double L[3], const double tilt[3], double rmin, uint64_t seed) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  int per[3] = {1, 1, 1};
  double lo[3] = {0, 0, 0};
  int st = nnmd_box_set_lammps(box, lo, L[0], L[1], L[2], tilt[0], tilt[1], tilt[2], per, &err);
  if (!st) st = nnmd_system_reserve(sys, n, &err);
  nnmd_error_clear(&err);
  if (st) return st;
  int nsp = 0;
  while (species[nsp]) nsp++;
  int64_t c = sys->capacity, k = 0, tries = 0;
  while (k < n && tries < 1000 * n) {
    tries++;
    double s[3] = {tsup_rand_uniform(&seed), tsup_rand_uniform(&seed), tsup_rand_uniform(&seed)}, r[3];
    nnmd_frac_to_cart(box->h, box->lo, s, r);
    bool ok = true;
    for (int64_t j = 0; j < k && ok; ++j) {
      double d[3] = {sys->x[j] - r[0], sys->x[c + j] - r[1], sys->x[2 * c + j] - r[2]};
      /* check a few images (cells may be thin) */
      for (int a = -1; a <= 1 && ok; ++a)
        for (int b = -1; b <= 1 && ok; ++b)
          for (int e = -1; e <= 1 && ok; ++e) {
            double dd[3];
            for (int q = 0; q < 3; ++q)
              dd[q] = d[q] + a * box->h[3 * q] + b * box->h[3 * q + 1] + e * box->h[3 * q + 2];
            if (dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2] < rmin * rmin) ok = false;
          }
    }
    if (!ok) continue;
    for (int q = 0; q < 3; ++q) {
      sys->x[q * c + k] = r[q];
      sys->v[q * c + k] = 0;
      sys->image[q * c + k] = 0;
    }
    sys->id[k] = k + 1;
    sys->type[k] = nnmd_species_intern(&sys->species, species[k % nsp]);
    k++;
  }
  sys->n_local = sys->n_global = k;
  sys->n_ghost = 0;
  return k == n ? 0 : -1;
}

int tsup_md_setup(struct nnmd_md *md, struct nnmd_comm **comm, struct nnmd_log *log, struct nnmd_system *sys,
                  const struct nnmd_box *box, const char *toml, double skin, struct nnmd_error *err) {
  memset(md, 0, sizeof *md);
  struct nnmd_cfg *root = NULL;
  int st = nnmd_comm_create(comm, NULL, NULL, err);
  if (st) return st;
  nnmd_log_init(log, 0, 0);
  if ((st = nnmd_toml_parse_string(toml, "test.toml", &root, err))) return st;
  const struct nnmd_cfg *pots = nnmd_cfg_get(root, "potential");
  struct nnmd_term_info info = {.base_dir = ".", .species = &sys->species, .units = nnmd_units_get("lammps"),
                                .log = log};
  st = nnmd_forcefield_build(pots, &info, &md->ff, err);
  if (!st) st = nnmd_ff_setup_lists(md->ff, skin, err);
  nnmd_cfg_free(root);
  if (st) return st;
  md->sys = sys;
  md->box = *box;
  md->comm = *comm;
  md->units = info.units;
  md->log = log;
  md->skin = skin;
  md->dt = 0.001;
  md->neigh_every = 1;
  md->neigh_check = true;
  md->want_eatom = true;
  return nnmd_md_init(md, err);
}

void tsup_md_free(struct nnmd_md *md, struct nnmd_comm *comm) {
  nnmd_md_release(md);
  nnmd_ff_destroy(md->ff);
  nnmd_comm_destroy(comm);
}
