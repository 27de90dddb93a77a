#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Builds the Debian packages in a temporary copy of the tree, runs lintian
# (errors fail), extracts the .debs with dpkg-deb -x into a temporary root,
# verifies the systemd unit, runs the extracted `openred -t` on the shipped
# config and, as root, starts the extracted daemon in a network namespace
# made here, asks `openredctl status` and stops it through its pid file.
#
#   tests/packaging/build-deb.sh [--head]
#
# The copy is of the working tree (tracked and untracked, not ignored
# files); --head packages the last commit instead. Needs dpkg-dev,
# debhelper, lintian, systemd-analyze, iproute2 and the build dependencies
# (.ci/package installs them). A missing tool, or no root for the last
# step, prints "skip: REASON" and exits 77, never 0. Keeps nothing: set
# KEEP=1 to leave the temporary directory.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
version=$(cat VERSION)

tmp=$(mktemp -d /tmp/openred-deb.XXXXXX)
ns=
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    [ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then
        echo "build-deb: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() { echo "build-deb: FAILED: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }
step() { echo "== $*"; }

for tool in dpkg-buildpackage dpkg-deb dpkg-architecture lintian \
            systemd-analyze ip; do
    command -v "$tool" > /dev/null || skip "no $tool"
done

step "copy the tree to $tmp/openred-$version"
src=$tmp/openred-$version
mkdir -p "$src"
if [ "${1:-}" = --head ]; then
    git archive HEAD | tar -xf - -C "$src"
else
    git ls-files -co --exclude-standard -z \
        | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh \
        | tar -cf - -T - | tar -xf - -C "$src"
fi

step "dpkg-buildpackage -us -uc -b"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1; then
    tail -40 "$tmp/build.log" >&2
    fail "dpkg-buildpackage (log above, last 40 lines)"
fi
changes=$tmp/openred_${version}_$(dpkg --print-architecture).changes
ls "$tmp"/*.deb | sed 's|.*/|   |'

step "lintian"
lintian --display-info --pedantic \
    "$changes" > "$tmp/lintian.log" 2>&1 || true
grep -v "^running with root" "$tmp/lintian.log" | sed "s/^/   /" || true
echo "   errors $(grep -c '^E:' "$tmp/lintian.log" || true)," \
     "warnings $(grep -c '^W:' "$tmp/lintian.log" || true)," \
     "info $(grep -c '^I:' "$tmp/lintian.log" || true)," \
     "pedantic $(grep -c '^P:' "$tmp/lintian.log" || true)"
if grep -q '^E:' "$tmp/lintian.log"; then
    fail "lintian reports errors"
fi

step "extract the packages into $tmp/root"
dest=$tmp/root
mkdir -p "$dest"
for deb in "$tmp"/*.deb; do
    case "$deb" in *-dbgsym_*) continue ;; esac
    dpkg-deb -x "$deb" "$dest"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in usr/sbin/openred etc/openred/openred.conf etc/logrotate.d/openred \
         lib/systemd/system/openred.service usr/lib/tmpfiles.d/openred.conf \
         usr/share/doc/openred/examples/openred.conf \
         usr/share/doc/openred/README.Debian \
         usr/share/bash-completion/completions/openred \
         usr/share/bash-completion/completions/openredctl \
         etc/ufw/applications.d/openred usr/lib/firewalld/services/openred.xml \
         usr/share/man/man8/openred.8.gz usr/share/man/man5/openred.conf.5.gz \
         usr/share/man/man1/openredctl.1.gz \
         usr/lib/$multiarch/libopenred.so.0.1.0 \
         usr/lib/$multiarch/pkgconfig/openred.pc \
         usr/include/openred/openred.h; do
    [ -f "$dest/$f" ] || fail "no $f in the packages"
done
[ -L "$dest/usr/lib/$multiarch/libopenred.so.0" ] || fail "no soname link"
[ -L "$dest/usr/lib/$multiarch/libopenred.so" ] || fail "no dev link"
tests/packaging/symbols.sh "$dest/usr/lib/$multiarch/libopenred.so.0.1.0"
# the extracted binaries find the extracted libopenred.so.0
export LD_LIBRARY_PATH=$dest/usr/lib/$multiarch

step "openred links libopenred0 and depends on it"
readelf -d "$dest/usr/sbin/openred" | grep -q 'NEEDED.*\[libopenred\.so\.0\]' \
    || fail "usr/sbin/openred is not linked to libopenred.so.0"
depends=$(dpkg-deb -f "$tmp"/openred_*.deb Depends)
echo "   Depends: $depends"
echo "$depends" | grep -q 'libopenred0 (>= ' \
    || fail "openred does not depend on libopenred0"

step "tmpfiles.d makes the directories the daemon needs"
tmpf=$dest/usr/lib/tmpfiles.d/openred.conf
for want in 'd /run/openred 0755 root root -' \
            'd /var/log/openred 0750 root adm -' \
            'd /var/lib/openred 0700 openred openred -'; do
    grep -qxF "$want" "$tmpf" || fail "$tmpf lacks: $want"
done
cmp -s conf/openred.conf "$dest/usr/share/doc/openred/examples/openred.conf" \
    || fail "the example config is not conf/openred.conf"
echo "   ok"

step "bash completion and firewall profiles, as packaged"
tests/packaging/completion.sh "$dest/usr/share/bash-completion/completions" \
    "$dest/usr/sbin" "$dest/usr/bin" | sed 's/^/   /'
tests/packaging/firewall.sh "$dest/etc/ufw/applications.d/openred" \
    "$dest/usr/lib/firewalld/services/openred.xml" \
    "$dest/etc/openred/openred.conf" | sed 's/^/   /'

step "systemd-analyze verify openred.service"
# the unit names /usr/sbin/openred: point it at the extracted binary, and
# man at the extracted pages for Documentation=
sed "s|=/usr/sbin/openred|=$dest/usr/sbin/openred|" \
    "$dest/lib/systemd/system/openred.service" > "$tmp/openred.service"
MANPATH=$dest/usr/share/man systemd-analyze verify "$tmp/openred.service" \
    || fail "systemd-analyze verify"
grep -qx 'Type=notify' "$tmp/openred.service" \
    || fail "the unit is not Type=notify"
readelf -d "$dest/usr/sbin/openred" | grep -q 'NEEDED.*libsystemd' \
    || fail "usr/sbin/openred has no sd_notify (libsystemd)"
echo "   ok"

step "openred -t on the shipped config"
conf=$dest/etc/openred/openred.conf
# -t checks what start needs, the folders of the pid file and the log
# among them, which the package's tmpfiles.d makes. In a mount namespace
# of its own (nothing reaches the host) they are made as tmpfiles would;
# without root, -t must refuse the shipped config for the missing folder.
if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
    unshare -m sh -c '
        mount -t tmpfs tmpfs /run && mkdir -p /run/openred &&
        mount -t tmpfs tmpfs /var/log && mkdir -p /var/log/openred &&
        "$1" -t -c "$2" && "$1" -T -q -c "$2" > "$3"' sh \
        "$dest/usr/sbin/openred" "$conf" "$tmp/effective.conf" \
        || fail "openred -t/-T $conf with the package's folders"
else
    "$dest/usr/sbin/openred" -t -c "$conf" > "$tmp/t.out" 2>&1 \
        && fail "openred -t passed without /run/openred and /var/log/openred"
    grep -q 'folder "/run/openred" does not exist' "$tmp/t.out" \
        || fail "openred -t did not name the missing /run/openred: $(cat "$tmp/t.out")"
    skip "needs root for a mount namespace with the package's folders"
fi
for want in 'pid = "/run/openred/openred.pid";' 'user = "openred";' \
            'path = "/var/log/openred/error.log";' \
            'socket = "/run/openred/control.sock";' \
            'key = "/var/lib/openred/node.pem";' \
            'auto_connect = false;'; do
    grep -qF "$want" "$tmp/effective.conf" \
        || fail "the effective config lacks: $want"
done
echo "   the effective paths are the Debian ones"
# one node, never dialling strangers (README.Debian)
[ "$(grep -c '^    id = ' "$tmp/effective.conf")" = 1 ] \
    || fail "the shipped config has more than one node"
grep -q 'auto_connect = true' "$tmp/effective.conf" \
    && fail "the shipped config auto-connects"

step "run the extracted daemon in a network namespace"
# (the checks above ran; this one is what a skip leaves out)
[ "$(id -u)" = 0 ] || skip "needs root for ip netns"

# The shipped config, with its runtime paths moved under $sys, a scratch
# root whose directories only the packaged tmpfiles.d entry makes (as
# postinst does): nothing is written to the host's /run, /var/lib or
# /var/log, and no mkdir here stands in for a missing directory.
sys=$tmp/sys
mkdir -p "$sys/etc"
printf 'root:x:0:0::/root:/bin/sh\nopenred:x:900:900::/var/lib/openred:/usr/sbin/nologin\n' \
    > "$sys/etc/passwd"
printf 'root:x:0:\nadm:x:4:\nopenred:x:900:\n' > "$sys/etc/group"
systemd-tmpfiles --create --root="$sys" "$tmpf" \
    || fail "systemd-tmpfiles --create $tmpf"
for want in "run/openred 755 0 0" "var/log/openred 750 0 4" \
            "var/lib/openred 700 900 900"; do
    set -- $want
    [ "$(stat -c '%a %u %g' "$sys/$1")" = "$2 $3 $4" ] \
        || fail "tmpfiles made $1 as $(stat -c '%a %u %g' "$sys/$1"), not $2 $3 $4"
done
echo "   systemd-tmpfiles made /run/openred, /var/log/openred, /var/lib/openred"
run=$sys/run/openred
sed -e "s|^# pid = .*|pid = \"$run/openred.pid\";|" \
    -e "s|^  # path = .*|  path = \"$sys/var/log/openred/error.log\";|" \
    -e "s|^  # socket = .*|  socket = \"$run/control.sock\";|" \
    -e "s|^    # key = .*|    key = \"$sys/var/lib/openred/node.pem\";|" \
    "$conf" > "$tmp/openred.conf"
for f in run/openred/openred.pid var/log/openred/error.log \
         run/openred/control.sock var/lib/openred/node.pem; do
    grep -q "\"$sys/$f\"" "$tmp/openred.conf" \
        || fail "could not move $f of the shipped config"
done

ns=openred-pkg-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set lo multicast on
ip -n "$ns" route add 224.0.0.0/4 dev lo 2>/dev/null || true
# no openred user on a build machine: the workers keep root here
ip netns exec "$ns" "$dest/usr/sbin/openred" -c "$tmp/openred.conf" \
    -g 'user = "";' || fail "the extracted daemon did not start"
i=0
while [ ! -s "$run/openred.pid" ] && [ $i -lt 50 ]; do
    sleep 0.2; i=$((i + 1))
done
[ -s "$run/openred.pid" ] || fail "no pid file after 10 s ($sys/var/log/openred)"
pid=$(cat "$run/openred.pid")
kill -0 "$pid" || fail "the master ($pid) is not running"
echo "   master $pid running"

[ -x "$dest/usr/bin/openredctl" ] || fail "no usr/bin/openredctl in the packages"
i=0
until ip netns exec "$ns" "$dest/usr/bin/openredctl" \
        -S "$run/control.sock" status > "$tmp/status" 2>&1; do
    i=$((i + 1))
    [ $i -lt 25 ] || { cat "$tmp/status" >&2; fail "openredctl status"; }
    sleep 0.2
done
sed 's/^/   /' "$tmp/status"

kill -QUIT "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
    sleep 0.2; i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null && fail "the master did not stop in 30 s on QUIT"
pid=
echo "   stopped on SIGQUIT"
echo "build-deb: all passed"
