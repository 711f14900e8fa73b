#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# estserver_tls_strict.sh - hwe-estserver's strict-TLS switches (--groups,
# --tls-min/--tls-max, --sigalgs), checked with `openssl s_client` as the
# client: what a FIPS-like server must refuse is refused in TLS 1.2 and 1.3,
# what it accepts is accepted, and requests.log names the negotiated version
# and group (proto=... group=...).  Bad values are usage errors (exit 2).
# make check may run this with /bin/sh: continue in bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib-estserver.sh"

if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP: openssl not installed"
	exit 77
fi

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() {
	echo "ok: $*"
}

hwe_mktemp tmp || exit 1
printf 'GET /.well-known/est/cacerts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >"$tmp/get"
n=0

# srv ARGS...: start a fresh server in its own dir; sets $d and $port.
srv() {
	n=$((n + 1))
	d=$tmp/s$n
	est_start "$d" "$@" || { echo "FAIL: server '$*' did not start" >&2; exit 1; }
	port=$EST_PORT
}

# hs [s_client args...]: one GET /cacerts over a fresh s_client handshake.
# Sets $ok (1 if the server answered 200), $line (the request's log line,
# "" if the server logged none) and leaves s_client's stderr in $tmp/hs.err.
hs() {
	local before resp
	before=$(wc -l <"$d/requests.log")
	resp=$(timeout 20 openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" \
		-verify_return_error "$@" <"$tmp/get" 2>"$tmp/hs.err" | head -n 1 | tr -d '\r')
	line=$(tail -n +"$((before + 1))" "$d/requests.log")
	ok=0
	[ "$resp" = "HTTP/1.1 200 OK" ] && [ -n "$line" ] && ok=1
}

# accepts WHAT FIELDS [s_client args...]: the handshake succeeds and the log
# line ends in FIELDS (e.g. "proto=TLSv1.3 group=P-256").
accepts() {
	local what=$1 fields=$2
	shift 2
	hs "$@"
	if [ "$ok" = 1 ] && [ "${line% "$fields"}" != "$line" ]; then
		pass "$what: $fields"
	else
		fail "$what: expected success with '$fields', got log '$line', client: $(tail -n 2 "$tmp/hs.err")"
	fi
}

# refuses WHAT REASON [s_client args...]: no request gets through and the
# server logged a handshake failure matching REASON on stderr.
refuses() {
	local what=$1 reason=$2 before
	shift 2
	before=$(grep -c 'TLS handshake failed' "$d/server.log")
	hs "$@"
	sleep 0.1	# the server writes its stderr line after the alert
	if [ "$ok" = 0 ] && [ -z "$line" ] &&
		[ "$(grep -c 'TLS handshake failed' "$d/server.log")" -gt "$before" ] &&
		tail -n 1 "$d/server.log" | grep -q -- "$reason"; then
		pass "$what refused ($(tail -n 1 "$d/server.log" | sed 's/.*failed: //'))"
	else
		fail "$what: expected a refused handshake ($reason), got log '$line', server: $(tail -n 1 "$d/server.log")"
	fi
}

# ------------------------------------------------------------ bad values
# usage_err OPTION-NAME ARGS...: exit 2, the option named on stderr, no server.
usage_err() {
	local name=$1 rc
	shift
	mkdir -p "$tmp/bad"
	"$ESTSERVER" --dir "$tmp/bad" "$@" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$name" "$tmp/bad.err" && [ ! -e "$tmp/bad/port" ]; then
		pass "usage error: $*"
	else
		fail "'$*': expected exit 2 naming $name, got $rc: $(head -n 1 "$tmp/bad.err")"
	fi
}
usage_err --groups --groups nope
usage_err --groups --groups ''
usage_err --groups --groups P-256:
usage_err --groups --groups 'P-256 X25519'
usage_err --groups --groups P-256::X25519
usage_err --sigalgs --sigalgs bogus
usage_err --sigalgs --sigalgs ''
usage_err --sigalgs --sigalgs ECDSA+NOHASH
usage_err --sigalgs --sigalgs RSA-PSS+SHA256		# nothing the EC server key signs with
usage_err --sigalgs --key-type rsa --sigalgs ECDSA+SHA256
usage_err --tls-min --tls-min 1.1
usage_err --tls-min --tls-min 1.3 --tls-max 1.2
usage_err --tls-max --tls-max 1.4
usage_err --tls-max --tls-max ''

# ------------------------------------------------------------ --groups
srv --groups P-256
refuses "--groups P-256, client X25519 only, TLS 1.3" "no suitable key share" -tls1_3 -groups X25519
refuses "--groups P-256, client X25519 only, TLS 1.2" "no shared cipher" -tls1_2 -groups X25519
accepts "--groups P-256, client P-256, TLS 1.3" "proto=TLSv1.3 group=P-256" -tls1_3 -groups P-256
accepts "--groups P-256, client P-256, TLS 1.2" "proto=TLSv1.2 group=P-256" -tls1_2 -groups P-256
accepts "--groups P-256, client X25519:P-256 (HelloRetryRequest)" "proto=TLSv1.3 group=P-256" \
	-tls1_3 -groups X25519:P-256
accepts "--groups P-256, default client" "proto=TLSv1.3 group=P-256"
est_stop "$d"

# An RSA server certificate would let TLS 1.2 fall back to RSA key transport
# (no group at all) if the cipher list were left alone: it is not.
srv --groups P-256 --key-type rsa
refuses "--groups P-256 (RSA cert), client X25519 only, TLS 1.3" "no suitable key share" \
	-tls1_3 -groups X25519
refuses "--groups P-256 (RSA cert), client X25519 only, TLS 1.2" "no shared cipher" \
	-tls1_2 -groups X25519
refuses "--groups P-256 (RSA cert), TLS 1.2 RSA key transport" "no shared cipher" \
	-tls1_2 -groups P-256 -cipher AES128-GCM-SHA256
refuses "--groups P-256 (RSA cert), TLS 1.2 DHE" "no shared cipher" \
	-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
accepts "--groups P-256 (RSA cert), client P-256, TLS 1.2" "proto=TLSv1.2 group=P-256" \
	-tls1_2 -groups P-256
timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" -tls1_2 \
	-groups P-256 </dev/null 2>/dev/null | grep -q 'Cipher is ECDHE-RSA-' &&
	pass "TLS 1.2 under --groups uses an ECDHE suite" || fail "TLS 1.2 suite is not ECDHE"
est_stop "$d"

srv --groups X25519:P-384
accepts "--groups X25519:P-384, client P-384" "proto=TLSv1.3 group=P-384" -groups P-384
# (TLS 1.2 ECDSA also needs the P-256 certificate's curve in the client's list)
accepts "--groups X25519:P-384, client X25519:P-256, TLS 1.2" "proto=TLSv1.2 group=X25519" \
	-tls1_2 -groups X25519:P-256
refuses "--groups X25519:P-384, client P-256 only, TLS 1.2" "no shared cipher" -tls1_2 -groups P-256
refuses "--groups X25519:P-384, client P-256:P-521" "no suitable key share" -groups P-256:P-521
est_stop "$d"

# DHE only when an ffdhe group is listed, and then with that group.
srv --key-type rsa
refuses "no --groups: TLS 1.2 DHE not offered" "no shared cipher" -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
accepts "no --groups: default client" "proto=TLSv1.3 group=X25519"
est_stop "$d"
srv --groups X25519:ffdhe2048 --key-type rsa
accepts "--groups X25519:ffdhe2048, client ffdhe2048, TLS 1.3" "proto=TLSv1.3 group=ffdhe2048" \
	-tls1_3 -groups ffdhe2048
accepts "--groups X25519:ffdhe2048, TLS 1.2 DHE" "proto=TLSv1.2 group=ffdhe2048" \
	-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
bits=$(timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" -tls1_2 \
	-cipher DHE-RSA-AES128-GCM-SHA256 </dev/null 2>/dev/null | sed -n 's/^Server Temp Key: DH, \([0-9]*\) bits.*/\1/p')
[ "$bits" = 2048 ] && pass "TLS 1.2 DHE uses the listed ffdhe2048 parameters" ||
	fail "TLS 1.2 DHE key: '$bits' bits"
est_stop "$d"

# ------------------------------------------------------------ --tls-min / --tls-max
srv --tls-min 1.3
refuses "--tls-min 1.3, client TLS 1.2" "unsupported protocol" -tls1_2
accepts "--tls-min 1.3, default client" "proto=TLSv1.3 group=X25519"
est_stop "$d"

srv --tls-max 1.2
accepts "--tls-max 1.2, default client" "proto=TLSv1.2 group=X25519"
refuses "--tls-max 1.2, client TLS 1.3" "unsupported protocol" -tls1_3
est_stop "$d"

srv --tls-min 1.2 --tls-max 1.2 --groups P-256
accepts "--tls-min 1.2 --tls-max 1.2 --groups P-256" "proto=TLSv1.2 group=P-256"
est_stop "$d"

# ------------------------------------------------------------ --sigalgs
# The client's CertificateVerify: an EC P-256 bootstrap certificate cannot
# sign with RSA-PSS, so it is refused (the client finds no allowed algorithm
# and sends no certificate, which --require-client-cert rejects).
srv --require-client-cert --bootstrap boot --key-type rsa --sigalgs RSA-PSS+SHA256
refuses "--sigalgs RSA-PSS+SHA256, EC client cert, TLS 1.3" "peer did not return a certificate" \
	-tls1_3 -cert "$d/boot.pem" -key "$d/boot.key"
refuses "--sigalgs RSA-PSS+SHA256, EC client cert, TLS 1.2" "peer did not return a certificate" \
	-tls1_2 -cert "$d/boot.pem" -key "$d/boot.key"
est_stop "$d"

srv --require-client-cert --bootstrap boot --key-type rsa --sigalgs RSA-PSS+SHA256:ECDSA+SHA256
accepts "--sigalgs RSA-PSS+SHA256:ECDSA+SHA256, EC client cert, TLS 1.3" "user=- proto=TLSv1.3 group=X25519" \
	-tls1_3 -cert "$d/boot.pem" -key "$d/boot.key"
echo "$line" | grep -q ' client=/CN=boot ' && pass "client certificate logged" || fail "client cert: $line"
accepts "--sigalgs RSA-PSS+SHA256:ECDSA+SHA256, EC client cert, TLS 1.2" "proto=TLSv1.2 group=X25519" \
	-tls1_2 -cert "$d/boot.pem" -key "$d/boot.key"
# a client that will only sign with ECDSA+SHA384 has nothing in common with the list
refuses "--sigalgs RSA-PSS+SHA256:ECDSA+SHA256, client signs ECDSA+SHA384 only" \
	"peer did not return a certificate" \
	-tls1_3 -cert "$d/boot.pem" -key "$d/boot.key" -client_sigalgs ECDSA+SHA384
est_stop "$d"

# The server's own signature: a client that accepts only ECDSA+SHA384 cannot
# be served by a server limited to ECDSA+SHA256.
srv --sigalgs ECDSA+SHA256
refuses "--sigalgs ECDSA+SHA256, client accepts ECDSA+SHA384 only, TLS 1.3" "" -tls1_3 -sigalgs ECDSA+SHA384
refuses "--sigalgs ECDSA+SHA256, client accepts ECDSA+SHA384 only, TLS 1.2" "" -tls1_2 -sigalgs ECDSA+SHA384
accepts "--sigalgs ECDSA+SHA256, default client" "proto=TLSv1.3 group=X25519"
timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/tls-ca.pem" </dev/null 2>/dev/null |
	grep -q '^Peer signature type: ECDSA' && pass "server signed with ECDSA" || fail "server signature type"
est_stop "$d"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "all strict-TLS checks passed"
