/* model.h — an n2p2 2G-HDNNP model (input.nn, scaling.data, weights.NNN.data) as flat
 * tables (n2p2-format.md sections 2, 3, 6bis, 7, 8.3).
 *
 * Layout: elements are indexed 0..n_elem-1 in n2p2 order (sorted by atomic number). The
 * symmetry functions of all elements live in ONE array `sf` in element blocks
 * [sf_off[e], sf_off[e] + n_sf[e]), each block in n2p2's sorted order (= NN input order =
 * scaling.data row order). Every SF keeps its input.nn line for messages. Networks: one
 * struct nnmd_ann per element (ann.h), weights in one contiguous array each.
 *
 * Units: every length parameter (rc, rl, rs, eta in 1/length^2) is in the model's own
 * physical length unit as written in input.nn; energies in the model's energy unit.
 * Normalisation (mean_energy, conv_energy, conv_length) is kept as three numbers and applied
 * by the caller as  E = sum_i [ y_i / conv_energy + mean_energy + atom_energy(elem i) ]
 * (n2p2-format.md section 10); conv_length never needs to be applied because every SF is
 * invariant under a common rescaling of lengths.
 *
 * Errors: every problem found while reading is reported as file:line (the model file and
 * its line) into the error record; the loader collects as many problems as it can.
 */
#ifndef NNMD_NNP_MODEL_H
#define NNMD_NNP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "ann.h"
#include "error.h"
#include "files.h"
#include "species.h"

#define NNMD_NNP_MAX_ELEM 16
#define NNMD_NNP_PATH 1024

/* Scaling modes (n2p2 SymFnc ScalingType). */
enum nnmd_nnp_scaling {
  NNMD_NNP_ST_NONE = 0,
  NNMD_NNP_ST_SCALE,
  NNMD_NNP_ST_CENTER,
  NNMD_NNP_ST_SCALECENTER,
  NNMD_NNP_ST_SCALESIGMA
};

/* One symmetry function (all types; fields a type does not use are 0 / -1). */
struct nnmd_nnp_sf {
  int type;        /* n2p2 type code: 2 3 9 12 13 20 21 22 23 24 25 */
  int ec, e1, e2;  /* central and neighbour element indices; -1 where unused */
  double eta, rs;  /* exponential types */
  double lambda, zeta;
  int izeta;       /* zeta as an integer if it is one (>= 0), else -1 */
  double rc;       /* cutoff (exponential types) or right radius (polynomial types) */
  double rl;       /* left radius (polynomial types) */
  double angl, angr; /* polynomial angular window, degrees */
  int core;        /* NNMD_CORE_* for polynomial types */
  int asym;        /* trailing 'a' in the subtype */
  char sub[8];     /* subtype string as written (sort key) */
  int64_t line;    /* line in input.nn (1-based) */
  /* scaling.data statistics and the derived map G~ = smin + scale (G - gref) */
  double gmin, gmax, gmean, gsigma;
  double scale, gref, smin;
  int64_t scaling_line; /* line in scaling.data */
};

/* nnmd extension: the charge-state input node (methods.md section 5, docs/nnp.md).
 * Q_sys = c q_sys / V with c and V in the model's length unit cubed; Q_sys is scaled like a
 * symmetry function (model-wide scaling mode, the statistics of scaling.data row N_G+1 of
 * each element) and is input N_G+1 of every element network. */
struct nnmd_nnp_charge_node {
  bool on;           /* input.nn has `nnmd_charge_node c [qmin qmax]` */
  double c;          /* model length unit^3 */
  bool has_qrange;   /* the optional training range of q_sys was given */
  double qmin, qmax; /* e */
  int64_t line;      /* input.nn line of the keyword */
  struct nnmd_nnp_sf scal[NNMD_NNP_MAX_ELEM]; /* per element: Q statistics and scaling map
                                                  (gmin..gsigma, scale, gref, smin, scaling_line) */
};

struct nnmd_nnp_model {
  char dir[NNMD_NNP_PATH];
  int n_elem;
  char sym[NNMD_NNP_MAX_ELEM][4];
  int z[NNMD_NNP_MAX_ELEM];
  double atom_energy[NNMD_NNP_MAX_ELEM]; /* E0 per element, model energy unit */
  bool normalized;
  double mean_energy, conv_energy, conv_length; /* 0, 1, 1 without normalisation */
  int cutoff_type;
  double cutoff_alpha;
  int scaling; /* enum nnmd_nnp_scaling */
  double smin, smax;
  int n_sf[NNMD_NNP_MAX_ELEM];
  int sf_off[NNMD_NNP_MAX_ELEM];
  int n_sf_total;
  struct nnmd_nnp_sf *sf;
  double rc_elem[NNMD_NNP_MAX_ELEM]; /* largest SF cutoff of each central element */
  double rc_max;                     /* largest over all elements (model length unit) */
  struct nnmd_ann ann[NNMD_NNP_MAX_ELEM]; /* n_sf[e] inputs, + 1 with the charge node */
  struct nnmd_nnp_charge_node charge;
};

/* Read the model in folder `dir`. */
int nnmd_nnp_model_load(const char *dir, struct nnmd_nnp_model **out, struct nnmd_error *err);
/* The same, reading the files through `files` (rank 0 reads, every rank gets the bytes). */
struct nnmd_files;
int nnmd_nnp_model_load_with(struct nnmd_files *files, const char *dir, struct nnmd_nnp_model **out,
                             struct nnmd_error *err);
void nnmd_nnp_model_free(struct nnmd_nnp_model *m);
/* Element index of a symbol, -1 if the model has no such element. */
int nnmd_nnp_model_element(const struct nnmd_nnp_model *m, const char *symbol);
/* The model's element symbols as one space-separated string (for messages). */
void nnmd_nnp_model_element_list(const struct nnmd_nnp_model *m, char *out, size_t n);

/* Structure species -> model elements, by symbol (used by the HDNNP and BEC terms). */
struct nnmd_nnp_species_map {
  int nsp; /* species mapped (0: none yet, or the last build failed) */
  int elem[NNMD_MAX_SPECIES];
  char sym[NNMD_MAX_SPECIES][NNMD_SYMBOL_LEN];
};
/* Map every species of sp; each one the model lacks is an error at loc: "element 'X' of the
 * structure is not in the <what> (its elements: ...)". */
int nnmd_nnp_species_map_build(struct nnmd_nnp_species_map *map, const struct nnmd_nnp_model *m,
                               const struct nnmd_species_table *sp, struct nnmd_loc loc, const char *what,
                               struct nnmd_error *err);
/* Whether map was built for exactly these species (same symbols in the same order). */
bool nnmd_nnp_species_map_same(const struct nnmd_nnp_species_map *map, const struct nnmd_species_table *sp);

/* The units a model folder records (models written by `nnmd train`: a comment line
 * "# nnmd_units length=angstrom|bohr energy=eV|hartree" in input.nn). Returns true and sets
 * *bohr / *hartree when the folder records them, false otherwise (n2p2's own files do not). */
bool nnmd_nnp_recorded_units(const char *dir, bool *bohr, bool *hartree);
/* True when dir/input.nn cannot be opened; msg (n bytes) then says so, and points to
 * dir/model when that folder holds one (a model's top folder given instead of its model/). */
bool nnmd_nnp_settings_missing(const char *dir, char *msg, size_t n);

/* Largest cutoff radius of any SF (model length unit). */
double nnmd_nnp_model_cutoff(const struct nnmd_nnp_model *m);

/* ---- pieces of the loader, exposed for tests (model_settings.c, model_sf.c, model_files.c) */

/* One parsed input.nn line: keyword, argument tokens, line number. */
struct nnmd_nnp_kwline {
  char *key;
  int ntok;
  char **tok;
  int64_t line;
};

struct nnmd_nnp_settings {
  char path[NNMD_NNP_PATH];
  int n;
  struct nnmd_nnp_kwline *lines;
  char *buf; /* owns every string */
};

/* Read and tokenise input.nn; checks unknown keywords and forbidden repetitions. */
int nnmd_nnp_settings_read(struct nnmd_files *files, const char *path, struct nnmd_nnp_settings *s,
                           struct nnmd_error *err);
void nnmd_nnp_settings_free(struct nnmd_nnp_settings *s);
/* First line with keyword `key` (aliases resolved), or NULL. */
const struct nnmd_nnp_kwline *nnmd_nnp_settings_find(const struct nnmd_nnp_settings *s,
                                                     const char *key);

/* Parse the symmetry-function lines into m->sf (sorted per element). */
int nnmd_nnp_parse_sfs(const struct nnmd_nnp_settings *s, struct nnmd_nnp_model *m,
                       struct nnmd_error *err);
/* Read scaling.data / the weight files into an already set-up model. */
int nnmd_nnp_read_scaling(struct nnmd_files *files, const char *path, struct nnmd_nnp_model *m,
                          struct nnmd_error *err);
/* A weights file must have at least 2 bytes per parameter the settings claim: checked (by
 * size) before the network is allocated. */
int nnmd_nnp_weights_fit(struct nnmd_files *files, const char *path, size_t n_params, struct nnmd_error *err);
int nnmd_nnp_read_weights(struct nnmd_files *files, const char *dir, struct nnmd_nnp_model *m,
                          struct nnmd_error *err);

/* ---- reuse by other model files (the BEC model, bec.h) */

/* Keywords accepted besides n2p2's by nnmd_nnp_settings_read_ext; the list ends with name NULL. */
struct nnmd_nnp_extra_kw {
  const char *name;
  bool repeatable; /* may appear on several lines */
};
/* nnmd_nnp_settings_read plus the caller's extra keywords (NULL: none). */
int nnmd_nnp_settings_read_ext(struct nnmd_files *files, const char *path, const struct nnmd_nnp_extra_kw *extra,
                               struct nnmd_nnp_settings *s, struct nnmd_error *err);
/* The settings part of the loader on already read settings: nnp_type, normalisation, elements,
 * atom_energy, cutoff type, symmetry functions, scaling mode and the network topology (one
 * output neuron). m must be zeroed; reads no file and no nnmd extension keyword. */
int nnmd_nnp_model_from_settings(const struct nnmd_nnp_settings *s, struct nnmd_nnp_model *m,
                                 struct nnmd_error *err);

#endif
