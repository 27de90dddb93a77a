/*
 * Auto-connect (worker 0): which discovered peers a node with
 * auto_connect dials, never itself, a sibling or a peer it already holds,
 * and the backoff after a failed dial.
 */
#ifndef OR_AUTOCONNECT_H_INCLUDED
#define OR_AUTOCONNECT_H_INCLUDED

#include <stddef.h>

#include "or_err.h"

typedef struct or_hs_s           or_hs_t;
typedef struct or_autoconnect_s  or_autoconnect_t;

/* State for the dials of hs (borrowed; valid until or_autoconnect_free). */
__attribute__((warn_unused_result))
or_err_t or_autoconnect_new(or_hs_t *hs, or_autoconnect_t **out);
void or_autoconnect_free(or_autoconnect_t *ac);

/* One round: every node with auto_connect dials what it is missing. */
void or_autoconnect_round(or_autoconnect_t *ac);

/* or_hs_dial_done_pt, data = ac: a failed dial backs off, a good one
 * clears the backoff. */
void or_autoconnect_dial_done(or_hs_t *hs, size_t node, const char *peer,
    int ok, void *data);

#endif /* OR_AUTOCONNECT_H_INCLUDED */
