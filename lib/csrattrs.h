/* SPDX-License-Identifier: BSD-3-Clause */
/* csrattrs.h - decode the /csrattrs response (RFC 7030 4.5.2, RFC 9908 style). */
#ifndef HWE_CSRATTRS_H
#define HWE_CSRATTRS_H

#include <stddef.h>

/* Decode CsrAttrs DER (SEQUENCE OF AttrOrOID) into readable text, one item
 * per line: "oid 1.2.840.113549.1.9.7 (challengePassword)" or
 * "attribute 1.2.840.10045.2.1 (id-ecPublicKey): 1.3.132.0.34 (secp384r1)".
 * An empty sequence gives "" (no attributes requested).  Malformed DER is
 * HWE_EXIT_RESPONSE. */
int hwe_csrattrs_decode(const unsigned char *der, size_t len, char **text);

#endif
