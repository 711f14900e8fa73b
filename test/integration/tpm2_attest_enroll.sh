#!/bin/bash
# enroll --attest with the server verifying the evidence
# (--require-attestation): ECC P-256 and RSA 2048 keys, TLS 1.3 and 1.2, an
# ECC and an RSA attestation key, directly on swtpm (one connection: the
# evidence is made before the tpm2 provider connects) and through
# tpm2-abrmd; the certificate carries the attested-key policy, the server
# logs attest=ok, reenroll --rekey --attest through tpm2-abrmd (refused
# with a clear reason on a single-client TCTI), the keystore records the AK (show, show --json; kept by a
# renewal with the same key, dropped by a re-key); the evidence in the CSR is
# checked without hwenroll: tpm2_print reads TPMS_ATTEST, the certified name
# is nameAlg || SHA-256(TPMT_PUBLIC), openssl verifies the AK's signature.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$HWE_TOP_SRCDIR/test/integration/lib-attest.sh"
set -e
tpm_need python3 tpm2_print
attest_pki

run() { # ALIAS AKHANDLE KEYARGS... : enroll --attest, check everything
	local alias=$1 h=$2
	shift 2
	: >"$T/srv/requests.log"
	ok enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --csr-conf device.conf --key-backend tpm2 \
		--tcti "$TPM_TCTI" --key-alias "$alias" --attest --ak-handle "$h" --ak-cert "$T/ak-$h-mfg-ca.pem" "$@"
	check_cert "$alias" "$T/srv"
	openssl x509 -in "$KS/certs/$alias.pem" -noout -text | grep -A1 "Certificate Policies" |
		grep -q "Policy: 1.3.6.1.4.1.32473.1.13.1" || fail "[$alias] no attested-key policy"
	grep -q "POST /.well-known/est/simpleenroll 200 .* attest=ok$" "$T/srv/requests.log" ||
		fail "[$alias] server log: $(cat "$T/srv/requests.log")"
	grep -q "attestation verified" "$T/srv/server.log" || fail "[$alias] server did not verify"
	grep -qx "ak-handle=$h" "$KS/certs/$alias.attest" || fail "[$alias] record: $(cat "$KS/certs/$alias.attest")"
	[ "$(stat -c %a "$KS/certs/$alias.attest")" = 644 ] || fail "[$alias] record mode"

	# the evidence, independently
	local ev=$T/ev-$alias
	mkdir -p "$ev"
	openssl req -in "$KS/req/$alias.csr" -outform DER -out "$ev/csr.der"
	python3 "$HWE_TOP_SRCDIR/test/integration/attest-evidence.py" "$ev/csr.der" "$ev" >"$ev/info"
	grep -qx "type=2.23.133.20.1 certs=2" "$ev/info" || fail "[$alias] bundle: $(cat "$ev/info")"
	# tpm2-tools 5.4 prints the TPMS_ATTEST header, then stops at the certify body
	tpm2_print -t TPMS_ATTEST "$ev/attest.bin" >"$ev/print" 2>&1 || true
	grep -qx "magic: ff544347" "$ev/print" || fail "[$alias] tpm2_print: $(cat "$ev/print")"
	grep -qx "type: 8017" "$ev/print" || fail "[$alias] not TPM_ST_ATTEST_CERTIFY"
	grep -Eqx "extraData: [0-9a-f]{64}" "$ev/print" || fail "[$alias] qualifyingData is not 32 bytes"
	# the certified name: 0022 000b SHA-256(TPMT_PUBLIC), then the qualified name
	local name
	name=0022000b$(openssl dgst -sha256 -binary "$ev/pub.tpmt" | od -An -tx1 | tr -d ' \n')
	od -An -tx1 "$ev/attest.bin" | tr -d ' \n' | grep -q "${name}0022000b" || fail "[$alias] certified name"
	# the TPMT_PUBLIC is the certificate's key (its x coordinate / modulus)
	openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
		od -An -tx1 | tr -d ' \n' >"$ev/spki.hex"
	local uniq
	uniq=$(od -An -tx1 -j $(($(stat -c %s "$ev/pub.tpmt") - 32)) "$ev/pub.tpmt" | tr -d ' \n')
	grep -q "$uniq" "$ev/spki.hex" || fail "[$alias] TPMT_PUBLIC is not the certificate's key"
	tpm2_readpublic -c "$h" -f pem -o "$ev/ak.pub" >/dev/null
	openssl x509 -in "$ev/certs.pem" -noout -pubkey | cmp -s - "$ev/ak.pub" || fail "[$alias] the bundle's AK certificate"
	openssl dgst -sha256 -verify "$ev/ak.pub" -signature "$ev/sig.der" "$ev/attest.bin" | grep -q "Verified OK" ||
		fail "[$alias] openssl does not verify the AK signature"
}

for mode in direct abrmd; do
	args=
	[ $mode = abrmd ] && args=--abrmd
	tpm_fixture "$T/tpm-$mode" $args
	attest_ak 0x81000100 ECC mfg-ca
	[ $mode = direct ] && attest_ak 0x81000101 RSA mfg-ca

	step "[$mode] TLS 1.3: ECC P-256 key, ECC AK"
	attest_srv "$T/srv"
	run "ec13-$mode" 0x81000100 --algorithm ECC
	RE=(reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "ec13-$mode" --tcti "$TPM_TCTI")
	if [ $mode = abrmd ]; then
		step "[$mode] reenroll --rekey --attest: the new key attested, TLS client auth with the old one"
		pub1=$(cert_pub "ec13-$mode")
		: >"$T/srv/requests.log"
		ok "${RE[@]}" --rekey --attest --ak-cert "$T/ak-0x81000100-mfg-ca.pem"
		[ "$(cert_pub "ec13-$mode")" != "$pub1" ] || fail "no new key"
		grep -q "POST /.well-known/est/simplereenroll 200 client=.* attest=ok$" "$T/srv/requests.log" ||
			fail "reenroll log: $(cat "$T/srv/requests.log")"
		openssl x509 -in "$KS/certs/ec13-$mode.pem" -noout -text | grep -q "Policy: 1.3.6.1.4.1.32473.1.13.1" ||
			fail "re-keyed certificate lacks the policy"
		[ -f "$KS/certs/ec13-$mode.attest" ] || fail "record after reenroll --rekey --attest"

		step "[$mode] renew --rekey from the profile: attested as enroll --attest was, nothing else passed"
		grep -qx "attest=1" "$KS/certs/ec13-$mode.profile" && grep -qx "ak-handle=0x81000100" "$KS/certs/ec13-$mode.profile" ||
			fail "the profile does not remember the attestation: $(cat "$KS/certs/ec13-$mode.profile")"
		pub1=$(cert_pub "ec13-$mode")
		: >"$T/srv/requests.log"
		ok renew --key-alias "ec13-$mode" --force --rekey
		[ "$(cert_pub "ec13-$mode")" != "$pub1" ] || fail "renew --rekey: no new key"
		grep -q "POST /.well-known/est/simplereenroll 200 client=.* attest=ok$" "$T/srv/requests.log" ||
			fail "renew log: $(cat "$T/srv/requests.log")"
		openssl x509 -in "$KS/certs/ec13-$mode.pem" -noout -text | grep -q "Policy: 1.3.6.1.4.1.32473.1.13.1" ||
			fail "the renewed certificate lacks the policy"
	else
		step "[$mode] reenroll --attest: only with --rekey, and only through a resource manager"
		ks_snapshot before
		expect 2 "--attest certifies a new key: re-enroll with --rekey --attest" "${RE[@]}" --attest \
			--ak-cert "$T/ak-0x81000100-mfg-ca.pem"
		expect 2 "reenroll --rekey --attest needs a TCTI that serves two clients" "${RE[@]}" --rekey --attest \
			--ak-cert "$T/ak-0x81000100-mfg-ca.pem"
		ks_unchanged before "reenroll --attest refused"
	fi
	if [ $mode = direct ]; then
		step "show: which AK attested the key; a key that was not attested"
		ok keygen --key-alias plain --key-backend tpm2 --tcti "$TPM_TCTI"
		ok show --key-alias ec13-direct
		grep -qx "attested:   yes, by the AK 0x81000100 (/CN=hwenroll attestation key 0x81000100, issued by /CN=mfg-ca, SHA-256 [0-9a-f]\{16\}...), bound to sha256(tls-exporter)" "$T/out" ||
			{ cat "$T/out"; fail "show: attested line"; }
		fp=$(openssl x509 -in "$T/ak-0x81000100-mfg-ca.cert" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
		ok show --json
		python3 - "$T/out" "$fp" <<'PY' || fail "show --json"
import json, sys
d = {a["alias"]: a for a in json.load(open(sys.argv[1]))}
att = d["ec13-direct"]["attestation"]
assert att["ak_handle"] == "0x81000100" and att["ak_issuer"] == "/CN=mfg-ca", att
assert att["ak_sha256"] == sys.argv[2] and att["qualifying_data"] == "sha256(tls-exporter)", att
assert d["plain"]["attestation"] is None, d["plain"]
PY
		ok show --key-alias plain
		grep -qx "attested:   no" "$T/out" || fail "show: not attested"
	fi
	if [ $mode = direct ]; then
		step "[$mode] TLS 1.3: RSA 2048 key, RSA AK"
		run rsa13 0x81000101 --algorithm RSA --size 2048
		est_stop "$T/srv"
		step "[$mode] TLS 1.2: ECC key (RSA AK) and RSA key (ECC AK)"
		attest_srv "$T/srv" --tls-max 1.2
		run ec12 0x81000101 --algorithm ECC
		grep -qx "qualifying-data=sha256(tls-unique)" "$KS/certs/ec12.attest" || fail "TLS 1.2 binding"
		run rsa12 0x81000100 --algorithm RSA --size 2048
		step "[$mode] the AK from the config file (ak-handle, ak-cert)"
		printf 'ak-handle=0x81000101\nak-cert=%s\n' "$T/ak-0x81000101-mfg-ca.pem" >"$T/hwenroll.conf"
		ok --config "$T/hwenroll.conf" enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --csr-conf device.conf \
			--key-backend tpm2 --tcti "$TPM_TCTI" --key-alias conf12 --attest
		grep -qx "ak-handle=0x81000101" "$KS/certs/conf12.attest" || fail "config ak-handle not used"
		est_stop "$T/srv"
		step "[$mode] the record follows the key: reenroll keeps it, reenroll --rekey (no evidence) drops it"
		est_start "$T/srv2" || fail "est_start"
		rm -rf "$KS"
		ks_init "$T/srv2"
		ok enroll --uri "$(est_url "$T/srv2" "" simpleenroll)" --csr-conf device.conf --key-backend tpm2 \
			--tcti "$TPM_TCTI" --key-alias rk --attest --ak-cert "$T/ak-0x81000100-mfg-ca.pem" --json
		python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["attested"] is True' "$T/out" || fail "enroll --json"
		[ -f "$KS/certs/rk.attest" ] || fail "no record"
		ok reenroll --uri "$(est_url "$T/srv2" "" simplereenroll)" --key-alias rk --tcti "$TPM_TCTI"
		[ -f "$KS/certs/rk.attest" ] || fail "renewal with the same key dropped the record"
		# renew from the profile (attest=1) with the same key: no evidence, the record stays
		: >"$T/srv2/requests.log"
		ok renew --key-alias rk --force
		grep -q "POST /.well-known/est/simplereenroll 200" "$T/srv2/requests.log" || fail "renew did not renew"
		[ -f "$KS/certs/rk.attest" ] || fail "renew with the same key dropped the record"
		ok reenroll --uri "$(est_url "$T/srv2" "" simplereenroll)" --key-alias rk --tcti "$TPM_TCTI" --rekey
		[ ! -e "$KS/certs/rk.attest" ] || fail "a new key kept the old key's attestation record"
		ok show --key-alias rk
		grep -qx "attested:   no" "$T/out" || fail "show after rekey"
		est_stop "$T/srv2"
		continue
	fi
	est_stop "$T/srv"
done
exit 0
