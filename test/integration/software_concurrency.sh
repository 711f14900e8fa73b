#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_concurrency.sh - two or more runs on one alias at once (issue 5,
# section 2): one waits for the other or fails clearly (exit 12, the lock
# named); no file is ever interleaved; and a keystore with unsafe
# permissions or a symlinked key file is refused with an explanation and
# left as it was.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
AUTH=(--estc-user device --estc-pass-file "$T/pass")

keypub() { openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -c1-16; }
certpub() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | sha256sum | cut -c1-16; }
# whole ALIAS SRV: key and certificate of ALIAS belong together, one
# certificate, verifying; no temp file, journal or lock file left
whole() {
	local a=$1
	[ "$(grep -c 'BEGIN CERTIFICATE' "$KS/certs/$a.pem")" = 1 ] || fail "certs/$a.pem is not exactly one certificate"
	[ "$(grep -c 'BEGIN' "$KS/keys/$a.pem")" = 1 ] || fail "keys/$a.pem is not exactly one key"
	[ "$(keypub "$KS/keys/$a.pem")" = "$(certpub "$KS/certs/$a.pem")" ] || fail "key and certificate of $a do not match"
	openssl verify -CAfile "$2/ca.pem" "$KS/certs/$a.pem" >/dev/null || fail "certs/$a.pem does not verify"
	[ -z "$(find "$KS" -name '*.tmp.*' -o -name '*.journal' -o -name '*.lock')" ] ||
		fail "left behind: $(find "$KS" -name '*.tmp.*' -o -name '*.journal' -o -name '*.lock')"
}
# bg N ARGS...: hwenroll in the background, output in $T/out.N, $T/err.N
declare -A bpid
bg() {
	local n=$1
	shift
	"$HWENROLL" -k "$KS" "$@" >"$T/out.$n" 2>"$T/err.$n" &
	bpid[$n]=$!
}
reap() {	# reap N: exit status in $rc
	set +e
	wait "${bpid[$1]}" 2>/dev/null
	rc=$?
	set -e
}

step "two first enrolls of one alias at once: the second waits for the first"
# the first run holds the alias for >= 2 s (202, Retry-After: 2)
est_start "$T/p" --user device --pass-file "$T/pass" --pending 1 --retry-after 2
ks_init "$T/p" dev
URL=$(est_url "$T/p" "" simpleenroll)
t0=$(date +%s)
bg 1 enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}"
for ((i = 0; i < 100; i++)); do grep -q 'simpleenroll 202' "$T/p/requests.log" 2>/dev/null && break; sleep 0.05; done
bg 2 enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}"
reap 1
rc1=$rc
reap 2
rc2=$rc
t1=$(date +%s)
[ "$rc1" = 0 ] || { cat "$T/err.1" >&2; fail "first enroll exited $rc1"; }
case $rc2 in
0) ;;
12) grep -q 'ERR_KEYSTORE_LOCKED' "$T/err.2" || { cat "$T/err.2" >&2; fail "second run: exit 12 without naming the lock"; } ;;
*) cat "$T/err.2" >&2; fail "second enroll exited $rc2 (expected 0 after waiting, or 12)" ;;
esac
whole dev "$T/p"
# one key: the second run reused the first run's key instead of making its own
[ "$(grep -c 'simpleenroll 202' "$T/p/requests.log")" = 1 ] || fail "two keys were requested for one alias"
last=1
[ "$rc2" = 0 ] && last=2
cmp -s <(openssl x509 -in "$T/out.$last" -outform der) <(openssl x509 -in "$KS/certs/dev.pem" -outform der) ||
	fail "stored certificate is not the one the last run printed"
est_stop "$T/p"

step "six reenroll --rekey at once: serialized, no interleaved file"
est_start "$T/s" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/s"
rm -rf "$KS"
ks_init "$T/s" dev
URL=$(est_url "$T/s" "" simpleenroll)
ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}"
: >"$T/s/requests.log"
for n in 1 2 3 4 5 6; do
	bg "$n" reenroll --uri "$URL" --key-alias dev --rekey
done
okruns=0
for n in 1 2 3 4 5 6; do
	reap "$n"
	case $rc in
	0) okruns=$((okruns + 1)) ;;
	12) grep -q 'ERR_KEYSTORE_LOCKED' "$T/err.$n" || { cat "$T/err.$n" >&2; fail "run $n: exit 12 without naming the lock"; } ;;
	*) cat "$T/err.$n" >&2; fail "run $n exited $rc" ;;
	esac
done
[ "$okruns" -ge 1 ] || fail "no run succeeded"
whole dev "$T/s"
# the stored certificate is the one printed by one of the runs, and each
# successful run renewed the key the previous one stored (serialized)
found=0
for n in 1 2 3 4 5 6; do
	grep -q 'BEGIN CERT' "$T/out.$n" || continue
	cmp -s <(openssl x509 -in "$T/out.$n" -outform der) <(openssl x509 -in "$KS/certs/dev.pem" -outform der) && found=1
done
[ "$found" = 1 ] || fail "stored certificate was printed by no run"
[ "$(grep -c 'simplereenroll 200' "$T/s/requests.log")" = "$okruns" ] || fail "server issued more certificates than runs succeeded"
step "  $okruns of 6 succeeded"

step "a run holding the alias for longer than the lock wait: the other fails clearly"
# the holder is stuck on a stalled server (no timeout reached in this test)
est_start "$T/st" --fault stall --fault-op simplereenroll
rm -rf "$KS"
ks_init "$T/st" dev
cp "$T/s/tls-ca.pem" "$KS/ca/tls-root-s.pem"
ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}"
bg h reenroll --uri "$(est_url "$T/st" "" simplereenroll)" --key-alias dev --timeout 120
for ((i = 0; i < 100; i++)); do grep -q 'simplereenroll 0' "$T/st/requests.log" 2>/dev/null && break; sleep 0.05; done
grep -q 'simplereenroll 0' "$T/st/requests.log" || fail "holder did not reach the server"
ks_snapshot held
t0=$(date +%s)
hwe reenroll --uri "$URL" --key-alias dev --rekey
t1=$(date +%s)
[ "$rc" = 12 ] || { cat "$T/err" >&2; fail "second run exited $rc while the alias was held"; }
once
grep -q "ERR_KEYSTORE_LOCKED" "$T/err" || fail "no ERR_KEYSTORE_LOCKED"
grep -q "dev" "$T/err" || fail "the alias is not named"
[ $((t1 - t0)) -lt 60 ] || fail "gave up only after $((t1 - t0)) s"
step "  refused after $((t1 - t0)) s"
ks_unchanged held "a refused concurrent run"
kill -KILL "${bpid[h]}"
reap h
# the lock of a killed holder is free at once, and its stale lock file goes
# with the next run
ok reenroll --uri "$URL" --key-alias dev --rekey
whole dev "$T/s"
est_stop "$T/st"

step "unsafe keystore: refused with an explanation, nothing changed"
# Each case is checked (failures collected, reported at the end) so that
# one missing refusal does not hide the others.
ok enroll --uri "$URL" --key-alias other --csr-conf device.conf "${AUTH[@]}"
RURL=$(est_url "$T/s" "" simplereenroll)
nbad=0
refuse() {	# refuse WHAT PATTERN ARGS...: exit 12, one error matching PATTERN, keystore unchanged
	local what=$1 pat=$2 n
	shift 2
	ks_snapshot unsafe
	hwe "$@"
	n=$(grep -c 'ERROR:' "$T/err" || true)
	if [ "$rc" != 12 ] || [ "$n" != 1 ] || ! grep -Eq -- "$pat" "$T/err"; then
		echo "FAIL: $what: exit $rc (expected 12), $n ERROR line(s), /$pat/ expected:" >&2
		sed 's/^/    /' "$T/err" >&2
		nbad=$((nbad + 1))
	fi
	ks_snapshot unsafe.after
	diff -u "$T/snap.unsafe" "$T/snap.unsafe.after" >&2 || { echo "FAIL: $what: keystore changed" >&2; nbad=$((nbad + 1)); }
}
chmod 644 "$KS/keys/dev.pem"
refuse "group/world-readable key file" "keys/dev.pem.*ERR_KEYSTORE_PERMISSIONS" \
	reenroll --uri "$RURL" --key-alias dev
grep -q "HINT: chmod 0600" "$T/err" || { echo "FAIL: no chmod hint for a readable key file" >&2; nbad=$((nbad + 1)); }
chmod 600 "$KS/keys/dev.pem"

chmod 777 "$KS/req"
refuse "world-writable req/" "req.*ERR_KEYSTORE_PERMISSIONS" reenroll --uri "$RURL" --key-alias dev
chmod 700 "$KS/req"

# who can write ca/ chooses whom we trust, who can write certs/ or the
# keystore itself swaps what we present
for d in ca certs .; do
	mode=$(stat -c %a "$KS/$d")
	chmod o+w "$KS/$d"
	refuse "world-writable '$d' of the keystore" "ERR_KEYSTORE_PERMISSIONS" reenroll --uri "$RURL" --key-alias dev
	chmod "$mode" "$KS/$d"
done
chmod o+w "$KS/ca/tls-root.pem"
refuse "world-writable trust anchor file" "tls-root.pem.*ERR_KEYSTORE_PERMISSIONS" reenroll --uri "$RURL" --key-alias dev
chmod 644 "$KS/ca/tls-root.pem"

if chown nobody "$KS/keys" 2>/dev/null; then
	refuse "keys/ owned by another user" "keys.*ERR_KEYSTORE_PERMISSIONS" reenroll --uri "$RURL" --key-alias dev
	chown "$(id -u)" "$KS/keys"
fi

mv "$KS/keys/dev.pem" "$T/dev-key.pem"
ln -s "$T/dev-key.pem" "$KS/keys/dev.pem"
refuse "symlinked key file" "dev.pem.*(symlink|symbolic link|ERR_KEYSTORE)" reenroll --uri "$RURL" --key-alias dev
refuse "symlinked key file, --rekey" "dev.pem.*(symlink|symbolic link|ERR_KEYSTORE)" reenroll --uri "$RURL" --key-alias dev --rekey
refuse "enroll over a symlinked key file" "dev.pem.*(symlink|symbolic link|ERR_KEYSTORE)" \
	enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}"
rm "$KS/keys/dev.pem"
mv "$T/dev-key.pem" "$KS/keys/dev.pem"

mv "$KS/certs/dev.pem" "$T/dev-cert.pem"
ln -s "$T/dev-cert.pem" "$KS/certs/dev.pem"
refuse "symlinked certificate" "dev.pem.*(symlink|symbolic link|ERR_KEYSTORE)" reenroll --uri "$RURL" --key-alias dev
rm "$KS/certs/dev.pem"
mv "$T/dev-cert.pem" "$KS/certs/dev.pem"

mv "$KS/keys" "$T/keys.real"
ln -s "$T/keys.real" "$KS/keys"
refuse "symlinked keys/ directory" "keys.*(symlink|symbolic link|ERR_KEYSTORE)" reenroll --uri "$RURL" --key-alias dev
rm "$KS/keys"
mv "$T/keys.real" "$KS/keys"

step "after all that the alias is intact and renews"
ok reenroll --uri "$RURL" --key-alias dev
whole dev "$T/s"
[ "$nbad" = 0 ] || fail "$nbad unsafe keystore case(s) not refused as expected"
exit 0
