/*
 * Error log: nginx's line format, `TIME [level] PID#0: message (errno:
 * text), context`. Writes to stderr until a file is opened; reopen for
 * logrotate. Calls pass errno explicitly (0 if none).
 */
#ifndef OR_LOG_H_INCLUDED
#define OR_LOG_H_INCLUDED

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

/* Opens (or reopens) path for appending; on failure keeps the old fd. */
__attribute__((warn_unused_result))
or_err_t or_log_open(or_log_t *log, const char *path);
__attribute__((warn_unused_result))
or_err_t or_log_reopen(or_log_t *log);
void or_log_set_level(or_log_t *log, or_log_level_t level);
int or_log_fd(const or_log_t *log);

void or_log_error(or_log_t *log, or_log_level_t level, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

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

/* "info" -> OR_LOG_INFO; -1 if unknown. */
int or_log_level_parse(const char *name);
const char *or_log_level_name(or_log_level_t level);

#endif /* OR_LOG_H_INCLUDED */
