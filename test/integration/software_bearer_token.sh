#!/bin/bash
# Bearer access tokens (--estc-token-file, EST_TOKEN, config estc-token-file)
# against the test server's Bearer challenge (--fault auth-scheme: every
# /simpleenroll is "401 WWW-Authenticate: Bearer realm="x"", so a token is
# always rejected): the token file is checked before anything is sent; the
# first request carries no Authorization header; the token answers the 401
# once, on the same connection; a rejected token is exit 6 naming
# --estc-token-file and EST_TOKEN; the token is never logged, never sent to
# a Basic-only server, and never seen by a proxy.  (The full enrollment
# with a token accepted: software_enroll_bearer.sh, hwe-estserver --bearer.)
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/test/integration/lib-proxy.sh"
set -e
need openssl python3
TOKEN="hwe.tok-$RANDOM$RANDOM-_~+/=="
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
est_start "$T/srv" --fault auth-scheme --fault-op simpleenroll
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
E=(enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf)
# "none"/"auth" for each request in a DEBUG trace: did it carry Authorization?
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

step "token file and EST_TOKEN are checked before anything is sent"
ks_snapshot before
: >"$T/empty"
chmod 600 "$T/empty"
expect 3 "token file '$T/empty' is empty" "${E[@]}" --estc-token-file "$T/empty"
printf 'two words\n' >"$T/spaces"
chmod 600 "$T/spaces"
expect 3 "token file '$T/spaces' does not hold a Bearer access token" "${E[@]}" --estc-token-file "$T/spaces"
grep -q "two words" "$T/err" && fail "the bad token was printed"
head -c 4097 /dev/zero | tr '\0' 'a' >"$T/huge"
chmod 600 "$T/huge"
expect 3 "token file '$T/huge': the first line is longer than 4096 bytes" "${E[@]}" --estc-token-file "$T/huge"
expect 3 "cannot open token file '$T/nosuch'" "${E[@]}" --estc-token-file "$T/nosuch"
EST_TOKEN='bad token' hwe "${E[@]}"
[ "$rc" = 2 ] && grep -q "EST_TOKEN does not hold a Bearer access token" "$T/err" || { cat "$T/err"; fail "bad EST_TOKEN"; }
[ "$(est_log_count "$T/srv" simpleenroll)" = 0 ] || fail "a request was sent with a bad token"
cp "$T/token" "$T/token-644"
chmod 644 "$T/token-644"
expect 3 "refusing token file '$T/token-644': accessible by group or others" "${E[@]}" --estc-token-file "$T/token-644"
ks_unchanged before "bad tokens"

step "a Bearer challenge and no token: exit 6, the challenge named, the hint says how to pass one"
expect 6 "unsupported authentication scheme\(s\) 'Bearer realm=\"x\"'" "${E[@]}"
once
grep -q "HINT: .*Bearer with an access token: pass it with --estc-token-file FILE or EST_TOKEN" "$T/err" || { cat "$T/err"; fail "hint"; }

step "with a token: no Authorization on the first request; the token answers the 401 once, on the same connection"
: >"$T/srv/requests.log"
ks_snapshot before
expect 6 "simpleenroll: access token rejected by the server" -l DEBUG "${E[@]}" --estc-token-file "$T/token"
once
grep -q "HINT: check the Bearer token in --estc-token-file or EST_TOKEN" "$T/err" || fail "no hint naming --estc-token-file / EST_TOKEN"
# (enroll asks /csrattrs first, on the same connection)
seq=$(auth_per_request)
case $seq in
"simpleenroll:none simpleenroll:auth" | "csrattrs:none simpleenroll:none simpleenroll:auth") ;;
*) cat "$T/err"; fail "Authorization per request: '$seq'" ;;
esac
grep -q "Server auth using Bearer" "$T/err" || fail "curl did not answer with Bearer"
[ "$(grep -c 'POST .*/simpleenroll 401' "$T/srv/requests.log")" = 2 ] || { cat "$T/srv/requests.log"; fail "expected two 401s"; }
[ "$(sed 's/.* \(conn=[0-9]*\) .*/\1/' "$T/srv/requests.log" | sort -u | wc -l)" = 1 ] \
	|| { cat "$T/srv/requests.log"; fail "the token did not answer the 401 on the same connection"; }
no_token_shown
ks_unchanged before "a rejected token"
EST_TOKEN=$TOKEN hwe "${E[@]}"
[ "$rc" = 6 ] && grep -q "access token rejected" "$T/err" || { cat "$T/err"; fail "EST_TOKEN"; }
# command line > environment > config file
EST_TOKEN='bad token' hwe "${E[@]}" --estc-token-file "$T/token"
[ "$rc" = 6 ] && grep -q "access token rejected" "$T/err" || { cat "$T/err"; fail "--estc-token-file does not win over EST_TOKEN"; }
printf 'estc-token-file=%s\n' "$T/spaces" >"$T/hwenroll.conf"
EST_TOKEN=$TOKEN hwe --config "$T/hwenroll.conf" "${E[@]}"
[ "$rc" = 6 ] && grep -q "access token rejected" "$T/err" || { cat "$T/err"; fail "EST_TOKEN does not win over the config file"; }
printf 'estc-token-file=%s\n' "$T/token" >"$T/hwenroll.conf"
hwe --config "$T/hwenroll.conf" "${E[@]}"
[ "$rc" = 6 ] && grep -q "access token rejected" "$T/err" || { cat "$T/err"; fail "config key estc-token-file"; }
ks_unchanged before "rejected tokens"

step "a Basic-only server never gets the token: with a password it gets Basic, without one nothing"
pw_init
est_start "$T/srvb" --user device --pass-file "$T/pass"
cp "$T/srvb/tls-ca.pem" "$KS/ca/tls-root-b.pem"
BURL=$(est_url "$T/srvb" "" simpleenroll)
ok -l DEBUG enroll --uri "$BURL" --key-alias dev2 --csr-conf device.conf --estc-token-file "$T/token" \
	--estc-user device --estc-pass-file "$T/pass"
check_cert dev2 "$T/srvb"
grep -q "Server auth using Basic" "$T/err" && ! grep -q "auth using Bearer" "$T/err" || { cat "$T/err"; fail "not Basic"; }
no_token_shown
: >"$T/srvb/requests.log"
hwe -l DEBUG enroll --uri "$BURL" --key-alias dev3 --csr-conf device.conf --estc-token-file "$T/token"
[ "$rc" = 6 ] && grep -q "simpleenroll: server requires authentication" "$T/err" || { cat "$T/err"; fail "token vs Basic"; }
case $(auth_per_request) in
*auth*) cat "$T/err"; fail "something was sent to a Basic-only server: '$(auth_per_request)'" ;;
esac
[ "$(grep -c 'POST .*/simpleenroll' "$T/srvb/requests.log")" = 1 ] || { cat "$T/srvb/requests.log"; fail "a token alone should make one POST"; }
est_stop "$T/srvb"

step "through a proxy the token travels only inside the EST server's TLS"
printf '%s\n' "$TOKEN" >"$T/secrets"
px_start "$T/px" --secrets "$T/secrets"
expect 6 "access token rejected" "${E[@]}" --estc-token-file "$T/token" --proxy "http://127.0.0.1:$PX_PORT"
px_wait_end "$T/px" 1
grep -q "connect=127.0.0.1:$(est_port "$T/srv") status=200 proxy-auth=no authorization=no" "$T/px/proxy.log" \
	|| { cat "$T/px/proxy.log"; fail "the CONNECT request carried credentials"; }
grep -q "secrets-seen=yes" "$T/px/proxy.log" && fail "the proxy saw the token"
grep -q "secrets-seen=no" "$T/px/proxy.log" || fail "the proxy logged no connection end"
exit 0
