/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-retry-after.c - libFuzzer harness for hwe_http_parse_retry_after(). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t nows[] = { 0, 784111777, 1767225600, (time_t)LONG_MAX / 2 };
	char *s = malloc(size + 1);
	long d;
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		d = -1;
		if (hwe_http_parse_retry_after(s, nows[i], &d) == HWE_OK && d < 0)
			abort();        /* a delay is never negative */
	}
	free(s);
	return 0;
}
