#!/bin/bash
# The reference workflow's command form and environment, with DigiCert's
# multi-segment label URLs: certificate est takes the operation from the
# URL's last segment; default alias GenKey; EST_URI/EST_USERNAME/EST_PASS.
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass"
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" iot-device-001
LABEL=devicetrustmanager/IOT_4on9ypzu/device-group/33318f48-1177-4233-ad1f-f69ea541d703

step "cacerts from EST_URI ending in /cacerts"
EST_URI=$(est_url "$T/srv" "$LABEL" cacerts) hwe certificate est
[ "$rc" = 0 ] || { cat "$T/err"; fail "certificate est (cacerts)"; }
[ -f "$KS/ca/est-cacerts.pem" ] || fail "cacerts not stored"
grep -q "GET /.well-known/est/$LABEL/cacerts 200" "$T/srv/requests.log" || fail "label path not kept"

step "enroll: the reference command line with EST_URI, EST_USERNAME, EST_PASS"
export EST_URI EST_USERNAME EST_PASS
EST_URI=$(est_url "$T/srv" "$LABEL" simpleenroll)
EST_USERNAME=device
EST_PASS=$(cat "$T/pass")
hwe certificate est --algorithm ECC --curve P256 --uri "${EST_URI}" --csr-conf device.conf --key-alias eccTestKey --log-level INFO
[ "$rc" = 0 ] || { cat "$T/err"; fail "certificate est (simpleenroll)"; }
check_cert eccTestKey "$T/srv"
grep -q "POST /.well-known/est/$LABEL/simpleenroll 200" "$T/srv/requests.log" || fail "simpleenroll on the label path"
grep -qF "$EST_PASS" "$T/err" && fail "password in the INFO log"

step "the Step 3 form: --estc-server-dn --estc-server-url --estc-user --estc-pass (warned)"
EP=$(est_url "$T/srv" "$LABEL" simpleenroll)
EP=${EP%/simpleenroll}
hwe certificate est --algorithm RSA --size 2048 --estc-server-dn localhost --estc-server-url "$EP/simpleenroll" \
	--estc-user device --estc-pass "$EST_PASS" --csr-conf device.conf --key-alias rsaTestKey --log-level INFO
[ "$rc" = 0 ] || { cat "$T/err"; fail "certificate est (Step 3 form)"; }
grep -q "visible\|other users" "$T/err" || fail "no warning about --estc-pass on the command line"
check_cert rsaTestKey "$T/srv"

step "--estc-pass is blanked in the process's argv as soon as it is read"
est_start "$T/stall" --user device --pass-file "$T/pass" --fault stall --fault-op simpleenroll
cp "$T/stall/tls-ca.pem" "$KS/ca/tls-stall.pem"
"$HWENROLL" -k "$KS" certificate est --uri "$(est_url "$T/stall" "" simpleenroll)" --estc-user device \
	--estc-pass "$EST_PASS" --csr-conf device.conf --key-alias stalled --timeout 30 >/dev/null 2>&1 &
spid=$!
for ((i = 0; i < 200; i++)); do
	grep -q "GET [^ ]*/csrattrs 200" "$T/stall/requests.log" 2>/dev/null && break
	sleep 0.05
done
grep -q "GET [^ ]*/csrattrs 200" "$T/stall/requests.log" || { kill "$spid"; fail "the stalled run did not reach the server"; }
cmdline=$(tr '\0' ' ' <"/proc/$spid/cmdline")
kill "$spid"
wait "$spid" 2>/dev/null || true
case $cmdline in *--estc-pass*) ;; *) fail "not the hwenroll process: $cmdline" ;; esac
case $cmdline in *"$EST_PASS"*) fail "the password is readable in /proc/PID/cmdline: $cmdline" ;; esac
echo "$cmdline" | grep -q -- "--estc-pass xxxx" || fail "--estc-pass not blanked: $cmdline"
rm -f "$KS/ca/tls-stall.pem"
openssl x509 -in "$KS/certs/rsaTestKey.pem" -noout -text | grep -q "Public-Key: (2048 bit)" || fail "not RSA 2048"

step "default alias GenKey"
hwe certificate est --uri "$EST_URI" --csr-conf device.conf
[ "$rc" = 0 ] || { cat "$T/err"; fail "default alias"; }
check_cert GenKey "$T/srv"

step "renew: the same command with EST_URI ending in /simplereenroll"
pub=$(cert_pub eccTestKey)
EST_URI=$(est_url "$T/srv" "$LABEL" simplereenroll)
hwe certificate est --algorithm ECC --curve P256 --uri "${EST_URI}" --csr-conf device.conf --key-alias eccTestKey --log-level INFO
[ "$rc" = 0 ] || { cat "$T/err"; fail "certificate est (simplereenroll)"; }
[ "$(cert_pub eccTestKey)" = "$pub" ] || fail "renew changed the key"
grep -q "POST /.well-known/est/$LABEL/simplereenroll 200 client=.*eccTestKey\|POST /.well-known/est/$LABEL/simplereenroll 200 client=.*iot-device-001" "$T/srv/requests.log" \
	|| { cat "$T/srv/requests.log"; fail "reenroll not authenticated by the client certificate"; }

step "csrattrs via the URL"
EST_URI=$(est_url "$T/srv" "$LABEL" csrattrs) hwe certificate est
[ "$rc" = 0 ] || { cat "$T/err"; fail "certificate est (csrattrs)"; }
grep -qi "challengePassword\|1.2.840.113549.1.9.7" "$T/out" || { cat "$T/out"; fail "csrattrs output"; }

step "a URL without an operation, an unsupported operation, a missing 'est'"
ks_snapshot before
expect 2 "does not end in an EST operation" certificate est --uri "$(est_url "$T/srv" "$LABEL" x)"
once
expect 2 "serverkeygen.*does not end in an EST operation that hwenroll runs" certificate est --uri "$(est_url "$T/srv" "$LABEL" serverkeygen)"
expect 2 "certificate est" certificate --uri "$EST_URI"
unset EST_URI
expect 2 "no EST URL" certificate est --key-alias x
ks_unchanged before "usage errors"
exit 0
