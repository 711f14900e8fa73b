#!/bin/bash
# Usage strings are written once in the code: every command's --help
# synopsis must appear verbatim in hwenroll(1)'s SYNOPSIS, and every exit
# code the code defines must be documented in the man page and the README.
. "$(dirname "$0")/lib.sh"
set -e
man=$HWE_TOP_SRCDIR/man/hwenroll.1.scd
for cmd in cacerts csrattrs keygen enroll reenroll show renew certificate tpm; do
	ok "$cmd" --help
	syn=$(sed -n '1s/^usage: hwenroll \[global options\] //p' "$T/out")
	[ -n "$syn" ] || fail "$cmd --help has no usage line"
	grep -qxF "*hwenroll* $syn" "$man" || fail "man page SYNOPSIS lacks: hwenroll $syn"
done
ok --help
grep -q "^  enroll" "$T/out" || fail "hwenroll --help lists no commands"
# --help lists every option a command accepts: an option it takes but does
# not show is refused by nobody and found by no one
for pair in enroll:--tpm-handle reenroll:--key-backend cacerts:--estc-server-url csrattrs:--estc-server-url \
	enroll:--estc-server-url reenroll:--estc-server-url enroll:--tls-groups reenroll:--pop; do
	cmd=${pair%%:*} opt=${pair#*:}
	ok "$cmd" --help
	sed -n '/^Options of/,$p' "$T/out" | grep -qE -- "^  $opt( |\$)" || fail "$cmd --help does not list $opt"
	# and the option is really accepted (not "does not apply")
	hwe "$cmd" "$opt" x
	grep -q "does not apply" "$T/err" && fail "$cmd --help lists $opt, which it refuses"
done
# --help is generated from the option table and the list the parser takes:
# every option line names a real option of that command, and every option
# the man page SYNOPSIS shows for a command is in its --help
for cmd in cacerts csrattrs keygen enroll reenroll show renew certificate tpm; do
	ok "$cmd" --help
	for opt in $(sed -n '/^Options of/,/^$/s/^  \(--[a-z0-9-]*\).*/\1/p' "$T/out"); do
		[ "$opt" = --log-level ] && continue
		hwe "$cmd" "$opt" x
		grep -q "does not apply\|unknown option" "$T/err" && fail "$cmd --help lists $opt, which it refuses"
	done
	syn=$(sed -n '1s/^usage: hwenroll \[global options\] //p' "$T/out")
	for opt in $(printf '%s\n' "$syn" | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		sed -n '/^Options of/,$p' "$T/out" | grep -qE -- "^  $opt( |\$)" ||
			fail "$cmd: $opt is in the synopsis but not in --help"
	done
done
# exit codes: rc.h is the source
codes=$(sed -n 's/^\tHWE_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$HWE_TOP_SRCDIR/lib/rc.h")
[ -n "$codes" ] || fail "no exit codes found in rc.h"
for c in $codes; do
	grep -qE "^\|  $c\$" "$man" || fail "exit code $c not in hwenroll(1)"
	grep -qE "^\| $c \|" "$HWE_TOP_SRCDIR/README.md" || fail "exit code $c not in README.md"
done
exit 0
