#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# provider-tpm.sh - the provider on a TPM-backed token: tpm2-pkcs11 on a
# private swtpm (swtpm-fixtures/tpm-start with tpm2-abrmd, as tpm2_ptool
# needs a resource manager), store in a temp dir (TPM2_PKCS11_STORE).
# EC P-256 keygen through the provider, CSR signed on the TPM, a signature
# verified by the default provider.
. "$(dirname "$0")/lib.sh"
TPM2_MODULE=${TPM2_MODULE:-/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so}
[ -r "$TPM2_MODULE" ] || skip "tpm2-pkcs11 module not installed"
need tpm2_ptool
need swtpm
FIXTURES=${HWE_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/swtpm-fixtures
p11_setup
cd "$WORK" || exit 1
tpm_cleanup() { "$FIXTURES/tpm-stop" "$WORK/tpm" >/dev/null 2>&1; p11_cleanup; }
trap tpm_cleanup EXIT
"$FIXTURES/tpm-start" "$WORK/tpm" --abrmd >>log 2>&1 || { echo "tpm-start failed"; cat log; exit 1; }
. "$WORK/tpm/env"
export TPM2_PKCS11_STORE=$WORK/tpm2-store TPM2_PKCS11_LOG_LEVEL=0
mkdir -p "$TPM2_PKCS11_STORE"
# python-cryptography loads the legacy provider: not from our OPENSSL_MODULES
ptool() { env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null tpm2_ptool "$@"; }
ptool init --primary-handle=0x81000001 --path "$TPM2_PKCS11_STORE" >>log 2>&1 &&
ptool addtoken --pid=1 --label=tpm-tok --userpin="$PIN" --sopin="$SOPIN" \
	--path "$TPM2_PKCS11_STORE" >>log 2>&1 || { echo "tpm2_ptool failed"; cat log; exit 1; }
export HWENROLL_PKCS11_MODULE=$TPM2_MODULE  # overrides pkcs11-module-path of openssl.cnf
TOKEN=tpm-tok

check "EC P-256 keygen on the TPM token through the provider" keygen ec256 tpm-ec
URI=$(keyuri tpm-ec)
check "pkey -pubout from the TPM token" sh -c "openssl pkey -in '$URI' -pubout | cmp - tpm-ec.pub"
check "CSR signed on the TPM" openssl req -new -key "$URI" -subj /CN=tpm-p11 -out tpm.csr
check "openssl req -verify accepts it" sh -c "OPENSSL_CONF=/dev/null openssl req -verify -in tpm.csr -noout"
check "the CSR carries the TPM key" sh -c "OPENSSL_CONF=/dev/null openssl req -in tpm.csr -pubkey -noout | cmp - tpm-ec.pub"
echo tpm >data
check "ECDSA signature on the TPM verified in software" sh -c \
	"openssl dgst -sha256 -sign '$URI' -out s data && OPENSSL_CONF=/dev/null openssl dgst -sha256 -verify tpm-ec.pub -signature s data"
finish
