/* SPDX-License-Identifier: BSD-3-Clause */
/* hwenroll.h - what main() and the commands share: the context, the
 * command signature, and the one option parser every command uses. */
#ifndef HWE_HWENROLL_H
#define HWE_HWENROLL_H

#include <stdint.h>

#include "est.h"
#include "http.h"
#include "key.h"
#include "keystore.h"

struct hwe_config;
struct hwe_csrconf;

struct hwe_ctx {
	const char *keystore_dir;   /* -k / HWENROLL_KEYSTORE / config / default */
	int keystore_set;           /* -k or HWENROLL_KEYSTORE given (config does not override) */
	const char *config_file;    /* --config FILE / HWENROLL_CONFIG, or NULL */
	int log_level_set;          /* -l given (so the config file does not override) */
	struct hwe_config *config;  /* parsed config file, or NULL */
};

/* The global config file (conf/hwenroll.conf): key=value lines whose keys
 * are long option names (uri, key-backend, tcti, ...) plus keystore and
 * log-level.  Values are defaults: command line > environment > config. */
int hwe_config_load(const char *path, struct hwe_config **out);
const char *hwe_config_get(const struct hwe_config *c, const char *key);
void hwe_config_free(struct hwe_config *c);

/* One signature for every command (git builtin style).  argv[0] is the
 * command name; returns an exit code (rc.h). */
typedef int hwe_cmd_fn(int argc, char **argv, struct hwe_ctx *ctx);

hwe_cmd_fn cmd_cacerts, cmd_csrattrs, cmd_keygen, cmd_enroll, cmd_reenroll, cmd_show,
	cmd_certificate, cmd_tpm, cmd_renew;

/* ---- options (opts.c) ------------------------------------------------- */

/* Every option any command takes; a command passes the set it accepts. */
enum hwe_opt {
	HWE_OPT_URI,            /* --uri URL (EST_URI) */
	HWE_OPT_KEY_ALIAS,      /* --key-alias A */
	HWE_OPT_CSR_CONF,       /* --csr-conf FILE */
	HWE_OPT_KEY_BACKEND,    /* --key-backend software|tpm2|pkcs11 */
	HWE_OPT_ALGORITHM,      /* --algorithm ECC|RSA */
	HWE_OPT_CURVE,          /* --curve P256|P384|P521 */
	HWE_OPT_SIZE,           /* --size 2048|3072|4096 */
	HWE_OPT_TCTI,           /* --tcti STR */
	HWE_OPT_TPM_PARENT,     /* --tpm-parent HANDLE */
	HWE_OPT_TPM_HANDLE,     /* --tpm-handle HANDLE (use an existing persistent key) */
	HWE_OPT_PKCS11_MODULE,  /* --pkcs11-module PATH */
	HWE_OPT_TOKEN_URI,      /* --token-uri URI */
	HWE_OPT_PIN_FILE,       /* --pin-file FILE */
	HWE_OPT_ESTC_USER,      /* --estc-user U (EST_USERNAME) */
	HWE_OPT_ESTC_PASS,      /* --estc-pass P (EST_PASS) - warns: visible in ps */
	HWE_OPT_ESTC_PASS_FILE, /* --estc-pass-file FILE */
	HWE_OPT_SERVER_DN,      /* --estc-server-dn HOST */
	HWE_OPT_SERVER_URL,     /* --estc-server-url URL (alias of --uri) */
	HWE_OPT_REKEY,          /* --rekey */
	HWE_OPT_JSON,           /* --json */
	HWE_OPT_MAX_WAIT,       /* --max-wait SECONDS (202 Retry-After budget) */
	HWE_OPT_TIMEOUT,        /* --timeout SECONDS (per request) */
	HWE_OPT_CONNECT_TIMEOUT,/* --connect-timeout SECONDS */
	HWE_OPT_TLS_GROUPS,     /* --tls-groups LIST (key-exchange groups offered) */
	HWE_OPT_POP,            /* --pop (always send the channel binding) */
	HWE_OPT_NO_POP,         /* --no-pop (never) */
	HWE_OPT_POP_POLICY,     /* --pop-policy auto|always|never (config key) */
	HWE_OPT_CSRATTRS,       /* --csrattrs use|ignore (build the CSR from /csrattrs) */
	HWE_OPT_LOG_LEVEL,      /* --log-level (also accepted after the command) */
	HWE_OPT_FORCE,          /* --force (keygen: replace an existing alias) */
	HWE_OPT_CREATE_PARENT,  /* --create-parent (tpm) */
	HWE_OPT_AUTH_ALIAS,     /* --auth-alias A (enroll: TLS client auth with another alias's cert and key) */
	HWE_OPT_BEFORE,         /* --before DAYS (renewal window; enroll: stored in the profile) */
	HWE_OPT_REKEY_ON_RENEW, /* --rekey-on-renew (enroll: profile policy) */
	HWE_OPT_DEPLOY_HOOK,    /* --deploy-hook CMD (run after a new certificate is committed) */
	HWE_OPT_HOOK_TIMEOUT,   /* --deploy-hook-timeout SECONDS (default 60) */
	HWE_OPT_ALL,            /* --all (renew every alias) */
	HWE_OPT_CHECK,          /* --check (renew: report only) */
	HWE_OPT_SAVE,           /* --save (renew: store the overrides in the profile) */
	HWE_OPT_METRICS,        /* --metrics FILE (Prometheus textfile) */
	HWE_OPT_RETRY_FOR,      /* --retry-for SECONDS (outage budget, default 300) */
	HWE_OPT_RANDOM_DELAY,   /* --random-delay SECONDS */
	HWE_OPT_ESTC_TOKEN_FILE,/* --estc-token-file FILE (Bearer access token; else EST_TOKEN) */
	HWE_OPT_PROXY,          /* --proxy URL (else https_proxy/all_proxy, no_proxy) */
	HWE_OPT_PROXY_USER,     /* --proxy-user U (with --proxy-pass-file) */
	HWE_OPT_PROXY_PASS_FILE,/* --proxy-pass-file FILE */
	HWE_OPT_PROXY_CACERT,   /* --proxy-cacert FILE (an https:// proxy's trust; else the system store) */
	HWE_OPT_ATTEST,         /* --attest (enroll: TPM2_Certify evidence in the CSR) */
	HWE_OPT_AK_HANDLE,      /* --ak-handle HANDLE (attestation key; default 0x81000100) */
	HWE_OPT_AK_CERT,        /* --ak-cert FILE|nv:INDEX (the AK's certificate and chain) */
	HWE_OPT_CREATE_AK,      /* --create-ak (tpm) */
	HWE_OPT_AK_CSR,         /* --ak-csr (tpm: print a CSR for the AK, signed by it) */
	/* settings with no command-line option: environment only, read by
	 * the resolver like every other value */
	HWE_OPT_NO_PROXY,       /* no_proxy / NO_PROXY: hosts reached without the environment's proxy */
	HWE_OPT_TCTI_RCWATCH,   /* HWENROLL_TCTI_RCWATCH: the TCTI watcher module (tests, relocated installs) */
	HWE_OPT_COUNT
};
/* ends a command's option list */
#define HWE_OPTS_END HWE_OPT_COUNT
#define HWE_MAX_ALIASES 64

/* Where a value came from, in the order that decides: the command line,
 * then the environment, then the config file (renew: the profile comes
 * after the command line). */
enum hwe_optsrc { HWE_SRC_NONE, HWE_SRC_ARG, HWE_SRC_ENV, HWE_SRC_CONFIG, HWE_SRC_PROFILE };

/* ---- typed values --------------------------------------------------------
 * What the resolver makes of the options: each table row (opts.c) names
 * the field it fills, converted once, with its default where it has one.
 * Code below the commands reads these and nothing else: no getenv, no
 * string conversion, no option numbers. */

/* when the CSR carries the TLS channel binding (--pop-policy's order) */
enum hwe_pop_policy { HWE_POP_AUTO, HWE_POP_ALWAYS, HWE_POP_NEVER };
/* --csrattrs (its order) */
enum hwe_csrattrs_use { HWE_CSRATTRS_USE, HWE_CSRATTRS_IGNORE };

/* The key device and how to reach it. */
struct hwe_dev_args {
	const struct hwe_key_backend *backend; /* --key-backend; NULL: the alias's own, else software */
	const char *tcti;            /* never NULL (default device:/dev/tpmrm0) */
	const char *tcti_rcwatch;    /* the TCTI watcher module; NULL: the installed one */
	uint32_t tpm_parent;         /* 0: 0x81000001 */
	uint32_t tpm_handle;         /* 0: make a key */
	const char *pkcs11_module;   /* NULL: p11-kit-proxy */
	const char *token_uri;
	const char *pin_file;        /* --pin-file (config pin-file) */
	const char *pin;             /* else the PIN itself, from HWENROLL_PKCS11_PIN */
};

/* The EST server: URL, TLS, HTTP authentication, the proxy. */
struct hwe_net_args {
	const char *uri;             /* --uri, --estc-server-url, EST_URI, config uri */
	const char *server_dn;
	long timeout_s;              /* 0: the HTTP layer's default */
	long connect_timeout_s;      /* 0: the HTTP layer's default */
	long max_wait_s;             /* 202 Retry-After budget (default 120) */
	const char *tls_groups;
	const char *user;            /* checked: no control character, no ':' */
	const char *pass;            /* --estc-pass, else EST_PASS */
	const char *pass_file;       /* --estc-pass-file (config estc-pass-file) */
	const char *token;           /* EST_TOKEN */
	const char *token_file;      /* --estc-token-file (config estc-token-file) */
	const char *proxy;           /* --proxy, https_proxy ... ALL_PROXY, config proxy */
	char proxy_from[64];         /* where proxy came from, for messages ("" if none) */
	int proxy_from_env;
	const char *no_proxy;        /* no_proxy / NO_PROXY */
	const char *no_proxy_from;   /* the variable it came from */
	const char *proxy_user;
	const char *proxy_pass_file;
	const char *proxy_cacert;
};

/* TPM attestation of a new key. */
struct hwe_attest_args {
	int on;                      /* --attest */
	uint32_t ak_handle;          /* default 0x81000100 */
	const char *ak_cert;         /* FILE or nv:INDEX, as given (for messages) */
	uint32_t ak_cert_nv;         /* nv:INDEX: the index; 0: ak_cert is a file */
};

/* The enrollment job (enroll, reenroll, certificate est, renew). */
struct hwe_enroll_args {
	const char *csr_conf;
	const char *auth_alias;
	int rekey;
	enum hwe_pop_policy pop;     /* --pop, --no-pop, --pop-policy, config pop-policy */
	enum hwe_csrattrs_use csrattrs;
	long before_days;            /* -1: not set (the last third of the lifetime) */
	int rekey_on_renew;
	const char *deploy_hook;
	long hook_timeout_s;         /* default 60 */
};

/* renew's own */
struct hwe_renew_args {
	int all, check, save;
	const char *metrics;
	long retry_for_s;            /* default 300 */
	long random_delay_s;
	const char *const *aliases;  /* every --key-alias */
	int naliases;
};

/* tpm's own */
struct hwe_tpm_args {
	int create_parent, create_ak, ak_csr;
};

struct hwe_args {
	const char *alias;           /* --key-alias (renew: the first) */
	int json, force;
	struct hwe_keyspec spec;     /* --algorithm, --curve, --size (default ECC P-256) */
	int spec_given;              /* one of them was given */
	struct hwe_dev_args dev;
	struct hwe_net_args net;
	struct hwe_attest_args attest;
	struct hwe_enroll_args enroll;
	struct hwe_renew_args renew;
	struct hwe_tpm_args tpm;
};

/* The resolved options of one command run: the typed values in .a, and
 * each option's text and source, which only the option layer reads (the
 * profile is written from them, messages name the source). */
struct hwe_opts {
	struct hwe_args a;
	unsigned char allowed[HWE_OPT_COUNT]; /* the command takes it */
	enum hwe_optsrc src[HWE_OPT_COUNT];
	const char *val[HWE_OPT_COUNT];    /* the value as text (NULL if none) */
	const char *env[HWE_OPT_COUNT];    /* the variable it came from (src ENV) */
	/* a *-file option's secret taken from its own variable instead (EST_PASS,
	 * HWENROLL_PKCS11_PIN, EST_TOKEN): val is then NULL, src ENV */
	const char *secret[HWE_OPT_COUNT];
	const char *aliases[HWE_MAX_ALIASES]; /* every --key-alias (usage multi_alias) */
	int naliases;
	int nargs;                         /* positional arguments left */
	char **args;
};

/* One option's help line for one command, where it means more there than
 * the table's general text. */
struct hwe_optnote {
	enum hwe_opt opt;       /* HWE_OPTS_END ends a list */
	const char *help;
};

/* A command's interface, written once: the parser accepts exactly .opts,
 * --help is generated from them (with the table's text, or the command's
 * note), and the test suite checks the synopsis against the man page. */
struct hwe_usage {
	const char *name;       /* "enroll" */
	const char *synopsis;   /* "enroll --uri URL --key-alias A --csr-conf FILE [key options] [auth options]" */
	const char *summary;    /* one line */
	const enum hwe_opt *opts;        /* ending in HWE_OPTS_END, in --help order */
	const struct hwe_optnote *notes; /* NULL or ending in { HWE_OPTS_END } */
	const char *footer;     /* NULL or text after the option list */
	int multi_alias;        /* --key-alias may be repeated (renew) */
};

/* Parse argv (getopt_long, permuting) accepting only usage->opts, then
 * resolve each option: command line, else its environment variables, else
 * the config file.  Values are checked and converted here (seconds, days,
 * handles, log level, user name), errors naming where the value came from.
 * --help prints the usage and returns -1 (the command then returns 0). */
int hwe_opts_parse(int argc, char **argv, struct hwe_ctx *ctx, const struct hwe_usage *usage,
		   struct hwe_opts *o);
/* Print the usage and the command's options (generated) to stdout. */
void hwe_usage_print(const struct hwe_usage *usage);
/* 1 if opt was given on the command line (not from environment or config). */
int hwe_opts_given(const struct hwe_opts *o, enum hwe_opt opt);
/* Where opt's value came from, for a message: "--tcti", "HWENROLL_TCTI",
 * "config key 'tcti'", "profile key 'tcti'" (NULL if it has none). */
const char *hwe_opts_source(const struct hwe_opts *o, enum hwe_opt opt, char *buf, size_t len);
/* Set opt from another source (renew's enrollment profile: src
 * HWE_SRC_PROFILE), converted and checked like a parsed value, its typed
 * field and what derives from it (pop) updated; `where` names it in an
 * error ("certs/dev1.profile").  A secret taken from the environment for
 * the option is dropped: the new value is the file. */
int hwe_opts_set(struct hwe_opts *o, enum hwe_opt opt, const char *value, enum hwe_optsrc src,
		 const char *where);
/* Take opt back to no value: its typed field gets its default. */
void hwe_opts_unset(struct hwe_opts *o, enum hwe_opt opt);
/* Long name of an option ("key-alias"), the profile's key for it. */
const char *hwe_opt_name(enum hwe_opt opt);

/* The backend's view of the device options: TCTI, parent, PKCS#11
 * module and token, and the PIN (--pin-file read now, or
 * HWENROLL_PKCS11_PIN).  *pin_out receives a PIN to wipe with
 * hwe_secret_free(); ko->alias is left NULL. */
int hwe_opts_key(const struct hwe_dev_args *d, struct hwe_key_opts *ko, char **pin_out);

/* Read a secret (password/PIN) file: first line, trailing newline removed;
 * refuses empty files and a first line over 4096 bytes (never cuts it).
 * Input error naming the file.  The result is a hwe_secret_dup() copy. */
int hwe_read_secret_file(const char *path, const char *what, char **out);
/* A copy of a secret in OpenSSL's secure heap (main() sets it up; the
 * plain heap if that failed), or NULL; free with hwe_secret_free(), which
 * wipes it. */
char *hwe_secret_dup(const char *s);
void hwe_secret_free(char *s);

/* ---- helpers shared by the commands (cmdutil.c, enroll.c) ---------- */

/* hwe_opts_parse plus "no positional arguments": -1 after --help. */
int hwe_cmd_parse(int argc, char **argv, struct hwe_ctx *ctx, const struct hwe_usage *usage,
		  struct hwe_opts *o);
/* Open the keystore of ctx; create=1 creates missing directories. */
int hwe_cmd_keystore(struct hwe_ctx *ctx, int create, struct hwe_keystore **ks);
/* Load --csr-conf NAME: without '/' <ks>/conf/NAME, opened through the
 * keystore's conf/ descriptor with O_NOFOLLOW (keystore checks); with '/'
 * the path as given (owner/mode of the final file checked). */
int hwe_cmd_csrconf_load(const struct hwe_keystore *ks, const char *name,
			 struct hwe_csrconf **out);
/* Require --uri (or EST_URI) and parse it; usage error otherwise. */
int hwe_cmd_url(const struct hwe_net_args *na, struct hwe_est_url *u);
/* Pick the backend for an alias: the key file's backend if the alias has
 * one (a contradicting --key-backend is refused), else --key-backend, else
 * software.  Resolves device options into ko (PIN into *pin) and runs the
 * backend's init.  *existing = 1 when the alias already has a key file. */
int hwe_cmd_backend(const struct hwe_dev_args *d, const struct hwe_keystore *ks, const char *alias,
		    const struct hwe_key_backend **be, struct hwe_key_opts *ko, char **pin,
		    int *existing);
/* The same without the backend's init (enroll --attest: the TPM is used
 * directly before the tpm2 provider connects). */
int hwe_cmd_backend_pick(const struct hwe_dev_args *d, const struct hwe_keystore *ks, const char *alias,
			 const struct hwe_key_backend **be, struct hwe_key_opts *ko, char **pin,
			 int *existing);
/* malloc'd alias + suffix: a keystore file name ("dev1", ".pem"). */
char *hwe_cmd_fname(const char *alias, const char *suffix);
/* Load the key file of an alias with its backend. */
int hwe_cmd_load_key(const struct hwe_keystore *ks, const char *alias,
		     const struct hwe_key_backend *be, const struct hwe_key_opts *ko,
		     EVP_PKEY **pkey);
/* Load certs/<alias>.pem (first certificate) and certs/<alias>-chain.pem (may be absent). */
int hwe_cmd_load_cert(const struct hwe_keystore *ks, const char *alias, X509 **cert,
		      STACK_OF(X509) **chain);
/* The same for an alias that may have no certificate: HWE_OK, *cert NULL. */
int hwe_cmd_load_cert_opt(const struct hwe_keystore *ks, const char *alias, X509 **cert,
			  STACK_OF(X509) **chain);
/* The network side of a command: URL, trust anchors from <ks>/ca/,
 * credentials (--estc-pass-file, --estc-pass, EST_PASS; --estc-token-file,
 * EST_TOKEN), the proxy (--proxy, --proxy-user, --proxy-pass-file,
 * --proxy-cacert), timeouts, and the HTTP session built from them. */
struct hwe_cmd_net {
	struct hwe_est_url url;
	struct hwe_http_cfg cfg;
	STACK_OF(X509) *anchors;
	char *trust_dir;         /* "<ks>/ca/" for messages */
	char *pass;              /* wiped on clear */
	char *token;             /* Bearer access token, wiped on clear */
	char *proxy_pass;        /* wiped on clear */
	unsigned char *proxy_ca; /* --proxy-cacert's PEM */
	size_t proxy_ca_len;
	long max_wait_s;
	struct hwe_http *http;
};
/* The options: URL, timeouts, credentials (no keystore access yet).  n
 * points into na (the proxy's source text): na must outlive it. */
int hwe_cmd_net_prepare(const struct hwe_net_args *na, struct hwe_cmd_net *n);
/* The trust anchors of <ks>/ca/ (then: set cfg.client_* if needed and
 * hwe_http_new(&n->cfg, &n->http)). */
int hwe_cmd_net_trust(const struct hwe_keystore *ks, struct hwe_cmd_net *n);
void hwe_cmd_net_clear(struct hwe_cmd_net *n);
/* URL check, keystore, network setup and the HTTP session, for the
 * commands that need no key (cacerts, csrattrs). */
int hwe_cmd_connect(struct hwe_ctx *ctx, const struct hwe_net_args *na, int create,
		    struct hwe_keystore **ks, struct hwe_cmd_net *n);

/* Print a JSON string literal (quoted, escaped) to stdout. */
void hwe_json_str(const char *s);
/* "2027-11-28T00:00:00Z" from an ASN1_TIME */
const char *hwe_time_str(const ASN1_TIME *t, char *buf, size_t buflen);

/* The enrollment job shared by enroll, reenroll and `certificate est`:
 * op is HWE_EST_SIMPLEENROLL or HWE_EST_SIMPLEREENROLL; enroll stores the
 * profile made from o. */
int hwe_enroll_run(struct hwe_ctx *ctx, const struct hwe_opts *o, int op);
/* The same job, for renew: what it asks for and what it got. */
struct hwe_enroll_res {
	/* in: store the profile made from these options (their text and
	 * sources) in the commit; NULL: leave the alias's profile */
	const struct hwe_opts *profile;
	int quiet;               /* in: print no certificate (renew prints its own record) */
	int committed;           /* out: a new certificate was committed */
	int rekeyed;             /* out: with a new key */
	long long not_after;     /* out: the new certificate's notAfter (Unix time) */
	int hook_ret;            /* out: HWE_OK, or the deploy hook's failure (HWE_EXIT_HOOK) */
	/* out, when the job returns HWE_EXIT_PENDING: the request is kept
	 * (not an error: nothing is recorded; printed unless quiet) */
	struct hwe_est_pending pending;
	struct hwe_est_answer answer;  /* out: the POST's last HTTP status and Retry-After */
};
int hwe_enroll_job(struct hwe_ctx *ctx, const struct hwe_args *a, int op, struct hwe_enroll_res *res);
/* Destroy the device keys interrupted runs of alias left behind
 * (req/<alias>.new<ext>, req/<alias>.old<ext>; the enrollment job does this
 * itself), with the device options d; nothing to do: no lock, no device.
 * renew calls it for an alias that is not due. */
int hwe_enroll_sweep(struct hwe_keystore *ks, const struct hwe_dev_args *d, const char *alias);
/* Run the deploy hook CMD of alias (after its new certificate is
 * committed): /bin/sh -c CMD with HWENROLL_* in the environment, at most
 * timeout_s seconds, its output logged.  HWE_EXIT_HOOK on failure. */
int hwe_deploy_hook(const struct hwe_keystore *ks, const char *alias, const char *cmd,
		    long timeout_s);
/* cacerts and csrattrs jobs (shared with `certificate est`). */
int hwe_cacerts_run(struct hwe_ctx *ctx, const struct hwe_args *a);
int hwe_csrattrs_run(struct hwe_ctx *ctx, const struct hwe_args *a);

/* Option sets, as comma-separated lists for a command's .opts */
#define HWE_OPTS_KEYGEN HWE_OPT_KEY_BACKEND, HWE_OPT_ALGORITHM, HWE_OPT_CURVE, HWE_OPT_SIZE, \
	HWE_OPT_TCTI, HWE_OPT_TPM_PARENT, HWE_OPT_TPM_HANDLE, HWE_OPT_PKCS11_MODULE, HWE_OPT_TOKEN_URI, \
	HWE_OPT_PIN_FILE
#define HWE_OPTS_DEVICE HWE_OPT_KEY_BACKEND, HWE_OPT_TCTI, HWE_OPT_TPM_PARENT, HWE_OPT_PKCS11_MODULE, \
	HWE_OPT_TOKEN_URI, HWE_OPT_PIN_FILE
#define HWE_OPTS_NET HWE_OPT_URI, HWE_OPT_SERVER_URL, HWE_OPT_SERVER_DN, HWE_OPT_TIMEOUT, \
	HWE_OPT_CONNECT_TIMEOUT, HWE_OPT_TLS_GROUPS, HWE_OPT_PROXY, HWE_OPT_PROXY_USER, \
	HWE_OPT_PROXY_PASS_FILE, HWE_OPT_PROXY_CACERT, HWE_OPT_JSON
/* how the CSR meets the server's /csrattrs and proof-of-possession */
#define HWE_OPTS_CSR HWE_OPT_CSRATTRS, HWE_OPT_POP, HWE_OPT_NO_POP, HWE_OPT_POP_POLICY
/* what enroll stores in the profile for renew */
#define HWE_OPTS_POLICY HWE_OPT_BEFORE, HWE_OPT_REKEY_ON_RENEW, HWE_OPT_DEPLOY_HOOK, HWE_OPT_HOOK_TIMEOUT
#define HWE_OPTS_AUTH HWE_OPT_ESTC_USER, HWE_OPT_ESTC_PASS_FILE, HWE_OPT_ESTC_PASS, HWE_OPT_ESTC_TOKEN_FILE
#define HWE_OPTS_ATTEST HWE_OPT_ATTEST, HWE_OPT_AK_HANDLE, HWE_OPT_AK_CERT

#endif
