#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""Slow-loris peers for tests/integration/fault_stall.sh.

`fault_stall.py HOST PORT N SECONDS`: opens N connections, sends half of a
v2 handshake request on each and stalls. Prints "stalling N" once all are
open, then waits at most SECONDS for the daemon to close them, and prints
one JSON line: how many were opened, closed by the peer (EOF or reset),
answered first (and how many answers name a timeout), and still open
when SECONDS ran out.
"""
import json
import selectors
import socket
import sys
import time

HALF = (b'{"type": "p2p_handshake_request", "source_fingerprint": '
        b'"0123456789abcdef", "target_fingerprint": "')


def main():
    host, port, n, seconds = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                              float(sys.argv[4]))
    sel = selectors.DefaultSelector()
    opened = refused = 0
    for _ in range(n):
        s = socket.socket()
        try:
            s.connect((host, port))
            s.sendall(HALF)
        except OSError:
            refused += 1
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        opened += 1
    print("stalling", opened, flush=True)
    closed = replied = timeouts = 0
    deadline = time.monotonic() + seconds
    while closed < opened and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if data:
                replied += 1
                timeouts += b"timeout" in data
                continue
            sel.unregister(key.fileobj)
            key.fileobj.close()
            closed += 1
    print(json.dumps({"opened": opened, "refused": refused, "closed": closed,
                      "replied": replied, "timeouts": timeouts, "open": opened - closed}),
          flush=True)


if __name__ == "__main__":
    main()
