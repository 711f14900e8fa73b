/* SPDX-License-Identifier: BSD-3-Clause */
/* store.c - OSSL_STORE loader for RFC 7512 pkcs11: URIs: private keys (by
 * reference to the token object), public keys and certificates. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "p11.h"

static OSSL_FUNC_store_open_fn st_open;
static OSSL_FUNC_store_settable_ctx_params_fn st_settable;
static OSSL_FUNC_store_set_ctx_params_fn st_set_params;
static OSSL_FUNC_store_load_fn st_load;
static OSSL_FUNC_store_eof_fn st_eof;
static OSSL_FUNC_store_close_fn st_close;

struct st_item {
	struct p11_key *key;      /* private or public key */
	unsigned char *der;       /* certificate */
	size_t derlen;
};

/* store parameter: the user PIN, instead of pin-value in the URI (so that
 * an application need not build URIs holding a PIN) */
#define P11_STORE_PIN "pkcs11_pin"

struct p11_store {
	struct p11_ctx *ctx;
	P11KitUri *uri;
	char *text;               /* the URI for messages (pin-value redacted) */
	char *pin;                /* P11_STORE_PIN or the URI's pin-value (secure heap) */
	int pin_bad;              /* P11_STORE_PIN was too long (1) or not copied (2) */
	int expect;               /* OSSL_STORE_INFO_* or 0 */
	int searched;
	int failed;
	struct st_item *items;
	size_t nitems, next;
};

static void *st_open(void *provctx, const char *uri)
{
	struct p11_ctx *ctx = provctx;
	struct p11_store *st;
	int rc, err = 0;

	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->ctx = ctx;
	st->uri = p11_kit_uri_new();
	/* for messages; "pin-value=REDACTED" may be longer than the PIN */
	st->text = malloc(2 * strlen(uri) + 16);
	if (st->text)
		hwe_redact_uri(uri, st->text, 2 * strlen(uri) + 16);
	if (!st->uri || !st->text)
		goto fail;
	rc = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, st->uri);
	if (rc != P11_KIT_URI_OK) {
		P11_ERR(ctx, P11_R_URI, "bad PKCS#11 URI '%s': %s", st->text, p11_kit_uri_message(rc));
		goto fail;
	}
	st->pin = p11_uri_take_pin_value(ctx, st->uri, &err);
	if (err)
		goto fail;
	return st;
fail:
	st_close(st);
	return NULL;
}

static const OSSL_PARAM *st_settable(void *provctx)
{
	static const OSSL_PARAM p[] = {
		OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
		OSSL_PARAM_utf8_string(P11_STORE_PIN, NULL, 0),
		OSSL_PARAM_END,
	};

	return p;
}

static int st_set_params(void *loaderctx, const OSSL_PARAM params[])
{
	struct p11_store *st = loaderctx;
	const OSSL_PARAM *p;
	const char *pin;

	p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
	if (p && !OSSL_PARAM_get_int(p, &st->expect))
		return 0;
	/* A bad PIN is reported by the load, not here: OpenSSL 3.0's
	 * OSSL_STORE_open_ex() returns a broken context (a later
	 * OSSL_STORE_expect() crashes) when set_ctx_params fails. */
	p = OSSL_PARAM_locate_const(params, P11_STORE_PIN);
	if (p) {
		p11_free_secure(st->pin);
		st->pin = NULL;
		st->pin_bad = 0;
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &pin))
			st->pin_bad = 2;
		else if (strnlen(pin, P11_PIN_MAX + 1) > P11_PIN_MAX)
			st->pin_bad = 1;
		else if (*pin && !(st->pin = p11_strdup_secure(pin)))
			st->pin_bad = 2;
	}
	return 1;
}

static int add_item(struct p11_store *st, struct p11_key *k, unsigned char *der, size_t derlen)
{
	struct st_item *it = realloc(st->items, (st->nitems + 1) * sizeof(*it));

	if (!it)
		return 0;
	st->items = it;
	it = &st->items[st->nitems++];
	it->key = k;
	it->der = der;
	it->derlen = derlen;
	return 1;
}

/* PIN for a token: the pkcs11_pin parameter or the URI's pin-value, its
 * pin-source, the context's sources, then the application's passphrase
 * callback (e.g. the openssl command's prompt). */
static int store_login(struct p11_store *st, struct p11_slot *s, OSSL_PASSPHRASE_CALLBACK *pw_cb,
		       void *pw_cbarg)
{
	struct p11_ctx *ctx = st->ctx;
	/* one byte more than the longest PIN: a longer answer is refused */
	char buf[P11_PIN_MAX + 2], info[96], lbl[33], *pin = NULL;
	OSSL_PARAM pp[2];
	size_t len = 0;
	int err = 0, ok;

	if (!(s->ti.flags & CKF_LOGIN_REQUIRED))
		return 1;
	if (st->pin_bad == 1) {
		P11_ERR(ctx, P11_R_LOGIN, "the PIN (parameter " P11_STORE_PIN ") is longer than %d "
			"bytes (the longest PIN this provider passes to the token)", P11_PIN_MAX);
		return 0;
	}
	if (st->pin_bad) {
		P11_ERR(ctx, P11_R_MEMORY, "cannot keep the PIN (parameter " P11_STORE_PIN ")");
		return 0;
	}
	if (st->pin)
		pin = p11_strdup_secure(st->pin);
	else
		pin = p11_uri_pin(ctx, st->uri, &err);
	if (err || (st->pin && !pin))
		return 0;
	if (!pin && !s->pin && !ctx->pin_cfg && !getenv("HWENROLL_PKCS11_PIN") && pw_cb) {
		snprintf(info, sizeof(info), "PIN for token '%s'", p11_token_label(&s->ti, lbl));
		pp[0] = OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO, info, 0);
		pp[1] = OSSL_PARAM_construct_end();
		/* an empty answer counts as no PIN */
		if (pw_cb(buf, sizeof(buf) - 1, &len, pp, pw_cbarg) && len > 0) {
			if (len > P11_PIN_MAX) {
				OPENSSL_cleanse(buf, sizeof(buf));
				P11_ERR(ctx, P11_R_LOGIN, "the PIN entered for token '%s' is longer than "
					"%d bytes (the longest PIN this provider passes to the token)",
					lbl, P11_PIN_MAX);
				return 0;
			}
			buf[len] = '\0';
			pin = p11_strdup_secure(buf);
		}
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	ok = p11_login(ctx, s, pin);
	p11_free_secure(pin);
	return ok;
}

static int wanted(struct p11_store *st, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(st->uri, CKA_CLASS);
	CK_OBJECT_CLASS want;

	if (a && a->pValue && a->ulValueLen == sizeof(want)) {
		memcpy(&want, a->pValue, sizeof(want));
		if (want != cls)
			return 0;
	}
	switch (st->expect) {
	case OSSL_STORE_INFO_PKEY:
		return cls == CKO_PRIVATE_KEY;
	case OSSL_STORE_INFO_PUBKEY:
		return cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY;
	case OSSL_STORE_INFO_CERT:
		return cls == CKO_CERTIFICATE;
	case 0:
		return 1;
	}
	return 0;
}

static int search_token(struct p11_store *st, struct p11_slot *s, OSSL_PASSPHRASE_CALLBACK *pw_cb,
			void *pw_cbarg)
{
	static const CK_OBJECT_CLASS classes[] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE };
	struct p11_ctx *ctx = st->ctx;
	CK_OBJECT_CLASS cls;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_ATTRIBUTE t[4], *a;
	CK_ULONG nt;
	CK_OBJECT_HANDLE *objs = NULL;
	CK_SESSION_HANDLE sess;
	struct p11_key *k;
	unsigned char *der;
	size_t n, i, c, len;

	if (!p11_session(ctx, s, 1, &sess))
		return 0;
	if (wanted(st, CKO_PRIVATE_KEY) && !store_login(st, s, pw_cb, pw_cbarg))
		return 0;
	for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		if (!wanted(st, classes[c]))
			continue;
		cls = classes[c];
		nt = 0;
		t[nt].type = CKA_CLASS;
		t[nt].pValue = &cls;
		t[nt++].ulValueLen = sizeof(cls);
		if ((a = p11_kit_uri_get_attribute(st->uri, CKA_LABEL)))
			t[nt++] = *a;
		if ((a = p11_kit_uri_get_attribute(st->uri, CKA_ID)))
			t[nt++] = *a;
		if (cls == CKO_CERTIFICATE) {
			t[nt].type = CKA_CERTIFICATE_TYPE;
			t[nt].pValue = &x509;
			t[nt++].ulValueLen = sizeof(x509);
		}
		if (!p11_find_objects(ctx, sess, t, nt, 0, &objs, &n))
			return 0;
		for (i = 0; i < n; i++) {
			if (cls == CKO_CERTIFICATE) {
				if (!p11_get_attr(ctx, sess, objs[i], CKA_VALUE, &der, &len))
					continue;
				if (!add_item(st, NULL, der, len))
					free(der);
				continue;
			}
			k = p11_key_from_object(ctx, s, sess, objs[i], cls);
			if (k && !add_item(st, k, NULL, 0))
				p11_key_free(k);
		}
		free(objs);
		objs = NULL;
	}
	return 1;
}

/* A URI that asks for a private key (type=private, or the caller expects
 * one: openssl pkey -in, OSSL_STORE_expect(PKEY)) must name exactly one:
 * taking the first of several would sign with a key the caller did not
 * mean.  A plain listing (no type, no expectation) returns them all. */
static int unambiguous(struct p11_store *st)
{
	CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(st->uri, CKA_CLASS);
	CK_OBJECT_CLASS cls = CKO_DATA;
	struct p11_key *k, *first = NULL;
	size_t i, nkeys = 0;
	int several = 0;          /* the keys are on more than one token */

	if (a && a->pValue && a->ulValueLen == sizeof(cls))
		memcpy(&cls, a->pValue, sizeof(cls));
	if (st->expect != OSSL_STORE_INFO_PKEY && cls != CKO_PRIVATE_KEY)
		return 1;
	for (i = 0; i < st->nitems; i++) {
		if (!(k = st->items[i].key) || !k->has_priv)
			continue;
		nkeys++;
		if (!first)
			first = k;
		else if (k->slot != first->slot)
			several = 1;
	}
	if (nkeys <= 1)
		return 1;
	P11_ERR(st->ctx, P11_R_AMBIGUOUS,
		"'%s' matches %zu private keys%s: add id= or object= to the URI to name one%s",
		st->text, nkeys, several ? " on several tokens" : "",
		several ? " (and token= or serial= to name the token)" : "");
	return 0;
}

static int search(struct p11_store *st, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
	struct p11_ctx *ctx = st->ctx;
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO *tis = NULL;
	struct p11_slot *s;
	size_t n = 0, i;
	int ok = 0;

	p11_lock(ctx);
	if (!p11_ready(ctx) || !p11_find_tokens(ctx, st->uri, &ids, &tis, &n))
		goto out;
	if (n == 0) {
		P11_ERR(ctx, P11_R_TOKEN, "no token matches '%s' in PKCS#11 module '%s'", st->text,
			ctx->module_path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		s = p11_slot_get(ctx, ids[i], &tis[i]);
		if (!s || !search_token(st, s, pw_cb, pw_cbarg))
			goto out;
	}
	if (st->nitems == 0) {
		P11_ERR(ctx, P11_R_NOT_FOUND, "no object matches '%s'", st->text);
		goto out;
	}
	if (!unambiguous(st))
		goto out;
	ok = 1;
out:
	p11_unlock(ctx);
	free(ids);
	free(tis);
	return ok;
}

static int st_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
		   OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
	struct p11_store *st = loaderctx;
	struct st_item *it;
	OSSL_PARAM p[4];
	int type;

	if (!st->searched) {
		st->searched = 1;
		if (!search(st, pw_cb, pw_cbarg)) {
			st->failed = 1;
			return 0;
		}
	}
	if (st->next >= st->nitems)
		return 0;
	it = &st->items[st->next++];
	if (it->key) {
		type = OSSL_OBJECT_PKEY;
		p[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
		p[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
							it->key->type == CKK_EC ? "EC" : "RSA", 0);
		p[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &it->key,
							 sizeof(it->key));
	} else {
		type = OSSL_OBJECT_CERT;
		p[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
		p[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE,
							"Certificate", 0);
		p[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, it->der,
							 it->derlen);
	}
	p[3] = OSSL_PARAM_construct_end();
	return object_cb(p, object_cbarg);
}

static int st_eof(void *loaderctx)
{
	struct p11_store *st = loaderctx;

	return st->failed || (st->searched && st->next >= st->nitems);
}

static int st_close(void *loaderctx)
{
	struct p11_store *st = loaderctx;
	size_t i;

	if (!st)
		return 1;
	for (i = 0; i < st->nitems; i++) {
		p11_key_free(st->items[i].key);
		free(st->items[i].der);
	}
	free(st->items);
	p11_kit_uri_free(st->uri);
	free(st->text);
	p11_free_secure(st->pin);
	free(st);
	return 1;
}

const OSSL_DISPATCH p11_store_functions[] = {
	{ OSSL_FUNC_STORE_OPEN, (void (*)(void))st_open },
	{ OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))st_settable },
	{ OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))st_set_params },
	{ OSSL_FUNC_STORE_LOAD, (void (*)(void))st_load },
	{ OSSL_FUNC_STORE_EOF, (void (*)(void))st_eof },
	{ OSSL_FUNC_STORE_CLOSE, (void (*)(void))st_close },
	{ 0, NULL },
};
