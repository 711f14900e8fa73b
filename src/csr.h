/* SPDX-License-Identifier: BSD-3-Clause */
/* csr.h - build and sign PKCS#10 requests on any EVP_PKEY. */
#ifndef HWE_CSR_H
#define HWE_CSR_H

#include <openssl/x509.h>

#include "csrconf.h"

/* Build a request from a CSR config, with key's public key, signed by key
 * (SHA-256 for P-256/RSA, SHA-384 for P-384, SHA-512 for P-521) via
 * X509_REQ_sign_ctx - works for any provider's key. */
int hwe_csr_build(const struct hwe_csrconf *conf, EVP_PKEY *key, X509_REQ **out);

/* Re-enrollment request: subject and subjectAltName copied from the
 * current certificate (RFC 7030 4.2.2), other requested extensions from
 * conf when given; signed by key (the same or a new key). */
int hwe_csr_from_cert(X509 *cert, const struct hwe_csrconf *conf, EVP_PKEY *key,
		      X509_REQ **out);

/* PEM text of the request (for <ks>/req/<alias>.csr); malloc'd. */
int hwe_csr_to_pem(X509_REQ *req, char **pem, size_t *len);
int hwe_csr_from_pem(const unsigned char *pem, size_t len, X509_REQ **out);

#endif
