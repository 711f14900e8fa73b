#!/bin/bash
# software key through a hostile https:// proxy (test/integration/https-proxy.py):
# it asks every client for a certificate and would accept the device's, and
# looks for the EST password in everything it relays.  The device
# certificate and key go to the EST server only (the proxy never receives a
# client certificate, with or without --proxy-cacert, TLS 1.3 and 1.2); the
# proxy is verified against the system store or --proxy-cacert, never
# <ks>/ca/, and <ks>/ca/ is never the proxy's trust nor --proxy-cacert the
# EST server's; an untrusted proxy is exit 5 naming the proxy; the EST
# server's identity (URL host or --estc-server-dn) is what is checked
# through the tunnel; the EST password never reaches the proxy;
# proof-of-possession binds the EST server's TLS, not the proxy's.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/test/integration/lib-proxy.sh"
set -e
need openssl python3
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
RURL=$(est_url "$T/srv" "" simplereenroll)
AUTH=(--estc-user device --estc-pass-file "$T/pass")
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
proxy_pki "$T/pki"
cp "$T/pass" "$T/secrets"
# the proxy accepts a client certificate from the device's EST CA
px_start "$T/px" --cert "$T/pki/proxy.pem" --key "$T/pki/proxy.key" --client-ca "$T/srv/ca.pem" --secrets "$T/secrets"
XP=$PX_PORT
PXA=(--proxy "https://127.0.0.1:$XP")
no_client_cert() { # DIR: no connection to the proxy carried a client certificate
	if grep "client-cert=" "$1/proxy.log" | grep -qv "client-cert=none"; then
		cat "$1/proxy.log" >&2
		fail "the proxy received a client certificate"
	fi
	return 0
}

step "no --proxy-cacert: the proxy is verified against the system store -> exit 5 naming the proxy"
ks_snapshot before
expect 5 "TLS handshake with the proxy 'https://127.0.0.1:$XP' \(from --proxy\) failed: the proxy's certificate is not trusted" \
	reenroll --uri "$RURL" --key-alias dev1 "${PXA[@]}"
once
grep -q "ERR_PROXY_CERT" "$T/err" || fail "status is not ERR_PROXY_CERT"
grep -q "HINT: .*--proxy-cacert FILE" "$T/err" || fail "the hint does not name --proxy-cacert"
grep -q "server certificate" "$T/err" && fail "an untrusted proxy is reported as the EST server's certificate"
ks_unchanged before "an untrusted proxy"
grep -q "handshake-failed" "$T/px/proxy.log" || { cat "$T/px/proxy.log"; fail "the proxy saw no failed handshake"; }
no_client_cert "$T/px"

step "<ks>/ca/ is not the proxy's trust: the proxy's CA in <ks>/ca/ changes nothing"
cp "$T/pki/ca.pem" "$KS/ca/proxy-ca.pem"
expect 5 "the proxy's certificate is not trusted" reenroll --uri "$RURL" --key-alias dev1 "${PXA[@]}"
rm "$KS/ca/proxy-ca.pem"
no_client_cert "$T/px"

step "--proxy-cacert: reenroll through the proxy; the EST server gets the client certificate, the proxy none"
: >"$T/srv/requests.log"
: >"$T/px/proxy.log"
ok -l DEBUG reenroll --uri "$RURL" --key-alias dev1 "${PXA[@]}" --proxy-cacert "$T/pki/ca.pem"
check_cert dev1 "$T/srv"
grep -q "POST .*/simplereenroll 200 client=.*CN *= *dev1" "$T/srv/requests.log" \
	|| { cat "$T/srv/requests.log"; fail "the EST server did not get the client certificate"; }
grep -q "tls=TLSv1.3 client-cert=none connect=127.0.0.1:$EST_PORT status=200" "$T/px/proxy.log" \
	|| { cat "$T/px/proxy.log"; fail "not tunnelled through the TLS proxy"; }
grep -q "the proxy asks for a client certificate; it gets none" "$T/err" || { cat "$T/err"; fail "no DEBUG line for the proxy's certificate request"; }
no_client_cert "$T/px"
ok reenroll --uri "$RURL" --key-alias dev1 --rekey "${PXA[@]}" --proxy-cacert "$T/pki/ca.pem"
check_cert dev1 "$T/srv"
no_client_cert "$T/px"

step "--proxy-cacert is not the EST server's trust: the EST server's CA there does not replace <ks>/ca/"
cat "$T/pki/ca.pem" "$T/srv/tls-ca.pem" >"$T/both.pem"
mv "$KS/ca/tls-root.pem" "$T/tls-root.pem"
cp "$T/pki/ca.pem" "$KS/ca/other-root.pem"     # an anchor, but not the EST server's
ks_snapshot before
expect 5 "Unable to connect to the server '127.0.0.1:$EST_PORT': server certificate not trusted" \
	reenroll --uri "$RURL" --key-alias dev1 "${PXA[@]}" --proxy-cacert "$T/both.pem"
grep -q "HINT: Ensure you have downloaded the TLS root CA certificate into" "$T/err" || fail "hint for the EST server's trust"
ks_unchanged before "EST server untrusted through the proxy"
mv "$T/tls-root.pem" "$KS/ca/tls-root.pem"
rm "$KS/ca/other-root.pem"
no_client_cert "$T/px"

step "the EST server's identity is checked through the tunnel: URL host, --estc-server-dn"
ok reenroll --uri "$RURL" --key-alias dev1 --estc-server-dn localhost "${PXA[@]}" --proxy-cacert "$T/pki/ca.pem"
expect 5 "its certificate is not valid for 'wrong.example'" \
	reenroll --uri "$RURL" --key-alias dev1 --estc-server-dn wrong.example "${PXA[@]}" --proxy-cacert "$T/pki/ca.pem"
no_client_cert "$T/px"

step "enroll with a password through the proxy: neither the CONNECT request nor the tunnel carries it in the clear"
: >"$T/px/proxy.log"
ok enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf "${AUTH[@]}" "${PXA[@]}" --proxy-cacert "$T/pki/ca.pem"
check_cert dev2 "$T/srv"
px_wait_end "$T/px" 1
grep -q "authorization=no" "$T/px/proxy.log" || { cat "$T/px/proxy.log"; fail "EST credentials in the CONNECT request"; }
grep -q "secrets-seen=yes" "$T/px/proxy.log" && fail "the proxy saw the EST password"
grep -q "secrets-seen=no" "$T/px/proxy.log" || fail "no connection end logged"

step "https_proxy=https://... from the environment; a TLS 1.2 proxy"
px_start "$T/px12" --tls12 --cert "$T/pki/proxy.pem" --key "$T/pki/proxy.key" --client-ca "$T/srv/ca.pem"
XP12=$PX_PORT
https_proxy=https://127.0.0.1:$XP12 hwe reenroll --uri "$RURL" --key-alias dev1
[ "$rc" = 5 ] && grep -q "TLS handshake with the proxy 'https://127.0.0.1:$XP12' (from https_proxy) failed: the proxy's certificate is not trusted" "$T/err" \
	|| { cat "$T/err"; fail "untrusted proxy from https_proxy"; }
https_proxy=https://localhost:$XP12 hwe -l INFO reenroll --uri "$RURL" --key-alias dev1 --proxy-cacert "$T/pki/ca.pem"
[ "$rc" = 0 ] || { cat "$T/err"; fail "reenroll through https_proxy=https://localhost"; }
grep -q "INFO: using proxy https://localhost:$XP12 from https_proxy" "$T/err" || { cat "$T/err"; fail "INFO does not name the proxy"; }
grep -q "tls=TLSv1.2 client-cert=none connect=127.0.0.1:$EST_PORT status=200" "$T/px12/proxy.log" \
	|| { cat "$T/px12/proxy.log"; fail "not tunnelled through the TLS 1.2 proxy"; }
no_client_cert "$T/px12"

step "proof-of-possession through the TLS proxy binds the EST server's TLS (1.3 and 1.2), not the proxy's"
for v in 1.3 1.2; do
	est_start "$T/pop$v" --user device --pass-file "$T/pass" --tls-min "$v" --tls-max "$v" --require-pop
	cp "$T/pop$v/tls-ca.pem" "$KS/ca/pop$v.pem"
	ok enroll --uri "$(est_url "$T/pop$v" "" simpleenroll)" --key-alias "pop${v/./}" --csr-conf device.conf \
		"${AUTH[@]}" --pop --proxy "https://127.0.0.1:$XP" --proxy-cacert "$T/pki/ca.pem"
	check_cert "pop${v/./}" "$T/pop$v"
	ok reenroll --uri "$(est_url "$T/pop$v" "" simplereenroll)" --key-alias "pop${v/./}" --pop \
		--proxy "https://127.0.0.1:$XP" --proxy-cacert "$T/pki/ca.pem"
	est_stop "$T/pop$v"
done
no_client_cert "$T/px"

step "a proxy certificate for another host name -> exit 5 naming the proxy"
proxy_pki "$T/pki2" DNS:proxy.invalid
px_start "$T/pxw" --cert "$T/pki2/proxy.pem" --key "$T/pki2/proxy.key" --client-ca "$T/srv/ca.pem"
expect 5 "TLS handshake with the proxy 'https://127.0.0.1:$PX_PORT' \(from --proxy\) failed: the proxy's certificate is not valid for its host name" \
	reenroll --uri "$RURL" --key-alias dev1 --proxy "https://127.0.0.1:$PX_PORT" --proxy-cacert "$T/pki2/ca.pem"
no_client_cert "$T/pxw"
exit 0
