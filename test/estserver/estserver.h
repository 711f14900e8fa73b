/* SPDX-License-Identifier: BSD-3-Clause */
/* estserver.h - shared state of the test EST CA server (hwe-estserver). */
#ifndef HWE_ESTSERVER_H
#define HWE_ESTSERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#define EST_MAX_HEADER (16 * 1024)
#define EST_MAX_BODY (1024 * 1024)
#define EST_REALM "hwe-est"

enum est_auth { EST_AUTH_BASIC, EST_AUTH_DIGEST };

/* --fault NAME; FAULT_NONE when absent. */
enum est_fault {
	FAULT_NONE,
	FAULT_CLOSE_HANDSHAKE,	/* accept TCP, close before TLS completes */
	FAULT_WRONG_HOST,	/* server cert only for DNS:wrong.example */
	FAULT_UNTRUSTED,	/* server cert from a CA not written to DIR */
	FAULT_STATUS,		/* every EST request -> fault_status */
	FAULT_RETRY_AFTER,	/* 503 + Retry-After: fault_arg */
	FAULT_STALL,		/* read the request, never answer */
	FAULT_HUGE_BODY,	/* 200 with a 50 MiB body */
	FAULT_TRUNCATED,	/* Content-Length larger than the body, close */
	FAULT_CONTENT_TYPE,	/* right body, Content-Type: fault_arg */
	FAULT_BAD_BASE64,	/* body is not base64 */
	FAULT_NOT_PKCS7,	/* base64 of DER that is not PKCS#7 */
	FAULT_EMPTY_PKCS7,	/* certs-only PKCS#7 without certificates */
	FAULT_WRONG_KEY,	/* issued cert carries a fresh key */
	FAULT_UNCHAINED,	/* issued by a CA not in ca.pem */
	FAULT_EXPIRED,		/* issued notAfter in the past */
	FAULT_NOT_YET_VALID,	/* issued notBefore in the future */
	FAULT_SUBJECT_CHANGE,	/* reenroll: issued subject != CSR subject */
	FAULT_REDIRECT,		/* 302 to https://elsewhere.invalid/... */
	FAULT_AUTH_SCHEME,	/* 401 with only a Bearer challenge */
};

struct pending_entry {
	unsigned char key_hash[32];	/* SHA-256 of the CSR's SubjectPublicKeyInfo */
	int count;			/* requests answered 202 so far */
	struct pending_entry *next;
};

struct est_server {
	/* configuration (read-only after start) */
	const char *dir;
	int port;
	const char *user;
	char *pass;
	enum est_auth auth;
	int require_client_cert;
	int pending;
	const char *retry_after;
	int separate_tls_ca;
	int validity_days;
	int validity_seconds;		/* > 0: issued certs live this long from now */
	int key_rsa;
	int chain;
	int tls_min;			/* TLS1_2_VERSION (default) or TLS1_3_VERSION */
	int tls_max;			/* 0, TLS1_2_VERSION or TLS1_3_VERSION */
	const char *groups;		/* --groups LIST or NULL (OpenSSL defaults) */
	char dhe_group[16];		/* first ffdheNNNN in LIST: TLS 1.2 DHE with it; "" = no DHE */
	const char *sigalgs;		/* --sigalgs LIST or NULL (OpenSSL defaults) */
	int csrattrs_empty;
	unsigned char *csrattrs_der;	/* what /csrattrs answers (built-in or --csrattrs) */
	size_t csrattrs_len;
	struct csrattrs *csrattrs;	/* csrattrs_der parsed (csrattrs.c) */
	int enforce_csrattrs;		/* --enforce-csrattrs */
	int require_pop;		/* --require-pop */
	int require_attestation;	/* --require-attestation */
	X509_STORE *attest_store;	/* --attestation-ca: trusts only the AK's CA */
	int log_csr;			/* --log-csr */
	char *bearer;			/* --bearer / --bearer-file token, or NULL */
	int b64_oneline;		/* base64 bodies without line breaks */
	enum est_fault fault;
	int fault_status;
	const char *fault_arg;
	const char *fault_op;		/* NULL: the fault hits every EST operation */
	const char *pending_op;		/* --pending-op: NULL, both enroll operations */

	/* PKI material (read-only after start) */
	EVP_PKEY *ca_key;
	X509 *ca_cert;			/* the EST CA: ca.pem */
	EVP_PKEY *other_key;
	X509 *other_cert;		/* --fault unchained: a CA not in ca.pem */
	SSL_CTX *ssl_ctx;
	X509_STORE *client_store;	/* trusts only the EST CA */
	char digest_nonce[33];
	char digest_opaque[33];

	/* shared mutable state, under lock */
	pthread_mutex_t lock;
	FILE *log;
	unsigned long conn_count;
	struct pending_entry *pending_list;
};

/* One TLS connection, owned by its thread. */
struct est_conn {
	struct est_server *srv;
	int fd;
	SSL *ssl;
	unsigned long number;		/* conn=N */
	unsigned long requests;		/* req=N of the current request */
	X509 *client_cert;		/* peer certificate or NULL */
	int client_verified;		/* client_cert chains to the EST CA */
	char client_name[256];		/* oneline subject or "-" */
	char tls_proto[16];		/* negotiated version, e.g. "TLSv1.3" */
	char tls_group[32];		/* key exchange group, e.g. "P-256", or "-" */
	char buf[EST_MAX_HEADER + 4096];
	size_t have;			/* bytes in buf */
};

/* A parsed HTTP request. */
struct http_req {
	char method[16];
	char path[2048];		/* without query string */
	int minor;			/* HTTP/1.minor */
	int keep_alive;
	int expect_continue;		/* Expect: 100-continue */
	long content_length;		/* -1 if absent */
	char content_type[256];
	char authorization[2048];
	unsigned char *body;
	size_t body_len;
	char user[128];			/* authenticated user name for the log, or "" */
	const char *pop;		/* log pop=: "ok", "bad" or NULL ("-", not checked) */
	const char *attrs;		/* log attrs=: "ok", "missing" or NULL ("-") */
	const char *attest;		/* log attest=: "ok" or the refusal's word, NULL ("-") */
	char csr[17];			/* log csr= (--log-csr): SHA-256 of the CSR DER, 16 hex, or "" */
};

/* A response under construction. */
struct http_resp {
	int status;
	char headers[1024];		/* extra header lines, each ending in \r\n */
	char content_type[256];		/* "" = no Content-Type */
	unsigned char *body;		/* malloc'd */
	size_t body_len;
	long fake_length;		/* >= 0: advertise this Content-Length (truncated fault) */
	int close;			/* close the connection after this response */
	int stall;			/* never answer */
	int huge;			/* stream a 50 MiB body */
};

/* pki.c */
int pki_setup(struct est_server *srv);
int pki_bootstrap(struct est_server *srv, const char *name);
int pki_key_hash(X509_REQ *req, unsigned char out[32]);
X509 *pki_issue(struct est_server *srv, X509_REQ *req, enum est_fault fault, int attested);
int pki_certs_only(X509 **certs, int n, unsigned char **der, size_t *len);
int pki_verify_client(struct est_server *srv, SSL *ssl, X509 **cert_out);
int pki_san_equal(X509_REQ *req, X509 *cert);
char *b64_encode(const unsigned char *in, size_t len, int oneline, size_t *outlen);
unsigned char *b64_decode(const unsigned char *in, size_t len, size_t *outlen);
int write_file_atomic(const char *dir, const char *name, const char *data,
		      size_t len, int mode);

/* csrattrs.c */
struct csrattrs;
int csrattrs_load(struct est_server *srv, const char *arg, char *err, size_t errlen);
void csrattrs_free(struct csrattrs *ca);
int csrattrs_enforce(const struct csrattrs *ca, X509_REQ *req, char **text);

/* pop.c */
#define POP_BINDING_MAX 64
int pop_check(struct est_conn *c, X509_REQ *req, char *msg, size_t msglen);
int pop_binding(SSL *ssl, unsigned char *out, size_t *len, const char **type);

/* attest.c */
#define ATTEST_POLICY_OID "1.3.6.1.4.1.32473.1.13.1"
int attest_load_ca(struct est_server *srv, const char *file, char *err, size_t errlen);
int attest_check(struct est_conn *c, X509_REQ *req, char *msg, size_t msglen, const char **logword);

/* est.c */
int est_b64token(const char *s);
void est_handle(struct est_conn *c, struct http_req *rq, struct http_resp *rs);

/* conn.c */
int conn_tls_policy(const struct est_server *srv, SSL_CTX *ctx);
void *conn_thread(void *arg);
void resp_text(struct http_resp *rs, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void resp_header(struct http_resp *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
