/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_rand.c, the jitter source: a seed fixes the sequence,
 * two seeds give different ones, two processes seeded from the OS differ,
 * and or_rand_below stays below its bound (0 and 1 included).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_rand.h"

static void
test_or_rand_same_seed_same_sequence(void **state)
{
    or_rand_t a, b;

    or_rand_seed(&a, 42);
    or_rand_seed(&b, 42);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(or_rand_next(&a), or_rand_next(&b));
    }
}

static void
test_or_rand_two_seeds_differ(void **state)
{
    or_rand_t a, b;
    int       same = 0;

    or_rand_seed(&a, 1);
    or_rand_seed(&b, 2);
    for (int i = 0; i < 100; i++) {
        same += or_rand_below(&a, 1000) == or_rand_below(&b, 1000);
    }
    assert_true(same < 5);
}

/* What two daemons' workers do: seed from the OS after fork. */
static void
test_or_rand_seed_os_differs_per_process(void **state)
{
    int       fds[2];
    uint64_t  mine[8], theirs[8];
    or_rand_t r;
    pid_t     pid;
    int       status;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    or_rand_seed_os(&r);
    for (int i = 0; i < 8; i++) {
        mine[i] = or_rand_next(&r);
    }
    if (pid == 0) {
        _exit(write(fds[1], mine, sizeof(mine)) == (ssize_t) sizeof(mine)
              ? 0 : 1);
    }
    assert_int_equal(read(fds[0], theirs, sizeof(theirs)), sizeof(theirs));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_memory_not_equal(mine, theirs, sizeof(mine));
    close(fds[0]);
    close(fds[1]);
}

static void
test_or_rand_below_bounds(void **state)
{
    or_rand_t r;
    int       seen[3] = { 0, 0, 0 };

    or_rand_seed(&r, 9);
    assert_int_equal(or_rand_below(&r, 0), 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(or_rand_below(&r, 1), 0);
        uint64_t v = or_rand_below(&r, 3);

        assert_true(v < 3);
        seen[v]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_rand_same_seed_same_sequence),
        cmocka_unit_test(test_or_rand_two_seeds_differ),
        cmocka_unit_test(test_or_rand_seed_os_differs_per_process),
        cmocka_unit_test(test_or_rand_below_bounds),
    };

    return cmocka_run_group_tests_name("or_rand", tests, NULL, NULL);
}
