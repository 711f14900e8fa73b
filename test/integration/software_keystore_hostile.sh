#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_keystore_hostile.sh - issue 15 items 2, 6 and 7, as an attacker
# would try them:
#   - CSR config files that others can write: world/group-writable, owned
#     by another uid (54321: no account needed, we run as root in CI), a
#     symlink from conf/ into a world-writable directory, a --csr-conf path
#     outside the keystore; certs/, keys/ and ca/ files the same way, for
#     reenroll; password, PIN and config files others can read or write.
#     Each refused before the network is used: keystore files with exit 12
#     (ERR_KEYSTORE_PERMISSIONS), files named on the command line with exit
#     3 (ERR_FILE_PERMISSIONS), naming the file and the fix.
#   - journals in req/ that name another alias's files, ca/ or conf/ (or
#     leave the directory with '..'): refused with exit 12
#     (ERR_KEYSTORE_JOURNAL) naming the journal and the entry, by reenroll
#     and by show; the journal stays, the keystore stays byte-identical.
#   - a /cacerts answer of thousands of certificates that fits the 1 MiB
#     network limit but not, as PEM, the 1 MiB read limit: exit 9, keystore
#     unchanged; duplicate certificates are dropped (then such an answer
#     may fit).  The test EST server cannot send such answers: a small
#     Python HTTPS server does (cacerts-srv.py).
# All cases run; failures are collected and reported at the end.
. "$(dirname "$0")/lib.sh"
set -e
need openssl python3
[ "$(id -u)" = 0 ] || skip "needs root (files owned by another uid)"
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
RURL=$(est_url "$T/srv" "" simplereenroll)
AUTH=(--estc-user device --estc-pass-file "$T/pass")
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
ok enroll --uri "$URL" --key-alias other --csr-conf device.conf "${AUTH[@]}"
: >"$T/srv/requests.log"
# a world-writable directory outside the keystore, as /tmp/something would be
WW=$(mktemp -d "${TMPDIR:-/tmp}/hwe-ww.XXXXXX")
chmod 1777 "$WW"
hwe_on_exit rm -rf "$WW"

nbad=0
bad() {
	echo "FAIL: $*" >&2
	sed 's/^/    /' "$T/err" >&2
	nbad=$((nbad + 1))
}
# refuse CODE PATTERN HINT ARGS...: exit CODE, exactly one ERROR line
# matching PATTERN, a HINT line matching HINT (grep -E), the keystore as in
# snapshot "before" and the server not contacted (unless NET_OK=1)
refuse() {
	local code=$1 pat=$2 hint=$3 n line what
	shift 3
	what="hwenroll $(printf '%q ' "$@" | cut -c1-160)"
	hwe "$@"
	n=$(grep -c 'ERROR:' "$T/err" || true)
	line=$(grep 'ERROR:' "$T/err" | head -n 1)
	if [ "$rc" != "$code" ]; then
		bad "$what: exit $rc, expected $code"
	elif [ "$n" != 1 ]; then
		bad "$what: $n ERROR lines, expected 1"
	elif ! printf '%s\n' "$line" | grep -Eq -- "$pat"; then
		bad "$what: ERROR line lacks /$pat/"
	elif ! grep 'HINT:' "$T/err" | grep -Eq -- "$hint"; then
		bad "$what: no HINT matching /$hint/"
	fi
	ks_snapshot after
	if ! diff -u "$T/snap.before" "$T/snap.after" >&2; then
		echo "FAIL: $what changed the keystore" >&2
		nbad=$((nbad + 1))
		cp "$T/snap.after" "$T/snap.before"
	fi
	if [ -z "${NET_OK:-}" ] && [ -s "$T/srv/requests.log" ]; then
		echo "FAIL: $what contacted the server:" >&2
		sed 's/^/    /' "$T/srv/requests.log" >&2
		nbad=$((nbad + 1))
	fi
	: >"$T/srv/requests.log"
	return 0
}
E=(enroll --uri "$URL" --key-alias d2 "${AUTH[@]}")
R=(reenroll --uri "$RURL" --key-alias dev1)
KEYSTORE_PERM="ERR_KEYSTORE_PERMISSIONS"
INPUT_PERM="ERR_FILE_PERMISSIONS"

step "CSR config files in <ks>/conf/ (exit 12)"
cp "$KS/conf/device.conf" "$KS/conf/x.conf"
chmod 666 "$KS/conf/x.conf"
ks_snapshot before
refuse 12 "refusing CSR config file '$KS/conf/x.conf': writable by group or others \(mode 0666\).*$KEYSTORE_PERM" \
	"chmod go-w '$KS/conf/x.conf'" "${E[@]}" --csr-conf x.conf
refuse 12 "refusing CSR config file '$KS/conf/x.conf'.*$KEYSTORE_PERM" "chmod go-w" "${R[@]}" --csr-conf x.conf
chmod 664 "$KS/conf/x.conf"
ks_snapshot before
refuse 12 "CSR config file '$KS/conf/x.conf': writable by group or others \(mode 0664\)" "chmod go-w" \
	"${E[@]}" --csr-conf x.conf
chmod 644 "$KS/conf/x.conf"
chown 54321:54321 "$KS/conf/x.conf"
ks_snapshot before
refuse 12 "refusing CSR config file '$KS/conf/x.conf': owned by uid 54321, neither root nor the user running hwenroll \(uid 0\).*$KEYSTORE_PERM" \
	"chown 0 '$KS/conf/x.conf'" "${E[@]}" --csr-conf x.conf
rm "$KS/conf/x.conf"
# a symlink into a world-writable directory: whoever can replace the target
# chooses the CSR; the target itself is a perfectly good root-owned 0644
# file, so only the link gives it away
cp "$KS/conf/device.conf" "$WW/x.conf"
ln -s "$WW/x.conf" "$KS/conf/evil.conf"
ks_snapshot before
refuse 12 "refusing symlinked CSR config file '$KS/conf/evil.conf'.*$KEYSTORE_PERM" "replace the link" \
	"${E[@]}" --csr-conf evil.conf
rm "$KS/conf/evil.conf"

step "--csr-conf paths outside the keystore (exit 3; the final file is checked)"
chmod 666 "$WW/x.conf"
ks_snapshot before
refuse 3 "refusing CSR config file '$WW/x.conf': writable by group or others \(mode 0666\).*$INPUT_PERM" \
	"chmod go-w '$WW/x.conf'" "${E[@]}" --csr-conf "$WW/x.conf"
ln -s "$WW/x.conf" "$T/link.conf"
refuse 3 "refusing CSR config file '$T/link.conf': writable by group or others.*$INPUT_PERM" "chmod go-w" \
	"${E[@]}" --csr-conf "$T/link.conf"
chmod 644 "$WW/x.conf"
chown 54321 "$WW/x.conf"
refuse 3 "refusing CSR config file '$WW/x.conf': owned by uid 54321.*$INPUT_PERM" "chown 0" \
	"${E[@]}" --csr-conf "$WW/x.conf"
refuse 3 "owned by uid 54321.*$INPUT_PERM" "chown" "${R[@]}" --csr-conf "$T/link.conf"

step "certificate, chain, key and CA files for reenroll (exit 12)"
chmod 666 "$KS/certs/dev1.pem"
ks_snapshot before
refuse 12 "refusing certificate file '$KS/certs/dev1.pem': writable by group or others \(mode 0666\).*$KEYSTORE_PERM" \
	"chmod go-w '$KS/certs/dev1.pem'" "${R[@]}"
refuse 12 "refusing certificate file '$KS/certs/dev1.pem'" "chmod go-w" "${R[@]}" --rekey
chmod 644 "$KS/certs/dev1.pem"
chown 54321 "$KS/certs/dev1.pem"
ks_snapshot before
refuse 12 "refusing certificate file '$KS/certs/dev1.pem': owned by uid 54321.*$KEYSTORE_PERM" \
	"chown 0 '$KS/certs/dev1.pem'" "${R[@]}"
refuse 12 "certificate file '$KS/certs/dev1.pem': owned by uid 54321" "chown" show --key-alias dev1
chown 0 "$KS/certs/dev1.pem"
# a chain file we must not read is not silently skipped
cp "$KS/certs/dev1.pem" "$KS/certs/dev1-chain.pem"
chmod 646 "$KS/certs/dev1-chain.pem"
ks_snapshot before
refuse 12 "refusing certificate file '$KS/certs/dev1-chain.pem': writable by group or others" "chmod go-w" "${R[@]}"
rm "$KS/certs/dev1-chain.pem"
chown 54321 "$KS/keys/dev1.pem"
ks_snapshot before
refuse 12 "refusing key file '$KS/keys/dev1.pem': owned by uid 54321.*$KEYSTORE_PERM" "chown 0" "${R[@]}"
chown 0 "$KS/keys/dev1.pem"
chown 54321 "$KS/ca/tls-root.pem"
ks_snapshot before
refuse 12 "refusing CA file '$KS/ca/tls-root.pem': owned by uid 54321.*$KEYSTORE_PERM" "chown 0" "${R[@]}"
refuse 12 "refusing CA file '$KS/ca/tls-root.pem': owned by uid 54321" "chown 0" "${E[@]}" --csr-conf device.conf
chown 0 "$KS/ca/tls-root.pem"
# a trust anchor symlinked in, even to a good root-owned file
cp "$KS/ca/tls-root.pem" "$WW/root.pem"
ln -s "$WW/root.pem" "$KS/ca/linked.pem"
ks_snapshot before
refuse 12 "refusing symlinked CA file '$KS/ca/linked.pem'.*$KEYSTORE_PERM" "replace the link" "${R[@]}"
rm "$KS/ca/linked.pem"

step "password, PIN and config files (exit 3)"
printf 'est-pass\n' >"$T/pw"
chmod 644 "$T/pw"
ks_snapshot before
refuse 3 "refusing password file '$T/pw': accessible by group or others \(mode 0644\).*$INPUT_PERM" \
	"chmod 0600 '$T/pw'" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pw"
chmod 640 "$T/pw"
refuse 3 "refusing password file '$T/pw': accessible by group or others \(mode 0640\)" "chmod 0600" \
	"${R[@]}" --estc-user device --estc-pass-file "$T/pw"
chmod 600 "$T/pw"
chown 54321 "$T/pw"
refuse 3 "refusing password file '$T/pw': owned by uid 54321.*$INPUT_PERM" "chown 0" \
	enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pw"
printf '1234\n' >"$T/pin"
chmod 604 "$T/pin"
refuse 3 "refusing PIN file '$T/pin': accessible by group or others \(mode 0604\).*$INPUT_PERM" "chmod 0600" \
	keygen --key-alias p1 --pin-file "$T/pin"
printf 'pkcs11-module = /tmp/evil.so\n' >"$T/cfg"
chmod 666 "$T/cfg"
refuse 3 "refusing config file '$T/cfg': writable by group or others.*$INPUT_PERM" "chmod go-w" --config "$T/cfg" show
chmod 644 "$T/cfg"
chown 54321 "$T/cfg"
refuse 3 "refusing config file '$T/cfg': owned by uid 54321" "chown" --config "$T/cfg" show

step "hostile journals (exit 12, left in place, keystore byte-identical)"
J=$KS/req/dev1.journal
# journal TEXT PATTERN: req/dev1.journal holding TEXT (printf) is refused by
# reenroll and by show with an error matching PATTERN, and stays
journal() {
	printf "$1" >"$J"
	chmod 600 "$J"
	ks_snapshot before
	refuse 12 "journal '$J' is not valid \(line .*$2.*nothing was changed.*ERR_KEYSTORE_JOURNAL" "rm '$J'" "${R[@]}"
	refuse 12 "journal '$J' is not valid.*$2.*ERR_KEYSTORE_JOURNAL" "rm '$J'" show --key-alias dev1
	refuse 12 "journal '$J' is not valid.*$2" "rm '$J'" \
		enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
	[ -f "$J" ] || bad "journal '$1' was removed"
	rm -f "$J"
}
H="hwenroll-journal 1 dev1\n"
OUT="is not a file of alias 'dev1'"
# an attacker's trust anchor and CSR config, staged as if by dev1's update
cp "$WW/root.pem" "$KS/ca/.dev1=tls-root.pem.tmp.1.ab"
printf 'commonName=evil\n' >"$KS/conf/.dev1=device.conf.tmp.1.ab"
journal "${H}remove keys/other.pem\n" "'keys/other.pem' $OUT"
journal "${H}remove certs/other.pem\n" "'certs/other.pem' $OUT"
journal "${H}remove certs/other-chain.pem\n" "'certs/other-chain.pem' $OUT"
journal "${H}remove req/other.csr\n" "'req/other.csr' $OUT"
journal "${H}remove ca/tls-root.pem\n" "'ca/tls-root.pem' $OUT"
journal "${H}rename ca/.dev1=tls-root.pem.tmp.1.ab ca/tls-root.pem\n" "'ca/tls-root.pem' $OUT"
journal "${H}remove ca/est-cacerts.pem\n" "'ca/est-cacerts.pem' $OUT"
journal "${H}remove conf/device.conf\n" "'conf/device.conf' $OUT"
journal "${H}rename conf/.dev1=device.conf.tmp.1.ab conf/device.conf\n" "'conf/device.conf' $OUT"
# a good first step does not run either
journal "${H}remove req/dev1.csr\nremove keys/other.pem\n" "3: 'remove keys/other.pem'\): 'keys/other.pem' $OUT"
# '..' and absolute paths
journal "${H}remove keys/../ca/tls-root.pem\n" "remove keys/../ca/tls-root.pem"
journal "${H}remove ../ks/ca/tls-root.pem\n" "remove ../ks/ca/tls-root.pem"
journal "${H}remove $KS/ca/tls-root.pem\n" "remove $KS/ca/tls-root.pem"
journal "${H}rename ca/.dev1=tls-root.pem.tmp.1.ab ca/../ca/tls-root.pem\n" "ca/../ca/tls-root.pem"
journal "${H}remove certs/dev1.pem/../../conf/device.conf\n" "conf/device.conf"
rm -f "$KS/ca/.dev1=tls-root.pem.tmp.1.ab" "$KS/conf/.dev1=device.conf.tmp.1.ab"
# the CA update's journal (req/cacerts.journal) may replace
# ca/est-cacerts.pem, nothing else
printf 'hwenroll-journal 1 cacerts\nremove ca/tls-root.pem\n' >"$KS/req/cacerts.journal"
chmod 600 "$KS/req/cacerts.journal"
ks_snapshot before
# (cacerts fetches before it locks: the server is contacted, nothing stored)
NET_OK=1 refuse 12 "journal '$KS/req/cacerts.journal' is not valid.*'ca/tls-root.pem' is not a file of alias 'cacerts'.*ERR_KEYSTORE_JOURNAL" \
	"rm '$KS/req/cacerts.journal'" cacerts --uri "$URL"
rm "$KS/req/cacerts.journal"

step "/cacerts too large to store (exit 9, keystore unchanged); duplicates dropped"
PY=$T/py
mkdir "$PY"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PY/t.key" -outform DER \
	-out "$PY/t.der" -subj /CN=c -days 2 -set_serial 0x0102030405060708 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PY/ca.key" -out "$PY/ca.pem" \
	-subj /CN=hwe-py-ca -days 2 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PY/srv.key" -out "$PY/srv.csr" \
	-subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$PY/ext"
openssl x509 -req -in "$PY/srv.csr" -CA "$PY/ca.pem" -CAkey "$PY/ca.key" -set_serial 2 -days 2 \
	-extfile "$PY/ext" -out "$PY/srv.pem" 2>/dev/null
read -r ncerts body pem < <(python3 "$HWE_TOP_SRCDIR/test/integration/cacerts-srv.py" gen "$PY" "$PY/t.der")
echo "huge /cacerts: $ncerts certificates, $body bytes of base64, $pem bytes as PEM" >&2
[ "$body" -lt 1048576 ] && [ "$pem" -gt 1048576 ] || fail "the huge answer does not fit between the limits"
python3 "$HWE_TOP_SRCDIR/test/integration/cacerts-srv.py" serve "$PY" "$PY/srv.pem" "$PY/srv.key" \
	>"$PY/server.log" 2>&1 &
pypid=$!
hwe_on_exit kill "$pypid"
for _ in $(seq 100); do [ -s "$PY/port" ] && break; sleep 0.1; done
[ -s "$PY/port" ] || { cat "$PY/server.log" >&2; fail "cacerts-srv.py did not start"; }
CA_URL="https://127.0.0.1:$(cat "$PY/port")/.well-known/est"
cp "$PY/ca.pem" "$KS/ca/py-root.pem"
# duplicates: A B A A C B is stored as A B C
ok cacerts --uri "$CA_URL/dups/cacerts"
serials=$(awk '/BEGIN/ {n++} {print > ("'"$T"'/c" n ".pem")}' "$KS/ca/est-cacerts.pem"
	for f in "$T"/c[0-9]*.pem; do openssl x509 -in "$f" -noout -serial; done | tr '\n' ' ')
[ "$serials" = "serial=4000000000000001 serial=4000000000000002 serial=4000000000000003 " ] ||
	bad "duplicates: stored $serials, expected the serials ...01 ...02 ...03 once each, in order"
[ "$(grep -c 'BEGIN CERTIFICATE' "$KS/ca/est-cacerts.pem")" = 3 ] || bad "duplicates were stored"
# thousands of distinct certificates: refused before anything is written
ks_snapshot before
hwe cacerts --uri "$CA_URL/huge/cacerts"
[ "$rc" = 9 ] || bad "huge /cacerts: exit $rc, expected 9"
grep -Eq "ERROR: /cacerts answer too large to store: $ncerts certificate\(s\) make a $pem-byte PEM file, over the keystore's limit of 1048576 bytes; nothing was stored.*ERR_EST_RESPONSE_TOO_LARGE" "$T/err" ||
	bad "huge /cacerts: no error naming the size and the limit"
ks_snapshot after
diff -u "$T/snap.before" "$T/snap.after" >&2 || { echo "FAIL: the huge /cacerts changed the keystore" >&2; nbad=$((nbad + 1)); }
# ... and every networked command still works
ok reenroll --uri "$RURL" --key-alias dev1
# the same certificate thousands of times is one certificate
ok cacerts --uri "$CA_URL/samedup/cacerts"
[ "$(grep -c 'BEGIN CERTIFICATE' "$KS/ca/est-cacerts.pem")" = 1 ] || bad "samedup: not one certificate"
ok reenroll --uri "$RURL" --key-alias dev1
ok show

[ "$nbad" = 0 ] || fail "$nbad case(s) failed"
exit 0
