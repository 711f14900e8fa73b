# SPDX-License-Identifier: BSD-3-Clause
# lib-kill9.sh - kill hwenroll with SIGKILL at an exact keystore file event,
# without any hook in the program: strace's syscall tampering
# (--inject=SYSCALL:signal=SIGKILL:when=K) delivers the signal on entry to
# the K-th call of SYSCALL, so the process dies right before that call, on
# any load and any file system.  Source it after lib.sh; then
# `need strace` and k9_init.
#
# An event is one call of the program's main thread that creates, writes,
# syncs, renames or removes something inside $KS (file or directory):
# creat/open/openat/openat2 for writing, mkdir(at), write(v)/pwrite*,
# fsync/fdatasync/sync_file_range, (f)truncate, rename(at/at2),
# (sym)link(at), unlink(at)/rmdir.  Reads and fchmod are not events.
#
#   k9_reference REF ARGS...  run `hwenroll -k $KS ARGS` to completion under
#                             strace; REF gets its events, in order, one per
#                             line: SYSCALL K STATUS WHAT (the event is the
#                             K-th SYSCALL call of the process; WHAT is e.g.
#                             "rename ks/req/.dev=dev.journal.tmp.* -> ks/req/dev.journal",
#                             with $KS shown as "ks" and temp suffixes as "*")
#   k9_list REF               print REF numbered (to stderr)
#   k9_index REF WHAT         the number of the event WHAT in REF (fails if
#                             it is not there exactly once)
#   k9_kill_at N REF ARGS...  run ARGS with SIGKILL injected at event N of
#                             REF; fails unless the run died of SIGKILL
#                             (status 137) exactly at event N after events
#                             1..N-1 of REF (the calls of a syscall that are
#                             not keystore events must come in the same
#                             number only up to the injected one: choose
#                             events whose syscall is deterministic, e.g.
#                             not write(2) where a TPM resource manager
#                             is written to)
#   k9_left N REF             what events 1..N-1 leave in the keystore of
#                             the names that only exist during an update
#                             (temp files, the journal, the lock file)
#   k9_found                  the same names as they are in $KS now
# Each run's output is in $T/out and $T/err, its status in $rc.

K9_SYSCALLS=creat,open,openat,openat2,mkdir,mkdirat,write,writev,pwrite64,pwritev,pwritev2
K9_SYSCALLS=$K9_SYSCALLS,fsync,fdatasync,sync_file_range,truncate,ftruncate
K9_SYSCALLS=$K9_SYSCALLS,rename,renameat,renameat2,link,linkat,symlink,symlinkat
K9_SYSCALLS=$K9_SYSCALLS,unlink,unlinkat,rmdir

# k9_init: after `need strace`.  ptrace may be refused (a container without
# CAP_SYS_PTRACE, yama): that is a broken test machine, not a missing tool,
# so the test fails instead of skipping.
k9_init() {
	strace -f -qq -o /dev/null true 2>"$T/k9.probe" ||
		fail "strace cannot trace here (ptrace not permitted?): $(cat "$T/k9.probe")"
}

# k9_joined TRACE: the trace with each call on one line: with several
# threads strace splits a call into "NAME(args <unfinished ...>" and, later,
# "<... NAME resumed>rest"; a call whose thread was killed inside it never
# resumes and ends in ") = ?" here, as an unsplit killed call does
k9_joined() {
	awk '
	/ <unfinished \.\.\.>$/ { l = $0; sub(/ <unfinished \.\.\.>$/, "", l); pend[$1] = l; next }
	/^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed>/ {
		r = $0
		sub(/^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed> ?/, "", r)
		if ($1 in pend) { print pend[$1] r; delete pend[$1] }
		next
	}
	/^[0-9]+ +\+\+\+ / { if ($1 in pend) { print pend[$1] ") = ?"; delete pend[$1] } }
	{ print }
	END { for (p in pend) print pend[p] ") = ?" }' "$1"
}

# k9_events TRACE: the keystore events of an `strace -f -y` trace
k9_events() {
	k9_joined "$1" | awk -v ks="$KS" '
	function inks(p) { return p == ks || index(p, ks "/") == 1 }
	function norm(p) {
		if (inks(p))
			p = "ks" substr(p, length(ks) + 1)
		gsub(/\.tmp\.[0-9]+\.[0-9a-f]+/, ".tmp.*", p)
		return p
	}
	# the next argument of rest: "N</path>" or AT_FDCWD (a directory: its
	# path, "" for the cwd) or "string" (its text)
	function fdarg(   p) {
		if (match(rest, /^[0-9]+<[^>]*>/)) {
			p = substr(rest, index(rest, "<") + 1, RLENGTH - index(rest, "<") - 1)
		} else if (match(rest, /^AT_FDCWD/)) {
			p = ""
		} else {
			bad = 1
			return ""
		}
		rest = substr(rest, RLENGTH + 1)
		sub(/^, /, "", rest)
		return p
	}
	function strarg(   s) {
		if (!match(rest, /^"[^"]*"/)) {
			bad = 1
			return ""
		}
		s = substr(rest, 2, RLENGTH - 2)
		rest = substr(rest, RLENGTH + 1)
		sub(/^, /, "", rest)
		return s
	}
	function at(d, n) { return (substr(n, 1, 1) == "/" || d == "") ? n : d "/" n }
	NR == 1 { main = $1 }
	{
		pid = $1
		line = $0
		sub(/^[0-9]+ +/, "", line)
		if (!match(line, /^[a-z0-9_]+\(/))
			next
		sc = substr(line, 1, RLENGTH - 1)
		rest = substr(line, RLENGTH + 1)
		if (pid == main)
			cnt[sc]++
		killed = line ~ /\) += \?$/
		bad = 0
		p1 = p2 = what = ""
		if (sc == "openat" || sc == "openat2") {
			d = fdarg(); p1 = at(d, strarg())
			if (rest ~ /O_CREAT/) what = "create"
			else if (rest ~ /O_WRONLY|O_RDWR|O_TRUNC/) what = "open-write"
		} else if (sc == "open") {
			p1 = strarg()
			if (rest ~ /O_CREAT/) what = "create"
			else if (rest ~ /O_WRONLY|O_RDWR|O_TRUNC/) what = "open-write"
		} else if (sc == "creat") {
			p1 = strarg(); what = "create"
		} else if (sc == "mkdirat") {
			d = fdarg(); p1 = at(d, strarg()); what = "mkdir"
		} else if (sc == "mkdir") {
			p1 = strarg(); what = "mkdir"
		} else if (sc ~ /^(write|writev|pwrite64|pwritev|pwritev2)$/) {
			p1 = fdarg(); what = "write"
		} else if (sc ~ /^(fsync|fdatasync|sync_file_range)$/) {
			p1 = fdarg(); what = "sync"
		} else if (sc == "ftruncate") {
			p1 = fdarg(); what = "truncate"
		} else if (sc == "truncate") {
			p1 = strarg(); what = "truncate"
		} else if (sc == "renameat" || sc == "renameat2" || sc == "linkat") {
			d = fdarg(); p1 = at(d, strarg())
			d = fdarg(); p2 = at(d, strarg())
			what = sc == "linkat" ? "link" : "rename"
		} else if (sc == "rename" || sc == "link") {
			p1 = strarg(); p2 = strarg(); what = sc
		} else if (sc == "symlinkat") {
			strarg(); d = fdarg(); p1 = at(d, strarg()); what = "symlink"
		} else if (sc == "symlink") {
			strarg(); p1 = strarg(); what = "symlink"
		} else if (sc == "unlinkat") {
			d = fdarg(); p1 = at(d, strarg())
			what = rest ~ /AT_REMOVEDIR/ ? "rmdir" : "remove"
		} else if (sc == "unlink" || sc == "rmdir") {
			p1 = strarg(); what = sc == "unlink" ? "remove" : "rmdir"
		}
		if (what == "" || !(inks(p1) || (p2 != "" && inks(p2))))
			next
		if (bad) {
			print "unparsed 0 bad " line
			next
		}
		what = what " " norm(p1) (p2 != "" ? " -> " norm(p2) : "")
		print sc, (pid == main ? cnt[sc] : 0), (pid != main ? "thread" : killed ? "killed" : "done"), what
	}'
}

# k9_run INJECT ARGS...: hwenroll under strace, its events in $T/k9.events
# (in a subshell whose stderr takes bash's "Killed" notice).  LeakSanitizer
# cannot run in a traced process, so leak checks stay with the untraced runs.
k9_run() {
	local inj=$1 opt=()
	shift
	[ -z "$inj" ] || opt=(--inject="$inj")
	(
		st=0
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -qq -y -o "$T/k9.trace" -e trace="$K9_SYSCALLS" "${opt[@]}" \
			"$HWENROLL" -k "$KS" "$@" >"$T/out" 2>"$T/err" || st=$?
		echo "$st" >"$T/k9.rc"
	) 2>/dev/null
	rc=$(cat "$T/k9.rc")
	k9_events "$T/k9.trace" >"$T/k9.events"
	! grep -q ' bad ' "$T/k9.events" || fail "cannot read strace line: $(grep ' bad ' "$T/k9.events" | head -n 1)"
	! grep -q ' thread ' "$T/k9.events" ||
		fail "a second thread changed the keystore (the event numbers assume one): $(grep ' thread ' "$T/k9.events" | head -n 1)"
}

k9_reference() {
	local ref=$1
	shift
	k9_run "" "$@"
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "reference run 'hwenroll $*' under strace exited $rc"; }
	! grep -q ' killed ' "$T/k9.events" || fail "reference run was killed"
	[ -s "$T/k9.events" ] || fail "reference run 'hwenroll $*' changed nothing in the keystore"
	cp "$T/k9.events" "$ref"
}

k9_list() {
	awk '{ w = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", w); printf "  %2d  %s\n", NR, w }' "$1" >&2
}

k9_index() {
	local n
	n=$(awk -v w="$2" '{ x = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", x) } x == w { print NR; c++ } END { exit c != 1 }' "$1") ||
		fail "event '$2' is not in the run exactly once (events: $(cat "$1"))"
	echo "$n"
}

k9_kill_at() {
	local n=$1 ref=$2 sc k
	shift 2
	read -r sc k _ < <(sed -n "${n}p" "$ref")
	[ -n "$k" ] || fail "no event $n in $ref"
	k9_run "$sc:signal=SIGKILL:when=$k" "$@"
	[ "$rc" = 137 ] || { cat "$T/err" >&2; fail "event $n ($sc #$k): hwenroll was not killed (exit $rc)"; }
	# the same events as the reference up to N, and the kill exactly at N
	# (compared without the call numbers: only the injected call's must
	# match, and it does if the kill is at the event; calls that are not
	# keystore events, e.g. writes to a TPM resource manager, may vary)
	head -n "$n" "$ref" | awk -v n="$n" 'NR == n { $3 = "killed" } { $2 = "-" } 1' >"$T/k9.want"
	awk '{ $2 = "-" } 1' "$T/k9.events" >"$T/k9.got"
	diff -u "$T/k9.want" "$T/k9.got" >&2 || fail "event $n ($sc #$k): the run did not die exactly at event $n"
}

# names that only exist during an update, normalized as in the events
k9_transient() { grep -E '(\.tmp\.\*|\.journal|\.lock)$' | LC_ALL=C sort; }

k9_left() {
	head -n "$(($1 - 1))" "$2" | awk '
	{ w = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", w); split(w, f, " ") }
	f[1] == "create" || f[1] == "mkdir" || f[1] == "link" || f[1] == "symlink" { have[f[2]] = 1 }
	f[1] == "rename" { delete have[f[2]]; have[f[4]] = 1 }
	f[1] == "remove" || f[1] == "rmdir" { delete have[f[2]] }
	END { for (p in have) print p }' | k9_transient
}

k9_found() {
	(cd "$KS" && find . -mindepth 1 | sed -e 's|^\./|ks/|' -e 's/\.tmp\.[0-9]*\.[0-9a-f]*$/.tmp.*/') | k9_transient
}
