/* SPDX-License-Identifier: BSD-3-Clause */
/* log.h - leveled diagnostics on stderr.  Never pass a secret to these. */
#ifndef HWE_LOG_H
#define HWE_LOG_H

#include "rc.h"

enum hwe_log_level {
	HWE_LOG_ERROR = 0,   /* default, as in the reference workflow */
	HWE_LOG_WARN = 1,
	HWE_LOG_INFO = 2,
	HWE_LOG_DEBUG = 3,
};

/* "ERROR", "WARN"/"WARNING", "INFO", "DEBUG" (any case); -1 if unknown. */
int hwe_log_parse_level(const char *s);
void hwe_log_set_level(enum hwe_log_level lvl);
int hwe_log_enabled(enum hwe_log_level lvl);
void hwe_log(enum hwe_log_level lvl, const char *fmt, ...) HWE_PRINTF(2, 3);
#define hwe_warn(...)  hwe_log(HWE_LOG_WARN, __VA_ARGS__)
#define hwe_info(...)  hwe_log(HWE_LOG_INFO, __VA_ARGS__)
#define hwe_debug(...) hwe_log(HWE_LOG_DEBUG, __VA_ARGS__)

/* Copy s into buf for display: control characters and non-ASCII become
 * '.', cut at buflen-1 with "..." appended when truncated.  For server
 * error bodies and anything else from outside. */
const char *hwe_sanitize(const char *s, size_t len, char *buf, size_t buflen);

#endif
