/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-est-url.c - libFuzzer harness for hwe_est_url_parse() (libcurl's URL
 * parser plus the EST path rules) and hwe_est_url_for(). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "est.h"
#include "log.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hwe_est_url u, v;
	char *s = malloc(size + 1), *url;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (hwe_est_url_parse(s, &u) == HWE_OK) {
		const char *path = u.base && strlen(u.base) > 8 ? strchr(u.base + 8, '/') : NULL;

		/* https, a host, no userinfo in the authority ('@' is fine in
		 * the path), the EST prefix, no query/fragment, no '//' */
		if (!path || !u.host || strncmp(u.base, "https://", 8) != 0 || !*u.host ||
		    memchr(u.base, '@', (size_t)(path - u.base)) ||
		    strncmp(path, "/.well-known/est", 16) != 0 || strchr(u.base, '?') ||
		    strchr(u.base, '#') || strstr(path, "//") || strstr(path, "/../") ||
		    strstr(path, "/./"))
			abort();
		/* a URL built for an op parses back to the same base and that op */
		url = hwe_est_url_for(&u, HWE_EST_SIMPLEREENROLL);
		if (!url)
			abort();
		if (strlen(url) <= 2048) {      /* est.c's length limit */
			if (hwe_est_url_parse(url, &v) != HWE_OK)
				abort();
			if (strcmp(v.base, u.base) != 0 || v.op != HWE_EST_SIMPLEREENROLL)
				abort();
			hwe_est_url_clear(&v);
		}
		free(url);
		hwe_est_url_clear(&u);
	} else {
		if (u.base || u.host || !hwe_err_pending())
			abort();
	}
	hwe_err_clear();
	free(s);
	return 0;
}
