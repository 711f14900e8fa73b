# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - common setup for the hwenroll-pkcs11 provider tests: a SoftHSM
# token in a temporary directory, an openssl.cnf that activates default +
# hwenroll-pkcs11 with the SoftHSM module path, and the build's provider.
# Never loads the registered modules (tpm2_pkcs11 and opensc touch $HOME).

: "${HWE_TOP_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
P11TEST=$HWE_TOP_BUILDDIR/test/pkcs11/p11-test
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
TOKEN=hwe-test
PIN=1234
SOPIN=5678
FAILS=0
PASSES=0

skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"; }

pass() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@" >>"$WORK/log" 2>&1; then pass "$d"; else fail "$d"; fi; }
# check_fails DESCRIPTION PATTERN COMMAND...: passes when the command fails
# and its output matches PATTERN (grep -E)
check_fails() {
	local d=$1 pat=$2 out; shift 2
	if out=$("$@" 2>&1); then
		fail "$d (command succeeded)"
	elif printf '%s\n' "$out" | grep -Eq -- "$pat"; then
		pass "$d"
	else
		fail "$d (no '$pat' in output)"; printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}
finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

p11_cleanup() {
	local p
	for p in $P11_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "$WORK" ] && rm -rf "$WORK"
}

p11_setup() {
	[ -r "$SOFTHSM_MODULE" ] || skip "SoftHSM module $SOFTHSM_MODULE not installed"
	need softhsm2-util
	need openssl
	[ -x "$P11TEST" ] || { echo "missing $P11TEST (make check builds it)"; exit 1; }
	[ -e "$HWE_PKCS11_PROVIDER_DIR/hwenroll-pkcs11.so" ] || { echo "provider not built"; exit 1; }
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/hwe-p11.XXXXXX")
	P11_PIDS=
	trap p11_cleanup EXIT
	mkdir -p "$WORK/tokens"
	cat >"$WORK/softhsm2.conf" <<EOC
directories.tokendir = $WORK/tokens
objectstore.backend = file
log.level = ERROR
EOC
	export SOFTHSM2_CONF=$WORK/softhsm2.conf
	softhsm2-util --init-token --free --label "$TOKEN" --so-pin "$SOPIN" --pin "$PIN" >/dev/null ||
		{ echo "softhsm2-util --init-token failed"; exit 1; }
	# default first, then ours: no property query anywhere
	cat >"$WORK/openssl.cnf" <<EOC
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
hwenroll-pkcs11 = p11_sect
[default_sect]
activate = 1
[p11_sect]
activate = 1
pkcs11-module-path = $SOFTHSM_MODULE
EOC
	export OPENSSL_CONF=$WORK/openssl.cnf
	export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR
	unset HWENROLL_PKCS11_MODULE HWENROLL_PKCS11_PIN
	export HOME=$WORK  # anything that still looks at $HOME finds a temp dir
	: >"$WORK/log"
}

# keygen KIND LABEL: a key pair generated on the token through the provider;
# the public key PEM goes to $WORK/LABEL.pub
keygen() {
	"$P11TEST" --keygen "$TOKEN" "$PIN" "$1" "$2" >"$WORK/$2.pub" 2>>"$WORK/log"
}
# key URI of LABEL
keyuri() { echo "pkcs11:token=$TOKEN;object=$1;type=private?pin-value=$PIN"; }

# random free loopback port
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
}
