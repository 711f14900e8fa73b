/* SPDX-License-Identifier: BSD-3-Clause */
/* key.c - backend table and backend-independent key helpers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "key.h"
#include "rc.h"

static const struct hwe_key_backend *const backends[] = {
	&hwe_key_software,
	&hwe_key_tpm2,
	&hwe_key_pkcs11,
	NULL,
};

const struct hwe_key_backend *const *hwe_key_backends(void)
{
	return backends;
}

const struct hwe_key_backend *hwe_key_backend_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; backends[i]; i++)
		if (strcasecmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct hwe_key_backend *hwe_key_backend_by_file(const char *filename)
{
	size_t i, n, e;

	if (!filename)
		return NULL;
	n = strlen(filename);
	for (i = 0; backends[i]; i++) {
		e = strlen(backends[i]->ext);
		if (n > e && strcmp(filename + n - e, backends[i]->ext) == 0)
			return backends[i];
	}
	return NULL;
}

static const struct {
	const char *names[4];
	int nid;
	unsigned bits;
} curves[] = {
	{ { "P256", "P-256", "prime256v1", "secp256r1" }, NID_X9_62_prime256v1, 256 },
	{ { "P384", "P-384", "secp384r1", NULL }, NID_secp384r1, 384 },
	{ { "P521", "P-521", "secp521r1", NULL }, NID_secp521r1, 521 },
};

int hwe_keyspec_parse(const char *algorithm, const char *curve, const char *size,
		      struct hwe_keyspec *out)
{
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (!algorithm) {
		if (size && !curve)
			algorithm = "RSA";
		else
			algorithm = "ECC";
	}
	if (strcasecmp(algorithm, "ECC") == 0 || strcasecmp(algorithm, "EC") == 0 ||
	    strcasecmp(algorithm, "ECDSA") == 0) {
		if (size)
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "--size '%s' applies to RSA keys, not ECC (use --curve)", size);
		out->alg = HWE_ALG_EC;
		if (!curve) {
			out->curve_nid = NID_X9_62_prime256v1;
			return HWE_OK;
		}
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			for (j = 0; j < 4 && curves[i].names[j]; j++)
				if (strcasecmp(curve, curves[i].names[j]) == 0) {
					out->curve_nid = curves[i].nid;
					return HWE_OK;
				}
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "unknown curve '%s' (expected P256, P384 or P521)", curve);
	}
	if (strcasecmp(algorithm, "RSA") == 0) {
		char *end = NULL;
		unsigned long bits;

		if (curve)
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "--curve '%s' applies to ECC keys, not RSA (use --size)", curve);
		out->alg = HWE_ALG_RSA;
		if (!size) {
			out->bits = 2048;
			return HWE_OK;
		}
		bits = strtoul(size, &end, 10);
		if (!*size || *end || (bits != 2048 && bits != 3072 && bits != 4096))
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "unsupported RSA size '%s' (expected 2048, 3072 or 4096)", size);
		out->bits = (unsigned)bits;
		return HWE_OK;
	}
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
		       "unknown algorithm '%s' (expected ECC or RSA)", algorithm);
}

const char *hwe_keyspec_describe(const struct hwe_keyspec *spec, char *buf, size_t buflen)
{
	size_t i;

	if (spec->alg == HWE_ALG_RSA) {
		snprintf(buf, buflen, "RSA %u", spec->bits);
		return buf;
	}
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].nid == spec->curve_nid) {
			snprintf(buf, buflen, "ECC %s", curves[i].names[1]);
			return buf;
		}
	snprintf(buf, buflen, "ECC %s", OBJ_nid2sn(spec->curve_nid));
	return buf;
}

int hwe_keyspec_from_pkey(const EVP_PKEY *pkey, struct hwe_keyspec *out)
{
	char group[64];
	size_t glen = 0;

	memset(out, 0, sizeof(*out));
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						    sizeof(group), &glen))
			return hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_UNSUPPORTED,
				       "cannot read the curve of the current key");
		out->alg = HWE_ALG_EC;
		out->curve_nid = OBJ_txt2nid(group);
		if (out->curve_nid == NID_undef)
			out->curve_nid = EC_curve_nist2nid(group);
		if (out->curve_nid != NID_X9_62_prime256v1 && out->curve_nid != NID_secp384r1 &&
		    out->curve_nid != NID_secp521r1)
			return hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_UNSUPPORTED,
				       "the current key uses curve '%s', which hwenroll does not generate",
				       group);
		return HWE_OK;
	}
	if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
		out->alg = HWE_ALG_RSA;
		out->bits = (unsigned)EVP_PKEY_get_bits(pkey);
		if (out->bits != 2048 && out->bits != 3072 && out->bits != 4096)
			return hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_UNSUPPORTED,
				       "the current key is RSA %u, which hwenroll does not generate",
				       out->bits);
		return HWE_OK;
	}
	return hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_UNSUPPORTED,
		       "the current key is of an unsupported type");
}

int hwe_key_public_equal(const EVP_PKEY *a, const EVP_PKEY *b)
{
	unsigned char *da = NULL, *db = NULL;
	int la, lb, eq = 0;

	/* Compare SubjectPublicKeyInfo encodings: works across providers,
	 * where EVP_PKEY_eq may refuse to compare keys of different providers. */
	la = i2d_PUBKEY((EVP_PKEY *)a, &da);
	lb = i2d_PUBKEY((EVP_PKEY *)b, &db);
	if (la > 0 && lb > 0 && la == lb && memcmp(da, db, (size_t)la) == 0)
		eq = 1;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return eq;
}
