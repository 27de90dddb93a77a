#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""Load clients for tests/integration/limits_*.sh (issue 16 #3, #4, #15).

  hold HOST PORT TARGET N SECONDS        N sessions, each made with a key of
                                         its own, held silent; prints
                                         "holding K" then, at the end,
                                         "held K of N still open"
  genuine HOST PORT TARGET N SRC         N peers (a key each) dial once from
                                         source address SRC one after the
                                         other; prints "accepted K of N"
  stall HOST PORT N SRC SECONDS          N half-requests from SRC, stalled;
                                         prints "stalling K"
  churn HOST PORT N SRCS SECONDS         N half-requests spread over the
                                         comma-separated sources, each
                                         re-opened as soon as it is closed
  junk HOST PORT N                       N connections that each send one
                                         malformed request and read the
                                         refusal; prints "refused K of N"
  flood HOST PORT TARGET SIZE SECONDS    one session, then messages of SIZE
                                         payload bytes as fast as the socket
                                         takes them; prints "sent K"
"""
import json
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import handshake_tool as ht  # noqa: E402

HALF = (b'{"type": "p2p_handshake_request", "source_fingerprint": '
        b'"0123456789abcdef", "target_fingerprint": "')


def handshake(host, port, key, target, src=None, timeout=10.0):
    """A session with key; the socket, or None if refused."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        if src:
            s.bind((src, 0))
        s.connect((host, port))
        s.sendall(json.dumps(ht.request(key, target)).encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            try:
                json.loads(data)
                break
            except ValueError:
                continue
    except OSError:
        s.close()
        return None
    if b"connection_accepted" not in data:
        s.close()
        return None
    return s


def hold(host, port, target, n, seconds):
    keys = [ht.new_key() for _ in range(n)]
    socks = [handshake(host, port, k, target) for k in keys]
    socks = [s for s in socks if s is not None]
    print("holding", len(socks), flush=True)
    end = time.monotonic() + seconds
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    live = len(socks)
    while live and time.monotonic() < end:
        for k, _ in sel.select(timeout=0.5):
            try:
                d = k.fileobj.recv(4096)
            except OSError:
                d = b""
            if not d:
                sel.unregister(k.fileobj)
                live -= 1
    print("held", live, "of", n, "still open", flush=True)


def genuine(host, port, target, n, src):
    keys = [ht.new_key() for _ in range(n)]
    ok = 0
    held = []
    for k in keys:
        s = handshake(host, port, k, target, src)
        if s is not None:
            ok += 1
            held.append(s)
    print("accepted", ok, "of", n, flush=True)


def half(host, port, src):
    s = socket.socket()
    s.bind((src, 0))
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    return s


def stall(host, port, n, srcs, seconds, reopen):
    """Half-requests that stall; re-opened when closed if reopen."""
    srcs = srcs.split(",")
    sel = selectors.DefaultSelector()
    pending = {}

    def open_one(i):
        s = half(host, port, srcs[i % len(srcs)])
        sel.register(s, selectors.EVENT_WRITE, i)

    for i in range(n):
        open_one(i)
    sent = reopened = 0
    end = time.monotonic() + seconds
    announced = False
    while time.monotonic() < end:
        if not announced and sent >= n:
            print("stalling", sent, flush=True)
            announced = True
        for k, ev in sel.select(timeout=0.2):
            s, i = k.fileobj, k.data
            if ev & selectors.EVENT_WRITE and s not in pending:
                try:
                    s.send(HALF)
                    sent += 1
                    pending[s] = 1
                    sel.modify(s, selectors.EVENT_READ, i)
                    continue
                except OSError:
                    pass
            try:
                d = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if d:
                continue
            sel.unregister(s)
            pending.pop(s, None)
            s.close()
            if reopen:
                open_one(i)
                reopened += 1
    print(json.dumps({"sent": sent, "reopened": reopened}), flush=True)


def flood(host, port, target, size, seconds):
    key = ht.new_key()
    s = handshake(host, port, key, target)
    if s is None:
        raise SystemExit("flood: handshake refused")
    msg = json.dumps({"type": "revolutionary_p2p_message",
                      "source_fingerprint": ht.fp(key),
                      "target_fingerprint": target,
                      "timestamp": time.time(), "mutual_link": None,
                      "central_api_used": False,
                      "revolutionary_protocol": True,
                      "payload": {"junk": "x" * size}}).encode()
    s.settimeout(1.0)
    sent = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            s.sendall(msg)
            sent += 1
    except (socket.timeout, OSError):
        pass
    print("sent", sent, flush=True)
    s.close()


def junk(host, port, n):
    refused = 0
    for _ in range(n):
        try:
            out = ht.exchange(host, port, [b'{"type": ]'], wait=5.0)
        except OSError:
            continue
        refused += "malformed_json" in out
    print("refused", refused, "of", n, flush=True)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "hold":
        hold(a[0], int(a[1]), a[2], int(a[3]), float(a[4]))
    elif cmd == "genuine":
        genuine(a[0], int(a[1]), a[2], int(a[3]), a[4])
    elif cmd == "stall":
        stall(a[0], int(a[1]), int(a[2]), a[3], float(a[4]), False)
    elif cmd == "churn":
        stall(a[0], int(a[1]), int(a[2]), a[3], float(a[4]), True)
    elif cmd == "junk":
        junk(a[0], int(a[1]), int(a[2]))
    elif cmd == "flood":
        flood(a[0], int(a[1]), a[2], int(a[3]), float(a[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
