#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# provider-tls.sh - mutual TLS with the client key on the token:
# openssl s_client (default + hwenroll-pkcs11 from openssl.cnf, default
# first, NO property query) against openssl s_server -Verify 1 on a random
# loopback port.  This proves OpenSSL 3.0's fallback: the default
# provider's signature cannot take the non-exportable key, so the key's own
# provider signs.  TLS 1.3 (ECDSA, RSA-PSS) and TLS 1.2 (ECDSA, RSA PKCS#1).
. "$(dirname "$0")/lib.sh"
p11_setup
cd "$WORK" || exit 1
soft() { OPENSSL_CONF=/dev/null openssl "$@"; }

keygen ec256 tls-ec || { echo "keygen failed"; cat log; exit 1; }
keygen rsa2048 tls-rsa || { echo "keygen failed"; cat log; exit 1; }
soft req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-subj /CN=p11-test-ca -days 2 -out ca.pem 2>>log
soft req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv-ec.key \
	-subj /CN=localhost -days 2 -out srv-ec.pem 2>>log
soft req -x509 -newkey rsa:2048 -nodes -keyout srv-rsa.key \
	-subj /CN=localhost -days 2 -out srv-rsa.pem 2>>log
for k in ec rsa; do
	openssl req -new -key "$(keyuri tls-$k)" -subj "/CN=client-$k" -out cl-$k.csr 2>>log &&
	soft x509 -req -in cl-$k.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-out cl-$k.pem 2>>log || { echo "client certificate for $k failed"; cat log; exit 1; }
done

mkfifo srv.in
exec 7<>srv.in

# handshake NAME CLIENT-KEY SERVER-KEY VERSION EXPECTED-PEER-SIGTYPE [s_client args]
handshake() {
	local name=$1 ck=$2 sk=$3 ver=$4 want=$5 port spid i rc try up
	shift 5
	for try in 1 2 3; do  # another test may take the port first
		port=$(free_port)
		# s_server quits on stdin EOF: its stdin is a FIFO this shell holds open
		OPENSSL_CONF=/dev/null openssl s_server -accept "127.0.0.1:$port" \
			-cert srv-$sk.pem -key srv-$sk.key -Verify 1 -verify_return_error -CAfile ca.pem \
			-naccept 1 "$ver" <srv.in >srv-$name.log 2>&1 &
		spid=$!
		P11_PIDS="$P11_PIDS $spid"
		up=0
		for i in $(seq 100); do  # listening once it says ACCEPT (a probe would use up -naccept)
			grep -q ACCEPT srv-$name.log 2>/dev/null && { up=1; break; }
			kill -0 "$spid" 2>/dev/null || break
			sleep 0.1
		done
		[ $up = 1 ] && break
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	done
	echo Q | timeout 20 openssl s_client -connect "127.0.0.1:$port" -cert cl-$ck.pem \
		-key "$(keyuri tls-$ck)" -CAfile srv-$sk.pem "$ver" "$@" >cl-$name.log 2>&1
	rc=$?
	wait "$spid" 2>/dev/null
	if [ $rc -ne 0 ]; then
		fail "$name: s_client failed"; sed 's/^/#   /' cl-$name.log | grep -i error | head -5
	elif ! grep -q "subject=CN = client-$ck" srv-$name.log; then
		fail "$name: the server saw no client certificate"; sed 's/^/#   /' srv-$name.log | head
	elif ! grep -q "Peer signature type: $want" srv-$name.log; then
		fail "$name: peer signature type is not $want"; grep -i "peer sig" srv-$name.log
	else
		pass "$name: mutual TLS, client signed with $want on the token"
	fi
}

handshake tls13-ec ec ec -tls1_3 ECDSA
handshake tls13-rsa rsa ec -tls1_3 RSA-PSS
handshake tls13-rsa-rsasrv rsa rsa -tls1_3 RSA-PSS
handshake tls12-ec ec rsa -tls1_2 ECDSA
handshake tls12-rsa-pss rsa ec -tls1_2 RSA-PSS
handshake tls12-rsa-pkcs1 rsa ec -tls1_2 RSA -client_sigalgs RSA+SHA256
finish
