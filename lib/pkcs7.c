/* SPDX-License-Identifier: BSD-3-Clause */
/* pkcs7.c - EST payload codecs: strict base64 and certs-only PKCS#7. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "log.h"
#include "pkcs7.h"
#include "rc.h"

#define B64_LINE 64
#define MEDIA_PKCS7 "application/pkcs7-mime"
#define MEDIA_X_PKCS7 "application/x-pkcs7-mime"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hwe_base64_encode(const unsigned char *in, size_t len, char **out, size_t *outlen)
{
	size_t groups, chars, lines, size, i, o = 0, col = 0;
	char *buf;

	if (!out || (!in && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "base64 encode: invalid arguments");
	*out = NULL;
	if (outlen)
		*outlen = 0;
	groups = len / 3 + (len % 3 != 0);
	if (groups > (SIZE_MAX - 1) / 5)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "base64 encode: input too large");
	chars = groups * 4;
	lines = (chars + B64_LINE - 1) / B64_LINE;
	size = chars + lines + 1;
	buf = malloc(size);
	if (!buf)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < len; i += 3) {
		size_t rem = len - i;
		unsigned long v = (unsigned long)in[i] << 16;
		char q[4];
		int k;

		if (rem > 1)
			v |= (unsigned long)in[i + 1] << 8;
		if (rem > 2)
			v |= in[i + 2];
		q[0] = b64_alphabet[(v >> 18) & 0x3f];
		q[1] = b64_alphabet[(v >> 12) & 0x3f];
		q[2] = rem > 1 ? b64_alphabet[(v >> 6) & 0x3f] : '=';
		q[3] = rem > 2 ? b64_alphabet[v & 0x3f] : '=';
		for (k = 0; k < 4; k++) {
			buf[o++] = q[k];
			if (++col == B64_LINE) {
				buf[o++] = '\n';
				col = 0;
			}
		}
	}
	if (col)
		buf[o++] = '\n';
	buf[o] = '\0';
	*out = buf;
	if (outlen)
		*outlen = o;
	return HWE_OK;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int b64_bad(const char *why)
{
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "response is not valid base64 (%s)", why);
}

/* Strict RFC 4648 decoding: whitespace is skipped, everything else must be
 * the standard alphabet in complete 4-character quanta; '=' may only end the
 * last quantum ("xx==" or "xxx="), nothing but whitespace may follow it, and
 * the bits the padding drops must be zero (the canonical encoding).  The
 * output never exceeds 3/4 of the input, so the buffer is sized from len. */
int hwe_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	int ret = HWE_EXIT_RESPONSE;
	unsigned char *buf = NULL;
	unsigned long acc = 0;
	size_t i, o = 0, nq = 0, total = 0;
	int pad = 0, done = 0;
	char why[96];

	if (!out || !outlen || (!in && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "base64 decode: invalid arguments");
	*out = NULL;
	*outlen = 0;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (is_b64_space(c))
			continue;
		if (done) {
			snprintf(why, sizeof(why), "data after padding at offset %zu", i);
			b64_bad(why);
			goto out;
		}
		total++;
		if (c == '=') {
			if (nq == 2 && pad == 0) {
				pad = 1;        /* "xx=" so far, a second '=' must follow */
				nq = 3;
			} else if (nq == 3 && pad == 0) {
				pad = 1;        /* "xxx=" */
				done = 1;
			} else if (nq == 3 && pad == 1) {
				pad = 2;        /* "xx==" */
				done = 1;
			} else {
				snprintf(why, sizeof(why), "misplaced padding at offset %zu", i);
				b64_bad(why);
				goto out;
			}
			continue;
		}
		v = b64_value(c);
		if (v < 0) {
			snprintf(why, sizeof(why), "invalid character 0x%02x at offset %zu", c, i);
			b64_bad(why);
			goto out;
		}
		if (pad) {
			snprintf(why, sizeof(why), "incorrect padding at offset %zu", i);
			b64_bad(why);
			goto out;
		}
		acc = (acc << 6) | (unsigned long)v;
		if (++nq == 4) {
			buf[o++] = (unsigned char)(acc >> 16);
			buf[o++] = (unsigned char)(acc >> 8);
			buf[o++] = (unsigned char)acc;
			acc = 0;
			nq = 0;
		}
	}
	if (total == 0) {
		b64_bad("empty payload");
		goto out;
	}
	if (!done && nq != 0) {
		if (pad)
			snprintf(why, sizeof(why), "incomplete padding at the end");
		else
			snprintf(why, sizeof(why), "length %zu is not a multiple of 4", total);
		b64_bad(why);
		goto out;
	}
	if (pad == 2) {
		/* "xx==": 12 bits, one byte plus 4 dropped bits that must be zero */
		if (acc & 0x0f) {
			b64_bad("non-zero bits before the padding");
			goto out;
		}
		buf[o++] = (unsigned char)(acc >> 4);
	} else if (pad == 1) {
		/* "xxx=": 18 bits, two bytes plus 2 dropped bits */
		if (acc & 0x03) {
			b64_bad("non-zero bits before the padding");
			goto out;
		}
		buf[o++] = (unsigned char)(acc >> 10);
		buf[o++] = (unsigned char)(acc >> 2);
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	ret = HWE_OK;
out:
	free(buf);
	return ret;
}

static int is_http_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks around [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_http_space(**s))
		(*s)++;
	while (*e > *s && is_http_space((*e)[-1]))
		(*e)--;
}

static int span_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && strncasecmp(s, word, n) == 0;
}

static int bad_content_type(const char *what, const char *s, size_t n, const char *expected)
{
	char safe[128];

	hwe_sanitize(s, n, safe, sizeof(safe));
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "unexpected %s '%s' (expected %s)", what, safe, expected);
}

/* "application/pkcs7-mime; smime-type=certs-only" (RFC 7030 4.1.3): the
 * media type must be PKCS#7 (the x- form is accepted for old servers) and an
 * smime-type parameter, if present, must be certs-only.  Other parameters
 * (name=, charset=) are ignored. */
static int check_content_type(const char *ct)
{
	const char *end = ct + strlen(ct);
	const char *s = ct, *e = memchr(ct, ';', (size_t)(end - ct));

	if (!e)
		e = end;
	trim(&s, &e);
	if (!span_is(s, e, MEDIA_PKCS7) && !span_is(s, e, MEDIA_X_PKCS7))
		return bad_content_type("Content-Type", ct, strlen(ct), MEDIA_PKCS7);
	while (e < end) {
		const char *ps = e + 1, *pe, *eq, *vs, *ve;

		pe = memchr(ps, ';', (size_t)(end - ps));
		if (!pe)
			pe = end;
		e = pe;
		eq = memchr(ps, '=', (size_t)(pe - ps));
		if (!eq)
			continue;
		vs = eq + 1;
		ve = pe;
		trim(&ps, &eq);
		if (!span_is(ps, eq, "smime-type"))
			continue;
		trim(&vs, &ve);
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (!span_is(vs, ve, "certs-only"))
			return bad_content_type("smime-type", vs, (size_t)(ve - vs), "certs-only");
	}
	return HWE_OK;
}

static int not_pkcs7(const char *detail)
{
	if (detail)
		return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
			       "response is not a PKCS#7 certs-only message (%s)", detail);
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "response is not a PKCS#7 certs-only message");
}

/* DER (or BER, as d2i accepts it) PKCS#7 SignedData -> its certificates. */
static int parse_pkcs7(const unsigned char *der, size_t len, STACK_OF(X509) **out)
{
	int ret = HWE_EXIT_RESPONSE;
	const unsigned char *p = der;
	STACK_OF(X509) *certs = NULL, *res = NULL;
	PKCS7 *p7 = NULL;
	char detail[160];
	int i;

	if (len > LONG_MAX) {
		not_pkcs7("too large");
		goto out;
	}
	ERR_clear_error();
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (!p7) {
		unsigned long e = ERR_peek_last_error();
		const char *r = e ? ERR_reason_error_string(e) : NULL;

		not_pkcs7(r);
		ERR_clear_error();
		goto out;
	}
	if (p < der || (size_t)(p - der) != len) {
		snprintf(detail, sizeof(detail), "%zu bytes of trailing data",
			 len - (size_t)(p - der));
		not_pkcs7(detail);
		goto out;
	}
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign) {
		char name[80];

		OBJ_obj2txt(name, sizeof(name), p7->type, 0);
		snprintf(detail, sizeof(detail), "content type is %s, not signedData", name);
		not_pkcs7(detail);
		goto out;
	}
	certs = p7->d.sign->cert;
	if (sk_X509_num(certs) <= 0) {
		hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "PKCS#7 response holds no certificate");
		goto out;
	}
	res = sk_X509_new_reserve(NULL, sk_X509_num(certs));
	if (!res) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (!x || !X509_up_ref(x)) {
			hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot reference a certificate");
			goto out;
		}
		sk_X509_push(res, x); /* cannot fail: reserved */
	}
	hwe_debug("PKCS#7 response: %d certificate(s)", sk_X509_num(res));
	*out = res;
	res = NULL;
	ret = HWE_OK;
out:
	sk_X509_pop_free(res, X509_free);
	PKCS7_free(p7);
	return ret;
}

int hwe_pkcs7_decode_certs(const char *content_type, const unsigned char *body,
			   size_t len, STACK_OF(X509) **out)
{
	int ret;
	unsigned char *der = NULL;
	size_t derlen = 0, i;

	if (!out || (!body && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "PKCS#7 decode: invalid arguments");
	*out = NULL;
	if (content_type && (ret = check_content_type(content_type)) != HWE_OK)
		return ret;
	for (i = 0; i < len && is_b64_space(body[i]); i++)
		;
	if (i == len)
		return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "empty response");
	/* Bare DER starts with a SEQUENCE tag.  Base64 text starting with '0'
	 * (also 0x30) would decode to 0xd0..0xd3, never a PKCS#7, so the first
	 * byte decides without guessing twice. */
	if (body[0] == 0x30)
		return parse_pkcs7(body, len, out);
	ret = hwe_base64_decode((const char *)body, len, &der, &derlen);
	if (ret == HWE_OK)
		ret = parse_pkcs7(der, derlen, out);
	free(der);
	return ret;
}

int hwe_certs_to_pem(STACK_OF(X509) *certs, int first, int count, char **pem, size_t *len)
{
	int ret = HWE_EXIT_INTERNAL;
	int n = sk_X509_num(certs), i;
	BIO *bio = NULL;
	char *data = NULL, *buf = NULL;
	long blen;

	if (!pem)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "PEM encode: invalid arguments");
	*pem = NULL;
	if (len)
		*len = 0;
	if (n < 0)
		n = 0;
	if (count == -1 && first >= 0 && first <= n)
		count = n - first;
	if (first < 0 || count < 0 || first > n || count > n - first)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "PEM encode: certificates %d..+%d out of range (%d)", first, count, n);
	bio = BIO_new(BIO_s_mem());
	if (!bio) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	for (i = first; i < first + count; i++) {
		if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i))) {
			hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot encode a certificate as PEM");
			goto out;
		}
	}
	blen = BIO_get_mem_data(bio, &data);
	if (blen < 0)
		blen = 0;
	buf = malloc((size_t)blen + 1);
	if (!buf) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if (blen)
		memcpy(buf, data, (size_t)blen);
	buf[blen] = '\0';
	*pem = buf;
	if (len)
		*len = (size_t)blen;
	buf = NULL;
	ret = HWE_OK;
out:
	free(buf);
	BIO_free(bio);
	return ret;
}
