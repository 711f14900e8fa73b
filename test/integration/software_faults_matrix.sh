#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_faults_matrix.sh - the hostile-network matrix (issue 5, section 1)
# for the software backend: every fault of the test EST server (and a
# refused connection) against enroll, reenroll and reenroll --rekey.
#
# For each run: the documented exit code; exactly one ERROR line, naming the
# cause (Status name and a phrase), with the reference workflow's HINT where
# it has one; no password (plain or Basic-encoded) and no private key in
# stdout/stderr at DEBUG level; finished in < 20 s with --timeout 5
# --connect-timeout 5 --max-wait 3; the keystore byte-for-byte unchanged
# (every file's mode and checksum), so a failed first enroll leaves no
# half-enrolled alias.  202 answers are the one documented exception: the
# request and its key are kept under req/ to be resumed, nothing else.
#
# All rows are run; failures are collected and the table is printed at the
# end (HWE_MATRIX_OUT=FILE also writes it there).
. "$(dirname "$0")/lib.sh"
need openssl base64 python3

PW="Hwe-Matrix-Pw-$RANDOM$RANDOM-zq"
printf '%s\n' "$PW" >"$T/pass"
chmod 600 "$T/pass"
PW_B64=$(printf 'device:%s' "$PW" | base64 -w0)
printf 'not-the-password\n' >"$T/wrong"
chmod 600 "$T/wrong"
AUTH=(--estc-user device --estc-pass-file "$T/pass")
LIM=(--timeout 5 --connect-timeout 5 --max-wait 3)
nfail=0
: >"$T/matrix"
bad() {
	echo "FAIL: [$row] $*" >&2
	nfail=$((nfail + 1))
}

nsrv=0
# server ARGS...: start a fresh server, $S is its dir
server() {
	nsrv=$((nsrv + 1))
	S=$T/srv$nsrv
	est_start "$S" --user device --pass-file "$T/pass" "$@" || { echo "FAIL: server $* did not start" >&2; exit 1; }
}
# fresh_ks SRV: a new keystore trusting SRV
fresh_ks() {
	rm -rf "$KS"
	ks_init "$1" dev
}
# enrolled SRV: a new keystore with alias dev enrolled at SRV
enrolled() {
	fresh_ks "$1"
	hwe enroll --uri "$(est_url "$1" "" simpleenroll)" --key-alias dev --csr-conf device.conf "${AUTH[@]}" "${LIM[@]}"
	[ "$rc" = 0 ] || { cat "$T/err" >&2; echo "FAIL: setup enroll at $1 exited $rc" >&2; exit 1; }
}

# run ROW CODE STATUS PHRASE HINTPAT ARGS...: run hwenroll at DEBUG level and
# check everything listed at the top: the ERROR line ends in "(STATUS)" and
# matches PHRASE (grep -E); HINTPAT "" = no hint required.
# KS_ALLOW (a grep -E pattern of paths) lists keystore entries that may change.
KS_ALLOW=
run() {
	local code=$2 st=$3 pat=$4 hint=$5 t0 t1 n line diffs tag=ERROR
	row=$1
	shift 5
	ks_snapshot pre
	t0=$(date +%s)
	hwe --log-level DEBUG "$@"
	t1=$(date +%s)
	# a pending request is an outcome, not an error: reported as PENDING
	if [ "$code" = 8 ]; then
		tag=PENDING
		grep -q 'ERROR:' "$T/err" && bad "a pending request reported as an ERROR"
	fi
	line=$(grep "$tag:" "$T/err" | head -n 1)
	printf '%s\t%s\t%s\t%s\n' "${row%%|*}" "${row#*|}" "$rc" "${line#*$tag: }" >>"$T/matrix"
	[ "$rc" = "$code" ] || bad "exit $rc, expected $code"
	n=$(grep -c "$tag:" "$T/err" || true)
	[ "$n" = 1 ] || bad "$n $tag lines, expected 1"
	grep -c "$tag:" "$T/out" >/dev/null && bad "$tag on stdout"
	printf '%s\n' "$line" | grep -q -- "Status: -[0-9]* ($st)\$" || bad "$tag line lacks ($st): $line"
	printf '%s\n' "$line" | grep -Eq -- "$pat" || bad "$tag line lacks /$pat/: $line"
	if [ -n "$hint" ]; then
		grep -Eq -- "HINT: .*$hint" "$T/err" || bad "no HINT /$hint/"
	fi
	if grep -qF -- "$PW" "$T/out" "$T/err" || grep -qF -- "$PW_B64" "$T/out" "$T/err"; then
		bad "the password appears in the output"
	fi
	grep -q 'PRIVATE KEY' "$T/out" "$T/err" && bad "a private key appears in the output"
	[ $((t1 - t0)) -lt 20 ] || bad "took $((t1 - t0)) s"
	ks_snapshot post
	diffs=$(diff "$T/snap.pre" "$T/snap.post" | grep '^[<>]' || true)
	if [ -n "$KS_ALLOW" ]; then
		diffs=$(printf '%s\n' "$diffs" | grep -Ev -- "$KS_ALLOW" || true)
	fi
	[ -z "$diffs" ] || bad "keystore changed: $(printf '%s' "$diffs" | tr '\n' ';')"
	return 0
}

E="enroll --key-alias dev --csr-conf device.conf"
eurl() { est_url "$S" "" simpleenroll; }
rurl() { est_url "$S" "" simplereenroll; }

# enroll_case FAULT CODE STATUS PHRASE HINT SERVER-ARGS...: first enroll of a
# new alias at a server with the fault
enroll_case() {
	local f=$1 code=$2 st=$3 pat=$4 hint=$5
	shift 5
	server "$@"
	fresh_ks "$S"
	run "$f|enroll" "$code" "$st" "$pat" "$hint" $E --uri "$(eurl)" "${AUTH[@]}" "${LIM[@]}"
	if [ -e "$KS/keys/dev.pem" ] || [ -e "$KS/certs/dev.pem" ]; then
		bad "half-enrolled alias left behind"
	fi
	est_stop "$S"
}
# reenroll_case FAULT CODE STATUS PHRASE HINT SERVER-ARGS...: the fault hits
# only simplereenroll; alias dev is enrolled at the same server first, then
# renewed with and without --rekey
reenroll_case() {
	local f=$1 code=$2 st=$3 pat=$4 hint=$5
	shift 5
	server "$@" --fault-op simplereenroll
	enrolled "$S"
	run "$f|reenroll" "$code" "$st" "$pat" "$hint" reenroll --uri "$(rurl)" --key-alias dev "${LIM[@]}"
	run "$f|reenroll --rekey" "$code" "$st" "$pat" "$hint" reenroll --uri "$(rurl)" --key-alias dev --rekey "${LIM[@]}"
	est_stop "$S"
}
# tls_reenroll_case FAULT CODE STATUS PHRASE HINT SERVER-ARGS...: TLS-level
# faults hit every connection: enroll at a good server, then renew at the
# faulty one (whose TLS root the keystore trusts as well)
tls_reenroll_case() {
	local f=$1 code=$2 st=$3 pat=$4 hint=$5 good
	shift 5
	server
	good=$S
	enrolled "$good"
	server "$@"
	cp "$S/tls-ca.pem" "$KS/ca/tls-root-2.pem"
	run "$f|reenroll" "$code" "$st" "$pat" "$hint" reenroll --uri "$(rurl)" --key-alias dev "${LIM[@]}"
	run "$f|reenroll --rekey" "$code" "$st" "$pat" "$hint" reenroll --uri "$(rurl)" --key-alias dev --rekey "${LIM[@]}"
	est_stop "$S"
	est_stop "$good"
}
both() {	# both FAULT CODE STATUS PHRASE HINT SERVER-ARGS...
	enroll_case "$@"
	reenroll_case "$@"
}

step "connection refused"
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NOSRV="https://127.0.0.1:$free_port/.well-known/est"
server
enrolled "$S"
est_stop "$S"
run "connection refused|reenroll" 4 ERR_NETWORK_CONNECT "127.0.0.1" "" \
	reenroll --uri "$NOSRV/simplereenroll" --key-alias dev "${LIM[@]}"
run "connection refused|reenroll --rekey" 4 ERR_NETWORK_CONNECT "127.0.0.1" "" \
	reenroll --uri "$NOSRV/simplereenroll" --key-alias dev --rekey "${LIM[@]}"
fresh_ks "$S"
run "connection refused|enroll" 4 ERR_NETWORK_CONNECT "127.0.0.1" "" $E --uri "$NOSRV/simpleenroll" "${AUTH[@]}" "${LIM[@]}"

step "TLS: close mid-handshake, untrusted server CA, wrong host name"
for f in close-handshake untrusted wrong-host; do
	case $f in
	close-handshake) args=(ERR_TLS_HANDSHAKE "TLS|handshake" "") ;;
	untrusted) args=(ERR_CERT_CHAIN_NO_TRUST_ANCHOR "connect|trust" "TLS root CA") ;;
	wrong-host) args=(ERR_CERT_HOSTNAME_MISMATCH "127.0.0.1" "") ;;
	esac
	enroll_case "$f" 5 "${args[@]}" --fault "$f"
	tls_reenroll_case "$f" 5 "${args[@]}" --fault "$f"
done

step "authentication: wrong password, foreign client certificate, unknown scheme"
server
fresh_ks "$S"
run "401 wrong credentials|enroll" 6 ERR_HTTP_UNAUTHORIZED "rejected" "password" \
	$E --uri "$(eurl)" --estc-user device --estc-pass-file "$T/wrong" "${LIM[@]}"
grep -q 'not-the-password' "$T/out" "$T/err" && bad "wrong password echoed"
est_stop "$S"
# reenroll authenticates with its client certificate: one from another CA is
# refused with 403 and the server's reason (exit 7, see the report)
server
enrolled "$S"
est_stop "$S"
server
cp "$S/tls-ca.pem" "$KS/ca/tls-root-2.pem"
run "client cert of another CA|reenroll" 7 ERR_HTTP_STATUS "403: client certificate not issued by this CA" "" \
	reenroll --uri "$(rurl)" --key-alias dev "${LIM[@]}"
run "client cert of another CA|reenroll --rekey" 7 ERR_HTTP_STATUS "403: client certificate not issued by this CA" "" \
	reenroll --uri "$(rurl)" --key-alias dev --rekey "${LIM[@]}"
est_stop "$S"
both "401 unknown scheme" 6 ERR_HTTP_AUTH_SCHEME "unsupported .*Bearer" "Basic and Digest" --fault auth-scheme

step "server refusals with an error body: 400 403 500 503, 503 + Retry-After, redirect"
for st in 400 403 500 503; do
	both "status $st" 7 ERR_HTTP_STATUS "refused.*HTTP $st: fault $st" "" --fault "status:$st"
done
both "503 Retry-After: 1" 7 ERR_HTTP_STATUS "HTTP 503 .*Retry-After: 1" "again in 1 s" --fault "retry-after:1"
both "503 Retry-After: 86400" 7 ERR_HTTP_STATUS "HTTP 503 .*Retry-After: 86400" "again in 86400 s" --fault "retry-after:86400"
both "redirect to another host" 7 ERR_HTTP_REDIRECT "another origin 'https://elsewhere.invalid/" "" --fault redirect

step "202 pending: Retry-After in seconds, as an HTTP-date, missing, absurdly large"
# A pending request is kept under req/ (the CSR and, for a new key, that
# key, for the current key the marker req/dev.pending) so that the next
# run resumes it; nothing else may change.
KS_ALLOW='\./req(/dev\.(csr|pending|pending\.pem))?/?$'
later=$(date -u -R -d '+1 hour' | sed 's/+0000/GMT/')
enroll_case "202 Retry-After: 1" 8 ERR_EST_PENDING "still pending after waiting [0-9]+ s.*--max-wait 3 s" "again" \
	--pending 1000 --retry-after 1
enroll_case "202 Retry-After: HTTP-date +1h" 8 ERR_EST_PENDING "pending" "again" --pending 1000 --retry-after "$later"
enroll_case "202 Retry-After: 10^20" 8 ERR_EST_PENDING "pending" "again" --pending 1000 --retry-after 99999999999999999999
row="202 Retry-After: 10^20|enroll"
grep -q 'HINT: .*after [0-9]\{9,\} seconds' "$T/err" && bad "absurd wait suggested: $(grep HINT "$T/err")"
both "202 without Retry-After" 8 ERR_EST_PENDING "pending.*without Retry-After" "again" --fault status:202
# --pending counts per public key and also holds simpleenroll, so a renewal
# with the same key cannot be kept pending; --rekey (a new key) can: the
# alias is enrolled after one 202, then the renewal's new key gets its 202.
for ra in "$later" 99999999999999999999; do
	server --pending 1 --retry-after "$ra"
	fresh_ks "$S"
	hwe $E --uri "$(eurl)" "${AUTH[@]}" "${LIM[@]}"
	[ "$rc" = 8 ] || fail "setup: first enroll exited $rc, expected 8"
	hwe $E --uri "$(eurl)" "${AUTH[@]}" "${LIM[@]}"
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "setup: resumed enroll exited $rc"; }
	[ "$ra" = "$later" ] && name="202 Retry-After: HTTP-date +1h" || name="202 Retry-After: 10^20"
	run "$name|reenroll --rekey" 8 ERR_EST_PENDING "pending" "again" reenroll --uri "$(rurl)" --key-alias dev --rekey "${LIM[@]}"
	est_stop "$S"
done
KS_ALLOW=

step "stall, huge body, truncated body"
both "stall" 4 ERR_NETWORK_TIMEOUT "time" "" --fault stall
both "huge body" 9 ERR_EST_RESPONSE_TOO_LARGE "large|limit" "" --fault huge-body
both "truncated body" 4 ERR_NETWORK_IO "." "" --fault truncated

step "unreadable responses"
both "Content-Type text/html" 9 ERR_EST_RESPONSE "text/html" "" --fault content-type:text/html
both "invalid base64" 9 ERR_EST_RESPONSE "base64" "" --fault bad-base64
both "not PKCS#7" 9 ERR_EST_RESPONSE "PKCS#?7" "" --fault not-pkcs7
both "PKCS#7 without certificate" 9 ERR_EST_RESPONSE "no certificate" "" --fault empty-pkcs7

step "issued certificate rejected"
both "certificate for another key" 10 ERR_CERT_KEY_MISMATCH "public key" "" --fault wrong-key
both "certificate not chaining to the EST CA" 10 ERR_CERT_CHAIN_NO_TRUST_ANCHOR "CA" "EST CA certificate" --fault unchained
both "expired certificate" 10 ERR_CERT_EXPIRED "expired" "" --fault expired
both "not-yet-valid certificate" 10 ERR_CERT_NOT_YET_VALID "not (yet )?valid" "" --fault not-yet-valid
reenroll_case "re-enroll with changed subject" 10 ERR_CERT_SUBJECT_CHANGED "subject" "" --fault subject-change

echo
echo "fault	command	exit	message"
cat "$T/matrix"
[ -z "${HWE_MATRIX_OUT:-}" ] || cp "$T/matrix" "$HWE_MATRIX_OUT"
[ "$nfail" = 0 ] || fail "$nfail check(s) failed"
exit 0
