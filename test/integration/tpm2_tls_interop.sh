#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TPM keys against strict servers (lib-interop.sh), through tpm2-abrmd and
# directly on swtpm: TLS 1.2 / 1.3 x server groups {P-256 only, X25519 only,
# default}, enroll and reenroll with the TPM signing the handshake.  Before
# the fix the ClientHello of a process with a TPM key offered no NIST curve
# (ossl-fetch.h) and every P-256-only row failed.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$(dirname "$0")/lib-interop.sh"
set -e
tpm_need
interop_servers

tpm_fixture "$T/tpm"
direct=$TPM_TCTI
interop_run tpm-direct --key-backend tpm2 --tcti "$direct" --algorithm ECC --curve P256 -- --tcti "$direct"
interop_run tpm-rsa --key-backend tpm2 --tcti "$direct" --algorithm RSA --size 2048 -- --tcti "$direct"
interop_no_shared_group tpm-direct --key-backend tpm2 --tcti "$direct" -- --tcti "$direct"

tpm_fixture "$T/tpm-rm" --abrmd
interop_run tpm-abrmd --key-backend tpm2 --tcti "$TPM_TCTI" --algorithm ECC --curve P256 -- --tcti "$TPM_TCTI"
echo "PASS: TPM keys (direct swtpm, tpm2-abrmd), TLS 1.2/1.3 x groups P-256/X25519/default, enroll + reenroll"
