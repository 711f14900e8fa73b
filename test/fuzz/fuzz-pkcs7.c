/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz-pkcs7.c - libFuzzer harness: base64 (OpenSSL's) and certs-only PKCS#7 decoding. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "pkcs7.h"
#include "rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
	NULL, "application/pkcs7-mime", "application/pkcs7-mime; smime-type=certs-only",
	"application/x-pkcs7-mime", "text/plain",
};

/* Whatever decodes must re-encode to the input's non-blank characters
 * (except the character before the padding: OpenSSL does not check that
 * the bits the padding drops are zero), and re-decode to the same bytes. */
static void check_base64(const uint8_t *data, size_t size)
{
	unsigned char *bin = NULL, *again = NULL;
	size_t binlen = 0, againlen = 0, i, j = 0, k, last = 0;
	char *text = NULL, *nb = malloc(size + 1);

	if (!nb)
		return;
	if (hwe_base64_decode((const char *)data, size, &bin, &binlen) != HWE_OK) {
		if (!hwe_err_pending() || bin)
			abort();
		hwe_err_clear();
		free(nb);
		return;
	}
	if (hwe_base64_encode(bin, binlen, &text, NULL) != HWE_OK)
		abort();
	for (i = 0; i < size; i++)
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n')
			nb[j++] = (char)data[i];
	/* the last character that carries bits */
	for (last = j; last > 0 && nb[last - 1] == '='; last--)
		;
	for (i = 0, k = 0; i < j; i++, k++) {
		while (text[k] == '\n')
			k++;
		if (text[k] != nb[i] && !(i + 1 == last && last < j))
			abort();
	}
	while (text[k] == '\n')
		k++;
	if (text[k] != '\0' || j == 0)
		abort();
	if (hwe_base64_decode(text, strlen(text), &again, &againlen) != HWE_OK ||
	    againlen != binlen || memcmp(again, bin, binlen) != 0)
		abort();
	free(again);
	free(text);
	free(bin);
	free(nb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = NULL;
	char *pem = NULL, *ct;
	size_t pemlen = 0;
	int rc;

	check_base64(data, size);

	rc = hwe_pkcs7_decode_certs(content_types[size % 5], data, size, &certs);
	if (rc == HWE_OK) {
		if (sk_X509_num(certs) < 1)
			abort();
		if (hwe_certs_to_pem(certs, 0, -1, &pem, &pemlen) != HWE_OK || strlen(pem) != pemlen)
			abort();
		free(pem);
		sk_X509_pop_free(certs, X509_free);
	} else if (certs || !hwe_err_pending()) {
		abort();
	}
	hwe_err_clear();

	/* the input as a Content-Type header value */
	if (size < 512) {
		ct = malloc(size + 1);
		if (!ct)
			return 0;
		memcpy(ct, data, size);
		ct[size] = '\0';
		rc = hwe_pkcs7_decode_certs(ct, (const unsigned char *)"", 0, &certs);
		if (rc == HWE_OK || certs)
			abort();
		hwe_err_clear();
		free(ct);
	}
	return 0;
}
