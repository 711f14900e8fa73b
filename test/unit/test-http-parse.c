/* SPDX-License-Identifier: BSD-3-Clause */
/* test-http-parse.c - Retry-After (delta-seconds; dates as curl_getdate()
 * reads them), the error parameter of a Bearer challenge, Bearer tokens
 * and no_proxy matching (http-proxy.c). */
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
	/* fields out of range, unknown names, junk */
	ra_bad("Sun, 32 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 00 Nov 1994 08:49:37 GMT");
	ra_bad("Sun, 06 Foo 1994 08:49:37 GMT");
	ra_bad("Sun, 06 Nov 1994 24:00:00 GMT");
	ra_bad("Sun, 06 Nov 1994 08:60:00 GMT");
	ra_bad("Sun, 06 Nov 1994 08:49:61 GMT");
	ra_bad("Xyz, 06 Nov 1994 08:49:37 GMT");
	ra_bad("Nov 1994");
	ra_bad("today");
	/* too long to be a date */
	ra_bad("Sunday, 06-Nov-94 08:49:37 GMT                                     x");
}

/* A date is read as libcurl reads HTTP dates (curl_getdate, also behind
 * CURLINFO_RETRY_AFTER): lenient about the form, so these obsolete or
 * sloppy forms give the delay they mean */
static void test_ra_lenient_dates(void **state)
{
	static const struct { const char *v; long delay; } t[] = {
		{ "Sun, 06 Nov 1994 08:49:37 UTC", 120 },
		{ "Sun, 06 Nov 1994 08:49:37", 120 },
		{ "Sun, 6 Nov 1994 08:49:37 GMT", 120 },
		{ "Sun, 06 Nov 94 08:49:37 GMT", 120 },
		{ "sun, 06 Nov 1994 08:49:37 GMT", 120 },
		{ "Sun, 06 Nov 1994 8:49:37 GMT", 120 },
		{ "Sunday, 06-Nov-1994 08:49:37 GMT", 120 },
		{ "Sun Nov 6 08:49:37 1994", 120 },
		{ "Sun Nov  6 08:49:37 1994 GMT", 120 },
		/* a zone other than GMT counts */
		{ "Sun, 06 Nov 1994 09:49:37 +0100", 120 },
		{ "Sun, 06 Nov 1994 08:49:37 PST", 120 + 8 * 3600 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(ra_ok(t[i].v, T1994 - 120), t[i].delay);
}

/* ------------------------------------------------------------------ */

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
	/* quoted strings are skipped whole: a quoted comma starts nothing */
	assert_string_equal(berr("Basic realm=\"a, Bearer error=x\", Bearer error=\"y\""), "y");
	assert_string_equal(berr("Bearer realm=\"a\\\", error=x\", error=invalid_token"), "invalid_token");
	/* a token68 is skipped (RFC 7235 2.1), auth-params after it are read */
	assert_string_equal(berr("Negotiate YIIB+/ab==, Bearer error=invalid_token"), "invalid_token");
	assert_string_equal(berr("Basic realm=, Bearer error=\"invalid_token\""), "invalid_token");
	assert_string_equal(berr("bearer ERROR=invalid_token"), "invalid_token");
	/* only the first Bearer challenge counts; an error before any scheme none */
	assert_string_equal(berr("Bearer realm=a, Bearer error=x"), "");
	assert_string_equal(berr("error=x, Bearer realm=a"), "");
	/* what cannot be read stops the walk */
	assert_string_equal(berr("Bearer realm=\"unterminated, error=x"), "");
	assert_string_equal(berr("Bearer realm=\"a\" junk, error=x"), "");
	assert_string_equal(berr("Bearer error=\"\""), "");
	assert_string_equal(berr(""), "");
	/* the copy is cut to the buffer */
	{
		char small[4];

		assert_int_equal(hwe_http_bearer_error("Bearer error=invalid_token", small, sizeof(small)), 0);
		assert_string_equal(small, "inv");
	}
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
		cmocka_unit_test(test_ra_lenient_dates),
		cmocka_unit_test(test_bearer_error),
		cmocka_unit_test(test_token_ok),
		cmocka_unit_test(test_noproxy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
