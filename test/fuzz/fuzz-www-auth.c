/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-www-auth.c - libFuzzer harness for hwe_http_parse_www_authenticate(). */
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
	if (schemes & ~(HWE_AUTH_BASIC | HWE_AUTH_DIGEST | HWE_AUTH_OTHER))
		abort();
	free(realm);
	/* without a realm pointer the verdict must be the same */
	if (hwe_http_parse_www_authenticate(s, &schemes, NULL) != rc)
		abort();
	free(s);
	return 0;
}
