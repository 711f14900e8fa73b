#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# chroot-test.sh DEBDIR ESTSERVER - install the built .debs on a brand-new
# Debian 12 root and check that they work with what they declare (run by
# `./dev package-test`, which builds DEBDIR and ESTSERVER first).
#
#   1. mmdebstrap --variant=apt bookworm (Essential + apt only) from the
#      host's own apt sources into a temp dir.
#   2. Inside it, with apt: hwenroll and openssl-provider-hwenroll-pkcs11
#      (--no-install-recommends: their Depends alone), then the test's own
#      tools (man-db, softhsm2, the openssl CLI), which are not dependencies.
#   3. With no environment variable set for hwenroll: --version, the man
#      pages, `openssl list -providers -provider hwenroll-pkcs11`, an enroll
#      with a software key and one (plus a re-enroll over mutual TLS) with a
#      SoftHSM key through the installed provider, both into the default
#      keystore /etc/hwenroll/keystore; the TPM backend fails with the
#      package to install.
#   4. Then the packages' Recommends: a TPM enroll (swtpm), a SoftHSM
#      enroll through the default p11-kit proxy, the example openssl.cnf
#      snippet; and a purge that keeps the keys.
#
# The test EST server and swtpm run outside the root on loopback (the
# network namespace is shared); only their TLS root CA, the password and
# the ports go in.  The root is entered with chroot in private mount and PID
# namespaces (unshare), so its /proc mount and anything started in it end
# with each entry.  Everything is removed on exit, whatever happens.
# Needs root, mmdebstrap, swtpm and tpm2-tools (./dev deps).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: chroot-test.sh DEBDIR ESTSERVER" >&2; exit 2; }
debdir=$(cd "$1" && pwd)
ESTSERVER=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
top=$(cd "$(dirname "$0")/../.." && pwd)
suite=bookworm
export ESTSERVER HWE_TOP_SRCDIR=$top

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'chroot-test: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
for t in mmdebstrap unshare chroot swtpm tpm2_createprimary; do
	command -v "$t" >/dev/null || die "'$t' not found (./dev deps installs it)"
done
[ -x "$ESTSERVER" ] || die "no test EST server at '$ESTSERVER'"
debs=()
for p in hwenroll openssl-provider-hwenroll-pkcs11; do
	f=$(ls "$debdir"/${p}_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] || die "no ${p}_*.deb in $debdir"
	debs+=("$f")
done

# lib-estserver.sh owns the EXIT trap: hwe_at_exit commands (newest first),
# then the EST servers, then the hwe_mktemp dirs
. "$top/test/integration/lib-estserver.sh"
W=$(mktemp -d /var/tmp/hwenroll-pkgtest.XXXXXX)
R=$W/root
# swtpm and the EST server are stopped by their PIDs first, then the root
# goes (--one-file-system: nothing is mounted under $R outside the
# namespaces, but a removal must never follow a mount into the host's files)
cleanup() {
	"$top/swtpm-fixtures/tpm-stop" "$W/tpm" >/dev/null 2>&1
	est_stop "$W/est" 2>/dev/null
	rm -rf --one-file-system "$W"
}
hwe_at_exit cleanup

# --- 1. the root ---------------------------------------------------------
# The host's active apt sources, as apt finds them, and the host's apt
# settings that reaching them needs (proxies, a snapshot's old Release).
srcfiles=()
eval "$(apt-config shell sl Dir::Etc::sourcelist/f sp Dir::Etc::sourceparts/d)"
sl=${sl:-/etc/apt/sources.list}
sp=${sp:-/etc/apt/sources.list.d/}
[ -s "$sl" ] && grep -qE '^[[:space:]]*deb' "$sl" && srcfiles+=("$sl")
for f in "$sp"*.list "$sp"*.sources; do
	[ -s "$f" ] && srcfiles+=("$f")
done
[ ${#srcfiles[@]} -gt 0 ] || die "the host has no apt sources"
aptopts=()
while IFS= read -r line; do aptopts+=(--aptopt="$line"); done < <(apt-config dump |
	grep -iE '^Acquire::((https?|ftp)::Proxy|Check-Valid-Until|Check-Date) ' || true)

say "mmdebstrap --variant=apt $suite (from ${srcfiles[*]})"
t0=$SECONDS
# package lists are kept (the installs below need them); dpkg skips fsync
# in this throwaway root
if ! unshare --mount --propagation private --pid --fork --kill-child -- \
	mmdebstrap --mode=root --variant=apt --format=directory --skip=cleanup/apt/lists \
	--dpkgopt=force-unsafe-io "${aptopts[@]}" "$suite" "$R" "${srcfiles[@]}" >"$W/mmdebstrap.log" 2>&1; then
	tail -30 "$W/mmdebstrap.log" >&2
	die "mmdebstrap failed"
fi
say "root ready in $((SECONDS - t0)) s ($(du -sh --one-file-system "$R" | cut -f1))"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
cp /etc/hosts "$R/etc/hosts" 2>/dev/null || true

# --- the services outside the root, on loopback ----------------------------
printf 'pkg-test-pass\n' >"$W/pass"
chmod 600 "$W/pass"
est_start "$W/est" --user pkgtest --pass-file "$W/pass" >/dev/null
"$top/swtpm-fixtures/tpm-start" "$W/tpm" >/dev/null
tcti=$(. "$W/tpm/env" && echo "$SWTPM_TCTI")

mkdir -p "$R/root/t/debs"
cp "${debs[@]}" "$R/root/t/debs/"
cp "$W/est/tls-ca.pem" "$W/pass" "$R/root/t/"
cat >"$R/root/t/vars" <<EOF
URI=$(est_url "$W/est" pkgtest simpleenroll)
TCTI=$tcti
EOF
cp "$top/test/package/inner-test.sh" "$R/root/t/"

# --- 2.-4. inside --------------------------------------------------------
# A fresh mount and PID namespace per entry: /proc for the new PID
# namespace, /dev as mmdebstrap made it (device nodes, not a bind mount).
# Only PATH, HOME, LANG and TERM go in: no EST_*, HWENROLL_*,
# OPENSSL_MODULES or SOFTHSM2_CONF.
in_root() {
	unshare --mount --propagation private --pid --fork --kill-child -- \
		sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$R" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}
say "inside the root"
in_root bash /root/t/inner-test.sh
say "package test passed"
