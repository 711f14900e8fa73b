/* SPDX-License-Identifier: BSD-3-Clause */
/* test-est-url.c - EST URL parsing and HTTP error classification (est.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "est.h"
#include "http.h"
#include "rc.h"

#define DC "https://clientauth.demo.one.digicert.com/.well-known/est/devicetrustmanager/" \
	"IOT_4on9ypzu/device-group/33318f48-1177-4233-ad1f-f69ea541d703"

static int reset(void **state)
{
	hwe_err_clear();
	return 0;
}

static void url_ok(const char *url, const char *base, const char *host, enum hwe_est_op op)
{
	struct hwe_est_url u;

	hwe_err_clear();
	if (hwe_est_url_parse(url, &u) != HWE_OK)
		fail_msg("'%s' refused: %s", url, hwe_err_message());
	assert_string_equal(u.base, base);
	assert_string_equal(u.host, host);
	assert_int_equal(u.op, op);
	hwe_est_url_clear(&u);
	assert_null(u.base);
}

static void url_bad(const char *url, const char *why)
{
	struct hwe_est_url u;

	hwe_err_clear();
	assert_int_equal(hwe_est_url_parse(url, &u), HWE_EXIT_USAGE);
	assert_int_equal(hwe_err_code(), HWE_EXIT_USAGE);
	assert_int_equal(hwe_err_status(), HWE_ERR_BAD_URI);
	if (!strstr(hwe_err_message(), why))
		fail_msg("'%s': message '%s' lacks '%s'", url, hwe_err_message(), why);
	assert_null(u.base);
	assert_null(u.host);
	hwe_err_clear();
}

static void test_op_names(void **state)
{
	static const char *const names[] = {
		"cacerts", "csrattrs", "simpleenroll", "simplereenroll"
	};
	int i;

	for (i = 0; i < 4; i++) {
		assert_string_equal(hwe_est_op_name((enum hwe_est_op)i), names[i]);
		assert_int_equal(hwe_est_op_from_name(names[i]), i);
	}
	assert_null(hwe_est_op_name(HWE_EST_NONE));
	assert_null(hwe_est_op_name((enum hwe_est_op)4));
	/* operations hwenroll does not run are label segments */
	assert_int_equal(hwe_est_op_from_name("serverkeygen"), HWE_EST_NONE);
	assert_int_equal(hwe_est_op_from_name("fullcmc"), HWE_EST_NONE);
	assert_int_equal(hwe_est_op_from_name("SimpleEnroll"), HWE_EST_NONE);
	assert_int_equal(hwe_est_op_from_name("enroll"), HWE_EST_NONE);
	assert_int_equal(hwe_est_op_from_name(""), HWE_EST_NONE);
	assert_int_equal(hwe_est_op_from_name(NULL), HWE_EST_NONE);
}

static void test_base_urls(void **state)
{
	url_ok("https://est.example.com/.well-known/est", "https://est.example.com/.well-known/est",
	       "est.example.com", HWE_EST_NONE);
	url_ok("https://est.example.com/.well-known/est/", "https://est.example.com/.well-known/est",
	       "est.example.com", HWE_EST_NONE);
	url_ok("HTTPS://Est.Example.COM/.well-known/est", "https://Est.Example.COM/.well-known/est",
	       "Est.Example.COM", HWE_EST_NONE);
	url_ok("https://est/.well-known/est/label", "https://est/.well-known/est/label", "est",
	       HWE_EST_NONE);
	url_ok("https://est/.well-known/est/a/b/c/", "https://est/.well-known/est/a/b/c", "est",
	       HWE_EST_NONE);
	url_ok("https://est_1.local/.well-known/est/~l-a.b_c%20d", "https://est_1.local/.well-known/est/~l-a.b_c%20d",
	       "est_1.local", HWE_EST_NONE);
	/* percent-encodings in lower case, as libcurl sets a path */
	url_ok("https://h/.well-known/est/L%4Fx%aB/simpleenroll", "https://h/.well-known/est/L%4fx%ab", "h",
	       HWE_EST_SIMPLEENROLL);
}

static void test_each_op(void **state)
{
	struct hwe_est_url u;
	char url[256], want[256], *s;
	int i, j;

	for (i = 0; i < 4; i++) {
		snprintf(url, sizeof(url), "https://h:8443/.well-known/est/lbl/%s",
			 hwe_est_op_name((enum hwe_est_op)i));
		url_ok(url, "https://h:8443/.well-known/est/lbl", "h", (enum hwe_est_op)i);
		assert_int_equal(hwe_est_url_parse(url, &u), HWE_OK);
		for (j = 0; j < 4; j++) {
			/* the op segment is replaced by the command's own */
			s = hwe_est_url_for(&u, (enum hwe_est_op)j);
			snprintf(want, sizeof(want), "https://h:8443/.well-known/est/lbl/%s",
				 hwe_est_op_name((enum hwe_est_op)j));
			assert_string_equal(s, want);
			free(s);
		}
		assert_null(hwe_est_url_for(&u, HWE_EST_NONE));
		hwe_est_url_clear(&u);
	}
	/* no op segment: the op is appended */
	assert_int_equal(hwe_est_url_parse("https://h/.well-known/est/arbitraryLabel", &u), HWE_OK);
	s = hwe_est_url_for(&u, HWE_EST_SIMPLEENROLL);
	assert_string_equal(s, "https://h/.well-known/est/arbitraryLabel/simpleenroll");
	free(s);
	hwe_est_url_clear(&u);
	assert_int_equal(hwe_est_url_parse("https://h/.well-known/est", &u), HWE_OK);
	s = hwe_est_url_for(&u, HWE_EST_CACERTS);
	assert_string_equal(s, "https://h/.well-known/est/cacerts");
	free(s);
	hwe_est_url_clear(&u);
	/* only the last segment is an op; an op name as a label is kept */
	url_ok("https://h/.well-known/est/cacerts/simpleenroll", "https://h/.well-known/est/cacerts",
	       "h", HWE_EST_SIMPLEENROLL);
	url_ok("https://h/.well-known/est/simpleenrollx", "https://h/.well-known/est/simpleenrollx",
	       "h", HWE_EST_NONE);
	url_ok("https://h/.well-known/est/SimpleEnroll", "https://h/.well-known/est/SimpleEnroll",
	       "h", HWE_EST_NONE);
	/* an operation hwenroll does not run is a label */
	url_ok("https://h/.well-known/est/serverkeygen", "https://h/.well-known/est/serverkeygen",
	       "h", HWE_EST_NONE);
	url_ok("https://h/.well-known/est/cacerts/", "https://h/.well-known/est", "h",
	       HWE_EST_CACERTS);
}

static void test_digicert(void **state)
{
	struct hwe_est_url u;
	char *s;

	url_ok(DC "/simpleenroll", DC, "clientauth.demo.one.digicert.com", HWE_EST_SIMPLEENROLL);
	url_ok(DC "/cacerts", DC, "clientauth.demo.one.digicert.com", HWE_EST_CACERTS);
	url_ok(DC, DC, "clientauth.demo.one.digicert.com", HWE_EST_NONE);
	assert_int_equal(hwe_est_url_parse(DC "/simpleenroll", &u), HWE_OK);
	s = hwe_est_url_for(&u, HWE_EST_SIMPLEREENROLL);
	assert_string_equal(s, DC "/simplereenroll");
	free(s);
	s = hwe_est_url_for(&u, HWE_EST_CACERTS);
	assert_string_equal(s, DC "/cacerts");
	free(s);
	hwe_est_url_clear(&u);
}

static void test_hosts_ports(void **state)
{
	url_ok("https://192.0.2.1/.well-known/est", "https://192.0.2.1/.well-known/est",
	       "192.0.2.1", HWE_EST_NONE);
	url_ok("https://192.0.2.1:8443/.well-known/est/csrattrs",
	       "https://192.0.2.1:8443/.well-known/est", "192.0.2.1", HWE_EST_CSRATTRS);
	url_ok("https://[::1]/.well-known/est", "https://[::1]/.well-known/est", "::1",
	       HWE_EST_NONE);
	url_ok("https://[::1]:8443/.well-known/est/simpleenroll", "https://[::1]:8443/.well-known/est",
	       "::1", HWE_EST_SIMPLEENROLL);
	url_ok("https://[2001:db8::a:1]:443/.well-known/est", "https://[2001:db8::a:1]:443/.well-known/est",
	       "2001:db8::a:1", HWE_EST_NONE);
	url_ok("https://[::ffff:192.0.2.1]/.well-known/est", "https://[::ffff:192.0.2.1]/.well-known/est",
	       "::ffff:192.0.2.1", HWE_EST_NONE);
	url_ok("https://h:1/.well-known/est", "https://h:1/.well-known/est", "h", HWE_EST_NONE);
	url_ok("https://h:65535/.well-known/est", "https://h:65535/.well-known/est", "h",
	       HWE_EST_NONE);
	/* the base is libcurl's rendering of the URL */
	url_ok("https://h:00443/.well-known/est", "https://h:443/.well-known/est", "h",
	       HWE_EST_NONE);
	url_ok("HTTPS://h/.well-known/est", "https://h/.well-known/est", "h", HWE_EST_NONE);
	/* an empty port is the default one (RFC 3986 3.2.3) */
	url_ok("https://h:/.well-known/est", "https://h/.well-known/est", "h", HWE_EST_NONE);
}

static void test_rejected(void **state)
{
	url_bad("", "empty");
	url_bad(NULL, "empty");
	url_bad("est.example.com/.well-known/est", "no scheme");
	url_bad("://h/.well-known/est", "no scheme");
	url_bad("https:h/.well-known/est", "slashes");          /* libcurl's words */
	url_bad("http://h/.well-known/est", "not https");
	url_bad("ftp://h/.well-known/est", "not https");
	url_bad("httpss://h/.well-known/est", "not https");
	url_bad("https:///.well-known/est", "no host");
	url_bad("https://:443/.well-known/est", "no host");
	url_bad("https://", "no host");
	url_bad("https://h:99999/.well-known/est", "bad port (expected 1-65535)");
	url_bad("https://h:65536/.well-known/est", "bad port (expected 1-65535)");
	url_bad("https://h:0/.well-known/est", "bad port '0'");
	url_bad("https://h:+443/.well-known/est", "bad port (expected 1-65535)");
	url_bad("https://h:-1/.well-known/est", "bad port (expected 1-65535)");
	url_bad("https://h:44a3/.well-known/est", "bad port (expected 1-65535)");
	url_bad("https://h:4430000000000000000000/.well-known/est", "bad port");
	url_bad("https://[::1]:0/.well-known/est", "bad port '0'");
	url_bad("https://h", "no /.well-known/est path: an EST operation needs a base URL");
	url_bad("https://h/", "no /.well-known/est path");
	url_bad("https://h/simpleenroll", "no /.well-known/est path");
	url_bad("https://h/.well-known/estx", "no /.well-known/est path");
	url_bad("https://h/.well-known/EST", "no /.well-known/est path");
	url_bad("https://h/x/.well-known/est", "no /.well-known/est path");
	url_bad("https://h/.well-known/est?x=1", "query");
	url_bad("https://h/.well-known/est/cacerts?", "query");
	url_bad("https://h?x/.well-known/est", "query");
	url_bad("https://h/.well-known/est#frag", "fragment");
	url_bad("https://h/.well-known/est//simpleenroll", "empty path segment");
	url_bad("https://h/.well-known/est/a//", "empty path segment");
	url_bad("https://h/.well-known/est/../cacerts", "'..'");
	url_bad("https://h/.well-known/est/./cacerts", "'.'");
	url_bad("https://h/.well-known/est/a/..", "'..'");
	url_bad("https://h/.well-known/est/%2e%2E/cacerts", "'..'");
	url_bad("https://h/.well-known/est/a%2fb", "encoded '/'");
	url_bad("https://h/.well-known/est/a%2", "percent-encoding");
	url_bad("https://h/.well-known/est/a%zz", "percent-encoding");
	url_bad("https://h/.well-known/est/a b", "space");
	url_bad("https://h/.well-known/est/a\nb", "control");
	url_bad("https://h/.well-known/est/a\"b", "invalid character");
	url_bad("https://h/.well-known/est/\xc3\xa9", "non-ASCII");
	url_bad("https://h!x/.well-known/est", "host");
	url_bad("https://[::1/.well-known/est", "IPv6");
	url_bad("https://[zz::1]/.well-known/est", "IPv6");
	url_bad("https://[::1]x/.well-known/est", "bad port");   /* libcurl reads a port after "]" */
	url_bad("https://[fe80::1%25eth0]/.well-known/est", "zone ID");
	/* libcurl decodes a percent-encoded host: a non-ASCII result is refused
	 * (fuzz-est-url found it: the base would not parse back) */
	url_bad("https:/%e9443/.well-known/est/lbl/csrattrs/", "bad host name");
	url_bad("https://ex%01ample.com/.well-known/est", "host name");  /* libcurl itself */
	url_bad("https://[]/.well-known/est", "IPv6");
}

static void test_userinfo_not_echoed(void **state)
{
	struct hwe_est_url u;

	url_bad("https://user:s3cret@h/.well-known/est", "credentials in the URL");
	assert_int_equal(hwe_est_url_parse("https://user:s3cret@h/.well-known/est", &u),
			 HWE_EXIT_USAGE);
	assert_null(strstr(hwe_err_message(), "s3cret"));
	assert_null(strstr(hwe_err_message(), "user:s3"));
	assert_non_null(strstr(hwe_err_message(), "[redacted]@h/.well-known/est"));
	hwe_err_clear();
	url_bad("https://@h/.well-known/est", "credentials");
	url_bad("https://a@b@h/.well-known/est", "credentials");
	assert_int_equal(hwe_est_url_parse("https://a:p@ss@h/.well-known/est", &u), HWE_EXIT_USAGE);
	assert_null(strstr(hwe_err_message(), "p@ss"));
	assert_non_null(strstr(hwe_err_message(), "[redacted]@h/"));
}

static void test_long_url(void **state)
{
	char *url = malloc(5000);

	strcpy(url, "https://h/.well-known/est/");
	memset(url + strlen(url), 'a', 3000);
	url[26 + 3000] = '\0';
	url_bad(url, "too long");
	free(url);
}

/* ------------------------------------------------------------------ */
/* hwe_est_http_error                                                   */

/* www: the WWW-Authenticate value; schemes: what libcurl found in it */
static struct hwe_http_resp mk_auth(long status, const char *www, unsigned schemes,
				    const char *body)
{
	struct hwe_http_resp r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.www_authenticate = (char *)www;
	r.auth_schemes = schemes;
	r.body = (unsigned char *)body;
	r.len = body ? strlen(body) : 0;
	return r;
}

static struct hwe_http_resp mk(long status, const char *www, const char *body)
{
	return mk_auth(status, www, 0, body);
}

static void expect(const struct hwe_http_resp *r, enum hwe_exit ex, enum hwe_status st,
		   const char *msg, const char *hint)
{
	hwe_err_clear();
	assert_int_equal(hwe_est_http_error("simpleenroll", r), ex);
	assert_int_equal(hwe_err_code(), ex);
	assert_int_equal(hwe_err_status(), st);
	if (!strstr(hwe_err_message(), msg))
		fail_msg("message '%s' lacks '%s'", hwe_err_message(), msg);
	if (hint) {
		assert_non_null(hwe_err_hint_text());
		if (!strstr(hwe_err_hint_text(), hint))
			fail_msg("hint '%s' lacks '%s'", hwe_err_hint_text(), hint);
	}
	hwe_err_clear();
}

static void test_err_401(void **state)
{
	struct hwe_http_resp r = mk_auth(401, "Basic realm=\"est\"", HWE_AUTH_BASIC, "Unauthorized");

	/* no credentials given */
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED, "server requires authentication",
	       "set EST_PASS (and EST_USERNAME) or --estc-pass-file, or use a client certificate");
	r.www_authenticate = NULL;
	r.auth_schemes = 0;
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED, "server requires authentication",
	       "EST_PASS");
	/* given and sent: rejected */
	r = mk_auth(401, "Digest realm=\"est\", nonce=\"n\"", HWE_AUTH_DIGEST, NULL);
	r.creds_given = r.creds_sent = 1;
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED, "credentials rejected by the server",
	       NULL);
	/* a scheme we do not speak, with or without credentials */
	r = mk_auth(401, "Bearer realm=\"est\", Negotiate", HWE_AUTH_BEARER, NULL);
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_AUTH_SCHEME,
	       "server asks for unsupported authentication scheme(s) 'Bearer realm=\"est\", Negotiate'",
	       NULL);
	r.creds_given = 1;
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_AUTH_SCHEME, "unsupported authentication scheme",
	       NULL);
	/* the challenge is sanitized */
	r = mk(401, "Weird\x1b[31m x", NULL);
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_AUTH_SCHEME, "'Weird.[31m x'", NULL);
	/* a Bearer challenge with a token given: the token is what is missing */
	r = mk_auth(401, "Bearer realm=\"est\"", HWE_AUTH_BEARER, NULL);
	r.token_given = 1;
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED, "server requires authentication", NULL);
	/* the token was sent and rejected: the Bearer error is quoted */
	r = mk_auth(401, "Bearer realm=\"est\", error=\"invalid_token\"", HWE_AUTH_BEARER, NULL);
	r.token_given = r.token_sent = 1;
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED,
	       "access token rejected by the server (error=\"invalid_token\")", "Bearer token");
	/* one usable scheme among others: the credentials are what is missing */
	r = mk_auth(401, "Bearer, Basic realm=x", HWE_AUTH_BEARER | HWE_AUTH_BASIC, NULL);
	expect(&r, HWE_EXIT_AUTH, HWE_ERR_HTTP_UNAUTHORIZED, "server requires authentication",
	       NULL);
}

static void test_err_refused(void **state)
{
	struct hwe_http_resp r = mk(403, NULL, "Forbidden\r\n  by\tpolicy\n");
	char big[1001];

	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS,
	       "simpleenroll: server refused the request: HTTP 403: Forbidden by policy", NULL);
	r = mk(400, NULL, "bad CSR \x01\x02");
	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS,
	       "server refused the request: HTTP 400: bad CSR ..", NULL);
	r = mk(404, NULL, NULL);
	hwe_est_http_error("cacerts", &r);
	assert_string_equal(hwe_err_message(), "cacerts: server refused the request: HTTP 404");
	hwe_err_clear();
	r = mk(500, NULL, "");
	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS, "HTTP 500", NULL);
	r = mk(302, NULL, NULL);
	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS, "HTTP 302", NULL);
	/* long bodies are cut to an excerpt */
	memset(big, 'x', 1000);
	big[1000] = '\0';
	r = mk(500, NULL, big);
	hwe_err_clear();
	hwe_est_http_error("cacerts", &r);
	assert_non_null(strstr(hwe_err_message(), "cacerts: server refused the request: HTTP 500: xxx"));
	assert_non_null(strstr(hwe_err_message(), "..."));
	assert_true(strlen(hwe_err_message()) < 300);
	hwe_err_clear();
}

static void test_err_503(void **state)
{
	struct hwe_http_resp r = mk(503, NULL, "busy");

	r.retry_after = "30";
	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS, "HTTP 503 (busy, Retry-After: 30): busy",
	       "30 s");
	r.retry_after = NULL;
	expect(&r, HWE_EXIT_REFUSED, HWE_ERR_HTTP_STATUS, "HTTP 503: busy", NULL);
}

static void test_err_unexpected(void **state)
{
	struct hwe_http_resp r = mk(204, NULL, NULL);

	expect(&r, HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected HTTP 204", NULL);
	r = mk(201, NULL, "x");
	expect(&r, HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected HTTP 201", NULL);
	r = mk(100, NULL, NULL);
	expect(&r, HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE, "unexpected HTTP 100", NULL);
	/* what may be NULL */
	hwe_err_clear();
	r = mk(403, NULL, NULL);
	assert_int_equal(hwe_est_http_error(NULL, &r), HWE_EXIT_REFUSED);
	assert_string_equal(hwe_err_message(), "server refused the request: HTTP 403");
	hwe_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_op_names, reset),
		cmocka_unit_test_setup(test_base_urls, reset),
		cmocka_unit_test_setup(test_each_op, reset),
		cmocka_unit_test_setup(test_digicert, reset),
		cmocka_unit_test_setup(test_hosts_ports, reset),
		cmocka_unit_test_setup(test_rejected, reset),
		cmocka_unit_test_setup(test_userinfo_not_echoed, reset),
		cmocka_unit_test_setup(test_long_url, reset),
		cmocka_unit_test_setup(test_err_401, reset),
		cmocka_unit_test_setup(test_err_refused, reset),
		cmocka_unit_test_setup(test_err_503, reset),
		cmocka_unit_test_setup(test_err_unexpected, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
