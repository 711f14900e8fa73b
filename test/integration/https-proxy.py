#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""https-proxy.py - a hostile CONNECT proxy for hwenroll's tests (loopback only).

  https-proxy.py --dir DIR [--cert C --key K --client-ca CA [--tls12]] [--secrets FILE]

With --cert: a TLS server on 127.0.0.1 (random port, written to DIR/port)
that asks every client for a certificate (optional; any certificate that
chains to --client-ca, e.g. the device's EST CA, is accepted, so an OpenSSL
client with a certificate configured sends it: OpenSSL sends its
certificate to any CertificateRequest, whatever CA names it lists).
Without --cert: a plain HTTP proxy.  Either way it logs to DIR/proxy.log,
one line per connection once the CONNECT request is read:

  conn=N tls=TLSv1.3|none client-cert=SUBJECT|none connect=HOST:PORT status=200
      proxy-auth=yes|no authorization=yes|no

(authorization: the CONNECT request carried an Authorization header, i.e.
EST credentials sent to the proxy), then acts as a CONNECT proxy to
127.0.0.1 only, relaying bytes, and at the end of the connection logs

  conn=N end secrets-seen=yes|no

whether any line of --secrets FILE (passwords, tokens) appeared in the
clear in anything the client sent (CONNECT request or tunnel).  A TLS
handshake failure logs "conn=N handshake-failed: REASON".  --tls12 caps the
proxy at TLS 1.2.  SIGTERM stops it.
"""
import argparse
import os
import selectors
import signal
import socket
import ssl
import sys
import threading

lock = threading.Lock()


def log(path, line):
    with lock:
        with open(path, "a") as f:
            f.write(line + "\n")


def subject(der):
    if not der:
        return "none"
    try:
        import subprocess
        out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject",
                              "-nameopt", "compat"], input=der, capture_output=True, check=True)
        return out.stdout.decode().strip().replace("subject=", "").replace(" ", "_") or "?"
    except Exception:
        return "present"


class Scanner:
    """Looks for secrets in a byte stream that arrives in pieces."""

    def __init__(self, secrets):
        self.secrets = secrets
        self.keep = max([len(x) for x in secrets] + [1]) - 1
        self.tail = b""
        self.seen = False

    def feed(self, data):
        buf = self.tail + data
        if any(x in buf for x in self.secrets):
            self.seen = True
        self.tail = buf[-self.keep:] if self.keep else b""


def relay(a, b, scan):
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    try:
        while True:
            for key, _ in sel.select(timeout=60):
                src, dst = key.fileobj, key.data
                try:
                    data = src.recv(65536)
                except ssl.SSLWantReadError:
                    continue
                if not data:
                    return
                if src is a:
                    scan.feed(data)
                dst.sendall(data)
            if not sel.get_map():
                return
    except (OSError, ssl.SSLError):
        return
    finally:
        sel.close()


def handle(n, raw, ctx, logpath, secrets):
    if ctx:
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log(logpath, "conn=%d handshake-failed: %s" % (n, str(e).replace(" ", "_")))
            raw.close()
            return
        cert = conn.getpeercert(binary_form=True)
        version = conn.version()
    else:
        conn, cert, version = raw, None, "none"
    scan = Scanner(secrets)
    head = b""
    try:
        while b"\r\n\r\n" not in head and len(head) < 16384:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
    except (ssl.SSLError, OSError):
        pass
    scan.feed(head)
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    names = [h.split(":", 1)[0].strip().lower() for h in lines[1:]]
    parts = lines[0].split()
    target, status, up = "-", 400, None
    if len(parts) == 3 and parts[0] == "CONNECT":
        target = parts[1]
        host, _, port = target.rpartition(":")
        if host in ("127.0.0.1", "localhost") and port.isdigit():
            try:
                up = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
                status = 200
            except OSError:
                status = 502
        else:
            status = 403
    log(logpath, "conn=%d tls=%s client-cert=%s connect=%s status=%d proxy-auth=%s authorization=%s" %
        (n, version, subject(cert), target, status,
         "yes" if "proxy-authorization" in names else "no",
         "yes" if "authorization" in names else "no"))
    reason = {200: "Connection established", 400: "Bad Request", 403: "Forbidden",
              502: "Bad Gateway"}[status]
    try:
        conn.sendall(("HTTP/1.1 %d %s\r\n\r\n" % (status, reason)).encode())
        if up:
            rest = head.split(b"\r\n\r\n", 1)[1]
            if rest:
                up.sendall(rest)
            up.settimeout(None)
            conn.settimeout(None)
            relay(conn, up, scan)
    except (ssl.SSLError, OSError):
        pass
    finally:
        for s in (conn, up):
            try:
                if s:
                    s.close()
            except OSError:
                pass
    log(logpath, "conn=%d end secrets-seen=%s" % (n, "yes" if scan.seen else "no"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("--secrets")
    a = ap.parse_args()
    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(a.client_ca)
        if a.tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    secrets = []
    if a.secrets:
        with open(a.secrets, "rb") as f:
            secrets = [x.strip() for x in f if x.strip()]
    logpath = os.path.join(a.dir, "proxy.log")
    open(logpath, "a").close()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = os.path.join(a.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, os.path.join(a.dir, "port"))
    n = 0
    while True:
        raw, _ = srv.accept()
        n += 1
        raw.settimeout(30)
        threading.Thread(target=handle, args=(n, raw, ctx, logpath, secrets), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
