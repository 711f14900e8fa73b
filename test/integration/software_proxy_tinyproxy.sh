#!/bin/bash
# software key: enroll, reenroll, cacerts through a real HTTP proxy
# (tinyproxy on loopback, CONNECT tunnels): --proxy, https_proxy/HTTPS_PROXY
# and the config file, no_proxy; a proxy that refuses the tunnel (403), is
# not there, or wants credentials (407) is exit 4 naming the proxy, with
# the keystore untouched; proxy credentials from --proxy-user +
# --proxy-pass-file (or the URL) reach the proxy and are never logged.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/test/integration/lib-proxy.sh"
set -e
need openssl python3 tinyproxy
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
RURL=$(est_url "$T/srv" "" simplereenroll)
AUTH=(--estc-user device --estc-pass-file "$T/pass")
tp_start "$T/tp" "$EST_PORT"
P=$TP_PORT

step "enroll and reenroll through --proxy http://127.0.0.1:$P; INFO names the proxy"
ok -l INFO enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}" --proxy "http://127.0.0.1:$P"
check_cert dev1 "$T/srv"
grep -q "INFO: using proxy http://127.0.0.1:$P from --proxy" "$T/err" || { cat "$T/err"; fail "INFO does not name the proxy"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 1 ] || { cat "$T/tp/tinyproxy.log"; fail "enroll did not go through the proxy"; }
grep -qF "$(cat "$T/pass")" "$T/err" && fail "password in the log"
: >"$T/srv/requests.log"
ok -l INFO reenroll --uri "$RURL" --key-alias dev1 --proxy "127.0.0.1:$P"
grep -q "using proxy http://127.0.0.1:$P from --proxy" "$T/err" || fail "a proxy without scheme is not http://"
grep -q "POST .*/simplereenroll 200 client=.*CN *= *dev1" "$T/srv/requests.log" \
	|| { cat "$T/srv/requests.log"; fail "the EST server did not see the client certificate through the tunnel"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 2 ] || fail "reenroll did not go through the proxy"
ok cacerts --uri "$URL" --proxy "http://127.0.0.1:$P"
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 3 ] || fail "cacerts did not go through the proxy"

step "the proxy from the environment: https_proxy, HTTPS_PROXY, all_proxy; --proxy wins; no_proxy exempts"
https_proxy=http://127.0.0.1:$P hwe -l INFO reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 0 ] || { cat "$T/err"; fail "reenroll with https_proxy"; }
grep -q "INFO: using proxy http://127.0.0.1:$P from https_proxy" "$T/err" || { cat "$T/err"; fail "INFO does not name https_proxy"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 4 ] || fail "https_proxy was not used"
HTTPS_PROXY=http://127.0.0.1:$P hwe -l INFO csrattrs --uri "$URL"
[ "$rc" = 0 ] && grep -q "using proxy http://127.0.0.1:$P from HTTPS_PROXY" "$T/err" || { cat "$T/err"; fail "HTTPS_PROXY"; }
all_proxy=http://127.0.0.1:$P hwe -l INFO csrattrs --uri "$URL"
[ "$rc" = 0 ] && grep -q "from all_proxy" "$T/err" || { cat "$T/err"; fail "all_proxy"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 6 ] || fail "HTTPS_PROXY/all_proxy were not used"
# http_proxy is for http:// URLs only (libcurl does the same)
http_proxy=http://127.0.0.1:1 hwe csrattrs --uri "$URL"
[ "$rc" = 0 ] || { cat "$T/err"; fail "http_proxy was used for an https URL"; }
https_proxy=http://127.0.0.1:1 hwe -l INFO csrattrs --uri "$URL" --proxy "http://127.0.0.1:$P"
[ "$rc" = 0 ] && grep -q "from --proxy" "$T/err" || { cat "$T/err"; fail "--proxy does not win over https_proxy"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 7 ] || fail "--proxy was not used"
for np in 127.0.0.1 "localhost, 127.0.0.0/8" "*"; do
	https_proxy=http://127.0.0.1:1 no_proxy=$np hwe -l INFO csrattrs --uri "$URL"
	[ "$rc" = 0 ] || { cat "$T/err"; fail "no_proxy='$np' did not exempt 127.0.0.1"; }
	grep -q "not using the proxy from https_proxy for '127.0.0.1': no_proxy matches it" "$T/err" \
		|| { cat "$T/err"; fail "no_proxy='$np': no INFO line"; }
done
https_proxy=http://127.0.0.1:$P NO_PROXY=example.com hwe csrattrs --uri "$URL"
[ "$rc" = 0 ] && [ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 8 ] || fail "NO_PROXY=example.com exempted 127.0.0.1"
printf 'proxy=http://127.0.0.1:%s\n' "$P" >"$T/hwenroll.conf"
ok --config "$T/hwenroll.conf" -l INFO csrattrs --uri "$URL"
grep -q "using proxy http://127.0.0.1:$P from config key 'proxy'" "$T/err" || { cat "$T/err"; fail "config key proxy"; }
[ "$(tp_tunnels "$T/tp" "$EST_PORT")" = 9 ] || fail "the config file's proxy was not used"

step "a proxy that refuses the tunnel (tinyproxy ConnectPort: 403) -> exit 4 naming the proxy, keystore unchanged"
tp_start "$T/tp403" 9
P403=$TP_PORT
ks_snapshot before
expect 4 "proxy 'http://127.0.0.1:$P403' \(from --proxy\) refused the tunnel to '127.0.0.1:$EST_PORT': HTTP 403" \
	reenroll --uri "$RURL" --key-alias dev1 --proxy "http://127.0.0.1:$P403"
once
grep -q "HINT: the proxy does not allow CONNECT" "$T/err" || fail "no hint for the 403"
grep -q "ERR_PROXY" "$T/err" || fail "status is not ERR_PROXY"
expect 4 "refused the tunnel .*HTTP 403" enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf "${AUTH[@]}" \
	--proxy "http://127.0.0.1:$P403"
https_proxy=http://127.0.0.1:$P403 hwe reenroll --uri "$RURL" --key-alias dev1 --rekey
[ "$rc" = 4 ] && grep -q "proxy 'http://127.0.0.1:$P403' (from https_proxy) refused the tunnel" "$T/err" \
	|| { cat "$T/err"; fail "403 through https_proxy"; }
ks_unchanged before "a refused tunnel"

step "a proxy that is not there -> exit 4 naming the proxy, not the EST server"
NP=$(free_port)
https_proxy=http://127.0.0.1:$NP hwe reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 4 ] || { cat "$T/err"; fail "unreachable proxy: exit $rc"; }
grep -q "Unable to connect to the proxy 'http://127.0.0.1:$NP' (from https_proxy)" "$T/err" || { cat "$T/err"; fail "message"; }
grep -q "server '127.0.0.1:$EST_PORT'" "$T/err" && fail "the unreachable proxy is reported as the EST server"
ks_unchanged before "an unreachable proxy"

step "proxy credentials (tinyproxy BasicAuth): 407 without, --proxy-user + --proxy-pass-file, wrong ones"
PPW="hwe-proxy-pw-$RANDOM$RANDOM"
tp_start "$T/tpauth" "$EST_PORT" "BasicAuth proxyuser $PPW"
PA=$TP_PORT
printf '%s\n' "$PPW" >"$T/proxypass"
chmod 600 "$T/proxypass"
printf 'not-the-proxy-pw\n' >"$T/proxywrong"
chmod 600 "$T/proxywrong"
expect 4 "proxy 'http://127.0.0.1:$PA' \(from --proxy\) requires authentication: HTTP 407" \
	reenroll --uri "$RURL" --key-alias dev1 --proxy "http://127.0.0.1:$PA"
grep -q "HINT: pass --proxy-user USER and --proxy-pass-file FILE" "$T/err" || fail "no hint for the 407"
ks_unchanged before "a 407"
ok -l DEBUG enroll --uri "$URL" --key-alias dev3 --csr-conf device.conf "${AUTH[@]}" \
	--proxy "http://127.0.0.1:$PA" --proxy-user proxyuser --proxy-pass-file "$T/proxypass"
check_cert dev3 "$T/srv"
grep -q "> Proxy-Authorization: \[redacted\]" "$T/err" || { cat "$T/err"; fail "no proxy credentials sent"; }
grep -qF "$PPW" "$T/err" && fail "proxy password in the DEBUG log"
grep -qF "$(cat "$T/pass")" "$T/err" && fail "EST password in the DEBUG log"
grep -qi "proxy-authorization: basic [a-z0-9]" "$T/err" && fail "Proxy-Authorization value in the DEBUG log"
ks_snapshot before
expect 4 "proxy 'http://127.0.0.1:$PA' \(from --proxy\) rejected the proxy credentials" \
	reenroll --uri "$RURL" --key-alias dev1 --proxy "http://127.0.0.1:$PA" --proxy-user proxyuser --proxy-pass-file "$T/proxywrong"
grep -q "HINT: check --proxy-user and --proxy-pass-file" "$T/err" || fail "no hint for rejected proxy credentials"
ks_unchanged before "rejected proxy credentials"
# user:password@ in https_proxy works and is never shown; --proxy-user wins over it
https_proxy="http://proxyuser:$PPW@127.0.0.1:$PA" hwe -l DEBUG reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 0 ] || { cat "$T/err"; fail "credentials in https_proxy"; }
grep -q "using proxy http://127.0.0.1:$PA from https_proxy" "$T/err" || fail "INFO line with credentials in the URL"
grep -qF "$PPW" "$T/err" && fail "proxy password from https_proxy in the DEBUG log"
https_proxy="http://proxyuser:wrong@127.0.0.1:$PA" hwe reenroll --uri "$RURL" --key-alias dev1 \
	--proxy-user proxyuser --proxy-pass-file "$T/proxypass"
[ "$rc" = 0 ] || { cat "$T/err"; fail "--proxy-user does not win over the URL's credentials"; }

step "usage and input errors, before anything is sent"
expect 2 "--proxy-user needs --proxy-pass-file" cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-user u
expect 2 "--proxy-pass-file needs --proxy-user" cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-pass-file "$T/proxypass"
expect 2 "proxy 'socks5://127.0.0.1:1' \(from --proxy\): only http:// and https:// proxies" cacerts --uri "$URL" --proxy socks5://127.0.0.1:1
https_proxy="socks5h://u:secret@127.0.0.1:1" hwe cacerts --uri "$URL"
[ "$rc" = 2 ] && grep -q "(from https_proxy): only http:// and https://" "$T/err" || { cat "$T/err"; fail "socks from https_proxy"; }
grep -q "secret" "$T/err" && fail "the proxy URL's password is shown"
expect 3 "cannot open --proxy-cacert file '$T/nosuch.pem'" cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-cacert "$T/nosuch.pem"
expect 3 "cannot open proxy password file" cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-user u --proxy-pass-file "$T/nosuch"
chmod 640 "$T/proxypass"
expect 3 "refusing proxy password file '$T/proxypass': accessible by group or others" \
	cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-user u --proxy-pass-file "$T/proxypass"
printf 'not a certificate\n' >"$T/notca.pem"
expect 3 "--proxy-cacert file '$T/notca.pem' holds no PEM certificate" cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-cacert "$T/notca.pem"
cp "$T/srv/tls-ca.pem" "$T/ca-gw.pem"
chmod 666 "$T/ca-gw.pem"
expect 3 "refusing --proxy-cacert file '$T/ca-gw.pem': writable by group or others" \
	cacerts --uri "$URL" --proxy "http://127.0.0.1:$P" --proxy-cacert "$T/ca-gw.pem"
exit 0
