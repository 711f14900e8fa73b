#!/bin/bash
# The reference workflow's `certificate est` form with a TPM key: enroll
# (key generated in the TPM), renew and --rekey over mutual TLS, with the
# TCTI from HWENROLL_TCTI and the credentials from EST_USERNAME/EST_PASS.
. "$(dirname "$0")/lib.sh"
set -e
need openssl swtpm
"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-start" "$T/tpm" >"$T/tpm.log" 2>&1 || { cat "$T/tpm.log"; fail "tpm-start"; }
hwe_on_exit "\"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop\" \"$T/tpm\" >/dev/null 2>&1"
. "$T/tpm/env"
export HWENROLL_TCTI
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
ks_init "$T/srv" iot-tpm-001
LABEL=devicetrustmanager/IOT_4on9ypzu/device-group/33318f48-1177-4233-ad1f-f69ea541d703
export EST_USERNAME=device EST_PASS
EST_PASS=$(cat "$T/pass")

step "enroll in the certificate est form with --key-backend tpm2"
ok certificate est --algorithm ECC --curve P384 --uri "$(est_url "$T/srv" "$LABEL" simpleenroll)" \
	--csr-conf device.conf --key-alias tpmKey --key-backend tpm2 --log-level INFO
check_cert tpmKey "$T/srv"
head -1 "$KS/keys/tpmKey.tss2" | grep -q "BEGIN TSS2 PRIVATE KEY" || fail "not a TSS2 key file"
openssl x509 -in "$KS/certs/tpmKey.pem" -noout -text | grep -q "NIST CURVE: P-384" || fail "not P-384"
pub=$(cert_pub tpmKey)

step "renew: the same command with /simplereenroll (TLS signed by the TPM)"
: >"$T/srv/requests.log"
ok certificate est --algorithm ECC --curve P384 --uri "$(est_url "$T/srv" "$LABEL" simplereenroll)" \
	--csr-conf device.conf --key-alias tpmKey --log-level INFO
[ "$(cert_pub tpmKey)" = "$pub" ] || fail "renew changed the key"
grep -q "simplereenroll 200 client=.*CN=iot-tpm-001" "$T/srv/requests.log" || fail "no client certificate seen"

step "--rekey in the same form"
ok certificate est --uri "$(est_url "$T/srv" "$LABEL" simplereenroll)" --key-alias tpmKey --rekey
[ "$(cert_pub tpmKey)" != "$pub" ] || fail "--rekey kept the key"
ok show --key-alias tpmKey
grep -q "backend: *tpm2" "$T/out" && grep -q "status: *valid" "$T/out" || { cat "$T/out"; fail "show"; }
exit 0
