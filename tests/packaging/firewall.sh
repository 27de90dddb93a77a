#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The ufw application profile and the firewalld service parse as ufw and
# firewalld read them, and open exactly the ports of the packaged config:
# each node's listen port over TCP, the discovery port (5354, or the
# config's) over UDP.
#
#   tests/packaging/firewall.sh [UFW_PROFILE FIREWALLD_XML CONF]
#
# Defaults: contrib/ufw/openred, contrib/firewalld/openred.xml,
# contrib/openred.conf. build-deb.sh runs it on the extracted package.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

exec python3 - "${1:-contrib/ufw/openred}" \
    "${2:-contrib/firewalld/openred.xml}" "${3:-contrib/openred.conf}" << 'END'
import configparser
import re
import sys
import xml.dom.minidom

ufw_path, fwd_path, conf_path = sys.argv[1:4]

def fail(msg):
    sys.exit("firewall: FAILED: " + msg)

conf = open(conf_path).read()
want = {(int(p), "tcp") for p in
        re.findall(r'^\s*listen\s*=\s*"[^"]*:(\d+)"\s*;', conf, re.M)}
udp = re.findall(r'^\s*port\s*=\s*(\d+)\s*;', conf, re.M)
want.add((int(udp[0]) if udp else 5354, "udp"))
if len(want) < 2:
    fail("no listen port found in " + conf_path)

# ufw (ufw/applications.py): an INI file, one section per application,
# title, description and ports = PORT[,PORT|LOW:HIGH]/PROTO joined by |
cp = configparser.RawConfigParser()
try:
    cp.read_file(open(ufw_path))
except configparser.Error as e:
    fail("%s does not parse: %s" % (ufw_path, e))
if cp.sections() != ["openred"]:
    fail("%s: sections %s, want [openred]" % (ufw_path, cp.sections()))
for key in ("title", "description", "ports"):
    if not cp.get("openred", key, fallback="").strip():
        fail("%s: no %s" % (ufw_path, key))
got = set()
for spec in cp.get("openred", "ports").split("|"):
    m = re.fullmatch(r"(\d+(?:,\d+)*)/(tcp|udp)", spec.strip())
    if not m:
        fail("%s: bad ports entry %r" % (ufw_path, spec))
    for p in m.group(1).split(","):
        if not 1 <= int(p) <= 65535:
            fail("%s: port %s out of range" % (ufw_path, p))
        got.add((int(p), m.group(2)))
if got != want:
    fail("%s opens %s, the config needs %s" % (ufw_path, sorted(got),
                                               sorted(want)))

# firewalld: <service> with <short>, <description> and <port/> elements
try:
    doc = xml.dom.minidom.parse(fwd_path)
except Exception as e:
    fail("%s is not XML: %s" % (fwd_path, e))
svc = doc.documentElement
if svc.tagName != "service":
    fail("%s: root is <%s>, not <service>" % (fwd_path, svc.tagName))
for tag in ("short", "description"):
    if not svc.getElementsByTagName(tag):
        fail("%s: no <%s>" % (fwd_path, tag))
got = {(int(p.getAttribute("port")), p.getAttribute("protocol"))
       for p in svc.getElementsByTagName("port")}
if got != want:
    fail("%s opens %s, the config needs %s" % (fwd_path, sorted(got),
                                               sorted(want)))
print("firewall: ufw profile and firewalld service open %s: ok"
      % ", ".join("%d/%s" % pw for pw in sorted(want)))
END
