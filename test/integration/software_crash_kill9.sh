#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_crash_kill9.sh - crash consistency (issue 5, section 2): kill -9
# the client at each stage of enroll and of reenroll --rekey; afterwards
# `show` reports a consistent alias (old state or new state, never a key
# without its certificate or a certificate without its key) and the next run
# succeeds and leaves no temp file, journal or stale lock file behind.
#
# Stages and how they are reached without hooks in the program:
#  - after keygen, with the request sent: the server answers 202 with
#    Retry-After: 2; the client is killed as soon as the server has logged
#    the 202 (it is then sleeping before its retry) - deterministic;
#  - while files are written: strace numbers the keystore events of one
#    complete run (lib-kill9.sh: keystore directories made, lock file
#    created, each temp file - CSR, key, certificate, chain, journal -
#    created / written / synced, the journal renamed into place and its
#    directory synced, each rename, the stale pending key removed, the
#    directories synced, the journal removed, the lock file removed), and
#    run N gets SIGKILL on entry to event N, for every N: exact, on any load
#    and file system.  Each kill must be status 137 after exactly events
#    1..N-1, leave exactly the temp files / journal / lock those events
#    make, and the alias must read as before the run if N is at or before
#    the journal rename and as after it otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
set -e
need openssl strace
k9_init
pw_init
AUTH=(--estc-user device --estc-pass-file "$T/pass")
LIM=(--timeout 10 --connect-timeout 5 --max-wait 10)

# pub FILE: fingerprint of the public key of a key or certificate file
keypub() { openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -c1-16; }
certpub() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | sha256sum | cut -c1-16; }

# consistent WHAT SRV [OLDPUB]: `show` rolls an interrupted commit forward and
# reports the alias; key and certificate then belong together.  Sets $state
# to none, old or new.
consistent() {
	local what=$1 srv=$2 old=${3:-} kp cp
	hwe show --key-alias dev
	[ -e "$KS/req/dev.journal" ] && fail "$what: journal still there after show"
	if [ ! -e "$KS/keys/dev.pem" ] && [ ! -e "$KS/certs/dev.pem" ]; then
		[ -z "$old" ] || fail "$what: the enrolled alias vanished"
		[ "$rc" = 12 ] || { cat "$T/err" >&2; fail "$what: show of a missing alias exited $rc"; }
		state=none
		return 0
	fi
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "$what: show exited $rc"; }
	grep -q dev "$T/out" || fail "$what: show does not list the alias"
	[ -f "$KS/keys/dev.pem" ] || fail "$what: certificate without its key"
	[ -f "$KS/certs/dev.pem" ] || fail "$what: key without its certificate"
	kp=$(keypub "$KS/keys/dev.pem")
	cp=$(certpub "$KS/certs/dev.pem")
	[ -n "$kp" ] && [ "$kp" = "$cp" ] || fail "$what: key and certificate do not match"
	[ "$(grep -c 'BEGIN CERTIFICATE' "$KS/certs/dev.pem")" = 1 ] || fail "$what: certs/dev.pem is not one certificate"
	openssl verify -CAfile "$srv/ca.pem" "$KS/certs/dev.pem" >/dev/null || fail "$what: certificate does not verify"
	if [ -n "$old" ] && [ "$kp" = "$old" ]; then state=old; else state=new; fi
}
# clean WHAT: after a successful run nothing of an interrupted one is left
# (no temp file, no journal, and no lock file: one exists only while held)
clean() {
	local left
	left=$(find "$KS" -name '*.tmp.*' -o -name '*.journal' -o -name '*.lock' | head -n 5)
	[ -z "$left" ] || fail "$1: left behind: $left"
}

# run_bg ARGS...: hwenroll in the background ($cpid)
run_bg() {
	"$HWENROLL" -k "$KS" "$@" >"$T/out" 2>"$T/err" &
	cpid=$!
}
reap() {
	set +e
	wait "$cpid" 2>/dev/null
	rc=$?
	set -e
}
# wait_log SRV PATTERN: until the server's request log has a matching line
wait_log() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -- "$2" "$1/requests.log" 2>/dev/null && return 0
		kill -0 "$cpid" 2>/dev/null || { cat "$T/err" >&2; fail "client ended before '$2' was logged"; }
		sleep 0.05
	done
	fail "server never logged '$2'"
}

step "kill -9 after keygen with the request sent (202 wait): enroll, then reenroll --rekey"
est_start "$T/p" --user device --pass-file "$T/pass" --pending 1 --retry-after 2
ks_init "$T/p" dev
URL=$(est_url "$T/p" "" simpleenroll)
ks_snapshot empty
run_bg enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
wait_log "$T/p" "simpleenroll 202"
kill -KILL "$cpid"
reap
[ "$rc" = 137 ] || fail "enroll was not killed (exit $rc)"
consistent "enroll killed in flight" "$T/p"
[ "$state" = none ] || fail "a killed first enroll left an alias"
[ -e "$KS/req/dev.pending.pem" ] && fail "a killed enroll left a pending key"
ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
consistent "next enroll" "$T/p"
clean "next enroll"
old=$(keypub "$KS/keys/dev.pem")
: >"$T/p/requests.log"
run_bg reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
wait_log "$T/p" "simplereenroll 202"
kill -KILL "$cpid"
reap
[ "$rc" = 137 ] || fail "reenroll --rekey was not killed (exit $rc)"
consistent "rekey killed in flight" "$T/p" "$old"
[ "$state" = old ] || fail "rekey killed before its answer changed the alias"
ok reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
consistent "next rekey" "$T/p" "$old"
[ "$state" = new ] || fail "the next rekey did not change the key"
clean "next rekey"
est_stop "$T/p"

# kill_each WHAT PREP ARGS...: one reference run of hwenroll ARGS, then for
# every event N of it a run killed at event N, the checks above, and a
# complete run.  PREP sets the keystore up before each run and $before to
# the alias's key fingerprint (empty: no alias yet).
kill_each() {
	local what=$1 prep=$2 nev n ev L J R U f left found want pre jn=0 kept=0
	shift 2
	$prep
	k9_reference "$T/ref" "$@"
	nev=$(wc -l <"$T/ref")
	step "  $nev events:"
	k9_list "$T/ref"
	L=$(k9_index "$T/ref" "create ks/req/dev.lock")
	J=$(k9_index "$T/ref" "rename ks/req/.dev=dev.journal.tmp.* -> ks/req/dev.journal")
	R=$(k9_index "$T/ref" "remove ks/req/dev.journal")
	U=$(k9_index "$T/ref" "remove ks/req/dev.lock")
	[ "$L" -lt "$J" ] && [ "$J" -lt "$R" ] && [ "$R" -lt "$U" ] ||
		fail "$what: commit steps out of order: lock $L, journal $J, journal removed $R, unlock $U"
	for f in req/dev.csr keys/dev.pem certs/dev.pem certs/dev-chain.pem; do
		k9_index "$T/ref" "create ks/${f%/*}/.dev=${f#*/}.tmp.*" >/dev/null
		k9_index "$T/ref" "write ks/${f%/*}/.dev=${f#*/}.tmp.*" >/dev/null
		n=$(k9_index "$T/ref" "rename ks/${f%/*}/.dev=${f#*/}.tmp.* -> ks/$f")
		[ "$n" -gt "$J" ] && [ "$n" -lt "$R" ] || fail "$what: $f renamed outside the journal (event $n)"
	done
	for ((n = 1; n <= nev; n++)); do
		ev=$(sed -n "${n}p" "$T/ref" | cut -d' ' -f4-)
		$prep
		k9_kill_at "$n" "$T/ref" "$@"
		left=$(k9_left "$n" "$T/ref")
		found=$(k9_found)
		[ "$found" = "$left" ] ||
			fail "$what killed at event $n ($ev): the keystore has '$found', events 1..$((n - 1)) leave '$left'"
		[ -e "$KS/req/dev.journal" ] && jn=$((jn + 1))
		consistent "$what killed at event $n ($ev)" "$T/s" "$before"
		if [ "$n" -le "$J" ]; then
			want=${before:+old}
			kept=$((kept + 1))
		else
			want=new
		fi
		[ "$state" = "${want:-none}" ] ||
			fail "$what killed at event $n ($ev): alias is $state, expected ${want:-none} (journal renamed at event $J)"
		pre=
		[ "$state" = none ] || pre=$(keypub "$KS/keys/dev.pem")
		ok "$@"
		consistent "$what after a kill at event $n" "$T/s" "$pre"
		[ -z "$before" ] || [ "$state" = new ] || fail "$what after a kill at event $n kept the key"
		clean "$what after a kill at event $n"
	done
	echo "$what: $nev kills, each at its event; $jn left a journal (mid-commit), $kept left the alias as it was, $((nev - kept)) were rolled forward" >&2
	[ "$jn" = $((R - J)) ] && [ "$kept" = "$J" ] || fail "$what: coverage does not add up"
}

# PREPs: a new keystore (no alias), or the keystore as the last run left it
fresh_ks() {
	rm -rf "$KS"
	ks_init "$T/s" dev
	before=
}
same_ks() { before=$(keypub "$KS/keys/dev.pem"); }

est_start "$T/s" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/s"
URL=$(est_url "$T/s" "" simpleenroll)

step "kill -9 at every file event of an enroll into a new keystore"
kill_each enroll fresh_ks enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"

step "kill -9 at every file event of a reenroll --rekey"
fresh_ks
ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
kill_each "reenroll --rekey" same_ks reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
exit 0
