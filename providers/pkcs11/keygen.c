/* SPDX-License-Identifier: BSD-3-Clause */
/* keygen.c - key generation on the token (OSSL_FUNC_keymgmt_gen*):
 * C_GenerateKeyPair with a sensitive, non-extractable private key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "keyparams.h"
#include "p11.h"

/* gen parameters of this provider */
#define P11_GEN_URI "pkcs11_uri"     /* token to generate on: pkcs11:token=... */
#define P11_GEN_LABEL "pkcs11_label" /* CKA_LABEL of both objects */
#define P11_GEN_ID "pkcs11_id"       /* CKA_ID (octet string; hex if utf8) */
#define P11_GEN_PIN "pkcs11_pin"     /* user PIN (instead of pin-value in the URI) */

struct p11_gen {
	struct p11_ctx *ctx;
	CK_KEY_TYPE type;
	int nid;
	size_t bits;
	BIGNUM *e;
	char *uri;             /* secure heap: it may hold a pin-value */
	char *pin;             /* P11_GEN_PIN, secure heap */
	char *label;
	unsigned char *id;
	size_t idlen;
};

static void *gen_init_type(void *provctx, int selection, const OSSL_PARAM params[],
			   CK_KEY_TYPE type)
{
	struct p11_gen *g;

	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->ctx = provctx;
	g->type = type;
	g->nid = NID_X9_62_prime256v1;
	g->bits = 2048;
	if (!p11_gen_set_params(g, params)) {
		p11_gen_cleanup(g);
		return NULL;
	}
	return g;
}

void *p11_ec_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return gen_init_type(provctx, selection, params, CKK_EC);
}

void *p11_rsa_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return gen_init_type(provctx, selection, params, CKK_RSA);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* *slot becomes a copy of the string parameter p, in the secure heap when
 * it may hold a PIN */
static int take_string(const OSSL_PARAM *p, char **slot, int secure)
{
	const char *s;
	char *copy;

	if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
		return 0;
	copy = secure ? p11_strdup_secure(s) : strdup(s);
	if (!copy)
		return 0;
	if (secure)
		p11_free_secure(*slot);
	else
		free(*slot);
	*slot = copy;
	return 1;
}

int p11_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
	struct p11_gen *g = genctx;
	const OSSL_PARAM *p;
	const char *s;
	const void *v;
	size_t i, n;

	if (!params)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME))) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
			return 0;
		g->nid = EC_curve_nist2nid(s);
		if (g->nid == NID_undef)
			g->nid = OBJ_sn2nid(s);
		if (g->nid != NID_X9_62_prime256v1 && g->nid != NID_secp384r1 &&
		    g->nid != NID_secp521r1) {
			P11_ERR(g->ctx, P11_R_UNSUPPORTED, "unsupported curve '%s'", s);
			return 0;
		}
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS))) {
		if (!OSSL_PARAM_get_size_t(p, &g->bits))
			return 0;
		if (g->bits < 2048 || g->bits > 4096) {
			P11_ERR(g->ctx, P11_R_UNSUPPORTED, "unsupported RSA size %zu (2048-4096)",
				g->bits);
			return 0;
		}
	}
	if ((p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E)) &&
	    !OSSL_PARAM_get_BN(p, &g->e))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, P11_GEN_URI)) && !take_string(p, &g->uri, 1))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, P11_GEN_PIN))) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s) ||
		    !p11_pin_check(g->ctx, s, "the PIN (parameter " P11_GEN_PIN ")"))
			return 0;
		p11_free_secure(g->pin);
		g->pin = *s ? p11_strdup_secure(s) : NULL;
		if (*s && !g->pin)
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params, P11_GEN_LABEL)) && !take_string(p, &g->label, 0))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params, P11_GEN_ID))) {
		free(g->id);
		g->id = NULL;
		if (p->data_type == OSSL_PARAM_UTF8_STRING) {
			if (!OSSL_PARAM_get_utf8_string_ptr(p, &s) || strlen(s) % 2)
				return 0;
			n = strlen(s) / 2;
			g->id = malloc(n ? n : 1);
			if (!g->id)
				return 0;
			for (i = 0; i < n; i++) {
				int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

				if (hi < 0 || lo < 0)
					return 0;
				g->id[i] = (unsigned char)(hi << 4 | lo);
			}
			g->idlen = n;
		} else {
			if (!OSSL_PARAM_get_octet_string_ptr(p, &v, &n))
				return 0;
			g->id = p11_memdup(v, n);
			if (!g->id)
				return 0;
			g->idlen = n;
		}
	}
	return 1;
}

/* where to generate and what to call the key, for either key type */
#define GEN_TOKEN_PARAMS                                \
	OSSL_PARAM_utf8_string(P11_GEN_URI, NULL, 0),   \
	OSSL_PARAM_utf8_string(P11_GEN_PIN, NULL, 0),   \
	OSSL_PARAM_utf8_string(P11_GEN_LABEL, NULL, 0), \
	OSSL_PARAM_octet_string(P11_GEN_ID, NULL, 0),   \
	OSSL_PARAM_END

static const OSSL_PARAM ec_gen_settable[] = { HWE_KEYPARAM_GROUP, GEN_TOKEN_PARAMS };

static const OSSL_PARAM rsa_gen_settable[] = {
	OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL), HWE_KEYPARAM_RSA_E, GEN_TOKEN_PARAMS
};

const OSSL_PARAM *p11_ec_gen_settable(void *genctx, void *provctx)
{
	return ec_gen_settable;
}

const OSSL_PARAM *p11_rsa_gen_settable(void *genctx, void *provctx)
{
	return rsa_gen_settable;
}

void p11_gen_cleanup(void *genctx)
{
	struct p11_gen *g = genctx;

	if (!g)
		return;
	p11_free_secure(g->uri);
	p11_free_secure(g->pin);
	free(g->label);
	free(g->id);
	BN_free(g->e);
	free(g);
}

/* The one token a generation URI names (with the lock held). */
static struct p11_slot *gen_token(struct p11_ctx *ctx, P11KitUri *uri, const char *text)
{
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO *tis = NULL;
	size_t n = 0;
	struct p11_slot *s = NULL;

	if (!p11_find_tokens(ctx, uri, &ids, &tis, &n))
		return NULL;
	if (n == 0)
		P11_ERR(ctx, P11_R_TOKEN, "no token matches '%s' in PKCS#11 module '%s'", text,
			ctx->module_path);
	else if (n > 1)
		P11_ERR(ctx, P11_R_TOKEN, "%zu tokens match '%s': name one with token= or serial=",
			n, text);
	else
		s = p11_slot_get(ctx, ids[0], &tis[0]);
	free(ids);
	free(tis);
	return s;
}

void *p11_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
	struct p11_gen *g = genctx;
	struct p11_ctx *ctx = g->ctx;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY, privcls = CKO_PRIVATE_KEY;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pubt[8], privt[10];
	CK_ULONG npub = 0, npriv = 0, modbits;
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_SESSION_HANDLE sess;
	CK_KEY_TYPE kt = g->type;
	P11KitUri *uri = NULL;
	struct p11_slot *s;
	struct p11_key *k = NULL;
	unsigned char ecparams[16], *ep = ecparams, expbuf[8], rid[16];
	int eplen = 0, explen = 3, rc, pinerr = 0;
	char *pin = NULL, lbl[33], shown[512];
	CK_RV rv;

#define ADD(t, n, ty, v, l) do { t[n].type = (ty); t[n].pValue = (v); t[n].ulValueLen = (l); n++; } while (0)
	if (!g->uri) {
		P11_ERR(ctx, P11_R_ARGUMENT, "key generation needs the token URI (parameter "
			P11_GEN_URI ", e.g. pkcs11:token=LABEL)");
		return NULL;
	}
	uri = p11_kit_uri_new();
	if (!uri)
		return NULL;
	rc = p11_kit_uri_parse(g->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri);
	if (rc != P11_KIT_URI_OK) {
		P11_ERR(ctx, P11_R_URI, "bad token URI '%s': %s",
			hwe_redact_uri(g->uri, shown, sizeof(shown)), p11_kit_uri_message(rc));
		goto out;
	}
	/* the parameter wins over the URI's pin-value and pin-source; the
	 * URI's pin-value is taken (and wiped) either way */
	if (g->pin) {
		p11_free_secure(p11_uri_take_pin_value(ctx, uri, &pinerr));
		if (pinerr || !(pin = p11_strdup_secure(g->pin)))
			goto out;
	} else {
		pin = p11_uri_pin(ctx, uri, &pinerr);
		if (pinerr)
			goto out;
	}
	if (!g->label) {
		CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(uri, CKA_LABEL);

		if (a && a->pValue && (g->label = calloc(1, a->ulValueLen + 1)))
			memcpy(g->label, a->pValue, a->ulValueLen);
	}
	if (!g->id) {
		CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(uri, CKA_ID);

		if (a && a->pValue && a->ulValueLen) {
			g->id = p11_memdup(a->pValue, a->ulValueLen);
			g->idlen = a->ulValueLen;
		} else if (RAND_bytes_ex(ctx->libctx, rid, sizeof(rid), 0) > 0) {
			g->id = p11_memdup(rid, sizeof(rid));
			g->idlen = sizeof(rid);
		}
		if (!g->id)
			goto out;
	}

	p11_lock(ctx);
	if (!p11_ready(ctx) ||
	    !(s = gen_token(ctx, uri, hwe_redact_uri(g->uri, shown, sizeof(shown)))) ||
	    !p11_session(ctx, s, 1, &sess) ||
	    !p11_login(ctx, s, pin))
		goto unlock;

	ADD(pubt, npub, CKA_CLASS, &pubcls, sizeof(pubcls));
	ADD(pubt, npub, CKA_KEY_TYPE, &kt, sizeof(kt));
	ADD(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_ID, g->id, g->idlen);
	ADD(privt, npriv, CKA_CLASS, &privcls, sizeof(privcls));
	ADD(privt, npriv, CKA_KEY_TYPE, &kt, sizeof(kt));
	ADD(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	ADD(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_ID, g->id, g->idlen);
	if (g->label) {
		ADD(pubt, npub, CKA_LABEL, g->label, strlen(g->label));
		ADD(privt, npriv, CKA_LABEL, g->label, strlen(g->label));
	}
	if (g->type == CKK_EC) {
		eplen = i2d_ASN1_OBJECT(OBJ_nid2obj(g->nid), &ep);
		if (eplen <= 0)
			goto unlock;
		ADD(pubt, npub, CKA_EC_PARAMS, ecparams, (CK_ULONG)eplen);
	} else {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		modbits = g->bits;
		if (g->e) {
			if (BN_num_bytes(g->e) > (int)sizeof(expbuf)) {
				P11_ERR(ctx, P11_R_UNSUPPORTED, "RSA public exponent too large");
				goto unlock;
			}
			explen = BN_bn2binpad(g->e, expbuf, BN_num_bytes(g->e));
			if (explen <= 0)
				goto unlock;
		} else {
			expbuf[0] = 0x01, expbuf[1] = 0x00, expbuf[2] = 0x01;
		}
		ADD(pubt, npub, CKA_MODULUS_BITS, &modbits, sizeof(modbits));
		ADD(pubt, npub, CKA_PUBLIC_EXPONENT, expbuf, (CK_ULONG)explen);
	}
	if (!p11_check_mech(ctx, s, mech.mechanism, CKF_GENERATE_KEY_PAIR))
		goto unlock;
	rv = P11_CALL(ctx, C_GenerateKeyPair, sess, &mech, pubt, npub, privt, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		if (rv == CKR_DEVICE_MEMORY)
			P11_ERR_RV(ctx, P11_R_TOKEN_CALL, rv,
				   "token '%s' is full: cannot generate a key on it",
				   p11_token_label(&s->ti, lbl));
		else
			P11_ERR_RV(ctx, P11_R_TOKEN_CALL, rv, "cannot generate a key on token '%s'",
				   p11_token_label(&s->ti, lbl));
		goto unlock;
	}
	k = p11_key_from_pair(ctx, s, sess, hpriv, hpub);
	if (!k) {
		P11_CALL(ctx, C_DestroyObject, sess, hpriv);
		P11_CALL(ctx, C_DestroyObject, sess, hpub);
	}
unlock:
	p11_unlock(ctx);
out:
#undef ADD
	p11_free_secure(pin);
	p11_kit_uri_free(uri);
	return k;
}
