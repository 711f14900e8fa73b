/* SPDX-License-Identifier: BSD-3-Clause */
/* ossl-fetch.c - keep unqueried fetches (libssl's, libcurl's) on the default
 * provider while key providers are loaded; see ossl-fetch.h for why. */
#include "config.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "log.h"
#include "ossl-fetch.h"
#include "rc.h"

int hwe_ossl_prefer_default(void)
{
	if (!EVP_set_default_properties(NULL, HWE_OSSL_DEFAULT_PROPS))
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				    "cannot set the OpenSSL default property query");
	return HWE_OK;
}

int hwe_ossl_tls_prepare(void)
{
	/* the key managers libssl fetches for its TLS groups (OpenSSL 3.0's
	 * default provider declares groups of these four algorithms) */
	static const char *const group_algs[] = { "EC", "X25519", "X448", "DH" };
	EVP_KEYMGMT *km;
	size_t i;
	int ret;

	/* EVP_set_default_properties flushes the whole method cache */
	if ((ret = hwe_ossl_prefer_default()))
		return ret;
	ERR_set_mark();
	for (i = 0; i < sizeof(group_algs) / sizeof(group_algs[0]); i++) {
		km = EVP_KEYMGMT_fetch(NULL, group_algs[i], NULL);
		if (km)
			hwe_debug("tls: %s key exchange from provider '%s'", group_algs[i],
				  OSSL_PROVIDER_get0_name(EVP_KEYMGMT_get0_provider(km)));
		EVP_KEYMGMT_free(km);
	}
	/* an algorithm missing here (a build without X448) is not an error:
	 * libssl then simply does not offer its groups */
	ERR_pop_to_mark();
	return HWE_OK;
}
