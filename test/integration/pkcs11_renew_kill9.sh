#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11_renew_kill9.sh - power loss during `hwenroll renew` of a SoftHSM
# token key (lib-renew-kill9.sh): kill -9 at every keystore event of
# `renew --rekey` that creates, renames or removes a name (the superset:
# the new key's record, the key made on the
# token, the commit, the old key destroyed, the renewal state) and at the
# stage boundaries of a same-key `renew`.  After each kill the alias is
# wholly old or new; the next renew succeeds and leaves the token with the
# objects it had after enrollment (a key object the kill left - new or
# replaced - is destroyed), counted with pkcs11-tool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
. "$(dirname "$0")/lib-renew.sh"
. "$(dirname "$0")/lib-renew-kill9.sh"
set -e
need openssl strace pkcs11-tool
k9_init
softhsm_setup
pw_init

dev_pub() { openssl_p11 pkey -in "$(cat "$KS/keys/$1.p11")?pin-value=1234" -pubout 2>/dev/null; }
dev_objects() {
	echo "$(pkcs11-tool --module "$SOFTHSM_MODULE" --token-label hwe-tok -l -p 1234 -O 2>/dev/null |
		grep -c 'Object;') objects"
}
dev_save() { cp -a "$T/tokens" "$1"; }
dev_restore() { rm -rf "$T/tokens"; cp -a "$1" "$T/tokens"; }

k9r_setup pkcs11 --key-backend pkcs11 --pkcs11-module "$SOFTHSM_MODULE" \
	--token-uri 'pkcs11:token=hwe-tok' --pin-file "$T/pin"
k9r_matrix rekey names --force --rekey --retry-for 0
[ "$K9R_ORPHANS" -gt 0 ] || fail "no kill left a key object on the token: the cleanup went untested"
[ "$K9R_LOCKS" -gt 0 ] || fail "no kill left the lock file: the stale lock went untested"
k9r_matrix renew "first journal after-journal journal-removed after-commit last" --force --retry-for 0
k9r_report
exit 0
