#!/bin/bash
# software key: reenroll over mutual TLS (renew keeps the key, --rekey
# swaps it only after the new certificate verifies), TLS 1.3 and 1.2,
# EC and RSA; the server saw our client certificate.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init

run_case() { # TLSMAX ALG ARGS...
	local tls=$1 alias=$2
	shift 2
	rm -rf "$T/srv" "$KS"
	est_start "$T/srv" --user device --pass-file "$T/pass" ${tls:+--tls-max $tls}
	ks_init "$T/srv" "$alias"
	local url
	url=$(est_url "$T/srv" "" simpleenroll)
	ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" "$@"
	check_cert "$alias" "$T/srv"
	local pub1 serial1 keysum1
	pub1=$(cert_pub "$alias")
	serial1=$(openssl x509 -in "$KS/certs/$alias.pem" -noout -serial)
	keysum1=$(sha256sum <"$KS/keys/$alias.pem")

	step "[$tls $alias] renew with the same key over mutual TLS"
	: >"$T/srv/requests.log"
	# no password: the client certificate authenticates
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias"
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" = "$pub1" ] || fail "renew changed the key"
	[ "$(openssl x509 -in "$KS/certs/$alias.pem" -noout -serial)" != "$serial1" ] || fail "renew did not store a new certificate"
	[ "$(sha256sum <"$KS/keys/$alias.pem")" = "$keysum1" ] || fail "renew rewrote the key file"
	grep -q "POST .*/simplereenroll 200 client=.*CN *= *$alias" "$T/srv/requests.log" \
		|| { cat "$T/srv/requests.log"; fail "server did not see our client certificate"; }
	# /csrattrs and the POST, on one connection
	[ "$(grep -c . "$T/srv/requests.log")" = 2 ] || { cat "$T/srv/requests.log"; fail "reenroll made other than two requests"; }
	[ "$(awk '{print $2}' "$T/srv/requests.log" | sort -u | wc -l)" = 1 ] || fail "reenroll used more than one connection"

	step "[$tls $alias] --rekey: new key, same subject"
	local subj1
	subj1=$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias" --rekey --json
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" != "$pub1" ] || fail "--rekey kept the old key"
	[ "$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)" = "$subj1" ] || fail "subject changed"
	cmp <(openssl pkey -in "$KS/keys/$alias.pem" -pubout) <(openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey) \
		|| fail "stored key does not match the new certificate"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["rekeyed"] is True and d["operation"]=="simplereenroll"' "$T/out" || fail "json"
	ls "$KS/req" | grep -q pending && fail "pending file left behind"

	step "[$tls $alias] the renewed certificate authenticates the next renewal"
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias"
	est_stop "$T/srv"
}

run_case "" ec256 --algorithm ECC --curve P256
run_case 1.2 ec384 --algorithm ECC --curve P384
run_case "" rsa2048 --algorithm RSA --size 2048
run_case 1.2 rsa3072 --algorithm RSA --size 3072

step "reenroll of an alias that was never enrolled"
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_snapshot before
expect 12 "alias 'ghost' has no key|no alias" reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias ghost
once
ks_unchanged before "reenroll of a missing alias"
exit 0
