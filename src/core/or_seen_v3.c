/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The seen-v3 set (or_seen_v3.h). A linear scan: 4096 ids of 32 bytes
 * are 128 KiB, read once per v2 handshake and once per verified v3
 * beacon, far below the RSA verify each of those costs.
 */
#include "or_seen_v3.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "or_shm.h"

static void
to_hex(const unsigned char *id, char out[2 * OR_SEEN_V3_ID + 1])
{
    static const char  hex[] = "0123456789abcdef";

    for (size_t i = 0; i < OR_SEEN_V3_ID; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 0xf];
    }
    out[2 * OR_SEEN_V3_ID] = '\0';
}

static int
from_hex(const char *s, unsigned char *id)
{
    for (size_t i = 0; i < 2 * OR_SEEN_V3_ID; i++) {
        int  c = s[i], v;

        v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f'
            ? c - 'a' + 10 : -1;
        if (v < 0) {
            return -1;
        }
        id[i / 2] = (unsigned char) (i % 2 ? id[i / 2] << 4 | v : v);
    }
    return 0;
}

int
or_seen_v3_table_add(or_seen_v3_t *t, const unsigned char *id, int64_t now)
{
    or_seen_v3_entry_t *e = NULL;

    for (uint32_t i = 0; i < t->count; i++) {
        if (memcmp(t->e[i].id, id, OR_SEEN_V3_ID) == 0) {
            t->e[i].seen = now;
            return 0;
        }
    }
    if (t->count < OR_SEEN_V3_MAX) {
        e = &t->e[t->count++];
    } else {
        e = &t->e[0];
        for (uint32_t i = 1; i < t->count; i++) {
            if (t->e[i].seen < e->seen) {
                e = &t->e[i];
            }
        }
    }
    memcpy(e->id, id, OR_SEEN_V3_ID);
    e->seen = now;
    t->changes++;
    return 1;
}

int
or_seen_v3_table_find_fp(const or_seen_v3_t *t, const char *fp,
    unsigned char *id)
{
    unsigned char  head[8];

    /* the fingerprint as the id's first 8 bytes, compared as bytes */
    if (strlen(fp) != 16) {
        return 0;
    }
    for (size_t i = 0; i < 16; i++) {
        int c = fp[i], v;

        v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f'
            ? c - 'a' + 10 : -1;
        if (v < 0) {
            return 0;
        }
        head[i / 2] = (unsigned char) (i % 2 ? head[i / 2] << 4 | v : v);
    }
    for (uint32_t i = 0; i < t->count; i++) {
        if (memcmp(t->e[i].id, head, sizeof(head)) == 0) {
            if (id != NULL) {
                memcpy(id, t->e[i].id, OR_SEEN_V3_ID);
            }
            return 1;
        }
    }
    return 0;
}

static or_err_t load_into(or_shm_zone_t *z, const char *path, size_t *bad);

static or_err_t
zone_init(or_shm_zone_t *z, void *addr, size_t size, int reused)
{
    or_seen_v3_t *t = addr;
    const char   *path = or_shm_zone_data(z);
    size_t        bad = 0;

    (void) size;
    if (reused || path == NULL) {
        return OR_OK;
    }
    if (load_into(z, path, &bad) != OR_OK) {
        t->load_err = errno;
    }
    t->load_bad = (uint32_t) bad;
    return OR_OK;               /* a start without the set is still safe */
}

or_err_t
or_seen_v3_zone_add(or_cycle_t *cycle, const char *path)
{
    or_shm_zone_t *z = or_shm_zone_add(cycle, OR_SEEN_V3_ZONE,
                                       sizeof(or_seen_v3_t),
                                       path != NULL ? zone_init : NULL);

    if (z == NULL) {
        return OR_ENOMEM;
    }
    or_shm_zone_set_data(z, (void *) path);
    return OR_OK;
}

static or_shm_zone_t *
zone(or_cycle_t *cycle)
{
    or_shm_zone_t *z = or_shm_zone_find(cycle, OR_SEEN_V3_ZONE);

    return z != NULL && or_shm_addr(z) != NULL ? z : NULL;
}

void
or_seen_v3_add(or_cycle_t *cycle, const unsigned char *id)
{
    or_shm_zone_t *z = zone(cycle);

    if (z == NULL) {
        return;
    }
    or_shm_lock(z);
    (void) or_seen_v3_table_add(or_shm_addr(z), id, (int64_t) time(NULL));
    or_shm_unlock(z);
}

int
or_seen_v3_find_fp(or_cycle_t *cycle, const char *fp, unsigned char *id)
{
    or_shm_zone_t *z = zone(cycle);
    int            found;

    if (z == NULL) {
        return 0;
    }
    or_shm_lock(z);
    found = or_seen_v3_table_find_fp(or_shm_addr(z), fp, id);
    or_shm_unlock(z);
    return found;
}

or_err_t
or_seen_v3_load(or_cycle_t *cycle, const char *path, size_t *bad)
{
    or_shm_zone_t *z = zone(cycle);
    or_seen_v3_t  *t;
    int            err;

    *bad = 0;
    if (z == NULL) {
        return OR_OK;
    }
    t = or_shm_addr(z);
    or_shm_lock(z);
    if (t->loaded) {
        /* read by the master (or a worker before us): its outcome, once */
        err = t->load_err;
        *bad = t->load_bad;
        t->load_err = 0;
        t->load_bad = 0;
        or_shm_unlock(z);
        errno = err;
        return err ? OR_ERROR : OR_OK;
    }
    or_shm_unlock(z);
    return load_into(z, path, bad);
}

static or_err_t
load_into(or_shm_zone_t *z, const char *path, size_t *bad)
{
    or_seen_v3_t  *t = or_shm_addr(z);
    unsigned char  id[OR_SEEN_V3_ID];
    char           line[160];
    long long      seen;
    FILE          *f;
    int            err = 0;

    *bad = 0;
    or_shm_lock(z);
    if (t->loaded) {
        or_shm_unlock(z);
        return OR_OK;
    }
    t->loaded = 1;
    f = fopen(path, "re");
    if (f == NULL) {
        err = errno;
        or_shm_unlock(z);
        errno = err;
        return err == ENOENT ? OR_OK : OR_ERROR;
    }
    for (size_t n = 0; n < 2 * OR_SEEN_V3_MAX
         && fgets(line, sizeof(line), f) != NULL; n++)
    {
        if (strlen(line) < 2 * OR_SEEN_V3_ID + 2
            || line[2 * OR_SEEN_V3_ID] != ' ' || from_hex(line, id) != 0
            || sscanf(line + 2 * OR_SEEN_V3_ID + 1, "%lld", &seen) != 1)
        {
            (*bad)++;
            continue;
        }
        (void) or_seen_v3_table_add(t, id, (int64_t) seen);
    }
    err = ferror(f) ? EIO : 0;
    fclose(f);
    t->saved = t->changes;      /* what the file holds needs no save */
    or_shm_unlock(z);
    errno = err;
    return err ? OR_ERROR : OR_OK;
}

/* two savers may finish in either order: the file holds at least the
 * newer of what they wrote */
static void
t_saved_max(or_seen_v3_t *t, uint64_t changes)
{
    if (changes > t->saved) {
        t->saved = changes;
    }
}

or_err_t
or_seen_v3_save(or_cycle_t *cycle, const char *path, uint64_t *saved)
{
    or_shm_zone_t *z = zone(cycle);
    or_seen_v3_t  *copy;
    char           tmp[4096 + 32], hex[2 * OR_SEEN_V3_ID + 1];
    FILE          *f;
    int            fd, err = 0;

    if (z == NULL) {
        return OR_OK;
    }
    copy = malloc(sizeof(*copy));
    if (copy == NULL) {
        errno = ENOMEM;
        return OR_ERROR;
    }
    or_shm_lock(z);
    memcpy(copy, or_shm_addr(z), sizeof(*copy));
    or_shm_unlock(z);
    /* on disk already, by whoever saved last (worker 0 or the master) */
    if (copy->changes == copy->saved) {
        *saved = copy->changes;
        free(copy);
        return OR_OK;
    }
    /* the writer's pid in the name: worker 0 and the master (at a reload
     * or stop) may save at the same moment, each through its own file */
    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
                          (long) getpid()) >= sizeof(tmp))
    {
        free(copy);
        errno = ENAMETOOLONG;
        return OR_ERROR;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
              0600);
    f = fd != -1 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        err = errno;
        if (fd != -1) {
            close(fd);
        }
        free(copy);
        errno = err;
        return OR_ERROR;
    }
    for (uint32_t i = 0; i < copy->count; i++) {
        to_hex(copy->e[i].id, hex);
        fprintf(f, "%s %lld\n", hex, (long long) copy->e[i].seen);
    }
    if (fflush(f) != 0 || fsync(fd) != 0) {
        err = errno;
    }
    if (fclose(f) != 0 && err == 0) {
        err = errno;
    }
    if (err == 0 && rename(tmp, path) != 0) {
        err = errno;
    }
    if (err != 0) {
        unlink(tmp);
    } else {
        *saved = copy->changes;
        or_shm_lock(z);
        t_saved_max(or_shm_addr(z), copy->changes);
        or_shm_unlock(z);
    }
    free(copy);
    errno = err;
    return err ? OR_ERROR : OR_OK;
}
