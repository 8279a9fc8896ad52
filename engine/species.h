/* species.h — the species table and the built-in periodic table (symbols, Z, masses).
 *
 * A species is what an atom's `type` indexes: an element symbol, its atomic number
 * (0 for a user-defined non-element name) and a mass in amu. Masses are IUPAC standard
 * atomic weights (conventional values), as in ASE and LAMMPS' `mass` defaults.
 */
#ifndef NNMD_SPECIES_H
#define NNMD_SPECIES_H

#define NNMD_MAX_SPECIES 64
#define NNMD_SYMBOL_LEN 8

struct nnmd_species {
  char symbol[NNMD_SYMBOL_LEN];
  int z;       /* atomic number, 0 if not an element */
  double mass; /* amu */
};

struct nnmd_species_table {
  int n;
  struct nnmd_species s[NNMD_MAX_SPECIES];
};

/* Atomic number of an element symbol (case-sensitive, e.g. "Cu"); 0 if unknown. */
int nnmd_element_z(const char *symbol);
/* Symbol and standard mass of element z (1..118); NULL / 0 if out of range. */
const char *nnmd_element_symbol(int z);
double nnmd_element_mass(int z);

/* Index of `symbol` in the table, adding it (with its standard mass) if absent.
 * Returns the index, or -1 if the table is full or the symbol is not an element. */
int nnmd_species_intern(struct nnmd_species_table *t, const char *symbol);
/* Index of `symbol`, -1 if absent. */
int nnmd_species_find(const struct nnmd_species_table *t, const char *symbol);

#endif
