#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_renew_kill9.sh - power loss during `hwenroll renew` of a
# software key (lib-renew-kill9.sh): kill -9 at every keystore event of
# `renew` (same key) and of `renew --rekey`.  After each kill the alias is
# wholly old or wholly new (key, certificate and profile agree); the next
# renew succeeds - a stale lock file never blocks it - and leaves no temp
# file, journal, lock or pending request behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-kill9.sh"
. "$(dirname "$0")/lib-renew.sh"
. "$(dirname "$0")/lib-renew-kill9.sh"
set -e
need openssl strace
k9_init
pw_init

dev_pub() { openssl pkey -in "$KS/keys/$1.pem" -pubout; }
dev_objects() { :; }

k9r_setup software
k9r_matrix renew all --force --retry-for 0
[ "$K9R_LOCKS" -gt 0 ] || fail "no kill left the lock file: the stale lock went untested"
k9r_matrix rekey all --force --rekey --retry-for 0
k9r_report
exit 0
