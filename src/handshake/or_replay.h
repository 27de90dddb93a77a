/*
 * Replay cache of accepted handshake signatures (DESIGN.md "Handshake and
 * sessions": a replayed request is refused). A fixed table in one block of
 * memory, so it can live in a shm zone that every worker sees; the caller
 * holds the zone's lock around each call.
 */
#ifndef OR_REPLAY_H_INCLUDED
#define OR_REPLAY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"
#include "or_limits.h"

#define OR_REPLAY_KEY_LEN  32   /* SHA-256 of the padded signature */
#define OR_REPLAY_ZONE     "replay"

typedef struct {
    int64_t        expires;     /* s, wall clock; 0 = free */
    int64_t        ts;          /* s, the request's timestamp */
    unsigned char  key[OR_REPLAY_KEY_LEN];
} or_replay_slot_t;

typedef struct {
    /* s: every request with timestamp <= floor is refused, because a slot
     * that remembered one was reused while still live (table full). */
    int64_t           floor;
    uint64_t          evicted;
    or_replay_slot_t  slots[OR_REPLAY_SLOTS];
} or_replay_t;

/*
 * Remembers sig (of a request with timestamp ts) until ts + window.
 * OR_OK: first time seen, now remembered. OR_EAUTH: seen before, or ts is
 * at or below the floor (a replay can no longer be ruled out).
 */
__attribute__((warn_unused_result))
or_err_t or_replay_check_add(or_replay_t *rc, const unsigned char *sig,
    size_t siglen, int64_t ts, int64_t now, int64_t window);

#endif /* OR_REPLAY_H_INCLUDED */
