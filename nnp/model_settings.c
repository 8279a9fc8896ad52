/* model_settings.c — reading input.nn into keyword lines (n2p2-format.md section 2).
 *
 * Each line: everything from the first '#' or '!' on is dropped; blank lines are skipped;
 * the first whitespace-separated token is the keyword, the others its arguments. Keywords
 * are checked against the list n2p2 v2.3 knows (Settings.cpp): prediction keywords are used
 * by the loader, training and 4G keywords are accepted and ignored, anything else is an
 * error (n2p2 only warns; a typo in a prediction keyword would silently change the model).
 * Aliases are resolved to their main name (`symfunction` -> `symfunction_short`, ...);
 * using two spellings of one keyword, or repeating a keyword that may appear once, is an
 * error, as it is a critical error in n2p2.
 * nnmd_nnp_settings_read_ext accepts a caller's list of extra keywords as well (the nnmd
 * keywords of a BEC model file, docs/bec.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "files.h"
#include "mem.h"
#include "model.h"

struct known_kw {
  const char *name;
  const char *main; /* NULL: itself */
};

/* The keyword list of n2p2 v2.3 (src/libnnp/Settings.cpp), main names and aliases. */
static const struct known_kw k_known[] = {
    /* prediction */
    {"number_of_elements", NULL}, {"elements", NULL}, {"atom_energy", NULL}, {"cutoff_type", NULL},
    {"symfunction_short", NULL}, {"symfunction", "symfunction_short"},
    {"scale_symmetry_functions", NULL}, {"scale_min_short", NULL}, {"scale_max_short", NULL},
    {"center_symmetry_functions", NULL}, {"scale_symmetry_functions_sigma", NULL},
    {"global_hidden_layers_short", NULL}, {"global_hidden_layers_electrostatic", NULL},
    {"global_nodes_short", NULL}, {"global_nodes_electrostatic", NULL},
    {"global_activation_short", NULL}, {"global_activation_electrostatic", NULL},
    {"element_hidden_layers_short", NULL}, {"element_hidden_layers_electrostatic", NULL},
    {"element_nodes_short", NULL}, {"element_nodes_electrostatic", NULL},
    {"element_activation_short", NULL}, {"element_activation_electrostatic", NULL},
    {"normalize_nodes", NULL}, {"mean_energy", NULL}, {"conv_length", NULL}, {"conv_energy", NULL},
    {"conv_charge", NULL}, {"nnp_type", NULL}, {"nnp_generation", "nnp_type"},
    {"nnp_type_gen", "nnp_type"}, {"nnp_gen", "nnp_type"}, {"fixed_gausswidth", NULL},
    {"ewald_truncation_error_method", NULL}, {"kspace_solver", NULL}, {"ewald_prec", NULL},
    {"screen_electrostatics", NULL}, {"four_pi_epsilon", NULL},
    /* training */
    {"random_seed", NULL}, {"test_fraction", NULL}, {"epochs", NULL}, {"normalize_data_set", NULL},
    {"use_short_forces", NULL}, {"rmse_threshold", NULL}, {"rmse_threshold_energy", NULL},
    {"short_energy_error_threshold", "rmse_threshold_energy"}, {"rmse_threshold_force", NULL},
    {"short_force_error_threshold", "rmse_threshold_force"}, {"rmse_threshold_charge", NULL},
    {"rmse_threshold_trials", NULL}, {"rmse_threshold_trials_energy", NULL},
    {"rmse_threshold_trials_force", NULL}, {"rmse_threshold_trials_charge", NULL},
    {"energy_fraction", NULL}, {"short_energy_fraction", "energy_fraction"},
    {"force_fraction", NULL}, {"short_force_fraction", "force_fraction"},
    {"force_energy_ratio", NULL}, {"charge_fraction", NULL}, {"use_old_weights_short", NULL},
    {"use_old_weights_charge", NULL}, {"weights_min", NULL}, {"weights_max", NULL},
    {"initial_hardness", NULL}, {"nguyen_widrow_weights_short", NULL},
    {"nguyen_widrow_weights_charge", NULL}, {"precondition_weights", NULL},
    {"main_error_metric", NULL}, {"write_trainpoints", NULL}, {"write_trainforces", NULL},
    {"write_traincharges", NULL}, {"write_weights_epoch", NULL}, {"write_neuronstats", NULL},
    {"write_trainlog", NULL}, {"repeated_energy_update", NULL}, {"updater_type", NULL},
    {"parallel_mode", NULL}, {"jacobian_mode", NULL}, {"update_strategy", NULL},
    {"selection_mode", NULL}, {"selection_mode_energy", NULL}, {"selection_mode_force", NULL},
    {"selection_mode_charge", NULL}, {"task_batch_size_energy", NULL},
    {"task_batch_size_force", NULL}, {"task_batch_size_charge", NULL}, {"gradient_type", NULL},
    {"gradient_eta", NULL}, {"gradient_adam_eta", NULL}, {"gradient_adam_beta1", NULL},
    {"gradient_adam_beta2", NULL}, {"gradient_adam_epsilon", NULL}, {"kalman_type", NULL},
    {"kalman_epsilon", NULL}, {"kalman_eta", NULL}, {"kalman_etatau", NULL},
    {"kalman_etamax", NULL}, {"kalman_q0", NULL}, {"kalman_qtau", NULL}, {"kalman_qmin", NULL},
    {"kalman_lambda_short", NULL}, {"kalman_nue_short", NULL}, {"memorize_symfunc_results", NULL},
    {"force_weight", NULL},
    /* nnmd extensions (docs/nnp.md) */
    {"nnmd_charge_node", NULL},
};
#define N_KNOWN ((int)(sizeof k_known / sizeof k_known[0]))

/* Keywords that may appear on several lines. */
static const char *const k_repeatable[] = {"symfunction_short", "atom_energy", "element_nodes_short",
                                           "fixed_gausswidth", "initial_hardness", NULL};

static const struct known_kw *lookup(const char *key) {
  for (int i = 0; i < N_KNOWN; ++i)
    if (strcmp(k_known[i].name, key) == 0) return &k_known[i];
  return NULL;
}

/* The caller's extra keyword `key`, or NULL. */
static const struct nnmd_nnp_extra_kw *lookup_extra(const struct nnmd_nnp_extra_kw *extra, const char *key) {
  for (int i = 0; extra && extra[i].name; ++i)
    if (strcmp(extra[i].name, key) == 0) return &extra[i];
  return NULL;
}

static const char *main_name(const struct known_kw *k) { return k->main ? k->main : k->name; }

static bool repeatable(const char *main, const struct nnmd_nnp_extra_kw *extra) {
  for (int i = 0; k_repeatable[i]; ++i)
    if (strcmp(k_repeatable[i], main) == 0) return true;
  const struct nnmd_nnp_extra_kw *x = lookup_extra(extra, main);
  return x && x->repeatable;
}

void nnmd_nnp_settings_free(struct nnmd_nnp_settings *s) {
  if (!s) return;
  for (int i = 0; i < s->n; ++i) {
    free(s->lines[i].key);
    free(s->lines[i].tok);
  }
  free(s->lines);
  s->lines = NULL;
  s->n = 0;
}

/* Split `line` (modified in place) into tokens; returns the count. */
static int split(char *line, char **tok, int max) {
  int n = 0;
  char *p = line;
  while (*p) {
    while (*p && isspace((unsigned char)*p)) *p++ = '\0';
    if (!*p) break;
    if (n < max) tok[n] = p;
    ++n;
    while (*p && !isspace((unsigned char)*p)) ++p;
  }
  return n;
}

/* "did you mean" over the known keywords (and the caller's extra ones, at most 64). */
static const char *suggest_keyword(const char *key, const struct nnmd_nnp_extra_kw *extra) {
  const char *names[N_KNOWN + 65];
  int n = 0;
  for (int i = 0; i < N_KNOWN; ++i) names[n++] = k_known[i].name;
  for (int i = 0; extra && extra[i].name && i < 64; ++i) names[n++] = extra[i].name;
  names[n] = NULL;
  return nnmd_suggest(key, names);
}

/* Append one keyword line (tokens copied into one allocation owned by key). */
static int add_line(struct nnmd_nnp_settings *s, size_t *cap, char **tok, int ntok, int64_t lineno,
                    const char *main, struct nnmd_error *err) {
  if (nnmd_grow((void **)&s->lines, cap, (size_t)s->n + 1, sizeof *s->lines, err)) return NNMD_ERR_NOMEM;
  size_t len = strlen(main) + 1;
  for (int t = 1; t < ntok; ++t) len += strlen(tok[t]) + 1;
  char *buf = nnmd_malloc(len, err);
  char **tv = nnmd_calloc((size_t)ntok, sizeof *tv, err);
  if (!buf || !tv) {
    free(buf);
    free(tv);
    return NNMD_ERR_NOMEM;
  }
  struct nnmd_nnp_kwline *kl = &s->lines[s->n++];
  char *p = buf;
  strcpy(p, main);
  kl->key = p;
  p += strlen(main) + 1;
  for (int t = 1; t < ntok; ++t) {
    strcpy(p, tok[t]);
    tv[t - 1] = p;
    p += strlen(tok[t]) + 1;
  }
  kl->tok = tv;
  kl->ntok = ntok - 1;
  kl->line = lineno;
  return NNMD_OK;
}

/* Repetition and alias checks over the parsed lines; `orig` holds the spelling used. */
static int check_repeats(const struct nnmd_nnp_settings *s, char **orig, const struct nnmd_nnp_extra_kw *extra,
                         struct nnmd_error *err) {
  int st = NNMD_OK;
  for (int i = 0; i < s->n; ++i)
    for (int k = 0; k < i; ++k) {
      if (strcmp(s->lines[i].key, s->lines[k].key) != 0) continue;
      struct nnmd_loc loc = {s->path, s->lines[i].line, 1};
      if (strcmp(orig[i], orig[k]) != 0) {
        st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                          "keyword '%s' is an alias of '%s' used at line %lld; use one spelling only",
                          orig[i], orig[k], (long long)s->lines[k].line);
        break;
      }
      if (!repeatable(s->lines[i].key, extra)) {
        st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc,
                          "keyword '%s' appears again (first at line %lld); it may appear only once",
                          orig[i], (long long)s->lines[k].line);
        break;
      }
    }
  return st;
}

int nnmd_nnp_settings_read(struct nnmd_files *files, const char *path, struct nnmd_nnp_settings *s,
                           struct nnmd_error *err) {
  return nnmd_nnp_settings_read_ext(files, path, NULL, s, err);
}

int nnmd_nnp_settings_read_ext(struct nnmd_files *files, const char *path, const struct nnmd_nnp_extra_kw *extra,
                               struct nnmd_nnp_settings *s, struct nnmd_error *err) {
  memset(s, 0, sizeof *s);
  snprintf(s->path, sizeof s->path, "%s", path);
  FILE *f = nnmd_files_open(files, path);
  if (!f)
    return nnmd_fail(err, NNMD_ERR_FILE, "cannot open n2p2 settings file '%s': %s", path,
                     nnmd_files_strerror(errno));
  size_t cap = 0, ocap = 0;
  char **orig = NULL; /* spelling of each line's keyword, for messages */
  char *line = NULL;
  size_t lcap = 0;
  int64_t lineno = 0, r = 0;
  int st = NNMD_OK;
  char *tok[512];
  int nbad = 0; /* unknown keywords reported: reading stops after NNMD_ERRORS_PER_READER */
  while (nbad < NNMD_ERRORS_PER_READER && (r = nnmd_read_line(f, &line, &lcap, NNMD_LINE_MAX)) > 0) {
    ++lineno;
    char *c = strpbrk(line, "#!");
    if (c) *c = '\0';
    int ntok = split(line, tok, 512);
    if (ntok == 0) continue;
    struct nnmd_loc loc = {s->path, lineno, 1};
    if (ntok > 512) {
      st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "too many fields (%d) on one line", ntok);
      continue;
    }
    const struct known_kw *k = lookup(tok[0]);
    const struct nnmd_nnp_extra_kw *xk = k ? NULL : lookup_extra(extra, tok[0]);
    if (!k && !xk) {
      ++nbad;
      const char *sug = suggest_keyword(tok[0], extra);
      if (sug)
        st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "unknown keyword '%s'; did you mean '%s'?", tok[0], sug);
      else
        st = nnmd_fail_at(err, NNMD_ERR_FORMAT, loc, "unknown keyword '%s'", tok[0]);
      continue;
    }
    if (add_line(s, &cap, tok, ntok, lineno, k ? main_name(k) : xk->name, err) ||
        nnmd_grow((void **)&orig, &ocap, (size_t)s->n, sizeof *orig, err)) {
      st = NNMD_ERR_NOMEM;
      break;
    }
    orig[s->n - 1] = (char *)(k ? k->name : xk->name);
  }
  if (r < NNMD_LINE_EOF) st = nnmd_read_line_fail(err, s->path, lineno + 1, r);
  if (nbad >= NNMD_ERRORS_PER_READER)
    st = nnmd_fail_at(err, NNMD_ERR_FORMAT, ((struct nnmd_loc){s->path, lineno, 1}),
                      "%d unknown keywords: not an n2p2 settings file? (stopped reading here)", nbad);
  free(line);
  fclose(f);
  if (st == NNMD_OK) st = check_repeats(s, orig, extra, err);
  free(orig);
  if (st) nnmd_nnp_settings_free(s);
  return st;
}

const struct nnmd_nnp_kwline *nnmd_nnp_settings_find(const struct nnmd_nnp_settings *s,
                                                     const char *key) {
  for (int i = 0; i < s->n; ++i)
    if (strcmp(s->lines[i].key, key) == 0) return &s->lines[i];
  return NULL;
}
