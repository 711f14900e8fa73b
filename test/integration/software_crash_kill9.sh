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
#  - while files are written: inotifywait (inotify-tools) watches the
#    keystore and the client is killed at the N-th file event of its commit
#    (temp file created / written, journal in place, each rename, journal
#    removed), for every N of a complete run.  The kill lands at or shortly
#    after event N; the coverage (how many kills left a journal, i.e. hit
#    mid-commit) is printed.
. "$(dirname "$0")/lib.sh"
set -e
need openssl inotifywait
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

# kill_at_event N ARGS...: run hwenroll ARGS, SIGKILL it at the N-th inotify
# event in the keystore.  Sets $rc (137 if killed), $hit (1 if killed), $jn
# (1 if the kill left a journal: mid-commit), $seen (events seen).
kill_at_event() {
	local n=$1 i=0 ipid ev path
	shift
	rm -f "$T/fifo" "$T/inw.err"
	mkfifo "$T/fifo"
	inotifywait -m -r -e create,close_write,moved_to,delete --format '%e %w%f' "$KS" \
		>"$T/fifo" 2>"$T/inw.err" &
	ipid=$!
	exec 7<"$T/fifo"
	for ((i = 0; i < 200; i++)); do
		grep -q 'Watches established' "$T/inw.err" 2>/dev/null && break
		sleep 0.02
	done
	grep -q 'Watches established' "$T/inw.err" || fail "inotifywait did not start: $(cat "$T/inw.err")"
	i=0
	hit=0
	run_bg "$@"
	while :; do
		if read -r -t 0.5 -u 7 ev path; then
			i=$((i + 1))
			if [ "$i" -ge "$n" ]; then
				kill -KILL "$cpid" 2>/dev/null && hit=1
				break
			fi
		elif ! kill -0 "$cpid" 2>/dev/null; then
			break	# the run ended before event n
		fi
	done
	reap
	seen=$i
	kill "$ipid" 2>/dev/null || true
	wait "$ipid" 2>/dev/null || true
	exec 7<&-
	jn=0
	[ -e "$KS/req/dev.journal" ] && jn=1
	return 0
}
# events ARGS...: number of keystore events of a complete run of ARGS
count_events() {
	kill_at_event 100000 "$@"
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "reference run exited $rc"; }
	nev=$seen
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

step "kill -9 at every file event of the enroll commit"
est_start "$T/s" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/s"
URL=$(est_url "$T/s" "" simpleenroll)
rm -rf "$KS"
ks_init "$T/s" dev
count_events enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
[ "$nev" -ge 8 ] || fail "only $nev keystore events in an enroll"
step "  $nev events"
mid=0 kills=0 nones=0 news=0
for ((k = 1; k <= nev; k++)); do
	rm -rf "$KS"
	ks_init "$T/s" dev
	kill_at_event "$k" enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
	kills=$((kills + hit))
	mid=$((mid + jn))
	consistent "enroll killed at event $k (exit $rc)" "$T/s"
	[ "$state" = none ] && nones=$((nones + 1)) || news=$((news + 1))
	ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
	consistent "enroll after a kill at event $k" "$T/s"
	clean "enroll after a kill at event $k"
done
echo "enroll: $kills kills, $mid mid-commit (journal left), alias found absent $nones / enrolled $news times" >&2
[ "$kills" -ge $((nev / 2)) ] || fail "only $kills of $nev runs were killed"  # the last events can race the exit
[ "$nones" -ge 1 ] && [ "$news" -ge 1 ] || fail "kills did not cover both sides of the commit"

step "kill -9 at every file event of the reenroll --rekey commit"
rm -rf "$KS"
ks_init "$T/s" dev
ok enroll --uri "$URL" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
count_events reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
step "  $nev events"
mid=0 kills=0 olds=0 news=0
for ((k = 1; k <= nev; k++)); do
	old=$(keypub "$KS/keys/dev.pem")
	kill_at_event "$k" reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
	kills=$((kills + hit))
	mid=$((mid + jn))
	consistent "rekey killed at event $k (exit $rc)" "$T/s" "$old"
	[ "$state" = old ] && olds=$((olds + 1)) || news=$((news + 1))
	old=$(keypub "$KS/keys/dev.pem")
	ok reenroll --uri "$URL" --key-alias dev --rekey "${LIM[@]}"
	consistent "rekey after a kill at event $k" "$T/s" "$old"
	[ "$state" = new ] || fail "rekey after a kill at event $k kept the key"
	clean "rekey after a kill at event $k"
done
echo "rekey: $kills kills, $mid mid-commit (journal left), alias found old $olds / new $news times" >&2
[ "$kills" -ge $((nev / 2)) ] || fail "only $kills of $nev runs were killed"  # the last events can race the exit
[ "$olds" -ge 1 ] && [ "$news" -ge 1 ] || fail "kills did not cover both sides of the commit"
exit 0
