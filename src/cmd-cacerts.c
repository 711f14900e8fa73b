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

static const struct hwe_usage usage = {
	.name = "cacerts",
	.synopsis = "cacerts --uri URL",
	.summary = "Fetch the EST CA certificates and store them in <ks>/ca/" CACERTS_FILE " (they validate issued certificates).",
	.details =
		"  --uri URL             EST URL (or EST_URI); its operation segment is replaced\n"
		"  --estc-server-dn HOST --timeout S --connect-timeout S\n"
		"  --json                print a JSON summary instead of the table\n"
		"The server is authenticated with the TLS root CA certificate(s) already in <ks>/ca/.\n",
};

int hwe_cacerts_run(struct hwe_ctx *ctx, struct hwe_opts *o)
{
	int ret, i;
	struct hwe_keystore *ks = NULL;
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	struct hwe_cmd_net n = { 0 };
	STACK_OF(X509) *certs = NULL;
	char *pem = NULL, *path = NULL;
	size_t len = 0;

	if ((ret = hwe_cmd_connect(ctx, o, 1, &ks, &n)))
		goto out;
	if ((ret = hwe_est_cacerts(n.http, &n.url, &certs)))
		goto out;
	if ((ret = hwe_certs_to_pem(certs, 0, -1, &pem, &len)))
		goto out;
	if ((ret = hwe_keystore_lock(ks, CACERTS_LOCK, 30, &lk)))
		goto out;
	if ((ret = hwe_keystore_txn_begin(ks, CACERTS_LOCK, &t)))
		goto out;
	if ((ret = hwe_keystore_txn_put(t, "ca", CACERTS_FILE, pem, len, 0644)))
		goto out;
	if ((ret = hwe_keystore_txn_commit(t)))
		goto out;
	path = hwe_keystore_path(ks, "ca", CACERTS_FILE);
	if (o->val[HWE_OPT_JSON]) {
		printf("{\"file\":");
		hwe_json_str(path);
		printf(",\"certificates\":[");
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		char subj[512], na[32];

		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		hwe_time_str(X509_get0_notAfter(x), na, sizeof(na));
		if (o->val[HWE_OPT_JSON]) {
			printf("%s{\"subject\":", i ? "," : "");
			hwe_json_str(subj);
			printf(",\"not_after\":\"%s\"}", na);
		} else {
			printf("%s  (valid until %s)\n", subj, na);
		}
	}
	if (o->val[HWE_OPT_JSON])
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

	ret = hwe_cmd_parse(argc, argv, ctx, HWE_OPTS_NET, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	return hwe_cacerts_run(ctx, &o);
}
