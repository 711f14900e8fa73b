/* SPDX-License-Identifier: BSD-3-Clause */
/* redact.h - the one place that hides a PIN in a pkcs11: URI before it is
 * shown: shared by the hwenroll-pkcs11 provider (its error messages) and
 * hwenroll (errors, hints, INFO/DEBUG lines, show, --json). */
#ifndef HWE_REDACT_H
#define HWE_REDACT_H

#include <stddef.h>

#define HWE_REDACTED "REDACTED"

/* Copy the URI uri into buf (always NUL-terminated, cut to buflen - 1)
 * with the value of every pin-value query attribute replaced by REDACTED:
 * "pkcs11:token=t?pin-value=1234&x=y" -> "pkcs11:token=t?pin-value=REDACTED&x=y".
 * The value runs to the next '&' or the end (RFC 7512 query syntax), so
 * no byte of it is copied, whatever it holds; truncation can only drop
 * text, never show PIN bytes.  pin-source (a file name) is kept.  Returns
 * buf.  uri NULL gives "". */
const char *hwe_redact_uri(const char *uri, char *buf, size_t buflen);

/* The same for free text that may embed a URI (a log line, an error from
 * a library): a pin-value value also ends at white space, a quote or any
 * other character that cannot be part of a URI.  A backstop for messages
 * not built with hwe_redact_uri() (it leaves "pin-value=REDACTED" as it is). */
const char *hwe_redact_text(const char *text, char *buf, size_t buflen);

#endif
