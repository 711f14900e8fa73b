#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software keys (EC P-256, RSA 2048) against strict servers: TLS 1.2 / 1.3 x
# server groups {P-256 only, X25519 only, default}, enroll and reenroll;
# no shared group gives its own error and leaves the keystore unchanged
# (lib-interop.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-interop.sh"
set -e
need openssl
interop_servers
interop_run soft-ec --key-backend software --algorithm ECC --curve P256 --
interop_run soft-rsa --key-backend software --algorithm RSA --size 2048 --
interop_no_shared_group soft --key-backend software --
echo "PASS: software keys, TLS 1.2/1.3 x groups P-256/X25519/default, enroll + reenroll"
