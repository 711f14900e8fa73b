/* SPDX-License-Identifier: BSD-3-Clause */
/* opts.c - the one option parser every command uses, the global config
 * file, and secret (password/PIN) files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "filecheck.h"
#include "hwenroll.h"
#include "log.h"
#include "rc.h"
#include "secmem.h"

#define CONFIG_MAX_BYTES (64 * 1024)
#define SECRET_MAX_BYTES 4096

enum opt_type {
	T_STR,     /* text */
	T_FLAG,    /* no argument */
	T_SECONDS, /* whole seconds, at most a year */
	T_DAYS,    /* whole days, 0 to 36500 */
	T_HANDLE,  /* a TPM handle */
	T_LEVEL,   /* a log level */
	T_CHOICE,  /* one of the words of meta ("use|ignore"): their index */
	T_BACKEND, /* a key backend's name */
};

#define F_CONFIG    1u /* also a config-file key */
#define F_ENV_SET   2u /* the first of its variables that is set wins, even empty (as libcurl's proxy variables) */
#define F_HIDDEN    4u /* no command-line option: the environment only */
#define F_NEG_UNSET 8u /* a number that is -1 when nothing gives it (0 is a value) */

/* the typed field of struct hwe_args a row fills: its offset + 1 (0: none) */
#define AT(field) (offsetof(struct hwe_args, field) + 1)

/* Every option: the one table the parser, the resolver, --help, the
 * config file's key check and the typed values read. */
static const struct optdef {
	const char *name;
	enum opt_type type;
	unsigned flags;
	const char *meta;        /* the argument in --help */
	const char *env[4];      /* variables giving the value, first match wins */
	const char *secret_env;  /* a variable giving the secret itself instead of the file */
	const char *help;
	size_t at;               /* AT(field): where the value goes, typed by type */
	const char *def;         /* the default, converted like a given value */
} optdefs[HWE_OPT_COUNT] = {
	[HWE_OPT_URI] = { "uri", T_STR, F_CONFIG, "URL", { "EST_URI" }, NULL,
			  "EST URL; its operation segment is replaced",
			.at = AT(net.uri) },
	[HWE_OPT_SERVER_URL] = { "estc-server-url", T_STR, 0, "URL", { NULL }, NULL, "the same as --uri" },
	[HWE_OPT_KEY_ALIAS] = { "key-alias", T_STR, 0, "A", { NULL }, NULL,
				"keystore alias (keys/A.*, certs/A.pem)",
			.at = AT(alias) },
	[HWE_OPT_CSR_CONF] = { "csr-conf", T_STR, F_CONFIG, "FILE", { NULL }, NULL,
			       "CSR configuration; a name without '/' is read from <ks>/conf/",
			.at = AT(enroll.csr_conf) },
	[HWE_OPT_KEY_BACKEND] = { "key-backend", T_BACKEND, F_CONFIG, "B", { NULL }, NULL,
				  "software (default), tpm2 or pkcs11; an existing alias keeps its own",
			.at = AT(dev.backend) },
	[HWE_OPT_ALGORITHM] = { "algorithm", T_STR, F_CONFIG, "ECC|RSA", { NULL }, NULL, "key algorithm (default ECC)" },
	[HWE_OPT_CURVE] = { "curve", T_STR, F_CONFIG, "P256|P384|P521", { NULL }, NULL, "ECC curve (default P256)" },
	[HWE_OPT_SIZE] = { "size", T_STR, F_CONFIG, "2048|3072|4096", { NULL }, NULL, "RSA key size (default 2048)" },
	[HWE_OPT_TCTI] = { "tcti", T_STR, F_CONFIG, "STR", { "HWENROLL_TCTI", "TPM2OPENSSL_TCTI" }, NULL,
			   "how to reach the TPM (default device:/dev/tpmrm0)",
			.at = AT(dev.tcti), .def = "device:/dev/tpmrm0" },
	[HWE_OPT_TPM_PARENT] = { "tpm-parent", T_HANDLE, F_CONFIG, "HANDLE", { NULL }, NULL,
				 "the TPM parent key (default 0x81000001)",
			.at = AT(dev.tpm_parent) },
	[HWE_OPT_TPM_HANDLE] = { "tpm-handle", T_HANDLE, 0, "HANDLE", { NULL }, NULL,
				 "use the key already persistent at HANDLE instead of making one",
			.at = AT(dev.tpm_handle) },
	[HWE_OPT_PKCS11_MODULE] = { "pkcs11-module", T_STR, F_CONFIG, "PATH", { "HWENROLL_PKCS11_MODULE" }, NULL,
				    "PKCS#11 module (default p11-kit-proxy.so)",
			.at = AT(dev.pkcs11_module) },
	[HWE_OPT_TOKEN_URI] = { "token-uri", T_STR, F_CONFIG, "URI", { NULL }, NULL, "the PKCS#11 token (RFC 7512)",
			.at = AT(dev.token_uri) },
	[HWE_OPT_PIN_FILE] = { "pin-file", T_STR, F_CONFIG, "FILE", { NULL }, "HWENROLL_PKCS11_PIN",
			       "token PIN file",
			.at = AT(dev.pin_file) },
	[HWE_OPT_ESTC_USER] = { "estc-user", T_STR, F_CONFIG, "U", { "EST_USERNAME" }, NULL, "EST user name",
			.at = AT(net.user) },
	[HWE_OPT_ESTC_PASS_FILE] = { "estc-pass-file", T_STR, F_CONFIG, "FILE", { NULL }, "EST_PASS",
				     "EST password file",
			.at = AT(net.pass_file) },
	[HWE_OPT_ESTC_PASS] = { "estc-pass", T_STR, 0, "P", { NULL }, NULL,
				"EST password (other users can read it in ps: prefer a file or EST_PASS)" },
	[HWE_OPT_ESTC_TOKEN_FILE] = { "estc-token-file", T_STR, F_CONFIG, "FILE", { NULL }, "EST_TOKEN",
				      "Bearer access token file, answers a 401 that offers Bearer",
			.at = AT(net.token_file) },
	[HWE_OPT_AUTH_ALIAS] = { "auth-alias", T_STR, 0, "A", { NULL }, NULL,
				 "authenticate TLS with alias A's certificate and key",
			.at = AT(enroll.auth_alias) },
	[HWE_OPT_SERVER_DN] = { "estc-server-dn", T_STR, F_CONFIG, "HOST", { NULL }, NULL,
				"check the server certificate against HOST instead of the URL host",
			.at = AT(net.server_dn) },
	[HWE_OPT_REKEY] = { "rekey", T_FLAG, 0, NULL, { NULL }, NULL,
			    "a new key; the old one is replaced only after the new certificate verifies",
			.at = AT(enroll.rekey) },
	[HWE_OPT_JSON] = { "json", T_FLAG, 0, NULL, { NULL }, NULL, "print JSON",
			.at = AT(json) },
	[HWE_OPT_MAX_WAIT] = { "max-wait", T_SECONDS, F_CONFIG, "S", { NULL }, NULL,
			       "wait at most S seconds in total on 202 Retry-After (default 120)",
			.at = AT(net.max_wait_s), .def = "120" },
	[HWE_OPT_TIMEOUT] = { "timeout", T_SECONDS, F_CONFIG, "S", { NULL }, NULL, "per request (default 60)",
			.at = AT(net.timeout_s) },
	[HWE_OPT_CONNECT_TIMEOUT] = { "connect-timeout", T_SECONDS, F_CONFIG, "S", { NULL }, NULL,
				      "to connect (default 15)",
			.at = AT(net.connect_timeout_s) },
	[HWE_OPT_TLS_GROUPS] = { "tls-groups", T_STR, F_CONFIG, "LIST", { NULL }, NULL,
				 "TLS key-exchange groups to offer, e.g. P-256:P-384 (default: OpenSSL's)",
			.at = AT(net.tls_groups) },
	[HWE_OPT_CSRATTRS] = { "csrattrs", T_CHOICE, F_CONFIG, "use|ignore", { NULL }, NULL,
			       "build the CSR from the server's /csrattrs (default use)",
			.at = AT(enroll.csrattrs), .def = "use" },
	[HWE_OPT_POP] = { "pop", T_FLAG, 0, NULL, { NULL }, NULL,
			  "always send proof-of-possession (the TLS channel binding as challengePassword)" },
	[HWE_OPT_NO_POP] = { "no-pop", T_FLAG, 0, NULL, { NULL }, NULL, "never send proof-of-possession" },
	[HWE_OPT_POP_POLICY] = { "pop-policy", T_CHOICE, F_CONFIG, "auto|always|never", { NULL }, NULL,
				 "when to send it (default auto: when /csrattrs asks)",
			.at = AT(enroll.pop), .def = "auto" },
	[HWE_OPT_LOG_LEVEL] = { "log-level", T_LEVEL, 0, "LEVEL", { NULL }, NULL,
				"ERROR (default), WARN, INFO or DEBUG" },
	[HWE_OPT_FORCE] = { "force", T_FLAG, 0, NULL, { NULL }, NULL, "replace what exists",
			.at = AT(force) },
	[HWE_OPT_CREATE_PARENT] = { "create-parent", T_FLAG, 0, NULL, { NULL }, NULL,
				    "create the parent key (ECC P-256 storage key, owner hierarchy)",
			.at = AT(tpm.create_parent) },
	[HWE_OPT_BEFORE] = { "before", T_DAYS, F_CONFIG | F_NEG_UNSET, "DAYS", { NULL }, NULL,
			     "renew when fewer than DAYS days remain (default: the last third of the lifetime)",
			.at = AT(enroll.before_days) },
	[HWE_OPT_REKEY_ON_RENEW] = { "rekey-on-renew", T_FLAG, 0, NULL, { NULL }, NULL,
				     "renew with a new key each time",
			.at = AT(enroll.rekey_on_renew) },
	[HWE_OPT_DEPLOY_HOOK] = { "deploy-hook", T_STR, 0, "CMD", { NULL }, NULL,
				  "run CMD (/bin/sh -c) after a new certificate is committed, with HWENROLL_ALIAS, "
				  "_KEYSTORE, _CERT, _CHAIN, _KEY set",
			.at = AT(enroll.deploy_hook) },
	[HWE_OPT_HOOK_TIMEOUT] = { "deploy-hook-timeout", T_SECONDS, F_CONFIG, "S", { NULL }, NULL,
				   "kill the hook after S seconds (default 60)",
			.at = AT(enroll.hook_timeout_s), .def = "60" },
	[HWE_OPT_ALL] = { "all", T_FLAG, 0, NULL, { NULL }, NULL, "every alias",
			.at = AT(renew.all) },
	[HWE_OPT_CHECK] = { "check", T_FLAG, 0, NULL, { NULL }, NULL, "change nothing, report only",
			.at = AT(renew.check) },
	[HWE_OPT_SAVE] = { "save", T_FLAG, 0, NULL, { NULL }, NULL, "store the options given here in the profile",
			.at = AT(renew.save) },
	[HWE_OPT_METRICS] = { "metrics", T_STR, F_CONFIG, "FILE", { NULL }, NULL,
			      "write a Prometheus textfile (node_exporter) atomically",
			.at = AT(renew.metrics) },
	[HWE_OPT_RETRY_FOR] = { "retry-for", T_SECONDS, F_CONFIG, "S", { NULL }, NULL,
				"retry network errors and 5xx with backoff for up to S seconds (default 300)",
			.at = AT(renew.retry_for_s), .def = "300" },
	[HWE_OPT_RANDOM_DELAY] = { "random-delay", T_SECONDS, F_CONFIG, "S", { NULL }, NULL,
				   "first sleep a random time in [0, S)",
			.at = AT(renew.random_delay_s) },
	[HWE_OPT_PROXY] = { "proxy", T_STR, F_CONFIG | F_ENV_SET, "URL",
			    { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" }, NULL,
			    "HTTP(S) proxy, http://HOST:PORT or https://HOST:PORT, always a CONNECT tunnel",
			.at = AT(net.proxy) },
	[HWE_OPT_PROXY_USER] = { "proxy-user", T_STR, F_CONFIG, "U", { NULL }, NULL,
				 "proxy user, sent only to answer the proxy's 407",
			.at = AT(net.proxy_user) },
	[HWE_OPT_PROXY_PASS_FILE] = { "proxy-pass-file", T_STR, F_CONFIG, "FILE", { NULL }, NULL,
				      "proxy password file",
			.at = AT(net.proxy_pass_file) },
	[HWE_OPT_PROXY_CACERT] = { "proxy-cacert", T_STR, F_CONFIG, "FILE", { NULL }, NULL,
				   "trust for an https:// proxy (default: the system store, never <ks>/ca/)",
			.at = AT(net.proxy_cacert) },
	[HWE_OPT_ATTEST] = { "attest", T_FLAG, 0, NULL, { NULL }, NULL,
			     "the new TPM key is certified by the attestation key (TPM2_Certify over SHA-256 of "
			     "this connection's channel binding) and the CSR carries the evidence",
			.at = AT(attest.on) },
	[HWE_OPT_AK_HANDLE] = { "ak-handle", T_HANDLE, F_CONFIG, "HANDLE", { NULL }, NULL,
				"the attestation key (default 0x81000100)",
			.at = AT(attest.ak_handle), .def = "0x81000100" },
	[HWE_OPT_AK_CERT] = { "ak-cert", T_STR, F_CONFIG, "FILE|nv:INDEX", { NULL }, NULL,
			      "the attestation key's certificate and chain",
			.at = AT(attest.ak_cert) },
	[HWE_OPT_CREATE_AK] = { "create-ak", T_FLAG, 0, NULL, { NULL }, NULL,
				"create the attestation key (restricted signing key, persistent)",
			.at = AT(tpm.create_ak) },
	[HWE_OPT_AK_CSR] = { "ak-csr", T_FLAG, 0, NULL, { NULL }, NULL,
			     "print a CSR for the attestation key, signed by it",
			.at = AT(tpm.ak_csr) },
	[HWE_OPT_NO_PROXY] = { "no-proxy", T_STR, F_HIDDEN | F_ENV_SET, NULL, { "no_proxy", "NO_PROXY" },
			.at = AT(net.no_proxy) },
	[HWE_OPT_TCTI_RCWATCH] = { "tcti-rcwatch", T_STR, F_HIDDEN, NULL, { "HWENROLL_TCTI_RCWATCH" },
			.at = AT(dev.tcti_rcwatch) },
};

#define OPT_HELP HWE_OPT_COUNT

struct hwe_config {
	char *path;
	size_t n;
	char **keys;
	char **vals;
};

int hwe_opts_given(const struct hwe_opts *o, enum hwe_opt opt)
{
	return (unsigned)opt < HWE_OPT_COUNT && o->src[opt] == HWE_SRC_ARG;
}

const char *hwe_opt_name(enum hwe_opt opt)
{
	return (unsigned)opt < HWE_OPT_COUNT ? optdefs[opt].name : "?";
}

const char *hwe_opts_source(const struct hwe_opts *o, enum hwe_opt opt, char *buf, size_t len)
{
	if ((unsigned)opt >= HWE_OPT_COUNT)
		return NULL;
	switch (o->src[opt]) {
	case HWE_SRC_ARG:
		snprintf(buf, len, "--%s", optdefs[opt].name);
		return buf;
	case HWE_SRC_ENV:
		snprintf(buf, len, "%s", o->env[opt]);
		return buf;
	case HWE_SRC_CONFIG:
		snprintf(buf, len, "config key '%s'", optdefs[opt].name);
		return buf;
	case HWE_SRC_PROFILE:
		snprintf(buf, len, "profile key '%s'", optdefs[opt].name);
		return buf;
	default:
		return NULL;
	}
}

static const char *note_of(const struct hwe_usage *u, enum hwe_opt opt)
{
	const struct hwe_optnote *n;

	for (n = u->notes; n && n->opt != HWE_OPTS_END; n++)
		if (n->opt == opt)
			return n->help;
	return optdefs[opt].help;
}

/* Print text from column HELP_COL, wrapped before column 79. */
#define HELP_COL 25
static void print_wrapped(const char *text, size_t col)
{
	const char *w = text;

	while (*w) {
		size_t n = strcspn(w, " ");

		if (col > HELP_COL && col + 1 + n > 79) {
			printf("\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)n, w);
		col += n;
		w += n;
		while (*w == ' ')
			w++;
	}
	putchar('\n');
}

/* --help: the synopsis, then each option the parser accepts, from the same
 * list, with its environment variables: --help cannot drift from what the
 * command takes. */
void hwe_usage_print(const struct hwe_usage *usage)
{
	const enum hwe_opt *p;
	char line[768], left[64];
	size_t e, n;

	printf("usage: hwenroll [global options] %s\n\n%s\n\nOptions of '%s':\n", usage->synopsis,
	       usage->summary, usage->name);
	for (p = usage->opts;; p++) {
		enum hwe_opt opt = *p == HWE_OPTS_END ? HWE_OPT_LOG_LEVEL : *p;
		const struct optdef *d = &optdefs[opt];

		snprintf(left, sizeof(left), "  --%s%s%s", d->name, d->meta ? " " : "", d->meta ? d->meta : "");
		n = (size_t)snprintf(line, sizeof(line), "%s", note_of(usage, opt));
		for (e = 0; e < sizeof(d->env) / sizeof(d->env[0]) && d->env[e] && n < sizeof(line); e++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", e ? ", " : " (env ", d->env[e]);
		if (e && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, ")");
		if (d->secret_env && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, " (or the secret itself in %s)", d->secret_env);
		if (strlen(left) + 1 > HELP_COL)
			printf("%s\n%*s", left, HELP_COL, "");
		else
			printf("%-*s", HELP_COL, left);
		print_wrapped(line, HELP_COL);
		if (*p == HWE_OPTS_END)
			break;
	}
	if (usage->footer)
		printf("\n%s", usage->footer);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int config_key_known(const char *key)
{
	size_t i;

	if (strcmp(key, "keystore") == 0 || strcmp(key, "log-level") == 0)
		return 1;
	for (i = 0; i < HWE_OPT_COUNT; i++)
		if ((optdefs[i].flags & F_CONFIG) && strcmp(optdefs[i].name, key) == 0)
			return 1;
	return 0;
}

int hwe_config_load(const char *path, struct hwe_config **out)
{
	int ret = HWE_EXIT_INPUT;
	struct hwe_config *c = NULL;
	char *buf = NULL, *line, *next;
	FILE *f = NULL;
	size_t len, lineno = 0;

	f = fopen(path, "re");
	if (!f) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot open config file '%s': %s",
			path, strerror(errno));
		goto out;
	}
	{
		struct stat st;

		/* it names the PKCS#11 module loaded, the password and PIN files */
		if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
		    hwe_file_check("config file", path, &st, 0, HWE_EXIT_INPUT))
			goto out;
	}
	buf = calloc(1, CONFIG_MAX_BYTES + 1);
	c = calloc(1, sizeof(*c));
	if (!buf || !c) {
		ret = hwe_err_oom();
		goto out;
	}
	len = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot read config file '%s'", path);
		goto out;
	}
	if (len > CONFIG_MAX_BYTES) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
			"config file '%s' is larger than %d bytes", path, CONFIG_MAX_BYTES);
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
			"config file '%s' contains a NUL byte (not a text file)", path);
		goto out;
	}
	if (!(c->path = strdup(path))) {
		ret = hwe_err_oom();
		goto out;
	}
	for (line = buf; line && *line; line = next) {
		char *eq, *key, *val, **nk, **nv;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
				"%s:%zu: missing '=' (expected key=value)", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (!config_key_known(key)) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
				"%s:%zu: unknown key '%s' (expected a long option name such as uri, keystore, key-backend, tcti, log-level)",
				path, lineno, key);
			goto out;
		}
		if (!*val) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
				"%s:%zu: empty value for '%s'", path, lineno, key);
			goto out;
		}
		if (hwe_config_get(c, key)) {
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX,
				"%s:%zu: '%s' is set twice", path, lineno, key);
			goto out;
		}
		nk = realloc(c->keys, (c->n + 1) * sizeof(*nk));
		if (nk)
			c->keys = nk;
		nv = realloc(c->vals, (c->n + 1) * sizeof(*nv));
		if (nv)
			c->vals = nv;
		if (!nk || !nv) {
			ret = hwe_err_oom();
			goto out;
		}
		c->keys[c->n] = strdup(key);
		c->vals[c->n] = strdup(val);
		if (!c->keys[c->n] || !c->vals[c->n]) {
			free(c->keys[c->n]);
			free(c->vals[c->n]);
			ret = hwe_err_oom();
			goto out;
		}
		c->n++;
	}
	*out = c;
	c = NULL;
	ret = HWE_OK;
out:
	if (f)
		fclose(f);
	free(buf);
	hwe_config_free(c);
	return ret;
}

const char *hwe_config_get(const struct hwe_config *c, const char *key)
{
	size_t i;

	for (i = 0; c && i < c->n; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->vals[i];
	return NULL;
}

void hwe_config_free(struct hwe_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	free(c->path);
	free(c);
}

/* The EST user name goes into the Authorization header as it is (Digest
 * quotes it, Basic joins it to the password with ':'): a control character
 * (CR LF ends the header line and starts a new one) or a ':' (RFC 7617: a
 * Basic user-id cannot contain one; the server picks the scheme, so we
 * cannot know in advance that it will be Digest) is refused here, before
 * the keystore or the network is touched.  src names where the value came
 * from; the value itself is never printed (it holds the bad character). */
static const char *from_text(const struct hwe_opts *o, const struct hwe_ctx *ctx, int i, char *buf,
			     size_t len);

static int check_user(const char *v, const struct hwe_opts *o, const struct hwe_ctx *ctx)
{
	char src[300];
	size_t i;

	for (i = 0; v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"bad EST user name from %s: control character 0x%02x at position %zu",
				from_text(o, ctx, HWE_OPT_ESTC_USER, src, sizeof(src)), c, i + 1);
			hwe_err_hint("a user name cannot contain control characters (CR, LF, tab, ...): "
				     "they would end the HTTP Authorization header");
			return HWE_EXIT_USAGE;
		}
		if (c == ':') {
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"bad EST user name from %s: ':' at position %zu",
				from_text(o, ctx, HWE_OPT_ESTC_USER, src, sizeof(src)), i + 1);
			hwe_err_hint("RFC 7617 forbids ':' in a Basic user-id, and the server may ask for "
				     "Basic authentication; use a user name without ':'");
			return HWE_EXIT_USAGE;
		}
	}
	return HWE_OK;
}

/* ---- values ------------------------------------------------------------ */

static int num_ok(const char *s, int base, unsigned long long max, unsigned long long *v)
{
	char *end = NULL;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return 0;
	*v = strtoull(s, &end, base);
	return !errno && !*end && *v <= max;
}

/* "use|ignore" -> "use or ignore", "a|b|c" -> "a, b or c" */
static const char *choices_text(const char *meta, char *buf, size_t len)
{
	size_t n = 0, words = 1, w = 0;
	const char *p;

	for (p = meta; *p; p++)
		words += *p == '|';
	for (p = meta; *p && n + 5 < len; p++) {
		if (*p != '|') {
			buf[n++] = *p;
			continue;
		}
		n += (size_t)snprintf(buf + n, len - n, "%s", ++w == words - 1 ? " or " : ", ");
	}
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

/* the index of word s in "a|b|c", or -1 */
static int choice_index(const char *meta, const char *s)
{
	size_t n = strlen(s);
	int i = 0;

	for (;;) {
		size_t w = strcspn(meta, "|");

		if (w == n && strncmp(meta, s, n) == 0)
			return i;
		if (!meta[w])
			return -1;
		meta += w + 1;
		i++;
	}
}

/* Convert s for option d into *out (by d->type: a long, an int, a
 * backend pointer): HWE_OK, or -1 with what was expected in exp. */
static int convert(const struct optdef *d, const char *s, void *out, char *exp, size_t explen)
{
	unsigned long long v = 0;
	const char *expected = NULL;
	int i;

	switch (d->type) {
	case T_SECONDS:
		if (!num_ok(s, 10, 86400ull * 365, &v))
			expected = "whole seconds, at most one year";
		*(long *)out = (long)v;
		break;
	case T_DAYS:
		if (!num_ok(s, 10, 36500, &v))
			expected = "whole days, 0 to 36500";
		*(long *)out = (long)v;
		break;
	case T_HANDLE:
		if (!num_ok(s, 0, 0xffffffffull, &v))
			expected = "a handle, e.g. 0x81000001";
		*(uint32_t *)out = (uint32_t)v;
		break;
	case T_LEVEL:
		if ((i = hwe_log_parse_level(s)) < 0)
			expected = "ERROR, WARN, INFO or DEBUG";
		*(int *)out = i;
		break;
	case T_CHOICE:
		if ((i = choice_index(d->meta, s)) < 0)
			expected = choices_text(d->meta, exp, explen);
		*(int *)out = i;
		break;
	case T_BACKEND:
		if (!(*(const struct hwe_key_backend **)out = hwe_key_backend_by_name(s)))
			expected = "software, tpm2 or pkcs11";
		break;
	case T_FLAG:
		*(int *)out = 1;
		break;
	case T_STR:
		*(const char **)out = s;
		break;
	}
	if (!expected)
		return HWE_OK;
	if (expected != exp)
		snprintf(exp, explen, "%s", expected);
	return -1;
}

/* the usage error for value s of option d, from names where it came from
 * ("--timeout", "HWENROLL_TCTI", "'before' in certs/a.profile") */
static int bad_value(const struct optdef *d, const char *s, const char *from, const char *exp)
{
	if (d->type == T_BACKEND)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "unknown key backend '%s' from %s (expected %s)", s,
			       from, exp);
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "bad value '%s' for %s (expected %s)", s, from, exp);
}

/* Option i's typed field from its text, else its default; a bad value's
 * error names where it came from: `where` (renew's profile) or its source. */
static int store(struct hwe_opts *o, const struct hwe_ctx *ctx, int i, const char *where)
{
	const struct optdef *d = &optdefs[i];
	char *base = (char *)&o->a;
	union {
		long l;
		int i;
		uint32_t u;
		const char *s;
		const struct hwe_key_backend *b;
	} v;
	static const size_t size[] = {
		[T_STR] = sizeof(v.s), [T_FLAG] = sizeof(v.i), [T_SECONDS] = sizeof(v.l),
		[T_DAYS] = sizeof(v.l), [T_HANDLE] = sizeof(v.u), [T_LEVEL] = sizeof(v.i),
		[T_CHOICE] = sizeof(v.i), [T_BACKEND] = sizeof(v.b),
	};
	const char *s = o->val[i] ? o->val[i] : d->def;
	char exp[64], from[300];

	if (!d->at)
		return HWE_OK;
	memset(&v, 0, sizeof(v));
	if (!s && (d->flags & F_NEG_UNSET))
		v.l = -1;
	else if (s && convert(d, s, &v, exp, sizeof(exp))) {
		if (!o->val[i])
			return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "bad default for --%s", d->name);
		if (where)
			snprintf(from, sizeof(from), "'%s' in %s", d->name, where);
		return bad_value(d, s, where ? from : from_text(o, ctx, i, from, sizeof(from)), exp);
	}
	memcpy(base + d->at - 1, &v, size[d->type]);
	return HWE_OK;
}

/* ---- parsing and resolving ------------------------------------------------ */

/* one option from argv */
static int take_arg(struct hwe_opts *o, const struct hwe_usage *usage, int c, char *arg)
{
	const struct optdef *d = &optdefs[c];

	if (c == HWE_OPT_KEY_ALIAS && usage->multi_alias) {
		if (o->naliases >= HWE_MAX_ALIASES)
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "more than %d --key-alias options",
				       HWE_MAX_ALIASES);
		o->aliases[o->naliases++] = arg;
		if (o->src[c] == HWE_SRC_ARG)
			return HWE_OK; /* the first one is also val[] */
	}
	if (o->src[c] == HWE_SRC_ARG)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '--%s' given twice", d->name);
	if (d->type != T_FLAG && !*arg)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '--%s' has an empty value", d->name);
	o->src[c] = HWE_SRC_ARG;
	o->val[c] = d->type == T_FLAG ? "1" : arg;
	if (c == HWE_OPT_ESTC_PASS) {
		/* as database clients do: keep a copy in the secure heap and
		 * blank the argument, so /proc/PID/cmdline shows it only until
		 * here (the warning stays: it was visible) */
		static char *pass_copy;

		OPENSSL_secure_clear_free(pass_copy, pass_copy ? strlen(pass_copy) + 1 : 0);
		if (!(pass_copy = OPENSSL_secure_malloc(strlen(arg) + 1)))
			return hwe_err_oom();
		memcpy(pass_copy, arg, strlen(arg) + 1);
		memset(arg, 'x', strlen(arg));
		o->val[c] = pass_copy;
	}
	if (c == HWE_OPT_LOG_LEVEL) { /* at once: the rest of the parse may log */
		char exp[64];
		int lvl;

		if (convert(d, arg, &lvl, exp, sizeof(exp)))
			return bad_value(d, arg, "--log-level", exp);
		hwe_log_set_level((enum hwe_log_level)lvl);
	}
	return HWE_OK;
}

/* An option not on the command line: its variables, then the config file. */
static void resolve_default(struct hwe_opts *o, const struct hwe_ctx *ctx, int i)
{
	const struct optdef *d = &optdefs[i];
	const char *v;
	size_t e;

	for (e = 0; e < sizeof(d->env) / sizeof(d->env[0]) && d->env[e]; e++) {
		v = getenv(d->env[e]);
		if (v && (*v || (d->flags & F_ENV_SET))) {
			o->src[i] = HWE_SRC_ENV;
			o->env[i] = d->env[e];
			o->val[i] = v;
			return;
		}
	}
	if (d->secret_env && (v = getenv(d->secret_env)) && *v) {
		o->src[i] = HWE_SRC_ENV;
		o->env[i] = d->secret_env;
		o->secret[i] = v;
		return;
	}
	if ((d->flags & F_CONFIG) && ctx && (v = hwe_config_get(ctx->config, d->name))) {
		o->src[i] = HWE_SRC_CONFIG;
		o->val[i] = v;
	}
}

/* where a value came from, for a message about it */
static const char *from_text(const struct hwe_opts *o, const struct hwe_ctx *ctx, int i, char *buf,
			     size_t len)
{
	if (o->src[i] == HWE_SRC_CONFIG) {
		snprintf(buf, len, "'%s' in config file '%s'", optdefs[i].name,
			 ctx && ctx->config_file ? ctx->config_file : "?");
		return buf;
	}
	return hwe_opts_source(o, (enum hwe_opt)i, buf, len);
}

/* The values made from several options, after every option is stored. */
static int derive(struct hwe_opts *o, const struct hwe_ctx *ctx)
{
	struct hwe_args *a = &o->a;
	char from[300];
	int ret;

	/* --pop / --no-pop beat the policy from anywhere, but not beside a
	 * --pop-policy on the same command line */
	if (o->val[HWE_OPT_POP] && o->val[HWE_OPT_NO_POP])
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--pop and --no-pop both given; use one");
	if ((hwe_opts_given(o, HWE_OPT_POP) || hwe_opts_given(o, HWE_OPT_NO_POP)) &&
	    hwe_opts_given(o, HWE_OPT_POP_POLICY))
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--pop-policy and --pop/--no-pop both given; use one");
	if (o->val[HWE_OPT_POP])
		a->enroll.pop = HWE_POP_ALWAYS;
	else if (o->val[HWE_OPT_NO_POP])
		a->enroll.pop = HWE_POP_NEVER;
	/* the key type of a new key (the tpm command: of the attestation key) */
	a->spec_given = o->val[HWE_OPT_ALGORITHM] || o->val[HWE_OPT_CURVE] || o->val[HWE_OPT_SIZE];
	if ((ret = hwe_keyspec_parse(o->val[HWE_OPT_ALGORITHM], o->val[HWE_OPT_CURVE], o->val[HWE_OPT_SIZE],
				     &a->spec)))
		return ret;
	/* --ak-cert nv:INDEX */
	a->attest.ak_cert_nv = 0;
	if (a->attest.ak_cert && strncmp(a->attest.ak_cert, "nv:", 3) == 0) {
		static const struct optdef nv = { .name = "ak-cert", .type = T_HANDLE };
		char what[340], exp[64];

		if (convert(&nv, a->attest.ak_cert + 3, &a->attest.ak_cert_nv, exp, sizeof(exp))) {
			snprintf(what, sizeof(what), "the NV index of %s",
				 from_text(o, ctx, HWE_OPT_AK_CERT, from, sizeof(from)));
			return bad_value(&nv, a->attest.ak_cert + 3, what, exp);
		}
		if (!a->attest.ak_cert_nv)
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "bad value 'nv:0' for %s (expected nv: and an NV index, e.g. nv:0x01c90000)",
				       from_text(o, ctx, HWE_OPT_AK_CERT, from, sizeof(from)));
	}
	/* secrets given as themselves: --estc-pass, else the variables of
	 * the *-file options (a file given anywhere beats them there) */
	a->net.pass = o->val[HWE_OPT_ESTC_PASS] ? o->val[HWE_OPT_ESTC_PASS] : o->secret[HWE_OPT_ESTC_PASS_FILE];
	a->net.token = o->secret[HWE_OPT_ESTC_TOKEN_FILE];
	a->dev.pin = o->secret[HWE_OPT_PIN_FILE];
	/* where the proxy came from, for its messages */
	a->net.proxy_from[0] = '\0';
	if (a->net.proxy)
		hwe_opts_source(o, HWE_OPT_PROXY, a->net.proxy_from, sizeof(a->net.proxy_from));
	a->net.proxy_from_env = o->src[HWE_OPT_PROXY] == HWE_SRC_ENV;
	a->net.no_proxy_from = o->env[HWE_OPT_NO_PROXY];
	a->renew.aliases = o->aliases;
	a->renew.naliases = o->naliases;
	if (a->net.user && (ret = check_user(a->net.user, o, ctx)))
		return ret;
	return HWE_OK;
}

int hwe_opts_set(struct hwe_opts *o, enum hwe_opt opt, const char *value, enum hwe_optsrc src,
		 const char *where)
{
	int ret;

	if ((unsigned)opt >= HWE_OPT_COUNT || !value)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL, "bad option to set");
	o->val[opt] = optdefs[opt].type == T_FLAG ? "1" : value;
	o->src[opt] = src;
	o->env[opt] = NULL;
	o->secret[opt] = NULL;
	if ((ret = store(o, NULL, opt, where ? where : "?")))
		return ret;
	return derive(o, NULL);
}

void hwe_opts_unset(struct hwe_opts *o, enum hwe_opt opt)
{
	if ((unsigned)opt >= HWE_OPT_COUNT)
		return;
	o->val[opt] = NULL;
	o->src[opt] = HWE_SRC_NONE;
	o->env[opt] = NULL;
	o->secret[opt] = NULL;
	store(o, NULL, opt, NULL); /* a default converts */
	derive(o, NULL);
}

int hwe_opts_parse(int argc, char **argv, struct hwe_ctx *ctx, const struct hwe_usage *usage,
		   struct hwe_opts *o)
{
	struct option longopts[HWE_OPT_COUNT + 2];
	const enum hwe_opt *p;
	size_t n = 0;
	int c, i, ret;

	memset(o, 0, sizeof(*o));
	for (p = usage->opts; *p != HWE_OPTS_END; p++)
		o->allowed[*p] = 1;
	/* --log-level is accepted after every command (the reference
	 * workflow puts it last) */
	o->allowed[HWE_OPT_LOG_LEVEL] = 1;
	/* the command's own options first: getopt_long stops at an exact
	 * match; the others are there to be refused by name */
	for (c = 0; c < 2; c++)
		for (i = 0; i < HWE_OPT_COUNT; i++) {
			if ((optdefs[i].flags & F_HIDDEN) || o->allowed[i] != !c)
				continue;
			longopts[n++] = (struct option){ optdefs[i].name,
							 optdefs[i].type == T_FLAG ? no_argument : required_argument,
							 NULL, i };
		}
	longopts[n++] = (struct option){ "help", no_argument, NULL, HWE_OPT_COUNT };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h' || c == HWE_OPT_COUNT) {
			hwe_usage_print(usage);
			return -1;
		}
		if (c == '?')
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "unknown option '%s' for 'hwenroll %s' (see 'hwenroll %s --help')",
				       argv[optind - 1], usage->name, usage->name);
		if (c == ':')
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '%s' needs a value", argv[optind - 1]);
		if (c < 0 || c >= HWE_OPT_COUNT || !o->allowed[c])
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "option '--%s' does not apply to 'hwenroll %s' (see 'hwenroll %s --help')",
				       optdefs[c < HWE_OPT_COUNT && c >= 0 ? c : 0].name, usage->name,
				       usage->name);
		if ((ret = take_arg(o, usage, c, optarg)))
			return ret;
	}
	o->nargs = argc - optind;
	o->args = argv + optind;
	hwe_secmem_report();

	if (hwe_opts_given(o, HWE_OPT_URI) && hwe_opts_given(o, HWE_OPT_SERVER_URL))
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "--uri and --estc-server-url both given; use one");
	if (o->val[HWE_OPT_SERVER_URL]) {
		o->val[HWE_OPT_URI] = o->val[HWE_OPT_SERVER_URL];
		o->src[HWE_OPT_URI] = HWE_SRC_ARG;
	}
	if (o->val[HWE_OPT_ESTC_PASS])
		hwe_warn("--estc-pass puts the password where other users can see it (ps, /proc); "
			 "prefer EST_PASS or --estc-pass-file");
	if (o->val[HWE_OPT_ESTC_PASS] && o->val[HWE_OPT_ESTC_PASS_FILE])
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--estc-pass and --estc-pass-file both given; use one");

	/* the rest: environment, then the config file (the hidden settings
	 * for every command) */
	for (i = 0; i < HWE_OPT_COUNT; i++) {
		if (o->src[i] != HWE_SRC_NONE || !(o->allowed[i] || (optdefs[i].flags & F_HIDDEN)))
			continue;
		/* a password on the command line beats EST_PASS and the config's file */
		if (i == HWE_OPT_ESTC_PASS_FILE && o->val[HWE_OPT_ESTC_PASS])
			continue;
		resolve_default(o, ctx, i);
	}
	/* converted once, here, into the typed values: nothing later parses
	 * these again */
	for (i = 0; i < HWE_OPT_COUNT; i++) {
		if (!o->val[i] && !optdefs[i].def && !(optdefs[i].flags & F_NEG_UNSET))
			continue; /* its field stays 0 */
		if ((ret = store(o, ctx, i, NULL)))
			return ret;
	}
	return derive(o, ctx);
}

int hwe_read_secret_file(const char *path, const char *what, char **out)
{
	int ret = HWE_EXIT_INPUT, fd = -1;
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED, "cannot open %s file '%s': %s", what,
			path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "%s file '%s' is not a regular file",
			what, path);
		goto out;
	}
	{
		char desc[32];

		/* readable by others: they have the secret; writable: they choose it */
		snprintf(desc, sizeof(desc), "%s file", what);
		if (hwe_file_check(desc, path, &st, HWE_FILE_SECRET, HWE_EXIT_INPUT))
			goto out;
	}
	/* read straight into the secure heap (no stdio buffer keeps a copy);
	 * one byte more than the limit tells a too long line from a full one */
	buf = OPENSSL_secure_zalloc(SECRET_MAX_BYTES + 2);
	if (!buf) {
		ret = hwe_err_oom();
		goto out;
	}
	while (len < SECRET_MAX_BYTES + 1 &&
	       (n = read(fd, buf + len, SECRET_MAX_BYTES + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "cannot read %s file '%s': %s",
				what, path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	len = strcspn(buf, "\r\n");
	if (len > SECRET_MAX_BYTES) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
			"%s file '%s': the first line is longer than %d bytes", what, path,
			SECRET_MAX_BYTES);
		goto out;
	}
	buf[len] = '\0';
	if (!*buf) {
		hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED, "%s file '%s' is empty", what, path);
		goto out;
	}
	/* keep only what the secret needs of the small secure heap */
	if (!(*out = hwe_secret_dup(buf))) {
		ret = hwe_err_oom();
		goto out;
	}
	ret = HWE_OK;
out:
	if (fd >= 0)
		close(fd);
	if (buf)
		OPENSSL_secure_clear_free(buf, SECRET_MAX_BYTES + 2);
	return ret;
}

char *hwe_secret_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = OPENSSL_secure_malloc(n);

	if (d) {
		memcpy(d, s, n);
		hwe_secret_register(d);   /* libcurl's copies go to the secure heap too */
	}
	return d;
}

void hwe_secret_free(char *s)
{
	if (!s)
		return;
	hwe_secret_unregister(s);
	if (CRYPTO_secure_allocated(s)) {
		OPENSSL_secure_clear_free(s, strlen(s) + 1);
	} else {
		OPENSSL_cleanse(s, strlen(s));
		OPENSSL_free(s);
	}
}

int hwe_opts_key(const struct hwe_dev_args *d, struct hwe_key_opts *ko, char **pin_out)
{
	int ret;

	memset(ko, 0, sizeof(*ko));
	*pin_out = NULL;
	ko->tcti = d->tcti;
	ko->tcti_rcwatch = d->tcti_rcwatch;
	ko->tpm_parent = d->tpm_parent;
	ko->tpm_handle = d->tpm_handle;
	ko->pkcs11_module = d->pkcs11_module;
	ko->token_uri = d->token_uri;
	if (d->pin_file) {
		if ((ret = hwe_read_secret_file(d->pin_file, "PIN", pin_out)))
			return ret;
	} else if (d->pin && !(*pin_out = hwe_secret_dup(d->pin))) {
		return hwe_err_oom();
	}
	ko->pin = *pin_out;
	return HWE_OK;
}
