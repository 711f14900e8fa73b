/* SPDX-License-Identifier: BSD-3-Clause */
/* opts.c - the one option parser every command uses, the global config
 * file, and secret (password/PIN) files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

static const struct {
	const char *name;
	int has_arg;
	const char *env;       /* environment default, or NULL */
	int from_config;       /* may come from the config file */
} optdefs[HWE_OPT_COUNT] = {
	[HWE_OPT_URI] = { "uri", required_argument, "EST_URI", 1 },
	[HWE_OPT_KEY_ALIAS] = { "key-alias", required_argument, NULL, 0 },
	[HWE_OPT_CSR_CONF] = { "csr-conf", required_argument, NULL, 1 },
	[HWE_OPT_KEY_BACKEND] = { "key-backend", required_argument, NULL, 1 },
	[HWE_OPT_ALGORITHM] = { "algorithm", required_argument, NULL, 1 },
	[HWE_OPT_CURVE] = { "curve", required_argument, NULL, 1 },
	[HWE_OPT_SIZE] = { "size", required_argument, NULL, 1 },
	[HWE_OPT_TCTI] = { "tcti", required_argument, NULL, 1 },
	[HWE_OPT_TPM_PARENT] = { "tpm-parent", required_argument, NULL, 1 },
	[HWE_OPT_TPM_HANDLE] = { "tpm-handle", required_argument, NULL, 0 },
	[HWE_OPT_PKCS11_MODULE] = { "pkcs11-module", required_argument, NULL, 1 },
	[HWE_OPT_TOKEN_URI] = { "token-uri", required_argument, NULL, 1 },
	[HWE_OPT_PIN_FILE] = { "pin-file", required_argument, NULL, 1 },
	[HWE_OPT_ESTC_USER] = { "estc-user", required_argument, "EST_USERNAME", 1 },
	[HWE_OPT_ESTC_PASS] = { "estc-pass", required_argument, NULL, 0 },
	[HWE_OPT_ESTC_PASS_FILE] = { "estc-pass-file", required_argument, NULL, 1 },
	[HWE_OPT_SERVER_DN] = { "estc-server-dn", required_argument, NULL, 1 },
	[HWE_OPT_SERVER_URL] = { "estc-server-url", required_argument, NULL, 0 },
	[HWE_OPT_REKEY] = { "rekey", no_argument, NULL, 0 },
	[HWE_OPT_JSON] = { "json", no_argument, NULL, 0 },
	[HWE_OPT_MAX_WAIT] = { "max-wait", required_argument, NULL, 1 },
	[HWE_OPT_TIMEOUT] = { "timeout", required_argument, NULL, 1 },
	[HWE_OPT_CONNECT_TIMEOUT] = { "connect-timeout", required_argument, NULL, 1 },
	[HWE_OPT_TLS_GROUPS] = { "tls-groups", required_argument, NULL, 1 },
	[HWE_OPT_POP] = { "pop", no_argument, NULL, 0 },
	[HWE_OPT_NO_POP] = { "no-pop", no_argument, NULL, 0 },
	[HWE_OPT_POP_POLICY] = { "pop-policy", required_argument, NULL, 1 },
	[HWE_OPT_CSRATTRS] = { "csrattrs", required_argument, NULL, 1 },
	[HWE_OPT_LOG_LEVEL] = { "log-level", required_argument, NULL, 0 },
	[HWE_OPT_FORCE] = { "force", no_argument, NULL, 0 },
	[HWE_OPT_CREATE_PARENT] = { "create-parent", no_argument, NULL, 0 },
	[HWE_OPT_AUTH_ALIAS] = { "auth-alias", required_argument, NULL, 0 },
	[HWE_OPT_BEFORE] = { "before", required_argument, NULL, 1 },
	[HWE_OPT_REKEY_ON_RENEW] = { "rekey-on-renew", no_argument, NULL, 0 },
	[HWE_OPT_DEPLOY_HOOK] = { "deploy-hook", required_argument, NULL, 0 },
	[HWE_OPT_HOOK_TIMEOUT] = { "deploy-hook-timeout", required_argument, NULL, 1 },
	[HWE_OPT_ALL] = { "all", no_argument, NULL, 0 },
	[HWE_OPT_CHECK] = { "check", no_argument, NULL, 0 },
	[HWE_OPT_SAVE] = { "save", no_argument, NULL, 0 },
	[HWE_OPT_METRICS] = { "metrics", required_argument, NULL, 1 },
	[HWE_OPT_RETRY_FOR] = { "retry-for", required_argument, NULL, 1 },
	[HWE_OPT_RANDOM_DELAY] = { "random-delay", required_argument, NULL, 1 },
	/* EST_TOKEN is the token itself, not a file name: see hwe_cmd_net_prepare */
	[HWE_OPT_ESTC_TOKEN_FILE] = { "estc-token-file", required_argument, NULL, 1 },
	/* the proxy environment (https_proxy, no_proxy, ...) is read in http-proxy.c */
	[HWE_OPT_PROXY] = { "proxy", required_argument, NULL, 1 },
	[HWE_OPT_PROXY_USER] = { "proxy-user", required_argument, NULL, 1 },
	[HWE_OPT_PROXY_PASS_FILE] = { "proxy-pass-file", required_argument, NULL, 1 },
	[HWE_OPT_ATTEST] = { "attest", no_argument, NULL, 0 },
	[HWE_OPT_AK_HANDLE] = { "ak-handle", required_argument, NULL, 1 },
	[HWE_OPT_AK_CERT] = { "ak-cert", required_argument, NULL, 1 },
	[HWE_OPT_CREATE_AK] = { "create-ak", no_argument, NULL, 0 },
	[HWE_OPT_AK_CSR] = { "ak-csr", no_argument, NULL, 0 },
	[HWE_OPT_PROXY_CACERT] = { "proxy-cacert", required_argument, NULL, 1 },
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
	return (o->given & HWE_OPTBIT(opt)) != 0;
}

const char *hwe_opt_name(enum hwe_opt opt)
{
	return (unsigned)opt < HWE_OPT_COUNT ? optdefs[opt].name : "?";
}

void hwe_usage_print(const struct hwe_usage *usage, unsigned long long allowed)
{
	size_t i, col;
	int n;

	printf("usage: hwenroll [global options] %s\n\n%s\n", usage->synopsis, usage->summary);
	if (usage->details && *usage->details)
		printf("\n%s", usage->details);
	/* the complete list, from the same set the parser accepts: --help
	 * cannot drift from what the command takes */
	printf("\nAll options of '%s':", usage->name);
	col = 80;
	for (i = 0; i < HWE_OPT_COUNT; i++) {
		if (!(allowed & HWE_OPTBIT(i)))
			continue;
		n = (int)strlen(optdefs[i].name) + 3;
		if (col + (size_t)n > 78) {
			printf("\n ");
			col = 1;
		}
		printf(" --%s", optdefs[i].name);
		col += (size_t)n;
	}
	printf("\n");
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
		if (optdefs[i].from_config && strcmp(optdefs[i].name, key) == 0)
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
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
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
	c->path = strdup(path);
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
			ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
			goto out;
		}
		c->keys[c->n] = strdup(key);
		c->vals[c->n] = strdup(val);
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
static int check_user(const char *v, const char *src)
{
	size_t i;

	for (i = 0; v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"bad EST user name from %s: control character 0x%02x at position %zu",
				src, c, i + 1);
			hwe_err_hint("a user name cannot contain control characters (CR, LF, tab, ...): "
				     "they would end the HTTP Authorization header");
			return HWE_EXIT_USAGE;
		}
		if (c == ':') {
			hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				"bad EST user name from %s: ':' at position %zu", src, i + 1);
			hwe_err_hint("RFC 7617 forbids ':' in a Basic user-id, and the server may ask for "
				     "Basic authentication; use a user name without ':'");
			return HWE_EXIT_USAGE;
		}
	}
	return HWE_OK;
}

int hwe_opts_parse(int argc, char **argv, struct hwe_ctx *ctx, unsigned long long allowed,
		   const struct hwe_usage *usage, struct hwe_opts *o)
{
	char src[512];
	int user_src = 0;   /* where --estc-user came from: 0 command line, 1 env, 2 config */
	struct option longopts[HWE_OPT_COUNT + 2];
	size_t i, n = 0;
	int c, lvl;

	memset(o, 0, sizeof(*o));
	/* --log-level is accepted after every command (the reference
	 * workflow puts it last) */
	allowed |= HWE_OPTBIT(HWE_OPT_LOG_LEVEL);
	for (i = 0; i < HWE_OPT_COUNT; i++) {
		longopts[n].name = optdefs[i].name;
		longopts[n].has_arg = optdefs[i].has_arg;
		longopts[n].flag = NULL;
		longopts[n].val = (int)i;
		n++;
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			hwe_usage_print(usage, allowed);
			return -1;
		}
		if (c == '?')
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "unknown option '%s' for 'hwenroll %s' (see 'hwenroll %s --help')",
				       argv[optind - 1], usage->name, usage->name);
		if (c == ':')
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "option '%s' needs a value", argv[optind - 1]);
		if (c < 0 || c >= HWE_OPT_COUNT || !(allowed & HWE_OPTBIT(c)))
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
				       "option '--%s' does not apply to 'hwenroll %s' (see 'hwenroll %s --help')",
				       optdefs[c < HWE_OPT_COUNT && c >= 0 ? c : 0].name, usage->name,
				       usage->name);
		if (c == HWE_OPT_KEY_ALIAS && (allowed & HWE_OPTS_MULTI_ALIAS)) {
			if (o->naliases >= HWE_MAX_ALIASES)
				return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
					       "more than %d --key-alias options", HWE_MAX_ALIASES);
			o->aliases[o->naliases++] = optarg;
			if (o->given & HWE_OPTBIT(c))
				continue;   /* the first one is also val[] */
		}
		if (o->given & HWE_OPTBIT(c))
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '--%s' given twice",
				       optdefs[c].name);
		o->given |= HWE_OPTBIT(c);
		o->val[c] = optdefs[c].has_arg ? optarg : "1";
		if (c == HWE_OPT_ESTC_PASS && optarg && *optarg) {
			/* as database clients do: keep a copy in the secure heap and
			 * blank the argument, so /proc/PID/cmdline shows it only
			 * until here (the warning below stays: it was visible) */
			static char *pass_copy;

			OPENSSL_secure_clear_free(pass_copy, pass_copy ? strlen(pass_copy) + 1 : 0);
			if (!(pass_copy = OPENSSL_secure_malloc(strlen(optarg) + 1)))
				return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
			memcpy(pass_copy, optarg, strlen(optarg) + 1);
			memset(optarg, 'x', strlen(optarg));
			o->val[c] = pass_copy;
		}
		if (optdefs[c].has_arg && !*optarg)
			return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "option '--%s' has an empty value",
				       optdefs[c].name);
		if (c == HWE_OPT_LOG_LEVEL) {
			lvl = hwe_log_parse_level(optarg);
			if (lvl < 0)
				return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
					       "unknown log level '%s' (expected ERROR, WARN, INFO or DEBUG)",
					       optarg);
			hwe_log_set_level((enum hwe_log_level)lvl);
		}
	}
	o->nargs = argc - optind;
	o->args = argv + optind;
	hwe_secmem_report();

	if ((o->given & HWE_OPTBIT(HWE_OPT_URI)) && (o->given & HWE_OPTBIT(HWE_OPT_SERVER_URL)))
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--uri and --estc-server-url both given; use one");
	if (o->val[HWE_OPT_SERVER_URL])
		o->val[HWE_OPT_URI] = o->val[HWE_OPT_SERVER_URL];
	if (o->val[HWE_OPT_ESTC_PASS])
		hwe_warn("--estc-pass puts the password where other users can see it (ps, /proc); "
			 "prefer EST_PASS or --estc-pass-file");
	if (o->val[HWE_OPT_ESTC_PASS] && o->val[HWE_OPT_ESTC_PASS_FILE])
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--estc-pass and --estc-pass-file both given; use one");

	/* defaults: environment, then the config file */
	for (i = 0; i < HWE_OPT_COUNT; i++) {
		const char *v;

		if (o->val[i] || !(allowed & HWE_OPTBIT(i)))
			continue;
		if (optdefs[i].env && (v = getenv(optdefs[i].env)) && *v) {
			o->val[i] = v;
			if (i == HWE_OPT_ESTC_USER)
				user_src = 1;
			continue;
		}
		if (optdefs[i].from_config && ctx && (v = hwe_config_get(ctx->config, optdefs[i].name))) {
			o->val[i] = v;
			if (i == HWE_OPT_ESTC_USER)
				user_src = 2;
		}
	}
	if (o->val[HWE_OPT_ESTC_USER]) {
		if (user_src == 1)
			snprintf(src, sizeof(src), "%s", optdefs[HWE_OPT_ESTC_USER].env);
		else if (user_src == 2)
			snprintf(src, sizeof(src), "'%s' in config file '%s'",
				 optdefs[HWE_OPT_ESTC_USER].name, ctx->config_file ? ctx->config_file : "?");
		else
			snprintf(src, sizeof(src), "--%s", optdefs[HWE_OPT_ESTC_USER].name);
		if ((c = check_user(o->val[HWE_OPT_ESTC_USER], src)))
			return c;
	}
	return HWE_OK;
}

int hwe_opts_handle(const char *s, const char *opt, uint32_t *out)
{
	unsigned long long v;
	char *end = NULL;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > 0xffffffffull)
		goto bad;
	*out = (uint32_t)v;
	return HWE_OK;
bad:
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
		       "bad handle '%s' for --%s (expected e.g. 0x81000001)", s ? s : "", opt);
}

int hwe_opts_seconds(const char *s, const char *opt, long *out)
{
	long long v;
	char *end = NULL;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > 86400LL * 365)
		goto bad;
	*out = (long)v;
	return HWE_OK;
bad:
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
		       "bad value '%s' for --%s (expected whole seconds, at most one year)",
		       s ? s : "", opt);
}

int hwe_opts_days(const char *s, const char *opt, long *out)
{
	long v;
	char *end = NULL;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		goto bad;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 36500)
		goto bad;
	*out = v;
	return HWE_OK;
bad:
	return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
		       "bad value '%s' for --%s (expected whole days, 0 to 36500)", s ? s : "", opt);
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
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
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
		ret = hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
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

int hwe_opts_key(const struct hwe_opts *o, struct hwe_key_opts *ko, char **pin_out)
{
	const char *env;
	int ret;

	memset(ko, 0, sizeof(*ko));
	*pin_out = NULL;
	/* the documented order for each: command line, then the environment,
	 * then the config file (o->val holds a config value when the option
	 * was not given), then the default */
	ko->alias = o->val[HWE_OPT_KEY_ALIAS];
	ko->tcti = hwe_opts_given(o, HWE_OPT_TCTI) ? o->val[HWE_OPT_TCTI] : NULL;
	if (!ko->tcti && (env = getenv("HWENROLL_TCTI")) && *env)
		ko->tcti = env;
	if (!ko->tcti && (env = getenv("TPM2OPENSSL_TCTI")) && *env)
		ko->tcti = env;
	if (!ko->tcti)
		ko->tcti = o->val[HWE_OPT_TCTI];
	if (!ko->tcti)
		ko->tcti = "device:/dev/tpmrm0";
	if (o->val[HWE_OPT_TPM_PARENT] &&
	    (ret = hwe_opts_handle(o->val[HWE_OPT_TPM_PARENT], "tpm-parent", &ko->tpm_parent)))
		return ret;
	if (o->val[HWE_OPT_TPM_HANDLE] &&
	    (ret = hwe_opts_handle(o->val[HWE_OPT_TPM_HANDLE], "tpm-handle", &ko->tpm_handle)))
		return ret;
	ko->pkcs11_module = o->val[HWE_OPT_PKCS11_MODULE];
	if (!hwe_opts_given(o, HWE_OPT_PKCS11_MODULE) && (env = getenv("HWENROLL_PKCS11_MODULE")) && *env)
		ko->pkcs11_module = env;
	ko->token_uri = o->val[HWE_OPT_TOKEN_URI];
	if (hwe_opts_given(o, HWE_OPT_PIN_FILE) ||
	    (o->val[HWE_OPT_PIN_FILE] && !((env = getenv("HWENROLL_PKCS11_PIN")) && *env))) {
		ret = hwe_read_secret_file(o->val[HWE_OPT_PIN_FILE], "PIN", pin_out);
		if (ret)
			return ret;
	} else if ((env = getenv("HWENROLL_PKCS11_PIN")) && *env) {
		*pin_out = hwe_secret_dup(env);
		if (!*pin_out)
			return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY, "out of memory");
	}
	ko->pin = *pin_out;
	return HWE_OK;
}
