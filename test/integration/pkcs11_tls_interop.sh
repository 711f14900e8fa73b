#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# PKCS#11 token keys (SoftHSM, hwenroll-pkcs11 provider) against strict
# servers (lib-interop.sh): TLS 1.2 / 1.3 x server groups {P-256 only,
# X25519 only, default}, enroll and reenroll with the token signing the
# handshake.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-interop.sh"
set -e
softhsm_setup
DEV=(--pkcs11-module "$SOFTHSM_MODULE" --pin-file "$T/pin")
P11=(--key-backend pkcs11 --token-uri 'pkcs11:token=hwe-tok' "${DEV[@]}")

interop_servers
interop_run p11-ec "${P11[@]}" --algorithm ECC --curve P256 -- "${DEV[@]}"
interop_run p11-rsa "${P11[@]}" --algorithm RSA --size 2048 -- "${DEV[@]}"
interop_no_shared_group p11 "${P11[@]}" -- "${DEV[@]}"
echo "PASS: PKCS#11 keys, TLS 1.2/1.3 x groups P-256/X25519/default, enroll + reenroll"
