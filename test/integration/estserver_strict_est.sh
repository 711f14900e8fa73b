#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# estserver_strict_est.sh - hwe-estserver's strict EST switches, checked with
# curl, openssl and test/estserver/pop-client: --csrattrs (named value, file,
# inline base64; bad values are usage errors), --enforce-csrattrs (400 listing
# every missing item; an RFC 9908 CSR template), --require-pop (the CSR's challengePassword must be the
# connection's tls-unique / tls-exporter binding) and --bearer (RFC 6750),
# plus the pop= and attrs= fields of requests.log.
# make check may run this with /bin/sh: continue in bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib-estserver.sh"

for tool in openssl curl base64 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done
: "${POPCLIENT:=$HWE_TOP_BUILDDIR/test/estserver/pop-client}"
if [ ! -x "$POPCLIENT" ]; then
	echo "FAIL: no $POPCLIENT (make check builds it)" >&2
	exit 1
fi

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() {
	echo "ok: $*"
}
expect() {	# expect WHAT WANT GOT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

hwe_mktemp tmp || exit 1
printf 's3cret\n' >"$tmp/pass"
n=0

# The RFC 7030 section 4.5.2 example, as printed in the RFC.
RFC7030_B64=MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJBgcrBgEBAQEWBggqhkjOPQQDAw==
# What /csrattrs answers without --csrattrs (unchanged by this switch).
BUILTIN_B64=MAsGCSqGSIb3DQEJBw==

srv() {	# srv ARGS...: start a fresh server in its own dir; sets $d and $port
	n=$((n + 1))
	d=$tmp/s$n
	est_start "$d" "$@" || { echo "FAIL: server '$*' did not start" >&2; exit 1; }
	port=$EST_PORT
}

# call OP|PATH [curl args...]: sets $code; headers in $tmp/h, body in $tmp/b
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
}

enroll() {	# enroll OP CSR.b64 [curl args...]
	local op=$1 csr=$2
	shift 2
	call "$op" -H 'Content-Type: application/pkcs10' --data-binary @"$csr" "$@"
}

header() {	# header NAME: the last value of response header NAME in $tmp/h
	tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | tail -n 1
}

body_has() {	# body_has WHAT FIXED-STRING: the response body contains it
	if grep -qF -- "$2" "$tmp/b"; then pass "$1"; else fail "$1: body lacks '$2': $(cat "$tmp/b")"; fi
}

last_log() {	# the last line of $d/requests.log
	tail -n 1 "$d/requests.log"
}

log_ends() {	# log_ends WHAT SUFFIX: the last request line ends in SUFFIX
	local line
	line=$(last_log)
	if [ "${line% "$2"}" != "$line" ]; then pass "$1: log ...$2"; else fail "$1: log line '$line' does not end in '$2'"; fi
}

# mkcsr NAME [openssl req args...]: $tmp/NAME.key, $tmp/NAME.b64 (default EC P-256, CN=dev1)
mkcsr() {
	local name=$1
	shift
	openssl req -new -nodes -keyout "$tmp/$name.key" -outform der -out "$tmp/$name.der" "$@" \
		2>"$tmp/req.err" || { echo "FAIL: cannot make CSR $name: $(cat "$tmp/req.err")" >&2; exit 1; }
	base64 "$tmp/$name.der" >"$tmp/$name.b64"
}

# bad_usage WHAT OPTION SERVER-ARGS...: exit status 2, the message names OPTION
bad_usage() {
	local what=$1 opt=$2 rc
	shift 2
	mkdir -p "$tmp/bad"
	timeout 10 "$ESTSERVER" --dir "$tmp/bad" "$@" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	if [ "$rc" = 2 ] && head -n 1 "$tmp/bad.err" | grep -qF -- "$opt"; then
		pass "$what: exit 2 ($(head -n 1 "$tmp/bad.err"))"
	else
		fail "$what: expected exit 2 naming $opt, got $rc: $(head -n 1 "$tmp/bad.err")"
	fi
}

# pop ARGS...: run pop-client against $port; its stdout in $tmp/pop.out,
# stderr in $tmp/pop.err; $code = the last HTTP status it printed
pop() {
	"$POPCLIENT" --port "$port" --cafile "$d/tls-ca.pem" "$@" >"$tmp/pop.out" 2>"$tmp/pop.err"
	pop_rc=$?
	code=$(sed -n 's/^status=//p' "$tmp/pop.out" | tail -n 1)
	[ "$pop_rc" = 0 ] || fail "pop-client $* exited $pop_rc: $(cat "$tmp/pop.err")"
}

pop_body_has() {	# pop_body_has WHAT FIXED-STRING
	if grep -qF -- "$2" "$tmp/pop.out"; then pass "$1"; else fail "$1: response lacks '$2': $(cat "$tmp/pop.out")"; fi
}

# CSR config with a challengePassword attribute (openssl req -config)
pwconf() {	# pwconf FILE CN PASSWORD [extra attribute lines...]
	local f=$1 cn=$2 pw=$3
	shift 3
	{
		printf '[req]\nprompt = no\ndistinguished_name = dn\nattributes = attrs\n'
		printf '[dn]\nCN = %s\n[attrs]\nchallengePassword = %s\n' "$cn" "$pw"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$f"
}

# ===================================================== (a) --csrattrs
srv --csrattrs rfc7030-example
call csrattrs
expect "rfc7030-example: status" 200 "$code"
expect "rfc7030-example: type" application/csrattrs "$(header Content-Type)"
base64 -d "$tmp/b" >"$tmp/attrs.der" 2>/dev/null
cmp -s "$tmp/attrs.der" <(printf '%s' "$RFC7030_B64" | base64 -d) &&
	pass "rfc7030-example: exactly the RFC bytes" ||
	fail "rfc7030-example: $(base64 -w0 "$tmp/attrs.der") is not the RFC example"
if [ -f "$HWE_TOP_SRCDIR/test/fuzz/corpus/csrattrs/rfc7030-example.der" ]; then
	cmp -s "$tmp/attrs.der" "$HWE_TOP_SRCDIR/test/fuzz/corpus/csrattrs/rfc7030-example.der" &&
		pass "rfc7030-example = the fuzz corpus' copy" || fail "rfc7030-example differs from the fuzz corpus"
fi
openssl asn1parse -inform der -in "$tmp/attrs.der" >"$tmp/attrs.txt" 2>&1
for item in challengePassword id-ecPublicKey secp384r1 "Extension Request" 1.3.6.1.1.1.1.22 ecdsa-with-SHA384; do
	grep -qF -- ":$item" "$tmp/attrs.txt" || fail "rfc7030-example lacks $item: $(cat "$tmp/attrs.txt")"
done
pass "rfc7030-example decodes to challengePassword, id-ecPublicKey secp384r1, macAddress, ecdsa-with-SHA384"
last_log | grep -q ' group=[^ ]*$' && pass "without the new switches the log line still ends in group=G" ||
	fail "log line: $(last_log)"

srv
call csrattrs
expect "built-in csrattrs unchanged" "$BUILTIN_B64" "$(tr -d '\n' <"$tmp/b")"

# a DER file, a base64 file, inline base64
cat >"$tmp/rsa.cnf" <<'EOF'
asn1 = SEQUENCE:attrs
[attrs]
a = OID:serialNumber
b = SEQUENCE:rsa
c = OID:sha256
d = OID:subjectAltName
[rsa]
type = OID:rsaEncryption
values = SET:bits
[bits]
size = INTEGER:3072
EOF
openssl asn1parse -genconf "$tmp/rsa.cnf" -out "$tmp/rsa.der" >/dev/null || { echo "FAIL: asn1parse -genconf" >&2; exit 1; }
base64 "$tmp/rsa.der" >"$tmp/rsa.b64"
for form in der-file base64-file inline; do
	case $form in
	der-file) srv --csrattrs "$tmp/rsa.der" ;;
	base64-file) srv --csrattrs "$tmp/rsa.b64" ;;
	inline) srv --csrattrs "$(base64 -w0 "$tmp/rsa.der")" ;;
	esac
	call csrattrs
	expect "--csrattrs $form: served as given" "$(base64 -w0 "$tmp/rsa.der")" "$(tr -d '\n' <"$tmp/b")"
done

# bad values: exit 2 naming --csrattrs
printf 'not base64 at all\n' >"$tmp/text"
printf '\060\003\006\001' >"$tmp/short.der"
bad_usage "--csrattrs not base64" --csrattrs --csrattrs 'notbase64!'
bad_usage "--csrattrs text file" --csrattrs --csrattrs "$tmp/text"
bad_usage "--csrattrs truncated DER file" --csrattrs --csrattrs "$tmp/short.der"
bad_usage "--csrattrs directory" --csrattrs --csrattrs "$tmp"
bad_usage "--csrattrs truncated" --csrattrs --csrattrs MEEG
bad_usage "--csrattrs trailing bytes" --csrattrs --csrattrs MAMGAQAA
bad_usage "--csrattrs long-form length (BER)" --csrattrs --csrattrs MIEDBgEA
bad_usage "--csrattrs not a SEQUENCE" --csrattrs --csrattrs BgEA
bad_usage "--csrattrs INTEGER item" --csrattrs --csrattrs MAMCAQE=
bad_usage "--csrattrs Attribute without values" --csrattrs --csrattrs MAcwBQYBADEA
bad_usage "--csrattrs empty" --csrattrs --csrattrs ''
bad_usage "--csrattrs with --csrattrs-empty" --csrattrs --csrattrs rfc7030-example --csrattrs-empty
# id-ecPublicKey { INTEGER }: valid CsrAttrs, but not enforceable
cat >"$tmp/ecint.cnf" <<'EOF'
asn1 = SEQUENCE:attrs
[attrs]
a = SEQUENCE:ec
[ec]
type = OID:id-ecPublicKey
values = SET:v
[v]
x = INTEGER:384
EOF
openssl asn1parse -genconf "$tmp/ecint.cnf" -out "$tmp/ecint.der" >/dev/null
srv --csrattrs "$tmp/ecint.der"
call csrattrs
expect "odd but valid CsrAttrs served without --enforce-csrattrs" 200 "$code"
bad_usage "--enforce-csrattrs with id-ecPublicKey {INTEGER}" --csrattrs \
	--csrattrs "$tmp/ecint.der" --enforce-csrattrs
srv --csrattrs MAA=
call csrattrs
expect "empty CsrAttrs SEQUENCE" MAA= "$(tr -d '\n' <"$tmp/b")"

# ===================================================== (b) --enforce-csrattrs
mkcsr lacking -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=dev1
pwconf "$tmp/pw.cnf" dev1 anything-goes
mkcsr good -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -config "$tmp/pw.cnf" \
	-addext '1.3.6.1.1.1.1.22=DER:16:11:30:30:3a:31:31:3a:32:32:3a:33:33:3a:34:34:3a:35:35'
pwconf "$tmp/pwmac.cnf" dev1 anything-goes '1.3.6.1.1.1.1.22 = 00:11:22:33:44:55'
mkcsr macattr -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -config "$tmp/pwmac.cnf"
mkcsr sha256 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha256 -config "$tmp/pw.cnf" \
	-addext '1.3.6.1.1.1.1.22=DER:04:06:00:11:22:33:44:55'

srv --csrattrs rfc7030-example --enforce-csrattrs --bootstrap boot
enroll simpleenroll "$tmp/lacking.b64"
expect "enforce: CSR lacking everything" 400 "$code"
body_has "enforce: names challengePassword" "missing attribute challengePassword (1.2.840.113549.1.9.7)"
body_has "enforce: names the curve" "with curve secp384r1 (1.3.132.0.34): the CSR key is id-ecPublicKey (1.2.840.10045.2.1) with curve prime256v1"
body_has "enforce: names macAddress" "missing extension macAddress (1.3.6.1.1.1.1.22) in extensionRequest"
body_has "enforce: names the signature" "missing signature algorithm ecdsa-with-SHA384 (1.2.840.10045.4.3.3): the CSR is signed with ecdsa-with-SHA256"
expect "enforce: one line per missing item" 4 "$(grep -c '^  missing ' "$tmp/b")"
expect "enforce: text/plain" text/plain "$(header Content-Type)"
log_ends "enforce: refused" "attrs=missing"
enroll simpleenroll "$tmp/good.b64"
expect "enforce: P-384, ecdsa-with-SHA384, challengePassword, macAddress extension" 200 "$code"
log_ends "enforce: accepted" "attrs=ok"
enroll simpleenroll "$tmp/macattr.b64"
expect "enforce: macAddress as a CSR attribute" 200 "$code"
enroll simpleenroll "$tmp/sha256.b64"
expect "enforce: P-384 signed with SHA-256" 400 "$code"
expect "enforce: only the signature is missing" 1 "$(grep -c '^  missing ' "$tmp/b")"
body_has "enforce: SHA-256 named" "the CSR is signed with ecdsa-with-SHA256"
call csrattrs
log_ends "enforce: GET logs attrs=-" "attrs=-"
# simplereenroll is enforced too
mkcsr re -key "$d/boot.key" -subj /CN=boot
call simplereenroll --cert "$d/boot.pem" --key "$d/boot.key" \
	-H 'Content-Type: application/pkcs10' --data-binary @"$tmp/re.b64"
expect "enforce: simplereenroll refused" 400 "$code"
body_has "enforce: simplereenroll names challengePassword" "missing attribute challengePassword"
grep -q ' [0-9]* client=[^ ]* user=[^ ]* proto=[^ ]* group=[^ ]* attrs=\(ok\|missing\|-\)$' "$d/requests.log" &&
	! grep -qv ' group=[^ ]* attrs=\(ok\|missing\|-\)$' "$d/requests.log" &&
	pass "enforce: every log line ends in group=G attrs=A" || fail "enforce log: $(cat "$d/requests.log")"

srv --csrattrs rfc7030-example
enroll simpleenroll "$tmp/lacking.b64"
expect "without --enforce-csrattrs the lacking CSR is issued" 200 "$code"
srv --csrattrs-empty --enforce-csrattrs
call csrattrs
expect "--csrattrs-empty --enforce-csrattrs: 204" 204 "$code"
enroll simpleenroll "$tmp/lacking.b64"
expect "--csrattrs-empty --enforce-csrattrs: nothing asked, nothing refused" 200 "$code"
log_ends "--csrattrs-empty --enforce-csrattrs: logged" "attrs=ok"

# RSA size, hash OID, subject attribute, extension OID
srv --csrattrs "$tmp/rsa.der" --enforce-csrattrs
mkcsr rsa2048 -newkey rsa:2048 -subj /CN=dev1 -sha384
enroll simpleenroll "$tmp/rsa2048.b64"
expect "enforce rsa: RSA-2048, SHA-384, no serialNumber, no SAN" 400 "$code"
body_has "enforce rsa: size" "missing key rsaEncryption (1.2.840.113549.1.1.1) of 3072 bits: the CSR key is rsaEncryption (1.2.840.113549.1.1.1) of 2048 bits"
body_has "enforce rsa: serialNumber" "missing serialNumber (2.5.4.5): no CSR attribute or subject attribute"
body_has "enforce rsa: hash" "missing hash sha256 (2.16.840.1.101.3.4.2.1): the CSR is signed with sha384WithRSAEncryption"
body_has "enforce rsa: subjectAltName" "missing extension subjectAltName (2.5.29.17) in extensionRequest"
expect "enforce rsa: four items" 4 "$(grep -c '^  missing ' "$tmp/b")"
mkcsr rsa3072 -newkey rsa:3072 -subj /CN=dev1/serialNumber=42 -sha256 -addext subjectAltName=DNS:dev1.example
enroll simpleenroll "$tmp/rsa3072.b64"
expect "enforce rsa: RSA-3072, SHA-256, serialNumber, SAN" 200 "$code"

# ===================================================== (b2) an RFC 9908 CSR template
srv --csrattrs rfc9908-example --enforce-csrattrs
call csrattrs
expect "rfc9908-example: served" 200 "$code"
base64 -d <"$tmp/b" >"$tmp/t9908.der"
if [ -f "$HWE_TOP_SRCDIR/test/fuzz/corpus/csrattrs/rfc9908-example.der" ]; then
	cmp -s "$tmp/t9908.der" "$HWE_TOP_SRCDIR/test/fuzz/corpus/csrattrs/rfc9908-example.der" &&
		pass "rfc9908-example: the DER of the fuzz seed" || fail "rfc9908-example differs from the fuzz seed"
fi
openssl asn1parse -inform DER -in "$tmp/t9908.der" >"$tmp/t9908.txt" 2>&1 &&
	grep -q ':1.2.840.113549.1.9.16.2.61$' "$tmp/t9908.txt" &&
	grep -q ':1.2.840.113549.1.9.16.2.62$' "$tmp/t9908.txt" && grep -q 'cont \[ 0 \]' "$tmp/t9908.txt" &&
	grep -q 'cont \[ 1 \]' "$tmp/t9908.txt" && grep -q ':myGroup$' "$tmp/t9908.txt" &&
	pass "rfc9908-example: openssl asn1parse reads the template" || fail "rfc9908-example: $(cat "$tmp/t9908.txt")"
T_SUBJ=/CN=dev1/OU=myDept/OU=myGroup
T_SAN=subjectAltName=DNS:www.myServer.com,IP:192.0.2.1
T_KU=keyUsage=critical,digitalSignature,keyAgreement
mkcsr tlacking -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=dev1/OU=other
enroll simpleenroll "$tmp/tlacking.b64"
expect "template: CSR lacking everything" 400 "$code"
body_has "template: names a fixed OU" 'missing subject attribute organizationalUnitName (2.5.4.11) = "myDept" (CSR template)'
body_has "template: names the other fixed OU" '= "myGroup" (CSR template)'
body_has "template: names subjectAltName" "missing extension subjectAltName (2.5.29.17) in extensionRequest (CSR template)"
body_has "template: names extKeyUsage" "missing extension extendedKeyUsage (2.5.29.37) in extensionRequest (CSR template)"
expect "template: five items" 5 "$(grep -c '^  missing ' "$tmp/b")"
mkcsr tgood -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "$T_SUBJ" -addext "$T_SAN" -addext "$T_KU" \
	-addext extendedKeyUsage=clientAuth
enroll simpleenroll "$tmp/tgood.b64"
expect "template: CN filled, OUs, P-256, SAN with the IP filled, keyUsage critical, extKeyUsage" 200 "$code"
log_ends "template: accepted" "attrs=ok"
mkcsr tp384 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -subj "$T_SUBJ" -addext "$T_SAN" -addext "$T_KU" \
	-addext extendedKeyUsage=clientAuth
enroll simpleenroll "$tmp/tp384.b64"
expect "template: P-384" 400 "$code"
body_has "template: names the curve" "missing key id-ecPublicKey (1.2.840.10045.2.1) with curve prime256v1 (1.2.840.10045.3.1.7) (CSR template): the CSR key is id-ecPublicKey (1.2.840.10045.2.1) with curve secp384r1"
mkcsr tnoip -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "$T_SUBJ" -addext subjectAltName=DNS:www.myServer.com \
	-addext keyUsage=digitalSignature,keyAgreement -addext extendedKeyUsage=clientAuth
enroll simpleenroll "$tmp/tnoip.b64"
expect "template: SAN without the IP, keyUsage not critical" 400 "$code"
body_has "template: SAN value" "extension subjectAltName (2.5.29.17) has another value than the CSR template gives"
body_has "template: keyUsage critical" "extension keyUsage (2.5.29.15) is not critical, as the CSR template asks"
mkcsr tnocn -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /OU=myDept/OU=myGroup -addext "$T_SAN" \
	-addext "$T_KU" -addext extendedKeyUsage=clientAuth
enroll simpleenroll "$tmp/tnocn.b64"
expect "template: no commonName" 400 "$code"
body_has "template: CN to fill" "missing subject attribute commonName (2.5.4.3) (CSR template: the client fills its value)"
# a template the server cannot check: version 1
cat >"$tmp/tv1.cnf" <<'CNF'
asn1=SEQUENCE:attrs
[attrs]
t=SEQUENCE:tattr
[tattr]
type=OID:1.2.840.113549.1.9.16.2.61
v=SET:tvals
[tvals]
cri=SEQUENCE:cri
[cri]
version=INTEGER:1
attrs=IMPLICIT:1,SET:empty
[empty]
CNF
if openssl asn1parse -genconf "$tmp/tv1.cnf" -out "$tmp/tv1.der" >/dev/null 2>&1; then
	bad_usage "--enforce-csrattrs with a template of version 1" --csrattrs --csrattrs "$tmp/tv1.der" --enforce-csrattrs
else
	fail "cannot build the version 1 template"
fi

# ===================================================== (c) --require-pop
srv --require-pop --user u --pass-file "$tmp/pass" --bootstrap boot
pwconf "$tmp/wrong.cnf" dev1 d3JvbmcgYmluZGluZyB2YWx1ZQ==
mkcsr wrongpw -newkey ec -pkeyopt ec_paramgen_curve:P-256 -config "$tmp/wrong.cnf"
enroll simpleenroll "$tmp/wrongpw.b64" -u u:s3cret
expect "pop: curl, wrong challengePassword, TLS 1.3" 400 "$code"
body_has "pop: names tls-exporter" "proof-of-possession failed: challengePassword does not match the TLS channel binding (tls-exporter)"
log_ends "pop: refused" "pop=bad"
enroll simpleenroll "$tmp/wrongpw.b64" -u u:s3cret --tls-max 1.2
expect "pop: curl, wrong challengePassword, TLS 1.2" 400 "$code"
body_has "pop: names tls-unique" "does not match the TLS channel binding (tls-unique)"
enroll simpleenroll "$tmp/lacking.b64" -u u:s3cret
expect "pop: no challengePassword" 400 "$code"
body_has "pop: says missing" "proof-of-possession failed: challengePassword missing"
enroll simpleenroll "$tmp/lacking.b64"
expect "pop: 401 comes first" 401 "$code"
log_ends "pop: 401 not checked" "pop=-"

for v in 1.2 1.3; do
	b=tls-unique
	[ "$v" = 1.3 ] && b=tls-exporter
	pop --tls "$v" --user u:s3cret
	expect "pop TLS $v ($b): 401, then 200 on the same connection" 200 "$code"
	expect "pop TLS $v: the first answer was 401" 401 "$(sed -n 's/^status=//p' "$tmp/pop.out" | head -n 1)"
	conn=$(last_log | sed 's/.* conn=\([0-9]*\) .*/\1/')
	log_ends "pop TLS $v: accepted" "proto=TLSv$v group=$(last_log | sed 's/.* group=\([^ ]*\) .*/\1/') pop=ok"
	expect "pop TLS $v: 401 and 200 on one connection" 2 "$(grep -c " conn=$conn req=[12] " "$d/requests.log")"
	pop --tls "$v" --user u:s3cret --utf8
	expect "pop TLS $v: UTF8String" 200 "$code"
	pop --tls "$v" --user u:s3cret --resume
	expect "pop TLS $v: resumed session" 200 "$code"
	last_log | grep -q ' tls=resumed POST .* 200 .* pop=ok$' && pass "pop TLS $v: logged resumed" ||
		fail "pop TLS $v resumed: $(last_log)"
	pop --tls "$v" --user u:s3cret --binding other
	expect "pop TLS $v: binding of another connection" 400 "$code"
	pop_body_has "pop TLS $v: other connection named" "does not match the TLS channel binding ($b)"
	pop --tls "$v" --user u:s3cret --binding none
	expect "pop TLS $v: no challengePassword" 400 "$code"
	pop_body_has "pop TLS $v: missing named" "challengePassword missing (it must hold the base64 $b"
done
pop --tls 1.2 --user u:s3cret --binding swapped
expect "pop TLS 1.2 full handshake: the server's Finished is not tls-unique" 400 "$code"
pop --tls 1.2 --user u:s3cret --binding swapped --resume
expect "pop TLS 1.2 resumed: the client's Finished is not tls-unique" 400 "$code"
pop --tls 1.2 --user u:s3cret --no-ems
expect "pop TLS 1.2 without extended master secret" 400 "$code"
pop_body_has "pop: no-EMS named" "no extended master secret (RFC 7627)"
pop --cert "$d/boot.pem" --key "$d/boot.key" --path /.well-known/est/simplereenroll
expect "pop: simplereenroll with the binding" 200 "$code"
pop --cert "$d/boot.pem" --key "$d/boot.key" --path /.well-known/est/simplereenroll --binding other
expect "pop: simplereenroll, other connection's binding" 400 "$code"
grep -q 'proof-of-possession ok (tls-unique PrintableString)' "$d/server.log" &&
	grep -q 'proof-of-possession ok (tls-exporter UTF8String)' "$d/server.log" &&
	grep -q 'proof-of-possession failed: challengePassword does not match the TLS channel binding (tls-exporter) \[challengePassword' "$d/server.log" &&
	pass "pop: server.log records every check" || fail "pop server.log: $(cat "$d/server.log")"
! grep -qv ' group=[^ ]* pop=\(ok\|bad\|-\)$' "$d/requests.log" &&
	pass "pop: every log line ends in group=G pop=P" || fail "pop log: $(cat "$d/requests.log")"

# both: the RFC 7030 example, proof-of-possession included
srv --require-pop --csrattrs rfc7030-example --enforce-csrattrs
pop --p384 --mac-ext
expect "pop + enforce: P-384, SHA-384, macAddress, binding" 200 "$code"
log_ends "pop + enforce: accepted" "pop=ok attrs=ok"
pop --p384 --mac-ext --tls 1.2
expect "pop + enforce, TLS 1.2" 200 "$code"
pop --p384 --mac-ext --binding other
expect "pop + enforce: other connection's binding" 400 "$code"
log_ends "pop + enforce: pop refused" "pop=bad attrs=ok"
pop --binding other
expect "pop + enforce: both wrong" 400 "$code"
pop_body_has "pop + enforce: pop named" "proof-of-possession failed"
pop_body_has "pop + enforce: attrs named" "missing signature algorithm ecdsa-with-SHA384"
log_ends "pop + enforce: both refused" "pop=bad attrs=missing"

# ===================================================== (d) --bearer
printf 'tok-file_1.~+/=\n' >"$tmp/bearer"
srv --bearer 'tok-123.abc' --bootstrap boot
call cacerts
expect "bearer: cacerts needs no token" 200 "$code"
enroll simpleenroll "$tmp/lacking.b64"
expect "bearer: no token" 401 "$code"
expect "bearer: challenge" 'Bearer realm="hwe-est"' "$(header WWW-Authenticate)"
enroll simpleenroll "$tmp/lacking.b64" -u u:s3cret
expect "bearer: Basic credentials instead" 401 "$code"
expect "bearer: no error code for another scheme" 'Bearer realm="hwe-est"' "$(header WWW-Authenticate)"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: Bearer tok-124.abc'
expect "bearer: wrong token" 401 "$code"
expect "bearer: invalid_token" 'Bearer realm="hwe-est", error="invalid_token"' "$(header WWW-Authenticate)"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: Bearer tok-123'
expect "bearer: prefix of the token" 401 "$code"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: Bearer tok-123.abcd'
expect "bearer: token plus a character" 401 "$code"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: Bearer tok 123'
expect "bearer: malformed token" 400 "$code"
expect "bearer: invalid_request" 'Bearer realm="hwe-est", error="invalid_request"' "$(header WWW-Authenticate)"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: Bearer tok-123.abc'
expect "bearer: right token" 200 "$code"
enroll simpleenroll "$tmp/lacking.b64" -H 'Authorization: bearer tok-123.abc'
expect "bearer: scheme is case-insensitive" 200 "$code"
call simplereenroll --cert "$d/boot.pem" --key "$d/boot.key" \
	-H 'Content-Type: application/pkcs10' --data-binary @"$tmp/re.b64"
expect "bearer: simplereenroll without the token" 401 "$code"
call simplereenroll --cert "$d/boot.pem" --key "$d/boot.key" -H 'Authorization: Bearer tok-123.abc' \
	-H 'Content-Type: application/pkcs10' --data-binary @"$tmp/re.b64"
expect "bearer: simplereenroll with the token" 200 "$code"
grep -q 'tok-12' "$d/requests.log" "$d/server.log" && fail "bearer token appears in a log" ||
	pass "bearer token in no log"
srv --bearer-file "$tmp/bearer" --require-pop
pop --bearer 'tok-file_1.~+/='
expect "bearer-file + pop: token and binding" 200 "$code"
pop --bearer 'tok-file_1'
expect "bearer-file: wrong token" 401 "$code"
bad_usage "--bearer with --user" --bearer --bearer x --user u --pass-file "$tmp/pass"
bad_usage "--bearer with --auth" --bearer --bearer x --auth digest
bad_usage "--bearer-file with --user" --bearer-file --bearer-file "$tmp/bearer" --user u --pass-file "$tmp/pass"
bad_usage "--bearer and --bearer-file" --bearer --bearer x --bearer-file "$tmp/bearer"
bad_usage "--bearer empty" --bearer --bearer ''
bad_usage "--bearer with a space" --bearer --bearer 'a b'
bad_usage "--bearer '=' first" --bearer --bearer '=abc'
bad_usage "--bearer-file missing" --bearer-file --bearer-file "$tmp/none"
printf '\n' >"$tmp/empty-bearer"
bad_usage "--bearer-file empty line" --bearer-file --bearer-file "$tmp/empty-bearer"

"$ESTSERVER" --help | grep -q -- '--require-pop' && "$ESTSERVER" --help | grep -q -- '--enforce-csrattrs' &&
	"$ESTSERVER" --help | grep -q -- '--csrattrs VALUE' && "$ESTSERVER" --help | grep -q -- '--bearer TOKEN' &&
	"$ESTSERVER" --help | grep -q -- '--bearer-file F' && pass "usage text documents every switch" ||
	fail "usage text lacks a switch"

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
exit 0
