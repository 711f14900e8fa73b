/* SPDX-License-Identifier: BSD-3-Clause */
/* http-parse.c - what hwenroll reads itself from HTTP header values: the
 * delay of a Retry-After (its HTTP-date read by libcurl's curl_getdate())
 * and the error parameter of a Bearer challenge (the schemes a server
 * offers come from CURLINFO_HTTPAUTH_AVAIL).  No I/O, fuzzed and unit
 * tested. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "rc.h"

#define MAX_DATE_LEN 64

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && strchr(" \t\r\n", (*s)[*len - 1]))
		(*len)--;
}

/* Retry-After = HTTP-date / delay-seconds (RFC 9110 10.2.3) */
int hwe_http_parse_retry_after(const char *value, time_t now, long *delay_s)
{
	const char *p = value;
	char date[MAX_DATE_LEN];
	size_t n, digits;
	time_t t;
	long v;

	if (!value || !delay_s)
		return HWE_EXIT_RESPONSE;
	n = strlen(value);
	trim(&p, &n);
	if (n == 0)
		return HWE_EXIT_RESPONSE;
	digits = strspn(p, "0123456789");
	if (digits == n) {
		errno = 0;
		v = strtol(p, NULL, 10);
		*delay_s = errno == ERANGE ? LONG_MAX : v;
		return HWE_OK;
	}
	/* digits then something else ("12a", "1.5", "1 2"): a date starts
	 * with a day name */
	if (digits || n >= sizeof(date))
		return HWE_EXIT_RESPONSE;
	memcpy(date, p, n);
	date[n] = '\0';
	/* IMF-fixdate, RFC 850 and asctime, as libcurl reads them */
	if ((t = curl_getdate(date, NULL)) == (time_t)-1)
		return HWE_EXIT_RESPONSE;
	*delay_s = t <= now ? 0 : (long)(t - now);
	return HWE_OK;
}

/* ---------------------------------------------------------------------- */
/* The error parameter of a Bearer challenge (RFC 6750 3, RFC 9110 11.6.1) */

static int tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t token(const char *p)
{
	size_t n = 0;

	while (tchar((unsigned char)p[n]))
		n++;
	return n;
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* the length of the quoted-string at p (opening quote), 0 if unterminated */
static size_t quoted(const char *p)
{
	size_t i;

	for (i = 1; p[i] && p[i] != '"'; i++)
		if (p[i] == '\\' && !p[++i])
			return 0;
	return p[i] == '"' ? i + 1 : 0;
}

/* Walks the comma-separated challenges and their auth-params (quoted
 * strings skipped whole, so a quoted comma starts nothing); a scheme's
 * token68 is skipped to the next comma.  Stops at anything else. */
int hwe_http_bearer_error(const char *value, char *out, size_t outlen)
{
	const char *p = value, *q, *v;
	size_t n, vn, m;
	int bearer = 0, seen = 0;

	if (outlen)
		out[0] = '\0';
	if (!value || !outlen)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p || !(n = token(p)))
			return -1;
		q = skip_ows(p + n);
		if (*q == '=') {
			/* auth-param = token BWS "=" BWS ( token / quoted-string ) */
			v = skip_ows(q + 1);
			if (*v == '"') {
				if (!(vn = quoted(v)))
					return -1;
				/* the value, if it is a plain token (no escapes) */
				m = token(v + 1) == vn - 2 ? vn - 2 : 0;
				if (bearer && n == 5 && strncasecmp(p, "error", 5) == 0) {
					if (!m)
						return -1;
					snprintf(out, outlen, "%.*s", (int)m, v + 1);
					return 0;
				}
				p = v + vn;
			} else if ((vn = token(v))) {
				if (bearer && n == 5 && strncasecmp(p, "error", 5) == 0) {
					snprintf(out, outlen, "%.*s", (int)vn, v);
					return 0;
				}
				p = v + vn;
			} else {
				p += strcspn(p, ",");   /* a token68 ending in '=' */
			}
		} else {
			/* a new challenge: only the first Bearer one counts */
			bearer = !seen && n == 6 && strncasecmp(p, "Bearer", 6) == 0;
			seen |= bearer;
			p += n;
			if (*p == ' ') {
				p = skip_ows(p);
				m = token(p);
				if (m && *skip_ows(p + m) == '=')
					continue;               /* its first auth-param */
				p += strcspn(p, ",");           /* token68 */
			}
		}
		p = skip_ows(p);
		if (*p && *p != ',')
			return -1;
	}
}

int hwe_http_token_ok(const char *t)
{
	size_t n = 0;

	/* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
	if (!t)
		return 0;
	while (isalnum((unsigned char)t[n]) || (t[n] && strchr("-._~+/", t[n])))
		n++;
	if (!n)
		return 0;
	while (t[n] == '=')
		n++;
	return t[n] == '\0';
}
