# SPDX-License-Identifier: BSD-3-Clause
# test-lib.sh - TPM helpers for the integration tests (source after
# test/integration/lib.sh).
#
#   tpm_fixture DIR [--abrmd]   start swtpm (+ tpm2-abrmd) in DIR, source DIR/env,
#                               stop it again when the test exits
#   TPM_PROBE                   the test/tpm/tpm-probe program
#   tpm_pcap_cmds FILE          "name name ..." of the TPM commands in a pcap
#                               recorded with TCTI "pcap:$SWTPM_TCTI"
_tpm_fix_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TPM_PROBE:=$HWE_TOP_BUILDDIR/test/tpm/tpm-probe}"

tpm_need() {
	local c
	for c in swtpm tpm2_createprimary tpm2_evictcontrol tpm2_readpublic tpm2_getcap openssl "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c not installed" >&2; exit 77; }
	done
	[ -e /usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so ] || [ -n "$(find /usr/lib* -name tpm2.so -path '*ossl-modules*' 2>/dev/null | head -n1)" ] ||
		{ echo "SKIP: tpm2-openssl not installed" >&2; exit 77; }
}

tpm_fixture() {
	local dir=$1
	shift
	if [ " $* " = " --abrmd " ]; then
		command -v dbus-daemon >/dev/null 2>&1 || { echo "SKIP: dbus-daemon not installed" >&2; exit 77; }
		[ -x /usr/sbin/tpm2-abrmd ] || command -v tpm2-abrmd >/dev/null 2>&1 ||
			{ echo "SKIP: tpm2-abrmd not installed" >&2; exit 77; }
	fi
	# register the stop with both exit mechanisms (running it twice is harmless)
	if declare -F hwe_on_exit >/dev/null; then hwe_on_exit "'$_tpm_fix_dir/tpm-stop' '$dir'"; fi
	if declare -F hwe_at_exit >/dev/null; then hwe_at_exit "'$_tpm_fix_dir/tpm-stop' '$dir'"; fi
	"$_tpm_fix_dir/tpm-start" "$dir" "$@" || { echo "FAIL: tpm-start $dir $*" >&2; exit 1; }
	# shellcheck disable=SC1091
	. "$dir/env"
}

tpm_pcap_cmds() {
	python3 "$HWE_TOP_SRCDIR/test/tpm/pcap-commands.py" "$1" --seq
}
