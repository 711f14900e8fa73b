// SPDX-License-Identifier: BSD-3-Clause
/* csrtmpl.c - hwe-estserver's check of a CSR against an RFC 9908 CSR
 * template (section 3.4): the value of an id-aa-certificationRequestInfoTemplate
 * attribute of /csrattrs, decoded by OpenSSL's ASN.1 templates.  What is
 * checked: see csrattrs.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csrattrs-int.h"

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

		if (!ext_req && !csr_is_oid(type, OID_EXT_REQ_TEMPLATE))
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

int csrtmpl_valid(X509_ATTRIBUTE *a, char *err, size_t errlen)
{
	CRI_TEMPLATE *t = template_decode(a, err, errlen);

	ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(CRI_TEMPLATE));
	return t != NULL;
}

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
				csr_oid_label(sa->type, l, sizeof(l));
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
	csr_oid_label(alg, want, sizeof(want));
	if (OBJ_obj2nid(alg) == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT) {
		ok = ok && v->curve && OBJ_cmp(v->curve, pval) == 0;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), " with curve %s",
			 csr_oid_label(pval, c, sizeof(c)));
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
	csr_describe_key(v, have, sizeof(have));
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

	csr_oid_label(id, l, sizeof(l));
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

void csrtmpl_check(const struct csr_view *v, X509_ATTRIBUTE *a, BIO *out, int *missing)
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
		} else if (csr_is_oid(type, OID_EXT_REQ_TEMPLATE)) {
			EXT_TEMPLATES *exts = decode_all(ASN1_ITEM_rptr(EXT_TEMPLATES),
							 val->value.sequence->data,
							 val->value.sequence->length);

			for (j = 0; j < sk_EXT_TEMPLATE_num(exts); j++) {
				EXT_TEMPLATE *e = sk_EXT_TEMPLATE_value(exts, j);

				check_tmpl_ext(v, e->id, e->critical, e->value, out, missing);
			}
			ASN1_item_free((ASN1_VALUE *)exts, ASN1_ITEM_rptr(EXT_TEMPLATES));
		} else if (OBJ_obj2nid(type) == NID_pkcs9_challengePassword) {
			if (!csr_has_attr(v, type)) {
				BIO_printf(out, "  missing attribute challengePassword (CSR template)\n");
				(*missing)++;
			}
		} else {
			csr_need_present(v, type, out, missing);
		}
	}
	ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(CRI_TEMPLATE));
}

