/* SPDX-License-Identifier: BSD-3-Clause */
/* test-csrreq.c - /csrattrs as requirements and the plan that meets them,
 * above all RFC 9908's CSR template: parsing (good and malformed input),
 * planning (subject, key, extensions, unmet items with their csr.conf key),
 * re-enrollment against the current certificate, and the CSR it gives. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "csrconf.h"
#include "csrreq.h"
#include "pkcs7.h"
#include "fixture.h"
#include "rc.h"

/* RFC 9908 section 3.4's example template in a CsrAttrs of one item (the
 * same DER as hwe-estserver's rfc9908-example) */
static const char rfc9908_b64[] =
	"MIGpMIGmBgsqhkiG9w0BCRACPTGBljCBkwIBADAsMQcwBQYDVQQDMQ8wDQYDVQQL"
	"DAZteURlcHQxEDAOBgNVBAsMB215R3JvdXCgFTATBgcqhkjOPQIBBggqhkjOPQMB"
	"B6FJMEcGCyqGSIb3DQEJEAI+MTgwNjAdBgNVHREEFjAUghB3d3cubXlTZXJ2ZXIu"
	"Y29thwAwDgYDVR0PAQH/BAQDAgOIMAUGA1UdJQ==";

/* Minimal DER writer for fixtures (short and two-byte lengths). */
struct der {
	unsigned char b[4096];
	size_t n;
};

static void put(struct der *d, const void *p, size_t n)
{
	assert_true(d->n + n <= sizeof(d->b));
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

static void tlv(struct der *d, unsigned char tag, const struct der *content)
{
	unsigned char h[4];
	size_t hn = 0;

	h[hn++] = tag;
	if (content->n < 0x80) {
		h[hn++] = (unsigned char)content->n;
	} else if (content->n < 0x100) {
		h[hn++] = 0x81;
		h[hn++] = (unsigned char)content->n;
	} else {
		h[hn++] = 0x82;
		h[hn++] = (unsigned char)(content->n >> 8);
		h[hn++] = (unsigned char)content->n;
	}
	put(d, h, hn);
	put(d, content->b, content->n);
}

static void prim(struct der *d, unsigned char tag, const void *p, size_t n)
{
	struct der c = { .n = 0 };

	put(&c, p, n);
	tlv(d, tag, &c);
}

#define OID(d, s) prim((d), 0x06, (s), sizeof(s) - 1)
#define STR(d, tag, s) prim((d), (tag), (s), strlen(s))
#define O_CRI_TMPL   "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x3d"
#define O_EXT_TMPL   "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x3e"
#define O_EXTREQ     "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"
#define O_CHALLENGE  "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x07"
#define O_ECPUB      "\x2a\x86\x48\xce\x3d\x02\x01"
#define O_SECP384    "\x2b\x81\x04\x00\x22"
#define O_RSA        "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
#define O_ED25519    "\x2b\x65\x70"
#define O_ECDSA384   "\x2a\x86\x48\xce\x3d\x04\x03\x03"
#define O_CN         "\x55\x04\x03"
#define O_SERIAL     "\x55\x04\x05"
#define O_TITLE      "\x55\x04\x0c"
#define O_SAN        "\x55\x1d\x11"
#define O_BC         "\x55\x1d\x13"

/* Attribute { type, SET { values } } appended to d */
static void attr(struct der *d, const char *type, size_t tlen, const struct der *values)
{
	struct der a = { .n = 0 };

	prim(&a, 0x06, type, tlen);
	tlv(&a, 0x31, values);
	tlv(d, 0x30, &a);
}

/* CsrAttrs { items..., the template attribute of cri (a TLV) } */
static void csrattrs_with(struct der *out, const struct der *items, const struct der *cri)
{
	struct der seq = { .n = 0 };

	if (items)
		put(&seq, items->b, items->n);
	attr(&seq, O_CRI_TMPL, sizeof(O_CRI_TMPL) - 1, cri);
	out->n = 0;
	tlv(out, 0x30, &seq);
}

/* CertificationRequestInfoTemplate { version, [subject], [0] spki, [1] attrs } */
static void cri_of(struct der *cri, int version, const struct der *subject, const struct der *spki,
		   const struct der *attrs)
{
	struct der c = { .n = 0 }, none = { .n = 0 };
	unsigned char v = (unsigned char)version;

	prim(&c, 0x02, &v, 1);
	if (subject)
		tlv(&c, 0x30, subject);
	if (spki)
		tlv(&c, 0xa0, spki);
	tlv(&c, 0xa1, attrs ? attrs : &none);
	cri->n = 0;
	tlv(cri, 0x30, &c);
}

/* ExtensionTemplate (or Extension) { id, [critical], [OCTET STRING value] } */
static void ext_of(struct der *exts, const char *id, size_t idlen, int critical,
		   const struct der *value)
{
	struct der e = { .n = 0 };

	prim(&e, 0x06, id, idlen);
	if (critical)
		put(&e, "\x01\x01\xff", 3);
	if (value)
		tlv(&e, 0x04, value);
	tlv(exts, 0x30, &e);
}

/* an extensionRequest (ext_tmpl 0) or id-aa-extensionReqTemplate attribute of exts */
static void ext_attr(struct der *attrs, int ext_tmpl, const struct der *exts)
{
	struct der seq = { .n = 0 };

	tlv(&seq, 0x30, exts);
	if (ext_tmpl)
		attr(attrs, O_EXT_TMPL, sizeof(O_EXT_TMPL) - 1, &seq);
	else
		attr(attrs, O_EXTREQ, sizeof(O_EXTREQ) - 1, &seq);
}

static void parse_ok(const unsigned char *der, size_t len, struct hwe_csrreq *r)
{
	hwe_err_clear();
	if (hwe_csrreq_parse(der, len, r) != HWE_OK)
		fail_msg("parse failed: %s", hwe_err_message());
}

#define assert_bad(d, sub) do { \
	struct hwe_csrreq r_; \
	int rc_ = hwe_csrreq_parse((d)->b, (d)->n, &r_); \
	if (rc_ != HWE_EXIT_RESPONSE || !strstr(hwe_err_message(), (sub))) \
		print_error("rc %d message '%s' (want '%s')\n", rc_, hwe_err_message(), (sub)); \
	assert_int_equal(rc_, HWE_EXIT_RESPONSE); \
	assert_int_equal(hwe_err_status(), HWE_ERR_EST_RESPONSE); \
	assert_non_null(strstr(hwe_err_message(), (sub))); \
	assert_int_equal(r_.n, 0); \
	assert_null(r_.items); \
	hwe_err_clear(); \
} while (0)

#define conf_of fx_conf

static unsigned char *example(size_t *len)
{
	unsigned char *der = NULL;

	assert_int_equal(hwe_base64_decode(rfc9908_b64, strlen(rfc9908_b64), &der, len), HWE_OK);
	return der;
}

/* the one extension of type nid in exts, or NULL */
static X509_EXTENSION *ext_in(const STACK_OF(X509_EXTENSION) *exts, int nid)
{
	int i = exts ? X509v3_get_ext_by_NID(exts, nid, -1) : -1;

	return i >= 0 ? X509v3_get_ext(exts, i) : NULL;
}

static char *name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int got;

	assert_non_null(b);
	assert_true(X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0);
	got = BIO_read(b, buf, (int)len - 1);
	buf[got > 0 ? got : 0] = '\0';
	BIO_free(b);
	return buf;
}

static char *san_text(X509_EXTENSION *e, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int got;

	assert_non_null(b);
	assert_int_equal(X509V3_EXT_print(b, e, 0, 0), 1);
	got = BIO_read(b, buf, (int)len - 1);
	buf[got > 0 ? got : 0] = '\0';
	BIO_free(b);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	hwe_err_clear();
	return 0;
}

/* The example of RFC 9908 section 3.4: its parts, and what
 * `hwenroll csrattrs` says about each. */
static void test_example_parse(void **state)
{
	static const struct {
		enum hwe_csrreq_kind kind;
		const char *oid;
		const char *described;
	} want[] = {
		{ HWE_REQ_TEMPLATE, "1.2.840.113549.1.9.16.2.61", "CSR template (RFC 9908 section 3.4)" },
		{ HWE_REQ_RDN, "2.5.4.3", "subject field (CSR template): commonName= of the CSR config" },
		{ HWE_REQ_RDN, "2.5.4.11", "fixed by the server: \"myDept\"" },
		{ HWE_REQ_RDN, "2.5.4.11", "fixed by the server: \"myGroup\"" },
		{ HWE_REQ_KEY, "1.2.840.10045.2.1", "ECC P-256 (unless --algorithm/--curve say otherwise: then an error) (CSR template)" },
		{ HWE_REQ_EXT, "2.5.29.17", "fixed by the server: DNS:www.myServer.com, IP: from subjectAltNames= of the CSR config" },
		{ HWE_REQ_EXT, "2.5.29.15", "(CSR template, critical): fixed by the server: Digital Signature, Key Agreement" },
		{ HWE_REQ_EXT, "2.5.29.37", "(CSR template): extendedKeyUsage= of the CSR config" },
	};
	struct hwe_csrreq r;
	unsigned char *der;
	size_t len, i;
	char line[512];

	(void)state;
	der = example(&len);
	parse_ok(der, len, &r);
	assert_true(r.has_template);
	assert_int_equal(r.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.items[i].kind, want[i].kind);
		assert_string_equal(r.items[i].oid, want[i].oid);
		assert_true(r.items[i].from_template);
		assert_false(r.items[i].ignored);
		hwe_csrreq_describe(&r.items[i], line, sizeof(line));
		if (!strstr(line, want[i].described))
			fail_msg("item %zu: '%s' lacks '%s'", i, line, want[i].described);
	}
	assert_string_equal(r.items[0].name, "id-aa-certificationRequestInfoTemplate");
	/* subject: CN to fill, two OU values as given, three RDNs */
	assert_null(r.items[1].value);
	assert_int_equal(r.items[2].value_type, V_ASN1_UTF8STRING);
	assert_int_equal(r.items[2].value_len, 6);
	assert_memory_equal(r.items[2].value, "myDept", 6);
	assert_int_equal(r.items[1].rdn, 0);
	assert_int_equal(r.items[3].rdn, 2);
	assert_int_equal(r.items[4].key.alg, HWE_ALG_EC);
	assert_int_equal(r.items[4].key.curve_nid, NID_X9_62_prime256v1);
	/* SAN and keyUsage with the server's values, extKeyUsage without */
	assert_int_equal(r.items[5].value_len, 22);
	assert_false(r.items[5].critical);
	assert_true(r.items[6].critical);
	assert_int_equal(r.items[6].value_len, 4);
	assert_memory_equal(r.items[6].value, "\x03\x02\x03\x88", 4);
	assert_null(r.items[7].value);
	hwe_csrreq_clear(&r);
	assert_int_equal(r.n, 0);
	assert_false(r.has_template);
	free(der);
}

/* Met by a CSR config: the subject the template names, the server's
 * extension values, the IP address filled in; then the CSR built from it. */
static void test_example_plan_and_csr(void **state)
{
	static const char conf_text[] =
		"countryName=US\n"
		"organizationalUnitName=Engineering\n"
		"commonName=dev-7\n"
		"keyUsage=digitalSignature keyEncipherment\n"
		"extendedKeyUsage=clientAuth\n"
		"subjectAltNames=3; dev-7.example.com, 2; 192.0.2.7, 7; 2001:db8::7, 7\n";
	struct hwe_csrconf *conf = conf_of(conf_text);
	struct hwe_csrreq r;
	struct hwe_csrreq_plan p;
	struct hwe_csr_extra extra = { 0 };
	STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION *e;
	EVP_PKEY *key;
	X509_REQ *req = NULL;
	unsigned char *der;
	size_t len;
	char buf[512];

	(void)state;
	der = example(&len);
	parse_ok(der, len, &r);
	assert_int_equal(hwe_csrreq_plan(&r, conf, NULL, &p), HWE_OK);
	assert_null(p.unmet);
	assert_false(p.pop);
	assert_true(p.have_key);
	assert_int_equal(p.key.alg, HWE_ALG_EC);
	assert_int_equal(p.key.curve_nid, NID_X9_62_prime256v1);
	assert_non_null(p.subject);
	assert_string_equal(name_text(p.subject, buf, sizeof(buf)), "OU=myGroup,OU=myDept,CN=dev-7");
	assert_int_equal(X509_NAME_entry_count(p.subject), 3);
	assert_int_equal(sk_X509_EXTENSION_num(p.exts), 2);
	e = ext_in(p.exts, NID_subject_alt_name);
	assert_non_null(e);
	assert_false(X509_EXTENSION_get_critical(e));
	assert_string_equal(san_text(e, buf, sizeof(buf)),
			    "DNS:www.myServer.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7");
	e = ext_in(p.exts, NID_key_usage);
	assert_non_null(e);
	assert_true(X509_EXTENSION_get_critical(e));
	assert_int_equal(ASN1_STRING_length(X509_EXTENSION_get_data(e)), 4);
	assert_memory_equal(ASN1_STRING_get0_data(X509_EXTENSION_get_data(e)), "\x03\x02\x03\x88", 4);
	assert_null(p.critical);

	/* the CSR: the template's subject and values, the config's extKeyUsage */
	key = fx_key("EC", "P-256");
	assert_non_null(key);
	extra.subject = p.subject;
	extra.exts = p.exts;
	extra.critical = p.critical;
	assert_int_equal(hwe_csr_build(conf, key, &extra, &req), HWE_OK);
	assert_string_equal(name_text(X509_REQ_get_subject_name(req), buf, sizeof(buf)),
			    "OU=myGroup,OU=myDept,CN=dev-7");
	exts = X509_REQ_get_extensions(req);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 3);
	assert_true(X509_EXTENSION_get_critical(ext_in(exts, NID_key_usage)));
	assert_memory_equal(ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext_in(exts, NID_key_usage))),
			    "\x03\x02\x03\x88", 4);
	assert_non_null(strstr(san_text(ext_in(exts, NID_subject_alt_name), buf, sizeof(buf)),
			       "DNS:www.myServer.com, IP Address:192.0.2.7"));
	assert_null(strstr(buf, "dev-7.example.com"));
	assert_non_null(ext_in(exts, NID_ext_key_usage));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	hwe_csrreq_plan_clear(&p);
	assert_null(p.subject);
	assert_null(p.exts);
	hwe_csrreq_clear(&r);
	hwe_csrconf_free(conf);
	free(der);
}

/* A config lacking what the template leaves to the client: each item
 * unmet, with the csr.conf key that supplies it. */
static void test_example_unmet(void **state)
{
	struct hwe_csrconf *conf = conf_of("organizationName=Example\nsubjectAltNames=1; a.example, 2\n");
	struct hwe_csrreq r;
	struct hwe_csrreq_plan p;
	unsigned char *der;
	size_t len;

	(void)state;
	der = example(&len);
	parse_ok(der, len, &r);
	assert_int_equal(hwe_csrreq_plan(&r, conf, NULL, &p), HWE_OK);
	assert_non_null(p.unmet);
	assert_non_null(strstr(p.unmet, "2.5.4.3 CN: the server's CSR template asks for it: add commonName=... to the CSR config"));
	assert_non_null(strstr(p.unmet, "2.5.29.17 subjectAltName: the server's CSR template leaves an IP name to fill: add subjectAltNames=...; VALUE, 7 to the CSR config"));
	assert_non_null(strstr(p.unmet, "2.5.29.37 extendedKeyUsage: add extendedKeyUsage=... to the CSR config"));
	assert_null(strstr(p.unmet, "OU"));
	assert_null(strstr(p.unmet, "keyUsage: add"));
	hwe_csrreq_plan_clear(&p);
	/* no config at all: the same three */
	assert_int_equal(hwe_csrreq_plan(&r, NULL, NULL, &p), HWE_OK);
	assert_non_null(strstr(p.unmet, "add commonName=..."));
	assert_non_null(strstr(p.unmet, "VALUE, 7"));
	assert_non_null(strstr(p.unmet, "add extendedKeyUsage=..."));
	hwe_csrreq_plan_clear(&p);
	hwe_csrreq_clear(&r);
	hwe_csrconf_free(conf);
	free(der);
}

/* Beside a template the other items are ignored (RFC 9908 section 4),
 * except challengePassword and the signature algorithm; an RSA size comes
 * from the placeholder key. */
static void test_outside_items(void **state)
{
	struct der items = { .n = 0 }, set = { .n = 0 }, spki = { .n = 0 }, alg = { .n = 0 };
	struct der bits = { .n = 0 }, n = { .n = 0 }, cri = { .n = 0 }, out = { .n = 0 };
	struct hwe_csrreq r;
	struct hwe_csrreq_plan p;
	unsigned char modulus[257] = { 0x00, 0x80 };
	char line[512];

	(void)state;
	OID(&items, O_CHALLENGE);
	OID(&items, O_ECDSA384);
	OID(&set, O_SECP384);
	attr(&items, O_ECPUB, sizeof(O_ECPUB) - 1, &set);
	/* [0] { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING RSAPublicKey of 2048 bits } */
	OID(&alg, O_RSA);
	put(&alg, "\x05\x00", 2);
	tlv(&spki, 0x30, &alg);
	prim(&n, 0x02, modulus, sizeof(modulus));
	prim(&n, 0x02, "\x01\x00\x01", 3);
	put(&bits, "\x00", 1);
	tlv(&bits, 0x30, &n);
	tlv(&spki, 0x03, &bits);
	cri_of(&cri, 0, NULL, &spki, NULL);
	csrattrs_with(&out, &items, &cri);
	parse_ok(out.b, out.n, &r);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.items[0].kind, HWE_REQ_CHALLENGE);
	assert_false(r.items[0].ignored);
	assert_int_equal(r.items[1].kind, HWE_REQ_SIG);
	assert_false(r.items[1].ignored);
	assert_int_equal(r.items[2].kind, HWE_REQ_KEY);
	assert_true(r.items[2].ignored);
	assert_non_null(strstr(hwe_csrreq_describe(&r.items[2], line, sizeof(line)),
			       "ignored: the server's CSR template takes its place (RFC 9908 section 4)"));
	assert_int_equal(r.items[3].kind, HWE_REQ_TEMPLATE);
	assert_int_equal(r.items[4].kind, HWE_REQ_KEY);
	assert_int_equal(r.items[4].key.alg, HWE_ALG_RSA);
	assert_int_equal(r.items[4].key.bits, 2048);
	assert_int_equal(hwe_csrreq_plan(&r, NULL, NULL, &p), HWE_OK);
	assert_null(p.unmet);
	assert_true(p.pop);
	assert_string_equal(p.md, "SHA384");
	assert_int_equal(p.key.alg, HWE_ALG_RSA);
	assert_int_equal(p.key.bits, 2048);
	assert_null(p.subject);   /* no subject in the template: the config's */
	hwe_csrreq_plan_clear(&p);
	hwe_csrreq_clear(&r);

	/* a key type hwenroll cannot make is unmet, not a parse error */
	alg.n = spki.n = 0;
	OID(&alg, O_ED25519);
	tlv(&spki, 0x30, &alg);
	cri_of(&cri, 0, NULL, &spki, NULL);
	csrattrs_with(&out, NULL, &cri);
	parse_ok(out.b, out.n, &r);
	assert_int_equal(hwe_csrreq_plan(&r, NULL, NULL, &p), HWE_OK);
	assert_non_null(p.unmet);
	assert_non_null(strstr(p.unmet, "1.3.101.112 ED25519: hwenroll makes ECC and RSA keys only"));
	hwe_csrreq_plan_clear(&p);
	hwe_csrreq_clear(&r);
}

/* one multi-valued RDN: CN + serialNumber */
static X509 *cert_with(const char *cn, const char *serial, const char *san)
{
	const char *name[] = { "CN", cn, "serialNumber", serial, NULL };
	struct fx_cert spec = { .name = name, .one_rdn = 1, .ext = { { NID_subject_alt_name, san } } };

	return fx_cert(&spec);
}

/* A multi-valued RDN (CN to fill + serialNumber "42"), extensionRequest
 * Extensions inside the template (basicConstraints critical, a fixed SAN):
 * the subject is built as one RDN; re-enrollment checks the certificate. */
static void test_rdn_set_and_reenroll(void **state)
{
	struct der subj = { .n = 0 }, rdn = { .n = 0 }, sa = { .n = 0 }, exts = { .n = 0 };
	struct der val = { .n = 0 }, gn = { .n = 0 }, attrs = { .n = 0 }, cri = { .n = 0 }, out = { .n = 0 };
	struct hwe_csrconf *conf = conf_of("commonName=box-1\nserialNumber=7\n");
	struct hwe_csrreq r;
	struct hwe_csrreq_plan p;
	X509 *good, *wrong;
	char buf[512];

	(void)state;
	OID(&sa, O_CN);
	tlv(&rdn, 0x30, &sa);
	sa.n = 0;
	OID(&sa, O_SERIAL);
	STR(&sa, 0x13, "42");
	tlv(&rdn, 0x30, &sa);
	tlv(&subj, 0x31, &rdn);
	put(&val, "\x30\x03\x01\x01\xff", 5);                      /* BasicConstraints { cA TRUE } */
	ext_of(&exts, O_BC, sizeof(O_BC) - 1, 1, &val);
	STR(&gn, 0x82, "box.example");
	val.n = 0;
	tlv(&val, 0x30, &gn);
	ext_of(&exts, O_SAN, sizeof(O_SAN) - 1, 0, &val);
	ext_attr(&attrs, 0, &exts);
	cri_of(&cri, 0, &subj, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	parse_ok(out.b, out.n, &r);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.items[1].rdn, 0);
	assert_int_equal(r.items[2].rdn, 0);
	assert_int_equal(r.items[2].value_type, V_ASN1_PRINTABLESTRING);
	assert_int_equal(r.items[3].kind, HWE_REQ_EXT);
	assert_true(r.items[3].critical);
	assert_int_equal(hwe_csrreq_plan(&r, conf, NULL, &p), HWE_OK);
	assert_null(p.unmet);
	assert_int_equal(X509_NAME_entry_count(p.subject), 2);
	assert_int_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(p.subject, 0)),
			 X509_NAME_ENTRY_set(X509_NAME_get_entry(p.subject, 1)));
	/* one RDN (its DER SET orders serialNumber first) */
	assert_string_equal(name_text(p.subject, buf, sizeof(buf)), "serialNumber=42+CN=box-1");
	assert_int_equal(sk_X509_EXTENSION_num(p.exts), 2);
	assert_true(X509_EXTENSION_get_critical(ext_in(p.exts, NID_basic_constraints)));
	assert_string_equal(san_text(ext_in(p.exts, NID_subject_alt_name), buf, sizeof(buf)), "DNS:box.example");
	hwe_csrreq_plan_clear(&p);

	/* re-enrollment: the certificate's subject and SAN, checked */
	good = cert_with("anything", "42", "DNS:box.example, DNS:other.example");
	assert_int_equal(hwe_csrreq_plan(&r, NULL, good, &p), HWE_OK);
	assert_null(p.unmet);
	assert_null(p.subject);
	assert_int_equal(sk_X509_EXTENSION_num(p.exts), 1);   /* basicConstraints; SAN stays the cert's */
	assert_non_null(ext_in(p.exts, NID_basic_constraints));
	hwe_csrreq_plan_clear(&p);
	wrong = cert_with("anything", "43", "DNS:other.example");
	assert_int_equal(hwe_csrreq_plan(&r, NULL, wrong, &p), HWE_OK);
	assert_non_null(p.unmet);
	assert_non_null(strstr(p.unmet, "2.5.4.5 serialNumber: the current certificate's subject lacks this value of the CSR template"));
	assert_non_null(strstr(p.unmet, "2.5.29.17 subjectAltName: the current certificate's subjectAltName lacks a name"));
	hwe_csrreq_plan_clear(&p);
	X509_free(good);
	X509_free(wrong);
	hwe_csrreq_clear(&r);
	hwe_csrconf_free(conf);
}

/* Template extensions without values: from the config, critical as asked;
 * a subject field the config has no key for; the second of two fields of
 * one type; a directoryName placeholder. */
static void test_fill_rules(void **state)
{
	struct der subj = { .n = 0 }, rdn = { .n = 0 }, sa = { .n = 0 }, exts = { .n = 0 };
	struct der val = { .n = 0 }, gn = { .n = 0 }, attrs = { .n = 0 }, cri = { .n = 0 }, out = { .n = 0 };
	struct der empty = { .n = 0 };
	struct hwe_csrconf *conf = conf_of("organizationalUnitName=A\ncommonName=c\nisCA=false\n");
	struct hwe_csrreq r;
	struct hwe_csrreq_plan p;
	char line[512];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {      /* two OUs to fill, the config has one */
		sa.n = rdn.n = 0;
		OID(&sa, "\x55\x04\x0b");
		tlv(&rdn, 0x30, &sa);
		tlv(&subj, 0x31, &rdn);
	}
	sa.n = rdn.n = 0;
	OID(&sa, O_TITLE);             /* title: no csr.conf key */
	tlv(&rdn, 0x30, &sa);
	tlv(&subj, 0x31, &rdn);
	ext_of(&exts, O_BC, sizeof(O_BC) - 1, 1, NULL);        /* critical, value from isCA= */
	tlv(&empty, 0x30, &gn);        /* directoryName [4] EXPLICIT Name: the NULL-DN */
	gn.n = 0;
	tlv(&gn, 0xa4, &empty);
	tlv(&val, 0x30, &gn);
	ext_of(&exts, O_SAN, sizeof(O_SAN) - 1, 0, &val);
	ext_attr(&attrs, 1, &exts);
	cri_of(&cri, 0, &subj, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	parse_ok(out.b, out.n, &r);
	assert_int_equal(r.n, 6);
	hwe_csrreq_describe(&r.items[3], line, sizeof(line));
	assert_non_null(strstr(line, "the CSR config cannot supply it"));
	hwe_csrreq_describe(&r.items[4], line, sizeof(line));
	assert_non_null(strstr(line, "(CSR template, critical): isCA= (and certPathLen=) of the CSR config"));
	hwe_csrreq_describe(&r.items[5], line, sizeof(line));
	assert_non_null(strstr(line, "directoryName: to fill (hwenroll cannot)"));
	assert_int_equal(hwe_csrreq_plan(&r, conf, NULL, &p), HWE_OK);
	assert_non_null(p.unmet);
	assert_non_null(strstr(p.unmet, "2.5.4.11 OU: the server's CSR template asks for 2 of them: add another organizationalUnitName=... to the CSR config"));
	assert_non_null(strstr(p.unmet, "2.5.4.12 title: the server's CSR template asks for this subject field, which the CSR config cannot supply"));
	assert_non_null(strstr(p.unmet, "leaves a directoryName to fill"));
	assert_null(strstr(p.unmet, "basicConstraints"));
	assert_int_equal(sk_ASN1_OBJECT_num(p.critical), 1);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(p.critical, 0)), NID_basic_constraints);
	hwe_csrreq_plan_clear(&p);
	assert_null(p.critical);
	hwe_csrreq_clear(&r);
	hwe_csrconf_free(conf);
}

/* RFC 7030 section 4.5.2's example, an empty answer, and what is no
 * CsrAttrs at all (from the tests of the display decoder csrattrs.c had) */
static void test_rfc7030_example(void **state)
{
	static const char ex[] =
		"MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ\n"
		"BgcrBgEBAQEWBggqhkjOPQQDAw==\n";
	static const struct { const char *der; size_t len; const char *why; } bad[] = {
		{ "\x31\x00", 2, "not a CsrAttrs structure" },         /* SET outside */
		{ "\x04\x02\x30\x00", 4, "not a CsrAttrs structure" },
		{ "\x30\x00\x00", 3, "trailing bytes" },
		{ "\x30\x84\xff\xff\xff\xff", 6, "not a CsrAttrs structure" },
		{ "\x30\x02\x02\x00", 4, "not a CsrAttrs structure" }, /* INTEGER item */
		{ "\x30\x02\x06\x00", 4, "not a CsrAttrs structure" }, /* empty OID */
		{ "\x30\x02\x30\x00", 4, "not a CsrAttrs structure" }, /* Attribute {} */
	};
	struct hwe_csrreq r;
	struct der d;
	unsigned char *der = NULL;
	size_t len = 0, i;
	char line[512];

	(void)state;
	assert_int_equal(hwe_base64_decode(ex, strlen(ex), &der, &len), HWE_OK);
	parse_ok(der, len, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.items[0].kind, HWE_REQ_CHALLENGE);
	assert_int_equal(r.items[1].kind, HWE_REQ_KEY);
	assert_int_equal(r.items[1].key.alg, HWE_ALG_EC);
	assert_int_equal(r.items[1].key.curve_nid, NID_secp384r1);
	assert_string_equal(r.items[2].oid, "1.3.6.1.1.1.1.22");
	assert_int_equal(r.items[3].kind, HWE_REQ_SIG);
	assert_int_equal(r.items[3].md_nid, NID_sha384);
	for (i = 0; i < r.n; i++)
		assert_true(*hwe_csrreq_describe(&r.items[i], line, sizeof(line)));
	hwe_csrreq_clear(&r);
	/* every truncation fails cleanly */
	for (i = 1; i < len; i++) {
		d.n = 0;
		put(&d, der, i);
		assert_bad(&d, "csrattrs response: ");
	}
	free(der);
	/* nothing requested: an empty SEQUENCE, or 200 with no body */
	parse_ok((const unsigned char *)"\x30\x00", 2, &r);
	assert_int_equal(r.n, 0);
	parse_ok(NULL, 0, &r);
	assert_int_equal(r.n, 0);
	/* OpenSSL's d2i reads BER: an indefinite length is an empty SEQUENCE too */
	parse_ok((const unsigned char *)"\x30\x80\x00\x00", 4, &r);
	assert_int_equal(r.n, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.n = 0;
		put(&d, bad[i].der, bad[i].len);
		assert_bad(&d, bad[i].why);
	}
}

/* What breaks RFC 9908's rules is a malformed response. */
static void test_malformed(void **state)
{
	struct der cri = { .n = 0 }, out = { .n = 0 }, attrs = { .n = 0 }, exts = { .n = 0 };
	struct der subj = { .n = 0 }, rdn = { .n = 0 }, sa = { .n = 0 }, spki = { .n = 0 };
	struct der alg = { .n = 0 }, val = { .n = 0 }, set = { .n = 0 }, seq = { .n = 0 }, two = { .n = 0 };
	unsigned char *der;
	size_t len, n;

	(void)state;
	cri_of(&cri, 1, NULL, NULL, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "CSR template version is not v1(0)");
	/* two values; a value that is no SEQUENCE */
	cri_of(&cri, 0, NULL, NULL, NULL);
	put(&two, cri.b, cri.n);
	put(&two, cri.b, cri.n);
	csrattrs_with(&out, NULL, &two);
	assert_bad(&out, "does not hold one CertificationRequestInfoTemplate");
	two.n = 0;
	OID(&two, O_CN);
	csrattrs_with(&out, NULL, &two);
	assert_bad(&out, "does not hold one CertificationRequestInfoTemplate");
	/* attributes [1] missing */
	two.n = 0;
	put(&two, "\x30\x03\x02\x01\x00", 5);
	csrattrs_with(&out, NULL, &two);
	assert_bad(&out, "does not hold one CertificationRequestInfoTemplate");
	/* two templates */
	attr(&seq, O_CRI_TMPL, sizeof(O_CRI_TMPL) - 1, &cri);
	csrattrs_with(&out, &seq, &cri);
	assert_bad(&out, "more than one CSR template");
	/* both extensionRequest and id-aa-extensionReqTemplate */
	ext_of(&exts, O_BC, sizeof(O_BC) - 1, 0, NULL);
	ext_attr(&attrs, 1, &exts);
	exts.n = 0;
	put(&val, "\x30\x00", 2);
	ext_of(&exts, O_SAN, sizeof(O_SAN) - 1, 0, &val);
	ext_attr(&attrs, 0, &exts);
	cri_of(&cri, 0, NULL, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "more than one extensionRequest or id-aa-extensionReqTemplate");
	/* an extension twice */
	attrs.n = exts.n = 0;
	ext_of(&exts, O_BC, sizeof(O_BC) - 1, 0, NULL);
	ext_of(&exts, O_BC, sizeof(O_BC) - 1, 1, NULL);
	ext_attr(&attrs, 1, &exts);
	cri_of(&cri, 0, NULL, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "asks twice for extension 2.5.29.19 basicConstraints");
	/* a subjectAltName value that is no GeneralNames */
	attrs.n = exts.n = val.n = 0;
	put(&val, "\x02\x01\x05", 3);
	ext_of(&exts, O_SAN, sizeof(O_SAN) - 1, 0, &val);
	ext_attr(&attrs, 1, &exts);
	cri_of(&cri, 0, NULL, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "malformed value of extension 2.5.29.17 subjectAltName");
	/* an ExtensionTemplate without its OID */
	attrs.n = exts.n = 0;
	put(&exts, "\x30\x03\x01\x01\xff", 5);
	ext_attr(&attrs, 1, &exts);
	cri_of(&cri, 0, NULL, NULL, &attrs);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "malformed ExtensionTemplates");
	/* a subject value that is no directory string */
	OID(&sa, O_CN);
	put(&sa, "\x02\x01\x07", 3);
	tlv(&rdn, 0x30, &sa);
	tlv(&subj, 0x31, &rdn);
	cri_of(&cri, 0, &subj, NULL, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "the subject value is not a directory string: 2.5.4.3 CN");
	/* a UTF8String that is not UTF-8 */
	sa.n = rdn.n = subj.n = 0;
	OID(&sa, O_CN);
	put(&sa, "\x0c\x02\xc3\x28", 4);
	tlv(&rdn, 0x30, &sa);
	tlv(&subj, 0x31, &rdn);
	cri_of(&cri, 0, &subj, NULL, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "the subject value is not a valid string of its type: 2.5.4.3 CN");
	/* an empty RDN set */
	subj.n = 0;
	put(&subj, "\x31\x00", 2);
	cri_of(&cri, 0, &subj, NULL, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "an RDN of the subject without attributes");
	/* explicit EC parameters; a curve OpenSSL does not know; a 512-bit placeholder RSA key */
	OID(&alg, O_ECPUB);
	put(&alg, "\x30\x00", 2);
	tlv(&spki, 0x30, &alg);
	cri_of(&cri, 0, NULL, &spki, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "the key parameters are not a named curve");
	alg.n = spki.n = 0;
	OID(&alg, O_ECPUB);
	OID(&alg, "\x2b\x06\x01\x04\x01\x82\xe0\x1f\x01");
	tlv(&spki, 0x30, &alg);
	cri_of(&cri, 0, NULL, &spki, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "the key's curve is one OpenSSL does not know");
	alg.n = spki.n = val.n = set.n = 0;
	OID(&alg, O_RSA);
	tlv(&spki, 0x30, &alg);
	{
		unsigned char m[65] = { 0x00, 0x80 };

		prim(&set, 0x02, m, sizeof(m));
		prim(&set, 0x02, "\x03", 1);
	}
	put(&val, "\x00", 1);
	tlv(&val, 0x30, &set);
	tlv(&spki, 0x03, &val);
	cri_of(&cri, 0, NULL, &spki, NULL);
	csrattrs_with(&out, NULL, &cri);
	assert_bad(&out, "the placeholder key is no RSAPublicKey of 1024 to 16384 bits");
	/* every truncation of the RFC's example fails cleanly */
	der = example(&len);
	for (n = 1; n < len; n++) {
		struct hwe_csrreq r;

		assert_int_equal(hwe_csrreq_parse(der, n, &r), HWE_EXIT_RESPONSE);
		assert_int_equal(r.n, 0);
		hwe_err_clear();
	}
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_example_parse, setup),
		cmocka_unit_test_setup(test_example_plan_and_csr, setup),
		cmocka_unit_test_setup(test_example_unmet, setup),
		cmocka_unit_test_setup(test_outside_items, setup),
		cmocka_unit_test_setup(test_rdn_set_and_reenroll, setup),
		cmocka_unit_test_setup(test_fill_rules, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_rfc7030_example, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
