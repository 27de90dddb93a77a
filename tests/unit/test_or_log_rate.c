/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_log.c's rate limiter of peer-triggered lines at its
 * exact bound, against a pinned wall clock (time() is replaced here, so
 * these live apart from test_or_log.c), and the line format under it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_log.h"

static int64_t pinned = 1764000000;

time_t
time(time_t *t)
{
    if (t != NULL) {
        *t = (time_t) pinned;
    }
    return (time_t) pinned;
}

typedef struct {
    char      path[64];
    or_log_t *log;
} logf_t;

static logf_t *
logf_new(or_log_level_t level)
{
    logf_t *f = calloc(1, sizeof(*f));
    int     fd;

    assert_non_null(f);
    snprintf(f->path, sizeof(f->path), "/tmp/or_log_test.XXXXXX");
    fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    f->log = or_log_new(level);
    assert_non_null(f->log);
    assert_int_equal(or_log_open(f->log, f->path), OR_OK);
    return f;
}

static void
logf_free(logf_t *f)
{
    or_log_free(f->log);
    unlink(f->path);
    free(f);
}

/* Lines of the file holding text (all lines if text is ""). */
static int
logf_count(logf_t *f, const char *text)
{
    FILE *fp = fopen(f->path, "r");
    char  line[4096];
    int   n = 0;

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        n += strstr(line, text) != NULL;
    }
    fclose(fp);
    return n;
}

static void
test_or_log_line_format_and_level(void **state)
{
    logf_t *f = logf_new(OR_LOG_NOTICE);

    (void) state;
    or_log_error(f->log, OR_LOG_NOTICE, 2, "opening %s", "x");
    or_log_error(f->log, OR_LOG_INFO, 0, "not written");
    assert_int_equal(logf_count(f, ""), 1);
    assert_int_equal(logf_count(f, "[notice] "), 1);
    assert_int_equal(logf_count(f, "#0: opening x (2: No such file or "
                                "directory)"), 1);
    logf_free(f);
}

/* OR_LOG_RATE_LINES lines of a key pass in one interval, one more is held;
 * the first line of the next interval is preceded by the count. */
static void
test_or_log_ratelimited_bound(void **state)
{
    logf_t *f = logf_new(OR_LOG_INFO);
    int     i;

    (void) state;
    pinned = 1764000000;
    for (i = 0; i < OR_LOG_RATE_LINES - 1; i++) {
        or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                           "handshake refused: timeout %d", i);
    }
    assert_int_equal(logf_count(f, "handshake refused: timeout"),
                     OR_LOG_RATE_LINES - 1);
    or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                       "handshake refused: timeout %d", i++);
    assert_int_equal(logf_count(f, "handshake refused: timeout"),
                     OR_LOG_RATE_LINES);
    /* one above the bound, then many more: none is written */
    for (int k = 0; k < 1000; k++) {
        or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                           "handshake refused: timeout %d", i++);
    }
    assert_int_equal(logf_count(f, ""), OR_LOG_RATE_LINES);
    /* another key has its own bucket */
    or_log_ratelimited(f->log, OR_LOG_INFO, "message received", 0,
                       "message received: 1 bytes");
    assert_int_equal(logf_count(f, "message received"), 1);
    /* the last second of the interval still holds */
    pinned += OR_LOG_RATE_INTERVAL_S - 1;
    or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                       "handshake refused: timeout late");
    assert_int_equal(logf_count(f, "timeout late"), 0);
    assert_int_equal(logf_count(f, "suppressed"), 0);
    /* the next interval: the count first, once, then the line */
    pinned += 1;
    or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                       "handshake refused: timeout next");
    assert_int_equal(logf_count(f, "1001 similar messages suppressed in the "
                                "last 5 s: refused: timeout"), 1);
    assert_int_equal(logf_count(f, "timeout next"), 1);
    or_log_ratelimited(f->log, OR_LOG_INFO, "refused: timeout", 0,
                       "handshake refused: timeout again");
    assert_int_equal(logf_count(f, "suppressed"), 1);
    logf_free(f);
}

/* Below the log level nothing is written or counted; keys beyond the
 * table share one bucket, so the table cannot grow. */
static void
test_or_log_ratelimited_level_and_keys(void **state)
{
    logf_t *f = logf_new(OR_LOG_NOTICE);
    char    keys[OR_LOG_RATE_KEYS + 8][16];

    (void) state;
    pinned = 1764001000;
    for (int k = 0; k < 100; k++) {
        or_log_ratelimited(f->log, OR_LOG_INFO, "quiet", 0, "quiet");
    }
    assert_int_equal(logf_count(f, ""), 0);
    for (int k = 0; k < OR_LOG_RATE_KEYS + 8; k++) {
        snprintf(keys[k], sizeof(keys[k]), "key%d", k);
        for (int j = 0; j < OR_LOG_RATE_LINES + 1; j++) {
            or_log_ratelimited(f->log, OR_LOG_NOTICE, keys[k], 0, "line %s",
                               keys[k]);
        }
    }
    /* OR_LOG_RATE_KEYS - 1 own buckets, full; the rest share "other" */
    assert_int_equal(logf_count(f, ""),
                     (OR_LOG_RATE_KEYS - 1) * OR_LOG_RATE_LINES
                     + OR_LOG_RATE_LINES);
    logf_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_log_line_format_and_level),
        cmocka_unit_test(test_or_log_ratelimited_bound),
        cmocka_unit_test(test_or_log_ratelimited_level_and_keys),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
