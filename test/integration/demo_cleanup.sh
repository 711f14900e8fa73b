#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# demo_cleanup.sh - the README demo (demo/demo.sh, run by `./dev demo`)
# completes, and stops every process it started on every way out: after a
# successful run, after a failure midway (swtpm, tpm2-abrmd, dbus-daemon
# and the EST server already running) and when it is sent SIGTERM.
#
# Each run gets a unique environment variable; every process it starts
# (the daemons fork, but inherit the environment) carries it, so what a run
# left behind is found in /proc/*/environ without touching the processes of
# other tests.
. "$(dirname "$0")/lib.sh"
set -e
need swtpm tpm2_createprimary tpm2-abrmd dbus-daemon openssl
DEMO=$HWE_TOP_SRCDIR/demo/demo.sh

# leftovers MARK: PIDs of live processes whose environment holds MARK
leftovers() {
	local e pid
	for e in /proc/[0-9]*/environ; do
		pid=${e#/proc/}
		pid=${pid%/environ}
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "HWE_DEMO_MARK=$1" || continue
		printf '%s(%s) ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"
	done
}
# settled MARK: leftovers, after giving exiting processes a moment
settled() {
	local i left
	for ((i = 0; i < 300; i++)); do
		left=$(leftovers "$1")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "$left"
}
mark() { echo "run-$$-$RANDOM-$1"; }

step "a complete run"
m=$(mark ok)
mkdir -p "$T/tmp1"
set +e
HWE_DEMO_MARK=$m TMPDIR=$T/tmp1 bash "$DEMO" "$HWE_TOP_BUILDDIR" >"$T/demo1" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$T/demo1" >&2; fail "the demo exited $rc"; }
for want in 'hwenroll enroll' 'hwenroll reenroll' '--rekey' 'TSS2 PRIVATE KEY' 'demo complete'; do
	grep -qF -- "$want" "$T/demo1" || { cat "$T/demo1" >&2; fail "demo output lacks '$want'"; }
done
left=$(settled "$m")
[ -z "$left" ] || fail "the demo left running: $left"
[ -z "$(ls -A "$T/tmp1")" ] || fail "the demo left files in TMPDIR: $(ls -A "$T/tmp1")"

step "a failure midway (every daemon already started)"
# an openssl that fails: the demo's first 'hwenroll enroll | openssl x509'
# pipeline fails after swtpm, tpm2-abrmd, dbus-daemon and the server started
mkdir -p "$T/bin" "$T/tmp2"
printf '#!/bin/sh\nexit 3\n' >"$T/bin/openssl"
chmod 755 "$T/bin/openssl"
m=$(mark fail)
set +e
HWE_DEMO_MARK=$m TMPDIR=$T/tmp2 PATH=$T/bin:$PATH bash "$DEMO" "$HWE_TOP_BUILDDIR" >"$T/demo2" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || { cat "$T/demo2" >&2; fail "the demo succeeded with a failing openssl"; }
grep -q 'EST_URI:' "$T/demo2" || { cat "$T/demo2" >&2; fail "the demo failed before the server started"; }
left=$(settled "$m")
[ -z "$left" ] || fail "after a failure the demo left running: $left"
[ -z "$(ls -A "$T/tmp2")" ] || fail "after a failure the demo left files in TMPDIR"

step "SIGTERM while it runs"
# an openssl that says when the demo is mid-run (every daemon started, the
# first enrollment done) and holds it there until the test lets it go on
mkdir -p "$T/bin3" "$T/tmp3"
cat >"$T/bin3/openssl" <<SH
#!/bin/sh
touch "$T/midway"
i=0
while [ ! -e "$T/go" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done
cat >/dev/null
SH
chmod 755 "$T/bin3/openssl"
m=$(mark term)
HWE_DEMO_MARK=$m TMPDIR=$T/tmp3 PATH=$T/bin3:$PATH bash "$DEMO" "$HWE_TOP_BUILDDIR" >"$T/demo3" 2>&1 &
dpid=$!
for ((i = 0; i < 600; i++)); do
	[ -e "$T/midway" ] && break
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.05
done
[ -e "$T/midway" ] || { kill -TERM "$dpid" 2>/dev/null; cat "$T/demo3" >&2; fail "the demo did not get midway"; }
[ -n "$(leftovers "$m")" ] || fail "found none of the demo's processes to stop (the check itself is broken)"
kill -TERM "$dpid" || { cat "$T/demo3" >&2; fail "the demo ended before SIGTERM"; }
touch "$T/go"
set +e
wait "$dpid"
rc=$?
set -e
grep -q 'demo complete' "$T/demo3" && fail "the demo ran to its end despite SIGTERM"
[ "$rc" != 0 ] || fail "the demo ended with 0 after SIGTERM"
left=$(settled "$m")
[ -z "$left" ] || fail "after SIGTERM the demo left running: $left"
[ -z "$(ls -A "$T/tmp3")" ] || fail "after SIGTERM the demo left files in TMPDIR"
echo "PASS: demo completes and stops swtpm, tpm2-abrmd, dbus-daemon and the EST server on success, failure and SIGTERM"
