/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-reenroll.c - hwenroll reenroll: renew over mutual TLS with the
 * current certificate and its (hardware) key; --rekey makes a new key. */
#include "config.h"

#include "hwenroll.h"
#include "rc.h"

static const struct hwe_usage usage = {
	.name = "reenroll",
	.synopsis = "reenroll --uri URL --key-alias A [--rekey] [--csr-conf FILE]",
	.summary = "Renew the alias's certificate at /simplereenroll, authenticating TLS with the current certificate and key.",
	.details =
		"  --uri URL             EST URL (or EST_URI); its operation segment is replaced\n"
		"  --key-alias A         the enrolled alias\n"
		"  --rekey               sign the request with a new key of the same backend and type;\n"
		"                        the old key is replaced only after the new certificate verifies\n"
		"  --attest              with --rekey: the new TPM key is attested as for enroll --attest\n"
		"                        (needs a resource manager TCTI); --ak-handle HANDLE --ak-cert SPEC\n"
		"  --csr-conf FILE       extensions to request; subject and SAN always come from the current certificate\n"
		"  --tcti STR --tpm-parent HANDLE --pkcs11-module PATH --token-uri URI --pin-file FILE\n"
		"                        how to reach the key's device (the alias knows its backend)\n"
		"  --estc-user U --estc-pass-file F   answer a 401 challenge as well\n"
		"  --estc-token-file F   a Bearer token for a 401 that offers Bearer (or EST_TOKEN)\n"
		"  --estc-server-dn HOST --max-wait S --timeout S --connect-timeout S --tls-groups LIST\n"
		"  --csrattrs use|ignore --pop --no-pop --pop-policy P   as for enroll\n"
		"  --deploy-hook CMD --deploy-hook-timeout S   as for enroll (not stored)\n"
		"  --proxy URL           HTTP(S) proxy, http://HOST:PORT or https://HOST:PORT, always a CONNECT\n"
		"                        tunnel (default: https_proxy/all_proxy unless no_proxy names the host)\n"
		"  --proxy-user U --proxy-pass-file F   proxy credentials, sent only to answer the proxy's 407\n"
		"  --proxy-cacert FILE   trust for an https:// proxy (default: the system store, never <ks>/ca/)\n"
		"  --json                as for enroll\n",
};

int cmd_reenroll(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx,
			     HWE_OPTS_NET | HWE_OPTS_AUTH | HWE_OPTS_DEVICE | HWE_OPTS_CSR |
				     HWE_OPTBIT(HWE_OPT_KEY_ALIAS) | HWE_OPTBIT(HWE_OPT_CSR_CONF) |
				     HWE_OPTBIT(HWE_OPT_REKEY) | HWE_OPTBIT(HWE_OPT_MAX_WAIT) |
				     HWE_OPTBIT(HWE_OPT_ATTEST) | HWE_OPTBIT(HWE_OPT_AK_HANDLE) | HWE_OPTBIT(HWE_OPT_AK_CERT) |
				     HWE_OPTBIT(HWE_OPT_DEPLOY_HOOK) | HWE_OPTBIT(HWE_OPT_HOOK_TIMEOUT),
			     &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEREENROLL);
}
