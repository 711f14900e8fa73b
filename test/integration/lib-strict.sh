# SPDX-License-Identifier: BSD-3-Clause
# lib-strict.sh - strict EST servers, shared by <backend>_est_strict.sh
# (source after lib.sh).  Against a server that requires proof-of-possession
# (hwe-estserver --require-pop: challengePassword must hold the channel
# binding of the connection the CSR arrives on) under TLS 1.2 and TLS 1.3:
# enroll, reenroll (the hardware key signs the handshake and the CSR after
# it), reenroll --rekey, a 202 that is resumed on a new connection; --no-pop
# is refused with its cause and the keystore unchanged.  Against a server
# that enforces RFC 7030's example /csrattrs (P-384 key, ecdsa-with-SHA384,
# macAddress, challengePassword): enroll builds the CSR it asks for.  Against
# a server that enforces RFC 9908's example CSR template (subject CN to fill,
# OU myDept and myGroup fixed, a P-256 key, subjectAltName with a fixed DNS
# name and an IP address to fill, keyUsage fixed and critical, extKeyUsage
# to fill): enroll and reenroll --rekey meet it, a CSR config that lacks a
# value the template leaves to the client stops before sending.
#
#   strict_pop LABEL ENROLL-KEY-ARGS... -- REENROLL-DEVICE-ARGS...
#   strict_rfc_example LABEL ENROLL-KEY-ARGS... -- REENROLL-DEVICE-ARGS...
#   strict_rfc9908_template LABEL ENROLL-KEY-ARGS... -- REENROLL-DEVICE-ARGS...


# _csr_challenge FILE: the challengePassword value of a PEM CSR
_csr_challenge() {
	openssl req -in "$1" -noout -text 2>/dev/null | sed -n 's/^ *challengePassword *: *//p'
}

strict_pop() {
	local label=$1 v srv alias url rurl
	shift
	split_args "$@"
	pw_init
	for v in 1.2 1.3; do
		srv=$T/pop-$label-$v
		rm -rf "$srv"
		est_start "$srv" --user device --pass-file "$T/pass" --tls-min "$v" --tls-max "$v" --require-pop
		alias=$label-pop-${v/./}
		KS=$T/ks-$alias
		ks_init "$srv" "$alias"
		url=$(est_url "$srv" "" simpleenroll)
		rurl=$(est_url "$srv" "" simplereenroll)

		step "[$label] TLS $v, proof-of-possession required: --no-pop is refused"
		ks_snapshot before
		expect 7 "HTTP 400.*proof-of-possession" enroll --uri "$url" --key-alias "$alias" \
			--csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" --no-pop "${_ea[@]}"
		once
		grep -q "HINT: .*proof-of-possession" "$T/err" || { cat "$T/err" >&2; fail "no hint about proof-of-possession"; }
		ks_unchanged before "[$label] TLS $v enroll --no-pop"

		step "[$label] TLS $v: enroll with the binding (default: /csrattrs asks for challengePassword)"
		: >"$srv/requests.log"
		ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
			--estc-pass-file "$T/pass" "${_ea[@]}"
		check_cert "$alias" "$srv"
		[ -n "$(_csr_challenge "$KS/req/$alias.csr")" ] || fail "[$label] TLS $v: no challengePassword in the CSR"
		grep "POST [^ ]*/simpleenroll 200 " "$srv/requests.log" | tail -n1 | grep -q " pop=ok" ||
			{ cat "$srv/requests.log" >&2; fail "[$label] TLS $v: the server did not see a good binding"; }
		[ "$(awk '{print $2}' "$srv/requests.log" | sort -u | wc -l)" = 1 ] ||
			{ cat "$srv/requests.log" >&2; fail "[$label] TLS $v: more than one connection"; }

		step "[$label] TLS $v: reenroll with the binding (the key signs the handshake, then the CSR)"
		: >"$srv/requests.log"
		ok reenroll --uri "$rurl" --key-alias "$alias" "${_ra[@]}"
		check_cert "$alias" "$srv"
		grep -q "POST [^ ]*/simplereenroll 200 client=.*CN *= *$alias.* pop=ok" "$srv/requests.log" ||
			{ cat "$srv/requests.log" >&2; fail "[$label] TLS $v: reenroll without a good binding"; }

		step "[$label] TLS $v: reenroll --rekey with the binding"
		ok reenroll --uri "$rurl" --key-alias "$alias" --rekey "${_ra[@]}"
		check_cert "$alias" "$srv"

		step "[$label] TLS $v: the reference workflow's form (certificate est) with the binding"
		: >"$srv/requests.log"
		ok certificate est --uri "$url" --key-alias "$alias-te" --csr-conf device.conf \
			--estc-user device --estc-pass-file "$T/pass" "${_ea[@]}"
		check_cert "$alias-te" "$srv"
		grep -q "POST [^ ]*/simpleenroll 200 .* pop=ok" "$srv/requests.log" ||
			{ cat "$srv/requests.log" >&2; fail "[$label] TLS $v: certificate est without a good binding"; }

		step "[$label] TLS $v: --no-pop on reenroll is refused, keystore unchanged"
		ks_snapshot before
		expect 7 "HTTP 400.*proof-of-possession" reenroll --uri "$rurl" --key-alias "$alias" --no-pop "${_ra[@]}"
		ks_unchanged before "[$label] TLS $v reenroll --no-pop"
	done

	step "[$label] a 202 answer: the saved CSR is bound again to the next run's connection"
	srv=$T/pop-$label-pending
	rm -rf "$srv"
	est_start "$srv" --user device --pass-file "$T/pass" --require-pop --pending 1 --retry-after 3600
	alias=$label-pop-pend
	KS=$T/ks-$alias
	ks_init "$srv" "$alias"
	url=$(est_url "$srv" "" simpleenroll)
	expect 8 "pending" enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" --max-wait 1 "${_ea[@]}"
	local chal1
	chal1=$(_csr_challenge "$KS/req/$alias.csr")
	[ -n "$chal1" ] || fail "[$label] the pending CSR has no challengePassword"
	ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" --max-wait 1 "${_ea[@]}"
	check_cert "$alias" "$srv"
	[ "$(_csr_challenge "$KS/req/$alias.csr")" != "$chal1" ] || fail "[$label] the resumed CSR kept the old binding"
	openssl req -in "$KS/req/$alias.csr" -verify -noout 2>/dev/null || fail "[$label] the re-signed CSR does not verify"
	grep "POST [^ ]*/simpleenroll 200 " "$srv/requests.log" | tail -n1 | grep -q " pop=ok" ||
		{ cat "$srv/requests.log" >&2; fail "[$label] the resumed request was not bound to its connection"; }
}

strict_rfc_example() {
	local label=$1 srv alias url
	shift
	split_args "$@"
	pw_init
	srv=$T/rfc-$label
	rm -rf "$srv"
	est_start "$srv" --user device --pass-file "$T/pass" --csrattrs rfc7030-example --enforce-csrattrs --require-pop
	alias=$label-rfc
	KS=$T/ks-$alias
	ks_init "$srv" "$alias"
	printf 'macAddress=02:00:5e:10:00:01\n' >>"$KS/conf/device.conf"
	url=$(est_url "$srv" "" simpleenroll)

	step "[$label] RFC 7030 example /csrattrs: csrattrs shows each item and its source"
	ok csrattrs --uri "$url"
	for want in "challengePassword.*proof-of-possession" "id-ecPublicKey.*ECC P-384" "macAddress.*CSR config" \
		"ecdsa-with-SHA384.*SHA384"; do
		grep -q "$want" "$T/out" || { cat "$T/out" >&2; fail "csrattrs output lacks /$want/"; }
	done

	step "[$label] RFC 7030 example enforced: an explicit P-256 key contradicts it (before any key is made)"
	ks_snapshot before
	expect 2 "the server asks for ECC P-384 keys" enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf \
		--estc-user device --estc-pass-file "$T/pass" --algorithm ECC --curve P256 "${_ea[@]}"
	ks_unchanged before "[$label] explicit P-256 against the RFC example"

	step "[$label] RFC 7030 example enforced: --csrattrs ignore sends a CSR the server refuses"
	expect 7 "HTTP 400" enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf \
		--estc-user device --estc-pass-file "$T/pass" --csrattrs ignore --pop "${_ea[@]}"
	ks_unchanged before "[$label] --csrattrs ignore against the RFC example"

	step "[$label] RFC 7030 example enforced: enroll builds what it asks for"
	ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" "${_ea[@]}"
	check_cert "$alias" "$srv"
	openssl req -in "$KS/req/$alias.csr" -noout -text >"$T/csr.txt"
	grep -q "NIST CURVE: P-384" "$T/csr.txt" || { cat "$T/csr.txt" >&2; fail "not a P-384 key"; }
	grep -q "ecdsa-with-SHA384" "$T/csr.txt" || fail "not signed with ecdsa-with-SHA384"
	grep -q "1.3.6.1.1.1.1.22" "$T/csr.txt" || fail "no macAddress extension"
	grep -q "challengePassword" "$T/csr.txt" || fail "no challengePassword"
	grep "POST [^ ]*/simpleenroll 200 " "$srv/requests.log" | tail -n1 | grep -q " pop=ok" ||
		{ cat "$srv/requests.log" >&2; fail "the server did not accept the binding"; }

	step "[$label] RFC 7030 example enforced: reenroll --rekey keeps meeting it"
	ok reenroll --uri "$(est_url "$srv" "" simplereenroll)" --key-alias "$alias" --rekey "${_ra[@]}"
	check_cert "$alias" "$srv"
}

strict_rfc9908_template() {
	local label=$1 srv alias url want
	shift
	split_args "$@"
	pw_init
	srv=$T/tmpl-$label
	rm -rf "$srv"
	est_start "$srv" --user device --pass-file "$T/pass" --csrattrs rfc9908-example --enforce-csrattrs
	alias=$label-tmpl
	KS=$T/ks-$alias
	ks_init "$srv" "$alias"
	url=$(est_url "$srv" "" simpleenroll)
	# a config without what the template leaves to the client: no commonName,
	# no IP address, no extendedKeyUsage
	grep -v '^commonName=\|^extendedKeyUsage=\|^subjectAltNames=' "$KS/conf/device.conf" >"$KS/conf/short.conf"
	printf 'subjectAltNames=1; %s.example.com, 2\n' "$alias" >>"$KS/conf/short.conf"

	step "[$label] RFC 9908 template: csrattrs shows each part and where its value comes from"
	ok csrattrs --uri "$url"
	for want in "1.2.840.113549.1.9.16.2.61.*CSR template" "2.5.4.3 .*subject field .*commonName= of the CSR config" \
		'2.5.4.11 .*fixed by the server: "myDept"' '2.5.4.11 .*fixed by the server: "myGroup"' \
		"id-ecPublicKey.*ECC P-256.*CSR template" \
		"subjectAltName.*fixed by the server: DNS:www.myServer.com, IP: from subjectAltNames= of the CSR config" \
		"keyUsage.*CSR template, critical.*fixed by the server: Digital Signature, Key Agreement" \
		"extendedKeyUsage.*extendedKeyUsage= of the CSR config"; do
		grep -q "$want" "$T/out" || { cat "$T/out" >&2; fail "csrattrs output lacks /$want/"; }
	done

	step "[$label] RFC 9908 template: a CSR config without the values it leaves to the client stops before sending"
	ks_snapshot before
	: >"$srv/requests.log"
	expect 3 "the server's /csrattrs asks for what this CSR cannot carry" enroll --uri "$url" --key-alias "$alias" \
		--csr-conf short.conf --estc-user device --estc-pass-file "$T/pass" "${_ea[@]}"
	once
	for want in "ERR_CSR_ATTRS" "2.5.4.3 CN: the server's CSR template asks for it: add commonName=... to the CSR config" \
		"subjectAltName: the server's CSR template leaves an IP name to fill: add subjectAltNames=...; VALUE, 7 to the CSR config" \
		"extendedKeyUsage: add extendedKeyUsage=... to the CSR config"; do
		grep -q "$want" "$T/err" || { cat "$T/err" >&2; fail "the refusal lacks /$want/"; }
	done
	ks_unchanged before "[$label] enroll with a config that lacks what the template leaves to the client"
	! grep -q "POST" "$srv/requests.log" || { cat "$srv/requests.log" >&2; fail "[$label] a CSR was sent"; }

	step "[$label] RFC 9908 template: an explicit P-384 key contradicts it (before any key is made)"
	expect 2 "the server asks for ECC P-256 keys" enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf \
		--estc-user device --estc-pass-file "$T/pass" --algorithm ECC --curve P384 "${_ea[@]}"
	ks_unchanged before "[$label] explicit P-384 against the template"

	step "[$label] RFC 9908 template: --csrattrs ignore sends a CSR the server refuses"
	expect 7 "HTTP 400.*CSR template" enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf \
		--estc-user device --estc-pass-file "$T/pass" --csrattrs ignore "${_ea[@]}"
	ks_unchanged before "[$label] --csrattrs ignore against the template"

	step "[$label] RFC 9908 template enforced: enroll builds what it asks for"
	: >"$srv/requests.log"
	ok enroll --uri "$url" --key-alias "$alias" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" "${_ea[@]}"
	check_cert "$alias" "$srv"
	grep "POST [^ ]*/simpleenroll 200 " "$srv/requests.log" | tail -n1 | grep -q " attrs=ok" ||
		{ cat "$srv/requests.log" >&2; fail "[$label] the server did not see its template met"; }
	openssl req -in "$KS/req/$alias.csr" -noout -text -nameopt RFC2253 >"$T/csr.txt"
	for want in "Subject: OU=myGroup,OU=myDept,CN=$alias\$" "NIST CURVE: P-256" \
		"DNS:www.myServer.com, IP Address:10.1.2.3\$" "X509v3 Key Usage: critical" \
		"Digital Signature, Key Agreement\$" "TLS Web Client Authentication"; do
		grep -q "$want" "$T/csr.txt" || { cat "$T/csr.txt" >&2; fail "[$label] the CSR lacks /$want/"; }
	done
	! grep -q "Engineering\|$alias.example.com" "$T/csr.txt" ||
		{ cat "$T/csr.txt" >&2; fail "[$label] the CSR keeps config values the template replaces"; }

	step "[$label] RFC 9908 template enforced: reenroll --rekey keeps meeting it (extendedKeyUsage from the CSR config)"
	: >"$srv/requests.log"
	ok reenroll --uri "$(est_url "$srv" "" simplereenroll)" --key-alias "$alias" --rekey --csr-conf device.conf "${_ra[@]}"
	check_cert "$alias" "$srv"
	grep "POST [^ ]*/simplereenroll 200 " "$srv/requests.log" | tail -n1 | grep -q " attrs=ok" ||
		{ cat "$srv/requests.log" >&2; fail "[$label] reenroll did not meet the template"; }
}
