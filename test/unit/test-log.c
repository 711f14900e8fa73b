/* SPDX-License-Identifier: BSD-3-Clause */
/* test-log.c - the error stack (top and causes, hints, printing), the status table
 * and the display sanitizer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/x509err.h>

#include "log.h"
#include "rc.h"
#include "redact.h"

static void test_error_stack(void **state)
{
	enum hwe_status st;

	(void)state;
	hwe_err_clear();
	assert_false(hwe_err_pending());
	assert_int_equal(hwe_err_depth(), 0);
	assert_int_equal(hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_CONNECT, "cannot connect to '%s'", "h"),
			 HWE_EXIT_NETWORK);
	hwe_err_hint("check the host");
	/* a layer above records what it was doing on top of the cause */
	assert_int_equal(hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot open '%s'", "a.conf"),
			 HWE_EXIT_INPUT);
	assert_true(hwe_err_pending());
	assert_int_equal(hwe_err_depth(), 2);
	assert_int_equal(hwe_err_code(), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
	assert_string_equal(hwe_err_message(), "cannot open 'a.conf'");
	/* no hint of its own: the cause's fix is the one shown */
	assert_string_equal(hwe_err_hint_text(), "check the host");
	hwe_err_hint("Ensure you created the CSR %s", "file");
	hwe_err_hint("second hint ignored");
	assert_string_equal(hwe_err_hint_text(), "Ensure you created the CSR file");
	assert_string_equal(hwe_err_cause(0, &st), "cannot connect to 'h'");
	assert_int_equal(st, HWE_ERR_NETWORK_CONNECT);
	assert_string_equal(hwe_err_cause(1, NULL), "cannot open 'a.conf'");
	assert_null(hwe_err_cause(2, NULL));
	/* context keeps the cause's class, status and message */
	assert_int_equal(hwe_err_context("cannot enroll '%s'", "dev1"), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
	assert_string_equal(hwe_err_message(), "cannot enroll 'dev1': cannot open 'a.conf'");
	assert_int_equal(hwe_err_depth(), 3);
	hwe_err_clear();
	assert_false(hwe_err_pending());
	assert_int_equal(hwe_err_code(), HWE_OK);
	/* a hint without an error is dropped */
	hwe_err_hint("orphan");
	assert_null(hwe_err_hint_text());
	/* context without a recorded error is itself the bug */
	assert_int_equal(hwe_err_context("cannot enroll"), HWE_EXIT_INTERNAL);
	assert_string_equal(hwe_err_message(), "cannot enroll");
	hwe_err_clear();
}

static void test_error_stack_full(void **state)
{
	int i;

	(void)state;
	hwe_err_clear();
	for (i = 0; i < 20; i++)
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "frame %d", i);
	/* bounded; the innermost cause and the top survive */
	assert_true(hwe_err_depth() < 20);
	assert_string_equal(hwe_err_cause(0, NULL), "frame 0");
	assert_string_equal(hwe_err_message(), "frame 19");
	hwe_err_clear();
}

/* main's output: the top error and the fix, then the causes at INFO */
static void test_error_print(void **state)
{
	char buf[4096] = "";
	FILE *f = tmpfile(), *saved = stderr;
	size_t n;

	(void)state;
	assert_non_null(f);
	hwe_err_clear();
	hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_CONNECT, "connection refused");
	hwe_err_hint("start the server");
	hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_CONNECT, "cannot renew 'dev1'");
	stderr = f;
	hwe_log_set_level(HWE_LOG_ERROR);
	hwe_err_print();
	hwe_log_set_level(HWE_LOG_INFO);
	hwe_err_print();
	hwe_log_set_level(HWE_LOG_ERROR);
	stderr = saved;
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "ERROR: cannot renew 'dev1'. Status: "));
	assert_non_null(strstr(buf, "HINT: start the server\n"));
	/* the cause only at INFO: once in two prints */
	assert_non_null(strstr(buf, "caused by: connection refused. Status: "));
	assert_null(strstr(strstr(buf, "caused by:") + 1, "caused by:"));
	assert_non_null(strstr(strstr(buf, "ERROR: cannot renew") + 1, "ERROR: cannot renew"));
	assert_true(strstr(buf, "caused by:") >
		    strstr(strstr(buf, "ERROR: cannot renew") + 1, "ERROR: cannot renew"));
	hwe_err_clear();
}

static void test_status_table(void **state)
{
	/* the reference workflow's names and numbers */
	assert_string_equal(hwe_status_name(HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR), "ERR_CERT_CHAIN_NO_TRUST_ANCHOR");
	assert_int_equal(hwe_status_number(HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR), -7629);
	assert_string_equal(hwe_status_name(HWE_ERR_FILE_OPEN_FAILED), "ERR_FILE_OPEN_FAILED");
	assert_int_equal(hwe_status_number(HWE_ERR_FILE_OPEN_FAILED), -7201);
	assert_string_equal(hwe_status_name((enum hwe_status)9999), "ERR_GENERAL");
	assert_string_equal(hwe_exit_name(HWE_EXIT_TLS), "TLS trust");
	assert_string_equal(hwe_exit_name(HWE_EXIT_KEYSTORE), "keystore");
	assert_string_equal(hwe_exit_name((enum hwe_exit)99), "unknown");
}

static void test_ossl_error(void **state)
{
	hwe_err_clear();
	ERR_raise_data(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE, "detail");
	assert_int_equal(hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "signing failed"), HWE_EXIT_KEY);
	assert_non_null(strstr(hwe_err_message(), "signing failed: "));
	assert_non_null(strstr(hwe_err_message(), "cert already in hash table"));
	assert_int_equal(ERR_peek_error(), 0);
	hwe_err_clear();
}

static void test_levels(void **state)
{
	assert_int_equal(hwe_log_parse_level("info"), HWE_LOG_INFO);
	assert_int_equal(hwe_log_parse_level("DEBUG"), HWE_LOG_DEBUG);
	assert_int_equal(hwe_log_parse_level("Warning"), HWE_LOG_WARN);
	assert_int_equal(hwe_log_parse_level("ERROR"), HWE_LOG_ERROR);
	assert_int_equal(hwe_log_parse_level("LOUD"), -1);
	assert_int_equal(hwe_log_parse_level(NULL), -1);
	hwe_log_set_level(HWE_LOG_WARN);
	assert_true(hwe_log_enabled(HWE_LOG_ERROR));
	assert_true(hwe_log_enabled(HWE_LOG_WARN));
	assert_false(hwe_log_enabled(HWE_LOG_INFO));
	hwe_log_set_level(HWE_LOG_ERROR);
}

static void test_sanitize(void **state)
{
	char buf[16];
	const char body[] = "bad\r\n\x1b[31mreq\x80uest\0x";

	assert_string_equal(hwe_sanitize("a\nb", 3, buf, sizeof(buf)), "a b");
	assert_string_equal(hwe_sanitize(body, 10, buf, sizeof(buf)), "bad .[31m");
	/* truncated with an ellipsis, never past the buffer */
	assert_string_equal(hwe_sanitize("0123456789abcdefghij", 20, buf, sizeof(buf)), "0123456789ab...");
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	/* NUL bytes inside the length are shown, not terminating */
	assert_string_equal(hwe_sanitize(body + 10, 8, buf, sizeof(buf)), "req.uest");
	assert_string_equal(hwe_sanitize("x\0y", 3, buf, sizeof(buf)), "x.y");
	assert_string_equal(hwe_sanitize("  a  \n\n ", 8, buf, sizeof(buf)), " a");
	assert_string_equal(hwe_sanitize(NULL, 0, buf, sizeof(buf)), "");
	assert_string_equal(hwe_sanitize("abc", 3, buf, 3), "");
}

static void test_redact(void **state)
{
	char buf[128], small[24];
	size_t i;

	/* URIs: the value runs to '&' or the end, whatever it holds */
	assert_string_equal(hwe_redact_uri("pkcs11:token=t?pin-value=1234", buf, sizeof(buf)),
			    "pkcs11:token=t?pin-value=REDACTED");
	assert_string_equal(hwe_redact_uri("pkcs11:token=t?pin-value=a%26b 'c'&pin-source=/p", buf,
					   sizeof(buf)),
			    "pkcs11:token=t?pin-value=REDACTED&pin-source=/p");
	assert_string_equal(hwe_redact_uri("pkcs11:token=t?module-name=m&PIN-VALUE=x&pin-value=y",
					   buf, sizeof(buf)),
			    "pkcs11:token=t?module-name=m&PIN-VALUE=REDACTED&pin-value=REDACTED");
	assert_string_equal(hwe_redact_uri("pkcs11:token=t;object=k", buf, sizeof(buf)),
			    "pkcs11:token=t;object=k");
	assert_string_equal(hwe_redact_uri("pkcs11:pin-value=123;token=t", buf, sizeof(buf)),
			    "pkcs11:pin-value=REDACTED");
	assert_string_equal(hwe_redact_uri(NULL, buf, sizeof(buf)), "");
	/* cut short: never a byte of the PIN, always terminated */
	for (i = 1; i <= sizeof(small); i++) {
		hwe_redact_uri("pkcs11:token=t?pin-value=SECRETPIN", small, i);
		assert_int_equal(small[strlen(small)], '\0');
		assert_true(strlen(small) < i);
		assert_null(strstr(small, "SEC"));
	}
	/* free text: the value also ends at a quote or white space */
	assert_string_equal(hwe_redact_text("on 'pkcs11:token=t?pin-value=1234' (module 'm')", buf,
					    sizeof(buf)),
			    "on 'pkcs11:token=t?pin-value=REDACTED' (module 'm')");
	assert_string_equal(hwe_redact_text("a pin-value=REDACTED' b", buf, sizeof(buf)),
			    "a pin-value=REDACTED' b");

	/* the error record and the hint go through it */
	hwe_err_clear();
	hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11, "cannot use '%s'", "pkcs11:token=t?pin-value=9876");
	hwe_err_hint("check --token-uri '%s'", "pkcs11:token=t?pin-value=9876");
	assert_string_equal(hwe_err_message(), "cannot use 'pkcs11:token=t?pin-value=REDACTED'");
	assert_string_equal(hwe_err_hint_text(), "check --token-uri 'pkcs11:token=t?pin-value=REDACTED'");
	hwe_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_stack),
		cmocka_unit_test(test_error_stack_full),
		cmocka_unit_test(test_error_print),
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_ossl_error),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
