#!/bin/bash
# tpm2 keys end to end with the test EST server: enroll, reenroll (renew,
# TLS client auth with the TPM key) and reenroll --rekey for ECC P-256/P-384
# and RSA 2048/3072 directly on swtpm (three object slots, no resource
# manager) and ECC P-256 through tpm2-abrmd; the server saw the TPM key's
# certificate; the TPM commands of an ECC enroll/reenroll (pcap TCTI) hold
# no hashing, verification, RNG or primary creation; failures leave the
# keystore byte-identical.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need python3
pw_init

enroll_args() { echo --uri "$(est_url "$T/srv" "" simpleenroll)" --csr-conf device.conf \
	--estc-user device --estc-pass-file "$T/pass" --key-backend tpm2; }
reenroll_url() { est_url "$T/srv" "" simplereenroll; }
key_pub() { TPM2OPENSSL_TCTI=$TPM_TCTI openssl pkey -provider tpm2 -provider default -in "$KS/keys/$1.tss2" -pubout; }

run_case() { # MODE ALIAS KEYARGS...
	local mode=$1 alias=$2
	shift 2
	rm -rf "$KS"
	ks_init "$T/srv" "$alias"
	step "[$mode $alias] enroll"
	ok enroll $(enroll_args) --key-alias "$alias" --tcti "$TPM_TCTI" "$@"
	check_cert "$alias" "$T/srv"
	[ "$(head -n1 "$KS/keys/$alias.tss2")" = "-----BEGIN TSS2 PRIVATE KEY-----" ] || fail "key file is not TSS2"
	cmp -s <(key_pub "$alias") <(openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey) ||
		fail "certificate does not carry the TPM key"
	local pub1 serial1 keysum1
	pub1=$(cert_pub "$alias")
	serial1=$(openssl x509 -in "$KS/certs/$alias.pem" -noout -serial)
	keysum1=$(sha256sum <"$KS/keys/$alias.tss2")

	step "[$mode $alias] reenroll: renew over TLS client auth with the TPM key"
	: >"$T/srv/requests.log"
	ok reenroll --uri "$(reenroll_url)" --key-alias "$alias" --tcti "$TPM_TCTI"
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" = "$pub1" ] || fail "renew changed the key"
	[ "$(openssl x509 -in "$KS/certs/$alias.pem" -noout -serial)" != "$serial1" ] || fail "no new certificate"
	[ "$(sha256sum <"$KS/keys/$alias.tss2")" = "$keysum1" ] || fail "renew rewrote the key file"
	grep -q "POST .*/simplereenroll 200 client=.*CN *= *$alias" "$T/srv/requests.log" ||
		{ cat "$T/srv/requests.log"; fail "server did not see the TPM key's certificate"; }

	step "[$mode $alias] reenroll --rekey: new TPM key, same subject"
	local subj1
	subj1=$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)
	ok reenroll --uri "$(reenroll_url)" --key-alias "$alias" --rekey --tcti "$TPM_TCTI"
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" != "$pub1" ] || fail "--rekey kept the old key"
	[ "$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)" = "$subj1" ] || fail "subject changed"
	[ "$(head -n1 "$KS/keys/$alias.tss2")" = "-----BEGIN TSS2 PRIVATE KEY-----" ] || fail "new key file is not TSS2"
	cmp -s <(key_pub "$alias") <(openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey) ||
		fail "stored key does not match the new certificate"
	[ "$(est_log_count "$T/srv" "simplereenroll 200 client=.*CN *= *$alias")" = 2 ] || fail "rekey without client cert"

	step "[$mode $alias] the new key authenticates the next renewal"
	ok reenroll --uri "$(reenroll_url)" --key-alias "$alias"   # TCTI from the environment
	hwe show --key-alias "$alias"
	grep -q "TPM 2.0 key, parent 0x81000001" "$T/out" || { cat "$T/out"; fail "show"; }
	if [ "$mode" = direct ]; then
		[ -z "$(tpm2_getcap -T "$SWTPM_TCTI" handles-transient)" ] || fail "objects left loaded in the TPM"
	fi
}

tpm_fixture "$T/tpm"
est_start "$T/srv" --user device --pass-file "$T/pass"
run_case direct ecp256 --algorithm ECC --curve P256
run_case direct ecp384 --algorithm ECC --curve P384
run_case direct rsa2048 --algorithm RSA --size 2048
run_case direct rsa3072 --algorithm RSA --size 3072

step "TPM commands of an ECC enroll and reenroll (pcap TCTI)"
rm -rf "$KS"
ks_init "$T/srv" pcapdev
check_cmds() { # NAME FILE
	local seq bad
	seq=$(tpm_pcap_cmds "$2")
	echo "$1: $seq" >&2
	for bad in Hash HashSequenceStart SequenceUpdate SequenceComplete VerifySignature \
		LoadExternal GetRandom StirRandom CreatePrimary; do
		case " $seq " in *" $bad "*) fail "$1 sent TPM2_$bad" ;; esac
	done
	case "$seq" in *rc=*) fail "$1: a TPM command failed: $seq" ;; esac
	echo "$seq"
}
TCTI_PCAP_FILE=$T/enroll.pcap ok enroll $(enroll_args) --key-alias pcapdev --tcti "pcap:$SWTPM_TCTI" --algorithm ECC
s=$(check_cmds enroll "$T/enroll.pcap")
[ "$(grep -ow Create <<<"$s" | wc -l)" = 1 ] || fail "enroll: not one TPM2_Create"
[ "$(grep -ow Sign <<<"$s" | wc -l)" = 1 ] || fail "enroll: not one TPM2_Sign"
TCTI_PCAP_FILE=$T/reenroll.pcap ok reenroll --uri "$(reenroll_url)" --key-alias pcapdev --tcti "pcap:$SWTPM_TCTI"
s=$(check_cmds reenroll "$T/reenroll.pcap")
[ "$(grep -ow Sign <<<"$s" | wc -l)" = 2 ] || fail "reenroll: not two TPM2_Sign (CSR + handshake)"
[ "$(grep -ow Create <<<"$s" | wc -l)" = 0 ] || fail "reenroll created a key"
TCTI_PCAP_FILE=$T/rekey.pcap ok reenroll --uri "$(reenroll_url)" --key-alias pcapdev --rekey --tcti "pcap:$SWTPM_TCTI"
s=$(check_cmds "reenroll --rekey" "$T/rekey.pcap")
[ "$(grep -ow Create <<<"$s" | wc -l)" = 1 ] || fail "rekey: not one TPM2_Create"

# keystore snapshots without the (empty) per-alias lock files, which the
# keystore creates on first use by design
ks_snap() { ks_snapshot "$1"; grep -v '\.lock$' "$T/snap.$1" >"$T/snap.$1.x"; mv "$T/snap.$1.x" "$T/snap.$1"; }
ks_same() {
	ks_snap after
	diff -u "$T/snap.$1" "$T/snap.after" >&2 || fail "keystore changed: $2"
}

step "failures leave the keystore byte-identical"
closed=$((SWTPM_PORT + 9))
while (exec 3<>"/dev/tcp/127.0.0.1/$closed") 2>/dev/null; do closed=$((closed + 1)); done
ks_snap before
expect 11 "cannot reach the TPM at 'swtpm:host=127.0.0.1,port=$closed'" \
	reenroll --uri "$(reenroll_url)" --key-alias pcapdev --tcti "swtpm:host=127.0.0.1,port=$closed"
once
ks_same before "reenroll with the TPM unreachable"
expect 11 "cannot reach the TPM" \
	reenroll --uri "$(reenroll_url)" --key-alias pcapdev --rekey --tcti "swtpm:host=127.0.0.1,port=$closed"
ks_same before "reenroll --rekey with the TPM unreachable"
expect 11 "parent key 0x81000007 does not exist" \
	enroll $(enroll_args) --key-alias other --tcti "$TPM_TCTI" --tpm-parent 0x81000007
once
ks_same before "enroll under a missing parent"
expect 11 "cannot load the TCTI 'nosuch:x'" enroll $(enroll_args) --key-alias other --tcti nosuch:x
ks_same before "enroll with an unknown TCTI"
if [ -x "$TPM_PROBE" ] && ! "$TPM_PROBE" keygen "$TPM_TCTI" rsa4096 "$T/r4.tss2" >/dev/null 2>&1; then
	expect 11 "does not support RSA 4096 keys" \
		enroll $(enroll_args) --key-alias other --tcti "$TPM_TCTI" --algorithm RSA --size 4096
	ks_same before "enroll of an unsupported key size"
fi
# the server goes away during --rekey: the new TPM key is generated, then dropped
url=$(reenroll_url)
est_stop "$T/srv"
hwe reenroll --uri "$url" --key-alias pcapdev --rekey --tcti "$TPM_TCTI"
[ "$rc" = 4 ] || { cat "$T/err"; fail "rekey against a stopped server exited $rc, expected 4"; }
ks_same before "reenroll --rekey against a stopped server"
# a different TPM (new state): the key file is refused, nothing changes
tpm_fixture "$T/tpm-other"
est_start "$T/srv" --user device --pass-file "$T/pass"
# the keystore trusts the restarted server's TLS CA (same DIR, same CA)
ks_snap before
expect 11 "made by another TPM" reenroll --uri "$(reenroll_url)" --key-alias pcapdev --tcti "$TPM_TCTI"
ks_same before "reenroll on another TPM"
"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop" "$T/tpm-other"
"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop" "$T/tpm"

step "through tpm2-abrmd (resource manager)"
tpm_fixture "$T/tpm-rm" --abrmd
run_case abrmd rmdev --algorithm ECC --curve P256
exit 0
