#!/bin/bash
# `hwenroll tpm`: reports a reachable TPM (manufacturer, vendor, firmware,
# family/revision, lockout, parent), table and --json; a missing parent is an
# error until --create-parent makes it (persistent, usable by the tpm2 key
# backend); a non-storage key at the handle is refused and left alone;
# lockout and an unreachable TPM are reported with the TCTI and the fix.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need python3
[ -x "$HWENROLL" ] || fail "no $HWENROLL"

for mode in direct abrmd; do
	args=
	[ $mode = abrmd ] && args=--abrmd
	tpm_fixture "$T/tpm-$mode" $args

	step "[$mode] table"
	ok tpm --tcti "$TPM_TCTI"
	grep -q "^TCTI  *$TPM_TCTI$" "$T/out" || fail "TCTI line"
	grep -q "^manufacturer  *IBM$" "$T/out" || { cat "$T/out"; fail "manufacturer"; }
	grep -q "^vendor  *SW  *TPM$" "$T/out" || fail "vendor"
	grep -Eq "^firmware  *[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$" "$T/out" || fail "firmware"
	grep -Eq "^family  *TPM 2.0, revision [0-9]+\.[0-9]{2}" "$T/out" || fail "family"
	grep -q "^lockout  *no " "$T/out" || fail "lockout"
	grep -q "^parent  *0x81000001: ECC NIST P-256 storage key (restricted, decrypt)$" "$T/out" || fail "parent"

	step "[$mode] the environment chain: HWENROLL_TCTI, then TPM2OPENSSL_TCTI"
	(export HWENROLL_TCTI=$TPM_TCTI; unset TPM2OPENSSL_TCTI; "$HWENROLL" tpm) | grep -q "^TCTI  *$TPM_TCTI$" || fail "HWENROLL_TCTI"
	(unset HWENROLL_TCTI; export TPM2OPENSSL_TCTI=$TPM_TCTI; "$HWENROLL" tpm) | grep -q "^TCTI  *$TPM_TCTI$" || fail "TPM2OPENSSL_TCTI"

	step "[$mode] --json, missing parent"
	hwe tpm --tcti "$TPM_TCTI" --tpm-parent 0x81000010 --json
	[ "$rc" = 11 ] || fail "missing parent exited $rc"
	grep -q "parent key 0x81000010 does not exist.*ERR_TPM" "$T/err" || fail "message"
	grep -q "HINT: create it with 'hwenroll tpm --create-parent --tpm-parent 0x81000010'" "$T/err" || fail "hint"
	python3 - "$T/out" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["reachable"] is True and d["manufacturer"] == "IBM", d
assert d["family"] == "2.0" and d["in_lockout"] is False, d
assert d["parent"] == "0x81000010" and d["parent_present"] is False and d["parent_usable"] is False, d
PY

	step "[$mode] --create-parent"
	ok tpm --tcti "$TPM_TCTI" --tpm-parent 0x81000010 --create-parent --json
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["parent_created"] and d["parent_usable"], d' "$T/out" || fail "json"
	tpm2_readpublic -c 0x81000010 | grep -q "noda|restricted|decrypt" || fail "parent attributes"
	ok tpm --tcti "$TPM_TCTI" --tpm-parent 0x81000010 --create-parent
	grep -q "(created now)" "$T/out" && fail "re-created an existing parent"
	# the new parent carries keys
	if [ -x "$TPM_PROBE" ]; then
		"$TPM_PROBE" keygen "$TPM_TCTI" ec256 "$T/k.tss2" 0x81000010 | grep -q "parent 0x81000010" || fail "keygen under the new parent"
		"$TPM_PROBE" sign "$TPM_TCTI" "$T/k.tss2" | grep -q "signature ok" || fail "sign under the new parent"
	fi
	tpm2_evictcontrol -Q -C o -c 0x81000010

	step "[$mode] a signing key at the handle is not a parent and is left alone"
	tpm2_createprimary -Q -C o -G ecc256 -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -c "$T/s.ctx"
	tpm2_evictcontrol -Q -C o -c "$T/s.ctx" 0x81000011
	tpm2_flushcontext -t 2>/dev/null || true
	expect 11 "0x81000011 .* is not a storage key" tpm --tcti "$TPM_TCTI" --tpm-parent 0x81000011 --create-parent
	once
	tpm2_readpublic -c 0x81000011 | grep -q "sign" || fail "the key at the handle was changed"
	tpm2_evictcontrol -Q -C o -c 0x81000011
	"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop" "$T/tpm-$mode"
done

step "lockout is reported"
tpm_fixture "$T/tpm-lock"
tpm2_dictionarylockout -Q -s -n 1 -t 600 -l 600
tpm2_create -Q -C 0x81000001 -G ecc -p right -u "$T/da.pub" -r "$T/da.priv"
tpm2_load -Q -C 0x81000001 -u "$T/da.pub" -r "$T/da.priv" -c "$T/da.ctx"
echo x >"$T/m"
tpm2_sign -c "$T/da.ctx" -p wrong -g sha256 -o "$T/sig" "$T/m" >/dev/null 2>&1 || true
tpm2_flushcontext -t
expect 11 "is in dictionary-attack lockout" tpm --tcti "$TPM_TCTI"
grep -q "^lockout  *IN LOCKOUT" "$T/out" || fail "table does not show the lockout"
grep -q "HINT: wait 600 s" "$T/err" || fail "hint"

step "unreachable TPM and unknown TCTI"
port=$((SWTPM_PORT + 11))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
expect 11 "cannot reach the TPM at 'swtpm:host=127.0.0.1,port=$port'" tpm --tcti "swtpm:host=127.0.0.1,port=$port"
once
expect 11 "cannot load the TCTI 'bogus:x'" tpm --tcti bogus:x
expect 11 "cannot open the TPM device '$T/none'" tpm --tcti "device:$T/none"
[ -s "$T/out" ] && fail "output on stdout for an unreachable TPM"
expect 2 "" tpm --tcti "$TPM_TCTI" extra-arg
exit 0
