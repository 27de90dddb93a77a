/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_discovery_socket()'s refusals before any socket is
 * made: a group that is not an IPv4 address and an interface that does
 * not exist are each refused with their own log line and leave no
 * descriptor open. (Joining a group is left to the integration tests,
 * inside their own network namespace.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "or_discovery.h"
#include "or_log.h"

typedef struct {
    char      path[64];
    or_log_t *log;
} tlog_t;

static void
tlog_open(tlog_t *t)
{
    int fd;

    strcpy(t->path, "/tmp/or-disc-log-XXXXXX");
    fd = mkstemp(t->path);
    assert_true(fd >= 0);
    close(fd);
    t->log = or_log_new(OR_LOG_INFO);
    assert_non_null(t->log);
    assert_int_equal(or_log_open(t->log, t->path), OR_OK);
}

/* the whole log, NUL-terminated, into buf */
static void
tlog_read(tlog_t *t, char *buf, size_t cap)
{
    FILE   *in = fopen(t->path, "r");
    size_t  n;

    assert_non_null(in);
    n = fread(buf, 1, cap - 1, in);
    buf[n] = '\0';
    fclose(in);
}

static void
tlog_close(tlog_t *t)
{
    or_log_free(t->log);
    unlink(t->path);
}

static int
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int  n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

static void
test_discovery_socket_group_not_ipv4(void **state)
{
    const char         *bad[] = { "224.0.0.256", "ff02::1", "", "224.0.0" };
    tlog_t              t;
    struct sockaddr_in  dst;
    char                buf[2048], want[128];
    int                 fd = -7, before;

    (void) state;
    tlog_open(&t);
    before = open_fds();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(or_discovery_socket(bad[i], 54545, "", 1, t.log,
                                             &fd, &dst), OR_ERROR);
        assert_int_equal(fd, -7);
        tlog_read(&t, buf, sizeof(buf));
        snprintf(want, sizeof(want), "discovery group \"%s\" is not an IPv4 "
                 "address", bad[i]);
        assert_non_null(strstr(buf, want));
    }
    assert_int_equal(open_fds(), before);
    tlog_close(&t);
}

static void
test_discovery_socket_interface_not_found(void **state)
{
    tlog_t              t;
    struct sockaddr_in  dst;
    char                buf[2048];
    int                 fd = -7, before;

    (void) state;
    tlog_open(&t);
    before = open_fds();
    assert_int_equal(or_discovery_socket("224.0.0.251", 54545, "or-nosuch0",
                                         1, t.log, &fd, &dst), OR_ERROR);
    assert_int_equal(fd, -7);
    tlog_read(&t, buf, sizeof(buf));
    assert_non_null(strstr(buf, "discovery interface \"or-nosuch0\" not "
                           "found"));
    assert_null(strstr(buf, "is not an IPv4 address"));
    assert_int_equal(open_fds(), before);
    tlog_close(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery_socket_group_not_ipv4),
        cmocka_unit_test(test_discovery_socket_interface_not_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
