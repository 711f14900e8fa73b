#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# PKCS#11 token keys (SoftHSM, hwenroll-pkcs11) against strict EST servers
# (lib-strict.sh): proof-of-possession under TLS 1.2 and 1.3, RFC 7030's
# example /csrattrs enforced (a P-384 key on the token), and RFC 9908's
# example CSR template (a P-256 key on the token).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strict.sh"
set -e
softhsm_setup
DEV=(--pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin")
strict_pop p11 --key-backend pkcs11 --token-uri 'pkcs11:token=hwe-tok' "${DEV[@]}" -- "${DEV[@]}"
strict_rfc_example p11 --key-backend pkcs11 --token-uri 'pkcs11:token=hwe-tok' "${DEV[@]}" -- "${DEV[@]}"
strict_rfc9908_template p11 --key-backend pkcs11 --token-uri 'pkcs11:token=hwe-tok' "${DEV[@]}" -- "${DEV[@]}"
echo "PASS: PKCS#11 keys against proof-of-possession, enforced /csrattrs and an RFC 9908 template"
