/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The cycle's life: made empty (or_cycle_new), filled by the config
 * loader (or_conf.c), built into what workers need (or_cycle_init: listen
 * sockets, modules' master work, shared memory, the log), dropped and
 * freed.
 */
#include "or_cycle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_core_module.h"
#include "or_evring.h"
#include "or_listen.h"
#include "or_module.h"
#include "or_shm.h"
#include "or_status.h"

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
    or_shm_cycle_free(cycle);
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

static void
exit_modules(or_cycle_t *cycle, size_t n)
{
    while (n-- > 0) {
        if (or_modules[n]->exit_master != NULL) {
            or_modules[n]->exit_master(cycle);
        }
    }
}

or_err_t
or_cycle_init(or_cycle_t *cycle, or_cycle_t *old)
{
    or_core_main_conf_t *core = or_core_main(cycle);
    size_t               n = 0;

    or_log_set_level(cycle->log, core->error_log_level);
    if (old != NULL && or_log_open(cycle->log, core->error_log_path)
                       != OR_OK)
    {
        or_log_error(old->log, OR_LOG_ERR, errno, "open() \"%s\" failed",
                     core->error_log_path);
        return OR_ERROR;
    }
    if (or_listen_open(cycle, old) != OR_OK) {
        return OR_ERROR;
    }
    for (n = 0; or_modules[n] != NULL; n++) {
        or_module_t *m = or_modules[n];

        if (m->init_master != NULL && m->init_master(cycle, old) != OR_OK) {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "module \"%s\" failed "
                         "to start", m->name);
            goto failed;
        }
    }
    /* The core's zones: any module may publish events or read status. */
    if (or_status_zone_add(cycle) != OR_OK
        || or_evring_zone_add(cycle) != OR_OK
        || or_shm_map(cycle, old) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "mapping shared memory "
                     "failed");
        goto failed;
    }
    if (old == NULL && or_log_open(cycle->log, core->error_log_path)
                       != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "open() \"%s\" failed",
                     core->error_log_path);
        goto failed;
    }
    if (!OR_LOG_HAVE_DEBUG && core->error_log_level == OR_LOG_DEBUG) {
        or_log_error(cycle->log, OR_LOG_NOTICE, 0, "error_log level "
                     "\"debug\": this build has no debug lines (configure "
                     "--with-debug); the log shows info and above");
    }
    return OR_OK;

failed:
    exit_modules(cycle, n);
    or_listen_close(cycle, old);
    return OR_ERROR;
}

void
or_cycle_drop(or_cycle_t *cycle, or_cycle_t *next)
{
    exit_modules(cycle, or_module_count());
    or_listen_close(cycle, next);
    or_cycle_free(cycle);
}
