#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""Hostile v2 handshake peer for tests/integration/handshake_*.sh.

Speaks PROTOCOL-v2.md "Handshake over TCP" as the original does, and breaks
it on purpose: `attack HOST PORT TARGET CASE` sends one request and prints
what came back; `respond PORT CASE` answers one dial with a bad response;
`bench HOST PORT TARGET N` prints the median handshake time in ms;
`request HOST PORT TARGET KEYFILE` sends one valid request signed with
the key in KEYFILE (a node's own) and prints what came back.
"""
import base64
import hashlib
import json
import socket
import statistics
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def fp(key):
    return hashlib.sha256(pem(key)).hexdigest()[:16]


def sign(key, text):
    return base64.b64encode(key.sign(
        text.encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                   salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256())).decode()


def request(key, target, ts=None, pub=None, src=None):
    ts = int(time.time()) if ts is None else ts
    src = src or fp(key)
    return {"type": "p2p_handshake_request", "source_fingerprint": src,
            "target_fingerprint": target, "timestamp": ts,
            "public_key": base64.b64encode(pub or pem(key)).decode(),
            "signature": sign(key, "%s:%s:%s" % (src, target, ts)),
            "valid_for": 300}


def exchange(host, port, chunks, delay=0.0, wait=15.0):
    s = socket.create_connection((host, port), timeout=wait)
    try:
        for c in chunks:
            s.sendall(c)
            if delay:
                time.sleep(delay)
        data = b""
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            data += b
            try:
                json.loads(data)
                break
            except ValueError:
                continue
        return data.decode(errors="replace")
    finally:
        s.close()


def attack(host, port, target, case):
    port = int(port)
    key = new_key()
    other = new_key()
    req = request(key, target)
    body = json.dumps(req).encode()
    if case == "valid":
        return exchange(host, port, [body])
    if case == "replay":
        exchange(host, port, [body])
        return exchange(host, port, [body])
    if case == "key_not_bound":
        return exchange(host, port, [json.dumps(request(
            key, target, pub=pem(other))).encode()])
    if case == "expired":
        return exchange(host, port, [json.dumps(request(
            key, target, ts=int(time.time()) - 1000)).encode()])
    if case == "wrong_target":
        return exchange(host, port, [json.dumps(request(
            key, "0123456789abcdef")).encode()])
    if case == "bad_signature":
        req["signature"] = sign(other, "x")
        return exchange(host, port, [json.dumps(req).encode()])
    if case == "garbage":
        # not \x00 first: that byte is v3's (docs/PROTOCOL.md v3 §3)
        return exchange(host, port, [b"\xff\x00not json at all}"])
    if case == "slow_split":
        return exchange(host, port, [body[i:i + 40]
                                     for i in range(0, len(body), 40)],
                        delay=0.05)
    if case == "silent_first":
        # longer than B's handshake_timeout (2 s) before the first byte:
        # the clock starts at the first byte (TCP_DEFER_ACCEPT)
        s = socket.create_connection((host, port), timeout=15)
        try:
            time.sleep(3)
            s.sendall(body)
            data = b""
            while b"}" not in data:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            return data.decode(errors="replace")
        finally:
            s.close()
    if case == "stalled":
        t0 = time.time()
        out = exchange(host, port, [body[:100]], wait=30)
        return "%s after %.0f s" % (out, time.time() - t0)
    if case == "oversized":
        req["padding"] = "x" * 70000
        return exchange(host, port, [json.dumps(req).encode()])
    if case in ("nan_timestamp", "float_timestamp"):
        text = json.dumps(req).replace(
            '"timestamp": %d' % req["timestamp"],
            '"timestamp": NaN' if case == "nan_timestamp"
            else '"timestamp": %d.5' % req["timestamp"])
        return exchange(host, port, [text.encode()])
    if case == "noncanonical_pem":
        bad = pem(key).replace(b"\n", b"\r\n")
        req = request(key, target, pub=bad,
                      src=hashlib.sha256(bad).hexdigest()[:16])
        return exchange(host, port, [json.dumps(req).encode()])
    if case == "claim_live":
        # arg "target" is "TARGET:VICTIM": claim VICTIM's fingerprint
        target, victim = target.split(":")
        req = request(key, target, src=victim)
        return exchange(host, port, [json.dumps(req).encode()])
    raise SystemExit("unknown case " + case)


def respond(port, case):
    """Answer one dial with a response that must be refused."""
    key = new_key()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(4)
    # only now: the test dials as soon as it reads the fingerprint
    print(fp(key), flush=True)
    stale = None
    for _ in range(2 if case == "stale" else 1):
        c, _a = srv.accept()
        req = json.loads(c.recv(4096))
        a, b = req["source_fingerprint"], fp(key)
        ts = int(time.time())
        link = hashlib.sha256(("%s:%s:%s:%s" % (
            a, b, req["timestamp"], ts)).encode()).hexdigest()[:32]
        resp = {"type": "p2p_handshake_response", "source_fingerprint": b,
                "target_fingerprint": a, "timestamp": ts,
                "public_key": base64.b64encode(pem(key)).decode(),
                "mutual_link": link,
                "signature": sign(key, "%s:%s:%s:%s" % (b, a, ts, link)),
                "status": "connection_accepted"}
        if case == "key_not_bound":
            other = new_key()
            resp["public_key"] = base64.b64encode(pem(other)).decode()
            resp["signature"] = sign(other, "%s:%s:%s:%s" % (b, a, ts, link))
        if case == "stale":
            resp, stale = (stale, resp) if stale else (resp, resp)
        c.sendall(json.dumps(resp).encode())
        time.sleep(0.5)
        c.close()


def bench(host, port, target, n):
    key = new_key()
    times = []
    for _ in range(int(n)):
        body = json.dumps(request(key, target)).encode()
        t0 = time.perf_counter()
        out = exchange(host, int(port), [body])
        times.append((time.perf_counter() - t0) * 1000)
        if "connection_accepted" not in out:
            raise SystemExit("refused: " + out)
    print("%.2f" % statistics.median(times))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "attack":
        print(attack(*args))
    elif cmd == "respond":
        respond(*args)
    elif cmd == "bench":
        bench(*args)
    elif cmd == "request":
        key = serialization.load_pem_private_key(open(args[3], "rb").read(),
                                                 None)
        print(exchange(args[0], int(args[1]),
                       [json.dumps(request(key, args[2])).encode()]))
    elif cmd == "fp":
        print(fp(serialization.load_pem_private_key(
            open(args[0], "rb").read(), None)))
