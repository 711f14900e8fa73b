#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11 keys (SoftHSM token): hwenroll renew from the enrollment profile,
# which carries the module, token URI and PIN file, so `renew --key-alias A`
# needs no other option: not due (no network), due (/simplereenroll over
# mutual TLS signed by the token key), --rekey (new token key, the old key
# objects gone: the token's object count is as before), 202 then resume
# with the same CSR, a PIN that no longer works (exit 11, nothing changed,
# a hint).  Appends to the renewal timeline (lib-renew.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-renew.sh"
set -e
need python3 pkcs11-tool
softhsm_setup
pw_init
printf '9999\n' >"$T/badpin"
chmod 600 "$T/badpin"

renew_dev_pkcs11
dev_unreachable() { echo --pin-file "$T/badpin"; }

est_start "$T/srv" "${RENEW_SRV_ARGS[@]}"
ks_init "$T/srv" p11-dev
renew_hw_scenario p11-dev --key-backend pkcs11 --pkcs11-module "$SOFTHSM_MODULE" \
	--token-uri 'pkcs11:token=hwe-tok' --pin-file "$T/pin"
grep -qx "pkcs11-module=$SOFTHSM_MODULE" "$KS/certs/p11-dev.profile" &&
	grep -qx "token-uri=pkcs11:token=hwe-tok" "$KS/certs/p11-dev.profile" &&
	grep -qx "pin-file=$T/pin" "$KS/certs/p11-dev.profile" || fail "profile lacks the device options"
grep -q 1234 "$KS/certs/p11-dev.profile" && fail "the PIN is in the profile"
tl_print
exit 0
