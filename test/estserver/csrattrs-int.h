// SPDX-License-Identifier: BSD-3-Clause
/* csrattrs-int.h - what csrattrs.c (/csrattrs and --enforce-csrattrs) and
 * csrtmpl.c (an RFC 9908 CSR template) share. */
#ifndef HWE_ESTSERVER_CSRATTRS_INT_H
#define HWE_ESTSERVER_CSRATTRS_INT_H

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#define OID_MAC_ADDRESS "1.3.6.1.1.1.1.22"	/* RFC 2307 macAddress */
/* RFC 9908 section 3.4, Appendix A */
#define OID_CRI_TEMPLATE "1.2.840.113549.1.9.16.2.61"	/* id-aa-certificationRequestInfoTemplate */
#define OID_EXT_REQ_TEMPLATE "1.2.840.113549.1.9.16.2.62"	/* id-aa-extensionReqTemplate */

/* What a CSR carries, gathered once per check. */
struct csr_view {
	X509_REQ *req;
	STACK_OF(X509_EXTENSION) *exts;	/* its extensionRequest (may be NULL) */
	const ASN1_OBJECT *key_alg;	/* SubjectPublicKeyInfo algorithm */
	const ASN1_OBJECT *curve;	/* named curve, or NULL */
	const ASN1_OBJECT *sig_alg;	/* signatureAlgorithm */
	int bits;
};

int csr_is_oid(const ASN1_OBJECT *obj, const char *dotted);
/* "name (1.2.3)" or "1.2.3" for an OID OpenSSL cannot name */
char *csr_oid_label(const ASN1_OBJECT *obj, char *buf, size_t len);
int csr_has_attr(const struct csr_view *v, const ASN1_OBJECT *obj);
/* a line "  missing ..." into out unless the CSR has obj as an attribute,
 * subject attribute or extension, as its kind asks; counts it */
void csr_need_present(const struct csr_view *v, const ASN1_OBJECT *obj, BIO *out, int *missing);
void csr_describe_key(const struct csr_view *v, char *buf, size_t len);

/* csrtmpl.c: is the template attribute a as RFC 9908 says (else err)? */
int csrtmpl_valid(X509_ATTRIBUTE *a, char *err, size_t errlen);
/* a line into out for each part of the template a the CSR of v lacks; counts them */
void csrtmpl_check(const struct csr_view *v, X509_ATTRIBUTE *a, BIO *out, int *missing);

#endif
