/* SPDX-License-Identifier: BSD-3-Clause */
/* test-keystore.c - keystore layout, permissions, locking, transactions,
 * roll-forward after a crash, CA loading and alias listing. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keystore.h"
#include "fixture.h"
#include "rc.h"

/* ---- fixtures ------------------------------------------------------------ */

struct fx {
	char tmp[512];      /* mkdtemp dir */
	char ks[600];       /* <tmp>/ks */
};

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		chmod(p, 0700);
	return remove(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *t = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "%s/test-keystore.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->ks, sizeof(f->ks), "%s/ks", f->tmp);
	hwe_err_clear();
	hwe_keystore_test_crash_after(-1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rm_rf(f->tmp);
	free(f);
	hwe_err_clear();
	return 0;
}

static char *kp(const struct fx *f, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], PATH_MAX, "%s/%s", f->ks, rel);
	return buf[i];
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Expect the recorded error; clears it. */
static void expect_err(int ret, enum hwe_exit ex, enum hwe_status st, const char *needle)
{
	if (ret != (int)ex || hwe_err_status() != st ||
	    (needle && !strstr(hwe_err_message(), needle)))
		fail_msg("got %d %s '%s', expected %d %s containing '%s'", ret,
			 hwe_status_name(hwe_err_status()), hwe_err_message(), ex,
			 hwe_status_name(st), needle ? needle : "");
	hwe_err_clear();
}

static struct hwe_keystore *open_ks(const struct fx *f)
{
	struct hwe_keystore *ks = NULL;

	assert_int_equal(hwe_keystore_open(f->ks, 1, &ks), HWE_OK);
	return ks;
}

/* Snapshot: every entry under dir with type, mode, size and SHA-256. */
static char snap_buf[65536];
static size_t snap_len;
static size_t snap_root;

static int snap_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65] = "";
	char *data;
	unsigned i;

	(void)flag;
	(void)f;
	if (S_ISREG(st->st_mode)) {
		data = slurp(p);
		assert_non_null(data);
		EVP_Digest(data, (size_t)st->st_size, md, &mdlen, EVP_sha256(), NULL);
		for (i = 0; i < mdlen; i++)
			sprintf(hex + 2 * i, "%02x", md[i]);
		free(data);
	}
	snap_len += (size_t)snprintf(snap_buf + snap_len, sizeof(snap_buf) - snap_len,
				     "%s %o %lld %s\n", p + snap_root, (unsigned)st->st_mode,
				     (long long)st->st_size, hex);
	assert_true(snap_len < sizeof(snap_buf));
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *snapshot(const char *dir)
{
	char *lines[512], *s, *out, *save = NULL;
	size_t n = 0, i, len = 0;

	snap_len = 0;
	snap_buf[0] = '\0';
	snap_root = strlen(dir);
	assert_int_equal(nftw(dir, snap_cb, 16, FTW_PHYS), 0);
	for (s = strtok_r(snap_buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 512);
		lines[n++] = s;
	}
	qsort(lines, n, sizeof(*lines), cmp_lines);
	out = calloc(1, snap_len + n + 1);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(out + len, "%s\n", lines[i]);
	return out;
}

static int count_dotfiles(const struct fx *f)
{
	static const char *const subs[] = { "conf", "ca", "certs", "keys", "req" };
	char cmd[PATH_MAX + 64];
	int n = 0;
	size_t i;

	for (i = 0; i < 5; i++) {
		FILE *p;
		char line[512];

		snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null", kp(f, subs[i]));
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p))
			if (line[0] == '.')
				n++;
		pclose(p);
	}
	return n;
}

/* ---- open ---------------------------------------------------------------- */

static void test_open_create(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = NULL;
	char p[PATH_MAX];
	mode_t old;

	/* missing and create=0 */
	expect_err(hwe_keystore_open(f->ks, 0, &ks), HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
		   "does not exist");
	assert_null(ks);
	/* parent missing: not created */
	snprintf(p, sizeof(p), "%s/nope/ks", f->tmp);
	assert_int_equal(hwe_keystore_open(p, 1, &ks), HWE_EXIT_KEYSTORE);
	assert_non_null(strstr(hwe_err_message(), "parent directory does not exist"));
	assert_non_null(hwe_err_hint_text());
	hwe_err_clear();
	assert_false(exists(p));

	/* create under a hostile umask: modes are still the documented ones */
	old = umask(0277);
	assert_int_equal(hwe_keystore_open(f->ks, 1, &ks), HWE_OK);
	umask(old);
	assert_int_equal(mode_of(f->ks), 0755);
	assert_int_equal(mode_of(kp(f, "conf")), 0755);
	assert_int_equal(mode_of(kp(f, "ca")), 0755);
	assert_int_equal(mode_of(kp(f, "certs")), 0755);
	assert_int_equal(mode_of(kp(f, "keys")), 0700);
	assert_int_equal(mode_of(kp(f, "req")), 0700);
	assert_string_equal(hwe_keystore_dir(ks), f->ks);
	hwe_keystore_close(ks);

	/* reopen without create; a trailing slash is fine */
	snprintf(p, sizeof(p), "%s//", f->ks);
	assert_int_equal(hwe_keystore_open(p, 0, &ks), HWE_OK);
	assert_string_equal(hwe_keystore_dir(ks), f->ks);
	{
		char *path = hwe_keystore_path(ks, "certs", "a.pem");

		assert_string_equal(path, kp(f, "certs/a.pem"));
		free(path);
	}
	hwe_keystore_close(ks);

	/* not a directory */
	write_file(kp(f, "../file"), "x", 1, 0644);
	snprintf(p, sizeof(p), "%s/file", f->tmp);
	expect_err(hwe_keystore_open(p, 1, &ks), HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
		   "not a directory");

	/* a keystore with a missing subdirectory opens with create=0 (reads
	 * see nothing, locking says what is missing) */
	assert_int_equal(rmdir(kp(f, "req")), 0);
	assert_int_equal(hwe_keystore_open(f->ks, 0, &ks), HWE_OK);
	{
		struct hwe_ks_lock *lk = NULL;

		expect_err(hwe_keystore_lock(ks, "a", 0, &lk), HWE_EXIT_KEYSTORE,
			   HWE_ERR_KEYSTORE_IO, "has no req/ directory");
	}
	hwe_keystore_close(ks);
	assert_false(exists(kp(f, "req")));
}

static void test_open_refusals(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);

	hwe_keystore_close(ks);
	ks = NULL;

	/* keys/ readable by others */
	assert_int_equal(chmod(kp(f, "keys"), 0755), 0);
	assert_int_equal(hwe_keystore_open(f->ks, 1, &ks), HWE_EXIT_KEYSTORE);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_PERMISSIONS);
	assert_non_null(strstr(hwe_err_message(), kp(f, "keys")));
	assert_non_null(hwe_err_hint_text());
	assert_non_null(strstr(hwe_err_hint_text(), "chmod 0700"));
	hwe_err_clear();
	assert_int_equal(chmod(kp(f, "keys"), 0700), 0);

	/* req/ group-accessible */
	assert_int_equal(chmod(kp(f, "req"), 0710), 0);
	expect_err(hwe_keystore_open(f->ks, 0, &ks), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "accessible by group or others");
	assert_int_equal(chmod(kp(f, "req"), 0700), 0);

	/* symlinked keys/ (to a perfectly private directory) */
	assert_int_equal(rename(kp(f, "keys"), kp(f, "../keys.real")), 0);
	assert_int_equal(symlink(kp(f, "../keys.real"), kp(f, "keys")), 0);
	expect_err(hwe_keystore_open(f->ks, 1, &ks), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "is a symlink");
	assert_int_equal(unlink(kp(f, "keys")), 0);
	assert_int_equal(rename(kp(f, "../keys.real"), kp(f, "keys")), 0);

	/* symlinked public subdirectory too */
	assert_int_equal(rename(kp(f, "certs"), kp(f, "../certs.real")), 0);
	assert_int_equal(symlink(kp(f, "../certs.real"), kp(f, "certs")), 0);
	expect_err(hwe_keystore_open(f->ks, 0, &ks), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "is a symlink");
	assert_int_equal(unlink(kp(f, "certs")), 0);
	assert_int_equal(rename(kp(f, "../certs.real"), kp(f, "certs")), 0);

	/* keys/ owned by someone else (only root can arrange that) */
	if (geteuid() == 0) {
		assert_int_equal(chown(kp(f, "keys"), 4242, 4242), 0);
		expect_err(hwe_keystore_open(f->ks, 0, &ks), HWE_EXIT_KEYSTORE,
			   HWE_ERR_KEYSTORE_PERMISSIONS, "owned by uid 4242");
		assert_int_equal(chown(kp(f, "keys"), 0, 0), 0);
	}
	assert_null(ks);
	assert_int_equal(hwe_keystore_open(f->ks, 0, &ks), HWE_OK);
	hwe_keystore_close(ks);
}

/* ---- read ---------------------------------------------------------------- */

static void test_read(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	unsigned char *data = NULL;
	size_t len = 0;
	char *big;

	write_file(kp(f, "keys/a.pem"), "secret", 6, 0600);
	assert_int_equal(hwe_keystore_read(ks, "keys", "a.pem", &data, &len), HWE_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "secret", 6);
	assert_int_equal(data[6], 0);
	OPENSSL_clear_free(data, len);
	assert_true(hwe_keystore_exists(ks, "keys", "a.pem"));
	assert_false(hwe_keystore_exists(ks, "keys", "b.pem"));
	assert_false(hwe_keystore_exists(ks, "nosuch", "a.pem"));

	/* empty file */
	write_file(kp(f, "certs/empty.pem"), "", 0, 0644);
	assert_int_equal(hwe_keystore_read(ks, "certs", "empty.pem", &data, &len), HWE_OK);
	assert_int_equal(len, 0);
	assert_int_equal(data[0], 0);
	OPENSSL_clear_free(data, len);

	/* group-readable key file: refused with the fix */
	assert_int_equal(chmod(kp(f, "keys/a.pem"), 0640), 0);
	assert_int_equal(hwe_keystore_read(ks, "keys", "a.pem", &data, &len), HWE_EXIT_KEYSTORE);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_PERMISSIONS);
	assert_non_null(strstr(hwe_err_hint_text(), "chmod 0600"));
	hwe_err_clear();
	assert_null(data);
	/* ... but a world-readable certificate is fine */
	write_file(kp(f, "certs/a.pem"), "cert", 4, 0644);
	assert_int_equal(hwe_keystore_read(ks, "certs", "a.pem", &data, &len), HWE_OK);
	OPENSSL_clear_free(data, len);
	data = NULL;
	/* ... unless others can write it (they would choose the certificate
	 * reenroll presents), or it belongs to another user */
	assert_int_equal(chmod(kp(f, "certs/a.pem"), 0666), 0);
	expect_err(hwe_keystore_read(ks, "certs", "a.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "writable by group or others (mode 0666)");
	assert_int_equal(chmod(kp(f, "certs/a.pem"), 0664), 0);
	assert_int_equal(hwe_keystore_read(ks, "certs", "a.pem", &data, &len), HWE_EXIT_KEYSTORE);
	assert_non_null(strstr(hwe_err_message(), kp(f, "certs/a.pem")));
	assert_non_null(strstr(hwe_err_hint_text(), "chmod go-w"));
	hwe_err_clear();
	assert_null(data);
	assert_int_equal(chmod(kp(f, "certs/a.pem"), 0644), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(kp(f, "certs/a.pem"), 54321, 54321), 0);
		assert_int_equal(hwe_keystore_read(ks, "certs", "a.pem", &data, &len),
				 HWE_EXIT_KEYSTORE);
		assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_PERMISSIONS);
		assert_non_null(strstr(hwe_err_message(), "owned by uid 54321"));
		assert_non_null(strstr(hwe_err_hint_text(), "chown 0"));
		hwe_err_clear();
		/* a key file too, even 0600 */
		assert_int_equal(chmod(kp(f, "keys/a.pem"), 0600), 0);
		assert_int_equal(chown(kp(f, "keys/a.pem"), 54321, 54321), 0);
		expect_err(hwe_keystore_read(ks, "keys", "a.pem", &data, &len), HWE_EXIT_KEYSTORE,
			   HWE_ERR_KEYSTORE_PERMISSIONS, "owned by uid 54321");
		assert_int_equal(chown(kp(f, "keys/a.pem"), 0, 0), 0);
		assert_int_equal(chown(kp(f, "certs/a.pem"), 0, 0), 0);
		assert_int_equal(hwe_keystore_read(ks, "certs", "a.pem", &data, &len), HWE_OK);
		OPENSSL_clear_free(data, len);
	}

	/* symlinked key file, even to a 0600 file */
	write_file(kp(f, "../outside.pem"), "x", 1, 0600);
	assert_int_equal(symlink(kp(f, "../outside.pem"), kp(f, "keys/l.pem")), 0);
	expect_err(hwe_keystore_read(ks, "keys", "l.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");
	/* symlinked certificate too */
	assert_int_equal(symlink(kp(f, "../outside.pem"), kp(f, "certs/l.pem")), 0);
	expect_err(hwe_keystore_read(ks, "certs", "l.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");

	/* missing */
	expect_err(hwe_keystore_read(ks, "keys", "zz.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_NO_ALIAS, "zz.pem");
	/* a FIFO is not read (and does not hang) */
	assert_int_equal(mkfifo(kp(f, "certs/fifo.pem"), 0644), 0);
	expect_err(hwe_keystore_read(ks, "certs", "fifo.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_IO, "not a regular file");
	/* a directory neither */
	assert_int_equal(mkdir(kp(f, "certs/d.pem"), 0755), 0);
	expect_err(hwe_keystore_read(ks, "certs", "d.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_IO, "not a regular file");
	/* names that leave the directory */
	expect_err(hwe_keystore_read(ks, "certs", "../keys/a.pem", &data, &len),
		   HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "invalid");
	expect_err(hwe_keystore_read(ks, "certs", "..", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_IO, "invalid");
	/* over 1 MiB */
	big = calloc(1, 1024 * 1024 + 1);
	write_file(kp(f, "certs/big.pem"), big, 1024 * 1024 + 1, 0644);
	expect_err(hwe_keystore_read(ks, "certs", "big.pem", &data, &len), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_IO, "larger than 1 MiB");
	write_file(kp(f, "certs/big.pem"), big, 1024 * 1024, 0644);
	assert_int_equal(hwe_keystore_read(ks, "certs", "big.pem", &data, &len), HWE_OK);
	assert_int_equal(len, 1024 * 1024);
	OPENSSL_clear_free(data, len);
	free(big);
	hwe_keystore_close(ks);
}

/* ---- aliases ------------------------------------------------------------- */

static void test_alias_valid(void **state)
{
	static const char *const good[] = { "a", "GenKey", "dev-01", "x.y_z", "A9",
		"0123456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = { "", ".hidden", "-opt", "a/b", "..", "a b", "a\nb",
		"a=b", "é", "01234567890123456789012345678901234567890123456789012345678901234",
		"a;rm" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(hwe_keystore_alias_valid(good[i]), HWE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hwe_keystore_alias_valid(bad[i]), HWE_EXIT_USAGE);
		assert_int_equal(hwe_err_status(), HWE_ERR_USAGE);
		assert_non_null(strstr(hwe_err_message(), "invalid key alias"));
		hwe_err_clear();
	}
	assert_int_equal(hwe_keystore_alias_valid(NULL), HWE_EXIT_USAGE);
	hwe_err_clear();
	/* the message names the alias (sanitized) */
	hwe_keystore_alias_valid("bad/alias");
	assert_non_null(strstr(hwe_err_message(), "'bad/alias'"));
	hwe_err_clear();
}

static void test_aliases_and_find(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	const struct hwe_key_backend *be = NULL;
	char **v = NULL;

	assert_int_equal(hwe_keystore_aliases(ks, &v), HWE_OK);
	assert_non_null(v);
	assert_null(v[0]);
	hwe_keystore_aliases_free(v);

	write_file(kp(f, "certs/a.pem"), "c", 1, 0644);
	write_file(kp(f, "certs/a-chain.pem"), "c", 1, 0644);
	write_file(kp(f, "certs/only-chain.pem"), "c", 1, 0644);
	write_file(kp(f, "certs/c.pem"), "c", 1, 0644);
	write_file(kp(f, "certs/.d.pem"), "c", 1, 0644);
	write_file(kp(f, "certs/e.txt"), "c", 1, 0644);
	write_file(kp(f, "keys/a.pem"), "k", 1, 0600);
	write_file(kp(f, "keys/b.pem"), "k", 1, 0600);
	write_file(kp(f, "keys/.a=b.pem.tmp.1.00"), "k", 1, 0600);
	write_file(kp(f, "keys/ignored.txt"), "k", 1, 0600);
	write_file(kp(f, "req/z.csr"), "r", 1, 0600);
	assert_int_equal(hwe_keystore_aliases(ks, &v), HWE_OK);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	assert_null(v[3]);
	hwe_keystore_aliases_free(v);

	assert_int_equal(hwe_keystore_find_key(ks, "a", &be), HWE_OK);
	assert_ptr_equal(be, &hwe_key_software);
	expect_err(hwe_keystore_find_key(ks, "c", &be), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_NO_ALIAS, "no key for alias 'c'");
	assert_null(be);
	expect_err(hwe_keystore_find_key(ks, "../a", &be), HWE_EXIT_USAGE, HWE_ERR_USAGE,
		   "invalid key alias");

	/* two backends' files for one alias (needs a second backend compiled in) */
	{
		const struct hwe_key_backend *const *all = hwe_key_backends();
		char p[64];

		if (all[0] && all[1]) {
			snprintf(p, sizeof(p), "keys/a%s", all[1]->ext);
			write_file(kp(f, p), "k", 1, 0600);
			expect_err(hwe_keystore_find_key(ks, "a", &be), HWE_EXIT_KEYSTORE,
				   HWE_ERR_KEYSTORE_IO, "two backends");
		}
	}
	hwe_keystore_close(ks);
}

/* ---- locking ------------------------------------------------------------- */

static void test_lock_contention(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	struct hwe_ks_lock *lk = NULL, *lk2 = NULL;
	int ready[2], go[2], status;
	char c;
	pid_t pid;
	struct timespec t0, t1;
	double dt;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hwe_keystore *cks = NULL;
		struct hwe_ks_lock *clk = NULL;

		/* never outlive the parent: EOF on go (or the alarm) ends us */
		alarm(30);
		close(ready[0]);
		close(go[1]);
		if (hwe_keystore_open(f->ks, 0, &cks) || hwe_keystore_lock(cks, "a", 0, &clk))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		hwe_keystore_unlock(clk);
		hwe_keystore_close(cks);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_EXIT_KEYSTORE);
	assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_LOCKED);
	assert_non_null(strstr(hwe_err_message(), "alias 'a' is in use by another hwenroll run"));
	assert_non_null(strstr(hwe_err_message(), kp(f, "req/a.lock")));
	hwe_err_clear();
	assert_null(lk);

	/* waiting gives up after about wait_s */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_err(hwe_keystore_lock(ks, "a", 1, &lk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_LOCKED, "in use");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt >= 0.9 && dt < 30.0); /* waited, then gave up (loose bound: loaded CI) */

	/* another alias is independent */
	assert_int_equal(hwe_keystore_lock(ks, "b", 0, &lk2), HWE_OK);
	assert_int_equal(mode_of(kp(f, "req/b.lock")), 0600);

	/* a waiting lock succeeds once the holder exits */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(hwe_keystore_lock(ks, "a", 5, &lk), HWE_OK);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	hwe_keystore_unlock(lk);
	/* and then with wait 0 as well */
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	hwe_keystore_unlock(lk);
	hwe_keystore_unlock(lk2);
	close(ready[0]);
	close(go[1]);

	/* symlinked lock file refused */
	assert_int_equal(symlink(kp(f, "../victim"), kp(f, "req/s.lock")), 0);
	expect_err(hwe_keystore_lock(ks, "s", 0, &lk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");
	assert_false(exists(kp(f, "../victim")));
	expect_err(hwe_keystore_lock(ks, "-x", 0, &lk), HWE_EXIT_USAGE, HWE_ERR_USAGE, "'-x'");
	hwe_keystore_close(ks);
}

/* ---- transactions -------------------------------------------------------- */

static void put_all(struct hwe_ks_txn *t, const char *tag)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "key-%s", tag);
	assert_int_equal(hwe_keystore_txn_put(t, "keys", "a.pem", buf, strlen(buf), 0600), HWE_OK);
	snprintf(buf, sizeof(buf), "cert-%s", tag);
	assert_int_equal(hwe_keystore_txn_put(t, "certs", "a.pem", buf, strlen(buf), 0644), HWE_OK);
	snprintf(buf, sizeof(buf), "chain-%s", tag);
	assert_int_equal(hwe_keystore_txn_put(t, "certs", "a-chain.pem", buf, strlen(buf), 0644),
			 HWE_OK);
	snprintf(buf, sizeof(buf), "csr-%s", tag);
	assert_int_equal(hwe_keystore_txn_put(t, "req", "a.csr", buf, strlen(buf), 0600), HWE_OK);
}

/* Commit a full generation "tag" of alias a (plus req/a.pending.pem). */
static void commit_gen(struct hwe_keystore *ks, const char *tag)
{
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;

	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	assert_int_equal(hwe_keystore_txn_begin(ks, "a", &t), HWE_OK);
	put_all(t, tag);
	assert_int_equal(hwe_keystore_txn_put(t, "req", "a.pending.pem", "p", 1, 0600), HWE_OK);
	assert_int_equal(hwe_keystore_txn_commit(t), HWE_OK);
	hwe_keystore_txn_free(t);
	hwe_keystore_unlock(lk);
}

static void assert_gen(const struct fx *f, const char *tag, int pending)
{
	static const char *const files[][2] = {
		{ "keys/a.pem", "key-" }, { "certs/a.pem", "cert-" },
		{ "certs/a-chain.pem", "chain-" }, { "req/a.csr", "csr-" },
	};
	char want[64], *got;
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "%s%s", files[i][1], tag);
		got = slurp(kp(f, files[i][0]));
		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
	}
	assert_int_equal(exists(kp(f, "req/a.pending.pem")), pending);
}

static void test_txn_commit(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	mode_t old;

	/* no lock, no transaction */
	expect_err(hwe_keystore_txn_begin(ks, "a", &t), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
		   "without holding its lock");
	assert_null(t);

	old = umask(0277);
	commit_gen(ks, "v1");
	umask(old);
	assert_gen(f, "v1", 1);
	assert_int_equal(mode_of(kp(f, "keys/a.pem")), 0600);
	assert_int_equal(mode_of(kp(f, "certs/a.pem")), 0644);
	assert_int_equal(mode_of(kp(f, "certs/a-chain.pem")), 0644);
	assert_int_equal(mode_of(kp(f, "req/a.csr")), 0600);
	assert_false(exists(kp(f, "req/a.journal")));
	assert_int_equal(count_dotfiles(f), 0);

	/* a second generation replaces everything and removes the pending key */
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	assert_int_equal(hwe_keystore_txn_begin(ks, "a", &t), HWE_OK);
	{
		struct hwe_ks_txn *t2 = NULL;

		expect_err(hwe_keystore_txn_begin(ks, "a", &t2), HWE_EXIT_INTERNAL,
			   HWE_ERR_GENERAL, "already has an open update");
	}
	put_all(t, "v2");
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.pending.pem"), HWE_OK);
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.pending.tss2"), HWE_OK);
	/* the same-key pending marker and the records of device keys */
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.pending"), HWE_OK);
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.new.p11"), HWE_OK);
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.old.p11"), HWE_OK);
	/* staged files are invisible before the commit */
	assert_gen(f, "v1", 1);
	assert_int_equal(count_dotfiles(f), 4);
	/* refusals: secret directory with a public mode, bad names */
	expect_err(hwe_keystore_txn_put(t, "keys", "a.tss2", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "owner-only");
	expect_err(hwe_keystore_txn_put(t, "req", "a.pending.p11", "x", 1, 0640), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "owner-only");
	expect_err(hwe_keystore_txn_put(t, "certs", "../x", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "invalid keystore file name");
	expect_err(hwe_keystore_txn_put(t, "certs", ".hidden", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "invalid keystore file name");
	expect_err(hwe_keystore_txn_put(t, "certs", "a b", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "invalid keystore file name");
	expect_err(hwe_keystore_txn_put(t, "etc", "x", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "unknown keystore directory");
	expect_err(hwe_keystore_txn_put(t, "req", "a.lock", "x", 1, 0600), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "reserved");
	expect_err(hwe_keystore_txn_remove(t, "req", "b.journal"), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "reserved");
	expect_err(hwe_keystore_txn_remove(t, "keys", "../../x"), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "invalid keystore file name");
	/* only the alias's own files: never another alias's, ca/ or conf/ */
	{
		static const char *const out_of_scope[][2] = {
			{ "keys", "b.pem" }, { "keys", "a.b.pem" }, { "keys", "a.key" },
			{ "keys", "a" }, { "certs", "b.pem" }, { "certs", "a-chain.pem.bak" },
			{ "certs", "ab.pem" }, { "req", "b.csr" }, { "req", "a.pending.x" },
			{ "req", "a.pem" }, { "req", "a.new.x" }, { "req", "a.old" }, { "req", "a.newp11" },
			{ "req", "a.pendingx" }, { "req", "b.new.p11" }, { "req", "b.pending" },
			{ "ca", "tls-root.pem" }, { "ca", "est-cacerts.pem" },
			{ "conf", "device.conf" }, { "conf", "a.pem" },
		};
		size_t k;

		for (k = 0; k < sizeof(out_of_scope) / sizeof(out_of_scope[0]); k++) {
			const char *sd = out_of_scope[k][0], *nm = out_of_scope[k][1];
			mode_t md = strcmp(sd, "keys") == 0 || strcmp(sd, "req") == 0 ? 0600 : 0644;

			expect_err(hwe_keystore_txn_put(t, sd, nm, "x", 1, md), HWE_EXIT_INTERNAL,
				   HWE_ERR_GENERAL, "is not a file of alias 'a'");
			expect_err(hwe_keystore_txn_remove(t, sd, nm), HWE_EXIT_INTERNAL,
				   HWE_ERR_GENERAL, "is not a file of alias 'a'");
		}
	}
	/* nothing the keystore could not read back */
	{
		char *big = calloc(1, HWE_KS_READ_MAX + 1);

		expect_err(hwe_keystore_txn_put(t, "certs", "a-chain.pem", big, HWE_KS_READ_MAX + 1,
						0644),
			   HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO, "more than the 1048576 bytes");
		free(big);
	}
	assert_int_equal(count_dotfiles(f), 4);
	assert_int_equal(hwe_keystore_txn_commit(t), HWE_OK);
	expect_err(hwe_keystore_txn_commit(t), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
		   "already committed");
	expect_err(hwe_keystore_txn_put(t, "certs", "x.pem", "x", 1, 0644), HWE_EXIT_INTERNAL,
		   HWE_ERR_GENERAL, "already committed");
	hwe_keystore_txn_free(t);
	assert_gen(f, "v2", 0);
	assert_int_equal(count_dotfiles(f), 0);
	assert_false(exists(kp(f, "req/a.journal")));

	/* an empty transaction is a no-op */
	assert_int_equal(hwe_keystore_txn_begin(ks, "a", &t), HWE_OK);
	assert_int_equal(hwe_keystore_txn_commit(t), HWE_OK);
	hwe_keystore_txn_free(t);
	/* recover needs the lock */
	assert_int_equal(hwe_keystore_recover(ks, "a"), HWE_OK);
	hwe_keystore_unlock(lk);
	expect_err(hwe_keystore_recover(ks, "a"), HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
		   "needs its lock");
	hwe_keystore_close(ks);
}

static void test_txn_abort(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	struct hwe_ks_lock *lk = NULL;
	struct hwe_ks_txn *t = NULL;
	char *before, *after;

	commit_gen(ks, "v1");
	write_file(kp(f, "ca/root.pem"), "r", 1, 0644);
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	before = snapshot(f->ks);
	assert_non_null(strstr(before, "/keys/a.pem 100600"));

	assert_int_equal(hwe_keystore_txn_begin(ks, "a", &t), HWE_OK);
	put_all(t, "v2");
	assert_int_equal(hwe_keystore_txn_put(t, "keys", "a.tss2", "n", 1, 0600), HWE_OK);
	assert_int_equal(hwe_keystore_txn_put(t, "req", "a.pending.p11", "n", 1, 0600), HWE_OK);
	assert_int_equal(hwe_keystore_txn_remove(t, "req", "a.pending.pem"), HWE_OK);
	assert_int_equal(count_dotfiles(f), 6);
	hwe_keystore_txn_free(t);

	after = snapshot(f->ks);
	assert_string_equal(before, after);
	free(before);
	free(after);
	hwe_keystore_unlock(lk);
	hwe_keystore_close(ks);
}

/* Crash in the middle of a commit (after its journal is durable and
 * crash_at actions are done), then the next lock completes it. */
static void crash_and_recover(const struct fx *f, int crash_at)
{
	struct hwe_keystore *ks = NULL;
	struct hwe_ks_lock *lk = NULL;
	char *j;
	int status;
	pid_t pid;

	rm_rf(f->ks);
	ks = open_ks(f);
	commit_gen(ks, "old");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hwe_ks_txn *t = NULL;

		if (hwe_keystore_lock(ks, "a", 0, &lk) || hwe_keystore_txn_begin(ks, "a", &t))
			_exit(2);
		put_all(t, "new");
		if (hwe_keystore_txn_remove(t, "req", "a.pending.pem"))
			_exit(3);
		hwe_keystore_test_crash_after(crash_at);
		hwe_keystore_txn_commit(t);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 99);

	/* the journal names every action */
	j = slurp(kp(f, "req/a.journal"));
	assert_non_null(j);
	assert_true(strncmp(j, "hwenroll-journal 1 a\nrename keys/.a=a.pem.tmp.", 46) == 0);
	assert_non_null(strstr(j, "\nremove req/a.pending.pem\n"));
	free(j);
	if (crash_at == 0)
		assert_gen(f, "old", 1);
	/* a reader that does not lock sees a mixed state: hence the journal */
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	assert_gen(f, "new", 0);
	assert_false(exists(kp(f, "req/a.journal")));
	assert_int_equal(count_dotfiles(f), 0);
	assert_int_equal(mode_of(kp(f, "keys/a.pem")), 0600);
	assert_int_equal(mode_of(kp(f, "certs/a.pem")), 0644);
	hwe_keystore_unlock(lk);
	hwe_keystore_close(ks);
}

static void test_rollforward(void **state)
{
	int n;

	/* 5 actions: 4 renames and 1 removal; 5 = all done, journal left */
	for (n = 0; n <= 5; n++)
		crash_and_recover(*state, n);
}

/* A run killed before its commit leaves temp files: the next lock removes
 * them (and only them: another alias's are left alone). */
static void test_stale_temps(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	struct hwe_ks_lock *lk = NULL;
	int status;
	pid_t pid;

	commit_gen(ks, "old");
	write_file(kp(f, "certs/.ab=ab.pem.tmp.1.00"), "other", 5, 0644);
	write_file(kp(f, "certs/.a-chain=a-chain.pem.tmp.1.00"), "other", 5, 0644);
	write_file(kp(f, "certs/.a.pem.swp"), "editor", 6, 0644);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hwe_ks_txn *t = NULL;

		if (hwe_keystore_lock(ks, "a", 0, &lk) || hwe_keystore_txn_begin(ks, "a", &t))
			_exit(2);
		put_all(t, "new");
		_exit(0); /* killed before commit */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count_dotfiles(f), 4 + 3);
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	assert_gen(f, "old", 1);
	assert_int_equal(count_dotfiles(f), 3);
	assert_true(exists(kp(f, "certs/.ab=ab.pem.tmp.1.00")));
	assert_true(exists(kp(f, "certs/.a-chain=a-chain.pem.tmp.1.00")));
	assert_true(exists(kp(f, "certs/.a.pem.swp")));
	hwe_keystore_unlock(lk);
	hwe_keystore_close(ks);
}

/* Journals written by hand: a valid one is rolled forward; anything that
 * leaves the keystore (or is otherwise malformed) is refused untouched. */
static void test_journal_parse(void **state)
{
	static const char *const bad[] = {
		"hwenroll-journal 1 a\nremove ../x\n",
		"hwenroll-journal 1 a\nremove certs/../../x\n",
		"hwenroll-journal 1 a\nremove /etc/x\n",
		"hwenroll-journal 1 a\nremove etc/x\n",
		"hwenroll-journal 1 a\nremove certs/..\n",
		"hwenroll-journal 1 a\nremove certs/.hidden\n",
		"hwenroll-journal 1 a\nremove certs\n",
		"hwenroll-journal 1 a\nremove certs/x certs/y\n",
		"hwenroll-journal 1 a\nrename certs/.a=x.pem.tmp.1.ab ../x.pem\n",
		"hwenroll-journal 1 a\nrename certs/.a=x.pem.tmp.1.ab keys/x.pem\n",
		"hwenroll-journal 1 a\nrename certs/.b=x.pem.tmp.1.ab certs/x.pem\n",
		"hwenroll-journal 1 a\nrename certs/.a=y.pem.tmp.1.ab certs/x.pem\n",
		"hwenroll-journal 1 a\nrename certs/victim.pem certs/x.pem\n",
		"hwenroll-journal 1 a\nrename certs/.a=x.pem.tmp.1/../ab certs/x.pem\n",
		"hwenroll-journal 1 a\nrename certs/.a=x.pem.tmp.1.ab\n",
		"hwenroll-journal 1 a\nrename certs/.a=...tmp.1.ab certs/..\n",
		"hwenroll-journal 1 a\nrename certs/.a=.x.tmp.1.ab certs/.x\n",
		"hwenroll-journal 1 a\nrename certs/.a=x.pem.tmp.1.ab certs/x.pem\nrename certs/.a=...tmp.1.ab certs/..\n",
		"hwenroll-journal 1 a\ndelete certs/victim.pem\n",
		"hwenroll-journal 1 a\nremove req/a.lock\n",
		"hwenroll-journal 1 a\nremove req/b.journal\n",
		"hwenroll-journal 1 a\nremove certs/victim.pem",
		"hwenroll-journal 1 b\nremove certs/victim.pem\n",
		"hwenroll-journal 2 a\nremove certs/victim.pem\n",
		"remove certs/victim.pem\n",
		"",
		/* '..' and absolute paths into ca/ and conf/ */
		"hwenroll-journal 1 a\nremove keys/../ca/tls-root.pem\n",
		"hwenroll-journal 1 a\nremove ../ca/tls-root.pem\n",
		"hwenroll-journal 1 a\nremove ca/../conf/device.conf\n",
		"hwenroll-journal 1 a\nrename ca/.a=tls-root.pem.tmp.1.ab ca/../ca/tls-root.pem\n",
		"hwenroll-journal 1 a\nremove keys/a.pem/../../ca/tls-root.pem\n",
		"hwenroll-journal 1 a\nremove keys/../../ks/keys/b.pem\n",
	};
	/* well formed, but naming what an update of the alias never touches:
	 * another alias's files, ca/, conf/ (journal alias, text, named entry) */
	static const char *const hostile[][3] = {
		{ "a", "hwenroll-journal 1 a\nremove keys/b.pem\n", "'keys/b.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove keys/a.b.pem\n", "'keys/a.b.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove keys/a.pem.old\n", "'keys/a.pem.old'" },
		{ "a", "hwenroll-journal 1 a\nrename keys/.a=b.pem.tmp.1.ab keys/b.pem\n", "'keys/b.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove certs/b.pem\n", "'certs/b.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove certs/victim.pem\n", "'certs/victim.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove certs/b-chain.pem\n", "'certs/b-chain.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove req/b.csr\n", "'req/b.csr'" },
		{ "a", "hwenroll-journal 1 a\nremove req/b.pending.pem\n", "'req/b.pending.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove req/b.old.p11\n", "'req/b.old.p11'" },
		{ "a", "hwenroll-journal 1 a\nremove req/b.pending\n", "'req/b.pending'" },
		{ "a", "hwenroll-journal 1 a\nremove ca/tls-root.pem\n", "'ca/tls-root.pem'" },
		{ "a", "hwenroll-journal 1 a\nrename ca/.a=tls-root.pem.tmp.1.ab ca/tls-root.pem\n",
		  "'ca/tls-root.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove ca/est-cacerts.pem\n", "'ca/est-cacerts.pem'" },
		{ "a", "hwenroll-journal 1 a\nremove conf/device.conf\n", "'conf/device.conf'" },
		{ "a", "hwenroll-journal 1 a\nrename conf/.a=device.conf.tmp.1.ab conf/device.conf\n",
		  "'conf/device.conf'" },
		/* a valid first step does not run either */
		{ "a", "hwenroll-journal 1 a\nrename certs/.a=a.pem.tmp.1.ab certs/a.pem\nremove keys/b.pem\n",
		  "(line 3: 'remove keys/b.pem'): 'keys/b.pem'" },
		/* the CA update may replace est-cacerts.pem, nothing else in ca/ */
		{ "cacerts", "hwenroll-journal 1 cacerts\nremove ca/tls-root.pem\n", "'ca/tls-root.pem'" },
		{ "cacerts", "hwenroll-journal 1 cacerts\nrename ca/.cacerts=tls-root.pem.tmp.1.ab ca/tls-root.pem\n",
		  "'ca/tls-root.pem'" },
		{ "cacerts", "hwenroll-journal 1 cacerts\nremove conf/device.conf\n", "'conf/device.conf'" },
		{ "cacerts", "hwenroll-journal 1 cacerts\nremove keys/a.pem\n", "'keys/a.pem'" },
	};
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	struct hwe_ks_lock *lk = NULL;
	char *before, *after, *got, jname[64];
	size_t i;

	write_file(kp(f, "certs/victim.pem"), "v", 1, 0644);
	write_file(kp(f, "../x"), "outside", 7, 0644);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(kp(f, "certs/.a=x.pem.tmp.1.ab"), "staged", 6, 0644);
		write_file(kp(f, "req/a.journal"), bad[i], strlen(bad[i]), 0600);
		before = snapshot(f->tmp);
		if (hwe_keystore_lock(ks, "a", 0, &lk) != HWE_EXIT_KEYSTORE)
			fail_msg("journal %zu accepted: %s", i, bad[i]);
		assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_JOURNAL);
		assert_non_null(strstr(hwe_err_message(), "journal"));
		assert_non_null(strstr(hwe_err_message(), "is not valid"));
		assert_non_null(hwe_err_hint_text());
		hwe_err_clear();
		after = snapshot(f->tmp);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
	/* the lock was released after the refusal, and its file removed */
	assert_false(exists(kp(f, "req/a.lock")));
	unlink(kp(f, "req/a.journal"));

	/* hostile journals: refused naming the journal and the entry, left in
	 * place, nothing changed anywhere (not even stale temp files) */
	write_file(kp(f, "keys/a.pem"), "a-key", 5, 0600);
	write_file(kp(f, "keys/b.pem"), "b-key", 5, 0600);
	write_file(kp(f, "keys/a.b.pem"), "a.b-key", 7, 0600);
	write_file(kp(f, "keys/a.pem.old"), "old", 3, 0600);
	write_file(kp(f, "keys/.a=b.pem.tmp.1.ab"), "evil-key", 8, 0600);
	write_file(kp(f, "certs/a.pem"), "a-cert", 6, 0644);
	write_file(kp(f, "certs/b.pem"), "b-cert", 6, 0644);
	write_file(kp(f, "certs/b-chain.pem"), "b-chain", 7, 0644);
	write_file(kp(f, "certs/.a=a.pem.tmp.1.ab"), "a-cert-new", 10, 0644);
	write_file(kp(f, "req/b.csr"), "b-csr", 5, 0600);
	write_file(kp(f, "req/b.pending.pem"), "b-pending", 9, 0600);
	write_file(kp(f, "ca/tls-root.pem"), "root", 4, 0644);
	write_file(kp(f, "ca/est-cacerts.pem"), "est", 3, 0644);
	write_file(kp(f, "ca/.a=tls-root.pem.tmp.1.ab"), "evil-root", 9, 0644);
	write_file(kp(f, "ca/.cacerts=tls-root.pem.tmp.1.ab"), "evil-root", 9, 0644);
	write_file(kp(f, "conf/device.conf"), "commonName=x\n", 13, 0644);
	write_file(kp(f, "conf/.a=device.conf.tmp.1.ab"), "commonName=evil\n", 16, 0644);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *alias = hostile[i][0], *text = hostile[i][1];

		snprintf(jname, sizeof(jname), "req/%s.journal", alias);
		write_file(kp(f, jname), text, strlen(text), 0600);
		before = snapshot(f->tmp);
		if (hwe_keystore_lock(ks, alias, 0, &lk) != HWE_EXIT_KEYSTORE)
			fail_msg("hostile journal %zu accepted: %s", i, text);
		assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_JOURNAL);
		if (!strstr(hwe_err_message(), kp(f, jname)) ||
		    !strstr(hwe_err_message(), hostile[i][2]) ||
		    !strstr(hwe_err_message(), "is not a file of alias") ||
		    !strstr(hwe_err_message(), "nothing was changed"))
			fail_msg("hostile journal %zu: message '%s' lacks the journal or '%s'", i,
				 hwe_err_message(), hostile[i][2]);
		assert_non_null(strstr(hwe_err_hint_text(), "rm '"));
		hwe_err_clear();
		after = snapshot(f->tmp);
		assert_string_equal(before, after);
		free(before);
		free(after);
		assert_true(exists(kp(f, jname)));
		unlink(kp(f, jname));
	}
	unlink(kp(f, "keys/a.b.pem"));
	unlink(kp(f, "keys/a.pem.old"));

	/* a journal with world-readable mode or a symlink is refused too */
	write_file(kp(f, "req/a.journal"), "hwenroll-journal 1 a\n", 21, 0644);
	expect_err(hwe_keystore_lock(ks, "a", 0, &lk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "accessible by group or others");
	unlink(kp(f, "req/a.journal"));
	assert_int_equal(symlink(kp(f, "../x"), kp(f, "req/a.journal")), 0);
	expect_err(hwe_keystore_lock(ks, "a", 0, &lk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");
	unlink(kp(f, "req/a.journal"));

	/* a valid journal, half done: one rename done, one pending, two
	 * removals, all of the alias's own files */
	write_file(kp(f, "certs/a.pem"), "a-new", 5, 0644);
	unlink(kp(f, "certs/.a=a.pem.tmp.1.ab"));
	write_file(kp(f, "certs/a-chain.pem"), "chain-old", 9, 0644);
	write_file(kp(f, "certs/.a=a-chain.pem.tmp.1.ab"), "chain-new", 9, 0644);
	write_file(kp(f, "keys/a.tss2"), "old-tpm-key", 11, 0600);
	write_file(kp(f, "req/a.csr"), "csr", 3, 0600);
	{
		const char *j = "hwenroll-journal 1 a\n"
				"rename certs/.a=a.pem.tmp.77.0f certs/a.pem\n"
				"rename certs/.a=a-chain.pem.tmp.1.ab certs/a-chain.pem\n"
				"remove keys/a.tss2\n"
				"remove req/a.csr\n"
				"remove req/a.pending.p11\n";

		write_file(kp(f, "req/a.journal"), j, strlen(j), 0600);
	}
	assert_int_equal(hwe_keystore_lock(ks, "a", 0, &lk), HWE_OK);
	got = slurp(kp(f, "certs/a.pem"));
	assert_string_equal(got, "a-new");
	free(got);
	got = slurp(kp(f, "certs/a-chain.pem"));
	assert_string_equal(got, "chain-new");
	free(got);
	assert_false(exists(kp(f, "keys/a.tss2")));
	assert_false(exists(kp(f, "req/a.csr")));
	assert_false(exists(kp(f, "req/a.journal")));
	/* other aliases, ca/, conf/ and the outside untouched */
	assert_true(exists(kp(f, "certs/victim.pem")));
	assert_true(exists(kp(f, "keys/b.pem")));
	assert_true(exists(kp(f, "certs/b.pem")));
	assert_true(exists(kp(f, "ca/tls-root.pem")));
	assert_true(exists(kp(f, "conf/device.conf")));
	assert_true(exists(kp(f, "../x")));
	/* stale temps of a are removed where a writes, not in ca/ or conf/ */
	assert_false(exists(kp(f, "certs/.a=x.pem.tmp.1.ab")));
	assert_false(exists(kp(f, "keys/.a=b.pem.tmp.1.ab")));
	assert_true(exists(kp(f, "ca/.a=tls-root.pem.tmp.1.ab")));
	assert_true(exists(kp(f, "conf/.a=device.conf.tmp.1.ab")));
	unlink(kp(f, "ca/.a=tls-root.pem.tmp.1.ab"));
	unlink(kp(f, "conf/.a=device.conf.tmp.1.ab"));
	hwe_keystore_unlock(lk);

	/* the CA update's own journal: replaces ca/est-cacerts.pem */
	write_file(kp(f, "ca/.cacerts=est-cacerts.pem.tmp.9.0a"), "est-new", 7, 0644);
	{
		const char *j = "hwenroll-journal 1 cacerts\n"
				"rename ca/.cacerts=est-cacerts.pem.tmp.9.0a ca/est-cacerts.pem\n";

		write_file(kp(f, "req/cacerts.journal"), j, strlen(j), 0600);
	}
	assert_int_equal(hwe_keystore_lock(ks, "cacerts", 0, &lk), HWE_OK);
	got = slurp(kp(f, "ca/est-cacerts.pem"));
	assert_string_equal(got, "est-new");
	free(got);
	assert_false(exists(kp(f, "req/cacerts.journal")));
	/* its stale temps in ca/ are its own */
	assert_false(exists(kp(f, "ca/.cacerts=tls-root.pem.tmp.1.ab")));
	got = slurp(kp(f, "ca/tls-root.pem"));
	assert_string_equal(got, "root");
	free(got);
	assert_int_equal(count_dotfiles(f), 0);
	hwe_keystore_unlock(lk);
	hwe_keystore_close(ks);
}

/* ---- CA certificates ----------------------------------------------------- */

static X509 *make_cert(const char *cn)
{
	EVP_PKEY *k = fx_key("EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n;

	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	EVP_PKEY_free(k);
	return x;
}

static void write_pem(const char *path, X509 **certs, int n, const char *extra)
{
	FILE *fp = fopen(path, "w");
	int i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		assert_true(PEM_write_X509(fp, certs[i]));
	if (extra)
		fputs(extra, fp);
	fclose(fp);
}

static const char *cn_of(X509 *x)
{
	static char buf[64];

	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf));
	return buf;
}

static void test_load_ca(void **state)
{
	struct fx *f = *state;
	struct hwe_keystore *ks = open_ks(f);
	STACK_OF(X509) *sk = NULL;
	X509 *c[3];
	unsigned char *der = NULL;
	int derlen;
	FILE *fp;

	/* empty: an empty stack, not an error */
	assert_int_equal(hwe_keystore_load_ca(ks, &sk), HWE_OK);
	assert_non_null(sk);
	assert_int_equal(sk_X509_num(sk), 0);
	sk_X509_free(sk);

	c[0] = make_cert("bundle-1");
	c[1] = make_cert("bundle-2");
	c[2] = make_cert("der-root");
	/* bundle with text before, between and after the blocks */
	fp = fopen(kp(f, "ca/b-bundle.pem"), "w");
	fputs("Bag Attributes: something\n", fp);
	PEM_write_X509(fp, c[0]);
	fputs("subject=/CN=bundle-2\n", fp);
	PEM_write_X509(fp, c[1]);
	fputs("\n", fp);
	fclose(fp);
	derlen = i2d_X509(c[2], &der);
	assert_true(derlen > 0);
	write_file(kp(f, "ca/c-root.der"), (const char *)der, (size_t)derlen, 0644);
	write_file(kp(f, "ca/.a-tmp.pem"), "garbage", 7, 0644);  /* dotfile: skipped */
	write_file(kp(f, "ca/README"), "garbage", 7, 0644);      /* other name: skipped */
	write_pem(kp(f, "ca/a-first.CRT"), &c[2], 1, NULL);       /* any case */
	assert_int_equal(hwe_keystore_load_ca(ks, &sk), HWE_OK);
	assert_int_equal(sk_X509_num(sk), 4);
	assert_string_equal(cn_of(sk_X509_value(sk, 0)), "der-root"); /* a-first.CRT */
	assert_string_equal(cn_of(sk_X509_value(sk, 1)), "bundle-1");
	assert_string_equal(cn_of(sk_X509_value(sk, 2)), "bundle-2");
	assert_string_equal(cn_of(sk_X509_value(sk, 3)), "der-root"); /* c-root.der */
	assert_int_equal(X509_cmp(sk_X509_value(sk, 3), c[2]), 0);
	sk_X509_pop_free(sk, X509_free);
	sk = NULL;

	/* a symlink, even to a trust anchor elsewhere (e.g. /etc/ssl/certs),
	 * is refused: whoever controls the link's way chooses whom we trust */
	write_pem(kp(f, "../linked.pem"), &c[0], 1, NULL);
	assert_int_equal(symlink(kp(f, "../linked.pem"), kp(f, "ca/d-link.pem")), 0);
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");
	assert_null(sk);
	unlink(kp(f, "ca/d-link.pem"));
	/* a dangling one too */
	assert_int_equal(symlink(kp(f, "../nosuch.pem"), kp(f, "ca/d-link.pem")), 0);
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "refusing symlink");
	unlink(kp(f, "ca/d-link.pem"));
	/* a trust anchor others can write, or owned by another user */
	write_pem(kp(f, "ca/d-root.pem"), &c[0], 1, NULL);
	assert_int_equal(chmod(kp(f, "ca/d-root.pem"), 0646), 0);
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_KEYSTORE,
		   HWE_ERR_KEYSTORE_PERMISSIONS, "writable by group or others (mode 0646)");
	assert_int_equal(chmod(kp(f, "ca/d-root.pem"), 0644), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(kp(f, "ca/d-root.pem"), 54321, 0), 0);
		expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_KEYSTORE,
			   HWE_ERR_KEYSTORE_PERMISSIONS, "owned by uid 54321");
		assert_int_equal(chown(kp(f, "ca/d-root.pem"), 0, 0), 0);
	}
	assert_int_equal(hwe_keystore_load_ca(ks, &sk), HWE_OK);
	assert_int_equal(sk_X509_num(sk), 5);
	sk_X509_pop_free(sk, X509_free);
	sk = NULL;

	/* garbage named like a certificate: input error naming the file */
	write_file(kp(f, "ca/junk.cer"), "not a certificate\n", 18, 0644);
	assert_int_equal(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_READ_FAILED);
	assert_non_null(strstr(hwe_err_message(), kp(f, "ca/junk.cer")));
	hwe_err_clear();
	assert_null(sk);
	unlink(kp(f, "ca/junk.cer"));

	/* DER with trailing bytes */
	{
		unsigned char *d2 = malloc((size_t)derlen + 3);

		memcpy(d2, der, (size_t)derlen);
		memcpy(d2 + derlen, "xyz", 3);
		write_file(kp(f, "ca/trail.der"), (const char *)d2, (size_t)derlen + 3, 0644);
		free(d2);
		expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_INPUT,
			   HWE_ERR_FILE_READ_FAILED, "trail.der");
		unlink(kp(f, "ca/trail.der"));
	}
	/* a good certificate followed by a broken block */
	write_pem(kp(f, "ca/half.pem"), &c[0], 1,
		  "-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n");
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
		   "half.pem");
	unlink(kp(f, "ca/half.pem"));
	/* a PEM file with only a private key */
	write_file(kp(f, "ca/key.pem"),
		   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 59, 0644);
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
		   "key.pem");
	unlink(kp(f, "ca/key.pem"));
	/* an empty file */
	write_file(kp(f, "ca/empty.pem"), "", 0, 0644);
	expect_err(hwe_keystore_load_ca(ks, &sk), HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
		   "empty.pem");
	unlink(kp(f, "ca/empty.pem"));
	assert_int_equal(hwe_keystore_load_ca(ks, &sk), HWE_OK);
	assert_int_equal(sk_X509_num(sk), 5);
	sk_X509_pop_free(sk, X509_free);

	OPENSSL_free(der);
	X509_free(c[0]);
	X509_free(c[1]);
	X509_free(c[2]);
	hwe_keystore_close(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_and_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollforward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_ca, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
