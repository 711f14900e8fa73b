/* SPDX-License-Identifier: BSD-3-Clause */
/* tpm2-wrap.h - the built-in "hwe-tpm2" provider (wrap.c): it wraps
 * tpm2-openssl keys so that private operations go to the TPM and
 * everything else stays in the default provider.
 *
 * Register it once, before OSSL_PROVIDER_load(NULL, HWE_TPM2_WRAP_PROVIDER),
 * with the hooks the key backend wants called around each TPM signature
 * (the wrapper knows nothing else of its user).  hwe_tpm2_wrap_key() returns
 * a new wrapping key holding its own reference to the tpm2 key, or NULL. */
#ifndef HWE_TPM2_WRAP_H
#define HWE_TPM2_WRAP_H

#include <openssl/evp.h>

#define HWE_TPM2_WRAP_PROVIDER "hwe-tpm2"

struct hwe_tpm2_wrap_hooks {
	void (*sign_begin)(void);  /* a TPM signature is about to be asked for */
	void (*sign_failed)(void); /* it failed: the OpenSSL error queue says how */
};

/* hooks (may be NULL) must outlive the provider */
int hwe_tpm2_wrap_register(const struct hwe_tpm2_wrap_hooks *hooks);
EVP_PKEY *hwe_tpm2_wrap_key(EVP_PKEY *tpm);

#endif
