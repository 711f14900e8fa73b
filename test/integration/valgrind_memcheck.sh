#!/bin/bash
# valgrind memcheck over the main scenarios: enroll, renew, --rekey with a
# software key, and enroll + renew with a TPM key (swtpm).  No invalid
# access and no definite/indirect leak may be reported; test/valgrind.supp
# holds the only suppressions (library-internal, each commented).
. "$(dirname "$0")/lib.sh"
set -e
need valgrind openssl swtpm
file -b "$HWENROLL" | grep -q ELF || skip "hwenroll is not a plain executable (libtool wrapper)"
if ldd "$HWENROLL" | grep -q libasan; then skip "ASan build: memcheck runs on the plain build"; fi
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
	--error-exitcode=42 --suppressions="$HWE_TOP_SRCDIR/test/valgrind.supp" --log-file="$T/vg.%p")
# valgrind's report without its note on mlock2 (syscall 325, which it does
# not know): OpenSSL's secure heap then falls back to mlock
vgout() { cat "$T"/vg.* 2>/dev/null | sed '/unhandled amd64-linux syscall: 325$/,+4d'; }
vg() { # NAME ARGS...
	local name=$1
	shift
	set +e
	"${VG[@]}" "$HWENROLL" -k "$KS" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		cat "$T/err" "$T"/vg.* >&2
		fail "$name under valgrind exited $rc"
	fi
	if [ -n "$(vgout)" ]; then vgout >&2; fail "$name: valgrind reported errors"; fi
	rm -f "$T"/vg.*
}
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
step "software: enroll, renew, rekey"
vg enroll enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
vg renew reenroll --uri "$URL" --key-alias dev1
vg rekey reenroll --uri "$URL" --key-alias dev1 --rekey
vg show show
step "a failing run (wrong password) frees everything too"
echo wrong >"$T/wrong"
chmod 600 "$T/wrong"
set +e
"${VG[@]}" "$HWENROLL" -k "$KS" enroll --uri "$URL" --key-alias dev2 --csr-conf device.conf --estc-user device --estc-pass-file "$T/wrong" >/dev/null 2>"$T/err"
rc=$?
set -e
[ $rc = 6 ] || { cat "$T/err" "$T"/vg.*; fail "wrong password under valgrind exited $rc"; }
[ -z "$(vgout)" ] || { vgout; fail "valgrind errors on the failure path"; }
rm -f "$T"/vg.*
step "TPM: enroll and renew (swtpm)"
"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-start" "$T/tpm" >"$T/tpm.log" 2>&1 || { cat "$T/tpm.log"; fail "tpm-start"; }
hwe_on_exit "\"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop\" \"$T/tpm\" >/dev/null 2>&1"
. "$T/tpm/env"
vg tpm-enroll enroll --uri "$URL" --key-alias tpm1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" \
	--key-backend tpm2 --tcti "$HWENROLL_TCTI"
vg tpm-renew reenroll --uri "$URL" --key-alias tpm1 --tcti "$HWENROLL_TCTI"
exit 0
