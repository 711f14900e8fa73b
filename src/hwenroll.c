/* SPDX-License-Identifier: BSD-3-Clause */
/* hwenroll.c - main: global options, the command table, the one place
 * where errors are printed. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "hwenroll.h"
#include "log.h"
#include "rc.h"
#include "secmem.h"

static const struct {
	const char *name;
	hwe_cmd_fn *fn;
	const char *summary;
} commands[] = {
	{ "cacerts", cmd_cacerts, "fetch the EST CA certificates into <ks>/ca/" },
	{ "csrattrs", cmd_csrattrs, "show the CSR attributes the server asks for" },
	{ "keygen", cmd_keygen, "create a key for an alias (no network)" },
	{ "enroll", cmd_enroll, "create a CSR, send it to /simpleenroll, store the certificate" },
	{ "reenroll", cmd_reenroll, "renew a certificate over mutual TLS (/simplereenroll)" },
	{ "show", cmd_show, "show what the keystore holds" },
	{ "renew", cmd_renew, "renew what is due, from each alias's enrollment profile" },
	{ "certificate", cmd_certificate, "the reference workflow's form: certificate est ..." },
	{ "tpm", cmd_tpm, "check a TPM and provision its parent key" },
};

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hwenroll [-k|--keystore DIR] [-l|--log-level LEVEL] [--config FILE] "
		   "[--allow-core-dumps] COMMAND [OPTIONS]\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'hwenroll COMMAND --help' for a command's options; see hwenroll(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keystore", required_argument, NULL, 'k' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "allow-core-dumps", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hwe_ctx ctx = { 0 };
	const char *env;
	int c, lvl, ret = HWE_EXIT_USAGE, allow_core;
	size_t i;

	/* before anything allocates: secrets (password, PIN, the provider's
	 * copies, OpenSSL's private key numbers) go to OpenSSL's secure heap,
	 * which is locked in memory and left out of core dumps */
	hwe_secmem_init();
	env = getenv("HWENROLL_ALLOW_CORE_DUMPS");
	allow_core = env && strcmp(env, "1") == 0;

	env = getenv("HWENROLL_KEYSTORE");
	ctx.keystore_dir = HWE_DEFAULT_KEYSTORE;
	if (env && *env) {
		ctx.keystore_dir = env;
		ctx.keystore_set = 1;
	}
	env = getenv("HWENROLL_CONFIG");
	if (env && *env)
		ctx.config_file = env;
	env = getenv("HWENROLL_LOG_LEVEL");
	if (env && *env && (lvl = hwe_log_parse_level(env)) >= 0)
		hwe_log_set_level((enum hwe_log_level)lvl);

	/* '+': stop at the command name; its options are the command's */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:k:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ctx.keystore_dir = optarg;
			ctx.keystore_set = 1;
			break;
		case 'l':
			lvl = hwe_log_parse_level(optarg);
			if (lvl < 0) {
				hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
					"unknown log level '%s' (expected ERROR, WARN, INFO or DEBUG)",
					optarg);
				goto out;
			}
			hwe_log_set_level((enum hwe_log_level)lvl);
			ctx.log_level_set = 1;
			break;
		case 'c':
			ctx.config_file = optarg;
			break;
		case 'D':
			allow_core = 1;
			break;
		case 'h':
			main_usage(stdout);
			return HWE_OK;
		case 'V':
			printf("hwenroll %s\n", PACKAGE_VERSION);
			return HWE_OK;
		case ':':
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '%s' needs a value",
				argv[optind - 1]);
			goto out;
		default:
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"unknown global option '%s' (see 'hwenroll --help')", argv[optind - 1]);
			goto out;
		}
	}
	/* no core file, no ptrace or /proc/PID/mem by other users, before any
	 * secret is read (the commands read them) */
	if (!allow_core && (ret = hwe_secmem_harden()))
		goto out;
	if (allow_core)
		hwe_warn("core dumps and ptrace left on (--allow-core-dumps): a core file may hold "
			 "secrets that are not in the secure heap");
	ret = HWE_EXIT_USAGE;
	if (ctx.config_file) {
		const char *v;

		if ((ret = hwe_config_load(ctx.config_file, &ctx.config)))
			goto out;
		ret = HWE_EXIT_USAGE;
		if (!ctx.keystore_set && (v = hwe_config_get(ctx.config, "keystore")))
			ctx.keystore_dir = v;
		if (!ctx.log_level_set && (v = hwe_config_get(ctx.config, "log-level"))) {
			lvl = hwe_log_parse_level(v);
			if (lvl < 0) {
				hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
					"%s: unknown log-level '%s' (expected ERROR, WARN, INFO or DEBUG)",
					ctx.config_file, v);
				ret = HWE_EXIT_INPUT;
				goto out;
			}
			hwe_log_set_level((enum hwe_log_level)lvl);
		}
	}
	if (optind >= argc) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no command given");
		hwe_err_hint("run 'hwenroll --help' for the list of commands");
		goto out;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "unknown command '%s' (see 'hwenroll --help')",
			argv[optind]);
		goto out;
	}
	/* No OpenSSL cleanup at exit: this process is short-lived, and the
	 * cleanup would unload the tpm2 and PKCS#11 providers while the
	 * modules below them (tpm2-tss, the token's PKCS#11 library) still
	 * hold state; SoftHSM crashes when its sessions are closed from there. */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL)) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot initialize OpenSSL");
		goto out;
	}
	/* libcurl wipes what it frees; its copies of the password are made in
	 * the secure heap */
	if (hwe_secmem_curl_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot initialize libcurl");
		goto out;
	}
	c = optind;
	optind = 0; /* the command parses its own argv with a fresh getopt */
	ret = commands[i].fn(argc - c, argv + c, &ctx);
	curl_global_cleanup();
out:
	hwe_config_free(ctx.config);
	/* a pending request is an outcome the command has reported */
	if (ret != HWE_OK && ret != HWE_EXIT_PENDING && !hwe_err_pending())
		hwe_err(ret, HWE_ERR_GENERAL, "command failed");
	hwe_err_print();
	return ret == HWE_OK || !hwe_err_pending() ? ret : (int)hwe_err_code();
}
