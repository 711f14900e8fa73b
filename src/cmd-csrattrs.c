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

static const enum hwe_opt opts[] = { HWE_OPTS_NET, HWE_OPTS_END };
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_JSON, "print a JSON array of lines" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "csrattrs",
	.synopsis = "csrattrs --uri URL",
	.summary = "Show the CSR attributes the EST server asks for, one per line, and where an enrollment takes each from.",
	.opts = opts,
	.notes = notes,
};

int hwe_csrattrs_run(struct hwe_ctx *ctx, const struct hwe_args *a)
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

	if ((ret = hwe_cmd_connect(ctx, &a->net, 0, &ks, &n)))
		goto out;
	if ((ret = hwe_est_csrattrs(n.http, &n.url, &der, &len)))
		goto out;
	if (len && (ret = hwe_csrreq_parse(der, len, &req)))
		goto out;
	if (a->json)
		printf("[");
	/* each item and where an enrollment takes its value from */
	for (i = 0; i < req.n; i++) {
		hwe_csrreq_describe(&req.items[i], line, sizeof(line));
		if (a->json) {
			printf("%s", first ? "" : ",");
			hwe_json_str(line);
		} else {
			printf("%s\n", line);
		}
		first = 0;
	}
	if (a->json)
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

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_csrattrs_run(ctx, &o.a);
}
