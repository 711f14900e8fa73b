/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore.c - the keystore directory: layout, permissions, locking and
 * journaled, crash-consistent updates. */
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
#include "log.h"
#include "rc.h"

#define KS_READ_MAX (1024 * 1024)
#define KS_NAME_MAX 200
#define KS_ALIAS_MAX 64
#define JOURNAL_MAGIC "hwenroll-journal 1"

enum ks_sub { SUB_CONF, SUB_CA, SUB_CERTS, SUB_KEYS, SUB_REQ, SUB_COUNT };

static const struct {
	const char *name;
	mode_t mode;
	int secret; /* owner-only directory holding owner-only files */
} subs[SUB_COUNT] = {
	[SUB_CONF] = { "conf", 0755, 0 },
	[SUB_CA] = { "ca", 0755, 0 },
	[SUB_CERTS] = { "certs", 0755, 0 },
	[SUB_KEYS] = { "keys", 0700, 1 },
	[SUB_REQ] = { "req", 0700, 1 },
};

struct hwe_keystore {
	char *dir;
	int fd[SUB_COUNT]; /* -1: subdirectory absent (opened with create=0) */
	struct hwe_ks_lock *locks;
};

struct hwe_ks_lock {
	struct hwe_keystore *ks; /* NULL once the keystore is closed */
	struct hwe_ks_lock *next;
	char alias[KS_ALIAS_MAX + 1];
	int fd;
	int txn_open;
};

struct ks_action {
	int remove;  /* 0: rename tmp -> name; 1: unlink name */
	int sub;
	char *tmp;   /* staged temp file (rename only) */
	char *name;
};

enum { TXN_STAGED, TXN_JOURNALED, TXN_DONE };

struct hwe_ks_txn {
	struct hwe_keystore *ks;
	struct hwe_ks_lock *lk;
	struct ks_action *a;
	size_t n, cap;
	int state;
};

/* Test hook (hwe_keystore_test_crash_after): -1 = off. */
static int crash_after = -1;

/* ---- small helpers ------------------------------------------------------ */

static const char *kpath(const struct hwe_keystore *ks, int sub, const char *name, char *buf,
			 size_t len)
{
	if (name)
		snprintf(buf, len, "%s/%s/%s", ks->dir, subs[sub].name, name);
	else
		snprintf(buf, len, "%s/%s", ks->dir, subs[sub].name);
	return buf;
}

static int sys_err(enum hwe_status st, const char *what, const char *path, int e)
{
	hwe_err(HWE_EXIT_KEYSTORE, st, "%s '%s': %s", what, path, strerror(e));
	if (e == EROFS)
		hwe_err_hint("the filesystem is read-only; use a keystore on a writable filesystem (-k DIR)");
	else if (e == EACCES || e == EPERM)
		hwe_err_hint("run hwenroll as the keystore's owner or fix the permissions of '%s'", path);
	return HWE_EXIT_KEYSTORE;
}

static int oom(void)
{
	return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
}

static int sub_index(const char *sub)
{
	int i;

	for (i = 0; sub && i < SUB_COUNT; i++)
		if (strcmp(sub, subs[i].name) == 0)
			return i;
	return -1;
}

/* A name we create: printable, no '/', no separator '=', not a dotfile. */
static int name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > KS_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '+' || c == '@'))
			return 0;
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* req/ also holds the locks and journals: those are never data. */
static int reserved(int sub, const char *name)
{
	return sub == SUB_REQ && (ends_with(name, ".lock") || ends_with(name, ".journal"));
}

static int alias_ok(const char *alias)
{
	size_t i, n = alias ? strlen(alias) : 0;

	if (n == 0 || n > KS_ALIAS_MAX || alias[0] == '.' || alias[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)alias[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int hwe_keystore_alias_valid(const char *alias)
{
	char shown[80];

	if (alias_ok(alias))
		return HWE_OK;
	hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "invalid key alias '%s'",
		alias ? hwe_sanitize(alias, strlen(alias), shown, sizeof(shown)) : "");
	hwe_err_hint("an alias is 1-64 characters of A-Z a-z 0-9 . _ - and does not start with '.' or '-'");
	return HWE_EXIT_USAGE;
}

static int need_sub(const struct hwe_keystore *ks, int sub)
{
	char p[PATH_MAX];

	if (ks->fd[sub] >= 0)
		return HWE_OK;
	hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "keystore '%s' has no %s/ directory",
		ks->dir, subs[sub].name);
	hwe_err_hint("create it: mkdir -m %04o '%s'", (unsigned)subs[sub].mode,
		     kpath(ks, sub, NULL, p, sizeof(p)));
	return HWE_EXIT_KEYSTORE;
}

static struct hwe_ks_lock *held_lock(const struct hwe_keystore *ks, const char *alias)
{
	struct hwe_ks_lock *lk;

	for (lk = ks->locks; lk; lk = lk->next)
		if (strcmp(lk->alias, alias) == 0)
			return lk;
	return NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Sorted names in the directory fd (dotfiles only if with_dot). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int list_dir(const struct hwe_keystore *ks, int sub, int with_dot, char ***out, size_t *nout)
{
	int ret = HWE_EXIT_KEYSTORE, dfd;
	char p[PATH_MAX], **v = NULL, **nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;

	*out = NULL;
	*nout = 0;
	if (ks->fd[sub] < 0)
		return HWE_OK;
	dfd = openat(ks->fd[sub], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot list", kpath(ks, sub, NULL, p, sizeof(p)),
			      errno);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.' && !with_dot)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = oom();
				goto out;
			}
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name))) {
			ret = oom();
			goto out;
		}
		n++;
	}
	if (errno) {
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot list", kpath(ks, sub, NULL, p, sizeof(p)),
			      errno);
		goto out;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*nout = n;
	v = NULL;
	ret = HWE_OK;
out:
	if (d)
		closedir(d);
	names_free(v, n);
	return ret;
}

/* ---- open / close -------------------------------------------------------- */

static int check_dir(const char *path, const struct stat *st, int sub)
{
	if (S_ISLNK(st->st_mode)) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"keystore directory '%s' is a symlink", path);
		hwe_err_hint("replace it with a real directory: rm '%s' && mkdir -m %04o '%s'", path,
			     (unsigned)subs[sub].mode, path);
		return HWE_EXIT_KEYSTORE;
	}
	if (!S_ISDIR(st->st_mode))
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "'%s' is not a directory", path);
	if (!subs[sub].secret)
		return HWE_OK;
	if (st->st_uid != geteuid()) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"'%s' is owned by uid %u, not by the user running hwenroll (uid %u)", path,
			(unsigned)st->st_uid, (unsigned)geteuid());
		hwe_err_hint("run hwenroll as the keystore's owner, or: chown %u '%s'",
			     (unsigned)geteuid(), path);
		return HWE_EXIT_KEYSTORE;
	}
	if (st->st_mode & 077) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"'%s' is accessible by group or others (mode %04o)", path,
			(unsigned)(st->st_mode & 07777));
		hwe_err_hint("chmod 0700 '%s'", path);
		return HWE_EXIT_KEYSTORE;
	}
	return HWE_OK;
}

static int open_sub(struct hwe_keystore *ks, int dfd, int sub, int create)
{
	char p[PATH_MAX];
	struct stat st;
	int created = 0, fd;

	kpath(ks, sub, NULL, p, sizeof(p));
	if (fstatat(dfd, subs[sub].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
		if (!create)
			return HWE_OK; /* absent: reads find nothing, writes say so */
		if (mkdirat(dfd, subs[sub].name, subs[sub].mode) < 0 && errno != EEXIST)
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot create", p, errno);
		created = 1;
		if (fstatat(dfd, subs[sub].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
	}
	if (!created && check_dir(p, &st, sub))
		return HWE_EXIT_KEYSTORE;
	fd = openat(dfd, subs[sub].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return check_dir(p, &(struct stat){ .st_mode = S_IFLNK }, sub);
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot open", p, errno);
	}
	ks->fd[sub] = fd;
	/* mkdir's mode went through the umask: set the intended one. */
	if (created && fchmod(fd, subs[sub].mode) < 0)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot set the mode of", p, errno);
	if (fstat(fd, &st) < 0)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
	return check_dir(p, &st, sub);
}

int hwe_keystore_open(const char *dir, int create, struct hwe_keystore **out)
{
	int ret = HWE_EXIT_KEYSTORE, dfd = -1, i, made = 0;
	struct hwe_keystore *ks = NULL;
	size_t n;

	*out = NULL;
	if (!dir || !*dir)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no keystore directory given");
	ks = calloc(1, sizeof(*ks));
	if (!ks || !(ks->dir = strdup(dir))) {
		ret = oom();
		goto out;
	}
	for (i = 0; i < SUB_COUNT; i++)
		ks->fd[i] = -1;
	n = strlen(ks->dir);
	while (n > 1 && ks->dir[n - 1] == '/')
		ks->dir[--n] = '\0';

	dfd = open(ks->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		if (!create) {
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "keystore '%s' does not exist",
				ks->dir);
			hwe_err_hint("run hwenroll enroll/keygen or create it with -k DIR");
			goto out;
		}
		/* Only the keystore itself is created, never its parents. */
		if (mkdir(ks->dir, 0755) < 0 && errno != EEXIST) {
			if (errno == ENOENT) {
				hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
					"cannot create keystore '%s': its parent directory does not exist",
					ks->dir);
				hwe_err_hint("create the parent directory first, or choose another keystore with -k DIR");
			} else {
				sys_err(HWE_ERR_KEYSTORE_IO, "cannot create keystore", ks->dir, errno);
			}
			goto out;
		}
		made = 1;
		dfd = open(ks->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd < 0) {
		if (errno == ENOTDIR)
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "keystore '%s' is not a directory",
				ks->dir);
		else
			sys_err(HWE_ERR_KEYSTORE_IO, "cannot open keystore", ks->dir, errno);
		goto out;
	}
	if (made && fchmod(dfd, 0755) < 0) {
		sys_err(HWE_ERR_KEYSTORE_IO, "cannot set the mode of keystore", ks->dir, errno);
		goto out;
	}
	for (i = 0; i < SUB_COUNT; i++)
		if (open_sub(ks, dfd, i, create))
			goto out;
	*out = ks;
	ks = NULL;
	ret = HWE_OK;
out:
	if (dfd >= 0)
		close(dfd);
	hwe_keystore_close(ks);
	return ret;
}

void hwe_keystore_close(struct hwe_keystore *ks)
{
	struct hwe_ks_lock *lk;
	int i;

	if (!ks)
		return;
	for (lk = ks->locks; lk; lk = lk->next)
		lk->ks = NULL; /* still held; hwe_keystore_unlock() releases it */
	for (i = 0; i < SUB_COUNT; i++)
		if (ks->fd[i] >= 0)
			close(ks->fd[i]);
	free(ks->dir);
	free(ks);
}

const char *hwe_keystore_dir(const struct hwe_keystore *ks)
{
	return ks->dir;
}

char *hwe_keystore_path(const struct hwe_keystore *ks, const char *sub, const char *name)
{
	size_t len = strlen(ks->dir) + (sub ? strlen(sub) + 1 : 0) + (name ? strlen(name) + 1 : 0) + 1;
	char *p = malloc(len);

	if (!p)
		return NULL;
	snprintf(p, len, "%s%s%s%s%s", ks->dir, sub ? "/" : "", sub ? sub : "", name ? "/" : "",
		 name ? name : "");
	return p;
}

/* ---- reading ------------------------------------------------------------- */

/* Read an open regular file (at most KS_READ_MAX bytes), NUL-terminated. */
static int read_fd(int fd, const char *path, unsigned char **data, size_t *len)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t size, got = 0;

	if (fstat(fd, &st) < 0)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot read", path, errno);
	if (!S_ISREG(st.st_mode))
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "'%s' is not a regular file",
			       path);
	if (st.st_size > KS_READ_MAX)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			       "'%s' is larger than 1 MiB (%lld bytes)", path, (long long)st.st_size);
	size = (size_t)st.st_size;
	buf = OPENSSL_malloc(size + 1);
	if (!buf)
		return oom();
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			OPENSSL_clear_free(buf, size + 1);
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot read", path, e);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return HWE_OK;
}

/* Read <sub>/<name> refusing symlinks; *missing (if given) reports a
 * missing file without recording an error. */
static int ks_read(const struct hwe_keystore *ks, int sub, const char *name, int *missing,
		   unsigned char **data, size_t *len)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1;
	char p[PATH_MAX];
	struct stat st;

	*data = NULL;
	*len = 0;
	if (missing)
		*missing = 0;
	kpath(ks, sub, name, p, sizeof(p));
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			       "invalid keystore file name '%s'", p);
	if (ks->fd[sub] >= 0)
		fd = openat(ks->fd[sub], name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	else
		errno = ENOENT;
	if (fd < 0) {
		if (errno == ENOENT && missing) {
			*missing = 1;
			return HWE_OK;
		}
		if (errno == ENOENT)
			return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_NO_ALIAS,
				       "'%s' does not exist", p);
		if (errno == ELOOP) {
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
				"refusing symlink '%s'", p);
			hwe_err_hint("keystore files must be regular files; replace the link with the file itself");
			return HWE_EXIT_KEYSTORE;
		}
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot open", p, errno);
	}
	if (subs[sub].secret) {
		if (fstat(fd, &st) < 0) {
			ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot read", p, errno);
			goto out;
		}
		if (S_ISREG(st.st_mode) && (st.st_mode & 077)) {
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
				"'%s' is accessible by group or others (mode %04o)", p,
				(unsigned)(st.st_mode & 07777));
			hwe_err_hint("chmod 0600 '%s'", p);
			goto out;
		}
	}
	ret = read_fd(fd, p, data, len);
out:
	close(fd);
	return ret;
}

int hwe_keystore_read(const struct hwe_keystore *ks, const char *sub, const char *name,
		      unsigned char **data, size_t *len)
{
	int s = sub_index(sub);

	*data = NULL;
	*len = 0;
	if (s < 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "unknown keystore directory '%s'",
			       sub ? sub : "");
	return ks_read(ks, s, name, NULL, data, len);
}

int hwe_keystore_exists(const struct hwe_keystore *ks, const char *sub, const char *name)
{
	int s = sub_index(sub);
	struct stat st;

	if (s < 0 || ks->fd[s] < 0 || !name || !*name || strchr(name, '/'))
		return 0;
	return fstatat(ks->fd[s], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int hwe_keystore_find_key(const struct hwe_keystore *ks, const char *alias,
			  const struct hwe_key_backend **be)
{
	const struct hwe_key_backend *const *all = hwe_key_backends();
	const struct hwe_key_backend *found = NULL;
	char name[KS_ALIAS_MAX + 32], p[PATH_MAX];
	size_t i;

	*be = NULL;
	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	for (i = 0; all[i]; i++) {
		snprintf(name, sizeof(name), "%s%s", alias, all[i]->ext);
		if (!hwe_keystore_exists(ks, "keys", name))
			continue;
		if (found) {
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				"alias '%s' has key files for two backends (%s and %s) in '%s'", alias,
				found->name, all[i]->name, kpath(ks, SUB_KEYS, NULL, p, sizeof(p)));
			hwe_err_hint("remove the stale one of keys/%s%s and keys/%s%s", alias,
				     found->ext, alias, all[i]->ext);
			return HWE_EXIT_KEYSTORE;
		}
		found = all[i];
	}
	if (!found) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_NO_ALIAS, "no key for alias '%s' in '%s'",
			alias, kpath(ks, SUB_KEYS, NULL, p, sizeof(p)));
		hwe_err_hint("create it with hwenroll keygen --key-alias %s (or enroll)", alias);
		return HWE_EXIT_KEYSTORE;
	}
	*be = found;
	return HWE_OK;
}

/* ---- CA certificates ----------------------------------------------------- */

static int ca_name(const char *name)
{
	static const char *const exts[] = { ".pem", ".crt", ".cer", ".der" };
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcasecmp(name + n - 4, exts[i]) == 0)
			return 1;
	return 0;
}

/* Parse one CA file into sk; returns the number of certificates added. */
static int ca_parse(const unsigned char *data, size_t len, STACK_OF(X509) *sk)
{
	const unsigned char *p = data;
	X509 *x = NULL;
	BIO *mem;
	int count = 0;

	if (len > INT_MAX)
		return 0;
	if (memmem(data, len, "-----BEGIN", 10)) {
		mem = BIO_new_mem_buf(data, (int)len);
		if (!mem)
			return -1;
		while ((x = PEM_read_bio_X509_AUX(mem, NULL, NULL, NULL))) {
			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				count = -1;
				break;
			}
			count++;
		}
		/* Stop only at a clean end of input, not at a broken block. */
		if (count > 0 && ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
			count = 0;
		BIO_free(mem);
	} else {
		x = d2i_X509(NULL, &p, (long)len);
		if (x && p == data + len && sk_X509_push(sk, x))
			count = 1;
		else
			X509_free(x);
	}
	ERR_clear_error();
	return count;
}

int hwe_keystore_load_ca(const struct hwe_keystore *ks, STACK_OF(X509) **out)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1, got;
	STACK_OF(X509) *sk = NULL, *one = NULL;
	unsigned char *data = NULL;
	char **names = NULL, p[PATH_MAX];
	size_t n = 0, i, len = 0;

	*out = NULL;
	sk = sk_X509_new_null();
	if (!sk) {
		ret = oom();
		goto out;
	}
	ret = list_dir(ks, SUB_CA, 0, &names, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		if (!ca_name(names[i]))
			continue;
		kpath(ks, SUB_CA, names[i], p, sizeof(p));
		/* Trust anchors are public: a link to e.g. /etc/ssl/certs is fine. */
		fd = openat(ks->fd[SUB_CA], names[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED,
				      "cannot open CA file '%s': %s", p, strerror(errno));
			goto out;
		}
		ret = read_fd(fd, p, &data, &len);
		close(fd);
		if (ret)
			goto out;
		one = sk_X509_new_null();
		if (!one) {
			ret = oom();
			goto out;
		}
		got = ca_parse(data, len, one);
		if (got <= 0) {
			ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
				      "CA file '%s' holds no readable certificate", p);
			hwe_err_hint("replace or remove it (PEM or DER certificates); hwenroll cacerts --uri URL fetches the EST CA certificates");
			goto out;
		}
		while (sk_X509_num(one) > 0) {
			X509 *x = sk_X509_shift(one);

			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				ret = oom();
				goto out;
			}
		}
		sk_X509_free(one);
		one = NULL;
		OPENSSL_free(data);
		data = NULL;
		hwe_debug("CA file '%s': %d certificate(s)", p, got);
	}
	*out = sk;
	sk = NULL;
	ret = HWE_OK;
out:
	OPENSSL_free(data);
	sk_X509_pop_free(one, X509_free);
	sk_X509_pop_free(sk, X509_free);
	names_free(names, n);
	return ret;
}

/* ---- aliases ------------------------------------------------------------- */

static int add_alias(char ***v, size_t *n, size_t *cap, const char *name, size_t len)
{
	char **nv, *a;

	if (len == 0 || len > KS_ALIAS_MAX)
		return HWE_OK;
	a = strndup(name, len);
	if (!a)
		return oom();
	if (!alias_ok(a)) {
		free(a);
		return HWE_OK;
	}
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv) {
			free(a);
			return oom();
		}
		*v = nv;
	}
	(*v)[(*n)++] = a;
	(*v)[*n] = NULL;
	return HWE_OK;
}

int hwe_keystore_aliases(const struct hwe_keystore *ks, char ***out)
{
	int ret = HWE_EXIT_KEYSTORE;
	char **names = NULL, **v = NULL;
	size_t nn = 0, n = 0, cap = 0, i, j, len;
	const struct hwe_key_backend *be;

	*out = NULL;
	ret = list_dir(ks, SUB_CERTS, 0, &names, &nn);
	for (i = 0; !ret && i < nn; i++) {
		len = strlen(names[i]);
		if (len > 4 && strcmp(names[i] + len - 4, ".pem") == 0 &&
		    !(len > 10 && strcmp(names[i] + len - 10, "-chain.pem") == 0))
			ret = add_alias(&v, &n, &cap, names[i], len - 4);
	}
	names_free(names, nn);
	names = NULL;
	nn = 0;
	if (!ret)
		ret = list_dir(ks, SUB_KEYS, 0, &names, &nn);
	for (i = 0; !ret && i < nn; i++) {
		be = hwe_key_backend_by_file(names[i]);
		if (be)
			ret = add_alias(&v, &n, &cap, names[i], strlen(names[i]) - strlen(be->ext));
	}
	if (ret)
		goto out;
	if (!v && !(v = calloc(1, sizeof(*v)))) {
		ret = oom();
		goto out;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	}
	v[j] = NULL;
	*out = v;
	v = NULL;
	ret = HWE_OK;
out:
	names_free(names, nn);
	if (v)
		names_free(v, n);
	return ret;
}

void hwe_keystore_aliases_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- locking ------------------------------------------------------------- */

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
	struct hwe_ks_lock *lk = NULL;
	struct stat st;
	double deadline;

	*out = NULL;
	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	if (need_sub(ks, SUB_REQ))
		return HWE_EXIT_KEYSTORE;
	snprintf(name, sizeof(name), "%s.lock", alias);
	kpath(ks, SUB_REQ, name, p, sizeof(p));
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
				ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot open lock", p, errno);
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
				ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot lock", p, errno);
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
		ret = oom();
		goto out;
	}
	lk->ks = ks;
	lk->fd = fd;
	fd = -1;
	snprintf(lk->alias, sizeof(lk->alias), "%s", alias);
	lk->next = ks->locks;
	ks->locks = lk;
	ret = recover(ks, lk);
	if (ret) {
		hwe_keystore_unlock(lk);
		lk = NULL;
		goto out;
	}
	*out = lk;
	lk = NULL;
	ret = HWE_OK;
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
	*sub = sub_index(s);
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
			return oom();
		*a = na;
	}
	na = &(*a)[*n];
	na->remove = remove;
	na->sub = sub;
	na->tmp = tmp ? strdup(tmp) : NULL;
	na->name = strdup(name);
	(*n)++;
	if ((tmp && !na->tmp) || !na->name)
		return oom();
	return HWE_OK;
}

/* Parse a journal (NUL-terminated text).  It is input: everything must stay
 * inside the keystore and match the alias. */
static int journal_parse(char *text, size_t len, const char *alias, const char *path,
			 struct ks_action **out, size_t *nout)
{
	int ret = HWE_EXIT_KEYSTORE, lineno = 0, sub, sub2;
	char *line = text, *nl, *verb, *a1, *a2, *extra, *save = NULL, *n1, *n2;
	char header[KS_ALIAS_MAX + 32];
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
			if (!a2 || parse_relpath(a2, &sub2, &n2) || sub2 != sub || !name_ok(n2) ||
			    reserved(sub, n2) || !tmp_ok(n1, alias, n2))
				goto out;
			ret = action_add(&a, &n, &cap, 0, sub, n1, n2);
		} else if (strcmp(verb, "remove") == 0) {
			if (a2 || !name_ok(n1) || reserved(sub, n1))
				goto out;
			ret = action_add(&a, &n, &cap, 1, sub, NULL, n1);
		} else {
			goto out;
		}
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
	if (ret == HWE_EXIT_KEYSTORE) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
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
		if (strict && crash_after >= 0 && (size_t)crash_after == k)
			_exit(99);
		if (need_sub(ks, a[k].sub))
			return HWE_EXIT_KEYSTORE;
		touched[a[k].sub] = 1;
		if (a[k].remove) {
			if (unlinkat(ks->fd[a[k].sub], a[k].name, 0) < 0 && errno != ENOENT)
				return sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove",
					       kpath(ks, a[k].sub, a[k].name, p, sizeof(p)), errno);
		} else if (renameat(ks->fd[a[k].sub], a[k].tmp, ks->fd[a[k].sub], a[k].name) < 0) {
			if (errno == ENOENT && !strict)
				continue;
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot rename a staged file to",
				       kpath(ks, a[k].sub, a[k].name, p, sizeof(p)), errno);
		}
	}
	if (strict && crash_after >= 0 && (size_t)crash_after == n)
		_exit(99);
	for (i = 0; i < SUB_COUNT; i++)
		if (touched[i] && fsync(ks->fd[i]) < 0)
			return sys_err(HWE_ERR_KEYSTORE_IO, "cannot sync",
				       kpath(ks, i, NULL, p, sizeof(p)), errno);
	return HWE_OK;
}

static int journal_remove(struct hwe_keystore *ks, const char *alias)
{
	char name[KS_ALIAS_MAX + 16], p[PATH_MAX];

	snprintf(name, sizeof(name), "%s.journal", alias);
	if (unlinkat(ks->fd[SUB_REQ], name, 0) < 0 && errno != ENOENT)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove journal",
			       kpath(ks, SUB_REQ, name, p, sizeof(p)), errno);
	if (fsync(ks->fd[SUB_REQ]) < 0)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot sync",
			       kpath(ks, SUB_REQ, NULL, p, sizeof(p)), errno);
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
		ret = list_dir(ks, s, 1, &names, &n);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			if (strncmp(names[i], prefix, lp) != 0 || !strstr(names[i] + lp, ".tmp."))
				continue;
			if (unlinkat(ks->fd[s], names[i], 0) < 0 && errno != ENOENT) {
				ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot remove stale temp file",
					      kpath(ks, s, names[i], p, sizeof(p)), errno);
				names_free(names, n);
				return ret;
			}
			hwe_info("removed '%s' left by an interrupted run",
				 kpath(ks, s, names[i], p, sizeof(p)));
		}
		names_free(names, n);
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
	kpath(ks, SUB_REQ, name, p, sizeof(p));
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
	lk = held_lock(ks, alias);
	if (!lk || lk->txn_open)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "recovery of alias '%s' needs its lock and no open transaction", alias);
	return recover(ks, lk);
}

void hwe_keystore_test_crash_after(int n)
{
	crash_after = n;
}

/* ---- transactions -------------------------------------------------------- */

int hwe_keystore_txn_begin(struct hwe_keystore *ks, const char *alias, struct hwe_ks_txn **out)
{
	struct hwe_ks_lock *lk;
	struct hwe_ks_txn *t;

	*out = NULL;
	if (hwe_keystore_alias_valid(alias))
		return HWE_EXIT_USAGE;
	lk = held_lock(ks, alias);
	if (!lk)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "update of alias '%s' without holding its lock", alias);
	if (lk->txn_open)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "alias '%s' already has an open update", alias);
	if (need_sub(ks, SUB_REQ))
		return HWE_EXIT_KEYSTORE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return oom();
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
	kpath(ks, sub, t, p, sizeof(p));
	fd = openat(ks->fd[sub], t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    mode & 07777);
	if (fd < 0)
		return sys_err(HWE_ERR_KEYSTORE_IO, "cannot create", p, errno);
	if (fchmod(fd, mode & 07777) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot write", p, errno);
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e < 0) {
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot write", p, errno);
		goto out;
	}
	if (!(*tmp = strdup(t))) {
		ret = oom();
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
	*s = sub_index(sub);
	if (*s < 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "unknown keystore directory '%s'",
			       sub ? sub : "");
	if (!name_ok(name))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "invalid keystore file name '%s'",
			       name ? hwe_sanitize(name, strlen(name), shown, sizeof(shown)) : "");
	if (reserved(*s, name))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "'req/%s' is reserved for locking", name);
	return need_sub(t->ks, *s);
}

int hwe_keystore_txn_put(struct hwe_ks_txn *t, const char *sub, const char *name,
			 const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int s, ret;

	ret = txn_check(t, sub, name, &s);
	if (ret)
		return ret;
	if (subs[s].secret && (mode & 077))
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
	/* 1. the journal: one line per action, durable before anything moves */
	cap = sizeof(JOURNAL_MAGIC) + KS_ALIAS_MAX + 2;
	for (i = 0; i < t->n; i++)
		cap += 2 * (strlen(t->a[i].name) + 8) + (t->a[i].tmp ? strlen(t->a[i].tmp) : 0) + 16;
	text = malloc(cap);
	if (!text) {
		ret = oom();
		goto out;
	}
	off = snprintf(text, cap, JOURNAL_MAGIC " %s\n", alias);
	for (i = 0; i < t->n; i++) {
		const struct ks_action *a = &t->a[i];
		const char *sn = subs[a->sub].name;

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
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot write journal",
			      kpath(ks, SUB_REQ, jname, p, sizeof(p)), errno);
		unlinkat(ks->fd[SUB_REQ], tmp, 0);
		goto out;
	}
	/* From here on the update is decided: a failure leaves the journal
	 * for the next run to roll forward, so keep the staged files. */
	t->state = TXN_JOURNALED;
	if (fsync(ks->fd[SUB_REQ]) < 0) {
		ret = sys_err(HWE_ERR_KEYSTORE_IO, "cannot sync",
			      kpath(ks, SUB_REQ, NULL, p, sizeof(p)), errno);
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
