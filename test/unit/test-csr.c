/* SPDX-License-Identifier: BSD-3-Clause */
/* test-csr.c - CSR builder: signatures per key type, subject, extensions, re-enrollment, PEM. */
/* the legacy EC_KEY_METHOD API fakes a device that signs wrongly */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "csrconf.h"
#include "fixture.h"
#include "rc.h"

static const char full_conf[] =
	"countryName=DE\n"
	"organizationName=Ünïcödé GmbH\n"
	"organizationalUnitName=Ops\n"
	"organizationalUnitName=R&D\n"
	"commonName=device-001\n"
	"serialNumber=SN-0001\n"
	"emailAddress=ops@example.com\n"
	"isCA=true\n"
	"certPathLen=1\n"
	"keyUsage=digitalSignature keyCertSign cRLSign decipherOnly keyAgreement\n"
	"extendedKeyUsage=clientAuth serverAuth 1.3.6.1.4.1.55555.7\n"
	"subjectAltNames=4; *.example.com, 2; 10.0.0.1, 7; 2001:db8::1, 7; "
	"urn:dev:x, 6\n";

#define conf_of fx_conf


static X509_REQ *build(const char *text, EVP_PKEY *key)
{
	struct hwe_csrconf *c = conf_of(text);
	X509_REQ *req = NULL;

	assert_int_equal(hwe_csr_build(c, key, NULL, &req), HWE_OK);
	assert_non_null(req);
	hwe_csrconf_free(c);
	return req;
}

static void check_signed(X509_REQ *req, EVP_PKEY *key, int signid)
{
	assert_int_equal(X509_REQ_get_version(req), 0);
	assert_int_equal(X509_REQ_verify(req, key), 1);
	assert_int_equal(X509_REQ_get_signature_nid(req), signid);
	assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), key), 1);
}

static void test_sign_per_key(void **state)
{
	static const struct {
		const char *type, *param;
		int signid;
	} keys[] = {
		{ "EC", "P-256", NID_ecdsa_with_SHA256 },
		{ "EC", "P-384", NID_ecdsa_with_SHA384 },
		{ "EC", "P-521", NID_ecdsa_with_SHA512 },
		{ "RSA", "2048", NID_sha256WithRSAEncryption },
		{ "ED25519", NULL, NID_ED25519 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		EVP_PKEY *k = fx_key(keys[i].type, keys[i].param);
		X509_REQ *req = build(full_conf, k);

		check_signed(req, k, keys[i].signid);
		X509_REQ_free(req);
		EVP_PKEY_free(k);
	}
}

static void check_entry(X509_NAME *n, int i, int nid, int strtype, const char *v)
{
	X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(e);

	assert_non_null(e);
	assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)), nid);
	assert_int_equal(ASN1_STRING_type(s), strtype);
	assert_int_equal(ASN1_STRING_length(s), strlen(v));
	assert_memory_equal(ASN1_STRING_get0_data(s), v, strlen(v));
}

static void test_subject(void **state)
{
	EVP_PKEY *k = fx_key("EC", "P-256");
	X509_REQ *req = build(full_conf, k);
	X509_NAME *n = X509_REQ_get_subject_name(req);
	int i;

	(void)state;
	assert_int_equal(X509_NAME_entry_count(n), 7);
	check_entry(n, 0, NID_countryName, V_ASN1_PRINTABLESTRING, "DE");
	check_entry(n, 1, NID_organizationName, V_ASN1_UTF8STRING, "Ünïcödé GmbH");
	check_entry(n, 2, NID_organizationalUnitName, V_ASN1_UTF8STRING, "Ops");
	check_entry(n, 3, NID_organizationalUnitName, V_ASN1_UTF8STRING, "R&D");
	check_entry(n, 4, NID_commonName, V_ASN1_UTF8STRING, "device-001");
	check_entry(n, 5, NID_serialNumber, V_ASN1_PRINTABLESTRING, "SN-0001");
	check_entry(n, 6, NID_pkcs9_emailAddress, V_ASN1_IA5STRING, "ops@example.com");
	/* each field its own RDN (two OUs are two RDNs, not one multi-valued) */
	for (i = 0; i < 7; i++)
		assert_int_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(n, i)), i);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}

static X509_EXTENSION *find_ext(STACK_OF(X509_EXTENSION) *exts, int nid)
{
	int i = X509v3_get_ext_by_NID(exts, nid, -1);

	return i < 0 ? NULL : X509v3_get_ext(exts, i);
}

static void test_extensions(void **state)
{
	static const unsigned char ip4[] = { 10, 0, 0, 1 };
	static const unsigned char ip6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					     0, 0, 0, 0, 0, 0, 0, 1 };
	EVP_PKEY *k = fx_key("EC", "P-256");
	X509_REQ *req = build(full_conf, k);
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	EXTENDED_KEY_USAGE *eku;
	GENERAL_NAMES *gns;
	GENERAL_NAME *gn;
	int crit, i;

	(void)state;
	assert_non_null(exts);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 4);
	/* order: basicConstraints, keyUsage, extendedKeyUsage, subjectAltName */
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509v3_get_ext(exts, 0))),
			 NID_basic_constraints);
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509v3_get_ext(exts, 3))),
			 NID_subject_alt_name);

	bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_true(bc->ca);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 1);
	BASIC_CONSTRAINTS_free(bc);

	ku = X509V3_get_d2i(exts, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	for (i = 0; i < 9; i++)
		assert_int_equal(ASN1_BIT_STRING_get_bit(ku, i),
				 i == 0 || i == 4 || i == 5 || i == 6 || i == 8);
	ASN1_BIT_STRING_free(ku);

	eku = X509V3_get_d2i(exts, NID_ext_key_usage, &crit, NULL);
	assert_non_null(eku);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_ASN1_OBJECT_num(eku), 3);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_client_auth);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 1)), NID_server_auth);
	{
		char buf[64];

		OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(eku, 2), 1);
		assert_string_equal(buf, "1.3.6.1.4.1.55555.7");
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);

	gns = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	assert_non_null(gns);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_GENERAL_NAME_num(gns), 4);
	gn = sk_GENERAL_NAME_value(gns, 0);
	assert_int_equal(gn->type, GEN_DNS);
	assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.dNSName), "*.example.com");
	assert_int_equal(ASN1_STRING_type(gn->d.dNSName), V_ASN1_IA5STRING);
	gn = sk_GENERAL_NAME_value(gns, 1);
	assert_int_equal(gn->type, GEN_IPADD);
	assert_int_equal(ASN1_STRING_length(gn->d.iPAddress), 4);
	assert_memory_equal(ASN1_STRING_get0_data(gn->d.iPAddress), ip4, 4);
	gn = sk_GENERAL_NAME_value(gns, 2);
	assert_int_equal(gn->type, GEN_IPADD);
	assert_int_equal(ASN1_STRING_length(gn->d.iPAddress), 16);
	assert_memory_equal(ASN1_STRING_get0_data(gn->d.iPAddress), ip6, 16);
	gn = sk_GENERAL_NAME_value(gns, 3);
	assert_int_equal(gn->type, GEN_URI);
	assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
			    "urn:dev:x");
	GENERAL_NAMES_free(gns);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}

/* only what is configured: the reference sample asks for a non-critical
 * basicConstraints without cA and a keyUsage; a subject-only config gets no
 * extensionRequest at all */
static void test_only_configured(void **state)
{
	EVP_PKEY *k = fx_key("EC", "P-256");
	struct hwe_csrconf *c = NULL;
	X509_REQ *req = NULL;
	STACK_OF(X509_EXTENSION) *exts;
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	int crit;

	(void)state;
	hwe_err_clear();
	{
		/* parsed, not loaded: a checkout made with umask 002 has a
		 * group-writable sample, which hwe_csrconf_load refuses */
		FILE *fp = fopen(HWE_SRCDIR "/conf/sample_est_csr.conf", "rb");
		char buf[4096];
		size_t n;

		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		assert_int_equal(hwe_csrconf_parse("sample_est_csr.conf", buf, n, &c), HWE_OK);
	}
	assert_int_equal(hwe_csr_build(c, k, NULL, &req), HWE_OK);
	hwe_csrconf_free(c);
	exts = X509_REQ_get_extensions(req);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 2);
	bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 0);
	assert_false(bc->ca);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	ku = X509V3_get_d2i(exts, NID_key_usage, &crit, NULL);
	assert_int_equal(crit, 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 0), 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 2), 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 1), 0);
	ASN1_BIT_STRING_free(ku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);

	req = build("commonName=bare\n", k);
	assert_int_equal(X509_REQ_get_attr_count(req), 0);
	check_signed(req, k, NID_ecdsa_with_SHA256);
	X509_REQ_free(req);

	/* isCA=true without certPathLen: no pathLenConstraint */
	req = build("commonName=ca\nisCA=true\n", k);
	exts = X509_REQ_get_extensions(req);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 1);
	bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit, NULL);
	assert_int_equal(crit, 1);
	assert_true(bc->ca);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}

/* a certificate as a CA would have issued it: subject, SAN, EKU */
static X509 *make_cert(EVP_PKEY *k)
{
	static const char *const name[] = { "C", "US", "O", "Org", "CN", "old-dev", NULL };
	struct fx_cert spec = {
		.name = name, .pub = k, .serial = 7,
		.ext = { { NID_subject_alt_name, "critical,DNS:old.example.com,IP:192.0.2.7" },
			 { NID_ext_key_usage, "codeSigning" } },
	};

	return fx_cert(&spec);
}

static void test_from_cert(void **state)
{
	EVP_PKEY *k = fx_key("EC", "P-256"), *k2 = fx_key("EC", "P-384");
	X509 *cert = make_cert(k);
	struct hwe_csrconf *c = conf_of("commonName=new-name\n"
					"keyUsage=digitalSignature\n"
					"extendedKeyUsage=clientAuth\n"
					"subjectAltNames=1; new.example.com, 2\n");
	STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION *san, *csan;
	EXTENDED_KEY_USAGE *eku;
	X509_REQ *req = NULL;

	(void)state;
	/* with a config: subject and SAN from the cert, KU/EKU from the config,
	 * signed by a new key (rekey) */
	hwe_err_clear();
	assert_int_equal(hwe_csr_from_cert(cert, c, k2, NULL, &req), HWE_OK);
	check_signed(req, k2, NID_ecdsa_with_SHA384);
	assert_int_equal(X509_NAME_cmp(X509_REQ_get_subject_name(req),
				       X509_get_subject_name(cert)), 0);
	exts = X509_REQ_get_extensions(req);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 3);
	san = find_ext(exts, NID_subject_alt_name);
	csan = X509_get_ext(cert, X509_get_ext_by_NID(cert, NID_subject_alt_name, -1));
	assert_non_null(san);
	assert_int_equal(X509_EXTENSION_get_critical(san), 1);
	assert_int_equal(ASN1_STRING_cmp(X509_EXTENSION_get_data(san),
					 X509_EXTENSION_get_data(csan)), 0);
	assert_non_null(find_ext(exts, NID_key_usage));
	eku = X509V3_get_d2i(exts, NID_ext_key_usage, NULL, NULL);
	assert_int_equal(sk_ASN1_OBJECT_num(eku), 1);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_client_auth);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);

	/* without a config: subject and SAN only */
	assert_int_equal(hwe_csr_from_cert(cert, NULL, k, NULL, &req), HWE_OK);
	check_signed(req, k, NID_ecdsa_with_SHA256);
	assert_int_equal(X509_NAME_cmp(X509_REQ_get_subject_name(req),
				       X509_get_subject_name(cert)), 0);
	exts = X509_REQ_get_extensions(req);
	assert_int_equal(sk_X509_EXTENSION_num(exts), 1);
	assert_non_null(find_ext(exts, NID_subject_alt_name));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);

	hwe_csrconf_free(c);
	X509_free(cert);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void test_pem(void **state)
{
	EVP_PKEY *k = fx_key("RSA", "2048");
	X509_REQ *req = build(full_conf, k), *back = NULL;
	unsigned char *d1 = NULL, *d2 = NULL;
	int l1, l2;
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(hwe_csr_to_pem(req, &pem, &len), HWE_OK);
	assert_int_equal(strlen(pem), len);
	assert_int_equal(strncmp(pem, "-----BEGIN CERTIFICATE REQUEST-----\n", 36), 0);
	assert_int_equal(hwe_csr_from_pem((unsigned char *)pem, len, &back), HWE_OK);
	l1 = i2d_X509_REQ(req, &d1);
	l2 = i2d_X509_REQ(back, &d2);
	assert_true(l1 > 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(d1, d2, (size_t)l1);
	assert_int_equal(X509_REQ_verify(back, k), 1);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	X509_REQ_free(back);
	back = NULL;

	/* garbage and a truncated PEM are refused */
	hwe_err_clear();
	assert_int_equal(hwe_csr_from_pem((const unsigned char *)"hello", 5, &back),
			 HWE_EXIT_KEYSTORE);
	assert_null(back);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_IO);
	hwe_err_clear();
	assert_int_equal(hwe_csr_from_pem((unsigned char *)pem, len / 2, &back),
			 HWE_EXIT_KEYSTORE);
	hwe_err_clear();
	free(pem);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}

/* a key that cannot sign is a key backend error */
static void test_public_only_key(void **state)
{
	EVP_PKEY *k = fx_key("EC", "P-256"), *pub;
	struct hwe_csrconf *c = conf_of("commonName=x\n");
	unsigned char *der = NULL;
	const unsigned char *p;
	X509_REQ *req = (X509_REQ *)1;
	int len;

	(void)state;
	len = i2d_PUBKEY(k, &der);
	assert_true(len > 0);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	assert_non_null(pub);
	hwe_err_clear();
	assert_int_equal(hwe_csr_build(c, pub, NULL, &req), HWE_EXIT_KEY);
	assert_null(req);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEY_BACKEND);
	hwe_err_clear();
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(k);
	hwe_csrconf_free(c);
}

static int (*orig_sign)(int, const unsigned char *, int, unsigned char *,
			 unsigned int *, const BIGNUM *, const BIGNUM *, EC_KEY *);

/* a broken device: a well-formed ECDSA signature over the wrong digest */
static int bad_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
		    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	int i;

	for (i = 0; i < dlen && i < (int)sizeof(d); i++)
		d[i] = dgst[i] ^ 1;
	return orig_sign(type, d, i, sig, siglen, kinv, r, eckey);
}

static void test_bad_signature(void **state)
{
	EC_KEY_METHOD *m = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
	EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	struct hwe_csrconf *c = conf_of("commonName=x\n");
	int (*setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);
	ECDSA_SIG *(*sign_sig)(const unsigned char *, int, const BIGNUM *, const BIGNUM *,
			       EC_KEY *);
	X509_REQ *req = (X509_REQ *)1;
	EVP_PKEY *k = EVP_PKEY_new();

	(void)state;
	assert_non_null(m);
	assert_non_null(ec);
	assert_non_null(k);
	EC_KEY_METHOD_get_sign(m, &orig_sign, &setup, &sign_sig);
	EC_KEY_METHOD_set_sign(m, bad_sign, setup, sign_sig);
	assert_int_equal(EC_KEY_generate_key(ec), 1);
	assert_int_equal(EC_KEY_set_method(ec, m), 1);
	assert_int_equal(EVP_PKEY_assign_EC_KEY(k, ec), 1);
	hwe_err_clear();
	assert_int_equal(hwe_csr_build(c, k, NULL, &req), HWE_EXIT_KEY);
	assert_null(req);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEY_BACKEND);
	assert_string_equal(hwe_err_message(), "the CSR signature made by the key does not "
			    "verify with its public key");
	assert_non_null(hwe_err_hint_text());
	hwe_err_clear();
	EVP_PKEY_free(k);
	EC_KEY_METHOD_free(m);
	hwe_csrconf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_per_key),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_only_configured),
		cmocka_unit_test(test_from_cert),
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_public_only_key),
		cmocka_unit_test(test_bad_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
