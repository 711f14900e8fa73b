/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-reenroll.c - hwenroll reenroll: renew over mutual TLS with the
 * current certificate and its (hardware) key; --rekey makes a new key. */
#include "config.h"

#include "hwenroll.h"
#include "rc.h"

static const enum hwe_opt opts[] = {
	HWE_OPT_URI, HWE_OPT_KEY_ALIAS, HWE_OPT_REKEY, HWE_OPTS_ATTEST, HWE_OPT_CSR_CONF, HWE_OPTS_DEVICE,
	HWE_OPTS_AUTH, HWE_OPT_SERVER_URL, HWE_OPT_SERVER_DN, HWE_OPT_MAX_WAIT, HWE_OPT_TIMEOUT, HWE_OPT_CONNECT_TIMEOUT,
	HWE_OPT_TLS_GROUPS, HWE_OPTS_CSR, HWE_OPT_DEPLOY_HOOK, HWE_OPT_HOOK_TIMEOUT, HWE_OPT_PROXY, HWE_OPT_PROXY_USER,
	HWE_OPT_PROXY_PASS_FILE, HWE_OPT_PROXY_CACERT, HWE_OPT_JSON, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_KEY_ALIAS, "the enrolled alias" },
	{ HWE_OPT_REKEY, "sign the request with a new key of the same backend and type; the old key is replaced only after the new certificate verifies" },
	{ HWE_OPT_ATTEST, "with --rekey: the new TPM key is attested as for enroll --attest (needs a resource manager TCTI)" },
	{ HWE_OPT_CSR_CONF, "extensions to request; subject and SAN always come from the current certificate" },
	{ HWE_OPT_KEY_BACKEND, "the alias knows its backend: a different one is refused" },
	{ HWE_OPT_DEPLOY_HOOK, "as for enroll (not stored)" },
	{ HWE_OPT_JSON, "print a JSON result instead of the certificate PEM" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "reenroll",
	.synopsis = "reenroll --uri URL --key-alias A [--rekey] [--csr-conf FILE]",
	.summary = "Renew the alias's certificate at /simplereenroll, authenticating TLS with the current certificate and key.",
	.opts = opts,
	.notes = notes,
};

int cmd_reenroll(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEREENROLL);
}
