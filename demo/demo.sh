#!/bin/bash
# demo.sh BUILD_DIR - the main job end to end, on loopback, in a temp dir:
# swtpm (+ tpm2-abrmd) and the test EST server are started, a key is
# generated inside the TPM, enrolled with HTTP Basic, re-enrolled over
# mutual TLS signed by the TPM key (renew, then --rekey), and shown; then an
# attestation key is made and a second key enrolled with TPM key attestation
# at a server that verifies it.
# Every process started here is stopped by its PID on exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
export HWE_TOP_SRCDIR=$top HWE_TOP_BUILDDIR=$build
export HWENROLL=$build/src/hwenroll ESTSERVER=$build/test/estserver/hwe-estserver
for prog in "$HWENROLL" "$ESTSERVER"; do
	[ -x "$prog" ] || { echo "demo: '$prog' is not built: run 'make demo' in '$build' (or ./dev demo)" >&2; exit 1; }
done
# lib-estserver.sh owns the EXIT trap: it runs the hwe_at_exit commands
# (newest first), stops the EST servers and removes the hwe_mktemp dirs, on
# every way out (success, error, INT, TERM, HUP)
umask 022 # hwenroll refuses keystore and CSR config files others can write
. "$top/test/integration/lib-estserver.sh"
hwe_mktemp T
hwe_at_exit '"$top/swtpm-fixtures/tpm-stop" "$T/tpm"'

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "== starting swtpm with tpm2-abrmd (resource manager) in $T/tpm"
"$top/swtpm-fixtures/tpm-start" "$T/tpm" --abrmd >/dev/null
. "$T/tpm/env"
export HWENROLL_TCTI
echo "   TCTI: $HWENROLL_TCTI"

echo "== starting the test EST server (Basic auth; reenroll needs a client certificate)"
printf 'demo-passcode\n' >"$T/pass"
chmod 600 "$T/pass"
est_start "$T/est" --user demo --pass-file "$T/pass"
URI=$(est_url "$T/est" devicetrustmanager/IOT_demo/device-group/0001 simpleenroll)
echo "   EST_URI: $URI"

KS=$T/keystore
mkdir -p "$KS/ca" "$KS/conf"
cp "$T/est/tls-ca.pem" "$KS/ca/tls-root.pem"
cp "$top/conf/sample_est_csr.conf" "$KS/conf/"
hwe() { "$HWENROLL" -k "$KS" "$@"; }

say hwenroll tpm
hwe tpm
say hwenroll cacerts --uri "\$EST_URI"
hwe cacerts --uri "$URI"
say "hwenroll enroll --uri \$EST_URI --key-alias device --csr-conf sample_est_csr.conf --key-backend tpm2 --algorithm ECC --curve P256 --estc-user demo --estc-pass-file pass --log-level INFO"
hwe enroll --uri "$URI" --key-alias device --csr-conf sample_est_csr.conf --key-backend tpm2 \
	--algorithm ECC --curve P256 --estc-user demo --estc-pass-file "$T/pass" --log-level INFO | openssl x509 -noout -subject -serial -enddate
say "head -1 keys/device.tss2   # a TPM-wrapped blob, not a private key"
head -1 "$KS/keys/device.tss2"
say "hwenroll reenroll --uri \$EST_URI --key-alias device --log-level INFO   # mutual TLS, the TPM signs the handshake"
hwe reenroll --uri "$URI" --key-alias device --log-level INFO | openssl x509 -noout -subject -serial -enddate
say "hwenroll reenroll --uri \$EST_URI --key-alias device --rekey   # new TPM key, swapped in after the new certificate verifies"
hwe reenroll --uri "$URI" --key-alias device --rekey | openssl x509 -noout -subject -serial -enddate
say hwenroll show
hwe show
say "tail -3 requests.log   # the EST server saw the TPM-held client certificate"
tail -3 "$T/est/requests.log"

echo
echo "== key attestation: an attestation key (AK) in the TPM, certified by a lab \"manufacturer\" CA,"
echo "   and an EST server that issues only to keys the AK proves were born in this TPM"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/mfg-ca.key" -out "$T/mfg-ca.pem" \
	-subj /CN=demo-manufacturer-CA -days 30 -addext basicConstraints=critical,CA:TRUE 2>/dev/null
est_start "$T/est-att" --user demo --pass-file "$T/pass" --require-attestation --attestation-ca "$T/mfg-ca.pem"
cp "$T/est-att/tls-ca.pem" "$KS/ca/tls-root-attest.pem"
AURI=$(est_url "$T/est-att" simpleenroll)
say "hwenroll tpm --create-ak"
hwe tpm --create-ak | grep '^attestation'
say "hwenroll tpm --ak-csr > ak.csr   # a CSR signed by the AK; the lab CA certifies it"
hwe tpm --ak-csr >"$T/ak.csr"
openssl x509 -req -in "$T/ak.csr" -CA "$T/mfg-ca.pem" -CAkey "$T/mfg-ca.key" -days 30 -out "$T/ak.pem" 2>/dev/null
cat "$T/ak.pem" "$T/mfg-ca.pem" >"$T/ak-chain.pem"
say "hwenroll enroll --uri \$ATTEST_URI --key-alias attested --csr-conf sample_est_csr.conf --key-backend tpm2 --attest --ak-cert ak-chain.pem --estc-user demo --estc-pass-file pass --log-level INFO"
hwe enroll --uri "$AURI" --key-alias attested --csr-conf sample_est_csr.conf --key-backend tpm2 --attest \
	--ak-cert "$T/ak-chain.pem" --estc-user demo --estc-pass-file "$T/pass" --log-level INFO |
	openssl x509 -noout -subject -ext certificatePolicies
say "grep attestation est-att/server.log   # what the EST server verified"
grep "attestation verified" "$T/est-att/server.log"
say "hwenroll show --key-alias attested | grep attested"
hwe show --key-alias attested | grep '^attested'
echo
echo "demo complete: TPM key enrolled and re-enrolled over mutual TLS; a TPM key attested to the CA"
