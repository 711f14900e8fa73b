/* SPDX-License-Identifier: BSD-3-Clause */
/* test-pkcs7.c - base64, certs-only PKCS#7 decoding, PEM output. */
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
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "pkcs7.h"
#include "fixture.h"
#include "rc.h"

/* Assert the recorded error (exit class, status, part of the message). */
#define assert_err fx_consume_err

#define assert_b64_err(text, sub) assert_b64_err_n((text), strlen(text), (sub))
#define assert_b64_err_n(text, n, sub) do { \
	unsigned char *o_ = NULL; \
	size_t ol_ = 99; \
	assert_err(hwe_base64_decode((text), (n), &o_, &ol_), \
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, (sub)); \
	assert_null(o_); \
	assert_int_equal(ol_, 0); \
} while (0)

static int setup(void **state)
{
	(void)state;
	hwe_err_clear();
	return 0;
}

/* ---- fixtures ---------------------------------------------------------- */

static EVP_PKEY *ca_key;

static X509 *make_cert(const char *cn, EVP_PKEY *key)
{
	const char *name[] = { "CN", cn, NULL };
	struct fx_cert spec = {
		.name = name, .pub = key, .sign_key = ca_key, .not_before = -3600,
		.serial = (long)(cn[0] + 1000 * (long)strlen(cn)),
	};

	return fx_cert(&spec);
}

/* What `openssl crl2pkcs7 -nocrl` builds: SignedData, no signers, certs. */
static unsigned char *make_p7(X509 **certs, int n, int *len)
{
	PKCS7 *p7 = PKCS7_new();
	unsigned char *der = NULL;
	int i;

	assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
	assert_true(PKCS7_content_new(p7, NID_pkcs7_data));
	for (i = 0; i < n; i++)
		assert_true(PKCS7_add_certificate(p7, certs[i]));
	*len = i2d_PKCS7(p7, &der);
	assert_true(*len > 0);
	PKCS7_free(p7);
	return der;
}

static char *b64(const unsigned char *d, size_t n)
{
	char *t = NULL;
	size_t tl = 0;

	assert_int_equal(hwe_base64_encode(d, n, &t, &tl), HWE_OK);
	assert_int_equal(strlen(t), tl);
	return t;
}

/* ---- base64 ------------------------------------------------------------ */

static void test_b64_encode_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==\n" }, { "fo", "Zm8=\n" }, { "foo", "Zm9v\n" },
		{ "foob", "Zm9vYg==\n" }, { "fooba", "Zm9vYmE=\n" }, { "foobar", "Zm9vYmFy\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *t = b64((const unsigned char *)v[i].in, strlen(v[i].in));

		assert_string_equal(t, v[i].out);
		free(t);
	}
}

static void test_b64_encode_lines(void **state)
{
	unsigned char d[200];
	char *t;
	size_t i;

	(void)state;
	memset(d, 0xfb, sizeof(d));
	t = b64(d, 48);                 /* exactly one full line */
	assert_int_equal(strlen(t), 65);
	assert_int_equal(t[64], '\n');
	free(t);
	t = b64(d, 49);                 /* a second, short line */
	assert_int_equal(strlen(t), 64 + 1 + 4 + 1);
	assert_int_equal(t[64], '\n');
	assert_string_equal(t + 65, "+w==\n");
	free(t);
	t = b64(d, sizeof(d));
	for (i = 0; t[i]; i++) {
		if ((i + 1) % 65 == 0)
			assert_int_equal(t[i], '\n');
		else if (t[i + 1])
			assert_true(t[i] != '\n' && t[i] != '\r');
	}
	assert_int_equal(t[i - 1], '\n');
	free(t);
}

static void test_b64_roundtrip(void **state)
{
	unsigned char d[300];
	size_t n;

	(void)state;
	assert_int_equal(RAND_bytes(d, sizeof(d)), 1);
	for (n = 1; n <= sizeof(d); n++) {
		char *t = b64(d, n);
		unsigned char *o = NULL;
		size_t ol = 0;

		assert_int_equal(hwe_base64_decode(t, strlen(t), &o, &ol), HWE_OK);
		assert_int_equal(ol, n);
		assert_memory_equal(o, d, n);
		free(o);
		free(t);
	}
}

static void assert_b64_decodes(const char *in, const char *want)
{
	unsigned char *o = NULL;
	size_t ol = 0;

	assert_int_equal(hwe_base64_decode(in, strlen(in), &o, &ol), HWE_OK);
	assert_int_equal(ol, strlen(want));
	assert_memory_equal(o, want, ol);
	free(o);
}

static void test_b64_decode_whitespace(void **state)
{
	static const char *ok[] = {
		"Zm9vYmFy", " Zm9v\r\nYmFy\t", "Zm9vYmFy\n", "Z m 9 v\tY\rm\nF y",
		"\r\n\r\nZm9vYmFy\r\n\r\n", "Zm9vYmE=\n", "Zm9vYg==", "Zm9vY g = =",
	};
	static const char *want[] = { "foobar", "foobar", "foobar", "foobar", "foobar", "fooba", "foob", "foob" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_b64_decodes(ok[i], want[i]);
}

/* Bodies longer than one decoder call (49152 characters): the padding at
 * the end of a call still ends the data */
static void test_b64_decode_chunks(void **state)
{
	static unsigned char d[100000];
	unsigned char *o = NULL;
	char *t, *pad;
	size_t ol = 0;

	(void)state;
	assert_int_equal(RAND_bytes(d, sizeof(d)), 1);
	t = b64(d, sizeof(d));
	assert_int_equal(hwe_base64_decode(t, strlen(t), &o, &ol), HWE_OK);
	assert_int_equal(ol, sizeof(d));
	assert_memory_equal(o, d, ol);
	free(o);
	free(t);
	pad = malloc(49152 + 4 + 1);
	assert_non_null(pad);
	memset(pad, 'A', 49148);
	memcpy(pad + 49148, "Zg==Zg==", 8);
	assert_b64_err_n(pad, 49152 + 4, "misplaced padding, the first '=' at offset 49150");
	memcpy(pad + 49152, " \r\n ", 4);
	o = NULL;
	assert_int_equal(hwe_base64_decode(pad, 49152 + 4, &o, &ol), HWE_OK);
	assert_int_equal(ol, 49148 / 4 * 3 + 1);
	free(o);
	free(pad);
}

/* The bits the padding drops are not checked (OpenSSL's decoder): the
 * bytes are the same, and the PKCS#7 or csrattrs decoder judges them. */
static void test_b64_decode_noncanonical(void **state)
{
	(void)state;
	assert_b64_decodes("Zh==", "f");
	assert_b64_decodes("Zm9=", "fo");
}

static void test_b64_decode_long_lines(void **state)
{
	unsigned char d[3000], *o = NULL;
	char *t, *one, *wide;
	size_t i, j = 0, k = 0, ol = 0;

	(void)state;
	assert_int_equal(RAND_bytes(d, sizeof(d)), 1);
	t = b64(d, sizeof(d));
	one = calloc(1, strlen(t) + 1);
	wide = calloc(1, strlen(t) * 2 + 1);
	assert_non_null(one);
	assert_non_null(wide);
	for (i = 0; t[i]; i++) {
		if (t[i] == '\n')
			continue;
		one[j++] = t[i];          /* no line breaks at all */
		wide[k++] = t[i];         /* 76-column CRLF lines (MIME) */
		if (j % 76 == 0) {
			wide[k++] = '\r';
			wide[k++] = '\n';
		}
	}
	assert_int_equal(hwe_base64_decode(one, j, &o, &ol), HWE_OK);
	assert_int_equal(ol, sizeof(d));
	assert_memory_equal(o, d, ol);
	free(o);
	assert_int_equal(hwe_base64_decode(wide, k, &o, &ol), HWE_OK);
	assert_int_equal(ol, sizeof(d));
	assert_memory_equal(o, d, ol);
	free(o);
	free(one);
	free(wide);
	free(t);
}

static void test_b64_decode_bad(void **state)
{
	unsigned char *o = NULL;
	size_t ol = 0;

	(void)state;
	assert_b64_err("Zm9v*mFy", "invalid character 0x2a at offset 4");
	assert_b64_err("Zm9v\nYm-y", "invalid character 0x2d at offset 7");  /* base64url */
	assert_b64_err("Zm9vYm_y", "invalid character 0x5f at offset 6");
	assert_b64_err("Zm9v\vYmFy", "invalid character 0x0b at offset 4");  /* VT is not ignored */
	assert_b64_err("Zm9v\xc3\xa9", "invalid character 0xc3 at offset 4");
	assert_b64_err("", "empty payload");
	assert_b64_err(" \r\n\t ", "empty payload");
	assert_b64_err("Zm9vY", "not a multiple of 4");
	assert_b64_err("Zm9vYmF", "not a multiple of 4");
	assert_b64_err("Zg", "not a multiple of 4");
	assert_b64_err("Zg=", "length 3 is not a multiple of 4");
	assert_b64_err("Z===", "misplaced padding, the first '=' at offset 1");
	assert_b64_err("=Zg=", "misplaced padding, the first '=' at offset 0");
	assert_b64_err("Zg=a", "misplaced padding, the first '=' at offset 2");
	assert_b64_err("Zg==Zg==", "misplaced padding, the first '=' at offset 2");
	assert_b64_err("Zm8=\n=", "length 5 is not a multiple of 4");
	assert_b64_err("Zm8==", "length 5 is not a multiple of 4");
	/* '-' would end the data for OpenSSL's decoder (PEM's -----END):
	 * refused, with whatever follows it */
	assert_b64_err("Zm9vYmFy-", "invalid character 0x2d at offset 8");
	assert_b64_err("Zm9vYmFy\n-----END-----\n", "invalid character 0x2d at offset 9");
	assert_b64_err("-", "invalid character 0x2d at offset 0");
	/* a NUL in the middle is a character like any other */
	assert_err(hwe_base64_decode("Zm9v\0YmFy", 9, &o, &ol), HWE_EXIT_RESPONSE,
		   HWE_ERR_EST_RESPONSE, "invalid character 0x00 at offset 4");
	assert_err(hwe_base64_decode("Zm9v", 4, NULL, &ol), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
		   "invalid arguments");
}

/* ---- PKCS#7 ------------------------------------------------------------ */

struct p7fix {
	EVP_PKEY *key;
	X509 *certs[3];
	unsigned char *der;     /* SignedData with the three certs */
	int len;
};

static int p7_setup(void **state)
{
	struct p7fix *f = calloc(1, sizeof(*f));

	hwe_err_clear();
	if (!f)
		return -1;
	ca_key = fx_key("EC", "P-256");
	f->key = fx_key("EC", "P-256");
	if (!ca_key || !f->key)
		return -1;
	f->certs[0] = make_cert("leaf", f->key);
	f->certs[1] = make_cert("issuing CA", ca_key);
	f->certs[2] = make_cert("root CA xyz", ca_key);
	f->der = make_p7(f->certs, 3, &f->len);
	*state = f;
	return 0;
}

static int p7_teardown(void **state)
{
	struct p7fix *f = *state;
	int i;

	for (i = 0; i < 3; i++)
		X509_free(f->certs[i]);
	OPENSSL_free(f->der);
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(ca_key);
	ca_key = NULL;
	free(f);
	return 0;
}

static void assert_three(struct p7fix *f, STACK_OF(X509) *sk)
{
	int i;

	assert_non_null(sk);
	assert_int_equal(sk_X509_num(sk), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->certs[i]), 0);
	sk_X509_pop_free(sk, X509_free);
}

static void test_p7_der_and_base64(void **state)
{
	struct p7fix *f = *state;
	STACK_OF(X509) *sk = NULL;
	char *t = b64(f->der, (size_t)f->len);
	char *crlf;
	size_t i, j = 0;

	/* bare DER */
	assert_int_equal(hwe_pkcs7_decode_certs("application/pkcs7-mime", f->der, (size_t)f->len, &sk), HWE_OK);
	assert_three(f, sk);
	/* base64 with LF lines (what RFC 8951 says servers send) */
	sk = NULL;
	assert_int_equal(hwe_pkcs7_decode_certs("application/pkcs7-mime; smime-type=certs-only",
						(unsigned char *)t, strlen(t), &sk), HWE_OK);
	assert_three(f, sk);
	/* base64 with CRLF and a leading blank line (Content-Transfer-Encoding
	 * header or not, the body is the same to this function) */
	crlf = calloc(1, strlen(t) * 2 + 8);
	assert_non_null(crlf);
	crlf[j++] = '\r';
	crlf[j++] = '\n';
	for (i = 0; t[i]; i++) {
		if (t[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = t[i];
	}
	sk = NULL;
	assert_int_equal(hwe_pkcs7_decode_certs(NULL, (unsigned char *)crlf, j, &sk), HWE_OK);
	assert_three(f, sk);
	/* the references are ours: the stack outlives the PKCS7 */
	free(crlf);
	free(t);
}

static void test_p7_order(void **state)
{
	struct p7fix *f = *state;
	X509 *rev[3] = { f->certs[2], f->certs[0], f->certs[1] };
	STACK_OF(X509) *sk = NULL;
	unsigned char *der;
	int len, i;

	der = make_p7(rev, 3, &len);
	assert_int_equal(hwe_pkcs7_decode_certs(NULL, der, (size_t)len, &sk), HWE_OK);
	assert_int_equal(sk_X509_num(sk), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i), rev[i]), 0);
	sk_X509_pop_free(sk, X509_free);
	OPENSSL_free(der);
	/* a single certificate */
	der = make_p7(f->certs, 1, &len);
	assert_int_equal(hwe_pkcs7_decode_certs(NULL, der, (size_t)len, &sk), HWE_OK);
	assert_int_equal(sk_X509_num(sk), 1);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->certs[0]), 0);
	sk_X509_pop_free(sk, X509_free);
	OPENSSL_free(der);
}

static void test_p7_content_types(void **state)
{
	struct p7fix *f = *state;
	static const char *ok[] = {
		"application/pkcs7-mime", "Application/PKCS7-MIME", " application/pkcs7-mime ",
		"application/pkcs7-mime; smime-type=certs-only",
		"application/pkcs7-mime;smime-type=\"certs-only\"",
		"application/pkcs7-mime ; SMIME-Type = Certs-Only ; name=cert.p7c",
		"application/pkcs7-mime; name=\"x.p7c\"", "application/x-pkcs7-mime",
		"application/pkcs7-mime;",
	};
	STACK_OF(X509) *sk = NULL;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sk = NULL;
		if (hwe_pkcs7_decode_certs(ok[i], f->der, (size_t)f->len, &sk) != HWE_OK)
			fail_msg("'%s' refused: %s", ok[i], hwe_err_message());
		assert_three(f, sk);
	}
	sk = NULL;
	assert_err(hwe_pkcs7_decode_certs("text/html; charset=utf-8", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		   "unexpected Content-Type 'text/html; charset=utf-8' (expected application/pkcs7-mime)");
	assert_null(sk);
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected Content-Type 'application/pkcs7'");
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7-mimex", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected Content-Type");
	assert_err(hwe_pkcs7_decode_certs("", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected Content-Type ''");
	assert_err(hwe_pkcs7_decode_certs("application/pkcs10", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected Content-Type");
	/* hostile header text is sanitized before it reaches the terminal */
	assert_err(hwe_pkcs7_decode_certs("text/\x1b[31mred", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "'text/.[31mred'");
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7-mime; smime-type=signed-data",
					  f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		   "unexpected smime-type 'signed-data' (expected certs-only)");
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7-mime; smime-type=", f->der, (size_t)f->len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected smime-type ''");
	assert_null(sk);
}

static void test_p7_empty(void **state)
{
	struct p7fix *f = *state;
	STACK_OF(X509) *sk = NULL;
	unsigned char *der;
	char *t;
	int len;

	assert_err(hwe_pkcs7_decode_certs(NULL, (const unsigned char *)"", 0, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "empty response");
	assert_err(hwe_pkcs7_decode_certs(NULL, NULL, 0, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "empty response");
	assert_err(hwe_pkcs7_decode_certs(NULL, (const unsigned char *)"\r\n \r\n", 5, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "empty response");
	/* SignedData without certificates */
	der = make_p7(f->certs, 0, &len);
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7-mime", der, (size_t)len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "PKCS#7 response holds no certificate");
	t = b64(der, (size_t)len);
	assert_err(hwe_pkcs7_decode_certs(NULL, (unsigned char *)t, strlen(t), &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "PKCS#7 response holds no certificate");
	assert_null(sk);
	free(t);
	OPENSSL_free(der);
}

static void test_p7_not_pkcs7(void **state)
{
	struct p7fix *f = *state;
	STACK_OF(X509) *sk = NULL;
	unsigned char *der = NULL, *buf;
	PKCS7 *p7;
	char *t;
	int len;

	/* a bare certificate, DER and base64 */
	len = i2d_X509(f->certs[0], &der);
	assert_err(hwe_pkcs7_decode_certs(NULL, der, (size_t)len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not a PKCS#7 certs-only message");
	t = b64(der, (size_t)len);
	assert_err(hwe_pkcs7_decode_certs(NULL, (unsigned char *)t, strlen(t), &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not a PKCS#7 certs-only message");
	free(t);
	OPENSSL_free(der);
	/* PKCS#7 of another content type */
	p7 = PKCS7_new();
	assert_true(PKCS7_set_type(p7, NID_pkcs7_data));
	der = NULL;
	len = i2d_PKCS7(p7, &der);
	assert_true(len > 0);
	assert_err(hwe_pkcs7_decode_certs(NULL, der, (size_t)len, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "not signedData");
	PKCS7_free(p7);
	OPENSSL_free(der);
	/* text that happens to be base64 */
	assert_err(hwe_pkcs7_decode_certs(NULL, (const unsigned char *)"aGVsbG8=", 8, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not a PKCS#7 certs-only message");
	/* an HTML error page with the right content type */
	assert_err(hwe_pkcs7_decode_certs("application/pkcs7-mime",
					  (const unsigned char *)"<html>oops</html>", 17, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not valid base64 (invalid character 0x3c at offset 0)");
	/* truncated DER, every length */
	for (len = 1; len < f->len; len += 7)
		assert_err(hwe_pkcs7_decode_certs(NULL, f->der, (size_t)len, &sk),
			   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not a PKCS#7 certs-only message");
	/* a SEQUENCE with a huge length */
	buf = (unsigned char *)"\x30\x84\x7f\xff\xff\xff\x02\x01\x00";
	assert_err(hwe_pkcs7_decode_certs(NULL, buf, 9, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not a PKCS#7 certs-only message");
	assert_null(sk);
}

static void test_p7_trailing(void **state)
{
	struct p7fix *f = *state;
	STACK_OF(X509) *sk = NULL;
	unsigned char *buf = malloc((size_t)f->len + 3);
	char *t;

	assert_non_null(buf);
	memcpy(buf, f->der, (size_t)f->len);
	memcpy(buf + f->len, "\0\0x", 3);
	assert_err(hwe_pkcs7_decode_certs(NULL, buf, (size_t)f->len + 3, &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "(3 bytes of trailing data)");
	t = b64(buf, (size_t)f->len + 1);
	assert_err(hwe_pkcs7_decode_certs(NULL, (unsigned char *)t, strlen(t), &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "(1 bytes of trailing data)");
	free(t);
	/* base64 followed by junk text is a base64 error */
	t = b64(f->der, (size_t)f->len);
	t = realloc(t, strlen(t) + 8);
	assert_non_null(t);
	strcat(t, "--end--");
	assert_err(hwe_pkcs7_decode_certs(NULL, (unsigned char *)t, strlen(t), &sk),
		   HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "response is not valid base64 (");
	assert_null(sk);
	free(t);
	free(buf);
}

/* ---- PEM --------------------------------------------------------------- */

static int count_pem(const char *pem, X509 **want, int n)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int i = 0;

	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		assert_true(i < n);
		assert_int_equal(X509_cmp(x, want[i]), 0);
		X509_free(x);
		i++;
	}
	BIO_free(b);
	return i;
}

static void test_pem(void **state)
{
	struct p7fix *f = *state;
	STACK_OF(X509) *sk = NULL;
	char *pem = NULL;
	size_t len = 0;

	assert_int_equal(hwe_pkcs7_decode_certs(NULL, f->der, (size_t)f->len, &sk), HWE_OK);
	assert_int_equal(hwe_certs_to_pem(sk, 0, -1, &pem, &len), HWE_OK);
	assert_int_equal(strlen(pem), len);
	assert_int_equal(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	assert_int_equal(count_pem(pem, f->certs, 3), 3);
	free(pem);
	assert_int_equal(hwe_certs_to_pem(sk, 1, -1, &pem, &len), HWE_OK);
	assert_int_equal(count_pem(pem, f->certs + 1, 2), 2);
	free(pem);
	assert_int_equal(hwe_certs_to_pem(sk, 0, 1, &pem, NULL), HWE_OK);
	assert_int_equal(count_pem(pem, f->certs, 1), 1);
	free(pem);
	assert_int_equal(hwe_certs_to_pem(sk, 3, -1, &pem, &len), HWE_OK);
	assert_string_equal(pem, "");
	assert_int_equal(len, 0);
	free(pem);
	assert_err(hwe_certs_to_pem(sk, 2, 2, &pem, &len), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "out of range");
	assert_null(pem);
	assert_err(hwe_certs_to_pem(sk, 4, -1, &pem, &len), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "out of range");
	assert_err(hwe_certs_to_pem(sk, -1, 1, &pem, &len), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "out of range");
	sk_X509_pop_free(sk, X509_free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_b64_encode_vectors, setup),
		cmocka_unit_test_setup(test_b64_encode_lines, setup),
		cmocka_unit_test_setup(test_b64_roundtrip, setup),
		cmocka_unit_test_setup(test_b64_decode_whitespace, setup),
		cmocka_unit_test_setup(test_b64_decode_chunks, setup),
		cmocka_unit_test_setup(test_b64_decode_noncanonical, setup),
		cmocka_unit_test_setup(test_b64_decode_long_lines, setup),
		cmocka_unit_test_setup(test_b64_decode_bad, setup),
		cmocka_unit_test_setup_teardown(test_p7_der_and_base64, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_p7_order, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_p7_content_types, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_p7_empty, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_p7_not_pkcs7, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_p7_trailing, p7_setup, p7_teardown),
		cmocka_unit_test_setup_teardown(test_pem, p7_setup, p7_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
