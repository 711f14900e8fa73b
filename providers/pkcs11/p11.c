/* SPDX-License-Identifier: BSD-3-Clause */
/* p11.c - PKCS#11 module loading through p11-kit, tokens, sessions, login, errors
 * (objects, attributes and mechanisms: p11obj.c) */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "p11.h"

/* ---- errors ---- */

static __thread const char *last_fn;
static __thread CK_RV last_rv;

CK_RV p11_note(const char *fn, CK_RV rv)
{
	if (rv != CKR_OK) {
		last_fn = fn;
		last_rv = rv;
	}
	return rv;
}

CK_RV p11_last_rv(void)
{
	return last_rv;
}

/* CK_RV and CK_MECHANISM_TYPE values with their names, for messages */
struct p11_name {
	CK_ULONG v;
	const char *name;
};

/* one name a line, as p11-kit's constants.c lists them */
#define RV(x) { x, #x }
static const struct p11_name rv_names[] = {
	RV(CKR_OK),
	RV(CKR_CANCEL),
	RV(CKR_HOST_MEMORY),
	RV(CKR_SLOT_ID_INVALID),
	RV(CKR_GENERAL_ERROR),
	RV(CKR_FUNCTION_FAILED),
	RV(CKR_ARGUMENTS_BAD),
	RV(CKR_NO_EVENT),
	RV(CKR_NEED_TO_CREATE_THREADS),
	RV(CKR_CANT_LOCK),
	RV(CKR_ATTRIBUTE_READ_ONLY),
	RV(CKR_ATTRIBUTE_SENSITIVE),
	RV(CKR_ATTRIBUTE_TYPE_INVALID),
	RV(CKR_ATTRIBUTE_VALUE_INVALID),
	RV(CKR_DATA_INVALID),
	RV(CKR_DATA_LEN_RANGE),
	RV(CKR_DEVICE_ERROR),
	RV(CKR_DEVICE_MEMORY),
	RV(CKR_DEVICE_REMOVED),
	RV(CKR_ENCRYPTED_DATA_INVALID),
	RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
	RV(CKR_FUNCTION_CANCELED),
	RV(CKR_FUNCTION_NOT_PARALLEL),
	RV(CKR_FUNCTION_NOT_SUPPORTED),
	RV(CKR_KEY_HANDLE_INVALID),
	RV(CKR_KEY_SIZE_RANGE),
	RV(CKR_KEY_TYPE_INCONSISTENT),
	RV(CKR_KEY_NOT_NEEDED),
	RV(CKR_KEY_CHANGED),
	RV(CKR_KEY_NEEDED),
	RV(CKR_KEY_INDIGESTIBLE),
	RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
	RV(CKR_KEY_NOT_WRAPPABLE),
	RV(CKR_KEY_UNEXTRACTABLE),
	RV(CKR_MECHANISM_INVALID),
	RV(CKR_MECHANISM_PARAM_INVALID),
	RV(CKR_OBJECT_HANDLE_INVALID),
	RV(CKR_OPERATION_ACTIVE),
	RV(CKR_OPERATION_NOT_INITIALIZED),
	RV(CKR_PIN_INCORRECT),
	RV(CKR_PIN_INVALID),
	RV(CKR_PIN_LEN_RANGE),
	RV(CKR_PIN_EXPIRED),
	RV(CKR_PIN_LOCKED),
	RV(CKR_SESSION_CLOSED),
	RV(CKR_SESSION_COUNT),
	RV(CKR_SESSION_HANDLE_INVALID),
	RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
	RV(CKR_SESSION_READ_ONLY),
	RV(CKR_SESSION_EXISTS),
	RV(CKR_SESSION_READ_ONLY_EXISTS),
	RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
	RV(CKR_SIGNATURE_INVALID),
	RV(CKR_SIGNATURE_LEN_RANGE),
	RV(CKR_TEMPLATE_INCOMPLETE),
	RV(CKR_TEMPLATE_INCONSISTENT),
	RV(CKR_TOKEN_NOT_PRESENT),
	RV(CKR_TOKEN_NOT_RECOGNIZED),
	RV(CKR_TOKEN_WRITE_PROTECTED),
	RV(CKR_USER_ALREADY_LOGGED_IN),
	RV(CKR_USER_NOT_LOGGED_IN),
	RV(CKR_USER_PIN_NOT_INITIALIZED),
	RV(CKR_USER_TYPE_INVALID),
	RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
	RV(CKR_USER_TOO_MANY_TYPES),
	RV(CKR_DOMAIN_PARAMS_INVALID),
	RV(CKR_CURVE_NOT_SUPPORTED),
	RV(CKR_BUFFER_TOO_SMALL),
	RV(CKR_SAVED_STATE_INVALID),
	RV(CKR_INFORMATION_SENSITIVE),
	RV(CKR_STATE_UNSAVEABLE),
	RV(CKR_CRYPTOKI_NOT_INITIALIZED),
	RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
	RV(CKR_MUTEX_BAD),
	RV(CKR_MUTEX_NOT_LOCKED),
	RV(CKR_FUNCTION_REJECTED),
	RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
	RV(CKR_RANDOM_NO_RNG),
	RV(CKR_PIN_TOO_WEAK),
	RV(CKR_VENDOR_DEFINED),
};

static const struct p11_name mech_names[] = {
	RV(CKM_RSA_PKCS_KEY_PAIR_GEN),
	RV(CKM_RSA_PKCS),
	RV(CKM_RSA_PKCS_PSS),
	RV(CKM_EC_KEY_PAIR_GEN),
	RV(CKM_ECDSA),
	RV(CKM_SHA_1),
	RV(CKM_SHA224),
	RV(CKM_SHA256),
	RV(CKM_SHA384),
	RV(CKM_SHA512),
};
#undef RV

static const char *name_of(const struct p11_name *t, size_t n, CK_ULONG v, const char *unknown)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return unknown;
}

const char *p11_rv_name(CK_RV rv)
{
	return name_of(rv_names, sizeof(rv_names) / sizeof(rv_names[0]), rv, "CKR_(unknown)");
}

const char *p11_mech_name(CK_MECHANISM_TYPE m)
{
	return name_of(mech_names, sizeof(mech_names) / sizeof(mech_names[0]), m, "CKM_(unknown)");
}

const char *p11_token_label(const CK_TOKEN_INFO *ti, char buf[33])
{
	size_t n = sizeof(ti->label);

	memcpy(buf, ti->label, n);
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

static void up_set_error(struct p11_ctx *ctx, int reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx->up_vset_error(ctx->handle, reason, fmt, ap);
	va_end(ap);
}

/* Every error text goes through hwe_redact_text(): the call sites show
 * URIs through hwe_redact_uri() already; this is the backstop. */
static void raise_va(struct p11_ctx *ctx, int reason, const char *file, int line,
		     const char *func, const char *fmt, va_list ap)
{
	char msg[1024], shown[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	hwe_redact_text(msg, shown, sizeof(shown));
	OPENSSL_cleanse(msg, sizeof(msg));
	if (!ctx || !ctx->up_new_error) {
		ERR_new();
		ERR_set_debug(file, line, func);
		ERR_set_error(ERR_LIB_PROV, reason, "%s", shown);
		return;
	}
	ctx->up_new_error(ctx->handle);
	ctx->up_set_error_debug(ctx->handle, file, line, func);
	up_set_error(ctx, reason, "%s", shown);
}

static void raise_fmt(struct p11_ctx *ctx, int reason, const char *file, int line,
		      const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	raise_va(ctx, reason, file, line, func, fmt, ap);
	va_end(ap);
}

void p11_raise(struct p11_ctx *ctx, int reason, const char *file, int line, const char *func,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	raise_va(ctx, reason, file, line, func, fmt, ap);
	va_end(ap);
}

void p11_raise_rv(struct p11_ctx *ctx, int reason, CK_RV rv, const char *file, int line,
		  const char *func, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	raise_fmt(ctx, reason, file, line, func, "%s: %s: %s (0x%lx)", msg,
		  last_fn ? last_fn : "C_?", p11_rv_name(rv), (unsigned long)rv);
}

/* ---- secure strings ---- */

char *p11_strdup_secure(const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = OPENSSL_secure_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void p11_free_secure(char *s)
{
	if (s)
		OPENSSL_secure_clear_free(s, strlen(s) + 1);
}

/* ---- context and module ---- */

static int exiting;

static void at_exit(void)
{
	exiting = 1;
}

int p11_ctx_init(struct p11_ctx *ctx)
{
	pthread_mutexattr_t a;
	int ok;

	if (pthread_mutexattr_init(&a) != 0)
		return 0;
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	ok = pthread_mutex_init(&ctx->lock, &a) == 0;
	pthread_mutexattr_destroy(&a);
	OPENSSL_atexit(at_exit);
	return ok;
}

static void forget_slots(struct p11_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nslots; i++) {
		ctx->slots[i].have_sess = 0;
		ctx->slots[i].logged_in = 0;
	}
}

/* p11-kit refuses to load its own proxy as a module: that one is opened
 * directly (it is a PKCS#11 module that itself goes through p11-kit). */
static int is_proxy(const char *path)
{
	const char *b = strrchr(path, '/');

	return strcmp(b ? b + 1 : path, P11_DEFAULT_MODULE) == 0;
}

static CK_FUNCTION_LIST *mod_load(struct p11_ctx *ctx, const char **why)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST *fl = NULL;

	if (!is_proxy(ctx->module_path)) {
		fl = p11_kit_module_load(ctx->module_path, 0);
		*why = p11_kit_message();
		return fl;
	}
	ctx->dl = dlopen(ctx->module_path, RTLD_NOW | RTLD_LOCAL);
	if (!ctx->dl) {
		*why = dlerror();
		return NULL;
	}
	get = (CK_C_GetFunctionList)dlsym(ctx->dl, "C_GetFunctionList");
	if (!get || get(&fl) != CKR_OK || !fl) {
		*why = "no C_GetFunctionList";
		dlclose(ctx->dl);
		ctx->dl = NULL;
		return NULL;
	}
	return fl;
}

static CK_RV mod_initialize(struct p11_ctx *ctx)
{
	CK_C_INITIALIZE_ARGS args;

	if (!ctx->dl)
		return p11_kit_module_initialize(ctx->fl);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	return P11_CALL(ctx, C_Initialize, &args);
}

static void mod_finalize(struct p11_ctx *ctx)
{
	if (!ctx->dl)
		p11_kit_module_finalize(ctx->fl);
	else
		P11_CALL(ctx, C_Finalize, NULL);
}

static void mod_release(struct p11_ctx *ctx)
{
	if (!ctx->dl) {
		p11_kit_module_release(ctx->fl);
	} else {
		dlclose(ctx->dl);
		ctx->dl = NULL;
	}
}

void p11_ctx_fini(struct p11_ctx *ctx)
{
	size_t i;

	if (ctx->fl) {
		/* From OPENSSL_cleanup at exit, leave the module alone:
		 * modules built on libcrypto (SoftHSM) crash closing
		 * sessions in a library that is being torn down.  The
		 * process ends and the token sees the sessions close. */
		if (!exiting) {
			if (ctx->pid == getpid())
				mod_finalize(ctx);
			mod_release(ctx);
		}
		ctx->fl = NULL;
	}
	for (i = 0; i < ctx->nslots; i++)
		p11_free_secure(ctx->slots[i].pin);
	free(ctx->slots);
	free(ctx->module_path);
	free(ctx->module_cfg);
	p11_free_secure(ctx->pin_cfg);
	pthread_mutex_destroy(&ctx->lock);
}

void p11_lock(struct p11_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

void p11_unlock(struct p11_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

/* The p11-kit proxy lives next to libp11-kit itself. */
static char *default_module(void)
{
	Dl_info info;
	const char *slash;
	char *path;
	size_t n;

	if (!dladdr((void *)p11_kit_module_load, &info) || !info.dli_fname ||
	    !(slash = strrchr(info.dli_fname, '/')))
		return strdup(P11_DEFAULT_MODULE);
	n = (size_t)(slash - info.dli_fname) + 1;
	path = malloc(n + sizeof(P11_DEFAULT_MODULE));
	if (!path)
		return NULL;
	memcpy(path, info.dli_fname, n);
	memcpy(path + n, P11_DEFAULT_MODULE, sizeof(P11_DEFAULT_MODULE));
	return path;
}

int p11_ready(struct p11_ctx *ctx)
{
	const char *env, *why = NULL;
	CK_RV rv;

	if (ctx->fl && ctx->pid == getpid())
		return 1;
	if (ctx->fl) {
		/* forked child: sessions and login state belong to the parent */
		forget_slots(ctx);
		rv = mod_initialize(ctx);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			p11_note("C_Initialize", rv);
			P11_ERR_RV(ctx, P11_R_MODULE, rv,
				   "cannot initialize PKCS#11 module '%s' after fork", ctx->module_path);
			return 0;
		}
		ctx->pid = getpid();
		return 1;
	}
	free(ctx->module_path);
	env = getenv("HWENROLL_PKCS11_MODULE");
	if (env && *env)
		ctx->module_path = strdup(env);
	else if (ctx->module_cfg)
		ctx->module_path = strdup(ctx->module_cfg);
	else
		ctx->module_path = default_module();
	if (!ctx->module_path) {
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
		return 0;
	}
	ctx->fl = mod_load(ctx, &why);
	if (!ctx->fl) {
		P11_ERR(ctx, P11_R_MODULE, "cannot load PKCS#11 module '%s': %s",
			ctx->module_path, why ? why : "unknown error");
		return 0;
	}
	rv = mod_initialize(ctx);
	if (rv != CKR_OK) {
		p11_note("C_Initialize", rv);
		P11_ERR_RV(ctx, P11_R_MODULE, rv, "cannot initialize PKCS#11 module '%s'",
			   ctx->module_path);
		mod_release(ctx);
		ctx->fl = NULL;
		return 0;
	}
	ctx->pid = getpid();
	return 1;
}

/* ---- tokens and sessions ---- */

/* C_GetSlotList into a buffer of 16 first: the size query only for more */
static CK_RV slot_list(struct p11_ctx *ctx, CK_SLOT_ID **out, CK_ULONG *count)
{
	CK_SLOT_ID *all = NULL, *tmp;
	CK_ULONG room = 16;
	CK_RV rv;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		tmp = realloc(all, room * sizeof(*all));
		if (!tmp) {
			free(all);
			return CKR_HOST_MEMORY;
		}
		all = tmp;
		*count = room;
		rv = P11_CALL(ctx, C_GetSlotList, CK_TRUE, all, count);
		if (rv == CKR_OK) {
			*out = all;
			return CKR_OK;
		}
		if (rv != CKR_BUFFER_TOO_SMALL)
			break;
		/* *count is the size needed (slots may come and go meanwhile) */
		rv = P11_CALL(ctx, C_GetSlotList, CK_TRUE, NULL, count);
		if (rv != CKR_OK)
			break;
		room = *count + 4;
	}
	free(all);
	return rv;
}

int p11_find_tokens(struct p11_ctx *ctx, P11KitUri *uri, CK_SLOT_ID **ids, CK_TOKEN_INFO **tis,
		    size_t *n)
{
	CK_SLOT_ID *all = NULL;
	CK_TOKEN_INFO *infos = NULL;
	CK_ULONG count = 0, i;
	CK_RV rv;
	size_t k = 0;
	int ok = 0;

	*ids = NULL;
	*n = 0;
	if (tis)
		*tis = NULL;
	rv = slot_list(ctx, &all, &count);
	if (rv != CKR_OK) {
		P11_ERR_RV(ctx, P11_R_TOKEN, rv, "cannot list the slots of '%s'", ctx->module_path);
		goto out;
	}
	infos = calloc(count ? count : 1, sizeof(*infos));
	if (!infos) {
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (P11_CALL(ctx, C_GetTokenInfo, all[i], &infos[k]) != CKR_OK)
			continue;
		if (uri && !p11_kit_uri_match_token_info(uri, &infos[k]))
			continue;
		all[k++] = all[i];
	}
	*ids = all;
	*n = k;
	all = NULL;
	if (tis) {
		*tis = infos;
		infos = NULL;
	}
	ok = 1;
out:
	free(all);
	free(infos);
	return ok;
}

struct p11_slot *p11_slot_get(struct p11_ctx *ctx, CK_SLOT_ID id, const CK_TOKEN_INFO *known)
{
	struct p11_slot *s = NULL;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	size_t i;

	for (i = 0; i < ctx->nslots; i++)
		if (ctx->slots[i].id == id)
			s = &ctx->slots[i];
	/* an open session vouches for the token: if it was pulled, the next
	 * call on the session fails and p11_stale() drops the session */
	if (s && !known && s->have_sess)
		return s;
	if (known) {
		ti = *known;
	} else {
		rv = P11_CALL(ctx, C_GetTokenInfo, id, &ti);
		if (rv != CKR_OK) {
			P11_ERR_RV(ctx, P11_R_TOKEN, rv, "cannot read the token in slot %lu",
				   (unsigned long)id);
			return NULL;
		}
	}
	if (s) {
		if (memcmp(s->ti.label, ti.label, sizeof(ti.label)) != 0 ||
		    memcmp(s->ti.serialNumber, ti.serialNumber, sizeof(ti.serialNumber)) != 0) {
			/* another token in that slot now */
			s->have_sess = 0;
			s->logged_in = 0;
			s->nmechs = 0;
			s->epoch++;
			p11_free_secure(s->pin);
			s->pin = NULL;
		}
		s->ti = ti;
		return s;
	}
	s = realloc(ctx->slots, (ctx->nslots + 1) * sizeof(*s));
	if (!s) {
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
		return NULL;
	}
	ctx->slots = s;
	s = &ctx->slots[ctx->nslots++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->ti = ti;
	return s;
}

struct p11_slot *p11_slot_by_token(struct p11_ctx *ctx, const CK_TOKEN_INFO *want)
{
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO *tis = NULL, *ti;
	size_t n = 0, i;
	struct p11_slot *s = NULL;
	char lbl[33];

	if (!p11_find_tokens(ctx, NULL, &ids, &tis, &n))
		return NULL;
	for (i = 0; i < n; i++) {
		ti = &tis[i];
		if (memcmp(ti->label, want->label, sizeof(ti->label)) == 0 &&
		    memcmp(ti->serialNumber, want->serialNumber, sizeof(ti->serialNumber)) == 0 &&
		    memcmp(ti->manufacturerID, want->manufacturerID, sizeof(ti->manufacturerID)) == 0 &&
		    memcmp(ti->model, want->model, sizeof(ti->model)) == 0) {
			s = p11_slot_get(ctx, ids[i], ti);
			break;
		}
	}
	if (!s && i == n)
		P11_ERR(ctx, P11_R_TOKEN, "token '%s' is no longer present in '%s'",
			p11_token_label(want, lbl), ctx->module_path);
	free(ids);
	free(tis);
	return s;
}

int p11_stale(struct p11_slot *s, CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
		s->have_sess = 0;
		s->logged_in = 0;
		s->epoch++;
		return 1;
	case CKR_USER_NOT_LOGGED_IN:
		s->logged_in = 0;
		s->epoch++;
		return 1;
	}
	return 0;
}

int p11_session(struct p11_ctx *ctx, struct p11_slot *s, int check, CK_SESSION_HANDLE *out)
{
	CK_FLAGS flags = CKF_SERIAL_SESSION;
	CK_SESSION_INFO si;
	char lbl[33];
	CK_RV rv;

	if (s->have_sess && !check) {
		*out = s->sess;
		return 1;
	}
	if (s->have_sess) {
		/* still alive? (token removed, session closed by someone else);
		 * the answer also tells the login state */
		if (P11_CALL(ctx, C_GetSessionInfo, s->sess, &si) == CKR_OK) {
			s->logged_in = si.state == CKS_RO_USER_FUNCTIONS ||
				       si.state == CKS_RW_USER_FUNCTIONS;
			*out = s->sess;
			return 1;
		}
		s->have_sess = 0;
		s->logged_in = 0;
		s->epoch++;
	}
	if (!(s->ti.flags & CKF_WRITE_PROTECTED))
		flags |= CKF_RW_SESSION;
	rv = P11_CALL(ctx, C_OpenSession, s->id, flags, NULL, NULL, &s->sess);
	if (rv == CKR_TOKEN_WRITE_PROTECTED) {
		flags &= ~(CK_FLAGS)CKF_RW_SESSION;
		rv = P11_CALL(ctx, C_OpenSession, s->id, flags, NULL, NULL, &s->sess);
	}
	if (rv != CKR_OK) {
		P11_ERR_RV(ctx, P11_R_TOKEN, rv, "cannot open a session on token '%s'",
			   p11_token_label(&s->ti, lbl));
		return 0;
	}
	s->have_sess = 1;
	s->logged_in = 0;
	*out = s->sess;
	return 1;
}

int p11_login(struct p11_ctx *ctx, struct p11_slot *s, const char *pin)
{
	CK_SESSION_HANDLE sess;
	CK_SESSION_INFO si;
	const char *use, *from = "the PIN";
	char lbl[33];
	CK_RV rv;

	if (!(s->ti.flags & CKF_LOGIN_REQUIRED))
		return 1;
	if (!p11_session(ctx, s, 0, &sess))
		return 0;
	if (s->logged_in)
		return 1;
	use = pin;
	if (!use)
		use = s->pin;
	if (!use && (use = ctx->pin_cfg))
		from = "pkcs11-pin of the provider configuration";
	if (!use && (use = getenv("HWENROLL_PKCS11_PIN")))
		from = "HWENROLL_PKCS11_PIN";
	if (use && !p11_pin_check(ctx, use, from))
		return 0;
	/* no PIN: logged in by another session of this application? (with a
	 * PIN, C_Login answers CKR_USER_ALREADY_LOGGED_IN for that) */
	if (!use && P11_CALL(ctx, C_GetSessionInfo, sess, &si) == CKR_OK &&
	    (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS)) {
		s->logged_in = 1;
		return 1;
	}
	if (!use) {
		P11_ERR(ctx, P11_R_LOGIN,
			"token '%s' needs a PIN: give pin-source or pin-value in the URI, "
			"pkcs11-pin in the provider configuration, or HWENROLL_PKCS11_PIN",
			p11_token_label(&s->ti, lbl));
		return 0;
	}
	rv = P11_CALL(ctx, C_Login, sess, CKU_USER, (CK_UTF8CHAR *)use, (CK_ULONG)strlen(use));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		P11_ERR_RV(ctx, P11_R_LOGIN, rv, "cannot log in to token '%s'",
			   p11_token_label(&s->ti, lbl));
		return 0;
	}
	s->logged_in = 1;
	if (use != s->pin) {
		/* kept in the secure heap to log in again after fork */
		p11_free_secure(s->pin);
		s->pin = p11_strdup_secure(use);
	}
	return 1;
}

int p11_pin_check(struct p11_ctx *ctx, const char *pin, const char *what)
{
	size_t n = strnlen(pin, P11_PIN_MAX + 1);

	if (n <= P11_PIN_MAX)
		return 1;
	P11_ERR(ctx, P11_R_LOGIN, "%s is longer than %d bytes (the longest PIN this provider "
		"passes to the token)", what, P11_PIN_MAX);
	return 0;
}

char *p11_uri_take_pin_value(struct p11_ctx *ctx, P11KitUri *uri, int *err)
{
	char *v = (char *)p11_kit_uri_get_pin_value(uri), *pin;

	*err = 0;
	if (!v)
		return NULL;
	pin = p11_pin_check(ctx, v, "the PIN in pin-value") ? p11_strdup_secure(v) : NULL;
	if (!pin)
		*err = 1;
	/* p11-kit's decoded copy is plain heap, freed without wiping */
	OPENSSL_cleanse(v, strlen(v));
	p11_kit_uri_set_pin_value(uri, NULL);
	return pin;
}

/* First line of a pin-source file, read straight into the secure heap
 * (no stdio buffer keeps a copy). */
static char *read_pin_file(struct p11_ctx *ctx, const char *path, int *err)
{
	char *buf, *pin = NULL;
	struct stat st = { 0 };
	size_t len = 0, n;
	ssize_t r;
	int fd;

	*err = 1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		P11_ERR(ctx, P11_R_LOGIN, "cannot open PIN file '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* as hwenroll's --pin-file: a PIN others can read is not secret, one
	 * they can write is theirs */
	if (fstat(fd, &st) != 0 || (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & 077)) {
		P11_ERR(ctx, P11_R_LOGIN,
			"refusing PIN file '%s': it must be owned by you or root and not accessible by group or others (uid %u, mode %04o): chmod 0600 it",
			path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	/* one byte more than a PIN and its line end: a longer line is an error */
	buf = OPENSSL_secure_zalloc(P11_PIN_MAX + 3);
	if (!buf) {
		close(fd);
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
		return NULL;
	}
	while (len < P11_PIN_MAX + 2 && (r = read(fd, buf + len, P11_PIN_MAX + 2 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			P11_ERR(ctx, P11_R_LOGIN, "cannot read PIN file '%s': %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)r;
		if (memchr(buf, '\n', len))
			break;
	}
	close(fd);
	fd = -1;
	n = strcspn(buf, "\r\n");
	if (n == 0) {
		P11_ERR(ctx, P11_R_LOGIN, "PIN file '%s' is empty", path);
		goto out;
	}
	if (n > P11_PIN_MAX) {
		P11_ERR(ctx, P11_R_LOGIN, "the PIN in PIN file '%s' is longer than %d bytes (the "
			"longest PIN this provider passes to the token)", path, P11_PIN_MAX);
		goto out;
	}
	buf[n] = '\0';
	pin = p11_strdup_secure(buf);
	if (!pin)
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
	else
		*err = 0;
out:
	if (fd >= 0)
		close(fd);
	OPENSSL_secure_clear_free(buf, P11_PIN_MAX + 3);
	return pin;
}

char *p11_uri_pin(struct p11_ctx *ctx, P11KitUri *uri, int *err)
{
	const char *src;
	char *pin;

	pin = p11_uri_take_pin_value(ctx, uri, err);
	if (pin || *err)
		return pin;
	src = p11_kit_uri_get_pin_source(uri);
	if (!src)
		return NULL;
	if (strncmp(src, "file:", 5) == 0) {
		src += 5;
		if (strncmp(src, "//", 2) == 0)
			src += 2;
	}
	return read_pin_file(ctx, src, err);
}
