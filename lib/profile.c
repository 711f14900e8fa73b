/* SPDX-License-Identifier: BSD-3-Clause */
/* profile.c - the enrollment profile of an alias (see profile.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hwenroll.h"
#include "log.h"
#include "profile.h"
#include "rc.h"

/* the options a profile remembers, in the order written */
static const enum hwe_opt stored[] = {
	HWE_OPT_URI, HWE_OPT_KEY_BACKEND, HWE_OPT_TCTI, HWE_OPT_TPM_PARENT,
	HWE_OPT_PKCS11_MODULE, HWE_OPT_TOKEN_URI, HWE_OPT_PIN_FILE, HWE_OPT_CSR_CONF,
	HWE_OPT_AUTH_ALIAS, HWE_OPT_ESTC_USER, HWE_OPT_ESTC_PASS_FILE, HWE_OPT_SERVER_DN,
	HWE_OPT_TIMEOUT, HWE_OPT_CONNECT_TIMEOUT, HWE_OPT_TLS_GROUPS, HWE_OPT_MAX_WAIT,
	HWE_OPT_POP_POLICY, HWE_OPT_CSRATTRS, HWE_OPT_BEFORE, HWE_OPT_REKEY_ON_RENEW,
	HWE_OPT_DEPLOY_HOOK, HWE_OPT_HOOK_TIMEOUT,
	/* attestation: a renewal with a new key attests it as enroll did */
	HWE_OPT_ATTEST, HWE_OPT_AK_HANDLE, HWE_OPT_AK_CERT,
};
/* informational keys: where a secret comes from at renewal */
#define KEY_PIN_ENV "pin-env"
#define KEY_PASS_ENV "estc-pass-env"

struct hwe_profile {
	size_t n;
	char **keys;
	char **vals;
	unsigned char *raw;
	size_t rawlen;
};

static int printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

/* a copy of a PKCS#11 URI without its pin-value attribute */
static char *strip_pin_value(const char *uri)
{
	char *c = strdup(uri), *p, *e;

	if (!c)
		return NULL;
	while ((p = strstr(c, "pin-value="))) {
		e = p + strcspn(p, ";&?");
		if (*e)
			e++;
		else if (p > c && (p[-1] == ';' || p[-1] == '&' || p[-1] == '?'))
			p--;
		memmove(p, e, strlen(e) + 1);
	}
	return c;
}

static int add(char **buf, size_t *len, size_t *cap, const char *k, const char *v)
{
	size_t need = strlen(k) + strlen(v) + 2;
	char *nb;

	if (!printable(v))
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			       "--%s holds a control character: it cannot be stored in the profile", k);
	if (*len + need + 1 > *cap) {
		*cap = (*len + need + 1) * 2;
		if (!(nb = realloc(*buf, *cap)))
			return hwe_err_oom();
		*buf = nb;
	}
	*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s=%s\n", k, v);
	return HWE_OK;
}

int hwe_profile_text(const struct hwe_opts *o, const char *backend, char **text, size_t *len)
{
	char *buf = NULL, *uri = NULL;
	size_t n = 0, cap = 0, i;
	const char *v;
	int ret;
	static const char head[] = "# hwenroll enrollment profile (no secrets): see hwenroll(1), renew\n";

	*text = NULL;
	*len = 0;
	cap = sizeof(head) + 512;
	if (!(buf = malloc(cap))) {
		ret = hwe_err_oom();
		goto out;
	}
	memcpy(buf, head, sizeof(head));
	n = sizeof(head) - 1;
	for (i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
		enum hwe_opt opt = stored[i];

		v = o->val[opt];
		if (opt == HWE_OPT_KEY_BACKEND)
			v = backend;
		/* a device setting from the environment is the alias's only for its backend */
		if (o->src[opt] == HWE_SRC_ENV &&
		    ((opt == HWE_OPT_TCTI && !(backend && strcmp(backend, "tpm2") == 0)) ||
		     (opt == HWE_OPT_PKCS11_MODULE && !(backend && strcmp(backend, "pkcs11") == 0))))
			v = NULL;
		if (opt == HWE_OPT_POP_POLICY && !v)
			v = o->val[HWE_OPT_POP] ? "always" : o->val[HWE_OPT_NO_POP] ? "never" : NULL;
		if (opt == HWE_OPT_TOKEN_URI && v && strstr(v, "pin-value=")) {
			hwe_warn("the token URI's pin-value is not stored in the profile: renew reads the PIN from --pin-file or HWENROLL_PKCS11_PIN");
			if (!(uri = strip_pin_value(v))) {
				ret = hwe_err_oom();
				goto out;
			}
			v = uri;
		}
		if (!v)
			continue;
		if ((ret = add(&buf, &n, &cap, hwe_opt_name(opt), v)))
			goto out;
	}
	/* a secret from the environment: the variable's name, never its value */
	if (o->secret[HWE_OPT_PIN_FILE] &&
	    (ret = add(&buf, &n, &cap, KEY_PIN_ENV, o->env[HWE_OPT_PIN_FILE])))
		goto out;
	if (o->secret[HWE_OPT_ESTC_PASS_FILE] &&
	    (ret = add(&buf, &n, &cap, KEY_PASS_ENV, o->env[HWE_OPT_ESTC_PASS_FILE])))
		goto out;
	if (o->val[HWE_OPT_ESTC_PASS] && !o->val[HWE_OPT_ESTC_PASS_FILE])
		hwe_warn("the password given with --estc-pass is not stored in the profile: a renewal that falls back to /simpleenroll needs --estc-pass-file or EST_PASS");
	*text = buf;
	*len = n;
	buf = NULL;
	ret = HWE_OK;
out:
	free(buf);
	free(uri);
	return ret;
}

static int profile_load(const struct hwe_keystore *ks, const char *alias, int optional,
			struct hwe_profile **out)
{
	struct hwe_profile *p = NULL;
	char name[128], *line, *next, *eq, **nk, **nv;
	int ret;

	*out = NULL;
	snprintf(name, sizeof(name), "%s%s", alias, HWE_PROFILE_SUFFIX);
	if (!(p = calloc(1, sizeof(*p))))
		return hwe_err_oom();
	if ((ret = (optional ? hwe_keystore_read_opt : hwe_keystore_read)(ks, "certs", name, &p->raw,
									 &p->rawlen)))
		goto out;
	if (!p->raw) { /* optional and absent */
		free(p);
		return HWE_OK;
	}
	for (line = (char *)p->raw; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		if (!(eq = strchr(line, '='))) {
			ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				      "profile certs/%s: a line without '='", name);
			goto out;
		}
		*eq = '\0';
		nk = realloc(p->keys, (p->n + 1) * sizeof(*nk));
		if (nk)
			p->keys = nk;
		nv = realloc(p->vals, (p->n + 1) * sizeof(*nv));
		if (nv)
			p->vals = nv;
		if (!nk || !nv) {
			ret = hwe_err_oom();
			goto out;
		}
		p->keys[p->n] = line;
		p->vals[p->n] = eq + 1;
		p->n++;
	}
	*out = p;
	p = NULL;
	ret = HWE_OK;
out:
	hwe_profile_free(p);
	return ret;
}

int hwe_profile_load(const struct hwe_keystore *ks, const char *alias, struct hwe_profile **out)
{
	return profile_load(ks, alias, 0, out);
}

int hwe_profile_load_opt(const struct hwe_keystore *ks, const char *alias, struct hwe_profile **out)
{
	return profile_load(ks, alias, 1, out);
}

const char *hwe_profile_get(const struct hwe_profile *p, const char *key)
{
	size_t i;

	for (i = 0; p && i < p->n; i++)
		if (strcmp(p->keys[i], key) == 0)
			return p->vals[i];
	return NULL;
}

size_t hwe_profile_count(const struct hwe_profile *p)
{
	return p ? p->n : 0;
}

void hwe_profile_item(const struct hwe_profile *p, size_t i, const char **key, const char **val)
{
	*key = p->keys[i];
	*val = p->vals[i];
}

int hwe_profile_apply(const struct hwe_profile *p, const char *alias, struct hwe_opts *o)
{
	char where[160];
	size_t i;
	const char *v;
	int ret;

	snprintf(where, sizeof(where), "certs/%s%s", alias, HWE_PROFILE_SUFFIX);
	for (i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
		enum hwe_opt opt = stored[i];

		/* only the command line overrides the profile */
		if (hwe_opts_given(o, opt))
			continue;
		if (opt == HWE_OPT_POP_POLICY &&
		    (hwe_opts_given(o, HWE_OPT_POP) || hwe_opts_given(o, HWE_OPT_NO_POP)))
			continue;
		if (opt == HWE_OPT_ESTC_PASS_FILE && hwe_opts_given(o, HWE_OPT_ESTC_PASS))
			continue;
		if ((v = hwe_profile_get(p, hwe_opt_name(opt))) &&
		    (ret = hwe_opts_set(o, opt, v, HWE_SRC_PROFILE, where)))
			return ret;
	}
	return HWE_OK;
}

void hwe_profile_free(struct hwe_profile *p)
{
	if (!p)
		return;
	free(p->keys);
	free(p->vals);
	OPENSSL_free(p->raw);
	free(p);
}
