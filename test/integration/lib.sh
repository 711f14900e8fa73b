# lib.sh - shared helpers for hwenroll's integration tests (bash).
#
# Source it first thing:  . "$(dirname "$0")/lib.sh"
# It makes a temp dir ($T) removed on exit, a keystore path ($KS), and
# starts nothing by itself; est_start (lib-estserver.sh) starts the test
# EST server.  Tests never touch /dev/tpm*, /etc or $HOME.
set -u
: "${HWE_TOP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${HWE_TOP_BUILDDIR:=$PWD}"
: "${HWENROLL:=$HWE_TOP_BUILDDIR/src/hwenroll}"
: "${ESTSERVER:=$HWE_TOP_BUILDDIR/test/estserver/hwe-estserver}"
export HWE_TOP_SRCDIR HWE_TOP_BUILDDIR HWENROLL ESTSERVER

# hwenroll refuses input files others can write (and secret files others
# can read): create files with the modes a careful admin would, whatever
# the caller's umask; secret files are still chmod 600'ed explicitly
umask 022
T=$(mktemp -d "${TMPDIR:-/tmp}/hwe-test.XXXXXX")
KS=$T/ks
export HOME=$T/home            # nothing may write to the real $HOME
mkdir -p "$HOME"
unset EST_URI EST_USERNAME EST_PASS HWENROLL_KEYSTORE HWENROLL_CONFIG HWENROLL_TCTI \
	TPM2OPENSSL_TCTI HWENROLL_PKCS11_PIN HWENROLL_LOG_LEVEL \
	https_proxy HTTPS_PROXY http_proxy ALL_PROXY all_proxy   # loopback only, never a proxy
. "$HWE_TOP_SRCDIR/test/integration/lib-estserver.sh"

_hwe_cleanups=()
hwe_on_exit() { _hwe_cleanups+=("$*"); }
_hwe_exit() {
	local rc=$? i
	for ((i = ${#_hwe_cleanups[@]} - 1; i >= 0; i--)); do eval "${_hwe_cleanups[$i]}" || true; done
	est_cleanup
	if [ $rc -eq 0 ] || [ "${HWE_KEEP_TMP:-0}" != 1 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
	exit $rc
}
trap _hwe_exit EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c not installed"; done; }
step() { echo "== $*" >&2; }

# hwe ARGS...: run hwenroll on $KS; output in $T/out, $T/err, status in $rc
hwe() {
	set +e
	"$HWENROLL" -k "$KS" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	return 0
}
# ok ARGS...: hwenroll must succeed
ok() {
	hwe "$@"
	[ "$rc" -eq 0 ] || { cat "$T/err" >&2; fail "hwenroll $* exited $rc, expected 0"; }
}
# expect CODE PATTERN ARGS...: hwenroll must exit CODE and print PATTERN (grep -E) on stderr
expect() {
	local code=$1 pat=$2
	shift 2
	hwe "$@"
	[ "$rc" -eq "$code" ] || { cat "$T/err" >&2; fail "hwenroll $* exited $rc, expected $code"; }
	grep -Eq -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "hwenroll $*: stderr lacks /$pat/"; }
}
# the error line must be printed exactly once
once() {
	local n
	n=$(grep -c 'ERROR:' "$T/err" || true)
	[ "$n" -eq 1 ] || { cat "$T/err" >&2; fail "expected one ERROR line, got $n"; }
}

# keystore snapshots: every file with its mode and checksum (creating the
# standard empty subdirectories is not a change)
ks_snapshot() {
	if [ -d "$KS" ]; then
		(cd "$KS" && find . -type f -print0 | sort -z | while IFS= read -r -d '' f; do
			echo "$(stat -c %a "$f") $(sha256sum <"$f" | cut -c1-64) $f"
		done)
	else
		echo "(no keystore)"
	fi >"$T/snap.$1"
}
ks_unchanged() {
	ks_snapshot after
	diff -u "$T/snap.$1" "$T/snap.after" >&2 || fail "keystore changed: $2"
}

# make a keystore that trusts the server started in $1
ks_init() {
	local srv=$1
	mkdir -p "$KS/ca" "$KS/conf"
	cp "$srv/tls-ca.pem" "$KS/ca/tls-root.pem"
	cat >"$KS/conf/device.conf" <<CONF
# Subject
countryName=US
commonName=${2:-hwe-test-device}
stateOrProvinceName=CA
localityName=MV
organizationName=Example
organizationalUnitName=Engineering
# Requested Extensions
isCA=false
keyUsage=digitalSignature keyEncipherment
extendedKeyUsage=clientAuth
subjectAltNames=2; ${2:-hwe-test-device}.example.com, 2; 10.1.2.3, 7
CONF
}

# the password file for the server's Basic auth
pw_init() {
	printf 'est-pass-%s\n' "$RANDOM$RANDOM" >"$T/pass"
	chmod 600 "$T/pass"
}

# check_cert ALIAS: issued cert stored, readable, verifies against the EST CA
check_cert() {
	local a=$1 srv=$2
	[ -f "$KS/certs/$a.pem" ] || fail "no certs/$a.pem"
	openssl verify -CAfile "$srv/ca.pem" "$KS/certs/$a.pem" >/dev/null || fail "certs/$a.pem does not verify"
	[ "$(stat -c %a "$KS/keys")" = 700 ] || fail "keys/ is not 0700"
	for k in "$KS"/keys/"$a".*; do
		[ "$(stat -c %a "$k")" = 600 ] || fail "$k is not 0600"
	done
}
# split_args ARGS... -- ARGS...: _ea holds the arguments before --, _ra
# those after it (the enroll and the reenroll options of a scenario)
split_args() {
	_ea=()
	_ra=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do _ea+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	_ra=("$@")
}

# softhsm_setup: a private SoftHSM (tokens in $T/tokens, SOFTHSM2_CONF),
# the built hwenroll-pkcs11 provider (OPENSSL_MODULES), and the token
# hwe-tok (SO PIN 5678, user PIN 1234, the PIN in $T/pin, 0600).  Sets
# SOFTHSM_MODULE; skips only when SoftHSM is not installed.
softhsm_setup() {
	need openssl softhsm2-util
	SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
	[ -r "$SOFTHSM_MODULE" ] || skip "SoftHSM module not installed"
	: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
	[ -e "$HWE_PKCS11_PROVIDER_DIR/hwenroll-pkcs11.so" ] || fail "provider not built in $HWE_PKCS11_PROVIDER_DIR"
	export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR
	mkdir -p "$T/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/tokens" >"$T/softhsm2.conf"
	export SOFTHSM2_CONF=$T/softhsm2.conf
	softhsm2-util --init-token --free --label hwe-tok --so-pin 5678 --pin 1234 >/dev/null
	printf '1234\n' >"$T/pin"
	chmod 600 "$T/pin"
}

# openssl_p11 ARGS...: the system openssl with our PKCS#11 provider.  In a
# sanitizer build the provider needs the ASan runtime, which the system
# openssl binary lacks: preload it (leak checks stay with hwenroll itself).
openssl_p11() {
	local so=${HWE_PKCS11_PROVIDER_DIR:-$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}/hwenroll-pkcs11.so asan
	asan=$(ldd "$so" 2>/dev/null | awk '/libasan/ {print $3}')
	if [ -n "$asan" ]; then
		LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 \
			openssl "$1" -provider default -provider hwenroll-pkcs11 "${@:2}"
	else
		openssl "$1" -provider default -provider hwenroll-pkcs11 "${@:2}"
	fi
}

# pubkey of the stored cert
cert_pub() { openssl x509 -in "$KS/certs/$1.pem" -noout -pubkey | sha256sum | cut -c1-16; }
