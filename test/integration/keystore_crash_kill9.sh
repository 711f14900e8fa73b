#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# keystore_crash_kill9.sh - kill -9 hwenroll at every file event of a key
# replacement (`keygen --force`); the alias must always hold one complete
# key (old or new), and the next run that locks the alias must leave no
# journal, temp file or lock file.
#
# The kill is exact, with no hook in the program (lib-kill9.sh): strace
# numbers the keystore events of one complete run (lock file created, temp
# key created / written / synced, journal temp created / written / synced,
# journal renamed into place, its directory synced, key renamed, stale
# certificate names removed, directories synced, journal removed, lock file
# removed), then each run N gets SIGKILL on entry to event N, for every N.
# After each kill: the status is 137, the run made exactly events 1..N-1,
# the keystore holds exactly the temp files / journal / lock those events
# leave, the key is the old one if N is at or before the journal rename and
# the new one (rolled forward by `show`) after it.
# (test/unit/test-keystore.c covers the same crash points in-process.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
set -e
need openssl strace
k9_init

KEY=$KS/keys/a.pem
check_key() {
	[ -f "$KEY" ] && [ ! -L "$KEY" ] || fail "$1: $KEY missing"
	[ "$(stat -c %a "$KEY")" = 600 ] || fail "$1: $KEY mode $(stat -c %a "$KEY")"
	openssl pkey -in "$KEY" -noout 2>/dev/null || fail "$1: $KEY is not a complete key"
}
keypub() { openssl pkey -in "$KEY" -pubout 2>/dev/null | sha256sum | cut -c1-16; }

step "initial key"
ok keygen --key-alias a
check_key initial

step "the keystore events of one 'keygen --force'"
k9_reference "$T/ref" keygen --key-alias a --force
check_key "reference run"
k9_list "$T/ref"
nev=$(wc -l <"$T/ref")
L=$(k9_index "$T/ref" "create ks/req/a.lock")
k9_index "$T/ref" "create ks/keys/.a=a.pem.tmp.*" >/dev/null
k9_index "$T/ref" "write ks/keys/.a=a.pem.tmp.*" >/dev/null
k9_index "$T/ref" "write ks/req/.a=a.journal.tmp.*" >/dev/null
J=$(k9_index "$T/ref" "rename ks/req/.a=a.journal.tmp.* -> ks/req/a.journal")
K=$(k9_index "$T/ref" "rename ks/keys/.a=a.pem.tmp.* -> ks/keys/a.pem")
R=$(k9_index "$T/ref" "remove ks/req/a.journal")
U=$(k9_index "$T/ref" "remove ks/req/a.lock")
[ "$L" -lt "$J" ] && [ "$J" -lt "$K" ] && [ "$K" -lt "$R" ] && [ "$R" -lt "$U" ] ||
	fail "commit steps out of order: lock $L, journal $J, key $K, journal removed $R, unlock $U"

step "kill -9 at each of the $nev events"
journals=0 changed=0
for ((n = 1; n <= nev; n++)); do
	what=$(sed -n "${n}p" "$T/ref" | cut -d' ' -f4-)
	before=$(keypub)
	k9_kill_at "$n" "$T/ref" keygen --key-alias a --force
	# without taking the lock: every visible key file is complete, and the
	# names of the update are exactly those events 1..n-1 leave
	check_key "kill at event $n ($what)"
	[ "$(k9_found)" = "$(k9_left "$n" "$T/ref")" ] ||
		fail "kill at event $n ($what): the keystore has '$(k9_found)', events 1..$((n - 1)) leave '$(k9_left "$n" "$T/ref")'"
	if [ -e "$KS/req/a.journal" ]; then
		journals=$((journals + 1))
		[ "$n" -gt "$J" ] && [ "$n" -le "$R" ] || fail "kill at event $n ($what) left a journal"
	else
		[ "$n" -le "$J" ] || [ "$n" -gt "$R" ] || fail "kill at event $n ($what) left no journal"
	fi
	# the next run locks the alias: it finishes or discards the update
	ok show --key-alias a
	check_key "kill at event $n, after recovery"
	[ -z "$(k9_found)" ] || fail "kill at event $n ($what): left behind after show: $(k9_found)"
	if [ "$(keypub)" = "$before" ]; then
		[ "$n" -le "$J" ] || fail "kill at event $n ($what), after the journal: the update was lost"
	else
		changed=$((changed + 1))
		[ "$n" -gt "$J" ] || fail "kill at event $n ($what), before the journal: the key changed"
	fi
done
echo "$nev kills: $changed replaced the key, $journals left a journal (mid-commit)" >&2
[ "$changed" = $((nev - J)) ] && [ "$journals" = $((R - J)) ] || fail "coverage does not add up"

step "a completed run still works afterwards"
ok keygen --key-alias a --force
check_key final
[ -z "$(k9_found)" ] || fail "left behind: $(k9_found)"
exit 0
