#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11 keys (SoftHSM token, hwenroll-pkcs11 provider): enroll, renew over
# mutual TLS with the token key, --rekey (the old key objects leave the
# token only after the new certificate is stored), EC and RSA; the key file
# holds a pkcs11: URI without the PIN; the token objects are sensitive and
# never extractable.
. "$(dirname "$0")/lib.sh"
set -e
softhsm_setup
pw_init
P11=(--key-backend pkcs11 --pkcs11-module "$SOFTHSM_MODULE" --token-uri 'pkcs11:token=hwe-tok' --pin-file "$T/pin")
DEV=(--pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin")

# objects LABEL: "CLASS ACCESS" lines of the token objects with that label
objects() {
	if command -v pkcs11-tool >/dev/null; then
		pkcs11-tool --module "$SOFTHSM_MODULE" --token-label hwe-tok -l -p 1234 -O 2>/dev/null |
			awk -v k="$1" '/Object;/{c=$1} /label:/{l=$2} /Access:/{if (l==k) print c, $0}'
	fi
}

run_case() { # ALIAS TLSMAX KEY-OPTIONS...
	local alias=$1 tls=$2 url pub1 key1 subj1
	shift 2
	rm -rf "$T/srv" "$KS"
	est_start "$T/srv" --user device --pass-file "$T/pass" ${tls:+--tls-max $tls}
	ks_init "$T/srv" "$alias"
	url=$(est_url "$T/srv" "" simpleenroll)

	step "[$alias] enroll with a new key on the token"
	ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" "${P11[@]}" "$@"
	check_cert "$alias" "$T/srv"
	[ -f "$KS/keys/$alias.p11" ] || fail "no keys/$alias.p11"
	key1=$(cat "$KS/keys/$alias.p11")
	case $key1 in pkcs11:*token=hwe-tok*) ;; *) fail "key file is not a token URI: $key1" ;; esac
	grep -q "pin" "$KS/keys/$alias.p11" && fail "the key file holds a PIN: $key1"
	grep -q 1234 "$KS/keys/$alias.p11" && fail "the key file holds the PIN"
	# the certificate's key is the token key, which signs with the provider
	cmp <(openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey) \
		<(openssl_p11 pkey \
			-in "$key1?pin-value=1234" -pubout 2>/dev/null) ||
		fail "certificate and token key differ"
	if command -v pkcs11-tool >/dev/null; then
		objects "$alias" | grep -q "^Private.*sensitive.*never extractable" ||
			{ objects "$alias"; fail "private key object not sensitive/never extractable"; }
	fi
	pub1=$(cert_pub "$alias")
	subj1=$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)

	step "[$alias] renew over mutual TLS with the token key"
	: >"$T/srv/requests.log"
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias" "${DEV[@]}"
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" = "$pub1" ] || fail "renew changed the key"
	[ "$(cat "$KS/keys/$alias.p11")" = "$key1" ] || fail "renew rewrote the key file"
	grep -q "POST .*/simplereenroll 200 client=.*CN *= *$alias" "$T/srv/requests.log" ||
		{ cat "$T/srv/requests.log"; fail "server did not see our client certificate"; }

	step "[$alias] --rekey: new token key, old one removed from the token"
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias" --rekey "${DEV[@]}"
	check_cert "$alias" "$T/srv"
	[ "$(cert_pub "$alias")" != "$pub1" ] || fail "--rekey kept the old key"
	[ "$(openssl x509 -in "$KS/certs/$alias.pem" -noout -subject)" = "$subj1" ] || fail "subject changed"
	[ "$(cat "$KS/keys/$alias.p11")" != "$key1" ] || fail "--rekey kept the old key URI"
	cmp <(openssl x509 -in "$KS/certs/$alias.pem" -noout -pubkey) \
		<(openssl_p11 pkey \
			-in "$(cat "$KS/keys/$alias.p11")?pin-value=1234" -pubout 2>/dev/null) ||
		fail "new certificate and new token key differ"
	openssl_p11 pkey -in "$key1?pin-value=1234" \
		-pubout >/dev/null 2>&1 && fail "the replaced key is still on the token"

	step "[$alias] the renewed certificate authenticates the next renewal"
	ok reenroll --uri "$(est_url "$T/srv" "" simplereenroll)" --key-alias "$alias" "${DEV[@]}"
	check_cert "$alias" "$T/srv"
	step "[$alias] show names the token"
	ok show --key-alias "$alias"
	grep -q "pkcs11:" "$T/out" || { cat "$T/out"; fail "show does not describe the token key"; }
	est_stop "$T/srv"
}

run_case p11ec "" --algorithm ECC --curve P256
run_case p11ec384 1.2 --algorithm ECC --curve P384
run_case p11rsa "" --algorithm RSA --size 2048
run_case p11rsa12 1.2 --algorithm RSA --size 3072
exit 0
