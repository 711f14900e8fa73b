/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-enroll.c - hwenroll enroll: key, CSR, /simpleenroll, verify, store. */
#include "config.h"

#include "hwenroll.h"
#include "rc.h"

static const struct hwe_usage usage = {
	.name = "enroll",
	.synopsis = "enroll --uri URL --key-alias A --csr-conf FILE [key options] [auth options]",
	.summary = "Create (or reuse) the alias's key, send a CSR to /simpleenroll, verify and store the certificate.",
	.details =
		"  --uri URL             EST URL (or EST_URI); its operation segment is replaced\n"
		"  --key-alias A         keystore alias (keys/A.*, certs/A.pem)\n"
		"  --csr-conf FILE       CSR configuration; a name without '/' is read from <ks>/conf/\n"
		"  --key-backend B       software (default), tpm2 or pkcs11; an existing alias keeps its own\n"
		"  --algorithm ECC|RSA --curve P256|P384|P521 --size 2048|3072|4096\n"
		"  --tcti STR --tpm-parent HANDLE          TPM (see hwenroll(1))\n"
		"  --pkcs11-module PATH --token-uri URI --pin-file FILE   PKCS#11 token\n"
		"  --estc-user U         user name (or EST_USERNAME)\n"
		"  --estc-pass-file F    password file (or EST_PASS; --estc-pass P is accepted but visible in ps)\n"
		"  --estc-token-file F   Bearer access token file (or EST_TOKEN), answers a 401 that offers Bearer\n"
		"  --auth-alias A        authenticate TLS with alias A's certificate and key instead\n"
		"  --estc-server-dn HOST check the server certificate against HOST instead of the URL host\n"
		"  --max-wait S          wait at most S seconds in total on 202 Retry-After (default 120)\n"
		"  --timeout S --connect-timeout S   per request (default 60) and connect (default 15)\n"
		"  --tls-groups LIST     TLS key-exchange groups to offer, e.g. P-256:P-384 (default: OpenSSL's)\n"
		"  --csrattrs use|ignore build the CSR from the server's /csrattrs (default use; ignore: skip it)\n"
		"  --pop | --no-pop      always / never send proof-of-possession (the TLS channel binding as\n"
		"                        challengePassword); default: when /csrattrs asks (--pop-policy auto)\n"
		"  --proxy URL           HTTP(S) proxy, http://HOST:PORT or https://HOST:PORT, always a CONNECT\n"
		"                        tunnel (default: https_proxy/all_proxy unless no_proxy names the host)\n"
		"  --proxy-user U --proxy-pass-file F   proxy credentials, sent only to answer the proxy's 407\n"
		"  --proxy-cacert FILE   trust for an https:// proxy (default: the system store, never <ks>/ca/)\n"
		"  --attest              TPM key attestation (hwenroll(1) ATTESTATION): the new TPM key is\n"
		"                        certified by the attestation key (TPM2_Certify over SHA-256 of this\n"
		"                        connection's channel binding) and the CSR carries the evidence\n"
		"  --ak-handle HANDLE    the attestation key (default 0x81000100)\n"
		"  --ak-cert FILE|nv:INDEX   its certificate and chain (required with --attest)\n"
		"  --json                print a JSON result instead of the certificate PEM\n"
		"Remembered in the alias's profile (certs/A.profile) for 'hwenroll renew':\n"
		"  --before DAYS         renew when fewer than DAYS days remain (default: the last third)\n"
		"  --rekey-on-renew      renew with a new key each time\n"
		"  --deploy-hook CMD     run CMD (/bin/sh -c) after a new certificate is committed,\n"
		"                        with HWENROLL_ALIAS, _KEYSTORE, _CERT, _CHAIN, _KEY set\n"
		"  --deploy-hook-timeout S   kill the hook after S seconds (default 60)\n",
};

int cmd_enroll(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx,
			     HWE_OPTS_NET | HWE_OPTS_AUTH | HWE_OPTS_KEYGEN | HWE_OPTS_CSR | HWE_OPTS_POLICY |
				     HWE_OPTBIT(HWE_OPT_KEY_ALIAS) | HWE_OPTBIT(HWE_OPT_CSR_CONF) |
				     HWE_OPTBIT(HWE_OPT_MAX_WAIT) | HWE_OPTBIT(HWE_OPT_AUTH_ALIAS) |
				     HWE_OPTBIT(HWE_OPT_ATTEST) | HWE_OPTBIT(HWE_OPT_AK_HANDLE) | HWE_OPTBIT(HWE_OPT_AK_CERT),
			     &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_enroll_run(ctx, &o, HWE_EST_SIMPLEENROLL);
}
