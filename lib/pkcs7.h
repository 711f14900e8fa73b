/* SPDX-License-Identifier: BSD-3-Clause */
/* pkcs7.h - EST payload codecs: base64 with line breaks, certs-only PKCS#7. */
#ifndef HWE_PKCS7_H
#define HWE_PKCS7_H

#include <stddef.h>

#include <openssl/x509.h>

/* Base64 with CRLF-free 64-column lines, NUL-terminated, malloc'd. */
int hwe_base64_encode(const unsigned char *in, size_t len, char **out, size_t *outlen);
/* Decode base64, ignoring whitespace (space, tab, CR, LF); any other
 * non-alphabet character, bad padding or an empty payload is an error
 * (HWE_EXIT_RESPONSE, ERR_EST_RESPONSE). */
int hwe_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);

/* Decode an EST certs-only response body (RFC 7030 4.1.3, RFC 8951):
 * content_type must be application/pkcs7-mime (or application/x-pkcs7-mime;
 * an smime-type parameter, if present, must be certs-only; other parameters
 * ignored; NULL accepted); body is base64 whether or not
 * Content-Transfer-Encoding says so, bare DER tolerated.  Returns the
 * certificates in order; a PKCS#7 with no certificates is an error. */
int hwe_pkcs7_decode_certs(const char *content_type, const unsigned char *body,
			   size_t len, STACK_OF(X509) **out);

/* Encode certs[first .. first+count-1] (count -1 = to the end) as PEM text
 * (for certs/<alias>.pem, -chain.pem), malloc'd, NUL-terminated; an empty
 * range gives "". */
int hwe_certs_to_pem(STACK_OF(X509) *certs, int first, int count, char **pem, size_t *len);

#endif
