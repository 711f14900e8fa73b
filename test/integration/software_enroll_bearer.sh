#!/bin/bash
# software key: enroll and reenroll against a server that wants a Bearer
# access token (hwe-estserver --bearer TOKEN: /simpleenroll and
# /simplereenroll require "Authorization: Bearer TOKEN"; 401 +
# WWW-Authenticate: Bearer realm="hwe-est" when absent, 401 with
# error="invalid_token" when wrong).  The first request carries no
# Authorization; the token answers the 401 on the same connection; a wrong
# token is exit 6 naming --estc-token-file / EST_TOKEN and changes nothing;
# the token is never logged.  Skipped (77) only while hwe-estserver has no
# --bearer.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
"$ESTSERVER" --help 2>&1 | grep -q -- "--bearer" || skip "hwe-estserver has no --bearer TOKEN"
TOKEN="hwe-bearer.$RANDOM$RANDOM-_~+/="
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
printf 'not-%s\n' "$TOKEN" >"$T/wrong"
chmod 600 "$T/wrong"
est_start "$T/srv" --bearer "$TOKEN"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
RURL=$(est_url "$T/srv" "" simplereenroll)
# OP:none / OP:auth for each request of a DEBUG trace (OP: the path's last
# segment): did it carry an Authorization header?
auth_per_request() {
	awk '/DEBUG: > (POST|GET) \// { if (n) print op ":" a; n++; a = "none"
	                                 op = $5; sub(/.*\//, "", op) }
	     /DEBUG: > Authorization: / { a = "auth" }
	     END { if (n) print op ":" a }' "$T/err" | paste -sd' '
}
no_token_shown() {
	grep -qF "$TOKEN" "$T/err" "$T/out" && fail "the token was printed"
	grep -qi "authorization: bearer [a-z0-9]" "$T/err" && fail "an Authorization value was logged"
	return 0
}

step "no token: exit 6 naming the Bearer challenge, with a hint to pass one; nothing stored"
ks_snapshot before
expect 6 "unsupported authentication scheme\(s\) 'Bearer realm=\"hwe-est\"'" \
	enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf
once
grep -q "HINT: .*--estc-token-file FILE or EST_TOKEN" "$T/err" || { cat "$T/err"; fail "hint"; }
ks_unchanged before "no token"

step "--estc-token-file: the first request carries no Authorization, the retry the token, on the same connection"
: >"$T/srv/requests.log"
ok -l DEBUG enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-token-file "$T/token"
check_cert dev1 "$T/srv"
# (enroll asks /csrattrs first, on the same connection)
seq=$(auth_per_request)
case $seq in
"simpleenroll:none simpleenroll:auth" | "csrattrs:none simpleenroll:none simpleenroll:auth") ;;
*) cat "$T/err"; fail "Authorization per request: '$seq'" ;;
esac
grep 'simpleenroll' "$T/srv/requests.log" | sed -n '1{/POST .*\/simpleenroll 401 /!q1};2{/POST .*\/simpleenroll 200 /!q1}' \
	|| { cat "$T/srv/requests.log"; fail "not 401 then 200"; }
[ "$(sed 's/.* \(conn=[0-9]*\) .*/\1/' "$T/srv/requests.log" | sort -u | wc -l)" = 1 ] \
	|| { cat "$T/srv/requests.log"; fail "not one connection"; }
no_token_shown

step "reenroll: client certificate and EST_TOKEN"
: >"$T/srv/requests.log"
EST_TOKEN=$TOKEN hwe -l INFO reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 0 ] || { cat "$T/err"; fail "reenroll with EST_TOKEN"; }
check_cert dev1 "$T/srv"
grep -q "POST .*/simplereenroll 200 client=.*CN *= *dev1" "$T/srv/requests.log" || { cat "$T/srv/requests.log"; fail "reenroll"; }
no_token_shown
ok reenroll --uri "$RURL" --key-alias dev1 --rekey --estc-token-file "$T/token"
check_cert dev1 "$T/srv"

step "a wrong token: exit 6 (invalid_token) naming --estc-token-file and EST_TOKEN, keystore unchanged"
ks_snapshot before
expect 6 "simpleenroll: access token rejected by the server \(error=\"invalid_token\"\)" \
	enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf --estc-token-file "$T/wrong"
once
grep -q "HINT: check the Bearer token in --estc-token-file or EST_TOKEN" "$T/err" || fail "hint"
grep -qF "not-$TOKEN" "$T/err" && fail "the wrong token was printed"
EST_TOKEN="not-$TOKEN" hwe reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 6 ] && grep -q "simplereenroll: access token rejected by the server (error=\"invalid_token\")" "$T/err" \
	|| { cat "$T/err"; fail "wrong EST_TOKEN on reenroll"; }
expect 6 "unsupported authentication scheme" reenroll --uri "$RURL" --key-alias dev1 --rekey
ks_unchanged before "a wrong or missing token"
exit 0
