/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-csrattrs.c - libFuzzer harness: CsrAttrs DER decoding, both the
 * display decoder and the requirement parser/planner the enrollment uses. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csrattrs.h"
#include "csrreq.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL;
	size_t i, n;

	if (hwe_csrattrs_decode(data, size, &text) == HWE_OK) {
		if (!text)
			abort();
		/* one line per item, all printable */
		n = strlen(text);
		for (i = 0; i < n; i++)
			if (text[i] != '\n' && (text[i] < 0x20 || text[i] > 0x7e))
				abort();
		if (n && text[n - 1] != '\n')
			abort();
		free(text);
	} else if (text || !hwe_err_pending()) {
		abort();
	}
	hwe_err_clear();

	{
		struct hwe_csrreq r;
		struct hwe_csrreq_plan p;
		char line[512];

		if (hwe_csrreq_parse(data, size, &r) == HWE_OK) {
			for (i = 0; i < r.n; i++)
				if (!hwe_csrreq_describe(&r.items[i], line, sizeof(line)) || !*line)
					abort();
			if (hwe_csrreq_plan(&r, NULL, NULL, &p) == HWE_OK)
				hwe_csrreq_plan_clear(&p);
			hwe_csrreq_clear(&r);
		} else if (r.n || r.items || !hwe_err_pending()) {
			abort();
		}
		hwe_err_clear();
	}
	return 0;
}
