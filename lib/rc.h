/* SPDX-License-Identifier: BSD-3-Clause */
/* rc.h - stable result codes and the one error record printed at the top.
 *
 * Every function that can fail returns an int: HWE_OK (0) or one of the
 * exit classes below, which are also the process exit codes (documented in
 * hwenroll(1)).  The layer that sees the failure records it with hwe_err();
 * a layer above passes the code up, or records what it was doing on top of
 * it when that tells the user more (a stack: the cause stays underneath).
 * Outcomes that are not failures (an absent optional file, a pending 202)
 * are return values, never recorded errors.  main() prints the top error
 * once, in the reference workflow's style, and its causes at INFO:
 *
 *   [HWENROLL-EST] ERROR: <what failed>. Status: -7629 (ERR_CERT_CHAIN_NO_TRUST_ANCHOR)
 *   [HWENROLL-EST] HINT: <the fix>
 */
#ifndef HWE_RC_H
#define HWE_RC_H

#include <stddef.h>

enum hwe_exit {
	HWE_OK = 0,
	HWE_EXIT_INTERNAL = 1,   /* out of memory, unexpected library failure */
	HWE_EXIT_USAGE = 2,      /* command line: unknown/missing/conflicting option, bad URL */
	HWE_EXIT_INPUT = 3,      /* an input file: CSR config, CA file, PIN file, config file */
	HWE_EXIT_NETWORK = 4,    /* connect, DNS, timeout, connection lost */
	HWE_EXIT_TLS = 5,        /* server not trusted, wrong host name, handshake failed */
	HWE_EXIT_AUTH = 6,       /* 401 after credentials, none given, unsupported scheme */
	HWE_EXIT_REFUSED = 7,    /* server said no: 4xx/5xx, redirect elsewhere */
	HWE_EXIT_PENDING = 8,    /* 202: still pending after the wait limit (resume later) */
	HWE_EXIT_RESPONSE = 9,   /* response unreadable: content type, base64, PKCS#7, size */
	HWE_EXIT_CERT = 10,      /* issued certificate rejected: key, chain, validity, subject */
	HWE_EXIT_KEY = 11,       /* key backend: TPM, token or key file */
	HWE_EXIT_KEYSTORE = 12,  /* keystore I/O, permissions, lock, missing alias */
	HWE_EXIT_HOOK = 13,      /* the deploy hook failed or timed out (the new certificate is kept) */
	HWE_EXIT_DUE = 14,       /* renew --check: an alias is due for renewal */
	HWE_EXIT_EXPIRED = 15,   /* renew --check: a certificate is expired, not yet valid or unreadable */
	HWE_EXIT_PROFILE = 16,  /* renew: an alias has no enrollment profile */
};

/* Status names and numbers shown after "Status:".  Where the reference
 * workflow (TrustEdge) has a name for the same failure, we use its name and
 * number so existing runbooks still match. */
#define HWE_STATUS_LIST(X) \
	X(ERR_GENERAL,                     -1000) \
	X(ERR_NO_MEMORY,                   -1001) \
	X(ERR_USAGE,                       -1100) \
	X(ERR_BAD_URI,                     -1101) \
	X(ERR_FILE_OPEN_FAILED,            -7201) \
	X(ERR_FILE_READ_FAILED,            -7202) \
	X(ERR_FILE_PERMISSIONS,            -7203) \
	X(ERR_CONFIG_SYNTAX,               -7210) \
	X(ERR_CSR_ATTRS,                   -7220) \
	X(ERR_NETWORK_CONNECT,             -7301) \
	X(ERR_NETWORK_TIMEOUT,             -7302) \
	X(ERR_NETWORK_IO,                  -7303) \
	X(ERR_PROXY,                       -7304) \
	X(ERR_HTTP_UNAUTHORIZED,           -7401) \
	X(ERR_HTTP_AUTH_SCHEME,            -7402) \
	X(ERR_HTTP_STATUS,                 -7403) \
	X(ERR_HTTP_REDIRECT,               -7404) \
	X(ERR_EST_PENDING,                 -7405) \
	X(ERR_EST_RESPONSE,                -7501) \
	X(ERR_EST_RESPONSE_TOO_LARGE,      -7502) \
	X(ERR_CERT_CHAIN_NO_TRUST_ANCHOR,  -7629) \
	X(ERR_CERT_HOSTNAME_MISMATCH,      -7630) \
	X(ERR_TLS_HANDSHAKE,               -7631) \
	X(ERR_TLS_NO_SHARED_GROUP,         -7632) \
	X(ERR_PROXY_CERT,                  -7633) \
	X(ERR_CERT_KEY_MISMATCH,           -7640) \
	X(ERR_CERT_EXPIRED,                -7641) \
	X(ERR_CERT_NOT_YET_VALID,          -7642) \
	X(ERR_CERT_SUBJECT_CHANGED,        -7643) \
	X(ERR_KEY_BACKEND,                 -7700) \
	X(ERR_KEY_NOT_FOUND,               -7701) \
	X(ERR_KEY_UNSUPPORTED,             -7702) \
	X(ERR_TPM,                         -7710) \
	X(ERR_PKCS11,                      -7720) \
	X(ERR_KEYSTORE_IO,                 -7800) \
	X(ERR_KEYSTORE_PERMISSIONS,        -7801) \
	X(ERR_KEYSTORE_LOCKED,             -7802) \
	X(ERR_KEYSTORE_NO_ALIAS,           -7803) \
	X(ERR_KEYSTORE_JOURNAL,            -7804) \
	X(ERR_KEYSTORE_NO_PROFILE,         -7805) \
	X(ERR_HOOK_FAILED,                 -7900) \
	X(ERR_RENEW_DUE,                   -7910) \
	X(ERR_RENEW_EXPIRED,               -7911)

enum hwe_status {
#define HWE_STATUS_ENUM(name, num) HWE_##name,
	HWE_STATUS_LIST(HWE_STATUS_ENUM)
#undef HWE_STATUS_ENUM
	HWE_STATUS_COUNT
};

#if defined(__GNUC__)
#define HWE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HWE_PRINTF(f, a)
#endif

/* Record an error on top of the stack (the errors already recorded become
 * its causes) and return ex, so that
 * `return hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "...");` works. */
int hwe_err(enum hwe_exit ex, enum hwe_status st, const char *fmt, ...) HWE_PRINTF(3, 4);
/* hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory"): a failed
 * allocation, recorded in one place */
int hwe_err_oom(void);
/* Record what the caller was doing on top of the recorded error:
 * "<what>: <the top's message>", with the top's exit class and status (its
 * hint stays the one shown).  Returns that exit class (HWE_EXIT_INTERNAL if
 * nothing was recorded: a bug, recorded as such). */
int hwe_err_context(const char *fmt, ...) HWE_PRINTF(1, 2);
/* Attach the fix to the top error (only if none is attached yet). */
void hwe_err_hint(const char *fmt, ...) HWE_PRINTF(1, 2);
/* Append OpenSSL's error queue (first reason) to the message of the recorded
 * error and clear the queue; returns ex for convenience. */
int hwe_err_ossl(enum hwe_exit ex, enum hwe_status st, const char *what);
int hwe_err_pending(void);            /* nonzero if an error is recorded */
enum hwe_exit hwe_err_code(void);     /* the top error's */
enum hwe_status hwe_err_status(void);
const char *hwe_err_message(void);
const char *hwe_err_hint_text(void);  /* the top's hint, else the nearest cause's; NULL if none */
size_t hwe_err_depth(void);           /* errors on the stack */
/* The i-th recorded error, 0 = the innermost cause; NULL past the top. */
const char *hwe_err_cause(size_t i, enum hwe_status *st);
/* Forget every recorded error: the caller has handled the failure (turned
 * it into a warning, or into one alias's result of renew --all). */
void hwe_err_clear(void);
const char *hwe_status_name(enum hwe_status st);
int hwe_status_number(enum hwe_status st);
const char *hwe_exit_name(enum hwe_exit ex);  /* "usage", "network", ... */
/* An outcome that is not an error (a pending request), printed in the
 * error's format with its own tag: "[HWENROLL-EST] <tag>: <msg>. Status:
 * <n> (<NAME>)" and the hint line. */
void hwe_report(const char *tag, enum hwe_status st, const char *msg, const char *hint);
/* Print the top error and its hint once (to stderr), then each cause at
 * INFO, outermost first; no-op if none. */
void hwe_err_print(void);

#endif
