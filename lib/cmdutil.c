/* SPDX-License-Identifier: BSD-3-Clause */
/* cmdutil.c - small helpers the commands share: keystore, URL, network
 * setup, key backend selection, JSON output. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "csrconf.h"
#include "est.h"
#include "filecheck.h"
#include "hwenroll.h"
#include "log.h"
#include "rc.h"

int hwe_cmd_keystore(struct hwe_ctx *ctx, int create, struct hwe_keystore **ks)
{
	return hwe_keystore_open(ctx->keystore_dir, create, ks);
}

int hwe_cmd_csrconf_load(const struct hwe_keystore *ks, const char *name,
			 struct hwe_csrconf **out)
{
	char *path;
	int ret;

	if (strchr(name, '/'))
		return hwe_csrconf_load(name, out);
	path = hwe_keystore_path(ks, "conf", name);
	if (!path)
		return hwe_err_oom();
	ret = hwe_csrconf_load_at(hwe_keystore_dirfd(ks, "conf"), name, path, out);
	free(path);
	return ret;
}

int hwe_cmd_parse(int argc, char **argv, struct hwe_ctx *ctx, const struct hwe_usage *usage,
		  struct hwe_opts *o)
{
	int ret = hwe_opts_parse(argc, argv, ctx, usage, o);

	if (ret)
		return ret;
	if (o->nargs)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "unexpected argument '%s'", o->args[0]);
	return HWE_OK;
}

int hwe_cmd_connect(struct hwe_ctx *ctx, const struct hwe_net_args *na, int create,
		    struct hwe_keystore **ks, struct hwe_cmd_net *n)
{
	int ret;

	/* every option is checked before the keystore is touched */
	if ((ret = hwe_cmd_net_prepare(na, n)))
		return ret;
	if ((ret = hwe_cmd_keystore(ctx, create, ks)))
		return ret;
	if ((ret = hwe_cmd_net_trust(*ks, n)))
		return ret;
	return hwe_http_new(&n->cfg, &n->http);
}

int hwe_cmd_url(const struct hwe_net_args *na, struct hwe_est_url *u)
{
	if (!na->uri) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no EST URL given");
		hwe_err_hint("pass --uri https://HOST/.well-known/est/... or set EST_URI");
		return HWE_EXIT_USAGE;
	}
	return hwe_est_url_parse(na->uri, u);
}

/* The Bearer token: --estc-token-file, else EST_TOKEN, else the config
 * file's estc-token-file (resolved at parse time). */
static int net_token(const struct hwe_net_args *na, struct hwe_cmd_net *n)
{
	const char *file = na->token_file, *env = na->token;
	int ret;

	if (file) {
		if ((ret = hwe_read_secret_file(file, "token", &n->token)))
			return ret;
		if (!hwe_http_token_ok(n->token)) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
				"token file '%s' does not hold a Bearer access token (RFC 6750: letters, digits and -._~+/ then '=' padding, on the first line)",
				file);
			return HWE_EXIT_INPUT;
		}
	} else if (env) {
		if (!hwe_http_token_ok(env))
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "EST_TOKEN does not hold a Bearer access token (RFC 6750: letters, digits and -._~+/ then '=' padding)");
		if (!(n->token = hwe_secret_dup(env)))
			return hwe_err_oom();
	}
	n->cfg.token = n->token;
	return HWE_OK;
}

/* --proxy-cacert: the file checks every input file gets (whoever can write
 * it chooses the proxy's trust), at most 1 MiB, at least one PEM
 * certificate; its bytes go to libcurl (CURLOPT_PROXY_CAINFO_BLOB). */
static int read_proxy_ca(const char *path, struct hwe_cmd_net *n)
{
	const size_t max = 1024 * 1024;
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	BIO *bio = NULL;
	X509 *x = NULL;
	int fd, ret = HWE_EXIT_INPUT;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED,
			       "cannot open --proxy-cacert file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
			"--proxy-cacert file '%s' is not a regular file", path);
		goto out;
	}
	if (hwe_file_check("--proxy-cacert file", path, &st, 0, HWE_EXIT_INPUT))
		goto out;
	if (!(buf = malloc(max + 1))) {
		ret = hwe_err_oom();
		goto out;
	}
	while (len <= max && (r = read(fd, buf + len, max + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
				"cannot read --proxy-cacert file '%s': %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	if (len > max) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
			"--proxy-cacert file '%s' is larger than 1 MiB", path);
		goto out;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio || !(x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		ERR_clear_error();
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
			"--proxy-cacert file '%s' holds no PEM certificate", path);
		goto out;
	}
	n->proxy_ca = realloc(buf, len);   /* shrink; len > 0: a certificate was read */
	if (!n->proxy_ca)
		n->proxy_ca = buf;
	n->proxy_ca_len = len;
	buf = NULL;
	ret = HWE_OK;
out:
	X509_free(x);
	BIO_free(bio);
	free(buf);
	close(fd);
	return ret;
}

/* --proxy (else the environment, read per request by http-proxy.c),
 * proxy credentials and the proxy's trust. */
static int net_proxy(const struct hwe_net_args *na, struct hwe_cmd_net *n)
{
	const char *user = na->proxy_user, *pfile = na->proxy_pass_file;
	const char *ca = na->proxy_cacert;
	int ret;

	n->cfg.proxy = na->proxy;
	n->cfg.proxy_source = na->proxy ? na->proxy_from : NULL;
	n->cfg.proxy_from_env = na->proxy_from_env;
	n->cfg.no_proxy = na->no_proxy;
	n->cfg.no_proxy_source = na->no_proxy_from;
	if (!user != !pfile) {
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--%s needs --%s",
			user ? "proxy-user" : "proxy-pass-file", user ? "proxy-pass-file" : "proxy-user");
		hwe_err_hint("proxy credentials are a user name and a file holding the password (mode 0600)");
		return HWE_EXIT_USAGE;
	}
	if (pfile) {
		if ((ret = hwe_read_secret_file(pfile, "proxy password", &n->proxy_pass)))
			return ret;
		n->cfg.proxy_user = user;
		n->cfg.proxy_pass = n->proxy_pass;
	}
	if (ca) {
		/* read and checked now, not first when a proxy is dialled */
		if ((ret = read_proxy_ca(ca, n)))
			return ret;
		n->cfg.proxy_cacert = ca;
		n->cfg.proxy_ca_pem = n->proxy_ca;
		n->cfg.proxy_ca_len = n->proxy_ca_len;
	}
	/* a proxy URL hwenroll cannot use is a usage error now, before the
	 * keystore is touched (the request picks it again) */
	{
		struct hwe_http_proxy p;
		const char *excluded;

		ret = hwe_http_proxy_pick(n->cfg.proxy, n->cfg.proxy_source, n->cfg.proxy_from_env,
					  n->cfg.no_proxy, n->cfg.no_proxy_source, n->url.host,
					  n->cfg.proxy_user != NULL, &p, &excluded);
		hwe_http_proxy_clear(&p);
		if (ret)
			return ret;
	}
	return HWE_OK;
}

int hwe_cmd_net_prepare(const struct hwe_net_args *na, struct hwe_cmd_net *n)
{
	int ret;

	memset(n, 0, sizeof(*n));
	if ((ret = hwe_cmd_url(na, &n->url)))
		return ret;
	n->cfg.timeout_s = na->timeout_s;
	n->cfg.connect_timeout_s = na->connect_timeout_s;
	n->max_wait_s = na->max_wait_s;
	if (na->tls_groups) {
		if ((ret = hwe_http_check_groups(na->tls_groups)))
			return ret;
		n->cfg.tls_groups = na->tls_groups;
	}
	n->cfg.server_name = na->server_dn;
	n->cfg.user = na->user;
	/* resolved at parse time: --estc-pass-file or --estc-pass, then
	 * EST_PASS, then the config file's estc-pass-file */
	if (na->pass_file) {
		ret = hwe_read_secret_file(na->pass_file, "password", &n->pass);
		if (ret)
			return ret;
	} else if (na->pass) {
		if (!(n->pass = hwe_secret_dup(na->pass)))
			return hwe_err_oom();
	}
	if (n->pass) {
		/* EST passcodes often come without a user name (EST_USERNAME is
		 * optional in the reference workflow): send an empty one */
		if (!n->cfg.user)
			n->cfg.user = "";
		n->cfg.pass = n->pass;
	} else {
		n->cfg.user = NULL;
	}
	if ((ret = net_token(na, n)))
		return ret;
	return net_proxy(na, n);
}

int hwe_cmd_net_trust(const struct hwe_keystore *ks, struct hwe_cmd_net *n)
{
	int ret;

	if ((ret = hwe_keystore_load_ca(ks, &n->anchors)))
		return ret;
	n->cfg.trust = n->anchors;
	n->trust_dir = hwe_keystore_path(ks, "ca", "");
	n->cfg.trust_dir = n->trust_dir;
	return HWE_OK;
}

void hwe_cmd_net_clear(struct hwe_cmd_net *n)
{
	hwe_http_free(n->http);
	hwe_est_url_clear(&n->url);
	sk_X509_pop_free(n->anchors, X509_free);
	free(n->trust_dir);
	hwe_secret_free(n->pass);
	hwe_secret_free(n->token);
	hwe_secret_free(n->proxy_pass);
	free(n->proxy_ca);
	memset(n, 0, sizeof(*n));
}

int hwe_cmd_backend(const struct hwe_dev_args *d, const struct hwe_keystore *ks, const char *alias,
		    const struct hwe_key_backend **be, struct hwe_key_opts *ko, char **pin,
		    int *existing)
{
	int ret = hwe_cmd_backend_pick(d, ks, alias, be, ko, pin, existing);

	if (ret == HWE_OK && (*be)->init)
		ret = (*be)->init(ko);
	return ret;
}

int hwe_cmd_backend_pick(const struct hwe_dev_args *d, const struct hwe_keystore *ks, const char *alias,
			 const struct hwe_key_backend **be, struct hwe_key_opts *ko, char **pin,
			 int *existing)
{
	const struct hwe_key_backend *have = NULL, *want = d->backend;
	int ret;

	*existing = 0;
	if (ks && alias) {
		if ((ret = hwe_keystore_find_key_opt(ks, alias, &have)))
			return ret;
		*existing = have != NULL;
	}
	if (have && want && have != want)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "alias '%s' holds a %s key; --key-backend %s contradicts it", alias,
			       have->name, want->name);
	*be = have ? have : want ? want : &hwe_key_software;
	if ((ret = hwe_opts_key(d, ko, pin)))
		return ret;
	ko->alias = alias;
	return HWE_OK;
}

char *hwe_cmd_fname(const char *alias, const char *suffix)
{
	size_t n = strlen(alias) + strlen(suffix) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s", alias, suffix);
	return s;
}

int hwe_cmd_load_key(const struct hwe_keystore *ks, const char *alias,
		     const struct hwe_key_backend *be, const struct hwe_key_opts *ko,
		     EVP_PKEY **pkey)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	char *name = hwe_cmd_fname(alias, be->ext);
	int ret;

	if (!name)
		return hwe_err_oom();
	ret = hwe_keystore_read(ks, "keys", name, &blob, &len);
	if (ret == HWE_OK)
		ret = be->load(ko, blob, len, pkey);
	OPENSSL_clear_free(blob, len);
	free(name);
	return ret;
}

static int load_cert(const struct hwe_keystore *ks, const char *alias, int optional, X509 **cert,
		     STACK_OF(X509) **chain)
{
	int ret = HWE_EXIT_KEYSTORE;
	unsigned char *data = NULL;
	size_t len = 0, n = strlen(alias) + 16;
	char *name = malloc(n);
	BIO *bio = NULL;
	X509 *x;

	*cert = NULL;
	*chain = sk_X509_new_null();
	if (!name || !*chain) {
		ret = hwe_err_oom();
		goto out;
	}
	snprintf(name, n, "%s.pem", alias);
	if ((ret = (optional ? hwe_keystore_read_opt : hwe_keystore_read)(ks, "certs", name, &data, &len))) {
		if (hwe_err_status() == HWE_ERR_KEYSTORE_NO_ALIAS)
			hwe_err_hint("enroll alias '%s' first: hwenroll enroll --key-alias %s ...",
				     alias, alias);
		goto out;
	}
	if (!data)
		goto out; /* optional and absent: HWE_OK, *cert NULL */
	bio = BIO_new_mem_buf(data, (int)len);
	*cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (!*cert) {
		ret = hwe_err_ossl(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				   "certificate file of alias is not a PEM certificate");
		goto out;
	}
	BIO_free(bio);
	bio = NULL;
	OPENSSL_free(data);
	data = NULL;
	snprintf(name, n, "%s-chain.pem", alias);
	/* the chain file may be absent; one we must not read (mode, owner,
	 * symlink) is an error */
	if ((ret = hwe_keystore_read_opt(ks, "certs", name, &data, &len)))
		goto out;
	if (data) {
		bio = BIO_new_mem_buf(data, (int)len);
		while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
			sk_X509_push(*chain, x);
		ERR_clear_error();
	}
	ret = HWE_OK;
out:
	if (ret) {
		X509_free(*cert);
		*cert = NULL;
		sk_X509_pop_free(*chain, X509_free);
		*chain = NULL;
	}
	BIO_free(bio);
	OPENSSL_free(data);
	free(name);
	return ret;
}

int hwe_cmd_load_cert(const struct hwe_keystore *ks, const char *alias, X509 **cert,
		      STACK_OF(X509) **chain)
{
	return load_cert(ks, alias, 0, cert, chain);
}

int hwe_cmd_load_cert_opt(const struct hwe_keystore *ks, const char *alias, X509 **cert,
			  STACK_OF(X509) **chain)
{
	return load_cert(ks, alias, 1, cert, chain);
}

void hwe_json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

const char *hwe_time_str(const ASN1_TIME *t, char *buf, size_t buflen)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(buf, buflen, "?");
		return buf;
	}
	strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
