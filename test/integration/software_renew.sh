#!/bin/bash
# software key: hwenroll renew from the enrollment profile - not due (no
# network), due (--before against year-long certificates, and seconds-long
# certificates from --validity-seconds), forced, rekey policy, --check
# codes, metrics, expired with and without the fallback to /simpleenroll,
# a server refusing the client certificate, an outage then recovery within
# --retry-for, 503 Retry-After, 202 then resume, --all with one alias
# failing, deploy hook success/failure/timeout, an alias without profile.
# Each failure path leaves the certificate and key as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-renew.sh"
set -e
need openssl python3
pw_init

est_start "$T/srv" --user device --pass-file "$T/pass"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)
enroll() { # ALIAS ARGS...
	local a=$1
	shift
	sed "s/commonName=.*/commonName=$a/" "$KS/conf/device.conf" >"$KS/conf/$a.conf"
	ok enroll --uri "$URL" --key-alias "$a" --csr-conf "$a.conf" --estc-user device --estc-pass-file "$T/pass" "$@"
}

step "enroll stores the profile in the same commit (no secrets), show prints it"
enroll dev1
[ -f "$KS/certs/dev1.profile" ] || fail "no profile"
[ "$(stat -c %a "$KS/certs/dev1.profile")" = 644 ] || fail "profile mode"
grep -qx "uri=$URL" "$KS/certs/dev1.profile" || fail "profile lacks the URL"
grep -qx "estc-pass-file=$T/pass" "$KS/certs/dev1.profile" || fail "profile lacks the password source"
grep -qx "key-backend=software" "$KS/certs/dev1.profile" || fail "profile lacks the backend"
grep -qF "$(cat "$T/pass")" "$KS/certs/dev1.profile" && fail "the password is in the profile"
ok show --key-alias dev1
grep -q "profile:    certs/dev1.profile" "$T/out" || fail "show prints no profile"
ok show --key-alias dev1 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))[0]; assert d["profile"]["csr-conf"]=="dev1.conf"' "$T/out" || fail "show --json profile"

step "not due: no network, exit 0, says when it will be due"
: >"$T/srv/requests.log"
ok renew --key-alias dev1
grep -q "dev1: not due; valid until .*, due at " "$T/out" || fail "not-due output: $(cat "$T/out")"
ok renew --key-alias dev1 --json
[ "$(jget dev1 result)" = not-due ] && [ "$(jget dev1 due)" = False ] || fail "json not-due"
tl "dev1 due_at=$(jget dev1 due_at) sent=nothing result=not-due"
ok renew --check
[ "$(reqs)" = 0 ] || fail "a not-due run used the network"

step "due with --before 400 against a 365-day certificate: /simplereenroll over mutual TLS"
s1=$(serial dev1)
pub1=$(cert_pub dev1)
expect 14 "due for renewal" renew --check --before 400
once
ok renew --key-alias dev1 --before 400 --json
[ "$(jget dev1 result)" = renewed ] && [ "$(jget dev1 operation)" = simplereenroll ] || fail "json renewed: $(cat "$T/out")"
tl "dev1 due_at=$(jget dev1 due_at) (--before 400) sent=$(jget dev1 operation) result=renewed"
[ "$(serial dev1)" != "$s1" ] || fail "no new certificate"
[ "$(cert_pub dev1)" = "$pub1" ] || fail "the key changed without --rekey"
check_cert dev1 "$T/srv"
grep -q "POST .*/simplereenroll 200 client=.*CN *= *dev1" "$T/srv/requests.log" || fail "not mutual TLS"

step "--force renews now; --rekey gives a new key"
s1=$(serial dev1)
ok renew --key-alias dev1 --force --rekey
[ "$(serial dev1)" != "$s1" ] && [ "$(cert_pub dev1)" != "$pub1" ] || fail "--force --rekey"
tl "dev1 due_at=forced sent=simplereenroll+rekey result=renewed"
cmp <(openssl pkey -in "$KS/keys/dev1.pem" -pubout) <(openssl x509 -in "$KS/certs/dev1.pem" -noout -pubkey) || fail "key/cert mismatch"

step "profile policy: --rekey-on-renew and --before from enroll; --metrics"
enroll dev2 --rekey-on-renew --before 400
grep -qx "before=400" "$KS/certs/dev2.profile" && grep -qx "rekey-on-renew=1" "$KS/certs/dev2.profile" || fail "policy not stored"
pub2=$(cert_pub dev2)
ok renew --key-alias dev2 --metrics "$T/metrics.prom"
[ "$(cert_pub dev2)" != "$pub2" ] || fail "rekey-on-renew not applied"
tl "dev2 due_at=profile-before-400 sent=simplereenroll+rekey result=renewed"
grep -qx "hwenroll_certificate_not_after_seconds{alias=\"dev2\"} $(na dev2)" "$T/metrics.prom" || { cat "$T/metrics.prom"; fail "metrics notAfter"; }
grep -qx 'hwenroll_renew_last_result{alias="dev2"} 0' "$T/metrics.prom" || fail "metrics result"
grep -q '^hwenroll_renew_last_success_seconds{alias="dev2"} [1-9]' "$T/metrics.prom" || fail "metrics success"
ls "$T"/metrics.prom.tmp* 2>/dev/null && fail "metrics temp file left"

step "deploy hook: environment, failure (exit 13, certificate kept), timeout"
ok renew --key-alias dev1 --force --log-level INFO \
	--deploy-hook 'echo "hook $HWENROLL_ALIAS $HWENROLL_KEYSTORE $HWENROLL_CERT $HWENROLL_CHAIN $HWENROLL_KEY pass=${EST_PASS:-none}"'
grep -q "deploy hook of alias 'dev1': hook dev1 $KS $KS/certs/dev1.pem $KS/certs/dev1-chain.pem $KS/keys/dev1.pem pass=none" "$T/err" \
	|| { cat "$T/err"; fail "hook environment"; }
s1=$(serial dev1)
expect 13 "deploy hook of alias .dev1. exited with status 3 \(last output: .broken.\)" renew --key-alias dev1 --force --deploy-hook 'echo broken; exit 3'
once
grep -q "broken" "$T/err" || fail "the failing hook's output is not in the log"
[ "$(serial dev1)" != "$s1" ] || fail "a failing hook lost the new certificate"
check_cert dev1 "$T/srv"
tl "dev1 due_at=forced sent=simplereenroll result=renewed, hook exit 3 -> 13"
start=$(date +%s)
expect 13 "did not finish within 2 s" renew --key-alias dev1 --force --deploy-hook 'sleep 30' --deploy-hook-timeout 2
[ $(($(date +%s) - start)) -lt 20 ] || fail "hook timeout not enforced"
# enroll runs the profile's hook too
enroll dev3 --deploy-hook 'echo enrolled >"$HWENROLL_KEYSTORE/../hook.dev3"'
[ -f "$T/hook.dev3" ] || fail "enroll did not run the deploy hook"

step "short-lived certificates: due without --before, expired with and without fallback"
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass" --validity-seconds 30
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
rm -f "$KS/certs/dev1"* "$KS/keys/dev1"* "$KS/certs/dev2"* "$KS/keys/dev2"* "$KS/certs/dev3"* "$KS/keys/dev3"*
enroll s1
ok renew --key-alias s1 --json
[ "$(jget s1 result)" = not-due ] || fail "fresh 30 s certificate due"
tl "s1 due_at=$(jget s1 due_at) (last third of 30 s) sent=nothing result=not-due"
# due 20 s into its 30 s: the renewal has 10 s before the certificate expires
wait_until $(($(na s1) - 10))
ok renew --key-alias s1 --json
[ "$(jget s1 result)" = renewed ] && [ "$(jget s1 operation)" = simplereenroll ] || fail "due by the last third: $(cat "$T/out")"
tl "s1 due_at=$(jget s1 due_at) sent=simplereenroll result=renewed"
wait_until "$(na s1)"
expect 15 "expired" renew --check
ok renew --key-alias s1 --json --log-level WARN
[ "$(jget s1 operation)" = simpleenroll ] && [ "$(jget s1 fallback)" = True ] || fail "expired: no fallback: $(cat "$T/out")"
grep -q "falling back to /simpleenroll" "$T/err" || fail "the fallback is not said"
tl "s1 due_at=expired sent=simpleenroll(fallback, password) result=renewed"
# no bootstrap credentials (the password came from EST_PASS, now unset)
sed "s/commonName=.*/commonName=s2/" "$KS/conf/device.conf" >"$KS/conf/s2.conf"
EST_PASS=$(cat "$T/pass") ok enroll --uri "$URL" --key-alias s2 --csr-conf s2.conf --estc-user device
grep -qx "estc-pass-env=EST_PASS" "$KS/certs/s2.profile" || fail "EST_PASS source not recorded"
wait_until "$(na s2)"
core_snapshot exp
expect 15 "expired .*no bootstrap credentials" renew --key-alias s2
once
grep -q "HINT: enroll it again: hwenroll enroll --key-alias s2" "$T/err" || fail "no re-enroll hint"
core_unchanged exp "expired without fallback"
tl "s2 due_at=expired sent=nothing (no bootstrap credentials) result=exit 15"

step "the server refusing the client certificate (another CA): fallback to /simpleenroll"
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass"
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
rm -f "$KS/certs/s2"* "$KS/keys/s2"*
enroll r1
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass"
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
ok renew --key-alias r1 --force --uri "$URL" --save --json --log-level WARN
[ "$(jget r1 operation)" = simpleenroll ] && [ "$(jget r1 fallback)" = True ] || fail "refused: no fallback: $(cat "$T/out")"
grep -q "refused the client certificate" "$T/err" || fail "refusal not said"
grep -q "POST .*/simplereenroll 403" "$T/srv/requests.log" || fail "server did not refuse"
grep -qx "uri=$URL" "$KS/certs/r1.profile" || fail "--save did not store the new URL"
check_cert r1 "$T/srv"
tl "r1 due_at=forced sent=simplereenroll(403 refused) then simpleenroll(fallback) result=renewed, --uri saved"

step "outage, then recovery within --retry-for"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s#^uri=.*#uri=https://127.0.0.1:$port/.well-known/est/simpleenroll#" "$KS/certs/r1.profile"
core_snapshot out
expect 4 "" renew --key-alias r1 --force --retry-for 0
core_unchanged out "network failure"
tl "r1 due_at=forced sent=nothing (connection refused, --retry-for 0) result=exit 4"
cat >"$T/fwd.py" <<'PY'
import socket, sys, threading, time
time.sleep(float(sys.argv[3]))
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1]))); l.listen(8)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
while True:
    c, _ = l.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
python3 "$T/fwd.py" "$port" "$(est_port "$T/srv")" 3 &
fwd=$!
hwe_on_exit "kill $fwd 2>/dev/null"
ok renew --key-alias r1 --force --retry-for 60 --json --log-level WARN
[ "$(jget r1 result)" = renewed ] && [ "$(jget r1 attempts)" -ge 2 ] || fail "no recovery: $(cat "$T/out")"
grep -q "trying again in" "$T/err" || fail "retry not logged"
tl "r1 due_at=forced sent=simplereenroll x$(jget r1 attempts) (outage 3 s, backoff) result=renewed"
kill $fwd
wait $fwd 2>/dev/null || true

step "503 with Retry-After is retried until --retry-for is used up"
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass" --fault retry-after:1 --fault-op simplereenroll
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
rm -f "$KS/certs/r1"* "$KS/keys/r1"*
enroll b1
core_snapshot busy
expect 7 "HTTP 503" renew --key-alias b1 --force --retry-for 3
[ "$(grep -c 'POST .*/simplereenroll 503' "$T/srv/requests.log")" -ge 2 ] || fail "503 not retried"
core_unchanged busy "503"
tl "b1 due_at=forced sent=simplereenroll x$(grep -c 'POST .*/simplereenroll 503' "$T/srv/requests.log") (503 Retry-After: 1) result=exit 7"

step "202 then resume by the next run"
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass" --pending 1 --retry-after 5 --log-csr --csrattrs-empty
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
sed -i "s#^uri=.*#uri=$URL#" "$KS/certs/b1.profile"
s1=$(serial b1)
expect 8 "" renew --key-alias b1 --force --max-wait 0
[ "$(serial b1)" = "$s1" ] || fail "pending changed the certificate"
[ -f "$KS/req/b1.csr" ] || fail "pending request not kept"
tl "b1 due_at=forced sent=simplereenroll result=202 pending (exit 8)"
ok renew --key-alias b1 --force
[ "$(serial b1)" != "$s1" ] || fail "resume stored nothing"
# (another CA now: the fallback to /simpleenroll got the 202) the same CSR bytes again
c202=$(sed -n 's/.*simpleenroll 202 .* csr=\([0-9a-f]*\)$/\1/p' "$T/srv/requests.log")
c200=$(sed -n 's/.*simpleenroll 200 .* csr=\([0-9a-f]*\)$/\1/p' "$T/srv/requests.log")
[ -n "$c202" ] && [ "$c202" = "$c200" ] || { cat "$T/srv/requests.log" >&2; fail "the resumed request is not the saved CSR"; }
tl "b1 due_at=forced sent=simplereenroll (next run, the server's request done) result=renewed"

step "--all: one alias failing does not stop the others; worst exit code; json per alias"
enroll a1
enroll a2
sed -i "s#^uri=.*#uri=https://127.0.0.1:$port/.well-known/est/simpleenroll#" "$KS/certs/a1.profile"
core_snapshot all
expect 4 "worst of" renew --all --force --retry-for 0 --json --metrics "$T/m2.prom"
[ "$(jget a1 result)" = failed ] && [ "$(jget a1 exit_code)" = 4 ] || fail "a1 should fail"
[ "$(jget a2 result)" = renewed ] || fail "a2 should be renewed"
[ "$(jget b1 result)" = renewed ] || fail "b1 should be renewed"
grep -qx 'hwenroll_renew_last_result{alias="a1"} 4' "$T/m2.prom" || fail "metrics a1"
tl "a1 due_at=forced sent=nothing (network) result=exit 4; a2,b1 renewed in the same --all run"
(cd "$KS" && sha256sum certs/a1* keys/a1*) | diff - <(grep ' certs/a1\| keys/a1' "$T/core.all" | sort -k2) >/dev/null || fail "failed alias changed"

step "an alias without a profile: renew says what to pass; --save stores it"
rm "$KS/certs/a2.profile"
core_snapshot np
expect 16 "no enrollment profile" renew --key-alias a2 --force
once
grep -q "HINT: .*--save" "$T/err" || fail "no hint what to pass"
core_unchanged np "no profile"
ok renew --key-alias a2 --force --uri "$URL" --save
[ -f "$KS/certs/a2.profile" ] || fail "--save stored no profile"
ok renew --key-alias a2 --force
tl "a2 due_at=forced sent=nothing (no profile, exit 16), then --uri --save: simplereenroll result=renewed"

step "a profile value renew cannot use fails the alias, due or not, also with --check"
cp "$KS/certs/a2.profile" "$T/a2.profile.good"
echo "timeout=soon" >>"$KS/certs/a2.profile"
core_snapshot bp
expect 2 "bad value 'soon' for 'timeout' in certs/a2.profile" renew --key-alias a2 --check
once
grep -q "HINT: fix that line of certs/a2.profile" "$T/err" || fail "no hint naming the profile"
expect 2 "bad value 'soon' for 'timeout' in certs/a2.profile" renew --key-alias a2
core_unchanged bp "bad profile"
cp "$T/a2.profile.good" "$KS/certs/a2.profile"
ok renew --key-alias a2 --check
tl "a2 profile timeout=soon: renew --check and renew exit 2 naming certs/a2.profile:timeout; restored: --check exit 0"

step "202 to a same-key renewal on a server that checks proof-of-possession: the resumed request is bound to its new connection"
est_stop "$T/srv"
est_start "$T/srv" --user device --pass-file "$T/pass" --require-pop --pending 1 --pending-op simplereenroll
cp "$T/srv/tls-ca.pem" "$KS/ca/tls-root.pem"
URL=$(est_url "$T/srv" "" simpleenroll)
enroll pop1
expect 8 "" renew --key-alias pop1 --force --max-wait 0 --retry-for 0
[ -f "$KS/req/pop1.pending" ] || fail "the pending request is not kept"
ok renew --key-alias pop1 --force
grep -q "POST .*/simplereenroll 200 .* pop=ok" "$T/srv/requests.log" || { cat "$T/srv/requests.log" >&2; fail "the resumed request's binding was not renewed"; }
check_cert pop1 "$T/srv"
tl "pop1 due_at=forced sent=simplereenroll result=202; next run: the saved request bound to the new connection, result=renewed"

step "usage"
expect 2 "both given" renew --all --key-alias a1
expect 2 "bad value" renew --before x

tl_print
exit 0
