/* Placeholder until the process model lands (issue 4). */
#include "or_process.h"

#include <stdio.h>

#include "or_cycle.h"

or_err_t
or_process_master(or_cycle_t *cycle)
{
    fprintf(stderr, "openred: the process model is not built yet\n");
    or_cycle_free(cycle);
    return OR_ERROR;
}

or_err_t
or_process_check(or_cycle_t *cycle)
{
    (void) cycle;
    return OR_OK;
}

or_err_t
or_process_signal(or_cycle_t *cycle, const char *name)
{
    (void) cycle;
    fprintf(stderr, "openred: -s %s: not built yet\n", name);
    return OR_ERROR;
}
