/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore.c - the keystore directory: layout, permissions, reads, trust
 * anchors, aliases.  Locks and updates are in keystore-txn.c. */
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

#include "filecheck.h"
#include "keystore.h"
#include "keystore-int.h"
#include "log.h"
#include "rc.h"

const struct ks_subdir ks_subs[SUB_COUNT] = {
	[SUB_CONF] = { "conf", 0755, 0 },
	[SUB_CA] = { "ca", 0755, 0 },
	[SUB_CERTS] = { "certs", 0755, 0 },
	[SUB_KEYS] = { "keys", 0700, 1 },
	[SUB_REQ] = { "req", 0700, 1 },
};


/* ---- small helpers ------------------------------------------------------ */

const char *ks_kpath(const struct hwe_keystore *ks, int sub, const char *name, char *buf,
			 size_t len)
{
	if (name)
		snprintf(buf, len, "%s/%s/%s", ks->dir, ks_subs[sub].name, name);
	else
		snprintf(buf, len, "%s/%s", ks->dir, ks_subs[sub].name);
	return buf;
}

int ks_sys_err(enum hwe_status st, const char *what, const char *path, int e)
{
	hwe_err(HWE_EXIT_KEYSTORE, st, "%s '%s': %s", what, path, strerror(e));
	if (e == EROFS)
		hwe_err_hint("the filesystem is read-only; use a keystore on a writable filesystem (-k DIR)");
	else if (e == EACCES || e == EPERM)
		hwe_err_hint("run hwenroll as the keystore's owner or fix the permissions of '%s'", path);
	return HWE_EXIT_KEYSTORE;
}

int ks_oom(void)
{
	return hwe_err_oom();
}

int ks_sub_index(const char *sub)
{
	int i;

	for (i = 0; sub && i < SUB_COUNT; i++)
		if (strcmp(sub, ks_subs[i].name) == 0)
			return i;
	return -1;
}

/* A name we create: printable, no '/', no separator '=', not a dotfile. */
int ks_name_ok(const char *name)
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
int ks_reserved(int sub, const char *name)
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

/* Whether <sub>/<name> is one of the files an update of alias may touch
 * (the list is in keystore.h).  Exact names, not "<alias>.*": alias "a"
 * must not reach keys/a.b.pem, the key of alias "a.b". */
static int backend_ext(const char *s)
{
	const struct hwe_key_backend *const *all = hwe_key_backends();
	size_t i;

	for (i = 0; all[i]; i++)
		if (strcmp(s, all[i]->ext) == 0)
			return 1;
	return 0;
}

int ks_in_scope(const char *alias, int sub, const char *name)
{
	size_t la = strlen(alias);
	const char *rest;

	if (sub == SUB_CA)
		return strcmp(alias, HWE_KS_CACERTS_LOCK) == 0 &&
		       strcmp(name, HWE_KS_CACERTS_FILE) == 0;
	if (strncmp(name, alias, la) != 0)
		return 0;
	rest = name + la;
	switch (sub) {
	case SUB_CERTS:
		return strcmp(rest, ".pem") == 0 || strcmp(rest, "-chain.pem") == 0 ||
		       strcmp(rest, ".profile") == 0 || strcmp(rest, ".attest") == 0;
	case SUB_KEYS:
		return backend_ext(rest);
	case SUB_REQ:
		return strcmp(rest, ".csr") == 0 || strcmp(rest, ".state") == 0 ||
		       strcmp(rest, ".pending") == 0 ||
		       (strncmp(rest, ".pending", 8) == 0 && backend_ext(rest + 8)) ||
		       ((strncmp(rest, ".new", 4) == 0 || strncmp(rest, ".old", 4) == 0) &&
			backend_ext(rest + 4));
	default:
		return 0; /* conf/: never written */
	}
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

int ks_need_sub(const struct hwe_keystore *ks, int sub)
{
	char p[PATH_MAX];

	if (ks->fd[sub] >= 0)
		return HWE_OK;
	hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "keystore '%s' has no %s/ directory",
		ks->dir, ks_subs[sub].name);
	hwe_err_hint("create it: mkdir -m %04o '%s'", (unsigned)ks_subs[sub].mode,
		     ks_kpath(ks, sub, NULL, p, sizeof(p)));
	return HWE_EXIT_KEYSTORE;
}

struct hwe_ks_lock *ks_held_lock(const struct hwe_keystore *ks, const char *alias)
{
	struct hwe_ks_lock *lk;

	for (lk = ks->locks; lk; lk = lk->next)
		if (strcmp(lk->alias, alias) == 0)
			return lk;
	return NULL;
}

int ks_write_all(int fd, const void *data, size_t len)
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

void ks_names_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int ks_list_dir(const struct hwe_keystore *ks, int sub, int with_dot, char ***out, size_t *nout)
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
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot list", ks_kpath(ks, sub, NULL, p, sizeof(p)),
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
				ret = ks_oom();
				goto out;
			}
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name))) {
			ret = ks_oom();
			goto out;
		}
		n++;
	}
	if (errno) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot list", ks_kpath(ks, sub, NULL, p, sizeof(p)),
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
	ks_names_free(v, n);
	return ret;
}

/* ---- open / close -------------------------------------------------------- */

/* A directory or file everyone may read (conf/, ca/, certs/, the keystore
 * itself): whoever can write it chooses the trust anchors or the CSR, so
 * it must be writable only by us (or root). */
static int check_public(const char *path, const struct stat *st, unsigned fix_mode)
{
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"'%s' is owned by uid %u, neither root nor the user running hwenroll (uid %u)",
			path, (unsigned)st->st_uid, (unsigned)geteuid());
		hwe_err_hint("chown %u '%s'", (unsigned)geteuid(), path);
		return HWE_EXIT_KEYSTORE;
	}
	if (st->st_mode & 022) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"'%s' is writable by group or others (mode %04o): they could replace trust anchors or certificates",
			path, (unsigned)(st->st_mode & 07777));
		hwe_err_hint("chmod %04o '%s'", fix_mode, path);
		return HWE_EXIT_KEYSTORE;
	}
	return HWE_OK;
}

static int check_dir(const char *path, const struct stat *st, int sub)
{
	if (S_ISLNK(st->st_mode)) {
		hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
			"keystore directory '%s' is a symlink", path);
		hwe_err_hint("replace it with a real directory: rm '%s' && mkdir -m %04o '%s'", path,
			     (unsigned)ks_subs[sub].mode, path);
		return HWE_EXIT_KEYSTORE;
	}
	if (!S_ISDIR(st->st_mode))
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "'%s' is not a directory", path);
	if (!ks_subs[sub].secret)
		return check_public(path, st, 0755);
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

	ks_kpath(ks, sub, NULL, p, sizeof(p));
	if (fstatat(dfd, ks_subs[sub].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
		if (!create)
			return HWE_OK; /* absent: reads find nothing, writes say so */
		if (mkdirat(dfd, ks_subs[sub].name, ks_subs[sub].mode) < 0 && errno != EEXIST)
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot create", p, errno);
		created = 1;
		if (fstatat(dfd, ks_subs[sub].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
	}
	if (!created && check_dir(p, &st, sub))
		return HWE_EXIT_KEYSTORE;
	fd = openat(dfd, ks_subs[sub].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return check_dir(p, &(struct stat){ .st_mode = S_IFLNK }, sub);
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot open", p, errno);
	}
	ks->fd[sub] = fd;
	/* mkdir's mode went through the umask: set the intended one. */
	if (created && fchmod(fd, ks_subs[sub].mode) < 0)
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot set the mode of", p, errno);
	if (fstat(fd, &st) < 0)
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot access", p, errno);
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
		ret = ks_oom();
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
				ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot create keystore", ks->dir, errno);
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
			ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot open keystore", ks->dir, errno);
		goto out;
	}
	if (made && fchmod(dfd, 0755) < 0) {
		ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot set the mode of keystore", ks->dir, errno);
		goto out;
	}
	{
		struct stat st;

		if (fstat(dfd, &st) < 0) {
			ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot access keystore", ks->dir, errno);
			goto out;
		}
		if (check_public(ks->dir, &st, 0755))
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

int hwe_keystore_dirfd(const struct hwe_keystore *ks, const char *sub)
{
	int s = ks_sub_index(sub);

	return s < 0 ? -1 : ks->fd[s];
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

/* Read an open regular file (at most KS_READ_MAX bytes; st is its fstat),
 * NUL-terminated. */
static int read_fd(int fd, const char *path, const struct stat *st, unsigned char **data,
		   size_t *len)
{
	unsigned char *buf = NULL;
	size_t size, got = 0;

	if (st->st_size > KS_READ_MAX)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			       "'%s' is larger than 1 MiB (%lld bytes)", path, (long long)st->st_size);
	size = (size_t)st->st_size;
	buf = OPENSSL_malloc(size + 1);
	if (!buf)
		return ks_oom();
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			OPENSSL_clear_free(buf, size + 1);
			return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot read", path, e);
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

/* What a file of each subdirectory is, for messages. */
static const char *const sub_what[SUB_COUNT] = {
	[SUB_CONF] = "CSR config file",
	[SUB_CA] = "CA file",
	[SUB_CERTS] = "certificate file",
	[SUB_KEYS] = "key file",
	[SUB_REQ] = "keystore file",
};

/* Read <sub>/<name> through the directory descriptor, refusing symlinks
 * (O_NOFOLLOW) and files that fail hwe_file_check (owner, mode; under keys/
 * and req/ owner-only); *missing (if given) reports a missing file without
 * recording an error. */
int ks_read(const struct hwe_keystore *ks, int sub, const char *name, int *missing,
		   unsigned char **data, size_t *len)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1;
	char p[PATH_MAX];
	struct stat st;

	*data = NULL;
	*len = 0;
	if (missing)
		*missing = 0;
	ks_kpath(ks, sub, name, p, sizeof(p));
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			       "invalid keystore file name '%s'", p);
	if (ks->fd[sub] >= 0)
		fd = openat(ks->fd[sub], name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
		if (errno == ELOOP)
			return hwe_file_symlink_refused(sub_what[sub], p);
		return ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot open", p, errno);
	}
	if (fstat(fd, &st) < 0) {
		ret = ks_sys_err(HWE_ERR_KEYSTORE_IO, "cannot read", p, errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "'%s' is not a regular file", p);
		goto out;
	}
	ret = hwe_file_check(sub_what[sub], p, &st, ks_subs[sub].secret ? HWE_FILE_SECRET : 0,
			     HWE_EXIT_KEYSTORE);
	if (ret == HWE_OK)
		ret = read_fd(fd, p, &st, data, len);
out:
	close(fd);
	return ret;
}

static int ks_read_sub(const struct hwe_keystore *ks, const char *sub, const char *name, int *missing,
		       unsigned char **data, size_t *len)
{
	int s = ks_sub_index(sub);

	*data = NULL;
	*len = 0;
	if (s < 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "unknown keystore directory '%s'",
			       sub ? sub : "");
	return ks_read(ks, s, name, missing, data, len);
}

int hwe_keystore_read(const struct hwe_keystore *ks, const char *sub, const char *name,
		      unsigned char **data, size_t *len)
{
	return ks_read_sub(ks, sub, name, NULL, data, len);
}

int hwe_keystore_read_opt(const struct hwe_keystore *ks, const char *sub, const char *name,
			  unsigned char **data, size_t *len)
{
	int missing;

	return ks_read_sub(ks, sub, name, &missing, data, len);
}

int hwe_keystore_exists(const struct hwe_keystore *ks, const char *sub, const char *name)
{
	int s = ks_sub_index(sub);
	struct stat st;

	if (s < 0 || ks->fd[s] < 0 || !name || !*name || strchr(name, '/'))
		return 0;
	return fstatat(ks->fd[s], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int hwe_keystore_find_key_opt(const struct hwe_keystore *ks, const char *alias,
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
				found->name, all[i]->name, ks_kpath(ks, SUB_KEYS, NULL, p, sizeof(p)));
			hwe_err_hint("remove the stale one of keys/%s%s and keys/%s%s", alias,
				     found->ext, alias, all[i]->ext);
			return HWE_EXIT_KEYSTORE;
		}
		found = all[i];
	}
	*be = found; /* NULL: no key file */
	return HWE_OK;
}

int hwe_keystore_find_key(const struct hwe_keystore *ks, const char *alias,
			  const struct hwe_key_backend **be)
{
	char p[PATH_MAX];
	int ret = hwe_keystore_find_key_opt(ks, alias, be);

	if (ret || *be)
		return ret;
	hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_NO_ALIAS, "no key for alias '%s' in '%s'", alias,
		ks_kpath(ks, SUB_KEYS, NULL, p, sizeof(p)));
	hwe_err_hint("create it with hwenroll keygen --key-alias %s (or enroll)", alias);
	return HWE_EXIT_KEYSTORE;
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

/* A trust anchor file must be a regular file only we (or root) can change:
 * not a regular file is an input error naming it, a bad owner or mode a
 * keystore refusal (hwe_file_check). */
static int ca_check(int fd, const char *path, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot read CA file '%s': %s",
			       path, strerror(errno));
	if (!S_ISREG(st->st_mode)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "CA file '%s' is not a regular file",
			path);
		hwe_err_hint("remove it from the ca/ directory or replace it with a PEM or DER certificate");
		return HWE_EXIT_INPUT;
	}
	return hwe_file_check(sub_what[SUB_CA], path, st, 0, HWE_EXIT_KEYSTORE);
}

int hwe_keystore_load_ca(const struct hwe_keystore *ks, STACK_OF(X509) **out)
{
	int ret = HWE_EXIT_KEYSTORE, fd = -1, got;
	STACK_OF(X509) *sk = NULL, *one = NULL;
	unsigned char *data = NULL;
	char **names = NULL, p[PATH_MAX];
	size_t n = 0, i, len = 0;
	struct stat st;

	*out = NULL;
	sk = sk_X509_new_null();
	if (!sk) {
		ret = ks_oom();
		goto out;
	}
	ret = ks_list_dir(ks, SUB_CA, 0, &names, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		if (!ca_name(names[i]))
			continue;
		ks_kpath(ks, SUB_CA, names[i], p, sizeof(p));
		/* No symlinks, not even to /etc/ssl/certs: whoever can change
		 * the link or a directory on its way chooses whom we trust. */
		fd = openat(ks->fd[SUB_CA], names[i],
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 && errno == ELOOP) {
			ret = hwe_file_symlink_refused(sub_what[SUB_CA], p);
			goto out;
		}
		if (fd < 0) {
			ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED,
				      "cannot open CA file '%s': %s", p, strerror(errno));
			goto out;
		}
		ret = ca_check(fd, p, &st);
		if (ret == HWE_OK)
			ret = read_fd(fd, p, &st, &data, &len);
		close(fd);
		if (ret)
			goto out;
		one = sk_X509_new_null();
		if (!one) {
			ret = ks_oom();
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
				ret = ks_oom();
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
	ks_names_free(names, n);
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
		return ks_oom();
	if (!alias_ok(a)) {
		free(a);
		return HWE_OK;
	}
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv) {
			free(a);
			return ks_oom();
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
	ret = ks_list_dir(ks, SUB_CERTS, 0, &names, &nn);
	for (i = 0; !ret && i < nn; i++) {
		len = strlen(names[i]);
		if (len > 4 && strcmp(names[i] + len - 4, ".pem") == 0 &&
		    !(len > 10 && strcmp(names[i] + len - 10, "-chain.pem") == 0))
			ret = add_alias(&v, &n, &cap, names[i], len - 4);
	}
	ks_names_free(names, nn);
	names = NULL;
	nn = 0;
	if (!ret)
		ret = ks_list_dir(ks, SUB_KEYS, 0, &names, &nn);
	for (i = 0; !ret && i < nn; i++) {
		be = hwe_key_backend_by_file(names[i]);
		if (be)
			ret = add_alias(&v, &n, &cap, names[i], strlen(names[i]) - strlen(be->ext));
	}
	if (ret)
		goto out;
	if (!v && !(v = calloc(1, sizeof(*v)))) {
		ret = ks_oom();
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
	ks_names_free(names, nn);
	if (v)
		ks_names_free(v, n);
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

