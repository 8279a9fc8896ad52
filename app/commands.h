/* commands.h — the subcommands of the nnmd program. Each returns the process exit code:
 * 0 success, 1 invalid input (nothing ran), 2 failure during the run, 3 interrupted. */
#ifndef NNMD_COMMANDS_H
#define NNMD_COMMANDS_H

#include <signal.h>
#include <stdbool.h>

#include "comm.h"

enum { NNMD_EXIT_OK = 0, NNMD_EXIT_INPUT = 1, NNMD_EXIT_RUNTIME = 2, NNMD_EXIT_INTERRUPTED = 3 };

struct nnmd_cli {
  struct nnmd_comm *comm;
  int verbosity; /* 0 quiet, 1 normal, 2 verbose */
  volatile sig_atomic_t *stop_flag;
  bool mpi_launched; /* started by mpirun/mpiexec (its environment, seen before MPI_Init) */
};

int nnmd_cmd_run(const struct nnmd_cli *cli, int argc, char **argv);
int nnmd_cmd_check(const struct nnmd_cli *cli, int argc, char **argv);
int nnmd_cmd_predict(const struct nnmd_cli *cli, int argc, char **argv);
int nnmd_cmd_analyze(const struct nnmd_cli *cli, int argc, char **argv);
int nnmd_cmd_train(const struct nnmd_cli *cli, int argc, char **argv);
/* A train.toml ([data] and no [run]/[system]): `nnmd check` hands it to the trainer. */
bool nnmd_is_train_input(const char *path);
int nnmd_cmd_train_file(const struct nnmd_cli *cli, const char *input, bool check_only);

#endif
