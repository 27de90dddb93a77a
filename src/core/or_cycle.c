/* Building and freeing a cycle; the config it holds comes from or_conf.c. */
#include "or_cycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_module.h"

or_cycle_t *or_cycle;

or_cycle_t *
or_cycle_new(const char *prefix, const char *conf_file,
    const char *directives)
{
    or_cycle_t *cycle = calloc(1, sizeof(*cycle));
    size_t      plen = strlen(prefix);

    if (cycle == NULL) {
        return NULL;
    }
    cycle->prefix = malloc(plen + 2);
    cycle->conf_file = strdup(conf_file);
    cycle->directives = directives ? strdup(directives) : NULL;
    cycle->log = or_log_new(OR_LOG_NOTICE);
    if (cycle->prefix == NULL || cycle->conf_file == NULL
        || cycle->log == NULL || (directives && cycle->directives == NULL))
    {
        or_cycle_free(cycle);
        return NULL;
    }
    memcpy(cycle->prefix, prefix, plen + 1);
    if (plen == 0 || prefix[plen - 1] != '/') {
        strcpy(cycle->prefix + plen, "/");
    }
    or_module_init_indexes();
    return cycle;
}

void
or_cycle_free(or_cycle_t *cycle)
{
    if (cycle == NULL) {
        return;
    }
    or_conf_free(cycle);
    or_log_free(cycle->log);
    free(cycle->prefix);
    free(cycle->conf_file);
    free(cycle->directives);
    free(cycle);
}

char *
or_cycle_path(const or_cycle_t *cycle, const char *path)
{
    size_t  plen, len;
    char   *out;

    if (path[0] == '/' || cycle == NULL) {
        return strdup(path);
    }
    plen = strlen(cycle->prefix);
    len = strlen(path);
    out = malloc(plen + len + 1);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, cycle->prefix, plen);
    memcpy(out + plen, path, len + 1);
    return out;
}
