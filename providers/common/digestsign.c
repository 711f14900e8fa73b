/* SPDX-License-Identifier: BSD-3-Clause */
/* digestsign.c - the hash-then-device-sign skeleton and the signature
 * parameter tables both providers share (digestsign.h). */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "digestsign.h"

void *hwe_dsign_new(const struct hwe_dsign_ops *ops)
{
	struct hwe_dsign *d = OPENSSL_zalloc(ops->size);

	if (d)
		d->ops = ops;
	return d;
}

void hwe_dsign_freectx(void *ctx)
{
	struct hwe_dsign *d = ctx;

	if (!d)
		return;
	d->ops->clear(d);
	EVP_MD_CTX_free(d->mdctx);
	OPENSSL_free(d);
}

void *hwe_dsign_dupctx(void *ctx)
{
	const struct hwe_dsign *s = ctx;
	struct hwe_dsign *d = hwe_dsign_new(s->ops);

	if (!d)
		return NULL;
	if (!s->ops->dup(d, s) ||
	    (s->mdctx && (!(d->mdctx = EVP_MD_CTX_new()) || !EVP_MD_CTX_copy_ex(d->mdctx, s->mdctx)))) {
		hwe_dsign_freectx(d);
		return NULL;
	}
	return d;
}

int hwe_dsign_start(struct hwe_dsign *d, const EVP_MD *md)
{
	if (!d->mdctx && !(d->mdctx = EVP_MD_CTX_new()))
		return 0;
	return EVP_DigestInit_ex2(d->mdctx, md, NULL);
}

int hwe_dsign_update(void *ctx, const unsigned char *data, size_t len)
{
	struct hwe_dsign *d = ctx;

	return d->mdctx && EVP_DigestUpdate(d->mdctx, data, len);
}

int hwe_dsign_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		   const unsigned char *tbs, size_t tbslen)
{
	struct hwe_dsign *d = ctx;
	size_t max = d->ops->max_size(d);

	if (max == 0)
		return 0;
	if (!sig) {
		*siglen = max;
		return 1;
	}
	return d->ops->sign(d, sig, siglen, sigsize, tbs, tbslen);
}

int hwe_dsign_final(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct hwe_dsign *d = ctx;
	unsigned char dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int ok;

	if (!d->mdctx)
		return 0;
	if (!sig)
		return hwe_dsign_sign(d, NULL, siglen, sigsize, NULL, 0);
	if (d->ops->max_size(d) == 0 || !EVP_DigestFinal_ex(d->mdctx, dgst, &dlen))
		return 0;
	ok = d->ops->sign(d, sig, siglen, sigsize, dgst, dlen);
	OPENSSL_cleanse(dgst, sizeof(dgst));
	return ok;
}

/* Each signature parameter's descriptor, once for both tables. */
#define P_DIGEST OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0)
#define P_PROPS OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0)
#define P_ALGID OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0)
#define P_PAD OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0)
#define P_MGF1 OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0)
#define P_MGF1_PROPS OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, NULL, 0)
#define P_SALT OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0)

/* RSA's tables are ECDSA's with the padding parameters added */
#define EC_SETTABLE P_DIGEST, P_PROPS, OSSL_PARAM_END
#define EC_GETTABLE P_ALGID, P_DIGEST, OSSL_PARAM_END
static const OSSL_PARAM ec_settable[] = { EC_SETTABLE };
static const OSSL_PARAM rsa_settable[] = { P_PAD, P_MGF1, P_MGF1_PROPS, P_SALT, EC_SETTABLE };
static const OSSL_PARAM ec_gettable[] = { EC_GETTABLE };
static const OSSL_PARAM rsa_gettable[] = { P_PAD, P_MGF1, P_SALT, EC_GETTABLE };

const OSSL_PARAM *hwe_dsign_ec_gettable(void *ctx, void *provctx)
{
	return ec_gettable;
}

const OSSL_PARAM *hwe_dsign_rsa_gettable(void *ctx, void *provctx)
{
	return rsa_gettable;
}

const OSSL_PARAM *hwe_dsign_ec_settable(void *ctx, void *provctx)
{
	return ec_settable;
}

const OSSL_PARAM *hwe_dsign_rsa_settable(void *ctx, void *provctx)
{
	return rsa_settable;
}

int hwe_dsign_get_pad(const OSSL_PARAM *p, int *pad)
{
	const char *v;

	if (p->data_type != OSSL_PARAM_UTF8_STRING)
		return OSSL_PARAM_get_int(p, pad);
	if (!OSSL_PARAM_get_utf8_string_ptr(p, &v))
		return 0;
	if (strcmp(v, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0)
		*pad = RSA_PKCS1_PSS_PADDING;
	else if (strcmp(v, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0)
		*pad = RSA_PKCS1_PADDING;
	else
		*pad = -1;
	return 1;
}
