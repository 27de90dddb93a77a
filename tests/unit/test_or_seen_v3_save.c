/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * or_seen_v3_save when it cannot write (or_seen_v3.c): a path whose
 * temporary name is too long, a folder that is not there, a path that is
 * a folder (the rename fails). Each is an error with its errno, leaves no
 * temporary file, and does not mark the set saved, so the next save
 * tries again. And the set is written once, whoever saves it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_cycle.h"
#include "or_seen_v3.h"
#include "or_shm.h"

static or_cycle_t  *c;

static int
setup(void **state)
{
    unsigned char  id[OR_SEEN_V3_ID];

    (void) state;
    c = or_cycle_new("/tmp", "t.conf", NULL);
    if (c == NULL || or_seen_v3_zone_add(c, NULL) != OR_OK
        || or_shm_map(c, NULL) != OR_OK)
    {
        return -1;
    }
    memset(id, 0x42, sizeof(id));
    or_seen_v3_add(c, id);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    or_cycle_free(c);
    return 0;
}

static void
test_seen_v3_save_name_too_long(void **state)
{
    /* tmp holds 4096 + 32 bytes: the path and ".<pid>.tmp" do not fit */
    char      *path = malloc(4096 + 32 + 1);
    uint64_t   saved = 0;

    (void) state;
    assert_non_null(path);
    memset(path, 'a', 4096 + 32);
    path[0] = '/';
    path[4096 + 32] = '\0';
    errno = 0;
    assert_int_equal(or_seen_v3_save(c, path, &saved), OR_ERROR);
    assert_int_equal(errno, ENAMETOOLONG);
    assert_int_equal(saved, 0);
    free(path);
}

static void
test_seen_v3_save_no_folder(void **state)
{
    uint64_t  saved = 0;

    (void) state;
    errno = 0;
    assert_int_equal(or_seen_v3_save(c, "/nonexistent-or-seen/d/seen-v3",
                                     &saved), OR_ERROR);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(saved, 0);
}

static void
test_seen_v3_save_onto_folder(void **state)
{
    char      dir[] = "/tmp/or-seen-save-XXXXXX", path[64], tmp[96];
    uint64_t  saved = 0;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seen-v3", dir);
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    assert_int_equal(mkdir(path, 0700), 0);
    /* a file cannot replace a folder: the rename fails, tmp is removed */
    errno = 0;
    assert_int_equal(or_seen_v3_save(c, path, &saved), OR_ERROR);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(saved, 0);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* once the way is clear, the same set is written */
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(or_seen_v3_save(c, path, &saved), OR_OK);
    assert_int_equal(saved, 1);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
    rmdir(dir);
}

/* worker 0 and the master each keep their own counter: what one saved
 * the other does not write again (the file removed behind their backs
 * shows it), and a new id is written by whichever saves next */
static void
test_seen_v3_save_once_for_both(void **state)
{
    char           dir[] = "/tmp/or-seen-save-XXXXXX", path[64];
    unsigned char  id[OR_SEEN_V3_ID];
    uint64_t       worker = 0, master = 0;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seen-v3", dir);
    assert_int_equal(or_seen_v3_save(c, path, &worker), OR_OK);
    assert_int_equal(worker, 1);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(or_seen_v3_save(c, path, &master), OR_OK);
    assert_int_equal(master, 1);
    assert_int_not_equal(access(path, F_OK), 0);
    memset(id, 0x43, sizeof(id));
    or_seen_v3_add(c, id);
    assert_int_equal(or_seen_v3_save(c, path, &master), OR_OK);
    assert_int_equal(master, 2);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(or_seen_v3_save(c, path, &worker), OR_OK);
    assert_int_equal(worker, 2);
    unlink(path);
    rmdir(dir);
}

/* what the master read at the first mapping is on disk: not saved again */
static void
test_seen_v3_loaded_is_saved(void **state)
{
    char           dir[] = "/tmp/or-seen-save-XXXXXX", path[64];
    or_cycle_t    *d;
    FILE          *fp;
    uint64_t       saved = 0;
    size_t         bad;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seen-v3", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "%064d 1764000000\n", 7);
    fclose(fp);
    d = or_cycle_new("/tmp", "t.conf", NULL);
    assert_non_null(d);
    assert_int_equal(or_seen_v3_zone_add(d, path), OR_OK);
    assert_int_equal(or_shm_map(d, NULL), OR_OK);
    assert_int_equal(or_seen_v3_load(d, path, &bad), OR_OK);
    assert_int_equal(bad, 0);
    assert_true(or_seen_v3_find_fp(d, "0000000000000000", NULL));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(or_seen_v3_save(d, path, &saved), OR_OK);
    assert_int_equal(saved, 1);
    assert_int_not_equal(access(path, F_OK), 0);
    or_cycle_free(d);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seen_v3_save_name_too_long,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_v3_save_no_folder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_seen_v3_save_onto_folder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_seen_v3_save_once_for_both,
                                        setup, teardown),
        cmocka_unit_test(test_seen_v3_loaded_is_saved),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
