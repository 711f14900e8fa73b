/* SPDX-License-Identifier: BSD-3-Clause */
/* test-certcheck.c - the issued certificate: key, validity, chain, identity. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "fixture.h"
#include "rc.h"

#define assert_err fx_assert_err

#define DAY (24 * 3600L)

/* ---- fixtures ---------------------------------------------------------- */

static X509 *make_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey,
		       long nb, long na, int ca, const char *san)
{
	const char *name[] = { "O", "Acme", "CN", cn, NULL };
	struct fx_cert spec = {
		.name = name, .pub = pub, .issuer = issuer, .sign_key = ikey,
		.not_before = nb, .not_after = na,
		.ext = { { NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE" },
			 { ca ? NID_key_usage : san ? NID_subject_alt_name : 0,
			   ca ? "critical,keyCertSign,cRLSign" : san },
			 { ca && san ? NID_subject_alt_name : 0, san } },
	};

	return fx_cert(&spec);
}

struct fix {
	EVP_PKEY *root_key, *inter_key, *other_key, *key, *key2;
	X509 *root, *inter, *other_ca, *leaf, *leaf_other_ca, *leaf_key2;
	STACK_OF(X509) *anchors, *resp;
	X509 *issued;
	STACK_OF(X509) *chain;
	struct hwe_certcheck c;
};

static EVP_PKEY *ec(void)
{
	return fx_key("EC", "P-256");
}

static STACK_OF(X509) *stack_of(X509 *a, X509 *b, X509 *c, X509 *d)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *v[4] = { a, b, c, d };
	int i;

	for (i = 0; i < 4 && v[i]; i++) {
		X509_up_ref(v[i]);
		sk_X509_push(sk, v[i]);
	}
	return sk;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hwe_err_clear();
	f->root_key = ec();
	f->inter_key = ec();
	f->other_key = ec();
	f->key = ec();
	f->key2 = ec();
	f->root = make_cert("Root CA", f->root_key, NULL, f->root_key, -DAY, 3650 * DAY, 1, NULL);
	f->inter = make_cert("EST CA", f->inter_key, f->root, f->root_key, -DAY, 365 * DAY, 1, NULL);
	f->other_ca = make_cert("Other CA", f->other_key, NULL, f->other_key, -DAY, 365 * DAY, 1, NULL);
	f->leaf = make_cert("device-1", f->key, f->inter, f->inter_key, -60, 30 * DAY, 0,
			    "DNS:device-1.example,IP:192.0.2.1");
	f->leaf_other_ca = make_cert("device-1", f->key, f->other_ca, f->other_key, -60, 30 * DAY, 0,
				     "DNS:device-1.example,IP:192.0.2.1");
	f->leaf_key2 = make_cert("someone-else", f->key2, f->inter, f->inter_key, -60, 30 * DAY, 0, NULL);
	f->anchors = stack_of(f->root, NULL, NULL, NULL);
	f->c.key = f->key;
	f->c.anchors = f->anchors;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	X509_free(f->issued);
	sk_X509_pop_free(f->chain, X509_free);
	sk_X509_pop_free(f->resp, X509_free);
	sk_X509_pop_free(f->anchors, X509_free);
	X509_free(f->root);
	X509_free(f->inter);
	X509_free(f->other_ca);
	X509_free(f->leaf);
	X509_free(f->leaf_other_ca);
	X509_free(f->leaf_key2);
	EVP_PKEY_free(f->root_key);
	EVP_PKEY_free(f->inter_key);
	EVP_PKEY_free(f->other_key);
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(f->key2);
	free(f);
	hwe_err_clear();
	return 0;
}

static int run(struct fix *f)
{
	X509_free(f->issued);
	sk_X509_pop_free(f->chain, X509_free);
	f->issued = NULL;
	f->chain = NULL;
	hwe_err_clear();
	return hwe_certcheck_issued(&f->c, f->resp, &f->issued, &f->chain);
}

static void set_resp(struct fix *f, X509 *a, X509 *b, X509 *c, X509 *d)
{
	sk_X509_pop_free(f->resp, X509_free);
	f->resp = stack_of(a, b, c, d);
}

static void assert_chain(struct fix *f, X509 *a, X509 *b)
{
	assert_non_null(f->issued);
	assert_int_equal(X509_cmp(f->issued, f->leaf), 0);
	assert_non_null(f->chain);
	assert_int_equal(sk_X509_num(f->chain), b ? 2 : 1);
	assert_int_equal(X509_cmp(sk_X509_value(f->chain, 0), a), 0);
	if (b)
		assert_int_equal(X509_cmp(sk_X509_value(f->chain, 1), b), 0);
}

static void assert_failed_clean(struct fix *f)
{
	assert_null(f->issued);
	assert_null(f->chain);
}

/* ---- tests ------------------------------------------------------------- */

static void test_good(void **state)
{
	struct fix *f = *state;

	set_resp(f, f->leaf, f->inter, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_false(hwe_err_pending());
	assert_chain(f, f->inter, f->root);
	/* the result is ours: it survives the response */
	sk_X509_pop_free(f->resp, X509_free);
	f->resp = NULL;
	assert_non_null(X509_get_subject_name(f->issued));
}

static void test_any_order(void **state)
{
	struct fix *f = *state;

	/* the leaf last, with the root and another end-entity around it */
	set_resp(f, f->root, f->leaf_key2, f->inter, f->leaf);
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, f->root);
	set_resp(f, f->inter, f->leaf, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, f->root);
}

static void test_public_only_key(void **state)
{
	struct fix *f = *state;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int len;

	/* a hardware key exposes only its public half: that must be enough */
	len = i2d_PUBKEY(f->key, &der);
	assert_true(len > 0);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	assert_non_null(pub);
	f->c.key = pub;
	set_resp(f, f->leaf, f->inter, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, f->root);
	f->c.key = f->key;
	EVP_PKEY_free(pub);
	OPENSSL_free(der);
}

static void test_wrong_key(void **state)
{
	struct fix *f = *state;
	EVP_PKEY *rsa = fx_key("RSA", "2048");

	set_resp(f, f->inter, f->leaf_key2, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH,
		   "the issued certificate does not carry our public key (subject 'O = Acme, CN = someone-else')");
	assert_non_null(hwe_err_hint_text());
	assert_failed_clean(f);
	/* a key of another type */
	assert_non_null(rsa);
	f->c.key = rsa;
	set_resp(f, f->leaf, f->inter, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH, "subject 'O = Acme, CN = device-1'");
	assert_failed_clean(f);
	f->c.key = f->key;
	EVP_PKEY_free(rsa);
	/* CA certificates only */
	set_resp(f, f->inter, f->root, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH, "does not carry our public key");
	/* nothing at all */
	sk_X509_pop_free(f->resp, X509_free);
	f->resp = sk_X509_new_null();
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_KEY_MISMATCH, "no certificate");
}

static void test_expired(void **state)
{
	struct fix *f = *state;
	X509 *old = make_cert("device-1", f->key, f->inter, f->inter_key, -10 * DAY, -DAY, 0, NULL);

	set_resp(f, old, f->inter, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_EXPIRED, "the issued certificate has expired: notAfter ");
	assert_non_null(strstr(hwe_err_message(), "GMT (subject 'O = Acme, CN = device-1')"));
	assert_non_null(strstr(hwe_err_hint_text(), "clock"));
	assert_failed_clean(f);
	/* a good certificate, but the clock says 31 days later */
	set_resp(f, f->leaf, f->inter, NULL, NULL);
	f->c.now = time(NULL) + 31 * DAY;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_EXPIRED, "has expired");
	f->c.now = 0;
	X509_free(old);
}

static void test_not_yet_valid(void **state)
{
	struct fix *f = *state;
	X509 *future = make_cert("device-1", f->key, f->inter, f->inter_key, DAY, 30 * DAY, 0, NULL);

	set_resp(f, future, f->inter, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_NOT_YET_VALID,
		   "the issued certificate is not yet valid: notBefore ");
	assert_failed_clean(f);
	/* a good certificate, but the clock is an hour behind */
	set_resp(f, f->leaf, f->inter, NULL, NULL);
	f->c.now = time(NULL) - 3600;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_NOT_YET_VALID, "not yet valid");
	f->c.now = 0;
	X509_free(future);
}

static void test_unchained(void **state)
{
	struct fix *f = *state;

	/* issued by a CA we do not trust, which the server even sent along */
	set_resp(f, f->leaf_other_ca, f->other_ca, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
		   "Issued certificate is not validated with its CA Certs (");
	assert_string_equal(hwe_err_hint_text(),
			    "Ensure you downloaded the EST CA certificate (hwenroll cacerts --uri URL)");
	assert_failed_clean(f);
	/* the intermediate missing from the response, only the root trusted */
	set_resp(f, f->leaf, NULL, NULL, NULL);
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
		   "Issued certificate is not validated with its CA Certs (unable to get local issuer certificate)");
	assert_failed_clean(f);
	/* the response's own root is not a trust anchor */
	set_resp(f, f->leaf, f->inter, f->root, NULL);
	sk_X509_pop_free(f->anchors, X509_free);
	f->anchors = stack_of(f->other_ca, NULL, NULL, NULL);
	f->c.anchors = f->anchors;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
		   "Issued certificate is not validated with its CA Certs (");
	assert_failed_clean(f);
}

static void test_no_anchors(void **state)
{
	struct fix *f = *state;
	STACK_OF(X509) *none = sk_X509_new_null();

	set_resp(f, f->leaf, f->inter, f->root, NULL);
	f->c.anchors = NULL;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
		   "no EST CA certificate in the keystore's ca/ directory to validate the issued certificate");
	assert_string_equal(hwe_err_hint_text(),
			    "Ensure you downloaded the EST CA certificate: run 'hwenroll cacerts --uri URL'");
	assert_failed_clean(f);
	f->c.anchors = none;
	f->c.ca_dir = "/tmp/ks/ca/";
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
		   "no EST CA certificate in /tmp/ks/ca/ to validate");
	f->c.anchors = f->anchors;
	sk_X509_free(none);
}

static void test_intermediate_anchor(void **state)
{
	struct fix *f = *state;

	/* ca/ holds the issuing EST CA only (a subordinate): partial chain */
	sk_X509_pop_free(f->anchors, X509_free);
	f->anchors = stack_of(f->other_ca, f->inter, NULL, NULL);
	f->c.anchors = f->anchors;
	set_resp(f, f->leaf, NULL, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, NULL);
	/* and when the server sends the intermediate too */
	set_resp(f, f->leaf, f->inter, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, NULL);
	/* both root and intermediate in ca/ */
	sk_X509_pop_free(f->anchors, X509_free);
	f->anchors = stack_of(f->root, f->inter, NULL, NULL);
	f->c.anchors = f->anchors;
	assert_int_equal(run(f), HWE_OK);
	assert_int_equal(X509_cmp(sk_X509_value(f->chain, 0), f->inter), 0);
}

static void test_reenroll(void **state)
{
	struct fix *f = *state;
	X509 *same = make_cert("device-1", f->key2, f->inter, f->inter_key, -30 * DAY, DAY, 0,
			       "DNS:device-1.example,IP:192.0.2.1");
	X509 *other_cn = make_cert("device-2", f->key2, f->inter, f->inter_key, -30 * DAY, DAY, 0,
				   "DNS:device-1.example,IP:192.0.2.1");
	X509 *other_san = make_cert("device-1", f->key2, f->inter, f->inter_key, -30 * DAY, DAY, 0,
				    "DNS:device-1.example,IP:192.0.2.2");
	X509 *no_san = make_cert("device-1", f->key2, f->inter, f->inter_key, -30 * DAY, DAY, 0, NULL);
	X509 *leaf_no_san = make_cert("device-1", f->key, f->inter, f->inter_key, -60, DAY, 0, NULL);

	set_resp(f, f->leaf, f->inter, NULL, NULL);
	f->c.previous = same;
	assert_int_equal(run(f), HWE_OK);
	assert_chain(f, f->inter, f->root);

	f->c.previous = other_cn;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED,
		   "subject 'O = Acme, CN = device-1' differs from the current certificate's subject 'O = Acme, CN = device-2'");
	assert_failed_clean(f);

	f->c.previous = other_san;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED, "subjectAltName");
	assert_non_null(strstr(hwe_err_message(), "192.0.2.1"));
	assert_non_null(strstr(hwe_err_message(), "192.0.2.2"));
	assert_non_null(strstr(hwe_err_message(), "CN = device-1"));
	assert_failed_clean(f);

	/* SAN absent before, present now */
	f->c.previous = no_san;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED, "differs from the current certificate's 'none'");
	assert_failed_clean(f);

	/* absent on both sides is unchanged */
	set_resp(f, f->inter, leaf_no_san, NULL, NULL);
	assert_int_equal(run(f), HWE_OK);
	assert_int_equal(X509_cmp(f->issued, leaf_no_san), 0);

	/* present now, absent before */
	f->c.previous = same;
	assert_err(run(f), HWE_EXIT_CERT, HWE_ERR_CERT_SUBJECT_CHANGED, "subjectAltName 'none' differs");
	f->c.previous = NULL;
	X509_free(same);
	X509_free(other_cn);
	X509_free(other_san);
	X509_free(no_san);
	X509_free(leaf_no_san);
}

static void test_args(void **state)
{
	struct fix *f = *state;

	set_resp(f, f->leaf, f->inter, NULL, NULL);
	assert_err(hwe_certcheck_issued(&f->c, f->resp, NULL, &f->chain), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "invalid arguments");
	hwe_err_clear();
	f->c.key = NULL;
	assert_err(run(f), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "invalid arguments");
	f->c.key = f->key;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_public_only_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_yet_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_anchors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intermediate_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reenroll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
