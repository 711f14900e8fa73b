/* SPDX-License-Identifier: BSD-3-Clause */
/* pkcs7.c - EST payload codecs: base64 (OpenSSL's EVP_Encode/Decode) and certs-only PKCS#7. */
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

#define MEDIA_PKCS7 "application/pkcs7-mime"
#define MEDIA_X_PKCS7 "application/x-pkcs7-mime"
#define B64_CHUNK 49152            /* input per EVP_Encode/DecodeUpdate call (an int) */

int hwe_base64_encode(const unsigned char *in, size_t len, char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = NULL;
	size_t size, o = 0, i, n;
	char *buf;
	int k;

	if (!out || (!in && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "base64 encode: invalid arguments");
	*out = NULL;
	if (outlen)
		*outlen = 0;
	/* 4 characters per 3 bytes, a '\n' per 64 characters, EVP_EncodeFinal's
	 * last line, the NUL */
	if (len > (SIZE_MAX - 8) / 2)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "base64 encode: input too large");
	size = (len + 2) / 3 * 4 + (len + 47) / 48 + 2;
	if (!(buf = malloc(size)) || !(ctx = EVP_ENCODE_CTX_new())) {
		free(buf);
		return hwe_err_oom();
	}
	/* 64-column lines, each ending in '\n' */
	EVP_EncodeInit(ctx);
	for (i = 0; i < len; i += n) {
		n = len - i < B64_CHUNK ? len - i : B64_CHUNK;
		if (!EVP_EncodeUpdate(ctx, (unsigned char *)buf + o, &k, in + i, (int)n)) {
			EVP_ENCODE_CTX_free(ctx);
			free(buf);
			return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "base64 encode failed");
		}
		o += (size_t)k;
	}
	EVP_EncodeFinal(ctx, (unsigned char *)buf + o, &k);
	o += (size_t)k;
	EVP_ENCODE_CTX_free(ctx);
	buf[o] = '\0';
	*out = buf;
	if (outlen)
		*outlen = o;
	return HWE_OK;
}

static int b64_bad(const char *why)
{
	return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
		       "response is not valid base64 (%s)", why);
}

/* Why the decoder refused in[0..len): the first character outside the
 * alphabet, '=' and whitespace (with its offset), else the length or the
 * padding.  Only the report; the decoding is OpenSSL's. */
static int b64_refused(const char *in, size_t len)
{
	static const char chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n";
	size_t i, n = 0, pad = len;
	char why[96];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!c || !strchr(chars, c)) {
			snprintf(why, sizeof(why), "invalid character 0x%02x at offset %zu", c, i);
			return b64_bad(why);
		}
		if (c == '=' && pad == len)
			pad = i;
		if (!strchr(" \t\r\n", c))
			n++;
	}
	if (n == 0)
		return b64_bad("empty payload");
	if (n % 4)
		snprintf(why, sizeof(why), "length %zu is not a multiple of 4", n);
	else
		snprintf(why, sizeof(why), "misplaced padding, the first '=' at offset %zu", pad);
	return b64_bad(why);
}

/* OpenSSL's decoder (EVP_DecodeUpdate): whitespace (space, tab, CR, LF)
 * is skipped, anything else outside the standard alphabet is refused, and
 * '=' only pads the last quantum.  It takes '-' as the end of the data
 * (the "-----END" line of PEM) and ignores what follows: in a response
 * body that is junk, refused here.  d2i_PKCS7 / the csrattrs decoder
 * judge the bytes. */
int hwe_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	const char *dash;
	size_t i, n, o = 0;
	int ret = HWE_EXIT_RESPONSE, k, rc = 1;

	if (!out || !outlen || (!in && len))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "base64 decode: invalid arguments");
	*out = NULL;
	*outlen = 0;
	if (len && (dash = memchr(in, '-', len)))
		return b64_refused(in, (size_t)(dash - in) + 1);
	/* at most 3 bytes per 4 characters, whole quanta */
	if (!(buf = malloc(len / 4 * 3 + 4)) || !(ctx = EVP_ENCODE_CTX_new())) {
		ret = hwe_err_oom();
		goto out;
	}
	EVP_DecodeInit(ctx);
	for (i = 0; i < len && rc == 1; i += n) {
		n = len - i < B64_CHUNK ? len - i : B64_CHUNK;
		rc = EVP_DecodeUpdate(ctx, buf + o, &k, (const unsigned char *)in + i, (int)n);
		if (rc >= 0)
			o += (size_t)k;
	}
	/* rc 0: the padding ended the data (OpenSSL checks that within one
	 * call); only whitespace may follow in the chunks not given to it */
	for (; rc == 0 && i < len; i++)
		if (!strchr(" \t\r\n", in[i]) || !in[i])
			rc = -1;
	if (rc < 0 || EVP_DecodeFinal(ctx, buf + o, &k) < 0) {
		ERR_clear_error();
		b64_refused(in, len);
		goto out;
	}
	o += (size_t)k;
	if (o == 0) {
		b64_bad("empty payload");
		goto out;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	ret = HWE_OK;
out:
	EVP_ENCODE_CTX_free(ctx);
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
	STACK_OF(X509) *certs;
	PKCS7 *p7 = NULL;
	char detail[160];

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
	/* a stack and references of the caller's own: the certificates outlive p7 */
	if (!(*out = X509_chain_up_ref(certs))) {
		hwe_err_oom();
		goto out;
	}
	hwe_debug("PKCS#7 response: %d certificate(s)", sk_X509_num(*out));
	ret = HWE_OK;
out:
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
	for (i = 0; i < len && strchr(" \t\r\n", body[i]) && body[i]; i++)
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
		hwe_err_oom();
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
		hwe_err_oom();
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
