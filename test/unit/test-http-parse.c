/* SPDX-License-Identifier: BSD-3-Clause */
/* test-http-parse.c - Retry-After and WWW-Authenticate parsers of http.c,
 * Bearer tokens and no_proxy matching (http-proxy.c). */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "rc.h"

/* Sun, 06 Nov 1994 08:49:37 GMT */
#define T1994 ((time_t)784111777)

static long ra_ok(const char *v, time_t now)
{
	long d = -12345;

	assert_int_equal(hwe_http_parse_retry_after(v, now, &d), HWE_OK);
	return d;
}

static void ra_bad(const char *v)
{
	long d = -12345;

	assert_int_not_equal(hwe_http_parse_retry_after(v, T1994, &d), HWE_OK);
	assert_int_equal(d, -12345);   /* untouched */
	assert_false(hwe_err_pending()); /* pure parser: records nothing */
}

static void test_ra_delta(void **state)
{
	assert_int_equal(ra_ok("120", T1994), 120);
	assert_int_equal(ra_ok("0", T1994), 0);
	assert_int_equal(ra_ok("007", T1994), 7);
	assert_int_equal(ra_ok("  120", T1994), 120);
	assert_int_equal(ra_ok("120 \t", T1994), 120);
	assert_int_equal(ra_ok("\t 5 ", T1994), 5);
	assert_int_equal(ra_ok("120\r\n", T1994), 120);
}

static void test_ra_overflow(void **state)
{
	assert_true(ra_ok("99999999999999999999999999999999", T1994) == LONG_MAX);
	assert_true(ra_ok("9223372036854775807", T1994) == LONG_MAX);
	assert_true(ra_ok("9223372036854775808", T1994) == LONG_MAX);
	assert_int_equal(ra_ok("2147483648", T1994), 2147483648L);
}

static void test_ra_garbage(void **state)
{
	ra_bad(NULL);
	ra_bad("");
	ra_bad("   ");
	ra_bad("-5");
	ra_bad("+5");
	ra_bad("1 2");
	ra_bad("12a");
	ra_bad("1.5");
	ra_bad("0x10");
	ra_bad("soon");
	ra_bad("5s");
	ra_bad("Sun");
}

static void test_ra_dates(void **state)
{
	time_t now = T1994 - 120;

	assert_int_equal(ra_ok("Sun, 06 Nov 1994 08:49:37 GMT", now), 120);
	assert_int_equal(ra_ok("Sunday, 06-Nov-94 08:49:37 GMT", now), 120);
	assert_int_equal(ra_ok("Sun Nov  6 08:49:37 1994", now), 120);
	assert_int_equal(ra_ok("  Sun, 06 Nov 1994 08:49:37 GMT  ", now), 120);
	/* two-digit day in asctime */
	assert_int_equal(ra_ok("Wed Nov 16 08:49:37 1994", now), 120 + 10 * 86400);
	/* exactly now -> 0 */
	assert_int_equal(ra_ok("Sun, 06 Nov 1994 08:49:37 GMT", T1994), 0);
	/* leap day and year boundary */
	assert_int_equal(ra_ok("Tue, 29 Feb 2000 00:00:00 GMT", (time_t)951782400 - 1), 1);
	assert_int_equal(ra_ok("Thu, 01 Jan 1970 00:00:10 GMT", 0), 10);
	assert_int_equal(ra_ok("Fri, 01 Jan 2038 00:00:00 GMT", (time_t)2145916800 - 60), 60);
	/* far future stays positive */
	assert_true(ra_ok("Fri, 31 Dec 9999 23:59:59 GMT", T1994) > 250000000000L);
}

static void test_ra_past(void **state)
{
	time_t now = T1994 + 1000;

	assert_int_equal(ra_ok("Sun, 06 Nov 1994 08:49:37 GMT", now), 0);
	assert_int_equal(ra_ok("Sunday, 06-Nov-94 08:49:37 GMT", now), 0);
	assert_int_equal(ra_ok("Sun Nov  6 08:49:37 1994", now), 0);
	assert_int_equal(ra_ok("Thu, 01 Jan 1970 00:00:00 GMT", now), 0);
}

static void test_ra_rfc850_century(void **state)
{
	/* now = 2026-01-01: "30" is 2030 (future), "94" is 1994 (past) */
	time_t now = (time_t)1767225600;

	assert_int_equal(ra_ok("Tuesday, 01-Jan-30 00:00:00 GMT", now),
			 (long)(1893456000 - 1767225600));
	assert_int_equal(ra_ok("Sunday, 06-Nov-94 08:49:37 GMT", now), 0);
}

static void test_ra_bad_dates(void **state)
{
	ra_bad("Sun, 32 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 00 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 31 Nov 1994 08:49:37 GMT");
	ra_bad("Wed, 29 Feb 1995 08:49:37 GMT");
	ra_bad("Sun, 06 Foo 1994 08:49:37 GMT");
	ra_bad("Sun, 06 Nov 1994 24:00:00 GMT");
	ra_bad("Sun, 06 Nov 1994 08:60:00 GMT");
	ra_bad("Sun, 06 Nov 1994 08:49:61 GMT");
	ra_bad("Sun, 06 Nov 1994 08:49:37 UTC");
	ra_bad("Sun, 06 Nov 1994 08:49:37");
	ra_bad("Sun, 6 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 06 Nov 94 08:49:37 GMT");
	ra_bad("sun, 06 Nov 1994 08:49:37 GMT");
	ra_bad("Xyz, 06 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 06 Nov 1994 08:49:37 GMT junk");
	ra_bad("Sun, 06 Nov 1994 8:49:37 GMT");
	ra_bad("Sun,06 Nov 1994 08:49:37 GMT");
	ra_bad("Sunday, 06-Nov-1994 08:49:37 GMT");
	ra_bad("Sunday, 06 Nov 94 08:49:37 GMT");
	ra_bad("Sun Nov 6 08:49:37 1994");
	ra_bad("Sun Nov  6 08:49:37 94");
	ra_bad("Sun Nov  6 08:49:37 1994 GMT");
	ra_bad("Sun Nov 31 08:49:37 1994");
}

/* ------------------------------------------------------------------ */

static unsigned wa_ok(const char *v, const char *want_realm)
{
	unsigned s = 0xdead;
	char *realm = (char *)1;

	assert_int_equal(hwe_http_parse_www_authenticate(v, &s, &realm), HWE_OK);
	if (want_realm) {
		assert_non_null(realm);
		assert_string_equal(realm, want_realm);
	} else {
		assert_null(realm);
	}
	free(realm);
	return s;
}

static void wa_bad(const char *v)
{
	unsigned s;
	char *realm = (char *)1;

	assert_int_not_equal(hwe_http_parse_www_authenticate(v, &s, &realm), HWE_OK);
	assert_null(realm);
	assert_false(hwe_err_pending());
}

static void test_wa_single(void **state)
{
	assert_int_equal(wa_ok("Basic realm=\"est\"", "est"), HWE_AUTH_BASIC);
	assert_int_equal(wa_ok("Basic", NULL), HWE_AUTH_BASIC);
	assert_int_equal(wa_ok("basic REALM=est", "est"), HWE_AUTH_BASIC);
	assert_int_equal(wa_ok("BASIC realm = \"a\" , charset=\"UTF-8\"", "a"), HWE_AUTH_BASIC);
	assert_int_equal(wa_ok("Digest realm=\"x\", nonce=\"y\", qop=\"auth\", algorithm=MD5", "x"),
			 HWE_AUTH_DIGEST);
	assert_int_equal(wa_ok("  Digest   realm=\"x\"  ", "x"), HWE_AUTH_DIGEST);
}

static void test_wa_multiple(void **state)
{
	assert_int_equal(wa_ok("Basic realm=\"a, b\", Digest realm=\"x\", nonce=\"y\", qop=\"auth\"",
			       "a, b"), HWE_AUTH_BASIC | HWE_AUTH_DIGEST);
	assert_int_equal(wa_ok("Digest realm=\"d\", nonce=\"n\", Basic realm=\"b\"", "d"),
			 HWE_AUTH_BASIC | HWE_AUTH_DIGEST);
	/* RFC 7235's example: a quoted string with escaped quotes and commas */
	assert_int_equal(wa_ok("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
			       "Basic realm=\"simple\"", "apps"), HWE_AUTH_OTHER | HWE_AUTH_BASIC);
	/* empty list elements are allowed */
	assert_int_equal(wa_ok(", DIGEST realm=\"x\",  ,  BASIC ,", "x"),
			 HWE_AUTH_BASIC | HWE_AUTH_DIGEST);
}

static void test_wa_quoted(void **state)
{
	assert_int_equal(wa_ok("Digest realm=\"x\\\"y\\\\z\", nonce=\"a,b=c\"", "x\"y\\z"),
			 HWE_AUTH_DIGEST);
	assert_int_equal(wa_ok("Basic realm=\"\"", ""), HWE_AUTH_BASIC);
	/* a quoted comma followed by what looks like a scheme is not one */
	assert_int_equal(wa_ok("Bearer error=\"x, Basic realm=y\"", NULL), HWE_AUTH_BEARER);
}

static void test_wa_token68(void **state)
{
	assert_int_equal(wa_ok("Negotiate", NULL), HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Negotiate YIIB+/ab==", NULL), HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Negotiate abc=, Basic realm=\"r\"", "r"),
			 HWE_AUTH_OTHER | HWE_AUTH_BASIC);
	assert_int_equal(wa_ok("Basic abc", NULL), HWE_AUTH_BASIC);
	/* "realm=" is a valid token68 (RFC 7235 2.1), not an empty parameter */
	assert_int_equal(wa_ok("Basic realm=", NULL), HWE_AUTH_BASIC);
}

static void test_wa_unknown(void **state)
{
	assert_int_equal(wa_ok("Bearer realm=\"est\", scope=\"enroll\"", "est"), HWE_AUTH_BEARER);
	assert_int_equal(wa_ok("bearer, Negotiate", NULL), HWE_AUTH_BEARER | HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Bearerx realm=r", "r"), HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Mutual, HOBA challenge=\"x\"", NULL), HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Basicx realm=r", "r"), HWE_AUTH_OTHER);
	assert_int_equal(wa_ok("Digestive", NULL), HWE_AUTH_OTHER);
}

static void test_wa_bad(void **state)
{
	unsigned s = 7;

	wa_bad(NULL);
	wa_bad("");
	wa_bad("   ");
	wa_bad(", ,");
	wa_bad("realm=\"x\"");
	wa_bad("Basic realm=\"unterminated");
	wa_bad("Basic realm=\"a\" realm=\"b\"");
	wa_bad("Basic realm=\"x\" junk");
	wa_bad("Basic=");
	wa_bad("\"Basic\"");
	wa_bad("Basic realm=\"a\", =x");
	wa_bad("Digest realm=\"ok\", nonce=\"bad\\");
	/* realm may be NULL */
	assert_int_equal(hwe_http_parse_www_authenticate("Digest realm=\"r\"", &s, NULL), HWE_OK);
	assert_int_equal(s, HWE_AUTH_DIGEST);
}

static const char *berr(const char *v)
{
	static char out[64];

	if (hwe_http_bearer_error(v, out, sizeof(out)) != 0)
		assert_string_equal(out, "");
	return out;
}

static void test_bearer_error(void **state)
{
	assert_string_equal(berr("Bearer realm=\"hwe-est\", error=\"invalid_token\""), "invalid_token");
	assert_string_equal(berr("Bearer error=invalid_token"), "invalid_token");
	assert_string_equal(berr("Bearer realm=\"hwe-est\""), "");
	/* only the Bearer challenge's error counts */
	assert_string_equal(berr("Basic realm=\"a\", error=\"x\", Bearer realm=\"b\""), "");
	assert_string_equal(berr("Basic realm=\"a\", Bearer realm=\"b\", error=\"insufficient_scope\", Digest realm=\"d\", error=\"y\""),
			    "insufficient_scope");
	/* a quoted value that is no token is not quoted back */
	assert_string_equal(berr("Bearer error=\"bad value\\r\""), "");
	assert_string_equal(berr(NULL), "");
	assert_string_equal(berr("Bearer error=\"x, Basic realm=y\""), "");
	assert_false(hwe_err_pending());
}

static void test_token_ok(void **state)
{
	assert_true(hwe_http_token_ok("abc"));
	assert_true(hwe_http_token_ok("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_~+/=="));
	assert_true(hwe_http_token_ok("a="));
	assert_false(hwe_http_token_ok(""));
	assert_false(hwe_http_token_ok(NULL));
	assert_false(hwe_http_token_ok("="));
	assert_false(hwe_http_token_ok("a b"));
	assert_false(hwe_http_token_ok("a=b"));
	assert_false(hwe_http_token_ok("tok\r\nX-Injected: 1"));
	assert_false(hwe_http_token_ok("\"quoted\""));
}

static void test_noproxy(void **state)
{
	assert_true(hwe_http_noproxy_match("*", "est.example.com"));
	assert_false(hwe_http_noproxy_match("*,x", "est.example.com"));   /* as libcurl 7.88 */
	assert_false(hwe_http_noproxy_match("", "est.example.com"));
	assert_false(hwe_http_noproxy_match(NULL, "est.example.com"));
	assert_true(hwe_http_noproxy_match("example.com", "est.example.com"));
	assert_true(hwe_http_noproxy_match(".example.com", "est.example.com"));
	assert_true(hwe_http_noproxy_match("example.com.", "EST.Example.COM."));
	assert_true(hwe_http_noproxy_match("example.com", "example.com"));
	assert_false(hwe_http_noproxy_match("example.com", "notexample.com"));
	assert_false(hwe_http_noproxy_match("est.example.com", "example.com"));
	assert_true(hwe_http_noproxy_match("foo, bar ,example.com", "est.example.com"));
	assert_true(hwe_http_noproxy_match("foo bar example.com", "est.example.com"));
	assert_true(hwe_http_noproxy_match("localhost,127.0.0.1", "127.0.0.1"));
	assert_false(hwe_http_noproxy_match("localhost", "127.0.0.1"));
	assert_true(hwe_http_noproxy_match("10.0.0.0/8", "10.1.2.3"));
	assert_false(hwe_http_noproxy_match("10.0.0.0/8", "11.1.2.3"));
	assert_true(hwe_http_noproxy_match("127.0.0.0/31", "127.0.0.1"));
	assert_false(hwe_http_noproxy_match("127.0.0.2/31", "127.0.0.1"));
	assert_false(hwe_http_noproxy_match("127.0.0", "127.0.0.1"));   /* no prefix match on IPs */
	assert_true(hwe_http_noproxy_match("::1", "[::1]"));
	assert_true(hwe_http_noproxy_match("[::1]", "[::1]"));
	assert_true(hwe_http_noproxy_match("fd00::/8", "[fd12::3]"));
	assert_false(hwe_http_noproxy_match("fd00::/16", "[fd12::3]"));
	assert_true(hwe_http_noproxy_match("fd12::/17", "[fd12::3]"));
	assert_false(hwe_http_noproxy_match("10.0.0.0/33", "10.1.2.3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ra_delta),
		cmocka_unit_test(test_ra_overflow),
		cmocka_unit_test(test_ra_garbage),
		cmocka_unit_test(test_ra_dates),
		cmocka_unit_test(test_ra_past),
		cmocka_unit_test(test_ra_rfc850_century),
		cmocka_unit_test(test_ra_bad_dates),
		cmocka_unit_test(test_wa_single),
		cmocka_unit_test(test_wa_multiple),
		cmocka_unit_test(test_wa_quoted),
		cmocka_unit_test(test_wa_token68),
		cmocka_unit_test(test_wa_unknown),
		cmocka_unit_test(test_wa_bad),
		cmocka_unit_test(test_bearer_error),
		cmocka_unit_test(test_token_ok),
		cmocka_unit_test(test_noproxy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
