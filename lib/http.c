/* SPDX-License-Identifier: BSD-3-Clause */
/* http.c - HTTPS transport (libcurl + OpenSSL): trust, auth, limits, logging. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "log.h"
#include "ossl-fetch.h"
#include "rc.h"

#define MAX_REDIRECTS 3
#define MAX_HEADER_VALUE 8192      /* a longer header value (all joined) is ignored */
#define LOW_SPEED_TIME_S 30        /* a transfer below 1 byte/s for this long ends */
/* OpenSSL 3.0's default client group list (ssl/t1_lib.c supported_groups_default) */
#define DEFAULT_GROUPS "X25519:P-256:X448:P-521:P-384:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192"

struct hwe_http {
	const struct hwe_http_cfg *cfg;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	size_t max_body;
	int check_name;            /* cfg->server_name replaces the URL host check */
	/* per transfer */
	struct hwe_http_resp *resp;
	int too_large;
	int cb_failed;             /* the SSL_CTX callback recorded an error */
	char alert[64];            /* fatal TLS alert received from the server, or "" */
	int alert_version;         /* the connection's TLS version when it arrived */
	int cert_requested;        /* the server asked for a client certificate we lack */
	int server_hello;          /* a ServerHello (or HelloRetryRequest) arrived */
	char groups[160];          /* the groups our ClientHello offered ("X25519:P-256:...") */
	struct hwe_http_binding binding;   /* of the latest handshake (len 0: none) */
	long verify_err;           /* the first failure verifying the EST server's chain, or X509_V_OK */
	unsigned server_ctx;       /* SSL_CTX callbacks run for the EST server's TLS ... */
	unsigned proxy_ctx;        /* ... and for an https:// proxy's own TLS */
	int proxy_cert_requested;  /* the proxy asked for a client certificate (none is sent) */
	int proxy_auth_sent;       /* a Proxy-Authorization header went to the proxy */
	/* per session */
	struct hwe_http_proxy proxy;   /* the proxy of the origin below (url NULL: direct) */
	char *proxy_for;           /* the URL host the proxy was picked for */
	char *peer_host;           /* that host without IPv6 brackets: checked by OpenSSL */
};

static int ctx_index = -1;         /* SSL_CTX ex_data slot for our struct hwe_http */

void hwe_http_resp_clear(struct hwe_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->content_type);
	free(resp->transfer_encoding);
	free(resp->retry_after);
	free(resp->www_authenticate);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* Forget the response of a failed transfer, not what was sent. */
static void resp_reset(struct hwe_http_resp *r)
{
	int given = r->creds_given, sent = r->creds_sent;
	int tgiven = r->token_given, tsent = r->token_sent;

	hwe_http_resp_clear(r);
	r->creds_given = given;
	r->creds_sent = sent;
	r->token_given = tgiven;
	r->token_sent = tsent;
}

static int header_set(char **slot, const char *v, size_t len, int join)
{
	size_t old = *slot ? strlen(*slot) : 0;
	char *n;

	if (*slot && !join)
		return 0;                       /* keep the first */
	if (old + len + 3 > MAX_HEADER_VALUE)
		return 0;
	n = realloc(*slot, old + len + 3);
	if (!n)
		return -1;
	if (old) {
		memcpy(n + old, ", ", 2);
		old += 2;
	}
	memcpy(n + old, v, len);
	n[old + len] = '\0';
	*slot = n;
	return 0;
}

/* The value of header `name` in the final response of the transfer (all
 * of them joined with ", " if join, else the first) into *slot. */
static int header_get(struct hwe_http *h, const char *name, char **slot, int join)
{
	struct curl_header *hd;
	size_t i, amount = 1;

	for (i = 0; i < amount; i++) {
		if (curl_easy_header(h->curl, name, i, CURLH_HEADER, -1, &hd) != CURLHE_OK)
			break;
		amount = join ? hd->amount : 1;
		if (header_set(slot, hd->value, strlen(hd->value), join))
			return -1;
	}
	return 0;
}

/* The headers and offered auth schemes of the final response. */
static int resp_headers(struct hwe_http *h, struct hwe_http_resp *r)
{
	long avail = 0;

	if (header_get(h, "Content-Type", &r->content_type, 0) ||
	    header_get(h, "Content-Transfer-Encoding", &r->transfer_encoding, 0) ||
	    header_get(h, "Retry-After", &r->retry_after, 0) ||
	    header_get(h, "WWW-Authenticate", &r->www_authenticate, 1))
		return hwe_err_oom();
	if (r->status == 401 && curl_easy_getinfo(h->curl, CURLINFO_HTTPAUTH_AVAIL, &avail) == CURLE_OK)
		r->auth_schemes = ((avail & CURLAUTH_BASIC) ? HWE_AUTH_BASIC : 0) |
			((avail & CURLAUTH_DIGEST) ? HWE_AUTH_DIGEST : 0) |
			((avail & CURLAUTH_BEARER) ? HWE_AUTH_BEARER : 0);
	return HWE_OK;
}

/* A new response of the same transfer (the 401 before the authenticated
 * retry): only the final one's body counts.  The headers are read after
 * the transfer (curl_easy_header). */
static size_t header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct hwe_http *h = arg;
	size_t len = size * n;

	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		free(h->resp->body);
		h->resp->body = NULL;
		h->resp->len = 0;
	}
	return len;
}

static size_t write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct hwe_http *h = arg;
	struct hwe_http_resp *r = h->resp;
	size_t len = size * n;
	unsigned char *nb;

	if (len > h->max_body || r->len > h->max_body - len) {
		h->too_large = 1;
		return 0;                       /* CURLE_WRITE_ERROR */
	}
	nb = realloc(r->body, r->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, buf, len);
	r->len += len;
	nb[r->len] = '\0';                  /* handy for text bodies; len excludes it */
	r->body = nb;
	return len;
}

static int is_auth_header(const char *p, size_t len)
{
	return (len >= 14 && strncasecmp(p, "Authorization:", 14) == 0) ||
		(len >= 20 && strncasecmp(p, "Proxy-Authorization:", 20) == 0);
}

/* CURLOPT_VERBOSE detail at DEBUG: curl's info lines and header lines, with
 * any Authorization value redacted.  Bodies and TLS records are never shown.
 * Also notes whether credentials went out (a later 401 means "rejected"). */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct hwe_http *h = arg;
	const char *p = data, *end = data + size, *eol;
	char line[512];
	size_t len;

	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((eol ? eol : end) - p);
		if (type == CURLINFO_HEADER_OUT && is_auth_header(p, len)) {
			if (h->resp && (p[0] == 'A' || p[0] == 'a')) {
				size_t k = 14;      /* after "Authorization:" */

				h->resp->creds_sent = 1;
				while (k < len && (p[k] == ' ' || p[k] == '\t'))
					k++;
				if (len - k >= 7 && strncasecmp(p + k, "Bearer ", 7) == 0)
					h->resp->token_sent = 1;
			} else if (p[0] == 'P' || p[0] == 'p') {
				h->proxy_auth_sent = 1;
			}
			hwe_debug("> %.*s: [redacted]", (int)((const char *)memchr(p, ':', len) - p), p);
		} else if (len && hwe_log_enabled(HWE_LOG_DEBUG)) {
			hwe_sanitize(p, len, line, sizeof(line));
			if (line[0])
				hwe_debug("%s %s", type == CURLINFO_TEXT ? "*" :
					  type == CURLINFO_HEADER_IN ? "<" : ">", line);
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

static int is_ip_literal(const char *s)
{
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(s);

	if (!ip)
		return 0;
	ASN1_OCTET_STRING_free(ip);
	return 1;
}

/* Remember a fatal alert from the server: with TLS 1.3 its verdict on our
 * client certificate arrives after our side of the handshake is done, so
 * curl reports it as a read error. */
/* Keep the channel binding of a completed handshake (TLS 1.3 clients
 * also pass here after each session ticket: same value). */
static void keep_binding(struct hwe_http *h, const SSL *ssl)
{
	struct hwe_http_binding *b = &h->binding;

	b->len = 0;
	if (SSL_version(ssl) >= TLS1_3_VERSION) {
		b->type = "tls-exporter";
		if (SSL_export_keying_material((SSL *)ssl, b->data, 32, "EXPORTER-Channel-Binding",
					       strlen("EXPORTER-Channel-Binding"), NULL, 0, 0) == 1)
			b->len = 32;
	} else {
		/* the first Finished of the handshake: ours in a full handshake,
		 * the server's in a resumed one */
		b->type = "tls-unique";
		b->len = SSL_session_reused(ssl) ? SSL_get_peer_finished(ssl, b->data, sizeof(b->data)) :
			SSL_get_finished(ssl, b->data, sizeof(b->data));
		if (b->len > sizeof(b->data))
			b->len = 0;
	}
	ERR_clear_error();
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct hwe_http *h;

	if (where & SSL_CB_HANDSHAKE_DONE) {
		if ((h = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index)))
			keep_binding(h, ssl);
		return;
	}
	/* an alert we read, not one we sent (SSL_CB_WRITE_ALERT shares the
	 * SSL_CB_ALERT bit of SSL_CB_READ_ALERT) */
	if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT || (ret >> 8) != SSL3_AL_FATAL)
		return;
	h = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
	if (!h || h->alert[0])
		return;
	h->alert_version = SSL_version(ssl);
	/* OpenSSL 3.0 has no names for the TLS 1.3 alerts */
	if ((ret & 0xff) == 116)
		snprintf(h->alert, sizeof(h->alert), "certificate required");
	else if (strcmp(SSL_alert_desc_string_long(ret), "unknown") == 0)
		snprintf(h->alert, sizeof(h->alert), "alert %d", ret & 0xff);
	else
		snprintf(h->alert, sizeof(h->alert), "%s", SSL_alert_desc_string_long(ret));
}

/* Notes whether the server answered our ClientHello at all: a
 * "handshake failure" alert instead of a ServerHello means the server found
 * nothing it accepts among the groups, signature algorithms and cipher
 * suites we offered. */
/* The groups an SSL_CTX really offers, of `list` (':'-separated): a
 * group the context cannot use is refused by SSL_set1_groups_list. */
static void offered_groups(SSL_CTX *ctx, const char *list, char *out, size_t outlen)
{
	SSL *probe = SSL_new(ctx);
	char name[32];
	size_t n, used = 0;
	const char *p, *e;

	out[0] = '\0';
	for (p = list; probe && *p; p = e + (*e == ':')) {
		e = p + strcspn(p, ":");
		n = (size_t)(e - p);
		if (n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		if (SSL_set1_groups_list(probe, name) == 1 && used + n + 2 < outlen)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? ":" : "", name);
	}
	ERR_clear_error();
	SSL_free(probe);
}

/* Notes which groups our ClientHello offers, and whether the server
 * answered it at all: a "handshake failure" alert instead of a ServerHello
 * means the server found nothing it accepts among the groups, signature
 * algorithms and cipher suites we offered. */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	struct hwe_http *h = arg;
	const unsigned char *b = buf;

	(void)version;
	if (content_type != SSL3_RT_HANDSHAKE || len == 0)
		return;
	if (write_p && b[0] == SSL3_MT_CLIENT_HELLO && !h->groups[0]) {
		offered_groups(SSL_get_SSL_CTX(ssl), h->cfg->tls_groups && *h->cfg->tls_groups ?
			       h->cfg->tls_groups : DEFAULT_GROUPS, h->groups, sizeof(h->groups));
		hwe_debug("tls: ClientHello offers the groups %s", h->groups[0] ? h->groups : "(none)");
	} else if (!write_p && b[0] == SSL3_MT_SERVER_HELLO) {
		h->server_hello = 1;
	}
}

/* Notes why the EST server's chain failed to verify: through a proxy
 * tunnel libcurl may report the aborted handshake as a plain connect error
 * (SSL_ERROR_SYSCALL) without the verify result. */
static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct hwe_http *h = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index) : NULL;

	if (!ok && h && h->verify_err == X509_V_OK)
		h->verify_err = X509_STORE_CTX_get_error(sctx);
	return ok;
}

/* Called only when the server asks for a client certificate and we have
 * none: note it (a dropped connection then has an explanation) and go on
 * without one. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct hwe_http *h = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);

	if (h)
		h->cert_requested = 1;
	return 0;
}

/* An https:// proxy asks for a client certificate: it gets none (the
 * device's certificate and key are for the EST server only). */
static int proxy_client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct hwe_http *h = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);

	(void)x509;
	(void)pkey;
	if (h && !h->proxy_cert_requested) {
		h->proxy_cert_requested = 1;
		hwe_debug("tls: the proxy asks for a client certificate; it gets none (the device certificate is for the EST server only)");
	}
	return 0;
}

/* The SSL_CTX of an https:// proxy's own TLS connection: curl has set it up
 * from the CURLOPT_PROXY_* options (verify peer and host; CA from
 * --proxy-cacert or the system store, loaded by curl after this callback
 * into the context's own store).  Nothing of the EST side goes in: no
 * client certificate, no <ks>/ca/ trust, no --estc-server-dn. */
static CURLcode proxy_ctx_setup(struct hwe_http *h, SSL_CTX *ctx)
{
	if (!h->proxy.url || !h->proxy.https) {
		h->cb_failed = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				       "libcurl opened a proxy TLS connection that no https:// proxy was configured for");
		return CURLE_SSL_CERTPROBLEM;
	}
	h->proxy_ctx++;
	if (SSL_CTX_get0_certificate(ctx) || SSL_CTX_get_verify_mode(ctx) != SSL_VERIFY_PEER) {
		h->cb_failed = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				       "the proxy's TLS context has a client certificate or does not verify the proxy");
		return CURLE_SSL_CERTPROBLEM;
	}
	if (ctx_index >= 0 && SSL_CTX_set_ex_data(ctx, ctx_index, h))
		SSL_CTX_set_client_cert_cb(ctx, proxy_client_cert_cb);
	hwe_debug("tls: TLS to the proxy %s, verified against %s", h->proxy.shown,
		  h->cfg->proxy_cacert ? h->cfg->proxy_cacert : "the system trust store");
	return CURLE_OK;
}

/* Runs once per new TLS connection, after curl set up its SSL_CTX and
 * before the handshake.  libcurl (7.88 and later) calls this one callback
 * for the EST server's SSL_CTX and for an https:// proxy's, with nothing to
 * tell them apart (lib/vtls/openssl.c ossl_connect_step1 calls
 * data->set.ssl.fsslctx whichever connection filter it runs for).  What
 * does differ is what curl copied into each context from its own options:
 * ossl_connect_step1 -> set_ssl_version_min_max sets the maximum TLS
 * version from CURLOPT_SSLVERSION for the server and from
 * CURLOPT_PROXY_SSLVERSION for the proxy, before this callback.
 * hwe_http_new asks for "at most TLS 1.3" (TLS1_3_VERSION) for the server
 * and for no maximum (0, the library's highest, also TLS 1.3) for the
 * proxy: the same protocols, but a mark that says which context this is.
 * Anything else is refused, and a mistake fails closed: a proxy context
 * taken for the server's would verify the proxy against <ks>/ca/ only.
 * The server's context gets: the certificate store cfg->trust only (never
 * the system store), the identity check inside chain verification (so no
 * client certificate or signature goes to a peer whose certificate names
 * another host), and the client certificate and key. */
static CURLcode ssl_ctx_cb(CURL *c, void *sslctx, void *arg)
{
	struct hwe_http *h = arg;
	const struct hwe_http_cfg *cfg = h->cfg;
	SSL_CTX *ctx = sslctx;
	X509_STORE *store;
	X509_VERIFY_PARAM *param;
	const char *name;
	long max = SSL_CTX_get_max_proto_version(ctx);
	int i;

	(void)c;
	if (max == 0)
		return proxy_ctx_setup(h, ctx);
	if (max != TLS1_3_VERSION) {
		h->cb_failed = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				       "cannot tell the EST server's TLS connection from a proxy's (libcurl %s set TLS maximum 0x%lx)",
				       curl_version_info(CURLVERSION_NOW)->version, max);
		return CURLE_SSL_CERTPROBLEM;
	}
	h->server_ctx++;
	if (!(store = X509_STORE_new()))
		goto fail_mem;
	for (i = 0; i < sk_X509_num(cfg->trust); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(cfg->trust, i))) {
			/* a duplicate anchor is harmless */
			if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
				X509_STORE_free(store);
				goto fail_ossl;
			}
			ERR_clear_error();
		}
	/* as curl does by default: an intermediate CA placed in <ks>/ca/ is a
	 * valid anchor on its own (the EST CA from /cacerts often is one) */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_cert_store(ctx, store);  /* takes ownership */
	if (ctx_index >= 0 && SSL_CTX_set_ex_data(ctx, ctx_index, h)) {
		SSL_CTX_set_info_callback(ctx, info_cb);
		SSL_CTX_set_msg_callback(ctx, msg_cb);
		SSL_CTX_set_msg_callback_arg(ctx, h);
		SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_cb);
		if (!cfg->client_cert)
			SSL_CTX_set_client_cert_cb(ctx, client_cert_cb);
	}

	/* OpenSSL checks the server's identity during chain verification
	 * (the SSL inherits the param), before a client certificate is sent:
	 * --estc-server-dn, with curl's own host check off
	 * (CURLOPT_SSL_VERIFYHOST 0), or the URL host, which curl checks
	 * again after the handshake.  A zone-scoped IPv6 host is left to curl. */
	name = h->check_name ? cfg->server_name : h->peer_host;
	if (name && *name && (h->check_name || !strchr(name, '%'))) {
		param = SSL_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_ip_literal(name) ?
		    !X509_VERIFY_PARAM_set1_ip_asc(param, name) :
		    !X509_VERIFY_PARAM_set1_host(param, name, 0))
			goto fail_ossl;
	}
	if (cfg->client_key && cfg->client_cert) {
		/* The key may live in a TPM or token (provider key): only hand it
		 * to OpenSSL, never read it.  No SSL_CTX_check_private_key(): it
		 * compares key components and fails for some provider keys whose
		 * public part is not exportable; SSL_CTX_use_PrivateKey already
		 * matches the key against the certificate's public key. */
		if (!SSL_CTX_use_certificate(ctx, cfg->client_cert) ||
		    !SSL_CTX_use_PrivateKey(ctx, cfg->client_key)) {
			h->cb_failed = hwe_err_ossl(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
						    "cannot use the client certificate and key for TLS");
			return CURLE_SSL_CERTPROBLEM;
		}
		for (i = 0; i < sk_X509_num(cfg->client_chain); i++)
			if (!SSL_CTX_add1_chain_cert(ctx, sk_X509_value(cfg->client_chain, i)))
				goto fail_ossl;
	}
	return CURLE_OK;
fail_mem:
	h->cb_failed = hwe_err_oom();
	return CURLE_OUT_OF_MEMORY;
fail_ossl:
	h->cb_failed = hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot set up TLS");
	return CURLE_SSL_CERTPROBLEM;
}

#define SETOPT(opt, val) do { \
		if (curl_easy_setopt(h->curl, opt, val) != CURLE_OK) \
			goto fail_opt; \
	} while (0)

int hwe_http_new(const struct hwe_http_cfg *cfg, struct hwe_http **out)
{
	int ret = HWE_EXIT_INTERNAL;
	struct hwe_http *h;
	long cto = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s :
		HWE_HTTP_DEFAULT_CONNECT_TIMEOUT_S;
	long to = cfg->timeout_s > 0 ? cfg->timeout_s : HWE_HTTP_DEFAULT_TIMEOUT_S;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot initialize libcurl");
	if (ctx_index < 0)
		ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	h = calloc(1, sizeof(*h));
	if (!h || !(h->curl = curl_easy_init())) {
		free(h);
		return hwe_err_oom();
	}
	h->cfg = cfg;
	h->max_body = cfg->max_body ? cfg->max_body : HWE_HTTP_DEFAULT_MAX_BODY;
	SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	/* TLS 1.2 or later to both the server and a proxy.  The two maxima
	 * mean the same (TLS 1.3 is OpenSSL 3.0's highest) and mark the two
	 * SSL_CTXs for ssl_ctx_cb: "at most TLS 1.3" is the EST server's,
	 * "no maximum" (0) a proxy's. */
	SETOPT(CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_3));
	SETOPT(CURLOPT_PROXY_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_DEFAULT));
	/* each SSL_CTX gets its own store: curl 7.87+ would otherwise share a
	 * cached store between connections by CA file name alone (an older
	 * libcurl has no such cache, and refuses the option) */
#if LIBCURL_VERSION_NUM >= 0x075700
	curl_easy_setopt(h->curl, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	/* trust comes only from cfg->trust (ssl_ctx_cb): no CA file or
	 * directory, in particular not Debian's default /etc/ssl/certs */
	SETOPT(CURLOPT_CAINFO, NULL);
	SETOPT(CURLOPT_CAPATH, NULL);
	/* cfg->server_name: checked by OpenSSL (see ssl_ctx_cb); otherwise
	 * curl checks the URL host */
	h->check_name = cfg->server_name && *cfg->server_name;
	SETOPT(CURLOPT_SSL_VERIFYHOST, h->check_name ? 0L : 2L);
	SETOPT(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	SETOPT(CURLOPT_SSL_CTX_DATA, h);
	if (cfg->tls_groups && *cfg->tls_groups)
		SETOPT(CURLOPT_SSL_EC_CURVES, cfg->tls_groups);
	SETOPT(CURLOPT_CONNECTTIMEOUT, cto);
	SETOPT(CURLOPT_TIMEOUT, to);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(CURLOPT_LOW_SPEED_TIME, to < LOW_SPEED_TIME_S ? to : (long)LOW_SPEED_TIME_S);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, h);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, h);
	SETOPT(CURLOPT_DEBUGFUNCTION, debug_cb);
	SETOPT(CURLOPT_DEBUGDATA, h);
	SETOPT(CURLOPT_VERBOSE, 1L);
	/* The proxy is picked per origin (hwe_http_request, http-proxy.c) and
	 * set explicitly, "" for none: curl itself never reads https_proxy or
	 * no_proxy.  Always a CONNECT tunnel, so EST credentials only ever
	 * travel inside the EST server's TLS. */
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_NOPROXY, "");
	SETOPT(CURLOPT_HTTPPROXYTUNNEL, 1L);
	SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	/* an https:// proxy is always verified: its own trust, never <ks>/ca/ */
	SETOPT(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
	if (cfg->proxy_ca_pem) {
		/* the bytes the caller checked, not the file again by name */
		struct curl_blob blob = { (void *)cfg->proxy_ca_pem, cfg->proxy_ca_len, CURL_BLOB_COPY };

		SETOPT(CURLOPT_PROXY_CAINFO_BLOB, &blob);
		SETOPT(CURLOPT_PROXY_CAINFO, NULL);
		SETOPT(CURLOPT_PROXY_CAPATH, NULL);
	}
	/* proxy credentials answer the proxy's 407 (Basic or Digest), never
	 * preemptively, and go to the proxy only (Proxy-Authorization on the
	 * CONNECT request) */
	SETOPT(CURLOPT_PROXYAUTH, (long)(CURLAUTH_BASIC | CURLAUTH_DIGEST));
	if (cfg->proxy_user) {
		SETOPT(CURLOPT_PROXYUSERNAME, cfg->proxy_user);
		SETOPT(CURLOPT_PROXYPASSWORD, cfg->proxy_pass ? cfg->proxy_pass : "");
	}
	if (cfg->pass || cfg->token) {
		/* A Bearer token answers a 401 that offers Bearer.  With
		 * CURLAUTH_BEARER as its only method libcurl 7.88 sends the token
		 * with the first request (Curl_http_output_auth: "if this is one
		 * single bit it'll be used instantly"); with more than one bit it
		 * first probes without credentials.  A token alone therefore goes
		 * with CURLAUTH_ONLY ("probe, then only this method"). */
		unsigned long mask = cfg->pass ? CURLAUTH_BASIC | CURLAUTH_DIGEST : CURLAUTH_ONLY;

		if (cfg->token) {
			mask |= CURLAUTH_BEARER;
			SETOPT(CURLOPT_XOAUTH2_BEARER, cfg->token);
		}
		SETOPT(CURLOPT_HTTPAUTH, (long)mask);
	}
	if (cfg->pass) {
		/* More than one method: curl sends the first request without
		 * credentials, then answers the 401 challenge once (Digest
		 * preferred), on the same connection.  Never preemptive Basic;
		 * never CURLOPT_UNRESTRICTED_AUTH (we follow no other origin
		 * anyway).  Later requests of the same session reuse the scheme
		 * the server picked (Digest: same nonce, next nc) without a new
		 * 401 round trip: same origin, already authenticated by TLS. */
		SETOPT(CURLOPT_USERNAME, cfg->user ? cfg->user : "");
		SETOPT(CURLOPT_PASSWORD, cfg->pass);
	}
	*out = h;
	return HWE_OK;
fail_opt:
	ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
		      "libcurl lacks a required option (%s)", curl_version());
	hwe_http_free(h);
	return ret;
}

int hwe_http_channel_binding(const struct hwe_http *h, struct hwe_http_binding *out)
{
	if (!h->binding.len)
		return HWE_EXIT_TLS;
	*out = h->binding;
	return HWE_OK;
}

int hwe_http_check_groups(const char *list)
{
	SSL_CTX *ctx = NULL;
	const char *p = list, *e;
	char name[64], shown[160];
	size_t n;
	int ret = HWE_EXIT_USAGE;

	if (!*list)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '--tls-groups' has an empty value");
	/* the groups the default provider declares: see hwe_ossl_tls_prepare */
	if (hwe_ossl_tls_prepare())
		return HWE_EXIT_INTERNAL;
	if (!(ctx = SSL_CTX_new(TLS_client_method())))
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "cannot set up TLS");
	for (;;) {
		e = strchr(p, ':');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n >= sizeof(name)) {
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"--tls-groups '%s': %s group name at offset %zu",
				hwe_sanitize(list, strlen(list), shown, sizeof(shown)),
				n ? "overlong" : "empty", (size_t)(p - list));
			goto hint;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		/* one name at a time, so that the error names the unknown one */
		if (!SSL_CTX_set1_groups_list(ctx, name)) {
			ERR_clear_error();
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--tls-groups: unknown TLS group '%s'",
				hwe_sanitize(name, n, shown, sizeof(shown)));
			goto hint;
		}
		if (!e)
			break;
		p = e + 1;
	}
	ret = HWE_OK;
	goto out;
hint:
	hwe_err_hint("use OpenSSL group names separated by ':', e.g. P-256:P-384:X25519 "
		     "(P-256, P-384, P-521, X25519, X448, ffdhe2048 ... ffdhe8192)");
out:
	SSL_CTX_free(ctx);
	return ret;
}

/* Forget the route picked for the last origin (route_setup). */
static void route_clear(struct hwe_http *h)
{
	hwe_http_proxy_clear(&h->proxy);
	free(h->proxy_for);
	free(h->peer_host);
	h->proxy_for = NULL;
	h->peer_host = NULL;
}

void hwe_http_free(struct hwe_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	route_clear(h);
	free(h);
}

/* An absolute URL as libcurl parsed it (the handle it is given,
 * CURLOPT_CURLU) and its scheme, host and port (default filled in). */
struct origin {
	CURLU *cu;
	char *scheme, *host, *port;
};

static void origin_clear(struct origin *o)
{
	curl_url_cleanup(o->cu);
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
	memset(o, 0, sizeof(*o));
}

/* CURLU_PATH_AS_IS: the path sent is the one checked (est.c refuses dot
 * segments; libcurl would otherwise resolve them) */
static int origin_get(const char *url, struct origin *o)
{
	int ok;

	memset(o, 0, sizeof(*o));
	ok = (o->cu = curl_url()) &&
		curl_url_set(o->cu, CURLUPART_URL, url, CURLU_PATH_AS_IS) == CURLUE_OK &&
		curl_url_get(o->cu, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
		curl_url_get(o->cu, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
		curl_url_get(o->cu, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	if (!ok)
		origin_clear(o);
	return ok ? 0 : -1;
}

static int origin_same(const struct origin *a, const struct origin *b)
{
	return strcasecmp(a->scheme, b->scheme) == 0 && strcasecmp(a->host, b->host) == 0 &&
		strcmp(a->port, b->port) == 0;
}

static int trust_vfy_error(long v)
{
	return v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
		v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
		v == X509_V_ERR_CERT_UNTRUSTED;
}

static void hint_trust(const struct hwe_http *h)
{
	hwe_err_hint("Ensure you have downloaded the TLS root CA certificate into %s",
		     h->cfg->trust_dir ? h->cfg->trust_dir : "<keystore>/ca/");
}

/* The curve of an EC certificate's key ("P-256"), or 0. */
static int ec_curve(X509 *cert, char *buf, size_t len)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	char name[64];
	int nid;

	if (!pub || !EVP_PKEY_is_a(pub, "EC") ||
	    !EVP_PKEY_get_group_name(pub, name, sizeof(name), NULL))
		return 0;
	nid = OBJ_sn2nid(name);
	snprintf(buf, len, "%s", nid != NID_undef && EC_curve_nid2nist(nid) ? EC_curve_nid2nist(nid) : name);
	return 1;
}

/* A failure before the EST server's TLS began, on the way through the
 * proxy: the proxy is named, not the server.  Returns 0 if the failure is
 * not the proxy's. */
static int proxy_error(struct hwe_http *h, CURLcode rc, const char *msg, const char *dest)
{
	const struct hwe_http_proxy *p = &h->proxy;
	long code = 0, vr = X509_V_OK, nconn = 0;
	int ret;

	if (!p->url)
		return 0;
	curl_easy_getinfo(h->curl, CURLINFO_HTTP_CONNECTCODE, &code);
	curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &nconn);
	/* (tinyproxy 1.11 answers wrong credentials with 401) */
	if (code == 407 || (code == 401 && h->proxy_auth_sent)) {
		if (h->proxy_auth_sent) {
			ret = hwe_err(HWE_EXIT_NETWORK, HWE_ERR_PROXY,
				      "proxy '%s' (from %s) rejected the proxy credentials: HTTP %ld",
				      p->shown, p->source, code);
			hwe_err_hint("check --proxy-user and --proxy-pass-file (or the user:password@ of the proxy URL)");
		} else {
			ret = hwe_err(HWE_EXIT_NETWORK, HWE_ERR_PROXY,
				      "proxy '%s' (from %s) requires authentication: HTTP 407%s", p->shown,
				      p->source, h->cfg->proxy_user || p->has_userinfo ?
				      " and offers no scheme hwenroll answers (Basic, Digest)" : "");
			hwe_err_hint("pass --proxy-user USER and --proxy-pass-file FILE");
		}
		return ret;
	}
	if (code && code / 100 != 2) {
		ret = hwe_err(HWE_EXIT_NETWORK, HWE_ERR_PROXY,
			      "proxy '%s' (from %s) refused the tunnel to '%s': HTTP %ld", p->shown,
			      p->source, dest, code);
		if (code == 403)
			hwe_err_hint("the proxy does not allow CONNECT to '%s': ask its administrator, or exclude the host with no_proxy",
				     dest);
		else if (code >= 500)
			hwe_err_hint("the proxy could not reach '%s'", dest);
		return ret;
	}
	/* the tunnel stood, or the EST server's TLS began: not the proxy's */
	if (code || h->server_ctx)
		return 0;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		ret = hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_CONNECT,
			      "Unable to connect to the proxy '%s' (from %s): %s", p->shown, p->source, msg);
		hwe_err_hint(strcmp(p->source, "--proxy") == 0 ?
			     "check the --proxy URL" :
			     "check the proxy setting, or pass --proxy URL (no_proxy lists hosts to reach directly)");
		return ret;
	case CURLE_OPERATION_TIMEDOUT:
		return hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_TIMEOUT,
			       "no answer from the proxy '%s' (from %s) in time: %s", p->shown, p->source, msg);
	case CURLE_PEER_FAILED_VERIFICATION:
		if (!h->proxy_ctx)
			return 0;
		curl_easy_getinfo(h->curl, CURLINFO_PROXY_SSL_VERIFYRESULT, &vr);
		if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH ||
		    strstr(msg, "target host name")) {
			ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_PROXY_CERT,
				      "TLS handshake with the proxy '%s' (from %s) failed: the proxy's certificate is not valid for its host name",
				      p->shown, p->source);
			hwe_err_hint("use the host name the proxy's certificate names in the proxy URL");
			return ret;
		}
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_PROXY_CERT,
			      "TLS handshake with the proxy '%s' (from %s) failed: the proxy's certificate is not trusted (%s)",
			      p->shown, p->source, X509_verify_cert_error_string(vr));
		if (h->cfg->proxy_cacert)
			hwe_err_hint("the proxy's certificate does not chain to --proxy-cacert '%s'",
				     h->cfg->proxy_cacert);
		else
			hwe_err_hint("the proxy is verified against the system trust store: pass its CA certificate with --proxy-cacert FILE");
		return ret;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		if (!h->proxy_ctx)
			return 0;
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_PROXY_CERT,
			      "TLS handshake with the proxy '%s' (from %s) failed: %s", p->shown, p->source, msg);
		if (rc == CURLE_SSL_CACERT_BADFILE)
			hwe_err_hint("--proxy-cacert must name a PEM file of CA certificates");
		else if (h->proxy_cert_requested)
			hwe_err_hint("the proxy asked for a client certificate: hwenroll presents the device certificate to the EST server only");
		return ret;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		/* a new connection that died before the tunnel stood */
		if (nconn <= 0)
			return 0;
		return hwe_err(HWE_EXIT_NETWORK, HWE_ERR_PROXY,
			       "connection to the proxy '%s' (from %s) failed before the tunnel to '%s' stood: %s",
			       p->shown, p->source, dest, msg);
	default:
		return 0;
	}
}

/* Map a failed transfer to the recorded error. */
static int transfer_error(struct hwe_http *h, CURLcode rc, const char *url,
			  const struct origin *o)
{
	char hostport[300], msg[CURL_ERROR_SIZE + 1], curve[64];
	long vr = X509_V_OK;
	/* curl keeps its first message; a getpeername() complaint after the
	 * server dropped the connection says less than the error code */
	const char *m = h->errbuf[0] && strncmp(h->errbuf, "getpeername", 11) != 0 ?
		h->errbuf : curl_easy_strerror(rc);
	int ret;

	hwe_sanitize(m, strlen(m), msg, sizeof(msg));
	snprintf(hostport, sizeof(hostport), "%s:%s", o->host, o->port);
	hwe_debug("transfer failed: curl error %d (%s)", (int)rc, curl_easy_strerror(rc));
	if (h->cb_failed)
		return h->cb_failed;
	if ((ret = proxy_error(h, rc, msg, hostport)))
		return ret;
	if (h->verify_err != X509_V_OK && (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_RECV_ERROR ||
					   rc == CURLE_SEND_ERROR)) {
		/* we refused the server's certificate (our own alert, not the server's) */
		rc = CURLE_PEER_FAILED_VERIFICATION;
		h->alert[0] = '\0';
	}
	if (h->alert[0] && !h->server_hello && strcmp(h->alert, "handshake failure") == 0) {
		/* refused at the ClientHello: the cipher suites and signature
		 * algorithms are OpenSSL's full defaults, the groups may not be */
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_NO_SHARED_GROUP,
			      "TLS handshake with '%s' failed: no shared key-exchange group (the server answered our ClientHello, which offered %s, with alert 'handshake failure')",
			      hostport, h->groups[0] ? h->groups : "no group");
		hwe_err_hint(h->cfg->tls_groups && *h->cfg->tls_groups ?
			     "the server accepts none of these groups: add one it accepts to --tls-groups (a FIPS server takes P-256 or P-384), or drop --tls-groups to offer OpenSSL's defaults" :
			     "the server accepts none of OpenSSL's default groups: ask its administrator which groups it allows and pass them with --tls-groups");
		return ret;
	}
	if (h->alert[0] && rc != CURLE_PEER_FAILED_VERIFICATION && rc != CURLE_OPERATION_TIMEDOUT) {
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
			      "TLS handshake with '%s' failed: the server sent alert '%s'", hostport,
			      h->alert);
		if (strcmp(h->alert, "illegal parameter") == 0 && h->cfg->client_cert &&
		    h->alert_version == TLS1_2_VERSION && ec_curve(h->cfg->client_cert, curve, sizeof(curve)))
			hwe_err_hint("in TLS 1.2 a server built on OpenSSL takes an ECDSA client certificate only on a curve in its own group list: "
				     "the server must allow %s, or speak TLS 1.3", curve);
		if (h->cert_requested || strstr(h->alert, "certificate") || strstr(h->alert, "CA"))
			hwe_err_hint(h->cfg->client_cert ?
				     "the server did not accept the client certificate" :
				     "the server requires a client certificate");
		return ret;
	}
	switch (rc) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (h->too_large || rc == CURLE_FILESIZE_EXCEEDED)
			return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE_TOO_LARGE,
				       "response from '%s' exceeds the %zu byte limit", hostport,
				       h->max_body);
		return hwe_err_oom();
	case CURLE_OUT_OF_MEMORY:
		return hwe_err_oom();
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "cannot use URL '%s': %s", url, msg);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_CONNECT,
			       "Unable to connect to the server '%s': %s", hostport, msg);
	case CURLE_OPERATION_TIMEDOUT:
		return hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_TIMEOUT,
			       "no answer from the server '%s' in time: %s", hostport, msg);
	case CURLE_PEER_FAILED_VERIFICATION:
		curl_easy_getinfo(h->curl, CURLINFO_SSL_VERIFYRESULT, &vr);
		if (h->verify_err != X509_V_OK)
			vr = h->verify_err;
		if (trust_vfy_error(vr)) {
			ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
				      "Unable to connect to the server '%s': server certificate not trusted (%s)",
				      hostport, X509_verify_cert_error_string(vr));
			hint_trust(h);
			return ret;
		}
		/* curl's own host check leaves no X509 code, only its message */
		if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH ||
		    strstr(msg, "target host name")) {
			ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_CERT_HOSTNAME_MISMATCH,
				      "Unable to connect to the server '%s': its certificate is not valid for '%s'",
				      hostport, h->check_name ? h->cfg->server_name : o->host);
			hwe_err_hint("use the host name the server certificate names, or --estc-server-dn NAME");
			return ret;
		}
		return hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
			       "Unable to connect to the server '%s': server certificate rejected (%s)",
			       hostport, X509_verify_cert_error_string(vr));
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
			      "TLS handshake with '%s' failed: %s", hostport, msg);
		if (h->cfg->client_cert && strstr(msg, "alert"))
			hwe_err_hint("the server may not accept the client certificate");
		return ret;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		if (strstr(msg, "alert")) {
			ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
				      "TLS handshake with '%s' failed: %s", hostport, msg);
			if (strstr(msg, "certificate"))
				hwe_err_hint(h->cfg->client_cert ?
					     "the server did not accept the client certificate" :
					     "the server requires a client certificate");
			return ret;
		}
		if (h->cert_requested) {
			ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
				      "TLS handshake with '%s' failed: the server asked for a client certificate, none was given, and it dropped the connection (%s)",
				      hostport, msg);
			hwe_err_hint("the server requires a client certificate");
			return ret;
		}
		/* fall through - a connection that died, as with a body cut short */
	case CURLE_PARTIAL_FILE:
		ret = hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_IO,
			      "connection to '%s' failed: %s", hostport, msg);
		/* a TLS 1.3 server may drop the connection before its alert
		 * about our certificate is read */
		if (rc != CURLE_PARTIAL_FILE && h->cfg->client_cert)
			hwe_err_hint("if the server dropped the connection after the handshake, it may not accept the client certificate");
		return ret;
	case CURLE_WEIRD_SERVER_REPLY:
		return hwe_err(HWE_EXIT_RESPONSE, HWE_ERR_EST_RESPONSE,
			       "invalid HTTP response from '%s': %s", hostport, msg);
	default:
		return hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_IO,
			       "request to '%s' failed: %s", hostport, msg);
	}
}

static int is_redirect(long st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* One curl transfer: method, url (parsed: cu), body -> resp; o is the
 * origin of the request's first URL (for messages). */
static int perform(struct hwe_http *h, const char *method, const char *url, CURLU *cu,
		   struct curl_slist *hdrs, const void *body, size_t len,
		   const struct origin *o, struct hwe_http_resp *resp)
{
	CURLcode rc;
	int ret;

	hwe_http_resp_clear(resp);
	resp->creds_given = h->cfg->pass != NULL;
	resp->token_given = h->cfg->token != NULL;
	h->resp = resp;
	h->server_ctx = h->proxy_ctx = 0;
	h->verify_err = X509_V_OK;
	h->proxy_cert_requested = h->proxy_auth_sent = 0;
	h->too_large = 0;
	h->cb_failed = 0;
	h->errbuf[0] = '\0';
	h->alert[0] = '\0';
	h->cert_requested = 0;
	h->server_hello = 0;
	h->groups[0] = '\0';
	/* a new connection builds a new SSL_CTX: its TLS groups must come
	 * from the default provider whatever key provider is loaded */
	if ((ret = hwe_ossl_tls_prepare())) {
		h->resp = NULL;
		return ret;
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
	} else {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h->curl, CURLOPT_CURLU, cu);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	if (body)
		hwe_info("> %s %s (%zu bytes)", method, url, len);
	else
		hwe_info("> %s %s", method, url);
	rc = curl_easy_perform(h->curl);
	h->resp = NULL;
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_CURLU, NULL);
	if (rc != CURLE_OK) {
		resp_reset(resp);
		return transfer_error(h, rc, url, o);
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if ((ret = resp_headers(h, resp)))
		return ret;
	hwe_info("< %ld %s (%zu bytes)", resp->status,
		 resp->content_type ? resp->content_type : "-", resp->len);
	return HWE_OK;
}

/* The proxy (or none) for origin o, picked once per host and logged at INFO;
 * also the host OpenSSL checks the server certificate against. */
static int route_setup(struct hwe_http *h, const struct origin *o)
{
	const char *excluded = NULL;
	size_t n;
	int ret;

	if (h->proxy_for && strcasecmp(h->proxy_for, o->host) == 0)
		return HWE_OK;
	route_clear(h);
	if (!(h->proxy_for = strdup(o->host)))
		return hwe_err_oom();
	n = strlen(o->host);
	h->peer_host = o->host[0] == '[' && n > 2 ? strndup(o->host + 1, n - 2) : strdup(o->host);
	if (!h->peer_host)
		return hwe_err_oom();
	if ((ret = hwe_http_proxy_pick(h->cfg->proxy, h->cfg->proxy_source, h->cfg->proxy_from_env,
				       h->cfg->no_proxy, h->cfg->no_proxy_source, o->host,
				       h->cfg->proxy_user != NULL, &h->proxy, &excluded))) {
		free(h->proxy_for);
		h->proxy_for = NULL;
		return ret;
	}
	if (h->proxy.url)
		hwe_info("using proxy %s from %s", h->proxy.shown, h->proxy.source);
	else if (excluded)
		hwe_info("not using the proxy from %s for '%s': %s matches it", h->proxy.source,
			 o->host, excluded);
	if (curl_easy_setopt(h->curl, CURLOPT_PROXY, h->proxy.url ? h->proxy.url : "") != CURLE_OK)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "libcurl lacks proxy support (%s)",
			       curl_version());
	if (h->proxy.url && h->cfg->proxy_user && h->proxy.has_userinfo)
		hwe_warn("proxy %s: --proxy-user replaces the user:password@ of the proxy URL",
			 h->proxy.shown);
	return HWE_OK;
}

int hwe_http_request(struct hwe_http *h, const char *method, const char *url,
		     const char *content_type, const void *body, size_t len,
		     struct hwe_http_resp *resp)
{
	int ret = HWE_EXIT_INTERNAL, hops;
	struct curl_slist *hdrs = NULL, *t;
	struct origin first = { 0 }, next = { 0 };
	char *cur = NULL, *ct = NULL, loc[256];
	const char *rurl = NULL;

	memset(resp, 0, sizeof(*resp));
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "unsupported HTTP method '%s'",
			       method);
	if (origin_get(url, &first))
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "cannot use URL '%s': malformed", url);
	if (strcasecmp(first.scheme, "https") != 0) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI,
			      "refusing URL '%s': only https is allowed", url);
		goto out;
	}
	if (sk_X509_num(h->cfg->trust) <= 0) {
		ret = hwe_err(HWE_EXIT_TLS, HWE_ERR_CERT_CHAIN_NO_TRUST_ANCHOR,
			      "no trust anchor in '%s': cannot verify the server '%s:%s'",
			      h->cfg->trust_dir ? h->cfg->trust_dir : "<keystore>/ca/",
			      first.host, first.port);
		hint_trust(h);
		goto out;
	}
	if ((ret = route_setup(h, &first)))
		goto out;
	ret = HWE_EXIT_INTERNAL;
	/* no "Expect: 100-continue" round trip for POST bodies */
	if (!(t = curl_slist_append(hdrs, "Expect:"))) {
		ret = hwe_err_oom();
		goto out;
	}
	hdrs = t;
	if (content_type) {
		size_t n = strlen(content_type) + sizeof("Content-Type: ");

		if (!(ct = malloc(n))) {
			ret = hwe_err_oom();
			goto out;
		}
		snprintf(ct, n, "Content-Type: %s", content_type);
		if (!(t = curl_slist_append(hdrs, ct))) {
			ret = hwe_err_oom();
			goto out;
		}
		hdrs = t;
	}
	if (!(cur = strdup(url))) {
		ret = hwe_err_oom();
		goto out;
	}
	for (hops = 0;; hops++) {
		if ((ret = perform(h, method, cur, hops ? next.cu : first.cu, hdrs, body, len, &first,
				   resp)))
			goto out;
		if (!is_redirect(resp->status))
			break;
		rurl = NULL;
		curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &rurl);
		if (!rurl)
			break;          /* no Location: the caller sees the 3xx */
		origin_clear(&next);
		if (origin_get(rurl, &next) || !origin_same(&first, &next)) {
			hwe_sanitize(rurl, strlen(rurl), loc, sizeof(loc));
			ret = hwe_err(HWE_EXIT_REFUSED, HWE_ERR_HTTP_REDIRECT,
				      "server redirects to another origin '%s'; not followed", loc);
			goto out;
		}
		if (hops >= MAX_REDIRECTS) {
			ret = hwe_err(HWE_EXIT_REFUSED, HWE_ERR_HTTP_REDIRECT,
				      "too many redirects (more than %d) from '%s'", MAX_REDIRECTS, url);
			goto out;
		}
		/* 307/308 keep method and body; so do 301/302 after a POST (EST
		 * servers mean it, unlike browsers); 303 means GET */
		if (resp->status == 303) {
			method = "GET";
			body = NULL;
			len = 0;
		}
		hwe_info("following redirect %ld to '%s'", resp->status, rurl);
		free(cur);
		if (!(cur = strdup(rurl))) {
			ret = hwe_err_oom();
			goto out;
		}
	}
	ret = HWE_OK;
out:
	if (ret)
		hwe_http_resp_clear(resp);
	origin_clear(&first);
	origin_clear(&next);
	curl_slist_free_all(hdrs);
	free(ct);
	free(cur);
	return ret;
}
