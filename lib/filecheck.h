/* SPDX-License-Identifier: BSD-3-Clause */
/* filecheck.h - the one owner/mode check every file hwenroll reads as input
 * passes: keystore files (conf/ ca/ certs/ keys/ req/), a --csr-conf path,
 * password and PIN files, the config file.
 *
 * Whoever can write such a file decides what hwenroll does with it (the
 * CSR's subject, the trust anchors, the certificate presented, the module
 * loaded), and whoever can read a secret file has the secret.  So, checked
 * with fstat on the open descriptor (the file actually read, not a name
 * that could be swapped afterwards):
 *   - owned by the user running hwenroll or by root;
 *   - not writable by group or others;
 *   - a secret (HWE_FILE_SECRET): not readable by group or others either.
 * Inside the keystore files are also opened with O_NOFOLLOW through the
 * keystore's directory descriptors (see keystore.c): a symlink is refused.
 */
#ifndef HWE_FILECHECK_H
#define HWE_FILECHECK_H

#include <sys/stat.h>

#include "rc.h"

#define HWE_FILE_SECRET 1u /* password, PIN, key, request: owner-only */

/* Check st (fstat of the open file at path; what names it: "CSR config
 * file", "password file", ...).  A refusal is recorded naming what, path and
 * the fix (chown / chmod) and returns ex: HWE_EXIT_KEYSTORE with status
 * ERR_KEYSTORE_PERMISSIONS for a file in the keystore, HWE_EXIT_INPUT with
 * ERR_FILE_PERMISSIONS for a file named on the command line or in the
 * config file.  HWE_OK if the file may be read. */
int hwe_file_check(const char *what, const char *path, const struct stat *st, unsigned flags,
		   enum hwe_exit ex);

/* Record the refusal of a symlink where a keystore file must be (openat
 * with O_NOFOLLOW failed with ELOOP); returns HWE_EXIT_KEYSTORE. */
int hwe_file_symlink_refused(const char *what, const char *path);

#endif
