/* SPDX-License-Identifier: BSD-3-Clause */
/* key.h - the key layer: one const ops struct per backend.
 *
 * Every key, wherever it lives, comes out of this layer as an EVP_PKEY that
 * OpenSSL 3 reaches through a provider.  Only the commands talk to this
 * layer; CSR, HTTP and EST code receive the EVP_PKEY and never learn where
 * the key lives.  A new backend is one new file that fills one
 * struct hwe_key_backend and one line in key.c's table.
 *
 * The keystore file <ks>/keys/<alias><ext> holds the backend's "blob": the
 * bytes generate() returned (a private-key PEM for software, a TSS2 PRIVATE
 * KEY PEM for tpm2, a pkcs11: URI for pkcs11).  The file's extension tells
 * which backend an alias belongs to.
 */
#ifndef HWE_KEY_H
#define HWE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum hwe_key_alg {
	HWE_ALG_EC = 1,
	HWE_ALG_RSA = 2,
};

struct hwe_keyspec {
	enum hwe_key_alg alg;
	int curve_nid;   /* EC: NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 */
	unsigned bits;   /* RSA: 2048, 3072, 4096 */
};

/* Everything a backend may need to reach its device; filled by the command
 * from options, environment and config.  Unused fields are NULL/0. */
struct hwe_key_opts {
	const char *alias;          /* the key alias (label for token objects) */
	/* tpm2 */
	const char *tcti;           /* resolved TCTI string (never NULL for tpm2) */
	uint32_t tpm_parent;        /* persistent parent handle; 0 = 0x81000001 */
	uint32_t tpm_handle;        /* keygen: use the key already at this persistent handle; 0 = create */
	const char *tcti_rcwatch;   /* the TCTI watcher module; NULL = the installed one */
	/* pkcs11 */
	const char *pkcs11_module;  /* module path; NULL = p11-kit proxy */
	const char *token_uri;      /* pkcs11:token=LABEL ... */
	const char *pin;            /* resolved PIN or NULL; owned and wiped by the caller */
	/* generate(): create exactly the key plan() named (its blob), or NULL */
	const unsigned char *planned;
	size_t planned_len;
};

/* capability flags */
#define HWE_KEY_CAP_HARDWARE   0x1u  /* private key never leaves a device */
#define HWE_KEY_CAP_DEVICE_OBJ 0x2u  /* the key is an object on a device: destroy() removes it */

struct hwe_key_backend {
	const char *name;   /* "software", "tpm2", "pkcs11": the --key-backend value */
	const char *ext;    /* key file suffix: ".pem", ".tss2", ".p11" */
	unsigned caps;      /* HWE_KEY_CAP_* */

	/* Prepare the process (load providers, set properties) once, before
	 * any other slot.  May be NULL. */
	int (*init)(const struct hwe_key_opts *o);

	/* Create a key on the device; *blob gets malloc'd bytes for the key
	 * file (the caller stores them with mode 0600 and frees them with
	 * OPENSSL_clear_free). */
	int (*generate)(const struct hwe_key_opts *o, const struct hwe_keyspec *spec,
			EVP_PKEY **pkey, unsigned char **blob, size_t *bloblen);

	/* Name the key the next generate() creates, before it exists: *blob
	 * gets the bytes generate() will return for it (malloc'd, freed with
	 * OPENSSL_clear_free).  The caller records them durably first, so that
	 * a run killed after the device made the key but before the keystore
	 * references it lets the next run find and destroy() it; generate()
	 * with o->planned set to these bytes makes that very key.  NULL when
	 * nothing of a key outlives the process but its blob (software, a TSS2
	 * key that exists only in its file). */
	int (*plan)(const struct hwe_key_opts *o, unsigned char **blob, size_t *bloblen);

	/* Turn key file bytes back into a usable key (private operations go
	 * to the device). */
	int (*load)(const struct hwe_key_opts *o, const unsigned char *blob,
		    size_t bloblen, EVP_PKEY **pkey);

	/* Remove the key from its device (a failed enrollment, a replaced
	 * key).  NULL when deleting the key file is all there is. */
	int (*destroy)(const struct hwe_key_opts *o, const unsigned char *blob,
		       size_t bloblen);

	/* One line for `show` describing where the key lives, written into
	 * buf (e.g. "TPM, parent 0x81000001", a pkcs11: URI).  May be NULL. */
	void (*describe)(const unsigned char *blob, size_t bloblen, char *buf,
			 size_t buflen);

	/* Undo init(); may be NULL. */
	void (*fini)(void);
};

extern const struct hwe_key_backend hwe_key_software;
extern const struct hwe_key_backend hwe_key_tpm2;
extern const struct hwe_key_backend hwe_key_pkcs11;

/* key-tpm2.c: check that a TCTI can be opened (module installed, device
 * present, something listening), without sending a TPM command; records a
 * HWE_EXIT_KEY/HWE_ERR_TPM error naming the TCTI and the fix. */
int hwe_tpm2_tcti_check(const char *tcti);

/* Lookup by --key-backend name, or by key file name (extension). NULL if none. */
const struct hwe_key_backend *hwe_key_backend_by_name(const char *name);
const struct hwe_key_backend *hwe_key_backend_by_file(const char *filename);
/* NULL-terminated list of all backends compiled in. */
const struct hwe_key_backend *const *hwe_key_backends(void);

/* Validate --algorithm/--curve/--size (any may be NULL: defaults ECC P256,
 * RSA 2048).  "ECC"/"EC"/"RSA" any case; curves "P256"/"P-256"/"prime256v1",
 * P384, P521; sizes 2048/3072/4096.  A curve with RSA or a size with ECC is a
 * usage error. */
int hwe_keyspec_parse(const char *algorithm, const char *curve, const char *size,
		      struct hwe_keyspec *out);
/* "ECC P-256", "RSA 3072" */
const char *hwe_keyspec_describe(const struct hwe_keyspec *spec, char *buf, size_t buflen);
/* Derive the spec of an existing key (for --rekey: same algorithm and size). */
int hwe_keyspec_from_pkey(const EVP_PKEY *pkey, struct hwe_keyspec *out);
/* 1 if the two keys have the same public key */
int hwe_key_public_equal(const EVP_PKEY *a, const EVP_PKEY *b);

#endif
