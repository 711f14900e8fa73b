/* SPDX-License-Identifier: BSD-3-Clause */
/* keymgmt.c - EC and RSA key management: keys held by reference to token
 * objects, public parts exportable, private parts never (generation on the
 * token is in keygen.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "keyparams.h"
#include "p11.h"

static OSSL_FUNC_keymgmt_new_fn ec_new, rsa_new;
static OSSL_FUNC_keymgmt_free_fn km_free;
static OSSL_FUNC_keymgmt_has_fn km_has;
static OSSL_FUNC_keymgmt_match_fn km_match;
static OSSL_FUNC_keymgmt_import_fn km_import;
static OSSL_FUNC_keymgmt_export_fn km_export;
static OSSL_FUNC_keymgmt_get_params_fn km_get_params;
static OSSL_FUNC_keymgmt_dup_fn km_dup;
static OSSL_FUNC_keymgmt_load_fn km_load;
static OSSL_FUNC_keymgmt_query_operation_name_fn ec_opname, rsa_opname;

/* ---- the key object ---- */

struct p11_key *p11_key_new(struct p11_ctx *ctx, CK_KEY_TYPE type)
{
	struct p11_key *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->ctx = ctx;
	k->type = type;
	k->handle = CK_INVALID_HANDLE;
	k->nid = NID_undef;
	return k;
}

void p11_key_free(struct p11_key *k)
{
	if (!k)
		return;
	free(k->id);
	free(k->label);
	free(k->point);
	BN_free(k->n);
	BN_free(k->e);
	free(k);
}

void *p11_memdup(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

struct p11_key *p11_key_dup(const struct p11_key *k)
{
	struct p11_key *d = p11_key_new(k->ctx, k->type);

	if (!d)
		return NULL;
	*d = *k;
	d->id = NULL;
	d->label = NULL;
	d->point = NULL;
	d->n = d->e = NULL;
	if ((k->id && !(d->id = p11_memdup(k->id, k->idlen))) ||
	    (k->label && !(d->label = strdup(k->label))) ||
	    (k->point && !(d->point = p11_memdup(k->point, k->pointlen))) ||
	    (k->n && !(d->n = BN_dup(k->n))) || (k->e && !(d->e = BN_dup(k->e)))) {
		p11_key_free(d);
		return NULL;
	}
	return d;
}

const char *p11_key_token(const struct p11_key *k, char buf[33])
{
	return p11_token_label(&k->ti, buf);
}

static int ec_field_bytes(int nid)
{
	switch (nid) {
	case NID_X9_62_prime256v1:
		return 32;
	case NID_secp384r1:
		return 48;
	case NID_secp521r1:
		return 66;
	}
	return 0;
}

int p11_key_max_sig(const struct p11_key *k)
{
	if (k->type == CKK_EC)
		return 3 + 2 * (3 + ec_field_bytes(k->nid) + 1) + 4;
	return (k->bits + 7) / 8;
}

/* CKA_EC_POINT is a DER OCTET STRING per the standard; some tokens give the
 * raw point.  Keep the raw uncompressed point. */
static int set_point(struct p11_key *k, const unsigned char *v, size_t len)
{
	const unsigned char *p = v;
	ASN1_OCTET_STRING *os;
	size_t want = 1 + 2 * (size_t)ec_field_bytes(k->nid);

	os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len);
	if (os && p == v + len && (size_t)os->length == want && os->data[0] == 0x04) {
		k->point = p11_memdup(os->data, want);
	} else if (len == want && v[0] == 0x04) {
		k->point = p11_memdup(v, len);
	}
	ASN1_OCTET_STRING_free(os);
	if (!k->point)
		return 0;
	k->pointlen = want;
	k->has_pub = 1;
	return 1;
}

static int nid_from_ec_params(const unsigned char *v, size_t len)
{
	const unsigned char *p = v;
	ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	int nid = NID_undef;

	if (o)
		nid = OBJ_obj2nid(o);
	ASN1_OBJECT_free(o);
	return nid;
}

static int set_from_pkey(struct p11_key *k, EVP_PKEY *pk)
{
	unsigned char buf[256];
	size_t len = 0;

	if (k->type == CKK_EC) {
		if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
						     sizeof(buf), &len))
			return 0;
		return set_point(k, buf, len);
	}
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &k->n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &k->e))
		return 0;
	k->bits = BN_num_bits(k->n);
	k->has_pub = 1;
	return 1;
}

/* Copy of a value read by p11_get_attrs(), or read again when it did not
 * fit (longer != 0).  0 if absent. */
static int take(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
		const CK_ATTRIBUTE *a, int longer, unsigned char **v, size_t *len)
{
	*v = NULL;
	*len = 0;
	if (a->ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		*v = p11_memdup(a->pValue, a->ulValueLen);
		*len = a->ulValueLen;
		return *v != NULL;
	}
	return longer && p11_get_attr(ctx, sess, obj, a->type, v, len);
}

static int set_rsa(struct p11_key *k, const unsigned char *n, size_t nlen,
		   const unsigned char *e, size_t elen)
{
	BN_free(k->n);
	BN_free(k->e);
	k->n = BN_bin2bn(n, (int)nlen, NULL);
	k->e = BN_bin2bn(e, (int)elen, NULL);
	k->bits = k->n ? BN_num_bits(k->n) : 0;
	k->has_pub = k->n && k->e;
	return k->has_pub;
}

/* The public value of a key object: one C_GetAttributeValue. */
static int public_from_key_obj(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, struct p11_key *k,
			       CK_OBJECT_HANDLE obj)
{
	unsigned char a[1024], b[64], *v = NULL, *e = NULL;
	CK_ATTRIBUTE t[2];
	size_t len, elen;
	int r, ok = 0;

	if (k->type == CKK_EC) {
		t[0] = (CK_ATTRIBUTE){ CKA_EC_POINT, a, sizeof(a) };
		r = p11_get_attrs(ctx, sess, obj, t, 1);
		if (r && take(ctx, sess, obj, &t[0], r == 2, &v, &len))
			ok = set_point(k, v, len);
	} else {
		t[0] = (CK_ATTRIBUTE){ CKA_MODULUS, a, sizeof(a) };
		t[1] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, b, sizeof(b) };
		r = p11_get_attrs(ctx, sess, obj, t, 2);
		if (r && take(ctx, sess, obj, &t[0], r == 2, &v, &len) &&
		    take(ctx, sess, obj, &t[1], r == 2, &e, &elen))
			ok = set_rsa(k, v, len, e, elen);
	}
	free(v);
	free(e);
	return ok;
}

static int public_from_cert_obj(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, struct p11_key *k,
				CK_OBJECT_HANDLE obj)
{
	unsigned char *v = NULL;
	const unsigned char *p;
	size_t len;
	X509 *x;
	int ok = 0;

	if (!p11_get_attr(ctx, sess, obj, CKA_VALUE, &v, &len))
		return 0;
	p = v;
	x = d2i_X509(NULL, &p, (long)len);
	if (x && X509_get0_pubkey(x) && EVP_PKEY_is_a(X509_get0_pubkey(x),
						       k->type == CKK_EC ? "EC" : "RSA"))
		ok = set_from_pkey(k, X509_get0_pubkey(x));
	X509_free(x);
	free(v);
	return ok;
}

/* Several objects may share a CKA_ID: take the first that fits.  The
 * first match is asked for alone (no trailing empty C_FindObjects); the
 * rest only if it does not fit. */
static int public_search(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, struct p11_key *k,
			 CK_ATTRIBUTE *t, CK_ULONG nt, int cert)
{
	CK_OBJECT_HANDLE *objs = NULL;
	size_t n = 0, i, from = 0, max = 1;
	int ok = 0;

	for (;;) {
		if (!p11_find_objects(ctx, sess, t, nt, max, &objs, &n))
			return 0;
		for (i = from; i < n && !ok; i++)
			ok = cert ? public_from_cert_obj(ctx, sess, k, objs[i]) :
				    public_from_key_obj(ctx, sess, k, objs[i]);
		free(objs);
		objs = NULL;
		if (ok || max == 0 || n < max)
			return ok;
		from = n;
		max = 0;
	}
}

/* Public parts of a private key object from the public key object (pub
 * when known) or the certificate that shares its CKA_ID. */
static int public_from_peer(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, struct p11_key *k,
			    CK_OBJECT_HANDLE pub)
{
	CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY, certcls = CKO_CERTIFICATE;
	CK_KEY_TYPE kt = k->type;
	CK_ATTRIBUTE t[3] = {
		{ CKA_CLASS, &pubcls, sizeof(pubcls) },
		{ CKA_ID, k->id, k->idlen },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
	};

	if (pub != CK_INVALID_HANDLE && public_from_key_obj(ctx, sess, k, pub))
		return 1;
	if (!k->id)
		return 0;
	if (public_search(ctx, sess, k, t, 3, 0))
		return 1;
	t[0].pValue = &certcls;
	return public_search(ctx, sess, k, t, 2, 1);
}

/* The attributes of a key object, read in one call into these buffers
 * (longer values, which no supported key has, are read again). */
enum { A_TYPE, A_ID, A_LABEL, A_PARAMS, A_POINT, A_MOD, A_EXP, A_N };
struct key_attrs {
	CK_KEY_TYPE kt;
	unsigned char id[128], label[256], params[128], point[256], mod[1024], exp[64];
	CK_ATTRIBUTE t[A_N];
};

static struct p11_key *key_from(struct p11_ctx *ctx, struct p11_slot *s, CK_SESSION_HANDLE sess,
				CK_OBJECT_HANDLE obj, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE pub)
{
	struct p11_key *k = NULL;
	struct key_attrs *ka;
	unsigned char *v = NULL, *v2 = NULL;
	size_t len, len2;
	char lbl[33];
	int r, longer;

	ka = calloc(1, sizeof(*ka));
	if (!ka)
		return NULL;
	ka->t[A_TYPE] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &ka->kt, sizeof(ka->kt) };
	ka->t[A_ID] = (CK_ATTRIBUTE){ CKA_ID, ka->id, sizeof(ka->id) };
	ka->t[A_LABEL] = (CK_ATTRIBUTE){ CKA_LABEL, ka->label, sizeof(ka->label) };
	ka->t[A_PARAMS] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, ka->params, sizeof(ka->params) };
	ka->t[A_POINT] = (CK_ATTRIBUTE){ CKA_EC_POINT, ka->point, sizeof(ka->point) };
	ka->t[A_MOD] = (CK_ATTRIBUTE){ CKA_MODULUS, ka->mod, sizeof(ka->mod) };
	ka->t[A_EXP] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, ka->exp, sizeof(ka->exp) };
	r = p11_get_attrs(ctx, sess, obj, ka->t, A_N);
	if (!r || ka->t[A_TYPE].ulValueLen != sizeof(ka->kt))
		goto out;
	longer = r == 2;
	if (ka->kt != CKK_EC && ka->kt != CKK_RSA)
		goto out; /* not ours: skipped silently */
	k = p11_key_new(ctx, ka->kt);
	if (!k)
		goto out;
	k->slot = s->id;
	k->ti = s->ti;
	if (take(ctx, sess, obj, &ka->t[A_ID], longer, &v, &len) && len > 0) {
		k->id = v;
		k->idlen = len;
	} else {
		free(v);
	}
	v = NULL;
	if (take(ctx, sess, obj, &ka->t[A_LABEL], longer, &v, &len)) {
		k->label = calloc(1, len + 1);
		if (k->label)
			memcpy(k->label, v, len);
		free(v);
		v = NULL;
	}
	if (cls == CKO_PRIVATE_KEY) {
		k->has_priv = 1;
		k->handle = obj;
		k->handle_pid = getpid();
		k->epoch = s->epoch;
	}
	if (ka->kt == CKK_EC) {
		if (take(ctx, sess, obj, &ka->t[A_PARAMS], longer, &v, &len))
			k->nid = nid_from_ec_params(v, len);
		free(v);
		v = NULL;
		if (ec_field_bytes(k->nid) == 0) {
			P11_ERR(ctx, P11_R_UNSUPPORTED, "key '%s' on token '%s' uses an unsupported curve",
				k->label ? k->label : "", p11_token_label(&s->ti, lbl));
			goto fail;
		}
		if (take(ctx, sess, obj, &ka->t[A_POINT], longer, &v, &len))
			set_point(k, v, len);
	} else if (take(ctx, sess, obj, &ka->t[A_MOD], longer, &v, &len) &&
		   take(ctx, sess, obj, &ka->t[A_EXP], longer, &v2, &len2)) {
		set_rsa(k, v, len, v2, len2);
	}
	if (!k->has_pub && !public_from_peer(ctx, sess, k, pub)) {
		P11_ERR(ctx, P11_R_NOT_FOUND,
			"no public key found for key '%s' on token '%s' (no CKA_EC_POINT, "
			"public key object or certificate with the same CKA_ID)",
			k->label ? k->label : "", p11_token_label(&s->ti, lbl));
		goto fail;
	}
	goto out;
fail:
	p11_key_free(k);
	k = NULL;
out:
	free(v);
	free(v2);
	free(ka);
	return k;
}

struct p11_key *p11_key_from_object(struct p11_ctx *ctx, struct p11_slot *s,
				    CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
				    CK_OBJECT_CLASS cls)
{
	return key_from(ctx, s, sess, obj, cls, CK_INVALID_HANDLE);
}

struct p11_key *p11_key_from_pair(struct p11_ctx *ctx, struct p11_slot *s,
				  CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE priv,
				  CK_OBJECT_HANDLE pub)
{
	return key_from(ctx, s, sess, priv, CKO_PRIVATE_KEY, pub);
}

void p11_key_forget(struct p11_key *k)
{
	k->handle = CK_INVALID_HANDLE;
}

/* One attempt of p11_key_private_handle(): 1 ok, 0 error raised, -1 the
 * cached session turned out stale (nothing raised). */
static int private_handle_once(struct p11_key *k, struct p11_slot **slot,
			       CK_SESSION_HANDLE *sess, CK_OBJECT_HANDLE *h)
{
	struct p11_ctx *ctx = k->ctx;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE *objs = NULL;
	struct p11_slot *s;
	size_t n = 0;
	CK_ULONG nt = 0;
	char lbl[33];
	CK_RV rv;
	int fresh;

	/* the usual case costs no C_* call: handle, session and login cached */
	fresh = k->handle_pid == getpid() && k->handle != CK_INVALID_HANDLE;
	s = fresh ? p11_slot_get(ctx, k->slot, NULL) : p11_slot_by_token(ctx, &k->ti);
	if (!s || !p11_session(ctx, s, !fresh, sess) || !p11_login(ctx, s, NULL))
		return 0;
	*slot = s;
	if (fresh && s->id == k->slot && k->epoch == s->epoch) {
		*h = k->handle;
		return 1;
	}
	/* after fork, a lost session or login, or a token moved slots: find
	 * the object again */
	t[nt].type = CKA_CLASS;
	t[nt].pValue = &cls;
	t[nt++].ulValueLen = sizeof(cls);
	if (k->id) {
		t[nt].type = CKA_ID;
		t[nt].pValue = k->id;
		t[nt++].ulValueLen = k->idlen;
	}
	if (k->label) {
		t[nt].type = CKA_LABEL;
		t[nt].pValue = k->label;
		t[nt++].ulValueLen = strlen(k->label);
	}
	if (!p11_find_objects_rv(ctx, *sess, t, nt, 1, &objs, &n, &rv)) {
		if (p11_stale(s, rv))
			return -1;
		P11_ERR_RV(ctx, P11_R_TOKEN_CALL, rv, "cannot search token '%s'",
			   p11_token_label(&k->ti, lbl));
		return 0;
	}
	if (n == 0) {
		P11_ERR(ctx, P11_R_NOT_FOUND, "private key '%s' is no longer on token '%s'",
			k->label ? k->label : "", p11_token_label(&k->ti, lbl));
		free(objs);
		return 0;
	}
	k->slot = s->id;
	k->handle = objs[0];
	k->handle_pid = getpid();
	k->epoch = s->epoch;
	*h = k->handle;
	free(objs);
	return 1;
}

int p11_key_private_handle(struct p11_key *k, struct p11_slot **slot, CK_SESSION_HANDLE *sess,
			   CK_OBJECT_HANDLE *h)
{
	int r;

	if (!k->has_priv) {
		P11_ERR(k->ctx, P11_R_NOT_FOUND, "this key has no private part on a token");
		return 0;
	}
	if (!p11_ready(k->ctx))
		return 0;
	r = private_handle_once(k, slot, sess, h);
	if (r < 0) {
		/* the session died since it was last used: open, log in, find again */
		p11_key_forget(k);
		r = private_handle_once(k, slot, sess, h);
	}
	if (r < 0) {
		P11_ERR_RV(k->ctx, P11_R_TOKEN_CALL, p11_last_rv(), "cannot use the session");
		r = 0;
	}
	return r;
}

/* ---- keymgmt ---- */

static void *ec_new(void *provctx)
{
	return p11_key_new(provctx, CKK_EC);
}

static void *rsa_new(void *provctx)
{
	return p11_key_new(provctx, CKK_RSA);
}

static void km_free(void *keydata)
{
	p11_key_free(keydata);
}

static void *km_dup(const void *keydata, int selection)
{
	return p11_key_dup(keydata);
}

/* The store passes a pointer to a key it owns; hand out a copy. */
static void *km_load(const void *reference, size_t reference_sz)
{
	const struct p11_key *k;

	if (!reference || reference_sz != sizeof(k))
		return NULL;
	memcpy(&k, reference, sizeof(k));
	return p11_key_dup(k);
}

static int km_has(const void *keydata, int selection)
{
	const struct p11_key *k = keydata;

	/* an EC key's parameters are its curve; RSA keys have none */
	return k && hwe_keyparams_has(selection, k->has_priv, k->has_pub,
				      k->type != CKK_EC || k->nid != NID_undef);
}

static int km_match(const void *a, const void *b, int selection)
{
	const struct p11_key *x = a, *y = b;

	if (x->type != y->type)
		return 0;
	if (x->type == CKK_EC && x->nid != y->nid)
		return 0;
	if (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) {
		if (!x->has_pub || !y->has_pub)
			return 0;
		if (x->type == CKK_EC)
			return x->pointlen == y->pointlen &&
			       memcmp(x->point, y->point, x->pointlen) == 0;
		return BN_cmp(x->n, y->n) == 0 && BN_cmp(x->e, y->e) == 0;
	}
	return 1;
}

/* Public keys only: private material never enters this provider. */
static int km_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct p11_key *k = keydata;
	const OSSL_PARAM *p;
	const char *group = NULL;
	const void *pt;
	size_t ptlen;

	if (OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY) ||
	    OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D)) {
		P11_ERR(k->ctx, P11_R_EXPORT,
			"hwenroll-pkcs11 does not import private keys (generate them on the token)");
		return 0;
	}
	if (k->type == CKK_EC) {
		p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
		if (!p || !OSSL_PARAM_get_utf8_string_ptr(p, &group))
			return 0;
		k->nid = EC_curve_nist2nid(group);
		if (k->nid == NID_undef)
			k->nid = OBJ_sn2nid(group);
		if (ec_field_bytes(k->nid) == 0)
			return 0;
		if (!(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
			return 1;
		p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
		if (!p || !OSSL_PARAM_get_octet_string_ptr(p, &pt, &ptlen))
			return 0;
		return set_point(k, pt, ptlen);
	}
	if (!(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 1;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_N);
	if (!p || !OSSL_PARAM_get_BN(p, &k->n))
		return 0;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
	if (!p || !OSSL_PARAM_get_BN(p, &k->e))
		return 0;
	k->bits = BN_num_bits(k->n);
	k->has_pub = 1;
	return 1;
}

/* Export gives public parts and domain parameters.  A request that
 * includes the private key of a token key fails: that is what makes
 * OpenSSL >= 3.0.1 use this provider's signature for the key instead of
 * handing a public-only copy to another provider. */
static int km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct p11_key *k = keydata;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	int ok = 0;

	if (!k || ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && k->has_priv))
		return 0; /* silently: OpenSSL tries the next candidate */
	if (!k->has_pub && (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 0;
	bld = OSSL_PARAM_BLD_new();
	if (!bld)
		return 0;
	if (k->type == CKK_EC) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						     OBJ_nid2sn(k->nid), 0))
			goto out;
		if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) &&
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, k->point,
						      k->pointlen))
			goto out;
	} else if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) {
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, k->n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, k->e))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		goto out;
	ok = cb(params, cbarg);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

static int km_get_params(void *keydata, OSSL_PARAM params[])
{
	struct p11_key *k = keydata;
	OSSL_PARAM *p;
	int bits, secbits;

	if (k->type == CKK_EC) {
		bits = ec_field_bytes(k->nid) == 66 ? 521 : ec_field_bytes(k->nid) * 8;
		secbits = bits / 2;
	} else {
		bits = k->bits;
		secbits = BN_security_bits(bits, -1);
	}
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) && !OSSL_PARAM_set_int(p, bits))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) &&
	    !OSSL_PARAM_set_int(p, secbits))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) &&
	    !OSSL_PARAM_set_int(p, p11_key_max_sig(k)))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST)) &&
	    !OSSL_PARAM_set_utf8_string(p, k->type == CKK_EC && bits > 256 ?
					(bits > 384 ? "SHA512" : "SHA384") : "SHA256"))
		return 0;
	if (k->type == CKK_EC) {
		if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_GROUP_NAME)) &&
		    !OSSL_PARAM_set_utf8_string(p, OBJ_nid2sn(k->nid)))
			return 0;
		if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT)) &&
		    !OSSL_PARAM_set_utf8_string(p, "uncompressed"))
			return 0;
		if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_EC_ENCODING)) &&
		    !OSSL_PARAM_set_utf8_string(p, OSSL_PKEY_EC_ENCODING_GROUP))
			return 0;
		if (k->has_pub &&
		    (((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY)) &&
		      !OSSL_PARAM_set_octet_string(p, k->point, k->pointlen)) ||
		     ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY)) &&
		      !OSSL_PARAM_set_octet_string(p, k->point, k->pointlen))))
			return 0;
	} else if (k->has_pub) {
		if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_N)) &&
		    !OSSL_PARAM_set_BN(p, k->n))
			return 0;
		if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_E)) &&
		    !OSSL_PARAM_set_BN(p, k->e))
			return 0;
	}
	return 1;
}

static const char *ec_opname(int op)
{
	return op == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

static const char *rsa_opname(int op)
{
	return op == OSSL_OP_SIGNATURE ? "RSA" : NULL;
}

#define KEYMGMT_TABLE(pfx)                                                                             \
	const OSSL_DISPATCH p11_##pfx##_keymgmt_functions[] = {                                        \
		{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))pfx##_new },                                  \
		{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))km_free },                                   \
		{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))km_dup },                                     \
		{ OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))km_load },                                   \
		{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))km_has },                                     \
		{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))km_match },                                 \
		{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))km_import },                               \
		{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))hwe_keyparams_##pfx##_types },       \
		{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))km_export },                               \
		{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))hwe_keyparams_##pfx##_types },       \
		{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))km_get_params },                       \
		{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))hwe_keyparams_##pfx##_gettable }, \
		{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))pfx##_opname },              \
		{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))p11_##pfx##_gen_init },                  \
		{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))p11_gen_set_params },              \
		{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))p11_##pfx##_gen_settable },   \
		{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))p11_gen },                                    \
		{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))p11_gen_cleanup },                    \
		{ 0, NULL },                                                                           \
	}

KEYMGMT_TABLE(ec);
KEYMGMT_TABLE(rsa);
