/* SPDX-License-Identifier: BSD-3-Clause */
/* csrreq.c - the server's /csrattrs as requirements on the CSR, and the
 * plan that meets them (see csrreq.h; RFC 9908's template: csrreq-tmpl.c). */
#include "config.h"

#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "csrreq-int.h"
#include "log.h"
#include "rc.h"

#define MAX_ITEMS 256

/* AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute } */
typedef struct {
	int type;
	union {
		ASN1_OBJECT *oid;
		X509_ATTRIBUTE *attr;
	} d;
} HWE_ATTR_OR_OID;

ASN1_CHOICE(HWE_ATTR_OR_OID) = {
	ASN1_SIMPLE(HWE_ATTR_OR_OID, d.oid, ASN1_OBJECT),
	ASN1_SIMPLE(HWE_ATTR_OR_OID, d.attr, X509_ATTRIBUTE),
} static_ASN1_CHOICE_END(HWE_ATTR_OR_OID)

/* CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID */
HWE_ASN1_STACK_ITEM(HWE_CSR_ATTRS, HWE_ATTR_OR_OID, ASN1_TFLG_SEQUENCE_OF, CsrAttrs)

int hwe_csrreq_bad(const char *what)
{
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "csrattrs response: %s", what);
}

int hwe_csrreq_add_item(struct hwe_csrreq *r, enum hwe_csrreq_kind kind, const ASN1_OBJECT *obj,
			struct hwe_csrreq_item **out)
{
	struct hwe_csrreq_item *it, *n;
	const char *sn;

	if (r->n >= MAX_ITEMS)
		return hwe_csrreq_bad("more than 256 items");
	n = realloc(r->items, (r->n + 1) * sizeof(*n));
	if (!n)
		return hwe_err_oom();
	r->items = n;
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->nid = OBJ_obj2nid(obj);
	if (OBJ_obj2txt(it->oid, sizeof(it->oid), obj, 1) <= 0 ||
	    strlen(it->oid) >= sizeof(it->oid) - 1)
		return hwe_csrreq_bad("an OBJECT IDENTIFIER is malformed or too long");
	sn = it->nid != NID_undef ? OBJ_nid2sn(it->nid) : NULL;
	if (!sn && strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0)
		sn = "macAddress";
	else if (!sn && strcmp(it->oid, HWE_OID_CRI_TEMPLATE) == 0)
		sn = "id-aa-certificationRequestInfoTemplate";
	else if (!sn && strcmp(it->oid, HWE_OID_EXT_REQ_TEMPLATE) == 0)
		sn = "id-aa-extensionReqTemplate";
	snprintf(it->name, sizeof(it->name), "%s", sn ? sn : "");
	*out = it;
	return HWE_OK;
}

/* A bare OID: challengePassword, a signature algorithm, a key algorithm or
 * another attribute. */
static int add_oid(struct hwe_csrreq *r, const ASN1_OBJECT *obj)
{
	struct hwe_csrreq_item *it;
	int nid = OBJ_obj2nid(obj), md = NID_undef, pk = NID_undef, ret;

	if (nid == NID_pkcs9_challengePassword)
		return hwe_csrreq_add_item(r, HWE_REQ_CHALLENGE, obj, &it);
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, &pk) && md != NID_undef) {
		if ((ret = hwe_csrreq_add_item(r, HWE_REQ_SIG, obj, &it)))
			return ret;
		it->md_nid = md;
		it->pkey_nid = pk;
		return HWE_OK;
	}
	if (nid == NID_X9_62_id_ecPublicKey || nid == NID_rsaEncryption) {
		if ((ret = hwe_csrreq_add_item(r, HWE_REQ_KEY, obj, &it)))
			return ret;
		it->key.alg = nid == NID_rsaEncryption ? HWE_ALG_RSA : HWE_ALG_EC;
		return HWE_OK;
	}
	return hwe_csrreq_add_item(r, HWE_REQ_ATTR, obj, &it);
}

/* extensionRequest values: extension OIDs (RFC 7030's example) or an
 * Extensions structure (RFC 8951 3.4) whose extension types are asked for */
static int add_ext_request(struct hwe_csrreq *r, const ASN1_OBJECT *type, X509_ATTRIBUTE *a)
{
	struct hwe_csrreq_item *it;
	const ASN1_TYPE *v;
	const unsigned char *p;
	STACK_OF(X509_EXTENSION) *exts;
	int i, j, n = X509_ATTRIBUTE_count(a), ret;

	if (n == 0)
		return hwe_csrreq_add_item(r, HWE_REQ_ATTR, type, &it);
	for (i = 0; i < n; i++) {
		v = X509_ATTRIBUTE_get0_type(a, i);
		if (v && v->type == V_ASN1_OBJECT) {
			if ((ret = hwe_csrreq_add_item(r, HWE_REQ_EXT, v->value.object, &it)))
				return ret;
		} else if (v && v->type == V_ASN1_SEQUENCE) {
			p = v->value.sequence->data;
			ERR_set_mark();
			exts = d2i_X509_EXTENSIONS(NULL, &p, v->value.sequence->length);
			ERR_pop_to_mark();
			if (!exts || p != v->value.sequence->data + v->value.sequence->length) {
				sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
				return hwe_csrreq_bad("extensionRequest holds malformed Extensions");
			}
			for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
				ret = hwe_csrreq_add_item(r, HWE_REQ_EXT,
					       X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, j)), &it);
				if (ret) {
					sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
					return ret;
				}
			}
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		} else {
			return hwe_csrreq_bad("extensionRequest value is neither an OID nor Extensions");
		}
	}
	return HWE_OK;
}

int hwe_csrreq_add_attr(struct hwe_csrreq *r, X509_ATTRIBUTE *a)
{
	const ASN1_OBJECT *type = X509_ATTRIBUTE_get0_object(a);
	struct hwe_csrreq_item *it;
	const ASN1_TYPE *v = X509_ATTRIBUTE_count(a) > 0 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	int nid = OBJ_obj2nid(type), ret;
	long bits;
	char oid[96];

	if (nid == NID_undef && OBJ_obj2txt(oid, sizeof(oid), type, 1) > 0 &&
	    strcmp(oid, HWE_OID_CRI_TEMPLATE) == 0)
		return hwe_csrreq_add_template(r, a);
	if (nid == NID_ext_req)
		return add_ext_request(r, type, a);
	if (nid == NID_pkcs9_challengePassword)
		return hwe_csrreq_add_item(r, HWE_REQ_CHALLENGE, type, &it);
	if (nid == NID_X9_62_id_ecPublicKey) {
		if ((ret = hwe_csrreq_add_item(r, HWE_REQ_KEY, type, &it)))
			return ret;
		it->key.alg = HWE_ALG_EC;
		if (v && v->type == V_ASN1_OBJECT)
			it->key.curve_nid = OBJ_obj2nid(v->value.object);
		else if (v)
			return hwe_csrreq_bad("id-ecPublicKey attribute without a curve OID");
		if (v && it->key.curve_nid == NID_undef)
			return hwe_csrreq_bad("id-ecPublicKey attribute names a curve OpenSSL does not know");
		return HWE_OK;
	}
	if (nid == NID_rsaEncryption) {
		if ((ret = hwe_csrreq_add_item(r, HWE_REQ_KEY, type, &it)))
			return ret;
		it->key.alg = HWE_ALG_RSA;
		if (v && v->type == V_ASN1_INTEGER) {
			bits = ASN1_INTEGER_get(v->value.integer);
			if (bits < 1024 || bits > 16384)
				return hwe_csrreq_bad("rsaEncryption attribute asks for an unusable key size");
			it->key.bits = (unsigned)bits;
		} else if (v) {
			return hwe_csrreq_bad("rsaEncryption attribute without an INTEGER key size");
		}
		return HWE_OK;
	}
	return hwe_csrreq_add_item(r, HWE_REQ_ATTR, type, &it);
}

int hwe_csrreq_parse(const unsigned char *der, size_t len, struct hwe_csrreq *out)
{
	const unsigned char *p = der;
	HWE_CSR_ATTRS *attrs = NULL;
	HWE_ATTR_OR_OID *e;
	int i, ret = HWE_OK;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return HWE_OK;
	if (len > LONG_MAX)
		return hwe_csrreq_bad("too large");
	ERR_set_mark();
	attrs = (HWE_CSR_ATTRS *)ASN1_item_d2i(NULL, &p, (long)len, ASN1_ITEM_rptr(HWE_CSR_ATTRS));
	ERR_pop_to_mark();
	if (!attrs)
		return hwe_csrreq_bad("not a CsrAttrs structure (SEQUENCE OF OID or Attribute)");
	if (p != der + len) {
		ret = hwe_csrreq_bad("trailing bytes after the CsrAttrs structure");
		goto out;
	}
	for (i = 0; i < sk_HWE_ATTR_OR_OID_num(attrs) && ret == HWE_OK; i++) {
		e = sk_HWE_ATTR_OR_OID_value(attrs, i);
		ret = e->type == 0 ? add_oid(out, e->d.oid) : hwe_csrreq_add_attr(out, e->d.attr);
	}
	/* RFC 9908 section 4: a client that understands the template uses it
	 * only; challengePassword and the signature algorithm, which a
	 * template cannot express, still count */
	for (i = 0; ret == HWE_OK && out->has_template && (size_t)i < out->n; i++)
		if (!out->items[i].from_template && out->items[i].kind != HWE_REQ_CHALLENGE &&
		    out->items[i].kind != HWE_REQ_SIG)
			out->items[i].ignored = 1;
out:
	ASN1_item_free((ASN1_VALUE *)attrs, ASN1_ITEM_rptr(HWE_CSR_ATTRS));
	if (ret)
		hwe_csrreq_clear(out);
	return ret;
}

void hwe_csrreq_clear(struct hwe_csrreq *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->items[i].value);
	free(r->items);
	r->items = NULL;
	r->n = 0;
	r->has_template = 0;
}

int hwe_csrreq_machine_mac(unsigned char mac[6], char *ifname, size_t ifnamelen)
{
	struct ifaddrs *ifs = NULL, *i;
	const struct sockaddr_ll *ll;
	static const unsigned char zero[6];
	int found = 0;

	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		ll = (const struct sockaddr_ll *)(const void *)i->ifa_addr;
		if (ll->sll_halen != 6 || memcmp(ll->sll_addr, zero, 6) == 0)
			continue;
		memcpy(mac, ll->sll_addr, 6);
		snprintf(ifname, ifnamelen, "%s", i->ifa_name);
		found = 1;
	}
	freeifaddrs(ifs);
	return found;
}

/* 1 if the subject (config or current certificate) has the field nid */
static int subject_has(const struct hwe_csrconf *conf, X509 *cur, int nid)
{
	size_t i;

	if (cur)
		return X509_NAME_get_index_by_NID(X509_get_subject_name(cur), nid, -1) >= 0;
	for (i = 0; conf && i < conf->nrdns; i++)
		if (conf->rdns[i].nid == nid)
			return 1;
	return 0;
}

int hwe_csrreq_unmet(struct hwe_csrreq_plan *p, const struct hwe_csrreq_item *it, const char *how)
{
	size_t old = p->unmet ? strlen(p->unmet) : 0, add;
	char line[600], *n;

	snprintf(line, sizeof(line), "%s%s%s%s: %s", old ? "; " : "", it->oid,
		 it->name[0] ? " " : "", it->name[0] ? it->name : "", how);
	add = strlen(line);
	n = realloc(p->unmet, old + add + 1);
	if (!n)
		return hwe_err_oom();
	memcpy(n + old, line, add + 1);
	p->unmet = n;
	return HWE_OK;
}

/* Where a macAddress comes from: the CSR config, else this machine. */
static int plan_mac(struct hwe_csrreq_plan *p, const struct hwe_csrconf *conf)
{
	char ifname[IF_NAMESIZE + 1];

	if (p->mac_source[0])
		return 1;
	if (conf && conf->has_mac) {
		memcpy(p->mac, conf->mac, 6);
		snprintf(p->mac_source, sizeof(p->mac_source), "the CSR config");
		return 1;
	}
	if (hwe_csrreq_machine_mac(p->mac, ifname, sizeof(ifname))) {
		snprintf(p->mac_source, sizeof(p->mac_source), "interface %s", ifname);
		return 1;
	}
	return 0;
}

static int ext_met(const struct hwe_csrconf *conf, X509 *cur, int nid)
{
	switch (nid) {
	case NID_subject_alt_name:
		return cur ? X509_get_ext_by_NID(cur, NID_subject_alt_name, -1) >= 0 :
			conf && conf->nsans > 0;
	case NID_key_usage:
		return conf && conf->key_usage != 0;
	case NID_ext_key_usage:
		return conf && conf->neku > 0;
	case NID_basic_constraints:
		return conf && conf->is_ca >= 0;
	default:
		return 0;
	}
}

/* An extension of the template without a value, to be marked critical. */
static int want_critical(struct hwe_csrreq_plan *p, const struct hwe_csrreq_item *it)
{
	ASN1_OBJECT *o;

	if (!it->critical)
		return HWE_OK;
	if ((!p->critical && !(p->critical = sk_ASN1_OBJECT_new_null())) ||
	    !(o = OBJ_txt2obj(it->oid, 1)))
		return hwe_err_oom();
	if (!sk_ASN1_OBJECT_push(p->critical, o)) {
		ASN1_OBJECT_free(o);
		return hwe_err_oom();
	}
	return HWE_OK;
}

static int plan_ext(struct hwe_csrreq_plan *p, const struct hwe_csrreq_item *it,
		    const struct hwe_csrconf *conf, X509 *cur)
{
	if (it->from_template && it->value)
		return hwe_csrreq_plan_fixed_ext(it, conf, cur, p);
	if (strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0) {
		if (!plan_mac(p, conf))
			return hwe_csrreq_unmet(p, it, "no network interface with a MAC address: add macAddress=... to the CSR config");
		p->mac_ext = 1;
	} else if (!ext_met(conf, cur, it->nid)) {
		return hwe_csrreq_unmet(p, it, it->nid == NID_subject_alt_name ?
					"add subjectAltNames=... to the CSR config" :
					it->nid == NID_key_usage ? "add keyUsage=... to the CSR config" :
					it->nid == NID_ext_key_usage ? "add extendedKeyUsage=... to the CSR config" :
					it->nid == NID_basic_constraints ? "add isCA=... to the CSR config" :
					"hwenroll cannot make this extension");
	}
	return want_critical(p, it);
}

int hwe_csrreq_plan(const struct hwe_csrreq *r, const struct hwe_csrconf *conf, X509 *cur,
		    struct hwe_csrreq_plan *p)
{
	const struct hwe_csrreq_item *it;
	size_t i;
	int ret = HWE_OK;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < r->n && ret == HWE_OK; i++) {
		it = &r->items[i];
		if (it->ignored)
			continue;
		switch (it->kind) {
		case HWE_REQ_CHALLENGE:
			p->pop = 1;
			break;
		case HWE_REQ_KEY:
			if (it->key.alg != HWE_ALG_EC && it->key.alg != HWE_ALG_RSA) {
				ret = hwe_csrreq_unmet(p, it, "hwenroll makes ECC and RSA keys only");
				break;
			}
			/* a later, more precise item wins over a bare algorithm */
			if (!p->have_key || it->key.curve_nid || it->key.bits)
				p->key = it->key;
			p->have_key = 1;
			break;
		case HWE_REQ_SIG:
			p->md = OBJ_nid2sn(it->md_nid);
			break;
		case HWE_REQ_EXT:
			ret = plan_ext(p, it, conf, cur);
			break;
		case HWE_REQ_ATTR:
			if (strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0) {
				if (plan_mac(p, conf))
					p->mac_attr = 1;
				else
					ret = hwe_csrreq_unmet(p, it, "no network interface with a MAC address: add macAddress=... to the CSR config");
			} else if (it->nid == NID_pkcs9_emailAddress || it->nid == NID_serialNumber ||
				   it->nid == NID_commonName || it->nid == NID_organizationName ||
				   it->nid == NID_countryName || it->nid == NID_organizationalUnitName ||
				   it->nid == NID_localityName || it->nid == NID_stateOrProvinceName) {
				if (!subject_has(conf, cur, it->nid))
					ret = hwe_csrreq_unmet(p, it, cur ? "the current certificate's subject lacks it (re-enroll keeps the subject: enroll again)" :
						    "add it to the subject in the CSR config");
			} else {
				ret = hwe_csrreq_unmet(p, it, "hwenroll does not know how to supply this attribute");
			}
			break;
		case HWE_REQ_TEMPLATE:
		case HWE_REQ_RDN:     /* all together, below */
			break;
		}
	}
	if (ret == HWE_OK && r->has_template)
		ret = hwe_csrreq_plan_subject(r, conf, cur, p);
	if (ret)
		hwe_csrreq_plan_clear(p);
	return ret;
}

void hwe_csrreq_plan_clear(struct hwe_csrreq_plan *p)
{
	free(p->unmet);
	p->unmet = NULL;
	X509_NAME_free(p->subject);
	p->subject = NULL;
	sk_X509_EXTENSION_pop_free(p->exts, X509_EXTENSION_free);
	p->exts = NULL;
	sk_ASN1_OBJECT_pop_free(p->critical, ASN1_OBJECT_free);
	p->critical = NULL;
}

const char *hwe_csrreq_describe(const struct hwe_csrreq_item *it, char *buf, size_t len)
{
	char what[160], from[360];
	const char *cn = NULL;

	snprintf(what, sizeof(what), "%s%s%s%s", it->oid, it->name[0] ? " (" : "", it->name,
		 it->name[0] ? ")" : "");
	if (it->ignored) {
		snprintf(buf, len, "%s: ignored: the server's CSR template takes its place (RFC 9908 section 4)",
			 what);
		return buf;
	}
	switch (it->kind) {
	case HWE_REQ_CHALLENGE:
		snprintf(from, sizeof(from), "proof-of-possession: the TLS channel binding (tls-unique on TLS 1.2, tls-exporter on TLS 1.3)");
		break;
	case HWE_REQ_KEY:
		if (it->key.alg == HWE_ALG_EC && it->key.curve_nid)
			cn = EC_curve_nid2nist(it->key.curve_nid);
		if (it->key.alg == HWE_ALG_EC)
			snprintf(from, sizeof(from), "key type of a new key: ECC%s%s (unless --algorithm/--curve say otherwise: then an error)",
				 cn ? " " : "", cn ? cn : "");
		else
			snprintf(from, sizeof(from), "key type of a new key: RSA%s%u (unless --algorithm/--size say otherwise: then an error)",
				 it->key.bits ? " " : "", it->key.bits);
		if (!it->key.bits && it->key.alg == HWE_ALG_RSA)
			snprintf(from, sizeof(from), "key type of a new key: RSA (unless --algorithm says otherwise: then an error)");
		if (it->key.alg != HWE_ALG_EC && it->key.alg != HWE_ALG_RSA)
			snprintf(from, sizeof(from), "key type of a new key: hwenroll makes ECC and RSA keys only (the enrollment stops before sending)");
		if (it->from_template) {
			size_t n = strlen(from);

			snprintf(from + n, sizeof(from) - n, " (CSR template)");
		}
		break;
	case HWE_REQ_SIG:
		snprintf(from, sizeof(from), "the CSR is signed with %s", OBJ_nid2sn(it->md_nid));
		break;
	case HWE_REQ_EXT:
		if (it->from_template)
			hwe_csrreq_describe_template(it, from, sizeof(from));
		else if (strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0)
			snprintf(from, sizeof(from), "extension: macAddress= of the CSR config, else the first network interface");
		else
			snprintf(from, sizeof(from), "extension: from the CSR config (re-enroll: subjectAltName from the current certificate)");
		break;
	case HWE_REQ_ATTR:
		if (strcmp(it->oid, HWE_OID_MAC_ADDRESS) == 0)
			snprintf(from, sizeof(from), "attribute: macAddress= of the CSR config, else the first network interface");
		else
			snprintf(from, sizeof(from), "subject field of the CSR config, if it is one (else the enrollment stops before sending)");
		break;
	case HWE_REQ_TEMPLATE:
	case HWE_REQ_RDN:
		hwe_csrreq_describe_template(it, from, sizeof(from));
		break;
	}
	snprintf(buf, len, "%s: %s", what, from);
	return buf;
}
