/* SPDX-License-Identifier: BSD-3-Clause */
/* http-parse.c - pure parsers of HTTP header values (Retry-After,
 * WWW-Authenticate): no I/O, fuzzed and unit tested. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "rc.h"

/* name of length alen equals b, ignoring case (header and scheme names) */
int hwe_http_name_eq(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* strip optional whitespace (and a line end) from both sides */
void hwe_http_trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && strchr(" \t\r\n", (*s)[*len - 1]))
		(*len)--;
}

/* ---------------------------------------------------------------------- */
/* Retry-After (RFC 9110 10.2.3)                                           */

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const wdays_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* n digits at *p -> value; advances */
static int digits(const char **p, const char *end, int n, int *out)
{
	int v = 0, i;

	if (end - *p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return -1;
	*p += n;
	return 0;
}

static int name_of(const char **p, const char *end, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (lit(p, end, names[i]) == 0)
			return i;
	return -1;
}

/* "HH:MM:SS" */
static int hms(const char **p, const char *end, int *h, int *m, int *s)
{
	if (digits(p, end, 2, h) || lit(p, end, ":") || digits(p, end, 2, m) ||
	    lit(p, end, ":") || digits(p, end, 2, s))
		return -1;
	return *h > 23 || *m > 59 || *s > 60 ? -1 : 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int parse_http_date(const char *p, const char *end, time_t now, int64_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int wd, d = 0, mon, y = 0, hh, mm, ss;
	const char *q = p;

	if ((wd = name_of(&q, end, wdays_long, 7)) >= 0 && lit(&q, end, ", ") == 0) {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		struct tm tmnow;
		time_t n = now;

		if (digits(&q, end, 2, &d) || lit(&q, end, "-") ||
		    (mon = name_of(&q, end, months, 12)) < 0 || lit(&q, end, "-") ||
		    digits(&q, end, 2, &y) || lit(&q, end, " ") || hms(&q, end, &hh, &mm, &ss) ||
		    lit(&q, end, " GMT"))
			return -1;
		/* a two-digit year more than 50 years ahead is in the past century */
		if (!gmtime_r(&n, &tmnow))
			return -1;
		y += (tmnow.tm_year + 1900) / 100 * 100;
		if (y > tmnow.tm_year + 1900 + 50)
			y -= 100;
	} else if ((q = p, wd = name_of(&q, end, wdays, 7)) >= 0 && lit(&q, end, ", ") == 0) {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		if (digits(&q, end, 2, &d) || lit(&q, end, " ") ||
		    (mon = name_of(&q, end, months, 12)) < 0 || lit(&q, end, " ") ||
		    digits(&q, end, 4, &y) || lit(&q, end, " ") || hms(&q, end, &hh, &mm, &ss) ||
		    lit(&q, end, " GMT"))
			return -1;
	} else if ((q = p, wd = name_of(&q, end, wdays, 7)) >= 0 && lit(&q, end, " ") == 0) {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		if ((mon = name_of(&q, end, months, 12)) < 0 || lit(&q, end, " "))
			return -1;
		if (lit(&q, end, " ") == 0) {
			if (digits(&q, end, 1, &d))
				return -1;
		} else if (digits(&q, end, 2, &d)) {
			return -1;
		}
		if (lit(&q, end, " ") || hms(&q, end, &hh, &mm, &ss) || lit(&q, end, " ") ||
		    digits(&q, end, 4, &y))
			return -1;
	} else {
		return -1;
	}
	if (q != end || d < 1 || d > mdays[mon] + (mon == 1 && leap(y)))
		return -1;
	*t = days_from_civil(y, mon + 1, d) * 86400 + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss);
	(void)wd;
	return 0;
}

int hwe_http_parse_retry_after(const char *value, time_t now, long *delay_s)
{
	const char *p = value;
	size_t n;
	int64_t t;
	long v = 0;

	if (!value || !delay_s)
		return HWE_EXIT_RESPONSE;
	n = strlen(value);
	hwe_http_trim(&p, &n);
	if (n == 0)
		return HWE_EXIT_RESPONSE;
	if (isdigit((unsigned char)p[0])) {
		size_t i;

		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)p[i]))
				break;
			if (v > (LONG_MAX - (p[i] - '0')) / 10)
				v = LONG_MAX;
			else
				v = v * 10 + (p[i] - '0');
		}
		if (i == n) {
			*delay_s = v;
			return HWE_OK;
		}
		/* not all digits: a date starts with a letter, so this is junk */
		return HWE_EXIT_RESPONSE;
	}
	if (parse_http_date(p, p + n, now, &t))
		return HWE_EXIT_RESPONSE;
	if (t <= (int64_t)now)
		*delay_s = 0;
	else if (t - (int64_t)now > LONG_MAX)
		*delay_s = LONG_MAX;
	else
		*delay_s = (long)(t - (int64_t)now);
	return HWE_OK;
}

/* ---------------------------------------------------------------------- */
/* WWW-Authenticate (RFC 9110 11.6.1, RFC 7235)                            */

static int tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int t68char(int c)
{
	return isalnum(c) || (c && strchr("-._~+/", c));
}

static void skip_ows(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* token at *p; returns its length (0 = none) */
static size_t token(const char *p)
{
	size_t n = 0;

	while (tchar((unsigned char)p[n]))
		n++;
	return n;
}

/* quoted-string at *p (opening quote); unescaped copy into out (may be
 * NULL); returns the length consumed or 0 if unterminated */
static size_t quoted(const char *p, char **out)
{
	size_t i = 1, o = 0;
	char *buf = NULL;

	if (out && !(buf = malloc(strlen(p) + 1)))
		return 0;
	for (; p[i] && p[i] != '"'; i++) {
		if (p[i] == '\\') {
			if (!p[++i])
				break;
		} else if ((unsigned char)p[i] < 0x20 && p[i] != '\t') {
			break;
		}
		if (buf)
			buf[o++] = p[i];
	}
	if (p[i] != '"') {
		free(buf);
		return 0;
	}
	if (buf) {
		buf[o] = '\0';
		*out = buf;
	}
	return i + 1;
}

/* auth-param = token BWS "=" BWS ( token / quoted-string ) at p.
 * Returns the length consumed, 0 if p is not an auth-param.  The value of
 * the first "realm" seen goes to *realm (if realm and *realm is NULL), that
 * of an "error" parameter to *error (if error and *error is NULL). */
static size_t auth_param(const char *p, char **realm, char **error)
{
	const char *q = p, *name = p;
	size_t nlen = token(p), vlen;
	char *val = NULL, **slot = NULL;

	if (!nlen)
		return 0;
	q += nlen;
	skip_ows(&q);
	if (*q != '=')
		return 0;
	q++;
	skip_ows(&q);
	if (realm && !*realm && hwe_http_name_eq(name, nlen, "realm"))
		slot = realm;
	else if (error && !*error && hwe_http_name_eq(name, nlen, "error"))
		slot = error;
	if (*q == '"') {
		if (!(vlen = quoted(q, slot ? &val : NULL)))
			return 0;
	} else {
		if (!(vlen = token(q)))
			return 0;
		if (slot)
			val = strndup(q, vlen);
	}
	if (val)
		*slot = val;
	return (size_t)(q + vlen - p);
}

/* token68 followed by OWS and a comma or the end */
static size_t token68(const char *p)
{
	size_t n = 0;
	const char *q;

	while (t68char((unsigned char)p[n]))
		n++;
	if (!n)
		return 0;
	while (p[n] == '=')
		n++;
	q = p + n;
	skip_ows(&q);
	return *q == ',' || !*q ? n : 0;
}

/* The challenges of a WWW-Authenticate value: schemes offered, the first
 * realm, and the error parameter of the (first) Bearer challenge. */
static int parse_challenges(const char *value, unsigned *schemes, char **realm, char **berr)
{
	const char *p = value;
	size_t n;
	int have = 0, bearer = 0;

	*schemes = 0;
	for (;;) {
		/* list elements; empty ones are allowed (RFC 9110 5.6.1) */
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if ((n = auth_param(p, realm, bearer ? berr : NULL))) {
			if (!have)
				return HWE_EXIT_RESPONSE;       /* a parameter before any scheme */
			p += n;
		} else if ((n = token(p))) {
			/* a new challenge: scheme [ 1*SP ( token68 / auth-param ) ] */
			bearer = 0;
			if (hwe_http_name_eq(p, n, "Basic")) {
				*schemes |= HWE_AUTH_BASIC;
			} else if (hwe_http_name_eq(p, n, "Digest")) {
				*schemes |= HWE_AUTH_DIGEST;
			} else if (hwe_http_name_eq(p, n, "Bearer")) {
				/* only the first Bearer challenge's error counts */
				bearer = !(*schemes & HWE_AUTH_BEARER);
				*schemes |= HWE_AUTH_BEARER;
			} else {
				*schemes |= HWE_AUTH_OTHER;
			}
			have = 1;
			p += n;
			if (*p == ' ') {
				skip_ows(&p);
				if ((n = auth_param(p, realm, bearer ? berr : NULL)) || (n = token68(p)))
					p += n;
			}
		} else {
			return HWE_EXIT_RESPONSE;
		}
		skip_ows(&p);
		if (*p && *p != ',')
			return HWE_EXIT_RESPONSE;
	}
	return have ? HWE_OK : HWE_EXIT_RESPONSE;
}

int hwe_http_parse_www_authenticate(const char *value, unsigned *schemes, char **realm)
{
	if (schemes)
		*schemes = 0;
	if (realm)
		*realm = NULL;
	if (!value || !schemes)
		return HWE_EXIT_RESPONSE;
	if (parse_challenges(value, schemes, realm, NULL) == HWE_OK)
		return HWE_OK;
	if (realm) {
		free(*realm);
		*realm = NULL;
	}
	return HWE_EXIT_RESPONSE;
}

int hwe_http_bearer_error(const char *value, char *out, size_t outlen)
{
	unsigned schemes = 0;
	char *err = NULL;
	int ret = -1;

	if (outlen)
		out[0] = '\0';
	if (!value || !outlen)
		return -1;
	/* a malformed header still names its error if the part before the
	 * damage was readable: the message only quotes it */
	parse_challenges(value, &schemes, NULL, &err);
	if (err && *err && token(err) == strlen(err)) {
		snprintf(out, outlen, "%s", err);
		ret = 0;
	}
	free(err);
	return ret;
}

int hwe_http_token_ok(const char *t)
{
	size_t n = 0;

	/* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
	if (!t)
		return 0;
	while (t68char((unsigned char)t[n]))
		n++;
	if (!n)
		return 0;
	while (t[n] == '=')
		n++;
	return t[n] == '\0';
}
