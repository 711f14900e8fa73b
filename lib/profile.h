/* SPDX-License-Identifier: BSD-3-Clause */
/* profile.h - an alias's enrollment profile: what a later `renew` needs
 * (certs/<alias>.profile, key=value lines, never a secret: a password or
 * PIN is remembered by where it comes from, a file or an environment
 * variable's name). */
#ifndef HWE_PROFILE_H
#define HWE_PROFILE_H

#include <stddef.h>

#include "hwenroll.h"

#define HWE_PROFILE_SUFFIX ".profile"

struct hwe_profile;

/* The profile text made from an enroll's (or renew --save's) options;
 * backend is the alias's backend name.  A value with a control character
 * is a usage error; a token URI's pin-value is left out (with a warning). */
int hwe_profile_text(const struct hwe_opts *o, const char *backend, char **text, size_t *len);
/* Read certs/<alias>.profile.  Absent: HWE_EXIT_KEYSTORE with status
 * ERR_KEYSTORE_NO_ALIAS (the caller decides whether that is an error). */
int hwe_profile_load(const struct hwe_keystore *ks, const char *alias, struct hwe_profile **out);
/* The same for an alias that may have no profile: HWE_OK with *out NULL. */
int hwe_profile_load_opt(const struct hwe_keystore *ks, const char *alias, struct hwe_profile **out);
const char *hwe_profile_get(const struct hwe_profile *p, const char *key);
size_t hwe_profile_count(const struct hwe_profile *p);
void hwe_profile_item(const struct hwe_profile *p, size_t i, const char **key, const char **val);
/* Set every option not given on the command line from the profile
 * (HWE_SRC_PROFILE, converted and checked as parsed values; the profile
 * beats environment and config defaults).  The profile must outlive o. */
int hwe_profile_apply(const struct hwe_profile *p, const char *alias, struct hwe_opts *o);
void hwe_profile_free(struct hwe_profile *p);

#endif
