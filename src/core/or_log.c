/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* The error log: formatting (with a context's handler), level filter,
 * open and reopen. */
#include "or_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OR_LOG_LINE_MAX  2048

/* One key's interval of or_log_ratelimited(). */
typedef struct {
    const char  *key;            /* borrowed, static; NULL: unused */
    int64_t      start;          /* s, wall clock: the interval began */
    unsigned     lines;          /* written in this interval */
    uint64_t     held;           /* suppressed in this interval */
} or_log_rate_t;

struct or_log_s {
    int             fd;          /* 2 until a file is opened */
    or_log_level_t  level;
    char           *path;        /* NULL while on stderr */
    int             takes_stderr; /* fd 2 follows the file (daemon) */
    or_log_rate_t   rate[OR_LOG_RATE_KEYS];
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

int
or_log_is_stderr(const char *path)
{
    return strcmp(path, "stderr") == 0 || strcmp(path, "/dev/stderr") == 0;
}

or_err_t
or_log_open(or_log_t *log, const char *path)
{
    int   fd;
    char *copy;

    /* containers: the log is the standard error the daemon was given, not
     * a file named stderr; nothing to reopen */
    if (or_log_is_stderr(path)) {
        if (log->fd != STDERR_FILENO) {
            close(log->fd);
        }
        free(log->path);
        log->fd = STDERR_FILENO;
        log->path = NULL;
        return OR_OK;
    }
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
    if (log->takes_stderr) {
        (void) dup2(fd, STDERR_FILENO);
    }
    return OR_OK;
}

void
or_log_take_stderr(or_log_t *log)
{
    if (log->path != NULL && dup2(log->fd, STDERR_FILENO) != -1) {
        log->takes_stderr = 1;
    }
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
    if (dup2(fd, log->fd) == -1
        || (log->takes_stderr && dup2(fd, STDERR_FILENO) == -1))
    {
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

    if (log != NULL && level > log->level) {
        return;
    }
    va_start(ap, fmt);
    log_write(log, level, err, NULL, fmt, ap);
    va_end(ap);
}

void
or_log_ctx_error(const or_log_ctx_t *ctx, or_log_level_t level, int err,
    const char *fmt, ...)
{
    va_list ap;

    if (ctx->log != NULL && level > ctx->log->level) {
        return;
    }
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

/* The bucket of key: found by its text, else a free one, else the last. */
static or_log_rate_t *
log_rate_of(or_log_t *log, const char *key)
{
    for (size_t i = 0; i < OR_LOG_RATE_KEYS; i++) {
        or_log_rate_t *r = &log->rate[i];

        if (r->key == NULL) {
            r->key = i == OR_LOG_RATE_KEYS - 1 ? "other" : key;
            return r;
        }
        if (r->key == key || strcmp(r->key, key) == 0
            || i == OR_LOG_RATE_KEYS - 1)
        {
            return r;
        }
    }
    return &log->rate[OR_LOG_RATE_KEYS - 1];
}

static void
log_line(or_log_t *log, or_log_level_t level, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_write(log, level, err, NULL, fmt, ap);
    va_end(ap);
}

/* 1 if a line of key may be written now; a held count is said first */
static int
log_rate_allow(or_log_t *log, or_log_level_t level, const char *key)
{
    or_log_rate_t *r;
    int64_t        now;

    if (log == NULL || level > log->level) {
        return 0;
    }
    r = log_rate_of(log, key);
    now = (int64_t) time(NULL);
    if (now - r->start >= OR_LOG_RATE_INTERVAL_S || now < r->start) {
        if (r->held > 0) {
            log_line(log, level, 0, "%llu similar messages suppressed in "
                     "the last %d s: %s", (unsigned long long) r->held,
                     OR_LOG_RATE_INTERVAL_S, r->key);
        }
        r->start = now;
        r->lines = 0;
        r->held = 0;
    }
    if (r->lines >= OR_LOG_RATE_LINES) {
        r->held++;
        return 0;
    }
    r->lines++;
    return 1;
}

void
or_log_ratelimited(or_log_t *log, or_log_level_t level, const char *key,
    int err, const char *fmt, ...)
{
    va_list ap;

    if (!log_rate_allow(log, level, key)) {
        return;
    }
    va_start(ap, fmt);
    log_write(log, level, err, NULL, fmt, ap);
    va_end(ap);
}

void
or_log_ctx_ratelimited(const or_log_ctx_t *ctx, or_log_level_t level,
    const char *key, int err, const char *fmt, ...)
{
    va_list ap;

    if (!log_rate_allow(ctx->log, level, key)) {
        return;
    }
    va_start(ap, fmt);
    log_write(ctx->log, level, err, ctx, fmt, ap);
    va_end(ap);
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
