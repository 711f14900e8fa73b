#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tpm2 keys (swtpm through tpm2-abrmd, as /dev/tpmrm0 on a device):
# hwenroll renew from the enrollment profile, which carries the TCTI and
# the parent, so `renew --key-alias A` needs no other option (the TCTI
# variables are unset): not due (no network), due (/simplereenroll over
# mutual TLS signed by the TPM key), --rekey (a new TSS2 key; no persistent
# handle made, no object left loaded), 202 then resume with the same CSR,
# a TPM that cannot be reached (exit 11, nothing changed, a hint).  Appends
# to the renewal timeline (lib-renew.sh).
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
. "$(dirname "$0")/lib-renew.sh"
set -e
tpm_need python3
pw_init
tpm_fixture "$T/tpm" --abrmd
# the profile alone must reach the TPM
unset HWENROLL_TCTI TPM2OPENSSL_TCTI

renew_dev_tpm2
dev_unreachable() {
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	echo --tcti "swtpm:host=127.0.0.1,port=$port"
}

est_start "$T/srv" "${RENEW_SRV_ARGS[@]}"
ks_init "$T/srv" tpm-dev
renew_hw_scenario tpm-dev --key-backend tpm2 --tcti "$TPM_TCTI" --tpm-parent 0x81000001
grep -qx "tcti=$TPM_TCTI" "$KS/certs/tpm-dev.profile" &&
	grep -qx "tpm-parent=0x81000001" "$KS/certs/tpm-dev.profile" || fail "profile lacks the device options"
tl_print
exit 0
