#!/bin/bash
# `hwenroll tpm --create-ak`: makes a restricted signing key (ECC P-256, RSA
# 2048) persistent at the default or --ak-handle, reuses it on a second run,
# shows it (table and --json); --ak-csr prints a CSR signed by the AK that
# openssl verifies; --ak-cert checks a certificate file or an NV index
# against the AK and refuses another key's certificate and a file others
# can write; a non-AK at the
# handle is refused.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need python3 tpm2_nvdefine tpm2_nvwrite
[ -x "$HWENROLL" ] || fail "no $HWENROLL"
tpm_fixture "$T/tpm"

step "no AK yet: shown as missing, not an error"
ok tpm
grep -q "^attestation  *0x81000100: missing$" "$T/out" || { cat "$T/out"; fail "missing AK line"; }
hwe tpm --ak-csr
[ "$rc" = 11 ] || fail "--ak-csr without an AK exited $rc"
grep -q "attestation key 0x81000100 does not exist" "$T/err" || fail "message: $(cat "$T/err")"
grep -q "HINT: create it with 'hwenroll tpm --create-ak --ak-handle 0x81000100'" "$T/err" || fail "hint"

step "--create-ak (ECC, default handle), then reuse"
ok tpm --create-ak --json
python3 - "$T/out" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ak"] == "0x81000100" and d["ak_present"] and d["ak_usable"] and d["ak_created"], d
assert d["ak_description"] == "ECC NIST P-256 restricted signing key (ECDSA)", d
PY
tpm2_readpublic -c 0x81000100 >"$T/pub"
grep -q "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|sign" "$T/pub" || fail "AK attributes: $(cat "$T/pub")"
tpm2_readpublic -c 0x81000100 -f pem -o "$T/ak1.pub" >/dev/null
ok tpm --create-ak
grep -q "(created now)" "$T/out" && fail "re-created an existing AK"
grep -q "^attestation  *0x81000100: ECC NIST P-256 restricted signing key (ECDSA)$" "$T/out" || fail "table"
tpm2_readpublic -c 0x81000100 -f pem -o "$T/ak2.pub" >/dev/null
cmp -s "$T/ak1.pub" "$T/ak2.pub" || fail "the AK changed on reuse"

step "--ak-csr: signed by the AK"
ok tpm --ak-csr
openssl req -in "$T/out" -verify -noout 2>&1 | grep -q "verify OK" || fail "CSR does not verify"
openssl req -in "$T/out" -noout -pubkey | cmp -s - "$T/ak1.pub" || fail "CSR key is not the AK"
openssl req -in "$T/out" -noout -subject | grep -q "CN = hwenroll attestation key 0x81000100" || fail "subject"
cp "$T/out" "$T/ak.csr"

step "--create-ak --algorithm RSA at --ak-handle"
ok tpm --create-ak --algorithm RSA --ak-handle 0x81000101
grep -q "^attestation  *0x81000101: RSA 2048 restricted signing key (RSASSA) (created now)$" "$T/out" || { cat "$T/out"; fail "RSA AK"; }
ok tpm --ak-handle 0x81000101 --ak-csr
openssl req -in "$T/out" -verify -noout 2>&1 | grep -q "verify OK" || fail "RSA CSR does not verify"
hwe tpm --algorithm RSA
[ "$rc" = 2 ] || fail "--algorithm without --create-ak exited $rc"

step "--ak-cert: a file (AK first, then the CA) and an NV index"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
	-subj /CN=mfg-ca -days 30 2>/dev/null
openssl x509 -req -in "$T/ak.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -out "$T/ak.pem" -days 30 2>/dev/null
cat "$T/ak.pem" "$T/ca.pem" >"$T/akchain.pem"
ok tpm --ak-cert "$T/akchain.pem"
grep -q "^ak certificate  */CN=hwenroll attestation key 0x81000100 (2 certificates, matches the AK)$" "$T/out" || { cat "$T/out"; fail "ak cert line"; }
openssl x509 -in "$T/ak.pem" -outform DER -out "$T/ak.der"
tpm2_nvdefine -Q -C o -s "$(stat -c %s "$T/ak.der")" -a "ownerread|ownerwrite|authread|authwrite" 0x01c00100
tpm2_nvwrite -Q -C o -i "$T/ak.der" 0x01c00100
ok tpm --ak-cert nv:0x01c00100 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "(1 certificate, matches the AK)" in d["ak_certificate"], d' "$T/out" || fail "nv json"
chmod g+w "$T/akchain.pem"
hwe tpm --ak-cert "$T/akchain.pem"
[ "$rc" = 3 ] || fail "a group-writable AK certificate file exited $rc"
grep -q "AK certificate file '$T/akchain.pem'" "$T/err" || fail "permission message: $(cat "$T/err")"
chmod g-w "$T/akchain.pem"
hwe tpm --ak-cert "$T/ca.pem"
[ "$rc" = 3 ] || fail "a foreign certificate exited $rc"
grep -q "the first certificate of '$T/ca.pem' is not for the attestation key 0x81000100" "$T/err" || fail "mismatch message"
hwe tpm --ak-cert nv:0x01c00101
[ "$rc" = 11 ] || fail "a missing NV index exited $rc"
grep -q "cannot read the NV index 0x01c00101" "$T/err" || fail "nv message: $(cat "$T/err")"

step "a key at the handle that is not an AK is refused and left alone"
hwe tpm --ak-handle 0x81000001 --create-ak
[ "$rc" = 11 ] || fail "parent as AK exited $rc"
grep -q "the key at 0x81000001 is not an attestation key" "$T/err" || fail "not-an-AK message"
ok tpm
grep -q "^parent  *0x81000001: ECC NIST P-256 storage key" "$T/out" || fail "parent changed"
exit 0
