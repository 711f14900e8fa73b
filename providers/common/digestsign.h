/* SPDX-License-Identifier: BSD-3-Clause */
/* digestsign.h - the signature skeleton both providers share: the message
 * is hashed in software and only the digest goes to the device (a PKCS#11
 * token's C_Sign, the TPM's TPM2_Sign).
 *
 * A provider's signature context begins with struct hwe_dsign and names
 * its ops.  The skeleton owns the context's life (new, dup, free), the
 * running digest and the size query; the provider keeps only what is its
 * own (key, padding, the device call).  The parameter tables are shared
 * too: what a context accepts does not depend on the device. */
#ifndef HWE_DIGESTSIGN_H
#define HWE_DIGESTSIGN_H

#include <stddef.h>

#include <openssl/core_dispatch.h>
#include <openssl/evp.h>

struct hwe_dsign_ops {
	size_t size; /* of the provider's context (struct hwe_dsign first) */
	/* copy src's own fields into dst, a new context (zeroed but for the
	 * skeleton's part); 0 on failure, dst is then freed through clear */
	int (*dup)(void *dst, const void *src);
	/* free what the provider's part owns (not the context itself) */
	void (*clear)(void *ctx);
	/* the longest signature the context's key gives; 0 without a key */
	size_t (*max_size)(const void *ctx);
	/* sign the digest tbs on the device into sig (room for sigsize bytes) */
	int (*sign)(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		    const unsigned char *tbs, size_t tbslen);
};

struct hwe_dsign {
	const struct hwe_dsign_ops *ops;
	EVP_MD_CTX *mdctx; /* the running digest: NULL until hwe_dsign_start() */
};

/* A zeroed context of ops->size bytes, or NULL. */
void *hwe_dsign_new(const struct hwe_dsign_ops *ops);
/* (Re)start the digest with md (digest_sign_init, a new digest name). */
int hwe_dsign_start(struct hwe_dsign *d, const EVP_MD *md);

OSSL_FUNC_signature_freectx_fn hwe_dsign_freectx;
OSSL_FUNC_signature_dupctx_fn hwe_dsign_dupctx;
/* sign: tbs is the digest already (size query when sig is NULL) */
OSSL_FUNC_signature_sign_fn hwe_dsign_sign;
OSSL_FUNC_signature_digest_sign_update_fn hwe_dsign_update;
OSSL_FUNC_signature_digest_sign_final_fn hwe_dsign_final;

/* the dispatch entries the skeleton fills */
#define HWE_DSIGN_FUNCTIONS                                                           \
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))hwe_dsign_freectx },           \
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))hwe_dsign_dupctx },             \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))hwe_dsign_update }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))hwe_dsign_final }

/* Context parameters.  ECDSA: digest and its properties to set; the
 * AlgorithmIdentifier and the digest to get.  RSA adds the padding mode,
 * MGF1 digest and PSS salt length. */
OSSL_FUNC_signature_gettable_ctx_params_fn hwe_dsign_ec_gettable, hwe_dsign_rsa_gettable;
OSSL_FUNC_signature_settable_ctx_params_fn hwe_dsign_ec_settable, hwe_dsign_rsa_settable;

/* OSSL_SIGNATURE_PARAM_PAD_MODE as a number or a name ("pss", "pkcs1");
 * an unknown name gives -1.  0 if p holds neither. */
int hwe_dsign_get_pad(const OSSL_PARAM *p, int *pad);

#endif
