/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore-txn.c - per-alias locks and journaled, crash-consistent
 * updates (stage, journal, rename, roll forward). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "keystore.h"
#include "keystore-int.h"
#include "log.h"
#include "rc.h"

/* Test hook (hwe_keystore_test_crash_after), compiled only into the unit
 * test's own copy of this file (HWE_TEST_HOOKS): the program has none. */
#ifdef HWE_TEST_HOOKS
static int crash_after = -1;
#define CRASH_POINT(strict, k) do { \
		if ((strict) && crash_after >= 0 && (size_t)crash_after == (k)) \
			_exit(99); \
	} while (0)
#else
#define CRASH_POINT(strict, k) do { } while (0)
#endif

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int recover(struct hwe_keystore *ks, struct hwe_ks_lock *lk);

int hwe_keystore_lock(struct hwe_keystore *ks, const char *alias, int wait_s,
		      struct hwe_ks_lock **out)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1;
	char name[KS_ALIAS_MAX + 8], p[PATH_MAX];
	struct hwe_ks_lock *lk;
	struct stat st;
	double deadline;

	*out = NULL;
	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	if (ks_need_sub(ks, SUB_REQ))
		return HWE_EXIT_KEYSTORE;
	snprintf(name, sizeof(name), "%s.lock", alias);
	ks_kpath(ks, SUB_REQ, name, p, sizeof(p));
	deadline = now_s() + (wait_s > 0 ? wait_s : 0);
	/* The lock file exists only while a run holds it: unlock removes it
	 * (still holding the lock), so a failed run leaves the keystore as it
	 * found it.  A run that got the lock on a file the previous holder
	 * has just removed sees that the path no longer names its inode and
	 * starts over. */
	for (;;) {
		struct stat cur;

		fd = openat(ks->fd[SUB_REQ], name,
			    O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
		if (fd < 0) {
			if (errno == ELOOP)
				ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
					      "refusing symlink '%s'", p);
			else
				ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot open lock", p, errno);
			goto out;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				      "lock '%s' is not a regular file", p);
			goto out;
		}
		while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EWOULDBLOCK) {
				ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot lock", p, errno);
				goto out;
			}
			if (now_s() >= deadline) {
				hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_LOCKED,
					"alias '%s' is in use by another hwenroll run (lock '%s')",
					alias, p);
				hwe_err_hint("wait for the other run to finish; the lock is released when it exits");
				ret = HWE_EXIT_KEYSTORE;
				goto out;
			}
			sleep_ms(100);
		}
		if (fstatat(ks->fd[SUB_REQ], name, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cur.st_ino == st.st_ino && cur.st_dev == st.st_dev)
			break;
		close(fd); /* removed by the previous holder: take the new one */
		fd = -1;
	}
	lk = calloc(1, sizeof(*lk));
	if (!lk) {
		ret = ks_oom();
		goto out;
	}
	lk->ks = ks;
	lk->fd = fd;
	fd = -1;
	snprintf(lk->alias, sizeof(lk->alias), "%s", alias);
	lk->next = ks->locks;
	ks->locks = lk;
	ret = recover(ks, lk);
	if (ret)
		hwe_keystore_unlock(lk);
	else
		*out = lk;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void hwe_keystore_unlock(struct hwe_ks_lock *lk)
{
	struct hwe_ks_lock **pp;

	if (!lk)
		return;
	if (lk->ks)
		for (pp = &lk->ks->locks; *pp; pp = &(*pp)->next)
			if (*pp == lk) {
				*pp = lk->next;
				break;
			}
	if (lk->ks) {
		char name[KS_ALIAS_MAX + 8];

		/* remove the lock file before releasing it (see hwe_keystore_lock) */
		snprintf(name, sizeof(name), "%s.lock", lk->alias);
		if (lk->ks->fd[SUB_REQ] >= 0)
			unlinkat(lk->ks->fd[SUB_REQ], name, 0);
	}
	close(lk->fd); /* releases the flock */
	free(lk);
}

/* ---- journal ------------------------------------------------------------- */

/* "<sub>/<name>" -> sub index and name (pointing into s). */
static int parse_relpath(char *s, int *sub, char **name)
{
	char *slash = strchr(s, '/');

	if (!slash)
		return -1;
	*slash = '\0';
	*sub = ks_sub_index(s);
	*name = slash + 1;
	if (*sub < 0 || strchr(*name, '/'))
		return -1;
	return 0;
}

/* A staged temp name of alias for final name: .<alias>=<name>.tmp.<pid>.<hex> */
static int tmp_ok(const char *tmp, const char *alias, const char *name)
{
	size_t la = strlen(alias), ln = strlen(name);
	const char *p;

	if (tmp[0] != '.' || strncmp(tmp + 1, alias, la) != 0 || tmp[1 + la] != '=' ||
	    strncmp(tmp + 2 + la, name, ln) != 0 || strncmp(tmp + 2 + la + ln, ".tmp.", 5) != 0)
		return 0;
	for (p = tmp + 2 + la + ln + 5; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '.'))
			return 0;
	return 1;
}

static void actions_free(struct ks_action *a, size_t n)
{
	size_t i;

	for (i = 0; a && i < n; i++) {
		free(a[i].tmp);
		free(a[i].name);
	}
	free(a);
}

static int action_add(struct ks_action **a, size_t *n, size_t *cap, int remove, int sub,
		      const char *tmp, const char *name)
{
	struct ks_action *na;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		na = realloc(*a, *cap * sizeof(**a));
		if (!na)
			return ks_oom();
		*a = na;
	}
	na = &(*a)[*n];
	na->remove = remove;
	na->sub = sub;
	na->tmp = tmp ? strdup(tmp) : NULL;
	na->name = strdup(name);
	(*n)++;
	if ((tmp && !na->tmp) || !na->name)
		return ks_oom();
	return HWE_OK;
}

/* Parse a journal (NUL-terminated text).  It is input: everything must stay
 * inside the keystore and match the alias. */
static int journal_parse(char *text, size_t len, const char *alias, const char *path,
			 struct ks_action **out, size_t *nout)
{
	int ret = HWE_EXIT_KEYSTORE, lineno = 0, sub, sub2;
	char *line = text, *nl, *verb, *a1, *a2, *extra, *save = NULL, *n1, *n2;
	char header[KS_ALIAS_MAX + 32], why[KS_NAME_MAX + KS_ALIAS_MAX + 64] = "", shown[KS_NAME_MAX + 8];
	char entry[120] = "";
	struct ks_action *a = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*nout = 0;
	if (strlen(text) != len || len == 0 || text[len - 1] != '\n')
		goto out;
	snprintf(header, sizeof(header), JOURNAL_MAGIC " %s", alias);
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		lineno++;
		hwe_sanitize(line, strlen(line), entry, sizeof(entry)); /* for the message */
		if (lineno == 1) {
			if (strcmp(line, header) != 0)
				goto out;
			continue;
		}
		verb = strtok_r(line, " ", &save);
		a1 = strtok_r(NULL, " ", &save);
		a2 = strtok_r(NULL, " ", &save);
		extra = strtok_r(NULL, " ", &save);
		if (!verb || !a1 || extra || parse_relpath(a1, &sub, &n1))
			goto out;
		if (strcmp(verb, "rename") == 0) {
			if (!a2 || parse_relpath(a2, &sub2, &n2) || sub2 != sub || !ks_name_ok(n2) ||
			    ks_reserved(sub, n2) || !tmp_ok(n1, alias, n2))
				goto out;
		} else if (strcmp(verb, "remove") == 0) {
			if (a2 || !ks_name_ok(n1) || ks_reserved(sub, n1))
				goto out;
			n2 = n1;
			n1 = NULL;
		} else {
			goto out;
		}
		/* Well formed is not enough: an update of one alias never
		 * touches another alias's files, ca/ or conf/. */
		if (!ks_in_scope(alias, sub, n2)) {
			snprintf(why, sizeof(why), "'%s/%s' is not a file of alias '%s'",
				 ks_subs[sub].name, hwe_sanitize(n2, strlen(n2), shown, sizeof(shown)),
				 alias);
			goto out;
		}
		ret = action_add(&a, &n, &cap, n1 == NULL, sub, n1, n2);
		if (ret)
			goto out;
		ret = HWE_EXIT_KEYSTORE;
	}
	if (lineno < 1)
		goto out;
	*out = a;
	*nout = n;
	a = NULL;
	n = 0;
	ret = HWE_OK;
out:
	if (ret == HWE_EXIT_KEYSTORE && why[0]) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_JOURNAL,
			"journal '%s' is not valid (line %d: '%s'): %s; nothing was changed", path,
			lineno, entry, why);
		hwe_err_hint("hwenroll did not write this: an update of alias '%s' touches only "
			     "keys/%s.<ext>, certs/%s.pem, certs/%s-chain.pem, certs/%s.profile, certs/%s.attest, "
			     "req/%s.csr, req/%s.state, req/%s.pending[.<ext>], req/%s.new.<ext> and req/%s.old.<ext>; "
			     "inspect it, then remove it: rm '%s'",
			     alias, alias, alias, alias, alias, alias, alias, alias, alias, alias, alias, path);
	} else if (ret == HWE_EXIT_KEYSTORE && lineno > 0) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_JOURNAL,
			"journal '%s' is not valid (line %d: '%s'); nothing was changed", path, lineno,
			entry);
		hwe_err_hint("inspect it; if no update of this alias is wanted, remove it: rm '%s'",
			     path);
	} else if (ret == HWE_EXIT_KEYSTORE) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_JOURNAL,
			"journal '%s' is not valid (line %d); nothing was changed", path, lineno);
		hwe_err_hint("inspect it; if no update of this alias is wanted, remove it: rm '%s'",
			     path);
	}
	actions_free(a, n);
	return ret;
}

/* Perform the actions in order, then fsync every touched directory.
 * strict (commit): a missing temp file is an error; otherwise (roll
 * forward) it means the rename was already done. */
static int apply(struct hwe_keystore *ks, const struct ks_action *a, size_t n, int strict)
{
	int touched[SUB_COUNT] = { 0 }, i;
	char p[PATH_MAX];
	size_t k;

	for (k = 0; k < n; k++) {
		CRASH_POINT(strict, k);
		if (ks_need_sub(ks, a[k].sub))
			return HWE_EXIT_KEYSTORE;
		touched[a[k].sub] = 1;
		if (a[k].remove) {
			if (unlinkat(ks->fd[a[k].sub], a[k].name, 0) < 0 && errno != ENOENT)
				return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove",
					       ks_kpath(ks, a[k].sub, a[k].name, p, sizeof(p)), errno);
		} else if (renameat(ks->fd[a[k].sub], a[k].tmp, ks->fd[a[k].sub], a[k].name) < 0) {
			if (errno == ENOENT && !strict)
				continue;
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot rename a staged file to",
				       ks_kpath(ks, a[k].sub, a[k].name, p, sizeof(p)), errno);
		}
	}
	CRASH_POINT(strict, n);
	for (i = 0; i < SUB_COUNT; i++)
		if (touched[i] && fsync(ks->fd[i]) < 0)
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot sync",
				       ks_kpath(ks, i, NULL, p, sizeof(p)), errno);
	return HWE_OK;
}

static int journal_remove(struct hwe_keystore *ks, const char *alias)
{
	char name[KS_ALIAS_MAX + 16], p[PATH_MAX];

	snprintf(name, sizeof(name), "%s.journal", alias);
	if (unlinkat(ks->fd[SUB_REQ], name, 0) < 0 && errno != ENOENT)
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove journal",
			       ks_kpath(ks, SUB_REQ, name, p, sizeof(p)), errno);
	/* no fsync: the actions are durable already, and a journal that
	 * comes back after a crash is replayed harmlessly (every action is
	 * idempotent) */
	return HWE_OK;
}

/* Delete temp files of alias that no journal needs (a run that died
 * before its commit). */
static int remove_stale(struct hwe_keystore *ks, const char *alias)
{
	char prefix[KS_ALIAS_MAX + 3], **names = NULL, p[PATH_MAX];
	size_t n = 0, i, lp;
	int s, ret;

	lp = (size_t)snprintf(prefix, sizeof(prefix), ".%s=", alias);
	for (s = 0; s < SUB_COUNT; s++) {
		/* only where an update of the alias can have staged a file */
		if (s == SUB_CONF || (s == SUB_CA && strcmp(alias, HWE_KS_CACERTS_LOCK) != 0))
			continue;
		ret = ks_list_dir(ks, s, 1, &names, &n);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			if (strncmp(names[i], prefix, lp) != 0 || !strstr(names[i] + lp, ".tmp."))
				continue;
			if (unlinkat(ks->fd[s], names[i], 0) < 0 && errno != ENOENT) {
				ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove stale temp file",
					      ks_kpath(ks, s, names[i], p, sizeof(p)), errno);
				ks_names_free(names, n);
				return ret;
			}
			hwe_info("removed '%s' left by an interrupted run",
				 ks_kpath(ks, s, names[i], p, sizeof(p)));
		}
		ks_names_free(names, n);
		names = NULL;
		n = 0;
	}
	return HWE_OK;
}

static int recover(struct hwe_keystore *ks, struct hwe_ks_lock *lk)
{
	int ret, missing = 0;
	char name[KS_ALIAS_MAX + 16], p[PATH_MAX];
	unsigned char *text = NULL;
	struct ks_action *a = NULL;
	size_t len = 0, n = 0;

	snprintf(name, sizeof(name), "%s.journal", lk->alias);
	ks_kpath(ks, SUB_REQ, name, p, sizeof(p));
	ret = ks_read(ks, SUB_REQ, name, &missing, &text, &len);
	if (!ret && !missing) {
		ret = journal_parse((char *)text, len, lk->alias, p, &a, &n);
		if (!ret)
			hwe_info("completing an interrupted update of alias '%s' (%zu step(s) from '%s')",
				 lk->alias, n, p);
		if (!ret)
			ret = apply(ks, a, n, 0);
		if (!ret)
			ret = journal_remove(ks, lk->alias);
	}
	if (!ret)
		ret = remove_stale(ks, lk->alias);
	OPENSSL_free(text);
	actions_free(a, n);
	return ret;
}

int hwe_keystore_recover(struct hwe_keystore *ks, const char *alias)
{
	struct hwe_ks_lock *lk;

	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	lk = ks_held_lock(ks, alias);
	if (!lk || lk->txn_open)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "recovery of alias '%s' needs its lock and no open transaction", alias);
	return recover(ks, lk);
}

#ifdef HWE_TEST_HOOKS
void hwe_keystore_test_crash_after(int n)
{
	crash_after = n;
}
#endif

/* ---- transactions -------------------------------------------------------- */

int hwe_keystore_txn_begin(struct hwe_keystore *ks, const char *alias, struct hwe_ks_txn **out)
{
	struct hwe_ks_lock *lk;
	struct hwe_ks_txn *t;

	*out = NULL;
	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	lk = ks_held_lock(ks, alias);
	if (!lk)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "update of alias '%s' without holding its lock", alias);
	if (lk->txn_open)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "alias '%s' already has an open update", alias);
	if (ks_need_sub(ks, SUB_REQ))
		return HWE_EXIT_KEYSTORE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ks_oom();
	t->ks = ks;
	t->lk = lk;
	t->state = TXN_STAGED;
	lk->txn_open = 1;
	*out = t;
	return HWE_OK;
}

/* Write data to a new temp file in sub for final name; *tmp gets its name. */
static int stage(struct hwe_keystore *ks, int sub, const char *alias, const char *name,
		 const void *data, size_t len, mode_t mode, char **tmp)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1, e;
	unsigned char rnd[8];
	char t[KS_NAME_MAX + KS_ALIAS_MAX + 64], p[PATH_MAX];

	*tmp = NULL;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "no random bytes for a temp name");
	snprintf(t, sizeof(t), ".%s=%s.tmp.%ld.%02x%02x%02x%02x%02x%02x%02x%02x", alias, name,
		 (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	ks_kpath(ks, sub, t, p, sizeof(p));
	fd = openat(ks->fd[sub], t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    mode & 07777);
	if (fd < 0)
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot create", p, errno);
	if (fchmod(fd, mode & 07777) < 0 || ks_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot write", p, errno);
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e < 0) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot write", p, errno);
		goto out;
	}
	if (!(*tmp = strdup(t))) {
		ret = ks_oom();
		goto out;
	}
	ret = HWE_OK;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlinkat(ks->fd[sub], t, 0);
	return ret;
}

static int txn_check(struct hwe_ks_txn *t, const char *sub, const char *name, int *s)
{
	char shown[80];

	if (t->state != TXN_STAGED)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "update of alias '%s' was already committed", t->lk->alias);
	*s = ks_sub_index(sub);
	if (*s < 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "unknown keystore directory '%s'",
			       sub ? sub : "");
	if (!ks_name_ok(name))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "invalid keystore file name '%s'",
			       name ? hwe_sanitize(name, strlen(name), shown, sizeof(shown)) : "");
	if (ks_reserved(*s, name))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "'req/%s' is reserved for locking", name);
	/* the roll-forward would refuse the journal (journal_parse) */
	if (!ks_in_scope(t->lk->alias, *s, name))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "'%s/%s' is not a file of alias '%s'", sub, name, t->lk->alias);
	return ks_need_sub(t->ks, *s);
}

int hwe_keystore_txn_put(struct hwe_ks_txn *t, const char *sub, const char *name,
			 const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int s, ret;

	ret = txn_check(t, sub, name, &s);
	if (ret)
		return ret;
	/* never write what the keystore will not read back */
	if (len > KS_READ_MAX)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			       "refusing to store '%s/%s': %zu bytes, more than the %d bytes the keystore reads",
			       sub, name, len, KS_READ_MAX);
	if (ks_subs[s].secret && (mode & 077))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "refusing mode %04o for '%s/%s': files there are owner-only",
			       (unsigned)(mode & 07777), sub, name);
	ret = stage(t->ks, s, t->lk->alias, name, data, len, mode, &tmp);
	if (ret)
		return ret;
	ret = action_add(&t->a, &t->n, &t->cap, 0, s, tmp, name);
	if (ret)
		unlinkat(t->ks->fd[s], tmp, 0);
	free(tmp);
	return ret;
}

int hwe_keystore_txn_remove(struct hwe_ks_txn *t, const char *sub, const char *name)
{
	int s, ret;

	ret = txn_check(t, sub, name, &s);
	if (ret)
		return ret;
	return action_add(&t->a, &t->n, &t->cap, 1, s, NULL, name);
}

int hwe_keystore_txn_commit(struct hwe_ks_txn *t)
{
	int ret = HWE_EXIT_KEYSTORE;
	struct hwe_keystore *ks = t->ks;
	const char *alias = t->lk->alias;
	char jname[KS_ALIAS_MAX + 16], p[PATH_MAX], *tmp = NULL, *text = NULL;
	size_t i, len, cap;
	int off;

	if (t->state != TXN_STAGED)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "update of alias '%s' was already committed", alias);
	if (t->n == 0) {
		t->state = TXN_DONE;
		return HWE_OK;
	}
	/* 0. an action that cannot succeed (its target is a directory) is
	 * refused before anything is decided: the keystore stays as it was */
	for (i = 0; i < t->n; i++) {
		struct stat st;

		if (fstatat(ks->fd[t->a[i].sub], t->a[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				       "cannot update '%s': it is a directory; nothing was changed",
				       ks_kpath(ks, t->a[i].sub, t->a[i].name, p, sizeof(p)));
	}
	/* 1. the journal: one line per action, durable before anything moves */
	cap = sizeof(JOURNAL_MAGIC) + KS_ALIAS_MAX + 2;
	for (i = 0; i < t->n; i++)
		cap += 2 * (strlen(t->a[i].name) + 8) + (t->a[i].tmp ? strlen(t->a[i].tmp) : 0) + 16;
	text = malloc(cap);
	if (!text) {
		ret = ks_oom();
		goto out;
	}
	off = snprintf(text, cap, JOURNAL_MAGIC " %s\n", alias);
	for (i = 0; i < t->n; i++) {
		const struct ks_action *a = &t->a[i];
		const char *sn = ks_subs[a->sub].name;

		if (a->remove)
			off += snprintf(text + off, cap - (size_t)off, "remove %s/%s\n", sn, a->name);
		else
			off += snprintf(text + off, cap - (size_t)off, "rename %s/%s %s/%s\n", sn,
					a->tmp, sn, a->name);
	}
	len = (size_t)off;
	snprintf(jname, sizeof(jname), "%s.journal", alias);
	ret = stage(ks, SUB_REQ, alias, jname, text, len, 0600, &tmp);
	if (ret)
		goto out;
	if (renameat(ks->fd[SUB_REQ], tmp, ks->fd[SUB_REQ], jname) < 0) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot write journal",
			      ks_kpath(ks, SUB_REQ, jname, p, sizeof(p)), errno);
		unlinkat(ks->fd[SUB_REQ], tmp, 0);
		goto out;
	}
	/* From here on the update is decided: a failure leaves the journal
	 * for the next run to roll forward, so keep the staged files. */
	t->state = TXN_JOURNALED;
	if (fsync(ks->fd[SUB_REQ]) < 0) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot sync",
			      ks_kpath(ks, SUB_REQ, NULL, p, sizeof(p)), errno);
		goto out;
	}
	/* 2. the actions, 3. the journal goes */
	ret = apply(ks, t->a, t->n, 1);
	if (!ret)
		ret = journal_remove(ks, alias);
	if (!ret)
		t->state = TXN_DONE;
out:
	free(tmp);
	free(text);
	return ret;
}

void hwe_keystore_txn_free(struct hwe_ks_txn *t)
{
	size_t i;

	if (!t)
		return;
	if (t->state == TXN_STAGED)
		for (i = 0; i < t->n; i++)
			if (!t->a[i].remove)
				unlinkat(t->ks->fd[t->a[i].sub], t->a[i].tmp, 0);
	t->lk->txn_open = 0;
	actions_free(t->a, t->n);
	free(t);
}
