/* SPDX-License-Identifier: BSD-3-Clause */
/* wrap.c - the built-in "hwe-tpm2" provider that wraps tpm2-openssl
 * keys so that only the private-key operation goes to the TPM.
 *
 * Its keys (keymgmt "EC" and "RSA") hold the tpm2 EVP_PKEY and a
 * default-provider copy of the public key.  Every public question (size,
 * group, encoding, comparison) is answered from the copy; exporting the
 * private half is refused, and the keymgmt names its own signature
 * algorithm (HWE-TPM2-ECDSA / HWE-TPM2-RSA), so OpenSSL 3.0 always signs
 * with this provider: it hashes in software (default provider) and gives
 * the TPM only the digest (TPM2_Sign).  Keys of other providers never reach
 * its signature code.
 *
 * The hashing, the signature context's life and the parameter tables are
 * the skeleton's that hwenroll-pkcs11 uses too (providers/common/
 * digestsign.h, keyparams.h); this file fills the skeleton's ops.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "digestsign.h"
#include "keyparams.h"
#include "tpm2-wrap.h"

static const struct hwe_tpm2_wrap_hooks *wrap_hooks;

#define WRAP_PARAM_TPMKEY "hwe-tpm2-pkey"
#define WRAP_SIG_EC "HWE-TPM2-ECDSA"
#define WRAP_SIG_RSA "HWE-TPM2-RSA"


struct wkey {
	EVP_PKEY *pub;  /* public half, default provider */
	EVP_PKEY *tpm;  /* tpm2 provider key (private operations); NULL if public only */
	int is_ec;
};

struct wsig {
	struct hwe_dsign base; /* the digest: providers/common/digestsign.h */
	struct wkey *key;      /* references to the key's two halves */
	int is_ec;
	char mdname[64];
	EVP_PKEY_CTX *shadow; /* default-provider ctx on the public key: AlgorithmIdentifier */
	int pad;              /* RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
};

static OSSL_FUNC_keymgmt_new_fn wk_new;
static OSSL_FUNC_keymgmt_free_fn wk_free;
static OSSL_FUNC_keymgmt_has_fn wk_has;
static OSSL_FUNC_keymgmt_match_fn wk_match;
static OSSL_FUNC_keymgmt_import_fn wk_import_ec, wk_import_rsa;
static OSSL_FUNC_keymgmt_export_fn wk_export;
static OSSL_FUNC_keymgmt_get_params_fn wk_get_params;
static OSSL_FUNC_keymgmt_query_operation_name_fn wk_opname_ec, wk_opname_rsa;
static OSSL_FUNC_signature_newctx_fn ws_newctx_ec, ws_newctx_rsa;
static OSSL_FUNC_signature_digest_sign_init_fn ws_dsign_init;
static OSSL_FUNC_signature_get_ctx_params_fn ws_get_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn ws_set_ctx_params;

static void *wk_new(void *provctx)
{
	return OPENSSL_zalloc(sizeof(struct wkey));
}

static void wk_free(void *kd)
{
	struct wkey *k = kd;

	if (!k)
		return;
	EVP_PKEY_free(k->pub);
	EVP_PKEY_free(k->tpm);
	OPENSSL_free(k);
}

static int wk_has(const void *kd, int selection)
{
	const struct wkey *k = kd;

	/* the parameters come with the public key */
	return k && hwe_keyparams_has(selection, k->tpm != NULL, k->pub != NULL, k->pub != NULL);
}

static int wk_match(const void *a, const void *b, int selection)
{
	const struct wkey *x = a, *y = b;

	if (!x->pub || !y->pub)
		return 0;
	return EVP_PKEY_eq(x->pub, y->pub) == 1;
}

/* Import either our own wrapping request (a pointer to the tpm2 EVP_PKEY,
 * from wrap_tpm_key() in this file) or a public key from another provider
 * (OpenSSL does this to compare a certificate's key with ours).  Private key
 * material is never accepted. */
static int wk_import(struct wkey *k, int is_ec, int selection, const OSSL_PARAM params[])
{
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, WRAP_PARAM_TPMKEY);
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *tpm = NULL;
	int ok = 0;

	k->is_ec = is_ec;
	if (p) {
		unsigned char *der = NULL;
		const unsigned char *q;
		int n;

		if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size != sizeof(tpm))
			return 0;
		memcpy(&tpm, p->data, sizeof(tpm));
		n = i2d_PUBKEY(tpm, &der);
		q = der;
		if (n > 0)
			k->pub = d2i_PUBKEY_ex(NULL, &q, n, NULL, "provider=default");
		OPENSSL_free(der);
		if (!k->pub || !EVP_PKEY_up_ref(tpm))
			return 0;
		k->tpm = tpm;
		return 1;
	}
	if (k->pub || !(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 0;
	pc = EVP_PKEY_CTX_new_from_name(NULL, is_ec ? "EC" : "RSA", "provider=default");
	if (pc && EVP_PKEY_fromdata_init(pc) > 0 &&
	    EVP_PKEY_fromdata(pc, &k->pub, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)params) > 0)
		ok = 1;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static int wk_import_ec(void *kd, int selection, const OSSL_PARAM params[])
{
	return wk_import(kd, 1, selection, params);
}

static int wk_import_rsa(void *kd, int selection, const OSSL_PARAM params[])
{
	return wk_import(kd, 0, selection, params);
}

/* Public parts only: a selection that asks for the private key fails, which
 * makes OpenSSL run the signature in this provider. */
static int wk_export(void *kd, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct wkey *k = kd;

	if (!k->pub || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY))
		return 0;
	return EVP_PKEY_export(k->pub, selection, cb, cbarg);
}

static int wk_get_params(void *kd, OSSL_PARAM params[])
{
	struct wkey *k = kd;

	return k->pub && EVP_PKEY_get_params(k->pub, params);
}

static const char *wk_opname_ec(int op)
{
	return op == OSSL_OP_SIGNATURE ? WRAP_SIG_EC : NULL;
}

static const char *wk_opname_rsa(int op)
{
	return op == OSSL_OP_SIGNATURE ? WRAP_SIG_RSA : NULL;
}

/* A second reference to each half of k, for a signature context. */
static struct wkey *wk_ref(const struct wkey *k)
{
	struct wkey *r = wk_new(NULL);

	if (!r)
		return NULL;
	r->is_ec = k->is_ec;
	if (k->pub && EVP_PKEY_up_ref(k->pub))
		r->pub = k->pub;
	if (k->tpm && EVP_PKEY_up_ref(k->tpm))
		r->tpm = k->tpm;
	return r;
}

/* ---- the signature: the skeleton's ops (providers/common/digestsign.h) ---- */

static int ws_dup(void *dst, const void *src)
{
	struct wsig *d = dst;
	const struct wsig *s = src;

	d->is_ec = s->is_ec;
	d->pad = s->pad;
	memcpy(d->mdname, s->mdname, sizeof(d->mdname));
	if (s->key && !(d->key = wk_ref(s->key)))
		return 0;
	return !s->shadow || (d->shadow = EVP_PKEY_CTX_dup(s->shadow)) != NULL;
}

static void ws_clear(void *ctx)
{
	struct wsig *s = ctx;

	EVP_PKEY_CTX_free(s->shadow);
	wk_free(s->key);
}

static size_t ws_max_size(const void *ctx)
{
	const struct wsig *s = ctx;
	int n = s->key ? EVP_PKEY_get_size(s->key->pub) : 0;

	return n > 0 ? (size_t)n : 0;
}

/* TPM2_Sign of the digest, through tpm2-openssl; the hooks let the key
 * backend watch the TPM's answer and record why it failed */
static int ws_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		   const unsigned char *dgst, size_t dlen)
{
	struct wsig *s = ctx;
	EVP_PKEY_CTX *tc;
	OSSL_PARAM p[2];
	size_t len = sigsize;
	int ok = 0;

	tc = EVP_PKEY_CTX_new_from_pkey(NULL, s->key->tpm, "provider=tpm2");
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, s->mdname, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (!tc || EVP_PKEY_sign_init_ex(tc, p) <= 0)
		goto out;
	if (!s->is_ec && EVP_PKEY_CTX_set_rsa_padding(tc, s->pad) <= 0)
		goto out;
	if (wrap_hooks && wrap_hooks->sign_begin)
		wrap_hooks->sign_begin();
	if (EVP_PKEY_sign(tc, sig, &len, dgst, dlen) <= 0) {
		if (wrap_hooks && wrap_hooks->sign_failed)
			wrap_hooks->sign_failed(); /* the user records why (lockout, connection, ...) */
		goto out;
	}
	*siglen = len;
	ok = 1;
out:
	EVP_PKEY_CTX_free(tc);
	return ok;
}

static const struct hwe_dsign_ops ws_ops = {
	sizeof(struct wsig), ws_dup, ws_clear, ws_max_size, ws_sign,
};

static void *ws_newctx(int is_ec)
{
	struct wsig *s = hwe_dsign_new(&ws_ops);

	if (s) {
		s->is_ec = is_ec;
		s->pad = RSA_PKCS1_PADDING;
	}
	return s;
}

static void *ws_newctx_ec(void *provctx, const char *propq)
{
	return ws_newctx(1);
}

static void *ws_newctx_rsa(void *provctx, const char *propq)
{
	return ws_newctx(0);
}

static int ws_dsign_init(void *ctx, const char *mdname, void *provkey, const OSSL_PARAM params[])
{
	struct wsig *s = ctx;
	struct wkey *k = provkey;
	EVP_MD *md = NULL;
	OSSL_PARAM dp[2];
	int ok = 0;

	if (!k || !k->tpm || !k->pub)
		return 0;
	wk_free(s->key);
	s->key = wk_ref(k);
	if (!s->key || !s->key->pub || !s->key->tpm)
		return 0;
	if (!mdname || !*mdname)
		mdname = "SHA256";
	snprintf(s->mdname, sizeof(s->mdname), "%s", mdname);
	md = EVP_MD_fetch(NULL, mdname, "provider=default");
	if (!md || !hwe_dsign_start(&s->base, md))
		goto out;
	EVP_PKEY_CTX_free(s->shadow);
	s->shadow = EVP_PKEY_CTX_new_from_pkey(NULL, k->pub, "provider=default");
	dp[0] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, s->mdname, 0);
	dp[1] = OSSL_PARAM_construct_end();
	if (!s->shadow || EVP_PKEY_sign_init_ex(s->shadow, dp) <= 0)
		goto out;
	ok = ws_set_ctx_params(s, params);
out:
	EVP_MD_free(md);
	return ok;
}

static int ws_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
	struct wsig *s = ctx;

	return s->shadow && EVP_PKEY_CTX_get_params(s->shadow, params);
}

/* digest (after init), RSA padding, PSS salt length and MGF1 digest.  The
 * TPM only knows PSS with MGF1 over the message digest and a salt as long
 * as the digest, which is what TLS 1.3 asks for. */
static int ws_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
	struct wsig *s = ctx;
	const OSSL_PARAM *p;

	if (!params || !params->key)
		return 1;
	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE);
	if (p) {
		int pad = 0;

		if (!hwe_dsign_get_pad(p, &pad) || s->is_ec ||
		    (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_PSS_PADDING))
			return 0;
		s->pad = pad;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
	if (p && s->base.mdctx) {
		char *name = NULL;
		EVP_MD *md;
		int ok;

		if (!OSSL_PARAM_get_utf8_string(p, &name, 0))
			return 0;
		md = EVP_MD_fetch(NULL, name, "provider=default");
		ok = md && hwe_dsign_start(&s->base, md);
		if (ok)
			snprintf(s->mdname, sizeof(s->mdname), "%s", name);
		EVP_MD_free(md);
		OPENSSL_free(name);
		if (!ok)
			return 0;
	}
	/* the shadow context computes the AlgorithmIdentifier for these */
	if (s->shadow && EVP_PKEY_CTX_set_params(s->shadow, params) <= 0)
		return 0;
	return 1;
}

#define KEYMGMT_FNS(sfx)                                                                       \
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))wk_new },                                     \
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))wk_free },                                   \
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))wk_has },                                     \
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))wk_match },                                 \
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))wk_import_##sfx },                         \
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))hwe_keyparams_##sfx##_types },       \
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))wk_export },                               \
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))hwe_keyparams_##sfx##_types },       \
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))wk_get_params },                       \
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))hwe_keyparams_##sfx##_gettable }, \
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))wk_opname_##sfx },           \
	{ 0, NULL }

/* gettable: what the shadow context is asked for, the AlgorithmIdentifier
 * and the digest, for RSA too */
#define SIGNATURE_FNS(sfx)                                                                       \
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))ws_newctx_##sfx },                         \
	HWE_DSIGN_FUNCTIONS,                                                                     \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))ws_dsign_init },                 \
	{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))ws_get_ctx_params },               \
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))hwe_dsign_ec_gettable },      \
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))ws_set_ctx_params },               \
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))hwe_dsign_##sfx##_settable }, \
	{ 0, NULL }

static const OSSL_DISPATCH km_ec[] = { KEYMGMT_FNS(ec) };
static const OSSL_DISPATCH km_rsa[] = { KEYMGMT_FNS(rsa) };
static const OSSL_DISPATCH sig_ec[] = { SIGNATURE_FNS(ec) };
static const OSSL_DISPATCH sig_rsa[] = { SIGNATURE_FNS(rsa) };

static const OSSL_ALGORITHM wrap_keymgmt[] = {
	{ HWE_KEYPARAMS_EC_NAMES, "provider=" HWE_TPM2_WRAP_PROVIDER, km_ec, "TPM EC key" },
	{ HWE_KEYPARAMS_RSA_NAMES, "provider=" HWE_TPM2_WRAP_PROVIDER, km_rsa, "TPM RSA key" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM wrap_signature[] = {
	{ WRAP_SIG_EC, "provider=" HWE_TPM2_WRAP_PROVIDER, sig_ec, "ECDSA in the TPM" },
	{ WRAP_SIG_RSA, "provider=" HWE_TPM2_WRAP_PROVIDER, sig_rsa, "RSA in the TPM" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *wrap_query(void *provctx, int op, int *no_cache)
{
	*no_cache = 0;
	if (op == OSSL_OP_KEYMGMT)
		return wrap_keymgmt;
	if (op == OSSL_OP_SIGNATURE)
		return wrap_signature;
	return NULL;
}

static const OSSL_DISPATCH wrap_dispatch[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))wrap_query },
	{ 0, NULL }
};

static OSSL_provider_init_fn wrap_provider_init;

static int wrap_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
			      const OSSL_DISPATCH **out, void **provctx)
{
	*out = wrap_dispatch;
	*provctx = (void *)handle;
	return 1;
}

int hwe_tpm2_wrap_register(const struct hwe_tpm2_wrap_hooks *hooks)
{
	wrap_hooks = hooks;
	return OSSL_PROVIDER_add_builtin(NULL, HWE_TPM2_WRAP_PROVIDER, wrap_provider_init);
}

EVP_PKEY *hwe_tpm2_wrap_key(EVP_PKEY *tpm)
{
	EVP_PKEY_CTX *pc;
	EVP_PKEY *out = NULL;
	OSSL_PARAM p[2];

	pc = EVP_PKEY_CTX_new_from_name(NULL, EVP_PKEY_is_a(tpm, "EC") ? "EC" : "RSA",
					"provider=" HWE_TPM2_WRAP_PROVIDER);
	p[0] = OSSL_PARAM_construct_octet_string(WRAP_PARAM_TPMKEY, &tpm, sizeof(tpm));
	p[1] = OSSL_PARAM_construct_end();
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &out, EVP_PKEY_KEYPAIR, p);
	EVP_PKEY_CTX_free(pc);
	return out;
}
