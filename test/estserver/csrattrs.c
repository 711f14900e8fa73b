// SPDX-License-Identifier: BSD-3-Clause
/* csrattrs.c - the CSR attributes the server asks for (RFC 7030 section
 * 4.5.2): the built-in and named values, --csrattrs FILE|BASE64, and the
 * --enforce-csrattrs check of a CSR against them.
 *
 *   CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID
 *   AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }
 *   Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET SIZE (1..MAX) OF ANY }
 *
 * decoded by OpenSSL's ASN.1 templates (X509_ATTRIBUTE is the Attribute),
 * never by hand.  A value is accepted only if it is DER: it must re-encode to
 * the same bytes, with nothing after the outer SEQUENCE.
 *
 * What --enforce-csrattrs requires of a CSR, per item:
 *   OID of a signature algorithm (ecdsa-with-SHA384, sha256WithRSAEncryption,
 *       ...): the CSR is signed with exactly that algorithm
 *   OID of a hash (sha384, ...): the CSR's signature uses that hash
 *   OID of a public-key algorithm (id-ecPublicKey, rsaEncryption, ...):
 *       the CSR's key is of that algorithm
 *   OID challengePassword or extensionRequest: that CSR attribute is present
 *   OID OpenSSL knows as an X.509 extension (subjectAltName, ...): that
 *       extension is in the CSR's extensionRequest
 *   OID macAddress (1.3.6.1.1.1.1.22): a CSR attribute, a subject attribute
 *       or an extension in extensionRequest of that type
 *   any other OID (serialNumber, emailAddress, ...): a CSR attribute or a
 *       subject attribute of that type
 *   Attribute id-ecPublicKey { curve OIDs }: an EC key on one of the curves
 *       (named-curve parameters; explicit parameters never match)
 *   Attribute rsaEncryption { INTEGERs }: an RSA key of one of these sizes
 *   Attribute extensionRequest { OIDs, or Extensions (RFC 9908) }: each
 *       extension type is in the CSR's extensionRequest (values are not
 *       compared); macAddress may instead be a CSR attribute, as RFC 7030's
 *       example asks for it
 *   Attribute of any other type: as the OID alone (values are not compared)
 *   Attribute id-aa-certificationRequestInfoTemplate (RFC 9908 section 3.4,
 *       1.2.840.113549.1.9.16.2.61) { CertificationRequestInfoTemplate }:
 *       the template alone is checked (RFC 9908 section 4 has a client that
 *       knows it ignore the other items): each subject attribute of the
 *       template is in the CSR's subject, with the server's value where it
 *       gives one (same string type and bytes), a non-empty one where not,
 *       one CSR attribute for each template attribute; the key is of the
 *       template's algorithm, on its curve, of the modulus length of its
 *       placeholder RSA key; each extension of the template's extensionRequest
 *       or id-aa-extensionReqTemplate (1.2.840.113549.1.9.16.2.62) is in the
 *       CSR's extensionRequest, critical if the template says so, with the
 *       template's value where it gives one - for a subjectAltName with
 *       placeholders (an empty dNSName, rfc822Name, URI or iPAddress) the
 *       server's other names and a non-empty name of each placeholder type;
 *       challengePassword among the template's attributes is a CSR
 *       attribute, any other as the OID alone
 * With --enforce-csrattrs, csrattrs_load() refuses a value whose Attributes
 * do not have these forms (an id-ecPublicKey value that is not an OID, a
 * template that is not a v1 CertificationRequestInfoTemplate, ...).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "estserver.h"

#define CSRATTRS_MAX_FILE (64 * 1024)
#define OID_MAC_ADDRESS "1.3.6.1.1.1.1.22"	/* RFC 2307 macAddress */
/* RFC 9908 section 3.4, Appendix A */
#define OID_CRI_TEMPLATE "1.2.840.113549.1.9.16.2.61"	/* id-aa-certificationRequestInfoTemplate */
#define OID_EXT_REQ_TEMPLATE "1.2.840.113549.1.9.16.2.62"	/* id-aa-extensionReqTemplate */

typedef struct {
	int type;			/* AOO_OID or AOO_ATTR */
	union {
		ASN1_OBJECT *oid;
		X509_ATTRIBUTE *attribute;
	} d;
} ATTR_OR_OID;

#define AOO_OID 0
#define AOO_ATTR 1

ASN1_CHOICE(ATTR_OR_OID) = {
	ASN1_SIMPLE(ATTR_OR_OID, d.oid, ASN1_OBJECT),
	ASN1_SIMPLE(ATTR_OR_OID, d.attribute, X509_ATTRIBUTE),
} static_ASN1_CHOICE_END(ATTR_OR_OID)

DEFINE_STACK_OF(ATTR_OR_OID)
typedef STACK_OF(ATTR_OR_OID) CSR_ATTRS;

ASN1_ITEM_TEMPLATE(CSR_ATTRS) =
	ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, CsrAttrs, ATTR_OR_OID)
static_ASN1_ITEM_TEMPLATE_END(CSR_ATTRS)

/* RFC 9908 Appendix A (IMPLICIT TAGS):
 *   CertificationRequestInfoTemplate ::= SEQUENCE { version INTEGER { v1(0) },
 *       subject NameTemplate OPTIONAL,
 *       subjectPKInfo [0] SubjectPublicKeyInfoTemplate OPTIONAL,
 *       attributes [1] Attributes }
 *   NameTemplate ::= CHOICE { rdnSequence SEQUENCE OF
 *       SET SIZE (1..MAX) OF SingleAttributeTemplate }
 *   SingleAttributeTemplate ::= SEQUENCE { type OID, value ANY OPTIONAL }
 *   SubjectPublicKeyInfoTemplate ::= SEQUENCE { algorithm AlgorithmIdentifier,
 *       subjectPublicKey BIT STRING OPTIONAL }
 *   ExtensionReqTemplate ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {
 *       extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING OPTIONAL } */
typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SATTR_TEMPLATE;

ASN1_SEQUENCE(SATTR_TEMPLATE) = {
	ASN1_SIMPLE(SATTR_TEMPLATE, type, ASN1_OBJECT),
	ASN1_OPT(SATTR_TEMPLATE, value, ASN1_ANY),
} static_ASN1_SEQUENCE_END(SATTR_TEMPLATE)

DEFINE_STACK_OF(SATTR_TEMPLATE)
typedef STACK_OF(SATTR_TEMPLATE) RDN_TEMPLATE;

ASN1_ITEM_TEMPLATE(RDN_TEMPLATE) =
	ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SET_OF, 0, RDN, SATTR_TEMPLATE)
static_ASN1_ITEM_TEMPLATE_END(RDN_TEMPLATE)

DEFINE_STACK_OF(RDN_TEMPLATE)
/* the rdnSequence, as a SEQUENCE OF field (an item template cannot be OPTIONAL) */
typedef STACK_OF(RDN_TEMPLATE) NAME_TEMPLATE;

typedef struct {
	X509_ALGOR *algorithm;
	ASN1_BIT_STRING *key;
} SPKI_TEMPLATE;

ASN1_SEQUENCE(SPKI_TEMPLATE) = {
	ASN1_SIMPLE(SPKI_TEMPLATE, algorithm, X509_ALGOR),
	ASN1_OPT(SPKI_TEMPLATE, key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(SPKI_TEMPLATE)

typedef struct {
	ASN1_INTEGER *version;
	NAME_TEMPLATE *subject;
	SPKI_TEMPLATE *spki;
	STACK_OF(X509_ATTRIBUTE) *attributes;
} CRI_TEMPLATE;

ASN1_SEQUENCE(CRI_TEMPLATE) = {
	ASN1_SIMPLE(CRI_TEMPLATE, version, ASN1_INTEGER),
	ASN1_SEQUENCE_OF_OPT(CRI_TEMPLATE, subject, RDN_TEMPLATE),
	ASN1_IMP_OPT(CRI_TEMPLATE, spki, SPKI_TEMPLATE, 0),
	ASN1_IMP_SET_OF(CRI_TEMPLATE, attributes, X509_ATTRIBUTE, 1),
} static_ASN1_SEQUENCE_END(CRI_TEMPLATE)

typedef struct {
	ASN1_OBJECT *id;
	ASN1_BOOLEAN critical;
	ASN1_OCTET_STRING *value;
} EXT_TEMPLATE;

ASN1_SEQUENCE(EXT_TEMPLATE) = {
	ASN1_SIMPLE(EXT_TEMPLATE, id, ASN1_OBJECT),
	ASN1_OPT(EXT_TEMPLATE, critical, ASN1_FBOOLEAN),
	ASN1_OPT(EXT_TEMPLATE, value, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(EXT_TEMPLATE)

DEFINE_STACK_OF(EXT_TEMPLATE)
typedef STACK_OF(EXT_TEMPLATE) EXT_TEMPLATES;

ASN1_ITEM_TEMPLATE(EXT_TEMPLATES) =
	ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, ExtensionTemplates, EXT_TEMPLATE)
static_ASN1_ITEM_TEMPLATE_END(EXT_TEMPLATES)

/* RSAPublicKey, for the modulus length of a placeholder key */
typedef struct {
	ASN1_INTEGER *n;
	ASN1_INTEGER *e;
} RSA_PUB;

ASN1_SEQUENCE(RSA_PUB) = {
	ASN1_SIMPLE(RSA_PUB, n, ASN1_INTEGER),
	ASN1_SIMPLE(RSA_PUB, e, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(RSA_PUB)

struct csrattrs {
	CSR_ATTRS *items;
};

/* The answer without --csrattrs: challengePassword (proof-of-possession)
 * only, so that every key type and CSR configuration can be enrolled;
 * --csrattrs rfc7030-example asks for a key type, a signature algorithm
 * and an extension. */
static const char builtin_b64[] = "MAsGCSqGSIb3DQEJBw==";

/* --csrattrs NAME */
static const struct {
	const char *name;
	const char *b64;
} named[] = {
	/* RFC 7030 section 4.5.2: challengePassword, id-ecPublicKey =
	 * secp384r1, extensionRequest = macAddress, ecdsa-with-SHA384 */
	{ "rfc7030-example",
	  "MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ"
	  "BgcrBgEBAQEWBggqhkjOPQQDAw==" },
	/* RFC 9908 section 3.4: the example CertificationRequestInfoTemplate
	 * (the RFC shows it as a dump, not as base64; this is its DER, the one
	 * value of an id-aa-certificationRequestInfoTemplate attribute of a
	 * CsrAttrs of that one item): subject CN to fill, OU "myDept", OU
	 * "myGroup" (UTF8String); an id-ecPublicKey key on secp256r1;
	 * id-aa-extensionReqTemplate with subjectAltName { dNSName
	 * "www.myServer.com", iPAddress empty: to fill }, keyUsage critical
	 * digitalSignature keyAgreement, extKeyUsage without a value */
	{ "rfc9908-example",
	  "MIGpMIGmBgsqhkiG9w0BCRACPTGBljCBkwIBADAsMQcwBQYDVQQDMQ8wDQYDVQQL"
	  "DAZteURlcHQxEDAOBgNVBAsMB215R3JvdXCgFTATBgcqhkjOPQIBBggqhkjOPQMB"
	  "B6FJMEcGCyqGSIb3DQEJEAI+MTgwNjAdBgNVHREEFjAUghB3d3cubXlTZXJ2ZXIu"
	  "Y29thwAwDgYDVR0PAQH/BAQDAgOIMAUGA1UdJQ==" },
};

static int is_oid(const ASN1_OBJECT *obj, const char *dotted)
{
	char num[64];

	return OBJ_obj2txt(num, sizeof(num), obj, 1) > 0 && strcmp(num, dotted) == 0;
}

static int is_mac_address(const ASN1_OBJECT *obj)
{
	return is_oid(obj, OID_MAC_ADDRESS);
}

/* Decode all of der as item; NULL if it is not exactly that. */
static void *decode_all(const ASN1_ITEM *item, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	ASN1_VALUE *v = ASN1_item_d2i(NULL, &p, len, item);

	if (v && p != der + len) {
		ASN1_item_free(v, item);
		v = NULL;
	}
	return v;
}

/* The template of an id-aa-certificationRequestInfoTemplate Attribute, if
 * it is one exactly as RFC 9908 says (else NULL and err): one value, v1, at
 * most one extensionRequest or id-aa-extensionReqTemplate attribute, whose
 * one value decodes, and the RSA placeholder key decodes. */
static CRI_TEMPLATE *template_decode(X509_ATTRIBUTE *a, char *err, size_t errlen)
{
	ASN1_TYPE *v = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	CRI_TEMPLATE *t = NULL;
	void *x;
	int i, seen = 0;

	if (!v || v->type != V_ASN1_SEQUENCE ||
	    !(t = decode_all(ASN1_ITEM_rptr(CRI_TEMPLATE), v->value.sequence->data,
			     v->value.sequence->length))) {
		snprintf(err, errlen, "not one CertificationRequestInfoTemplate (RFC 9908 Appendix A)");
		goto bad;
	}
	if (ASN1_INTEGER_get(t->version) != 0) {
		snprintf(err, errlen, "template version is not v1(0)");
		goto bad;
	}
	if (t->spki && t->spki->key && OBJ_obj2nid(t->spki->algorithm->algorithm) == NID_rsaEncryption) {
		if (!(x = decode_all(ASN1_ITEM_rptr(RSA_PUB), t->spki->key->data, t->spki->key->length))) {
			snprintf(err, errlen, "the template's placeholder key is not an RSAPublicKey");
			goto bad;
		}
		ASN1_item_free(x, ASN1_ITEM_rptr(RSA_PUB));
	}
	for (i = 0; i < sk_X509_ATTRIBUTE_num(t->attributes); i++) {
		X509_ATTRIBUTE *ta = sk_X509_ATTRIBUTE_value(t->attributes, i);
		const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(ta);
		int ext_req = OBJ_obj2nid(type) == NID_ext_req;
		const ASN1_ITEM *item = ext_req ? ASN1_ITEM_rptr(X509_EXTENSIONS) : ASN1_ITEM_rptr(EXT_TEMPLATES);

		if (!ext_req && !is_oid(type, OID_EXT_REQ_TEMPLATE))
			continue;
		v = X509_ATTRIBUTE_count(ta) == 1 ? X509_ATTRIBUTE_get0_type(ta, 0) : NULL;
		if (seen++ || !v || v->type != V_ASN1_SEQUENCE ||
		    !(x = decode_all(item, v->value.sequence->data, v->value.sequence->length))) {
			snprintf(err, errlen, "the template's attributes need at most one extensionRequest "
				 "or id-aa-extensionReqTemplate, with one Extensions or ExtensionTemplates value");
			goto bad;
		}
		ASN1_item_free(x, item);
	}
	return t;
bad:
	ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(CRI_TEMPLATE));
	return NULL;
}

/* The CsrAttrs item that is a template, or NULL. */
static X509_ATTRIBUTE *template_attr(CSR_ATTRS *items)
{
	int i;

	for (i = 0; i < sk_ATTR_OR_OID_num(items); i++) {
		ATTR_OR_OID *it = sk_ATTR_OR_OID_value(items, i);

		if (it->type == AOO_ATTR &&
		    is_oid(X509_ATTRIBUTE_get0_object(it->d.attribute), OID_CRI_TEMPLATE))
			return it->d.attribute;
	}
	return NULL;
}

/* "name (1.2.3)" or "1.2.3" for an OID OpenSSL cannot name. */
static char *oid_label(const ASN1_OBJECT *obj, char *buf, size_t len)
{
	char num[128];
	const char *name = NULL;
	int nid = OBJ_obj2nid(obj);

	if (OBJ_obj2txt(num, sizeof(num), obj, 1) <= 0)
		snprintf(num, sizeof(num), "?");
	if (nid == NID_ext_req)
		name = "extensionRequest";
	else if (nid != NID_undef && OBJ_nid2ln(nid) && !strchr(OBJ_nid2ln(nid), ' '))
		name = OBJ_nid2ln(nid);
	else if (nid != NID_undef)
		name = OBJ_nid2sn(nid);
	else if (strcmp(num, OID_MAC_ADDRESS) == 0)
		name = "macAddress";
	else if (strcmp(num, OID_CRI_TEMPLATE) == 0)
		name = "id-aa-certificationRequestInfoTemplate";
	else if (strcmp(num, OID_EXT_REQ_TEMPLATE) == 0)
		name = "id-aa-extensionReqTemplate";
	if (name)
		snprintf(buf, len, "%s (%s)", name, num);
	else
		snprintf(buf, len, "%s", num);
	return buf;
}

void csrattrs_free(struct csrattrs *ca)
{
	if (!ca)
		return;
	ASN1_item_free((ASN1_VALUE *)ca->items, ASN1_ITEM_rptr(CSR_ATTRS));
	free(ca);
}

/* The extension types an extensionRequest Attribute value asks for: an
 * OID, or Extensions (RFC 9908).  Pushes them onto types (references into
 * the value, or owned by *exts_out); 0 if the value is neither. */
static int wanted_exts(const ASN1_TYPE *v, STACK_OF(ASN1_OBJECT) *types,
		       X509_EXTENSIONS **exts_out)
{
	const unsigned char *p;
	X509_EXTENSIONS *exts;
	int i;

	if (v->type == V_ASN1_OBJECT)
		return sk_ASN1_OBJECT_push(types, v->value.object) > 0;
	if (v->type != V_ASN1_SEQUENCE)
		return 0;
	p = v->value.sequence->data;
	exts = d2i_X509_EXTENSIONS(NULL, &p, v->value.sequence->length);
	if (!exts || p != v->value.sequence->data + v->value.sequence->length ||
	    sk_X509_EXTENSION_num(exts) == 0) {
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		return 0;
	}
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (sk_ASN1_OBJECT_push(types, X509_EXTENSION_get_object(
						sk_X509_EXTENSION_value(exts, i))) <= 0) {
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
			return 0;
		}
	*exts_out = exts;
	return 1;
}

/* With --enforce-csrattrs: can every Attribute be checked as documented? */
static int enforceable(CSR_ATTRS *items, char *err, size_t errlen)
{
	char label[160];
	int i, j;

	for (i = 0; i < sk_ATTR_OR_OID_num(items); i++) {
		ATTR_OR_OID *it = sk_ATTR_OR_OID_value(items, i);
		X509_ATTRIBUTE *a;
		int nid;

		if (it->type != AOO_ATTR)
			continue;
		a = it->d.attribute;
		nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));
		if (is_oid(X509_ATTRIBUTE_get0_object(a), OID_CRI_TEMPLATE)) {
			char why[200];
			CRI_TEMPLATE *t = template_decode(a, why, sizeof(why));

			if (!t) {
				snprintf(err, errlen, "item %d, attribute %s: %s (--enforce-csrattrs "
					 "cannot check it)", i + 1,
					 oid_label(X509_ATTRIBUTE_get0_object(a), label, sizeof(label)), why);
				return 0;
			}
			ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(CRI_TEMPLATE));
			if (template_attr(items) != a) {
				snprintf(err, errlen, "item %d: a second CSR template", i + 1);
				return 0;
			}
			continue;
		}
		for (j = 0; j < X509_ATTRIBUTE_count(a); j++) {
			ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(a, j);
			const char *want = NULL;

			if (nid == NID_X9_62_id_ecPublicKey && v->type != V_ASN1_OBJECT) {
				want = "a curve OID";
			} else if (nid == NID_rsaEncryption) {
				int64_t bits = 0;

				if (v->type != V_ASN1_INTEGER ||
				    !ASN1_INTEGER_get_int64(&bits, v->value.integer) ||
				    bits < 1024 || bits > 16384)
					want = "an INTEGER key size from 1024 to 16384";
			} else if (nid == NID_ext_req) {
				STACK_OF(ASN1_OBJECT) *types = sk_ASN1_OBJECT_new_null();
				X509_EXTENSIONS *exts = NULL;

				if (!types || !wanted_exts(v, types, &exts))
					want = "an extension OID or Extensions";
				sk_ASN1_OBJECT_free(types);
				sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
			}
			if (want) {
				snprintf(err, errlen, "item %d, attribute %s: value %d is not %s "
					 "(--enforce-csrattrs cannot check it)", i + 1,
					 oid_label(X509_ATTRIBUTE_get0_object(a), label, sizeof(label)),
					 j + 1, want);
				return 0;
			}
		}
	}
	return 1;
}

/* Parse DER CsrAttrs; NULL (and err) if it is not exactly that. */
static CSR_ATTRS *parse(const unsigned char *der, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = der;
	CSR_ATTRS *items;
	unsigned char *again = NULL;
	int n, i;

	if (len == 0 || len > CSRATTRS_MAX_FILE) {
		snprintf(err, errlen, "%s", len ? "too large" : "empty");
		return NULL;
	}
	ERR_clear_error();
	items = (CSR_ATTRS *)ASN1_item_d2i(NULL, &p, (long)len, ASN1_ITEM_rptr(CSR_ATTRS));
	if (!items) {
		/* the first error is the cause ("wrong tag", "too long"), the
		 * later ones name the enclosing fields */
		const char *data = NULL;
		int flags = 0;
		unsigned long e = ERR_peek_error_data(&data, &flags);

		snprintf(err, errlen, "not a DER CsrAttrs (SEQUENCE OF AttrOrOID): %s%s%s%s",
			 e ? ERR_reason_error_string(e) : "ASN.1 decoding failed",
			 data && (flags & ERR_TXT_STRING) && *data ? " (" : "",
			 data && (flags & ERR_TXT_STRING) ? data : "",
			 data && (flags & ERR_TXT_STRING) && *data ? ")" : "");
		ERR_clear_error();
		return NULL;
	}
	if (p != der + len) {
		snprintf(err, errlen, "trailing data after the CsrAttrs SEQUENCE (%zu bytes)",
			 (size_t)(der + len - p));
		goto bad;
	}
	n = ASN1_item_i2d((ASN1_VALUE *)items, &again, ASN1_ITEM_rptr(CSR_ATTRS));
	if (n != (int)len || memcmp(again, der, len) != 0) {
		snprintf(err, errlen, "not DER (BER, or a SET OF out of order: re-encoding differs)");
		goto bad;
	}
	for (i = 0; i < sk_ATTR_OR_OID_num(items); i++) {
		ATTR_OR_OID *it = sk_ATTR_OR_OID_value(items, i);

		if (it->type == AOO_ATTR && X509_ATTRIBUTE_count(it->d.attribute) == 0) {
			snprintf(err, errlen, "item %d: an Attribute without values "
				 "(values is SET SIZE (1..MAX))", i + 1);
			goto bad;
		}
	}
	OPENSSL_free(again);
	return items;
bad:
	OPENSSL_free(again);
	ASN1_item_free((ASN1_VALUE *)items, ASN1_ITEM_rptr(CSR_ATTRS));
	return NULL;
}

/* The bytes --csrattrs ARG names: a named value, a file (DER or base64),
 * or inline base64.  malloc'd; NULL with err. */
static unsigned char *resolve(const char *arg, size_t *len, char *err, size_t errlen)
{
	const char *b64 = NULL;
	unsigned char *data = NULL, *der;
	struct stat st;
	size_t i, n = 0;
	FILE *f;

	if (!arg)
		b64 = builtin_b64;
	for (i = 0; arg && i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(arg, named[i].name) == 0)
			b64 = named[i].b64;
	if (b64)
		return b64_decode((const unsigned char *)b64, strlen(b64), len);
	if (stat(arg, &st) != 0) {
		der = b64_decode((const unsigned char *)arg, strlen(arg), len);
		if (!der)
			snprintf(err, errlen, "neither a file, a named value (rfc7030-example, rfc9908-example) "
				 "nor base64");
		return der;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CSRATTRS_MAX_FILE) {
		snprintf(err, errlen, "not a regular file of at most %d bytes", CSRATTRS_MAX_FILE);
		return NULL;
	}
	f = fopen(arg, "rb");
	data = malloc(CSRATTRS_MAX_FILE + 1);
	if (!f || !data) {
		snprintf(err, errlen, "cannot read the file: %s", strerror(errno));
		goto out;
	}
	n = fread(data, 1, CSRATTRS_MAX_FILE + 1, f);
	if (ferror(f) || n > CSRATTRS_MAX_FILE) {
		snprintf(err, errlen, "cannot read the file");
		goto out;
	}
	/* DER starts with the SEQUENCE tag, which is no base64 character */
	if (n > 0 && data[0] == 0x30) {
		*len = n;
		fclose(f);
		return data;
	}
	der = b64_decode(data, n, len);
	if (!der)
		snprintf(err, errlen, "the file is neither DER (starting with a SEQUENCE) nor base64");
	free(data);
	fclose(f);
	return der;
out:
	if (f)
		fclose(f);
	free(data);
	return NULL;
}

int csrattrs_load(struct est_server *srv, const char *arg, char *err, size_t errlen)
{
	struct csrattrs *ca = calloc(1, sizeof(*ca));
	unsigned char *der = NULL;
	size_t len = 0;

	if (!ca) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	der = resolve(arg, &len, err, errlen);
	if (!der)
		goto bad;
	ca->items = parse(der, len, err, errlen);
	if (!ca->items)
		goto bad;
	if (srv->enforce_csrattrs && !enforceable(ca->items, err, errlen))
		goto bad;
	srv->csrattrs = ca;
	srv->csrattrs_der = der;
	srv->csrattrs_len = len;
	return 1;
bad:
	free(der);
	csrattrs_free(ca);
	return 0;
}

/* ---- --enforce-csrattrs ---- */

/* What a CSR carries, gathered once per check. */
struct csr_view {
	X509_REQ *req;
	STACK_OF(X509_EXTENSION) *exts;	/* its extensionRequest (may be NULL) */
	const ASN1_OBJECT *key_alg;	/* SubjectPublicKeyInfo algorithm */
	const ASN1_OBJECT *curve;	/* named curve, or NULL */
	const ASN1_OBJECT *sig_alg;	/* signatureAlgorithm */
	int bits;
};

static int has_attr(const struct csr_view *v, const ASN1_OBJECT *obj)
{
	return X509_REQ_get_attr_by_OBJ(v->req, obj, -1) >= 0;
}

static int has_subject(const struct csr_view *v, const ASN1_OBJECT *obj)
{
	return X509_NAME_get_index_by_OBJ(X509_REQ_get_subject_name(v->req), obj, -1) >= 0;
}

static int has_ext(const struct csr_view *v, const ASN1_OBJECT *obj)
{
	return v->exts && X509v3_get_ext_by_OBJ(v->exts, obj, -1) >= 0;
}

/* A line "  missing ..." into out for each unmet requirement; counts them. */
static void need_present(const struct csr_view *v, const ASN1_OBJECT *obj, BIO *out, int *missing)
{
	char l[160];
	int nid = OBJ_obj2nid(obj);

	oid_label(obj, l, sizeof(l));
	if (nid == NID_pkcs9_challengePassword || nid == NID_ext_req) {
		if (has_attr(v, obj))
			return;
		BIO_printf(out, "  missing attribute %s\n", l);
	} else if (is_mac_address(obj)) {
		if (has_attr(v, obj) || has_subject(v, obj) || has_ext(v, obj))
			return;
		BIO_printf(out, "  missing %s: no CSR attribute, subject attribute or "
			   "extension in extensionRequest of this type\n", l);
	} else if (nid != NID_undef && X509V3_EXT_get_nid(nid)) {
		if (has_ext(v, obj))
			return;
		BIO_printf(out, "  missing extension %s in extensionRequest\n", l);
	} else {
		if (has_attr(v, obj) || has_subject(v, obj))
			return;
		BIO_printf(out, "  missing %s: no CSR attribute or subject attribute of this type\n", l);
	}
	(*missing)++;
}

static void describe_key(const struct csr_view *v, char *buf, size_t len)
{
	char a[160], c[160];

	oid_label(v->key_alg, a, sizeof(a));
	if (v->curve)
		snprintf(buf, len, "%s with curve %s", a, oid_label(v->curve, c, sizeof(c)));
	else if (OBJ_obj2nid(v->key_alg) == NID_rsaEncryption)
		snprintf(buf, len, "%s of %d bits", a, v->bits);
	else
		snprintf(buf, len, "%s", a);
}

static void check_oid(const struct csr_view *v, const ASN1_OBJECT *obj, BIO *out, int *missing)
{
	char want[160], have[200];
	int nid = OBJ_obj2nid(obj), md = NID_undef, pk = NID_undef, sig_md = NID_undef;

	oid_label(obj, want, sizeof(want));
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, &pk)) {
		if (OBJ_cmp(v->sig_alg, obj) == 0)
			return;
		BIO_printf(out, "  missing signature algorithm %s: the CSR is signed with %s\n",
			   want, oid_label(v->sig_alg, have, sizeof(have)));
	} else if (nid != NID_undef && EVP_get_digestbynid(nid)) {
		OBJ_find_sigid_algs(OBJ_obj2nid(v->sig_alg), &sig_md, NULL);
		if (sig_md == nid)
			return;
		BIO_printf(out, "  missing hash %s: the CSR is signed with %s\n",
			   want, oid_label(v->sig_alg, have, sizeof(have)));
	} else if (nid != NID_undef && EVP_PKEY_asn1_find(NULL, nid)) {
		if (OBJ_cmp(v->key_alg, obj) == 0)
			return;
		describe_key(v, have, sizeof(have));
		BIO_printf(out, "  missing key type %s: the CSR key is %s\n", want, have);
	} else {
		need_present(v, obj, out, missing);
		return;
	}
	(*missing)++;
}

static void check_attr(const struct csr_view *v, X509_ATTRIBUTE *a, BIO *out, int *missing)
{
	const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(a);
	char want[160], have[200], l[160];
	int nid = OBJ_obj2nid(type), n = X509_ATTRIBUTE_count(a), i, ok = 0;

	oid_label(type, want, sizeof(want));
	if (nid == NID_X9_62_id_ecPublicKey || nid == NID_rsaEncryption) {
		BIO *list = BIO_new(BIO_s_mem());
		char *txt = NULL;

		for (i = 0; i < n; i++) {
			ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, i);
			int64_t bits = 0;

			if (nid == NID_X9_62_id_ecPublicKey) {
				ok |= OBJ_cmp(v->key_alg, type) == 0 && v->curve &&
				      OBJ_cmp(v->curve, t->value.object) == 0;
				BIO_printf(list, "%s%s", i ? " or " : "",
					   oid_label(t->value.object, l, sizeof(l)));
			} else {
				ASN1_INTEGER_get_int64(&bits, t->value.integer);
				ok |= OBJ_cmp(v->key_alg, type) == 0 && v->bits == bits;
				BIO_printf(list, "%s%lld", i ? " or " : "", (long long)bits);
			}
		}
		if (!ok) {
			BIO_write(list, "", 1);
			BIO_get_mem_data(list, &txt);
			describe_key(v, have, sizeof(have));
			BIO_printf(out, "  missing key %s %s%s%s: the CSR key is %s\n", want,
				   nid == NID_rsaEncryption ? "of " : "with curve ",
				   txt ? txt : "?", nid == NID_rsaEncryption ? " bits" : "", have);
			(*missing)++;
		}
		BIO_free(list);
	} else if (nid == NID_ext_req) {
		for (i = 0; i < n; i++) {
			STACK_OF(ASN1_OBJECT) *types = sk_ASN1_OBJECT_new_null();
			X509_EXTENSIONS *exts = NULL;
			int k;

			if (types && wanted_exts(X509_ATTRIBUTE_get0_type(a, i), types, &exts)) {
				for (k = 0; k < sk_ASN1_OBJECT_num(types); k++) {
					const ASN1_OBJECT *e = sk_ASN1_OBJECT_value(types, k);

					if (has_ext(v, e) || (is_mac_address(e) && has_attr(v, e)))
						continue;
					BIO_printf(out, "  missing extension %s in extensionRequest%s\n",
						   oid_label(e, l, sizeof(l)),
						   is_mac_address(e) ? " (or a macAddress attribute)" : "");
					(*missing)++;
				}
			}
			sk_ASN1_OBJECT_free(types);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		}
	} else {
		need_present(v, type, out, missing);
	}
}

/* ---- the RFC 9908 template ---- */

/* The string of an ANY value (NULL for BOOLEAN, NULL, OBJECT IDENTIFIER). */
static const ASN1_STRING *any_string(const ASN1_TYPE *t)
{
	if (!t || t->type == V_ASN1_BOOLEAN || t->type == V_ASN1_NULL || t->type == V_ASN1_OBJECT)
		return NULL;
	return t->value.asn1_string;
}

/* printable copy of a string value */
static char *shown(const ASN1_STRING *s, char *buf, size_t len)
{
	int i, n = s ? ASN1_STRING_length(s) : 0;
	size_t o = 0;
	const unsigned char *d = s ? ASN1_STRING_get0_data(s) : NULL;

	for (i = 0; i < n && o + 1 < len; i++)
		buf[o++] = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : '?';
	buf[o] = '\0';
	return buf;
}

/* Each subject attribute of the template in the CSR's subject, each CSR
 * field used once: first those with the server's value, then those the
 * client fills (any non-empty value). */
static void check_tmpl_subject(const struct csr_view *v, NAME_TEMPLATE *name, BIO *out, int *missing)
{
	const X509_NAME *subj = X509_REQ_get_subject_name(v->req);
	int n = X509_NAME_entry_count(subj), pass, i, j, k, found;
	unsigned char *used = calloc((size_t)n + 1, 1);
	char l[160], val[128];

	if (!used) {
		(*missing)++;
		BIO_printf(out, "  out of memory checking the subject\n");
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sk_RDN_TEMPLATE_num(name); i++) {
			RDN_TEMPLATE *rdn = sk_RDN_TEMPLATE_value(name, i);

			for (j = 0; j < sk_SATTR_TEMPLATE_num(rdn); j++) {
				SATTR_TEMPLATE *sa = sk_SATTR_TEMPLATE_value(rdn, j);
				const ASN1_STRING *want = any_string(sa->value);
				int fixed = sa->value && !(want && ASN1_STRING_length(want) == 0);

				if (fixed != (pass == 0))
					continue;
				for (k = 0, found = 0; k < n && !found; k++) {
					const X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, k);
					const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);

					if (used[k] || OBJ_cmp(X509_NAME_ENTRY_get_object(e), sa->type) != 0)
						continue;
					found = fixed ? want && ASN1_STRING_cmp(d, want) == 0 :
						ASN1_STRING_length(d) > 0;
					used[k] = (unsigned char)found;
				}
				if (found)
					continue;
				oid_label(sa->type, l, sizeof(l));
				if (fixed)
					BIO_printf(out, "  missing subject attribute %s = \"%s\" (CSR template)\n", l,
						   shown(want, val, sizeof(val)));
				else
					BIO_printf(out, "  missing subject attribute %s (CSR template: the client "
						   "fills its value)\n", l);
				(*missing)++;
			}
		}
	}
	free(used);
}

static void check_tmpl_key(const struct csr_view *v, const SPKI_TEMPLATE *spki, BIO *out, int *missing)
{
	const ASN1_OBJECT *alg;
	const void *pval;
	char want[160], have[200], c[160];
	RSA_PUB *rsa = NULL;
	BIGNUM *bn = NULL;
	int ptype, ok, bits = 0;

	X509_ALGOR_get0(&alg, &ptype, &pval, spki->algorithm);
	ok = OBJ_cmp(v->key_alg, alg) == 0;
	oid_label(alg, want, sizeof(want));
	if (OBJ_obj2nid(alg) == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT) {
		ok = ok && v->curve && OBJ_cmp(v->curve, pval) == 0;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), " with curve %s",
			 oid_label(pval, c, sizeof(c)));
	} else if (OBJ_obj2nid(alg) == NID_rsaEncryption && spki->key) {
		rsa = decode_all(ASN1_ITEM_rptr(RSA_PUB), spki->key->data, spki->key->length);
		bn = rsa ? ASN1_INTEGER_to_BN(rsa->n, NULL) : NULL;
		bits = bn ? BN_num_bits(bn) : 0;
		ok = ok && v->bits == bits;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), " of %d bits", bits);
	}
	BN_free(bn);
	ASN1_item_free((ASN1_VALUE *)rsa, ASN1_ITEM_rptr(RSA_PUB));
	if (ok)
		return;
	describe_key(v, have, sizeof(have));
	BIO_printf(out, "  missing key %s (CSR template): the CSR key is %s\n", want, have);
	(*missing)++;
}

/* An empty name (a placeholder the client fills)? */
static int gn_empty(const GENERAL_NAME *gn)
{
	int type;
	const void *v = GENERAL_NAME_get0_value(gn, &type);

	switch (type) {
	case GEN_EMAIL: case GEN_DNS: case GEN_URI: case GEN_IPADD:
		return ASN1_STRING_length(v) == 0;
	case GEN_DIRNAME:
		return X509_NAME_entry_count(v) == 0;
	default:
		return 0;
	}
}

/* A subjectAltName value with placeholders: 1 if the CSR's names have the
 * server's others and a non-empty one of each placeholder type; -1 if the
 * value has no placeholders (compare the bytes instead). */
static int san_fills(const ASN1_OCTET_STRING *tmpl, const ASN1_OCTET_STRING *have)
{
	const unsigned char *p = tmpl->data, *q = have->data;
	GENERAL_NAMES *want = d2i_GENERAL_NAMES(NULL, &p, tmpl->length);
	GENERAL_NAMES *got = d2i_GENERAL_NAMES(NULL, &q, have->length);
	int i, j, found = 0, any = 0, ok = 1;

	for (i = 0; want && i < sk_GENERAL_NAME_num(want); i++)
		any |= gn_empty(sk_GENERAL_NAME_value(want, i));
	if (!want || !any) {
		ok = -1;
		goto out;
	}
	for (i = 0; ok && i < sk_GENERAL_NAME_num(want); i++) {
		GENERAL_NAME *w = sk_GENERAL_NAME_value(want, i);

		for (j = 0, found = 0; got && j < sk_GENERAL_NAME_num(got) && !found; j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(got, j);

			found = gn_empty(w) ? g->type == w->type && !gn_empty(g) : GENERAL_NAME_cmp(g, w) == 0;
		}
		ok = found;
	}
out:
	GENERAL_NAMES_free(want);
	GENERAL_NAMES_free(got);
	return ok;
}

static void check_tmpl_ext(const struct csr_view *v, const ASN1_OBJECT *id, int critical,
			   const ASN1_OCTET_STRING *value, BIO *out, int *missing)
{
	int idx = v->exts ? X509v3_get_ext_by_OBJ(v->exts, id, -1) : -1, same;
	X509_EXTENSION *e;
	char l[160];

	oid_label(id, l, sizeof(l));
	if (idx < 0) {
		BIO_printf(out, "  missing extension %s in extensionRequest (CSR template)\n", l);
		(*missing)++;
		return;
	}
	e = X509v3_get_ext(v->exts, idx);
	if (critical > 0 && !X509_EXTENSION_get_critical(e)) {
		BIO_printf(out, "  extension %s is not critical, as the CSR template asks\n", l);
		(*missing)++;
	}
	if (!value || ASN1_STRING_length(value) == 0)
		return;
	same = OBJ_obj2nid(id) == NID_subject_alt_name ? san_fills(value, X509_EXTENSION_get_data(e)) : -1;
	if (same < 0)
		same = ASN1_OCTET_STRING_cmp(value, X509_EXTENSION_get_data(e)) == 0;
	if (same)
		return;
	BIO_printf(out, "  extension %s has another value than the CSR template gives\n", l);
	(*missing)++;
}

static void check_template(const struct csr_view *v, X509_ATTRIBUTE *a, BIO *out, int *missing)
{
	char err[200];
	CRI_TEMPLATE *t = template_decode(a, err, sizeof(err));
	int i, j;

	if (!t) {	/* checked by csrattrs_load */
		BIO_printf(out, "  the CSR template: %s\n", err);
		(*missing)++;
		return;
	}
	if (t->subject)
		check_tmpl_subject(v, t->subject, out, missing);
	if (t->spki)
		check_tmpl_key(v, t->spki, out, missing);
	for (i = 0; i < sk_X509_ATTRIBUTE_num(t->attributes); i++) {
		X509_ATTRIBUTE *ta = sk_X509_ATTRIBUTE_value(t->attributes, i);
		const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(ta);
		ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(ta, 0);

		if (OBJ_obj2nid(type) == NID_ext_req) {
			X509_EXTENSIONS *exts = decode_all(ASN1_ITEM_rptr(X509_EXTENSIONS),
							   val->value.sequence->data,
							   val->value.sequence->length);

			for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
				X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, j);

				check_tmpl_ext(v, X509_EXTENSION_get_object(e), X509_EXTENSION_get_critical(e),
					       X509_EXTENSION_get_data(e), out, missing);
			}
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		} else if (is_oid(type, OID_EXT_REQ_TEMPLATE)) {
			EXT_TEMPLATES *exts = decode_all(ASN1_ITEM_rptr(EXT_TEMPLATES),
							 val->value.sequence->data,
							 val->value.sequence->length);

			for (j = 0; j < sk_EXT_TEMPLATE_num(exts); j++) {
				EXT_TEMPLATE *e = sk_EXT_TEMPLATE_value(exts, j);

				check_tmpl_ext(v, e->id, e->critical, e->value, out, missing);
			}
			ASN1_item_free((ASN1_VALUE *)exts, ASN1_ITEM_rptr(EXT_TEMPLATES));
		} else if (OBJ_obj2nid(type) == NID_pkcs9_challengePassword) {
			if (!has_attr(v, type)) {
				BIO_printf(out, "  missing attribute challengePassword (CSR template)\n");
				(*missing)++;
			}
		} else {
			need_present(v, type, out, missing);
		}
	}
	ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(CRI_TEMPLATE));
}

/* -1 on an internal error; else the number of unmet items, each described
 * on a line of *text (malloc'd, NUL-terminated; NULL when none).  ca NULL:
 * nothing is asked for (--csrattrs-empty). */
int csrattrs_enforce(const struct csrattrs *ca, X509_REQ *req, char **text)
{
	struct csr_view v;
	X509_PUBKEY *xpk = X509_REQ_get_X509_PUBKEY(req);
	ASN1_OBJECT *key_alg = NULL;
	X509_ALGOR *kalg = NULL;
	const X509_ALGOR *salg = NULL;
	const ASN1_OBJECT *sig_alg = NULL;
	const void *pval = NULL;
	BIO *out = BIO_new(BIO_s_mem());
	X509_ATTRIBUTE *tmpl;
	int ptype = 0, missing = 0, i;
	char *data;
	long n;

	*text = NULL;
	memset(&v, 0, sizeof(v));
	if (!out || !xpk || !X509_PUBKEY_get0_param(&key_alg, NULL, NULL, &kalg, xpk)) {
		BIO_free(out);
		return -1;
	}
	X509_ALGOR_get0(NULL, &ptype, &pval, kalg);
	X509_REQ_get0_signature(req, NULL, &salg);
	X509_ALGOR_get0(&sig_alg, NULL, NULL, salg);
	v.req = req;
	v.exts = X509_REQ_get_extensions(req);
	v.key_alg = key_alg;
	v.curve = OBJ_obj2nid(key_alg) == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT ?
		  pval : NULL;
	v.sig_alg = sig_alg;
	v.bits = X509_REQ_get0_pubkey(req) ? EVP_PKEY_get_bits(X509_REQ_get0_pubkey(req)) : 0;
	tmpl = ca ? template_attr(ca->items) : NULL;
	if (tmpl)	/* RFC 9908 section 4: the template alone */
		check_template(&v, tmpl, out, &missing);
	for (i = 0; ca && !tmpl && i < sk_ATTR_OR_OID_num(ca->items); i++) {
		ATTR_OR_OID *it = sk_ATTR_OR_OID_value(ca->items, i);

		if (it->type == AOO_OID)
			check_oid(&v, it->d.oid, out, &missing);
		else
			check_attr(&v, it->d.attribute, out, &missing);
	}
	sk_X509_EXTENSION_pop_free(v.exts, X509_EXTENSION_free);
	if (missing) {
		n = BIO_get_mem_data(out, &data);
		*text = malloc((size_t)n + 1);
		if (!*text) {
			BIO_free(out);
			return -1;
		}
		memcpy(*text, data, (size_t)n);
		(*text)[n] = '\0';
	}
	BIO_free(out);
	ERR_clear_error();
	return missing;
}
