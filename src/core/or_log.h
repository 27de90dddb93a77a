/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Error log: nginx's line format, `TIME [level] PID#0: message (errno:
 * text), context`. Writes to stderr until a file is opened; reopen for
 * logrotate. Calls pass errno explicitly (0 if none).
 */
#ifndef OR_LOG_H_INCLUDED
#define OR_LOG_H_INCLUDED

#include <stddef.h>

#include "or_auto_config.h"
#include "or_err.h"

typedef enum {
    OR_LOG_CRIT = 0,
    OR_LOG_ERR,
    OR_LOG_WARN,
    OR_LOG_NOTICE,
    OR_LOG_INFO,
    OR_LOG_DEBUG
} or_log_level_t;

typedef struct or_log_s or_log_t;

or_log_t *or_log_new(or_log_level_t level);
void or_log_free(or_log_t *log);

/* "stderr" and "/dev/stderr" name the standard error itself. */
int or_log_is_stderr(const char *path);
/* Opens (or reopens) path for appending; on failure keeps the old fd. A
 * stderr path (or_log_is_stderr) writes to fd 2 and reopen is a no-op. */
__attribute__((warn_unused_result))
or_err_t or_log_open(or_log_t *log, const char *path);
__attribute__((warn_unused_result))
or_err_t or_log_reopen(or_log_t *log);
/* A daemon's fd 2 becomes the log file, and follows it on open and
 * reopen (as nginx's): what a library or the C runtime writes to stderr
 * (a sanitizer's report, glibc's "double free", an abort's message) lands
 * in the error log instead of /dev/null. No-op while the log is stderr. */
void or_log_take_stderr(or_log_t *log);
void or_log_set_level(or_log_t *log, or_log_level_t level);
int or_log_fd(const or_log_t *log);

void or_log_error(or_log_t *log, or_log_level_t level, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * What a line is about, as nginx's log->handler: the handler appends it
 * after the message and errno (", node: a, peer: 10.0.0.7:41522"), so no
 * call types it into its format. Kept in what it describes (a
 * connection, a node's discovery state) or on the stack; node and peer
 * are borrowed and read at each line, so they may fill in later (a peer
 * address known only after accept).
 */
typedef struct or_log_ctx_s or_log_ctx_t;

/* Appends the context to buf (len bytes free); returns the bytes added. */
typedef size_t (*or_log_handler_pt)(const or_log_ctx_t *ctx, char *buf,
    size_t len);

struct or_log_ctx_s {
    or_log_t           *log;        /* borrowed: where lines go */
    or_log_handler_pt   handler;    /* or_log_node_peer, or another */
    const char         *node;       /* node id, or NULL */
    const char         *peer;       /* peer address "ip:port", or NULL */
};

/* The default handler: ", node: NODE, peer: PEER", each only if set. */
size_t or_log_node_peer(const or_log_ctx_t *ctx, char *buf, size_t len);

#define OR_LOG_CTX(log, node, peer)                                           \
    ((or_log_ctx_t) { (log), or_log_node_peer, (node), (peer) })

void or_log_ctx_error(const or_log_ctx_t *ctx, or_log_level_t level,
    int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Debug lines exist only in a build configured --with-debug (OR_DEBUG):
 * elsewhere the call is still type-checked but compiled out, so the hot
 * paths (accept, handshake steps, beacons) pay nothing. They show with
 * error_log level "debug".
 */
#if OR_DEBUG
#define OR_LOG_HAVE_DEBUG  1
#else
#define OR_LOG_HAVE_DEBUG  0
#endif

#define or_log_debug(log, err, ...)                                           \
    do {                                                                      \
        if (OR_LOG_HAVE_DEBUG) {                                              \
            or_log_error((log), OR_LOG_DEBUG, (err), __VA_ARGS__);            \
        }                                                                     \
    } while (0)

#define or_log_ctx_debug(ctx, err, ...)                                       \
    do {                                                                      \
        if (OR_LOG_HAVE_DEBUG) {                                              \
            or_log_ctx_error((ctx), OR_LOG_DEBUG, (err), __VA_ARGS__);        \
        }                                                                     \
    } while (0)

/*
 * Lines a peer can trigger (refusals, messages, discoveries) go through
 * or_log_ratelimited(): per key (a static string naming the kind of line,
 * e.g. "handshake refused: timeout"), at most OR_LOG_RATE_LINES lines per
 * OR_LOG_RATE_INTERVAL_S seconds of the wall clock in each process; the
 * rest are counted, and the first line of the next interval is preceded
 * by "N similar messages suppressed in the last S s: KEY". So a flood adds
 * a bounded number of lines: per key and process, LINES + 1 per interval.
 * Keys beyond OR_LOG_RATE_KEYS share one bucket ("other").
 */
#define OR_LOG_RATE_LINES       10
#define OR_LOG_RATE_INTERVAL_S  5
#define OR_LOG_RATE_KEYS        64

void or_log_ratelimited(or_log_t *log, or_log_level_t level, const char *key,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same with a context (or_log_ctx_error's). */
void or_log_ctx_ratelimited(const or_log_ctx_t *ctx, or_log_level_t level,
    const char *key, int err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "info" -> OR_LOG_INFO; -1 if unknown. */
int or_log_level_parse(const char *name);
const char *or_log_level_name(or_log_level_t level);

#endif /* OR_LOG_H_INCLUDED */
