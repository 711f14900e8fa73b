/* SPDX-License-Identifier: BSD-3-Clause */
/* keyparams.c - the keymgmt tables and rules both providers share
 * (keyparams.h). */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "keyparams.h"

static const OSSL_PARAM ec_pub[] = { HWE_KEYPARAM_GROUP, HWE_KEYPARAM_PUB, OSSL_PARAM_END };
static const OSSL_PARAM rsa_pub[] = { HWE_KEYPARAM_RSA_N, HWE_KEYPARAM_RSA_E, OSSL_PARAM_END };

/* get_params: what a key of either type answers */
#define ANY_KEY_GETTABLE                                                 \
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),                      \
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),             \
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),                  \
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0), \
	OSSL_PARAM_END

static const OSSL_PARAM ec_gettable[] = {
	HWE_KEYPARAM_GROUP,
	HWE_KEYPARAM_PUB,
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	ANY_KEY_GETTABLE,
};

static const OSSL_PARAM rsa_gettable[] = {
	HWE_KEYPARAM_RSA_N, HWE_KEYPARAM_RSA_E, ANY_KEY_GETTABLE
};

const OSSL_PARAM *hwe_keyparams_ec_types(int selection)
{
	return ec_pub;
}

const OSSL_PARAM *hwe_keyparams_rsa_types(int selection)
{
	return rsa_pub;
}

const OSSL_PARAM *hwe_keyparams_ec_gettable(void *provctx)
{
	return ec_gettable;
}

const OSSL_PARAM *hwe_keyparams_rsa_gettable(void *provctx)
{
	return rsa_gettable;
}

int hwe_keyparams_has(int selection, int priv, int pub, int params)
{
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && !priv)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) && !pub)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_ALL_PARAMETERS) && !params)
		return 0;
	return 1;
}
