#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11_pin_redaction.sh - issue 15 item 4: a PIN given as pin-value in a
# pkcs11: URI (--token-uri, or a key file a user wrote) never appears in
# any message at any level: ERROR, HINT, INFO, DEBUG (hwenroll's and the
# provider's), show and show --json.  Where the URI is shown, pin-value
# reads pin-value=REDACTED.  The PIN is distinctive, so a hit cannot be a
# coincidence; its percent-encoded form is looked for too.
. "$(dirname "$0")/lib.sh"
set -e
need openssl softhsm2-util
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -r "$SOFTHSM_MODULE" ] || skip "SoftHSM module not installed"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
[ -e "$HWE_PKCS11_PROVIDER_DIR/hwenroll-pkcs11.so" ] || fail "provider not built in $HWE_PKCS11_PROVIDER_DIR"
export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR

PIN='Pin-s3cr3t+77'       # '+' is percent-encoded on the way (%2B)
PINENC='Pin-s3cr3t%2B77'
WRONG='Wr0ng-P1n-4242'
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label hwe-red --so-pin 5678 --pin "$PIN" >/dev/null
MOD=(--pkcs11-module "$SOFTHSM_MODULE")
mkdir -p "$KS"

# no_secret WHAT: neither PIN (plain or encoded) in $T/out or $T/err
no_secret() {
	local f
	for f in "$T/out" "$T/err"; do
		if grep -qF -e "$PIN" -e "$PINENC" -e "$WRONG" -e "s3cr3t" "$f"; then
			cat "$f" >&2; fail "$1: a PIN was printed ($f)"
		fi
	done
}
# redacted LINE-PATTERN: every line matching it shows pin-value=REDACTED
redacted() {
	grep -E -- "$1" "$T/err" | grep -q "pin-value=REDACTED" ||
		{ cat "$T/err" >&2; fail "no pin-value=REDACTED in the $1 line"; }
}

step "keygen with pin-value in --token-uri, at DEBUG: works, PIN nowhere"
ok -l DEBUG keygen --key-alias k1 --key-backend pkcs11 --token-uri "pkcs11:token=hwe-red?pin-value=$PINENC" "${MOD[@]}"
no_secret "successful keygen at DEBUG"
grep -q "DEBUG:" "$T/err" || fail "no DEBUG output"
grep -q "BEGIN PUBLIC KEY" "$T/out" || fail "keygen printed no public key"

step "no such token: ERROR and HINT show pin-value=REDACTED"
expect 11 "no token matches" keygen --key-alias k2 --key-backend pkcs11 \
	--token-uri "pkcs11:token=nosuch?pin-value=$PINENC" "${MOD[@]}"
no_secret "no such token"
redacted "ERROR:"
redacted "HINT: check --token-uri"
[ ! -e "$KS/keys/k2.p11" ] || fail "a key file was left for k2"
hwe -l DEBUG keygen --key-alias k2 --key-backend pkcs11 --token-uri "pkcs11:token=nosuch?pin-value=$PINENC" "${MOD[@]}"
[ "$rc" -eq 11 ] || fail "no such token at DEBUG: exit $rc"
no_secret "no such token at DEBUG"
redacted "DEBUG: error recorded"

step "wrong PIN in the URI, at DEBUG"
hwe -l DEBUG keygen --key-alias k3 --key-backend pkcs11 --token-uri "pkcs11:token=hwe-red?pin-value=$WRONG" "${MOD[@]}"
[ "$rc" -eq 11 ] || { cat "$T/err"; fail "wrong PIN: exit $rc"; }
grep -q "CKR_PIN_INCORRECT" "$T/err" || { cat "$T/err"; fail "wrong PIN not reported"; }
no_secret "wrong PIN"
redacted "ERROR:"

step "a bad URI with a PIN: usage error, redacted"
expect 2 "bad --token-uri" keygen --key-alias k4 --key-backend pkcs11 \
	--token-uri "pkcs11:token=hwe-red;id=%zz?pin-value=$PINENC" "${MOD[@]}"
no_secret "bad URI"
redacted "ERROR:"

step "a key file that holds a pin-value: show, show --json, load at DEBUG"
uri=$(cat "$KS/keys/k1.p11")
printf '%s?pin-value=%s\n' "$uri" "$PINENC" >"$KS/keys/k5.p11"
chmod 600 "$KS/keys/k5.p11"
ok show --key-alias k5
no_secret "show"
grep -q "key: .*pin-value=REDACTED" "$T/out" || { cat "$T/out"; fail "show does not say pin-value=REDACTED"; }
ok -l DEBUG show --key-alias k5 --json
no_secret "show --json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "pin-value=REDACTED" in d[0]["key"], d' "$T/out" ||
	fail "show --json"
mkdir -p "$KS/conf"
printf 'commonName=red\n' >"$KS/conf/d.conf"
# the key is loaded (with the PIN from the file); then the run stops at the
# empty trust store (exit 5), before the CSR (signed after the handshake)
hwe -l DEBUG enroll --uri https://127.0.0.1:9/.well-known/est/simpleenroll --key-alias k5 \
	--csr-conf d.conf "${MOD[@]}"
[ "$rc" -eq 5 ] || { cat "$T/err"; fail "enroll with the key file: exit $rc, expected 5"; }
grep -q "DEBUG: pkcs11: providers default and .* loaded" "$T/err" || { cat "$T/err"; fail "the key was not used"; }
no_secret "enroll at DEBUG"
# the same key file naming a token that is gone: the load error shows the URI
sed 's/token=hwe-red/token=gone/' "$KS/keys/k5.p11" >"$T/k6" && cp "$T/k6" "$KS/keys/k6.p11" && chmod 600 "$KS/keys/k6.p11"
hwe -l DEBUG enroll --uri https://127.0.0.1:9/.well-known/est/simpleenroll --key-alias k6 \
	--csr-conf d.conf "${MOD[@]}"
[ "$rc" -eq 11 ] || { cat "$T/err"; fail "enroll with a key file of a missing token: exit $rc"; }
no_secret "load error at DEBUG"
redacted "ERROR: cannot load key"

step "the provider's own messages (openssl pkey)"
out=$(HWENROLL_PKCS11_MODULE=$SOFTHSM_MODULE openssl_p11 pkey -in "pkcs11:token=nosuch;object=k1;type=private?pin-value=$PINENC" -pubout 2>&1 |
	grep hwenroll-pkcs11: || true)
[ -n "$out" ] || fail "no provider error for an unknown token"
printf '%s\n' "$out" | grep -qF -e "$PIN" -e "$PINENC" && { printf '%s\n' "$out"; fail "the provider printed the PIN"; }
printf '%s\n' "$out" | grep -q "pin-value=REDACTED" || { printf '%s\n' "$out"; fail "the provider does not say pin-value=REDACTED"; }
exit 0
