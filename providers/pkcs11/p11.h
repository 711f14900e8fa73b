/* SPDX-License-Identifier: BSD-3-Clause */
/* p11.h - hwenroll-pkcs11 internals: provider context, PKCS#11 module,
 * tokens, sessions, login, errors and the token key object. */
#ifndef HWE_P11_H
#define HWE_P11_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include <openssl/bn.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>

#include "redact.h"

#define P11_PROV_NAME "hwenroll-pkcs11"
#define P11_PROPS "provider=hwenroll-pkcs11"
#define P11_DEFAULT_MODULE "p11-kit-proxy.so"

/* Reason codes of this provider's errors (strings in provider.c). */
enum p11_reason {
	P11_R_MODULE = 1,      /* module cannot be loaded or initialized */
	P11_R_TOKEN,           /* no token matches, token unusable */
	P11_R_LOGIN,           /* login failed (PIN) */
	P11_R_NOT_FOUND,       /* no object matches the URI */
	P11_R_MECHANISM,       /* the token lacks a mechanism */
	P11_R_TOKEN_CALL,      /* any other failed C_* call */
	P11_R_URI,             /* malformed pkcs11: URI */
	P11_R_EXPORT,          /* private key material requested */
	P11_R_ARGUMENT,        /* bad parameter from the caller */
	P11_R_MEMORY,
	P11_R_UNSUPPORTED,     /* algorithm, curve, size, padding */
	P11_R_AMBIGUOUS,       /* a key URI matches more than one private key */
};

/* A C_GetMechanismInfo answer, cached per token (mechanisms do not change
 * while the token stays in the slot). */
struct p11_mech {
	CK_MECHANISM_TYPE m;
	CK_RV rv;              /* CKR_OK or CKR_MECHANISM_INVALID */
	CK_FLAGS flags;
};
#define P11_MECH_CACHE 8

/* A token in use: one session per token per provider context.  The
 * session and login state are cached: they are checked again only when a
 * call fails with a session or login error (p11_stale()). */
struct p11_slot {
	CK_SLOT_ID id;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE sess;
	int have_sess;
	int logged_in;
	char *pin;             /* secure heap; kept to log in again after fork */
	unsigned epoch;        /* +1 when session or login was lost: object handles
				* resolved before may be stale */
	struct p11_mech mechs[P11_MECH_CACHE];
	size_t nmechs;
};

/* The provider context. */
struct p11_ctx {
	const OSSL_CORE_HANDLE *handle;
	OSSL_LIB_CTX *libctx;  /* child library context: digests, RAND, encoders */
	OSSL_FUNC_core_new_error_fn *up_new_error;
	OSSL_FUNC_core_set_error_debug_fn *up_set_error_debug;
	OSSL_FUNC_core_vset_error_fn *up_vset_error;
	char *module_cfg;      /* pkcs11-module-path from openssl.cnf */
	char *pin_cfg;         /* pkcs11-pin from openssl.cnf (secure heap) */
	pthread_mutex_t lock;  /* recursive; guards everything below */
	CK_FUNCTION_LIST *fl;  /* loaded module, NULL until first use */
	char *module_path;     /* the module actually loaded */
	void *dl;              /* dlopen handle when the p11-kit proxy is used */
	pid_t pid;             /* process that initialized fl */
	struct p11_slot *slots;
	size_t nslots;
};

/* A key held by reference to token objects.  Public parts are cached in
 * memory; private operations find the private key object again by
 * CKA_ID/CKA_LABEL on the same token (object handles are not stable across
 * fork or session loss). */
struct p11_key {
	struct p11_ctx *ctx;
	CK_KEY_TYPE type;      /* CKK_EC or CKK_RSA */
	int has_priv;          /* backed by a token private key */
	int has_pub;
	CK_SLOT_ID slot;
	CK_TOKEN_INFO ti;      /* token identity (label, manufacturer, model, serial) */
	unsigned char *id;
	size_t idlen;
	char *label;
	CK_OBJECT_HANDLE handle;  /* private key object, valid in handle_pid */
	pid_t handle_pid;
	unsigned epoch;           /* the slot's epoch when handle was resolved */
	int nid;               /* EC: curve */
	unsigned char *point;  /* EC: uncompressed point */
	size_t pointlen;
	BIGNUM *n, *e;         /* RSA */
	int bits;
};

/* ---- errors ---- */
void p11_raise(struct p11_ctx *ctx, int reason, const char *file, int line, const char *func,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define P11_ERR(ctx, reason, ...) \
	p11_raise((ctx), (reason), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, __VA_ARGS__)
/* The same, with ": C_Xxx: CKR_NAME" of the last failed call appended. */
void p11_raise_rv(struct p11_ctx *ctx, int reason, CK_RV rv, const char *file, int line,
		  const char *func, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
#define P11_ERR_RV(ctx, reason, rv, ...) \
	p11_raise_rv((ctx), (reason), (rv), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, __VA_ARGS__)

/* Every C_* call goes through P11_CALL: it remembers the function name for
 * the error message and maps the result through p11_rv_name(). */
CK_RV p11_note(const char *fn, CK_RV rv);
/* The result of the last failed C_* call of this thread. */
CK_RV p11_last_rv(void);
#define P11_CALL(ctx, fn, ...) p11_note(#fn, (ctx)->fl->fn(__VA_ARGS__))
const char *p11_rv_name(CK_RV rv);
const char *p11_mech_name(CK_MECHANISM_TYPE m);
/* token label without padding, for messages */
const char *p11_token_label(const CK_TOKEN_INFO *ti, char buf[33]);

/* ---- context, module, tokens, sessions (p11.c) ---- */
int p11_ctx_init(struct p11_ctx *ctx);
void p11_ctx_fini(struct p11_ctx *ctx);
void p11_lock(struct p11_ctx *ctx);
void p11_unlock(struct p11_ctx *ctx);
/* With the lock held: load and initialize the module (once, and again in a
 * forked child).  1 ok, 0 error raised. */
int p11_ready(struct p11_ctx *ctx);
/* Slots whose token matches the URI (NULL = any); *ids malloc'd, and the
 * token infos in *tis (malloc'd) when tis is not NULL. */
int p11_find_tokens(struct p11_ctx *ctx, P11KitUri *uri, CK_SLOT_ID **ids, CK_TOKEN_INFO **tis,
		    size_t *n);
/* The slot of the token with this identity (label+serial+manufacturer+model). */
struct p11_slot *p11_slot_by_token(struct p11_ctx *ctx, const CK_TOKEN_INFO *ti);
/* The slot state for a slot id.  ti: the token info just read (from
 * p11_find_tokens), or NULL to read it (skipped while a session is open:
 * a removed token shows as a session error, see p11_stale()). */
struct p11_slot *p11_slot_get(struct p11_ctx *ctx, CK_SLOT_ID id, const CK_TOKEN_INFO *ti);
/* Session of the slot, opened on first use (R/W unless write-protected).
 * check: a cached session is verified with C_GetSessionInfo (once per
 * store load or key generation, never per signature). */
int p11_session(struct p11_ctx *ctx, struct p11_slot *s, int check, CK_SESSION_HANDLE *out);
/* Log in as user if the token needs it; pin may be NULL (cached pin, the
 * provider's pkcs11-pin, HWENROLL_PKCS11_PIN).  The cached login state is
 * trusted.  1 ok, 0 error raised. */
int p11_login(struct p11_ctx *ctx, struct p11_slot *s, const char *pin);
/* 1 if rv says the slot's session or login is gone (session closed, token
 * removed, not logged in): the cached state is dropped so that the next
 * p11_session()/p11_login() opens and logs in again. */
int p11_stale(struct p11_slot *s, CK_RV rv);
/* Objects matching the template (*out malloc'd); max > 0 stops after max. */
int p11_find_objects(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *tmpl,
		     CK_ULONG n, size_t max, CK_OBJECT_HANDLE **out, size_t *count);
/* The same without raising an error: the failing result in *rv. */
int p11_find_objects_rv(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *tmpl,
			CK_ULONG n, size_t max, CK_OBJECT_HANDLE **out, size_t *count, CK_RV *rv);
/* One attribute value (malloc'd); 0 if absent (no error raised).  One
 * C_GetAttributeValue call for values up to 4 KiB. */
int p11_get_attr(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
		 CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len);
/* Several attributes in one call: each t[i] has a caller buffer (pValue,
 * ulValueLen = its size).  On return ulValueLen is the value length or
 * CK_UNAVAILABLE_INFORMATION (absent, sensitive, or larger than the
 * buffer).  Falls back to one call per attribute for modules that do not
 * process the whole template.  Returns 1, 2 if some value was larger than
 * its buffer (read those with p11_get_attr), 0 if the object is unreadable
 * (no error raised).  At most 16 attributes. */
int p11_get_attrs(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
		  CK_ATTRIBUTE *t, CK_ULONG n);
/* 1 if the token has the mechanism with the flag (CKF_SIGN, CKF_GENERATE_KEY_PAIR),
 * else 0 with "token 'X' does not support CKM_Y" raised.  Cached per token. */
int p11_check_mech(struct p11_ctx *ctx, struct p11_slot *s, CK_MECHANISM_TYPE m, CK_FLAGS flag);
/* The longest PIN passed to C_Login, in bytes (SoftHSM's and most tokens'
 * ulMaxPinLen).  A longer PIN from any source is an error, never cut. */
#define P11_PIN_MAX 255
/* 1 if pin is at most P11_PIN_MAX bytes; else 0 with "<what> is longer
 * than ..." raised (what names the source, never the PIN). */
int p11_pin_check(struct p11_ctx *ctx, const char *pin, const char *what);
/* The URI's pin-value as a secure-heap string, or NULL if it has none.
 * p11-kit's own decoded copy (plain heap) is wiped and dropped from uri,
 * so a second call returns NULL.  *err set (error raised) when the PIN is
 * too long or memory ran out. */
char *p11_uri_take_pin_value(struct p11_ctx *ctx, P11KitUri *uri, int *err);
/* PIN from a pkcs11: URI: pin-value (taken as above), or the first line
 * of pin-source (path or file: URI), read into the secure heap.  Returns
 * a secure-heap string or NULL; *err set if pin-source failed or a PIN
 * is too long. */
char *p11_uri_pin(struct p11_ctx *ctx, P11KitUri *uri, int *err);
/* The URI for messages: hwe_redact_uri() (providers/common/redact.h). */
char *p11_strdup_secure(const char *s);
void p11_free_secure(char *s);

/* ---- keys (keymgmt.c) ---- */
struct p11_key *p11_key_new(struct p11_ctx *ctx, CK_KEY_TYPE type);
void p11_key_free(struct p11_key *k);
struct p11_key *p11_key_dup(const struct p11_key *k);
/* Build a key from a token private or public key object (session open,
 * lock held).  Public parts come from the object, a public key object or
 * a certificate with the same CKA_ID. */
struct p11_key *p11_key_from_object(struct p11_ctx *ctx, struct p11_slot *s,
				    CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
				    CK_OBJECT_CLASS cls);
/* The same for a key pair just generated: the public parts are read from
 * pub when the private object lacks them (no search). */
struct p11_key *p11_key_from_pair(struct p11_ctx *ctx, struct p11_slot *s,
				  CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE priv,
				  CK_OBJECT_HANDLE pub);
/* Private key handle usable in the current process (lock held): finds the
 * object again after fork, logs in.  Returns the slot too.  No C_* call
 * when the handle, session and login are cached; after a session or
 * handle error, p11_key_forget() then this finds everything again. */
int p11_key_private_handle(struct p11_key *k, struct p11_slot **slot,
			   CK_SESSION_HANDLE *sess, CK_OBJECT_HANDLE *h);
void p11_key_forget(struct p11_key *k);
int p11_key_max_sig(const struct p11_key *k);
const char *p11_key_token(const struct p11_key *k, char buf[33]);

void *p11_memdup(const void *p, size_t n);

/* ---- key generation (keygen.c), in the keymgmt tables ---- */
OSSL_FUNC_keymgmt_gen_init_fn p11_ec_gen_init, p11_rsa_gen_init;
OSSL_FUNC_keymgmt_gen_set_params_fn p11_gen_set_params;
OSSL_FUNC_keymgmt_gen_settable_params_fn p11_ec_gen_settable, p11_rsa_gen_settable;
OSSL_FUNC_keymgmt_gen_fn p11_gen;
OSSL_FUNC_keymgmt_gen_cleanup_fn p11_gen_cleanup;

/* dispatch tables */
extern const OSSL_DISPATCH p11_ec_keymgmt_functions[];
extern const OSSL_DISPATCH p11_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH p11_ecdsa_signature_functions[];
extern const OSSL_DISPATCH p11_rsa_signature_functions[];
extern const OSSL_DISPATCH p11_store_functions[];

#endif
