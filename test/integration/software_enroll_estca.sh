#!/bin/bash
# The EST CA differs from the TLS root: without /cacerts the issued
# certificate cannot be validated (the reference workflow's second
# troubleshooting row); after `cacerts` it can.  Nothing is stored on failure.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass" --separate-tls-ca
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
cmp -s "$T/srv/tls-ca.pem" "$T/srv/ca.pem" && fail "server did not separate the CAs"
URL=$(est_url "$T/srv" "" simpleenroll)
ks_snapshot before
expect 10 "Issued certificate is not validated with its CA Certs.*ERR_CERT_CHAIN_NO_TRUST_ANCHOR" \
	enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
once
grep -q "HINT: Ensure you downloaded the EST CA certificate" "$T/err" || fail "hint"
ks_unchanged before "unvalidated certificate"
ok cacerts --uri "$URL"
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev1 "$T/srv"
exit 0
