#!/bin/bash
# TLS client authentication with TPM keys, set up as http.c does it (libcurl,
# CURLOPT_SSL_CTX_FUNCTION + SSL_CTX_use_certificate/_use_PrivateKey):
# EC P-256 and RSA-2048 keys, TLS 1.2 and 1.3 (RSA-PSS), against
# `openssl s_server -Verify 1`, directly on swtpm and through tpm2-abrmd.
# The TPM does only what needs the private key: recorded with the pcap
# TCTI, a handshake costs exactly one TPM2_Sign and no hashing, signature
# verification, random numbers or primary keys.
. "$(dirname "$0")/lib.sh"
. "$HWE_TOP_SRCDIR/swtpm-fixtures/test-lib.sh"
set -e
tpm_need python3
[ -x "$TPM_PROBE" ] || fail "no $TPM_PROBE (make check builds it)"

# a CA, a server certificate for 127.0.0.1, one s_server per run
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-out "$T/ca.pem" -subj /CN=tpm2-test-ca -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" \
	-out "$T/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/srv.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-out "$T/srv.pem" -days 2 -extfile "$T/srv.ext" 2>/dev/null

SPID=
start_server() { # VERSION
	local i
	for i in 1 2 3 4 5; do
		PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
		openssl s_server -accept "127.0.0.1:$PORT" -cert "$T/srv.pem" -key "$T/srv.key" \
			-CAfile "$T/ca.pem" -Verify 1 -verify_return_error "-tls${1/./_}" -www \
			>"$T/sserver.log" 2>&1 </dev/null &
		SPID=$!
		for _ in $(seq 1 50); do
			(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
			kill -0 $SPID 2>/dev/null || break
			sleep 0.05
		done
		kill $SPID 2>/dev/null || true  # it may have died already (port taken)
		wait $SPID 2>/dev/null || true
	done
	fail "cannot start openssl s_server"
}
stop_server() { [ -n "$SPID" ] && kill $SPID 2>/dev/null || true; wait $SPID 2>/dev/null || true; SPID=; }
hwe_on_exit 'stop_server'
hwe_at_exit 'stop_server'

for mode in direct abrmd; do
	args=
	[ $mode = abrmd ] && args=--abrmd
	tpm_fixture "$T/tpm-$mode" $args
	for alg in ec256 rsa2048; do
		K=$T/$mode-$alg.tss2
		"$TPM_PROBE" keygen "$TPM_TCTI" $alg "$K" >/dev/null || fail "keygen $alg"
		"$TPM_PROBE" csr "$TPM_TCTI" "$K" "client-$mode-$alg" "$T/c.csr" >/dev/null || fail "csr"
		openssl x509 -req -in "$T/c.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
			-out "$T/$mode-$alg.pem" -days 2 2>/dev/null
		for v in 1.2 1.3; do
			step "[$mode] $alg TLS $v mutual authentication"
			start_server $v
			"$TPM_PROBE" tls "$TPM_TCTI" "$K" "$T/$mode-$alg.pem" "$T/ca.pem" $PORT $v >"$T/out" 2>"$T/err" ||
				{ cat "$T/err" "$T/sserver.log"; fail "[$mode] $alg TLS $v"; }
			grep -q "TLS $v mutual auth ok, HTTP 200" "$T/out" || fail "no response"
			stop_server
		done
	done
	"$HWE_TOP_SRCDIR/swtpm-fixtures/tpm-stop" "$T/tpm-$mode"
done

step "a client without the key is refused (the test would notice a missing client cert)"
tpm_fixture "$T/tpm-neg"
"$TPM_PROBE" keygen "$TPM_TCTI" ec256 "$T/other.tss2" >/dev/null
start_server 1.3
"$TPM_PROBE" tls "$TPM_TCTI" "$T/other.tss2" "$T/direct-ec256.pem" "$T/ca.pem" $PORT 1.3 >/dev/null 2>&1 &&
	fail "a certificate that does not match the TPM key was accepted"
stop_server

step "TPM commands of keygen, CSR and handshakes (pcap TCTI)"
PCAP="pcap:$SWTPM_TCTI"
for alg in ec256 rsa2048; do
	rm -f "$T/kg.pcap" "$T/csr.pcap" "$T/tls.pcap"
	TCTI_PCAP_FILE=$T/kg.pcap "$TPM_PROBE" keygen "$PCAP" $alg "$T/p-$alg.tss2" >/dev/null || fail "pcap keygen"
	TCTI_PCAP_FILE=$T/csr.pcap "$TPM_PROBE" csr "$PCAP" "$T/p-$alg.tss2" "pcap-$alg" "$T/p.csr" >/dev/null || fail "pcap csr"
	openssl x509 -req -in "$T/p.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -out "$T/p.pem" -days 2 \
		2>"$T/x509.err" || { cat "$T/x509.err"; fail "$alg: cannot certify the pcap CSR"; }
	start_server 1.3
	TCTI_PCAP_FILE=$T/tls.pcap "$TPM_PROBE" tls "$PCAP" "$T/p-$alg.tss2" "$T/p.pem" "$T/ca.pem" $PORT 1.3 3 >/dev/null ||
		fail "pcap tls"
	stop_server
	kg=$(tpm_pcap_cmds "$T/kg.pcap") || fail "$alg: keygen pcap unreadable"
	csr=$(tpm_pcap_cmds "$T/csr.pcap") || fail "$alg: CSR pcap unreadable"
	tls=$(tpm_pcap_cmds "$T/tls.pcap") || fail "$alg: handshake pcap unreadable"
	echo "$alg keygen:       $kg" >&2
	echo "$alg CSR:          $csr" >&2
	echo "$alg 3 handshakes: $tls" >&2
	for seq in "$kg" "$csr" "$tls"; do
		for bad in Hash HashSequenceStart SequenceUpdate SequenceComplete VerifySignature \
			LoadExternal GetRandom StirRandom CreatePrimary StartAuthSession; do
			case " $seq " in *" $bad "*) fail "$alg: TPM2_$bad sent: $seq" ;; esac
		done
		case "$seq" in *rc=*) fail "$alg: a TPM command failed: $seq" ;; esac
	done
	[ "$(grep -o ' Create ' <<<" $kg " | wc -l)" = 1 ] || fail "keygen: not one Create"
	[ "$(grep -ow Sign <<<"$csr" | wc -l)" = 1 ] || fail "CSR: not one Sign"
	[ "$(grep -ow Sign <<<"$tls" | wc -l)" = 3 ] || fail "3 handshakes: not three Signs"
	[ "$(grep -ow Load <<<"$tls" | wc -l)" = 1 ] || fail "handshakes: the key was loaded more than once"
	[ "$(grep -ow FlushContext <<<"$tls" | wc -l)" = 1 ] || fail "handshakes: key not flushed exactly once"
done
exit 0
