/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The core module's settings: process model, log, and each node's identity
 * and address. Every other module may read these.
 */
#ifndef OR_CORE_MODULE_H_INCLUDED
#define OR_CORE_MODULE_H_INCLUDED

#include <stdint.h>

#include "or_conf.h"
#include "or_module.h"

typedef struct {
    int           worker_processes;
    int           daemon;
    char         *pid;                      /* absolute */
    char         *user;                     /* "" = do not switch */
    char         *error_log_path;           /* absolute */
    int           error_log_level;          /* or_log_level_t */
    int64_t       worker_shutdown_timeout;  /* s */
    int64_t       worker_connections;       /* fds per worker */
} or_core_main_conf_t;

typedef struct {
    char         *id;
    char         *sector;
    or_addr_t     listen;
    char         *key;                      /* absolute path */
    or_strlist_t  services;
} or_core_node_conf_t;

extern or_module_t or_core_module;

/* Loads every node's identity key into node->key. With create, a missing
 * key is generated (0600); without (openred -t), a missing key only needs
 * a writable folder. Errors are logged with the file and the fix. */
__attribute__((warn_unused_result))
or_err_t or_core_keys_load(or_cycle_t *cycle, int create);
/* The folders start needs and does not make (the pid file's, the error
 * log's) exist; each missing one is logged as FILE:LINE: setting "NAME".
 * Run by -t and at start, before any key is generated. */
__attribute__((warn_unused_result))
or_err_t or_core_paths_check(or_cycle_t *cycle);
/* Warns when `user` was set but cannot apply (not started as root). */
void or_core_user_check(or_cycle_t *cycle);

#define or_core_main(cycle)                                                   \
    ((or_core_main_conf_t *) or_cycle_main_conf(cycle, or_core_module))
#define or_core_node(node)                                                    \
    ((or_core_node_conf_t *) or_node_conf(node, or_core_module))

#endif /* OR_CORE_MODULE_H_INCLUDED */
