#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# inner-test.sh - runs INSIDE the throwaway Debian 12 root made by
# chroot-test.sh (read that first), as root, with only PATH, HOME, LANG and
# TERM set.  /root/t holds the .debs, the EST server's TLS root CA, its
# password file, and vars (URI, TCTI of the swtpm outside).
set -euo pipefail
cd /root/t
. ./vars

step() { printf '   -- %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >apt.log 2>&1 ||
		{ tail -40 apt.log >&2; fail "apt-get install $*"; }
}
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort; }
KS=/etc/hwenroll/keystore
DEV_OPTS=(--estc-user pkgtest --estc-pass-file /root/t/pass --csr-conf sample_est_csr.conf)

step "apt-get install --no-install-recommends ./hwenroll_*.deb ./openssl-provider-hwenroll-pkcs11_*.deb"
installed >before
apt_install ./debs/hwenroll_*.deb ./debs/openssl-provider-hwenroll-pkcs11_*.deb
installed >after
echo "      new packages: $(comm -13 before after | tr '\n' ' ')" >&2
step "test tools (not dependencies): man-db softhsm2 openssl"
apt_install man-db softhsm2 openssl

step "hwenroll --version"
hwenroll --version | grep -Eq '^hwenroll [0-9]' || fail "hwenroll --version"

step "man pages: hwenroll(1), hwenroll-csr.conf(5), hwenroll-pkcs11(7)"
for page in hwenroll hwenroll-csr.conf hwenroll-pkcs11; do
	man -P cat "$page" 2>man.err | grep -q 'NAME' || { cat man.err >&2; fail "man $page"; }
done

step "openssl list -providers -provider hwenroll-pkcs11 (no OPENSSL_MODULES)"
openssl list -providers -provider hwenroll-pkcs11 >providers.txt 2>&1 || { cat providers.txt >&2; fail "provider does not load"; }
grep -A3 '^  hwenroll-pkcs11$' providers.txt | grep -q 'status: active' || { cat providers.txt >&2; fail "provider not active"; }

step "the default keystore as shipped"
[ "$(stat -c '%a %U' $KS/keys)" = "700 root" ] || fail "keys/ is $(stat -c '%a %U' $KS/keys)"
[ "$(stat -c '%a %U' $KS/req)" = "700 root" ] || fail "req/ is $(stat -c '%a %U' $KS/req)"
cp tls-ca.pem $KS/ca/tls-root.pem
cp /usr/share/doc/hwenroll/examples/sample_est_csr.conf $KS/conf/

step "hwenroll cacerts; enroll with a software key into /etc/hwenroll/keystore"
hwenroll cacerts --uri "$URI" >/dev/null
hwenroll enroll --uri "$URI" --key-alias soft --key-backend software "${DEV_OPTS[@]}" >soft.pem
openssl x509 -in soft.pem -noout -subject | grep -q 'CN = test-iot-device-001-docs' || fail "software enroll"
[ -f $KS/keys/soft.pem ] || fail "no $KS/keys/soft.pem"

step "SoftHSM token (default /etc/softhsm/softhsm2.conf); enroll and re-enroll through the installed provider"
softhsm2-util --init-token --free --label pkgtest --so-pin 5678 --pin 1234 >/dev/null
printf '1234\n' >pin
chmod 600 pin
MOD=/usr/lib/softhsm/libsofthsm2.so
hwenroll enroll --uri "$URI" --key-alias hsm --key-backend pkcs11 --pkcs11-module $MOD \
	--token-uri 'pkcs11:token=pkgtest' --pin-file /root/t/pin "${DEV_OPTS[@]}" >hsm.pem
grep -q '^pkcs11:.*token=pkgtest' $KS/keys/hsm.p11 || fail "keys/hsm.p11 is not a token URI"
hwenroll reenroll --uri "$URI" --key-alias hsm --pkcs11-module $MOD --pin-file /root/t/pin >hsm2.pem
cmp -s <(openssl x509 -in hsm.pem -noout -pubkey) <(openssl x509 -in hsm2.pem -noout -pubkey) ||
	fail "re-enroll changed the token key"

step "TPM backend without the Recommends: refused, naming the package"
set +e
hwenroll tpm --tcti "$TCTI" >tpm.out 2>tpm.err
rc=$?
set -e
[ $rc -eq 11 ] && grep -q 'libtss2-tctildr0' tpm.err || { cat tpm.err >&2; fail "hwenroll tpm exited $rc"; }

recs=$(for d in ./debs/hwenroll_*.deb ./debs/openssl-provider-hwenroll-pkcs11_*.deb; do
	dpkg-deb -f "$d" Recommends; done | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' |
	grep -v '^openssl-provider-hwenroll-pkcs11$' | grep . | sort -u | tr '\n' ' ')
step "the packages' Recommends: $recs"
# shellcheck disable=SC2086
apt_install $recs

step "TPM enroll (tpm2-openssl, libtss2 loaded on first use) against swtpm at $TCTI"
hwenroll tpm --tcti "$TCTI" >tpm.out 2>&1 || { cat tpm.out >&2; fail "hwenroll tpm"; }
hwenroll enroll --uri "$URI" --key-alias tpm --key-backend tpm2 --tcti "$TCTI" "${DEV_OPTS[@]}" >tpm.pem
[ "$(head -n1 $KS/keys/tpm.tss2)" = "-----BEGIN TSS2 PRIVATE KEY-----" ] || fail "keys/tpm.tss2"
hwenroll reenroll --uri "$URI" --key-alias tpm --tcti "$TCTI" --log-level DEBUG >/dev/null 2>tpm.err ||
	{ cat tpm.err >&2; fail "TPM reenroll"; }
# the installed TCTI watcher (TPM response codes for the error hints) is used
grep -q "TPM response codes from '/usr/lib/.*/hwenroll/tcti-rcwatch.so'" tpm.err ||
	{ cat tpm.err >&2; fail "the TCTI watcher was not loaded"; }

step "SoftHSM enroll through the default module, the p11-kit proxy"
hwenroll enroll --uri "$URI" --key-alias hsmproxy --key-backend pkcs11 \
	--token-uri 'pkcs11:token=pkgtest' --pin-file /root/t/pin "${DEV_OPTS[@]}" >/dev/null

step "the example openssl.cnf snippet, included at the end of /etc/ssl/openssl.cnf"
cp /usr/share/doc/openssl-provider-hwenroll-pkcs11/examples/hwenroll-pkcs11.cnf /etc/ssl/
echo '.include /etc/ssl/hwenroll-pkcs11.cnf' >>/etc/ssl/openssl.cnf
openssl list -providers >providers.txt 2>&1 || { cat providers.txt >&2; fail "openssl with the snippet"; }
for p in default hwenroll-pkcs11; do
	grep -A3 "^  $p\$" providers.txt | grep -q 'status: active' || { cat providers.txt >&2; fail "$p not active"; }
done
openssl pkey -pubout -in "$(cat $KS/keys/hsm.p11)?pin-source=/root/t/pin" >hsm.pub 2>pkey.err ||
	{ cat pkey.err >&2; fail "token key through the configured provider"; }
cmp -s hsm.pub <(openssl x509 -in hsm2.pem -noout -pubkey) || fail "token key differs"
hwenroll show >/dev/null

step "apt-get purge hwenroll: the keys stay"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hwenroll >apt.log 2>&1 || { tail -20 apt.log >&2; fail "purge"; }
[ -f $KS/keys/soft.pem ] && [ -f $KS/keys/tpm.tss2 ] && [ -f $KS/certs/soft.pem ] || fail "purge removed keys"
grep -q "directory '$KS/keys' not empty so not removed" apt.log ||
	{ cat apt.log >&2; fail "dpkg did not keep keys/"; }
echo "   all checks passed inside the root" >&2
