/* SPDX-License-Identifier: BSD-3-Clause */
/* ossl-fetch.h - which provider OpenSSL's unqueried fetches reach.
 *
 * hwenroll loads key providers (tpm2, its hwe-tpm2 wrapper, hwenroll-pkcs11)
 * next to OpenSSL's default provider in the default library context, where
 * libcurl builds its SSL_CTX.  Everything that is not the private-key
 * operation itself - digests, X.509 verification, the TLS key exchange -
 * must stay in the default provider.  These two calls keep it there. */
#ifndef HWE_OSSL_FETCH_H
#define HWE_OSSL_FETCH_H

/* The process-wide property query: prefer the default provider wherever a
 * fetch names no provider.  A preference, not a requirement: a key of
 * another provider still reaches that provider's own operations. */
#define HWE_OSSL_DEFAULT_PROPS "?provider=default"

/* Set HWE_OSSL_DEFAULT_PROPS (idempotent).  Records an error on failure. */
int hwe_ossl_prefer_default(void);

/* Call right before libcurl may create an SSL_CTX (a new connection).
 *
 * OpenSSL 3.0's method cache matches a fetch that names no provider
 * against an entry cached for ANY provider under the same query string
 * (crypto/property/property.c, query_cmp: a NULL provider compares equal).
 * Once OpenSSL has fetched the "EC" key manager from the tpm2 or hwe-tpm2
 * provider with an empty query (it does so internally whenever it loads,
 * exports or signs with a TPM key), libssl's SSL_CTX_new asks for "EC" with
 * no query, receives that provider's key manager, and drops the default
 * provider's P-256/P-384/P-521 TLS groups, because a group is offered only
 * if its key manager comes from the provider that declared the group
 * (ssl/t1_lib.c, add_provider_groups).  The ClientHello then offers only
 * X25519, X448 and FFDHE, and a server limited to NIST curves fails the
 * handshake.
 *
 * This flushes the method cache (by re-setting the default property query)
 * and resolves the TLS group algorithms again with no query, so the first
 * cache entries again name the default provider.  Returns HWE_OK or
 * records an error (internal). */
int hwe_ossl_tls_prepare(void);

#endif
