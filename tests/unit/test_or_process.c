/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for the pid file (or_pid.c) and the signals table of
 * or_process.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_pid.h"
#include "or_process.h"

static void
test_or_process_signo_names(void **state)
{
    assert_int_equal(or_process_signo("reload"), SIGHUP);
    assert_int_equal(or_process_signo("quit"), SIGQUIT);
    assert_int_equal(or_process_signo("stop"), SIGTERM);
    assert_int_equal(or_process_signo("reopen"), SIGUSR1);
    assert_int_equal(or_process_signo("restart"), 0);
    assert_string_equal(or_process_signame(SIGHUP), "reload");
    assert_string_equal(or_process_signame(SIGTERM), "stop");
    assert_null(or_process_signame(SIGCHLD));
}

static void
test_or_pid_write_read_remove(void **state)
{
    char        dir[] = "/tmp/or_pid_XXXXXX";
    char        path[64];
    struct stat st;
    pid_t       pid = 0;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/openred.pid", dir);
    assert_int_equal(or_pid_write(path, 12345), OR_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(or_pid_read(path, &pid), OR_OK);
    assert_int_equal(pid, 12345);
    /* Not ours: left in place. */
    or_pid_remove(path, 999);
    assert_int_equal(stat(path, &st), 0);
    or_pid_remove(path, 12345);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(or_pid_read(path, &pid), OR_ERROR);
    assert_int_equal(pid, 12345);
    rmdir(dir);
}

static void
test_or_pid_read_garbage(void **state)
{
    char   path[] = "/tmp/or_pid_bad_XXXXXX";
    int    fd = mkstemp(path);
    pid_t  pid = 7;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "12x\n", 4), 4);
    close(fd);
    assert_int_equal(or_pid_read(path, &pid), OR_EPROTO);
    assert_int_equal(pid, 7);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_process_signo_names),
        cmocka_unit_test(test_or_pid_write_read_remove),
        cmocka_unit_test(test_or_pid_read_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
