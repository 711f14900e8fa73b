#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# provider-cli.sh - the provider from the openssl command line: store by URI,
# no private values printed or exported, token attributes, signatures with
# dgst/pkeyutl verified by the default provider, CSRs.
. "$(dirname "$0")/lib.sh"
p11_setup
cd "$WORK" || exit 1
soft() { OPENSSL_CONF=/dev/null openssl "$@"; }  # default provider only

check "keygen EC P-256 through the provider" keygen ec256 k-ec
check "keygen RSA 2048 through the provider" keygen rsa2048 k-rsa
EC=$(keyuri k-ec)
RSA=$(keyuri k-rsa)
echo hwenroll >data
soft dgst -sha256 -binary data >data.sha256

# store: the public key of the private key object, and the public key object
check "pkey -pubout of the EC private key URI" sh -c "openssl pkey -in '$EC' -pubout >ec.pub && cmp ec.pub k-ec.pub"
check "pkey -pubout of the RSA private key URI" sh -c "openssl pkey -in '$RSA' -pubout >rsa.pub && cmp rsa.pub k-rsa.pub"
check "public key object by type=public" sh -c \
	"openssl pkey -pubin -in 'pkcs11:token=$TOKEN;object=k-ec;type=public' -pubout | cmp - k-ec.pub"
# no private values, ever
out=$(openssl pkey -in "$EC" -text -noout 2>&1)
if printf '%s' "$out" | grep -Eqi '^ *priv:|private-key'; then fail "pkey -text printed EC private values"; else pass "pkey -text prints no EC private values"; fi
out=$(openssl pkey -in "$RSA" -text -noout 2>&1)
if printf '%s' "$out" | grep -Eqi 'privateExponent|prime1'; then fail "pkey -text printed RSA private values"; else pass "pkey -text prints no RSA private values"; fi
check_fails "private key PEM export refused (EC)" "" openssl pkey -in "$EC" -out ec-priv.pem
check_fails "private key PEM export refused (RSA)" "" openssl pkey -in "$RSA" -out rsa-priv.pem
if [ -s ec-priv.pem ] && grep -q PRIVATE ec-priv.pem; then fail "an EC private key PEM was written"; else pass "no EC private key PEM written"; fi
check "pkey -text_pub shows the public key" sh -c "openssl pkey -in '$EC' -text_pub -noout | grep -q 'pub:'"

# token attributes, as another tool sees them
if command -v pkcs11-tool >/dev/null; then
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "$TOKEN" -l -p "$PIN" -O >objects.txt 2>&1
	for k in k-ec k-rsa; do
		access=$(awk -v k="$k" '/^Private Key Object/{p=1} p&&/label:/{l=$2} p&&/Access:/{if (l==k) print; p=0}' objects.txt)
		case $access in
		*"always sensitive"*"never extractable"*) pass "$k: pkcs11-tool reports sensitive, never extractable" ;;
		*) fail "$k: pkcs11-tool Access: '$access'" ;;
		esac
	done
else
	echo "# pkcs11-tool (opensc) not installed: token attributes are checked from C only"
fi

# signatures by the token, verified by the default provider
for md in sha256 sha384 sha512; do
	check "EC dgst -$md -sign / verify" sh -c \
		"openssl dgst -$md -sign '$EC' -out s.$md data && OPENSSL_CONF=/dev/null openssl dgst -$md -verify k-ec.pub -signature s.$md data"
	check "RSA PKCS#1 dgst -$md -sign / verify" sh -c \
		"openssl dgst -$md -sign '$RSA' -out r.$md data && OPENSSL_CONF=/dev/null openssl dgst -$md -verify k-rsa.pub -signature r.$md data"
	check "RSA-PSS dgst -$md -sign / verify" sh -c \
		"openssl dgst -$md -sign '$RSA' -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -out p.$md data && OPENSSL_CONF=/dev/null openssl dgst -$md -verify k-rsa.pub -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -signature p.$md data"
done
check "EC pkeyutl -sign on a digest / verify" sh -c \
	"openssl pkeyutl -sign -inkey '$EC' -in data.sha256 -out pk.ec && OPENSSL_CONF=/dev/null openssl pkeyutl -verify -pubin -inkey k-ec.pub -in data.sha256 -sigfile pk.ec"
check "RSA pkeyutl -sign on a digest / verify" sh -c \
	"openssl pkeyutl -sign -inkey '$RSA' -pkeyopt digest:sha256 -in data.sha256 -out pk.rsa && OPENSSL_CONF=/dev/null openssl pkeyutl -verify -pubin -inkey k-rsa.pub -pkeyopt digest:sha256 -in data.sha256 -sigfile pk.rsa"
check "RSA-PSS pkeyutl -sign on a digest / verify" sh -c \
	"openssl pkeyutl -sign -inkey '$RSA' -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -in data.sha256 -out pk.pss && OPENSSL_CONF=/dev/null openssl pkeyutl -verify -pubin -inkey k-rsa.pub -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -in data.sha256 -sigfile pk.pss"

# CSRs: the documented command line, providers named on it, ours first,
# module from the environment, no openssl.cnf
for k in ec rsa; do
	uri=$(keyuri k-$k)
	check "openssl req -new -provider hwenroll-pkcs11 -provider default ($k)" env OPENSSL_CONF=/dev/null \
		HWENROLL_PKCS11_MODULE="$SOFTHSM_MODULE" openssl req -new -provider hwenroll-pkcs11 \
		-provider default -key "$uri" -subj "/CN=p11-$k" -out $k.csr
	check "openssl req -verify accepts the $k CSR" sh -c "OPENSSL_CONF=/dev/null openssl req -verify -in $k.csr -noout"
	check "the $k CSR carries the token's public key" sh -c \
		"OPENSSL_CONF=/dev/null openssl req -in $k.csr -pubkey -noout | cmp - k-$k.pub"
done
check "RSA-PSS CSR" sh -c "openssl req -new -key '$RSA' -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -subj /CN=pss -out pss.csr && OPENSSL_CONF=/dev/null openssl req -verify -in pss.csr -noout && OPENSSL_CONF=/dev/null openssl req -in pss.csr -noout -text | grep -q rsassaPss"
# PIN from a pin-source file and from HWENROLL_PKCS11_PIN
printf '%s\n' "$PIN" >pinfile
chmod 600 pinfile
check "PIN from pin-source" sh -c "openssl pkey -in 'pkcs11:token=$TOKEN;object=k-ec;type=private?pin-source=$WORK/pinfile' -pubout | cmp - k-ec.pub"
check "PIN from HWENROLL_PKCS11_PIN" sh -c "HWENROLL_PKCS11_PIN=$PIN openssl dgst -sha256 -sign 'pkcs11:token=$TOKEN;object=k-ec;type=private' -out s.env data"
finish
