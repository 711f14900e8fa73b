/* SPDX-License-Identifier: BSD-3-Clause */
/* http.h - the HTTPS transport (libcurl, OpenSSL): one session per command.
 *
 * Rules kept here: https only; TLS 1.2 or later; the server is verified
 * against the given trust anchors only (never the system store, never
 * turned off) and its identity against the URL host or cfg->server_name;
 * credentials only answer a 401 challenge (Basic or Digest), on the same
 * connection, once; redirects are followed only within the same origin
 * and never carry credentials elsewhere; bodies are size-limited; every
 * exchange is logged at INFO (method, URL, status) and DEBUG (headers
 * without Authorization).  TLS client authentication uses cfg->client_key
 * (any provider's EVP_PKEY) through CURLOPT_SSL_CTX_FUNCTION.
 *
 * A Bearer token (cfg->token) answers only a 401 that offers Bearer, like
 * the password.  An HTTP(S) proxy (cfg->proxy, else https_proxy/all_proxy
 * minus no_proxy, see http-proxy.c) is always a CONNECT tunnel: EST
 * credentials travel inside the EST server's TLS, proxy credentials
 * (cfg->proxy_user/pass) only to the proxy.  An https:// proxy's own TLS
 * connection is verified against the system store or cfg->proxy_cacert and
 * never gets the client certificate or the <ks>/ca/ trust: ssl_ctx_cb
 * tells the two SSL_CTXs apart (see there).
 */
#ifndef HWE_HTTP_H
#define HWE_HTTP_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define HWE_HTTP_DEFAULT_CONNECT_TIMEOUT_S 15
#define HWE_HTTP_DEFAULT_TIMEOUT_S 60
#define HWE_HTTP_DEFAULT_MAX_BODY (1024 * 1024)

struct hwe_http_cfg {
	STACK_OF(X509) *trust;      /* trust anchors for the server (required, may be empty -> error) */
	const char *server_name;    /* identity to check instead of the URL host (--estc-server-dn), or NULL */
	const char *user;           /* answer a 401 with these; NULL = no credentials */
	const char *pass;
	EVP_PKEY *client_key;       /* TLS client auth, or NULL */
	X509 *client_cert;
	STACK_OF(X509) *client_chain;   /* extra certs to send, or NULL */
	long connect_timeout_s;     /* 0 = default */
	long timeout_s;             /* whole request incl. transfer; 0 = default */
	size_t max_body;            /* 0 = default */
	const char *trust_dir;      /* where trust came from ("<ks>/ca/"), for messages; may be NULL */
	const char *tls_groups;     /* key-exchange groups to offer ("P-256:X25519"), NULL = OpenSSL's */
	const char *token;          /* Bearer access token answering a 401 that offers Bearer, or NULL */
	const char *proxy;          /* proxy URL (--proxy, https_proxy/all_proxy, config), NULL or "" = none */
	const char *proxy_source;   /* where cfg->proxy came from, for messages ("--proxy", "https_proxy") */
	int proxy_from_env;         /* it came from the environment: no_proxy applies */
	const char *no_proxy;       /* no_proxy/NO_PROXY, or NULL */
	const char *no_proxy_source;
	const char *proxy_user;     /* proxy credentials (answer a 407), or NULL */
	const char *proxy_pass;
	const char *proxy_cacert;   /* trust for an https:// proxy (its name, for messages), NULL = the system store */
	const void *proxy_ca_pem;   /* ... its PEM, read and checked by the caller (curl gets a copy) */
	size_t proxy_ca_len;
};

struct hwe_http;

struct hwe_http_resp {
	long status;
	char *content_type;         /* header values of the final response (curl_easy_header), */
	char *transfer_encoding;    /* malloc'd, NULL if absent: Content-Transfer-Encoding */
	char *retry_after;
	char *www_authenticate;     /* all challenges, joined with ", " */
	unsigned auth_schemes;      /* HWE_AUTH_* the server offered (CURLINFO_HTTPAUTH_AVAIL) */
	unsigned char *body;
	size_t len;
	int creds_given;            /* the session has credentials (cfg->pass set) */
	int creds_sent;             /* an Authorization header was sent: a 401 means "rejected" */
	int token_given;            /* the session has a Bearer token (cfg->token set) */
	int token_sent;             /* the Authorization header sent was "Bearer ..." */
};

/* The config (and everything it points to) must outlive the session. */
int hwe_http_new(const struct hwe_http_cfg *cfg, struct hwe_http **out);
void hwe_http_free(struct hwe_http *h);

/* One request (plus the 401 retry and same-origin redirects).  Returns
 * HWE_OK with any HTTP status in resp->status; transport and TLS failures
 * are recorded (network / TLS trust exit codes).  A 401 after credentials
 * were sent, or with no usable scheme, is returned as status 401 for the
 * caller to classify.  resp is overwritten (not freed): clear it with
 * hwe_http_resp_clear() before reusing it.  Only GET and POST. */
int hwe_http_request(struct hwe_http *h, const char *method, const char *url,
		     const char *content_type, const void *body, size_t len,
		     struct hwe_http_resp *resp);
void hwe_http_resp_clear(struct hwe_http_resp *resp);

/* Check a --tls-groups list ("P-256:P-384", OpenSSL group names separated
 * by ':') before anything is sent: a usage error names the first name
 * OpenSSL does not know. */
int hwe_http_check_groups(const char *list);

/* The channel binding of a TLS connection (RFC 5929 tls-unique on TLS 1.2:
 * the first Finished message of its handshake; RFC 9266 tls-exporter on
 * TLS 1.3: 32 bytes exported with the label "EXPORTER-Channel-Binding"
 * and no context). */
struct hwe_http_binding {
	const char *type;           /* "tls-unique" or "tls-exporter" */
	unsigned char data[64];
	size_t len;
};
/* The binding of the most recent handshake of this session (the
 * connection curl keeps for the next request); HWE_EXIT_TLS if there is
 * none.  Records no error when none: the caller says what it needed. */
int hwe_http_channel_binding(const struct hwe_http *h, struct hwe_http_binding *out);

/* --- pure parsers (http-parse.c: unit tested, fuzzed) ---
 * They record NO error: the caller decides what a malformed header means
 * (e.g. 202 + bad Retry-After is "pending", not "invalid response"). */

/* Retry-After: delta-seconds (digits only) or an HTTP-date, read by
 * curl_getdate() as libcurl reads it.  *delay_s = seconds from now (0 if
 * the date is past); HWE_EXIT_RESPONSE if malformed or negative; huge
 * values are clamped to LONG_MAX. */
int hwe_http_parse_retry_after(const char *value, time_t now, long *delay_s);

#define HWE_AUTH_BASIC  0x1u
#define HWE_AUTH_DIGEST 0x2u
#define HWE_AUTH_BEARER 0x8u   /* RFC 6750: answered only with a configured token */

/* The error="..." parameter of the Bearer challenge in a WWW-Authenticate
 * value (RFC 6750 3: invalid_token, insufficient_scope, ...), copied into
 * out (sanitized) when it is a plain token; 0 if found, -1 otherwise. */
int hwe_http_bearer_error(const char *value, char *out, size_t outlen);

/* Is a token a valid RFC 6750 b64token (what a Bearer header may carry)? */
int hwe_http_token_ok(const char *token);

/* --- proxy selection (http-proxy.c) --- */
struct hwe_http_proxy {
	char *url;                  /* what curl is given (may hold user:pass@), NULL = no proxy */
	char *shown;                /* scheme://host:port, for messages */
	char *hostport;             /* host:port */
	const char *source;         /* "--proxy", "https_proxy", ... */
	int https;                  /* an https:// proxy: TLS to the proxy itself */
	int has_userinfo;           /* the URL carries user[:password]@ */
};
/* The proxy for a request to `host` (a URL host, IPv6 in brackets):
 * `proxy` (from `source`; the option resolver takes --proxy, else the
 * environment as libcurl 7.88 reads it for an https URL - https_proxy,
 * HTTPS_PROXY, all_proxy, ALL_PROXY -, else the config file).  One from the
 * environment is not used for a host that `no_proxy` (no_proxy/NO_PROXY,
 * named by no_proxy_source) matches.  Only http:// and
 * https:// proxies (no scheme = http://); others are a usage error naming
 * the source.  drop_userinfo: remove user:password@ from the URL (other
 * proxy credentials are given).  p->url == NULL: no proxy; *excluded
 * names the no_proxy variable that excluded the host (NULL otherwise). */
int hwe_http_proxy_pick(const char *proxy, const char *source, int from_env, const char *no_proxy,
			const char *no_proxy_source, const char *host, int drop_userinfo,
			struct hwe_http_proxy *p, const char **excluded);
void hwe_http_proxy_clear(struct hwe_http_proxy *p);
/* Does `host` match a no_proxy list ("*", or names/domains/IPs/CIDRs
 * separated by ',' or blanks, as libcurl reads it)?  Pure, unit tested. */
int hwe_http_noproxy_match(const char *list, const char *host);

#endif
