/* SPDX-License-Identifier: BSD-3-Clause */
/* csrreq-tmpl.c - the CSR template of RFC 9908 section 3.4 in /csrattrs:
 * decoded with OpenSSL ASN.1 templates into csrreq items, and the part of
 * the plan that fills it in (its subject, its extensions with values).
 *
 * From the ASN.1 module of RFC 9908 Appendix A (IMPLICIT TAGS):
 *
 *   CertificationRequestInfoTemplate ::= SEQUENCE {
 *       version       INTEGER { v1(0) } (v1, ... ),
 *       subject       NameTemplate OPTIONAL,
 *       subjectPKInfo [0] SubjectPublicKeyInfoTemplate {{ PKInfoAlgorithms }} OPTIONAL,
 *       attributes    [1] Attributes{{ CRIAttributes }} }
 *   NameTemplate ::= CHOICE { rdnSequence RDNSequenceTemplate }
 *   RDNSequenceTemplate ::= SEQUENCE OF RelativeDistinguishedNameTemplate
 *   RelativeDistinguishedNameTemplate ::= SET SIZE (1 .. MAX) OF SingleAttributeTemplate
 *   SingleAttributeTemplate ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY OPTIONAL }
 *   SubjectPublicKeyInfoTemplate ::= SEQUENCE {
 *       algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING OPTIONAL }
 *   ExtensionReqTemplate ::= SEQUENCE SIZE (1..MAX) OF ExtensionTemplate
 *   ExtensionTemplate ::= SEQUENCE { extnID OBJECT IDENTIFIER,
 *       critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING OPTIONAL }
 *
 * The template is the one value of an Attribute of type
 * id-aa-certificationRequestInfoTemplate (1.2.840.113549.1.9.16.2.61);
 * ExtensionReqTemplate is the one value of an id-aa-extensionReqTemplate
 * (1.2.840.113549.1.9.16.2.62) Attribute among the template's attributes.
 *
 * Choices where RFC 9908 leaves one:
 *   - an RDN or extension value that is present but empty (the CRMF/CMP
 *     way of leaving a value open) is treated as absent: the client fills it
 *   - the subject sent is the template's RDNs, in its order; subject fields
 *     of the config that the template does not name are left out
 *   - a value the client fills is taken from the config: the k-th subject
 *     field of a type without value gets the config's k-th value of that type
 *   - a subjectAltName with placeholders (an empty dNSName, rfc822Name, URI or
 *     iPAddress; RFC 9908 names the empty iPAddress) keeps the server's
 *     names and gets, for each placeholder type, the config's
 *     subjectAltNames of that type; a NULL-DN directoryName cannot be filled
 *   - RSA key size: the modulus length of the placeholder subjectPublicKey
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "csrreq-int.h"
#include "log.h"
#include "rc.h"

/* SingleAttributeTemplate ::= SEQUENCE { type OBJECT IDENTIFIER,
 * value ANY OPTIONAL }: an RDN attribute whose value may be absent */
HWE_ASN1_SEQ2(TMPL_SATTR, ASN1_OBJECT, type, ASN1_SIMPLE, ASN1_TYPE, value, ASN1_OPT, ASN1_ANY)

/* RelativeDistinguishedNameTemplate ::= SET SIZE (1..MAX) OF SingleAttributeTemplate */
HWE_ASN1_STACK_ITEM(TMPL_RDN, TMPL_SATTR, ASN1_TFLG_SET_OF, RDN)

DEFINE_STACK_OF(TMPL_RDN)
/* NameTemplate: its one alternative, RDNSequenceTemplate ::= SEQUENCE OF
 * RelativeDistinguishedNameTemplate (in TMPL_CRI: an item template cannot
 * be OPTIONAL) */
typedef STACK_OF(TMPL_RDN) TMPL_NAME;

/* SubjectPublicKeyInfoTemplate ::= SEQUENCE { algorithm AlgorithmIdentifier,
 * subjectPublicKey BIT STRING OPTIONAL } */
HWE_ASN1_SEQ2(TMPL_SPKI, X509_ALGOR, algorithm, ASN1_SIMPLE, ASN1_BIT_STRING, key, ASN1_OPT, ASN1_BIT_STRING)

typedef struct {
	ASN1_INTEGER *version;
	TMPL_NAME *subject;
	TMPL_SPKI *spki;
	STACK_OF(X509_ATTRIBUTE) *attributes;
} TMPL_CRI;

ASN1_SEQUENCE(TMPL_CRI) = {
	ASN1_SIMPLE(TMPL_CRI, version, ASN1_INTEGER),
	ASN1_SEQUENCE_OF_OPT(TMPL_CRI, subject, TMPL_RDN),
	ASN1_IMP_OPT(TMPL_CRI, spki, TMPL_SPKI, 0),
	ASN1_IMP_SET_OF(TMPL_CRI, attributes, X509_ATTRIBUTE, 1),
} static_ASN1_SEQUENCE_END(TMPL_CRI)

typedef struct {
	ASN1_OBJECT *id;
	ASN1_BOOLEAN critical;
	ASN1_OCTET_STRING *value;
} TMPL_EXT;

ASN1_SEQUENCE(TMPL_EXT) = {
	ASN1_SIMPLE(TMPL_EXT, id, ASN1_OBJECT),
	ASN1_OPT(TMPL_EXT, critical, ASN1_FBOOLEAN),
	ASN1_OPT(TMPL_EXT, value, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(TMPL_EXT)

HWE_ASN1_STACK_ITEM(TMPL_EXTS, TMPL_EXT, ASN1_TFLG_SEQUENCE_OF, ExtensionTemplates)

/* RSAPublicKey (RFC 8017 A.1.1), for the modulus length of a placeholder key */
/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017) */
HWE_ASN1_SEQ2(TMPL_RSA_PUB, ASN1_INTEGER, n, ASN1_SIMPLE, ASN1_INTEGER, e, ASN1_SIMPLE, ASN1_INTEGER)

static int badf(const char *what, const struct hwe_csrreq_item *it)
{
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "csrattrs response: CSR template: %s %s%s%s",
		       what, it->oid, it->name[0] ? " " : "", it->name);
}

/* Decode der (all of it) as item; NULL if it is not that. */
static void *decode(const ASN1_ITEM *item, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	ASN1_VALUE *v;

	ERR_set_mark();
	v = ASN1_item_d2i(NULL, &p, len, item);
	ERR_pop_to_mark();
	if (v && p != der + len) {
		ASN1_item_free(v, item);
		v = NULL;
	}
	return v;
}

static int set_value(struct hwe_csrreq_item *it, const unsigned char *v, size_t n)
{
	if (n == 0)
		return HWE_OK;   /* present but empty: the client fills it */
	if (!(it->value = malloc(n)))
		return hwe_err_oom();
	memcpy(it->value, v, n);
	it->value_len = n;
	return HWE_OK;
}

static int directory_string(int type)
{
	switch (type) {
	case V_ASN1_UTF8STRING: case V_ASN1_PRINTABLESTRING: case V_ASN1_IA5STRING:
	case V_ASN1_T61STRING: case V_ASN1_BMPSTRING: case V_ASN1_UNIVERSALSTRING:
	case V_ASN1_NUMERICSTRING: case V_ASN1_VISIBLESTRING:
		return 1;
	default:
		return 0;
	}
}

static int add_subject(struct hwe_csrreq *r, TMPL_NAME *name)
{
	struct hwe_csrreq_item *it;
	unsigned char *u;
	int i, j, n, ret;

	for (i = 0; i < sk_TMPL_RDN_num(name); i++) {
		TMPL_RDN *rdn = sk_TMPL_RDN_value(name, i);

		/* RelativeDistinguishedNameTemplate ::= SET SIZE (1 .. MAX) OF ... */
		if (sk_TMPL_SATTR_num(rdn) <= 0)
			return hwe_csrreq_bad("CSR template: an RDN of the subject without attributes");
		for (j = 0; j < sk_TMPL_SATTR_num(rdn); j++) {
			TMPL_SATTR *sa = sk_TMPL_SATTR_value(rdn, j);

			if ((ret = hwe_csrreq_add_item(r, HWE_REQ_RDN, sa->type, &it)))
				return ret;
			it->from_template = 1;
			it->rdn = i;
			if (!sa->value)
				continue;
			if (!directory_string(sa->value->type))
				return badf("the subject value is not a directory string:", it);
			/* a string its type cannot hold (bad UTF-8, ...) could not be encoded */
			u = NULL;
			ERR_set_mark();
			n = ASN1_STRING_to_UTF8(&u, sa->value->value.asn1_string);
			ERR_pop_to_mark();
			OPENSSL_free(u);
			if (n < 0)
				return badf("the subject value is not a valid string of its type:", it);
			it->value_type = sa->value->type;
			ret = set_value(it, ASN1_STRING_get0_data(sa->value->value.asn1_string),
					(size_t)ASN1_STRING_length(sa->value->value.asn1_string));
			if (ret)
				return ret;
		}
	}
	return HWE_OK;
}

static int add_spki(struct hwe_csrreq *r, const TMPL_SPKI *spki)
{
	struct hwe_csrreq_item *it;
	const ASN1_OBJECT *alg;
	const void *pval;
	TMPL_RSA_PUB *rsa;
	BIGNUM *n;
	int ptype, nid, bits, ret;

	X509_ALGOR_get0(&alg, &ptype, &pval, spki->algorithm);
	if ((ret = hwe_csrreq_add_item(r, HWE_REQ_KEY, alg, &it)))
		return ret;
	it->from_template = 1;
	nid = OBJ_obj2nid(alg);
	if (nid == NID_X9_62_id_ecPublicKey) {
		it->key.alg = HWE_ALG_EC;
		if (ptype == V_ASN1_OBJECT) {
			it->key.curve_nid = OBJ_obj2nid(pval);
			if (it->key.curve_nid == NID_undef)
				return badf("the key's curve is one OpenSSL does not know:", it);
		} else if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
			return badf("the key parameters are not a named curve:", it);
		}
	} else if (nid == NID_rsaEncryption) {
		it->key.alg = HWE_ALG_RSA;
		if (!spki->key)
			return HWE_OK;
		/* RFC 9908 3.4: a placeholder key of the modulus length asked for */
		rsa = decode(ASN1_ITEM_rptr(TMPL_RSA_PUB), ASN1_STRING_get0_data(spki->key),
			     ASN1_STRING_length(spki->key));
		n = rsa ? ASN1_INTEGER_to_BN(rsa->n, NULL) : NULL;
		bits = n ? BN_num_bits(n) : 0;
		BN_free(n);
		ASN1_item_free((ASN1_VALUE *)rsa, ASN1_ITEM_rptr(TMPL_RSA_PUB));
		if (bits < 1024 || bits > 16384)
			return badf("the placeholder key is no RSAPublicKey of 1024 to 16384 bits:", it);
		it->key.bits = (unsigned)bits;
	}
	return HWE_OK;   /* another algorithm: unmet when planned */
}

/* A template extension: the server's value must be well-formed, an
 * extension may be asked for once. */
static int add_ext(struct hwe_csrreq *r, const ASN1_OBJECT *id, int critical,
		   const ASN1_OCTET_STRING *value)
{
	struct hwe_csrreq_item *it;
	const X509V3_EXT_METHOD *m;
	const unsigned char *v;
	void *dec;
	size_t i;
	int ret, n;

	if ((ret = hwe_csrreq_add_item(r, HWE_REQ_EXT, id, &it)))
		return ret;
	it->from_template = 1;
	it->critical = critical > 0;
	for (i = 0; i + 1 < r->n; i++)
		if (r->items[i].from_template && r->items[i].kind == HWE_REQ_EXT &&
		    strcmp(r->items[i].oid, it->oid) == 0)
			return badf("asks twice for extension", it);
	if (!value || ASN1_STRING_length(value) == 0)
		return HWE_OK;
	v = ASN1_STRING_get0_data(value);
	n = ASN1_STRING_length(value);
	m = it->nid != NID_undef ? X509V3_EXT_get_nid(it->nid) : NULL;
	if (m && m->it) {
		if (!(dec = decode(ASN1_ITEM_ptr(m->it), v, n)))
			return badf("malformed value of extension", it);
		ASN1_item_free(dec, ASN1_ITEM_ptr(m->it));
	}
	return set_value(it, v, (size_t)n);
}

/* The one value of an extensionRequest or id-aa-extensionReqTemplate
 * attribute of the template. */
static int add_ext_attr(struct hwe_csrreq *r, X509_ATTRIBUTE *a, int is_template)
{
	const ASN1_TYPE *v = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	const ASN1_ITEM *item = is_template ? ASN1_ITEM_rptr(TMPL_EXTS) : ASN1_ITEM_rptr(X509_EXTENSIONS);
	void *exts;
	int i, ret = HWE_OK;

	if (!v || v->type != V_ASN1_SEQUENCE)
		return hwe_csrreq_bad(is_template ? "CSR template: id-aa-extensionReqTemplate does not have one ExtensionTemplates value" :
				      "CSR template: extensionRequest does not have one Extensions value");
	exts = decode(item, v->value.sequence->data, v->value.sequence->length);
	if (!exts)
		return hwe_csrreq_bad(is_template ? "CSR template: malformed ExtensionTemplates" :
				      "CSR template: malformed Extensions in extensionRequest");
	if (is_template) {
		for (i = 0; ret == HWE_OK && i < sk_TMPL_EXT_num(exts); i++) {
			const TMPL_EXT *e = sk_TMPL_EXT_value(exts, i);

			ret = add_ext(r, e->id, e->critical, e->value);
		}
	} else {
		for (i = 0; ret == HWE_OK && i < sk_X509_EXTENSION_num(exts); i++) {
			X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

			ret = add_ext(r, X509_EXTENSION_get_object(e), X509_EXTENSION_get_critical(e),
				      X509_EXTENSION_get_data(e));
		}
	}
	ASN1_item_free(exts, item);
	return ret;
}

static int add_attributes(struct hwe_csrreq *r, STACK_OF(X509_ATTRIBUTE) *attrs)
{
	char oid[96];
	size_t start;
	int i, nid, seen = 0, ret = HWE_OK;

	for (i = 0; ret == HWE_OK && i < sk_X509_ATTRIBUTE_num(attrs); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(attrs, i);
		const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(a);

		nid = OBJ_obj2nid(type);
		if (OBJ_obj2txt(oid, sizeof(oid), type, 1) <= 0)
			return hwe_csrreq_bad("an OBJECT IDENTIFIER is malformed or too long");
		if (nid == NID_ext_req || strcmp(oid, HWE_OID_EXT_REQ_TEMPLATE) == 0) {
			/* RFC 9908 3.4: at most one of them, once */
			if (seen++)
				return hwe_csrreq_bad("CSR template: more than one extensionRequest or id-aa-extensionReqTemplate attribute");
			ret = add_ext_attr(r, a, nid != NID_ext_req);
		} else if (strcmp(oid, HWE_OID_CRI_TEMPLATE) == 0) {
			return hwe_csrreq_bad("CSR template: a template inside the template");
		} else {
			start = r->n;
			ret = hwe_csrreq_add_attr(r, a);
			while (ret == HWE_OK && start < r->n)
				r->items[start++].from_template = 1;
		}
	}
	return ret;
}

int hwe_csrreq_add_template(struct hwe_csrreq *r, X509_ATTRIBUTE *a)
{
	const ASN1_TYPE *v = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	struct hwe_csrreq_item *it;
	TMPL_CRI *cri = NULL;
	int ret;

	if (r->has_template)
		return hwe_csrreq_bad("more than one CSR template (id-aa-certificationRequestInfoTemplate)");
	if (!v || v->type != V_ASN1_SEQUENCE ||
	    !(cri = decode(ASN1_ITEM_rptr(TMPL_CRI), v->value.sequence->data,
			   v->value.sequence->length)))
		return hwe_csrreq_bad("id-aa-certificationRequestInfoTemplate does not hold one CertificationRequestInfoTemplate (RFC 9908 Appendix A)");
	if (ASN1_INTEGER_get(cri->version) != 0) {
		ret = hwe_csrreq_bad("CSR template version is not v1(0)");
		goto out;
	}
	r->has_template = 1;
	if ((ret = hwe_csrreq_add_item(r, HWE_REQ_TEMPLATE, X509_ATTRIBUTE_get0_object(a), &it)))
		goto out;
	it->from_template = 1;
	if (cri->subject && (ret = add_subject(r, cri->subject)))
		goto out;
	if (cri->spki && (ret = add_spki(r, cri->spki)))
		goto out;
	ret = add_attributes(r, cri->attributes);
out:
	ASN1_item_free((ASN1_VALUE *)cri, ASN1_ITEM_rptr(TMPL_CRI));
	return ret;
}

/* ---- the plan ---- */

/* The subject keys of the CSR config (csrconf.c): their names are OpenSSL's
 * long names. */
static const char *conf_key(int nid)
{
	switch (nid) {
	case NID_countryName: case NID_stateOrProvinceName: case NID_localityName:
	case NID_organizationName: case NID_organizationalUnitName: case NID_commonName:
	case NID_serialNumber: case NID_pkcs9_emailAddress:
		return OBJ_nid2ln(nid);
	default:
		return NULL;
	}
}

/* The k-th subject value of type nid in the config, or NULL. */
static const char *conf_value(const struct hwe_csrconf *conf, int nid, int k)
{
	size_t i;

	for (i = 0; conf && nid != NID_undef && i < conf->nrdns; i++)
		if (conf->rdns[i].nid == nid && k-- == 0)
			return conf->rdns[i].value;
	return NULL;
}

/* Does the certificate's subject have the field of it (with its value)? */
static int cert_has_field(X509 *cur, const ASN1_OBJECT *obj, const struct hwe_csrreq_item *it)
{
	const X509_NAME *name = X509_get_subject_name(cur);
	const ASN1_STRING *d;
	int i = -1;

	while ((i = X509_NAME_get_index_by_OBJ(name, obj, i)) >= 0) {
		if (!it->value)
			return 1;
		d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
		if ((size_t)ASN1_STRING_length(d) == it->value_len &&
		    memcmp(ASN1_STRING_get0_data(d), it->value, it->value_len) == 0)
			return 1;
	}
	return 0;
}

int hwe_csrreq_plan_subject(const struct hwe_csrreq *r, const struct hwe_csrconf *conf, X509 *cur,
			    struct hwe_csrreq_plan *p)
{
	const struct hwe_csrreq_item *it;
	ASN1_OBJECT *obj = NULL;
	const char *val, *key;
	char how[200];
	size_t i, j;
	int ret = HWE_OK, prev = -1, k, ok;

	for (i = 0; i < r->n && ret == HWE_OK; i++) {
		it = &r->items[i];
		if (it->kind != HWE_REQ_RDN)
			continue;
		if (!cur && !p->subject && !(p->subject = X509_NAME_new()))
			return hwe_err_oom();
		if (!(obj = OBJ_txt2obj(it->oid, 1)))
			return hwe_err_oom();
		key = conf_key(it->nid);
		if (cur) {
			/* RFC 7030 4.2.2: the subject stays the certificate's */
			if (!cert_has_field(cur, obj, it))
				ret = hwe_csrreq_unmet(p, it, it->value ?
						       "the current certificate's subject lacks this value of the CSR template (re-enroll keeps the subject: enroll again)" :
						       "the current certificate's subject lacks it (re-enroll keeps the subject: enroll again)");
		} else if (it->value) {
			ok = X509_NAME_add_entry_by_OBJ(p->subject, obj, it->value_type, it->value,
							(int)it->value_len, -1, it->rdn == prev ? -1 : 0);
			if (!ok)
				ret = hwe_err_oom();
		} else {
			/* the k-th field of this type to fill takes the config's k-th value */
			for (j = 0, k = 0; j < i; j++)
				k += r->items[j].kind == HWE_REQ_RDN && !r->items[j].value &&
				     r->items[j].nid == it->nid && it->nid != NID_undef;
			val = key ? conf_value(conf, it->nid, k) : NULL;
			if (val) {
				/* a type conf_key() names: it->nid is set */
				ret = hwe_csr_subject_add(p->subject, it->nid, val, it->rdn == prev ? -1 : 0);
			} else {
				if (key && k)
					snprintf(how, sizeof(how), "the server's CSR template asks for %d of them: add another %s=... to the CSR config",
						 k + 1, key);
				else if (key)
					snprintf(how, sizeof(how), "the server's CSR template asks for it: add %s=... to the CSR config",
						 key);
				else
					snprintf(how, sizeof(how), "the server's CSR template asks for this subject field, which the CSR config cannot supply");
				ret = hwe_csrreq_unmet(p, it, how);
			}
		}
		prev = it->rdn;
		ASN1_OBJECT_free(obj);
		obj = NULL;
	}
	return ret;
}

/* An empty name of a type the config can supply: its HWE_SAN_* type;
 * a NULL-DN directoryName: -1; else 0. */
static int placeholder(const GENERAL_NAME *gn)
{
	int type;
	const void *v = GENERAL_NAME_get0_value(gn, &type);

	switch (type) {
	case GEN_EMAIL:
		return ASN1_STRING_length(v) == 0 ? HWE_SAN_EMAIL : 0;
	case GEN_DNS:
		return ASN1_STRING_length(v) == 0 ? HWE_SAN_DNS : 0;
	case GEN_URI:
		return ASN1_STRING_length(v) == 0 ? HWE_SAN_URI : 0;
	case GEN_IPADD:
		return ASN1_STRING_length(v) == 0 ? HWE_SAN_IP : 0;
	case GEN_DIRNAME:
		return X509_NAME_entry_count(v) == 0 ? -1 : 0;
	default:
		return 0;
	}
}

static const char *san_type_name(int t)
{
	return t == HWE_SAN_EMAIL ? "email" : t == HWE_SAN_DNS ? "DNS" : t == HWE_SAN_URI ? "URI" :
	       t == HWE_SAN_IP ? "IP" : "directoryName";
}

/* The server's subjectAltName with its placeholders filled from the config
 * (enroll), or checked against the certificate's (reenroll). */
static int plan_san(const struct hwe_csrreq_item *it, GENERAL_NAMES *tmpl,
		    const struct hwe_csrconf *conf, X509 *cur, struct hwe_csrreq_plan *p,
		    GENERAL_NAMES **out)
{
	GENERAL_NAMES *names = NULL, *have = NULL;
	GENERAL_NAME *gn;
	unsigned filled = 0;
	char how[240];
	size_t k;
	int i, j, t, found, missing = 0, ret = HWE_OK;

	*out = NULL;
	if (cur)
		have = X509_get_ext_d2i(cur, NID_subject_alt_name, NULL, NULL);
	else if (!(names = sk_GENERAL_NAME_new_null()))
		return hwe_err_oom();
	for (i = 0; i < sk_GENERAL_NAME_num(tmpl) && ret == HWE_OK; i++) {
		gn = sk_GENERAL_NAME_value(tmpl, i);
		t = placeholder(gn);
		if (cur) {
			/* a placeholder: a name of its type; else that very name */
			for (j = 0, found = 0; j < sk_GENERAL_NAME_num(have) && !found; j++) {
				GENERAL_NAME *h = sk_GENERAL_NAME_value(have, j);

				found = t ? h->type == gn->type : GENERAL_NAME_cmp(h, gn) == 0;
			}
			if (!found && !missing++)
				ret = hwe_csrreq_unmet(p, it, "the current certificate's subjectAltName lacks a name the CSR template asks for (re-enroll keeps it: enroll again)");
			continue;
		}
		if (t < 0) {
			missing++;
			ret = hwe_csrreq_unmet(p, it, "the CSR template leaves a directoryName to fill, which the CSR config cannot supply");
			continue;
		}
		if (!t) {
			if (!(gn = GENERAL_NAME_dup(gn)) || !sk_GENERAL_NAME_push(names, gn)) {
				GENERAL_NAME_free(gn);
				ret = hwe_err_oom();
			}
			continue;
		}
		if (filled & (1u << t))
			continue;
		filled |= 1u << t;
		for (k = 0, found = 0; conf && k < conf->nsans && ret == HWE_OK; k++) {
			if ((int)conf->sans[k].type != t)
				continue;
			if ((ret = hwe_csr_san_name(&conf->sans[k], &gn)))
				break;
			if (!sk_GENERAL_NAME_push(names, gn)) {
				GENERAL_NAME_free(gn);
				ret = hwe_err_oom();
			}
			found++;
		}
		if (ret == HWE_OK && !found) {
			missing++;
			snprintf(how, sizeof(how), "the server's CSR template leaves %s %s name to fill: add subjectAltNames=...; VALUE, %d to the CSR config",
				 t == HWE_SAN_EMAIL || t == HWE_SAN_URI || t == HWE_SAN_IP ? "an" : "a",
				 san_type_name(t), t);
			ret = hwe_csrreq_unmet(p, it, how);
		}
	}
	GENERAL_NAMES_free(have);
	if (ret == HWE_OK && !missing)
		*out = names;
	else
		GENERAL_NAMES_free(names);
	return ret;
}

static int push_ext(struct hwe_csrreq_plan *p, X509_EXTENSION *ext)
{
	if (!ext || (!p->exts && !(p->exts = sk_X509_EXTENSION_new_null())) ||
	    !sk_X509_EXTENSION_push(p->exts, ext)) {
		X509_EXTENSION_free(ext);
		return hwe_err_oom();
	}
	return HWE_OK;
}

int hwe_csrreq_plan_fixed_ext(const struct hwe_csrreq_item *it, const struct hwe_csrconf *conf,
			      X509 *cur, struct hwe_csrreq_plan *p)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(it->oid, 1);
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	GENERAL_NAMES *tmpl = NULL, *names = NULL;
	const unsigned char *q = it->value;
	int i, any = 0, ret = HWE_OK;

	if (!obj || !val || !ASN1_OCTET_STRING_set(val, it->value, (int)it->value_len)) {
		ret = hwe_err_oom();
		goto out;
	}
	if (it->nid == NID_subject_alt_name) {
		/* well-formed: checked when it was parsed */
		tmpl = d2i_GENERAL_NAMES(NULL, &q, (long)it->value_len);
		if (!tmpl) {
			ret = hwe_err_oom();
			goto out;
		}
		for (i = 0; i < sk_GENERAL_NAME_num(tmpl); i++)
			any |= placeholder(sk_GENERAL_NAME_value(tmpl, i)) != 0;
		if (any || cur) {
			if ((ret = plan_san(it, tmpl, conf, cur, p, &names)) || !names)
				goto out;
			ret = push_ext(p, X509V3_EXT_i2d(NID_subject_alt_name, it->critical, names));
			goto out;
		}
	}
	/* the server's value, as it is */
	ret = push_ext(p, X509_EXTENSION_create_by_OBJ(NULL, obj, it->critical, val));
out:
	GENERAL_NAMES_free(tmpl);
	GENERAL_NAMES_free(names);
	ASN1_OCTET_STRING_free(val);
	ASN1_OBJECT_free(obj);
	return ret;
}

/* ---- hwenroll csrattrs ---- */

/* printable text: other bytes as '?', at most len - 1 */
static void printable(char *out, size_t len, const char *in, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++)
		out[o++] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : in[i] == '\n' ? ' ' : '?';
	out[o] = '\0';
}

/* The server's extension value as OpenSSL prints it (placeholders of a
 * subjectAltName named), on one line. */
static void ext_text(const struct hwe_csrreq_item *it, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	ASN1_OBJECT *obj = OBJ_txt2obj(it->oid, 1);
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	GENERAL_NAMES *names = NULL;
	const unsigned char *q = it->value;
	char *data = NULL;
	long n = 0;
	int i, t;

	snprintf(out, len, "%zu bytes", it->value_len);
	if (!b || !obj || !val || !ASN1_OCTET_STRING_set(val, it->value, (int)it->value_len))
		goto out;
	if (it->nid == NID_subject_alt_name &&
	    (names = d2i_GENERAL_NAMES(NULL, &q, (long)it->value_len))) {
		for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
			BIO_puts(b, i ? ", " : "");
			if ((t = placeholder(sk_GENERAL_NAME_value(names, i))))
				BIO_printf(b, "%s: %s", san_type_name(t),
					   t > 0 ? "from subjectAltNames= of the CSR config" : "to fill (hwenroll cannot)");
			else
				GENERAL_NAME_print(b, sk_GENERAL_NAME_value(names, i));
		}
	} else if (!(ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, val)) ||
		   X509V3_EXT_print(b, ext, X509V3_EXT_DEFAULT, 0) != 1) {
		goto out;
	}
	n = BIO_get_mem_data(b, &data);
	if (n > 0)
		printable(out, len, data, (size_t)n);
out:
	ERR_clear_error();
	GENERAL_NAMES_free(names);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(val);
	ASN1_OBJECT_free(obj);
	BIO_free(b);
}

void hwe_csrreq_describe_template(const struct hwe_csrreq_item *it, char *from, size_t len)
{
	const char *key = conf_key(it->nid);
	char v[200];

	switch (it->kind) {
	case HWE_REQ_TEMPLATE:
		snprintf(from, len, "CSR template (RFC 9908 section 3.4): the request follows it; of the server's other items only challengePassword and the signature algorithm count");
		break;
	case HWE_REQ_RDN:
		if (it->value) {
			printable(v, sizeof(v), (const char *)it->value, it->value_len);
			snprintf(from, len, "subject field (CSR template): fixed by the server: \"%s\"", v);
		} else if (key) {
			snprintf(from, len, "subject field (CSR template): %s= of the CSR config (re-enroll: the current certificate's)",
				 key);
		} else {
			snprintf(from, len, "subject field (CSR template): the CSR config cannot supply it (the enrollment stops before sending)");
		}
		break;
	case HWE_REQ_EXT:
		if (it->value) {
			ext_text(it, v, sizeof(v));
			snprintf(from, len, "extension (CSR template%s): fixed by the server: %s",
				 it->critical ? ", critical" : "", v);
		} else {
			snprintf(from, len, "extension (CSR template%s): %s", it->critical ? ", critical" : "",
				 strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0 ? "macAddress= of the CSR config, else the first network interface" :
				 it->nid == NID_subject_alt_name ? "subjectAltNames= of the CSR config (re-enroll: the current certificate's)" :
				 it->nid == NID_key_usage ? "keyUsage= of the CSR config" :
				 it->nid == NID_ext_key_usage ? "extendedKeyUsage= of the CSR config" :
				 it->nid == NID_basic_constraints ? "isCA= (and certPathLen=) of the CSR config" :
				 "hwenroll cannot make this extension (the enrollment stops before sending)");
		}
		break;
	default:
		snprintf(from, len, "(CSR template)");
		break;
	}
}
