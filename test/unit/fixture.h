/* SPDX-License-Identifier: BSD-3-Clause */
/* fixture.h - what the unit tests build over and over: keys, certificates,
 * parsed CSR configs, and the check that a call failed with a given exit
 * class, status and message.  Every helper asserts (cmocka) instead of
 * returning NULL, so a test reads as the scenario it sets up. */
#ifndef HWE_TEST_FIXTURE_H
#define HWE_TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "csrconf.h"
#include "rc.h"

/* rc must be exit class ex with the recorded error's status st and a
 * message containing sub; prints what was recorded otherwise.  The record
 * stays (for checks of its hint); fx_consume_err() clears it afterwards. */
#define fx_assert_err(rc, ex, st, sub) do { \
	int rc_ = (rc); \
	if (rc_ != (int)(ex) || hwe_err_status() != (st) || !strstr(hwe_err_message(), (sub))) \
		print_error("rc %d status %s message '%s' (want %d, %s, '%s')\n", rc_, \
			    hwe_status_name(hwe_err_status()), hwe_err_message(), (int)(ex), \
			    hwe_status_name(st), (sub)); \
	assert_int_equal(rc_, (ex)); \
	assert_int_equal(hwe_err_code(), (ex)); \
	assert_int_equal(hwe_err_status(), (st)); \
	assert_non_null(strstr(hwe_err_message(), (sub))); \
} while (0)
#define fx_consume_err(rc, ex, st, sub) do { \
	fx_assert_err(rc, ex, st, sub); \
	hwe_err_clear(); \
} while (0)

/* A new key: fx_key("EC", "P-256"), fx_key("RSA", "2048"), fx_key("ED25519", NULL). */
EVP_PKEY *fx_key(const char *type, const char *param);

struct fx_ext {
	int nid;           /* 0 ends the list */
	const char *value; /* in openssl x509v3_config(5) syntax, e.g. "critical,CA:TRUE" */
};

/* What fx_cert() builds: a v3 certificate. */
struct fx_cert {
	const char *const *name; /* subject as field, value pairs ("CN", "dev", ...), NULL-ended */
	int one_rdn;             /* all fields in one multi-valued RDN */
	EVP_PKEY *pub;           /* the subject key (NULL: a new P-256 key, also the signer) */
	X509 *issuer;            /* NULL: self-issued */
	EVP_PKEY *sign_key;      /* NULL: pub (self-signed) */
	long serial;             /* 0: the next of a process-wide counter */
	long not_before;         /* seconds from now */
	long not_after;          /* seconds from now; 0 means one hour */
	struct fx_ext ext[8];
};

X509 *fx_cert(const struct fx_cert *spec);

/* The CSR config text parsed as file "t.conf" (must parse). */
struct hwe_csrconf *fx_conf(const char *text);

#endif
