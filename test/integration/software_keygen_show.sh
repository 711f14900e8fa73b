#!/bin/bash
# keygen (no network) for every software key type, then enroll uses that
# key; --force replaces it and drops the old certificate; show reports it.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
for spec in "ECC P256 prime256v1" "ECC P384 secp384r1" "ECC P521 secp521r1"; do
	set -- $spec
	ok keygen --key-alias "k-$2" --algorithm "$1" --curve "$2"
	openssl pkey -pubin -in "$T/out" -noout -text | grep -q "$3" || fail "keygen $2 printed the wrong key"
	openssl pkey -in "$KS/keys/k-$2.pem" -noout -text | grep -q "$3" || fail "key file $2"
	[ "$(stat -c %a "$KS/keys/k-$2.pem")" = 600 ] || fail "key file mode"
done
for size in 2048 3072 4096; do
	ok keygen --key-alias "k-rsa$size" --algorithm RSA --size "$size"
	openssl pkey -in "$KS/keys/k-rsa$size.pem" -noout -text | grep -q "($size bit" || fail "RSA $size"
done
[ "$(stat -c %a "$KS/keys")" = 700 ] && [ "$(stat -c %a "$KS/req")" = 700 ] || fail "directory modes"

step "show: key without certificate"
ok show --key-alias k-P256
grep -q "status: *no certificate" "$T/out" || { cat "$T/out"; fail "show status"; }

step "enroll uses the keygen key"
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" k-P384
pub=$(openssl pkey -in "$KS/keys/k-P384.pem" -pubout | sha256sum | cut -c1-16)
ok enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --key-alias k-P384 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
[ "$(cert_pub k-P384)" = "$pub" ] || fail "enroll did not use the keygen key"
ok show --json
python3 - "$T/out" <<'PY' || fail "show --json"
import json, sys
d = {a["alias"]: a for a in json.load(open(sys.argv[1]))}
assert d["k-P384"]["status"] == "valid" and d["k-P384"]["days_left"] >= 360, d["k-P384"]
assert d["k-P256"]["status"] == "no certificate"
assert len(d) == 6
PY

step "keygen --force replaces the key and drops the old certificate"
ok keygen --key-alias k-P384 --force --algorithm RSA --size 2048
[ -e "$KS/certs/k-P384.pem" ] && fail "old certificate kept for a new key"
openssl pkey -in "$KS/keys/k-P384.pem" -noout -text | grep -q "(2048 bit" || fail "not replaced"
exit 0
