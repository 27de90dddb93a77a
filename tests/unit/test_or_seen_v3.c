/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_seen_v3.c: the set at its exact bound (4096 ids, the
 * one seen longest ago goes at 4097), lookups by a v2 fingerprint, and
 * the file written atomically and read back through a cycle's zone.
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

static void
id_of(unsigned n, unsigned char id[OR_SEEN_V3_ID])
{
    memset(id, 0, OR_SEEN_V3_ID);
    id[0] = (unsigned char) (n >> 8);
    id[1] = (unsigned char) n;
    id[31] = 0x5a;
}

static void
test_or_seen_v3_bound(void **state)
{
    or_seen_v3_t  *t = calloc(1, sizeof(*t));
    unsigned char  id[OR_SEEN_V3_ID];

    (void) state;
    assert_non_null(t);
    for (unsigned n = 0; n < OR_SEEN_V3_MAX; n++) {
        id_of(n, id);
        assert_int_equal(or_seen_v3_table_add(t, id, 1000 + n), 1);
    }
    assert_int_equal(t->count, OR_SEEN_V3_MAX);
    id_of(7, id);
    assert_int_equal(or_seen_v3_table_add(t, id, 9000), 0);  /* known */
    assert_int_equal(t->changes, OR_SEEN_V3_MAX);
    /* one more: id 0 (seen at 1000) goes, 7 (refreshed) stays */
    id_of(OR_SEEN_V3_MAX, id);
    assert_int_equal(or_seen_v3_table_add(t, id, 9001), 1);
    assert_int_equal(t->count, OR_SEEN_V3_MAX);
    assert_true(or_seen_v3_table_find_fp(t, "1000000000000000", NULL));
    assert_false(or_seen_v3_table_find_fp(t, "0000000000000000", NULL));
    assert_true(or_seen_v3_table_find_fp(t, "0007000000000000", NULL));
    free(t);
}

/* a fingerprint is the id's first 16 hex, no more and no fewer */
static void
test_or_seen_v3_find_fp(void **state)
{
    or_seen_v3_t  *t = calloc(1, sizeof(*t));
    unsigned char  id[OR_SEEN_V3_ID], got[OR_SEEN_V3_ID];

    (void) state;
    assert_non_null(t);
    id_of(0xabcd, id);
    (void) or_seen_v3_table_add(t, id, 1);
    assert_true(or_seen_v3_table_find_fp(t, "abcd000000000000", got));
    assert_memory_equal(got, id, OR_SEEN_V3_ID);
    assert_false(or_seen_v3_table_find_fp(t, "abcd00000000000", NULL));
    assert_false(or_seen_v3_table_find_fp(t, "abcd0000000000000", NULL));
    assert_false(or_seen_v3_table_find_fp(t, "abcd000000000001", NULL));
    /* fingerprints are lowercase hex: anything else matches nothing */
    assert_false(or_seen_v3_table_find_fp(t, "ABCD000000000000", NULL));
    assert_false(or_seen_v3_table_find_fp(t, "abcd00000000000g", NULL));
    free(t);
}

/* saved atomically (0600, no temp file left), read back by a new zone;
 * unchanged since the save: nothing written */
static void
test_or_seen_v3_file_round_trip(void **state)
{
    char           dir[] = "/tmp/or-seen-XXXXXX", path[64], tmp[80];
    or_cycle_t    *a = or_cycle_new("/tmp", "t.conf", NULL);
    or_cycle_t    *b = or_cycle_new("/tmp", "t.conf", NULL);
    unsigned char  id[OR_SEEN_V3_ID], got[OR_SEEN_V3_ID];
    uint64_t       saved = 0;
    size_t         bad = 1;
    struct stat    st;
    FILE          *f;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seen-v3", dir);
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(or_seen_v3_zone_add(a, NULL), OR_OK);
    assert_int_equal(or_shm_map(a, NULL), OR_OK);
    assert_int_equal(or_seen_v3_load(a, path, &bad), OR_OK);  /* none */
    assert_int_equal(bad, 0);
    id_of(0x1234, id);
    or_seen_v3_add(a, id);
    assert_int_equal(or_seen_v3_save(a, path, &saved), OR_OK);
    assert_int_equal(saved, 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* unchanged: not rewritten (the file's junk line stays) */
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("not an id\n", f);
    fclose(f);
    assert_int_equal(or_seen_v3_save(a, path, &saved), OR_OK);

    assert_int_equal(or_seen_v3_zone_add(b, NULL), OR_OK);
    assert_int_equal(or_shm_map(b, NULL), OR_OK);
    assert_int_equal(or_seen_v3_load(b, path, &bad), OR_OK);
    assert_int_equal(bad, 1);
    assert_true(or_seen_v3_find_fp(b, "1234000000000000", got));
    assert_memory_equal(got, id, OR_SEEN_V3_ID);
    /* once per zone: a second load (a reload's worker) keeps it */
    unlink(path);
    assert_int_equal(or_seen_v3_load(b, path, &bad), OR_OK);
    assert_true(or_seen_v3_find_fp(b, "1234000000000000", NULL));
    rmdir(dir);
    or_cycle_free(a);
    or_cycle_free(b);
}

/* the master reads the file when the zone is first mapped (its rights,
 * not the workers'); the first worker's load() reports that read once */
static void
test_or_seen_v3_master_reads(void **state)
{
    char           dir[] = "/tmp/or-seen-XXXXXX", path[64];
    or_cycle_t    *a = or_cycle_new("/tmp", "t.conf", NULL);
    or_cycle_t    *b = or_cycle_new("/tmp", "t.conf", NULL);
    unsigned char  id[OR_SEEN_V3_ID];
    size_t         bad = 0;
    FILE          *f;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seen-v3", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s 5\nnot an id\n", "5678" "000000000000000000000000000000"
            "000000000000000000000000000000");
    fclose(f);
    assert_non_null(a);
    assert_int_equal(or_seen_v3_zone_add(a, path), OR_OK);
    assert_int_equal(or_shm_map(a, NULL), OR_OK);
    unlink(path);                   /* read already: no worker needs it */
    assert_true(or_seen_v3_find_fp(a, "5678000000000000", id));
    assert_int_equal(or_seen_v3_load(a, path, &bad), OR_OK);
    assert_int_equal(bad, 1);
    assert_int_equal(or_seen_v3_load(a, path, &bad), OR_OK);
    assert_int_equal(bad, 0);       /* reported once */

    /* a file the master cannot read (a folder): the worker hears of it */
    assert_non_null(b);
    assert_int_equal(or_seen_v3_zone_add(b, dir), OR_OK);
    assert_int_equal(or_shm_map(b, NULL), OR_OK);
    errno = 0;
    assert_int_equal(or_seen_v3_load(b, dir, &bad), OR_ERROR);
    assert_int_not_equal(errno, 0);
    assert_int_equal(or_seen_v3_load(b, dir, &bad), OR_OK);
    rmdir(dir);
    or_cycle_free(a);
    or_cycle_free(b);
}

/* no zone (a build without the handshake): nothing, and no crash */
static void
test_or_seen_v3_no_zone(void **state)
{
    or_cycle_t    *c = or_cycle_new("/tmp", "t.conf", NULL);
    unsigned char  id[OR_SEEN_V3_ID];
    uint64_t       saved = 0;
    size_t         bad;

    (void) state;
    assert_non_null(c);
    id_of(1, id);
    or_seen_v3_add(c, id);
    assert_false(or_seen_v3_find_fp(c, "0001000000000000", NULL));
    assert_int_equal(or_seen_v3_load(c, "/nonexistent/x", &bad), OR_OK);
    assert_int_equal(or_seen_v3_save(c, "/nonexistent/x", &saved), OR_OK);
    or_cycle_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_seen_v3_bound),
        cmocka_unit_test(test_or_seen_v3_find_fp),
        cmocka_unit_test(test_or_seen_v3_file_round_trip),
        cmocka_unit_test(test_or_seen_v3_master_reads),
        cmocka_unit_test(test_or_seen_v3_no_zone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
