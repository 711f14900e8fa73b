# SPDX-License-Identifier: BSD-3-Clause
# lib-proxy.sh - proxies on loopback for hwenroll's proxy tests (source after lib.sh).
#
#   free_port                       print a free TCP port on 127.0.0.1
#   tp_start DIR CONNECTPORT [LINE...]
#                                   tinyproxy on 127.0.0.1 (port in $TP_PORT), tunnelling
#                                   CONNECT to CONNECTPORT only (others: 403); extra config
#                                   LINEs (e.g. "BasicAuth user pass"); log in DIR/tinyproxy.log
#   tp_tunnels DIR PORT             CONNECT requests to 127.0.0.1:PORT tinyproxy logged
#   px_start DIR [ARGS...]          test/integration/https-proxy.py (hostile CONNECT proxy,
#                                   TLS with --cert/--key/--client-ca), port in $PX_PORT,
#                                   log in DIR/proxy.log
#   px_wait_end DIR N               wait (<= 5 s) until N connections ended in DIR/proxy.log
#   proxy_pki DIR [SAN]             DIR/ca.pem (a CA of its own) and DIR/proxy.{pem,key}
#                                   for SAN (default IP:127.0.0.1,DNS:localhost)
# Every process started here is stopped (by its PID) when the test exits.

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

tp_start() {
	local dir=$1 cport=$2 pid i line
	shift 2
	mkdir -p "$dir"
	TP_PORT=$(free_port)
	{
		echo "Port $TP_PORT"
		echo "Listen 127.0.0.1"
		echo "Allow 127.0.0.1"
		echo "ConnectPort $cport"
		echo "LogLevel Info"
		echo "LogFile \"$dir/tinyproxy.log\""
		echo "MaxClients 20"
		echo "Timeout 30"
		for line in "$@"; do echo "$line"; done
	} >"$dir/tinyproxy.conf"
	: >"$dir/tinyproxy.log"
	tinyproxy -d -c "$dir/tinyproxy.conf" >"$dir/stderr" 2>&1 &
	pid=$!
	hwe_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for ((i = 0; i < 100; i++)); do
		grep -q "Accepting connections" "$dir/tinyproxy.log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$dir/stderr" "$dir/tinyproxy.log" >&2; fail "tinyproxy did not start"; }
		sleep 0.05
	done
	fail "tinyproxy did not start listening within 5 s"
}

tp_tunnels() {
	grep -c "Request (file descriptor [0-9]*): CONNECT 127.0.0.1:$2 " "$1/tinyproxy.log" || true
}

px_start() {
	local dir=$1 pid i
	shift
	mkdir -p "$dir"
	rm -f "$dir/port"
	python3 "$HWE_TOP_SRCDIR/test/integration/https-proxy.py" --dir "$dir" "$@" >"$dir/stderr" 2>&1 &
	pid=$!
	hwe_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for ((i = 0; i < 100; i++)); do
		if [ -s "$dir/port" ]; then
			PX_PORT=$(cat "$dir/port")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { cat "$dir/stderr" >&2; fail "https-proxy.py did not start"; }
		sleep 0.05
	done
	fail "https-proxy.py did not start within 5 s"
}

px_wait_end() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c ' end ' "$1/proxy.log" || true)" -ge "$2" ] && return 0
		sleep 0.05
	done
	cat "$1/proxy.log" >&2
	fail "the proxy did not log $2 finished connections"
}

proxy_pki() {
	local dir=$1 san=${2:-IP:127.0.0.1,DNS:localhost}
	mkdir -p "$dir"
	[ -f "$dir/ca.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=hwe test proxy CA" 2>/dev/null \
		|| fail "proxy CA"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/proxy.key" \
		-out "$dir/proxy.csr" -subj "/CN=hwe test proxy" 2>/dev/null || fail "proxy CSR"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" >"$dir/ext"
	openssl x509 -req -in "$dir/proxy.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
		-out "$dir/proxy.pem" -days 2 -extfile "$dir/ext" 2>/dev/null || fail "proxy certificate"
}
