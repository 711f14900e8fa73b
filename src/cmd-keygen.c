/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-keygen.c - hwenroll keygen: create the key of an alias, no network. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "hwenroll.h"
#include "log.h"
#include "rc.h"

static const enum hwe_opt opts[] = {
	HWE_OPT_KEY_ALIAS, HWE_OPTS_KEYGEN, HWE_OPT_FORCE, HWE_OPT_JSON, HWE_OPTS_END
};
static const struct hwe_optnote notes[] = {
	{ HWE_OPT_FORCE, "replace an existing key of the alias (its certificate is removed)" },
	{ HWE_OPT_JSON, "print a JSON summary instead of the public key PEM" },
	{ HWE_OPTS_END, NULL },
};
static const struct hwe_usage usage = {
	.name = "keygen",
	.synopsis = "keygen --key-alias A [key options] [--force]",
	.summary = "Create a key for an alias (enroll then uses it); prints the public key.",
	.opts = opts,
	.notes = notes,
};

int cmd_keygen(int argc, char **argv, struct hwe_ctx *ctx)
{
	struct hwe_opts o;
	struct hwe_keystore *ks = NULL;
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	const struct hwe_key_backend *be = NULL, *old_be = NULL;
	struct hwe_key_opts ko;
	struct hwe_keyspec spec;
	EVP_PKEY *pk = NULL;
	unsigned char *blob = NULL, *oldblob = NULL;
	size_t bloblen = 0, oldlen = 0;
	char *pin = NULL, *name = NULL, *oldname = NULL, desc[32];
	const char *alias;
	int ret, existing = 0, generated = 0, committed = 0;
	size_t n;

	ret = hwe_cmd_parse(argc, argv, ctx, &usage, &o);
	if (ret)
		return ret < 0 ? HWE_OK : ret;
	alias = o.a.alias;
	if (!alias) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no --key-alias given");
		goto out;
	}
	if ((ret = hwe_keystore_alias_valid(alias)))
		goto out;
	spec = o.a.spec;
	if ((ret = hwe_cmd_keystore(ctx, 1, &ks)))
		goto out;
	if ((ret = hwe_keystore_lock(ks, alias, 30, &lk)))
		goto out;
	if ((ret = hwe_keystore_find_key_opt(ks, alias, &old_be)))
		goto out;
	if (old_be && !o.a.force) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "alias '%s' already has a %s key", alias,
			      old_be->name);
		hwe_err_hint("use another alias, or --force to replace the key (and drop its certificate)");
		goto out;
	}
	/* --force may switch backends: pick by option, not by the old file */
	if ((ret = hwe_cmd_backend(&o.a.dev, NULL, alias, &be, &ko, &pin, &existing)))
		goto out;
	if (old_be && old_be->destroy) {
		n = strlen(alias) + strlen(old_be->ext) + 1;
		oldname = malloc(n);
		if (oldname) {
			snprintf(oldname, n, "%s%s", alias, old_be->ext);
			if ((ret = hwe_keystore_read(ks, "keys", oldname, &oldblob, &oldlen)))
				goto out; /* the key to replace must be readable to be removed */
		}
	}
	hwe_info("generating the key of alias '%s': %s, %s backend",
		 alias, hwe_keyspec_describe(&spec, desc, sizeof(desc)), be->name);
	if ((ret = be->generate(&ko, &spec, &pk, &blob, &bloblen)))
		goto out;
	generated = 1;
	n = strlen(alias) + 32;
	name = malloc(n);
	if (!name) {
		ret = hwe_err_oom();
		goto out;
	}
	if ((ret = hwe_keystore_txn_begin(ks, alias, &t)))
		goto out;
	if (old_be && old_be != be) {
		snprintf(name, n, "%s%s", alias, old_be->ext);
		if ((ret = hwe_keystore_txn_remove(t, "keys", name)))
			goto out;
	}
	snprintf(name, n, "%s%s", alias, be->ext);
	if ((ret = hwe_keystore_txn_put(t, "keys", name, blob, bloblen, 0600)))
		goto out;
	if (old_be) {
		/* the old certificate belongs to the old key */
		snprintf(name, n, "%s.pem", alias);
		if ((ret = hwe_keystore_txn_remove(t, "certs", name)))
			goto out;
		snprintf(name, n, "%s-chain.pem", alias);
		if ((ret = hwe_keystore_txn_remove(t, "certs", name)))
			goto out;
	}
	if ((ret = hwe_keystore_txn_commit(t)))
		goto out;
	committed = 1;
	if (oldblob && old_be->destroy(&ko, oldblob, oldlen) != HWE_OK) {
		hwe_warn("the replaced key of alias '%s' could not be removed from its device: %s", alias,
			 hwe_err_message());
		hwe_err_clear();
	}
	if (o.a.json) {
		printf("{\"alias\":");
		hwe_json_str(alias);
		printf(",\"backend\":");
		hwe_json_str(be->name);
		printf(",\"key\":");
		hwe_json_str(desc);
		printf("}\n");
	} else {
		PEM_write_PUBKEY(stdout, pk);
	}
	ret = HWE_OK;
out:
	if (ret && generated && !committed && be && be->destroy)
		be->destroy(&ko, blob, bloblen);
	hwe_keystore_txn_free(t);
	hwe_keystore_unlock(lk);
	hwe_keystore_close(ks);
	EVP_PKEY_free(pk);
	OPENSSL_clear_free(blob, bloblen);
	OPENSSL_clear_free(oldblob, oldlen);
	hwe_secret_free(pin);
	free(name);
	free(oldname);
	return ret;
}
