#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# estserver_pki_est.sh - a third-party EST client (strongSwan pki) against hwe-estserver.
#
# Proves the test server speaks standard EST: /cacerts, /simpleenroll with
# HTTP Basic, /simplereenroll with TLS client authentication (also in
# --require-client-cert mode), and that a 401 is answered on a kept-alive
# connection (curl --anyauth: 401 then 200 on the same connection).
# make check may run this with /bin/sh: continue in bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib-estserver.sh"

for tool in pki openssl curl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

fail() {
	echo "FAIL: $*" >&2
	[ -n "${d:-}" ] && [ -f "$d/requests.log" ] && sed 's/^/  log: /' "$d/requests.log" >&2
	[ -n "${d:-}" ] && [ -f "$d/server.log" ] && sed 's/^/  server: /' "$d/server.log" >&2
	exit 1
}

hwe_mktemp tmp || exit 1
d=$tmp/est
mkdir -p "$d"
printf 'p4ss\n' >"$tmp/pass"

# strongSwan reads only this file (no /etc/strongswan.d includes), and loads
# no tpm plugin (which would warn about a missing TPM).
cat >"$tmp/strongswan.conf" <<'EOF'
pki {
	load = random nonce openssl pem pkcs1 pkcs7 pkcs8 x509 pubkey constraints
}
EOF
export STRONGSWAN_CONF=$tmp/strongswan.conf

# strongSwan 5.9 pki cannot decode line-wrapped base64 bodies: --base64-oneline.
est_start "$d" --user u --pass-file "$tmp/pass" --base64-oneline || fail "server did not start"
base=https://127.0.0.1:$EST_PORT

# --- /cacerts ---
pki --estca --url "$base" --cacert "$d/tls-ca.pem" --outform pem \
	>"$tmp/estca.pem" 2>"$tmp/estca.err" || { cat "$tmp/estca.err"; fail "pki --estca"; }
cmp -s <(openssl x509 -in "$tmp/estca.pem" -outform der) \
	<(openssl x509 -in "$d/ca.pem" -outform der) || fail "pki --estca returned another CA"
grep -q 'GET /.well-known/est/cacerts 200 ' "$d/requests.log" || fail "cacerts not logged"

# --- /simpleenroll with HTTP Basic ---
pki --gen --type ecdsa --size 256 --outform pem >"$tmp/key.pem" 2>/dev/null || fail "pki --gen"
pki --req --in "$tmp/key.pem" --type ecdsa --dn "CN=pki-device, O=hwe test" \
	--san pki-device.example --outform der >"$tmp/req.der" 2>/dev/null || fail "pki --req"

if pki --est --url "$base" --in "$tmp/req.der" --cacert "$d/tls-ca.pem" \
	--userpass u:wrong --outform pem >"$tmp/bad.pem" 2>"$tmp/bad.err"; then
	fail "enroll with a wrong password succeeded"
fi
grep -q 'POST /.well-known/est/simpleenroll 401 client=- user=u proto=' "$d/requests.log" ||
	fail "wrong password not answered 401"

pki --est --url "$base" --in "$tmp/req.der" --cacert "$d/tls-ca.pem" \
	--userpass u:p4ss --outform pem >"$tmp/cert.pem" 2>"$tmp/est.err" ||
	{ cat "$tmp/est.err"; fail "pki --est simpleenroll"; }
openssl verify -CAfile "$d/ca.pem" "$tmp/cert.pem" >/dev/null || fail "issued cert does not verify"
subj=$(openssl x509 -in "$tmp/cert.pem" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=O=hwe test,CN=pki-device" ] || fail "issued subject is '$subj'"
openssl x509 -in "$tmp/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:pki-device.example' ||
	fail "issued cert lacks the requested subjectAltName"
cmp -s <(openssl x509 -in "$tmp/cert.pem" -noout -pubkey) \
	<(openssl pkey -in "$tmp/key.pem" -pubout) || fail "issued cert carries another key"
grep -q 'POST /.well-known/est/simpleenroll 200 client=- user=u proto=' "$d/requests.log" ||
	fail "simpleenroll 200 not logged"
grep -q 'p4ss' "$d/requests.log" && fail "password appears in the request log"

# --- /simplereenroll with TLS client authentication (rekey) ---
pki --gen --type ecdsa --size 256 --outform pem >"$tmp/key2.pem" 2>/dev/null || fail "pki --gen 2"
pki --req --in "$tmp/key2.pem" --type ecdsa --dn "CN=pki-device, O=hwe test" \
	--san pki-device.example --outform der >"$tmp/req2.der" 2>/dev/null || fail "pki --req 2"
pki --est --url "$base" --in "$tmp/req2.der" --cacert "$d/tls-ca.pem" \
	--cert "$tmp/cert.pem" --key "$tmp/key.pem" --outform pem >"$tmp/cert2.pem" 2>"$tmp/re.err" ||
	{ cat "$tmp/re.err"; fail "pki --est simplereenroll"; }
openssl verify -CAfile "$d/ca.pem" "$tmp/cert2.pem" >/dev/null || fail "reenrolled cert does not verify"
cmp -s <(openssl x509 -in "$tmp/cert2.pem" -noout -pubkey) \
	<(openssl pkey -in "$tmp/key2.pem" -pubout) || fail "reenrolled cert does not carry the new key"
grep -q 'POST /.well-known/est/simplereenroll 200 client=/CN=pki-device/O=hwe_test user=- proto=' \
	"$d/requests.log" || fail "simplereenroll 200 with client cert not logged"

# A changed subject is refused (RFC 7030 4.2.2).
pki --req --in "$tmp/key2.pem" --type ecdsa --dn "CN=other-device, O=hwe test" \
	--san pki-device.example --outform der >"$tmp/req3.der" 2>/dev/null || fail "pki --req 3"
if pki --est --url "$base" --in "$tmp/req3.der" --cacert "$d/tls-ca.pem" \
	--cert "$tmp/cert.pem" --key "$tmp/key.pem" --outform pem >/dev/null 2>&1; then
	fail "reenroll with a changed subject succeeded"
fi
grep -q 'POST /.well-known/est/simplereenroll 400 ' "$d/requests.log" ||
	fail "changed subject not answered 400"

# --- 401 then 200 on the same connection (curl answers the challenge) ---
base64 "$tmp/req.der" >"$tmp/req.b64"
before=$(wc -l <"$d/requests.log")
code=$(curl -sS --cacert "$d/tls-ca.pem" --anyauth -u u:p4ss \
	-H 'Content-Type: application/pkcs10' --data-binary @"$tmp/req.b64" \
	-o "$tmp/curl.b64" -w '%{http_code}' "$(est_url "$d" simpleenroll)") || fail "curl enroll"
[ "$code" = 200 ] || fail "curl enroll answered $code"
new=$(tail -n +"$((before + 1))" "$d/requests.log")
[ "$(echo "$new" | wc -l)" = 2 ] || fail "expected 2 new log lines, got: $new"
conn=$(echo "$new" | sed -n '1s/.* conn=\([0-9]*\) req=1 .* 401 .*/\1/p')
[ -n "$conn" ] || fail "first request was not a 401 on a new connection: $new"
echo "$new" | sed -n 2p | grep -q " conn=$conn req=2 tls=new POST /.well-known/est/simpleenroll 200 " ||
	fail "the 200 did not follow on the same connection: $new"
base64 -d "$tmp/curl.b64" | openssl pkcs7 -inform der -print_certs >"$tmp/curl.pem" ||
	fail "curl enroll response is not base64 PKCS#7"
openssl verify -CAfile "$d/ca.pem" "$tmp/curl.pem" >/dev/null || fail "curl-enrolled cert does not verify"
est_stop "$d"
[ ! -e "$d/port" ] || fail "server left its port file behind after SIGTERM"

# --- --require-client-cert mode: reenroll with a bootstrap certificate ---
d=$tmp/est-clientauth
mkdir -p "$d"
est_start "$d" --require-client-cert --bootstrap boot1 --base64-oneline ||
	fail "clientauth server did not start"
base=https://127.0.0.1:$EST_PORT
pki --gen --type ecdsa --size 256 --outform pem >"$tmp/key3.pem" 2>/dev/null || fail "pki --gen 3"
pki --req --in "$tmp/key3.pem" --type ecdsa --dn "CN=boot1" --outform der \
	>"$tmp/req4.der" 2>/dev/null || fail "pki --req 4"
pki --est --url "$base" --in "$tmp/req4.der" --cacert "$d/tls-ca.pem" \
	--cert "$d/boot1.pem" --key "$d/boot1.key" --outform pem >"$tmp/cert4.pem" 2>"$tmp/re4.err" ||
	{ cat "$tmp/re4.err"; fail "pki --est reenroll in clientauth mode"; }
openssl verify -CAfile "$d/ca.pem" "$tmp/cert4.pem" >/dev/null || fail "clientauth cert does not verify"
grep -q 'POST /.well-known/est/simplereenroll 200 client=/CN=boot1 ' "$d/requests.log" ||
	fail "clientauth reenroll not logged"
# Without a client certificate the handshake itself is refused.
if pki --estca --url "$base" --cacert "$d/tls-ca.pem" --outform pem >/dev/null 2>&1; then
	fail "clientauth server accepted a client without a certificate"
fi
est_stop "$d"

echo "PASS: strongSwan pki enrolls and re-enrolls against hwe-estserver"
exit 0
