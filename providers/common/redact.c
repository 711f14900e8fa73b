/* SPDX-License-Identifier: BSD-3-Clause */
/* redact.c - hide pin-value in pkcs11: URIs (see redact.h). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "redact.h"

#define KEY "pin-value="
#define KEYLEN (sizeof(KEY) - 1)

/* end of a pin-value value starting at p */
static const char *value_end(const char *p, int text)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '&')
			break;
		if (text && (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\^`{|}", c)))
			break;
	}
	return p;
}

/* append at most len bytes of s to buf[*o], keeping room for the NUL */
static void put(char *buf, size_t buflen, size_t *o, const char *s, size_t len)
{
	if (len > buflen - 1 - *o)
		len = buflen - 1 - *o;
	memcpy(buf + *o, s, len);
	*o += len;
}

static const char *redact(const char *in, char *buf, size_t buflen, int text)
{
	const char *p = in ? in : "";
	size_t o = 0;

	if (!buf || buflen == 0)
		return buf;
	while (*p && o + 1 < buflen) {
		/* anywhere, any case: over-redacting a look-alike is harmless */
		if (strncasecmp(p, KEY, KEYLEN) != 0) {
			buf[o++] = *p++;
			continue;
		}
		put(buf, buflen, &o, p, KEYLEN);
		put(buf, buflen, &o, HWE_REDACTED, sizeof(HWE_REDACTED) - 1);
		p = value_end(p + KEYLEN, text);
	}
	buf[o] = '\0';
	return buf;
}

const char *hwe_redact_uri(const char *uri, char *buf, size_t buflen)
{
	return redact(uri, buf, buflen, 0);
}

const char *hwe_redact_text(const char *text, char *buf, size_t buflen)
{
	return redact(text, buf, buflen, 1);
}
