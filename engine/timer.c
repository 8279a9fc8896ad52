/* timer.c — see timer.h. */
#include "timer.h"

#include "comm.h"

#include <string.h>
#include <time.h>

static const char *k_names[NNMD_T_COUNT] = {"total", "setup", "loop", "integrate", "neighbor",
                                            "halo", "force", "output"};

const char *nnmd_timer_name(enum nnmd_timer_id id) { return (unsigned)id < NNMD_T_COUNT ? k_names[id] : "?"; }

double nnmd_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nnmd_timers_init(struct nnmd_timers *t) { memset(t, 0, sizeof *t); }

void nnmd_timer_start(struct nnmd_timers *t, enum nnmd_timer_id id) { t->start[id] = nnmd_wtime(); }

void nnmd_timer_stop(struct nnmd_timers *t, enum nnmd_timer_id id) {
  t->total[id] += nnmd_wtime() - t->start[id];
  t->calls[id]++;
}

void nnmd_timers_report(const struct nnmd_timers *t, const struct nnmd_log *log, int64_t atom_steps) {
  double loop = t->total[NNMD_T_LOOP] > 0 ? t->total[NNMD_T_LOOP] : 1e-300;
  nnmd_log_info(log, "\nTimings (wall clock, seconds)");
  nnmd_log_info(log, "%-12s %10s %14s %12s %8s", "timer", "calls", "avg/call", "total", "% loop");
  nnmd_log_info(log, "%-12s %10s %14s %12s %8s", "------------", "----------", "--------------",
                "------------", "--------");
  for (int i = 0; i < NNMD_T_COUNT; ++i) {
    if (t->calls[i] == 0) continue;
    nnmd_log_info(log, "%-12s %10lld %14.6e %12.4f %8.2f", k_names[i], (long long)t->calls[i],
                  t->total[i] / (double)t->calls[i], t->total[i], 100.0 * t->total[i] / loop);
  }
  if (atom_steps > 0 && t->total[NNMD_T_LOOP] > 0)
    nnmd_log_info(log, "performance: %.4e atom-steps/s (%.3f us per atom-step)",
                  (double)atom_steps / t->total[NNMD_T_LOOP], 1e6 * t->total[NNMD_T_LOOP] / (double)atom_steps);
}

void nnmd_timers_report_ranks(const struct nnmd_timers *t, const struct nnmd_log *log, int64_t atom_steps,
                              const struct nnmd_comm *comm) {
  nnmd_timers_report(t, log, atom_steps);
  int p = nnmd_comm_size(comm);
  if (p < 2) return;
  double mx[NNMD_T_COUNT], mn[NNMD_T_COUNT], avg[NNMD_T_COUNT];
  for (int i = 0; i < NNMD_T_COUNT; ++i) {
    mx[i] = t->total[i];
    mn[i] = -t->total[i];
    avg[i] = t->total[i];
  }
  nnmd_comm_max_double(comm, mx, NNMD_T_COUNT);
  nnmd_comm_max_double(comm, mn, NNMD_T_COUNT);
  nnmd_comm_sum_double(comm, avg, NNMD_T_COUNT);
  nnmd_log_info(log, "\nLoad balance over %d ranks (seconds)", p);
  nnmd_log_info(log, "%-12s %12s %12s %12s %8s", "timer", "min", "avg", "max", "max/avg");
  for (int i = 0; i < NNMD_T_COUNT; ++i) {
    if (t->calls[i] == 0 || avg[i] <= 0) continue;
    nnmd_log_info(log, "%-12s %12.4f %12.4f %12.4f %8.3f", k_names[i], -mn[i], avg[i] / p, mx[i], mx[i] * p / avg[i]);
  }
}
