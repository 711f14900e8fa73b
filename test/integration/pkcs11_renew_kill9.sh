#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11_renew_kill9.sh - power loss during `hwenroll renew` of a SoftHSM
# token key (lib-renew-kill9.sh): kill -9 at every keystore event of
# `renew --rekey` (the superset of a same-key renew's events: the new key's
# record, the key made on the token, the commit, the old key destroyed,
# the renewal state) and at the stage boundaries of a same-key `renew`
# (the same 37 events as the same-key renew of a software key, each of
# them killed in software_renew_kill9.sh: a same-key renewal writes no key
# file and nothing to the token).  After each kill the alias is wholly old
# or new; the next renew succeeds and leaves the token with the
# objects it had after enrollment (a key object the kill left - new or
# replaced - is destroyed), counted with pkcs11-tool; so does a renew of
# the alias when it is not due (no network), and a token that cannot be
# logged in to keeps the record for the run after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
. "$(dirname "$0")/lib-renew.sh"
. "$(dirname "$0")/lib-renew-kill9.sh"
set -e
need openssl strace pkcs11-tool
k9_init
softhsm_setup
pw_init

renew_dev_pkcs11

k9r_setup pkcs11 --key-backend pkcs11 --pkcs11-module "$SOFTHSM_MODULE" \
	--token-uri 'pkcs11:token=hwe-tok' --pin-file "$T/pin"
k9r_matrix rekey all --force --rekey --retry-for 0
[ "$K9R_ORPHANS" -gt 0 ] || fail "no kill left a key object on the token: the cleanup went untested"
[ "$K9R_LOCKS" -gt 0 ] || fail "no kill left the lock file: the stale lock went untested"

step "an alias that is not due: renew removes the replaced key a kill left, without the network; a token it cannot log in to keeps the record"
k9r_base_restore
k9_kill_at "$K9R_R" "$T/ref" renew --key-alias dev --force --rekey --retry-for 0
old=$(ls "$KS"/req/dev.old.p11) || fail "a kill at the commit's end left no record of the replaced key"
[ "$(dev_objects)" != "$K9R_OBJECTS" ] || fail "a kill at the commit's end left no key object on the token"
: >"$T/srv/requests.log"
printf '9999\n' >"$T/badpin"
chmod 600 "$T/badpin"
ok renew --key-alias dev --pin-file "$T/badpin" --log-level WARN
grep -q "dev: not due" "$T/out" || fail "not due: $(cat "$T/out")"
grep -q "could not be removed: .*the next run tries again" "$T/err" || { cat "$T/err" >&2; fail "no warning that the key stays"; }
[ -f "$old" ] && [ "$(dev_objects)" != "$K9R_OBJECTS" ] || fail "the record went without its key"
ok renew --key-alias dev --json --log-level WARN
[ "$(jget dev result)" = not-due ] || fail "not due: $(cat "$T/out")"
grep -q "removed the replaced key an interrupted run left on the device" "$T/err" || { cat "$T/err" >&2; fail "the removal is not said"; }
[ ! -e "$old" ] || fail "the record of the removed key is still there"
[ "$(dev_objects)" = "$K9R_OBJECTS" ] || fail "the token holds '$(dev_objects)', after enrollment '$K9R_OBJECTS'"
[ ! -s "$T/srv/requests.log" ] || fail "a not-due renew used the network"
key_matches_cert dev "not-due cleanup"
echo "pkcs11 not-due renew after a kill at event $K9R_R (replaced key left on the token): key destroyed, no network; with a wrong PIN: warned, record kept" >>"$K9R_ROWS"

k9r_matrix renew "first journal after-journal journal-removed after-commit last" --force --retry-for 0
k9r_report
exit 0
