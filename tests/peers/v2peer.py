#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""v2peer: a stand-in for the ORIGINAL OpenRed Python node (protocol v2).

The original node cannot be installed, so interop tests talk to this peer
instead. It reproduces the original's wire bytes and, on purpose, only the
checks the original makes (see shared/PROTOCOL-v2.md): it is a test peer, not
a secure implementation. Hostile variants (--attack) exist to check that
openred refuses what the original accepts.

Dependencies: Python 3 standard library and python3-cryptography (Debian's
38.x is enough). Every command prints machine-readable JSON lines on stdout;
diagnostics go to stderr.
"""

import argparse
import base64
import hashlib
import json
import math
import os
import select
import socket
import sys
import threading
import time

from cryptography.exceptions import InvalidSignature  # noqa: F401 (docs)
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

DEFAULT_PASSPHRASE = "OpenRed-P2P-Discovery-2025"
PBKDF2_SALT = b"openred_p2p_salt_2025"
PBKDF2_ITERATIONS = 100000
MCAST_GROUP = "224.0.1.100"
MCAST_PORT = 5354
DEFAULT_SERVICES = ["storage", "compute", "revolutionary_p2p"]
# The original hashes a fixed Paris coordinate for every node.
ZONE_HASH = "zone_" + hashlib.sha256(b"48.8566:2.3522").hexdigest()[:16]
HANDSHAKE_WINDOW = 300
RECV_SIZE = 4096
ORIGINAL_SOCKET_TIMEOUT = 10.0

ATTACKS_DIAL = (
    "key-not-bound", "replay", "expired", "wrong-target", "bad-signature",
    "nan-timestamp", "float-timestamp", "garbage", "slow", "stall",
    "oversized", "non-canonical-pem",
)
ATTACKS_RESPOND = ("response-key-not-bound", "stale")


# ---------------------------------------------------------------- clock

class Clock:
    """time.time(), or a pinned value when --time was given."""

    def __init__(self, pinned=None):
        self.pinned = pinned

    def now(self):
        return time.time() if self.pinned is None else self.pinned


# ---------------------------------------------------------------- identity

def generate_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key):
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption())


def load_private_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def public_pem(key):
    """SubjectPublicKeyInfo PEM, the bytes the original hashes and sends."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint_of_pem(pem_bytes):
    return hashlib.sha256(pem_bytes).hexdigest()[:16]


def fingerprint(key):
    return fingerprint_of_pem(public_pem(key))


def load_any_key_fp(path):
    """Fingerprint of a private or public key PEM file (canonical PEM)."""
    with open(path, "rb") as f:
        data = f.read()
    if b"PRIVATE KEY" in data:
        key = serialization.load_pem_private_key(data, password=None)
    else:
        key = serialization.load_pem_public_key(data)
    return fingerprint(key)


def rewrap_pem(pem_bytes, variant):
    """Non-canonical encodings of the same public key."""
    lines = pem_bytes.decode("ascii").strip("\n").split("\n")
    body = "".join(lines[1:-1])
    if variant == "wrap76":
        chunks = [body[i:i + 76] for i in range(0, len(body), 76)]
        return (lines[0] + "\n" + "\n".join(chunks) + "\n" + lines[-1]
                + "\n").encode("ascii")
    if variant == "extra-newline":
        return pem_bytes + b"\n"
    if variant == "crlf":
        return pem_bytes.replace(b"\n", b"\r\n")
    if variant == "no-final-newline":
        return pem_bytes.rstrip(b"\n")
    raise ValueError("unknown PEM variant %r" % variant)


# ---------------------------------------------------------------- signatures

def pss():
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                       salt_length=padding.PSS.MAX_LENGTH)


def sign(key, text):
    return key.sign(text.encode(), pss(), hashes.SHA256())


def verify(pem_bytes, signature, text):
    """Raises like the original does (InvalidSignature, ValueError ...)."""
    pub = serialization.load_pem_public_key(pem_bytes)
    pub.verify(signature, text.encode(), pss(), hashes.SHA256())


def dumps(obj):
    """Python json.dumps defaults: ', ' and ': ', ASCII, NaN allowed."""
    return json.dumps(obj)


def mutual_link(fp_a, fp_b, ts_a, ts_b):
    # f-string formatting on purpose: a float or NaN timestamp is hashed
    # the way Python prints it ("1764000000.5", "nan"), as the original does.
    return hashlib.sha256(
        f"{fp_a}:{fp_b}:{ts_a}:{ts_b}".encode()).hexdigest()[:32]


# ---------------------------------------------------------------- handshake

def build_request(key, target_fp, ts, claim_fp=None, pem=None):
    """The original's create_connection_handshake; key order as the vector.

    claim_fp replaces the source fingerprint (signed over as claimed);
    pem replaces the public key bytes sent."""
    src = claim_fp if claim_fp is not None else fingerprint(key)
    sig = sign(key, f"{src}:{target_fp}:{ts}")
    return {
        "type": "p2p_handshake_request",
        "source_fingerprint": src,
        "target_fingerprint": target_fp,
        "timestamp": ts,
        "public_key": base64.b64encode(
            pem if pem is not None else public_pem(key)).decode(),
        "signature": base64.b64encode(sig).decode(),
        "valid_for": 300,
    }


def verify_and_respond(key, request, now, ts_b=None, claim_fp=None):
    """The original's verify_and_respond_handshake: (valid, reply dict).

    Only the original's checks: target, |now - ts| <= 300, signature with the
    key sent. Errors are formatted like the original's (str(exception))."""
    our_fp = claim_fp if claim_fp is not None else fingerprint(key)
    try:
        if request["target_fingerprint"] != our_fp:
            return False, {"error": "handshake_not_for_this_node"}
        ts = request["timestamp"]
        if abs(now - ts) > HANDSHAKE_WINDOW:
            return False, {"error": "handshake_expired"}
        pem = base64.b64decode(request["public_key"])
        text = f"{request['source_fingerprint']}:{request['target_fingerprint']}:{ts}"
        verify(pem, base64.b64decode(request["signature"]), text)
        if ts_b is None:
            ts_b = int(now)
        link = mutual_link(request["source_fingerprint"], our_fp, ts, ts_b)
        sig = sign(key, f"{our_fp}:{request['source_fingerprint']}:{ts_b}:{link}")
        return True, {
            "type": "p2p_handshake_response",
            "source_fingerprint": our_fp,
            "target_fingerprint": request["source_fingerprint"],
            "timestamp": ts_b,
            "public_key": base64.b64encode(public_pem(key)).decode(),
            "signature": base64.b64encode(sig).decode(),
            "mutual_link": link,
            "status": "connection_accepted",
        }
    except Exception as e:  # the original catches everything here
        return False, {"error": f"handshake_verification_failed: {e}"}


def finalize(our_fp, response, request):
    """The original's finalize_connection: (connected, token-or-error).

    Checks target is us, source is who we dialled, the signature with the
    key sent. It does NOT bind the key to the fingerprint nor recompute the
    mutual link: neither did the original."""
    try:
        r_target = response.get("target_fingerprint")
        r_source = response.get("source_fingerprint")
        q_target = request.get("target_fingerprint")
        if not r_target or not r_source or not q_target:
            return False, {"error": "missing_fingerprint_fields"}
        if r_target != our_fp or r_source != q_target:
            return False, {"error": "response_mismatch"}
        pem = base64.b64decode(response["public_key"])
        text = (f"{response['source_fingerprint']}:"
                f"{response['target_fingerprint']}:"
                f"{response['timestamp']}:{response['mutual_link']}")
        verify(pem, base64.b64decode(response["signature"]), text)
        return True, {
            "connection_id": f"p2p_{our_fp}_{response['source_fingerprint']}",
            "mutual_link": response["mutual_link"],
            "remote_fingerprint": response["source_fingerprint"],
            "status": "connected",
        }
    except Exception as e:
        return False, {"error": f"connection_finalization_failed: {e}"}


def build_message(src_fp, dst_fp, ts, sector="tech", payload=None):
    """The original's first message: mutual_link is always null."""
    if payload is None:
        payload = {
            "type": "revolutionary_greeting",
            "content": f"Hello from revolutionary {sector} node!",
            "timestamp": ts,
            "security_level": "revolutionary_p2p",
            "central_api_abandoned": True,
            "revolution_message": "Pure P2P has begun!",
        }
    return {
        "type": "revolutionary_p2p_message",
        "source_fingerprint": src_fp,
        "target_fingerprint": dst_fp,
        "timestamp": ts,
        "mutual_link": None,
        "central_api_used": False,
        "revolutionary_protocol": True,
        "payload": payload,
    }


# ---------------------------------------------------------------- beacons

def derive_network_key(passphrase):
    """Fernet key in base64url form, as the original keeps it."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=PBKDF2_SALT,
                     iterations=PBKDF2_ITERATIONS)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))


def build_beacon(key, sector, port, services=None, ts=None, node_hash=None,
                 activity=87, node_id="v2peer"):
    """Plaintext object in the original's field order."""
    if ts is None:
        ts = time.time()
    if node_hash is None:
        # the original: sha256(f"{node_id}{time.time()}") at start-up
        node_hash = hashlib.sha256(f"{node_id}{ts}".encode()).hexdigest()
    fp = fingerprint(key)
    return {
        "node_fingerprint": fp,
        "node_hash": node_hash,
        "sector": sector,
        "services": list(DEFAULT_SERVICES if services is None else services),
        "activity_level": activity,
        "zone_hash": ZONE_HASH,
        "p2p_endpoint": {"ip": "127.0.0.1", "port": port},
        "timestamp": ts,
        "beacon_type": "revolutionary_p2p_discovery",
        "protocol_version": "2.0",
        "central_api_abandoned": True,
        "security": {
            "fingerprint": fp,
            "hash_display": node_hash[:8] + "...",
            "crypto_ready": True,
            "revolutionary_protocol": True,
            "anti_surveillance": True,
        },
    }


def seal(network_key, plaintext, token_time):
    return Fernet(network_key).encrypt_at_time(plaintext, int(token_time))


def open_token(network_key, token, ttl=None, now=None):
    """Plaintext bytes; raises InvalidToken. No TTL = the original."""
    f = Fernet(network_key)
    if ttl is None:
        return f.decrypt(token)
    return f.decrypt_at_time(token, int(ttl),
                             int(time.time() if now is None else now))


def original_accepts_beacon(obj):
    return (isinstance(obj, dict)
            and obj.get("beacon_type") == "revolutionary_p2p_discovery"
            and bool(obj.get("node_fingerprint")))


# ---------------------------------------------------------------- output

_out_lock = threading.Lock()


def _clean(obj):
    """Non-finite floats become strings so every printed line is JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def emit(obj):
    line = json.dumps(_clean(obj), allow_nan=False)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def warn(msg):
    sys.stderr.write("v2peer: %s\n" % msg)
    sys.stderr.flush()


def text_of(data):
    return data.decode("utf-8", "backslashreplace")


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % s)
    return host.strip("[]"), int(port)


def wait_peer_close(sock, deadline):
    """Wait without reading until the peer closes or the deadline passes.

    POLLRDHUP reports the peer's FIN without consuming queued data, so the
    'never reads again' behaviour of the original is kept. Returns
    'peer' or 'timeout'."""
    rdhup = getattr(select, "POLLRDHUP", 0x2000)
    p = select.poll()
    p.register(sock.fileno(), rdhup | select.POLLHUP | select.POLLERR)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        if p.poll(min(left, 0.5) * 1000):
            return "peer"


def unread_bytes(sock):
    try:
        import fcntl
        import termios
        import struct
        buf = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", buf)[0]
    except OSError:
        return None


# ---------------------------------------------------------------- commands

def cmd_keygen(args):
    key = generate_key()
    fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem(key))
    emit({"event": "keygen", "file": args.file, "fingerprint": fingerprint(key)})
    return 0


def cmd_fp(args):
    print(load_any_key_fp(args.file))
    return 0


def _beacon_token(args):
    key = load_private_key(args.key)
    ts = time.time() if args.time is None else args.time
    services = None if args.services is None else \
        [s for s in args.services.split(",") if s]
    obj = build_beacon(key, args.sector, args.port, services, ts,
                       args.node_hash, args.activity, args.node_id)
    return seal(derive_network_key(args.passphrase), dumps(obj).encode(), ts)


def cmd_beacon_seal(args):
    sys.stdout.write(_beacon_token(args).decode("ascii") + "\n")
    return 0


def cmd_beacon_open(args):
    token = sys.stdin.buffer.read().strip()
    try:
        plain = open_token(derive_network_key(args.passphrase), token,
                           args.ttl, args.time)
    except InvalidToken:
        warn("token does not open (wrong key, tampered, or outside TTL)")
        return 1
    sys.stdout.write(text_of(plain) + "\n")
    return 0


def cmd_beacon_send(args):
    if args.raw:
        with open(args.raw, "rb") as f:
            datagram = f.read()
    else:
        if not args.key or not args.sector or args.port is None:
            warn("beacon send needs --raw FILE or --key, --sector and --port")
            return 2
        datagram = None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    if args.ifaddr:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     socket.inet_aton(args.ifaddr))
    for i in range(args.count):
        data = datagram if datagram is not None else _beacon_token(args)
        n = s.sendto(data, (args.group, args.mport))
        emit({"event": "beacon_sent", "group": args.group, "port": args.mport,
              "ifaddr": args.ifaddr, "bytes": n, "raw": bool(args.raw)})
        if i + 1 < args.count:
            time.sleep(args.interval)
    s.close()
    return 0


def cmd_beacon_listen(args):
    netkey = derive_network_key(args.passphrase)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", args.mport))
    mreq = socket.inet_aton(args.group) + socket.inet_aton(args.ifaddr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    deadline = time.monotonic() + args.seconds
    seen = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(RECV_SIZE)
        except socket.timeout:
            break
        try:
            plain = open_token(netkey, data, args.ttl)
            obj = json.loads(plain.decode())
        except (InvalidToken, ValueError) as e:
            warn("dropped %d bytes from %s: %s" % (
                len(data), addr[0], type(e).__name__))
            continue
        if not args.all and not original_accepts_beacon(obj):
            warn("ignored beacon from %s: the original would not keep it"
                 % addr[0])
            continue
        if args.verbose:
            emit({"event": "beacon", "from": addr[0], "plain": text_of(plain),
                  "beacon": obj})
        else:
            emit(obj)
        seen += 1
        if args.count and seen >= args.count:
            break
    s.close()
    return 0


# ---- respond

def _respond_one(args, key, clock, conn, addr, deadline, results):
    peer = "%s:%d" % addr[:2]
    report = {"event": "handshake", "role": "responder", "peer": peer}
    if args.attack:
        report["attack"] = args.attack
    try:
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = conn.recv(RECV_SIZE)  # ONE recv, like the original
        except socket.timeout:
            report.update(outcome="dropped", reason="recv_timeout")
            emit(report)
            results.append(report)
            conn.close()
            return
        report["request_bytes"] = len(data)
        claim_fp = load_any_key_fp(args.claim_key) if args.claim_key else None
        try:
            request = json.loads(data.decode())
            request.get("source_fingerprint")  # the original logs via .get
        except Exception as e:
            # the original: exception in the handler -> close, no reply
            report.update(outcome="dropped", reason=f"{type(e).__name__}: {e}",
                          request_raw=text_of(data[:512]))
            emit(report)
            results.append(report)
            conn.close()
            return
        report["request"] = {k: request.get(k) for k in (
            "source_fingerprint", "target_fingerprint", "timestamp")}
        if args.attack == "stale":
            with open(args.raw, "rb") as f:
                reply = f.read()
            valid = True
            report.update(outcome="stale_sent")
        else:
            valid, response = verify_and_respond(
                key, request, clock.now(),
                ts_b=None if args.response_time is None else args.response_time,
                claim_fp=claim_fp)
            reply = dumps(response).encode()
            if valid:
                report.update(outcome="accepted",
                              status=response["status"],
                              mutual_link=response["mutual_link"],
                              connection_id="p2p_%s_%s" % (
                                  request["source_fingerprint"],
                                  response["source_fingerprint"]))
            else:
                report.update(outcome="rejected", error=response["error"])
        report["reply"] = text_of(reply)
        try:
            conn.send(reply)  # one send, like the original
        except OSError as e:
            report["send_error"] = str(e)
        emit(report)
        results.append(report)
        if not valid:
            conn.close()
            return
        # never read again; hold until the peer closes or time is up
        how = wait_peer_close(conn, deadline)
        if args.report_close:
            emit({"event": "closed", "role": "responder", "peer": peer,
                  "by": how, "unread_bytes": unread_bytes(conn)})
        conn.close()
    except Exception as e:  # keep the listener alive, like the original
        warn("handler error for %s: %s" % (peer, e))
        conn.close()


def cmd_respond(args):
    if args.attack == "stale" and not args.raw:
        warn("--attack stale needs --raw FILE")
        return 2
    if args.attack == "response-key-not-bound" and not args.claim_key:
        warn("--attack response-key-not-bound needs --claim-key FILE")
        return 2
    key = load_private_key(args.key)
    clock = Clock(args.time)
    host, port = args.listen
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(5)
    emit({"event": "listening", "address": "%s:%d" % srv.getsockname()[:2],
          "fingerprint": fingerprint(key)})
    deadline = time.monotonic() + args.seconds
    threads, results, accepted = [], [], 0
    while time.monotonic() < deadline and (not args.count
                                            or accepted < args.count):
        r, _, _ = select.select([srv], [], [],
                                min(0.2, max(0, deadline - time.monotonic())))
        if not r:
            continue
        conn, addr = srv.accept()
        accepted += 1
        t = threading.Thread(target=_respond_one, daemon=True,
                             args=(args, key, clock, conn, addr, deadline,
                                   results))
        t.start()
        threads.append(t)
    srv.close()
    for t in threads:
        t.join(max(0, deadline - time.monotonic()) + 1)
    return 0


# ---- dial

def _attack_request(args, key, clock, target):
    """Bytes to send first, and the request object (None if not a request)."""
    now = clock.now()
    ts = int(now)
    a = args.attack
    if a is None or a in ("slow", "stall"):
        req = build_request(key, target, ts)
    elif a == "key-not-bound":
        req = build_request(key, target, ts,
                            claim_fp=load_any_key_fp(args.claim_key))
    elif a == "replay":
        with open(args.raw, "rb") as f:
            data = f.read()
        try:
            req = json.loads(data.decode())
        except Exception:
            req = None
        return data, req
    elif a == "expired":
        req = build_request(key, target, int(now + args.offset))
    elif a == "wrong-target":
        wrong = target[:-1] + ("0" if target[-1:] != "0" else "1")
        req = build_request(key, wrong, ts)
    elif a == "bad-signature":
        req = build_request(key, target, ts)
        sig = bytearray(base64.b64decode(req["signature"]))
        sig[len(sig) // 2] ^= 0x01
        req["signature"] = base64.b64encode(bytes(sig)).decode()
    elif a == "nan-timestamp":
        req = build_request(key, target, float("nan"))
    elif a == "float-timestamp":
        req = build_request(key, target, ts + 0.5)
    elif a == "garbage":
        # not \x00 first: that byte is v3's (docs/PROTOCOL.md v3 §3)
        return (b"\xff\x00not json {\"type\": \"p2p_handshake_request\""
                + os.urandom(32)), None
    elif a == "oversized":
        req = build_request(key, target, ts)
        base = len(dumps(req).encode()) + len(', "padding": ""')
        req["padding"] = "A" * max(0, args.size - base)
    elif a == "non-canonical-pem":
        req = build_request(key, target, ts,
                            pem=rewrap_pem(public_pem(key), args.pem_variant))
    else:
        raise ValueError(a)
    return dumps(req).encode(), req


def cmd_dial(args):
    if args.attack == "key-not-bound" and not args.claim_key:
        warn("--attack key-not-bound needs --claim-key FILE")
        return 2
    if args.attack == "replay" and not args.raw:
        warn("--attack replay needs --raw FILE")
        return 2
    key = load_private_key(args.key)
    our_fp = fingerprint(key)
    clock = Clock(args.time)
    start = time.monotonic()
    deadline = start + args.seconds
    report = {"event": "dial", "role": "initiator",
              "peer": "%s:%d" % args.connect}
    if args.attack:
        report["attack"] = args.attack
    data, req = _attack_request(args, key, clock, args.target)
    report["request_bytes"] = len(data)
    if args.attack in ("key-not-bound", "replay") and isinstance(req, dict) \
            and isinstance(req.get("source_fingerprint"), str):
        our_fp = req["source_fingerprint"]  # we pose as the claimed node
    if req is not None:
        report["request"] = {k: req.get(k) for k in (
            "source_fingerprint", "target_fingerprint", "timestamp")}

    def timeout():
        return max(0.01, min(ORIGINAL_SOCKET_TIMEOUT,
                             deadline - time.monotonic()))

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout())
        sock.connect(args.connect)
        if args.attack == "slow":
            chunk = max(1, args.chunk)
            for i in range(0, len(data), chunk):
                if time.monotonic() >= deadline:
                    report["slow_truncated_at"] = i
                    break
                sock.sendall(data[i:i + chunk])
                time.sleep(args.delay)
        elif args.attack == "stall":
            half = data[:len(data) // 2]
            sock.sendall(half)
            report["sent_bytes"] = len(half)
            how = wait_peer_close(sock, deadline)
            report.update(outcome="stalled", closed_by=how,
                          waited=round(time.monotonic() - start, 3))
            emit(report)
            return 0
        elif args.attack == "oversized":
            sock.sendall(data)
        else:
            sent = sock.send(data)  # one send, like the original
            if sent != len(data):
                report["short_send"] = sent
        sock.settimeout(timeout())
        raw = sock.recv(RECV_SIZE)  # ONE recv, like the original
    except (OSError, socket.timeout) as e:
        report.update(outcome="error", error=f"{type(e).__name__}: {e}")
        emit(report)
        sock.close()
        return 1
    report["response_raw"] = text_of(raw)
    try:
        response = json.loads(raw.decode())
        response.get("status")
    except Exception as e:
        report.update(outcome="error",
                      error=f"bad_response: {type(e).__name__}: {e}")
        emit(report)
        sock.close()
        return 1
    report["response"] = response
    report["status"] = response.get("status")
    if "error" in response:
        report["error"] = response["error"]
    ok, token = finalize(our_fp, response,
                         req if isinstance(req, dict) else {})
    if ok:
        report.update(outcome="connected", connection_id=token["connection_id"],
                      mutual_link=token["mutual_link"])
    else:
        report.update(outcome="refused", finalize_error=token["error"])
    emit(report)
    if not ok:
        sock.close()
        return 0 if args.attack else 1
    payload = json.loads(args.payload) if args.payload else None
    sent_msgs = 0
    for _ in range(args.messages):
        ts = clock.now() if args.msg_time is None else args.msg_time
        msg = dumps(build_message(our_fp, response["source_fingerprint"], ts,
                                  args.sector, payload)).encode()
        try:
            sock.settimeout(timeout())
            n = sock.send(msg)  # back to back, no delimiter
        except (OSError, socket.timeout) as e:
            emit({"event": "messages", "sent": sent_msgs,
                  "error": f"{type(e).__name__}: {e}"})
            sock.close()
            return 1
        if n != len(msg):
            warn("short send %d of %d bytes" % (n, len(msg)))
        sent_msgs += 1
    if args.messages:
        emit({"event": "messages", "sent": sent_msgs})
    how = wait_peer_close(sock, deadline)  # never read after the response
    if args.report_close:
        emit({"event": "closed", "role": "initiator", "by": how})
    sock.close()
    return 0


# ---------------------------------------------------------------- CLI

def parser():
    p = argparse.ArgumentParser(
        prog="v2peer.py",
        description="Test peer that plays the original OpenRed v2 node.")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("keygen", help="new RSA-2048 key, PKCS#8 PEM")
    s.add_argument("file")
    s.set_defaults(func=cmd_keygen)

    s = sub.add_parser("fp", help="fingerprint of a private or public key")
    s.add_argument("file")
    s.set_defaults(func=cmd_fp)

    b = sub.add_parser("beacon", help="discovery beacons")
    bsub = b.add_subparsers(dest="bcmd", required=True)

    def beacon_fields(s, required):
        s.add_argument("--passphrase", default=DEFAULT_PASSPHRASE)
        s.add_argument("--key", required=required)
        s.add_argument("--sector", required=required)
        s.add_argument("--port", type=int, required=required,
                       help="p2p port advertised (ip is always 127.0.0.1)")
        s.add_argument("--services", help="comma list (default %s)"
                       % ",".join(DEFAULT_SERVICES))
        s.add_argument("--time", type=float,
                       help="beacon time (plaintext float; token uses int)")
        s.add_argument("--node-hash", help="64 hex (default derived)")
        s.add_argument("--node-id", default="v2peer",
                       help="used to derive node_hash like the original")
        s.add_argument("--activity", type=int, default=87)

    s = bsub.add_parser("seal", help="print a Fernet beacon token")
    beacon_fields(s, True)
    s.set_defaults(func=cmd_beacon_seal)

    s = bsub.add_parser("open", help="open a token read on stdin")
    s.add_argument("--passphrase", default=DEFAULT_PASSPHRASE)
    s.add_argument("--ttl", type=int, help="default: none, like the original")
    s.add_argument("--time", type=float, help="'now' for the TTL check")
    s.set_defaults(func=cmd_beacon_open)

    s = bsub.add_parser("send", help="send beacon datagram(s)")
    beacon_fields(s, False)
    s.add_argument("--raw", help="send these bytes instead")
    s.add_argument("--group", default=MCAST_GROUP)
    s.add_argument("--mport", "--group-port", type=int, default=MCAST_PORT,
                   dest="mport", help="multicast port (default 5354)")
    s.add_argument("--ifaddr", help="IP_MULTICAST_IF local address")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--interval", type=float, default=0.2)
    s.set_defaults(func=cmd_beacon_send)

    s = bsub.add_parser("listen", help="print opened beacons as JSON lines")
    s.add_argument("--group", default=MCAST_GROUP)
    s.add_argument("--port", type=int, default=MCAST_PORT, dest="mport")
    s.add_argument("--ifaddr", default="0.0.0.0",
                   help="interface to join on (original: 0.0.0.0)")
    s.add_argument("--seconds", type=float, required=True)
    s.add_argument("--passphrase", default=DEFAULT_PASSPHRASE)
    s.add_argument("--ttl", type=int)
    s.add_argument("--count", type=int, default=0, help="stop after N")
    s.add_argument("--all", action="store_true",
                   help="also print beacons the original would ignore")
    s.add_argument("--verbose", action="store_true",
                   help="wrap: {event, from, plain, beacon}")
    s.set_defaults(func=cmd_beacon_listen)

    s = sub.add_parser("respond", help="answer handshakes like the original")
    s.add_argument("--key", required=True)
    s.add_argument("--listen", type=hostport, required=True)
    s.add_argument("--count", type=int, default=0,
                   help="connections to handle (0: until --seconds)")
    s.add_argument("--seconds", type=float, default=30.0)
    s.add_argument("--time", type=float, help="pin 'now'")
    s.add_argument("--response-time", type=int, help="pin tsB")
    s.add_argument("--attack", choices=ATTACKS_RESPOND)
    s.add_argument("--claim-key", help="key whose fingerprint is claimed")
    s.add_argument("--raw", help="canned response for --attack stale")
    s.add_argument("--report-close", action="store_true",
                   help="also print {event: closed} when a held link ends")
    s.set_defaults(func=cmd_respond)

    s = sub.add_parser("dial", help="initiate a handshake like the original")
    s.add_argument("--key", required=True)
    s.add_argument("--connect", type=hostport, required=True)
    s.add_argument("--target", required=True, help="fingerprint dialled")
    s.add_argument("--messages", type=int, default=0)
    s.add_argument("--seconds", type=float, default=10.0,
                   help="bound on the whole dial, including holding the link")
    s.add_argument("--time", type=float, help="pin 'now' (request ts)")
    s.add_argument("--msg-time", type=float, help="pin message timestamps")
    s.add_argument("--sector", default="tech", help="for the greeting text")
    s.add_argument("--payload", help="JSON object to send as payload")
    s.add_argument("--attack", choices=ATTACKS_DIAL)
    s.add_argument("--claim-key", help="key-not-bound: fingerprint claimed")
    s.add_argument("--raw", help="replay: bytes to send")
    s.add_argument("--offset", type=float, default=-301,
                   help="expired: request ts = now + OFFSET (default -301)")
    s.add_argument("--size", type=int, default=8192,
                   help="oversized: object size in bytes")
    s.add_argument("--chunk", type=int, default=8, help="slow: bytes/write")
    s.add_argument("--delay", type=float, default=0.05,
                   help="slow: seconds between writes")
    s.add_argument("--pem-variant", default="wrap76",
                   choices=("wrap76", "extra-newline", "crlf",
                            "no-final-newline"))
    s.add_argument("--report-close", action="store_true")
    s.set_defaults(func=cmd_dial)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
