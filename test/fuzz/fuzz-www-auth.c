/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-www-auth.c - libFuzzer harness for hwe_http_bearer_error(), the
 * one piece of a WWW-Authenticate value hwenroll reads itself (libcurl
 * reads the schemes). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[64], small[4];
	size_t i;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* the error= value comes back only as a plain token of the input */
	rc = hwe_http_bearer_error(s, err, sizeof(err));
	if (rc == 0) {
		if (!err[0] || strlen(err) > size || (strlen(err) < sizeof(err) - 1 && !strstr(s, err)))
			abort();
		for (i = 0; err[i]; i++)
			if ((unsigned char)err[i] <= ' ' || err[i] == '"' || err[i] == ',' ||
			    err[i] == '\\' || (unsigned char)err[i] >= 0x7f)
				abort();
	} else if (rc != -1 || err[0]) {
		abort();
	}
	/* a smaller buffer: the same verdict, the value cut to fit */
	if (hwe_http_bearer_error(s, small, sizeof(small)) != rc || strlen(small) >= sizeof(small) ||
	    strncmp(small, err, sizeof(small) - 1) != 0)
		abort();
	if (hwe_err_pending())
		abort();
	free(s);
	return 0;
}
