/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-certificate.c - `hwenroll certificate est ...`: the reference
 * workflow's command form.  The operation comes from the URL's last path
 * segment (cacerts, csrattrs, simpleenroll, simplereenroll), so the
 * TrustEdge commands users already have keep working. */
#include "config.h"

#include <string.h>

#include "est.h"
#include "hwenroll.h"
#include "log.h"
#include "rc.h"

#define DEFAULT_ALIAS "GenKey"

static const enum hwe_opt opts[] = {
	HWE_OPT_URI, HWE_OPT_SERVER_URL, HWE_OPT_SERVER_DN, HWE_OPTS_KEYGEN, HWE_OPTS_AUTH, HWE_OPT_CSR_CONF,
	HWE_OPT_KEY_ALIAS, HWE_OPT_REKEY, HWE_OPT_AUTH_ALIAS, HWE_OPT_MAX_WAIT, HWE_OPT_TIMEOUT, HWE_OPT_CONNECT_TIMEOUT,
	HWE_OPT_TLS_GROUPS, HWE_OPTS_CSR, HWE_OPTS_POLICY, HWE_OPTS_ATTEST, HWE_OPT_PROXY, HWE_OPT_PROXY_USER,
	HWE_OPT_PROXY_PASS_FILE, HWE_OPT_PROXY_CACERT, HWE_OPT_JSON, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_URI, "EST URL ending in the operation (cacerts, csrattrs, simpleenroll, simplereenroll)" },
	{ HWE_OPT_KEY_ALIAS, "alias (default " DEFAULT_ALIAS ")" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "certificate",
	.synopsis = "certificate est --uri URL|--estc-server-url URL [--estc-server-dn HOST] [--algorithm ECC|RSA] [--curve C] [--size N] [--estc-user U] [--estc-pass P] [--csr-conf FILE] [--key-alias A] [--log-level L]",
	.summary = "The reference workflow's form: the URL's last segment (cacerts, csrattrs, simpleenroll, simplereenroll) selects the operation.",
	.opts = opts,
	.notes = notes,
};

int cmd_certificate(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	struct hwe_est_url u = { 0 };
	int ret;

	ret = hwe_opts_parse(argc, argv, ctx, &usage, &o);
	if (ret < 0)
		return HWE_OK;
	if (ret)
		return ret;
	if (o.nargs < 1 || strcmp(o.args[0], "est") != 0)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "expected 'hwenroll certificate est [options]'%s%s%s",
			       o.nargs ? " (got '" : "", o.nargs ? o.args[0] : "", o.nargs ? "')" : "");
	if (o.nargs > 1)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "unexpected argument '%s'", o.args[1]);
	if (!o.a.alias)
		o.a.alias = DEFAULT_ALIAS;
	if ((ret = hwe_cmd_url(&o.a.net, &u)))
		return ret;
	hwe_debug("certificate est: operation '%s' from the URL", hwe_est_op_name(u.op));
	switch (u.op) {
	case HWE_EST_CACERTS:
		ret = hwe_cacerts_run(ctx, &o.a);
		break;
	case HWE_EST_CSRATTRS:
		ret = hwe_csrattrs_run(ctx, &o.a);
		break;
	case HWE_EST_SIMPLEENROLL:
		ret = hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEENROLL);
		break;
	case HWE_EST_SIMPLEREENROLL:
		ret = hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEREENROLL);
		break;
	default:
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI,
			      "the URL '%s' does not end in an EST operation that hwenroll runs (cacerts, csrattrs, simpleenroll, simplereenroll)",
			      o.a.net.uri);
		hwe_err_hint("end it with /cacerts, /csrattrs, /simpleenroll or /simplereenroll, as in the reference workflow");
		break;
	}
	hwe_est_url_clear(&u);
	return ret;
}
