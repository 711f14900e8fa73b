#!/bin/bash
# tpm2 key backend, driven directly (test/tpm/tpm-probe): keygen of ECC
# P-256/P-384 and RSA 2048/3072 under the persistent parent, the key file is
# a TSS2 PRIVATE KEY that names the parent, load + sign + verify (RSA also
# PSS), a CSR signed by the TPM verifies, the private key cannot be
# exported, and a key at a persistent handle is used by reference.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need
[ -x "$TPM_PROBE" ] || fail "no $TPM_PROBE (make check builds it)"

for mode in direct abrmd; do
	args=
	[ $mode = abrmd ] && args=--abrmd
	tpm_fixture "$T/tpm-$mode" $args
	algs="ec256 rsa2048"
	[ $mode = direct ] && algs="ec256 ec384 rsa2048 rsa3072"
	for alg in $algs; do
		step "[$mode] $alg: keygen"
		K=$T/$mode-$alg.tss2
		"$TPM_PROBE" keygen "$TPM_TCTI" $alg "$K" >"$T/out" || fail "keygen $alg"
		case $alg in
		ec256) grep -q "EC bits 256" "$T/out" ;;
		ec384) grep -q "EC bits 384" "$T/out" ;;
		rsa2048) grep -q "RSA bits 2048" "$T/out" ;;
		rsa3072) grep -q "RSA bits 3072" "$T/out" ;;
		esac || { cat "$T/out"; fail "wrong key type for $alg"; }
		grep -q "TPM 2.0 key, parent 0x81000001" "$T/out" || fail "describe: $(cat "$T/out")"
		[ "$(head -n1 "$K")" = "-----BEGIN TSS2 PRIVATE KEY-----" ] || fail "$alg: not a TSS2 PRIVATE KEY PEM"
		# the file is TPM-wrapped: no software private key inside
		openssl pkey -in "$K" -noout 2>/dev/null && fail "$alg: key file readable as a plain private key"
		# ASN.1: OID 2.23.133.10.1.3 (loadable key), parent 0x81000001
		openssl asn1parse -in "$K" >"$T/asn1" || fail "$alg: asn1parse"
		grep -q "2.23.133.10.1.3" "$T/asn1" || fail "$alg: not a TPM loadable key"
		grep -q "INTEGER *:81000001" "$T/asn1" || { cat "$T/asn1"; fail "$alg: parent not 0x81000001"; }

		step "[$mode] $alg: load, sign, verify"
		"$TPM_PROBE" sign "$TPM_TCTI" "$K" >"$T/out" || fail "sign $alg"
		grep -q "signature ok" "$T/out" || fail "sign $alg"
		case $alg in rsa*)
			"$TPM_PROBE" sign "$TPM_TCTI" "$K" pss | grep -q "signature ok.*PSS" || fail "PSS $alg"
		esac

		step "[$mode] $alg: the private key does not come out"
		"$TPM_PROBE" noexport "$TPM_TCTI" "$K" >"$T/pub.pem" || fail "noexport $alg"
		# the public key printed by the probe is the key's real public key
		TPM2OPENSSL_TCTI=$TPM_TCTI openssl pkey -provider tpm2 -provider default -in "$K" -pubout >"$T/pub2.pem" 2>"$T/err" ||
			{ cat "$T/err"; fail "openssl + tpm2 provider cannot read $alg"; }
		sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$T/pub.pem" | cmp -s - "$T/pub2.pem" || fail "$alg: public keys differ"
		# and openssl's own text dump shows no private value
		TPM2OPENSSL_TCTI=$TPM_TCTI openssl pkey -provider tpm2 -provider default -in "$K" -text -noout >"$T/text" 2>&1 || true
		grep -q '^Private-Key: (.*TPM 2.0)' "$T/text" || { cat "$T/text"; fail "$alg: not shown as a TPM key"; }
		grep -Eq '^(priv|privateExponent|prime1|exponent1|coefficient):' "$T/text" && { cat "$T/text"; fail "$alg: private value printed"; }

		step "[$mode] $alg: CSR signed in the TPM"
		"$TPM_PROBE" csr "$TPM_TCTI" "$K" "dev-$alg" "$T/$alg.csr" >/dev/null || fail "csr $alg"
		openssl req -in "$T/$alg.csr" -verify -noout 2>&1 | grep -q "verify OK" || fail "$alg CSR does not verify"
		cmp -s <(openssl req -in "$T/$alg.csr" -noout -pubkey) "$T/pub2.pem" || fail "$alg CSR carries another key"
	done
	# nothing left loaded by the probe runs (no resource manager in direct mode)
	[ -z "$(tpm2_getcap -T "$SWTPM_TCTI" handles-transient 2>/dev/null)" ] || [ $mode = abrmd ] ||
		fail "transient objects left in the TPM"
	"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop" "$T/tpm-$mode"
done

step "a key at a persistent handle, by reference"
tpm_fixture "$T/tpm-handle"
tpm2_createprimary -Q -C o -G ecc256 -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -c "$T/sig.ctx"
tpm2_evictcontrol -Q -C o -c "$T/sig.ctx" 0x81000002
tpm2_flushcontext -t
"$TPM_PROBE" handle "$TPM_TCTI" 0x81000002 "$T/h.tss2" >"$T/out" || fail "handle keygen"
[ "$(cat "$T/h.tss2")" = "handle:0x81000002" ] || fail "handle blob: $(cat "$T/h.tss2")"
grep -q "TPM 2.0 persistent key 0x81000002" "$T/out" || fail "describe handle: $(cat "$T/out")"
"$TPM_PROBE" sign "$TPM_TCTI" "$T/h.tss2" | grep -q "signature ok" || fail "sign with the persistent key"
"$TPM_PROBE" describe "$T/h.tss2" | grep -q "persistent key 0x81000002" || fail "describe"
exit 0
