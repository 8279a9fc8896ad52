/* timer.h — named wall-clock timers and a CoMD-style report at the end of a run.
 * A timer set is owned by the run (no global state). Times in seconds (CLOCK_MONOTONIC). */
#ifndef NNMD_TIMER_H
#define NNMD_TIMER_H

#include <stdint.h>

#include "log.h"

enum nnmd_timer_id {
  NNMD_T_TOTAL,
  NNMD_T_SETUP,
  NNMD_T_LOOP,
  NNMD_T_INTEGRATE,
  NNMD_T_NEIGHBOR,
  NNMD_T_HALO,
  NNMD_T_FORCE,
  NNMD_T_OUTPUT,
  NNMD_T_COUNT
};

struct nnmd_timers {
  double start[NNMD_T_COUNT];
  double total[NNMD_T_COUNT];
  int64_t calls[NNMD_T_COUNT];
};

double nnmd_wtime(void);
/* "total", "setup", ... (the names of the report). */
const char *nnmd_timer_name(enum nnmd_timer_id id);
void nnmd_timers_init(struct nnmd_timers *t);
void nnmd_timer_start(struct nnmd_timers *t, enum nnmd_timer_id id);
void nnmd_timer_stop(struct nnmd_timers *t, enum nnmd_timer_id id);
/* Table: timer, calls, avg/call, total, % of loop; plus atom-steps/s. */
void nnmd_timers_report(const struct nnmd_timers *t, const struct nnmd_log *log, int64_t atom_steps);
/* With several MPI ranks: also min / avg / max of each timer's total over the ranks (load
 * balance). Collective. atom_steps: global. */
struct nnmd_comm;
void nnmd_timers_report_ranks(const struct nnmd_timers *t, const struct nnmd_log *log, int64_t atom_steps,
                              const struct nnmd_comm *comm);

#endif
