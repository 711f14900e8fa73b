/* SPDX-License-Identifier: BSD-3-Clause */
/* certcheck.c - verify the issued certificate before anything is stored. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "log.h"
#include "rc.h"

#define HINT_EST_CA "Ensure you downloaded the EST CA certificate (hwenroll cacerts --uri URL)"

/* Copy a BIO's contents into buf as sanitized one-line text. */
static const char *bio_text(BIO *b, char *buf, size_t n)
{
	char *data = NULL;
	long len = b ? BIO_get_mem_data(b, &data) : 0;

	if (len <= 0 || !data) {
		snprintf(buf, n, "?");
		return buf;
	}
	return hwe_sanitize(data, (size_t)len, buf, n);
}

/* "C = US, O = Acme, CN = device-1" */
static const char *name_text(const X509_NAME *name, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b && name)
		X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE);
	bio_text(b, buf, n);
	BIO_free(b);
	return buf;
}

static const char *time_text(const ASN1_TIME *t, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b && t)
		ASN1_TIME_print(b, t);
	bio_text(b, buf, n);
	BIO_free(b);
	return buf;
}

static const char *san_text(X509 *x, char *buf, size_t n)
{
	int i = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
	BIO *b;

	if (i < 0) {
		snprintf(buf, n, "none");
		return buf;
	}
	b = BIO_new(BIO_s_mem());
	if (b && !X509V3_EXT_print(b, X509_get_ext(x, i), 0, 0))
		BIO_puts(b, "unprintable");
	bio_text(b, buf, n);
	BIO_free(b);
	return buf;
}

/* DER SubjectPublicKeyInfo of a key; only the public part is encoded, so
 * provider keys (TPM, PKCS#11) whose private part stays inside work. */
static int pubkey_der(EVP_PKEY *pk, unsigned char **der)
{
	*der = NULL;
	return pk ? i2d_PUBKEY(pk, der) : -1;
}

static int same_der(const unsigned char *a, int alen, const unsigned char *b, int blen)
{
	return alen > 0 && alen == blen && memcmp(a, b, (size_t)alen) == 0;
}

/* Does x carry our public key?  Compared as DER SubjectPublicKeyInfo, both
 * as the certificate encodes it and re-encoded through EVP_PKEY (so an
 * equivalent encoding, e.g. another EC point form, still matches).  If our
 * key's provider cannot encode its public half (ours == NULL), fall back to
 * EVP_PKEY_eq, which compares public components only. */
static int carries_key(X509 *x, EVP_PKEY *key, const unsigned char *ours, int ourlen)
{
	unsigned char *der = NULL;
	int len, match;

	if (!ours) {
		match = X509_get0_pubkey(x) && EVP_PKEY_eq(key, X509_get0_pubkey(x)) == 1;
		ERR_clear_error();
		return match;
	}
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	match = same_der(ours, ourlen, der, len);
	OPENSSL_free(der);
	if (match)
		return 1;
	der = NULL;
	len = pubkey_der(X509_get0_pubkey(x), &der);
	match = same_der(ours, ourlen, der, len);
	OPENSSL_free(der);
	ERR_clear_error();
	return match;
}

/* The certificate to name when none matches: the first end-entity one. */
static X509 *likely_leaf(STACK_OF(X509) *resp)
{
	int i;

	for (i = 0; i < sk_X509_num(resp); i++)
		if (X509_check_ca(sk_X509_value(resp, i)) == 0)
			return sk_X509_value(resp, i);
	return sk_X509_value(resp, 0);
}

static int check_validity(X509 *x, time_t now)
{
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	char subj[256], when[64], clock[64];
	struct tm tm;
	int c;

	name_text(X509_get_subject_name(x), subj, sizeof(subj));
	if (gmtime_r(&now, &tm))
		strftime(clock, sizeof(clock), "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(clock, sizeof(clock), "%lld", (long long)now);
	c = X509_cmp_time(nb, &now);
	if (c == 0)
		return hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_NOT_YET_VALID,
			       "the issued certificate has an invalid notBefore (subject '%s')", subj);
	if (c > 0) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_NOT_YET_VALID,
			"the issued certificate is not yet valid: notBefore %s (subject '%s')",
			time_text(nb, when, sizeof(when)), subj);
		hwe_err_hint("Check this device's clock (it reads %s) and the EST server's", clock);
		return HWE_EXIT_CERT;
	}
	c = X509_cmp_time(na, &now);
	if (c == 0)
		return hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_EXPIRED,
			       "the issued certificate has an invalid notAfter (subject '%s')", subj);
	if (c < 0) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_EXPIRED,
			"the issued certificate has expired: notAfter %s (subject '%s')",
			time_text(na, when, sizeof(when)), subj);
		hwe_err_hint("Check this device's clock (it reads %s) and the EST server's", clock);
		return HWE_EXIT_CERT;
	}
	return HWE_OK;
}

/*
 * Build and verify the chain.  The anchors (<ks>/ca/) are trusted; the other
 * response certificates are untrusted intermediates.  X509_V_FLAG_PARTIAL_CHAIN
 * is set because the EST CA certificate that /cacerts stored may itself be an
 * intermediate (a subordinate issuing CA under a root the device never saw):
 * an explicitly installed anchor is trusted whether or not it is
 * self-signed, which is what the admin meant by putting it in <ks>/ca/.
 * No purpose is set: EST servers issue client, server and device profiles,
 * and the EKU is the PKI's policy, not this client's.
 */
static int verify_chain(const struct hwe_certcheck *c, STACK_OF(X509) *resp, X509 *leaf,
			time_t now, STACK_OF(X509) **chain)
{
	int ret = HWE_EXIT_CERT, i, r;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *full = NULL;
	X509_VERIFY_PARAM *param;

	if (sk_X509_num(c->anchors) <= 0) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
			"no EST CA certificate in %s to validate the issued certificate",
			c->ca_dir ? c->ca_dir : "the keystore's ca/ directory");
		hwe_err_hint("Ensure you downloaded the EST CA certificate: run 'hwenroll cacerts --uri URL'");
		goto out;
	}
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		ret = hwe_err_oom();
		goto out;
	}
	for (i = 0; i < sk_X509_num(c->anchors); i++) {
		if (!X509_STORE_add_cert(store, sk_X509_value(c->anchors, i))) {
			ret = hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot add a trust anchor");
			goto out;
		}
	}
	if (!X509_STORE_CTX_init(ctx, store, leaf, resp)) {
		ret = hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot set up certificate verification");
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, now);
	r = X509_verify_cert(ctx);
	if (r <= 0) {
		int e = X509_STORE_CTX_get_error(ctx);

		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
			"Issued certificate is not validated with its CA Certs (%s)",
			e != X509_V_OK ? X509_verify_cert_error_string(e) : "verification failed");
		hwe_err_hint(HINT_EST_CA);
		ERR_clear_error();
		goto out;
	}
	full = X509_STORE_CTX_get1_chain(ctx);
	if (!full || sk_X509_num(full) < 1) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "verified chain is empty");
		goto out;
	}
	X509_free(sk_X509_shift(full));     /* the leaf itself */
	hwe_debug("issued certificate verified, chain of %d CA certificate(s)", sk_X509_num(full));
	*chain = full;
	full = NULL;
	ret = HWE_OK;
out:
	sk_X509_pop_free(full, X509_free);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

static const ASN1_OCTET_STRING *san_der(X509 *x)
{
	int i = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);

	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(x, i));
}

/* Reenroll keeps the identity: same subject, same subjectAltName (the DER
 * of the extension value; both absent is equal). */
static int check_same_identity(X509 *prev, X509 *leaf)
{
	const ASN1_OCTET_STRING *a = san_der(prev), *b = san_der(leaf);
	char ns[256], os[256], nsan[256], osan[256];

	name_text(X509_get_subject_name(leaf), ns, sizeof(ns));
	name_text(X509_get_subject_name(prev), os, sizeof(os));
	if (X509_NAME_cmp(X509_get_subject_name(prev), X509_get_subject_name(leaf)) != 0) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED,
			"the reissued certificate's subject '%s' differs from the current certificate's subject '%s'",
			ns, os);
		hwe_err_hint("Re-enrollment keeps the identity; check the EST server's certificate profile, or enroll a new alias");
		return HWE_EXIT_CERT;
	}
	if ((a == NULL) != (b == NULL) || (a && ASN1_OCTET_STRING_cmp(a, b) != 0)) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED,
			"the reissued certificate's subjectAltName '%s' differs from the current certificate's '%s' (subject '%s', current subject '%s')",
			san_text(leaf, nsan, sizeof(nsan)), san_text(prev, osan, sizeof(osan)), ns, os);
		hwe_err_hint("Re-enrollment keeps the identity; check the EST server's certificate profile, or enroll a new alias");
		return HWE_EXIT_CERT;
	}
	return HWE_OK;
}

int hwe_certcheck_issued(const struct hwe_certcheck *c, STACK_OF(X509) *resp,
			 X509 **issued, STACK_OF(X509) **chain)
{
	int ret = HWE_EXIT_CERT, ourlen, i;
	unsigned char *ours = NULL;
	STACK_OF(X509) *vchain = NULL;
	X509 *leaf = NULL;
	time_t now;
	char subj[256];

	if (!c || !c->key || !issued || !chain)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "certificate check: invalid arguments");
	*issued = NULL;
	*chain = NULL;
	if (sk_X509_num(resp) <= 0)
		return hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH,
			       "the response holds no certificate to check");
	now = c->now ? c->now : time(NULL);
	ourlen = pubkey_der(c->key, &ours);
	if (ourlen <= 0) {
		OPENSSL_free(ours);
		ours = NULL;
		ERR_clear_error();
		hwe_debug("our key's provider cannot encode its public key; comparing key components");
	}
	for (i = 0; i < sk_X509_num(resp) && !leaf; i++)
		if (carries_key(sk_X509_value(resp, i), c->key, ours, ourlen))
			leaf = sk_X509_value(resp, i);
	if (!leaf) {
		hwe_err(HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH,
			"the issued certificate does not carry our public key (subject '%s')",
			name_text(X509_get_subject_name(likely_leaf(resp)), subj, sizeof(subj)));
		hwe_err_hint("The EST server returned a certificate for another key; check the request and the server's logs");
		goto out;
	}
	hwe_debug("issued certificate: subject '%s'",
		  name_text(X509_get_subject_name(leaf), subj, sizeof(subj)));
	if ((ret = check_validity(leaf, now)) != HWE_OK)
		goto out;
	if ((ret = verify_chain(c, resp, leaf, now, &vchain)) != HWE_OK)
		goto out;
	if (c->previous && (ret = check_same_identity(c->previous, leaf)) != HWE_OK)
		goto out;
	if (!X509_up_ref(leaf)) {
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot reference the issued certificate");
		goto out;
	}
	*issued = leaf;
	*chain = vchain;
	vchain = NULL;
	ret = HWE_OK;
out:
	sk_X509_pop_free(vchain, X509_free);
	OPENSSL_free(ours);
	return ret;
}
