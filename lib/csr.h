/* SPDX-License-Identifier: BSD-3-Clause */
/* csr.h - build and sign PKCS#10 requests on any EVP_PKEY. */
#ifndef HWE_CSR_H
#define HWE_CSR_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csrconf.h"

/* What the server's /csrattrs and proof-of-possession add to a request. */
struct hwe_csr_extra {
	const char *md;              /* signature digest ("SHA384"); NULL = the key's default */
	const char *challenge;       /* challengePassword (the channel binding, base64); NULL = none */
	const unsigned char *mac;    /* macAddress (6 bytes) for mac_ext / mac_attr */
	int mac_ext;                 /* as an extension in extensionRequest */
	int mac_attr;                /* as a request attribute */
	/* RFC 9908 CSR template (see hwe_csrreq_plan) */
	const X509_NAME *subject;    /* the subject, instead of the config's (not on re-enrollment) */
	const STACK_OF(X509_EXTENSION) *exts;   /* extensions with the server's values: each
						   replaces the config's of its type */
	const STACK_OF(ASN1_OBJECT) *critical;  /* extensions to mark critical */
	/* draft-ietf-lamps-csr-attestation evidence: the DER AttestationBundle
	 * of the id-aa-attestation attribute, or NULL */
	const unsigned char *evidence;
	size_t evidence_len;
};

#define HWE_OID_ATTESTATION_ATTR "1.2.840.113549.1.9.16.2.59"

/* Build a request from a CSR config, with key's public key, signed by key
 * (SHA-256 for P-256/RSA, SHA-384 for P-384, SHA-512 for P-521, or
 * extra->md) via X509_REQ_sign_ctx - works for any provider's key.  extra
 * may be NULL. */
int hwe_csr_build(const struct hwe_csrconf *conf, EVP_PKEY *key, const struct hwe_csr_extra *extra,
		  X509_REQ **out);

/* Re-enrollment request: subject and subjectAltName copied from the
 * current certificate (RFC 7030 4.2.2), other requested extensions from
 * conf when given; signed by key (the same or a new key). */
int hwe_csr_from_cert(X509 *cert, const struct hwe_csrconf *conf, EVP_PKEY *key,
		      const struct hwe_csr_extra *extra, X509_REQ **out);

/* Bind a saved request to a new connection: replace its challengePassword
 * by extra->challenge (or drop it) and sign it again with key (the key of
 * its public key), with extra->md when given. */
int hwe_csr_rebind(X509_REQ *req, EVP_PKEY *key, const struct hwe_csr_extra *extra);

/* The GeneralName of a subjectAltNames entry of a CSR config. */
int hwe_csr_san_name(const struct hwe_csr_san *s, GENERAL_NAME **out);

/* Add a subject value of a CSR config (UTF-8, of type nid) to name: a new
 * RDN (set 0) or the last RDN (set -1).  HWE_EXIT_INPUT, ERR_CONFIG_SYNTAX
 * if OpenSSL refuses the value (too long for its type, ...). */
int hwe_csr_subject_add(X509_NAME *name, int nid, const char *value, int set);

/* PEM text of the request (for <ks>/req/<alias>.csr); malloc'd. */
int hwe_csr_to_pem(X509_REQ *req, char **pem, size_t *len);
int hwe_csr_from_pem(const unsigned char *pem, size_t len, X509_REQ **out);

#endif
