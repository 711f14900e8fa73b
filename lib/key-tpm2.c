/* SPDX-License-Identifier: BSD-3-Clause */
/* key-tpm2.c - TPM 2.0 keys: born in the TPM under a persistent parent,
 * stored as a TSS2 PRIVATE KEY blob (or a persistent handle), reached through
 * tpm2-openssl and wrapped by the built-in "hwe-tpm2" provider
 * (providers/tpm2-wrap/) so that only the private-key operation goes to the TPM.
 *
 * Why the wrapper: with tpm2-openssl 1.1.1 and OpenSSL 3.0, libssl picks the
 * default provider's signature for a tpm2 key and fails ("missing private
 * key"), and the known work-around (a global "?tpm2.signature" query) also
 * sends server-chain verification and hashing to the TPM.  With the wrapper,
 * TLS, X.509 verification, digests and RAND stay in the default provider and
 * a handshake costs exactly one TPM2_Sign.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "key.h"
#include "log.h"
#include "ossl-fetch.h"
#include "rc.h"
#include "rcwatch.h"
#include "tpm2-wrap.h"
#include "tss2-dl.h"

#define DEFAULT_PARENT 0x81000001u
#define HANDLE_PREFIX "handle:"
#define TSS2_PEM_LABEL "TSS2 PRIVATE KEY"

/* ---- process setup and error mapping ------------------------------------ */

static OSSL_PROVIDER *prov_default, *prov_tpm2, *prov_wrap;
static char cur_tcti[512];


static uint32_t parent_of(const struct hwe_key_opts *o)
{
	return o->tpm_parent ? o->tpm_parent : DEFAULT_PARENT;
}

/* Drain OpenSSL's error queue into buf ("reason (data); ..."). */
static void drain_errors(char *buf, size_t buflen)
{
	const char *data = NULL;
	unsigned long e;
	size_t n = 0;
	int flags = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *r = ERR_reason_error_string(e);
		char tmp[64];

		if (!r) {
			snprintf(tmp, sizeof(tmp), "error 0x%lx", e);
			r = tmp;
		}
		if (n < buflen)
			n += (size_t)snprintf(buf + n, buflen - n, "%s%s%s%s%s", n ? "; " : "", r,
					      (data && (flags & ERR_TXT_STRING) && *data) ? " (" : "",
					      (data && (flags & ERR_TXT_STRING)) ? data : "",
					      (data && (flags & ERR_TXT_STRING) && *data) ? ")" : "");
	}
}

/* ---- TPM response codes -------------------------------------------------
 *
 * tpm2-openssl tells a failed TPM command only in error text, whose form
 * depends on how it was built.  The response code comes instead from
 * tcti/rcwatch.c, a pass-through TCTI module put in front of the real TCTI:
 * it records the responseCode of every failed command (and TCTI-layer
 * errors).  Without the module (a broken install), the TPM still works and
 * the hints are the generic ones. */

static void (*rcwatch_last)(struct hwe_rcwatch_record *);
static uint32_t rc_mark; /* the watcher's failure count when the operation began */

static char rcwatch_file[4096];

/* o->tcti_rcwatch: HWENROLL_TCTI_RCWATCH (the build tree's tests, a
 * relocated install); else the installed module */
static const char *rcwatch_path(const struct hwe_key_opts *o)
{
	if (!rcwatch_file[0])
		snprintf(rcwatch_file, sizeof(rcwatch_file), "%s",
			 o && o->tcti_rcwatch && *o->tcti_rcwatch ? o->tcti_rcwatch : HWE_PKGLIBDIR "/tcti-rcwatch.so");
	return rcwatch_file;
}

/* Load the watcher once; 1 if it is there. */
static int rcwatch_load(const struct hwe_key_opts *o)
{
	const char *path = rcwatch_path(o);
	void *h;

	if (rcwatch_last)
		return 1;
	if (strchr(path, ':')) { /* a TCTI name ends at the first ':' */
		hwe_debug("tpm2: no TPM response codes: the module path '%s' contains ':'", path);
		return 0;
	}
	if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
		hwe_debug("tpm2: no TPM response codes (generic hints only): %s", dlerror());
		return 0;
	}
	*(void **)&rcwatch_last = dlsym(h, HWE_RCWATCH_LAST_SYMBOL);
	if (!rcwatch_last) {
		hwe_debug("tpm2: '%s' is not hwenroll's TCTI watcher: %s", path, dlerror());
		dlclose(h);
		return 0;
	}
	hwe_debug("tpm2: TPM response codes from '%s'", path);
	return 1; /* stays loaded: tpm2-openssl's TCTI loader opens the same file */
}

/* A TPM operation begins: failures recorded before it are not its cause. */
static void tpm_begin(void)
{
	struct hwe_rcwatch_record r;

	if (rcwatch_last) {
		rcwatch_last(&r);
		rc_mark = r.seq;
	}
}

/* The response code of the last failure since tpm_begin(), 0 if none. */
static TSS2_RC tpm_rc(void)
{
	struct hwe_rcwatch_record r;

	if (!rcwatch_last)
		return 0;
	rcwatch_last(&r);
	if (r.seq == rc_mark)
		return 0;
	hwe_debug("tpm2: command 0x%x answered 0x%x", r.cc, r.rc);
	return r.rc;
}

enum tpm_op {
	OP_UNDER_PARENT,  /* keygen or load of a TSS2 key: handle 1 is the parent */
	OP_HANDLE,        /* use of a persistent key by handle */
	OP_SIGN,          /* a signature with a loaded key */
};

/* Record a failed TPM operation: name the TCTI and the fix.  unusual_key
 * names a key type the TPM may not implement (RSA 4096, P-521): a failure
 * with no more specific cause is then reported as that. */
static int tpm_fail(const struct hwe_key_opts *o, enum tpm_op op, uint32_t handle, const char *what,
		    const char *unusual_key)
{
	const struct hwe_tss2 *tss;
	char detail[1024];
	TSS2_RC rc, base;

	drain_errors(detail, sizeof(detail));
	rc = tpm_rc();
	if (rc && hwe_tss2_load(&tss) == HWE_OK) {
		/* the provider's text may carry the number only */
		const char *d = tss->Tss2_RC_Decode(rc);
		size_t n = strlen(detail);

		if (d && !strstr(detail, d) && n < sizeof(detail))
			snprintf(detail + n, sizeof(detail) - n, "%sTPM response 0x%x: %s", n ? "; " : "", rc, d);
	}
	/* TPM layer: format-one codes carry the handle/parameter number */
	base = (rc & TSS2_RC_LAYER_MASK) ? 0 : (rc & 0x80u) ? (rc & 0xbfu) : (rc & 0xfffu);
	if (base == 0x921) { /* TPM_RC_LOCKOUT */
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s: the TPM at '%s' is in dictionary-attack lockout (%s)",
			what, o->tcti, detail);
		hwe_err_hint("wait for the lockout recovery time to pass, or reset it with the lockout "
			     "authorization (tpm2_dictionarylockout --clear-lockout)");
	} else if (base == 0x902 || base == 0x903) { /* TPM_RC_OBJECT_MEMORY / SESSION_MEMORY */
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s: the TPM at '%s' is out of %s memory (%s)", what,
			o->tcti, base == 0x902 ? "object" : "session", detail);
		hwe_err_hint("other programs left objects loaded in the TPM: go through a resource manager "
			     "(--tcti device:/dev/tpmrm0 or tabrmd) instead of the raw TPM, or flush them "
			     "(tpm2_flushcontext -t)");
	} else if (base == 0x8b && ((rc >> 8) & 7) == 1 && op == OP_UNDER_PARENT) { /* TPM_RC_HANDLE */
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM,
			"%s: the parent key 0x%08x does not exist on the TPM at '%s' (%s)", what,
			parent_of(o), o->tcti, detail);
		hwe_err_hint("create it with 'hwenroll tpm --create-parent --tpm-parent 0x%08x' "
			     "(or tpm2_createprimary + tpm2_evictcontrol), or pass --tpm-parent",
			     parent_of(o));
	} else if (base == 0x8b && op == OP_HANDLE) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_NOT_FOUND,
			"%s: there is no key at persistent handle 0x%08x on the TPM at '%s' (%s)", what,
			handle, o->tcti, detail);
		hwe_err_hint("list the persistent keys with 'tpm2_getcap handles-persistent'");
	} else if (base == 0x9f || base == 0x9a) { /* TPM_RC_INTEGRITY / TPM_RC_BINDING */
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM,
			"%s: the TPM at '%s' does not accept this key: it was made by another TPM or under "
			"another parent than 0x%08x (%s)", what, o->tcti, parent_of(o), detail);
		hwe_err_hint("a TPM key works only on the TPM and under the parent that made it: "
			     "check --tcti, and enroll a new key if the TPM was cleared or replaced");
	} else if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s: lost the connection to the TPM at '%s' (%s)",
			what, o->tcti, detail);
		hwe_err_hint("check that the TPM (or resource manager) at '%s' is still running", o->tcti);
	} else if (unusual_key) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_UNSUPPORTED, "the TPM at '%s' does not support %s keys (%s)",
			o->tcti, unusual_key, *detail ? detail : "no details from the provider");
		hwe_err_hint("choose ECC P256/P384 or RSA 2048/3072");
	} else {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "%s on the TPM at '%s': %s", what, o->tcti,
			*detail ? detail : "no details from the provider");
		hwe_err_hint("run 'hwenroll tpm --tcti %s' to check the TPM", o->tcti);
	}
	return HWE_EXIT_KEY;
}

static void sign_failed(void)
{
	struct hwe_key_opts o;

	memset(&o, 0, sizeof(o));
	o.tcti = cur_tcti;
	tpm_fail(&o, OP_SIGN, 0, "the TPM did not sign", NULL);
}

static const struct hwe_tpm2_wrap_hooks wrap_hooks = { tpm_begin, sign_failed };

/* Check the TCTI before the provider connects, so that each failure gets
 * its own message: unknown module, missing device, nothing listening. */
int hwe_tpm2_tcti_check(const char *tcti)
{
	const struct hwe_tss2 *tss;
	TSS2_TCTI_CONTEXT *t = NULL;
	TSS2_RC rc;

	if (strncmp(tcti, "device", 6) == 0 && (tcti[6] == '\0' || tcti[6] == ':')) {
		const char *path = tcti[6] == ':' && tcti[7] ? tcti + 7 : "/dev/tpmrm0";

		if (access(path, R_OK | W_OK) != 0) {
			int e = errno;

			hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot open the TPM device '%s' (TCTI '%s'): %s",
				path, tcti, strerror(e));
			if (e == ENOENT)
				hwe_err_hint("this machine has no TPM at '%s': enable the TPM in the firmware, "
					     "load the TPM driver, or pass --tcti (e.g. swtpm:host=127.0.0.1,port=2321)",
					     path);
			else
				hwe_err_hint("run as a user in the 'tss' group or as root, or pass another --tcti");
			return HWE_EXIT_KEY;
		}
	}
	if (hwe_tss2_load(&tss))
		return HWE_EXIT_KEY;
	rc = tss->Tss2_TctiLdr_Initialize(tcti, &t);
	if (rc == TSS2_RC_SUCCESS) {
		tss->Tss2_TctiLdr_Finalize(&t);
		return HWE_OK;
	}
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER && (rc & 0xffffu) == TSS2_BASE_RC_IO_ERROR) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot reach the TPM at '%s': connection failed (%s)",
			tcti, tss->Tss2_RC_Decode(rc));
		hwe_err_hint("is the TPM simulator or resource manager running there? "
			     "check the host/port, or pass another --tcti (HWENROLL_TCTI)");
	} else if ((rc & 0xffffu) == TSS2_BASE_RC_NOT_SUPPORTED || (rc & 0xffffu) == TSS2_BASE_RC_BAD_VALUE ||
		   (rc & 0xffffu) == TSS2_BASE_RC_GENERAL_FAILURE) {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot load the TCTI '%s' (%s)", tcti,
			tss->Tss2_RC_Decode(rc));
		hwe_err_hint("use device:/dev/tpmrm0, tabrmd:bus_type=system|session, "
			     "swtpm:host=H,port=P or mssim:host=H,port=P (the TCTI library must be installed, "
			     "e.g. libtss2-tcti-tabrmd0)");
	} else {
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot reach the TPM at '%s' (%s)", tcti,
			tss->Tss2_RC_Decode(rc));
		hwe_err_hint("check the --tcti string and that the TPM is reachable");
	}
	return HWE_EXIT_KEY;
}

/* Providers in the DEFAULT library context (libcurl builds its SSL_CTX
 * there): default first, then tpm2 (connected to o->tcti), then our
 * wrapper.  HWE_OSSL_DEFAULT_PROPS makes every fetch without an explicit
 * query (digests, RAND, TLS, X.509 verification) prefer the default provider
 * even though tpm2 and the wrapper register the same names; http.c refreshes
 * the fetch cache before each connection (ossl-fetch.h tells why). */
static int tpm2_init(const struct hwe_key_opts *o)
{
	char detail[512];

	if (!o->tcti || !*o->tcti)
		return hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no TCTI given for the tpm2 key backend");
	if (prov_tpm2) {
		if (strcmp(cur_tcti, o->tcti) == 0)
			return HWE_OK;
		return hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM,
			       "the tpm2 backend is already connected to '%s', not '%s'", cur_tcti, o->tcti);
	}
	if (!hwe_log_enabled(HWE_LOG_DEBUG))
		setenv("TSS2_LOG", "all+NONE", 0); /* our messages say it better */
	if (hwe_tpm2_tcti_check(o->tcti))
		return HWE_EXIT_KEY;
	/* tpm2-openssl 1.1.1 reads the TCTI only from TPM2OPENSSL_TCTI or its
	 * config-file parameter "tcti", at provider load. */
	if (rcwatch_load(o)) {
		size_t n = strlen(rcwatch_path(o)) + strlen(o->tcti) + 2;
		char *t = malloc(n);

		if (t)
			snprintf(t, n, "%s:%s", rcwatch_path(o), o->tcti);
		if (!t || setenv("TPM2OPENSSL_TCTI", t, 1) != 0) {
			free(t);
			return hwe_err_oom();
		}
		free(t);
	} else if (setenv("TPM2OPENSSL_TCTI", o->tcti, 1) != 0) {
		return hwe_err_oom();
	}
	if (!prov_default && !(prov_default = OSSL_PROVIDER_load(NULL, "default")))
		return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
				    "cannot load the OpenSSL default provider");
	prov_tpm2 = OSSL_PROVIDER_load(NULL, "tpm2");
	if (!prov_tpm2) {
		drain_errors(detail, sizeof(detail));
		hwe_err(HWE_EXIT_KEY, HWE_ERR_TPM, "cannot load the OpenSSL tpm2 provider for '%s': %s",
			o->tcti, *detail ? detail : "not found");
		hwe_err_hint("install tpm2-openssl (Debian: apt install tpm2-openssl) and check the TPM "
			     "with 'hwenroll tpm --tcti %s'", o->tcti);
		return HWE_EXIT_KEY;
	}
	snprintf(cur_tcti, sizeof(cur_tcti), "%s", o->tcti);
	if (!prov_wrap) {
		if (!hwe_tpm2_wrap_register(&wrap_hooks) ||
		    !(prov_wrap = OSSL_PROVIDER_load(NULL, HWE_TPM2_WRAP_PROVIDER)))
			return hwe_err_ossl(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
					    "cannot register the built-in " HWE_TPM2_WRAP_PROVIDER " provider");
	}
	if (hwe_ossl_prefer_default())
		return HWE_EXIT_INTERNAL;
	hwe_debug("tpm2: providers default, tpm2 (TCTI '%s') and " HWE_TPM2_WRAP_PROVIDER " loaded", o->tcti);
	return HWE_OK;
}

static void tpm2_fini(void)
{
	if (prov_wrap)
		OSSL_PROVIDER_unload(prov_wrap);
	if (prov_tpm2)
		OSSL_PROVIDER_unload(prov_tpm2);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	prov_wrap = prov_tpm2 = prov_default = NULL;
	cur_tcti[0] = '\0';
}

/* ---- key blobs ---------------------------------------------------------- */

/* Key file formats (keys/<alias>.tss2):
 *  - a TSS2 PRIVATE KEY PEM (the TPM-wrapped private part, the public
 *    part, and the parent handle; usable only on the TPM that made it);
 *  - or one line "handle:0x81xxxxxx" naming a persistent key on the TPM. */
static int blob_handle(const unsigned char *blob, size_t len, uint32_t *handle)
{
	char buf[32], *end = NULL;
	unsigned long v;

	if (len < sizeof(HANDLE_PREFIX) || len >= sizeof(buf) ||
	    memcmp(blob, HANDLE_PREFIX, sizeof(HANDLE_PREFIX) - 1) != 0)
		return 0;
	memcpy(buf, blob, len);
	buf[len] = '\0';
	v = strtoul(buf + sizeof(HANDLE_PREFIX) - 1, &end, 0);
	while (end && (*end == '\n' || *end == '\r' || *end == ' '))
		end++;
	if (!end || *end || v < 0x81000000ul || v > 0x81ffffff)
		return -1;
	*handle = (uint32_t)v;
	return 1;
}

static int load_handle(const struct hwe_key_opts *o, uint32_t handle, EVP_PKEY **out)
{
	OSSL_STORE_CTX *st;
	OSSL_STORE_INFO *info;
	char uri[32];

	snprintf(uri, sizeof(uri), HANDLE_PREFIX "0x%08x", handle);
	tpm_begin();
	st = OSSL_STORE_open_ex(uri, NULL, "provider=tpm2", NULL, NULL, NULL, NULL, NULL);
	if (!st)
		return tpm_fail(o, OP_HANDLE, handle, "cannot open the persistent TPM key", NULL);
	while (!*out && (info = OSSL_STORE_load(st)) != NULL) {
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			*out = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	if (!*out) {
		char msg[80];

		snprintf(msg, sizeof(msg), "cannot use the persistent TPM key 0x%08x", handle);
		return tpm_fail(o, OP_HANDLE, handle, msg, NULL);
	}
	return HWE_OK;
}

static int tss2_der_info(const unsigned char *der, long derlen, uint32_t *parent,
			 const char **type);

static int load_tss2_pem(const struct hwe_key_opts *o, const unsigned char *blob, size_t len,
			 EVP_PKEY **out)
{
	OSSL_DECODER_CTX *dc = NULL;
	BIO *bio = BIO_new_mem_buf(blob, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long derlen = 0;
	size_t plen;
	uint32_t parent = 0;
	const char *type = NULL;
	int ret = HWE_EXIT_KEY;

	if (!bio || !PEM_read_bio(bio, &name, &header, &der, &derlen) ||
	    strcmp(name, TSS2_PEM_LABEL) != 0) {
		ERR_clear_error();
		ret = hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
			      "the TPM key file is not a '" TSS2_PEM_LABEL "' PEM or a 'handle:0x81...' line");
		goto out;
	}
	/* naming the key type saves a second load of RSA keys (RSA-PSS) */
	if (!tss2_der_info(der, derlen, &parent, &type))
		type = NULL;
	if (parent != parent_of(o) && o->tpm_parent)
		hwe_warn("the TPM key was made under parent 0x%08x, not --tpm-parent 0x%08x; using 0x%08x",
			 parent, o->tpm_parent, parent);
	tpm_begin();
	dc = OSSL_DECODER_CTX_new_for_pkey(out, "DER", NULL, type, OSSL_KEYMGMT_SELECT_KEYPAIR, NULL,
					   "provider=tpm2");
	p = der;
	plen = (size_t)derlen;
	if (!dc || !OSSL_DECODER_from_data(dc, &p, &plen) || !*out) {
		ret = tpm_fail(o, OP_UNDER_PARENT, 0, "cannot load the TPM key", NULL);
		goto out;
	}
	ret = HWE_OK;
out:
	OSSL_DECODER_CTX_free(dc);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return ret;
}

static int wrap_into(EVP_PKEY **tpm, EVP_PKEY **pkey)
{
	EVP_PKEY *w = hwe_tpm2_wrap_key(*tpm);

	EVP_PKEY_free(*tpm); /* the wrapper holds its own reference */
	*tpm = NULL;
	if (!w)
		return hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND, "cannot wrap the TPM key");
	*pkey = w;
	return HWE_OK;
}

static int tpm2_load(const struct hwe_key_opts *o, const unsigned char *blob, size_t bloblen,
		     EVP_PKEY **pkey)
{
	EVP_PKEY *tpm = NULL;
	uint32_t handle = 0;
	int ret, h;

	if (!prov_tpm2 && (ret = tpm2_init(o)))
		return ret;
	h = blob_handle(blob, bloblen, &handle);
	if (h < 0)
		return hwe_err(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
			       "the TPM key file names an invalid persistent handle (expected handle:0x81xxxxxx)");
	ret = h ? load_handle(o, handle, &tpm) : load_tss2_pem(o, blob, bloblen, &tpm);
	if (ret)
		return ret;
	return wrap_into(&tpm, pkey);
}

static int tpm2_generate(const struct hwe_key_opts *o, const struct hwe_keyspec *spec,
			 EVP_PKEY **pkey, unsigned char **blob, size_t *bloblen)
{
	int ret = HWE_EXIT_KEY;
	EVP_PKEY_CTX *c = NULL;
	OSSL_ENCODER_CTX *ec = NULL;
	EVP_PKEY *tpm = NULL;
	unsigned char *data = NULL;
	size_t dlen = 0;
	uint32_t parent = parent_of(o);
	size_t bits = spec->bits;
	const char *group = NULL;
	OSSL_PARAM params[3];
	char desc[32], msg[96];

	if (!prov_tpm2 && (ret = tpm2_init(o)))
		return ret;
	if (o->tpm_handle) {
		char line[32];
		int n = snprintf(line, sizeof(line), HANDLE_PREFIX "0x%08x\n", o->tpm_handle);

		if ((ret = load_handle(o, o->tpm_handle, &tpm)))
			goto out;
		*blob = OPENSSL_malloc((size_t)n);
		if (!*blob) {
			ret = hwe_err_oom();
			goto out;
		}
		memcpy(*blob, line, (size_t)n);
		*bloblen = (size_t)n;
		ret = wrap_into(&tpm, pkey);
		if (ret) {
			OPENSSL_free(*blob);
			*blob = NULL;
		}
		goto out;
	}
	if (spec->alg == HWE_ALG_EC) {
		group = spec->curve_nid == NID_secp384r1 ? "P-384" :
			spec->curve_nid == NID_secp521r1 ? "P-521" : "P-256";
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	} else {
		params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_BITS, &bits);
	}
	params[1] = OSSL_PARAM_construct_uint32("parent", &parent);
	params[2] = OSSL_PARAM_construct_end();
	tpm_begin();
	c = EVP_PKEY_CTX_new_from_name(NULL, spec->alg == HWE_ALG_EC ? "EC" : "RSA", "provider=tpm2");
	if (!c || EVP_PKEY_keygen_init(c) <= 0 || !EVP_PKEY_CTX_set_params(c, params)) {
		ret = tpm_fail(o, OP_UNDER_PARENT, 0, "cannot start TPM key generation", NULL);
		goto out;
	}
	hwe_debug("tpm2: generating %s under parent 0x%08x", hwe_keyspec_describe(spec, desc, sizeof(desc)),
		  parent);
	if (EVP_PKEY_generate(c, &tpm) <= 0 || !tpm) {
		snprintf(msg, sizeof(msg), "TPM key generation (%s) failed",
			 hwe_keyspec_describe(spec, desc, sizeof(desc)));
		/* the usual reason for these: the TPM does not implement the size */
		ret = tpm_fail(o, OP_UNDER_PARENT, 0, msg,
			       (spec->alg == HWE_ALG_RSA && spec->bits > 3072) || spec->curve_nid == NID_secp521r1 ?
				       desc : NULL);
		goto out;
	}
	ec = OSSL_ENCODER_CTX_new_for_pkey(tpm, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", "PrivateKeyInfo",
					   "provider=tpm2");
	if (!ec || !OSSL_ENCODER_to_data(ec, &data, &dlen) || dlen < 30 ||
	    !memmem(data, dlen, "BEGIN " TSS2_PEM_LABEL, sizeof("BEGIN " TSS2_PEM_LABEL) - 1)) {
		ret = hwe_err_ossl(HWE_EXIT_KEY, HWE_ERR_KEY_BACKEND,
				   "cannot encode the TPM key as a " TSS2_PEM_LABEL);
		goto out;
	}
	if ((ret = wrap_into(&tpm, pkey)))
		goto out;
	*blob = data;
	*bloblen = dlen;
	data = NULL;
	ret = HWE_OK;
out:
	OSSL_ENCODER_CTX_free(ec);
	OPENSSL_free(data);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(tpm);
	return ret;
}

/* Read the parent handle and key type out of a TSS2 PRIVATE KEY (DER):
 * SEQUENCE { type OID, [0] EXPLICIT BOOLEAN OPTIONAL, parent INTEGER,
 * pubkey OCTET STRING (TPM2B_PUBLIC: size, type, ...), privkey ... } */
static int tss2_der_info(const unsigned char *der, long derlen, uint32_t *parent, const char **type)
{
	const unsigned char *p = der, *q;
	long l;
	int tag, cls, ok = 0;
	ASN1_INTEGER *ai = NULL;
	ASN1_OCTET_STRING *pub = NULL;
	uint64_t v = 0;

	if (ASN1_get_object(&p, &l, &tag, &cls, derlen) & 0x80 || tag != V_ASN1_SEQUENCE)
		goto out;
	if (ASN1_get_object(&p, &l, &tag, &cls, derlen - (p - der)) & 0x80 || tag != V_ASN1_OBJECT)
		goto out;
	p += l;
	q = p;
	if (!(ASN1_get_object(&q, &l, &tag, &cls, derlen - (p - der)) & 0x80) &&
	    cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = q + l;
	ai = d2i_ASN1_INTEGER(NULL, &p, derlen - (p - der));
	if (!ai || !ASN1_INTEGER_get_uint64(&v, ai) || v > 0xffffffffu)
		goto out;
	*parent = (uint32_t)v;
	*type = NULL;
	pub = d2i_ASN1_OCTET_STRING(NULL, &p, derlen - (p - der));
	if (pub && ASN1_STRING_length(pub) >= 4) {
		const unsigned char *d = ASN1_STRING_get0_data(pub);
		unsigned alg = ((unsigned)d[2] << 8) | d[3];

		*type = alg == 0x0001 ? "RSA" : alg == 0x0023 ? "EC" : NULL;
	}
	ok = 1;
out:
	ASN1_INTEGER_free(ai);
	ASN1_OCTET_STRING_free(pub);
	ERR_clear_error();
	return ok;
}

static int tss2_parent(const unsigned char *blob, size_t len, uint32_t *parent)
{
	BIO *bio = BIO_new_mem_buf(blob, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const char *type;
	long derlen = 0;
	int ok = 0;

	if (bio && PEM_read_bio(bio, &name, &header, &der, &derlen))
		ok = tss2_der_info(der, derlen, parent, &type);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	ERR_clear_error();
	return ok;
}

static void tpm2_describe(const unsigned char *blob, size_t bloblen, char *buf, size_t buflen)
{
	uint32_t h = 0;

	if (blob_handle(blob, bloblen, &h) == 1)
		snprintf(buf, buflen, "TPM 2.0 persistent key 0x%08x", h);
	else if (tss2_parent(blob, bloblen, &h))
		snprintf(buf, buflen, "TPM 2.0 key, parent 0x%08x", h);
	else
		snprintf(buf, buflen, "TPM 2.0 key (unreadable key file)");
}

const struct hwe_key_backend hwe_key_tpm2 = {
	.name = "tpm2",
	.ext = ".tss2",
	.caps = HWE_KEY_CAP_HARDWARE,
	.init = tpm2_init,
	.generate = tpm2_generate,
	.load = tpm2_load,
	.destroy = NULL, /* a TSS2 key exists only in its file; a persistent handle is the admin's */
	.describe = tpm2_describe,
	.fini = tpm2_fini,
};
