/* SPDX-License-Identifier: BSD-3-Clause */
/* tpm-probe.c - drives the tpm2 key backend directly for the integration
 * tests: key generation, load, signatures, CSRs and a libcurl mutual-TLS
 * handshake set up exactly as http.c does it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "key.h"
#include "log.h"
#include "rc.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tpm-probe keygen TCTI ALG OUT [PARENT]   ALG: ec256 ec384 ec521 rsa2048 rsa3072 rsa4096\n"
		"       tpm-probe handle TCTI HANDLE OUT\n"
		"       tpm-probe describe FILE\n"
		"       tpm-probe sign TCTI KEYFILE [pss]\n"
		"       tpm-probe noexport TCTI KEYFILE\n"
		"       tpm-probe csr TCTI KEYFILE CN OUT\n"
		"       tpm-probe tls TCTI KEYFILE CERT CAFILE PORT 1.2|1.3 [COUNT]\n");
	return 2;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int load_key(const struct hwe_key_opts *o, const char *path, EVP_PKEY **pk)
{
	size_t len = 0;
	unsigned char *blob = read_file(path, &len);
	int ret;

	if (!blob)
		return hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot read '%s'", path);
	ret = hwe_key_tpm2.init(o);
	if (!ret)
		ret = hwe_key_tpm2.load(o, blob, len, pk);
	free(blob);
	return ret;
}

static int cmd_keygen(struct hwe_key_opts *o, const char *alg, const char *out)
{
	struct hwe_keyspec spec;
	EVP_PKEY *pk = NULL;
	unsigned char *blob = NULL;
	size_t len = 0;
	char desc[128];
	FILE *f;
	int ret;

	if (strncmp(alg, "ec", 2) == 0)
		ret = hwe_keyspec_parse("ECC", strcmp(alg, "ec384") == 0 ? "P384" :
					strcmp(alg, "ec521") == 0 ? "P521" : "P256", NULL, &spec);
	else
		ret = hwe_keyspec_parse("RSA", NULL, alg + 3, &spec);
	if (ret)
		return ret;
	if ((ret = hwe_key_tpm2.init(o)) || (ret = hwe_key_tpm2.generate(o, &spec, &pk, &blob, &len)))
		return ret;
	f = fopen(out, "wb");
	if (!f || fwrite(blob, 1, len, f) != len || fclose(f) != 0)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "cannot write '%s'", out);
	hwe_key_tpm2.describe(blob, len, desc, sizeof(desc));
	printf("%s; %s bits %d\n", desc, EVP_PKEY_get0_type_name(pk), EVP_PKEY_get_bits(pk));
	OPENSSL_clear_free(blob, len);
	EVP_PKEY_free(pk);
	return 0;
}

/* Sign with the TPM key through the EVP interface (software hashing, TPM
 * signature) and verify with the default provider. */
static int cmd_sign(struct hwe_key_opts *o, const char *path, int pss)
{
	static const unsigned char msg[] = "hwenroll tpm2 signature test";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *m = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL, *vc = NULL;
	EVP_PKEY *pk = NULL, *pub = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	int n, ret;

	if ((ret = load_key(o, path, &pk)))
		goto out;
	ret = HWE_EXIT_KEY;
	if (EVP_DigestSignInit_ex(m, &pc, "SHA256", NULL, NULL, pk, NULL) <= 0 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) <= 0)) ||
	    EVP_DigestSign(m, sig, &siglen, msg, sizeof(msg)) <= 0) {
		/* the wrapper recorded why the TPM refused; else OpenSSL's reason */
		ret = hwe_err_pending() ? hwe_err_context("signature failed") :
			hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_TPM, "signature failed");
		goto out;
	}
	n = i2d_PUBKEY(pk, &der);
	p = der;
	pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	if (!pub || EVP_DigestVerifyInit_ex(v, &vc, "SHA256", NULL, "provider=default", pub, NULL) <= 0 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(vc, RSA_PKCS1_PSS_PADDING) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(vc, RSA_PSS_SALTLEN_DIGEST) <= 0)) ||
	    EVP_DigestVerify(v, sig, siglen, msg, sizeof(msg)) != 1) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_TPM, "signature does not verify");
		goto out;
	}
	printf("signature ok (%zu bytes, %s)\n", siglen, pss ? "PSS" : "default padding");
	ret = 0;
out:
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pk);
	EVP_MD_CTX_free(m);
	EVP_MD_CTX_free(v);
	return ret;
}

/* The private key must not come out: neither as parameters nor as PEM. */
static int cmd_noexport(struct hwe_key_opts *o, const char *path)
{
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params = NULL;
	BIO *mem = BIO_new(BIO_s_mem());
	int ret, leaked = 0;

	if ((ret = load_key(o, path, &pk)))
		return ret;
	if (EVP_PKEY_todata(pk, EVP_PKEY_KEYPAIR, &params) > 0) {
		if (OSSL_PARAM_locate(params, "priv") || OSSL_PARAM_locate(params, "d"))
			leaked = 1;
		OSSL_PARAM_free(params);
	}
	if (PEM_write_bio_PrivateKey(mem, pk, NULL, NULL, 0, NULL, NULL) > 0) {
		char *data;
		long n = BIO_get_mem_data(mem, &data);

		if (n > 0 && memmem(data, (size_t)n, "BEGIN PRIVATE KEY", 17))
			leaked = 1;
	}
	ERR_clear_error();
	if (leaked) {
		fprintf(stderr, "private key exported!\n");
		return 1;
	}
	printf("private key not exportable; public key:\n");
	PEM_write_PUBKEY(stdout, pk);
	BIO_free(mem);
	EVP_PKEY_free(pk);
	return 0;
}

static int cmd_csr(struct hwe_key_opts *o, const char *path, const char *cn, const char *out)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	EVP_PKEY *pk = NULL;
	FILE *f;
	int ret;

	if ((ret = load_key(o, path, &pk)))
		return ret;
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, pk) || X509_REQ_sign(req, pk, EVP_sha256()) <= 0)
		return hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_TPM, "CSR signature failed");
	f = fopen(out, "w");
	if (!f || !PEM_write_X509_REQ(f, req) || fclose(f) != 0)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "cannot write '%s'", out);
	printf("CSR written\n");
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(pk);
	return 0;
}

struct tls_args {
	EVP_PKEY *pk;
	X509 *cert;
};

/* What http.c does in CURLOPT_SSL_CTX_FUNCTION. */
static CURLcode ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	struct tls_args *a = arg;
	SSL_CTX *ctx = sslctx;

	if (SSL_CTX_use_certificate(ctx, a->cert) != 1 || SSL_CTX_use_PrivateKey(ctx, a->pk) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_print_errors_fp(stderr);
		return CURLE_SSL_CERTPROBLEM;
	}
	return CURLE_OK;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	size_t *total = u;

	*total += s * n;
	return s * n;
}

static int cmd_tls(struct hwe_key_opts *o, const char *keyf, const char *certf, const char *caf,
		   const char *port, const char *ver, int count)
{
	struct tls_args a = { NULL, NULL };
	char url[64];
	FILE *f;
	int ret, i;

	if ((ret = load_key(o, keyf, &a.pk)))
		return ret;
	f = fopen(certf, "r");
	if (!f || !(a.cert = PEM_read_X509(f, NULL, NULL, NULL)))
		return hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot read '%s'", certf);
	fclose(f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(url, sizeof(url), "https://127.0.0.1:%s/", port);
	for (i = 0; i < count; i++) {
		CURL *c = curl_easy_init();
		CURLcode rc;
		long code = 0;
		size_t total = 0;
		char errbuf[CURL_ERROR_SIZE] = "";

		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_CAINFO, caf);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_SSLVERSION, strcmp(ver, "1.3") == 0 ?
				 (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3) :
				 (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &a);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &total);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(c);
		if (rc != CURLE_OK || code != 200)
			return hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE, "TLS %s request failed: %s (HTTP %ld)",
				       ver, *errbuf ? errbuf : curl_easy_strerror(rc), code);
		printf("TLS %s mutual auth ok, HTTP %ld, %zu bytes\n", ver, code, total);
	}
	curl_global_cleanup();
	X509_free(a.cert);
	EVP_PKEY_free(a.pk);
	return 0;
}

int main(int argc, char **argv)
{
	struct hwe_key_opts o;
	int ret = 2;

	memset(&o, 0, sizeof(o));
	if (getenv("HWE_PROBE_DEBUG"))
		hwe_log_set_level(HWE_LOG_DEBUG);
	if (argc < 3)
		return usage();
	o.alias = "probe";
	o.tcti = argv[2];
	o.tcti_rcwatch = getenv("HWENROLL_TCTI_RCWATCH"); /* as hwenroll resolves it */
	if (strcmp(argv[1], "describe") == 0) {
		size_t len = 0;
		unsigned char *b = read_file(argv[2], &len);
		char desc[128];

		if (!b)
			return 1;
		hwe_key_tpm2.describe(b, len, desc, sizeof(desc));
		printf("%s\n", desc);
		free(b);
		return 0;
	} else if (strcmp(argv[1], "keygen") == 0 && argc >= 5) {
		if (argc > 5)
			o.tpm_parent = (uint32_t)strtoul(argv[5], NULL, 0);
		ret = cmd_keygen(&o, argv[3], argv[4]);
	} else if (strcmp(argv[1], "handle") == 0 && argc == 5) {
		o.tpm_handle = (uint32_t)strtoul(argv[3], NULL, 0);
		ret = cmd_keygen(&o, "ec256", argv[4]);
	} else if (strcmp(argv[1], "sign") == 0 && argc >= 4) {
		ret = cmd_sign(&o, argv[3], argc > 4 && strcmp(argv[4], "pss") == 0);
	} else if (strcmp(argv[1], "noexport") == 0 && argc == 4) {
		ret = cmd_noexport(&o, argv[3]);
	} else if (strcmp(argv[1], "csr") == 0 && argc == 6) {
		ret = cmd_csr(&o, argv[3], argv[4], argv[5]);
	} else if (strcmp(argv[1], "tls") == 0 && argc >= 8) {
		ret = cmd_tls(&o, argv[3], argv[4], argv[5], argv[6], argv[7],
			      argc > 8 ? atoi(argv[8]) : 1);
	} else {
		return usage();
	}
	if (ret)
		hwe_err_print();
	hwe_key_tpm2.fini();
	return ret;
}
