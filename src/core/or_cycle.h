/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The cycle: everything one run of the config owns. A reload builds a new
 * cycle beside the running one and swaps only when it is complete.
 */
#ifndef OR_CYCLE_H_INCLUDED
#define OR_CYCLE_H_INCLUDED

#include <stddef.h>
#include <time.h>

#include "or_err.h"
#include "or_conf.h"
#include "or_log.h"

typedef struct or_shm_zone_s or_shm_zone_t;

struct or_cycle_s {
    char        *prefix;        /* ends with '/'; relative paths hang here */
    char        *conf_file;     /* as given with -c */
    char        *directives;    /* -g text, or NULL */
    void       **main_conf;     /* one struct per module, by module index */
    or_node_t   *nodes;
    size_t       nnodes;
    /* where the top-level settings were given: only its sources are used
     * (or_conf_source(&cycle->main, ...)) */
    or_node_t    main;
    or_log_t    *log;           /* owned; stderr until the file opens */
    time_t       started;       /* wall clock, for status */
    unsigned     generation;    /* 0 at start, +1 per successful reload */
    or_shm_zone_t *shm_zones;   /* declared zones, owned (or_shm.c); freed
                                   and unmapped by or_cycle_free() */
};

/* The running cycle; the only global besides signal flags. */
extern or_cycle_t *or_cycle;

or_cycle_t *or_cycle_new(const char *prefix, const char *conf_file,
    const char *directives);
/* Frees everything the cycle owns: its config, its shm zones (unmapping
 * those it still owns), its log. Accepts NULL. */
void or_cycle_free(or_cycle_t *cycle);

/* Borrowed; valid while the cycle lives. */
#define or_cycle_main_conf(cycle, module)                                    \
    ((cycle)->main_conf[(module).index])
#define or_node_conf(node, module)  ((node)->conf[(module).index])

/* Everything a loaded cycle needs before its workers fork: listening
 * sockets (reused from old when unchanged), each module's init_master,
 * the core's shm zones (status, events) and every zone mapped, the log
 * file. old is the running cycle on reload (errors go to its log), NULL
 * at start (errors go to stderr: the log file opens last). On failure
 * what was made is undone and old is untouched. */
__attribute__((warn_unused_result))
or_err_t or_cycle_init(or_cycle_t *cycle, or_cycle_t *old);

/* Undoes or_cycle_init() (each module's exit_master, the sockets next
 * does not share) and frees the cycle; it must not be running. */
void or_cycle_drop(or_cycle_t *cycle, or_cycle_t *next);

/* A path from the config, resolved against the prefix; caller frees. */
char *or_cycle_path(const or_cycle_t *cycle, const char *path);

#endif /* OR_CYCLE_H_INCLUDED */
