/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Settings tables and the config loader's types. A module describes each
 * setting once (one row: name, type, default as written in openred.conf,
 * where it is stored, range, checker); the loader does the rest.
 */
#ifndef OR_CONF_H_INCLUDED
#define OR_CONF_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "or_err.h"

typedef struct or_cycle_s   or_cycle_t;
typedef struct or_setting_s or_setting_t;

typedef enum {
    OR_CONF_T_INT,        /* int64_t; min..max */
    OR_CONF_T_BOOL,       /* int, 0 or 1 */
    OR_CONF_T_STR,        /* char *, owned by the cycle; length min..max */
    OR_CONF_T_PATH,       /* char *, relative ones resolved against prefix */
    OR_CONF_T_STRLIST,    /* or_strlist_t; count min..max */
    OR_CONF_T_ADDR,       /* or_addr_t: "host:port", "[v6]:port" */
    OR_CONF_T_MODE,       /* int: file mode, written 0660 (digits are octal) */
    OR_CONF_T_COUNT_AUTO, /* int: an integer min..max, or "auto" = cores */
    OR_CONF_T_LEVEL,      /* int: a log level name (or_log.h) */
    OR_CONF_T_RECORDS     /* or_conf_records_t: a list of groups of strings,
                             ( { a = "x"; b = "y"; }, ... ); count min..max;
                             the module's postconf checks the members */
} or_conf_type_t;

typedef enum {
    OR_SCOPE_MAIN,      /* top level, stored in the module's main conf */
    OR_SCOPE_NODE,      /* inside a node block, stored per node */
    OR_SCOPE_INHERIT    /* top level as a default for every node block and
                           inside it (the node's value wins); per node */
} or_conf_scope_t;

#define OR_CONF_REQUIRED  0x01   /* no default: the setting must be given */
#define OR_CONF_GROUP     0x04   /* OR_CONF_T_RECORDS: one group { ... }
                                    (one record, its members in order) */
#define OR_CONF_STDERR    0x02   /* a path: "stderr" is kept as is, not
                                    resolved against prefix */

typedef struct or_conf_report_s or_conf_report_t;

typedef or_err_t (*or_conf_check_pt)(const or_setting_t *s, void *field,
    char *err, size_t errlen);

struct or_setting_s {
    const char         *group;   /* enclosing group ("control"), or NULL */
    const char         *name;
    or_conf_type_t      type;
    or_conf_scope_t     scope;
    const char         *dflt;    /* libconfig text, e.g. "10" or "\"x\"" */
    size_t              offset;  /* into the main or node conf struct */
    int64_t             min;
    int64_t             max;
    unsigned            flags;
    or_conf_check_pt    check;   /* optional, after type and range */
};

typedef struct {
    char  **v;
    size_t  n;
} or_strlist_t;

/* One group of an OR_CONF_T_RECORDS list: its string members in order. */
typedef struct {
    char   **names;
    char   **values;
    size_t   n;
    int      line;      /* of the group, for the module's errors */
} or_conf_record_t;

typedef struct {
    or_conf_record_t  *v;
    size_t             n;
} or_conf_records_t;

/* The value of member name of r, or NULL. */
const char *or_conf_record_get(const or_conf_record_t *r, const char *name);

typedef struct {
    struct sockaddr_storage  sa;
    socklen_t                len;
    uint16_t                 port;
    char                     text[64];   /* as given, normalised */
} or_addr_t;

typedef struct or_node_s or_node_t;

/* Where a node's setting was given (in its block, or at the top level
 * for an inherited one), so that a module's postconf can point at it. */
typedef struct {
    const or_setting_t  *row;
    char                *file;      /* owned */
    int                  line;
    int                  group_line;    /* of its group { }; 0 if none */
} or_conf_source_t;

/* Does this node accept a peer of that sector and services? Set by the
 * sector module; NULL accepts everyone. */
typedef int (*or_peer_filter_pt)(const or_node_t *node, const char *sector,
    const char *const *services, size_t nservices);

struct or_node_s {
    char        *id;        /* borrowed from the core node conf */
    char        *file;      /* where the block is, for later errors */
    int          line;
    size_t       index;
    void       **conf;      /* one struct per module, by module index */
    or_peer_filter_pt filter;
    int          listen_fd;  /* opened by the master; -1 if none */
    struct or_key_s *key;    /* identity, loaded by the master (core
                                module's init_master); NULL before */
    or_conf_source_t *sources;   /* the settings given, not defaulted */
    size_t       nsources;
};

/* Collected errors: every one is reported, then the load fails once. */
struct or_conf_report_s {
    char      *text;
    size_t     len;
    size_t     cap;
    unsigned   nerrors;
};

/* Loads file (and extra directives, may be NULL) into cycle's conf. */
__attribute__((warn_unused_result))
or_err_t or_conf_load(or_cycle_t *cycle, const char *file,
    const char *directives, or_conf_report_t *report);

/* Same from a string, for tests and the fuzzer; name is used in messages. */
__attribute__((warn_unused_result))
or_err_t or_conf_load_string(or_cycle_t *cycle, const char *name,
    const char *text, or_conf_report_t *report);

void or_conf_free(or_cycle_t *cycle);

/* Appends `FILE:LINE: setting "NAME": message`. */
void or_conf_error(or_conf_report_t *r, const char *file, int line,
    const char *setting, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

void or_conf_report_free(or_conf_report_t *r);

/* Where node's setting group.name (group may be NULL) was given: 1 with
 * *file (borrowed; valid while the cycle lives) and *line, or 0 if it
 * holds its default. name NULL: the group itself, where any setting of
 * it was given. */
int or_conf_source(const or_node_t *node, const char *group,
    const char *name, const char **file, int *line);

/* For a module's postconf: a setting of node that cannot work unless
 * module `needed` is compiled in. Without it, reports `FILE:LINE: setting
 * "SHOWN": needs the NEEDED module, which this build leaves out
 * (--without-NEEDED_module)` at the setting's place (shown is what the
 * message names: the setting, or its group) and returns 1; else 0. */
int or_conf_needs_module(or_conf_report_t *r, const or_node_t *node,
    const char *group, const char *name, const char *shown,
    const char *needed);

/* Writes the effective config (defaults and inheritance resolved). */
void or_conf_dump(or_cycle_t *cycle, int fd);

__attribute__((warn_unused_result))
or_err_t or_conf_parse_addr(const char *text, or_addr_t *addr,
    char *err, size_t errlen);

#endif /* OR_CONF_H_INCLUDED */
