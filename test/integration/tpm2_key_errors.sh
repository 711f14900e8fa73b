#!/bin/bash
# tpm2 key backend failures: each names the TCTI and the fix, exit class 11
# (key backend), status ERR_TPM: TPM unreachable, unknown TCTI module,
# missing device, missing parent, a key from another TPM, a missing
# persistent handle, object memory exhausted without a resource manager,
# dictionary-attack lockout, RSA 4096 not supported.  The TPM-specific
# hints hold when tpm2-openssl's error text carries only the number (the
# response code comes from tcti/rcwatch.c, not from that text).
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need
[ -x "$TPM_PROBE" ] || fail "no $TPM_PROBE (make check builds it)"

# probe_fails PATTERN ARGS...: tpm-probe must exit 11 and print PATTERN once
probe_fails() {
	local pat=$1
	shift
	set +e
	env ${PROBE_PRELOAD:+LD_PRELOAD="$PROBE_PRELOAD"} "$TPM_PROBE" "$@" >"$T/out" 2>"$T/err"
	local prc=$?
	set -e
	[ $prc -eq 11 ] || { cat "$T/err"; fail "tpm-probe $* exited $prc, expected 11"; }
	grep -Eq -- "$pat" "$T/err" || { cat "$T/err"; fail "tpm-probe $*: stderr lacks /$pat/"; }
	[ "$(grep -c 'ERROR:' "$T/err")" = 1 ] || { cat "$T/err"; fail "expected one ERROR line"; }
	grep -q 'HINT:' "$T/err" || { cat "$T/err"; fail "no hint"; }
	# the TSS library's own chatter is kept off stderr
	grep -q 'ERROR:tcti\|WARNING:tcti\|ERROR:esys' "$T/err" && { cat "$T/err"; fail "TSS log noise"; }
	return 0
}

# probe_nodecode PATTERN ARGS...: probe_fails with tpm2-openssl's error text
# reduced to the bare response-code number (test/tpm/rc-nodecode.c; in a
# sanitizer build the ASan runtime must come first)
NODECODE=$HWE_TOP_BUILDDIR/test/tpm/.libs/rc-nodecode.so
[ -f "$NODECODE" ] || fail "no $NODECODE (make check builds it)"
probe_nodecode() {
	local asan
	asan=$(ldd "$TPM_PROBE" 2>/dev/null | awk '/libasan/ {print $3}')
	PROBE_PRELOAD="${asan:+$asan }$NODECODE" ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		probe_fails "$@"
}

tpm_fixture "$T/tpm"

step "nothing listening on the TCTI port"
# the control port is ours and speaks another protocol; use a closed port
closed=$((SWTPM_PORT + 7))
while (exec 3<>"/dev/tcp/127.0.0.1/$closed") 2>/dev/null; do closed=$((closed + 1)); done
probe_fails "cannot reach the TPM at 'swtpm:host=127.0.0.1,port=$closed': connection failed.*ERR_TPM" \
	keygen "swtpm:host=127.0.0.1,port=$closed" ec256 "$T/x.tss2"
grep -q "HINT: is the TPM simulator or resource manager running" "$T/err" || fail "hint"
[ -e "$T/x.tss2" ] && fail "key file written"

step "unknown TCTI module"
probe_fails "cannot load the TCTI 'nosuchtcti:foo'" keygen "nosuchtcti:foo" ec256 "$T/x.tss2"
grep -q "HINT: use device:/dev/tpmrm0, tabrmd" "$T/err" || fail "hint"

step "TPM device missing"
probe_fails "cannot open the TPM device '$T/no-tpmrm0'.*No such file" keygen "device:$T/no-tpmrm0" ec256 "$T/x.tss2"

step "parent key missing"
probe_fails "the parent key 0x81000005 does not exist on the TPM at '$TPM_TCTI'" \
	keygen "$TPM_TCTI" ec256 "$T/x.tss2" 0x81000005
grep -q "HINT: create it with 'hwenroll tpm --create-parent --tpm-parent 0x81000005'" "$T/err" || fail "hint"

step "a key made by another TPM"
"$TPM_PROBE" keygen "$TPM_TCTI" ec256 "$T/k1.tss2" >/dev/null || fail "keygen"
tpm_fixture "$T/tpm2"
probe_fails "does not accept this key: it was made by another TPM" sign "$TPM_TCTI" "$T/k1.tss2"

step "no key at the persistent handle"
printf 'handle:0x81000123\n' >"$T/h.tss2"
probe_fails "no key at persistent handle 0x81000123" sign "$TPM_TCTI" "$T/h.tss2"
printf 'handle:0x12\n' >"$T/h.tss2"
set +e; "$TPM_PROBE" sign "$TPM_TCTI" "$T/h.tss2" 2>"$T/err"; prc=$?; set -e
[ $prc = 11 ] && grep -q "invalid persistent handle" "$T/err" || fail "bad handle line accepted"

step "object memory exhausted (no resource manager, objects left loaded)"
"$TPM_PROBE" keygen "$TPM_TCTI" ec256 "$T/k2.tss2" >/dev/null || fail "keygen"
for i in 1 2 3; do tpm2_createprimary -Q -C o -G ecc -c "$T/junk$i.ctx" || true; done
probe_fails "out of object memory" sign "$TPM_TCTI" "$T/k2.tss2"
grep -q "HINT: .*resource manager" "$T/err" || fail "hint"
probe_nodecode "out of object memory" sign "$TPM_TCTI" "$T/k2.tss2"
grep -q "HINT: .*resource manager" "$T/err" || fail "hint without the decoded text"
grep -q "TPM response 0x902: tpm:warn" "$T/err" || fail "the response code is not named"
# control: without the watcher the text-only hint is the generic one
HWENROLL_TCTI_RCWATCH=/nonexistent/tcti-rcwatch.so probe_nodecode "on the TPM at" sign "$TPM_TCTI" "$T/k2.tss2"
grep -q "out of object memory" "$T/err" && fail "object memory named without the watcher: the test proves nothing"
tpm2_flushcontext -t
"$TPM_PROBE" sign "$TPM_TCTI" "$T/k2.tss2" | grep -q "signature ok" || fail "sign after flush"

step "dictionary-attack lockout"
tpm2_dictionarylockout -Q -s -n 2 -t 600 -l 600
tpm2_create -Q -C 0x81000001 -G ecc -p right -u "$T/da.pub" -r "$T/da.priv"
echo data >"$T/msg"
for i in 1 2; do
	tpm2_load -Q -C 0x81000001 -u "$T/da.pub" -r "$T/da.priv" -c "$T/da.ctx"
	tpm2_sign -c "$T/da.ctx" -p wrong -g sha256 -o "$T/sig" "$T/msg" >/dev/null 2>&1 && fail "wrong password accepted"
	tpm2_flushcontext -t
done
tpm2_getcap properties-variable | grep -q 'inLockout: *1' || fail "TPM not in lockout"
probe_fails "dictionary-attack lockout" sign "$TPM_TCTI" "$T/k2.tss2"
grep -q "HINT: wait for the lockout" "$T/err" || fail "hint"
probe_nodecode "dictionary-attack lockout" sign "$TPM_TCTI" "$T/k2.tss2"
grep -q "HINT: wait for the lockout" "$T/err" || fail "hint without the decoded text"
tpm2_dictionarylockout -Q -c

step "RSA 4096 on a TPM without it"
if "$TPM_PROBE" keygen "$TPM_TCTI" rsa4096 "$T/r4.tss2" >/dev/null 2>&1; then
	echo "this swtpm supports RSA 4096; skipping the negative check" >&2
else
	probe_fails "does not support RSA 4096 keys" keygen "$TPM_TCTI" rsa4096 "$T/r4.tss2"
fi
exit 0
