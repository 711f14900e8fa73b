#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11 key backend failures: exit class 11 (key backend) with
# ERR_PKCS11, the module/token named and the fix, the keystore untouched:
# no such module, no such token, wrong PIN, locked PIN, key not found,
# mechanism not supported, token full.  SoftHSM cannot lock a PIN, lack a
# mechanism or fill up: those go through test/pkcs11/p11-filter.so, which
# wraps SoftHSM and returns exactly what such a token returns.
. "$(dirname "$0")/lib.sh"
set -e
need openssl softhsm2-util
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -r "$SOFTHSM_MODULE" ] || skip "SoftHSM module not installed"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
[ -e "$HWE_PKCS11_PROVIDER_DIR/hwenroll-pkcs11.so" ] || fail "provider not built in $HWE_PKCS11_PROVIDER_DIR"
FILTER=$HWE_TOP_BUILDDIR/test/pkcs11/.libs/p11-filter.so
[ -e "$FILTER" ] || fail "test module $FILTER not built (make check builds it)"
export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR

mkdir -p "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label hwe-tok --so-pin 5678 --pin 1234 >/dev/null
printf '1234\n' >"$T/pin"
printf '9999\n' >"$T/badpin"
chmod 600 "$T/pin" "$T/badpin"
TOK=(--key-backend pkcs11 --token-uri 'pkcs11:token=hwe-tok')
mkdir -p "$KS"
nokey() { [ ! -e "$KS/keys/$1.p11" ] || fail "a key file was left for '$1'"; }
ks_init_conf() {
	mkdir -p "$KS/conf"
	printf 'commonName=p11-err\n' >"$KS/conf/device.conf"
}

step "working key first"
ok keygen --key-alias good "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin"
grep -q "BEGIN PUBLIC KEY" "$T/out" || fail "keygen printed no public key"

step "no such module"
expect 11 "cannot load PKCS#11 module '$T/nope.so'.*Status: -7720 \(ERR_PKCS11\)" \
	keygen --key-alias k1 "${TOK[@]}" --pkcs11-module "$T/nope.so" --pin-file "$T/pin"
grep -q "HINT: check --pkcs11-module" "$T/err" || { cat "$T/err"; fail "no module hint"; }
once
nokey k1

step "no such token"
expect 11 "no token matches 'pkcs11:token=other'" \
	keygen --key-alias k1 --key-backend pkcs11 --token-uri 'pkcs11:token=other' \
	--pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin"
grep -q "HINT: check --token-uri" "$T/err" || { cat "$T/err"; fail "no token hint"; }
grep -q "1234\|pin-value" "$T/err" && { cat "$T/err"; fail "the PIN was printed"; }
nokey k1

step "wrong PIN"
expect 11 "C_Login: CKR_PIN_INCORRECT" \
	keygen --key-alias k1 "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/badpin"
grep -q "HINT: the user PIN .* is wrong" "$T/err" || { cat "$T/err"; fail "no PIN hint"; }
once
nokey k1
grep -q 9999 "$T/err" && fail "the PIN was printed"

step "PIN from HWENROLL_PKCS11_PIN"
HWENROLL_PKCS11_PIN=1234 ok keygen --key-alias envpin "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE"

step "a key file that matches several private keys (issue 15 item 8)"
ks_init_conf
printf 'pkcs11:token=hwe-tok;type=private\n' >"$KS/keys/amb.p11"
chmod 600 "$KS/keys/amb.p11"
ks_snapshot before
expect 11 "'pkcs11:token=hwe-tok;type=private' matches 2 private keys: add id= or object= to the URI to name one" \
	enroll --uri https://127.0.0.1:9/.well-known/est/simpleenroll --key-alias amb \
	--csr-conf device.conf --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin"
grep -q "HINT: several key objects on .* match" "$T/err" || { cat "$T/err"; fail "no ambiguity hint"; }
once
ks_unchanged before "ambiguous key URI"
rm "$KS/keys/amb.p11"

step "a PIN over the provider's limit is an error, not cut (issue 15 item 8)"
printf '%0300d\n' 0 >"$T/longpin"
chmod 600 "$T/longpin"
printf '%05000d\n' 0 >"$T/hugepin"
chmod 600 "$T/hugepin"
ks_snapshot before
expect 11 "the PIN \(parameter pkcs11_pin\) is longer than 255 bytes" \
	keygen --key-alias k5 "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/longpin"
grep -q "HINT: the PIN is too long for the token" "$T/err" || { cat "$T/err"; fail "no long-PIN hint"; }
once
nokey k5
expect 11 "cannot load key .*the PIN \(parameter pkcs11_pin\) is longer than 255 bytes" \
	enroll --uri https://127.0.0.1:9/.well-known/est/simpleenroll --key-alias envpin \
	--csr-conf device.conf --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/longpin"
HWENROLL_PKCS11_PIN=$(cat "$T/longpin") expect 11 "longer than 255 bytes" \
	keygen --key-alias k5 "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE"
nokey k5
expect 3 "PIN file '$T/hugepin': the first line is longer than 4096 bytes" \
	keygen --key-alias k5 "${TOK[@]}" --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/hugepin"
once
ks_unchanged before "PIN too long"

step "key not found (the object is gone from the token)"
ks_init_conf
sed 's/object=good/object=gone/; s/id=[^;?]*/id=%00/' "$KS/keys/good.p11" >"$T/gone.p11"
cp "$T/gone.p11" "$KS/keys/good.p11"
expect 11 "no object matches .*object=gone" \
	enroll --uri https://127.0.0.1:9/.well-known/est/simpleenroll --key-alias good \
	--csr-conf device.conf --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin"
grep -q "HINT: the key object is gone" "$T/err" || { cat "$T/err"; fail "no key-not-found hint"; }
export P11_FILTER_MODULE=$SOFTHSM_MODULE

step "locked PIN"
P11_FILTER_LOCKED=1 expect 11 "C_Login: CKR_PIN_LOCKED" \
	keygen --key-alias k2 "${TOK[@]}" --pkcs11-module "$FILTER" --pin-file "$T/pin"
grep -q "HINT: the user PIN .* is locked" "$T/err" || { cat "$T/err"; fail "no locked hint"; }

step "mechanism not supported"
P11_FILTER_HIDE=0x1040 expect 11 "does not support CKM_EC_KEY_PAIR_GEN" \
	keygen --key-alias k3 "${TOK[@]}" --pkcs11-module "$FILTER" --pin-file "$T/pin"
grep -q "HINT: choose an algorithm" "$T/err" || { cat "$T/err"; fail "no mechanism hint"; }
P11_FILTER_HIDE=0x1040 ok keygen --key-alias k3 "${TOK[@]}" --algorithm RSA --size 2048 \
	--pkcs11-module "$FILTER" --pin-file "$T/pin"

step "token full"
P11_FILTER_FULL=1 expect 11 "CKR_DEVICE_MEMORY" \
	keygen --key-alias k4 "${TOK[@]}" --pkcs11-module "$FILTER" --pin-file "$T/pin"
grep -q "HINT: .* has no room" "$T/err" || { cat "$T/err"; fail "no token-full hint"; }
[ -e "$KS/keys/k4.p11" ] && fail "a key file was left for a failed keygen"
exit 0
