/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl's shared pieces: the options every command sees, the exit
 * codes, finding the control socket, and one request/reply round trip on
 * it. A new command is one row in openredctl.c's table plus one
 * or_ctl_<name>.c. openredctl links libopenred and src/ctl only: it
 * includes nothing from src/core, so its bounds are its own.
 */
#ifndef OR_CTL_H_INCLUDED
#define OR_CTL_H_INCLUDED

#include <stdio.h>

#include <jansson.h>

#include "or_err.h"

#define OR_CTL_EXIT_OK       0
#define OR_CTL_EXIT_FAILURE  1
#define OR_CTL_EXIT_USAGE    2

/* The control socket as openredctl sees it. The daemon's own bounds are
 * in src/core/or_limits.h; tests/unit/control checks these against them. */
/* bytes, one request line with its newline: at most what the daemon
 * reads (OR_CONTROL_LINE_MAX), or it refuses the request */
#define OR_CTL_LINE_MAX      4096
/* bytes, one reply line: at least what the daemon may send
 * (OR_CONTROL_REPLY_MAX, a page of `sessions`), or a reply the
 * daemon sent whole is cut off here */
#define OR_CTL_REPLY_MAX     (16 * 1048576)
#define OR_CTL_TIMEOUT       10      /* s, for the whole exchange */

typedef struct {
    const char *socket;     /* control socket path; borrowed */
    const char *why;        /* why the config gave no socket ("" if it
                               did), said if it cannot be reached */
    int         json;       /* --json: print replies raw */
} or_ctl_t;

/* Where the socket is (openredctl(1) OPTIONS): opt (-S), else env
 * (OPENRED_SOCKET; "" counts as unset), else the control.socket setting
 * of conf (relative to the working directory) or of OR_CONF_PATH under
 * prefix, read with libconfig alone and resolved against prefix as the
 * daemon does; else OR_CONTROL_SOCKET_PATH under prefix. A config that
 * cannot be read or gives no usable path is not an error: *why says what
 * was wrong ("cannot read FILE:LINE: syntax error") and path is the
 * default. OR_ENOMEM is the only failure; *out is written on OR_OK. */
typedef struct {
    char       *path;       /* owned; or_ctl_socket_free */
    char        why[512];   /* "" when the config was fine or unused */
} or_ctl_socket_t;

__attribute__((warn_unused_result))
or_err_t or_ctl_socket_find(const char *opt, const char *env,
    const char *prefix, const char *conf, or_ctl_socket_t *out);
void or_ctl_socket_free(or_ctl_socket_t *s);
/* path as the daemon resolves it: absolute as is, else under prefix (a
 * '/' added between if prefix has none). New string, NULL if no memory. */
char *or_ctl_path(const char *prefix, const char *path);

/* A command: argv[0] is its name; returns an OR_CTL_EXIT_* code. */
typedef int (*or_ctl_main_pt)(or_ctl_t *ctl, int argc, char **argv);

/* Sends request (borrowed) as one line (at most OR_CTL_LINE_MAX) and
 * reads one reply line (at most OR_CTL_REPLY_MAX, within OR_CTL_TIMEOUT).
 * *reply is a new object on OR_OK; on failure err says why (connection,
 * daemon error, escaped). */
__attribute__((warn_unused_result))
or_err_t or_ctl_request(const or_ctl_t *ctl, json_t *request,
    json_t **reply, char *err, size_t errlen);

/* The common path: {"command": name} plus fields (may be NULL, borrowed),
 * errors printed as "openredctl: NAME: why"; with --json prints the reply.
 * *reply (owned by the caller) is set on OR_CTL_EXIT_OK when not --json. */
int or_ctl_call(const or_ctl_t *ctl, const char *name, json_t *fields,
    json_t **reply);

/* Reading a reply as the tables print it. A member's string comes escaped
 * (or_printable: a peer's control bytes never reach the terminal) into
 * buf, "-" when absent or not a string; cut with "..." past
 * OR_CTL_TEXT_MAX. Its integer is 0 when absent. */
#define OR_CTL_TEXT_MAX      1024    /* bytes of one printed field */
typedef struct {
    char        s[OR_CTL_TEXT_MAX];
} or_ctl_text_t;

const char *or_ctl_str(const json_t *obj, const char *name,
    or_ctl_text_t *buf);
long long or_ctl_int(const json_t *obj, const char *name);
/* text (len bytes) escaped as or_ctl_str does, onto out */
void or_ctl_put(FILE *out, const char *text, size_t len);

/* Reads path (NULL or "-": stdin) into buf, at most cap bytes: more is
 * OR_ETOOBIG. On failure err says why, naming the file; *n is untouched. */
__attribute__((warn_unused_result))
or_err_t or_ctl_file_read(const char *path, char *buf, size_t cap,
    size_t *n, char *err, size_t errlen);

/* The event ring, followed by watch and connect: one `watch` request for
 * the events after since (-1: from the oldest kept), polled every
 * OR_CTL_WATCH_POLL_US. Returns a new reply or NULL with err set. */
#define OR_CTL_WATCH_POLL_US  100000    /* us: 0.1 s between polls */
json_t *or_ctl_watch_poll(or_ctl_t *ctl, json_int_t since, char *err,
    size_t errlen);
/*
 * Every session, as an array (new; NULL and err on failure). The daemon
 * answers a page at a time (OR_CONTROL_SESSIONS_PAGE): asked from offset
 * 0 until the array holds the total the daemon counts, or a page comes
 * back empty. Pages are read at different moments: a session that ends
 * or begins meanwhile may shift the rest by one (listed twice or not at
 * all), as `ps` shows a process table that changes under it.
 */
json_t *or_ctl_sessions_all(or_ctl_t *ctl, char *err, size_t errlen);
/* Prints one event: type then its other fields, or raw with --json. */
void or_ctl_event_print(or_ctl_t *ctl, json_t *ev);

int or_ctl_status_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_sessions_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_connect_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_send_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_watch_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_peers_main(or_ctl_t *ctl, int argc, char **argv);
/* reload, stop, quit, reopen: argv[0] names the signal */
int or_ctl_signal_main(or_ctl_t *ctl, int argc, char **argv);
/* local: ctl is unused, no daemon is needed */
int or_ctl_key_main(or_ctl_t *ctl, int argc, char **argv);
int or_ctl_beacon_main(or_ctl_t *ctl, int argc, char **argv);

#endif /* OR_CTL_H_INCLUDED */
