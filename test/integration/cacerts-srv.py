#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# cacerts-srv.py - a minimal HTTPS server answering GET
# /.well-known/est/<label>/cacerts with DIR/<label>.b64 (RFC 7030 certs-only
# PKCS#7, base64), for answers the test EST server cannot produce; and the
# generator of those answers from one template certificate.
#   cacerts-srv.py gen DIR TEMPLATE.der   write DIR/{huge,samedup,dups}.b64 (sizes on stdout)
#   cacerts-srv.py serve DIR CERT KEY     listen on 127.0.0.1:random, port in DIR/port
import base64, http.server, os, ssl, struct, sys

SERIAL = bytes([2, 8, 1, 2, 3, 4, 5, 6, 7, 8])  # the template's serial 0x0102030405060708
NET_MAX = 1024 * 1024                         # hwenroll's response limit


def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def certs_only(certs):
    oid_signed = bytes.fromhex("06092a864886f70d010702")
    oid_data = bytes.fromhex("06092a864886f70d010701")
    sd = der(0x30, bytes.fromhex("020101") + der(0x31, b"") + der(0x30, oid_data)
             + der(0xA0, b"".join(certs)) + der(0x31, b""))
    return base64.encodebytes(der(0x30, oid_signed + der(0xA0, sd)))


def gen(d, template):
    t = open(template, "rb").read()
    assert t.count(SERIAL) == 1

    def cert(i):
        return t.replace(SERIAL, bytes([2, 8]) + struct.pack(">Q", (1 << 62) | i))

    def pem_len(c):
        b = len(base64.b64encode(c))
        return 28 + b + (b + 63) // 64 + 26

    # as many distinct certificates as fit in 1,000,000 bytes of answer:
    # within the network limit, but over 1 MiB as PEM
    n = 1
    while len(certs_only([cert(0)] * (n + 100))) <= 1000000:
        n += 100
    body = certs_only([cert(i) for i in range(n)])
    assert len(body) < NET_MAX and n * pem_len(cert(0)) > NET_MAX, (len(body), n)
    open(os.path.join(d, "huge.b64"), "wb").write(body)
    print(n, len(body), n * pem_len(cert(0)))
    # the same certificate n times: one after dropping duplicates
    open(os.path.join(d, "samedup.b64"), "wb").write(certs_only([cert(7)] * n))
    a, b, c = cert(1), cert(2), cert(3)
    open(os.path.join(d, "dups.b64"), "wb").write(certs_only([a, b, a, a, c, b]))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        parts = self.path.split("/")
        with open(os.path.join(self.server.dir, "requests.log"), "a") as log:
            log.write("GET %s\n" % self.path)
        f = os.path.join(self.server.dir, (parts[3] if len(parts) == 5 else "") + ".b64")
        if parts[:3] != ["", ".well-known", "est"] or parts[-1] != "cacerts" or not os.path.isfile(f):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = open(f, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkcs7-mime; smime-type=certs-only")
        self.send_header("Content-Transfer-Encoding", "base64")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(d, cert, key):
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    srv.dir = d
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = os.path.join(d, "port.tmp")
    open(tmp, "w").write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(d, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3])
    else:
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
