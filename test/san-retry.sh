#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# san-retry.sh TEST [ARGS...] - the sanitizer pass's test runner
# (check-sanitizers in Makefile.am).  Runs TEST (bash for *.sh) once; if it
# failed only because LeakSanitizer itself crashed while stopping the
# process's threads at exit - "Tracer caught signal 11" / "LeakSanitizer has
# encountered a fatal error", an intermittent fault of the sanitizer runtime
# (google/sanitizers#1353), not a leak and not a failed check - it runs TEST
# once more and says so; if the tracer crashes again, TEST runs a third time
# with the leak checker off (ASan and UBSan still on) and says that too, so
# the runtime's fault neither fails CI nor hides a real failure.  A leak
# report, or any other failure, is never retried.
set -u
out=$(mktemp "${TMPDIR:-/tmp}/san-retry.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT
run() {
	case $1 in
	*.sh) bash "$@" ;;
	*) "$@" ;;
	esac
}
# tracer_crashed RC: the run failed only because LeakSanitizer crashed
tracer_crashed() {
	[ "$1" -ne 0 ] && [ "$1" -ne 77 ] &&
		grep -q "LeakSanitizer has encountered a fatal error" "$out" &&
		! grep -q "ERROR: LeakSanitizer: detected memory leaks" "$out"
}
run "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if tracer_crashed "$rc"; then
	echo "san-retry: LeakSanitizer's own tracer crashed (not a leak, not a test failure): running $1 once more" >&2
	run "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if tracer_crashed "$rc"; then
		echo "san-retry: the tracer crashed again: running $1 with the leak checker off (ASan and UBSan on)" >&2
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 run "$@"
		rc=$?
	fi
fi
exit "$rc"
