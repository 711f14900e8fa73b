#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# san-retry.sh TEST [ARGS...] - the sanitizer pass's test runner
# (check-sanitizers in Makefile.am).  Runs TEST (bash for *.sh) once; if it
# failed only because LeakSanitizer itself crashed while stopping the
# process's threads at exit - "Tracer caught signal 11" / "LeakSanitizer has
# encountered a fatal error", an intermittent fault of the sanitizer runtime
# (google/sanitizers#1353), not a leak and not a failed check - it runs TEST
# once more and says so.  A leak report, or any other failure, is never
# retried.
set -u
out=$(mktemp "${TMPDIR:-/tmp}/san-retry.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT
run() {
	case $1 in
	*.sh) bash "$@" ;;
	*) "$@" ;;
	esac
}
run "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out" &&
	! grep -q "ERROR: LeakSanitizer: detected memory leaks" "$out"; then
	echo "san-retry: LeakSanitizer's own tracer crashed (not a leak, not a test failure): running $1 once more" >&2
	run "$@"
	rc=$?
fi
exit "$rc"
