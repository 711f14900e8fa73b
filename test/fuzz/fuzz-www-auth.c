/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-www-auth.c - libFuzzer harness for hwe_http_parse_www_authenticate()
 * and hwe_http_bearer_error(). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *realm = NULL;
	unsigned schemes = 0;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = hwe_http_parse_www_authenticate(s, &schemes, &realm);
	if (rc != HWE_OK && realm)
		abort();                /* no realm leaks out of a failed parse */
	if (realm && strlen(realm) > size)
		abort();
	if (schemes & ~(HWE_AUTH_BASIC | HWE_AUTH_DIGEST | HWE_AUTH_OTHER | HWE_AUTH_BEARER))
		abort();
	free(realm);
	/* the Bearer error= value comes back only as a plain token */
	{
		char err[64];
		size_t i;

		if (hwe_http_bearer_error(s, err, sizeof(err)) == 0) {
			if (!err[0] || strlen(err) > size)
				abort();
			for (i = 0; err[i]; i++)
				if ((unsigned char)err[i] <= ' ' || err[i] == '"' || err[i] == ',' ||
				    (unsigned char)err[i] >= 0x7f)
					abort();
		} else if (err[0]) {
			abort();
		}
	}
	/* without a realm pointer the verdict must be the same */
	if (hwe_http_parse_www_authenticate(s, &schemes, NULL) != rc)
		abort();
	free(s);
	return 0;
}
