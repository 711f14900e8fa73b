/* SPDX-License-Identifier: BSD-3-Clause */
/* key-pkcs11.c - keys on PKCS#11 tokens through hwenroll's own provider
 * (providers/pkcs11, "hwenroll-pkcs11"): generated on the token, sensitive
 * and non-extractable; the key file holds the object's pkcs11: URI. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P11_KIT_FUTURE_UNSTABLE_API 1   /* the iterator (p11-kit's own tools use it) */
#include <p11-kit/iter.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>

#include "key.h"
#include "log.h"
#include "ossl-fetch.h"
#include "rc.h"
#include "redact.h"

#define P11_PROVIDER "hwenroll-pkcs11"
#define P11_PROPS "provider=" P11_PROVIDER

static OSSL_PROVIDER *prov_default, *prov_p11;
/* token part of the last key loaded: --rekey without --token-uri makes the
 * new key on the token of the current one */
static char last_token[512];

/* ---- errors -------------------------------------------------------------- */

/* The provider's error text ("what: C_Xxx: CKR_NAME (0x..)"), drained:
 * the provider's own entries if there are any, else all of them. */
static void drain_errors(char *buf, size_t buflen)
{
	struct {
		int ours;
		char txt[256];
	} ent[16];
	const char *data = NULL, *lib, *r;
	unsigned long e;
	size_t n = 0, cnt = 0, i;
	int flags = 0, ours = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		r = (data && (flags & ERR_TXT_STRING) && *data) ? data : ERR_reason_error_string(e);
		if (!r || cnt == sizeof(ent) / sizeof(ent[0]))
			continue;
		lib = ERR_lib_error_string(e);
		ent[cnt].ours = lib && strcmp(lib, P11_PROVIDER) == 0;
		ours |= ent[cnt].ours;
		snprintf(ent[cnt].txt, sizeof(ent[cnt].txt), "%s", r);
		cnt++;
	}
	for (i = 0; i < cnt; i++)
		if ((!ours || ent[i].ours) && n < buflen)
			n += (size_t)snprintf(buf + n, buflen - n, "%s%s", n ? "; " : "", ent[i].txt);
}

/* o->pkcs11_module: --pkcs11-module, HWENROLL_PKCS11_MODULE or the config
 * file (resolved with the other options) */
static const char *module_name(const struct hwe_key_opts *o)
{
	return o->pkcs11_module && *o->pkcs11_module ? o->pkcs11_module : "p11-kit-proxy.so";
}

/* A URI for a message: never its pin-value (redact.h). */
#define SHOWN(uri, buf) hwe_redact_uri((uri), (buf), sizeof(buf))

/* Record a failed token operation: name the module and token and the fix. */
static int p11_fail(const struct hwe_key_opts *o, const char *what)
{
	char detail[1024], shown[1024];
	const char *tok = o->token_uri ? SHOWN(o->token_uri, shown) : "the token";

	drain_errors(detail, sizeof(detail));
	if (!*detail)
		snprintf(detail, sizeof(detail), "no detail from the provider");
	hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11, "%s: %s", what, detail);
	if (strstr(detail, "cannot load PKCS#11 module"))
		hwe_err_hint("check --pkcs11-module '%s': it must be the path of an installed PKCS#11 "
			     "module (e.g. /usr/lib/softhsm/libsofthsm2.so)", module_name(o));
	else if (strstr(detail, "no token matches") || strstr(detail, "is no longer present"))
		hwe_err_hint("check --token-uri '%s' against the tokens of module '%s' "
			     "(p11tool --list-tokens or pkcs11-tool --module %s -L)", tok,
			     module_name(o), module_name(o));
	else if (strstr(detail, "CKR_PIN_INCORRECT") || strstr(detail, "CKR_PIN_INVALID") ||
		 strstr(detail, "CKR_PIN_LEN_RANGE"))
		hwe_err_hint("the user PIN of %s is wrong: fix --pin-file or HWENROLL_PKCS11_PIN "
			     "(repeated failures may lock the PIN)", tok);
	else if (strstr(detail, "bytes (the longest PIN"))
		hwe_err_hint("the PIN is too long for the token: check that --pin-file or "
			     "HWENROLL_PKCS11_PIN holds only the PIN (the first line of the file)");
	else if (strstr(detail, "private keys: add id= or object="))
		hwe_err_hint("several key objects on %s match the key file's id and label: delete "
			     "the duplicates (pkcs11-tool --list-objects, --delete-object) or make "
			     "the URI in the key file name one", tok);
	else if (strstr(detail, "CKR_PIN_LOCKED"))
		hwe_err_hint("the user PIN of %s is locked: have the token's security officer unblock "
			     "it (e.g. pkcs11-tool --init-pin --login-type so, softhsm2-util)", tok);
	else if (strstr(detail, "needs a PIN"))
		hwe_err_hint("give the user PIN with --pin-file FILE or HWENROLL_PKCS11_PIN");
	else if (strstr(detail, "no object matches") || strstr(detail, "no longer on token"))
		hwe_err_hint("the key object is gone from %s: create a new key with 'hwenroll keygen' "
			     "or 'reenroll --rekey'", tok);
	else if (strstr(detail, "does not support CKM_"))
		hwe_err_hint("choose an algorithm the token supports (--algorithm, --curve, --size) "
			     "or another token");
	else if (strstr(detail, "CKR_DEVICE_MEMORY") || strstr(detail, "is full"))
		hwe_err_hint("%s has no room for another key: delete unused objects "
			     "(pkcs11-tool --delete-object) or use another token", tok);
	return HWE_EXIT_KEY;
}

/* ---- process setup ------------------------------------------------------- */

static int pk11_init(const struct hwe_key_opts *o)
{
	char detail[512];

	/* the provider reads the module path when it first needs the module */
	if (o->pkcs11_module && *o->pkcs11_module &&
	    setenv("HWENROLL_PKCS11_MODULE", o->pkcs11_module, 1) != 0)
		return hwe_err_oom();
	if (prov_p11)
		return HWE_OK;
	/* default first: everything without a property query stays there */
	if (!prov_default && !(prov_default = OSSL_PROVIDER_load(NULL, "default")))
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				    "cannot load the OpenSSL default provider");
	prov_p11 = OSSL_PROVIDER_load(NULL, P11_PROVIDER);
	if (!prov_p11) {
		drain_errors(detail, sizeof(detail));
		hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11, "cannot load the OpenSSL provider '%s': %s",
			P11_PROVIDER, *detail ? detail : "not found");
		hwe_err_hint("install hwenroll-pkcs11.so into OpenSSL's modules directory "
			     "(make install) or point OPENSSL_MODULES at the directory holding it");
		return HWE_EXIT_KEY;
	}
	/* as for tpm2: unqueried fetches prefer the default provider */
	if (hwe_ossl_prefer_default())
		return HWE_EXIT_INTERNAL;
	hwe_debug("pkcs11: providers default and " P11_PROVIDER " loaded (module '%s')",
		  module_name(o));
	return HWE_OK;
}

static void pk11_fini(void)
{
	if (prov_p11)
		OSSL_PROVIDER_unload(prov_p11);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	prov_p11 = prov_default = NULL;
}

/* ---- URIs ---------------------------------------------------------------- */

/* The PIN goes to the provider as the pkcs11_pin parameter (of the key
 * generation and of the store), never inside a URI: no URI holding a PIN
 * is built, copied or shown. */
#define P11_PARAM_PIN "pkcs11_pin"

/* The key object's URI: the token part of token_uri, id, object, type;
 * without pin-value (pin-source, a file name, is kept). */
static int object_uri(const char *token_uri, const unsigned char *id, size_t idlen,
		      const char *label, char **out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE a;
	P11KitUri *u = p11_kit_uri_new();
	int ret = HWE_EXIT_USAGE, rc;

	*out = NULL;
	if (!u)
		return hwe_err_oom();
	rc = p11_kit_uri_parse(token_uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, u);
	if (rc != P11_KIT_URI_OK) {
		char shown[1024];

		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "bad --token-uri '%s': %s",
			      SHOWN(token_uri, shown), p11_kit_uri_message(rc));
		hwe_err_hint("use an RFC 7512 URI such as 'pkcs11:token=LABEL'");
		goto out;
	}
	p11_kit_uri_set_pin_value(u, NULL);
	a.type = CKA_ID;
	a.pValue = (void *)id;
	a.ulValueLen = idlen;
	p11_kit_uri_set_attribute(u, &a);
	a.type = CKA_LABEL;
	a.pValue = (void *)label;
	a.ulValueLen = strlen(label);
	p11_kit_uri_set_attribute(u, &a);
	a.type = CKA_CLASS;
	a.pValue = &cls;
	a.ulValueLen = sizeof(cls);
	p11_kit_uri_set_attribute(u, &a);
	if (p11_kit_uri_format(u, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, out) != P11_KIT_URI_OK) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot format the key URI");
		goto out;
	}
	ret = HWE_OK;
out:
	p11_kit_uri_free(u);
	return ret;
}

/* ---- generate / load ------------------------------------------------------ */

static char *blob_text(const unsigned char *blob, size_t bloblen);
static void free_text(char *s);

/* Where a new key goes: the token (--token-uri, else the token of the
 * current key) and the alias (its label). */
static int new_key_target(const struct hwe_key_opts *o, const char **token_uri)
{
	char shown[1024];

	*token_uri = o->token_uri;
	if ((!o->token_uri || !*o->token_uri) && last_token[0]) {
		hwe_debug("pkcs11: new key on the token of the current key, %s",
			  SHOWN(last_token, shown));
		*token_uri = last_token;
	}
	if (!*token_uri || !**token_uri) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "pkcs11 keys need --token-uri");
		hwe_err_hint("name the token, e.g. --token-uri 'pkcs11:token=LABEL'");
		return HWE_EXIT_USAGE;
	}
	if (!o->alias || !*o->alias)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "pkcs11 keys need a key alias");
	return HWE_OK;
}

/* The URI of the key object a generate() makes: a fresh random CKA_ID on
 * the target token, labelled with the alias. */
static int pk11_plan(const struct hwe_key_opts *o, unsigned char **blob, size_t *bloblen)
{
	const char *tok;
	unsigned char id[16];
	char *obj = NULL;
	int ret;

	*blob = NULL;
	*bloblen = 0;
	if ((ret = new_key_target(o, &tok)))
		return ret;
	if (RAND_bytes(id, sizeof(id)) != 1)
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "no random bytes for CKA_ID");
	if ((ret = object_uri(tok, id, sizeof(id), o->alias, &obj)))
		return ret;
	*blob = (unsigned char *)OPENSSL_strdup(obj);
	free(obj);
	if (!*blob)
		return hwe_err_oom();
	*bloblen = strlen((char *)*blob);
	return HWE_OK;
}

/* the CKA_ID of a planned key's URI, into id (at most *idlen bytes) */
static int planned_id(const struct hwe_key_opts *o, unsigned char *id, size_t *idlen)
{
	char *text = blob_text(o->planned, o->planned_len), shown[1024];
	P11KitUri *u = p11_kit_uri_new();
	CK_ATTRIBUTE *a;
	int ret = HWE_OK;

	if (!u || !text || p11_kit_uri_parse(text, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, u) != P11_KIT_URI_OK ||
	    !(a = p11_kit_uri_get_attribute(u, CKA_ID)) || !a->ulValueLen || a->ulValueLen > *idlen)
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_KEY_BACKEND, "bad planned key URI '%s'",
			      text ? SHOWN(text, shown) : "");
	else {
		memcpy(id, a->pValue, a->ulValueLen);
		*idlen = a->ulValueLen;
	}
	p11_kit_uri_free(u);
	free_text(text);
	return ret;
}

static int pk11_generate(const struct hwe_key_opts *o, const struct hwe_keyspec *spec,
			 EVP_PKEY **pkey, unsigned char **blob, size_t *bloblen)
{
	int ret = HWE_EXIT_KEY;
	struct hwe_key_opts o2;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	unsigned char id[64];
	size_t idlen = 16;
	const char *tok;
	char *obj = NULL, what[1024], shown[1024];
	OSSL_PARAM p[6];
	size_t bits = spec->bits;
	int n = 0;

	*pkey = NULL;
	*blob = NULL;
	if ((ret = new_key_target(o, &tok)))
		return ret;
	o2 = *o;
	o2.token_uri = tok;
	o = &o2;
	if (o->planned) {
		idlen = sizeof(id);
		if ((ret = planned_id(o, id, &idlen)))
			return ret;
	} else if (RAND_bytes(id, (int)idlen) != 1) {
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "no random bytes for CKA_ID");
	}
	ret = object_uri(tok, id, idlen, o->alias, &obj);
	if (ret)
		goto out;
	ret = HWE_EXIT_KEY;
	p[n++] = OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)tok, 0);
	if (o->pin)
		p[n++] = OSSL_PARAM_construct_utf8_string(P11_PARAM_PIN, (char *)o->pin, 0);
	p[n++] = OSSL_PARAM_construct_utf8_string("pkcs11_label", (char *)o->alias, 0);
	p[n++] = OSSL_PARAM_construct_octet_string("pkcs11_id", id, idlen);
	if (spec->alg == HWE_ALG_EC)
		p[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							  (char *)OBJ_nid2sn(spec->curve_nid), 0);
	else
		p[n++] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
	p[n] = OSSL_PARAM_construct_end();
	snprintf(what, sizeof(what), "cannot generate %s key '%s' on '%s' (module '%s')",
		 spec->alg == HWE_ALG_EC ? "an EC" : "an RSA", o->alias, SHOWN(tok, shown),
		 module_name(o));
	c = EVP_PKEY_CTX_new_from_name(NULL, spec->alg == HWE_ALG_EC ? "EC" : "RSA", P11_PROPS);
	if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_CTX_set_params(c, p) <= 0 ||
	    EVP_PKEY_generate(c, &k) <= 0) {
		ret = p11_fail(o, what);
		goto out;
	}
	*blob = (unsigned char *)OPENSSL_strdup(obj);
	if (!*blob) {
		ret = hwe_err_oom();
		goto out;
	}
	*bloblen = strlen(obj);
	*pkey = k;
	k = NULL;
	hwe_info("pkcs11: generated key '%s' on the token: %s", o->alias, SHOWN(obj, shown));
	ret = HWE_OK;
out:
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(c);
	free(obj);
	return ret;
}

/* Remember the token part of a key URI (token, serial, model, manufacturer). */
static void remember_token(const char *text)
{
	P11KitUri *u = p11_kit_uri_new();
	char *tok = NULL;

	if (u && p11_kit_uri_parse(text, P11_KIT_URI_FOR_TOKEN, u) == P11_KIT_URI_OK &&
	    p11_kit_uri_format(u, P11_KIT_URI_FOR_TOKEN, &tok) == P11_KIT_URI_OK && tok &&
	    strlen(tok) < sizeof(last_token))
		memcpy(last_token, tok, strlen(tok) + 1);
	free(tok);
	p11_kit_uri_free(u);
}

/* The blob as a C string (it is URI text; no NUL inside).  Free it with
 * free_text(): a key file a user wrote may hold a pin-value. */
static char *blob_text(const unsigned char *blob, size_t bloblen)
{
	char *s;

	if (memchr(blob, '\0', bloblen))
		return NULL;
	s = OPENSSL_malloc(bloblen + 1);
	if (!s)
		return NULL;
	memcpy(s, blob, bloblen);
	while (bloblen > 0 && (s[bloblen - 1] == '\n' || s[bloblen - 1] == '\r' ||
			       s[bloblen - 1] == ' '))
		bloblen--;
	s[bloblen] = '\0';
	return s;
}

static void free_text(char *s)
{
	if (s)
		OPENSSL_clear_free(s, strlen(s));
}

static int pk11_load(const struct hwe_key_opts *o, const unsigned char *blob, size_t bloblen,
		     EVP_PKEY **pkey)
{
	int ret = HWE_EXIT_KEY;
	OSSL_STORE_CTX *sc = NULL;
	OSSL_STORE_INFO *info;
	EVP_PKEY *k = NULL;
	char *text = NULL, what[1200], shown[1024];
	OSSL_PARAM p[2] = { OSSL_PARAM_END, OSSL_PARAM_END };

	*pkey = NULL;
	text = blob_text(blob, bloblen);
	if (!text || strncmp(text, "pkcs11:", 7) != 0) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
			      "the pkcs11 key file does not hold a pkcs11: URI");
		goto out;
	}
	if (o->pin)
		p[0] = OSSL_PARAM_construct_utf8_string(P11_PARAM_PIN, (char *)o->pin, 0);
	snprintf(what, sizeof(what), "cannot load key '%s' (module '%s')", SHOWN(text, shown),
		 module_name(o));
	sc = OSSL_STORE_open_ex(text, NULL, P11_PROPS, NULL, NULL, p, NULL, NULL);
	if (!sc) {
		ret = p11_fail(o, what);
		goto out;
	}
	OSSL_STORE_expect(sc, OSSL_STORE_INFO_PKEY);
	while (!k && !OSSL_STORE_eof(sc)) {
		info = OSSL_STORE_load(sc);
		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			k = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	if (!k) {
		ret = p11_fail(o, what);
		goto out;
	}
	ERR_clear_error();
	remember_token(text);
	*pkey = k;
	ret = HWE_OK;
out:
	OSSL_STORE_close(sc);
	free_text(text);
	return ret;
}

/* ---- destroy: straight through p11-kit (OSSL_STORE cannot delete) ---------- */

/* On one token (our logged-in RW session): destroy the private and public
 * key objects the URI names, through p11-kit's iterator. */
static void destroy_on_token(CK_FUNCTION_LIST *fl, CK_SLOT_ID slot, CK_SESSION_HANDLE s, P11KitUri *u,
			     int *found)
{
	static const CK_OBJECT_CLASS classes[2] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY };
	CK_OBJECT_CLASS cls;
	CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof(cls) };
	P11KitIter *it;
	CK_RV rv;
	int c;

	for (c = 0; c < 2; c++) {
		cls = classes[c];
		if (p11_kit_uri_set_attribute(u, &a) != P11_KIT_URI_OK || !(it = p11_kit_iter_new(u, 0)))
			continue;
		p11_kit_iter_begin_with(it, fl, slot, s);
		while ((rv = p11_kit_iter_next(it)) == CKR_OK) {
			rv = p11_kit_iter_destroy_object(it);
			if (rv == CKR_OK)
				(*found)++;
			else
				hwe_warn("pkcs11: C_DestroyObject failed: 0x%lx", (unsigned long)rv);
		}
		if (rv != CKR_CANCEL)
			hwe_warn("pkcs11: listing the key objects to delete stopped: 0x%lx", (unsigned long)rv);
		p11_kit_iter_free(it);
	}
}

/* Every private and public key object the URI names (its id, and its
 * label when it has one), on every matching token of mods (as p11-kit's
 * delete-object: no slot or object count limit): the tokens come from
 * p11-kit's iterator, then on each a session of ours, logged in with pin
 * where the token needs it (p11-kit 0.24's iterator cannot log in), is
 * handed to an object iterator.  0 after recording an error. */
static int destroy_objects(CK_FUNCTION_LIST **mods, P11KitUri *u, const char *pin, int *found)
{
	P11KitIter *toks = p11_kit_iter_new(u, P11_KIT_ITER_WITH_TOKENS | P11_KIT_ITER_WITHOUT_OBJECTS);
	CK_FUNCTION_LIST *fl;
	CK_TOKEN_INFO *ti;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	CK_RV rv;
	int ok = 1;

	if (!toks)
		return !hwe_err_oom();
	p11_kit_iter_begin(toks, mods);
	while (ok && (rv = p11_kit_iter_next(toks)) == CKR_OK) {
		if (p11_kit_iter_get_kind(toks) != P11_KIT_ITER_KIND_TOKEN)
			continue;
		fl = p11_kit_iter_get_module(toks);
		slot = p11_kit_iter_get_slot(toks);
		ti = p11_kit_iter_get_token(toks);
		if (fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
			continue;
		if (pin && ti && (ti->flags & CKF_LOGIN_REQUIRED)) {
			rv = fl->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, (CK_ULONG)strlen(pin));
			if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
				hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11,
					"cannot log in to delete the key: C_Login: 0x%lx%s", (unsigned long)rv,
					rv == CKR_PIN_INCORRECT ? " (CKR_PIN_INCORRECT)" :
					rv == CKR_PIN_LOCKED ? " (CKR_PIN_LOCKED)" : "");
				ok = 0;
			}
		}
		if (ok)
			destroy_on_token(fl, slot, s, u, found);
		fl->C_CloseSession(s);
	}
	p11_kit_iter_free(toks);
	return ok;
}

static int pk11_destroy(const struct hwe_key_opts *o, const unsigned char *blob, size_t bloblen)
{
	int ret = HWE_EXIT_KEY, found = 0, rc;
	CK_FUNCTION_LIST **mods = NULL, *one[2] = { NULL, NULL };
	const char *path = o->pkcs11_module && *o->pkcs11_module ? o->pkcs11_module : NULL;
	P11KitUri *u = p11_kit_uri_new();
	char *text = blob_text(blob, bloblen), shown[1024];

	if (!u || !text) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "the pkcs11 key file is unreadable");
		goto out;
	}
	rc = p11_kit_uri_parse(text, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, u);
	if (rc != P11_KIT_URI_OK || !p11_kit_uri_get_attribute(u, CKA_ID)) {
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "bad key URI '%s'", SHOWN(text, shown));
		goto out;
	}
	if (path && *path) {
		one[0] = p11_kit_module_load(path, 0);
		if (!one[0] || p11_kit_module_initialize(one[0]) != CKR_OK) {
			ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11,
				      "cannot load PKCS#11 module '%s' to delete key '%s'", path,
				      SHOWN(text, shown));
			if (one[0])
				p11_kit_module_release(one[0]);
			one[0] = NULL;
			goto out;
		}
		mods = one;
	} else {
		mods = p11_kit_modules_load_and_initialize(0);
		if (!mods) {
			ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_PKCS11,
				      "cannot load the registered PKCS#11 modules to delete key '%s'",
				      SHOWN(text, shown));
			goto out;
		}
	}
	if (!destroy_objects(mods, u, o->pin, &found))
		goto out;
	hwe_info("pkcs11: deleted %d object(s) of %s", found, SHOWN(text, shown));
	ret = HWE_OK;
out:
	if (mods == one && one[0]) {
		p11_kit_module_finalize(one[0]);
		p11_kit_module_release(one[0]);
	} else if (mods) {
		p11_kit_modules_finalize_and_release(mods);
	}
	p11_kit_uri_free(u);
	free_text(text);
	return ret;
}

static void pk11_describe(const unsigned char *blob, size_t bloblen, char *buf, size_t buflen)
{
	char *text = blob_text(blob, bloblen), shown[1024];

	if (!text) {
		snprintf(buf, buflen, "PKCS#11 token key (unreadable key file)");
		return;
	}
	/* never show a PIN (we do not write one, but a user might) */
	snprintf(buf, buflen, "PKCS#11 token, %s", SHOWN(text, shown));
	free_text(text);
}

const struct hwe_key_backend hwe_key_pkcs11 = {
	.name = "pkcs11",
	.ext = ".p11",
	.caps = HWE_KEY_CAP_HARDWARE | HWE_KEY_CAP_DEVICE_OBJ,
	.init = pk11_init,
	.plan = pk11_plan,
	.generate = pk11_generate,
	.load = pk11_load,
	.destroy = pk11_destroy,
	.describe = pk11_describe,
	.fini = pk11_fini,
};
