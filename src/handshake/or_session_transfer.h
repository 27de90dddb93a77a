/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The state of one established session as an old worker hands it to the
 * new generation on a reload (or_takeover.h moves it, with the socket):
 * identity (node, peer, link, direction, address), the node block it was
 * made under (our fingerprint, listen address, sector: a changed one ends
 * the session), counters, the framing and, in v3, the record layer's keys
 * and counters. The buffered input and output follow the state as raw
 * bytes; the state says how many.
 *
 * Big-endian, fixed order, every length bounded and checked; a decoder
 * that refuses anything short, long, out of range or with bytes left over.
 * Pure: no I/O. The state holds v3 keys: wipe it (or_transfer_wipe).
 */
#ifndef OR_SESSION_TRANSFER_H_INCLUDED
#define OR_SESSION_TRANSFER_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_err.h"
#include "or_limits.h"
#include "or_v3.h"

#define OR_TRANSFER_MAGIC    "ORST"
#define OR_TRANSFER_VERSION  1

#define OR_TRANSFER_NODE_MAX     64     /* bytes of a node id (its bound) */
#define OR_TRANSFER_ADDR_MAX     63     /* "ip:port", the listen address */
#define OR_TRANSFER_SECTOR_MAX   64
/* buffered input: one v2 object or one v3 frame, less a byte (a whole
 * one was taken off before the hand-over) */
#define OR_TRANSFER_IN_MAX   (OR_V3_FRAME_HDR + OR_V3_REC_LEN_MAX)
#define OR_TRANSFER_OUT_MAX  OR_CONN_OUT_MAX

typedef struct {
    uint64_t  id;                       /* or_session_t.id */
    uint32_t  slot;                     /* its slot in the old table */
    char      node[OR_TRANSFER_NODE_MAX + 1];
    char      peer[OR_FP_LEN + 1];
    char      ours[OR_FP_LEN + 1];      /* the node's fingerprint */
    char      link[OR_LINK_LEN + 1];    /* "" or OR_LINK_LEN hex */
    char      address[OR_TRANSFER_ADDR_MAX + 1];
    char      listen[OR_TRANSFER_ADDR_MAX + 1];
    char      sector[OR_TRANSFER_SECTOR_MAX + 1];
    unsigned  direction;                /* or_session_dir_t */
    unsigned  framing;                  /* or_session_framing_t */
    int64_t   since;                    /* s, wall clock */
    uint64_t  messages_in, messages_out;
    uint64_t  bytes_in, bytes_out;      /* message bytes */
    uint64_t  messages_dropped;
    uint64_t  conn_in, conn_out;        /* bytes on the socket */
    uint64_t  quiet_ms;                 /* since the last message */
    /* OR_FRAMING_V3 only */
    or_v3_rec_state_t  rec;
    uint64_t  v3_in_age_ms;             /* since the last record in */
    uint64_t  v3_out_age_ms;            /* since the last record out */
    uint32_t  inlen;                    /* buffered bytes that follow */
    uint32_t  outlen;
} or_transfer_state_t;

/* bytes of an encoded state: the fixed part, then each string's bytes */
#define OR_TRANSFER_FIXED    (4 + 1 + 1 + 1 + 8 + 4 + 2 * OR_FP_LEN       \
                              + 5 + 8 + 8 * 8 + 4 + 4)
#define OR_TRANSFER_V3       (2 + 2 * OR_V3_KEY_LEN + 4 * 8 + 8 + 2 + 2 * 8)
#define OR_TRANSFER_STATE_MAX                                                \
    (OR_TRANSFER_FIXED + OR_TRANSFER_V3 + OR_TRANSFER_NODE_MAX + OR_LINK_LEN \
     + 2 * OR_TRANSFER_ADDR_MAX + OR_TRANSFER_SECTOR_MAX)

/* Encodes st into out (cap bytes); *len on OR_OK. OR_EPROTO for a state
 * that the decoder would refuse, OR_ETOOBIG if cap is short. */
__attribute__((warn_unused_result))
or_err_t or_transfer_encode(const or_transfer_state_t *st,
    unsigned char *out, size_t cap, size_t *len);
/* Decodes exactly len bytes into st. OR_EPROTO and a reason in *why for
 * anything truncated, garbled, out of bounds or followed by more bytes;
 * st is wiped then. */
__attribute__((warn_unused_result))
or_err_t or_transfer_decode(const unsigned char *in, size_t len,
    or_transfer_state_t *st, const char **why);
/* OPENSSL_cleanse of st (its keys) */
void or_transfer_wipe(or_transfer_state_t *st);

#endif /* OR_SESSION_TRANSFER_H_INCLUDED */
