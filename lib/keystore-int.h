/* SPDX-License-Identifier: BSD-3-Clause */
/* keystore-int.h - what keystore.c (layout, reads) and keystore-txn.c
 * (locks, journal, transactions) share.  Not for other modules. */
#ifndef HWE_KEYSTORE_INT_H
#define HWE_KEYSTORE_INT_H

#include <stddef.h>
#include <sys/types.h>

#include "keystore.h"
#include "rc.h"

#define KS_READ_MAX HWE_KS_READ_MAX
#define KS_NAME_MAX 200
#define KS_ALIAS_MAX 64
#define JOURNAL_MAGIC "hwenroll-journal 1"

enum ks_sub { SUB_CONF, SUB_CA, SUB_CERTS, SUB_KEYS, SUB_REQ, SUB_COUNT };

struct ks_subdir {
	const char *name;
	mode_t mode;
	int secret; /* owner-only directory holding owner-only files */
};
extern const struct ks_subdir ks_subs[SUB_COUNT];


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

const char *ks_kpath(const struct hwe_keystore *ks, int sub, const char *name, char *buf,
			 size_t len);
int ks_sys_err(enum hwe_status st, const char *what, const char *path, int e);
int ks_oom(void);
int ks_sub_index(const char *sub);
int ks_name_ok(const char *name);
int ks_reserved(int sub, const char *name);
int ks_need_sub(const struct hwe_keystore *ks, int sub);
struct hwe_ks_lock *ks_held_lock(const struct hwe_keystore *ks, const char *alias);
int ks_write_all(int fd, const void *data, size_t len);
void ks_names_free(char **v, size_t n);
int ks_list_dir(const struct hwe_keystore *ks, int sub, int with_dot, char ***out, size_t *nout);
int ks_read(const struct hwe_keystore *ks, int sub, const char *name, int *missing,
		   unsigned char **data, size_t *len);
int ks_in_scope(const char *alias, int sub, const char *name);

#endif
