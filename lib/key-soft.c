/* SPDX-License-Identifier: BSD-3-Clause */
/* key-soft.c - software keys: a PKCS#8 PEM file (mode 0600) through
 * OpenSSL's default provider.  For labs and devices without hardware. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "key.h"
#include "rc.h"

static int soft_generate(const struct hwe_key_opts *o, const struct hwe_keyspec *spec,
			 EVP_PKEY **pkey, unsigned char **blob, size_t *bloblen)
{
	int ret = HWE_EXIT_KEY;
	EVP_PKEY *k = NULL;
	BIO *mem = NULL;
	char *data;
	long n;

	if (spec->alg == HWE_ALG_EC)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", OBJ_nid2sn(spec->curve_nid));
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)spec->bits);
	if (!k) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "software key generation failed");
		goto out;
	}
	mem = BIO_new(BIO_s_secmem());
	if (!mem || !PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL)) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "cannot encode the software key");
		goto out;
	}
	n = BIO_get_mem_data(mem, &data);
	*blob = OPENSSL_malloc((size_t)n);
	if (!*blob) {
		ret = hwe_err_oom();
		goto out;
	}
	memcpy(*blob, data, (size_t)n);
	*bloblen = (size_t)n;
	*pkey = k;
	k = NULL;
	ret = HWE_OK;
out:
	BIO_free(mem); /* secure memory BIO: cleansed on free */
	EVP_PKEY_free(k);
	return ret;
}

static int soft_load(const struct hwe_key_opts *o, const unsigned char *blob, size_t bloblen,
		     EVP_PKEY **pkey)
{
	BIO *mem = BIO_new_mem_buf(blob, (int)bloblen);
	EVP_PKEY *k = NULL;

	if (mem)
		k = PEM_read_bio_PrivateKey(mem, NULL, NULL, NULL);
	BIO_free(mem);
	if (!k)
		return hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
				    "the software key file is not a readable private key");
	*pkey = k;
	return HWE_OK;
}

static void soft_describe(const unsigned char *blob, size_t bloblen, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "software key file (PKCS#8 PEM)");
}

/* no device: no caps, and no init, plan, destroy or fini (NULL) */
const struct hwe_key_backend hwe_key_software = {
	.name = "software",
	.ext = ".pem",
	.generate = soft_generate,
	.load = soft_load,
	.describe = soft_describe,
};
