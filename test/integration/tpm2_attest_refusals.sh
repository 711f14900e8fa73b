#!/bin/bash
# The verifying server (--require-attestation) refuses each wrong evidence
# with its reason, which the client shows (exit 7), logs attest=WORD, and
# the keystore stays byte-identical: no evidence; evidence for another key,
# for a duplicable key (fixedTPM clear), with a bad signature (made by the
# test-only build test/tpm/hwenroll-attest-faults); an AK certified by
# another CA; a replayed CSR (sent again on a new connection).  --attest is
# a usage error for PKCS#11 and software keys, without --ak-cert, for an
# existing alias, and against a missing AK.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$HWE_TOP_SRCDIR/test/integration/lib-attest.sh"
set -e
tpm_need python3 curl
FAULTS=$HWE_TOP_BUILDDIR/test/tpm/hwenroll-attest-faults
[ -x "$FAULTS" ] || fail "no $FAULTS (make check builds it)"
attest_pki
tpm_fixture "$T/tpm"
attest_ak 0x81000100 ECC mfg-ca
cp "$T/ak-0x81000100-mfg-ca.cert" "$T/ak-other.cert"
openssl x509 -req -in "$T/ak-0x81000100.csr" -CA "$T/other-ca.pem" -CAkey "$T/other-ca.key" -days 30 \
	-out "$T/ak-other.cert" 2>/dev/null
cat "$T/ak-other.cert" "$T/other-ca.pem" >"$T/ak-other.pem"
attest_srv "$T/srv"
URL=$(est_url "$T/srv" "" simpleenroll)
enroll() { echo enroll --uri "$URL" --csr-conf device.conf --key-backend tpm2 --tcti "$TPM_TCTI" --key-alias "$1"; }

refused() { # WORD MESSAGE ARGS... : refused by the server, nothing stored
	local word=$1 msg=$2
	shift 2
	: >"$T/srv/requests.log"
	ks_snapshot before
	expect 7 "attestation refused: $msg" "$@"
	once
	ks_unchanged before "refusal $word"
	grep -q "POST /.well-known/est/simpleenroll 403 .* attest=$word$" "$T/srv/requests.log" ||
		fail "log for $word: $(cat "$T/srv/requests.log")"
}

step "a CSR without evidence"
refused none "the CSR carries no attestation evidence" $(enroll a1)

step "an AK certified by another CA"
refused untrusted-ak "the attestation key's certificate does not chain to the attestation CA" \
	$(enroll a1) --attest --ak-cert "$T/ak-other.pem"

step "deliberately wrong evidence (test-only build)"
for f in other-key:"the evidence certifies another key than the CSR's" \
	duplicable:"the certified key can leave the TPM \(attributes 0x[0-9a-f]{8}: fixedTPM" \
	bad-signature:"the signature over TPMS_ATTEST is not made by the AK certificate's key"; do
	name=${f%%:*}
	HWENROLL=$FAULTS HWE_ATTEST_FAULT=$name refused "$name" "${f#*:}" \
		$(enroll a1) --attest --ak-cert "$T/ak-0x81000100-mfg-ca.pem"
done
# the same build makes good evidence without the variable
HWENROLL=$FAULTS ok $(enroll good) --attest --ak-cert "$T/ak-0x81000100-mfg-ca.pem"

step "a replayed CSR: the good one, sent again on a new connection"
: >"$T/srv/requests.log"
openssl req -in "$KS/req/good.csr" -outform DER | base64 >"$T/replay.b64"
curl -sS --cacert "$T/srv/tls-ca.pem" -H 'Content-Type: application/pkcs10' --data-binary @"$T/replay.b64" \
	-o "$T/replay.out" -w '%{http_code}\n' "$URL" >"$T/replay.code"
[ "$(cat "$T/replay.code")" = 403 ] || fail "replay answered $(cat "$T/replay.code")"
grep -q "attestation refused: the evidence is bound to another TLS connection" "$T/replay.out" ||
	fail "replay body: $(cat "$T/replay.out")"
grep -q " attest=replayed$" "$T/srv/requests.log" || fail "replay log: $(cat "$T/srv/requests.log")"

step "usage errors, before anything is touched"
ks_snapshot before
expect 2 "--attest: PKCS#11 tokens have no standard key attestation" \
	enroll --uri "$URL" --csr-conf device.conf --key-backend pkcs11 --key-alias p1 --attest --ak-cert "$T/ak-other.pem"
once
expect 2 "--attest: a software key cannot be attested" \
	enroll --uri "$URL" --csr-conf device.conf --key-alias s1 --attest --ak-cert "$T/ak-other.pem"
expect 2 "--attest needs the attestation key's certificate" $(enroll a2) --attest
expect 2 "--attest certifies a key this run creates; alias 'good' already has a key" \
	$(enroll good) --attest --ak-cert "$T/ak-0x81000100-mfg-ca.pem"
ks_unchanged before "usage errors"
expect 11 "--attest: no attestation key at 0x81000111" $(enroll a3) --attest --ak-handle 0x81000111 \
	--ak-cert "$T/ak-0x81000100-mfg-ca.pem"
ks_unchanged before "missing AK"
exit 0
