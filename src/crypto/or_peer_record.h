/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * A node's signed peer record: the rendezvous record it puts on the DHT
 * (docs/SECURITY.md "DHT records", sealed) and the record it hands its
 * v3 session peers for peer exchange ("Peer exchange", signed JSON in
 * the session's AEAD records); pure: no I/O, testable alone. From the network passphrase,
 * HKDF-SHA256 derives two keys that say nothing of it: where the records
 * go (the DHT key) and the AES-256-GCM key that seals them, so that a DHT
 * node storing one reads neither the id nor the addresses. Inside, JSON
 * signed (RSA-PSS) by the node's identity key, whose 256-bit v3 id it
 * names; short-lived (ts, ttl). A record is a hint: the v3 handshake to
 * one of its addresses is what authenticates the peer.
 */
#ifndef OR_PEER_RECORD_H_INCLUDED
#define OR_PEER_RECORD_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_v3.h"

#define OR_PEER_RECORD_MAX   4096     /* sealed bytes, any record */
#define OR_PEER_REC_ADDRS_MAX    8
#define OR_PEER_REC_ADDR_LEN     64       /* "[v6]:port" + NUL fits */
#define OR_PEER_TTL_MAX      3600     /* s */
#define OR_PEER_SKEW_S       60       /* s a record may be in the future */
#define OR_PEER_KEY_LEN      32
#define OR_PEER_TEXT_MAX     (OR_PEER_RECORD_MAX - 28)  /* signed JSON */

/* The keys of one network, from its passphrase. */
typedef struct {
    unsigned char  where[OR_PEER_KEY_LEN];   /* hashed into the DHT key */
    unsigned char  seal[OR_PEER_KEY_LEN];    /* AES-256-GCM */
} or_peer_keys_t;

typedef struct {
    unsigned char  id[OR_V3_ID_LEN];
    char           addrs[OR_PEER_REC_ADDRS_MAX][OR_PEER_REC_ADDR_LEN];
    size_t         naddrs;
    int64_t        ts;       /* s, when it was made */
    int64_t        ttl;      /* s it is good for */
} or_peer_record_t;

or_err_t or_peer_keys(const char *passphrase, size_t len, or_peer_keys_t *k,
    or_errbuf_t *eb) __attribute__((warn_unused_result));

/* The signed JSON text of r (NUL-terminated, *len without it), at most
 * OR_PEER_TEXT_MAX bytes: r's id is taken from key; r's addrs, ts and
 * ttl are the caller's. */
or_err_t or_peer_record_sign(const or_peer_keys_t *k, const or_key_t *key,
    const or_peer_record_t *r, char *out, size_t cap, size_t *len,
    or_errbuf_t *eb) __attribute__((warn_unused_result));

/* The same, sealed with k (the DHT's form). */
or_err_t or_peer_record_seal(const or_peer_keys_t *k, const or_key_t *key,
    const or_peer_record_t *r, unsigned char *out, size_t cap, size_t *len,
    or_errbuf_t *eb) __attribute__((warn_unused_result));

/* Opens, parses and verifies one record (at now, s): sealed with k, of
 * the shape above, its key bound to its id, its signature good, live.
 * OR_EAUTH/OR_EPROTO/OR_ETOOBIG with eb's reason otherwise. */
or_err_t or_peer_record_open(const or_peer_keys_t *k, const unsigned char *in,
    size_t len, int64_t now, or_peer_record_t *r, or_errbuf_t *eb)
    __attribute__((warn_unused_result));

/* The same after the unseal: len bytes of signed JSON (peer exchange's
 * way in, and the fuzzer's). */
or_err_t or_peer_record_parse(const or_peer_keys_t *k, const char *plain,
    size_t len, int64_t now, or_peer_record_t *r, or_errbuf_t *eb)
    __attribute__((warn_unused_result));

#endif /* OR_PEER_RECORD_H_INCLUDED */
