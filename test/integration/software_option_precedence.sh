#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The documented order of every setting: command line, then environment,
# then the config file.  Before, the config file beat the environment for
# tcti, pkcs11-module and estc-pass-file (issue 10, bug 1).
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init

step "tcti: HWENROLL_TCTI beats the config file, --tcti beats both"
printf 'tcti=swtpm:host=127.0.0.1,port=1\n' >"$T/hwenroll.conf"
HWENROLL_TCTI=swtpm:host=127.0.0.1,port=2 expect 11 "port=2" --config "$T/hwenroll.conf" tpm
grep -q "port=1" "$T/err" && { cat "$T/err"; fail "the config file's TCTI was used"; }
HWENROLL_TCTI=swtpm:host=127.0.0.1,port=2 expect 11 "port=3" --config "$T/hwenroll.conf" tpm --tcti swtpm:host=127.0.0.1,port=3
expect 11 "port=1" --config "$T/hwenroll.conf" tpm

step "pkcs11-module: HWENROLL_PKCS11_MODULE beats the config file"
: "${HWE_PKCS11_PROVIDER_DIR:=$HWE_TOP_BUILDDIR/providers/pkcs11/.libs}"
export OPENSSL_MODULES=$HWE_PKCS11_PROVIDER_DIR
printf 'pkcs11-module=/nonexistent/config-module.so\n' >"$T/p11.conf"
HWENROLL_PKCS11_MODULE=/nonexistent/env-module.so expect 11 "env-module" --config "$T/p11.conf" \
	keygen --key-alias k --key-backend pkcs11 --token-uri 'pkcs11:token=x'
grep -q "config-module" "$T/err" && { cat "$T/err"; fail "the config file's module was used"; }

step "estc-pass-file in the config file: EST_PASS from the environment wins"
est_start "$T/srv" --user device --pass-file "$T/pass"
ks_init "$T/srv"
printf 'wrong-password\n' >"$T/wrong"
chmod 600 "$T/wrong"
printf 'estc-pass-file=%s\nestc-user=device\n' "$T/wrong" >"$T/pass.conf"
EST_PASS=$(head -n1 "$T/pass") ok --config "$T/pass.conf" enroll --uri "$(est_url "$T/srv" "" simpleenroll)" \
	--key-alias d1 --csr-conf device.conf
check_cert d1 "$T/srv"
# and without EST_PASS the config file's (wrong) password is the one used
expect 6 "credentials rejected" --config "$T/pass.conf" enroll --uri "$(est_url "$T/srv" "" simpleenroll)" \
	--key-alias d2 --csr-conf device.conf
echo "PASS: command line > environment > config file"
