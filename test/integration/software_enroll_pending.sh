#!/bin/bash
# 202 + Retry-After: wait within --max-wait and resume on the same run;
# beyond it exit 8 with the request (and new key) saved, reported as PENDING
# (an outcome, not an error), and the next run resumes that request instead
# of making a new key.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init

step "202 with Retry-After: 1 second, waited out"
est_start "$T/srv" --user device --pass-file "$T/pass" --pending 1 --retry-after 1
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
ok --log-level INFO enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev1 "$T/srv"
grep -q "202" "$T/err" || fail "the wait was not logged"
[ "$(grep -c 'simpleenroll 202' "$T/srv/requests.log")" = 1 ] || fail "expected one 202"
ls "$KS/req" | grep -q pending && fail "pending key left after success"
est_stop "$T/srv"

step "202 with an HTTP-date Retry-After"
rm -rf "$T/srv" "$KS"
est_start "$T/srv" --user device --pass-file "$T/pass" --pending 1 --retry-after "$(date -u -R -d '+2 seconds' | sed 's/+0000/GMT/')"
ks_init "$T/srv" dev2
ok enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --key-alias dev2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev2 "$T/srv"
est_stop "$T/srv"

step "Retry-After beyond --max-wait: exit 8, request saved, nothing else stored"
rm -rf "$T/srv" "$KS"
est_start "$T/srv" --user device --pass-file "$T/pass" --pending 1 --retry-after 3600
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev3
URL=$(est_url "$T/srv" "" simpleenroll)
expect 8 "pending" enroll --uri "$URL" --key-alias dev3 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" --max-wait 2
# an outcome, not an error: one PENDING line with its status, and when to come back
[ "$(grep -c 'PENDING:' "$T/err")" = 1 ] && ! grep -q 'ERROR:' "$T/err" &&
	grep -q 'PENDING: request pending at the server .*Status: -[0-9]* (ERR_EST_PENDING)$' "$T/err" &&
	grep -q 'HINT: run the same command again after 3600 seconds' "$T/err" ||
	{ cat "$T/err"; fail "the pending request is not reported as such"; }
grep -q "HINT: .*again" "$T/err" || fail "no hint to run again"
[ -f "$KS/req/dev3.csr" ] || fail "request not saved"
[ -f "$KS/req/dev3.pending.pem" ] || fail "pending key not saved"
[ "$(stat -c %a "$KS/req/dev3.pending.pem")" = 600 ] || fail "pending key not 0600"
[ -e "$KS/certs/dev3.pem" ] && fail "certificate stored for a pending request"
[ -e "$KS/keys/dev3.pem" ] && fail "key stored as enrolled for a pending request"
ok show --key-alias dev3
grep -q "pending" "$T/out" || fail "show does not report the pending request"
subj1=$(openssl req -in "$KS/req/dev3.csr" -noout -subject)
chal1=$(openssl req -in "$KS/req/dev3.csr" -noout -text | grep -A1 challengePassword)
[ -n "$chal1" ] || fail "the pending CSR carries no challengePassword"

step "the next run resumes the saved request (same key, same CSR)"
ok enroll --uri "$URL" --key-alias dev3 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" --max-wait 2
check_cert dev3 "$T/srv"
cmp <(openssl pkey -in "$KS/keys/dev3.pem" -pubout) <(openssl req -in "$KS/req/dev3.csr" -noout -pubkey) || fail "resumed with another key"
# the saved request is resumed: same key and subject; it was bound again
# (proof-of-possession) to the new connection and signed again by that key
[ "$(openssl req -in "$KS/req/dev3.csr" -noout -subject)" = "$subj1" ] || fail "CSR was rebuilt instead of resumed"
[ "$(openssl req -in "$KS/req/dev3.csr" -noout -text | grep -A1 challengePassword)" != "$chal1" ] ||
	fail "the resumed CSR still carries the old connection's binding"
openssl req -in "$KS/req/dev3.csr" -verify -noout 2>/dev/null || fail "the re-bound CSR does not verify"
[ -e "$KS/req/dev3.pending.pem" ] && fail "pending key left behind"

step "a 202 whose request cannot be saved: the save's own error, not a lost one"
# req/dev4.csr is a directory: the pending commit's rename onto it fails
mkdir -p "$KS/req/dev4.csr"
ks_snapshot before
expect 12 "keystore|rename|dev4.csr" enroll --uri "$URL" --key-alias dev4 --csr-conf device.conf \
	--estc-user device --estc-pass-file "$T/pass" --max-wait 1
once
grep -q "command failed" "$T/err" && { cat "$T/err"; fail "the commit's error was lost"; }
grep -q "ERR_EST_PENDING" "$T/err" && { cat "$T/err"; fail "reported as pending although nothing was saved"; }
ks_unchanged before "a pending request that could not be saved"
exit 0
