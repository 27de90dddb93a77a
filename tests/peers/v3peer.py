#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""v3peer: a second, independent implementation of openred protocol v3.

Written from docs/PROTOCOL.md "Part v3" alone (not from the C code), so that
the known-answer vectors it writes can check the C library byte for byte.
Dependencies: Python 3 and Debian's python3-cryptography (38.x).

    v3peer.py vectors OUTDIR   write the known-answer vectors
    v3peer.py beacon-vectors OUTDIR   the beacon vectors (§11) alone
    v3peer.py beacon --key K [--type T --instance I --seq S ...]
                               send one beacon to the group (or --raw)
    v3peer.py selftest         a full handshake and records between two
                               in-process parties, and hostile variants
    v3peer.py serve --key K [--port P] [--attack A]
    v3peer.py dial HOST PORT --key K --peer-id HEX [--send JSON] [--attack A]

serve and dial speak v3 over TCP and print one JSON object a line on
stdout: listening, session (peer id, suite, session id), message,
refused (the spec's reason name), closed. --attack makes them hostile
(ATTACKS_DIAL, ATTACKS_SERVE) so that a responder's refusals can be tested.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import (
    AESGCM, ChaCha20Poly1305)
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

# §9 constants
MAGIC = b"\x00OR3"
ID_LEN = 32
DER_MAX = 550
SIG_MAX = 512
COOKIE_MAX = 64
HS_LEN_MAX = 2048
REC_LEN_MIN = 17
MESSAGE_MAX = 65536
REC_LEN_MAX = 1 + MESSAGE_MAX + 16
PING_MAX = 64
CLOSE_TEXT_MAX = 128
TS_WINDOW = 120000
REKEY_RECORDS = 1 << 20
REKEY_MS = 120000
VERSION_3_0 = 0x0001
SUITE_CHACHA = 0x0001
SUITE_AESGCM = 0x0002
MSG1, MSG2, MSG3, COOKIE, REFUSE = 1, 2, 3, 4, 5
R_MSG, R_PING, R_PONG, R_REKEY, R_CLOSE = 1, 2, 3, 4, 5

L_SIG1 = b"OpenRed v3 MSG1\0"
L_SIG2 = b"OpenRed v3 MSG2\0"
L_H1 = b"OpenRed v3 h1\0"
L_TH = b"OpenRed v3 transcript\0"


class Refused(Exception):
    """A refusal, with the reason name of the spec."""

    def __init__(self, reason, text=""):
        super().__init__("%s: %s" % (reason, text))
        self.reason = reason


# ------------------------------------------------------------ primitives

def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, n):
    return HKDFExpand(hashes.SHA256(), n, info).derive(prk)


def pss():
    # §1: MGF1-SHA-256, maximal salt
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                       salt_length=padding.PSS.MAX_LENGTH)


def sign(priv, data):
    return priv.sign(data, pss(), hashes.SHA256())


def verify(pub, sig, data):
    try:
        pub.verify(sig, data, pss(), hashes.SHA256())
    except InvalidSignature:
        raise Refused("bad_signature")


def u16(v):
    return struct.pack(">H", v)


def u64(v):
    return struct.pack(">Q", v)


def string(b):
    return u16(len(b)) + b


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


# ------------------------------------------------------------ identity (§2)

def pem_of_der(der):
    b64 = base64.b64encode(der)
    lines = [b64[i:i + 64] + b"\n" for i in range(0, len(b64), 64)]
    return (b"-----BEGIN PUBLIC KEY-----\n" + b"".join(lines)
            + b"-----END PUBLIC KEY-----\n")


def id_of_der(der):
    return sha256(pem_of_der(der))


def der_of(pub):
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def binding(der):
    """The binding check: (public key, id) or Refused."""
    if not 1 <= len(der) <= DER_MAX:
        raise Refused("too_big", "key of %d bytes" % len(der))
    try:
        pub = serialization.load_der_public_key(der)
    except ValueError:
        raise Refused("bad_pem")
    if not isinstance(pub, rsa.RSAPublicKey):
        raise Refused("key_not_rsa")
    if pub.public_numbers().e != 65537:
        raise Refused("key_exponent")
    if not 2048 <= pub.key_size <= 4096:
        raise Refused("key_size")
    if der_of(pub) != der:
        raise Refused("key_not_canonical")
    return pub, id_of_der(der)


# ------------------------------------------------------------ reader

class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, n, what):
        if n > len(self.data) - self.at:
            raise Refused("v3_truncated", what)
        b = self.data[self.at:self.at + n]
        self.at += n
        return b

    def u16(self, what):
        return struct.unpack(">H", self.take(2, what))[0]

    def u64(self, what):
        return struct.unpack(">Q", self.take(8, what))[0]

    def str(self, what, lo, hi):
        n = self.u16(what)
        b = self.take(n, what)
        if n < lo:
            raise Refused("v3_truncated", what)
        if n > hi:
            raise Refused("too_big", what)
        return b

    def end(self, what):
        if self.at != len(self.data):
            raise Refused("v3_trailing", what)


def payload_of(data, magic, lo, hi):
    """The payload of exactly one frame (§4)."""
    if magic:
        if data[:4] != MAGIC[:len(data[:4])]:
            raise Refused("v3_bad_magic")
        data = data[4:]
    if len(data) < 4:
        raise Refused("v3_truncated", "frame header")
    n = struct.unpack(">I", data[:4])[0]
    if n > hi:
        raise Refused("too_big", "frame of %d" % n)
    if n < lo:
        raise Refused("v3_record_length" if lo > 1 else "v3_truncated")
    if len(data) < 4 + n:
        raise Refused("v3_truncated", "frame")
    if len(data) > 4 + n:
        raise Refused("v3_trailing", "frame")
    return data[4:]


def check_ts(ts, now):
    if abs(now - ts) > TS_WINDOW:
        raise Refused("handshake_expired")


# ------------------------------------------------------------ key schedule

def key_schedule(dh, nonce_i, nonce_r, th):
    """§5.5"""
    if dh == bytes(32):
        raise Refused("v3_ephemeral")
    prk = hkdf_extract(nonce_i + nonce_r, dh)
    k = {}
    for name, label, n in (("i2r", b"or3 i2r", 32), ("r2i", b"or3 r2i", 32),
                           ("fin_i", b"or3 fin i", 32),
                           ("fin_r", b"or3 fin r", 32),
                           ("sid", b"or3 sid", 16)):
        k[name] = hkdf_expand(prk, label + th, n)
    k["prk"] = prk
    return k


def x25519(priv_bytes, pub_bytes):
    priv = X25519PrivateKey.from_private_bytes(priv_bytes)
    try:
        return priv.exchange(X25519PublicKey.from_public_bytes(pub_bytes))
    except ValueError:
        raise Refused("v3_ephemeral")


def x25519_pub(priv_bytes):
    return X25519PrivateKey.from_private_bytes(priv_bytes).public_key() \
        .public_bytes(serialization.Encoding.Raw,
                      serialization.PublicFormat.Raw)


def fin(key, th):
    return hmac.new(key, th, hashlib.sha256).digest()


# ------------------------------------------------------------ handshake

class Initiator:
    def __init__(self, priv, peer_id, suites=SUITE_CHACHA | SUITE_AESGCM):
        self.priv, self.peer_id, self.suites = priv, peer_id, suites

    def msg1(self, now, eph=None, nonce=None, sig=None):
        self.eph = eph or os.urandom(32)
        self.nonce_i = nonce or os.urandom(32)
        der = der_of(self.priv.public_key())
        m1s = (bytes([MSG1]) + u16(VERSION_3_0) + u16(self.suites)
               + u64(now) + self.nonce_i + x25519_pub(self.eph)
               + self.peer_id + string(der))
        self.sig_i = sig or sign(self.priv, L_SIG1 + m1s)
        m1 = m1s + string(self.sig_i)
        self.h1 = sha256(L_H1, m1)
        return MAGIC + frame(m1 + string(b""))

    def msg2(self, data, now):
        """§5.6: checks MSG2, returns MSG3; sets self.keys, self.th"""
        r = Reader(payload_of(data, False, 1, HS_LEN_MAX))
        if r.take(1, "type")[0] != MSG2:
            raise Refused("message_type")
        version = r.u16("version")
        suite = r.u16("suite")
        ts = r.u64("ts_r")
        self.nonce_r = r.take(32, "nonce_r")
        e_r = r.take(32, "e_r")
        der = r.str("key_r", 1, DER_MAX)
        m2s = r.data[:r.at]
        sig = r.str("sig_r", 1, SIG_MAX)
        m2 = r.data[:r.at]
        fin_r = r.take(32, "fin_r")
        r.end("MSG2")
        if version != VERSION_3_0:
            raise Refused("v3_version")
        if suite == 0 or suite & (suite - 1) or not suite & self.suites:
            raise Refused("v3_suite")
        check_ts(ts, now)
        pub, pid = binding(der)
        if pid != self.peer_id:
            raise Refused("wrong_peer")
        verify(pub, sig, L_SIG2 + self.h1 + m2s)
        self.th = sha256(L_TH, self.h1, m2)
        self.dh = x25519(self.eph, e_r)
        self.keys = key_schedule(self.dh, self.nonce_i, self.nonce_r, self.th)
        if not hmac.compare_digest(fin(self.keys["fin_r"], self.th), fin_r):
            raise Refused("v3_finished")
        self.suite, self.version = suite, version
        return frame(bytes([MSG3]) + fin(self.keys["fin_i"], self.th))


class Responder:
    def __init__(self, priv, suites=SUITE_CHACHA | SUITE_AESGCM,
                 prefer=SUITE_CHACHA):
        self.priv, self.allowed, self.prefer = priv, suites, prefer
        self.our_id = id_of_der(der_of(priv.public_key()))
        self.done = False

    def msg1(self, data, now):
        """§5.3 steps 1..5: no signature checked yet"""
        r = Reader(payload_of(data, True, 1, HS_LEN_MAX))
        if r.take(1, "type")[0] != MSG1:
            raise Refused("message_type")
        self.versions = r.u16("versions")
        self.suites = r.u16("suites")
        ts = r.u64("ts_i")
        self.nonce_i = r.take(32, "nonce_i")
        self.e_i = r.take(32, "e_i")
        id_r = r.take(32, "id_r")
        der = r.str("key_i", 1, DER_MAX)
        self.m1s = r.data[:r.at]
        self.sig_i = r.str("sig_i", 1, SIG_MAX)
        m1 = r.data[:r.at]
        r.str("cookie", 0, COOKIE_MAX)
        r.end("MSG1")
        if not self.versions & VERSION_3_0:
            raise Refused("v3_version")
        if not self.suites & SUITE_CHACHA or not self.suites & self.allowed:
            raise Refused("v3_suite")
        check_ts(ts, now)
        if id_r != self.our_id:
            raise Refused("not_for_this_node")
        self.peer_pub, self.peer_id = binding(der)
        self.h1 = sha256(L_H1, m1)

    def msg2(self, now, eph=None, nonce=None, sig=None):
        verify(self.peer_pub, self.sig_i, L_SIG1 + self.m1s)
        common = self.suites & self.allowed & (SUITE_CHACHA | SUITE_AESGCM)
        pick = self.prefer & common or common
        self.suite = pick & -pick
        self.eph = eph or os.urandom(32)
        self.nonce_r = nonce or os.urandom(32)
        der = der_of(self.priv.public_key())
        m2s = (bytes([MSG2]) + u16(VERSION_3_0) + u16(self.suite) + u64(now)
               + self.nonce_r + x25519_pub(self.eph) + string(der))
        self.sig_r = sig or sign(self.priv, L_SIG2 + self.h1 + m2s)
        m2 = m2s + string(self.sig_r)
        self.th = sha256(L_TH, self.h1, m2)
        self.dh = x25519(self.eph, self.e_i)
        self.keys = key_schedule(self.dh, self.nonce_i, self.nonce_r, self.th)
        return frame(m2 + fin(self.keys["fin_r"], self.th))

    def msg3(self, data):
        p = payload_of(data, False, 1, 33)
        if len(p) != 33:
            raise Refused("v3_truncated")
        if p[0] != MSG3:
            raise Refused("message_type")
        if not hmac.compare_digest(fin(self.keys["fin_i"], self.th), p[1:]):
            raise Refused("v3_finished")
        self.done = True


# ------------------------------------------------------------ records (§7)

BODY_BOUNDS = {R_MSG: (1, MESSAGE_MAX), R_PING: (0, PING_MAX),
               R_PONG: (0, PING_MAX), R_REKEY: (0, 0),
               R_CLOSE: (2, 2 + CLOSE_TEXT_MAX)}


def aead(suite, key):
    return ChaCha20Poly1305(key) if suite == SUITE_CHACHA else AESGCM(key)


def rekey(key):
    return hkdf_expand(key, b"or3 rekey", 32)


class Direction:
    def __init__(self, suite, key, now=0):
        self.suite, self.key, self.ctr, self.since = suite, key, 0, now

    def nonce(self):
        return bytes(4) + u64(self.ctr)

    def next_key(self, now=0):
        self.key, self.ctr, self.since = rekey(self.key), 0, now


def seal_raw(d, rtype, body):
    header = struct.pack(">I", 1 + len(body) + 16)
    ct = aead(d.suite, d.key).encrypt(d.nonce(), bytes([rtype]) + body,
                                      header)
    d.ctr += 1
    return header + ct


def seal(d, rtype, body, now=0):
    """One record, after a REKEY when due (§7.3)."""
    lo, hi = BODY_BOUNDS[rtype]
    assert lo <= len(body) <= hi
    out = b""
    if rtype != R_REKEY and (d.ctr >= REKEY_RECORDS - 1
                             or now - d.since >= REKEY_MS):
        out += seal_raw(d, R_REKEY, b"")
        d.next_key(now)
    out += seal_raw(d, rtype, body)
    if rtype == R_REKEY:
        d.next_key(now)
    return out


def open_record(d, data):
    p = payload_of(data, False, REC_LEN_MIN, REC_LEN_MAX)
    try:
        pt = aead(d.suite, d.key).decrypt(d.nonce(), p, data[:4])
    except InvalidTag:
        raise Refused("v3_record_auth")
    rtype, body = pt[0], pt[1:]
    if d.ctr == REKEY_RECORDS - 1 and rtype != R_REKEY:
        raise Refused("v3_rekey_overdue")
    if rtype not in BODY_BOUNDS:
        raise Refused("v3_record_type")
    lo, hi = BODY_BOUNDS[rtype]
    if not lo <= len(body) <= hi:
        raise Refused("v3_record_body")
    d.ctr += 1
    if rtype == R_REKEY:
        d.next_key()
    return rtype, body


# ------------------------------------------------------------ vectors

def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def fixed(tag, n=32):
    """Reproducible 'random' inputs: SHA-256 of a name."""
    return sha256(b"v3peer vector " + tag)[:n]


def handshake_vector(ka, kb, prefer):
    ts_i, ts_r = 1764000000000, 1764000000250
    id_b = id_of_der(der_of(kb.public_key()))
    ini = Initiator(ka, id_b)
    res = Responder(kb, prefer=prefer)
    m1 = ini.msg1(ts_i, fixed(b"eph_i"), fixed(b"nonce_i"))
    res.msg1(m1, ts_i + 10)
    m2 = res.msg2(ts_r, fixed(b"eph_r"), fixed(b"nonce_r"))
    m3 = ini.msg2(m2, ts_r + 10)
    res.msg3(m3)
    assert ini.keys == res.keys and ini.th == res.th
    h = lambda b: b.hex()  # noqa: E731
    return {
        "initiator_key": "node-a.key.pem", "responder_key": "node-b.key.pem",
        "id_i": h(id_of_der(der_of(ka.public_key()))), "id_r": h(id_b),
        "ts_i": ts_i, "ts_r": ts_r, "suites": ini.suites, "prefer": prefer,
        "suite": res.suite,
        "eph_i": h(ini.eph), "eph_r": h(res.eph),
        "nonce_i": h(ini.nonce_i), "nonce_r": h(res.nonce_r),
        "sig_i": h(ini.sig_i), "sig_r": h(res.sig_r),
        "msg1": h(m1), "msg2": h(m2), "msg3": h(m3),
        "h1": h(ini.h1), "th": h(ini.th), "dh": h(ini.dh),
        "prk": h(ini.keys["prk"]),
        "k_i2r": h(ini.keys["i2r"]), "k_r2i": h(ini.keys["r2i"]),
        "k_fin_i": h(ini.keys["fin_i"]), "k_fin_r": h(ini.keys["fin_r"]),
        "sid": h(ini.keys["sid"]),
    }


def records_vector(suite, key):
    d = Direction(suite, key)
    recs = []
    plan = [(R_MSG, b'{"text": "hello from a"}'), (R_PING, b"ping-0"),
            (R_PONG, b""), (R_REKEY, b""), (R_MSG, b'{"n": 2}'),
            (R_CLOSE, u16(0) + b"bye")]
    keys = [key.hex()]
    for rtype, body in plan:
        ctr = d.ctr
        out = seal(d, rtype, body)
        recs.append({"type": rtype, "body": body.hex(), "counter": ctr,
                     "frame": out.hex()})
        if rtype == R_REKEY:
            keys.append(d.key.hex())
    return {"suite": suite, "key": key.hex(), "keys": keys, "records": recs}


def cmd_vectors(args):
    here = os.path.dirname(os.path.abspath(__file__))
    legacy = os.path.join(here, "..", "vectors", "legacy-v2")
    ka = load_key(os.path.join(legacy, "node-a.key.pem"))
    kb = load_key(os.path.join(legacy, "node-b.key.pem"))
    os.makedirs(args.outdir, exist_ok=True)
    out = {}
    for name, prefer in (("handshake-chacha", SUITE_CHACHA),
                         ("handshake-aesgcm", SUITE_AESGCM)):
        out[name] = handshake_vector(ka, kb, prefer)
    k = bytes.fromhex(out["handshake-chacha"]["k_i2r"])
    out["records-chacha"] = records_vector(SUITE_CHACHA, k)
    k = bytes.fromhex(out["handshake-aesgcm"]["k_i2r"])
    out["records-aesgcm"] = records_vector(SUITE_AESGCM, k)
    ida = out["handshake-chacha"]["id_i"]
    out["identity"] = {"key": "node-a.key.pem",
                       "der": der_of(ka.public_key()).hex(),
                       "id": ida, "fp": ida[:16]}
    for name, v in out.items():
        with open(os.path.join(args.outdir, name + ".json"), "w") as f:
            json.dump(v, f, indent=1, sort_keys=True)
            f.write("\n")
    print(json.dumps({"vectors": sorted(out), "dir": args.outdir}))


# ------------------------------------------------------------ selftest

def expect_refused(reason, fn, *a):
    try:
        fn(*a)
    except Refused as e:
        assert e.reason == reason, (e.reason, reason)
        return
    raise AssertionError("not refused: " + reason)


def cmd_selftest(args):
    ka = rsa.generate_private_key(65537, 2048)
    kb = rsa.generate_private_key(65537, 2048)
    id_b = id_of_der(der_of(kb.public_key()))
    now = 1764000000000
    ini, res = Initiator(ka, id_b), Responder(kb)
    m1 = ini.msg1(now)
    res.msg1(m1, now)
    m2 = res.msg2(now)
    m3 = ini.msg2(m2, now)
    res.msg3(m3)
    assert res.done and ini.keys["sid"] == res.keys["sid"]
    # replayed MSG1: a fresh responder answers, the old MSG3 fails
    res2 = Responder(kb)
    res2.msg1(m1, now)
    res2.msg2(now)
    expect_refused("v3_finished", res2.msg3, m3)
    # tampered suites in MSG1 (still offers ChaCha): signature fails
    bad = bytearray(m1)
    bad[8 + 1 + 2 + 1] ^= 0x02
    res3 = Responder(kb)
    res3.msg1(bytes(bad), now)
    expect_refused("bad_signature", res3.msg2, now)
    # MSG2 onto another handshake
    ini2 = Initiator(ka, id_b)
    ini2.msg1(now)
    expect_refused("bad_signature", ini2.msg2, m2, now)
    # records, both directions, with a skipped counter
    tx = Direction(ini.suite, ini.keys["i2r"])
    rx = Direction(res.suite, res.keys["i2r"])
    a, b = seal(tx, R_MSG, b"{}"), seal(tx, R_MSG, b"{}")
    c = seal(tx, R_MSG, b"{}")
    assert open_record(rx, a) == (R_MSG, b"{}")
    expect_refused("v3_record_auth", open_record, rx, c)
    del b
    beacon_selftest()
    print(json.dumps({"selftest": "ok"}))



# ------------------------------------------------------------ beacons (§11)

B_MAGIC = b"ORB3"
B_MAX = 1472
B_SECTOR_MAX = 64
B_SERVICES, B_SERVICE_MAX, B_SERVICES_MAX = 16, 64, 240
B_ANNOUNCE, B_QUERY, B_GOODBYE = 1, 2, 3
B_TYPES = {"announce": B_ANNOUNCE, "query": B_QUERY, "goodbye": B_GOODBYE}
B_SEALED = 0x01
L_BEACON = b"OpenRed v3 beacon\0"
V2_SALT = b"openred_p2p_salt_2025"


def net_key_of(passphrase):
    """K_net of a passphrase (§11.1): HKDF over the v2 network key."""
    nk = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), V2_SALT, 100000,
                             32)
    return hkdf_expand(hkdf_extract(L_BEACON, nk), b"or3 net", 32)


def beacon_body(priv, btype, instance, seq, ts, ttl, port, versions=1,
                sector=b"", services=()):
    der = der_of(priv.public_key())
    sv = bytes([len(services)]) + b"".join(string(x) for x in services)
    return (id_of_der(der) + u64(instance) + u64(seq) + u64(ts) + u16(ttl)
            + u16(port) + u16(versions) + string(sector) + sv + string(der))


def beacon_seal(btype, body, sig, net_key, nonce=None):
    flags = B_SEALED if net_key is not None else 0
    head = B_MAGIC + bytes([btype, flags])
    body = body + string(sig)
    if net_key is None:
        return head + body
    nonce = nonce if nonce is not None else os.urandom(12)
    return head + nonce + ChaCha20Poly1305(net_key).encrypt(nonce, body,
                                                            head)


def beacon_build(priv, btype, instance, seq, ts, ttl, port, net_key,
                 sector=b"", nonce=None, sig=None, versions=1):
    body = beacon_body(priv, btype, instance, seq, ts, ttl, port, versions,
                       sector)
    if sig is None:
        sig = sign(priv, L_BEACON + bytes([btype]) + body)
    return beacon_seal(btype, body, sig, net_key, nonce)


def beacon_open(data, net_key, now):
    """Checks 1..4 of §11.3: a dict, or Refused."""
    if len(data) > B_MAX:
        raise Refused("too_big")
    if len(data) < 6 or data[:4] != B_MAGIC:
        raise Refused("v3_bad_magic")
    btype, flags = data[4], data[5]
    if btype not in (B_ANNOUNCE, B_QUERY, B_GOODBYE):
        raise Refused("message_type")
    if flags & ~B_SEALED:
        raise Refused("v3_beacon_field", "flags")
    if (net_key is not None) != bool(flags & B_SEALED):
        raise Refused("v3_beacon_seal", "sealed or not")
    body = data[6:]
    if net_key is not None:
        if len(body) < 12 + 16:
            raise Refused("v3_truncated", "seal")
        try:
            body = ChaCha20Poly1305(net_key).decrypt(body[:12], body[12:],
                                                     data[:6])
        except InvalidTag:
            raise Refused("v3_beacon_seal")
    r = Reader(body)
    b = {"type": btype, "id": r.take(32, "id"),
         "instance": r.u64("instance"), "seq": r.u64("seq"),
         "ts": r.u64("ts"), "ttl": r.u16("ttl"), "port": r.u16("port"),
         "versions": r.u16("versions")}
    b["sector"] = r.str("sector", 0, 1 << 16)
    at = r.at
    count = r.take(1, "services")[0]
    if count > B_SERVICES:
        raise Refused("too_big", "services")
    b["services"] = [r.str("service", 0, 1 << 16) for _ in range(count)]
    if any(not x or len(x) > B_SERVICE_MAX or b"\0" in x
           for x in b["services"]):
        raise Refused("v3_beacon_field", "service name")
    if r.at - at > B_SERVICES_MAX:
        raise Refused("too_big", "services")
    b["key"] = r.str("key", 0, 1 << 16)
    b["signed"] = L_BEACON + bytes([btype]) + body[:r.at]
    b["sig"] = r.str("sig", 0, 1 << 16)
    r.end("beacon")
    if len(b["sector"]) > B_SECTOR_MAX:
        raise Refused("too_big", "sector")
    if not b["key"] or not b["sig"]:
        raise Refused("v3_truncated", "key or sig")
    if len(b["key"]) > DER_MAX or len(b["sig"]) > SIG_MAX:
        raise Refused("too_big", "key or sig")
    if b"\0" in b["sector"]:
        raise Refused("v3_beacon_field", "sector")
    if b["instance"] == 0 or b["seq"] == 0 or b["port"] == 0:
        raise Refused("v3_beacon_field", "zero")
    if (b["ttl"] == 0) != (btype == B_GOODBYE):
        raise Refused("v3_beacon_field", "ttl")
    if not b["versions"] & 1:
        raise Refused("v3_beacon_field", "versions")
    if now - b["ts"] > TS_WINDOW:
        raise Refused("expired")
    if b["ts"] - now > TS_WINDOW:
        raise Refused("future")
    return b


def beacon_newer(last, b):
    """Check 5: last = (instance, seq, ts) of the id's last verified one."""
    if last is None:
        return
    if last[0] == b["instance"] and b["seq"] <= last[1]:
        raise Refused("v3_beacon_seq")
    if last[0] != b["instance"] and b["ts"] <= last[2]:
        raise Refused("v3_beacon_stale")


def beacon_verify(b):
    """Checks 6 and 7."""
    pub, kid = binding(b["key"])
    if kid != b["id"]:
        raise Refused("key_not_bound")
    verify(pub, b["sig"], b["signed"])


def beacon_vectors(ka, kb):
    nk = net_key_of("OpenRed-P2P-Discovery-2025")
    ts = 1764000000000
    out = {"passphrase": "OpenRed-P2P-Discovery-2025", "net_key": nk.hex(),
           "key": "node-a.key.pem", "now": ts + 500, "beacons": []}
    # 1 + 14 x (2 + 14) + (2 + 13) = 240 bytes: the list at its bound
    full = [bytes([0x61 + i]) * 14 for i in range(14)] + [b"z" * 13]
    plan = (("announce", B_ANNOUNCE, 7, 1, 10, 9000, b"lab", nk,
             [b"storage", b"chat"]),
            ("query", B_QUERY, 7, 2, 10, 9000, b"", nk, []),
            ("goodbye", B_GOODBYE, 7, 3, 0, 9000, b"lab", nk, []),
            ("announce-clear", B_ANNOUNCE, 7, 4, 10, 65535,
             b"x" * B_SECTOR_MAX, None, full))
    for name, btype, inst, seq, ttl, port, sector, key, sv in plan:
        body = beacon_body(ka, btype, inst, seq, ts + seq, ttl, port, 1,
                           sector, sv)
        sig = sign(ka, L_BEACON + bytes([btype]) + body)
        nonce = fixed(b"beacon " + name.encode(), 12)
        dg = beacon_seal(btype, body, sig, key, nonce)
        b = beacon_open(dg, key, ts + 500)
        beacon_verify(b)
        out["beacons"].append({
            "name": name, "type": btype, "instance": inst, "seq": seq,
            "ts": ts + seq, "ttl": ttl, "port": port,
            "sector": sector.decode(), "sealed": key is not None,
            "services": [x.decode() for x in sv],
            "nonce": nonce.hex(), "sig": sig.hex(), "datagram": dg.hex()})
    # hostile: a goodbye for a's id signed by b (a forgery), a's goodbye
    # with the type byte turned into an announce
    body = beacon_body(ka, B_GOODBYE, 7, 9, ts, 0, 9000)
    forged = beacon_seal(B_GOODBYE, body,
                         sign(kb, L_BEACON + bytes([B_GOODBYE]) + body), nk,
                         fixed(b"beacon forged", 12))
    out["forged_goodbye"] = forged.hex()
    return out


def cmd_beacon_vectors(args):
    here = os.path.dirname(os.path.abspath(__file__))
    legacy = os.path.join(here, "..", "vectors", "legacy-v2")
    ka = load_key(os.path.join(legacy, "node-a.key.pem"))
    kb = load_key(os.path.join(legacy, "node-b.key.pem"))
    v = beacon_vectors(ka, kb)
    with open(os.path.join(args.outdir, "beacons.json"), "w") as f:
        json.dump(v, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps({"vectors": ["beacons"], "dir": args.outdir}))


def beacon_selftest():
    ka = rsa.generate_private_key(65537, 2048)
    kb = rsa.generate_private_key(65537, 2048)
    nk, now = net_key_of("x"), 1764000000000
    dg = beacon_build(ka, B_ANNOUNCE, 5, 1, now, 10, 9000, nk)
    b = beacon_open(dg, nk, now)
    beacon_verify(b)
    expect_refused("v3_beacon_seal", beacon_open, dg, net_key_of("y"), now)
    expect_refused("expired", beacon_open, dg, nk, now + TS_WINDOW + 1)
    expect_refused("v3_beacon_seq", beacon_newer, (5, 1, now), b)
    expect_refused("v3_beacon_stale", beacon_newer, (6, 0, now), b)
    body = beacon_body(ka, B_GOODBYE, 5, 2, now, 0, 9000)
    bad = beacon_seal(B_GOODBYE, body,
                      sign(kb, L_BEACON + bytes([B_GOODBYE]) + body), nk)
    expect_refused("bad_signature", beacon_verify, beacon_open(bad, nk, now))
    # the type is signed: an announce relabelled goodbye fails
    flip = bytearray(beacon_build(ka, B_ANNOUNCE, 5, 3, now, 0 + 10, 9000,
                                  None))
    flip[4] = B_QUERY
    expect_refused("bad_signature", beacon_verify,
                   beacon_open(bytes(flip), None, now))


def cmd_beacon(args):
    """Sends one beacon (or --raw bytes) to the group; --save keeps it."""
    nk = net_key_of(args.passphrase) if args.passphrase else None
    if args.raw:
        with open(args.raw) as f:
            dg = bytes.fromhex(f.read().strip())
    else:
        priv = load_key(args.key)
        signer = load_key(args.sign_with) if args.sign_with else priv
        btype = B_TYPES[args.type]
        ts = now_ms() + args.ts_offset
        ttl = 0 if btype == B_GOODBYE else 10
        body = beacon_body(priv, btype, args.instance, args.seq, ts, ttl,
                           args.tcp_port, 1, args.sector.encode(),
                           [x.encode() for x in args.service or ()])
        sig = sign(signer, L_BEACON + bytes([btype]) + body)
        dg = beacon_seal(btype, body, sig, nk)
    if args.save:
        with open(args.save, "w") as f:
            f.write(dg.hex() + "\n")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(args.interface))
    s.sendto(dg, (args.group, args.port))
    s.close()
    emit(sent=len(dg))


# ------------------------------------------------------------ over TCP

ATTACKS_DIAL = ("tamper-versions", "tamper-suites", "skip-counter",
                "repeat-counter", "no-msg3", "bad-fin", "save-msg1",
                "replay-msg1", "mute", "poison-first")
ATTACKS_SERVE = ("tamper-suite", "bad-fin", "replay-msg2", "answer-v2")
# the wire class of a refusal (§7.5), for the REFUSE frame serve sends
CODES = {"bad_signature": 2, "wrong_peer": 2, "not_for_this_node": 2,
         "v3_finished": 2, "key_not_canonical": 2, "handshake_expired": 4,
         "v3_version": 5, "v3_suite": 5, "timeout": 4}



# ------------------------------------------- signed peer records (PEX, DHT)

PR_CONTEXT = b"openred dht record v1"


def peer_where_key(passphrase):
    """HKDF-SHA256(salt = context, ikm = passphrase, info "where")."""
    return hkdf_expand(hkdf_extract(PR_CONTEXT, passphrase.encode()),
                       b"where", 32)


def peer_record(priv, addrs, ts, ttl, passphrase, sign_with=None,
                signed_addrs=None):
    """The signed JSON object of a peer record (docs/SECURITY.md). A
    forgery: sign_with signs in place of priv (the key named stays
    priv's), signed_addrs are what the signature covers if not addrs."""
    der = der_of(priv.public_key())
    idhex = id_of_der(der).hex()
    covered = addrs if signed_addrs is None else signed_addrs
    msg = (PR_CONTEXT + b"\n" + peer_where_key(passphrase)
           + ("\n%s\n%d\n%d\n" % (idhex, ts, ttl)).encode()
           + b"".join(a.encode() + b"\n" for a in covered))
    sig = sign(sign_with or priv, msg)
    return {"v": 1, "id": idhex, "key": base64.b64encode(der).decode(),
            "addrs": list(addrs), "ts": ts, "ttl": ttl,
            "sig": base64.b64encode(sig).decode()}


def cmd_pex_response(args):
    """Writes a hostile pex_response (one JSON line) naming args.target
    only where no valid signature covers it."""
    k3 = load_key(args.key)
    k4 = load_key(args.other_key)
    now = int(time.time())
    good = args.signed
    records = [
        # a signed address, plus the target beside the signed fields
        dict(peer_record(k3, [good], now, 300, args.passphrase),
             addr=args.target, addresses=[args.target]),
        # the target put in place of the signed address: a forgery
        peer_record(k3, [args.target], now, 300, args.passphrase,
                    signed_addrs=[good]),
        # signed by another key than the one the record names
        peer_record(k3, [args.target], now, 300, args.passphrase,
                    sign_with=k4),
        # signed for another network
        peer_record(k3, [args.target], now, 300, args.passphrase + "x"),
        # expired
        peer_record(k3, [args.target], now - 1000, 300, args.passphrase),
    ]
    print(json.dumps({"type": "pex_response", "records": records,
                      "addrs": [args.target]}))
    return 0


def emit(**kw):
    print(json.dumps(kw), flush=True)


def now_ms():
    return int(time.time() * 1000)


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        try:
            b = sock.recv(n - len(out))
        except socket.timeout:
            raise Refused("timeout", "after %d of %d bytes" % (len(out), n))
        except OSError as e:
            raise Refused("closed", str(e))
        if not b:
            raise Refused("closed", "after %d of %d bytes" % (len(out), n))
        out += b
    return out


def recv_frame(sock, hi, magic=False):
    head = recv_exact(sock, 8 if magic else 4)
    if magic and head[:4] != MAGIC:
        raise Refused("v3_bad_magic")
    n = struct.unpack(">I", head[-4:])[0]
    if n > hi:
        raise Refused("too_big", "frame of %d" % n)
    return head + recv_exact(sock, n)


def refused_by_peer(data):
    """A REFUSE frame in place of a handshake message: its code, or None."""
    if len(data) == 7 and data[4] == REFUSE:
        return struct.unpack(">H", data[5:7])[0]
    return None


def session_loop(sock, tx, rx, send=(), attack=None, count=1,
                 pex_answer=None, pex_times=1):
    """Sends the messages, then prints what arrives until CLOSE or EOF;
    a pex_request is answered with pex_answer (a JSON text) if given,
    pex_times times (all but the first unasked for)."""
    frames = [seal(tx, R_MSG, m.encode(), now_ms()) for m in send]
    if attack == "skip-counter" and frames:
        tx.ctr += 1
        frames.append(seal(tx, R_MSG, b'{"skipped": true}', now_ms()))
    if attack == "repeat-counter" and frames:
        frames.append(frames[-1])
    for f in frames:
        sock.sendall(f)
    got = 0
    while True:
        try:
            data = recv_frame(sock, REC_LEN_MAX)
            rtype, body = open_record(rx, data)
        except Refused as e:
            emit(event="closed", reason=e.reason)
            return
        if rtype == R_MSG:
            emit(event="message", body=body.decode("utf-8", "replace"))
            if pex_answer is not None and b'"pex_request"' in body:
                for _ in range(pex_times):
                    sock.sendall(seal(tx, R_MSG, pex_answer.encode(),
                                      now_ms()))
                emit(event="pex_answered", times=pex_times)
            got += 1
        elif rtype == R_PING:
            emit(event="ping")
            if attack != "mute":
                sock.sendall(seal(tx, R_PONG, body, now_ms()))
        elif rtype == R_CLOSE:
            emit(event="closed", reason="peer_close",
                 code=struct.unpack(">H", body[:2])[0])
            return
        if count and got >= count:
            sock.sendall(seal(tx, R_CLOSE, u16(0) + b"done", now_ms()))
            emit(event="closed", reason="done")
            return


class Wire:
    """A socket that also appends every byte sent and received to a file:
    the capture a test greps for plaintext."""

    def __init__(self, sock, path):
        self.sock, self.f = sock, open(path, "ab")

    def recv(self, n):
        b = self.sock.recv(n)
        self.f.write(b)
        return b

    def sendall(self, b):
        self.f.write(b)
        self.sock.sendall(b)

    def close(self):
        self.f.close()
        self.sock.close()


def poison(args, m1):
    """Sends m1 with its nonce changed and sig_i kept, on a connection of
    its own, ahead of the genuine m1: a responder that remembered sig_i
    before verifying it would refuse the genuine one as a replay."""
    bad = bytearray(m1)
    bad[21] ^= 0x01
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    try:
        s.sendall(bytes(bad))
        code = refused_by_peer(recv_frame(s, HS_LEN_MAX))
        emit(event="poisoned", code=code)
    except Refused as e:
        emit(event="poisoned", reason=e.reason)
    finally:
        s.close()


def cmd_dial(args):
    priv = load_key(args.key)
    ini = Initiator(priv, bytes.fromhex(args.peer_id))
    if args.attack == "poison-first":
        m1_first = ini.msg1(now_ms())
        poison(args, m1_first)
    sock = socket.create_connection((args.host, args.port),
                                    timeout=args.timeout)
    if args.wire:
        sock = Wire(sock, args.wire)
    try:
        if args.attack == "replay-msg1":
            with open(args.file, "rb") as f:
                m1 = f.read()
        elif args.attack == "poison-first":
            m1 = m1_first
        else:
            m1 = ini.msg1(now_ms())
        if args.attack == "save-msg1":
            with open(args.file, "wb") as f:
                f.write(m1)
        if args.attack in ("tamper-versions", "tamper-suites"):
            b = bytearray(m1)
            b[10 if args.attack == "tamper-versions" else 12] ^= 0x02
            m1 = bytes(b)
        sock.sendall(m1)
        m2 = recv_frame(sock, HS_LEN_MAX)
        code = refused_by_peer(m2)
        if code is not None:
            emit(event="refused", reason="peer_error", code=code)
            return 1
        if args.attack == "replay-msg1":
            # without e_i's private key, no MSG3 can be made
            emit(event="refused", reason="cannot_confirm")
            return 1
        m3 = ini.msg2(m2, now_ms())
        if args.attack == "bad-fin":
            m3 = m3[:-1] + bytes([m3[-1] ^ 1])
        if args.attack != "no-msg3":
            sock.sendall(m3)
        emit(event="session", peer_id=ini.peer_id.hex(),
             suite=ini.suite, sid=ini.keys["sid"].hex())
        if args.attack == "no-msg3":
            sock.recv(1)
            return 0
        tx = Direction(ini.suite, ini.keys["i2r"], now_ms())
        rx = Direction(ini.suite, ini.keys["r2i"], now_ms())
        answer = None
        if args.pex_answer:
            with open(args.pex_answer) as f:
                answer = f.read().strip()
        session_loop(sock, tx, rx, args.send or (), args.attack, args.count,
                     answer, args.pex_times)
        return 0
    except Refused as e:
        emit(event="refused", reason=e.reason)
        return 1
    finally:
        sock.close()


def serve_one(conn, priv, args, saved):
    res = Responder(priv)
    try:
        try:
            res.msg1(recv_frame(conn, HS_LEN_MAX, magic=True), now_ms())
            if args.attack == "answer-v2":
                # what a v2 responder answers: the initiator must not
                # fall back to v2 on this connection (§3)
                conn.sendall(b'{"error": "handshake_verification_failed: '
                             b'malformed_json"}')
                emit(event="refused", reason="answered_v2")
                return
            m2 = res.msg2(now_ms())
        except Refused as e:
            conn.sendall(frame(bytes([REFUSE]) + u16(CODES.get(e.reason, 1))))
            raise
        if args.attack == "replay-msg2":
            # the first dial gets a genuine MSG2, every later one a replay
            saved.setdefault("m2", m2)
            m2 = saved["m2"]
        if args.attack == "tamper-suite":
            b = bytearray(m2)
            b[8] = SUITE_AESGCM if b[8] == SUITE_CHACHA else SUITE_CHACHA
            m2 = bytes(b)
        if args.attack == "bad-fin":
            m2 = m2[:-1] + bytes([m2[-1] ^ 1])
        conn.sendall(m2)
        res.msg3(recv_frame(conn, 33))
    except Refused as e:
        emit(event="refused", reason=e.reason)
        return
    emit(event="session", peer_id=res.peer_id.hex(), suite=res.suite,
         sid=res.keys["sid"].hex())
    tx = Direction(res.suite, res.keys["r2i"], now_ms())
    rx = Direction(res.suite, res.keys["i2r"], now_ms())
    session_loop(conn, tx, rx, args.send or (), None, args.count)


def cmd_serve(args):
    priv = load_key(args.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.host, args.port))
    ls.listen(8)
    emit(event="listening", port=ls.getsockname()[1],
         id=id_of_der(der_of(priv.public_key())).hex())
    saved = {}
    for _ in range(args.accept):
        conn, _addr = ls.accept()
        conn.settimeout(args.timeout)
        with conn:
            serve_one(conn, priv, args, saved)
    ls.close()

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vectors")
    v.add_argument("outdir")
    sub.add_parser("selftest")
    bv = sub.add_parser("beacon-vectors")
    bv.add_argument("outdir")
    bc = sub.add_parser("beacon")
    bc.add_argument("--key")
    bc.add_argument("--sign-with", help="a forgery: sign with this key")
    bc.add_argument("--type", choices=sorted(B_TYPES), default="announce")
    bc.add_argument("--instance", type=int, default=1)
    bc.add_argument("--seq", type=int, default=1)
    bc.add_argument("--ts-offset", type=int, default=0, help="ms")
    bc.add_argument("--tcp-port", type=int, default=9000)
    bc.add_argument("--sector", default="")
    bc.add_argument("--service", action="append")
    bc.add_argument("--passphrase", default="OpenRed-P2P-Discovery-2025")
    bc.add_argument("--group", default="224.0.1.100")
    bc.add_argument("--port", type=int, default=5354)
    bc.add_argument("--interface", default="127.0.0.1")
    bc.add_argument("--raw", help="send the hex datagram of this file")
    bc.add_argument("--save", help="write the datagram's hex here")
    d = sub.add_parser("dial")
    d.add_argument("host")
    d.add_argument("port", type=int)
    for p, attacks in ((d, ATTACKS_DIAL), (sub.add_parser("serve"),
                                           ATTACKS_SERVE)):
        p.add_argument("--key", required=True)
        p.add_argument("--send", action="append", help="a JSON message")
        p.add_argument("--count", type=int, default=1,
                       help="messages to wait for (0: until closed)")
        p.add_argument("--attack", choices=attacks)
        p.add_argument("--file", help="for save-* and replay-*")
        if p is not d:
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=0)
            p.add_argument("--accept", type=int, default=1)
            p.add_argument("--timeout", type=float, default=10.0,
                           help="s, deadline of each read")
    d.add_argument("--peer-id", required=True)
    d.add_argument("--pex-answer", help="a file: the JSON that answers a "
                   "pex_request")
    d.add_argument("--pex-times", type=int, default=1,
                   help="send the answer this many times")
    pr = sub.add_parser("pex-response", help="a hostile pex_response")
    pr.add_argument("--key", required=True, help="the record's identity")
    pr.add_argument("--other-key", required=True, help="a forger's key")
    pr.add_argument("--passphrase", required=True)
    pr.add_argument("--signed", required=True, help="the signed address")
    pr.add_argument("--target", required=True,
                    help="the address no valid signature covers")
    d.add_argument("--wire", help="append every byte on the wire here")
    d.add_argument("--timeout", type=float, default=10.0,
                   help="s, deadline of each read")
    args = ap.parse_args()
    return {"vectors": cmd_vectors, "selftest": cmd_selftest,
            "beacon-vectors": cmd_beacon_vectors, "beacon": cmd_beacon,
            "dial": cmd_dial, "serve": cmd_serve,
            "pex-response": cmd_pex_response}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
