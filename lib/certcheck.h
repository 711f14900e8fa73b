/* SPDX-License-Identifier: BSD-3-Clause */
/* certcheck.h - verify what the server issued before anything is stored. */
#ifndef HWE_CERTCHECK_H
#define HWE_CERTCHECK_H

#include <openssl/x509.h>

struct hwe_certcheck {
	EVP_PKEY *key;                 /* our key: the issued cert must carry its public key */
	STACK_OF(X509) *anchors;       /* <ks>/ca/ contents: TLS roots and EST CA certs */
	X509 *previous;                /* reenroll: current cert, subject and SAN must not change; else NULL */
	time_t now;                    /* 0 = time(NULL) */
	const char *ca_dir;            /* "<ks>/ca/" for messages; NULL = generic wording */
};

/* From the response certificates pick the one carrying our public key
 * (ERR_CERT_KEY_MISMATCH if none), check its validity period (expired /
 * not yet valid), build its chain to an anchor using the other response
 * certificates as intermediates (ERR_CERT_CHAIN_NO_TRUST_ANCHOR with the
 * reference workflow's hint "Ensure you downloaded the EST CA certificate"),
 * and for reenroll compare subject and subjectAltName with the previous
 * certificate (ERR_CERT_SUBJECT_CHANGED).  All failures are HWE_EXIT_CERT.
 * On success *issued gets a reference to the certificate and *chain the
 * verified chain without the issued cert (caller frees both). */
int hwe_certcheck_issued(const struct hwe_certcheck *c, STACK_OF(X509) *resp,
			 X509 **issued, STACK_OF(X509) **chain);

#endif
