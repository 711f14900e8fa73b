#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A replaced token key is deleted even when the module has more than 64
# slots (issue 10, bug 7): the key objects are found through p11-kit's
# iterator, not a fixed-size slot list that silently deleted nothing on
# CKR_BUFFER_TOO_SMALL.
. "$(dirname "$0")/lib.sh"
set -e
need openssl softhsm2-util pkcs11-tool
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -r "$SOFTHSM_MODULE" ] || skip "SoftHSM module not installed"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
step "70 tokens (SoftHSM lists 71 slots)"
for i in $(seq 1 70); do
	softhsm2-util --init-token --free --label "tok$i" --so-pin 5678 --pin 1234 >/dev/null
done
printf '1234\n' >"$T/pin"
chmod 600 "$T/pin"
P11=(--key-backend pkcs11 --pkcs11-module "$SOFTHSM_MODULE" --token-uri 'pkcs11:token=tok70' --pin-file "$T/pin")
keys() { pkcs11-tool --module "$SOFTHSM_MODULE" --token-label tok70 -l -p 1234 -O 2>/dev/null | grep -c "Key Object" || true; }

step "a key on the 70th token, then replaced (keygen --force): the old key objects leave the token"
ok keygen --key-alias k "${P11[@]}"
[ "$(keys)" = 2 ] || fail "expected the new key pair on tok70, found $(keys) key objects"
old=$(cat "$KS/keys/k.p11")
ok keygen --key-alias k "${P11[@]}" --force
[ "$(cat "$KS/keys/k.p11")" != "$old" ] || fail "keygen --force kept the old key"
[ "$(keys)" = 2 ] || fail "the replaced key is still on the token: $(keys) key objects"
echo "PASS: the replaced key was deleted from the 70th of 71 slots"
