/* structure_arrays.c — a structure from plain arrays (atomic numbers, positions, cell rows,
 * pbc) for the library API: the same builder (nnmd_sbuild_*) and the same checks as the file
 * readers, so a structure given as arrays and the same numbers read from an extxyz file give
 * the same system and box (bit for bit). Units: A. */
#include <math.h>
#include <string.h>

#include "structure.h"

int nnmd_structure_from_arrays(int64_t n, const int *z, const double *pos, const double *cell, const int pbc[3],
                               const char *what, struct nnmd_system *sys, struct nnmd_box *box,
                               struct nnmd_error *err) {
  if (!what)
    what = "structure";
  if (n < 1)
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: the structure has no atoms (n = %lld)", what, (long long)n);
  if (!z || !pos || !pbc)
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: numbers, positions and pbc are required", what);
  if (sys->n_local != 0 || sys->n_ghost != 0)
    return nnmd_fail(err, NNMD_ERR_INTERNAL, "nnmd_structure_from_arrays needs an empty system");
  bool has_cell = false;
  if (cell)
    for (int k = 0; k < 9; ++k) {
      if (!isfinite(cell[k]))
        return nnmd_fail(err, NNMD_ERR_INPUT, "%s: cell component %d is not finite", what, k + 1);
      if (cell[k] != 0.0)
        has_cell = true;
    }
  if (!has_cell && (pbc[0] || pbc[1] || pbc[2]))
    return nnmd_fail(err, NNMD_ERR_INPUT, "%s: pbc is periodic but there is no cell", what);
  struct nnmd_sbuild b;
  nnmd_sbuild_init(&b, NULL, sys);
  int st = nnmd_sbuild_reserve(&b, n, err);
  for (int64_t i = 0; i < n && !st; ++i) {
    const double *x = pos + 3 * i;
    if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) {
      st = nnmd_fail(err, NNMD_ERR_INPUT, "%s: atom %lld has a position that is not finite", what, (long long)(i + 1));
      break;
    }
    const char *sym = nnmd_element_symbol(z[i]);
    if (!sym) {
      st = nnmd_fail(err, NNMD_ERR_INPUT, "%s: atom %lld has atomic number %d, which is not an element (1..118)", what,
                     (long long)(i + 1), z[i]);
      break;
    }
    int type = 0;
    st = nnmd_sbuild_species(&b, sym, NNMD_NOLOC, &type, err);
    if (!st)
      st = nnmd_sbuild_add(&b, i + 1, type, x, 0, NULL, err);
  }
  if (!st && has_cell) {
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k)
        b.h[3 * r + k] = cell[3 * k + r]; /* vector k -> column k */
    memset(b.lo, 0, sizeof b.lo);
    for (int d = 0; d < 3; ++d)
      b.periodic[d] = pbc[d] ? 1 : 0;
    b.has_cell = true;
  }
  if (!st)
    st = nnmd_sbuild_finish(&b, 1.0, box, err);
  nnmd_sbuild_free(&b);
  return st;
}
