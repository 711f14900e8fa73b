/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore.h - the keystore directory: layout, locking, atomic updates.
 *
 *   <ks>/conf/   CSR configuration files
 *   <ks>/ca/     trust anchors (TLS root CAs, EST CA certs from /cacerts)
 *   <ks>/certs/  <alias>.pem issued certificate, <alias>-chain.pem its chain,
 *                <alias>.profile what `renew` needs (no secrets)
 *   <ks>/keys/   <alias>.<ext> key material or reference, 0600; dir 0700
 *   <ks>/req/    <alias>.csr last CSR; <alias>.pending.<ext> key of a 202-pending request,
 *                <alias>.pending: the pending request is the current key's;
 *                <alias>.state last renewal attempt/success/result;
 *                <alias>.new.<ext> a device key being made (not yet referenced by
 *                keys/ or req/), <alias>.old.<ext> a device key a rekey replaced:
 *                both still to be destroyed on the device if a run was killed
 *
 * Updates go through a transaction: every file is staged as a temp file in
 * its target directory (fsync'd), then a journal naming the renames is
 * written, then the renames happen, then the journal is removed.  A run that
 * dies mid-commit is rolled forward by the next run that locks the alias (or
 * by `show`), so an alias is always either entirely old or entirely new.
 */
#ifndef HWE_KEYSTORE_H
#define HWE_KEYSTORE_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/x509.h>

#include "key.h"

struct hwe_keystore;
struct hwe_ks_lock;
struct hwe_ks_txn;

/* The largest file the keystore reads (and so the largest it writes). */
#define HWE_KS_READ_MAX (1024 * 1024)

/* The CA certificates update (hwenroll cacerts) runs under this lock name;
 * its journal (req/cacerts.journal) may name only ca/HWE_KS_CACERTS_FILE
 * besides the files of an alias of that name.  No other update touches
 * ca/, and none touches conf/. */
#define HWE_KS_CACERTS_LOCK "cacerts"
#define HWE_KS_CACERTS_FILE "est-cacerts.pem"

/* Open (and with create=1, create with safe modes: ks 0755, keys/ and req/
 * 0700) the keystore.  Refuses a keys/ directory that is group/world
 * accessible or not owned by us, and symlinked subdirectories. */
int hwe_keystore_open(const char *dir, int create, struct hwe_keystore **out);
void hwe_keystore_close(struct hwe_keystore *ks);
const char *hwe_keystore_dir(const struct hwe_keystore *ks);
/* The open descriptor of <ks>/<sub>/, -1 if that directory is absent: for
 * openat(..., O_NOFOLLOW) of a file the keystore module does not read itself
 * (the CSR config, see hwe_csrconf_load_at). */
int hwe_keystore_dirfd(const struct hwe_keystore *ks, const char *sub);

/* malloc'd "<ks>/<sub>/<name>" */
char *hwe_keystore_path(const struct hwe_keystore *ks, const char *sub, const char *name);

/* Aliases: 1-64 chars of [A-Za-z0-9._-], not starting with '.' or '-'.
 * Returns HWE_OK if valid, else records a usage error naming the alias and
 * returns HWE_EXIT_USAGE (so `if (hwe_keystore_alias_valid(a))` means bad). */
int hwe_keystore_alias_valid(const char *alias);

/* Take the per-alias lock (<ks>/req/<alias>.lock, flock), waiting up to
 * wait_s seconds (0 = try once); then roll forward an interrupted commit for
 * the alias and delete temp files a killed run left behind.  Busy:
 * HWE_EXIT_KEYSTORE/ERR_KEYSTORE_LOCKED.  A journal that is malformed or
 * names a file outside the alias's own (see the transactions below):
 * HWE_EXIT_KEYSTORE/ERR_KEYSTORE_JOURNAL, nothing done, journal left.  Release the lock (after freeing
 * any transaction) with hwe_keystore_unlock; it is also released when the
 * process exits.  A lock outlives hwe_keystore_close. */
int hwe_keystore_lock(struct hwe_keystore *ks, const char *alias, int wait_s,
		      struct hwe_ks_lock **out);
void hwe_keystore_unlock(struct hwe_ks_lock *lk);

/* Roll forward an interrupted commit of alias (what hwe_keystore_lock does
 * after locking).  Needs the alias lock held and no open transaction. */
int hwe_keystore_recover(struct hwe_keystore *ks, const char *alias);

/* Read a file of the keystore through its directory descriptor.  Refuses
 * symlinks (O_NOFOLLOW), anything but a regular file, and what
 * hwe_file_check refuses: a file owned by neither us nor root, writable by
 * group or others, and under keys/ and req/ accessible by them at all
 * (HWE_EXIT_KEYSTORE, ERR_KEYSTORE_PERMISSIONS).  Returns
 * HWE_EXIT_KEYSTORE with status ERR_KEYSTORE_NO_ALIAS if it does not exist.
 * At most HWE_KS_READ_MAX bytes.  *data is NUL-terminated after *len bytes; free it with
 * OPENSSL_clear_free(*data, *len) - key files are secret. */
int hwe_keystore_read(const struct hwe_keystore *ks, const char *sub, const char *name,
		      unsigned char **data, size_t *len);
/* The same for a file that may be absent: HWE_OK with *data NULL, *len 0
 * when it does not exist (nothing recorded); every other failure as above. */
int hwe_keystore_read_opt(const struct hwe_keystore *ks, const char *sub, const char *name,
			  unsigned char **data, size_t *len);
int hwe_keystore_exists(const struct hwe_keystore *ks, const char *sub, const char *name);

/* Which backend holds <alias>: finds keys/<alias><ext> for each backend.
 * Returns HWE_OK and *be, or HWE_EXIT_KEYSTORE/ERR_KEYSTORE_NO_ALIAS. */
int hwe_keystore_find_key(const struct hwe_keystore *ks, const char *alias,
			  const struct hwe_key_backend **be);
/* The same where an alias without a key is an answer, not an error:
 * HWE_OK with *be NULL (nothing recorded). */
int hwe_keystore_find_key_opt(const struct hwe_keystore *ks, const char *alias,
			      const struct hwe_key_backend **be);

/* Every certificate in <ks>/ca/ (PEM, possibly several per file, or DER;
 * files ending .pem .crt .cer .der); an unreadable file is an input error
 * naming it, a symlink or a file with a bad owner or mode (as for
 * hwe_keystore_read) a keystore error.  *out may be empty. */
int hwe_keystore_load_ca(const struct hwe_keystore *ks, STACK_OF(X509) **out);

/* Aliases present (certs/<a>.pem or keys/<a>.<ext>), sorted; NULL-terminated,
 * free with hwe_keystore_aliases_free. */
int hwe_keystore_aliases(const struct hwe_keystore *ks, char ***out);
void hwe_keystore_aliases_free(char **v);

/* Transactions (need the alias lock held; one open transaction per lock).
 * Staged temp files are <sub>/.<alias>=<name>.tmp.<pid>.<hex>; the journal
 * is req/<alias>.journal.  Names are [A-Za-z0-9._+@-], not starting with
 * '.'; under keys/ and req/ a mode with group/other bits is refused.
 * An update may touch only the files of its alias: keys/<alias><ext> (ext of
 * a key backend), certs/<alias>.pem, certs/<alias>-chain.pem,
 * certs/<alias>.profile (enrollment profile), req/<alias>.csr,
 * req/<alias>.state (renewal state), req/<alias>.pending, req/<alias>.pending<ext>, req/<alias>.new<ext>,
 * req/<alias>.old<ext> (and, for HWE_KS_CACERTS_LOCK,
 * ca/HWE_KS_CACERTS_FILE); a journal naming anything else is refused by
 * the roll-forward, untouched.  A file larger than HWE_KS_READ_MAX is
 * refused. */
int hwe_keystore_txn_begin(struct hwe_keystore *ks, const char *alias, struct hwe_ks_txn **out);
/* Stage <sub>/<name> with these bytes and mode (temp file, fsync). */
int hwe_keystore_txn_put(struct hwe_ks_txn *t, const char *sub, const char *name,
			 const void *data, size_t len, mode_t mode);
/* Remove <sub>/<name> as part of the commit (missing is fine). */
int hwe_keystore_txn_remove(struct hwe_ks_txn *t, const char *sub, const char *name);
/* Make all staged changes visible at once (journaled). */
int hwe_keystore_txn_commit(struct hwe_ks_txn *t);
/* Free; if not committed, deletes the staged temp files: nothing changed.
 * (If commit failed after its journal was written, the staged files stay
 * for the next hwe_keystore_lock of the alias to finish the update.) */
void hwe_keystore_txn_free(struct hwe_ks_txn *t);

#ifdef HWE_TEST_HOOKS
/* Test hook, only in test/unit/test-keystore's own build of
 * keystore-txn.c: make every later commit _exit(99) after n of its
 * actions (after its journal is durable); -1 turns it off. */
void hwe_keystore_test_crash_after(int n);
#endif

#endif
