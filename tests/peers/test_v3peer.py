#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""Proves v3peer.py before it is trusted as the daemon's test peer: its
known-answer vectors are reproducible from the spec's inputs, and its
serve and dial complete v3 over loopback and refuse each hostile variant
with the spec's reason (docs/PROTOCOL.md Part v3). Every wait is bounded.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "v3peer.py")
KEYS = os.path.join(HERE, "..", "vectors", "legacy-v2")
KEY_A = os.path.join(KEYS, "node-a.key.pem")
KEY_B = os.path.join(KEYS, "node-b.key.pem")
TIMEOUT = 20

sys.path.insert(0, HERE)
import v3peer  # noqa: E402


def lines(out):
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def start_server(*extra):
    p = subprocess.Popen([sys.executable, PEER, "serve", "--key", KEY_B]
                         + list(extra), stdout=subprocess.PIPE, text=True)
    first = json.loads(p.stdout.readline())
    assert first["event"] == "listening", first
    return p, first["port"], first["id"]


def finish(p):
    out, _ = p.communicate(timeout=TIMEOUT)
    return lines(out)


def dial(port, peer_id, *extra):
    r = subprocess.run([sys.executable, PEER, "dial", "127.0.0.1",
                        str(port), "--key", KEY_A, "--peer-id", peer_id]
                       + list(extra), capture_output=True, text=True,
                       timeout=TIMEOUT)
    return lines(r.stdout)


def events(ls, kind):
    return [x for x in ls if x["event"] == kind]


def check(name, cond, detail):
    if not cond:
        print("FAIL %s: %s" % (name, detail))
        sys.exit(1)
    print("ok   %s" % name)


def test_vectors_reproducible():
    # same fixed inputs and signatures: the same bytes again
    with open(os.path.join(HERE, "..", "vectors", "v3",
                           "handshake-chacha.json")) as f:
        v = json.load(f)
    ka = v3peer.load_key(KEY_A)
    kb = v3peer.load_key(KEY_B)
    ini = v3peer.Initiator(ka, bytes.fromhex(v["id_r"]), v["suites"])
    m1 = ini.msg1(v["ts_i"], bytes.fromhex(v["eph_i"]),
                  bytes.fromhex(v["nonce_i"]), bytes.fromhex(v["sig_i"]))
    res = v3peer.Responder(kb, prefer=v["prefer"])
    res.msg1(m1, v["ts_i"] + 10)
    m2 = res.msg2(v["ts_r"], bytes.fromhex(v["eph_r"]),
                  bytes.fromhex(v["nonce_r"]), bytes.fromhex(v["sig_r"]))
    m3 = ini.msg2(m2, v["ts_r"] + 10)
    check("vectors reproducible", (m1.hex(), m2.hex(), m3.hex())
          == (v["msg1"], v["msg2"], v["msg3"]), "bytes differ")


def test_session_both_ways():
    p, port, rid = start_server("--send", '{"text": "from b"}')
    d = dial(port, rid, "--send", '{"text": "from a"}')
    s = finish(p)
    check("session: both sides", events(d, "session") and events(s,
          "session"), (d, s))
    check("session: same id", events(d, "session")[0]["sid"]
          == events(s, "session")[0]["sid"], (d, s))
    check("message a->b", [m["body"] for m in events(s, "message")]
          == ['{"text": "from a"}'], s)
    check("message b->a", [m["body"] for m in events(d, "message")]
          == ['{"text": "from b"}'], d)


def refused_by_server(name, reason, *dial_extra, serve_extra=()):
    p, port, rid = start_server("--timeout", "2", *serve_extra)
    d = dial(port, rid, *dial_extra)
    s = finish(p)
    check(name, not events(s, "session") and events(s, "refused")
          and events(s, "refused")[0]["reason"] == reason, (d, s))
    return d


def test_hostile_initiator():
    d = refused_by_server("tampered versions", "bad_signature", "--attack",
                          "tamper-versions")
    check("tampered versions: REFUSE auth", events(d, "refused")[0].get(
          "code") == 2, d)
    refused_by_server("tampered suites", "bad_signature", "--attack",
                      "tamper-suites")
    refused_by_server("bad fin_i", "v3_finished", "--attack", "bad-fin")
    refused_by_server("no MSG3", "timeout", "--attack", "no-msg3")
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "msg1")
        p, port, rid = start_server("--accept", "2", "--timeout", "2")
        d1 = dial(port, rid, "--attack", "save-msg1", "--file", saved,
                  "--send", "{}")
        d2 = dial(port, rid, "--attack", "replay-msg1", "--file", saved)
        s = finish(p)
        check("replayed MSG1: one session only", len(events(s, "session"))
              == 1 and events(d1, "session") and events(s, "refused"),
              (d1, d2, s))


def test_hostile_records():
    for attack in ("skip-counter", "repeat-counter"):
        p, port, rid = start_server("--count", "0", "--timeout", "5")
        d = dial(port, rid, "--send", "{}", "--attack", attack)
        s = finish(p)
        closed = events(s, "closed")
        check(attack, len(events(s, "message")) == 1 and closed
              and closed[0]["reason"] == "v3_record_auth", (d, s))


def test_hostile_responder():
    for attack, reason in (("tamper-suite", "bad_signature"),
                           ("bad-fin", "v3_finished")):
        p, port, rid = start_server("--attack", attack, "--timeout", "2")
        d = dial(port, rid)
        finish(p)
        check("responder " + attack, not events(d, "session")
              and events(d, "refused")[0]["reason"] == reason, d)
    p, port, rid = start_server("--attack", "replay-msg2", "--accept", "2",
                                "--timeout", "2")
    d1 = dial(port, rid, "--send", "{}")
    d2 = dial(port, rid)
    finish(p)
    check("replayed MSG2", events(d1, "session") and not events(d2,
          "session") and events(d2, "refused")[0]["reason"]
          == "bad_signature", (d1, d2))


def main():
    subprocess.run([sys.executable, PEER, "selftest"], check=True,
                   timeout=TIMEOUT)
    test_vectors_reproducible()
    test_session_both_ways()
    test_hostile_initiator()
    test_hostile_records()
    test_hostile_responder()
    print("test_v3peer: all passed")


if __name__ == "__main__":
    main()
