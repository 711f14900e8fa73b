#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software keys against strict EST servers (lib-strict.sh): proof-of-possession
# required under TLS 1.2 and 1.3 (enroll, reenroll, --rekey, a resumed 202,
# --no-pop refused), RFC 7030's example /csrattrs and RFC 9908's example CSR
# template enforced.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strict.sh"
set -e
need openssl
strict_pop soft --key-backend software --
strict_rfc_example soft --key-backend software --
strict_rfc9908_template soft --key-backend software --
echo "PASS: software keys against proof-of-possession, enforced /csrattrs and an RFC 9908 template"
