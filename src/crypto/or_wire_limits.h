/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Named bounds on everything libopenred reads from the network or from a
 * key file: the wire format's limits, part of the library's public API.
 * The daemon's own tuning (tables, queues, the control socket) is in
 * src/core/or_limits.h and is never installed. Tests cite these names;
 * change a bound here and nowhere else.
 */
#ifndef OR_WIRE_LIMITS_H_INCLUDED
#define OR_WIRE_LIMITS_H_INCLUDED

/* JSON on the wire (DESIGN.md "Handshake and sessions": bounded JSON) */
#define OR_HANDSHAKE_MAX        16384   /* bytes, one request or response */
#define OR_MESSAGE_MAX          65536   /* bytes, one post-handshake object */
#define OR_JSON_DEPTH_MAX       16      /* nested objects/arrays */

/* discovery (PROTOCOL-v2.md "Discovery beacons": receivers read 4096) */
#define OR_BEACON_MAX           4096    /* bytes, one Fernet token */
#define OR_BEACON_PLAIN_MAX     3000    /* bytes, its plaintext */
#define OR_V2_SERVICES_MAX      16      /* entries in "services" */
#define OR_V2_SERVICE_LEN_MAX   64      /* bytes, one service name */
#define OR_V2_SECTOR_LEN_MAX    64      /* bytes, "sector" */
#define OR_V2_ZONE_LEN_MAX      64      /* bytes, "zone_hash" */
#define OR_V2_IP_LEN_MAX        45      /* bytes, "p2p_endpoint.ip" */

/* identity keys */
#define OR_KEY_FILE_MAX         16384   /* bytes, a private key PEM file */
#define OR_PUBKEY_PEM_MAX       1024    /* bytes, a peer's public PEM */
#define OR_RSA_BITS             2048    /* bits, keys we generate */
#define OR_RSA_BITS_MIN         2048    /* bits, peer keys we accept */
#define OR_RSA_BITS_MAX         4096
#define OR_SIG_MAX              512     /* bytes, RSA-4096 signature */

/* handshake (PROTOCOL-v2.md "Handshake over TCP") */
#define OR_HANDSHAKE_WINDOW     300     /* s, |now - timestamp| */
#define OR_PEER_ERROR_MAX       128     /* bytes of a peer's "error" kept */

/* Fernet (PROTOCOL-v2.md): PBKDF2 cost of the original */
#define OR_PBKDF2_ITERATIONS    100000
#define OR_PASSPHRASE_MAX       1024    /* bytes */

#endif /* OR_WIRE_LIMITS_H_INCLUDED */
