#!/bin/bash
# The reference workflow's certificate-based authentication ("clientauth."
# endpoint): the TLS handshake requires a client certificate; enroll
# authenticates with a bootstrap certificate held under another alias
# (--auth-alias).  Also HTTP Digest answering the 401 challenge.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
est_start "$T/srv" --require-client-cert --bootstrap boot
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
mkdir -p -m 700 "$KS/keys"
install -m 600 "$T/srv/boot.key" "$KS/keys/boot.pem"
install -m 644 "$T/srv/boot.pem" "$KS/certs/boot.pem" 2>/dev/null || { mkdir -p "$KS/certs"; install -m 644 "$T/srv/boot.pem" "$KS/certs/boot.pem"; }

step "without a client certificate the server refuses the handshake"
ks_snapshot before
hwe enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf
[ "$rc" = 5 ] || [ "$rc" = 6 ] || { cat "$T/err"; fail "exit $rc without a client certificate"; }
once
grep -qi "certificate" "$T/err" || fail "message does not mention the client certificate"

step "enroll authenticated by the bootstrap certificate (--auth-alias boot)"
: >"$T/srv/requests.log"
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --auth-alias boot
check_cert dev1 "$T/srv"
grep -q "POST .*/simpleenroll 200 client=.*CN=boot" "$T/srv/requests.log" || { cat "$T/srv/requests.log"; fail "server did not see the bootstrap certificate"; }
[ "$(grep -c . "$T/srv/requests.log")" = 2 ] || { cat "$T/srv/requests.log"; fail "other than /csrattrs and one POST"; }
step "the enrolled certificate then renews itself"
ok reenroll --uri "$URL" --key-alias dev1
grep -q "simplereenroll 200 client=.*CN=dev1" "$T/srv/requests.log" || fail "reenroll not by the new certificate"
expect 12 "no alias 'nosuch'|nosuch" enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf --auth-alias nosuch
est_stop "$T/srv"

step "HTTP Digest: the 401 challenge answered once on the same connection"
rm -rf "$T/srv" "$KS"
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass" --auth digest
ks_init "$T/srv" dev3
ok enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --key-alias dev3 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev3 "$T/srv"
sed -n 1p "$T/srv/requests.log" | grep -q "req=1 .*GET .*/csrattrs 200" || fail "no /csrattrs first"
sed -n 2p "$T/srv/requests.log" | grep -q "req=2 .*simpleenroll 401" || fail "no 401 probe"
sed -n 3p "$T/srv/requests.log" | grep -q "req=3 .*simpleenroll 200" || fail "digest answer not on the same connection"
exit 0
