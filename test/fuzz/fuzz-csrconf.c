/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-csrconf.c - libFuzzer harness: CSR config parser, and the builder on whatever it accepts. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "csr.h"
#include "csrconf.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	struct hwe_csrconf *c = NULL;
	X509_REQ *req = NULL;
	int rc;

	if (!key && !(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")))
		abort();
	rc = hwe_csrconf_parse("fuzz.conf", (const char *)data, size, &c);
	/* an error always comes with a recorded message and no result */
	if (rc != HWE_OK && (!hwe_err_pending() || c))
		abort();
	/* whatever the parser accepts, the builder must turn into a request:
	 * the parser's checks are the only validation users see */
	if (rc == HWE_OK && hwe_csr_build(c, key, NULL, &req) != HWE_OK)
		abort();
	X509_REQ_free(req);
	hwe_csrconf_free(c);
	hwe_err_clear();
	return 0;
}
