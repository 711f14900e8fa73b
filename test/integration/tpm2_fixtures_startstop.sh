#!/bin/bash
# swtpm fixtures: tpm-start writes a sourceable env with explicit TCTIs,
# provisions the persistent ECC storage parent 0x81000001 (kept across
# restarts of the same state), starts tpm2-abrmd on a private bus with
# --abrmd, and tpm-stop ends exactly the processes it started.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need dbus-daemon
FIX=$HWE_TOP_SRCDIR/swtpm-fixtures

alive() { kill -0 "$(cat "$1")" 2>/dev/null; }

for mode in direct abrmd; do
	step "tpm-start ($mode)"
	D=$T/tpm-$mode
	args=
	[ $mode = abrmd ] && args=--abrmd
	"$FIX/tpm-start" "$D" $args || fail "tpm-start $mode"
	hwe_at_exit "'$FIX/tpm-stop' '$D'"
	hwe_on_exit "'$FIX/tpm-stop' '$D'"
	[ -s "$D/env" ] || fail "no env file"
	(
		unset TPM2TOOLS_TCTI TPM2OPENSSL_TCTI HWENROLL_TCTI
		. "$D/env"
		case $SWTPM_TCTI in swtpm:host=127.0.0.1,port=$SWTPM_PORT) ;; *) fail "SWTPM_TCTI '$SWTPM_TCTI'" ;; esac
		for v in TPM_TCTI HWENROLL_TCTI TPM2OPENSSL_TCTI TPM2TOOLS_TCTI; do
			[ -n "${!v}" ] || fail "$v not set"
			[ "${!v}" = "$TPM_TCTI" ] || fail "$v differs from TPM_TCTI"
		done
		if [ $mode = abrmd ]; then
			[ "$TPM_TCTI" = "tabrmd:bus_type=session" ] || fail "abrmd TCTI '$TPM_TCTI'"
			[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || fail "no private bus address"
		else
			[ "$TPM_TCTI" = "$SWTPM_TCTI" ] || fail "direct TCTI '$TPM_TCTI'"
		fi
		# the parent is the ECC restricted decryption key of PLATFORM-NOTES
		tpm2_readpublic -c 0x81000001 >"$T/pub.$mode" 2>&1 || fail "no parent key"
		grep -q "value: fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt" "$T/pub.$mode" ||
			{ cat "$T/pub.$mode" >&2; fail "parent attributes"; }
		grep -A1 '^curve-id:' "$T/pub.$mode" | grep -q 'NIST p256' ||
			{ cat "$T/pub.$mode" >&2; fail "parent is not P-256"; }
		# nothing transient left behind (swtpm has three object slots)
		[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left loaded"
	) || exit 1
	pids="swtpm.pid"
	[ $mode = abrmd ] && pids="swtpm.pid dbus.pid abrmd.pid"
	declare -A pidof=()
	for f in $pids; do
		[ -s "$D/$f" ] || fail "$f not recorded"
		alive "$D/$f" || fail "$f process not running"
		pidof[$f]=$(cat "$D/$f")
	done
	"$FIX/tpm-start" "$D" $args 2>/dev/null && fail "second tpm-start on a running DIR succeeded"

	step "tpm-stop ($mode)"
	"$FIX/tpm-stop" "$D" || fail "tpm-stop"
	for f in $pids; do
		# a zombie (stopped, waiting for init to reap it) is not running
		st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/${pidof[$f]}/stat" 2>/dev/null || true)
		[ -n "$st" ] && [ "$st" != Z ] && fail "$f (${pidof[$f]}) still running"
		[ -e "$D/$f" ] && fail "$f not removed"
	done
	unset pidof

	step "restart on the same state keeps the parent ($mode)"
	name1=$(grep '^name:' "$T/pub.$mode")
	"$FIX/tpm-start" "$D" $args || fail "restart"
	(. "$D/env"; tpm2_readpublic -c 0x81000001 | grep '^name:') >"$T/name2" || fail "parent gone after restart"
	[ "$name1" = "$(cat "$T/name2")" ] || fail "parent re-created on restart"
	"$FIX/tpm-stop" "$D"
done
exit 0
