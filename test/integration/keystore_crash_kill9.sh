#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# keystore_crash_kill9.sh - kill -9 hwenroll at random points of a key
# replacement; the alias must always hold one complete key (old or new),
# and the next run that locks the alias must leave no journal or temp file.
# (Deterministic crash points inside a commit are covered by
# test/unit/test-keystore.c; this is the real-process version.)
. "$(dirname "$0")/lib.sh"
set -e
need openssl

KEY=$KS/keys/a.pem
check_key() {
	[ -f "$KEY" ] && [ ! -L "$KEY" ] || fail "$1: $KEY missing"
	[ "$(stat -c %a "$KEY")" = 600 ] || fail "$1: $KEY mode $(stat -c %a "$KEY")"
	openssl pkey -in "$KEY" -noout 2>/dev/null || fail "$1: $KEY is not a complete key"
}
leftovers() {
	find "$KS" -mindepth 2 \( -name '.*' -o -name '*.journal' \) -print
}

step "initial key"
ok keygen --key-alias a
check_key initial

# how long one replacement takes here, to spread the kills over all of it
t0=$(date +%s%N)
ok keygen --key-alias a --force
ms=$((($(date +%s%N) - t0) / 1000000 + 1))
span=$((ms * 12 / 10 + 5))
[ "$span" -lt 1000 ] || span=999

step "kill -9 during 'keygen --force' (40 rounds over 0-$span ms)"
journals=0 changed=0
for i in $(seq 1 40); do
	before=$(openssl pkey -in "$KEY" -pubout 2>/dev/null | sha256sum)
	"$HWENROLL" -k "$KS" keygen --key-alias a --force >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % span)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# without taking the lock: every visible key file is complete
	check_key "round $i after kill"
	[ -e "$KS/req/a.journal" ] && journals=$((journals + 1))
	# the next run locks the alias: it finishes or discards the update
	ok show --key-alias a
	check_key "round $i after recovery"
	[ -z "$(leftovers)" ] || fail "round $i: left behind: $(leftovers)"
	after=$(openssl pkey -in "$KEY" -pubout 2>/dev/null | sha256sum)
	[ "$before" = "$after" ] || changed=$((changed + 1))
done
echo "40 kills: $changed replaced the key, $journals interrupted a commit" >&2

step "a completed run still works afterwards"
ok keygen --key-alias a --force
check_key final
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"
exit 0
