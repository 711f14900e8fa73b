/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-csrattrs.c - hwenroll csrattrs: GET /csrattrs, decoded to stdout. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csrreq.h"
#include "est.h"
#include "hwenroll.h"
#include "rc.h"

static const struct hwe_usage usage = {
	.name = "csrattrs",
	.synopsis = "csrattrs --uri URL",
	.summary = "Show the CSR attributes the EST server asks for, one per line, and where an enrollment takes each from.",
	.details =
		"  --uri URL             EST URL (or EST_URI); its operation segment is replaced\n"
		"  --estc-server-dn HOST --timeout S --connect-timeout S --tls-groups LIST\n"
		"  --proxy URL           HTTP(S) proxy, http://HOST:PORT or https://HOST:PORT, always a CONNECT\n"
		"                        tunnel (default: https_proxy/all_proxy unless no_proxy names the host)\n"
		"  --proxy-user U --proxy-pass-file F   proxy credentials, sent only to answer the proxy's 407\n"
		"  --proxy-cacert FILE   trust for an https:// proxy (default: the system store, never <ks>/ca/)\n"
		"  --json                print a JSON array of lines\n",
};

int hwe_csrattrs_run(struct hwe_ctx *ctx, struct hwe_opts *o)
{
	int ret;
	struct hwe_keystore *ks = NULL;
	struct hwe_cmd_net n = { 0 };
	unsigned char *der = NULL;
	size_t len = 0;
	struct hwe_csrreq req = { 0 };
	char line[512];
	size_t i;
	int first = 1;

	if ((ret = hwe_cmd_connect(ctx, o, 0, &ks, &n)))
		goto out;
	if ((ret = hwe_est_csrattrs(n.http, &n.url, &der, &len)))
		goto out;
	if (len && (ret = hwe_csrreq_parse(der, len, &req)))
		goto out;
	if (o->val[HWE_OPT_JSON])
		printf("[");
	/* each item and where an enrollment takes its value from */
	for (i = 0; i < req.n; i++) {
		hwe_csrreq_describe(&req.items[i], line, sizeof(line));
		if (o->val[HWE_OPT_JSON]) {
			printf("%s", first ? "" : ",");
			hwe_json_str(line);
		} else {
			printf("%s\n", line);
		}
		first = 0;
	}
	if (o->val[HWE_OPT_JSON])
		printf("]\n");
	else if (first)
		fprintf(stderr, "the server requests no particular CSR attributes\n");
	ret = HWE_OK;
out:
	hwe_cmd_net_clear(&n);
	free(der);
	hwe_csrreq_clear(&req);
	hwe_keystore_close(ks);
	return ret;
}

int cmd_csrattrs(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx, HWE_OPTS_NET, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_csrattrs_run(ctx, &o);
}
