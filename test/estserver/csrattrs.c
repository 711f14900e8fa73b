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

#include "csrattrs-int.h"
#include "estserver.h"

#define CSRATTRS_MAX_FILE (64 * 1024)

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

int csr_is_oid(const ASN1_OBJECT *obj, const char *dotted)
{
	char num[64];

	return OBJ_obj2txt(num, sizeof(num), obj, 1) > 0 && strcmp(num, dotted) == 0;
}

static int is_mac_address(const ASN1_OBJECT *obj)
{
	return csr_is_oid(obj, OID_MAC_ADDRESS);
}

/* The CsrAttrs item that is a template, or NULL. */
static X509_ATTRIBUTE *template_attr(CSR_ATTRS *items)
{
	int i;

	for (i = 0; i < sk_ATTR_OR_OID_num(items); i++) {
		ATTR_OR_OID *it = sk_ATTR_OR_OID_value(items, i);

		if (it->type == AOO_ATTR &&
		    csr_is_oid(X509_ATTRIBUTE_get0_object(it->d.attribute), OID_CRI_TEMPLATE))
			return it->d.attribute;
	}
	return NULL;
}

/* "name (1.2.3)" or "1.2.3" for an OID OpenSSL cannot name. */
char *csr_oid_label(const ASN1_OBJECT *obj, char *buf, size_t len)
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
		if (csr_is_oid(X509_ATTRIBUTE_get0_object(a), OID_CRI_TEMPLATE)) {
			char why[200];

			if (!csrtmpl_valid(a, why, sizeof(why))) {
				snprintf(err, errlen, "item %d, attribute %s: %s (--enforce-csrattrs "
					 "cannot check it)", i + 1,
					 csr_oid_label(X509_ATTRIBUTE_get0_object(a), label, sizeof(label)), why);
				return 0;
			}
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
					 csr_oid_label(X509_ATTRIBUTE_get0_object(a), label, sizeof(label)),
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


int csr_has_attr(const struct csr_view *v, const ASN1_OBJECT *obj)
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
void csr_need_present(const struct csr_view *v, const ASN1_OBJECT *obj, BIO *out, int *missing)
{
	char l[160];
	int nid = OBJ_obj2nid(obj);

	csr_oid_label(obj, l, sizeof(l));
	if (nid == NID_pkcs9_challengePassword || nid == NID_ext_req) {
		if (csr_has_attr(v, obj))
			return;
		BIO_printf(out, "  missing attribute %s\n", l);
	} else if (is_mac_address(obj)) {
		if (csr_has_attr(v, obj) || has_subject(v, obj) || has_ext(v, obj))
			return;
		BIO_printf(out, "  missing %s: no CSR attribute, subject attribute or "
			   "extension in extensionRequest of this type\n", l);
	} else if (nid != NID_undef && X509V3_EXT_get_nid(nid)) {
		if (has_ext(v, obj))
			return;
		BIO_printf(out, "  missing extension %s in extensionRequest\n", l);
	} else {
		if (csr_has_attr(v, obj) || has_subject(v, obj))
			return;
		BIO_printf(out, "  missing %s: no CSR attribute or subject attribute of this type\n", l);
	}
	(*missing)++;
}

void csr_describe_key(const struct csr_view *v, char *buf, size_t len)
{
	char a[160], c[160];

	csr_oid_label(v->key_alg, a, sizeof(a));
	if (v->curve)
		snprintf(buf, len, "%s with curve %s", a, csr_oid_label(v->curve, c, sizeof(c)));
	else if (OBJ_obj2nid(v->key_alg) == NID_rsaEncryption)
		snprintf(buf, len, "%s of %d bits", a, v->bits);
	else
		snprintf(buf, len, "%s", a);
}

static void check_oid(const struct csr_view *v, const ASN1_OBJECT *obj, BIO *out, int *missing)
{
	char want[160], have[200];
	int nid = OBJ_obj2nid(obj), md = NID_undef, pk = NID_undef, sig_md = NID_undef;

	csr_oid_label(obj, want, sizeof(want));
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, &pk)) {
		if (OBJ_cmp(v->sig_alg, obj) == 0)
			return;
		BIO_printf(out, "  missing signature algorithm %s: the CSR is signed with %s\n",
			   want, csr_oid_label(v->sig_alg, have, sizeof(have)));
	} else if (nid != NID_undef && EVP_get_digestbynid(nid)) {
		OBJ_find_sigid_algs(OBJ_obj2nid(v->sig_alg), &sig_md, NULL);
		if (sig_md == nid)
			return;
		BIO_printf(out, "  missing hash %s: the CSR is signed with %s\n",
			   want, csr_oid_label(v->sig_alg, have, sizeof(have)));
	} else if (nid != NID_undef && EVP_PKEY_asn1_find(NULL, nid)) {
		if (OBJ_cmp(v->key_alg, obj) == 0)
			return;
		csr_describe_key(v, have, sizeof(have));
		BIO_printf(out, "  missing key type %s: the CSR key is %s\n", want, have);
	} else {
		csr_need_present(v, obj, out, missing);
		return;
	}
	(*missing)++;
}

static void check_attr(const struct csr_view *v, X509_ATTRIBUTE *a, BIO *out, int *missing)
{
	const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(a);
	char want[160], have[200], l[160];
	int nid = OBJ_obj2nid(type), n = X509_ATTRIBUTE_count(a), i, ok = 0;

	csr_oid_label(type, want, sizeof(want));
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
					   csr_oid_label(t->value.object, l, sizeof(l)));
			} else {
				ASN1_INTEGER_get_int64(&bits, t->value.integer);
				ok |= OBJ_cmp(v->key_alg, type) == 0 && v->bits == bits;
				BIO_printf(list, "%s%lld", i ? " or " : "", (long long)bits);
			}
		}
		if (!ok) {
			BIO_write(list, "", 1);
			BIO_get_mem_data(list, &txt);
			csr_describe_key(v, have, sizeof(have));
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

					if (has_ext(v, e) || (is_mac_address(e) && csr_has_attr(v, e)))
						continue;
					BIO_printf(out, "  missing extension %s in extensionRequest%s\n",
						   csr_oid_label(e, l, sizeof(l)),
						   is_mac_address(e) ? " (or a macAddress attribute)" : "");
					(*missing)++;
				}
			}
			sk_ASN1_OBJECT_free(types);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		}
	} else {
		csr_need_present(v, type, out, missing);
	}
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
		csrtmpl_check(&v, tmpl, out, &missing);
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
