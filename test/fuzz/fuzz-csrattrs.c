/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-csrattrs.c - libFuzzer harness: CsrAttrs DER decoding by the
 * requirement parser/planner the enrollment uses (planned without a CSR config and with one that fills every subject key,
 * subjectAltName type and extension, as an RFC 9908 template may ask). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csrconf.h"
#include "csrreq.h"
#include "rc.h"

static const char conf_text[] =
	"countryName=US\nstateOrProvinceName=CA\nlocalityName=MV\norganizationName=O\n"
	"organizationalUnitName=U1\norganizationalUnitName=U2\ncommonName=dev\n"
	"serialNumber=42\nemailAddress=a@example.com\nisCA=false\n"
	"keyUsage=digitalSignature\nextendedKeyUsage=clientAuth\nmacAddress=02:00:00:00:00:01\n"
	"subjectAltNames=4; a@example.com, 1; a.example.com, 2; urn:x, 6; 192.0.2.1, 7\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

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
			hwe_err_clear();
			{
				static struct hwe_csrconf *conf;

				if (!conf && hwe_csrconf_parse("fuzz.conf", conf_text, sizeof(conf_text) - 1,
							       &conf) != HWE_OK)
					abort();
				if (hwe_csrreq_plan(&r, conf, NULL, &p) == HWE_OK) {
					/* what the plan builds encodes */
					if (p.subject && i2d_X509_NAME(p.subject, NULL) <= 0)
						abort();
					hwe_csrreq_plan_clear(&p);
				}
			}
			hwe_csrreq_clear(&r);
		} else if (r.n || r.items || !hwe_err_pending()) {
			abort();
		}
		hwe_err_clear();
	}
	return 0;
}
