/* cmd_predict.c — `nnmd predict`: arrives with the HDNNP term (issue 3). */
#include <stdio.h>

#include "commands.h"

int nnmd_cmd_predict(const struct nnmd_cli *cli, int argc, char **argv) {
  (void)cli;
  (void)argc;
  (void)argv;
  fprintf(stderr, "error: 'nnmd predict' needs the HDNNP term, which this build does not have yet\n");
  return NNMD_EXIT_INPUT;
}
