/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Shared by the open-addressed indexes in shared memory (or_peers.c,
 * or_session.c).
 */
#ifndef OR_HASH_H_INCLUDED
#define OR_HASH_H_INCLUDED

#include <stddef.h>

/* Slots for an index of up to max entries: at least twice as many, so
 * that probes stay short, and a power of two, so that a mask picks the
 * slot; 16 at the least. */
static inline size_t
or_hash_index_slots(size_t max)
{
    size_t n = 16;

    while (n < 2 * max) {
        n <<= 1;
    }
    return n;
}

#endif /* OR_HASH_H_INCLUDED */
