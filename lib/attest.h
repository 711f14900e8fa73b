/* SPDX-License-Identifier: BSD-3-Clause */
/* attest.h - TPM key attestation for the CSR (hwenroll(1) ATTESTATION).
 *
 * An attestation key (AK: a restricted ECC P-256 or RSA 2048 signing key,
 * persistent) signs TPM2_Certify over a key made for an enrollment; the
 * CSR carries that evidence in the attribute of
 * draft-ietf-lamps-csr-attestation (id-aa-attestation) as a TCG
 * tcg-attest-tpm-certify statement with the AK's certificate chain.
 *
 * These functions open their own ESYS connection (struct hwe_tpm).  A
 * single-connection TCTI (swtpm, mssim, /dev/tpm0) serves one client at a
 * time, and the tpm2-openssl provider holds one while it is loaded: the
 * callers use hwe_tpm while the provider is not loaded (enroll defers the
 * tpm2 backend's init until the evidence is made).
 */
#ifndef HWE_ATTEST_H
#define HWE_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <tss2/tss2_esys.h>

#include "key.h"

#define HWE_AK_DEFAULT_HANDLE 0x81000100u
/* the attribute's OID, id-aa-attestation: HWE_OID_ATTESTATION_ATTR in csr.h */
/* TCG: tcg-attest-tpm-certify { tcg-attest(2.23.133.20) 1 } */
#define HWE_OID_TPM_CERTIFY "2.23.133.20.1"

struct hwe_tpm;

/* Open an ESYS connection to tcti; errors are HWE_EXIT_KEY naming the TCTI. */
int hwe_tpm_open(const char *tcti, struct hwe_tpm **out);
void hwe_tpm_close(struct hwe_tpm *t);
/* its ESYS context, for callers with TPM work of their own (cmd-tpm.c) */
ESYS_CONTEXT *hwe_tpm_esys(const struct hwe_tpm *t);

struct hwe_ak_info {
	uint32_t handle;
	int present;          /* something is at the handle */
	int usable;           /* a restricted signing key with fixedTPM, fixedParent, sensitiveDataOrigin */
	int created;          /* made by hwe_ak_create in this run */
	char desc[96];        /* "ECC NIST P-256 restricted signing key (ECDSA SHA-256)" or why not */
	EVP_PKEY *pub;        /* its public key (usable only); free with EVP_PKEY_free */
};

/* Look at the persistent handle; *ai filled (present 0 when nothing is there). */
int hwe_ak_read(struct hwe_tpm *t, uint32_t handle, struct hwe_ak_info *ai);
/* Create an AK (ECC P-256 ECDSA-SHA256, or RSA 2048 RSASSA-SHA256 when rsa)
 * as a primary key of the owner hierarchy and make it persistent at handle. */
int hwe_ak_create(struct hwe_tpm *t, uint32_t handle, int rsa);
/* A CSR for the AK (subject CN=hwenroll attestation key 0x...), signed by
 * the AK (TPM2_Hash then TPM2_Sign with the hash ticket). */
int hwe_ak_csr(struct hwe_tpm *t, const struct hwe_ak_info *ai, X509_REQ **out);
/* The AK's certificate and chain: from NV index nv (DER certificates one
 * after another, as TCG's IAK provisioning stores them), or with nv 0 from
 * the PEM file spec (AK certificate first); spec names it in messages
 * (--ak-cert as given).  t may be NULL for a file.  The first
 * certificate's key must be the AK's. */
int hwe_ak_certs(struct hwe_tpm *t, const char *spec, uint32_t nv, const struct hwe_ak_info *ai,
		 STACK_OF(X509) **out);

/* qualifyingData of TPM2_Certify: SHA-256 of the channel binding bytes. */
void hwe_attest_qualifying(const unsigned char *binding, size_t len, unsigned char out[32]);

struct hwe_attest_out {
	unsigned char *blob;      /* TSS2 PRIVATE KEY PEM of the new key (OPENSSL_clear_free) */
	size_t bloblen;
	unsigned char *evidence;  /* DER AttestationBundle, the attribute's value (OPENSSL_free) */
	size_t evidencelen;
};

/* Create a signing key under parent (the template tpm2-openssl uses),
 * TPM2_Certify it with the AK over qual, and build the evidence with the
 * AK's certificates. */
int hwe_attest_keygen(struct hwe_tpm *t, uint32_t parent, const struct hwe_keyspec *spec,
		      const struct hwe_ak_info *ai, const STACK_OF(X509) *akcerts,
		      const unsigned char *qual, size_t quallen, struct hwe_attest_out *out);

/* ---- enroll --attest ---------------------------------------------------- */

struct hwe_attest_args;
struct hwe_http_binding;

struct hwe_attest_req {
	const char *tcti;
	uint32_t parent;
	uint32_t ak_handle;
	const char *ak_cert;      /* FILE or nv:INDEX, as given */
	uint32_t ak_cert_nv;      /* nv:INDEX: the index; 0: ak_cert is a file */
};

/* --attest, --ak-handle, --ak-cert against the alias's backend: a TPM key
 * made by this run (not a persistent --tpm-handle key, not an alias that
 * has a key: existing).  rekey: reenroll --rekey, whose TLS client key
 * keeps the tpm2 provider's TPM connection open, so the TCTI must serve a
 * second client (a resource manager).  Exit 2 otherwise, with the reason. */
int hwe_attest_plan(const struct hwe_attest_args *aa, const struct hwe_key_backend *be,
		    const struct hwe_key_opts *ko, int existing, int rekey, struct hwe_attest_req *r);

/* Make the key and its evidence bound to the connection's binding b; the
 * keystore record text (certs/<alias>.attest) in *record (malloc'd). */
int hwe_attest_make(const struct hwe_attest_req *r, const struct hwe_keyspec *spec,
		    const struct hwe_http_binding *b, struct hwe_attest_out *out, char **record);

/* The keystore record's suffix: certs/<alias>.attest */
#define HWE_ATTEST_SUFFIX ".attest"

#endif
