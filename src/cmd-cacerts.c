/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-cacerts.c - hwenroll cacerts: GET /cacerts into <ks>/ca/. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "est.h"
#include "hwenroll.h"
#include "log.h"
#include "pkcs7.h"
#include "rc.h"

#define CACERTS_FILE HWE_KS_CACERTS_FILE
#define CACERTS_LOCK HWE_KS_CACERTS_LOCK

static const enum hwe_opt opts[] = { HWE_OPTS_NET, HWE_OPTS_END };
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_JSON, "print a JSON summary instead of the table" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "cacerts",
	.synopsis = "cacerts --uri URL",
	.summary = "Fetch the EST CA certificates and store them in <ks>/ca/" CACERTS_FILE " (they validate issued certificates).",
	.opts = opts,
	.notes = notes,
	.footer = "The server is authenticated with the TLS root CA certificate(s) already in <ks>/ca/.\n",
};

struct ent {
	X509 *x;
	int i;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = X509_cmp(x->x, y->x);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Drop repeated certificates (identical encoding), keeping the first of
 * each in the server's order; returns how many were dropped or -1. */
static int drop_duplicates(STACK_OF(X509) *certs)
{
	int n = sk_X509_num(certs), i, dropped = 0;
	struct ent *e;
	char *dup;

	if (n < 2)
		return 0;
	e = malloc((size_t)n * sizeof(*e));
	dup = calloc((size_t)n, 1);
	if (!e || !dup) {
		free(e);
		free(dup);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e[i].x = sk_X509_value(certs, i);
		e[i].i = i;
	}
	qsort(e, (size_t)n, sizeof(*e), ent_cmp);
	for (i = 1; i < n; i++)
		if (X509_cmp(e[i - 1].x, e[i].x) == 0)
			dup[e[i].i] = 1;
	free(e);
	for (i = n - 1; i >= 0; i--) {
		if (dup[i]) {
			X509_free(sk_X509_delete(certs, i));
			dropped++;
		}
	}
	free(dup);
	return dropped;
}

int hwe_cacerts_run(struct hwe_ctx *ctx, const struct hwe_args *a)
{
	int ret, i;
	struct hwe_keystore *ks = NULL;
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	struct hwe_cmd_net n = { 0 };
	STACK_OF(X509) *certs = NULL;
	char *pem = NULL, *path = NULL;
	size_t len = 0;

	if ((ret = hwe_cmd_connect(ctx, &a->net, 1, &ks, &n)))
		goto out;
	if ((ret = hwe_est_cacerts(n.http, &n.url, &certs)))
		goto out;
	if ((i = drop_duplicates(certs)) < 0) {
		ret = hwe_err_oom();
		goto out;
	}
	if (i > 0)
		hwe_info("dropped %d duplicate certificate(s) from the /cacerts answer", i);
	if ((ret = hwe_certs_to_pem(certs, 0, -1, &pem, &len)))
		goto out;
	/* Every later command reads this file: one it cannot read back
	 * (the network allows 1 MiB of base64, PEM is larger) would stop
	 * them all.  Check before anything is written. */
	if (len > HWE_KS_READ_MAX) {
		ret = hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE_TOO_LARGE,
			      "/cacerts answer too large to store: %d certificate(s) make a %zu-byte PEM file, over the keystore's limit of %d bytes; nothing was stored",
			      sk_X509_num(certs), len, HWE_KS_READ_MAX);
		hwe_err_hint("the EST server sends far more CA certificates than a device needs; ask its operator to trim /cacerts");
		goto out;
	}
	if ((ret = hwe_keystore_lock(ks, CACERTS_LOCK, 30, &lk)))
		goto out;
	if ((ret = hwe_keystore_txn_begin(ks, CACERTS_LOCK, &t)))
		goto out;
	if ((ret = hwe_keystore_txn_put(t, "ca", CACERTS_FILE, pem, len, 0644)))
		goto out;
	if ((ret = hwe_keystore_txn_commit(t)))
		goto out;
	path = hwe_keystore_path(ks, "ca", CACERTS_FILE);
	if (a->json) {
		printf("{\"file\":");
		hwe_json_str(path);
		printf(",\"certificates\":[");
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		char subj[512], na[32];

		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		hwe_time_str(X509_get0_notAfter(x), na, sizeof(na));
		if (a->json) {
			printf("%s{\"subject\":", i ? "," : "");
			hwe_json_str(subj);
			printf(",\"not_after\":\"%s\"}", na);
		} else {
			printf("%s  (valid until %s)\n", subj, na);
		}
	}
	if (a->json)
		printf("]}\n");
	hwe_info("stored %d EST CA certificate(s) in '%s'", sk_X509_num(certs), path);
	ret = HWE_OK;
out:
	hwe_keystore_txn_free(t);
	hwe_keystore_unlock(lk);
	hwe_cmd_net_clear(&n);
	sk_X509_pop_free(certs, X509_free);
	free(pem);
	free(path);
	hwe_keystore_close(ks);
	return ret;
}

int cmd_cacerts(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	int ret;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_cacerts_run(ctx, &o.a);
}
