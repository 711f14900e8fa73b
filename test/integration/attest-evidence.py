#!/usr/bin/env python3
# attest-evidence.py CSR.der OUTDIR - take the TPM key attestation out of a
# CSR for independent checks (tpm2_print, openssl): walks the DER itself, no
# hwenroll code.  Writes OUTDIR/attest.bin (TPMS_ATTEST), sig.tpmt
# (TPMT_SIGNATURE), pub.tpmt (TPMT_PUBLIC), sig.der (the signature as
# openssl takes it: DER ECDSA-Sig-Value or the RSASSA octets), certs.pem
# (the bundle's certificates) and prints "type=OID certs=N".
import base64, os, sys

ATTR = bytes.fromhex("060b2a864886f70d010910023b")  # OID 1.2.840.113549.1.9.16.2.59


def tlv(b, i):
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n  # tag, content start, content end


def children(b, start, end, whole=False):
    out, i = [], start
    while i < end:
        t, s, e = tlv(b, i)
        out.append((t, i if whole else s, e))
        i = e
    return out


def oid_text(raw):
    first = raw[0]
    parts, v = [first // 40, first % 40], 0
    for c in raw[1:]:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            parts.append(v)
            v = 0
    return ".".join(map(str, parts))


def der_int(x):
    x = x.lstrip(b"\0") or b"\0"
    if x[0] & 0x80:
        x = b"\0" + x
    return bytes([0x02, len(x)]) + x


der = open(sys.argv[1], "rb").read()
out = sys.argv[2]
i = der.find(ATTR)
assert i > 0, "no id-aa-attestation attribute"
_, s, e = tlv(der, i + len(ATTR))            # SET
_, s, e = tlv(der, s)                         # AttestationBundle
parts = children(der, s, e)
stmts = children(der, parts[0][1], parts[0][2])
_, ss, se = stmts[0]
(ot, os_, oe), (st, sts, ste) = children(der, ss, se)
oid = oid_text(der[os_:oe])
octs = [der[a:b] for _, a, b in children(der, sts, ste)]
names = ["attest.bin", "sig.tpmt", "pub.tpmt"]
for name, data in zip(names, octs):
    open(os.path.join(out, name), "wb").write(data)
sig = octs[1]
alg = int.from_bytes(sig[0:2], "big")
if alg == 0x0018:  # ECDSA: TPM2B r, TPM2B s
    rl = int.from_bytes(sig[4:6], "big")
    r = sig[6:6 + rl]
    sl = int.from_bytes(sig[6 + rl:8 + rl], "big")
    s_ = sig[8 + rl:8 + rl + sl]
    body = der_int(r) + der_int(s_)
    sigder = bytes([0x30, len(body)]) + body
else:  # RSASSA: TPM2B sig
    n = int.from_bytes(sig[4:6], "big")
    sigder = sig[6:6 + n]
open(os.path.join(out, "sig.der"), "wb").write(sigder)
ncerts = 0
with open(os.path.join(out, "certs.pem"), "w") as f:
    if len(parts) > 1:
        for t, a, b in children(der, parts[1][1], parts[1][2], whole=True):
            c = der[a:b]
            f.write("-----BEGIN CERTIFICATE-----\n")
            f.write(base64.encodebytes(c).decode())
            f.write("-----END CERTIFICATE-----\n")
            ncerts += 1
print("type=%s certs=%d" % (oid, ncerts))
