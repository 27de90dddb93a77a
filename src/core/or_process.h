/*
 * The process model: the master (signals, spawn, reap, reload) and the
 * checks of -t that go beyond the config's syntax (keys, paths).
 */
#ifndef OR_PROCESS_H_INCLUDED
#define OR_PROCESS_H_INCLUDED

#include "or_err.h"

typedef struct or_cycle_s or_cycle_t;

/* Runs the master until stop; takes ownership of cycle. */
__attribute__((warn_unused_result))
or_err_t or_process_master(or_cycle_t *cycle);

/* -t: what can be checked without starting (keys, directories). */
__attribute__((warn_unused_result))
or_err_t or_process_check(or_cycle_t *cycle);

/* -s NAME: signal the running master through the pid file. */
__attribute__((warn_unused_result))
or_err_t or_process_signal(or_cycle_t *cycle, const char *name);

#endif /* OR_PROCESS_H_INCLUDED */
