/* SPDX-License-Identifier: BSD-3-Clause */
/* csrreq.h - what the server's /csrattrs asks of a CSR (RFC 7030 4.5.2,
 * RFC 8951 3.4), and how hwenroll meets each item.
 *
 * CsrAttrs ::= SEQUENCE OF AttrOrOID; AttrOrOID ::= CHOICE { oid, Attribute }.
 * Decoded with OpenSSL ASN.1 templates; each item is classified:
 *   challengePassword                 -> proof-of-possession (the TLS channel binding)
 *   a signature algorithm OID         -> the CSR's signature (its digest, its key type)
 *   id-ecPublicKey {curve} / rsaEncryption {size}, or the bare OID -> the key type
 *   extensionRequest {OIDs or Extensions} -> extensions the CSR must request
 *   any other OID or attribute        -> an attribute or subject field
 *
 * RFC 9908 section 3.4 adds a CSR template, the attribute
 * id-aa-certificationRequestInfoTemplate (HWE_OID_CRI_TEMPLATE) whose one
 * value is a CertificationRequestInfoTemplate (csrreq-tmpl.c); its parts
 * become items marked from_template:
 *   subject RDN type, with or without a value -> HWE_REQ_RDN (fixed, or filled from the config)
 *   subjectPKInfo algorithm (curve; RSA size from a placeholder key) -> HWE_REQ_KEY
 *   attributes: extensionRequest Extensions and id-aa-extensionReqTemplate
 *       ExtensionTemplates -> HWE_REQ_EXT, with the server's extnValue or none
 *   attributes: challengePassword and others -> as outside the template
 * With a template the client uses it only (RFC 9908 section 4): every other
 * item is marked ignored, except challengePassword (proof-of-possession) and
 * signature algorithms, which the template cannot express.
 */
#ifndef HWE_CSRREQ_H
#define HWE_CSRREQ_H

#include <stddef.h>

#include <openssl/x509.h>

#include "csrconf.h"
#include "key.h"

#define HWE_OID_MAC_ADDRESS "1.3.6.1.1.1.1.22"   /* RFC 2307 macAddress, RFC 7030's example */
/* RFC 9908 section 3.4 and Appendix A (SMI Security for S/MIME Attributes) */
#define HWE_OID_CRI_TEMPLATE "1.2.840.113549.1.9.16.2.61"      /* id-aa-certificationRequestInfoTemplate */
#define HWE_OID_EXT_REQ_TEMPLATE "1.2.840.113549.1.9.16.2.62"  /* id-aa-extensionReqTemplate */

enum hwe_csrreq_kind {
	HWE_REQ_CHALLENGE,    /* challengePassword */
	HWE_REQ_KEY,          /* key type, with curve or size when given */
	HWE_REQ_SIG,          /* signature algorithm */
	HWE_REQ_EXT,          /* an extension inside extensionRequest */
	HWE_REQ_ATTR,         /* another attribute or subject field */
	HWE_REQ_TEMPLATE,     /* the RFC 9908 CSR template itself; its parts follow */
	HWE_REQ_RDN,          /* a subject field of the template, fixed or to be filled */
};

struct hwe_csrreq_item {
	enum hwe_csrreq_kind kind;
	int nid;                  /* NID_undef when OpenSSL does not know the OID */
	char oid[96];             /* dotted form */
	char name[48];            /* short name, or "" */
	struct hwe_keyspec key;   /* HWE_REQ_KEY: alg; curve_nid / bits, 0 = any */
	int md_nid, pkey_nid;     /* HWE_REQ_SIG: digest and key type of the algorithm */
	int from_template;        /* a part of the RFC 9908 template */
	int ignored;              /* outside a template, so not used (RFC 9908 section 4) */
	int rdn;                  /* HWE_REQ_RDN: index of its RDN (a multi-valued RDN shares one) */
	int critical;             /* HWE_REQ_EXT of the template: the server marks it critical */
	int value_type;           /* HWE_REQ_RDN: V_ASN1_UTF8STRING, ... of value */
	unsigned char *value;     /* HWE_REQ_RDN: the string; HWE_REQ_EXT: the extnValue DER;
				     NULL: the client supplies the value */
	size_t value_len;
};

struct hwe_csrreq {
	struct hwe_csrreq_item *items;
	size_t n;
	int has_template;         /* an RFC 9908 template is among the items */
};

/* Decode the /csrattrs DER (len 0: nothing asked).  Malformed DER, trailing
 * bytes, more than 256 items or a template that breaks RFC 9908's rules
 * (version not v1, two templates, both extensionRequest and
 * id-aa-extensionReqTemplate, an extension twice, a subject value that is
 * no directory string, a malformed extension value): HWE_EXIT_RESPONSE
 * naming the problem. */
int hwe_csrreq_parse(const unsigned char *der, size_t len, struct hwe_csrreq *out);
void hwe_csrreq_clear(struct hwe_csrreq *r);

/* How a run meets the request (filled by hwe_csrreq_plan). */
struct hwe_csrreq_plan {
	int pop;                  /* challengePassword asked: send the channel binding */
	int have_key;             /* the server asks for this key type */
	struct hwe_keyspec key;
	const char *md;           /* digest of the asked signature algorithm ("SHA384"), or NULL */
	int mac_ext, mac_attr;    /* macAddress asked as an extension / an attribute */
	unsigned char mac[6];
	char mac_source[64];      /* "CSR config" or "interface eth0" */
	/* RFC 9908 template (enroll; reenroll keeps the certificate's subject and SAN) */
	X509_NAME *subject;              /* the subject it asks for, values filled in; or NULL */
	STACK_OF(X509_EXTENSION) *exts;  /* extensions with the server's values (SAN placeholders filled) */
	STACK_OF(ASN1_OBJECT) *critical; /* extensions filled from the config that must be critical */
	char *unmet;              /* malloc'd lines "OID (name): how to supply it", or NULL */
};

/* Work out how each item is met from the CSR config (may be NULL), the
 * current certificate (reenroll: subject and SAN come from it; may be NULL)
 * and the machine (macAddress).  Items that cannot be met are listed in
 * plan->unmet; the caller refuses to send. */
int hwe_csrreq_plan(const struct hwe_csrreq *r, const struct hwe_csrconf *conf, X509 *cur,
		    struct hwe_csrreq_plan *plan);
void hwe_csrreq_plan_clear(struct hwe_csrreq_plan *plan);

/* One line for `hwenroll csrattrs`: the item and where its value comes from. */
const char *hwe_csrreq_describe(const struct hwe_csrreq_item *it, char *buf, size_t len);

/* The first non-loopback interface with a 6-byte hardware address. */
int hwe_csrreq_machine_mac(unsigned char mac[6], char *ifname, size_t ifnamelen);

#endif
