/* SPDX-License-Identifier: BSD-3-Clause */
/* p11-test.c - hwenroll-pkcs11 provider checks from C: key generation on
 * the token, non-extractability (provider and token attributes), signatures
 * verified by the default provider, CSRs, OSSL_STORE, fork.
 *
 * usage: p11-test MODULE TOKEN-LABEL PIN
 *        p11-test --keygen TOKEN-LABEL PIN ec256|ec384|rsa2048|rsa3072 LABEL
 *                 (key generation through the provider, for the shell tests)
 * The provider must be reachable (OPENSSL_MODULES / OPENSSL_CONF). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <p11-kit/p11-kit.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/x509.h>

static int passed, failed;
static const char *module, *token, *pin;

#define CHECK(cond, ...) do { \
	if (cond) { passed++; } else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); printf("\n"); ERR_print_errors_fp(stdout); } } while (0)

struct spec {
	const char *name, *type, *label;
	const char *group;
	size_t bits;
};

static const struct spec specs[] = {
	{ "EC P-256", "EC", "t-ec256", "P-256", 0 },
	{ "EC P-384", "EC", "t-ec384", "P-384", 0 },
	{ "RSA 2048", "RSA", "t-rsa2048", NULL, 2048 },
	{ "RSA 3072", "RSA", "t-rsa3072", NULL, 3072 },
};

static EVP_PKEY *keygen(const struct spec *sp)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, sp->type, "provider=hwenroll-pkcs11");
	EVP_PKEY *pk = NULL;
	char uri[256];
	unsigned char id[4] = { 0xc0, 0xff, (unsigned char)(sp->bits >> 8),
				(unsigned char)(sp->group ? sp->group[2] : 0) };
	OSSL_PARAM p[5];
	size_t bits = sp->bits;
	int n = 0;

	snprintf(uri, sizeof(uri), "pkcs11:token=%s?pin-value=%s", token, pin);
	p[n++] = OSSL_PARAM_construct_utf8_string("pkcs11_uri", uri, 0);
	p[n++] = OSSL_PARAM_construct_utf8_string("pkcs11_label", (char *)sp->label, 0);
	p[n++] = OSSL_PARAM_construct_octet_string("pkcs11_id", id, sizeof(id));
	if (sp->group)
		p[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							  (char *)sp->group, 0);
	else
		p[n++] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
	p[n] = OSSL_PARAM_construct_end();
	if (c && EVP_PKEY_keygen_init(c) > 0 && EVP_PKEY_CTX_set_params(c, p) > 0)
		EVP_PKEY_generate(c, &pk);
	EVP_PKEY_CTX_free(c);
	return pk;
}

/* the public key, decoded by the default provider */
static EVP_PKEY *soft_public(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int n = i2d_PUBKEY(pk, &der);

	if (n > 0) {
		p = der;
		pub = d2i_PUBKEY_ex(NULL, &p, n, NULL, "provider=default");
	}
	OPENSSL_free(der);
	return pub;
}

/* digest-sign with the token key, verify with the default provider */
static int sign_verify(EVP_PKEY *pk, EVP_PKEY *pub, const char *md, int pad, int salt)
{
	static const unsigned char msg[] = "hwenroll pkcs11 provider test message";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *c = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL, *vc = NULL;
	int ok = 0;

	if (!c || !v || EVP_DigestSignInit_ex(c, &pc, md, NULL, NULL, pk, NULL) <= 0)
		goto out;
	if (pad && (EVP_PKEY_CTX_set_rsa_padding(pc, pad) <= 0 ||
		    (pad == RSA_PKCS1_PSS_PADDING && EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) <= 0)))
		goto out;
	if (EVP_DigestSign(c, sig, &siglen, msg, sizeof(msg)) <= 0)
		goto out;
	if (EVP_DigestVerifyInit_ex(v, &vc, md, NULL, "provider=default", pub, NULL) <= 0)
		goto out;
	if (pad && (EVP_PKEY_CTX_set_rsa_padding(vc, pad) <= 0 ||
		    (pad == RSA_PKCS1_PSS_PADDING &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(vc, salt == RSA_PSS_SALTLEN_MAX ?
						      RSA_PSS_SALTLEN_AUTO : salt) <= 0)))
		goto out;
	ok = EVP_DigestVerify(v, sig, siglen, msg, sizeof(msg)) == 1;
out:
	EVP_MD_CTX_free(c);
	EVP_MD_CTX_free(v);
	return ok;
}

/* EVP_PKEY_sign on a precomputed digest */
static int sign_digest(EVP_PKEY *pk, EVP_PKEY *pub, int pad)
{
	unsigned char dg[32], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, pub, "provider=default");
	int ok = 0;

	memset(dg, 0x5a, sizeof(dg));
	if (!c || !v || EVP_PKEY_sign_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) <= 0 ||
	    (pad && EVP_PKEY_CTX_set_rsa_padding(c, pad) <= 0) ||
	    EVP_PKEY_sign(c, sig, &siglen, dg, sizeof(dg)) <= 0)
		goto out;
	if (EVP_PKEY_verify_init(v) <= 0 || EVP_PKEY_CTX_set_signature_md(v, EVP_sha256()) <= 0 ||
	    (pad && EVP_PKEY_CTX_set_rsa_padding(v, pad) <= 0))
		goto out;
	ok = EVP_PKEY_verify(v, sig, siglen, dg, sizeof(dg)) == 1;
out:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_CTX_free(v);
	return ok;
}

static int csr_sign_verify(EVP_PKEY *pk, EVP_PKEY *pub, int pss)
{
	X509_REQ *r = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok = 0;

	if (!r || !n || !c ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"p11", -1, -1, 0) ||
	    !X509_REQ_set_subject_name(r, n) || !X509_REQ_set_pubkey(r, pk))
		goto out;
	if (EVP_DigestSignInit_ex(c, &pc, "SHA256", NULL, NULL, pk, NULL) <= 0)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) <= 0))
		goto out;
	if (X509_REQ_sign_ctx(r, c) <= 0)
		goto out;
	ok = X509_REQ_verify(r, pub) == 1;
out:
	EVP_MD_CTX_free(c);
	X509_NAME_free(n);
	X509_REQ_free(r);
	return ok;
}

/* token attributes of the private key object, read by a separate
 * p11-kit instance of the module */
static void check_token_attributes(const char *label, int is_rsa)
{
	CK_FUNCTION_LIST *fl = p11_kit_module_load(module, 0);
	CK_SLOT_ID slots[16];
	CK_ULONG ns = 16, i, got = 0;
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) },
			      { CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE h = 0;
	CK_BBOOL sens = 0, extr = 1, priv = 0, tok = 0, never = 0, always = 0;
	CK_ATTRIBUTE a[6] = { { CKA_SENSITIVE, &sens, 1 }, { CKA_EXTRACTABLE, &extr, 1 },
			      { CKA_PRIVATE, &priv, 1 }, { CKA_TOKEN, &tok, 1 },
			      { CKA_NEVER_EXTRACTABLE, &never, 1 },
			      { CKA_ALWAYS_SENSITIVE, &always, 1 } };
	unsigned char buf[1024];
	CK_ATTRIBUTE v = { is_rsa ? CKA_PRIVATE_EXPONENT : CKA_VALUE, buf, sizeof(buf) };
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if (!fl || p11_kit_module_initialize(fl) != CKR_OK) {
		CHECK(0, "load module %s", module);
		return;
	}
	fl->C_GetSlotList(CK_TRUE, slots, &ns);
	for (i = 0; i < ns; i++)
		if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    strncmp((char *)ti.label, token, strlen(token)) == 0 &&
		    ti.label[strlen(token)] == ' ')
			break;
	CHECK(i < ns, "token %s found", token);
	if (i == ns)
		goto out;
	fl->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s);
	fl->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	fl->C_FindObjectsInit(s, t, 2);
	fl->C_FindObjects(s, &h, 1, &got);
	fl->C_FindObjectsFinal(s);
	CHECK(got == 1, "private key object '%s' on the token", label);
	if (got != 1)
		goto out;
	rv = fl->C_GetAttributeValue(s, h, a, 6);
	CHECK(rv == CKR_OK && sens == CK_TRUE && extr == CK_FALSE && priv == CK_TRUE &&
	      tok == CK_TRUE && never == CK_TRUE && always == CK_TRUE,
	      "'%s': CKA_SENSITIVE=%d CKA_EXTRACTABLE=%d CKA_PRIVATE=%d CKA_TOKEN=%d "
	      "CKA_NEVER_EXTRACTABLE=%d CKA_ALWAYS_SENSITIVE=%d", label, sens, extr, priv, tok,
	      never, always);
	rv = fl->C_GetAttributeValue(s, h, &v, 1);
	CHECK(rv == CKR_ATTRIBUTE_SENSITIVE, "'%s': reading the private value gives %#lx, "
	      "want CKR_ATTRIBUTE_SENSITIVE", label, (unsigned long)rv);
out:
	if (s)
		fl->C_CloseSession(s);
	p11_kit_module_finalize(fl);
	p11_kit_module_release(fl);
}

static EVP_PKEY *store_load(const char *label)
{
	char uri[256];
	OSSL_STORE_CTX *sc;
	OSSL_STORE_INFO *info;
	EVP_PKEY *pk = NULL;

	snprintf(uri, sizeof(uri), "pkcs11:token=%s;object=%s;type=private?pin-value=%s", token,
		 label, pin);
	sc = OSSL_STORE_open_ex(uri, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!sc)
		return NULL;
	while (!pk && (info = OSSL_STORE_load(sc))) {
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pk = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(sc);
	return pk;
}

static void test_spec(const struct spec *sp)
{
	int rsa = strcmp(sp->type, "RSA") == 0;
	EVP_PKEY *pk, *pub = NULL, *loaded = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = NULL;
	pid_t child;
	int st = 0;

	printf("# %s\n", sp->name);
	pk = keygen(sp);
	CHECK(pk != NULL, "%s: keygen on the token", sp->name);
	if (!pk)
		return;
	CHECK(strcmp(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(pk)), "hwenroll-pkcs11") == 0,
	      "%s: key belongs to hwenroll-pkcs11", sp->name);
	CHECK(EVP_PKEY_get_bits(pk) == (rsa ? (int)sp->bits : strcmp(sp->group, "P-256") ? 384 : 256),
	      "%s: bits %d", sp->name, EVP_PKEY_get_bits(pk));
	/* public parts export, private parts never */
	pub = soft_public(pk);
	CHECK(pub != NULL, "%s: public key exported (i2d_PUBKEY)", sp->name);
	CHECK(EVP_PKEY_todata(pk, EVP_PKEY_PUBLIC_KEY, &params) == 1, "%s: public todata", sp->name);
	OSSL_PARAM_free(params);
	params = NULL;
	CHECK(EVP_PKEY_todata(pk, EVP_PKEY_KEYPAIR, &params) != 1, "%s: keypair todata refused",
	      sp->name);
	OSSL_PARAM_free(params);
	CHECK(!EVP_PKEY_get_bn_param(pk, rsa ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY, &bn),
	      "%s: private value not readable", sp->name);
	BN_free(bn);
	ERR_clear_error();
	CHECK(EVP_PKEY_eq(pk, pub) == 1, "%s: EVP_PKEY_eq with the default provider's copy",
	      sp->name);
	check_token_attributes(sp->label, rsa);
	if (!pub)
		goto out;
	/* signatures */
	if (!rsa) {
		CHECK(sign_verify(pk, pub, "SHA256", 0, 0), "%s: ECDSA SHA-256", sp->name);
		CHECK(sign_verify(pk, pub, "SHA384", 0, 0), "%s: ECDSA SHA-384", sp->name);
		CHECK(sign_verify(pk, pub, "SHA512", 0, 0), "%s: ECDSA SHA-512", sp->name);
		CHECK(sign_digest(pk, pub, 0), "%s: ECDSA on a digest", sp->name);
	} else {
		CHECK(sign_verify(pk, pub, "SHA256", RSA_PKCS1_PADDING, 0), "%s: PKCS1 SHA-256", sp->name);
		CHECK(sign_verify(pk, pub, "SHA384", RSA_PKCS1_PADDING, 0), "%s: PKCS1 SHA-384", sp->name);
		CHECK(sign_verify(pk, pub, "SHA512", RSA_PKCS1_PADDING, 0), "%s: PKCS1 SHA-512", sp->name);
		CHECK(sign_verify(pk, pub, "SHA256", RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST),
		      "%s: PSS SHA-256 saltlen=digest", sp->name);
		CHECK(sign_verify(pk, pub, "SHA384", RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX),
		      "%s: PSS SHA-384 saltlen=max", sp->name);
		CHECK(sign_verify(pk, pub, "SHA512", RSA_PKCS1_PSS_PADDING, 32),
		      "%s: PSS SHA-512 saltlen=32", sp->name);
		CHECK(sign_digest(pk, pub, RSA_PKCS1_PADDING), "%s: PKCS1 on a digest", sp->name);
		CHECK(sign_digest(pk, pub, RSA_PKCS1_PSS_PADDING), "%s: PSS on a digest", sp->name);
		CHECK(csr_sign_verify(pk, pub, 1), "%s: CSR signed with RSA-PSS", sp->name);
	}
	CHECK(csr_sign_verify(pk, pub, 0), "%s: CSR signed and verified", sp->name);
	/* OSSL_STORE by URI gives the same key, which signs */
	loaded = store_load(sp->label);
	CHECK(loaded != NULL, "%s: OSSL_STORE load by URI", sp->name);
	if (loaded) {
		CHECK(EVP_PKEY_eq(loaded, pub) == 1, "%s: loaded key matches", sp->name);
		CHECK(sign_verify(loaded, pub, "SHA256", rsa ? RSA_PKCS1_PADDING : 0, 0),
		      "%s: loaded key signs", sp->name);
	}
	/* after fork the child re-initializes the module and finds the key again */
	fflush(stdout);
	child = fork();
	if (child == 0)
		_exit(sign_verify(pk, pub, "SHA256", rsa ? RSA_PKCS1_PADDING : 0, 0) ? 0 : 1);
	CHECK(child > 0 && waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%s: signing in a forked child", sp->name);
	CHECK(sign_verify(pk, pub, "SHA256", rsa ? RSA_PKCS1_PADDING : 0, 0),
	      "%s: parent still signs after fork", sp->name);
out:
	EVP_PKEY_free(loaded);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pk);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 6 && strcmp(argv[1], "--keygen") == 0) {
		static const char *const kinds[] = { "ec256", "ec384", "rsa2048", "rsa3072" };
		struct spec sp;
		EVP_PKEY *pk;

		token = argv[2];
		pin = argv[3];
		for (i = 0; i < 4; i++)
			if (strcmp(argv[4], kinds[i]) == 0)
				break;
		if (i == 4)
			return 2;
		sp = specs[i];
		sp.label = argv[5];
		pk = keygen(&sp);
		if (!pk) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
		PEM_write_PUBKEY(stdout, pk);
		EVP_PKEY_free(pk);
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s MODULE TOKEN-LABEL PIN\n", argv[0]);
		return 2;
	}
	module = argv[1];
	token = argv[2];
	pin = argv[3];
	if (!OSSL_PROVIDER_available(NULL, "hwenroll-pkcs11")) {
		fprintf(stderr, "hwenroll-pkcs11 is not loaded (OPENSSL_CONF)\n");
		return 1;
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		test_spec(&specs[i]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
