#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""Junk and forged beacons for tests/integration/fault_beacon_flood.sh.

`fault_beacon_flood.py COUNT OLD_TOKEN`: sends COUNT datagrams to the
default group (224.0.1.100:5354, out of 127.0.0.1), cycling through a
fixed set: random bytes, a text line, oversized datagrams, Fernet-shaped
tokens with a forged HMAC, tokens sealed with another passphrase, the
public passphrase's tokens over a plaintext that is not a beacon, and
OLD_TOKEN (a real beacon from the past, replayed). Prints one JSON line
with the count sent and the rate.
"""
import base64
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peers"))
import v2peer  # noqa: E402


def forged_token():
    """Version, timestamp, IV, ciphertext, HMAC: the shape, not the key."""
    body = (b"\x80" + int(time.time()).to_bytes(8, "big") + os.urandom(16)
            + os.urandom(16 * 20) + os.urandom(32))
    return base64.urlsafe_b64encode(body)


def payloads(old_token):
    now = time.time()
    public = v2peer.derive_network_key(v2peer.DEFAULT_PASSPHRASE)
    other = v2peer.derive_network_key("not-the-passphrase")
    out = [os.urandom(n) for n in (1, 16, 300, 1400)]
    out.append(b"not a token at all\n")
    out.append(b"A" * 5000)
    out.append(b"\x00" * 60000)
    out += [forged_token() for _ in range(8)]
    out += [v2peer.seal(other, b'{"node_fingerprint": "x"}', now)
            for _ in range(4)]
    for plain in (b"[]", b"{", b'{"node_fingerprint": 7}', b"\xff" * 200,
                  b'{"node_fingerprint": "' + b"a" * 3000 + b'"}'):
        out.append(v2peer.seal(public, plain, now))
    out.append(old_token)
    return out


def main():
    count = int(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        old = f.read().strip()
    data = payloads(old)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton("127.0.0.1"))
    dest = (v2peer.MCAST_GROUP, v2peer.MCAST_PORT)
    sent = errors = 0
    start = time.monotonic()
    n = len(data)
    for i in range(count):
        try:
            s.sendto(data[i % n], dest)
            sent += 1
        except OSError:
            errors += 1     # ENOBUFS under load: counted, not retried
    secs = time.monotonic() - start
    print(json.dumps({"sent": sent, "errors": errors,
                      "per_second": int(sent / secs) if secs else sent}),
          flush=True)


if __name__ == "__main__":
    main()
