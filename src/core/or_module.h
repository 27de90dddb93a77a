/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * What a module is: a name, a settings table and lifecycle hooks. The core
 * walks or_modules[] (written by configure) and never calls a module by name.
 */
#ifndef OR_MODULE_H_INCLUDED
#define OR_MODULE_H_INCLUDED

#include <stddef.h>

#include "or_err.h"
#include "or_conf.h"

typedef struct or_cycle_s  or_cycle_t;
typedef struct or_worker_s or_worker_t;
typedef struct or_module_s or_module_t;
typedef struct json_t      json_t;

/* A control-socket command a module offers (openredctl NAME). Runs in the
 * worker that serves the control socket; *reply is a new JSON value (owned
 * by the caller) or NULL with err filled. */
typedef struct {
    const char  *name;
    or_err_t   (*handler)(or_cycle_t *cycle, json_t *request,
                          json_t **reply, char *err, size_t errlen);
} or_ctl_command_t;

struct or_module_s {
    const char            *name;        /* as in --without-<name>_module */
    size_t                 index;       /* set by or_module_init_indexes() */

    const or_setting_t    *settings;    /* ends with a row whose name is NULL */
    size_t                 main_conf_size;   /* struct for OR_SCOPE_MAIN */
    size_t                 node_conf_size;   /* struct for OR_SCOPE_NODE */

    /* Cross-setting checks and config-time work (compile regexes, check
     * paths) after every row is set; report errors with or_conf_error(). */
    or_err_t (*postconf)(or_cycle_t *cycle, or_conf_report_t *report);
    /* Free what postconf made (the core frees the conf structs and the
     * values of table settings). */
    void     (*free_conf)(or_cycle_t *cycle);

    /* In the master, before workers fork (sockets, shared memory). old is
     * the running cycle on reload, NULL at start. */
    or_err_t (*init_master)(or_cycle_t *cycle, or_cycle_t *old);
    void     (*exit_master)(or_cycle_t *cycle);
    /* In each worker after fork, and before it exits. */
    or_err_t (*init_worker)(or_cycle_t *cycle, or_worker_t *worker);
    void     (*exit_worker)(or_cycle_t *cycle, or_worker_t *worker);

    const or_ctl_command_t *commands;   /* ends with a NULL name; or NULL */

    /* Adds the module's own section(s) to the `status` reply (an object;
     * in the worker serving the control socket), e.g. the handshake's
     * counters. NULL: nothing to report. */
    or_err_t (*status)(or_cycle_t *cycle, json_t *status);
};

/* A setting of a module not compiled in, so the loader can say so. */
typedef struct {
    const char *setting;
    const char *module;
} or_module_absent_t;

extern or_module_t             *or_modules[];        /* objs/or_modules.c */
extern const or_module_absent_t or_modules_absent[];

void or_module_init_indexes(void);
size_t or_module_count(void);

/* Runs every status hook of modules (NULL-terminated, or_modules in the
 * daemon) on status, in order. A failing hook does not stop the walk:
 * the first failure is returned and *failed (may be NULL) names its
 * module. */
__attribute__((warn_unused_result))
or_err_t or_module_status(or_module_t *const *modules, or_cycle_t *cycle,
    json_t *status, const char **failed);

#endif /* OR_MODULE_H_INCLUDED */
