/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-enroll.c - hwenroll enroll: key, CSR, /simpleenroll, verify, store. */
#include "config.h"

#include "hwenroll.h"
#include "rc.h"

static const enum hwe_opt opts[] = {
	HWE_OPT_URI, HWE_OPT_KEY_ALIAS, HWE_OPT_CSR_CONF, HWE_OPTS_KEYGEN, HWE_OPTS_AUTH, HWE_OPT_AUTH_ALIAS,
	HWE_OPT_SERVER_URL, HWE_OPT_SERVER_DN, HWE_OPT_MAX_WAIT,
	HWE_OPT_TIMEOUT, HWE_OPT_CONNECT_TIMEOUT, HWE_OPT_TLS_GROUPS, HWE_OPTS_CSR, HWE_OPT_PROXY,
	HWE_OPT_PROXY_USER, HWE_OPT_PROXY_PASS_FILE, HWE_OPT_PROXY_CACERT, HWE_OPTS_ATTEST, HWE_OPT_JSON,
	HWE_OPTS_POLICY, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_AK_CERT, "the attestation key's certificate and chain (required with --attest)" },
	{ HWE_OPT_JSON, "print a JSON result instead of the certificate PEM" },
	{ HWE_OPT_BEFORE, "renew when fewer than DAYS days remain (default: the last third); kept in the profile" },
	{ HWE_OPT_REKEY_ON_RENEW, "renew with a new key each time; kept in the profile" },
	{ HWE_OPT_DEPLOY_HOOK, "run CMD (/bin/sh -c) after a new certificate is committed, with HWENROLL_ALIAS, "
			       "_KEYSTORE, _CERT, _CHAIN, _KEY set; kept in the profile" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "enroll",
	.synopsis = "enroll --uri URL --key-alias A --csr-conf FILE [key options] [auth options]",
	.summary = "Create (or reuse) the alias's key, send a CSR to /simpleenroll, verify and store the certificate.",
	.opts = opts,
	.notes = notes,
	.footer = "--before, --rekey-on-renew and --deploy-hook are remembered in the alias's profile\n"
		  "(certs/A.profile) for 'hwenroll renew'.\n",
};

int cmd_enroll(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEENROLL);
}
