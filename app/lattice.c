/* lattice.c — `[system] lattice = { type, a, repeat, species }`: a crystal made in place
 * (LAMMPS lattice + create_atoms). Types: sc, bcc, fcc, diamond; `a` in A; orthogonal
 * cell of repeat[0] x repeat[1] x repeat[2] cubic unit cells, atoms numbered cell by cell.
 * `species` is one element, or a list with one element per basis site in the order
 * sc: (0,0,0); bcc: corner, centre (["Cs", "Cl"] = CsCl); fcc: (0,0,0), (1/2,1/2,0),
 * (1/2,0,1/2), (0,1/2,1/2); diamond: the fcc sites, then the (1/4,1/4,1/4)-shifted ones. */
#include "setup.h"

#include <math.h>
#include <string.h>

static const char *const k_types[] = {"sc", "bcc", "fcc", "diamond", NULL};
static const char *const k_keys[] = {"type", "a", "repeat", "species", NULL};

static const double k_sc[1][3] = {{0, 0, 0}};
static const double k_bcc[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
static const double k_fcc[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
static const double k_dia[8][3] = {{0, 0, 0},          {0.5, 0.5, 0},       {0.5, 0, 0.5},
                                   {0, 0.5, 0.5},      {0.25, 0.25, 0.25}, {0.75, 0.75, 0.25},
                                   {0.75, 0.25, 0.75}, {0.25, 0.75, 0.75}};

int nnmd_lattice_build(const struct nnmd_cfg *t, struct nnmd_system *sys, struct nnmd_box *box,
                       struct nnmd_error *err) {
  int st = nnmd_cfg_check_keys(t, k_keys, "'lattice'", err), r, type = 2;
  double a = 0, rep[3] = {1, 1, 1};
  const char *sp = NULL;
  const struct nnmd_cfg *spv = nnmd_cfg_get(t, "species");
  r = nnmd_cfg_choice(t, "type", true, k_types, &type, err);
  st = st ? st : r;
  r = nnmd_cfg_positive(t, "a", true, &a, err);
  st = st ? st : r;
  r = nnmd_cfg_vec(t, "repeat", true, 3, rep, err);
  st = st ? st : r;
  if (!spv || spv->kind != NNMD_CFG_ARRAY) {
    r = nnmd_cfg_string(t, "species", true, &sp, err);
    st = st ? st : r;
  }
  if (st) return st;
  int64_t n[3];
  for (int d = 0; d < 3; ++d) {
    n[d] = (int64_t)rep[d];
    if ((double)n[d] != rep[d] || n[d] < 1 || n[d] > 100000)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, nnmd_cfg_get(t, "repeat")->loc,
                          "'repeat' must be three positive integers");
  }
  const double(*basis)[3] = type == 0 ? k_sc : type == 1 ? k_bcc : type == 2 ? k_fcc : k_dia;
  int nb = type == 0 ? 1 : type == 1 ? 2 : type == 2 ? 4 : 8;
  int zb[8];
  if (sp) {
    int z = nnmd_species_intern(&sys->species, sp);
    if (z < 0) return nnmd_fail_at(err, NNMD_ERR_INPUT, spv->loc, "unknown element '%s'", sp);
    for (int b = 0; b < nb; ++b) zb[b] = z;
  } else {
    if (spv->n != (size_t)nb)
      return nnmd_fail_at(err, NNMD_ERR_INPUT, spv->loc,
                          "'species' lists %zu elements; a %s lattice has %d basis sites (or give one element)",
                          spv->n, k_types[type], nb);
    for (int b = 0; b < nb; ++b) {
      const struct nnmd_cfg *e = spv->items[b];
      zb[b] = e->kind == NNMD_CFG_STRING ? nnmd_species_intern(&sys->species, e->u.s) : -1;
      if (zb[b] < 0)
        return nnmd_fail_at(err, NNMD_ERR_INPUT, e->loc, "'species' must list element symbols");
    }
  }
  int64_t total = n[0] * n[1] * n[2] * nb;
  if ((st = nnmd_system_reserve(sys, total, err))) return st;
  int64_t c = sys->capacity, k = 0;
  for (int64_t iz = 0; iz < n[2]; ++iz)
    for (int64_t iy = 0; iy < n[1]; ++iy)
      for (int64_t ix = 0; ix < n[0]; ++ix)
        for (int b = 0; b < nb; ++b, ++k) {
          sys->x[k] = a * ((double)ix + basis[b][0]);
          sys->x[c + k] = a * ((double)iy + basis[b][1]);
          sys->x[2 * c + k] = a * ((double)iz + basis[b][2]);
          sys->id[k] = k + 1;
          sys->type[k] = zb[b];
          for (int d = 0; d < 3; ++d) {
            sys->v[d * c + k] = 0;
            sys->image[d * c + k] = 0;
          }
        }
  sys->n_local = sys->n_global = total;
  double h[9] = {a * (double)n[0], 0, 0, 0, a * (double)n[1], 0, 0, 0, a * (double)n[2]};
  double lo[3] = {0, 0, 0};
  int per[3] = {1, 1, 1};
  return nnmd_box_set_h(box, h, lo, per, err);
}
