/* SPDX-License-Identifier: BSD-3-Clause */
/* http-proxy.c - which proxy a request uses: --proxy (or the config key),
 * else the environment as libcurl 7.88 reads it for an https URL.
 *
 * hwenroll decides, and hands libcurl the result (CURLOPT_PROXY set to the
 * proxy or to "", CURLOPT_NOPROXY ""), so that what is logged ("using proxy
 * ... from https_proxy") is what is used, and libcurl never picks a proxy
 * by itself. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "http.h"
#include "log.h"
#include "rc.h"
#include "secmem.h"

#define DEFAULT_HTTP_PROXY_PORT "1080"    /* libcurl's, for a proxy URL without a port */
#define DEFAULT_HTTPS_PROXY_PORT "443"

static int blank(int c)
{
	return c == ' ' || c == '\t';
}

/* host and net are addresses of family af; bits < 0: the whole address */
static int cidr_match(int af, const char *host, const char *net, long bits)
{
	unsigned char a[16], b[16];
	long all = af == AF_INET ? 32 : 128;
	size_t whole;
	int rest;

	if (inet_pton(af, host, a) != 1 || inet_pton(af, net, b) != 1)
		return 0;
	if (bits < 0)
		bits = all;
	if (bits > all)
		return 0;
	whole = (size_t)bits / 8;
	rest = (int)(bits % 8);
	if (whole && memcmp(a, b, whole) != 0)
		return 0;
	return !rest || !((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff);
}

int hwe_http_noproxy_match(const char *list, const char *host)
{
	char name[256], tok[256], *slash;
	size_t nlen, tlen;
	const char *p, *t;
	int af = 0;
	long bits;
	unsigned char addr[16];

	if (!list || !*list || !host || !*host)
		return 0;
	if (strcmp(list, "*") == 0)
		return 1;
	nlen = strlen(host);
	if (host[0] == '[') {
		const char *e = strchr(host, ']');

		if (!e || (size_t)(e - host - 1) >= sizeof(name))
			return 0;
		nlen = (size_t)(e - host - 1);
		memcpy(name, host + 1, nlen);
		af = AF_INET6;
	} else {
		if (nlen >= sizeof(name))
			return 0;
		memcpy(name, host, nlen);
		if (inet_pton(AF_INET, host, addr) == 1)
			af = AF_INET;
		else if (inet_pton(AF_INET6, host, addr) == 1)
			af = AF_INET6;
		else if (name[nlen - 1] == '.')
			nlen--;             /* a trailing dot does not count */
	}
	name[nlen] = '\0';
	for (p = list; *p;) {
		while (blank(*p) || *p == ',')
			p++;
		t = p;
		while (*p && !blank(*p) && *p != ',')
			p++;
		tlen = (size_t)(p - t);
		if (!tlen || tlen >= sizeof(tok))
			continue;
		memcpy(tok, t, tlen);
		tok[tlen] = '\0';
		if (af) {
			bits = -1;
			if ((slash = strchr(tok, '/'))) {
				*slash = '\0';
				bits = strtol(slash + 1, NULL, 10);
			}
			/* "[::1]" as well as "::1" */
			if (af == AF_INET6 && tok[0] == '[' && tok[strlen(tok) - 1] == ']') {
				tok[strlen(tok) - 1] = '\0';
				memmove(tok, tok + 1, strlen(tok));
			}
			if (cidr_match(af, name, tok, bits))
				return 1;
			continue;
		}
		/* names: "example.com" and ".example.com" both match example.com
		 * and www.example.com, not notexample.com */
		if (tok[tlen - 1] == '.')
			tok[--tlen] = '\0';
		t = tok;
		if (tlen && *t == '.') {
			t++;
			tlen--;
		}
		if (!tlen)
			continue;
		if (tlen == nlen && strcasecmp(t, name) == 0)
			return 1;
		if (tlen < nlen && name[nlen - tlen - 1] == '.' && strcasecmp(t, name + nlen - tlen) == 0)
			return 1;
	}
	return 0;
}

void hwe_http_proxy_clear(struct hwe_http_proxy *p)
{
	if (!p)
		return;
	if (p->url) {
		hwe_secret_unregister(p->url);
		OPENSSL_cleanse(p->url, strlen(p->url));    /* may hold a password */
		free(p->url);
	}
	free(p->shown);
	free(p->hostport);
	memset(p, 0, sizeof(*p));
}

/* A proxy string for a message: without user:password@. */
static void show_unparsed(const char *v, char *out, size_t outlen)
{
	const char *s = strstr(v, "://"), *at;
	char buf[300];

	s = s ? s + 3 : v;
	at = strrchr(s, '@');
	if (at)
		snprintf(buf, sizeof(buf), "%.*s...@%s", (int)(s - v), v, at + 1);
	else
		snprintf(buf, sizeof(buf), "%s", v);
	hwe_sanitize(buf, strlen(buf), out, outlen);
}

int hwe_http_proxy_pick(const char *proxy, const char *source, int from_env, const char *no_proxy,
			const char *no_proxy_source, const char *host, int drop_userinfo,
			struct hwe_http_proxy *p, const char **excluded)
{
	const char *v = proxy;
	char *withscheme = NULL, *scheme = NULL, *phost = NULL, *port = NULL, *user = NULL;
	char *url = NULL, shown[300];
	CURLU *u = NULL;
	size_t n;
	int ret = HWE_EXIT_USAGE;

	memset(p, 0, sizeof(*p));
	*excluded = NULL;
	if (!v || !*v) /* none, or set empty in the environment: no proxy */
		return HWE_OK;
	/* as libcurl: no_proxy excludes hosts from the environment's proxy */
	if (from_env && no_proxy && hwe_http_noproxy_match(no_proxy, host)) {
		p->source = source;
		*excluded = no_proxy_source;
		return HWE_OK;
	}
	p->source = source;
	show_unparsed(v, shown, sizeof(shown));
	/* no scheme: an HTTP proxy, as libcurl reads "host:port" */
	n = strlen(v) + sizeof("http://");
	if (!(withscheme = malloc(n))) {
		ret = hwe_err_oom();
		goto out;
	}
	snprintf(withscheme, n, "%s%s", strstr(v, "://") ? "" : "http://", v);
	if (!(u = curl_url())) {
		ret = hwe_err_oom();
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, withscheme, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &phost, 0) != CURLUE_OK) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI, "proxy '%s' (from %s) is not a valid URL",
			shown, source);
		hwe_err_hint("a proxy is http://HOST:PORT or https://HOST:PORT");
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_BAD_URI,
			"proxy '%s' (from %s): only http:// and https:// proxies are supported", shown, source);
		hwe_err_hint("use an HTTP proxy that tunnels with CONNECT, http://HOST:PORT or https://HOST:PORT");
		goto out;
	}
	p->https = strcasecmp(scheme, "https") == 0;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) {
		if (curl_url_set(u, CURLUPART_PORT, p->https ? DEFAULT_HTTPS_PROXY_PORT :
				 DEFAULT_HTTP_PROXY_PORT, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) {
			ret = hwe_err_oom();
			goto out;
		}
	}
	p->has_userinfo = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK;
	/* libcurl would let the URL's user:password@ win over
	 * CURLOPT_PROXYUSERNAME: --proxy-user is meant to win */
	if (p->has_userinfo && drop_userinfo &&
	    (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	     curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK)) {
		ret = hwe_err_oom();
		goto out;
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		ret = hwe_err_oom();
		goto out;
	}
	n = strlen(scheme) + strlen(phost) + strlen(port) + 8;
	p->url = strdup(url);
	p->shown = malloc(n);
	p->hostport = malloc(n);
	if (!p->url || !p->shown || !p->hostport) {
		ret = hwe_err_oom();
		goto out;
	}
	/* libcurl's copy of a URL with a password goes to the secure heap */
	if (p->has_userinfo && !drop_userinfo)
		hwe_secret_register(p->url);
	snprintf(p->shown, n, "%s://%s:%s", p->https ? "https" : "http", phost, port);
	snprintf(p->hostport, n, "%s:%s", phost, port);
	ret = HWE_OK;
out:
	if (ret) {
		const char *src = p->source;

		hwe_http_proxy_clear(p);
		p->source = src;
	}
	if (url) {
		OPENSSL_cleanse(url, strlen(url));
		curl_free(url);
	}
	if (withscheme) {
		OPENSSL_cleanse(withscheme, strlen(withscheme));
		free(withscheme);
	}
	curl_free(scheme);
	curl_free(phost);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return ret;
}
