#!/bin/bash
# Bad input and refusals: each gives its documented exit code, one message
# naming the cause (with the reference workflow's fix where it has one),
# and leaves the keystore exactly as it was.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
AUTH=(--estc-user device --estc-pass-file "$T/pass")
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf "${AUTH[@]}"
ks_snapshot before

step "usage errors (exit 2)"
expect 2 "unknown command 'enrol'" enrol
expect 2 "unknown option '--bogus'" enroll --bogus
expect 2 "does not apply to 'hwenroll show'" show --rekey
expect 2 "needs a value" enroll --uri
expect 2 "no --key-alias" enroll --uri "$URL" --csr-conf device.conf
expect 2 "invalid key alias '../x'" enroll --uri "$URL" --key-alias ../x --csr-conf device.conf
expect 2 "unknown curve 'P999'" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --curve P999
expect 2 "unsupported RSA size '1024'" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --algorithm RSA --size 1024
expect 2 "applies to RSA" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --algorithm ECC --size 2048
expect 2 "unknown algorithm 'DSA'" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --algorithm DSA
expect 2 "unknown key backend 'hsm'" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --key-backend hsm
expect 2 "unknown log level 'LOUD'" --log-level LOUD show
expect 2 "given twice" enroll --uri "$URL" --uri "$URL"
expect 2 "no EST URL" enroll --key-alias d2 --csr-conf device.conf
for bad in "127.0.0.1/.well-known/est/simpleenroll" "http://127.0.0.1/.well-known/est/simpleenroll" \
	"https:///.well-known/est/simpleenroll" "https://127.0.0.1:99999/.well-known/est/simpleenroll" \
	"https://127.0.0.1/simpleenroll" "https://user:pw@127.0.0.1/.well-known/est/simpleenroll"; do
	expect 2 "URL|url|URI" enroll --uri "$bad" --key-alias d2 --csr-conf device.conf
	once
done
expect 2 "contradicts" reenroll --uri "$URL" --key-alias dev1 --key-backend tpm2
expect 2 "already has a software key" keygen --key-alias dev1
ks_unchanged before "usage errors"

step "CSR config errors (exit 3, file:line, the reference workflow's hint)"
expect 3 "ERR_FILE_OPEN_FAILED" enroll --uri "$URL" --key-alias d2 --csr-conf nosuch.conf "${AUTH[@]}"
once
grep -q "HINT: .*CSR" "$T/err" || fail "no CSR config hint"
grep -q "conf/nosuch.conf" "$T/err" || fail "path not named"
printf 'commonName=x\nbogus line\n' >"$T/bad1.conf"
expect 3 "bad1.conf:2: .*=" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/bad1.conf" "${AUTH[@]}"
printf 'commonName=x\nsubjectAltNames=3; a.example, 2; b.example, 2\n' >"$T/bad2.conf"
expect 3 "bad2.conf:2:" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/bad2.conf" "${AUTH[@]}"
printf 'commonName=x\nsubjectAltNames=1; 10.0.0.300, 7\n' >"$T/bad3.conf"
expect 3 "bad3.conf:2:" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/bad3.conf" "${AUTH[@]}"
: >"$T/empty.conf"
expect 3 "empty.conf" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/empty.conf" "${AUTH[@]}"
expect 3 "$T" enroll --uri "$URL" --key-alias d2 --csr-conf "$T/" "${AUTH[@]}"
expect 3 "password file" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/nopass"
ks_unchanged before "input errors"

step "authentication (exit 6)"
expect 6 "requires authentication|EST_PASS" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf
once
echo wrong >"$T/wrong"
chmod 600 "$T/wrong"
expect 6 "rejected" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/wrong"
once
grep -q wrong "$T/err" && fail "password echoed"
ks_unchanged before "auth errors"

step "TLS trust (exit 5): no trust anchor, the reference workflow's message and hint"
mv "$KS/ca" "$T/ca.saved"
mkdir "$KS/ca"
ks_snapshot noca
expect 5 "ERR_CERT_CHAIN_NO_TRUST_ANCHOR" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf "${AUTH[@]}"
once
grep -q "HINT: .*TLS root CA" "$T/err" || fail "no TLS root hint"
ks_unchanged noca "no trust anchor"
rmdir "$KS/ca"
mv "$T/ca.saved" "$KS/ca"
step "TLS trust: wrong host name (--estc-server-dn)"
expect 5 "ERR_CERT_HOSTNAME_MISMATCH|host" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf "${AUTH[@]}" --estc-server-dn wrong.example
once
ks_unchanged before "hostname mismatch"

step "network (exit 4): connection refused, quickly"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 4 "ERR_NETWORK_CONNECT" enroll --uri "https://127.0.0.1:$port/.well-known/est/simpleenroll" --key-alias d2 --csr-conf device.conf "${AUTH[@]}"
once
ks_unchanged before "connection refused"

step "keystore (exit 12): missing keystore for show; keys/ with unsafe mode"
hwe -k "$T/nosuch" show
[ "$rc" = 12 ] || fail "show on a missing keystore exited $rc"
chmod 755 "$KS/keys"
ks_snapshot perm
expect 12 "ERR_KEYSTORE_PERMISSIONS|chmod" enroll --uri "$URL" --key-alias d2 --csr-conf device.conf "${AUTH[@]}"
ks_unchanged perm "unsafe keys/ mode"
chmod 700 "$KS/keys"
exit 0
