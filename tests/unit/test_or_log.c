/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_log.c: the line format (level, pid, message, errno,
 * then the context a handler appends), the default node/peer handler,
 * the level filter, one line however long the parts, and debug lines
 * only in a build configured --with-debug.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_log.h"

/* A log on a fresh temp file; *path names it (caller unlinks). */
static or_log_t *
log_tmp(char *path, size_t len, or_log_level_t level)
{
    or_log_t *log = or_log_new(level);
    int       fd;

    snprintf(path, len, "/tmp/or_test_log.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_non_null(log);
    assert_int_equal(or_log_open(log, path), OR_OK);
    return log;
}

/* Everything written after the "pid#0: " prefix (lines joined). */
static char *
body(const char *path)
{
    static char out[8192];
    char        line[4096];
    FILE       *f = fopen(path, "r");
    char       *p;

    assert_non_null(f);
    out[0] = '\0';
    while (fgets(line, sizeof(line), f) != NULL) {
        p = strstr(line, "#0: ");
        assert_non_null(p);
        strncat(out, p + 4, sizeof(out) - strlen(out) - 1);
    }
    fclose(f);
    return out;
}

/* "stderr" and "/dev/stderr" are fd 2 itself, even after a file (a reload
 * to stderr), and reopen leaves it there and creates nothing. */
static void
test_or_log_open_stderr_is_fd_2(void **state)
{
    const char *names[] = { "stderr", "/dev/stderr" };
    char        path[64];

    (void) state;
    for (size_t i = 0; i < 2; i++) {
        or_log_t *log = log_tmp(path, sizeof(path), OR_LOG_INFO);

        assert_int_not_equal(or_log_fd(log), STDERR_FILENO);
        assert_true(or_log_is_stderr(names[i]));
        assert_int_equal(or_log_open(log, names[i]), OR_OK);
        assert_int_equal(or_log_fd(log), STDERR_FILENO);
        assert_int_equal(or_log_reopen(log), OR_OK);
        assert_int_equal(or_log_fd(log), STDERR_FILENO);
        assert_int_equal(access("stderr", F_OK), -1);
        or_log_free(log);
        unlink(path);
    }
    assert_false(or_log_is_stderr("/var/log/stderr"));
    assert_false(or_log_is_stderr("stderr.log"));
}

/* the whole file, NUL-terminated, in out */
static void
slurp(const char *path, char *out, size_t cap)
{
    FILE   *f = fopen(path, "r");
    size_t  n;

    assert_non_null(f);
    n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* A daemon's fd 2 is its log file: what the runtime writes to stderr
 * lands there, and follows a reopen (logrotate) and an open of another
 * file (a reload); the test's own stderr comes back after. */
static void
test_or_log_take_stderr_follows(void **state)
{
    char       path[64], moved[80], other[64], text[256];
    or_log_t  *log = log_tmp(path, sizeof(path), OR_LOG_INFO);
    int        saved = dup(STDERR_FILENO), fd;

    (void) state;
    assert_true(saved >= 0);
    or_log_take_stderr(log);
    assert_int_equal(write(STDERR_FILENO, "one\n", 4), 4);
    snprintf(moved, sizeof(moved), "%s.1", path);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(or_log_reopen(log), OR_OK);
    assert_int_equal(write(STDERR_FILENO, "two\n", 4), 4);
    snprintf(other, sizeof(other), "/tmp/or_test_log2.XXXXXX");
    fd = mkstemp(other);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(or_log_open(log, other), OR_OK);
    assert_int_equal(write(STDERR_FILENO, "three\n", 6), 6);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    slurp(moved, text, sizeof(text));
    assert_string_equal(text, "one\n");
    slurp(path, text, sizeof(text));
    assert_string_equal(text, "two\n");
    slurp(other, text, sizeof(text));
    assert_string_equal(text, "three\n");
    or_log_free(log);
    unlink(moved);
    unlink(path);
    unlink(other);
}

static void
test_or_log_ctx_after_errno(void **state)
{
    char          path[64];
    or_log_t     *log = log_tmp(path, sizeof(path), OR_LOG_INFO);
    or_log_ctx_t  lc = OR_LOG_CTX(log, "a", "10.0.0.7:41522");

    or_log_ctx_error(&lc, OR_LOG_INFO, 2, "open() \"%s\" failed", "x");
    assert_string_equal(body(path), "open() \"x\" failed (2: No such file "
                        "or directory), node: a, peer: 10.0.0.7:41522\n");
    or_log_free(log);
    unlink(path);
}

/* Only the fields that are set; an empty peer (not accepted yet) is not
 * shown; the handler reads the fields at each line. */
static void
test_or_log_node_peer_fields(void **state)
{
    char          path[64], peer[32] = "";
    or_log_t     *log = log_tmp(path, sizeof(path), OR_LOG_INFO);
    or_log_ctx_t  node_only = OR_LOG_CTX(log, "a", NULL);
    or_log_ctx_t  peer_only = OR_LOG_CTX(log, NULL, "1.2.3.4:5");
    or_log_ctx_t  later = OR_LOG_CTX(log, "b", peer);

    or_log_ctx_error(&node_only, OR_LOG_INFO, 0, "one");
    or_log_ctx_error(&peer_only, OR_LOG_INFO, 0, "two");
    or_log_ctx_error(&later, OR_LOG_INFO, 0, "three");
    strcpy(peer, "9.9.9.9:1");
    or_log_ctx_error(&later, OR_LOG_INFO, 0, "four");
    or_log_error(log, OR_LOG_INFO, 0, "five");
    assert_string_equal(body(path), "one, node: a\n"
                        "two, peer: 1.2.3.4:5\n"
                        "three, node: b\n"
                        "four, node: b, peer: 9.9.9.9:1\n"
                        "five\n");
    or_log_free(log);
    unlink(path);
}

static size_t
custom_handler(const or_log_ctx_t *ctx, char *buf, size_t len)
{
    int r = snprintf(buf, len, " while testing");

    return r > 0 && (size_t) r < len ? (size_t) r : len - 1;
}

static void
test_or_log_custom_handler(void **state)
{
    char          path[64];
    or_log_t     *log = log_tmp(path, sizeof(path), OR_LOG_INFO);
    or_log_ctx_t  lc = { log, custom_handler, "a", NULL };

    or_log_ctx_error(&lc, OR_LOG_NOTICE, 0, "x");
    assert_string_equal(body(path), "x while testing\n");
    or_log_free(log);
    unlink(path);
}

/* A message and context over the line bound: one line, cut, newline. */
static void
test_or_log_long_line_stays_one(void **state)
{
    char          path[64], big[3000];
    or_log_t     *log = log_tmp(path, sizeof(path), OR_LOG_INFO);
    or_log_ctx_t  lc = OR_LOG_CTX(log, big, big);
    char         *b;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    or_log_ctx_error(&lc, OR_LOG_INFO, 0, "%s", big);
    b = body(path);
    assert_int_equal(strchr(b, '\n') - b + 1, strlen(b));
    or_log_free(log);
    unlink(path);
}

static void
test_or_log_level_filter(void **state)
{
    char      path[64];
    or_log_t *log = log_tmp(path, sizeof(path), OR_LOG_NOTICE);

    or_log_error(log, OR_LOG_INFO, 0, "hidden");
    or_log_error(log, OR_LOG_NOTICE, 0, "shown");
    or_log_set_level(log, OR_LOG_DEBUG);
    or_log_error(log, OR_LOG_DEBUG, 0, "debug shown");
    assert_string_equal(body(path), "shown\ndebug shown\n");
    assert_int_equal(or_log_level_parse("debug"), OR_LOG_DEBUG);
    or_log_free(log);
    unlink(path);
}

/* or_log_debug writes at level debug in a --with-debug build, and is
 * compiled out (nothing written, even at level debug) in any other. */
static void
test_or_log_debug_only_with_debug_build(void **state)
{
    char          path[64];
    or_log_t     *log = log_tmp(path, sizeof(path), OR_LOG_DEBUG);
    or_log_ctx_t  lc = OR_LOG_CTX(log, "a", NULL);

    or_log_debug(log, 0, "d %d", 1);
    or_log_ctx_debug(&lc, 0, "e");
#if OR_DEBUG
    assert_int_equal(OR_LOG_HAVE_DEBUG, 1);
    assert_string_equal(body(path), "d 1\ne, node: a\n");
#else
    assert_int_equal(OR_LOG_HAVE_DEBUG, 0);
    assert_string_equal(body(path), "");
#endif
    or_log_set_level(log, OR_LOG_INFO);
    or_log_debug(log, 0, "never at info");
    assert_null(strstr(body(path), "never"));
    or_log_free(log);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_log_open_stderr_is_fd_2),
        cmocka_unit_test(test_or_log_take_stderr_follows),
        cmocka_unit_test(test_or_log_ctx_after_errno),
        cmocka_unit_test(test_or_log_node_peer_fields),
        cmocka_unit_test(test_or_log_custom_handler),
        cmocka_unit_test(test_or_log_long_line_stays_one),
        cmocka_unit_test(test_or_log_level_filter),
        cmocka_unit_test(test_or_log_debug_only_with_debug_build),
    };

    return cmocka_run_group_tests_name("or_log", tests, NULL, NULL);
}
