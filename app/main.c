/* main.c — the nnmd program: argument parsing, signals, exit codes. The only code that exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "device.h"

static volatile sig_atomic_t g_stop = 0; /* set by SIGINT/SIGTERM: stop at the next step */

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "nnmd %s — molecular dynamics with neural-network potentials\n\n"
          "usage:\n"
          "  nnmd run INPUT.toml        run the simulation described by INPUT.toml\n"
          "  nnmd check INPUT.toml      validate input, structure and models; compute the initial\n"
          "                             forces; exit 0 only if the run would start\n"
          "  nnmd predict MODEL_DIR STRUCTURE [-o out.extxyz] [--length-unit angstrom|bohr\n"
          "               --energy-unit eV|hartree] [--units model] [--structure-length-unit angstrom|bohr]\n"
          "               [--charge-state Q] [--born-charges BEC_DIR]\n"
          "                             single-point energy, forces and stress with an n2p2 model\n"
          "  nnmd analyze TRAJ.extxyz [--msd] [--vacf] [--rdf] [--species Li,O] [--dt PS] [--every N]\n"
          "               [--window N] [--fit a,b] [--charges Li=1,O=-2] [--field Ex,Ey,Ez] [--temperature K]\n"
          "               [--no-com] [--rmax A] [--bins N] [--pairs Li-O,O-O] [--skip N] [--start PS] [-o DIR]\n"
          "                             MSD / diffusion, VACF / VDOS and RDF products from a trajectory\n"
          "  nnmd train TRAIN.toml [--check]\n"
          "                             fit an HDNNP (n2p2 format) to DFT energies, forces and stress\n"
          "                             (docs/training.md); nnmd check TRAIN.toml validates it and the data\n"
          "  nnmd --version | --help\n\n"
          "options: -v/--verbose (more output, our source locations in errors), -q/--quiet\n"
          "exit codes: 0 ok, 1 invalid input, 2 failure during the run, 3 interrupted (SIGINT/SIGTERM)\n",
          NNMD_VERSION);
}

int main(int argc, char **argv) {
  struct nnmd_cli cli = {.verbosity = 1, .stop_flag = &g_stop};
  /* global options before and after the command */
  char *args[256];
  int nargs = 0;
  for (int i = 1; i < argc && nargs < 255; ++i) {
    if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) cli.verbosity = 2;
    else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) cli.verbosity = 0;
    else if (!strcmp(argv[i], "--version")) {
      printf("nnmd %s\nbuilt with CUDA: %s\n", NNMD_VERSION, nnmd_device_built() ? "yes" : "no");
      return 0;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else args[nargs++] = argv[i];
  }
  if (nargs == 0) {
    usage(stderr);
    return NNMD_EXIT_INPUT;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* before MPI_Init: a singleton MPI_Init sets the same variables in our own environment */
  cli.mpi_launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK") ||
                     getenv("PMI_RANK") || getenv("MPI_LOCALNRANKS");
  struct nnmd_error err;
  nnmd_error_init(&err);
  if (nnmd_comm_create(&cli.comm, &argc, &argv, &err)) {
    nnmd_error_print(&err, stderr, false);
    nnmd_error_clear(&err);
    return NNMD_EXIT_RUNTIME;
  }
  int code;
  const char *cmd = args[0];
  if (!strcmp(cmd, "run")) code = nnmd_cmd_run(&cli, nargs - 1, args + 1);
  else if (!strcmp(cmd, "check")) code = nnmd_cmd_check(&cli, nargs - 1, args + 1);
  else if (!strcmp(cmd, "predict")) code = nnmd_cmd_predict(&cli, nargs - 1, args + 1);
  else if (!strcmp(cmd, "analyze")) code = nnmd_cmd_analyze(&cli, nargs - 1, args + 1);
  else if (!strcmp(cmd, "train")) code = nnmd_cmd_train(&cli, nargs - 1, args + 1);
  else {
    fprintf(stderr, "error: unknown command '%s' (commands: run, check, predict, analyze, train; see nnmd --help)\n", cmd);
    code = NNMD_EXIT_INPUT;
  }
  nnmd_comm_destroy(cli.comm);
  return code;
}
