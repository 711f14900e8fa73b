#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tpm2_renew_kill9.sh - power loss during `hwenroll renew` of a TPM key
# (swtpm through tpm2-abrmd, as /dev/tpmrm0 on a device;
# lib-renew-kill9.sh): kill -9 at every keystore event of `renew --rekey`
# but its writes (the superset of a same-key
# renew's events: the new TSS2 key file is staged beside them) and at the
# stage boundaries of a same-key `renew` (the same 37 events as a software
# key's, each killed in software_renew_kill9.sh).  Writes are left out:
# the number of write(2) calls to tpm2-abrmd varies from run to run, so a
# write cannot be hit exactly, and a kill at a write of a temp file leaves
# the same names as the kill at the event before it (recovery acts on
# names only).  After each kill the alias is
# wholly old or wholly new; the next renew succeeds and removes the key
# blob the kill left (keys/.dev=dev.tss2.tmp.*); the TPM holds no new
# persistent handle and no object left loaded (tpm2_getcap).
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
. "$(dirname "$0")/lib-renew.sh"
. "$(dirname "$0")/lib-renew-kill9.sh"
set -e
tpm_need strace
k9_init
pw_init
tpm_fixture "$T/tpm" --abrmd
unset HWENROLL_TCTI TPM2OPENSSL_TCTI

renew_dev_tpm2

k9r_setup tpm2 --key-backend tpm2 --tcti "$TPM_TCTI"
k9r_matrix rekey no-writes --force --rekey --retry-for 0
[ "$K9R_KEYTMPS" -gt 0 ] || fail "no kill left a staged TPM key blob: its removal went untested"
[ "$K9R_LOCKS" -gt 0 ] || fail "no kill left the lock file: the stale lock went untested"
k9r_matrix renew "first journal after-journal journal-removed after-commit last" --force --retry-for 0
k9r_report
exit 0
