// SPDX-License-Identifier: BSD-3-Clause
/* main.c - hwe-estserver: a loopback-only EST (RFC 7030) CA for hwenroll's tests.
 *
 * hwe-estserver --dir DIR [--port N] [options]      (options: see usage_text)
 *
 * At start it creates an EST CA (EC P-256 or RSA-2048, CN="hwe test EST CA",
 * written to DIR/ca.pem), a TLS root (DIR/tls-ca.pem, the same certificate
 * unless --separate-tls-ca) and an in-memory server certificate for
 * DNS:localhost and IP:127.0.0.1.  It listens on 127.0.0.1 only and, once
 * listening, writes DIR/pid and then DIR/port ("N\n", via rename).  It serves
 * /.well-known/est[/label...]/{cacerts,csrattrs,simpleenroll,simplereenroll}
 * over TLS 1.2+ with strict HTTP/1.1 (keep-alive, Content-Length always), one
 * thread per connection; --tls-min/--tls-max/--groups/--sigalgs narrow the
 * TLS side as far as a FIPS-mode server does.  It appends one line per
 * request to DIR/requests.log:
 *
 *   <unix-time> conn=N req=N tls=new|resumed METHOD PATH STATUS client=SUBJ|- user=U|- proto=V group=G|-[ pop=P][ attrs=A][ attest=W][ csr=H]
 *
 * e.g. "1767225600 conn=3 req=1 tls=new GET /.well-known/est/cacerts 200
 * client=- user=- proto=TLSv1.3 group=P-256" (one line).  SUBJ is the client
 * certificate's oneline subject; V is the connection's negotiated version
 * (TLSv1.2, TLSv1.3); G its key exchange group under the name --groups takes
 * (P-256, P-384, P-521, X25519, X448, ffdhe2048, ...; a resumed TLS 1.2
 * session shows that of its full handshake), "-" when OpenSSL reports none
 * (TLS 1.2 RSA key transport, which --groups rules out).  Only with
 * --require-pop does " pop=P" follow (ok: the CSR's challengePassword holds
 * the channel binding, bad: it does not, -: not checked, e.g. a 401 or a
 * GET), only with --enforce-csrattrs " attrs=A" (ok, missing: the CSR lacks
 * an item of /csrattrs, -: not checked), only with --require-attestation
 * " attest=W" (ok, or the refusal's word: none, malformed, untrusted-ak,
 * bad-signature, not-certify, name-mismatch, other-key, duplicable,
 * replayed; -: not checked, see attest.c), only with --log-csr " csr=H" (the
 * first 16 hex digits of the SHA-256 of the CSR's DER, - if the request
 * carried none); without these switches the line
 * ends in group=G as before.  New fields go at the end.
 * Spaces and control characters in any field become '_'; a stalled request
 * logs status 0.  A refused handshake logs no request line, only
 * "conn=N: TLS handshake failed: REASON" on stderr.
 * SIGTERM or SIGINT stops it with exit status 0 and removes DIR/port and
 * DIR/pid.  --fault NAME makes it misbehave for the hostile-network tests;
 * TLS-level faults (close-handshake, wrong-host, untrusted) hit every
 * connection, the others only EST requests (of one operation with --fault-op).
 * --require-pop, --csrattrs, --enforce-csrattrs and --bearer make it as
 * strict as the strictest EST servers: proof-of-possession (pop.c), the CSR
 * attributes it asks for (csrattrs.c), RFC 6750 bearer tokens (est.c).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "estserver.h"

#define MAX_BOOTSTRAP 16

static const char usage_text[] =
"usage: hwe-estserver --dir DIR [--port N] [options]\n"
"\n"
"  --dir DIR               writes ca.pem, tls-ca.pem, port, pid, requests.log here\n"
"  --port N                listen on 127.0.0.1:N (0 or absent: a random free port)\n"
"  --user U --pass-file F  require HTTP auth for /simpleenroll (password: first line of F)\n"
"  --auth basic|digest     HTTP auth scheme (default basic; digest = RFC 7616, SHA-256 + MD5)\n"
"  --require-client-cert   TLS handshake requires a client certificate; /simpleenroll\n"
"                          is authenticated by it (it must be issued by the EST CA)\n"
"  --pending N             answer 202 to the first N enroll requests per CSR public key\n"
"  --retry-after VALUE     Retry-After header of those 202 answers (default \"1\")\n"
"  --pending-op OP         --pending only for OP (simpleenroll or simplereenroll)\n"
"  --log-csr               end each request line with \" csr=H\": the first 16 hex digits of\n"
"                          the SHA-256 of the CSR (DER) an enroll request carried, \"-\" if none\n"
"  --separate-tls-ca       the TLS server certificate chains to DIR/tls-ca.pem, a root\n"
"                          other than the EST CA in DIR/ca.pem\n"
"  --validity-days N       lifetime of issued certificates (default 365)\n"
"  --validity-seconds N    lifetime of issued certificates in seconds, from now\n"
"                          (short-lived certificates for renewal tests)\n"
"  --key-type ec|rsa       CA and server key type (default ec, P-256; rsa = 2048 bit)\n"
"  --chain                 include the CA certificate in enroll responses\n"
"  --bootstrap NAME        also issue DIR/NAME.pem + DIR/NAME.key (EC P-256, CN=NAME,\n"
"                          clientAuth) at start; may repeat\n"
"  --csrattrs-empty        /csrattrs answers 204 No Content\n"
"  --csrattrs VALUE        /csrattrs answers this CsrAttrs, not the built-in one\n"
"                          (challengePassword, id-ecPublicKey prime256v1,\n"
"                          ecdsa-with-SHA256, extensionRequest subjectAltName):\n"
"                          rfc7030-example (RFC 7030 section 4.5.2:\n"
"                          challengePassword, id-ecPublicKey secp384r1,\n"
"                          extensionRequest macAddress, ecdsa-with-SHA384),\n"
"                          rfc9908-example (the CSR template of RFC 9908 section\n"
"                          3.4: CN to fill, OU myDept and myGroup, secp256r1,\n"
"                          subjectAltName DNS www.myServer.com + an IP to fill,\n"
"                          keyUsage critical, extKeyUsage to fill), a FILE\n"
"                          of DER or base64, or inline base64; it must be DER\n"
"                          CsrAttrs (checked at start)\n"
"  --enforce-csrattrs      /simpleenroll and /simplereenroll answer 400, one line\n"
"                          per missing item, to a CSR lacking what /csrattrs asks\n"
"                          for: a signature algorithm or hash OID = the CSR's\n"
"                          signature; a key algorithm OID, id-ecPublicKey {curve},\n"
"                          rsaEncryption {bits} = the CSR's key; challengePassword\n"
"                          = a CSR attribute; extensionRequest {OIDs} and extension\n"
"                          OIDs = extensions in the CSR's extensionRequest\n"
"                          (macAddress also as a CSR attribute); other OIDs = a CSR\n"
"                          or subject attribute (attribute values are not compared;\n"
"                          with --csrattrs-empty nothing is asked, nothing refused);\n"
"                          a CSR template (RFC 9908) alone is checked, values too:\n"
"                          its subject attributes, key, extensions (see csrattrs.c)\n"
"  --require-pop           proof-of-possession (RFC 7030 section 3.5): /simpleenroll\n"
"                          and /simplereenroll answer 400 \"proof-of-possession\n"
"                          failed: ...\" (real servers answer 400 or 401) unless the\n"
"                          CSR has one challengePassword, a PrintableString or\n"
"                          UTF8String holding the base64 (with padding) of the\n"
"                          channel binding of the connection the POST comes on:\n"
"                          TLS 1.2 tls-unique (RFC 5929; extended master secret\n"
"                          required), TLS 1.3 tls-exporter (RFC 9266: 32 bytes,\n"
"                          label EXPORTER-Channel-Binding, no context = empty one)\n"
"  --require-attestation   /simpleenroll and /simplereenroll answer 403\n"
"                          \"attestation refused: REASON\" unless the CSR carries TPM\n"
"                          key attestation (draft-ietf-lamps-csr-attestation,\n"
"                          tcg-attest-tpm-certify) by an AK certified by\n"
"                          --attestation-ca, for the CSR's key, fixedTPM,\n"
"                          fixedParent, sensitiveDataOrigin, with qualifyingData =\n"
"                          SHA-256 of this connection's channel binding; the\n"
"                          certificate then gets the policy 1.3.6.1.4.1.32473.1.13.1\n"
"  --attestation-ca FILE   PEM CA certificate(s) the AK certificates must chain to\n"
"  --bearer TOKEN          /simpleenroll and /simplereenroll require\n"
"                          \"Authorization: Bearer TOKEN\" (RFC 6750): 401 with\n"
"                          WWW-Authenticate: Bearer realm=\"hwe-est\" without it,\n"
"                          adding error=\"invalid_token\" when wrong; 400 with\n"
"                          error=\"invalid_request\" when malformed; not with --user\n"
"  --bearer-file F         the same, the token being the first line of F\n"
"  --tls-min 1.2|1.3       lowest TLS version accepted (default 1.2)\n"
"  --tls-max 1.2|1.3       highest TLS version offered (not below --tls-min)\n"
"  --groups LIST           key exchange groups accepted, ':'-separated OpenSSL names\n"
"                          (P-256 alone = a FIPS server; X25519; P-256:P-384;\n"
"                          ffdhe2048); a client sharing none fails the handshake,\n"
"                          in TLS 1.2 too: only ECDHE suites remain, DHE only if\n"
"                          an ffdhe group is listed (with that group's parameters)\n"
"  --sigalgs LIST          signature algorithms accepted, ':'-separated, for the\n"
"                          client's CertificateVerify and the server's own\n"
"                          signature (ECDSA+SHA256:RSA-PSS+SHA256, rsa_pss_rsae_sha256,\n"
"                          ed25519); must name one the --key-type key signs with\n"
"  --base64-oneline        base64 response bodies without line breaks (strongSwan\n"
"                          5.9 pki cannot decode line-wrapped base64)\n"
"  --fault NAME            misbehave on the EST endpoints (one of):\n"
"      close-handshake wrong-host untrusted status:NNN retry-after:VALUE stall\n"
"      huge-body truncated content-type:VALUE bad-base64 not-pkcs7 empty-pkcs7\n"
"      wrong-key unchained expired not-yet-valid subject-change redirect auth-scheme\n"
"  --fault-op OP           limit a request-level fault to one operation\n"
"                          (cacerts, csrattrs, simpleenroll, simplereenroll)\n"
"  --help                  this text\n";

static volatile sig_atomic_t stop_requested;
static int active_conns;
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hwe-estserver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	exit(2);
}

static int parse_int(const char *s, const char *opt, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		usage_error("invalid value for %s", opt);
	return (int)v;
}

static void check_header_value(const char *v, const char *opt)
{
	if (strpbrk(v, "\r\n"))
		usage_error("%s must not contain line breaks", opt);
}

static void parse_fault(struct est_server *srv, const char *arg)
{
	static const struct {
		const char *name;
		enum est_fault fault;
	} plain[] = {
		{ "close-handshake", FAULT_CLOSE_HANDSHAKE }, { "wrong-host", FAULT_WRONG_HOST },
		{ "untrusted", FAULT_UNTRUSTED }, { "stall", FAULT_STALL },
		{ "huge-body", FAULT_HUGE_BODY }, { "truncated", FAULT_TRUNCATED },
		{ "bad-base64", FAULT_BAD_BASE64 }, { "not-pkcs7", FAULT_NOT_PKCS7 },
		{ "empty-pkcs7", FAULT_EMPTY_PKCS7 }, { "wrong-key", FAULT_WRONG_KEY },
		{ "unchained", FAULT_UNCHAINED }, { "expired", FAULT_EXPIRED },
		{ "not-yet-valid", FAULT_NOT_YET_VALID },
		{ "subject-change", FAULT_SUBJECT_CHANGE }, { "redirect", FAULT_REDIRECT },
		{ "auth-scheme", FAULT_AUTH_SCHEME },
	};
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(arg, plain[i].name) == 0) {
			srv->fault = plain[i].fault;
			return;
		}
	}
	if (strncmp(arg, "status:", 7) == 0) {
		srv->fault = FAULT_STATUS;
		srv->fault_status = parse_int(arg + 7, "--fault status:NNN", 100, 599);
	} else if (strncmp(arg, "retry-after:", 12) == 0 && arg[12]) {
		srv->fault = FAULT_RETRY_AFTER;
		srv->fault_arg = arg + 12;
	} else if (strncmp(arg, "content-type:", 13) == 0) {
		srv->fault = FAULT_CONTENT_TYPE;
		srv->fault_arg = arg + 13;
	} else {
		usage_error("unknown fault '%s'", arg);
	}
	if (srv->fault_arg)
		check_header_value(srv->fault_arg, "--fault");
}

static int parse_tls_version(const char *s, const char *opt)
{
	if (strcmp(s, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(s, "1.3") == 0)
		return TLS1_3_VERSION;
	usage_error("unknown %s '%s' (1.2 or 1.3)", opt, s);
}

/* A ':'-separated list of OpenSSL names: no empty element, no blanks. */
static int plain_list(const char *s)
{
	size_t i;

	if (!*s || *s == ':' || s[strlen(s) - 1] == ':' || strstr(s, "::"))
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_+.:", s[i]))
			return 0;
	return 1;
}

/* --tls-min/--tls-max/--groups/--sigalgs: try every value on a scratch
 * SSL_CTX, so that a bad one is a usage error naming its option rather than
 * a "PKI setup failed" later. */
static void check_tls_policy(struct est_server *srv)
{
	SSL_CTX *probe;
	const char *p;

	if (srv->tls_min && srv->tls_max && srv->tls_min > srv->tls_max)
		usage_error("%s", "--tls-min is above --tls-max");
	if (!srv->groups && !srv->sigalgs)
		return;
	probe = SSL_CTX_new(TLS_server_method());
	if (!probe) {
		fprintf(stderr, "hwe-estserver: cannot create an SSL_CTX\n");
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	if (srv->groups && (!plain_list(srv->groups) ||
			    SSL_CTX_set1_groups_list(probe, srv->groups) != 1))
		usage_error("invalid --groups '%s' (':'-separated TLS group names, e.g. P-256:X25519)",
			    srv->groups);
	if (srv->sigalgs && (!plain_list(srv->sigalgs) ||
			     SSL_CTX_set1_sigalgs_list(probe, srv->sigalgs) != 1 ||
			     SSL_CTX_set1_client_sigalgs_list(probe, srv->sigalgs) != 1))
		usage_error("invalid --sigalgs '%s' (':'-separated, e.g. ECDSA+SHA256:RSA-PSS+SHA256)",
			    srv->sigalgs);
	ERR_clear_error();
	SSL_CTX_free(probe);
	/* a list the server's own key cannot sign with fails every handshake */
	if (srv->sigalgs && !strcasestr(srv->sigalgs, srv->key_rsa ? "rsa" : "ecdsa"))
		usage_error("--sigalgs '%s' has no %s algorithm for the --key-type %s server key",
			    srv->sigalgs, srv->key_rsa ? "RSA" : "ECDSA", srv->key_rsa ? "rsa" : "ec");
	/* the first ffdhe group, if any, is the one TLS 1.2 DHE uses */
	for (p = srv->groups; p && *p; p += strcspn(p, ":"), p += *p == ':') {
		size_t len = strcspn(p, ":"), i;

		if (len < sizeof(srv->dhe_group) && strncasecmp(p, "ffdhe", 5) == 0) {
			for (i = 0; i < len; i++)
				srv->dhe_group[i] = (char)tolower((unsigned char)p[i]);
			srv->dhe_group[len] = '\0';
			break;
		}
	}
}

static char *read_pass(const char *path, const char *opt)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "hwe-estserver: cannot read %s '%s'\n", opt, path);
		exit(2);
	}
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return strdup(line);
}

static void parse_args(struct est_server *srv, int argc, char **argv,
		       const char **boot, int *nboot)
{
	enum { O_DIR = 256, O_PORT, O_USER, O_PASSFILE, O_AUTH, O_REQCC, O_PENDING,
	       O_RETRY, O_SEPTLS, O_DAYS, O_KEYTYPE, O_CHAIN, O_BOOT, O_TLSMAX,
	       O_TLSMIN, O_GROUPS, O_SIGALGS, O_FAULT, O_FAULTOP, O_CSREMPTY, O_ONELINE,
	       O_CSRATTRS, O_ENFORCE, O_POP, O_BEARER, O_BEARERFILE, O_SECS, O_ATTEST, O_ATTESTCA, O_LOGCSR, O_PENDOP, O_HELP };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, O_DIR },
		{ "port", required_argument, NULL, O_PORT },
		{ "user", required_argument, NULL, O_USER },
		{ "pass-file", required_argument, NULL, O_PASSFILE },
		{ "auth", required_argument, NULL, O_AUTH },
		{ "require-client-cert", no_argument, NULL, O_REQCC },
		{ "pending", required_argument, NULL, O_PENDING },
		{ "log-csr", no_argument, NULL, O_LOGCSR },
		{ "pending-op", required_argument, NULL, O_PENDOP },
		{ "retry-after", required_argument, NULL, O_RETRY },
		{ "separate-tls-ca", no_argument, NULL, O_SEPTLS },
		{ "validity-days", required_argument, NULL, O_DAYS },
		{ "validity-seconds", required_argument, NULL, O_SECS },
		{ "key-type", required_argument, NULL, O_KEYTYPE },
		{ "chain", no_argument, NULL, O_CHAIN },
		{ "bootstrap", required_argument, NULL, O_BOOT },
		{ "tls-max", required_argument, NULL, O_TLSMAX },
		{ "tls-min", required_argument, NULL, O_TLSMIN },
		{ "groups", required_argument, NULL, O_GROUPS },
		{ "sigalgs", required_argument, NULL, O_SIGALGS },
		{ "fault", required_argument, NULL, O_FAULT },
		{ "fault-op", required_argument, NULL, O_FAULTOP },
		{ "csrattrs-empty", no_argument, NULL, O_CSREMPTY },
		{ "base64-oneline", no_argument, NULL, O_ONELINE },
		{ "csrattrs", required_argument, NULL, O_CSRATTRS },
		{ "enforce-csrattrs", no_argument, NULL, O_ENFORCE },
		{ "require-pop", no_argument, NULL, O_POP },
		{ "require-attestation", no_argument, NULL, O_ATTEST },
		{ "attestation-ca", required_argument, NULL, O_ATTESTCA },
		{ "bearer", required_argument, NULL, O_BEARER },
		{ "bearer-file", required_argument, NULL, O_BEARERFILE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *pass_file = NULL, *csrattrs = NULL, *bearer = NULL, *bearer_file = NULL;
	const char *attest_ca = NULL;
	char err[512];
	int ch, auth_given = 0;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DIR: srv->dir = optarg; break;
		case O_PORT: srv->port = parse_int(optarg, "--port", 0, 65535); break;
		case O_USER: srv->user = optarg; break;
		case O_PASSFILE: pass_file = optarg; break;
		case O_AUTH:
			auth_given = 1;
			if (strcmp(optarg, "basic") == 0)
				srv->auth = EST_AUTH_BASIC;
			else if (strcmp(optarg, "digest") == 0)
				srv->auth = EST_AUTH_DIGEST;
			else
				usage_error("unknown --auth '%s'", optarg);
			break;
		case O_REQCC: srv->require_client_cert = 1; break;
		case O_PENDING: srv->pending = parse_int(optarg, "--pending", 0, 1000000); break;
		case O_RETRY:
			check_header_value(optarg, "--retry-after");
			srv->retry_after = optarg;
			break;
		case O_SEPTLS: srv->separate_tls_ca = 1; break;
		case O_DAYS: srv->validity_days = parse_int(optarg, "--validity-days", 1, 36500); break;
		case O_SECS: srv->validity_seconds = parse_int(optarg, "--validity-seconds", 1, 86400 * 365); break;
		case O_KEYTYPE:
			if (strcmp(optarg, "ec") == 0)
				srv->key_rsa = 0;
			else if (strcmp(optarg, "rsa") == 0)
				srv->key_rsa = 1;
			else
				usage_error("unknown --key-type '%s'", optarg);
			break;
		case O_CHAIN: srv->chain = 1; break;
		case O_BOOT:
			if (*nboot >= MAX_BOOTSTRAP || !optarg[0] || strchr(optarg, '/'))
				usage_error("bad or too many --bootstrap '%s'", optarg);
			boot[(*nboot)++] = optarg;
			break;
		case O_TLSMAX: srv->tls_max = parse_tls_version(optarg, "--tls-max"); break;
		case O_TLSMIN: srv->tls_min = parse_tls_version(optarg, "--tls-min"); break;
		case O_GROUPS: srv->groups = optarg; break;
		case O_SIGALGS: srv->sigalgs = optarg; break;
		case O_FAULT: parse_fault(srv, optarg); break;
		case O_FAULTOP: srv->fault_op = optarg; break;
		case O_CSREMPTY: srv->csrattrs_empty = 1; break;
		case O_ONELINE: srv->b64_oneline = 1; break;
		case O_CSRATTRS: csrattrs = optarg; break;
		case O_ENFORCE: srv->enforce_csrattrs = 1; break;
		case O_POP: srv->require_pop = 1; break;
		case O_ATTEST: srv->require_attestation = 1; break;
		case O_ATTESTCA: attest_ca = optarg; break;
		case O_LOGCSR: srv->log_csr = 1; break;
		case O_PENDOP:
			if (strcmp(optarg, "simpleenroll") != 0 && strcmp(optarg, "simplereenroll") != 0) {
				usage_error("--pending-op: expected simpleenroll or simplereenroll, not '%s'", optarg);
			}
			srv->pending_op = optarg;
			break;
		case O_BEARER: bearer = optarg; break;
		case O_BEARERFILE: bearer_file = optarg; break;
		case O_HELP: fputs(usage_text, stdout); exit(0);
		default: fputs(usage_text, stderr); exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!srv->dir)
		usage_error("%s", "--dir is required");
	if (!!srv->user != !!pass_file)
		usage_error("%s", "--user and --pass-file go together");
	if (csrattrs && srv->csrattrs_empty)
		usage_error("%s", "--csrattrs and --csrattrs-empty exclude each other");
	if (bearer && bearer_file)
		usage_error("%s", "--bearer and --bearer-file exclude each other");
	if ((bearer || bearer_file) && (srv->user || pass_file || auth_given))
		usage_error("%s %s", bearer ? "--bearer" : "--bearer-file",
			    "cannot be combined with --user/--pass-file/--auth (one HTTP auth scheme)");
	if (!!srv->require_attestation != !!attest_ca)
		usage_error("%s", "--require-attestation and --attestation-ca go together");
	if (attest_ca && !attest_load_ca(srv, attest_ca, err, sizeof(err)))
		usage_error("%s", err);
	check_tls_policy(srv);
	if (!csrattrs_load(srv, csrattrs, err, sizeof(err)))
		usage_error("invalid --csrattrs '%s': %s", csrattrs ? csrattrs : "(built-in)", err);
	if (pass_file)
		srv->pass = read_pass(pass_file, "password file");
	if (bearer_file)
		srv->bearer = read_pass(bearer_file, "--bearer-file");
	else if (bearer)
		srv->bearer = strdup(bearer);
	if (bearer && !srv->bearer)
		usage_error("%s", "out of memory");
	if (srv->bearer && !est_b64token(srv->bearer))
		usage_error("invalid %s token: RFC 6750 b64token expected (A-Z a-z 0-9 - . _ ~ + /, "
			    "then '=' padding)", bearer ? "--bearer" : "--bearer-file");
}

static int listen_loopback(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static void *conn_main(void *arg)
{
	conn_thread(arg);
	pthread_mutex_lock(&active_lock);
	active_conns--;
	pthread_mutex_unlock(&active_lock);
	return NULL;
}

static void spawn(struct est_server *srv, int fd)
{
	struct est_conn *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t block, old;

	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	pthread_mutex_lock(&srv->lock);
	c->number = ++srv->conn_count;
	pthread_mutex_unlock(&srv->lock);
	pthread_mutex_lock(&active_lock);
	active_conns++;
	pthread_mutex_unlock(&active_lock);

	/* Connection threads never see SIGTERM/SIGINT; the main thread does. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, conn_main, c) != 0) {
		fprintf(stderr, "hwe-estserver: cannot create a thread\n");
		close(fd);
		free(c);
		pthread_mutex_lock(&active_lock);
		active_conns--;
		pthread_mutex_unlock(&active_lock);
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void remove_file(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

int main(int argc, char **argv)
{
	struct est_server srv;
	const char *boot[MAX_BOOTSTRAP];
	struct sigaction sa;
	char path[4096], text[32];
	int nboot = 0, lfd, i, n, busy;

	memset(&srv, 0, sizeof(srv));
	srv.retry_after = "1";
	srv.validity_days = 365;
	parse_args(&srv, argc, argv, boot, &nboot);
	pthread_mutex_init(&srv.lock, NULL);
	signal(SIGPIPE, SIG_IGN);

	snprintf(path, sizeof(path), "%s/requests.log", srv.dir);
	srv.log = fopen(path, "a");
	if (!srv.log) {
		fprintf(stderr, "hwe-estserver: cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (!pki_setup(&srv))
		return 1;
	for (i = 0; i < nboot; i++)
		if (!pki_bootstrap(&srv, boot[i]))
			return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	lfd = listen_loopback(srv.port, &srv.port);
	if (lfd < 0) {
		fprintf(stderr, "hwe-estserver: cannot listen on 127.0.0.1:%d: %s\n",
			srv.port, strerror(errno));
		return 1;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (!write_file_atomic(srv.dir, "pid", text, (size_t)n, 0644))
		return 1;
	n = snprintf(text, sizeof(text), "%d\n", srv.port);
	if (!write_file_atomic(srv.dir, "port", text, (size_t)n, 0644))
		return 1;
	fprintf(stderr, "hwe-estserver: listening on https://127.0.0.1:%d/.well-known/est/\n",
		srv.port);

	while (!stop_requested) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int fd;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			int one = 1;

			/* a response is written as header + body: without
			 * NODELAY the body waits ~40 ms for the client's ACK
			 * (Nagle + delayed ACK), which clients then measure */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			spawn(&srv, fd);
		}
	}

	close(lfd);
	remove_file(srv.dir, "port");
	remove_file(srv.dir, "pid");
	fprintf(stderr, "hwe-estserver: stopped after %lu connections\n", srv.conn_count);
	pthread_mutex_lock(&srv.lock);
	fflush(srv.log);
	pthread_mutex_unlock(&srv.lock);
	pthread_mutex_lock(&active_lock);
	busy = active_conns;
	pthread_mutex_unlock(&active_lock);
	if (busy)
		_exit(0);	/* threads still use the shared state: do not free it */

	fclose(srv.log);
	while (srv.pending_list) {
		struct pending_entry *e = srv.pending_list;

		srv.pending_list = e->next;
		free(e);
	}
	if (srv.pass) {
		OPENSSL_cleanse(srv.pass, strlen(srv.pass));
		free(srv.pass);
	}
	if (srv.bearer) {
		OPENSSL_cleanse(srv.bearer, strlen(srv.bearer));
		free(srv.bearer);
	}
	csrattrs_free(srv.csrattrs);
	free(srv.csrattrs_der);
	SSL_CTX_free(srv.ssl_ctx);
	X509_STORE_free(srv.client_store);
	X509_STORE_free(srv.attest_store);
	X509_free(srv.ca_cert);
	EVP_PKEY_free(srv.ca_key);
	X509_free(srv.other_cert);
	EVP_PKEY_free(srv.other_key);
	return 0;
}
