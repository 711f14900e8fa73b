/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-show.c - hwenroll show: what the keystore holds, per alias. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "hwenroll.h"
#include "log.h"
#include "profile.h"
#include "rc.h"

static const enum hwe_opt opts[] = {
	HWE_OPT_KEY_ALIAS, HWE_OPT_JSON, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_KEY_ALIAS, "only this alias (exit code 12 if it does not exist)" },
	{ HWE_OPT_JSON, "a JSON array instead of the table" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "show",
	.synopsis = "show [--key-alias A] [--json]",
	.summary = "Show each alias (or one): key backend and location, certificate subject, issuer, serial, validity, attestation.",
	.opts = opts,
	.notes = notes,
	.footer = "Reads files only; the key's device is not contacted.\n",
};

struct info {
	const char *alias;
	const struct hwe_key_backend *be;
	char where[512];
	X509 *cert;
	int chain_len;
	int pending;
	const char *status;
	long days_left;
	struct hwe_profile *profile;  /* certs/<alias>.profile, or NULL */
	/* certs/<alias>.attest: the AK that attested the key at enrollment */
	int attested;                 /* 0 no record, 1 read, -1 unreadable */
	char ak_handle[16], ak_subject[256], ak_issuer[256], ak_sha256[72], att_binding[40];
	int locked;      /* another run holds the alias */
	int unlocked;    /* could not take the lock (read-only keystore) */
};

/* certs/<alias>.attest (enroll.c writes it with the certificate): key=value
 * lines; a record without its AK handle is shown as unreadable */
static void read_attest(struct hwe_keystore *ks, const char *alias, struct info *in)
{
	static const struct { const char *key; size_t off, len; } f[] = {
		{ "ak-handle", offsetof(struct info, ak_handle), sizeof(((struct info *)0)->ak_handle) },
		{ "ak-subject", offsetof(struct info, ak_subject), sizeof(((struct info *)0)->ak_subject) },
		{ "ak-issuer", offsetof(struct info, ak_issuer), sizeof(((struct info *)0)->ak_issuer) },
		{ "ak-sha256", offsetof(struct info, ak_sha256), sizeof(((struct info *)0)->ak_sha256) },
		{ "qualifying-data", offsetof(struct info, att_binding), sizeof(((struct info *)0)->att_binding) },
	};
	unsigned char *blob = NULL;
	size_t len = 0, i;
	char name[128], *text, *line, *save = NULL;

	snprintf(name, sizeof(name), "%s%s", alias, HWE_ATTEST_SUFFIX);
	if (hwe_keystore_read_opt(ks, "certs", name, &blob, &len) != HWE_OK) {
		in->attested = -1; /* a record we cannot read: shown as unknown */
		hwe_debug("alias '%s': attestation record not read: %s", alias, hwe_err_message());
		hwe_err_clear();
		return;
	}
	if (!blob)
		return; /* not attested */
	in->attested = -1;
	if (!(text = OPENSSL_strndup((char *)blob, len))) {
		OPENSSL_free(blob);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (*line == '#' || !eq)
			continue;
		*eq = '\0';
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strcmp(line, f[i].key) == 0)
				snprintf((char *)in + f[i].off, f[i].len, "%s", eq + 1);
	}
	if (in->ak_handle[0])
		in->attested = 1;
	OPENSSL_free(text);
	OPENSSL_free(blob);
}

static int gather(struct hwe_keystore *ks, const char *alias, struct info *in)
{
	struct hwe_ks_lock *lk = NULL;
	unsigned char *blob = NULL;
	size_t len = 0;
	STACK_OF(X509) *chain = NULL;
	char name[128];
	int ret, pday = 0, psec = 0;

	memset(in, 0, sizeof(*in));
	in->alias = alias;
	/* taking the lock rolls an interrupted commit forward first; a
	 * keystore we cannot lock (read-only filesystem) is shown as it is,
	 * but a journal refused as not hwenroll's, or a lock or journal that
	 * is a symlink or has a bad mode, is an error: the alias is blocked */
	if (hwe_keystore_lock(ks, alias, 0, &lk) != HWE_OK) {
		if (hwe_err_status() == HWE_ERR_KEYSTORE_JOURNAL ||
		    hwe_err_status() == HWE_ERR_KEYSTORE_PERMISSIONS) {
			return hwe_err_code();
		} else if (hwe_err_status() == HWE_ERR_KEYSTORE_LOCKED) {
			in->locked = 1;
		} else {
			hwe_debug("alias '%s' not locked (%s): showing it as it is", alias,
				  hwe_err_message());
			in->unlocked = 1;
		}
		hwe_err_clear();
	}
	if ((ret = hwe_keystore_find_key_opt(ks, alias, &in->be)))
		goto out;
	if (in->be && in->be->describe) {
		snprintf(name, sizeof(name), "%s%s", alias, in->be->ext);
		if (hwe_keystore_read(ks, "keys", name, &blob, &len) == HWE_OK) {
			in->be->describe(blob, len, in->where, sizeof(in->where));
		} else { /* shown without where the key lives */
			hwe_debug("alias '%s': key file not described: %s", alias, hwe_err_message());
			hwe_err_clear();
		}
		OPENSSL_clear_free(blob, len);
		blob = NULL;
	}
	if ((ret = hwe_cmd_load_cert_opt(ks, alias, &in->cert, &chain)))
		goto out;
	in->chain_len = chain ? sk_X509_num(chain) : 0;
	if ((ret = hwe_profile_load_opt(ks, alias, &in->profile)))
		goto out;
	read_attest(ks, alias, in);
	if (in->be) {
		snprintf(name, sizeof(name), "%s.pending%s", alias, in->be->ext);
		in->pending = hwe_keystore_exists(ks, "req", name);
	} else {
		const struct hwe_key_backend *const *b;

		for (b = hwe_key_backends(); *b; b++) {
			snprintf(name, sizeof(name), "%s.pending%s", alias, (*b)->ext);
			in->pending |= hwe_keystore_exists(ks, "req", name);
		}
	}
	if (!in->be && !in->cert && !in->pending) {
		ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_NO_ALIAS,
			      "no alias '%s' in keystore '%s'", alias, hwe_keystore_dir(ks));
		goto out;
	}
	if (!in->cert) {
		in->status = in->pending ? "pending" : in->be ? "no certificate" : "?";
	} else if (!in->be) {
		in->status = "certificate without key";
	} else if (X509_cmp_current_time(X509_get0_notAfter(in->cert)) < 0) {
		in->status = "expired";
	} else if (X509_cmp_current_time(X509_get0_notBefore(in->cert)) > 0) {
		in->status = "not yet valid";
	} else {
		in->status = "valid";
		if (ASN1_TIME_diff(&pday, &psec, NULL, X509_get0_notAfter(in->cert)))
			in->days_left = pday;
	}
	ret = HWE_OK;
out:
	if (ret) {
		hwe_profile_free(in->profile);
		in->profile = NULL;
	}
	sk_X509_pop_free(chain, X509_free);
	hwe_keystore_unlock(lk);
	return ret;
}

static void print_info(const struct info *in, int json, int first)
{
	char subj[512] = "", iss[512] = "", nb[32] = "", na[32] = "";
	char *serial = NULL;

	if (in->cert) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(in->cert), NULL);

		X509_NAME_oneline(X509_get_subject_name(in->cert), subj, sizeof(subj));
		X509_NAME_oneline(X509_get_issuer_name(in->cert), iss, sizeof(iss));
		hwe_time_str(X509_get0_notBefore(in->cert), nb, sizeof(nb));
		hwe_time_str(X509_get0_notAfter(in->cert), na, sizeof(na));
		serial = bn ? BN_bn2hex(bn) : NULL;
		BN_free(bn);
	}
	if (json) {
		printf("%s{\"alias\":", first ? "" : ",");
		hwe_json_str(in->alias);
		printf(",\"status\":");
		hwe_json_str(in->status);
		printf(",\"backend\":");
		hwe_json_str(in->be ? in->be->name : "");
		printf(",\"key\":");
		hwe_json_str(in->where);
		printf(",\"pending_request\":%s,\"in_use\":%s", in->pending ? "true" : "false",
		       in->locked ? "true" : "false");
		if (in->cert) {
			printf(",\"subject\":");
			hwe_json_str(subj);
			printf(",\"issuer\":");
			hwe_json_str(iss);
			printf(",\"serial\":");
			hwe_json_str(serial ? serial : "");
			printf(",\"not_before\":\"%s\",\"not_after\":\"%s\",\"days_left\":%ld,\"chain_certs\":%d",
			       nb, na, in->days_left, in->chain_len);
		}
		if (in->profile) {
			size_t i;
			const char *k, *v;

			printf(",\"profile\":{");
			for (i = 0; i < hwe_profile_count(in->profile); i++) {
				hwe_profile_item(in->profile, i, &k, &v);
				printf("%s", i ? "," : "");
				hwe_json_str(k);
				printf(":");
				hwe_json_str(v);
			}
			printf("}");
		} else {
			printf(",\"profile\":null");
		}
		if (in->attested > 0) {
			printf(",\"attestation\":{\"ak_handle\":");
			hwe_json_str(in->ak_handle);
			printf(",\"ak_subject\":");
			hwe_json_str(in->ak_subject);
			printf(",\"ak_issuer\":");
			hwe_json_str(in->ak_issuer);
			printf(",\"ak_sha256\":");
			hwe_json_str(in->ak_sha256);
			printf(",\"qualifying_data\":");
			hwe_json_str(in->att_binding);
			printf("}");
		} else {
			printf(",\"attestation\":%s", in->attested < 0 ? "\"unreadable\"" : "null");
		}
		printf("}");
	} else {
		printf("alias:      %s\n", in->alias);
		printf("status:     %s%s%s%s\n", in->status,
		       in->pending ? " (a 202-pending request is saved)" : "",
		       in->locked ? " (in use by another run)" : "",
		       in->unlocked ? " (read as is: the keystore could not be locked)" : "");
		printf("backend:    %s\n", in->be ? in->be->name : "-");
		if (in->where[0])
			printf("key:        %s\n", in->where);
		if (in->cert) {
			printf("subject:    %s\n", subj);
			printf("issuer:     %s\n", iss);
			printf("serial:     %s\n", serial ? serial : "?");
			printf("valid:      %s .. %s", nb, na);
			if (!strcmp(in->status, "valid"))
				printf(" (%ld days left)", in->days_left);
			printf("\nchain:      %d certificate(s)\n", in->chain_len);
		}
		if (in->profile) {
			size_t i;
			const char *k, *v;

			printf("profile:    certs/%s%s (for hwenroll renew)\n", in->alias, HWE_PROFILE_SUFFIX);
			for (i = 0; i < hwe_profile_count(in->profile); i++) {
				hwe_profile_item(in->profile, i, &k, &v);
				printf("  %-20s %s\n", k, v);
			}
		} else if (in->cert) {
			printf("profile:    none (renew needs options: hwenroll renew --key-alias %s --uri URL --save)\n", in->alias);
		}
		if (in->attested > 0)
			printf("attested:   yes, by the AK %s (%s, issued by %s, SHA-256 %.16s...), bound to %s\n",
			       in->ak_handle, in->ak_subject, in->ak_issuer, in->ak_sha256, in->att_binding);
		else if (in->attested < 0)
			printf("attested:   record certs/%s%s unreadable\n", in->alias, HWE_ATTEST_SUFFIX);
		else if (in->be)
			printf("attested:   no\n");
		printf("\n");
	}
	OPENSSL_free(serial);
}

int cmd_show(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	struct hwe_keystore *ks = NULL;
	char **aliases = NULL, *one[2] = { NULL, NULL };
	struct info in;
	int ret, i, json;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	json = o.a.json;
	if (o.a.alias && (ret = hwe_keystore_alias_valid(o.a.alias)))
		return ret;
	if ((ret = hwe_cmd_keystore(ctx, 0, &ks)))
		goto out;
	if (o.a.alias) {
		one[0] = (char *)o.a.alias;
	} else if ((ret = hwe_keystore_aliases(ks, &aliases))) {
		goto out;
	}
	if (json)
		printf("[");
	for (i = 0; (aliases ? aliases : one)[i]; i++) {
		if ((ret = gather(ks, (aliases ? aliases : one)[i], &in)))
			goto out;
		print_info(&in, json, i == 0);
		X509_free(in.cert);
		hwe_profile_free(in.profile);
	}
	if (json)
		printf("]\n");
	else if (i == 0)
		fprintf(stderr, "keystore '%s' holds no aliases\n", hwe_keystore_dir(ks));
	ret = HWE_OK;
out:
	fflush(stdout);
	hwe_keystore_aliases_free(aliases);
	hwe_keystore_close(ks);
	return ret;
}
