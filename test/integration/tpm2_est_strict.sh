#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TPM keys (swtpm, direct TCTI) against strict EST servers (lib-strict.sh):
# the TPM signs the handshake and, after it, the CSR that carries the
# connection's binding; RFC 7030's example makes it create a P-384 key,
# RFC 9908's CSR template a P-256 key for the subject and extensions it names.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$(dirname "$0")/lib-strict.sh"
set -e
tpm_need
tpm_fixture "$T/tpm"
strict_pop tpm --key-backend tpm2 --tcti "$TPM_TCTI" -- --tcti "$TPM_TCTI"
strict_rfc_example tpm --key-backend tpm2 --tcti "$TPM_TCTI" -- --tcti "$TPM_TCTI"
strict_rfc9908_template tpm --key-backend tpm2 --tcti "$TPM_TCTI" -- --tcti "$TPM_TCTI"
echo "PASS: TPM keys against proof-of-possession, enforced /csrattrs and an RFC 9908 template"
