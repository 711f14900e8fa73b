#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# estserver_faults.sh - hwe-estserver's own behavior, checked with curl and openssl:
# HTTP framing and errors, options (pending, chain, digest, clientauth, ...)
# and every --fault switch, so the hostile-network matrix rests on tested faults.
# make check may run this with /bin/sh: continue in bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib-estserver.sh"

for tool in openssl curl base64; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() {
	echo "ok: $*"
}

hwe_mktemp tmp || exit 1
printf 's3cret\n' >"$tmp/pass"
n=0

# srv ARGS...: start a fresh server in its own dir; sets $d and $port.
srv() {
	n=$((n + 1))
	d=$tmp/s$n
	est_start "$d" "$@" || { echo "FAIL: server '$*' did not start" >&2; exit 1; }
	port=$EST_PORT
}

# call OP|PATH [curl args...]: HTTPS request; sets $code (HTTP status), $rc
# (curl exit status); headers in $tmp/h, body in $tmp/b.
call() {
	local target=$1 url
	shift
	case $target in
	/*) url=https://127.0.0.1:$port$target ;;
	*) url=$(est_url "$d" "$target") ;;
	esac
	rm -f "$tmp/h" "$tmp/b"
	code=$(curl -sS --cacert "$d/tls-ca.pem" --max-time 20 -D "$tmp/h" -o "$tmp/b" \
		-w '%{http_code}' "$@" "$url" 2>"$tmp/curl.err")
	rc=$?
}

enroll() {	# enroll OP CSR.b64 [curl args...]
	local op=$1 csr=$2
	shift 2
	call "$op" -H 'Content-Type: application/pkcs10' --data-binary @"$csr" "$@"
}

# raw REQUEST-FILE: send bytes over TLS, print the response (server closes).
raw() {
	openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" \
		-verify_return_error <"$1" 2>/dev/null
}

header() {	# header NAME: the value of response header NAME from $tmp/h
	tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | tail -n 1
}

body_certs() {	# decode $tmp/b (base64 certs-only PKCS#7) into $1 (PEM)
	base64 -d "$tmp/b" 2>/dev/null | openssl pkcs7 -inform der -print_certs -out "$1" 2>/dev/null
}

expect() {	# expect WHAT WANT GOT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

mkcsr() {	# mkcsr NAME SUBJ [openssl req args...]: $tmp/NAME.key, $tmp/NAME.b64
	local name=$1 subj=$2
	shift 2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$name.key" -subj "$subj" -outform der -out "$tmp/$name.der" "$@" \
		2>/dev/null || { echo "FAIL: cannot make a CSR" >&2; exit 1; }
	base64 "$tmp/$name.der" >"$tmp/$name.b64"
}

mkcsr dev "/CN=dev1/O=hwe" -addext "subjectAltName=DNS:dev1.example,IP:10.1.2.3" \
	-addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=clientAuth"
mkcsr other "/CN=dev2"

# ---------------------------------------------------------------- defaults
srv --bootstrap boot
call cacerts
expect "cacerts status" 200 "$code"
expect "cacerts type" "application/pkcs7-mime; smime-type=certs-only" "$(header Content-Type)"
expect "cacerts transfer encoding" base64 "$(header Content-Transfer-Encoding)"
body_certs "$tmp/cacerts.pem"
cmp -s <(openssl x509 -in "$tmp/cacerts.pem" -outform der) <(openssl x509 -in "$d/ca.pem" -outform der) &&
	pass "cacerts = ca.pem" || fail "cacerts differs from ca.pem"
[ "$(awk '{ if (length($0) > 64) print }' "$tmp/b")" = "" ] && pass "base64 lines <= 64" ||
	fail "long base64 lines"
openssl x509 -in "$d/ca.pem" -noout -text | grep -q 'CA:TRUE' && pass "CA basicConstraints" ||
	fail "ca.pem is not a CA"
cmp -s "$d/ca.pem" "$d/tls-ca.pem" && pass "tls-ca.pem = ca.pem" || fail "tls-ca.pem differs"

call /.well-known/est/devicetrustmanager/IOT_x/device-group/33318f48-1177/cacerts
expect "deep label cacerts" 200 "$code"
expect "est_url with label" "https://127.0.0.1:$port/.well-known/est/a/b/simpleenroll" \
	"$(est_url "$d" a/b simpleenroll)"
expect "est_url_localhost" "https://localhost:$port/.well-known/est/cacerts" \
	"$(est_url_localhost "$d" cacerts)"
call /.well-known/est/devicetrustmanager/IOT_x/device-group/33318f48-1177/simpleenroll \
	-H 'Content-Type: application/pkcs10' --data-binary @"$tmp/dev.b64"
expect "deep label simpleenroll" 200 "$code"
call csrattrs
expect "csrattrs status" 200 "$code"
expect "csrattrs type" application/csrattrs "$(header Content-Type)"
base64 -d "$tmp/b" | openssl asn1parse -inform der >"$tmp/attrs.txt" 2>&1 &&
	grep -q challengePassword "$tmp/attrs.txt" &&
	pass "csrattrs DER" || fail "csrattrs DER: $(cat "$tmp/attrs.txt")"

call /.well-known/est/nonsense
expect "unknown op" 404 "$code"
call /index.html
expect "outside EST" 404 "$code"
call /.well-known/est//cacerts
expect "empty label" 404 "$code"
call simpleenroll
expect "GET simpleenroll" 405 "$code"
expect "405 Allow" POST "$(header Allow)"
call cacerts -d x
expect "POST cacerts" 405 "$code"

enroll simpleenroll "$tmp/dev.b64"
expect "enroll" 200 "$code"
body_certs "$tmp/dev.pem"
openssl verify -CAfile "$d/ca.pem" "$tmp/dev.pem" >/dev/null && pass "issued cert verifies" ||
	fail "issued cert does not verify"
expect "issued subject" "subject=CN = dev1, O = hwe" "$(openssl x509 -in "$tmp/dev.pem" -noout -subject)"
openssl x509 -in "$tmp/dev.pem" -noout -text >"$tmp/dev.txt"
grep -q 'DNS:dev1.example, IP Address:10.1.2.3' "$tmp/dev.txt" && grep -q 'TLS Web Client' "$tmp/dev.txt" &&
	grep -q 'X509v3 Subject Key Identifier' "$tmp/dev.txt" &&
	grep -q 'X509v3 Authority Key Identifier' "$tmp/dev.txt" &&
	pass "issued extensions" || fail "issued extensions: $(cat "$tmp/dev.txt")"
cmp -s <(openssl x509 -in "$tmp/dev.pem" -noout -pubkey) <(openssl pkey -in "$tmp/dev.key" -pubout) &&
	pass "issued key = CSR key" || fail "issued key differs"
expect "one cert without --chain" 1 "$(grep -c 'BEGIN CERT' "$tmp/dev.pem")"
end=$(date -d "$(openssl x509 -in "$tmp/dev.pem" -noout -enddate | cut -d= -f2)" +%s)
days=$(((end - $(date +%s)) / 86400))
{ [ "$days" -ge 364 ] && [ "$days" -le 365 ]; } && pass "validity 365 days" || fail "validity $days days"

tr -d '\n' <"$tmp/dev.b64" >"$tmp/dev1line.b64"
enroll simpleenroll "$tmp/dev1line.b64"
expect "enroll, base64 without line breaks" 200 "$code"
enroll simpleenroll "$tmp/dev.b64" -H 'Content-Type: application/octet-stream'
expect "wrong request type" 415 "$code"
printf 'not base64 at all!' >"$tmp/junk.b64"
enroll simpleenroll "$tmp/junk.b64"
expect "junk CSR" 400 "$code"
base64 "$d/ca.pem" >"$tmp/notcsr.b64"
enroll simpleenroll "$tmp/notcsr.b64"
expect "non-CSR" 400 "$code"
# flip the last byte of the signature: DER still parses, the signature fails
cp "$tmp/dev.der" "$tmp/bad.der"
last=$(($(stat -c %s "$tmp/bad.der") - 1))
printf "\\x$(printf %02x $(( $(od -An -tu1 -j "$last" -N1 "$tmp/bad.der") ^ 1 )))" |
	dd of="$tmp/bad.der" bs=1 seek="$last" conv=notrunc 2>/dev/null
base64 "$tmp/bad.der" >"$tmp/bad.b64"
enroll simpleenroll "$tmp/bad.b64"
expect "bad CSR signature" 400 "$code"
grep -q 'signature' "$tmp/b" && pass "400 body names the signature" || fail "400 body: $(cat "$tmp/b")"

# simplereenroll needs a client certificate issued by this CA
enroll simplereenroll "$tmp/dev.b64"
expect "reenroll without client cert" 403 "$code"
grep -q 'client certificate required' "$tmp/b" && pass "403 body" || fail "403 body: $(cat "$tmp/b")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/self.key" \
	-subj /CN=dev1/O=hwe -out "$tmp/self.pem" -days 2 2>/dev/null
enroll simplereenroll "$tmp/dev.b64" --cert "$tmp/self.pem" --key "$tmp/self.key"
expect "reenroll with foreign cert" 403 "$code"
grep -q 'client certificate not issued by this CA' "$tmp/b" && pass "foreign cert body" ||
	fail "foreign cert body: $(cat "$tmp/b")"
enroll simplereenroll "$tmp/dev.b64" --cert "$tmp/dev.pem" --key "$tmp/dev.key"
expect "reenroll" 200 "$code"
mkcsr devnew "/CN=dev1/O=hwe" -addext "subjectAltName=IP:10.1.2.3,DNS:dev1.example"
enroll simplereenroll "$tmp/devnew.b64" --cert "$tmp/dev.pem" --key "$tmp/dev.key"
expect "rekey (SAN in other order)" 200 "$code"
body_certs "$tmp/devnew.pem"
cmp -s <(openssl x509 -in "$tmp/devnew.pem" -noout -pubkey) <(openssl pkey -in "$tmp/devnew.key" -pubout) &&
	pass "rekeyed cert has the new key" || fail "rekeyed cert key"
mkcsr devsan "/CN=dev1/O=hwe" -addext "subjectAltName=DNS:dev1.example"
enroll simplereenroll "$tmp/devsan.b64" --cert "$tmp/dev.pem" --key "$tmp/dev.key"
expect "reenroll SAN change" 400 "$code"
grep -q 'subjectAltName changed' "$tmp/b" && pass "SAN change body" || fail "SAN body: $(cat "$tmp/b")"
enroll simplereenroll "$tmp/other.b64" --cert "$tmp/dev.pem" --key "$tmp/dev.key"
expect "reenroll subject change" 400 "$code"
grep -q 'subject changed' "$tmp/b" && pass "subject change body" || fail "subject body: $(cat "$tmp/b")"
grep -q 'simplereenroll 200 client=/CN=dev1/O=hwe user=- proto=' "$d/requests.log" &&
	pass "client subject logged" || fail "client subject not logged"

# keep-alive: two requests on one connection; Connection: close honored
before=$(wc -l <"$d/requests.log")
curl -sS --cacert "$d/tls-ca.pem" -o /dev/null -o /dev/null "$(est_url "$d" cacerts)" "$(est_url "$d" csrattrs)"
last2=$(tail -n 2 "$d/requests.log")
echo "$last2" | sed -n 2p | grep -q ' req=2 tls=new GET /.well-known/est/csrattrs 200 ' &&
	pass "keep-alive" || fail "keep-alive: $last2"
expect "one log line per request" $((before + 2)) "$(wc -l <"$d/requests.log")"
call cacerts -H 'Connection: close'
expect "Connection: close echoed" close "$(header Connection)"
enroll simpleenroll "$tmp/dev.b64" -H 'Expect: 100-continue'
expect "Expect: 100-continue" 200 "$code"
grep -q '^HTTP/1.1 100 Continue' "$tmp/h" && pass "100 Continue sent" || fail "no 100 Continue"
call cacerts -H 'Expect: something'
expect "unknown Expect" 417 "$code"

# TLS session resumption is logged as tls=resumed
printf 'GET /.well-known/est/cacerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$tmp/get"
openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" -sess_out "$tmp/sess" \
	<"$tmp/get" >/dev/null 2>&1
openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" -sess_in "$tmp/sess" \
	<"$tmp/get" >/dev/null 2>&1
tail -n 1 "$d/requests.log" | grep -q ' req=1 tls=resumed GET ' && pass "tls=resumed logged" ||
	fail "resumption not logged: $(tail -n 2 "$d/requests.log")"

# HTTP framing errors
printf 'POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/pkcs10\r\n\r\n' >"$tmp/r"
expect "POST without Content-Length" "HTTP/1.1 411 Length Required" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
printf 'POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$tmp/r"
expect "chunked request" "HTTP/1.1 411 Length Required" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
printf 'POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n' >"$tmp/r"
expect "body over 1 MiB" "HTTP/1.1 413 Content Too Large" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
{ printf 'GET /.well-known/est/cacerts HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 17000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >"$tmp/r"
expect "header over 16 KiB" "HTTP/1.1 431 Request Header Fields Too Large" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
printf 'HELLO\r\n\r\n' >"$tmp/r"
expect "garbage request line" "HTTP/1.1 400 Bad Request" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
printf 'GET /.well-known/est/cacerts HTTP/1.1\r\nBroken header\r\n\r\n' >"$tmp/r"
expect "malformed header" "HTTP/1.1 400 Bad Request" "$(raw "$tmp/r" | head -n 1 | tr -d '\r')"
call cacerts
expect "server alive after garbage" 200 "$code"
grep -q '^[0-9]* conn=[0-9]* req=[0-9]* tls=\(new\|resumed\) [A-Z-]* [^ ]* [0-9]* client=[^ ]* user=[^ ]* proto=TLSv1\.[23] group=[^ ]*$' \
	"$d/requests.log" && ! grep -qv '^[0-9]* conn=[0-9]* req=[0-9]* tls=\(new\|resumed\) [A-Z-]* [^ ]* [0-9]* client=[^ ]* user=[^ ]* proto=TLSv1\.[23] group=[^ ]*$' \
	"$d/requests.log" && pass "log format" || fail "log format: $(cat "$d/requests.log")"
test -f "$d/boot.pem" && test -f "$d/boot.key" &&
	openssl verify -CAfile "$d/ca.pem" -purpose sslclient "$d/boot.pem" >/dev/null &&
	[ "$(stat -c %a "$d/boot.key")" = 600 ] && pass "--bootstrap" || fail "--bootstrap files"
pid=$(cat "$d/server.pid")
est_stop "$d"
kill -0 "$pid" 2>/dev/null && fail "server still running after est_stop" || pass "est_stop"

# ---------------------------------------------------------------- options
srv --user u --pass-file "$tmp/pass"
enroll simpleenroll "$tmp/dev.b64"
expect "no credentials" 401 "$code"
expect "Basic challenge" 'Basic realm="hwe-est"' "$(header WWW-Authenticate)"
enroll simpleenroll "$tmp/dev.b64" -u u:wrong
expect "wrong password" 401 "$code"
enroll simpleenroll "$tmp/dev.b64" -u u:s3cret
expect "Basic auth" 200 "$code"
call cacerts
expect "cacerts needs no auth" 200 "$code"
grep -q s3cret "$d/requests.log" && fail "password logged" || pass "password not logged"
est_stop "$d"

srv --user u --pass-file "$tmp/pass" --auth digest
enroll simpleenroll "$tmp/dev.b64"
expect "digest: no credentials" 401 "$code"
header WWW-Authenticate | grep -q '^Digest realm="hwe-est"' && pass "Digest challenge" ||
	fail "Digest challenge: $(header WWW-Authenticate)"
enroll simpleenroll "$tmp/dev.b64" --digest -u u:s3cret
expect "Digest auth" 200 "$code"
enroll simpleenroll "$tmp/dev.b64" --digest -u u:nope
expect "Digest wrong password" 401 "$code"
est_stop "$d"

srv --pending 2 --retry-after 7
enroll simpleenroll "$tmp/dev.b64"
expect "pending 1" 202 "$code"
expect "Retry-After" 7 "$(header Retry-After)"
enroll simpleenroll "$tmp/other.b64"
expect "pending is per key" 202 "$code"
enroll simpleenroll "$tmp/dev.b64"
expect "pending 2" 202 "$code"
enroll simpleenroll "$tmp/dev.b64"
expect "issued after 2 pending" 200 "$code"
est_stop "$d"

srv --chain --validity-days 10 --csrattrs-empty
enroll simpleenroll "$tmp/dev.b64"
body_certs "$tmp/chain.pem"
expect "--chain" 2 "$(grep -c 'BEGIN CERT' "$tmp/chain.pem")"
end=$(date -d "$(openssl x509 -in "$tmp/chain.pem" -noout -enddate | cut -d= -f2)" +%s)
days=$(((end - $(date +%s)) / 86400))
{ [ "$days" -ge 9 ] && [ "$days" -le 10 ]; } && pass "--validity-days 10" || fail "validity $days"
call csrattrs
expect "--csrattrs-empty" 204 "$code"
grep -qi '^Content-Length' "$tmp/h" && fail "204 with Content-Length" || pass "204 without Content-Length"
est_stop "$d"

srv --separate-tls-ca --key-type rsa --tls-max 1.2
cmp -s "$d/ca.pem" "$d/tls-ca.pem" && fail "--separate-tls-ca wrote the same CA" || pass "separate TLS CA"
openssl x509 -in "$d/ca.pem" -noout -text | grep -q 'rsaEncryption' && pass "--key-type rsa" ||
	fail "CA is not RSA"
call cacerts
expect "TLS trust via tls-ca.pem" 200 "$code"
curl -sS --cacert "$d/ca.pem" -o /dev/null "$(est_url "$d" cacerts)" 2>/dev/null &&
	fail "EST CA also trusted the TLS server" || pass "EST CA does not anchor TLS"
proto=$(echo | openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" 2>/dev/null |
	sed -n 's/^ *Protocol *: *//p' | head -n 1)
expect "--tls-max 1.2" TLSv1.2 "$proto"
est_stop "$d"

srv --require-client-cert --bootstrap boot
call cacerts
[ "$rc" != 0 ] && pass "clientauth: no client cert refused ($rc)" || fail "clientauth without cert: $code"
enroll simpleenroll "$tmp/other.b64" --cert "$d/boot.pem" --key "$d/boot.key"
expect "clientauth enroll" 200 "$code"
grep -q 'simpleenroll 200 client=/CN=boot user=- proto=' "$d/requests.log" && pass "clientauth logged" ||
	fail "clientauth log"
enroll simpleenroll "$tmp/other.b64" --cert "$tmp/self.pem" --key "$tmp/self.key"
expect "clientauth foreign cert" 403 "$code"
est_stop "$d"

# ---------------------------------------------------------------- faults
srv --fault close-handshake
call cacerts
[ "$rc" != 0 ] && [ ! -s "$d/requests.log" ] && pass "close-handshake ($rc)" ||
	fail "close-handshake: rc=$rc code=$code"
est_stop "$d"

srv --fault wrong-host
call cacerts
[ "$rc" != 0 ] && pass "wrong-host refused ($rc)" || fail "wrong-host accepted"
echo | openssl s_client -connect "127.0.0.1:$port" 2>/dev/null | openssl x509 -noout -ext subjectAltName 2>/dev/null |
	grep -q 'DNS:wrong.example' && pass "wrong-host SAN" || fail "wrong-host SAN"
est_stop "$d"

srv --fault untrusted
call cacerts
[ "$rc" = 60 ] && pass "untrusted refused" || fail "untrusted: rc=$rc"
call cacerts -k
expect "untrusted with -k" 200 "$code"
est_stop "$d"

srv --fault status:500
call cacerts
expect "status:500" 500 "$code"
expect "status body" "fault 500" "$(cat "$tmp/b")"
est_stop "$d"

srv --fault status:503 --fault-op simpleenroll
call cacerts
expect "--fault-op spares cacerts" 200 "$code"
enroll simpleenroll "$tmp/dev.b64"
expect "--fault-op hits simpleenroll" 503 "$code"
est_stop "$d"

srv --fault retry-after:30
call csrattrs
expect "retry-after fault" 503 "$code"
expect "retry-after value" 30 "$(header Retry-After)"
est_stop "$d"

srv --fault stall
call cacerts --max-time 2
expect "stall times out" 28 "$rc"
grep -q 'GET /.well-known/est/cacerts 0 ' "$d/requests.log" && pass "stall logged" || fail "stall log"
# SIGTERM with a stalled connection still exits 0 at once
curl -sS --cacert "$d/tls-ca.pem" --max-time 20 -o /dev/null "$(est_url "$d" cacerts)" 2>/dev/null &
cpid=$!
sleep 0.5
spid=$(cat "$d/server.pid")
rm -f "$d/server.pid"
kill -TERM "$spid"
wait "$spid"
expect "exit status after SIGTERM" 0 "$?"
wait "$cpid" 2>/dev/null

srv --fault huge-body
size=$(curl -sS --cacert "$d/tls-ca.pem" -o /dev/null -w '%{size_download}' "$(est_url "$d" cacerts)")
expect "huge-body" 52428800 "$size"
est_stop "$d"

srv --fault truncated
call cacerts
expect "truncated (curl: partial file)" 18 "$rc"
est_stop "$d"

srv --fault content-type:text/html
call cacerts
expect "content-type fault" text/html "$(header Content-Type)"
body_certs "$tmp/x.pem" && pass "content-type fault keeps the body" || fail "content-type body"
est_stop "$d"

srv --fault bad-base64
call cacerts
expect "bad-base64 status" 200 "$code"
base64 -d "$tmp/b" >/dev/null 2>&1 && fail "bad-base64 decodes" || pass "bad-base64"
est_stop "$d"

srv --fault not-pkcs7
call cacerts
base64 -d "$tmp/b" >"$tmp/np.der" 2>/dev/null && openssl asn1parse -inform der -in "$tmp/np.der" >/dev/null &&
	! openssl pkcs7 -inform der -in "$tmp/np.der" -noout 2>/dev/null && pass "not-pkcs7" ||
	fail "not-pkcs7"
est_stop "$d"

srv --fault empty-pkcs7
call cacerts
base64 -d "$tmp/b" | openssl pkcs7 -inform der -noout 2>/dev/null && body_certs "$tmp/e.pem" &&
	! grep -q 'BEGIN CERT' "$tmp/e.pem" && pass "empty-pkcs7" || fail "empty-pkcs7"
est_stop "$d"

srv --fault wrong-key
enroll simpleenroll "$tmp/dev.b64"
body_certs "$tmp/wk.pem"
cmp -s <(openssl x509 -in "$tmp/wk.pem" -noout -pubkey) <(openssl pkey -in "$tmp/dev.key" -pubout) &&
	fail "wrong-key issued the CSR key" || pass "wrong-key"
est_stop "$d"

srv --fault unchained
enroll simpleenroll "$tmp/dev.b64"
body_certs "$tmp/uc.pem"
openssl verify -CAfile "$d/ca.pem" "$tmp/uc.pem" >/dev/null 2>&1 && fail "unchained verifies" ||
	pass "unchained"
est_stop "$d"

srv --fault expired
enroll simpleenroll "$tmp/dev.b64"
body_certs "$tmp/ex.pem"
openssl verify -CAfile "$d/ca.pem" "$tmp/ex.pem" 2>&1 | grep -q 'certificate has expired' &&
	pass "expired" || fail "expired"
est_stop "$d"

srv --fault not-yet-valid
enroll simpleenroll "$tmp/dev.b64"
body_certs "$tmp/ny.pem"
openssl verify -CAfile "$d/ca.pem" "$tmp/ny.pem" 2>&1 | grep -q 'certificate is not yet valid' &&
	pass "not-yet-valid" || fail "not-yet-valid"
est_stop "$d"

srv --fault subject-change --bootstrap sc
mkcsr sc "/CN=sc"
enroll simpleenroll "$tmp/sc.b64"
body_certs "$tmp/sc1.pem"
expect "subject-change spares enroll" "subject=CN = sc" "$(openssl x509 -in "$tmp/sc1.pem" -noout -subject)"
enroll simplereenroll "$tmp/sc.b64" --cert "$d/sc.pem" --key "$d/sc.key"
expect "subject-change reenroll status" 200 "$code"
body_certs "$tmp/sc2.pem"
[ "$(openssl x509 -in "$tmp/sc2.pem" -noout -subject)" != "subject=CN = sc" ] &&
	pass "subject-change" || fail "subject-change kept the subject"
est_stop "$d"

srv --fault redirect
call cacerts
expect "redirect status" 302 "$code"
expect "redirect Location" https://elsewhere.invalid/.well-known/est/cacerts "$(header Location)"
est_stop "$d"

srv --fault auth-scheme
call cacerts
expect "auth-scheme status" 401 "$code"
expect "auth-scheme challenge" 'Bearer realm="x"' "$(header WWW-Authenticate)"
est_stop "$d"

if "$ESTSERVER" --dir "$tmp" --fault no-such-fault >/dev/null 2>&1; then
	fail "unknown fault accepted"
else
	pass "unknown fault refused"
fi

if [ "$failures" -ne 0 ]; then
	echo "FAIL: $failures check(s) failed"
	exit 1
fi
echo "PASS: hwe-estserver endpoints, options and faults"
exit 0
