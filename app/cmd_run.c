/* cmd_run.c — `nnmd run input.toml` and `nnmd check input.toml`. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "commands.h"
#include "hdnnp.h"
#include "neighbor.h"
#include "setup.h"
#include "setup_analysis.h"

/* One message for all ranks: rank 0 prints its errors; another rank prints its own only when
 * rank 0 has none (e.g. an atom lost on that rank). Collective. */
static void print_errors(const struct nnmd_error *err, int verbosity, const struct nnmd_comm *comm) {
  int64_t zero_has = nnmd_comm_rank(comm) == 0 ? err->count : 0;
  nnmd_comm_sum_int64(comm, &zero_has, 1);
  if (nnmd_comm_rank(comm) != 0 && zero_has > 0) return;
  if (err->count == 0) return;
  if (nnmd_comm_rank(comm) != 0) fprintf(stderr, "[rank %d] ", nnmd_comm_rank(comm));
  nnmd_error_print(err, stderr, verbosity >= 2);
  if (err->count > 1) fprintf(stderr, "%d errors\n", err->count);
}

static int exit_code(int status) {
  if (status == NNMD_OK) return NNMD_EXIT_OK;
  if (status == NNMD_ERR_INTERRUPTED) return NNMD_EXIT_INTERRUPTED;
  if (status == NNMD_ERR_INPUT || status == NNMD_ERR_FILE || status == NNMD_ERR_FORMAT ||
      status == NNMD_ERR_UNSUPPORTED)
    return NNMD_EXIT_INPUT;
  return NNMD_EXIT_RUNTIME;
}

static void print_setup(struct nnmd_sim *s) {
  struct nnmd_log *log = &s->log;
  const struct nnmd_box *b = &s->md.box;
  nnmd_log_info(log, "nnmd %s: %lld atoms, %d species, cell volume %.4f A^3, periodic %d %d %d", NNMD_VERSION,
                (long long)s->sys->n_global, s->sys->species.n, b->volume, b->periodic[0], b->periodic[1],
                b->periodic[2]);
  nnmd_log_info(log, "cell vectors (A): a = (%.6f %.6f %.6f)  b = (%.6f %.6f %.6f)  c = (%.6f %.6f %.6f)", b->h[0],
                b->h[3], b->h[6], b->h[1], b->h[4], b->h[7], b->h[2], b->h[5], b->h[8]);
  nnmd_ff_print(s->ff, log);
  nnmd_log_info(log, "neighbour skin %.3f A, ghost cutoff %.3f A; time step %g ps, %lld steps; units %s",
                s->md.skin, nnmd_ff_max_cutoff(s->ff) + s->md.skin, s->md.dt, (long long)s->md.last_step,
                s->units->name);
}

static void print_neighbors(struct nnmd_sim *s) {
  if (s->md.dlist) { /* resident run: the device list replaces the host lists */
    struct nnmd_nlist_dev_stats d;
    nnmd_nlist_dev_stats(s->md.dlist, &d);
    nnmd_log_info(&s->log, "neighbour list (device, full, %.3f A): %lld builds, neighbours per atom min %d mean %.2f max %d",
                  nnmd_nlist_dev_radius(s->md.dlist), (long long)d.n_builds, d.min_count, d.mean_count, d.max_count);
    return;
  }
  for (int k = 0; k < nnmd_ff_n_lists(s->ff); ++k) {
    const struct nnmd_nlist *nl = nnmd_ff_list(s->ff, k);
    nnmd_log_info(&s->log, "neighbour list %d (%s, %.3f + %.3f A): %lld builds, neighbours per atom min %d mean %.2f max %d",
                  k, nl->full ? "full" : "half", nl->cutoff, nl->skin, (long long)nl->n_builds, nl->min_count,
                  nl->mean_count, nl->max_count);
  }
}

/* At the initial state: the fraction of atoms whose HDNNP inputs extrapolate. Nearly all of
 * them do when the units are wrong or the structure is not what the model was made for; a
 * run from there is meaningless, so check and run refuse it above [run]
 * check_extrapolation_fraction (default 0.05). GPU terms count warnings, not atoms: their
 * count (capped at the atoms) stands in. Collective. */
static int check_extrapolation(struct nnmd_sim *s, struct nnmd_error *err) {
  const struct nnmd_cfg *pots = s->in.potentials;
  for (int k = 0; k < nnmd_ff_n_terms(s->ff); ++k) {
    void *state = NULL;
    if (nnmd_ff_term(s->ff, k, &state) != &nnmd_pot_hdnnp) continue;
    int64_t a = nnmd_hdnnp_extrapolating_atoms(state), w = nnmd_hdnnp_warnings_last(state);
    int64_t v[2] = {a >= 0 ? a : (w < s->sys->n_local ? w : s->sys->n_local), w};
    nnmd_comm_sum_int64(s->comm, v, 2);
    double frac = s->sys->n_global > 0 ? (double)v[0] / (double)s->sys->n_global : 0.0;
    if (frac <= s->in.extrap_fraction) continue;
    struct nnmd_loc loc = pots && (size_t)k < pots->n ? pots->items[k]->loc : NNMD_NOLOC;
    return nnmd_fail_at(err, NNMD_ERR_INPUT, loc,
                        "hdnnp: %lld of %lld atoms (%.1f%%) have symmetry functions outside the model's training "
                        "range in the initial structure (%lld extrapolation warnings), more than "
                        "check_extrapolation_fraction = %g: the model cannot describe this structure. Likely "
                        "cause: wrong units (the model's length_unit/energy_unit, or [system] length_unit of the "
                        "structure file: n2p2 models and data are often in Bohr), or a structure the model was not "
                        "made for (elements, cell, density)",
                        (long long)v[0], (long long)s->sys->n_global, 100.0 * frac, (long long)v[1],
                        s->in.extrap_fraction);
  }
  return NNMD_OK;
}

static int parse_args(int argc, char **argv, const char **input, const char **restart) {
  *input = NULL;
  if (restart) *restart = NULL;
  for (int i = 0; i < argc; ++i) {
    if (restart && !strcmp(argv[i], "--restart")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "error: --restart needs a checkpoint file\n");
        return 1;
      }
      *restart = argv[++i];
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "error: unknown option '%s' (see nnmd --help)\n", argv[i]);
      return 1;
    }
    if (*input) {
      fprintf(stderr, "error: more than one input file ('%s' and '%s')\n", *input, argv[i]);
      return 1;
    }
    *input = argv[i];
  }
  if (!*input) {
    fprintf(stderr, "error: missing input file (usage: nnmd run input.toml)\n");
    return 1;
  }
  return 0;
}

int nnmd_cmd_run(const struct nnmd_cli *cli, int argc, char **argv) {
  const char *input, *restart;
  if (parse_args(argc, argv, &input, &restart)) return NNMD_EXIT_INPUT;
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_sim s;
  int st = nnmd_sim_setup(&s, input, cli->comm, cli->verbosity, true, &err);
  if (!st && restart) {
    st = nnmd_checkpoint_read(restart, &s.md, &err);
    if (!st) st = nnmd_md_distribute(&s.md, &err);
    if (!st)
      nnmd_log_info(&s.log, "restarting from %s at step %lld (run length %lld steps)", restart,
                    (long long)s.md.first_step, (long long)s.md.last_step);
    if (!st && s.md.first_step >= s.md.last_step) {
      nnmd_log_info(&s.log, "the checkpoint is already at step %lld >= steps = %lld: nothing to do",
                    (long long)s.md.first_step, (long long)s.md.last_step);
      nnmd_sim_destroy(&s);
      nnmd_error_clear(&err);
      return NNMD_EXIT_OK;
    }
  }
  bool setup_failed = st != NNMD_OK;
  /* mpirun gives the ranks a pseudo-terminal even when its own output goes to a file: no progress
   * line under a launcher unless NNMD_PROGRESS=1 asks for it */
  const char *pv = getenv("NNMD_PROGRESS");
  if (cli->mpi_launched && !(pv && !strcmp(pv, "1"))) s.md.progress = false;
  if (!st) {
    print_setup(&s);
    s.md.stop_flag = cli->stop_flag;
    st = nnmd_md_init(&s.md, &err);
    if (!st && !restart && (st = check_extrapolation(&s, &err))) setup_failed = true;
    if (!st) {
      print_neighbors(&s);
      st = nnmd_md_run(&s.md, &err);
      print_neighbors(&s);
      nnmd_timers_report_ranks(&s.md.timers, &s.log, s.md.atom_steps, cli->comm);
      nnmd_sim_write_report(&s, st);
    }
  }
  if (st) print_errors(&err, cli->verbosity, cli->comm);
  nnmd_sim_destroy(&s);
  nnmd_error_clear(&err);
  return setup_failed ? NNMD_EXIT_INPUT : exit_code(st);
}

int nnmd_cmd_check(const struct nnmd_cli *cli, int argc, char **argv) {
  const char *input;
  if (parse_args(argc, argv, &input, NULL)) return NNMD_EXIT_INPUT;
  if (nnmd_is_train_input(input)) return nnmd_cmd_train_file(cli, input, true);
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_sim s;
  int st = nnmd_sim_setup(&s, input, cli->comm, cli->verbosity, false, &err);
  if (!st) {
    print_setup(&s);
    /* everything a run does before step 0: ghosts, lists, forces of the initial state */
    st = nnmd_md_init(&s.md, &err);
    if (!st) st = check_extrapolation(&s, &err);
    if (!st) {
      print_neighbors(&s);
      nnmd_md_thermo(&s.md);
      nnmd_log_info(&s.log, "initial state: E_pot %.10g eV, T %.4f K, P %.4f bar", s.md.thermo.epot,
                    s.md.thermo.temp, s.md.thermo.press);
      nnmd_log_info(&s.log, "%s: OK, the run would start", input);
    }
  }
  if (st) print_errors(&err, cli->verbosity, cli->comm);
  nnmd_sim_destroy(&s);
  nnmd_error_clear(&err);
  return st ? NNMD_EXIT_INPUT : NNMD_EXIT_OK; /* check: any problem means the run would not start */
}
