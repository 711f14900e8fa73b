/* SPDX-License-Identifier: BSD-3-Clause */
/* signature.c - ECDSA, RSA PKCS#1 v1.5 and RSA-PSS signatures on the token:
 * the digest is computed in software, the token signs it (CKM_ECDSA,
 * CKM_RSA_PKCS with a DigestInfo prefix, CKM_RSA_PKCS_PSS).  The context's
 * life, the digest and the parameter tables are the skeleton's
 * (providers/common/digestsign.h); this file fills its ops. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "digestsign.h"
#include "p11.h"

static OSSL_FUNC_signature_newctx_fn ecdsa_newctx, rsa_newctx;
static OSSL_FUNC_signature_sign_init_fn sig_sign_init;
static OSSL_FUNC_signature_digest_sign_init_fn sig_digest_sign_init;
static OSSL_FUNC_signature_get_ctx_params_fn sig_get_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn sig_set_ctx_params;

/* salt lengths with a meaning (OpenSSL's RSA_PSS_SALTLEN_*) */
#define SALT_DIGEST (-1)
#define SALT_MAX (-3)
#define SALT_AUTO (-2)

struct p11_sig {
	struct hwe_dsign base; /* the skeleton's part: the running digest */
	struct p11_ctx *ctx;
	CK_KEY_TYPE type;
	struct p11_key *key;   /* owned copy */
	char *propq;
	EVP_MD *md;
	int pad;               /* RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
	EVP_MD *mgf1;
	int saltlen;
};

/* ---- digests ---- */

static const struct {
	int nid;
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	unsigned char prefix[19];
	size_t plen;
} digests[] = {
	{ NID_sha1, CKM_SHA_1, CKG_MGF1_SHA1,
	  { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 }, 15 },
	{ NID_sha224, CKM_SHA224, CKG_MGF1_SHA224,
	  { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c }, 19 },
	{ NID_sha256, CKM_SHA256, CKG_MGF1_SHA256,
	  { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 }, 19 },
	{ NID_sha384, CKM_SHA384, CKG_MGF1_SHA384,
	  { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 }, 19 },
	{ NID_sha512, CKM_SHA512, CKG_MGF1_SHA512,
	  { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 }, 19 },
};

static int digest_index(const EVP_MD *md)
{
	size_t i;

	if (!md)
		return -1;
	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (EVP_MD_is_a(md, OBJ_nid2sn(digests[i].nid)))
			return (int)i;
	return -1;
}

static int set_md(struct p11_sig *s, EVP_MD **slot, const char *name, const char *props)
{
	EVP_MD *md;

	md = EVP_MD_fetch(s->ctx->libctx, name, props);
	if (!md || digest_index(md) < 0) {
		P11_ERR(s->ctx, P11_R_UNSUPPORTED,
			"digest '%s' is not supported (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512)", name);
		EVP_MD_free(md);
		return 0;
	}
	EVP_MD_free(*slot);
	*slot = md;
	return 1;
}

/* ---- context ---- */

static int sig_dup(void *dst, const void *src);
static void sig_clear(void *vctx);
static size_t sig_max_size(const void *vctx);
static int token_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		      const unsigned char *tbs, size_t tbslen);

static const struct hwe_dsign_ops sig_ops = {
	sizeof(struct p11_sig), sig_dup, sig_clear, sig_max_size, token_sign,
};

static void *newctx(void *provctx, const char *propq, CK_KEY_TYPE type)
{
	struct p11_sig *s = hwe_dsign_new(&sig_ops);

	if (!s)
		return NULL;
	s->ctx = provctx;
	s->type = type;
	s->pad = RSA_PKCS1_PADDING;
	s->saltlen = SALT_AUTO;
	if (propq && !(s->propq = strdup(propq))) {
		hwe_dsign_freectx(s);
		return NULL;
	}
	return s;
}

static void *ecdsa_newctx(void *provctx, const char *propq)
{
	return newctx(provctx, propq, CKK_EC);
}

static void *rsa_newctx(void *provctx, const char *propq)
{
	return newctx(provctx, propq, CKK_RSA);
}

static void sig_clear(void *vctx)
{
	struct p11_sig *s = vctx;

	p11_key_free(s->key);
	EVP_MD_free(s->md);
	EVP_MD_free(s->mgf1);
	free(s->propq);
}

/* another reference to *src in *dst */
static int md_ref(EVP_MD **dst, EVP_MD *src)
{
	if (src && !EVP_MD_up_ref(src))
		return 0;
	*dst = src;
	return 1;
}

static int sig_dup(void *dst, const void *src)
{
	struct p11_sig *d = dst;
	const struct p11_sig *s = src;

	d->ctx = s->ctx;
	d->type = s->type;
	d->pad = s->pad;
	d->saltlen = s->saltlen;
	return (!s->propq || (d->propq = strdup(s->propq))) &&
	       (!s->key || (d->key = p11_key_dup(s->key))) &&
	       md_ref(&d->md, s->md) && md_ref(&d->mgf1, s->mgf1);
}

static size_t sig_max_size(const void *vctx)
{
	const struct p11_sig *s = vctx;

	return s->key ? (size_t)p11_key_max_sig(s->key) : 0;
}

static int sig_init(struct p11_sig *s, void *keydata, const OSSL_PARAM params[])
{
	struct p11_key *k = keydata;
	struct p11_slot *slot;
	CK_SESSION_HANDLE sess;
	CK_OBJECT_HANDLE h;
	int ok;

	if (k) {
		if (k->type != s->type) {
			P11_ERR(s->ctx, P11_R_ARGUMENT, "key type does not match the signature");
			return 0;
		}
		if (!k->has_priv) {
			P11_ERR(s->ctx, P11_R_NOT_FOUND,
				"hwenroll-pkcs11 signs only with private keys on a token");
			return 0;
		}
		p11_key_free(s->key);
		s->key = p11_key_dup(k);
		if (!s->key)
			return 0;
		/* the key must be usable now: find it, log in, check the mechanism */
		p11_lock(s->ctx);
		ok = p11_key_private_handle(s->key, &slot, &sess, &h) &&
		     p11_check_mech(s->ctx, slot, s->type == CKK_EC ? CKM_ECDSA : CKM_RSA_PKCS,
				    CKF_SIGN);
		p11_unlock(s->ctx);
		if (!ok)
			return 0;
	}
	if (!s->key)
		return 0;
	return sig_set_ctx_params(s, params);
}

static int sig_sign_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
	return sig_init(vctx, keydata, params);
}

static int sig_digest_sign_init(void *vctx, const char *mdname, void *keydata,
				const OSSL_PARAM params[])
{
	struct p11_sig *s = vctx;

	if (!sig_init(s, keydata, params))
		return 0;
	if (mdname && *mdname) {
		if (!set_md(s, &s->md, mdname, s->propq))
			return 0;
	} else if (!s->md && !set_md(s, &s->md, "SHA256", s->propq)) {
		return 0;
	}
	return hwe_dsign_start(&s->base, s->md);
}

/* ---- the token operation ---- */

static int pss_saltlen(const struct p11_sig *s, size_t hlen)
{
	int emlen = (s->key->bits - 1 + 7) / 8;

	switch (s->saltlen) {
	case SALT_DIGEST:
		return (int)hlen;
	case SALT_MAX:
	case SALT_AUTO:
		return emlen - (int)hlen - 2;
	}
	return s->saltlen;
}

/* r||s from CKM_ECDSA to a DER ECDSA-Sig-Value, in place in buf (room
 * bytes) */
static int ecdsa_der(unsigned char *buf, CK_ULONG *len, size_t room)
{
	int half = (int)(*len / 2), n, ok = 0;
	BIGNUM *r = BN_bin2bn(buf, half, NULL), *sv = BN_bin2bn(buf + half, half, NULL);
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *p = buf;

	if (es && r && sv && *len % 2 == 0 && ECDSA_SIG_set0(es, r, sv)) {
		r = sv = NULL; /* es owns them now */
		n = i2d_ECDSA_SIG(es, NULL);
		if (n > 0 && (size_t)n <= room) {
			*len = (CK_ULONG)i2d_ECDSA_SIG(es, &p);
			ok = 1;
		}
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	return ok;
}

/* the skeleton's sign op: tbs is the digest (or, for RSA PKCS#1 v1.5
 * without a known digest, the caller's DigestInfo) */
static int token_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		      const unsigned char *tbs, size_t tbslen)
{
	struct p11_sig *s = vctx;
	struct p11_ctx *ctx = s->ctx;
	struct p11_key *k = s->key;
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_RSA_PKCS_PSS_PARAMS pss;
	unsigned char in[19 + 64], out[1024];
	CK_ULONG outlen = sizeof(out), inlen = 0;
	struct p11_slot *slot;
	CK_SESSION_HANDLE sess;
	CK_OBJECT_HANDLE h;
	int di = digest_index(s->md), mi, ok = 0;
	char lbl[33];
	CK_RV rv;

	if (k->type == CKK_EC) {
		if (tbslen > 64)
			tbslen = 64;
		memcpy(in, tbs, tbslen);
		inlen = tbslen;
	} else if (s->pad == RSA_PKCS1_PSS_PADDING) {
		if (di < 0 || tbslen != (size_t)EVP_MD_get_size(s->md)) {
			P11_ERR(ctx, P11_R_ARGUMENT, "RSA-PSS needs a SHA-1/SHA-2 digest of the right size");
			return 0;
		}
		mi = s->mgf1 ? digest_index(s->mgf1) : di;
		mech.mechanism = CKM_RSA_PKCS_PSS;
		pss.hashAlg = digests[di].hash;
		pss.mgf = digests[mi].mgf;
		pss.sLen = (CK_ULONG)pss_saltlen(s, tbslen);
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
		memcpy(in, tbs, tbslen);
		inlen = tbslen;
	} else if (s->pad == RSA_PKCS1_PADDING) {
		mech.mechanism = CKM_RSA_PKCS;
		if (di >= 0) {
			if (tbslen != (size_t)EVP_MD_get_size(s->md)) {
				P11_ERR(ctx, P11_R_ARGUMENT, "digest length does not match the digest");
				return 0;
			}
			memcpy(in, digests[di].prefix, digests[di].plen);
			memcpy(in + digests[di].plen, tbs, tbslen);
			inlen = digests[di].plen + tbslen;
		} else {
			if (tbslen > sizeof(in))
				return 0;
			memcpy(in, tbs, tbslen); /* caller's own DigestInfo (or TLS 1.0 MD5+SHA1) */
			inlen = tbslen;
		}
	} else {
		P11_ERR(ctx, P11_R_UNSUPPORTED, "RSA padding mode %d is not supported", s->pad);
		return 0;
	}

	p11_lock(ctx);
	if (!p11_key_private_handle(k, &slot, &sess, &h))
		goto out;
	if (mech.mechanism != CKM_ECDSA && mech.mechanism != CKM_RSA_PKCS &&
	    !p11_check_mech(ctx, slot, mech.mechanism, CKF_SIGN))
		goto out;
	rv = P11_CALL(ctx, C_SignInit, sess, &mech, h);
	if (p11_stale(slot, rv) || rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) {
		/* the cached login, session or key handle is gone (token pulled,
		 * session closed, logged out): set them up again, once */
		if (rv != CKR_USER_NOT_LOGGED_IN) {
			p11_key_forget(k);
			slot->epoch++;  /* other keys' handles too */
		}
		if (!p11_key_private_handle(k, &slot, &sess, &h))
			goto out;
		rv = P11_CALL(ctx, C_SignInit, sess, &mech, h);
	}
	if (rv == CKR_OK)
		rv = P11_CALL(ctx, C_Sign, sess, in, inlen, out, &outlen);
	if (rv != CKR_OK) {
		P11_ERR_RV(ctx, P11_R_TOKEN_CALL, rv, "%s signature with key '%s' on token '%s' failed",
			   p11_mech_name(mech.mechanism), k->label ? k->label : "",
			   p11_key_token(k, lbl));
		goto out;
	}
	if (k->type == CKK_EC && !ecdsa_der(out, &outlen, sizeof(out)))
		goto out;
	if (outlen > sigsize) {
		P11_ERR(ctx, P11_R_ARGUMENT, "signature buffer too small");
		goto out;
	}
	memcpy(sig, out, outlen);
	*siglen = outlen;
	ok = 1;
out:
	p11_unlock(ctx);
	OPENSSL_cleanse(in, sizeof(in));
	return ok;
}

/* ---- parameters ---- */

/* AlgorithmIdentifier of ecdsa-with-SHA* (no parameters, RFC 5758) or
 * sha*WithRSAEncryption (NULL parameters, RFC 8017). */
static int sig_algid(const struct p11_sig *s, unsigned char **der)
{
	X509_ALGOR *alg = X509_ALGOR_new();
	int signid, n = 0;

	if (alg && OBJ_find_sigid_by_algs(&signid, EVP_MD_get_type(s->md),
					  s->type == CKK_EC ? EVP_PKEY_EC : EVP_PKEY_RSA) &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(signid), s->type == CKK_EC ? V_ASN1_UNDEF : V_ASN1_NULL,
			    NULL))
		n = i2d_X509_ALGOR(alg, der);
	X509_ALGOR_free(alg);
	return n;
}

/* AlgorithmIdentifier of RSASSA-PSS with explicit parameters. */
static int pss_algid(struct p11_sig *s, unsigned char **der)
{
	RSA_PSS_PARAMS *pp = RSA_PSS_PARAMS_new();
	X509_ALGOR *alg = X509_ALGOR_new(), *mgfmd = X509_ALGOR_new();
	ASN1_STRING *mgfstr = NULL, *pstr = NULL;
	int saltlen, n = 0;

	if (!pp || !alg || !mgfmd)
		goto out;
	saltlen = pss_saltlen(s, (size_t)EVP_MD_get_size(s->md));
	pp->hashAlgorithm = X509_ALGOR_new();
	pp->maskGenAlgorithm = X509_ALGOR_new();
	if (!pp->hashAlgorithm || !pp->maskGenAlgorithm)
		goto out;
	X509_ALGOR_set_md(pp->hashAlgorithm, s->md);
	X509_ALGOR_set_md(mgfmd, s->mgf1 ? s->mgf1 : s->md);
	if (!ASN1_item_pack(mgfmd, ASN1_ITEM_rptr(X509_ALGOR), &mgfstr))
		goto out;
	X509_ALGOR_set0(pp->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgfstr);
	mgfstr = NULL;
	if (saltlen != 20) {
		pp->saltLength = ASN1_INTEGER_new();
		if (!pp->saltLength || !ASN1_INTEGER_set(pp->saltLength, saltlen))
			goto out;
	}
	if (!ASN1_item_pack(pp, ASN1_ITEM_rptr(RSA_PSS_PARAMS), &pstr))
		goto out;
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, pstr);
	pstr = NULL;
	n = i2d_X509_ALGOR(alg, der);
out:
	ASN1_STRING_free(mgfstr);
	ASN1_STRING_free(pstr);
	X509_ALGOR_free(mgfmd);
	X509_ALGOR_free(alg);
	RSA_PSS_PARAMS_free(pp);
	return n;
}

static int sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct p11_sig *s = vctx;
	OSSL_PARAM *p;
	int di = digest_index(s->md), n, ok;
	unsigned char *der = NULL;

	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID))) {
		if (di < 0)
			return 0;
		if (s->type == CKK_RSA && s->pad == RSA_PKCS1_PSS_PADDING)
			n = s->key ? pss_algid(s, &der) : 0;
		else
			n = sig_algid(s, &der);
		ok = n > 0 && OSSL_PARAM_set_octet_string(p, der, (size_t)n);
		OPENSSL_free(der);
		if (!ok)
			return 0;
	}
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST)) && s->md &&
	    !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(s->md)))
		return 0;
	if (s->type != CKK_RSA)
		return 1;
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE))) {
		if (p->data_type == OSSL_PARAM_INTEGER) {
			if (!OSSL_PARAM_set_int(p, s->pad))
				return 0;
		} else if (!OSSL_PARAM_set_utf8_string(p, s->pad == RSA_PKCS1_PSS_PADDING ?
						       OSSL_PKEY_RSA_PAD_MODE_PSS :
						       OSSL_PKEY_RSA_PAD_MODE_PKCSV15)) {
			return 0;
		}
	}
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) &&
	    (s->mgf1 || s->md) &&
	    !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(s->mgf1 ? s->mgf1 : s->md)))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN))) {
		if (p->data_type == OSSL_PARAM_INTEGER) {
			if (!OSSL_PARAM_set_int(p, s->saltlen))
				return 0;
		} else {
			const char *v = s->saltlen == SALT_DIGEST ? OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST :
					s->saltlen == SALT_MAX ? OSSL_PKEY_RSA_PSS_SALT_LEN_MAX :
					s->saltlen == SALT_AUTO ? OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO : NULL;
			char num[16];

			if (!v) {
				snprintf(num, sizeof(num), "%d", s->saltlen);
				v = num;
			}
			if (!OSSL_PARAM_set_utf8_string(p, v))
				return 0;
		}
	}
	return 1;
}

static int sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct p11_sig *s = vctx;
	const OSSL_PARAM *p;
	const char *props = s->propq, *v;
	char *end;
	long l;

	if (!params)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PROPERTIES)) &&
	    !OSSL_PARAM_get_utf8_string_ptr(p, &props))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST))) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &v) || !set_md(s, &s->md, v, props))
			return 0;
	}
	if (s->type != CKK_RSA)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE))) {
		if (!hwe_dsign_get_pad(p, &s->pad))
			return 0;
		if (s->pad != RSA_PKCS1_PADDING && s->pad != RSA_PKCS1_PSS_PADDING) {
			P11_ERR(s->ctx, P11_R_UNSUPPORTED,
				"only PKCS#1 v1.5 and PSS padding are supported for signing");
			return 0;
		}
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST))) {
		const char *mp = NULL;
		const OSSL_PARAM *q = OSSL_PARAM_locate_const(params,
							      OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES);

		if (q && !OSSL_PARAM_get_utf8_string_ptr(q, &mp))
			return 0;
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &v) || !set_md(s, &s->mgf1, v, mp))
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN))) {
		if (p->data_type == OSSL_PARAM_INTEGER) {
			if (!OSSL_PARAM_get_int(p, &s->saltlen))
				return 0;
		} else if (OSSL_PARAM_get_utf8_string_ptr(p, &v)) {
			if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0) {
				s->saltlen = SALT_DIGEST;
			} else if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX) == 0) {
				s->saltlen = SALT_MAX;
			} else if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO) == 0) {
				s->saltlen = SALT_AUTO;
			} else {
				l = strtol(v, &end, 10);
				if (*v == '\0' || *end || l < 0 || l > 1024)
					return 0;
				s->saltlen = (int)l;
			}
		} else {
			return 0;
		}
		if (s->saltlen < SALT_MAX)
			return 0;
	}
	return 1;
}

#define SIGNATURE_TABLE(pfx, alg)                                                                        \
	const OSSL_DISPATCH p11_##pfx##_signature_functions[] = {                                        \
		{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))pfx##_newctx },                            \
		HWE_DSIGN_FUNCTIONS,                                                                     \
		{ OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sig_sign_init },                        \
		{ OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))hwe_dsign_sign },                            \
		{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sig_digest_sign_init },          \
		{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))sig_get_ctx_params },              \
		{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))hwe_dsign_##alg##_gettable }, \
		{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))sig_set_ctx_params },              \
		{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))hwe_dsign_##alg##_settable }, \
		{ 0, NULL },                                                                             \
	}

SIGNATURE_TABLE(ecdsa, ec);
SIGNATURE_TABLE(rsa, rsa);
