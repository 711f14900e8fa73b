# lib-attest.sh - the attestation set-up the tpm2_attest_* tests share
# (source after lib.sh and swtpm-fixtures/test-lib.sh, with a TPM fixture
# started):
#   attest_pki                  $T/mfg-ca.{pem,key}: the "manufacturer" CA the
#                               server trusts; $T/other-ca.{pem,key}: one it does not
#   attest_ak HANDLE ALG CA     create the AK at HANDLE (ECC|RSA) with hwenroll
#                               tpm, certify its --ak-csr with CA (mfg-ca,
#                               other-ca): $T/ak-HANDLE-CA.pem = AK cert + CA cert
#   attest_srv DIR [ARGS...]    the test EST server verifying attestation
#                               against mfg-ca; ks_init for it
attest_pki() {
	local ca
	for ca in mfg-ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$ca.key" \
			-out "$T/$ca.pem" -subj "/CN=$ca" -days 30 \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null ||
			fail "openssl: $ca"
	done
}

attest_ak() {
	local h=$1 alg=$2 ca=$3
	ok tpm --create-ak --algorithm "$alg" --ak-handle "$h"
	ok tpm --ak-handle "$h" --ak-csr
	cp "$T/out" "$T/ak-$h.csr"
	openssl x509 -req -in "$T/ak-$h.csr" -CA "$T/$ca.pem" -CAkey "$T/$ca.key" -days 30 \
		-extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=2.23.133.8.3\n') \
		-out "$T/ak-$h-$ca.cert" 2>/dev/null || fail "openssl: certify the AK with $ca"
	cat "$T/ak-$h-$ca.cert" "$T/$ca.pem" >"$T/ak-$h-$ca.pem"
}

attest_srv() {
	local dir=$1
	shift
	est_start "$dir" --require-attestation --attestation-ca "$T/mfg-ca.pem" "$@" || fail "est_start"
	rm -rf "$KS"
	ks_init "$dir"
}
