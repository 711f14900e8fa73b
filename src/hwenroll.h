/* SPDX-License-Identifier: BSD-3-Clause */
/* hwenroll.h - what main() and the commands share: the context, the
 * command signature, and the one option parser every command uses. */
#ifndef HWE_HWENROLL_H
#define HWE_HWENROLL_H

#include <stdint.h>

#include "key.h"
#include "keystore.h"

struct hwe_ctx {
	const char *keystore_dir;   /* -k / HWENROLL_KEYSTORE / config / default */
	const char *config_file;    /* --config FILE or NULL */
	int log_level_set;          /* -l given (so the config file does not override) */
};

/* One signature for every command (git builtin style).  argv[0] is the
 * command name; returns an exit code (rc.h). */
typedef int hwe_cmd_fn(int argc, char **argv, struct hwe_ctx *ctx);

hwe_cmd_fn cmd_cacerts, cmd_csrattrs, cmd_keygen, cmd_enroll, cmd_reenroll, cmd_show,
	cmd_certificate, cmd_tpm;

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
	HWE_OPT_LOG_LEVEL,      /* --log-level (also accepted after the command) */
	HWE_OPT_FORCE,          /* --force (keygen: replace an existing alias) */
	HWE_OPT_CREATE_PARENT,  /* --create-parent (tpm) */
	HWE_OPT_COUNT
};
#define HWE_OPTBIT(o) (1ull << (o))

struct hwe_opts {
	unsigned long long given;          /* HWE_OPTBIT of each option seen on the command line */
	const char *val[HWE_OPT_COUNT];    /* argument of each (NULL if absent), after env/config defaults */
	int nargs;                         /* positional arguments left */
	char **args;
};

/* Usage text of a command, written once: used by --help, usage errors and
 * checked against the man page SYNOPSIS by the test suite. */
struct hwe_usage {
	const char *name;       /* "enroll" */
	const char *synopsis;   /* "enroll --uri URL --key-alias A --csr-conf FILE [key options] [auth options]" */
	const char *summary;    /* one line */
	const char *details;    /* option list for --help */
};

/* Parse argv (getopt_long, permuting) accepting only the options in
 * `allowed`, then fill defaults from the environment (EST_URI,
 * EST_USERNAME, EST_PASS, HWENROLL_TCTI/TPM2OPENSSL_TCTI,
 * HWENROLL_PKCS11_PIN) and the config file.  --help prints the usage and
 * returns -1 (the command then returns 0).  Errors are usage errors naming
 * the option. */
int hwe_opts_parse(int argc, char **argv, struct hwe_ctx *ctx, unsigned long long allowed,
		   const struct hwe_usage *usage, struct hwe_opts *o);
/* Print "usage: hwenroll <synopsis>" and details to stdout. */
void hwe_usage_print(const struct hwe_usage *usage);
/* Long name of an option ("key-alias"). */
const char *hwe_opt_name(enum hwe_opt opt);

/* Parse a TPM handle "0x81000001" (hex or decimal); usage error naming opt. */
int hwe_opts_handle(const char *s, const char *opt, uint32_t *out);
/* Parse non-negative seconds. */
int hwe_opts_seconds(const char *s, const char *opt, long *out);

/* Resolve how to reach the key device from options and environment:
 * TCTI (--tcti, HWENROLL_TCTI, TPM2OPENSSL_TCTI, device:/dev/tpmrm0),
 * parent, PKCS#11 module/token, PIN (--pin-file, HWENROLL_PKCS11_PIN,
 * pin-source in the URI).  *pin_out receives a malloc'd PIN to wipe with
 * hwe_secret_free(). */
int hwe_opts_key(const struct hwe_opts *o, struct hwe_key_opts *ko, char **pin_out);

/* Read a secret (password/PIN) file: first line, trailing newline removed;
 * refuses empty files.  Input error naming the file. */
int hwe_read_secret_file(const char *path, const char *what, char **out);
void hwe_secret_free(char *s);

#endif
