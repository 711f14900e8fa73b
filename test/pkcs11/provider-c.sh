#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# provider-c.sh - keygen (EC P-256/P-384, RSA 2048/3072), non-extractability,
# signatures, CSRs, OSSL_STORE and fork, from C (p11-test.c).
. "$(dirname "$0")/lib.sh"
p11_setup
"$P11TEST" "$SOFTHSM_MODULE" "$TOKEN" "$PIN"
