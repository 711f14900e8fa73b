/* SPDX-License-Identifier: BSD-3-Clause */
/* filecheck.c - owner/mode checks of the files hwenroll reads as input
 * (see filecheck.h). */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include "filecheck.h"
#include "rc.h"

int hwe_file_check(const char *what, const char *path, const struct stat *st, unsigned flags,
		   enum hwe_exit ex)
{
	enum hwe_status s = ex == HWE_EXIT_KEYSTORE ? HWE_ERR_KEYSTORE_PERMISSIONS
						    : HWE_ERR_FILE_PERMISSIONS;
	unsigned mode = (unsigned)(st->st_mode & 07777);
	uid_t me = geteuid();

	if (st->st_uid != me && st->st_uid != 0) {
		hwe_err(ex, s,
			"refusing %s '%s': owned by uid %u, neither root nor the user running hwenroll (uid %u)",
			what, path, (unsigned)st->st_uid, (unsigned)me);
		hwe_err_hint("if you made it, take it over: chown %u '%s'; otherwise remove it",
			     (unsigned)me, path);
		return ex;
	}
	if ((flags & HWE_FILE_SECRET) && (mode & 077)) {
		hwe_err(ex, s, "refusing %s '%s': accessible by group or others (mode %04o)", what,
			path, mode);
		hwe_err_hint("chmod 0600 '%s'", path);
		return ex;
	}
	if (mode & 022) {
		hwe_err(ex, s,
			"refusing %s '%s': writable by group or others (mode %04o), who could choose what it says",
			what, path, mode);
		hwe_err_hint("chmod go-w '%s'", path);
		return ex;
	}
	return HWE_OK;
}

int hwe_file_symlink_refused(const char *what, const char *path)
{
	hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_PERMISSIONS,
		"refusing symlinked %s '%s': files in the keystore are not read through links",
		what, path);
	hwe_err_hint("keystore files must be regular files: replace the link with the file itself: "
		     "cp --remove-destination \"$(readlink -f '%s')\" '%s'",
		     path, path);
	return HWE_EXIT_KEYSTORE;
}
