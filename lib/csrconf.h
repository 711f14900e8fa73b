/* SPDX-License-Identifier: BSD-3-Clause */
/* csrconf.h - the CSR configuration file (the reference workflow's format).
 *
 *   # comment
 *   countryName=US
 *   commonName=device-001
 *   isCA=false
 *   certPathLen=-1
 *   keyUsage=digitalSignature keyEncipherment
 *   extendedKeyUsage=clientAuth serverAuth
 *   subjectAltNames=2; *.example.com, 2; 10.0.0.1, 7
 *
 * Errors name the file, the line and what was expected
 * ("sample.conf:7: unknown key 'commonname' (expected one of ...)") and
 * return HWE_EXIT_INPUT with status ERR_CONFIG_SYNTAX.
 */
#ifndef HWE_CSRCONF_H
#define HWE_CSRCONF_H

#include <stddef.h>

#define HWE_CSRCONF_MAX_VALUE 1024   /* longest accepted value, bytes */
#define HWE_CSRCONF_MAX_SANS 64
#define HWE_CSRCONF_MAX_RDNS 64      /* subject fields (RDNs) per file */

struct hwe_csr_rdn {
	int nid;        /* NID_countryName, NID_commonName, ... */
	char *value;    /* UTF-8 */
};

/* GeneralName tag numbers as in the reference workflow */
enum hwe_san_type {
	HWE_SAN_EMAIL = 1,
	HWE_SAN_DNS = 2,
	HWE_SAN_URI = 6,
	HWE_SAN_IP = 7,
};

struct hwe_csr_san {
	enum hwe_san_type type;
	char *value;
};

struct hwe_csrconf {
	struct hwe_csr_rdn *rdns;   /* in file order */
	size_t nrdns;
	int is_ca;                  /* -1 unset, 0 false, 1 true */
	int path_len;               /* -1 unset/unlimited, else >= 0 */
	unsigned key_usage;         /* OpenSSL KU_* bits (X509v3_KU_DIGITAL_SIGNATURE ...); 0 = none */
	int *eku_nids;              /* NID_client_auth, ...; may hold custom OIDs' NIDs */
	size_t neku;
	struct hwe_csr_san *sans;
	size_t nsans;
	unsigned char mac[6];       /* macAddress (for a server that asks for it) */
	int has_mac;
};

/* Parse a buffer; name is used in messages (usually the file path). */
int hwe_csrconf_parse(const char *name, const char *buf, size_t len,
		      struct hwe_csrconf **out);
/* Read and parse a file: a missing file is HWE_EXIT_INPUT with status
 * ERR_FILE_OPEN_FAILED and the reference workflow's hint.  The file must
 * pass hwe_file_check (owned by us or root, not writable by group or
 * others; else HWE_EXIT_INPUT, ERR_FILE_PERMISSIONS).  A path is followed
 * through symlinks; only the final file is checked. */
int hwe_csrconf_load(const char *path, struct hwe_csrconf **out);
/* The same for name in the keystore directory dirfd (conf/, from
 * hwe_keystore_dirfd; -1 if absent); path is shown in messages.  Opened
 * with O_NOFOLLOW: a symlink, a bad owner or a bad mode is refused with
 * HWE_EXIT_KEYSTORE, ERR_KEYSTORE_PERMISSIONS, as for every keystore file. */
int hwe_csrconf_load_at(int dirfd, const char *name, const char *path,
			struct hwe_csrconf **out);
void hwe_csrconf_free(struct hwe_csrconf *c);

#endif
