/* SPDX-License-Identifier: BSD-3-Clause */
/* fixture.c - shared builders of the unit tests (fixture.h). */
#include "config.h"

#include <stdlib.h>

#include <openssl/x509v3.h>

#include "fixture.h"

EVP_PKEY *fx_key(const char *type, const char *param)
{
	EVP_PKEY *k;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)strtoul(param, NULL, 10));
	else if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	if (!k)
		fail_msg("cannot generate a %s %s key", type, param ? param : "");
	return k;
}

static X509_NAME *name_of(const struct fx_cert *s)
{
	X509_NAME *n = X509_NAME_new();
	size_t i;

	assert_non_null(n);
	for (i = 0; s->name && s->name[i]; i += 2) {
		assert_non_null(s->name[i + 1]);
		if (!X509_NAME_add_entry_by_txt(n, s->name[i], MBSTRING_UTF8,
						(const unsigned char *)s->name[i + 1], -1, -1,
						s->one_rdn && i ? -1 : 0))
			fail_msg("cannot add %s=%s to a test certificate's name", s->name[i], s->name[i + 1]);
	}
	return n;
}

X509 *fx_cert(const struct fx_cert *s)
{
	static long serial;
	EVP_PKEY *own = s->pub ? NULL : fx_key("EC", "P-256");
	EVP_PKEY *pub = s->pub ? s->pub : own, *signer = s->sign_key ? s->sign_key : pub;
	X509_NAME *n = name_of(s);
	X509 *x = X509_new();
	X509V3_CTX v3;
	size_t i;

	assert_non_null(x);
	assert_true(X509_set_version(x, 2));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial ? s->serial : ++serial));
	assert_true(X509_set_subject_name(x, n));
	assert_true(X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer) : n));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), s->not_before));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), s->not_after ? s->not_after : 3600));
	assert_true(X509_set_pubkey(x, pub));
	X509V3_set_ctx(&v3, s->issuer ? s->issuer : x, x, NULL, NULL, 0);
	for (i = 0; i < sizeof(s->ext) / sizeof(s->ext[0]) && s->ext[i].nid; i++) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, s->ext[i].nid, s->ext[i].value);

		if (!e)
			fail_msg("bad test extension %s '%s'", OBJ_nid2sn(s->ext[i].nid), s->ext[i].value);
		assert_true(X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	X509_NAME_free(n);
	EVP_PKEY_free(own);
	return x;
}

struct hwe_csrconf *fx_conf(const char *text)
{
	struct hwe_csrconf *c = NULL;

	hwe_err_clear();
	if (hwe_csrconf_parse("t.conf", text, strlen(text), &c) != HWE_OK)
		fail_msg("test CSR config does not parse: %s", hwe_err_message());
	return c;
}
