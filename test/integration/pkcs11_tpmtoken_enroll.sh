#!/bin/bash
# A TPM-backed PKCS#11 token (tpm2-pkcs11 on a private swtpm with
# tpm2-abrmd): hwenroll enrolls an EC P-256 key generated on it and renews
# over mutual TLS signed by it, the renewal in the reference workflow's
# `certificate est` form.
. "$(dirname "$0")/lib.sh"
set -e
need openssl swtpm tpm2_ptool
TPM2_MODULE=${TPM2_MODULE:-/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so}
[ -r "$TPM2_MODULE" ] || skip "tpm2-pkcs11 module not installed"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR
"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-start" "$T/tpm" --abrmd >"$T/tpm.log" 2>&1 || { cat "$T/tpm.log"; fail "tpm-start"; }
hwe_on_exit "\"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop\" \"$T/tpm\" >/dev/null 2>&1"
. "$T/tpm/env"
export TPM2_PKCS11_STORE=$T/tpm2-store TPM2_PKCS11_LOG_LEVEL=0 TPM2_PKCS11_TCTI=$HWENROLL_TCTI TPM2TOOLS_TCTI=$HWENROLL_TCTI
mkdir -p "$TPM2_PKCS11_STORE"
ptool() { env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null tpm2_ptool "$@"; }
ptool init --primary-handle=0x81000001 --path "$TPM2_PKCS11_STORE" >>"$T/tpm.log" 2>&1
ptool addtoken --pid=1 --label=tpm-tok --userpin=2468 --sopin=97531 --path "$TPM2_PKCS11_STORE" >>"$T/tpm.log" 2>&1 \
	|| { cat "$T/tpm.log"; fail "tpm2_ptool addtoken"; }
printf '2468\n' >"$T/pin"
chmod 600 "$T/pin"

pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
ks_init "$T/srv" tpm-token-device
URL=$(est_url "$T/srv" devicetrustmanager/IOT_x/device-group/7 simpleenroll)

step "enroll: EC P-256 key generated on the TPM-backed token"
ok enroll --uri "$URL" --key-alias tok --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" \
	--key-backend pkcs11 --pkcs11-module "$TPM2_MODULE" --token-uri 'pkcs11:token=tpm-tok' --pin-file "$T/pin" \
	--algorithm ECC --curve P256
check_cert tok "$T/srv"
grep -q '^pkcs11:.*token=tpm-tok' "$KS/keys/tok.p11" || fail "key file is not a token URI"
grep -q 2468 "$KS/keys/tok.p11" && fail "PIN in the key file"
pub=$(cert_pub tok)

step "renew over mutual TLS signed on the TPM token (certificate est form)"
: >"$T/srv/requests.log"
ok certificate est --uri "$(est_url "$T/srv" devicetrustmanager/IOT_x/device-group/7 simplereenroll)" \
	--key-alias tok --pkcs11-module "$TPM2_MODULE" --pin-file "$T/pin" --log-level INFO
[ "$(cert_pub tok)" = "$pub" ] || fail "renew changed the key"
grep -q "simplereenroll 200 client=.*CN=tpm-token-device" "$T/srv/requests.log" \
	|| { cat "$T/srv/requests.log"; fail "server did not see the token key's certificate"; }
grep -q 2468 "$T/err" "$T/out" && fail "PIN in the output"
exit 0
