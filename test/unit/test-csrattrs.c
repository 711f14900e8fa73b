/* SPDX-License-Identifier: BSD-3-Clause */
/* test-csrattrs.c - CsrAttrs DER to text. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csrattrs.h"
#include "pkcs7.h"
#include "fixture.h"
#include "rc.h"

#define assert_err fx_consume_err

#define assert_bad(der, len, sub) do { \
	char *t_ = (char *)"x"; \
	assert_err(hwe_csrattrs_decode((const unsigned char *)(der), (len), &t_), \
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, (sub)); \
	assert_null(t_); \
} while (0)

/* Minimal DER writer for fixtures (short and long lengths). */
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
	} else {
		h[hn++] = 0x82;
		h[hn++] = (unsigned char)(content->n >> 8);
		h[hn++] = (unsigned char)content->n;
	}
	put(d, h, hn);
	put(d, content->b, content->n);
}

/* Raw OID contents in hex-escaped form, e.g. "\x2a\x86\x48..." */
static void oid(struct der *d, const char *raw, size_t n)
{
	struct der c = { .n = 0 };

	put(&c, raw, n);
	tlv(d, 0x06, &c);
}

#define OID(d, s) oid((d), (s), sizeof(s) - 1)
#define O_CHALLENGE   "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x07"
#define O_EXTREQ      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"
#define O_ECPUB       "\x2a\x86\x48\xce\x3d\x02\x01"
#define O_SECP384     "\x2b\x81\x04\x00\x22"
#define O_SAN         "\x55\x1d\x11"
#define O_BC          "\x55\x1d\x13"
#define O_UNKNOWN     "\x2b\x06\x01\x04\x01\x82\xe0\x1f\x01" /* 1.3.6.1.4.1.45087.1 */

static char *decode_ok(const struct der *d)
{
	char *t = NULL;

	if (hwe_csrattrs_decode(d->b, d->n, &t) != HWE_OK)
		fail_msg("decode failed: %s", hwe_err_message());
	assert_non_null(t);
	return t;
}

static int setup(void **state)
{
	(void)state;
	hwe_err_clear();
	return 0;
}

static void test_empty(void **state)
{
	char *t = NULL;

	(void)state;
	assert_int_equal(hwe_csrattrs_decode((const unsigned char *)"\x30\x00", 2, &t), HWE_OK);
	assert_string_equal(t, "");
	free(t);
	/* 200 with no body: nothing requested either */
	assert_int_equal(hwe_csrattrs_decode(NULL, 0, &t), HWE_OK);
	assert_string_equal(t, "");
	free(t);
}

/* The example of RFC 7030 section 4.5.2. */
static void test_rfc7030_example(void **state)
{
	static const char ex[] =
		"MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ\n"
		"BgcrBgEBAQEWBggqhkjOPQQDAw==\n";
	unsigned char *der = NULL;
	size_t len = 0;
	char *t = NULL;

	(void)state;
	assert_int_equal(hwe_base64_decode(ex, strlen(ex), &der, &len), HWE_OK);
	assert_int_equal(hwe_csrattrs_decode(der, len, &t), HWE_OK);
	assert_string_equal(t,
		"oid 1.2.840.113549.1.9.7 (challengePassword)\n"
		"attribute 1.2.840.10045.2.1 (id-ecPublicKey): 1.3.132.0.34 (secp384r1)\n"
		"attribute 1.2.840.113549.1.9.14 (extReq): 1.3.6.1.1.1.1.22 (macAddress)\n"
		"oid 1.2.840.10045.4.3.3 (ecdsa-with-SHA384)\n");
	free(t);
	free(der);
}

static void test_oids_only(void **state)
{
	struct der in = { .n = 0 }, out = { .n = 0 };
	char *t;

	(void)state;
	OID(&in, O_CHALLENGE);
	OID(&in, O_UNKNOWN);
	tlv(&out, 0x30, &in);
	t = decode_ok(&out);
	assert_string_equal(t, "oid 1.2.840.113549.1.9.7 (challengePassword)\n"
			       "oid 1.3.6.1.4.1.45087.1\n");
	free(t);
}

static void test_attribute_values(void **state)
{
	struct der set = { .n = 0 }, attr = { .n = 0 }, seq = { .n = 0 }, out = { .n = 0 };
	struct der str = { .n = 0 };
	char *t;

	(void)state;
	/* two OID values and a non-OID value */
	OID(&set, O_SECP384);
	OID(&set, O_UNKNOWN);
	put(&str, "hello", 5);
	tlv(&set, 0x0c, &str);                   /* UTF8String */
	tlv(&set, 0xa0, &str);                   /* [0] constructed (contents irrelevant) */
	OID(&attr, O_ECPUB);
	tlv(&attr, 0x31, &set);
	tlv(&seq, 0x30, &attr);
	/* an attribute with no values */
	attr.n = 0;
	set.n = 0;
	OID(&attr, O_CHALLENGE);
	tlv(&attr, 0x31, &set);
	tlv(&seq, 0x30, &attr);
	tlv(&out, 0x30, &seq);
	t = decode_ok(&out);
	assert_string_equal(t,
		"attribute 1.2.840.10045.2.1 (id-ecPublicKey): 1.3.132.0.34 (secp384r1), "
		"1.3.6.1.4.1.45087.1, <UTF8STRING, 5 bytes>, <context [0] constructed, 5 bytes>\n"
		"attribute 1.2.840.113549.1.9.7 (challengePassword): (no values)\n");
	free(t);
}

/* RFC 9908 style: extensionRequest carrying an Extensions template. */
static void test_extension_request(void **state)
{
	struct der exts = { .n = 0 }, ext = { .n = 0 }, set = { .n = 0 }, attr = { .n = 0 };
	struct der seq = { .n = 0 }, out = { .n = 0 }, os = { .n = 0 }, val = { .n = 0 };
	char *t;

	(void)state;
	/* subjectAltName, empty value: client fills it */
	OID(&ext, O_SAN);
	tlv(&ext, 0x04, &os);
	tlv(&exts, 0x30, &ext);
	/* basicConstraints, critical, value SEQUENCE {} */
	ext.n = 0;
	OID(&ext, O_BC);
	put(&ext, "\x01\x01\xff", 3);
	put(&val, "\x30\x00", 2);
	tlv(&ext, 0x04, &val);
	tlv(&exts, 0x30, &ext);
	/* an unknown extension with only its OID */
	ext.n = 0;
	OID(&ext, O_UNKNOWN);
	tlv(&exts, 0x30, &ext);
	tlv(&set, 0x30, &exts);
	OID(&set, O_SAN);                        /* RFC 7030 style OID value too */
	OID(&attr, O_EXTREQ);
	tlv(&attr, 0x31, &set);
	tlv(&seq, 0x30, &attr);
	tlv(&out, 0x30, &seq);
	t = decode_ok(&out);
	assert_string_equal(t,
		"attribute 1.2.840.113549.1.9.14 (extReq): extensions [2.5.29.17 (subjectAltName), "
		"2.5.29.19 (basicConstraints) [critical, 2 bytes], 1.3.6.1.4.1.45087.1], "
		"2.5.29.17 (subjectAltName)\n");
	free(t);
	/* a SEQUENCE value of another attribute is not read as extensions */
	attr.n = seq.n = out.n = 0;
	OID(&attr, O_ECPUB);
	tlv(&attr, 0x31, &set);
	tlv(&seq, 0x30, &attr);
	tlv(&out, 0x30, &seq);
	t = decode_ok(&out);
	assert_non_null(strstr(t, "(id-ecPublicKey): <SEQUENCE, "));
	free(t);
}

static void test_malformed(void **state)
{
	struct der in = { .n = 0 }, out = { .n = 0 }, attr = { .n = 0 }, set = { .n = 0 };
	struct der exts = { .n = 0 }, ext = { .n = 0 };
	size_t n;

	(void)state;
	assert_bad("\x31\x00", 2, "not a SEQUENCE");                        /* SET outside */
	assert_bad("\x04\x02\x30\x00", 4, "not a SEQUENCE");
	assert_bad("\xa0\x00", 2, "not a SEQUENCE");                        /* [0] */
	assert_bad("\x30\x00\x00", 3, "trailing data");
	assert_bad("\x30\x80\x00\x00", 4, "csrattrs response is not valid DER (");  /* BER indefinite */
	assert_bad("\x30\x05\x06\x03\x55\x1d", 6, "csrattrs response is not valid DER (");
	assert_bad("\x30\x84\xff\xff\xff\xff", 6, "csrattrs response is not valid DER (");
	assert_bad("\x30", 1, "csrattrs response is not valid DER (");
	assert_bad("\x30\x02\x02\x00", 4, "neither an OBJECT IDENTIFIER nor an Attribute");
	assert_bad("\x30\x02\x06\x00", 4, "malformed OBJECT IDENTIFIER");  /* empty OID */
	assert_bad("\x30\x03\x06\x01\x80", 5, "malformed OBJECT IDENTIFIER");
	assert_bad("\x30\x03\x26\x01\x55", 5, "neither");                    /* constructed OID */
	assert_bad("\x30\x02\x30\x00", 4, "truncated");                      /* Attribute {} */
	assert_bad("\x30\x04\x30\x02\x02\x00", 6, "Attribute type is not an OBJECT IDENTIFIER");
	assert_bad("\x30\x07\x30\x05\x06\x03\x55\x1d\x11", 9, "truncated"); /* no values */
	assert_bad("\x30\x09\x30\x07\x06\x03\x55\x1d\x11\x30\x00", 11, "values are not a SET");
	assert_bad("\x30\x0b\x30\x09\x06\x03\x55\x1d\x11\x31\x00\x05\x00", 13, "unexpected data after");
	assert_bad("\x30\x0b\x30\x09\x06\x03\x55\x1d\x11\x31\x02\x06\x05", 13, "csrattrs response is not valid DER (");
	/* every truncation of a good message fails cleanly */
	OID(&in, O_CHALLENGE);
	OID(&set, O_SECP384);
	OID(&attr, O_ECPUB);
	tlv(&attr, 0x31, &set);
	tlv(&in, 0x30, &attr);
	tlv(&out, 0x30, &in);
	for (n = 1; n < out.n; n++)
		assert_bad(out.b, n, "csrattrs response is not valid DER (");
	/* extensionRequest with a broken Extension */
	put(&ext, "\x02\x01\x00", 3);
	tlv(&exts, 0x30, &ext);
	set.n = attr.n = in.n = out.n = 0;
	tlv(&set, 0x30, &exts);
	OID(&attr, O_EXTREQ);
	tlv(&attr, 0x31, &set);
	tlv(&in, 0x30, &attr);
	tlv(&out, 0x30, &in);
	assert_bad(out.b, out.n, "Extension does not start with an OBJECT IDENTIFIER");
	ext.n = exts.n = set.n = attr.n = in.n = out.n = 0;
	OID(&ext, O_SAN);
	put(&ext, "\x0c\x00", 2);           /* UTF8String where extnValue goes */
	tlv(&exts, 0x30, &ext);
	tlv(&set, 0x30, &exts);
	OID(&attr, O_EXTREQ);
	tlv(&attr, 0x31, &set);
	tlv(&in, 0x30, &attr);
	tlv(&out, 0x30, &in);
	assert_bad(out.b, out.n, "extnValue is not an OCTET STRING");
	assert_err(hwe_csrattrs_decode((const unsigned char *)"\x30\x00", 2, NULL),
		   HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "invalid arguments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_rfc7030_example, setup),
		cmocka_unit_test_setup(test_oids_only, setup),
		cmocka_unit_test_setup(test_attribute_values, setup),
		cmocka_unit_test_setup(test_extension_request, setup),
		cmocka_unit_test_setup(test_malformed, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
