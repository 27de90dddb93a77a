/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_shm.c: zones mapped fresh, kept across a "reload" when
 * name and size match, remade when the size changes, shared with a child,
 * and a lock whose holder died is taken over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_cycle.h"
#include "or_shm.h"

static int inits, reuses;

static or_err_t
count_init(or_shm_zone_t *zone, void *addr, size_t size, int reused)
{
    inits++;
    reuses += reused;
    return OR_OK;
}

static or_cycle_t *
cycle_new(void)
{
    or_cycle_t *c = or_cycle_new("/tmp", "x.conf", NULL);

    assert_non_null(c);
    return c;
}

static void
test_or_shm_map_fresh_zeroed(void **state)
{
    or_cycle_t    *c = cycle_new();
    or_shm_zone_t *z = or_shm_zone_add(c, "peers", 4096, count_init);
    char          *p;

    inits = reuses = 0;
    assert_non_null(z);
    assert_null(or_shm_addr(z));
    assert_ptr_equal(or_shm_zone_add(c, "peers", 4096, count_init), z);
    assert_null(or_shm_zone_add(c, "peers", 8192, count_init));
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    p = or_shm_addr(z);
    assert_non_null(p);
    assert_int_equal(p[0] | p[4095], 0);
    assert_int_equal(inits, 1);
    assert_int_equal(reuses, 0);
    assert_ptr_equal(or_shm_zone_find(c, "peers"), z);
    or_cycle_free(c);
}

static void
test_or_shm_map_keeps_same_size(void **state)
{
    or_cycle_t    *old = cycle_new(), *c = cycle_new();
    or_shm_zone_t *zo = or_shm_zone_add(old, "peers", 4096, count_init);
    or_shm_zone_t *so = or_shm_zone_add(old, "counters", 64, count_init);
    or_shm_zone_t *z, *s;

    assert_int_equal(or_shm_map(old, NULL), OR_OK);
    strcpy(or_shm_addr(zo), "kept");
    strcpy(or_shm_addr(so), "old");
    inits = reuses = 0;
    z = or_shm_zone_add(c, "peers", 4096, count_init);
    s = or_shm_zone_add(c, "counters", 128, count_init);
    assert_int_equal(or_shm_map(c, old), OR_OK);
    assert_ptr_equal(or_shm_addr(z), or_shm_addr(zo));
    assert_string_equal(or_shm_addr(z), "kept");
    assert_ptr_not_equal(or_shm_addr(s), or_shm_addr(so));
    assert_int_equal(((char *) or_shm_addr(s))[0], 0);
    assert_int_equal(inits, 2);
    assert_int_equal(reuses, 1);
    /* Freeing old (its zones with it) must not unmap what the new cycle
     * kept. */
    or_cycle_free(old);
    assert_string_equal(or_shm_addr(z), "kept");
    or_cycle_free(c);
}

static void
test_or_shm_lock_owner_died(void **state)
{
    or_cycle_t    *c = cycle_new();
    or_shm_zone_t *z = or_shm_zone_add(c, "n", sizeof(int), NULL);
    pid_t          pid;
    int            status;

    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        or_shm_lock(z);
        *(int *) or_shm_addr(z) = 42;
        _exit(0);              /* dies holding the lock */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    or_shm_lock(z);            /* must not hang */
    assert_int_equal(*(int *) or_shm_addr(z), 42);
    or_shm_unlock(z);
    or_cycle_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_shm_map_fresh_zeroed),
        cmocka_unit_test(test_or_shm_map_keeps_same_size),
        cmocka_unit_test(test_or_shm_lock_owner_died),
    };

    alarm(20);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
