# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
"""The service manager's side of sd_notify(3), for notify.sh.

    notify_listen.py SOCKET LOG OPENREDCTL CONTROL_SOCKET

Binds a Unix datagram socket at SOCKET and appends each message to LOG,
one line, its fields separated by spaces. On every READY=1 it asks the
control socket for status at once, as a unit ordered after openred would,
and logs "ctl ok" or "ctl failed: ..." right after the message: READY=1
must mean the control socket answers. Exits after STOPPING=1 or 60 s.
"""
import socket
import subprocess
import sys
import time

path, log, ctl, ctl_sock = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(1.0)
deadline = time.monotonic() + 60
with open(log, "a", buffering=1) as out:
    out.write("listening\n")
    while time.monotonic() < deadline:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        fields = msg.strip().split("\n")
        out.write(" ".join(fields) + "\n")
        if "READY=1" in fields:
            r = subprocess.run([ctl, "-S", ctl_sock, "status"],
                               capture_output=True, text=True, timeout=10)
            out.write("ctl ok\n" if r.returncode == 0 else
                      "ctl failed: %s\n" % r.stderr.strip())
        if "STOPPING=1" in fields:
            break
