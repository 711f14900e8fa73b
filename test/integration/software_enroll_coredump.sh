#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_enroll_coredump.sh - issue 15 item 5: a run killed while it waits
# on a stalled server (hwe-estserver --fault stall) leaves no secret behind.
#
#  (a) By default hwenroll is not dumpable: run as an unprivileged user,
#      its /proc/PID/* belong to root and that same user cannot read
#      /proc/PID/environ (the ptrace access check that also guards
#      /proc/PID/mem and PTRACE_ATTACH); with --allow-core-dumps it can.
#  (b) RLIMIT_CORE is 0 (soft and hard) in /proc/PID/limits, even when the
#      shell allows core files, and SIGSEGV leaves no core file.
#  (c) With --allow-core-dumps the core file of that SIGSEGV (and a gcore of
#      the live process, as root, when gdb is installed) holds the password
#      0 times: our copies and libcurl's strdup() copies live in OpenSSL's
#      secure heap, which is left out of core dumps (MADV_DONTDUMP).  The
#      one copy that remains is libcurl's URL-encoded copy in its URL handle
#      (plain heap, wiped when curl frees it): the password holds an '@' so
#      that copy reads "%40" and can be told apart; at most one of it.
# The test fails if the secure heap is not set up (4 literal copies) or if
# libcurl's allocations bypass it (3).
#
# The core file is looked for only when /proc/sys/kernel/core_pattern names
# a file in the working directory (the kernel default "core"); with a pipe
# (systemd-coredump, apport) only the gcore part runs.  core_pattern is
# never changed.
. "$(dirname "$0")/lib.sh"
set -e
need openssl setpriv
[ "$(id -u)" -eq 0 ] || skip "needs root (runs hwenroll as another user, gcore)"
# (PLAIN_ONLY_TESTS: the sanitizer pass does not run it)
if ldd "$HWENROLL" | grep -q libasan; then skip "ASan build: ASan turns core dumps off and handles SIGSEGV"; fi
ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
[ "$(ulimit -c)" != 0 ] || skip "the shell may not allow core files (hard RLIMIT_CORE 0)"
pattern=$(cat /proc/sys/kernel/core_pattern)
case "$pattern" in
'|'* | */*) core_here=0 ;;
*) core_here=1 ;;
esac
command -v gcore >/dev/null 2>&1 && have_gcore=1 || have_gcore=0
[ "$core_here" = 1 ] || [ "$have_gcore" = 1 ] ||
	echo "NOTE: core_pattern '$pattern' pipes and gdb is absent: part (c) is not run" >&2

PW="Est@Pa55-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PWENC=${PW/@/%40}
NOBODY=65534
chmod 711 "$T"                         # the unprivileged run reaches its own dir only
printf '%s\n' "$PW" >"$T/pass"
chmod 600 "$T/pass"
est_start "$T/srv" --user device --pass-file "$T/pass" --auth digest --fault stall --fault-op simpleenroll
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)

# count FILE STRING: occurrences of STRING in FILE
count() { grep -a -o -F -- "$2" "$1" | wc -l; }
pids=()
hwe_on_exit 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done'
# start_stalled DIR KS PASSFILE [PREFIX...] -- [GLOBAL OPTIONS...]: hwenroll
# enroll in the background, working directory DIR (where a core file would
# go), until the server holds its /simpleenroll; sets $pid
start_stalled() {
	local dir=$1 ks=$2 pass=$3 i n
	shift 3
	local pre=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	n=$(grep -c . "$T/srv/requests.log" 2>/dev/null || true)
	(cd "$dir" && exec "${pre[@]}" "$HWENROLL" "$@" -k "$ks" enroll --uri "$URL" --key-alias dev1 \
		--csr-conf device.conf --estc-user device --estc-pass-file "$pass" --timeout 120 \
		>"$dir/out" 2>"$dir/err") &
	pid=$!
	pids+=("$pid")
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c " 0 client=" "$T/srv/requests.log" 2>/dev/null || true)" -gt "${stalls:-0}" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; fail "hwenroll ended before the stall"; }
		sleep 0.05
	done
	[ "$i" -lt 200 ] || fail "the server saw no stalled request"
	stalls=$((${stalls:-0} + 1))
}
# kill_segv: SIGSEGV the stalled run, wait for it
kill_segv() {
	kill -SEGV "$pid"
	wait "$pid" 2>/dev/null || true
}
new_cores() { find "$1" -maxdepth 1 -type f ! -name out ! -name err ! -name 'gcore*' | sort; }

step "default: not dumpable, RLIMIT_CORE 0 (run as an unprivileged user)"
mkdir -p "$T/nb/run1" "$T/nb/run2"
cp -a "$KS" "$T/nb/ks"
cp "$T/pass" "$T/nb/pass"
chown -R "$NOBODY:$NOBODY" "$T/nb"
AS_NOBODY=(setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups)
start_stalled "$T/nb/run1" "$T/nb/ks" "$T/nb/pass" "${AS_NOBODY[@]}" --
[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$NOBODY" ] || fail "the test run is not running as uid $NOBODY"
[ "$(stat -c %u "/proc/$pid/environ")" = 0 ] || fail "/proc/$pid/environ is not root's: the process is dumpable"
if "${AS_NOBODY[@]}" head -c1 "/proc/$pid/environ" >/dev/null 2>&1; then
	fail "the same user can read /proc/PID/environ: not protected against ptrace"
fi
grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
	{ grep core "/proc/$pid/limits" >&2; fail "RLIMIT_CORE is not 0/0"; }
kill_segv
[ -z "$(new_cores "$T/nb/run1")" ] || { ls -l "$T/nb/run1" >&2; fail "a core file was written"; }

step "root's run: RLIMIT_CORE 0, no core file, and even gcore finds no password"
mkdir -p "$T/r1"
start_stalled "$T/r1" "$KS" "$T/pass" --
grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" || fail "RLIMIT_CORE is not 0/0 (root)"
if [ "$have_gcore" = 1 ]; then
	gcore -o "$T/r1/gcore" "$pid" >/dev/null 2>&1 || fail "gcore failed (root)"
	[ "$(count "$T/r1/gcore.$pid" "$PW")" = 0 ] || fail "the password is in a gcore of the default run"
	rm -f "$T/r1/gcore.$pid"
fi
kill_segv
[ -z "$(new_cores "$T/r1")" ] || { ls -l "$T/r1" >&2; fail "a core file was written (root)"; }

step "--allow-core-dumps: dumpable, core limits untouched"
start_stalled "$T/nb/run2" "$T/nb/ks" "$T/nb/pass" "${AS_NOBODY[@]}" -- --allow-core-dumps
[ "$(stat -c %u "/proc/$pid/environ")" = "$NOBODY" ] || fail "--allow-core-dumps: /proc/PID/environ is not the user's"
"${AS_NOBODY[@]}" head -c1 "/proc/$pid/environ" >/dev/null 2>&1 ||
	fail "--allow-core-dumps: the user cannot read /proc/PID/environ (the control of part a)"
grep -Eq '^Max core file size +unlimited' "/proc/$pid/limits" || fail "--allow-core-dumps changed RLIMIT_CORE"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
mkdir -p "$T/e"
HWENROLL_ALLOW_CORE_DUMPS=1 start_stalled "$T/e" "$KS" "$T/pass" --
grep -Eq '^Max core file size +unlimited' "/proc/$pid/limits" ||
	fail "HWENROLL_ALLOW_CORE_DUMPS=1 changed RLIMIT_CORE"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true

step "--allow-core-dumps: the core of a killed run holds no password"
mkdir -p "$T/r2"
start_stalled "$T/r2" "$KS" "$T/pass" -- --allow-core-dumps
if [ "$have_gcore" = 1 ]; then
	gcore -o "$T/r2/gcore" "$pid" >/dev/null 2>&1 || fail "gcore failed"
	n=$(count "$T/r2/gcore.$pid" "$PW")
	e=$(count "$T/r2/gcore.$pid" "$PWENC")
	echo "gcore: password $n times, URL-encoded (libcurl's URL handle) $e times" >&2
	[ "$n" = 0 ] || fail "the password is in the gcore dump $n times"
	[ "$e" -le 1 ] || fail "the URL-encoded password is in the gcore dump $e times"
	rm -f "$T/r2/gcore.$pid"
fi
kill_segv
if [ "$core_here" = 1 ]; then
	core=$(new_cores "$T/r2" | head -1)
	[ -n "$core" ] || { ls -l "$T/r2" >&2; fail "no core file with --allow-core-dumps (core_pattern '$pattern')"; }
	n=$(count "$core" "$PW")
	e=$(count "$core" "$PWENC")
	echo "core file: password $n times, URL-encoded $e times" >&2
	[ "$n" = 0 ] || fail "the password is in the core file $n times"
	[ "$e" -le 1 ] || fail "the URL-encoded password is in the core file $e times"
	# the control: the core holds the process's heap (libcurl's copy of
	# the URL is there)
	[ "$(count "$core" "$URL")" -ge 1 ] || fail "the core file does not hold the process's heap"
	rm -f "$core"
fi
exit 0
