#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# provider-errors.sh - failures say what failed, with the CK_RV name:
# no such module, no such token, wrong PIN, locked PIN, key not found,
# mechanism not supported, token full.  SoftHSM cannot be made to lack a
# mechanism, lock a PIN or run out of memory, so those three go through
# p11-filter.so, a test module that wraps SoftHSM and injects exactly that
# token answer (what real tokens return: CKR_MECHANISM_INVALID from
# C_GetMechanismInfo, CKR_PIN_LOCKED, CKR_DEVICE_MEMORY).
. "$(dirname "$0")/lib.sh"
p11_setup
cd "$WORK" || exit 1
FILTER=$HWE_TOP_BUILDDIR/test/pkcs11/.libs/p11-filter.so
keygen ec256 e-ec || { cat log; exit 1; }
keygen rsa2048 e-rsa || { cat log; exit 1; }
echo data >data

check_fails "no such module" "cannot load PKCS#11 module '$WORK/nope.so'" \
	env HWENROLL_PKCS11_MODULE="$WORK/nope.so" openssl pkey -in "$(keyuri e-ec)" -pubout
check_fails "no such token" "no token matches 'pkcs11:token=nosuch" \
	openssl pkey -in "pkcs11:token=nosuch;object=e-ec;type=private?pin-value=$PIN" -pubout
# (the openssl command itself echoes its -in argument: look at our lines only)
out=$(openssl pkey -in "pkcs11:token=nosuch;object=e-ec;type=private?pin-value=$PIN" -pubout 2>&1 | grep hwenroll-pkcs11:)
if [ -z "$out" ] || printf '%s' "$out" | grep -q "$PIN" || printf '%s' "$out" | grep -q "pin-value=[^R]"; then
	fail "an error message shows the PIN"
elif ! printf '%s' "$out" | grep -q "pin-value=REDACTED"; then
	fail "an error message does not say pin-value=REDACTED"
else
	pass "error messages do not show the PIN (pin-value=REDACTED)"
fi
check_fails "wrong PIN names CKR_PIN_INCORRECT" "cannot log in to token '$TOKEN'.*C_Login: CKR_PIN_INCORRECT" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-value=9999" -pubout
check_fails "no PIN at all says where to give one" "token '$TOKEN' needs a PIN" \
	openssl dgst -sha256 -passin pass: -sign "pkcs11:token=$TOKEN;object=e-ec;type=private" data
check_fails "missing pin-source file" "cannot open PIN file '$WORK/nopin'" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-source=$WORK/nopin" -pubout
printf '%s\n' "$PIN" >pin644
chmod 644 pin644
check_fails "pin-source file readable by others" "refusing PIN file '$WORK/pin644'.*mode 0644" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-source=$WORK/pin644" -pubout
check_fails "key not found" "no object matches 'pkcs11:token=$TOKEN;object=missing" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=missing;type=private?pin-value=$PIN" -pubout
check_fails "bad URI" "bad PKCS#11 URI" \
	openssl pkey -in "pkcs11:token=$TOKEN;id=%zz" -pubout
check_fails "keygen without a token URI" "needs the token URI" \
	openssl genpkey -propquery provider=hwenroll-pkcs11 -algorithm EC -pkeyopt group:P-256

# a key URI that matches several private keys is refused, with the count
# (two keys labelled "dup": P-256 and P-384, so their CKA_IDs differ)
keygen ec256 dup || { cat log; exit 1; }
keygen ec384 dup || { cat log; exit 1; }
check_fails "ambiguous object= names the count and the fix" \
	"'pkcs11:token=$TOKEN;object=dup;type=private\?pin-value=REDACTED' matches 2 private keys: add id= or object= to the URI to name one" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=dup;type=private?pin-value=$PIN" -pubout
check_fails "a token-only key URI matches every private key" "matches 4 private keys" \
	openssl pkey -in "pkcs11:token=$TOKEN;type=private?pin-value=$PIN" -pubout
check_fails "openssl pkey (expects a private key) without type= is refused too" "matches 4 private keys" \
	openssl pkey -in "pkcs11:token=$TOKEN?pin-value=$PIN" -pubout
check "id= picks one of them" openssl pkey -in "pkcs11:token=$TOKEN;object=dup;id=%c0%ff%00%33;type=private?pin-value=$PIN" -pubout -out dup384.pub
check "... the P-384 one" cmp dup384.pub "$WORK/dup.pub"
check "a listing (no type, no expectation) still returns every object" \
	sh -c "openssl storeutl -passin pass:$PIN 'pkcs11:token=$TOKEN?pin-value=$PIN' | grep -c '^[0-9]*: Pkey' | grep -qx 4"

# PINs over the provider's limit (255 bytes) are an error, never cut
long=$(printf 'p%.0s' $(seq 300))
max=$(printf 'p%.0s' $(seq 255))
check_fails "pin-value over 255 bytes" "the PIN in pin-value is longer than 255 bytes" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-value=$long" -pubout
printf '%s\n' "$long" >longpin
chmod 600 longpin
check_fails "pin-source over 255 bytes" "the PIN in PIN file '$WORK/longpin' is longer than 255 bytes" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-source=$WORK/longpin" -pubout
check_fails "HWENROLL_PKCS11_PIN over 255 bytes" "HWENROLL_PKCS11_PIN is longer than 255 bytes" \
	env HWENROLL_PKCS11_PIN="$long" openssl dgst -sha256 -passin pass: -sign "pkcs11:token=$TOKEN;object=e-ec;type=private" data
check_fails "a 255-byte PIN reaches the token whole (wrong PIN, not too long)" "C_Login: CKR_PIN_(INCORRECT|LEN_RANGE)" \
	openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-value=$max" -pubout
if openssl pkey -in "pkcs11:token=$TOKEN;object=e-ec;type=private?pin-value=$max" -pubout 2>&1 | grep -q "longer than"; then
	fail "a 255-byte PIN was called too long"
else
	pass "a 255-byte PIN is not too long"
fi
# (OpenSSL's UI itself refuses answers over 256 bytes: "result too large")
check_fails "a prompted PIN over 255 bytes" "PIN entered for token '$TOKEN' is longer than 255 bytes" \
	openssl pkey -passin "pass:${max}p" -in "pkcs11:token=$TOKEN;object=e-ec;type=private" -pubout

[ -e "$FILTER" ] || { fail "test module $FILTER not built"; finish; exit; }
export P11_FILTER_MODULE=$SOFTHSM_MODULE
# sanity: the filter passes everything through when told nothing
check "filter module passes through" env HWENROLL_PKCS11_MODULE="$FILTER" \
	openssl dgst -sha256 -sign "$(keyuri e-rsa)" -sigopt rsa_padding_mode:pss -out ok.sig data
check_fails "mechanism not supported (CKM_RSA_PKCS_PSS)" "token '$TOKEN' does not support CKM_RSA_PKCS_PSS" \
	env HWENROLL_PKCS11_MODULE="$FILTER" P11_FILTER_HIDE=0xd \
	openssl dgst -sha256 -sign "$(keyuri e-rsa)" -sigopt rsa_padding_mode:pss -out pss.sig data
check "PKCS#1 still works without CKM_RSA_PKCS_PSS" env HWENROLL_PKCS11_MODULE="$FILTER" \
	P11_FILTER_HIDE=0xd openssl dgst -sha256 -sign "$(keyuri e-rsa)" -out p1.sig data
check_fails "mechanism not supported (CKM_ECDSA) at sign init" "token '$TOKEN' does not support CKM_ECDSA" \
	env HWENROLL_PKCS11_MODULE="$FILTER" P11_FILTER_HIDE=0x1041 \
	openssl dgst -sha256 -sign "$(keyuri e-ec)" -out ec.sig data
check_fails "locked PIN names CKR_PIN_LOCKED" "C_Login: CKR_PIN_LOCKED" \
	env HWENROLL_PKCS11_MODULE="$FILTER" P11_FILTER_LOCKED=1 \
	openssl pkey -in "$(keyuri e-ec)" -pubout
check_fails "token full names CKR_DEVICE_MEMORY" "token '$TOKEN' is full.*CKR_DEVICE_MEMORY" \
	env HWENROLL_PKCS11_MODULE="$FILTER" P11_FILTER_FULL=1 "$P11TEST" --keygen "$TOKEN" "$PIN" ec256 full
finish
