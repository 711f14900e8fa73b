/* SPDX-License-Identifier: BSD-3-Clause */
/* csrconf-check.c - value checkers of the CSR config parser: pure
 * functions over (pointer, length) spans, no allocation. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "csrconf-check.h"

static int is_digits(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Decimal without sign, no overflow; -1 if not a number or > max. */
long cc_parse_num(const char *p, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (!is_digits(p, n))
		return -1;
	for (i = 0; i < n; i++) {
		if (v > (max - (p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Strict UTF-8 check (no overlongs, surrogates or > U+10FFFF); control
 * characters (C0 but tab, DEL, C1) reported too.  *nchars gets the count
 * of code points, *bad the offset of the first bad byte. */
int cc_utf8_check(const char *s, size_t n, size_t *nchars, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, cnt = 0;

	while (i < n) {
		unsigned c = u[i], cp, need, j;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*bad = i;
				return U_CONTROL;
			}
			i++;
			cnt++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			*bad = i;
			return U_BADUTF8;
		}
		if (i + need >= n) {
			*bad = i;
			return U_BADUTF8;
		}
		for (j = 1; j <= need; j++) {
			if ((u[i + j] & 0xc0) != 0x80) {
				*bad = i;
				return U_BADUTF8;
			}
			cp = (cp << 6) | (u[i + j] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			*bad = i;
			return U_BADUTF8;
		}
		if (cp >= 0x80 && cp <= 0x9f) {
			*bad = i;
			return U_CONTROL;
		}
		i += need + 1;
		cnt++;
	}
	*nchars = cnt;
	return U_OK;
}

int cc_is_printable_string_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr(" '()+,-./:=?", c));
}

int cc_is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_alnum(char c)
{
	return cc_is_alpha(c) || (c >= '0' && c <= '9');
}

/* visible ASCII, no space: what an IA5String SAN value may hold here */
static int is_graph_ascii(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

int cc_valid_email(const char *p, size_t n)
{
	const char *at = NULL;
	size_t i;

	if (!is_graph_ascii(p, n))
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] == '@')
			at = p + i;
	return at && at > p && at < p + n - 1;
}

/* LDH labels (letters, digits, hyphens not at either end, 1..63 each),
 * at most 253 bytes, optionally "*." in front. */
int cc_valid_dns(const char *p, size_t n)
{
	size_t i, lab = 0;

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		p += 2;
		n -= 2;
	}
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '.') {
			if (lab == 0 || p[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 && p[n - 1] != '-';
}

/* RFC 3986 scheme ":" and something after it, visible ASCII only */
int cc_valid_uri(const char *p, size_t n)
{
	size_t i;

	if (!is_graph_ascii(p, n) || n < 3 || !cc_is_alpha(p[0]))
		return 0;
	for (i = 1; i < n && p[i] != ':'; i++)
		if (!is_alnum(p[i]) && p[i] != '+' && p[i] != '-' && p[i] != '.')
			return 0;
	return i < n - 1;
}

/* What csr.c will put in the GeneralName (a2i_IPADDRESS).  That reads an
 * IPv4 address with sscanf: a sign, or a blank and anything after it,
 * would pass, so only hex digits, '.' and ':' go in. */
int cc_valid_ip(const char *p, size_t n)
{
	char buf[64];
	ASN1_OCTET_STRING *ip;

	if (n == 0 || n >= sizeof(buf) || strspn(p, "0123456789abcdefABCDEF.:") < n)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (!(ip = a2i_IPADDRESS(buf))) {
		ERR_clear_error();
		return 0;
	}
	ASN1_OCTET_STRING_free(ip);
	return 1;
}

/* Dotted OID: >= 2 arcs, no leading zeros, first arc 0..2, second < 40
 * under 0 and 1. */
int cc_valid_oid(const char *s)
{
	const char *p = s;
	unsigned arcs = 0;
	long first = 0;

	for (;;) {
		const char *d = p;
		size_t n;

		while (*d >= '0' && *d <= '9')
			d++;
		n = (size_t)(d - p);
		if (n == 0 || (n > 1 && *p == '0') || (*d && *d != '.'))
			return 0;
		if (arcs == 0) {
			first = cc_parse_num(p, n, 2);
			if (first < 0)
				return 0;
		} else if (arcs == 1 && first < 2 && cc_parse_num(p, n, 39) < 0) {
			return 0;
		}
		arcs++;
		if (!*d)
			break;
		p = d + 1;
	}
	return arcs >= 2;
}
