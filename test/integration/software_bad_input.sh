#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_bad_input.sh - bad local input (issue 5, section 3), the cases
# software_enroll_errors.sh does not already cover: missing options and
# empty values, conflicting or inapplicable options, more bad URLs, every
# kind of CSR config error end-to-end (file:line), non-UTF-8 and over-long
# values, directories/FIFOs/devices instead of files, bad CA files in
# <ks>/ca/, bad password and config files, and a keystore on a read-only
# filesystem.  Each: the usage (2), input-file (3) or - for the read-only
# keystore - keystore (12) exit code, exactly one ERROR line naming the
# cause (file:line where there is a line), and the keystore unchanged.
#
# "Unreadable CA file": we run as root in CI, where chmod 000 does not make
# a file unreadable, so the unreadable cases are a file that holds no
# certificate, a broken PEM, an empty file and a directory, all inside
# <ks>/ca/ (hwenroll has no CA-file option: it reads every file of
# <ks>/ca/).  A symlink in ca/ or conf/, even a dangling one, is refused as
# a symlink (keystore, 12): keystore files are opened with O_NOFOLLOW.
#
# All cases run; failures are collected and reported at the end.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
AUTH=(--estc-user device --estc-pass-file "$T/pass")
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
: >"$T/srv/requests.log"

nbad=0
bad() {
	echo "FAIL: $*" >&2
	sed 's/^/    /' "$T/err" >&2
	nbad=$((nbad + 1))
}
# chk CODE PATTERN ARGS...: exit CODE, exactly one ERROR line, and the ERROR
# line matches PATTERN (grep -E)
chk() {
	local code=$1 pat=$2 n line
	shift 2
	hwe "$@"
	n=$(grep -c 'ERROR:' "$T/err" || true)
	line=$(grep 'ERROR:' "$T/err" | head -n 1)
	if [ "$rc" != "$code" ]; then
		bad "hwenroll $(printf '%q ' "$@" | cut -c1-200): exit $rc, expected $code"
	elif [ "$n" != 1 ]; then
		bad "hwenroll $(printf '%q ' "$@" | cut -c1-200): $n ERROR lines, expected 1"
	elif ! printf '%s\n' "$line" | grep -Eq -- "$pat"; then
		bad "hwenroll $(printf '%q ' "$@" | cut -c1-200): ERROR line lacks /$pat/"
	fi
	return 0
}
# unchanged SNAP WHAT: non-fatal ks_unchanged
unchanged() {
	ks_snapshot after
	if ! diff -u "$T/snap.$1" "$T/snap.after" >&2; then
		echo "FAIL: keystore changed: $2" >&2
		nbad=$((nbad + 1))
	fi
}
# the network is never reached for bad local input
no_requests() {
	if [ -s "$T/srv/requests.log" ]; then
		echo "FAIL: $1: the server was contacted:" >&2
		cat "$T/srv/requests.log" >&2
		nbad=$((nbad + 1))
		: >"$T/srv/requests.log"
	fi
}
ks_snapshot before
E=(enroll --uri "$URL" --key-alias d2 --csr-conf device.conf "${AUTH[@]}")
R=(reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias dev1)

step "missing options and empty values (exit 2)"
chk 2 "no --csr-conf" enroll --uri "$URL" --key-alias d2 "${AUTH[@]}"
grep -q "HINT: .*conf/" "$T/err" || bad "no hint where CSR configs live"
chk 2 "no EST URL" reenroll --key-alias dev1
chk 2 "no --key-alias" reenroll --uri "$URL"
chk 2 "no EST URL" cacerts
chk 2 "no EST URL" csrattrs
chk 2 "no --key-alias" keygen
chk 2 "no command" --log-level DEBUG
chk 2 "unexpected argument 'extra'" show extra
chk 2 "expected 'hwenroll certificate est" certificate bogus
for o in --uri --key-alias --csr-conf --estc-user --estc-server-dn --estc-pass-file; do
	chk 2 "'$o' has an empty value" enroll "$o" ""
done
chk 2 "needs a value|requires an argument" "${E[@]}" --timeout
chk 2 "no keystore directory" -k "" show
# a global option without its value: one clear message, not getopt's plus ours
hwe --keystore
n=$(grep -c . "$T/err" || true)
[ "$rc" = 2 ] && [ "$n" = 1 ] && grep -q "keystore.*needs a value\|requires an argument" "$T/err" ||
	bad "'hwenroll --keystore' (no value): exit $rc, expected one line naming the missing value"

step "bad values and combinations (exit 2)"
chk 2 "--curve 'P256' applies to ECC" "${E[@]}" --algorithm RSA --curve P256
chk 2 "RSA size 'abc'" "${E[@]}" --algorithm RSA --size abc
chk 2 "RSA size '-1'" "${E[@]}" --algorithm RSA --size -1
chk 2 "unknown curve 'P-256x'" "${E[@]}" --curve P-256x
chk 2 "'abc' for --timeout" "${E[@]}" --timeout abc
chk 2 "'-5' for --max-wait" "${E[@]}" --max-wait -5
chk 2 "'99999999999999999999' for --connect-timeout" "${E[@]}" --connect-timeout 99999999999999999999
chk 2 "--estc-pass and --estc-pass-file both given" "${E[@]}" --estc-pass x
chk 2 "'--rekey' does not apply to 'hwenroll enroll'" "${E[@]}" --rekey
chk 2 "'--algorithm' does not apply to 'hwenroll reenroll'" "${R[@]}" --algorithm RSA
chk 2 "'--auth-alias' does not apply to 'hwenroll reenroll'" "${R[@]}" --auth-alias dev1
chk 2 "'--csr-conf' does not apply|unknown option" cacerts --uri "$URL" --csr-conf device.conf
chk 2 "invalid key alias 'a{64}" enroll --uri "$URL" --key-alias "$(printf 'a%.0s' {1..65})" --csr-conf device.conf
chk 2 "invalid key alias" enroll --uri "$URL" --key-alias "$(printf 'a\xffb')" --csr-conf device.conf
chk 2 "invalid key alias" enroll --uri "$URL" --key-alias "-x" --csr-conf device.conf
# usage errors on a keystore that does not exist yet create nothing
for extra in "--timeout abc" "--connect-timeout -1" "--max-wait x" "--curve P999" "--estc-pass x"; do
	set +e
	# shellcheck disable=SC2086
	"$HWENROLL" -k "$T/newks" enroll --uri "$URL" --key-alias d2 --csr-conf "$KS/conf/device.conf" "${AUTH[@]}" $extra \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || bad "enroll $extra on a new keystore: exit $rc, expected 2"
	if [ -e "$T/newks" ]; then
		bad "enroll $extra (a usage error) created the keystore: $(cd "$T/newks" && find . | tr '\n' ' ')"
		rm -rf "$T/newks"
	fi
done
no_requests "usage errors"

step "more bad URLs (exit 2), for enroll, reenroll, cacerts and the TrustEdge form"
long=$(head -c 5000 /dev/zero | tr '\0' a)
while IFS='|' read -r u pat; do
	chk 2 "ERR_BAD_URI|URL" enroll --uri "$u" --key-alias d2 --csr-conf device.conf
	grep -Eq -- "$pat" "$T/err" || bad "URL '$u': message lacks /$pat/"
done <<EOF
https://127.0.0.1:abc/.well-known/est/simpleenroll|bad port
https://127.0.0.1:0/.well-known/est/simpleenroll|bad port
https://127.0.0.1:65536/.well-known/est/simpleenroll|bad port
https://127.0.0.1/.well-known/est//simpleenroll|empty path segment
https://127.0.0.1/.well-known/est/simpleenroll?x=1|query
https://127.0.0.1/.well-known/est/simpleenroll#f|fragment
https://[::1/.well-known/est/simpleenroll|IPv6
https://127.0.0.1/.well-known/est/simple enroll|space
https://127.0.0.1/.well-known/estx/simpleenroll|well-known/est
ftp://127.0.0.1/.well-known/est/simpleenroll|https
https://$long/.well-known/est/simpleenroll|URL
EOF
chk 2 "ERR_BAD_URI" enroll --uri "$(printf 'https://h\xff/.well-known/est/simpleenroll')" --key-alias d2 --csr-conf device.conf
grep -q "$(printf '\xff')" "$T/err" && bad "a raw non-UTF-8 byte was echoed to the terminal"
chk 2 "ERR_BAD_URI" reenroll --uri "http://127.0.0.1/.well-known/est/simplereenroll" --key-alias dev1
chk 2 "ERR_BAD_URI" cacerts --uri "https://127.0.0.1/simpleenroll"
chk 2 "does not end in an EST operation" certificate est --estc-server-url "https://127.0.0.1/.well-known/est/nosuchop"
EST_URI=http://127.0.0.1/.well-known/est/simpleenroll chk 2 "not https" enroll --key-alias d2 --csr-conf device.conf
no_requests "bad URLs"
unchanged before "usage errors"

step "CSR config errors, end to end (exit 3, file:line)"
mkdir "$KS/conf/dir.conf"
ln -s "$T/nosuch.conf" "$KS/conf/dangling.conf"
ks_snapshot before
# conf CONTENT LINE PATTERN: enroll with a CSR config holding CONTENT (printf)
conf() {
	printf "$1" >"$T/c.conf"
	chk 3 "c\\.conf:$2: .*$3.*ERR_CONFIG_SYNTAX" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/c.conf" "${AUTH[@]}"
}
conf 'commonName=x\nfooBar=1\n' 2 "unknown key 'fooBar'"
conf 'commonName\n' 1 "missing '='"
conf '=x\n' 1 "missing key"
conf 'commonName=\n' 1 "empty value"
conf 'commonName=x\nsubjectAltNames=1; a.example, 9\n' 2 "unknown SAN type 9"
conf 'commonName=x\nsubjectAltNames=1; a.example, dns\n' 2 "unknown SAN type 'dns'"
conf 'commonName=x\nsubjectAltNames=-1; a.example, 2\n' 2 "count '-1'"
conf 'commonName=x\nsubjectAltNames=two; a.example, 2\n' 2 "count 'two'"
conf 'commonName=x\nsubjectAltNames=1; a.example\n' 2 "missing ','"
conf 'commonName=x\nsubjectAltNames=1; 2001:db8::zz, 7\n' 2 "invalid IP address '2001:db8::zz'"
conf 'commonName=x\nsubjectAltNames=1; not an email, 1\n' 2 "invalid email"
conf "commonName=$(printf 'a%.0s' {1..65})\n" 1 "65 characters.*at most 64"
conf "commonName=x\norganizationName=$(head -c 200000 /dev/zero | tr '\0' a)\n" 2 "200000 bytes"
conf 'countryName=USA\ncommonName=x\n' 1 "two-letter"
conf 'commonName=x\xff\xfe\n' 1 "invalid UTF-8"
conf 'commonName=x\norganizationName=a\xc0\xafb\n' 2 "invalid UTF-8"
conf 'commonName=x\n\0garbage\n' 2 "NUL byte"
conf 'commonName=x\nkeyUsage=digitalSignature bogusUsage\n' 2 "unknown keyUsage 'bogusUsage'"
conf 'commonName=x\nextendedKeyUsage=bogusEku\n' 2 "unknown extendedKeyUsage 'bogusEku'"
conf 'commonName=x\nisCA=maybe\n' 2 "invalid isCA 'maybe'"
conf 'commonName=x\ncertPathLen=-3\n' 2 "invalid certPathLen '-3'"
printf '# only a comment\nsubjectAltNames=1; a.example, 2\n' >"$T/c.conf"
chk 3 "c\\.conf: no subject fields" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/c.conf" "${AUTH[@]}"
chk 3 "conf/dir.conf.*(directory|not a regular file)" enroll --uri "$URL" --key-alias d2 --csr-conf dir.conf "${AUTH[@]}"
grep -q "HINT: Ensure you created the CSR" "$T/err" || bad "no reference-workflow hint for a CSR config directory"
chk 12 "symlinked CSR config file.*conf/dangling.conf.*ERR_KEYSTORE_PERMISSIONS" enroll --uri "$URL" --key-alias d2 --csr-conf dangling.conf "${AUTH[@]}"
mkfifo "$T/fifo.conf"
t0=$(date +%s)
chk 3 "fifo.conf.*not a regular file" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/fifo.conf" "${AUTH[@]}"
[ $(($(date +%s) - t0)) -lt 5 ] || bad "a FIFO as CSR config blocked"
chk 3 "/dev/zero.*not a regular file" enroll --uri "$URL" --key-alias d2 --csr-conf /dev/zero "${AUTH[@]}"
# reenroll --csr-conf: the same errors, and the enrolled alias stays as it was
printf 'commonName=x\nkeyUsage=bogus\n' >"$T/c.conf"
chk 3 "c\\.conf:2: .*unknown keyUsage" "${R[@]}" --csr-conf "$T/c.conf"
chk 3 "c\\.conf:2: .*unknown keyUsage" "${R[@]}" --rekey --csr-conf "$T/c.conf"
no_requests "CSR config errors"
[ -e "$KS/keys/d2.pem" ] && bad "a key was left for alias d2"
unchanged before "CSR config errors"

step "CA files in <ks>/ca/ (exit 3 naming the file; none at all: exit 5 with the hint)"
cafile() {	# cafile NAME PATTERN: with <ks>/ca/NAME in place (made by the caller)
	ks_snapshot ca
	chk 3 "ca/$1.*$2" "${R[@]}"
	chk 3 "ca/$1.*$2" "${E[@]}"
	unchanged ca "bad CA file $1"
	rm -rf "${KS:?}/ca/$1"
}
cafile12() {	# cafile12 NAME PATTERN: the same, refused as unsafe (exit 12)
	ks_snapshot ca
	chk 12 "$2.*ca/$1.*ERR_KEYSTORE_PERMISSIONS" "${R[@]}"
	chk 12 "$2.*ca/$1.*ERR_KEYSTORE_PERMISSIONS" "${E[@]}"
	unchanged ca "unsafe CA file $1"
	rm -rf "${KS:?}/ca/$1"
}
echo "not a certificate" >"$KS/ca/garbage.pem"
cafile garbage.pem "no readable certificate"
grep -q "HINT: .*cacerts" "$T/err" || bad "no hint for a bad CA file"
printf -- '-----BEGIN CERTIFICATE-----\nMIIBbroken\n-----END CERTIFICATE-----\n' >"$KS/ca/broken.crt"
cafile broken.crt "no readable certificate"
: >"$KS/ca/empty.pem"
cafile empty.pem "no readable certificate"
ln -s "$T/nosuch.pem" "$KS/ca/dangling.pem"
cafile12 dangling.pem "symlinked CA file"
mkdir "$KS/ca/sub.pem"
cafile sub.pem "not a regular file"
mv "$KS/ca" "$T/ca.saved"
ks_snapshot noca
chk 5 "no trust anchor.*ERR_CERT_CHAIN_NO_TRUST_ANCHOR" "${R[@]}"
grep -q "HINT: Ensure you have downloaded the TLS root CA" "$T/err" || bad "no TLS root hint without ca/"
unchanged noca "no ca/ directory"
mv "$T/ca.saved" "$KS/ca"
no_requests "CA files"

step "password and config files (exit 3)"
ks_snapshot before
mkdir "$T/pdir"
chk 3 "password file.*pdir.*not a regular file" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pdir"
: >"$T/pempty"
chmod 600 "$T/pempty"
chk 3 "password file.*pempty.*empty" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pempty"
ln -s "$T/nosuch" "$T/pdang"
chk 3 "password file.*pdang" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pdang"
chk 3 "config file.*nosuch.*ERR_FILE_OPEN_FAILED" --config "$T/nosuch" show
chk 3 "config file.*pdir" --config "$T/pdir" show
printf 'timeout = 5\nbogus line\n' >"$T/cfg1"
chk 3 "cfg1:2: missing '='" --config "$T/cfg1" show
printf 'nosuchkey = 5\n' >"$T/cfg2"
chk 3 "cfg2:1: unknown key 'nosuchkey'" --config "$T/cfg2" show
printf 'uri = \xff\xfe\n' >"$T/cfg3"
chk 2 "ERR_BAD_URI" --config "$T/cfg3" enroll --key-alias d2 --csr-conf device.conf
printf 'timeout = abc\n' >"$T/cfg4"
# from the config file: the message names the file
chk 2 "'abc' for 'timeout' in config file '$T/cfg4'" --config "$T/cfg4" "${E[@]}"
no_requests "password and config files"
unchanged before "password and config files"

step "keystore on a read-only filesystem (exit 12, nothing written)"
if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null; then
	[ "$nbad" = 0 ] || fail "$nbad case(s) failed"
	skip "unshare -m (mount namespaces) not available for the read-only keystore"
fi
# ro ARGS...: hwenroll with $KS bind-mounted read-only in a private mount namespace
ro() {
	set +e
	unshare -m --propagation private sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
		sh "$KS" "$HWENROLL" -k "$KS" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}
rochk() {	# rochk CODE PATTERN ARGS...
	local code=$1 pat=$2 n
	shift 2
	ro "$@"
	n=$(grep -c 'ERROR:' "$T/err" || true)
	if [ "$rc" != "$code" ] || { [ "$code" != 0 ] && { [ "$n" != 1 ] || ! grep -Eq -- "$pat" "$T/err"; }; }; then
		bad "read-only keystore: hwenroll $*: exit $rc (expected $code), $n ERROR line(s), /$pat/ expected"
	fi
}
ks_snapshot before
ROPAT="Read-only file system.*ERR_KEYSTORE_IO"
rochk 12 "$ROPAT" enroll --uri "$URL" --key-alias d3 --csr-conf device.conf "${AUTH[@]}"
grep -q "HINT: .*read-only" "$T/err" || bad "no hint for a read-only keystore"
rochk 12 "$ROPAT" enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
rochk 12 "$ROPAT" "${R[@]}"
rochk 12 "$ROPAT" "${R[@]}" --rekey
rochk 12 "$ROPAT" cacerts --uri "$URL"
rochk 12 "$ROPAT" keygen --key-alias d3
# reading works
rochk 0 "" show
grep -q dev1 "$T/out" || bad "show on a read-only keystore does not list dev1"
rochk 0 "" show --key-alias dev1
unchanged before "read-only keystore"
mkdir "$T/rofs"
set +e
unshare -m --propagation private sh -c 'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"' \
	sh "$T/rofs" "$HWENROLL" -k "$T/rofs/ks" enroll --uri "$URL" --key-alias d3 --csr-conf "$KS/conf/device.conf" "${AUTH[@]}" \
	>"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 12 ] && grep -q "cannot create keystore.*Read-only file system" "$T/err" ||
	bad "new keystore on a read-only filesystem: exit $rc"

[ "$nbad" = 0 ] || fail "$nbad case(s) failed"
exit 0
