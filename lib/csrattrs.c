/* SPDX-License-Identifier: BSD-3-Clause */
/* csrattrs.c - decode the /csrattrs response into readable lines. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "csrattrs.h"
#include "log.h"
#include "rc.h"

/*
 * CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID
 * AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }
 * Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET OF ANY }
 *
 * The structure is at most five levels deep (CsrAttrs, Attribute, values,
 * Extensions, Extension), so it is walked with ASN1_get_object and no
 * recursion; every element is checked against what is left of its parent.
 */

#define OID_EXTENSION_REQUEST "1.2.840.113549.1.9.14"

/* One TLV inside [p, end). */
struct tlv {
	const unsigned char *start;   /* first byte of the tag */
	const unsigned char *val;     /* first byte of the contents */
	long len;                     /* contents length */
	int tag, cls, cons;
};

static int bad_der(const char *what)
{
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "csrattrs response is not valid DER (%s)", what);
}

/* Read the next element of [*p, end) and advance *p past it.  Definite
 * lengths only (DER), contents must fit in what is left. */
static int next_tlv(const unsigned char **p, const unsigned char *end, struct tlv *t)
{
	const unsigned char *q = *p;
	long len = 0;
	int tag = 0, cls = 0, r;

	if (q >= end)
		return bad_der("truncated");
	if (end - q > LONG_MAX)
		return bad_der("too large");
	ERR_set_mark();
	r = ASN1_get_object(&q, &len, &tag, &cls, (long)(end - q));
	ERR_pop_to_mark();
	if (r & 0x80)
		return bad_der("bad tag or length, or element longer than its container");
	if ((r & V_ASN1_CONSTRUCTED) && (r & 1))
		return bad_der("indefinite length");
	if (len < 0 || q > end || len > end - q)
		return bad_der("element longer than its container");
	t->start = *p;
	t->val = q;
	t->len = len;
	t->tag = tag;
	t->cls = cls;
	t->cons = (r & V_ASN1_CONSTRUCTED) != 0;
	*p = q + len;
	return HWE_OK;
}

static int is_universal(const struct tlv *t, int tag, int cons)
{
	return t->cls == V_ASN1_UNIVERSAL && t->tag == tag && t->cons == cons;
}

/* Names EST servers use that OpenSSL does not know. */
static const char *local_name(const char *dotted)
{
	static const struct {
		const char *oid, *name;
	} names[] = {
		{ "1.3.6.1.1.1.1.22", "macAddress" },   /* RFC 2307, RFC 7030 example */
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(dotted, names[i].oid) == 0)
			return names[i].name;
	return NULL;
}

/* Print "1.2.3 (shortName)" for an OBJECT IDENTIFIER element. */
static int print_oid(BIO *b, const struct tlv *t, char **dotted)
{
	int ret = HWE_EXIT_RESPONSE;
	const unsigned char *q = t->start;
	ASN1_OBJECT *obj = NULL;
	char *txt = NULL;
	int n, nid;

	ERR_set_mark();
	obj = d2i_ASN1_OBJECT(NULL, &q, (long)(t->val + t->len - t->start));
	ERR_pop_to_mark();
	if (!obj || q != t->val + t->len) {
		bad_der("malformed OBJECT IDENTIFIER");
		goto out;
	}
	n = OBJ_obj2txt(NULL, 0, obj, 1);
	if (n <= 0) {
		bad_der("malformed OBJECT IDENTIFIER");
		goto out;
	}
	txt = malloc((size_t)n + 1);
	if (!txt) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	OBJ_obj2txt(txt, n + 1, obj, 1);
	nid = OBJ_obj2nid(obj);
	if (nid != NID_undef && OBJ_nid2sn(nid))
		BIO_printf(b, "%s (%s)", txt, OBJ_nid2sn(nid));
	else if (local_name(txt))
		BIO_printf(b, "%s (%s)", txt, local_name(txt));
	else
		BIO_printf(b, "%s", txt);
	if (dotted) {
		*dotted = txt;
		txt = NULL;
	}
	ret = HWE_OK;
out:
	free(txt);
	ASN1_OBJECT_free(obj);
	return ret;
}

/* "<OCTET STRING, 5 bytes>", "<[0] constructed, 3 bytes>" */
static void print_other(BIO *b, const struct tlv *t)
{
	static const char *const classes[] = { "universal", "application", "context", "private" };

	if (t->cls == V_ASN1_UNIVERSAL)
		BIO_printf(b, "<%s, %ld bytes>", ASN1_tag2str(t->tag), t->len);
	else
		BIO_printf(b, "<%s [%d]%s, %ld bytes>", classes[(t->cls >> 6) & 3], t->tag,
			   t->cons ? " constructed" : "", t->len);
}

/* RFC 9908: an extensionRequest value is Extensions, SEQUENCE OF Extension
 * { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }, where
 * the extension's presence asks for it and an empty extnValue leaves the
 * value to the client.  Printed as "extensions: 2.5.29.17 (subjectAltName),
 * 2.5.29.19 (basicConstraints) [critical, 5 bytes]". */
static int print_extensions(BIO *b, const struct tlv *seq)
{
	const unsigned char *p = seq->val, *end = seq->val + seq->len;
	int ret, first = 1;

	BIO_printf(b, "extensions [");
	while (p < end) {
		struct tlv ext, t;
		const unsigned char *q, *qend;
		int critical = 0, has;
		long vlen = 0;

		if ((ret = next_tlv(&p, end, &ext)) != HWE_OK)
			return ret;
		if (!is_universal(&ext, V_ASN1_SEQUENCE, 1))
			return bad_der("Extension is not a SEQUENCE");
		q = ext.val;
		qend = ext.val + ext.len;
		if ((ret = next_tlv(&q, qend, &t)) != HWE_OK)
			return ret;
		if (!is_universal(&t, V_ASN1_OBJECT, 0))
			return bad_der("Extension does not start with an OBJECT IDENTIFIER");
		if (!first)
			BIO_printf(b, ", ");
		first = 0;
		if ((ret = print_oid(b, &t, NULL)) != HWE_OK)
			return ret;
		has = q < qend;
		if (has && (ret = next_tlv(&q, qend, &t)) != HWE_OK)
			return ret;
		if (has && is_universal(&t, V_ASN1_BOOLEAN, 0)) {
			if (t.len != 1)
				return bad_der("malformed BOOLEAN");
			critical = t.val[0] != 0;
			has = q < qend;
			if (has && (ret = next_tlv(&q, qend, &t)) != HWE_OK)
				return ret;
		}
		/* extnValue is required by RFC 5280; a template may omit it */
		if (has) {
			if (!is_universal(&t, V_ASN1_OCTET_STRING, 0))
				return bad_der("extnValue is not an OCTET STRING");
			vlen = t.len;
		}
		if (q != qend)
			return bad_der("unexpected data in an Extension");
		if (critical && vlen)
			BIO_printf(b, " [critical, %ld bytes]", vlen);
		else if (critical)
			BIO_printf(b, " [critical]");
		else if (vlen)
			BIO_printf(b, " [%ld bytes]", vlen);
	}
	BIO_printf(b, "]");
	return HWE_OK;
}

/* Attribute ::= SEQUENCE { type OID, values SET OF ANY } ->
 * "attribute 1.2.840.10045.2.1 (id-ecPublicKey): 1.3.132.0.34 (secp384r1)" */
static int print_attribute(BIO *b, const struct tlv *attr)
{
	int ret = HWE_EXIT_RESPONSE, first = 1, extreq;
	const unsigned char *p = attr->val, *end = attr->val + attr->len, *v, *vend;
	struct tlv type, set;
	char *dotted = NULL;

	if ((ret = next_tlv(&p, end, &type)) != HWE_OK)
		goto out;
	if (!is_universal(&type, V_ASN1_OBJECT, 0)) {
		ret = bad_der("Attribute type is not an OBJECT IDENTIFIER");
		goto out;
	}
	BIO_printf(b, "attribute ");
	if ((ret = print_oid(b, &type, &dotted)) != HWE_OK)
		goto out;
	extreq = strcmp(dotted, OID_EXTENSION_REQUEST) == 0;
	if ((ret = next_tlv(&p, end, &set)) != HWE_OK)
		goto out;
	if (!is_universal(&set, V_ASN1_SET, 1)) {
		ret = bad_der("Attribute values are not a SET");
		goto out;
	}
	if (p != end) {
		ret = bad_der("unexpected data after Attribute values");
		goto out;
	}
	BIO_printf(b, ":");
	v = set.val;
	vend = set.val + set.len;
	if (v == vend)
		BIO_printf(b, " (no values)");
	while (v < vend) {
		struct tlv val;

		if ((ret = next_tlv(&v, vend, &val)) != HWE_OK)
			goto out;
		BIO_printf(b, first ? " " : ", ");
		first = 0;
		if (is_universal(&val, V_ASN1_OBJECT, 0))
			ret = print_oid(b, &val, NULL);
		else if (extreq && is_universal(&val, V_ASN1_SEQUENCE, 1))
			ret = print_extensions(b, &val);
		else
			print_other(b, &val);
		if (ret != HWE_OK)
			goto out;
	}
	ret = HWE_OK;
out:
	free(dotted);
	return ret;
}

int hwe_csrattrs_decode(const unsigned char *der, size_t len, char **text)
{
	int ret = HWE_EXIT_RESPONSE, n = 0;
	const unsigned char *p = der, *end, *q, *qend;
	struct tlv outer;
	BIO *b = NULL;
	char *data = NULL, *res = NULL;
	long blen;

	if (!text || (!der && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "csrattrs decode: invalid arguments");
	*text = NULL;
	if (len == 0) {
		/* some servers answer 200 with no body instead of 204 */
		*text = strdup("");
		return *text ? HWE_OK : hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
	}
	end = der + len;
	b = BIO_new(BIO_s_mem());
	if (!b) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if ((ret = next_tlv(&p, end, &outer)) != HWE_OK)
		goto out;
	if (!is_universal(&outer, V_ASN1_SEQUENCE, 1)) {
		ret = bad_der("not a SEQUENCE");
		goto out;
	}
	if (p != end) {
		ret = bad_der("trailing data after the SEQUENCE");
		goto out;
	}
	q = outer.val;
	qend = outer.val + outer.len;
	while (q < qend) {
		struct tlv item;

		if ((ret = next_tlv(&q, qend, &item)) != HWE_OK)
			goto out;
		if (is_universal(&item, V_ASN1_OBJECT, 0)) {
			BIO_printf(b, "oid ");
			ret = print_oid(b, &item, NULL);
		} else if (is_universal(&item, V_ASN1_SEQUENCE, 1)) {
			ret = print_attribute(b, &item);
		} else {
			ret = bad_der("item is neither an OBJECT IDENTIFIER nor an Attribute");
		}
		if (ret != HWE_OK)
			goto out;
		BIO_printf(b, "\n");
		n++;
	}
	blen = BIO_get_mem_data(b, &data);
	if (blen < 0)
		blen = 0;
	res = malloc((size_t)blen + 1);
	if (!res) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if (blen)
		memcpy(res, data, (size_t)blen);
	res[blen] = '\0';
	hwe_debug("csrattrs: %d item(s)", n);
	*text = res;
	res = NULL;
	ret = HWE_OK;
out:
	free(res);
	BIO_free(b);
	return ret;
}
