/* The error log: formatting (with a context's handler), level filter,
 * open and reopen. */
#include "or_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OR_LOG_LINE_MAX  2048

struct or_log_s {
    int             fd;          /* 2 until a file is opened */
    or_log_level_t  level;
    char           *path;        /* NULL while on stderr */
};

static const char *level_names[] = {
    "crit", "error", "warn", "notice", "info", "debug"
};

or_log_t *
or_log_new(or_log_level_t level)
{
    or_log_t *log = calloc(1, sizeof(*log));

    if (log == NULL) {
        return NULL;
    }
    log->fd = STDERR_FILENO;
    log->level = level;
    return log;
}

void
or_log_free(or_log_t *log)
{
    if (log == NULL) {
        return;
    }
    if (log->fd != STDERR_FILENO) {
        close(log->fd);
    }
    free(log->path);
    free(log);
}

or_err_t
or_log_open(or_log_t *log, const char *path)
{
    int   fd;
    char *copy;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        return OR_ERROR;
    }
    copy = strdup(path);
    if (copy == NULL) {
        close(fd);
        return OR_ENOMEM;
    }
    if (log->fd != STDERR_FILENO) {
        close(log->fd);
    }
    free(log->path);
    log->fd = fd;
    log->path = copy;
    return OR_OK;
}

or_err_t
or_log_reopen(or_log_t *log)
{
    int fd;

    if (log->path == NULL) {
        return OR_OK;
    }
    fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        return OR_ERROR;
    }
    /* dup2 keeps the fd number, so forked children that inherited the old
     * one write to the new file too. */
    if (dup2(fd, log->fd) == -1) {
        close(fd);
        return OR_ERROR;
    }
    close(fd);
    return OR_OK;
}

void
or_log_set_level(or_log_t *log, or_log_level_t level)
{
    log->level = level;
}

int
or_log_fd(const or_log_t *log)
{
    return log->fd;
}

/* Keeps n within the line after a snprintf-like call returned r. */
static size_t
advance(size_t n, int r, size_t cap)
{
    return (r > 0 && (size_t) r < cap - n) ? n + (size_t) r : cap - 1;
}

static void
log_write(or_log_t *log, or_log_level_t level, int err,
    const or_log_ctx_t *ctx, const char *fmt, va_list ap)
{
    char       line[OR_LOG_LINE_MAX];
    size_t     n;
    int        r;
    time_t     now;
    struct tm  tm;
    int        saved = errno;

    if (log != NULL && level > log->level) {
        return;
    }
    now = time(NULL);
    localtime_r(&now, &tm);
    n = strftime(line, sizeof(line), "%Y/%m/%d %H:%M:%S ", &tm);
    r = snprintf(line + n, sizeof(line) - n, "[%s] %d#0: ",
                 level_names[level], (int) getpid());
    n += (r > 0) ? (size_t) r : 0;

    r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    n = advance(n, r, sizeof(line));
    if (err != 0 && n < sizeof(line) - 1) {
        r = snprintf(line + n, sizeof(line) - n, " (%d: %s)", err,
                     strerror(err));
        n = advance(n, r, sizeof(line));
    }
    /* nginx's order: message, (errno), then what the line is about */
    if (ctx != NULL && ctx->handler != NULL && n < sizeof(line) - 1) {
        n += ctx->handler(ctx, line + n, sizeof(line) - n);
    }
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';

    /* One write per line: lines from several workers do not interleave. */
    if (write(log != NULL ? log->fd : STDERR_FILENO, line, n) < 0) {
        /* nowhere left to report it */
    }
    errno = saved;
}

void
or_log_error(or_log_t *log, or_log_level_t level, int err,
    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(log, level, err, NULL, fmt, ap);
    va_end(ap);
}

void
or_log_ctx_error(const or_log_ctx_t *ctx, or_log_level_t level, int err,
    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(ctx->log, level, err, ctx, fmt, ap);
    va_end(ap);
}

size_t
or_log_node_peer(const or_log_ctx_t *ctx, char *buf, size_t len)
{
    size_t n = 0;
    int    r;

    if (ctx->node != NULL) {
        r = snprintf(buf, len, ", node: %s", ctx->node);
        n = advance(n, r, len);
    }
    if (ctx->peer != NULL && ctx->peer[0] != '\0' && n < len - 1) {
        r = snprintf(buf + n, len - n, ", peer: %s", ctx->peer);
        n = advance(n, r, len);
    }
    return n;
}

int
or_log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
         i++)
    {
        if (strcmp(name, level_names[i]) == 0) {
            return (int) i;
        }
    }
    return -1;
}

const char *
or_log_level_name(or_log_level_t level)
{
    return level_names[level];
}
