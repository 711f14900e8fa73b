/* SPDX-License-Identifier: BSD-3-Clause */
/* test-opts.c - the option resolver: command line > environment > config
 * file > default, the typed values it fills, conversions and their errors
 * naming the source, secrets, derived values and profile overrides. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/objects.h>

#include "hwenroll.h"
#include "log.h"
#include "rc.h"

static const enum hwe_opt all_opts[] = {
	HWE_OPT_KEY_ALIAS, HWE_OPT_CSR_CONF, HWE_OPTS_KEYGEN, HWE_OPTS_NET, HWE_OPTS_AUTH, HWE_OPTS_CSR,
	HWE_OPTS_POLICY, HWE_OPTS_ATTEST, HWE_OPT_REKEY, HWE_OPT_AUTH_ALIAS, HWE_OPT_MAX_WAIT,
	HWE_OPTS_END
};
static const struct hwe_usage usage_all = {
	.name = "test", .synopsis = "test [options]", .summary = "the resolver under test", .opts = all_opts,
};
/* a command that takes no device options */
static const enum hwe_opt net_opts[] = { HWE_OPTS_NET, HWE_OPTS_END };
static const struct hwe_usage usage_net = {
	.name = "net", .synopsis = "net --uri URL", .summary = "no device options", .opts = net_opts,
};

static const char *const vars[] = {
	"HWENROLL_TCTI", "TPM2OPENSSL_TCTI", "HWENROLL_PKCS11_MODULE", "HWENROLL_PKCS11_PIN", "EST_URI",
	"EST_USERNAME", "EST_PASS", "EST_TOKEN", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	"no_proxy", "NO_PROXY", "HWENROLL_TCTI_RCWATCH",
};

static char cfgpath[64];
static struct hwe_ctx ctx;
/* the argv of the last parse (getopt permutes it, --estc-pass blanks it) */
static char *argv_buf[32];
static int argc_buf;

static void clean_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void free_argv(void)
{
	int i;

	for (i = 0; i < argc_buf; i++)
		free(argv_buf[i]);
	argc_buf = 0;
}

static int setup(void **state)
{
	(void)state;
	clean_env();
	memset(&ctx, 0, sizeof(ctx));
	hwe_err_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clean_env();
	free_argv();
	hwe_config_free(ctx.config);
	ctx.config = NULL;
	if (cfgpath[0])
		unlink(cfgpath);
	cfgpath[0] = '\0';
	hwe_err_clear();
	return 0;
}

/* the config file of ctx: the lines given */
static void config(const char *text)
{
	int fd;

	snprintf(cfgpath, sizeof(cfgpath), "/tmp/hwe-test-opts-XXXXXX");
	fd = mkstemp(cfgpath);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(hwe_config_load(cfgpath, &ctx.config), HWE_OK);
	ctx.config_file = cfgpath;
}

/* parse "test ARGS... NULL" with usage u */
static int parse(const struct hwe_usage *u, struct hwe_opts *o, ...)
{
	va_list ap;
	const char *a;

	free_argv();
	argv_buf[argc_buf++] = strdup(u->name);
	va_start(ap, o);
	while ((a = va_arg(ap, const char *)) && argc_buf < 31)
		argv_buf[argc_buf++] = strdup(a);
	va_end(ap);
	argv_buf[argc_buf] = NULL;
	hwe_err_clear();
	return hwe_opts_parse(argc_buf, argv_buf, &ctx, u, o);
}

static void assert_error(int ret, int code, const char *part)
{
	assert_int_equal(ret, code);
	assert_non_null(hwe_err_message());
	if (!strstr(hwe_err_message(), part))
		fail_msg("error '%s' does not name '%s'", hwe_err_message(), part);
	hwe_err_clear();
}

/* Bug 1 of issue 10: the environment beats the config file. */
static void test_precedence(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.dev.tcti, "device:/dev/tpmrm0");
	assert_int_equal(o.src[HWE_OPT_TCTI], HWE_SRC_NONE);
	assert_null(o.val[HWE_OPT_TCTI]); /* a default is no value: profiles do not store it */

	config("tcti=swtpm:port=1\npkcs11-module=/cfg.so\nestc-pass-file=/cfg/pass\ntimeout=7\n");
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.dev.tcti, "swtpm:port=1");
	assert_int_equal(o.src[HWE_OPT_TCTI], HWE_SRC_CONFIG);
	assert_string_equal(o.a.net.pass_file, "/cfg/pass");
	assert_int_equal(o.a.net.timeout_s, 7);

	setenv("TPM2OPENSSL_TCTI", "swtpm:port=3", 1);
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.dev.tcti, "swtpm:port=3");
	setenv("HWENROLL_TCTI", "swtpm:port=2", 1);
	setenv("HWENROLL_PKCS11_MODULE", "/env.so", 1);
	setenv("EST_PASS", "from-env", 1);
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.dev.tcti, "swtpm:port=2"); /* the first variable of the row */
	assert_string_equal(o.env[HWE_OPT_TCTI], "HWENROLL_TCTI");
	assert_string_equal(o.a.dev.pkcs11_module, "/env.so");
	assert_null(o.a.net.pass_file);   /* EST_PASS beats the config's file */
	assert_string_equal(o.a.net.pass, "from-env");

	assert_int_equal(parse(&usage_all, &o, "--tcti", "swtpm:port=4", "--estc-pass-file", "/arg/pass", NULL),
			 HWE_OK);
	assert_string_equal(o.a.dev.tcti, "swtpm:port=4");
	assert_true(hwe_opts_given(&o, HWE_OPT_TCTI));
	assert_string_equal(o.a.net.pass_file, "/arg/pass");
	assert_null(o.a.net.pass);
}

/* Only the options a command takes are resolved (the hidden settings for all). */
static void test_allowed(void **state)
{
	struct hwe_opts o;

	(void)state;
	setenv("HWENROLL_TCTI", "swtpm:port=2", 1);
	setenv("NO_PROXY", "", 1);
	assert_int_equal(parse(&usage_net, &o, NULL), HWE_OK);
	assert_null(o.val[HWE_OPT_TCTI]);
	assert_string_equal(o.a.dev.tcti, "device:/dev/tpmrm0");
	/* F_ENV_SET: set but empty still counts, as libcurl reads it */
	assert_string_equal(o.a.net.no_proxy, "");
	assert_string_equal(o.a.net.no_proxy_from, "NO_PROXY");
	assert_error(parse(&usage_net, &o, "--tcti", "x", NULL), HWE_EXIT_USAGE,
		     "option '--tcti' does not apply to 'hwenroll net'");
	assert_error(parse(&usage_net, &o, "--nonsense", NULL), HWE_EXIT_USAGE, "unknown option '--nonsense'");
	assert_error(parse(&usage_net, &o, "--uri", "a", "--uri", "b", NULL), HWE_EXIT_USAGE,
		     "'--uri' given twice");
	assert_error(parse(&usage_net, &o, "--uri", "", NULL), HWE_EXIT_USAGE, "'--uri' has an empty value");
	assert_error(parse(&usage_net, &o, "--uri", NULL), HWE_EXIT_USAGE, "'--uri' needs a value");
	assert_error(parse(&usage_net, &o, "--uri", "a", "--estc-server-url", "b", NULL), HWE_EXIT_USAGE,
		     "--uri and --estc-server-url both given");
	assert_int_equal(parse(&usage_net, &o, "--estc-server-url", "https://h/x", NULL), HWE_OK);
	assert_string_equal(o.a.net.uri, "https://h/x");
}

/* Numbers, handles, choices and backends: converted once, errors naming the source. */
static void test_conversions(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--timeout", "30", "--tpm-parent", "0x81000002", "--tpm-handle",
			       "2164260866", "--csrattrs", "ignore", "--key-backend", "tpm2", "--before", "0", NULL),
			 HWE_OK);
	assert_int_equal(o.a.net.timeout_s, 30);
	assert_int_equal(o.a.dev.tpm_parent, 0x81000002u);
	assert_int_equal(o.a.dev.tpm_handle, 0x81000002u);
	assert_int_equal(o.a.enroll.csrattrs, HWE_CSRATTRS_IGNORE);
	assert_ptr_equal(o.a.dev.backend, &hwe_key_tpm2);
	assert_int_equal(o.a.enroll.before_days, 0); /* 0 is a value, not "unset" */

	assert_error(parse(&usage_all, &o, "--timeout", "10s", NULL), HWE_EXIT_USAGE,
		     "bad value '10s' for --timeout (expected whole seconds");
	assert_error(parse(&usage_all, &o, "--tpm-parent", "0x1ffffffff", NULL), HWE_EXIT_USAGE,
		     "for --tpm-parent (expected a handle");
	assert_error(parse(&usage_all, &o, "--before", "36501", NULL), HWE_EXIT_USAGE, "whole days, 0 to 36500");
	assert_error(parse(&usage_all, &o, "--csrattrs", "maybe", NULL), HWE_EXIT_USAGE,
		     "bad value 'maybe' for --csrattrs (expected use or ignore)");
	assert_error(parse(&usage_all, &o, "--pop-policy", "sometimes", NULL), HWE_EXIT_USAGE,
		     "(expected auto, always or never)");
	assert_error(parse(&usage_all, &o, "--key-backend", "hsm", NULL), HWE_EXIT_USAGE,
		     "unknown key backend 'hsm' from --key-backend");
	config("timeout=soon\n");
	assert_error(parse(&usage_all, &o, NULL), HWE_EXIT_USAGE, "for 'timeout' in config file '/tmp/hwe-test-opts-");
}

/* What nothing gives: the table's defaults, and -1 for an unset window. */
static void test_defaults(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_int_equal(o.a.net.max_wait_s, 120);
	assert_int_equal(o.a.net.timeout_s, 0);
	assert_int_equal(o.a.enroll.hook_timeout_s, 60);
	assert_int_equal(o.a.renew.retry_for_s, 300);
	assert_int_equal(o.a.attest.ak_handle, 0x81000100u);
	assert_int_equal(o.a.enroll.before_days, -1);
	assert_int_equal(o.a.enroll.pop, HWE_POP_AUTO);
	assert_int_equal(o.a.enroll.csrattrs, HWE_CSRATTRS_USE);
	assert_null(o.a.dev.backend);
	assert_false(o.a.spec_given);
	assert_int_equal(o.a.spec.alg, HWE_ALG_EC);
}

/* --pop / --no-pop / --pop-policy make one policy. */
static void test_pop(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--pop", NULL), HWE_OK);
	assert_int_equal(o.a.enroll.pop, HWE_POP_ALWAYS);
	assert_int_equal(parse(&usage_all, &o, "--pop-policy", "never", NULL), HWE_OK);
	assert_int_equal(o.a.enroll.pop, HWE_POP_NEVER);
	assert_error(parse(&usage_all, &o, "--pop", "--no-pop", NULL), HWE_EXIT_USAGE, "--pop and --no-pop both given");
	assert_error(parse(&usage_all, &o, "--no-pop", "--pop-policy", "always", NULL), HWE_EXIT_USAGE,
		     "--pop-policy and --pop/--no-pop both given");
	/* a flag on the command line beats the config's policy */
	config("pop-policy=never\n");
	assert_int_equal(parse(&usage_all, &o, "--pop", NULL), HWE_OK);
	assert_int_equal(o.a.enroll.pop, HWE_POP_ALWAYS);
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_int_equal(o.a.enroll.pop, HWE_POP_NEVER);
}

/* --algorithm/--curve/--size: one key spec, converted at parse time. */
static void test_keyspec(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--algorithm", "RSA", "--size", "3072", NULL), HWE_OK);
	assert_true(o.a.spec_given);
	assert_int_equal(o.a.spec.alg, HWE_ALG_RSA);
	assert_int_equal(o.a.spec.bits, 3072);
	assert_int_equal(parse(&usage_all, &o, "--curve", "P384", NULL), HWE_OK);
	assert_int_equal(o.a.spec.alg, HWE_ALG_EC);
	assert_int_equal(o.a.spec.curve_nid, NID_secp384r1);
	assert_error(parse(&usage_all, &o, "--curve", "P999", NULL), HWE_EXIT_USAGE, "unknown curve 'P999'");
	assert_error(parse(&usage_all, &o, "--algorithm", "RSA", "--curve", "P256", NULL), HWE_EXIT_USAGE,
		     "--curve 'P256' applies to ECC keys");
}

/* Bug 6 of issue 10: --estc-pass leaves argv at once; the secret variables. */
static void test_secrets(void **state)
{
	struct hwe_opts o;
	int i, found = 0;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--estc-pass", "s3cret", NULL), HWE_OK);
	assert_string_equal(o.a.net.pass, "s3cret");
	for (i = 0; i < argc_buf; i++) {
		assert_null(strstr(argv_buf[i], "s3cret"));
		found |= strcmp(argv_buf[i], "xxxxxx") == 0;
	}
	assert_true(found);
	assert_error(parse(&usage_all, &o, "--estc-pass", "a", "--estc-pass-file", "/f", NULL), HWE_EXIT_USAGE,
		     "--estc-pass and --estc-pass-file both given");
	/* a password on the command line beats EST_PASS and the config's file */
	setenv("EST_PASS", "env", 1);
	config("estc-pass-file=/cfg/pass\n");
	assert_int_equal(parse(&usage_all, &o, "--estc-pass", "arg", NULL), HWE_OK);
	assert_string_equal(o.a.net.pass, "arg");
	assert_null(o.a.net.pass_file);
	/* the *-file options' own variables give the secret itself */
	setenv("EST_TOKEN", "tok", 1);
	setenv("HWENROLL_PKCS11_PIN", "1234", 1);
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.net.token, "tok");
	assert_null(o.a.net.token_file);
	assert_string_equal(o.a.dev.pin, "1234");
	assert_string_equal(o.env[HWE_OPT_PIN_FILE], "HWENROLL_PKCS11_PIN");
	assert_null(o.val[HWE_OPT_PIN_FILE]);
	/* the user name is checked where it came from */
	setenv("EST_USERNAME", "a:b", 1);
	assert_error(parse(&usage_all, &o, NULL), HWE_EXIT_USAGE, "bad EST user name from EST_USERNAME: ':'");
}

/* --ak-cert nv:INDEX is converted with the rest. */
static void test_ak_cert(void **state)
{
	struct hwe_opts o;

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--ak-cert", "nv:0x01c10100", NULL), HWE_OK);
	assert_int_equal(o.a.attest.ak_cert_nv, 0x01c10100u);
	assert_string_equal(o.a.attest.ak_cert, "nv:0x01c10100");
	assert_int_equal(parse(&usage_all, &o, "--ak-cert", "/etc-not-read/ak.pem", NULL), HWE_OK);
	assert_int_equal(o.a.attest.ak_cert_nv, 0);
	assert_error(parse(&usage_all, &o, "--ak-cert", "nv:zz", NULL), HWE_EXIT_USAGE,
		     "bad value 'zz' for the NV index of --ak-cert");
}

/* renew's profile: set and unset keep text and typed value together. */
static void test_set_unset(void **state)
{
	struct hwe_opts o;
	char buf[64];

	(void)state;
	assert_int_equal(parse(&usage_all, &o, "--attest", NULL), HWE_OK);
	assert_int_equal(hwe_opts_set(&o, HWE_OPT_BEFORE, "400", HWE_SRC_PROFILE, "certs/a.profile"), HWE_OK);
	assert_int_equal(o.a.enroll.before_days, 400);
	assert_string_equal(hwe_opts_source(&o, HWE_OPT_BEFORE, buf, sizeof(buf)), "profile key 'before'");
	assert_int_equal(hwe_opts_set(&o, HWE_OPT_POP_POLICY, "always", HWE_SRC_PROFILE, "certs/a.profile"),
			 HWE_OK);
	assert_int_equal(o.a.enroll.pop, HWE_POP_ALWAYS);
	assert_int_equal(hwe_opts_set(&o, HWE_OPT_KEY_BACKEND, "pkcs11", HWE_SRC_PROFILE, "certs/a.profile"),
			 HWE_OK);
	assert_ptr_equal(o.a.dev.backend, &hwe_key_pkcs11);
	assert_error(hwe_opts_set(&o, HWE_OPT_TIMEOUT, "x", HWE_SRC_PROFILE, "certs/a.profile"), HWE_EXIT_USAGE,
		     "bad value 'x' for 'timeout' in certs/a.profile");
	/* a file from the profile replaces the secret from the environment */
	setenv("EST_PASS", "env", 1);
	assert_int_equal(parse(&usage_all, &o, NULL), HWE_OK);
	assert_string_equal(o.a.net.pass, "env");
	assert_int_equal(hwe_opts_set(&o, HWE_OPT_ESTC_PASS_FILE, "/p", HWE_SRC_PROFILE, "certs/a.profile"), HWE_OK);
	assert_string_equal(o.a.net.pass_file, "/p");
	assert_null(o.a.net.pass);
	assert_int_equal(parse(&usage_all, &o, "--attest", "--max-wait", "5", NULL), HWE_OK);
	assert_true(o.a.attest.on);
	hwe_opts_unset(&o, HWE_OPT_ATTEST);
	assert_false(o.a.attest.on);
	assert_null(o.val[HWE_OPT_ATTEST]);
	hwe_opts_unset(&o, HWE_OPT_MAX_WAIT);
	assert_int_equal(o.a.net.max_wait_s, 120); /* back to its default */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conversions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyspec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ak_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_unset, setup, teardown),
	};

	hwe_log_set_level(HWE_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
