/* SPDX-License-Identifier: BSD-3-Clause */
/* csrconf-check.h - value checkers of the CSR config parser (csrconf.c):
 * UTF-8, numbers, e-mail, DNS names, URIs, IP addresses, OIDs. */
#ifndef HWE_CSRCONF_CHECK_H
#define HWE_CSRCONF_CHECK_H

#include <stddef.h>

/* cc_utf8_check results */
enum { U_OK, U_BADUTF8, U_CONTROL };

long cc_parse_num(const char *p, size_t n, long max);
int cc_utf8_check(const char *s, size_t n, size_t *nchars, size_t *bad);
int cc_is_printable_string_char(char c);
int cc_is_alpha(char c);
int cc_valid_email(const char *p, size_t n);
int cc_valid_dns(const char *p, size_t n);
int cc_valid_uri(const char *p, size_t n);
int cc_valid_ip(const char *p, size_t n);
int cc_valid_oid(const char *s);

#endif
