# SPDX-License-Identifier: BSD-3-Clause
# lib-interop.sh - the TLS interop matrix shared by <backend>_tls_interop.sh
# (source after lib.sh).  Servers as strict as real ones: TLS 1.2 only or
# TLS 1.3 only, times key-exchange groups {P-256 only (a FIPS 140 server),
# X25519 only, OpenSSL's default}; against each, an enroll (no client
# certificate) and a reenroll (the client certificate's handshake signed by
# the backend's key) must complete, and the server's log must show the
# version and group it was configured for.  One cell cannot complete for any
# client: in TLS 1.2 an OpenSSL server takes an ECDSA client certificate
# only on a curve of its own group list, so an X25519-only server refuses
# an EC P-256 certificate ('illegal parameter'); there the error and its
# hint are checked instead (RSA keys renew there).
#
#   interop_servers              start the six servers ($T/srv-<tls>-<groups>)
#   interop_run LABEL ENROLL-KEY-ARGS... -- REENROLL-DEVICE-ARGS...
#   interop_no_shared_group LABEL ENROLL-KEY-ARGS... -- REENROLL-DEVICE-ARGS...
#                                client and server share no group: exit 5,
#                                the cause and its hint, keystore unchanged

INTEROP_TLS=(1.2 1.3)
INTEROP_GROUPS=(P-256 X25519 default)

interop_servers() {
	local v g
	pw_init
	for v in "${INTEROP_TLS[@]}"; do
		for g in "${INTEROP_GROUPS[@]}"; do
			if [ "$g" = default ]; then
				est_start "$T/srv-$v-$g" --user device --pass-file "$T/pass" --tls-min "$v" --tls-max "$v"
			else
				est_start "$T/srv-$v-$g" --user device --pass-file "$T/pass" --tls-min "$v" --tls-max "$v" --groups "$g"
			fi
		done
	done
}


# _logged SRV OP WANTGROUP WHAT: the server's last OP line shows TLS and group
_logged() {
	local srv=$1 op=$2 want=$3 what=$4 line v
	v=${srv#"$T"/srv-}
	v=${v%%-*}
	line=$(grep " POST [^ ]*/$op 200 " "$srv/requests.log" | tail -n1)
	[ -n "$line" ] || { cat "$srv/requests.log" >&2; fail "$what: the server logged no successful $op"; }
	case $line in *" proto=TLSv$v "*) ;; *) fail "$what: not TLS $v: $line" ;; esac
	if [ "$want" = default ]; then
		case $line in *" group=-"* | *" group=") fail "$what: no key-exchange group: $line" ;; esac
	else
		case $line in *" group=$want") ;; *) fail "$what: not group $want: $line" ;; esac
	fi
	echo "$what: ${line##* proto=}" >&2
}

interop_run() {
	local label=$1 v g srv alias
	shift
	split_args "$@"
	for v in "${INTEROP_TLS[@]}"; do
		for g in "${INTEROP_GROUPS[@]}"; do
			srv=$T/srv-$v-$g
			alias=$label-${v/./}-$g
			KS=$T/ks-$alias
			ks_init "$srv" "$alias"
			step "[$label] TLS $v, server groups $g: enroll"
			ok enroll --uri "$(est_url "$srv" "" simpleenroll)" --key-alias "$alias" --csr-conf device.conf \
				--estc-user device --estc-pass-file "$T/pass" "${_ea[@]}"
			check_cert "$alias" "$srv"
			_logged "$srv" simpleenroll "$g" "[$label] TLS $v $g enroll"
			step "[$label] TLS $v, server groups $g: reenroll (client certificate, the key signs the handshake)"
			if [ "$v" = 1.2 ] && [ "$g" = X25519 ] &&
				openssl x509 -in "$KS/certs/$alias.pem" -noout -text | grep -q id-ecPublicKey; then
				# an OpenSSL server checks the curve of a TLS 1.2 ECDSA
				# client certificate against its own group list: no EC
				# client can renew here; the error must say so
				ks_snapshot before
				expect 5 "alert 'illegal parameter'" \
					reenroll --uri "$(est_url "$srv" "" simplereenroll)" --key-alias "$alias" "${_ra[@]}"
				grep -q "HINT: in TLS 1.2 .*must allow P-256, or speak TLS 1.3" "$T/err" ||
					{ cat "$T/err" >&2; fail "no hint on the client certificate's curve"; }
				ks_unchanged before "[$label] TLS 1.2 X25519-only reenroll with an EC key"
				echo "[$label] TLS $v $g reenroll: refused by the server's curve policy, as expected" >&2
				continue
			fi
			ok reenroll --uri "$(est_url "$srv" "" simplereenroll)" --key-alias "$alias" "${_ra[@]}"
			check_cert "$alias" "$srv"
			grep -q "POST [^ ]*/simplereenroll 200 client=.*CN *= *$alias" "$srv/requests.log" ||
				{ cat "$srv/requests.log" >&2; fail "[$label] TLS $v $g: the server saw no client certificate"; }
			_logged "$srv" simplereenroll "$g" "[$label] TLS $v $g reenroll"
		done
	done
}

interop_no_shared_group() {
	local label=$1 v srv alias
	shift
	split_args "$@"
	for v in "${INTEROP_TLS[@]}"; do
		srv=$T/srv-$v-X25519
		alias=$label-${v/./}-nogroup
		KS=$T/ks-$alias
		ks_init "$srv" "$alias"
		ks_snapshot before
		step "[$label] TLS $v: enroll offering only P-256 to a server that takes only X25519"
		expect 5 "no shared key-exchange group .*offered P-256" \
			enroll --uri "$(est_url "$srv" "" simpleenroll)" --key-alias "$alias" --csr-conf device.conf \
			--estc-user device --estc-pass-file "$T/pass" --tls-groups P-256 "${_ea[@]}"
		once
		grep -q "HINT: .*--tls-groups" "$T/err" || { cat "$T/err" >&2; fail "no hint naming --tls-groups"; }
		grep -q "ERR_TLS_NO_SHARED_GROUP" "$T/err" || { cat "$T/err" >&2; fail "status is not ERR_TLS_NO_SHARED_GROUP"; }
		ks_unchanged before "[$label] TLS $v enroll without a shared group"
		# an enrolled alias, then a renewal that shares no group
		ok enroll --uri "$(est_url "$srv" "" simpleenroll)" --key-alias "$alias" --csr-conf device.conf \
			--estc-user device --estc-pass-file "$T/pass" "${_ea[@]}"
		ks_snapshot before
		step "[$label] TLS $v: reenroll offering only P-384 to a server that takes only X25519"
		expect 5 "no shared key-exchange group .*offered P-384" \
			reenroll --uri "$(est_url "$srv" "" simplereenroll)" --key-alias "$alias" --tls-groups P-384 "${_ra[@]}"
		once
		ks_unchanged before "[$label] TLS $v reenroll without a shared group"
	done
	KS=$T/ks-$label-badname
	ks_init "$T/srv-1.3-default" "$label-badname"
	ks_snapshot before
	expect 2 "unknown TLS group 'P-999'" \
		enroll --uri "$(est_url "$T/srv-1.3-default" "" simpleenroll)" --key-alias "$label-badname" \
		--csr-conf device.conf --estc-user device --estc-pass-file "$T/pass" --tls-groups P-256:P-999 "${_ea[@]}"
	ks_unchanged before "[$label] unknown group name"
}
