/* SPDX-License-Identifier: BSD-3-Clause */
/* test-key.c - key layer: keyspec parsing and description, spec of an
 * existing key, public-key comparison, backend table, and the software
 * backend's generate/load round trip for every curve and RSA size. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "key.h"
#include "fixture.h"
#include "rc.h"

static int reset(void **state)
{
	(void)state;
	hwe_err_clear();
	return 0;
}

/* ---- keyspec parsing ----------------------------------------------------- */

static void test_keyspec_accept(void **state)
{
	static const struct {
		const char *alg, *curve, *size;
		enum hwe_key_alg want_alg;
		int nid;
		unsigned bits;
	} ok[] = {
		{ NULL, NULL, NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "ECC", NULL, NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "ecc", "P256", NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "EC", "P-256", NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "ECDSA", "prime256v1", NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "Ecc", "secp256r1", NULL, HWE_ALG_EC, NID_X9_62_prime256v1, 0 },
		{ "ECC", "P384", NULL, HWE_ALG_EC, NID_secp384r1, 0 },
		{ "ECC", "p-384", NULL, HWE_ALG_EC, NID_secp384r1, 0 },
		{ "ECC", "secp384r1", NULL, HWE_ALG_EC, NID_secp384r1, 0 },
		{ "ECC", "P521", NULL, HWE_ALG_EC, NID_secp521r1, 0 },
		{ "ECC", "P-521", NULL, HWE_ALG_EC, NID_secp521r1, 0 },
		{ "ECC", "SECP521R1", NULL, HWE_ALG_EC, NID_secp521r1, 0 },
		{ NULL, "P384", NULL, HWE_ALG_EC, NID_secp384r1, 0 },
		{ "RSA", NULL, NULL, HWE_ALG_RSA, 0, 2048 },
		{ "rsa", NULL, "2048", HWE_ALG_RSA, 0, 2048 },
		{ "RSA", NULL, "3072", HWE_ALG_RSA, 0, 3072 },
		{ "Rsa", NULL, "4096", HWE_ALG_RSA, 0, 4096 },
		{ NULL, NULL, "3072", HWE_ALG_RSA, 0, 3072 },
	};
	struct hwe_keyspec s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&s, 0xa5, sizeof(s));
		if (hwe_keyspec_parse(ok[i].alg, ok[i].curve, ok[i].size, &s) != HWE_OK)
			fail_msg("case %zu (%s/%s/%s) refused: %s", i, ok[i].alg, ok[i].curve,
				 ok[i].size, hwe_err_message());
		assert_int_equal(s.alg, ok[i].want_alg);
		assert_int_equal(s.curve_nid, ok[i].nid);
		assert_int_equal(s.bits, ok[i].bits);
	}
	assert_false(hwe_err_pending());
}

static void test_keyspec_reject(void **state)
{
	static const struct {
		const char *alg, *curve, *size, *needle;
	} bad[] = {
		{ "ECC", NULL, "2048", "'2048'" },
		{ "ECC", "P256", "2048", "--size" },
		{ NULL, "P256", "2048", "--size" },
		{ "RSA", "P256", NULL, "'P256'" },
		{ "RSA", "P256", "2048", "--curve" },
		{ "RSA", NULL, "1024", "'1024'" },
		{ "RSA", NULL, "2048x", "'2048x'" },
		{ "RSA", NULL, "", "''" },
		{ "RSA", NULL, "-2048", "'-2048'" },
		{ "RSA", NULL, "8192", "'8192'" },
		{ "DSA", NULL, NULL, "'DSA'" },
		{ "", NULL, NULL, "unknown algorithm" },
		{ "ED25519", NULL, NULL, "'ED25519'" },
		{ "ECC", "P192", NULL, "'P192'" },
		{ "ECC", "secp256k1", NULL, "'secp256k1'" },
		{ "ECC", "", NULL, "unknown curve" },
		{ "ECC", "P 256", NULL, "'P 256'" },
	};
	struct hwe_keyspec s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hwe_err_clear();
		if (hwe_keyspec_parse(bad[i].alg, bad[i].curve, bad[i].size, &s) != HWE_EXIT_USAGE)
			fail_msg("case %zu (%s/%s/%s) accepted", i, bad[i].alg, bad[i].curve,
				 bad[i].size);
		assert_int_equal(hwe_err_status(), HWE_ERR_USAGE);
		if (!strstr(hwe_err_message(), bad[i].needle))
			fail_msg("case %zu: message '%s' lacks '%s'", i, hwe_err_message(),
				 bad[i].needle);
	}
	hwe_err_clear();
}

static void test_keyspec_describe(void **state)
{
	struct hwe_keyspec s = { 0 };
	char buf[32];

	(void)state;
	s.alg = HWE_ALG_EC;
	s.curve_nid = NID_X9_62_prime256v1;
	assert_string_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), "ECC P-256");
	s.curve_nid = NID_secp384r1;
	assert_string_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), "ECC P-384");
	s.curve_nid = NID_secp521r1;
	assert_string_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), "ECC P-521");
	s.curve_nid = NID_secp256k1;
	assert_string_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), "ECC secp256k1");
	s.alg = HWE_ALG_RSA;
	s.bits = 3072;
	assert_ptr_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "RSA 3072");
	/* truncation stays inside the buffer */
	assert_string_equal(hwe_keyspec_describe(&s, buf, 4), "RSA");
	/* parse -> describe */
	assert_int_equal(hwe_keyspec_parse("ecc", "secp521r1", NULL, &s), HWE_OK);
	assert_string_equal(hwe_keyspec_describe(&s, buf, sizeof(buf)), "ECC P-521");
}

/* ---- backend table ------------------------------------------------------- */

static void test_backends(void **state)
{
	const struct hwe_key_backend *const *all = hwe_key_backends();
	size_t i;
	int soft = 0;
	char buf[128] = "";

	(void)state;
	assert_non_null(all);
	for (i = 0; all[i]; i++) {
		assert_non_null(all[i]->name);
		assert_non_null(all[i]->ext);
		assert_true(all[i]->ext[0] == '.');
		assert_non_null(all[i]->generate);
		assert_non_null(all[i]->load);
		assert_ptr_equal(hwe_key_backend_by_name(all[i]->name), all[i]);
		if (all[i] == &hwe_key_software)
			soft = 1;
	}
	assert_true(soft);
	assert_ptr_equal(hwe_key_backend_by_name("software"), &hwe_key_software);
	assert_ptr_equal(hwe_key_backend_by_name("SOFTWARE"), &hwe_key_software);
	assert_null(hwe_key_backend_by_name("nope"));
	assert_null(hwe_key_backend_by_name(""));
	assert_null(hwe_key_backend_by_name(NULL));
	assert_ptr_equal(hwe_key_backend_by_file("GenKey.pem"), &hwe_key_software);
	assert_null(hwe_key_backend_by_file(".pem"));
	assert_null(hwe_key_backend_by_file("GenKey.txt"));
	assert_null(hwe_key_backend_by_file("GenKey.pem.bak"));
	assert_null(hwe_key_backend_by_file(NULL));
	assert_string_equal(hwe_key_software.name, "software");
	assert_string_equal(hwe_key_software.ext, ".pem");
	assert_int_equal(hwe_key_software.caps & HWE_KEY_CAP_HARDWARE, 0);
	assert_non_null(hwe_key_software.describe);
	hwe_key_software.describe((const unsigned char *)"x", 1, buf, sizeof(buf));
	assert_true(strlen(buf) > 0);
}

/* ---- software keys ------------------------------------------------------- */

/* Sign and verify a message with priv, verifying with pub. */
static void sign_verify(EVP_PKEY *priv, EVP_PKEY *pub)
{
	static const unsigned char msg[] = "hwenroll test message";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, priv, NULL), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(md);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)), 1);
	/* a flipped bit does not verify */
	sig[siglen / 2] ^= 1;
	EVP_MD_CTX_free(md);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL), 1);
	assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(md);
}

static void round_trip(const char *alg, const char *curve, const char *size, int twice)
{
	struct hwe_key_opts o = { .alias = "t" };
	struct hwe_keyspec spec, got;
	EVP_PKEY *k = NULL, *k2 = NULL, *other = NULL;
	unsigned char *blob = NULL, *blob2 = NULL;
	size_t bloblen = 0, bloblen2 = 0;
	const char *begin = "-----BEGIN PRIVATE KEY-----";

	assert_int_equal(hwe_keyspec_parse(alg, curve, size, &spec), HWE_OK);
	assert_int_equal(hwe_key_software.generate(&o, &spec, &k, &blob, &bloblen), HWE_OK);
	assert_non_null(k);
	assert_non_null(blob);
	/* PKCS#8 PEM, unencrypted (the file is protected by its mode) */
	assert_true(bloblen > strlen(begin));
	assert_memory_equal(blob, begin, strlen(begin));
	assert_int_equal(hwe_keyspec_from_pkey(k, &got), HWE_OK);
	assert_int_equal(got.alg, spec.alg);
	assert_int_equal(got.curve_nid, spec.curve_nid);
	assert_int_equal(got.bits, spec.bits);

	assert_int_equal(hwe_key_software.load(&o, blob, bloblen, &k2), HWE_OK);
	assert_true(hwe_key_public_equal(k, k2));
	assert_true(hwe_key_public_equal(k2, k));
	assert_int_equal(hwe_keyspec_from_pkey(k2, &got), HWE_OK);
	assert_int_equal(got.curve_nid, spec.curve_nid);
	assert_int_equal(got.bits, spec.bits);
	sign_verify(k2, k);
	sign_verify(k, k2);

	/* a second key of the same spec is a different key (skipped for the
	 * slow RSA sizes: one key each is enough there) */
	if (twice) {
		assert_int_equal(hwe_key_software.generate(&o, &spec, &other, &blob2, &bloblen2),
				 HWE_OK);
		assert_false(hwe_key_public_equal(k, other));
		assert_false(bloblen == bloblen2 && memcmp(blob, blob2, bloblen) == 0);
	}

	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(other);
	OPENSSL_clear_free(blob, bloblen);
	OPENSSL_clear_free(blob2, bloblen2);
	assert_false(hwe_err_pending());
}

static void test_soft_p256(void **state)
{
	(void)state;
	round_trip("ECC", "P256", NULL, 1);
}

static void test_soft_p384(void **state)
{
	(void)state;
	round_trip("ECC", "P384", NULL, 1);
}

static void test_soft_p521(void **state)
{
	(void)state;
	round_trip("ECC", "P521", NULL, 1);
}

static void test_soft_rsa2048(void **state)
{
	(void)state;
	round_trip("RSA", NULL, "2048", 1);
}

static void test_soft_rsa3072(void **state)
{
	(void)state;
	round_trip("RSA", NULL, "3072", 0);
}

static void test_soft_rsa4096(void **state)
{
	(void)state;
	round_trip("RSA", NULL, "4096", 0);
}

static void test_soft_load_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	};
	struct hwe_key_opts o = { .alias = "t" };
	EVP_PKEY *k = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hwe_err_clear();
		assert_int_equal(hwe_key_software.load(&o, (const unsigned char *)bad[i],
						       strlen(bad[i]), &k),
				 HWE_EXIT_KEY);
		assert_null(k);
		assert_int_equal(hwe_err_status(), HWE_ERR_KEY_BACKEND);
		assert_non_null(strstr(hwe_err_message(), "not a readable private key"));
	}
	hwe_err_clear();
}

/* ---- spec of existing keys, public comparison ----------------------------- */

static void test_from_pkey_unsupported(void **state)
{
	struct hwe_keyspec s;
	EVP_PKEY *k;

	(void)state;
	k = fx_key("EC", "secp256k1");
	assert_non_null(k);
	assert_int_equal(hwe_keyspec_from_pkey(k, &s), HWE_EXIT_KEY);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEY_UNSUPPORTED);
	assert_non_null(strstr(hwe_err_message(), "secp256k1"));
	hwe_err_clear();
	EVP_PKEY_free(k);

	k = fx_key("RSA", "1024");
	assert_non_null(k);
	assert_int_equal(hwe_keyspec_from_pkey(k, &s), HWE_EXIT_KEY);
	assert_non_null(strstr(hwe_err_message(), "RSA 1024"));
	hwe_err_clear();
	EVP_PKEY_free(k);

	k = fx_key("ED25519", NULL);
	assert_non_null(k);
	assert_int_equal(hwe_keyspec_from_pkey(k, &s), HWE_EXIT_KEY);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEY_UNSUPPORTED);
	hwe_err_clear();
	EVP_PKEY_free(k);

	/* RSA-PSS keys count as RSA */
	{
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);

		k = NULL;
		assert_non_null(c);
		assert_int_equal(EVP_PKEY_keygen_init(c), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048), 1);
		assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
		EVP_PKEY_CTX_free(c);
	}
	assert_non_null(k);
	assert_true(EVP_PKEY_is_a(k, "RSA-PSS"));
	assert_int_equal(hwe_keyspec_from_pkey(k, &s), HWE_OK);
	assert_int_equal(s.alg, HWE_ALG_RSA);
	assert_int_equal(s.bits, 2048);
	EVP_PKEY_free(k);
}

static void test_public_equal(void **state)
{
	EVP_PKEY *ec1 = fx_key("EC", "P-256");
	EVP_PKEY *ec2 = fx_key("EC", "P-256");
	EVP_PKEY *rsa = fx_key("RSA", "2048");
	EVP_PKEY *pub = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	(void)state;
	assert_non_null(ec1);
	assert_non_null(ec2);
	assert_non_null(rsa);
	assert_true(hwe_key_public_equal(ec1, ec1));
	assert_false(hwe_key_public_equal(ec1, ec2));
	assert_false(hwe_key_public_equal(ec1, rsa));
	assert_false(hwe_key_public_equal(rsa, ec2));
	/* a public-only copy equals the key pair */
	len = i2d_PUBKEY(ec1, &der);
	assert_true(len > 0);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	assert_non_null(pub);
	assert_true(hwe_key_public_equal(ec1, pub));
	assert_true(hwe_key_public_equal(pub, ec1));
	assert_false(hwe_key_public_equal(pub, ec2));
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ec1);
	EVP_PKEY_free(ec2);
	EVP_PKEY_free(rsa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_keyspec_accept, reset),
		cmocka_unit_test_setup(test_keyspec_reject, reset),
		cmocka_unit_test_setup(test_keyspec_describe, reset),
		cmocka_unit_test_setup(test_backends, reset),
		cmocka_unit_test_setup(test_soft_p256, reset),
		cmocka_unit_test_setup(test_soft_p384, reset),
		cmocka_unit_test_setup(test_soft_p521, reset),
		cmocka_unit_test_setup(test_soft_rsa2048, reset),
		cmocka_unit_test_setup(test_soft_rsa3072, reset),
		cmocka_unit_test_setup(test_soft_rsa4096, reset),
		cmocka_unit_test_setup(test_soft_load_bad, reset),
		cmocka_unit_test_setup(test_from_pkey_unsupported, reset),
		cmocka_unit_test_setup(test_public_equal, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
