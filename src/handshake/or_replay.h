/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Replay cache of accepted handshake requests (DESIGN.md "Handshake and
 * sessions": a replayed request is refused). Fixed tables in one block of
 * memory, so that it can live in a shm zone that every worker sees; the
 * caller holds the zone's lock around each call. The design, and why no
 * future-dated flood can turn it against valid peers: or_replay.c.
 */
#ifndef OR_REPLAY_H_INCLUDED
#define OR_REPLAY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_err.h"
#include "or_limits.h"

#define OR_REPLAY_KEY_LEN  32   /* SHA-256 of the padded signature */
#define OR_REPLAY_ZONE     "replay"

/* One remembered request. */
typedef struct {
    int64_t        expires;     /* s, wall clock, ts + window + 1; 0 = free */
    int64_t        ts;          /* s, the request's timestamp */
    char           fp[OR_FP_LEN];           /* requester; no NUL */
    unsigned char  key[OR_REPLAY_KEY_LEN];
} or_replay_slot_t;

/* A requester some of whose requests were forgotten while still live. */
typedef struct {
    int64_t        expires;     /* s, floor + window + 1; 0 = free */
    int64_t        floor;       /* s: its requests at or below are refused */
    char           fp[OR_FP_LEN];           /* no NUL */
} or_replay_floor_t;

typedef struct {
    uint64_t           evicted;     /* live requests forgotten */
    uint64_t           busy;        /* refused: nothing could be forgotten */
    or_replay_slot_t   slots[OR_REPLAY_SLOTS];
    or_replay_floor_t  floors[OR_REPLAY_FLOORS];
} or_replay_t;

/* key = SHA-256 of sig as an integer (left-padded to OR_SIG_MAX): one key
 * for every encoding of one signature. OR_EPROTO if siglen > OR_SIG_MAX. */
__attribute__((warn_unused_result))
or_err_t or_replay_key(const unsigned char *sig, size_t siglen,
    unsigned char key[OR_REPLAY_KEY_LEN]);

/*
 * Remembers the request key of requester fp (16 hex) with timestamp ts
 * until ts + window. OR_OK: first time seen, now remembered. OR_EAUTH: a
 * replay (seen, or at or below fp's floor). OR_AGAIN: not a known replay,
 * but the tables are full of live entries that cannot be forgotten safely
 * (refuse as "busy"; never as a replay).
 */
__attribute__((warn_unused_result))
or_err_t or_replay_check_add(or_replay_t *rc,
    const unsigned char key[OR_REPLAY_KEY_LEN], const char *fp, int64_t ts,
    int64_t now, int64_t window);

#endif /* OR_REPLAY_H_INCLUDED */
