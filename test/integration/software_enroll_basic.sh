#!/bin/bash
# software key: cacerts, enroll with HTTP Basic answering the 401 challenge
# on the same connection, files and modes, show, JSON output.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)

step "cacerts stores the EST CA certificates"
ok cacerts --uri "$URL"
[ -f "$KS/ca/est-cacerts.pem" ] || fail "no ca/est-cacerts.pem"
cmp <(openssl x509 -in "$KS/ca/est-cacerts.pem" -outform DER) <(openssl x509 -in "$T/srv/ca.pem" -outform DER) \
	|| fail "stored EST CA differs from the server's"
grep -q "hwe test EST CA" "$T/out" || fail "cacerts did not list the CA"

step "enroll: ECC P256 software key, Basic auth after the 401 challenge"
: >"$T/srv/requests.log"
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev1 "$T/srv"
openssl x509 -in "$T/out" -noout >/dev/null 2>&1 || fail "enroll did not print the certificate on stdout"
cmp <(openssl x509 -in "$T/out" -outform DER) <(openssl x509 -in "$KS/certs/dev1.pem" -outform DER) || fail "stdout != stored cert"
[ "$(openssl x509 -in "$KS/certs/dev1.pem" -noout -subject)" = "subject=C = US, CN = dev1, ST = CA, L = MV, O = Example, OU = Engineering" ] \
	|| fail "subject: $(openssl x509 -in "$KS/certs/dev1.pem" -noout -subject)"
openssl x509 -in "$KS/certs/dev1.pem" -noout -ext subjectAltName | grep -q "DNS:dev1.example.com, IP Address:10.1.2.3" || fail "SAN missing"
[ "$(head -c 27 "$KS/keys/dev1.pem")" = "-----BEGIN PRIVATE KEY-----" ] || fail "software key file format"
cmp <(openssl pkey -in "$KS/keys/dev1.pem" -pubout) <(openssl x509 -in "$KS/certs/dev1.pem" -noout -pubkey) || fail "cert does not carry the key"
openssl req -in "$KS/req/dev1.csr" -verify -noout 2>/dev/null || fail "saved CSR does not verify"
# the log: one connection: /csrattrs, then a 401 and a 200 on it
grep -c . "$T/srv/requests.log" | grep -qx 3 || { cat "$T/srv/requests.log"; fail "expected 3 requests"; }
[ "$(awk '{print $2}' "$T/srv/requests.log" | sort -u | wc -l)" = 1 ] || { cat "$T/srv/requests.log"; fail "more than one connection"; }
sed -n 1p "$T/srv/requests.log" | grep -q "req=1 .*GET .*/csrattrs 200" || fail "first request is not /csrattrs"
sed -n 2p "$T/srv/requests.log" | grep -q "req=2 .*POST .*/simpleenroll 401" || fail "the POST is not the 401 probe on the same connection"
sed -n 3p "$T/srv/requests.log" | grep -q "req=3 .*POST .*/simpleenroll 200 .*user=device" || fail "retry was not on the same connection"
# the server's /csrattrs asks for challengePassword: proof-of-possession
openssl req -in "$KS/req/dev1.csr" -noout -text | grep -q "challengePassword" || fail "no challengePassword (proof-of-possession) in the CSR"
grep -q "est-pass" "$T/err" && fail "password on stderr"

step "show lists the alias; --json is machine readable"
ok show
grep -q "alias: *dev1" "$T/out" && grep -q "status: *valid" "$T/out" && grep -q "backend: *software" "$T/out" || { cat "$T/out"; fail "show"; }
ok show --key-alias dev1 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["alias"]=="dev1" and d[0]["status"]=="valid" and d[0]["backend"]=="software", d' "$T/out" || fail "show --json"
expect 12 "no alias 'nosuch'" show --key-alias nosuch

step "enroll --json; a second enroll of the alias reuses its key"
pub1=$(cert_pub dev1)
ok enroll --uri "$URL" --key-alias dev1 --csr-conf "$KS/conf/device.conf" --estc-user device --estc-pass-file "$T/pass" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["alias"]=="dev1" and d["operation"]=="simpleenroll", d' "$T/out" || fail "enroll --json"
[ "$(cert_pub dev1)" = "$pub1" ] || fail "enroll of an existing alias changed its key"

step "EST_PASS and EST_USERNAME from the environment; INFO log shows the exchange, never the password"
EST_USERNAME=device EST_PASS=$(cat "$T/pass") hwe --log-level INFO enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf
[ "$rc" = 0 ] || { cat "$T/err"; fail "env credentials"; }
grep -q "POST https://.*simpleenroll" "$T/err" || { cat "$T/err"; fail "INFO does not show the request"; }
grep -q "< 200\|200 " "$T/err" || fail "INFO does not show the status"
grep -qF "$(cat "$T/pass")" "$T/err" && fail "password in INFO log"
EST_USERNAME=device EST_PASS=$(cat "$T/pass") hwe -l DEBUG enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf
[ "$rc" = 0 ] || { cat "$T/err"; fail "DEBUG run"; }
grep -qF "$(cat "$T/pass")" "$T/err" && fail "password in DEBUG log"
grep -qi "authorization: basic [A-Za-z0-9+/]" "$T/err" && fail "Authorization header value in DEBUG log"
grep -q "PRIVATE KEY" "$T/err" && fail "key in DEBUG log"
exit 0
