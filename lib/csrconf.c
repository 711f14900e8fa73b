/* SPDX-License-Identifier: BSD-3-Clause */
/* csrconf.c - parse the CSR configuration file (key=value, the reference workflow's format). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "csrconf.h"
#include "csrconf-check.h"
#include "filecheck.h"
#include "log.h"
#include "rc.h"

#define MAX_FILE_SIZE (1024 * 1024)
#define MAX_OID_LEN 128

#define SUBJECT_KEYS "countryName, stateOrProvinceName, localityName, " \
	"organizationName, organizationalUnitName, commonName, serialNumber, " \
	"emailAddress"
#define ALL_KEYS SUBJECT_KEYS ", isCA, certPathLen, keyUsage, " \
	"extendedKeyUsage, subjectAltNames, macAddress"
#define SAN_TYPES "1 email, 2 DNS, 6 URI or 7 IP"
#define SAN_SYNTAX "subjectAltNames=N; value1, type1; ...; valueN, typeN"
#define KU_NAMES "digitalSignature, nonRepudiation (contentCommitment), " \
	"keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, " \
	"cRLSign, encipherOnly, decipherOnly"
#define EKU_NAMES "serverAuth, clientAuth, codeSigning, emailProtection, " \
	"timeStamping, OCSPSigning, anyExtendedKeyUsage or a dotted OID"

enum kind { K_SUBJECT, K_ISCA, K_PATHLEN, K_KU, K_EKU, K_SAN, K_MAC, K_COUNT };

/* A subject attribute's upper bound and string type are OpenSSL's
 * (ASN1_STRING_TABLE_get: the X.520 bounds that X509_NAME_add_entry_by_NID
 * applies when the CSR is built). */
static const struct key {
	const char *name;
	enum kind kind;
	int nid;
} keys[] = {
	{ "countryName", K_SUBJECT, NID_countryName },
	{ "stateOrProvinceName", K_SUBJECT, NID_stateOrProvinceName },
	{ "localityName", K_SUBJECT, NID_localityName },
	{ "organizationName", K_SUBJECT, NID_organizationName },
	{ "organizationalUnitName", K_SUBJECT, NID_organizationalUnitName },
	{ "commonName", K_SUBJECT, NID_commonName },
	{ "serialNumber", K_SUBJECT, NID_serialNumber },
	{ "emailAddress", K_SUBJECT, NID_pkcs9_emailAddress },
	{ "isCA", K_ISCA, 0 },
	{ "certPathLen", K_PATHLEN, 0 },
	{ "keyUsage", K_KU, 0 },
	{ "extendedKeyUsage", K_EKU, 0 },
	{ "subjectAltNames", K_SAN, 0 },
	{ "macAddress", K_MAC, 0 },
};

static const struct {
	const char *name;
	unsigned bit;
} ku_names[] = {
	{ "digitalSignature", X509v3_KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", X509v3_KU_NON_REPUDIATION },
	{ "contentCommitment", X509v3_KU_NON_REPUDIATION },
	{ "keyEncipherment", X509v3_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", X509v3_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", X509v3_KU_KEY_AGREEMENT },
	{ "keyCertSign", X509v3_KU_KEY_CERT_SIGN },
	{ "cRLSign", X509v3_KU_CRL_SIGN },
	{ "encipherOnly", X509v3_KU_ENCIPHER_ONLY },
	{ "decipherOnly", X509v3_KU_DECIPHER_ONLY },
};

static const struct {
	const char *name;
	int nid;
} eku_names[] = {
	{ "serverAuth", NID_server_auth },
	{ "clientAuth", NID_client_auth },
	{ "codeSigning", NID_code_sign },
	{ "emailProtection", NID_email_protect },
	{ "timeStamping", NID_time_stamp },
	{ "OCSPSigning", NID_OCSP_sign },
	{ "anyExtendedKeyUsage", NID_anyExtendedKeyUsage },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct parser {
	const char *name;           /* file name for messages */
	unsigned line;              /* current line, 1-based */
	struct hwe_csrconf *c;
	unsigned seen[K_COUNT];     /* line where a non-subject key was set */
};

/* "NAME:LINE: <what> (expected <what>)"; always HWE_EXIT_INPUT */
static int syntax(const struct parser *ps, const char *fmt, ...) HWE_PRINTF(2, 3);
static int syntax(const struct parser *ps, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->line)
		return hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX, "%s:%u: %s",
			       ps->name, ps->line, msg);
	return hwe_err(HWE_EXIT_INPUT, HWE_ERR_CONFIG_SYNTAX, "%s: %s", ps->name, msg);
}

static int no_memory(void)
{
	return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_NO_MEMORY,
		       "out of memory while parsing the CSR config");
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_blank((*p)[*n - 1]))
		(*n)--;
}

static int span_eq(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static char *dup_span(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* Can X509_NAME_add_entry_by_NID() store the value v (valid UTF-8 of
 * nchars characters, cc_utf8_check()) as attribute nid, whose string table
 * entry is tbl?  0 if so, else OpenSSL's error.  Where ASN1_STRING_set_by_NID()
 * is sure to succeed - the size within the entry's bounds and a string
 * type of its mask (with the default mask, unless STABLE_NO_MASK) that
 * holds every character: UTF8String or UniversalString any,
 * PrintableString its set, IA5String ASCII - nothing is built; anything
 * else is asked of ASN1_STRING_set_by_NID() itself, for its verdict and
 * reason. */
static unsigned long encodable(int nid, const ASN1_STRING_TABLE *tbl, const char *v, size_t n,
			       size_t nchars)
{
	unsigned long mask = tbl->mask, e;
	int printable = 1, ascii = 1;
	ASN1_STRING *as;
	size_t i;

	if (!(tbl->flags & STABLE_NO_MASK))
		mask &= ASN1_STRING_get_default_mask();
	if ((tbl->minsize <= 0 || nchars >= (size_t)tbl->minsize) &&
	    (tbl->maxsize <= 0 || nchars <= (size_t)tbl->maxsize)) {
		if (mask & (B_ASN1_UTF8STRING | B_ASN1_UNIVERSALSTRING))
			return 0;
		for (i = 0; i < n; i++) {
			printable = printable && cc_is_printable_string_char(v[i]);
			ascii = ascii && (unsigned char)v[i] < 0x80;
		}
		if (((mask & B_ASN1_PRINTABLESTRING) && printable) ||
		    ((mask & B_ASN1_IA5STRING) && ascii))
			return 0;
	}
	ERR_set_mark();
	as = ASN1_STRING_set_by_NID(NULL, (const unsigned char *)v, (int)n, MBSTRING_UTF8, nid);
	e = as ? 0 : ERR_peek_last_error();
	ASN1_STRING_free(as);
	ERR_pop_to_mark();
	return e;
}

/* v is valid UTF-8 of nchars characters without control characters but tab */
static int add_subject(struct parser *ps, const struct key *k, const char *v, size_t n,
		       size_t nchars)
{
	struct hwe_csrconf *c = ps->c;
	const ASN1_STRING_TABLE *tbl = ASN1_STRING_TABLE_get(k->nid);
	long maxchars = tbl ? tbl->maxsize : -1;
	struct hwe_csr_rdn *r;
	unsigned long e;
	char shown[64];
	size_t i;

	if (maxchars <= 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "OpenSSL has no string table entry for '%s'", k->name);
	if (n == 0)
		return syntax(ps, "empty value for '%s' (expected 1 to %ld characters)",
			      k->name, maxchars);
	if (memchr(v, '\t', n))
		return syntax(ps, "tab character in the value of '%s' (expected printable text)",
			      k->name);
	if (k->nid == NID_countryName) {
		if (n != 2 || !cc_is_alpha(v[0]) || !cc_is_alpha(v[1]))
			return syntax(ps, "countryName '%s' is not a two-letter code "
				      "(expected an ISO 3166 code such as US)",
				      hwe_sanitize(v, n, shown, sizeof(shown)));
	}
	/* what X509_NAME_add_entry_by_NID will do with it */
	e = encodable(k->nid, tbl, v, n, nchars);
	if (e && ERR_GET_REASON(e) == ASN1_R_STRING_TOO_LONG)
		return syntax(ps, "'%s' is %zu characters long (expected at most %ld, "
			      "the X.520 upper bound)", k->name, nchars, maxchars);
	if (e && ERR_GET_REASON(e) == ASN1_R_ILLEGAL_CHARACTERS &&
	    (tbl->mask & B_ASN1_PRINTABLESTRING)) {
		/* where, for the message */
		for (i = 0; i < n && cc_is_printable_string_char(v[i]); i++)
			;
		return syntax(ps, "'%s' has a character not allowed in a "
			      "PrintableString at byte %zu (expected A-Z a-z 0-9 "
			      "space ' ( ) + , - . / : = ?)", k->name, i + 1);
	}
	if (e && !(tbl->mask & B_ASN1_IA5STRING))
		return syntax(ps, "'%s' cannot be encoded: %s", k->name,
			      ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown reason");
	if (k->nid == NID_pkcs9_emailAddress && (e || !cc_valid_email(v, n)))
		return syntax(ps, "emailAddress '%s' is not an email address "
			      "(expected ASCII local@domain)", hwe_sanitize(v, n, shown, sizeof(shown)));
	if (c->nrdns >= HWE_CSRCONF_MAX_RDNS)
		return syntax(ps, "too many subject fields (expected at most %d)",
			      HWE_CSRCONF_MAX_RDNS);
	r = realloc(c->rdns, (c->nrdns + 1) * sizeof(*r));
	if (!r)
		return no_memory();
	c->rdns = r;
	r[c->nrdns].nid = k->nid;
	r[c->nrdns].value = dup_span(v, n);
	if (!r[c->nrdns].value)
		return no_memory();
	c->nrdns++;
	return HWE_OK;
}

static int set_is_ca(struct parser *ps, const char *v, size_t n)
{
	char shown[64];

	if (n == 4 && strncasecmp(v, "true", 4) == 0)
		ps->c->is_ca = 1;
	else if (n == 5 && strncasecmp(v, "false", 5) == 0)
		ps->c->is_ca = 0;
	else
		return syntax(ps, "invalid isCA '%s' (expected true or false)",
			      hwe_sanitize(v, n, shown, sizeof(shown)));
	return HWE_OK;
}

/* macAddress=00:11:22:aa:bb:cc (six hex pairs, ':' or '-' between) */
static int set_mac(struct parser *ps, const char *v, size_t n)
{
	char shown[64];
	size_t i;
	int hi, lo;

	if (n != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)v[3 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)v[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && v[3 * i + 2] != ':' && v[3 * i + 2] != '-'))
			goto bad;
		ps->c->mac[i] = (unsigned char)(hi << 4 | lo);
	}
	ps->c->has_mac = 1;
	return HWE_OK;
bad:
	return syntax(ps, "invalid macAddress '%s' (expected six hex pairs, e.g. 00:11:22:aa:bb:cc)",
		      hwe_sanitize(v, n, shown, sizeof(shown)));
}

static int set_path_len(struct parser *ps, const char *v, size_t n)
{
	char shown[64];
	long l;

	if (span_eq(v, n, "-1")) {
		ps->c->path_len = -1;
		return HWE_OK;
	}
	l = (n > 1 && v[0] == '0') ? -1 : cc_parse_num(v, n, INT_MAX);
	if (l < 0)
		return syntax(ps, "invalid certPathLen '%s' (expected -1 or a number "
			      "from 0 to %d)", hwe_sanitize(v, n, shown, sizeof(shown)), INT_MAX);
	ps->c->path_len = (int)l;
	return HWE_OK;
}

/* Split a list value on blanks and commas; calls fn for each word. */
static int each_word(struct parser *ps, const char *v, size_t n,
		     int (*fn)(struct parser *, const char *, size_t))
{
	size_t i = 0;
	int ret;

	while (i < n) {
		size_t s;

		while (i < n && (is_blank(v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && !is_blank(v[i]) && v[i] != ',')
			i++;
		if (i > s && (ret = fn(ps, v + s, i - s)) != HWE_OK)
			return ret;
	}
	return HWE_OK;
}

static int add_ku(struct parser *ps, const char *w, size_t n)
{
	char shown[64];
	size_t i;

	for (i = 0; i < NELEM(ku_names); i++) {
		if (span_eq(w, n, ku_names[i].name)) {
			ps->c->key_usage |= ku_names[i].bit;
			return HWE_OK;
		}
	}
	return syntax(ps, "unknown keyUsage '%s' (expected " KU_NAMES ")",
		      hwe_sanitize(w, n, shown, sizeof(shown)));
}

static int add_eku(struct parser *ps, const char *w, size_t n)
{
	struct hwe_csrconf *c = ps->c;
	char oid[MAX_OID_LEN + 1], shown[64];
	int nid = NID_undef, *e;
	size_t i;

	for (i = 0; i < NELEM(eku_names); i++)
		if (span_eq(w, n, eku_names[i].name))
			nid = eku_names[i].nid;
	if (nid == NID_undef) {
		if (n == 0 || n > MAX_OID_LEN || w[0] < '0' || w[0] > '9')
			goto unknown;
		memcpy(oid, w, n);
		oid[n] = '\0';
		if (!cc_valid_oid(oid))
			goto unknown;
		nid = OBJ_txt2nid(oid);
		if (nid == NID_undef)
			nid = OBJ_create(oid, NULL, NULL);
		if (nid == NID_undef)
			goto unknown;
	}
	for (i = 0; i < c->neku; i++)
		if (c->eku_nids[i] == nid)
			return HWE_OK;
	e = realloc(c->eku_nids, (c->neku + 1) * sizeof(*e));
	if (!e)
		return no_memory();
	c->eku_nids = e;
	e[c->neku++] = nid;
	return HWE_OK;
unknown:
	return syntax(ps, "unknown extendedKeyUsage '%s' (expected " EKU_NAMES
		      " such as 1.3.6.1.5.5.7.3.2)", hwe_sanitize(w, n, shown, sizeof(shown)));
}

static int set_list(struct parser *ps, enum kind kind, const char *v, size_t n)
{
	int ret;

	ret = each_word(ps, v, n, kind == K_KU ? add_ku : add_eku);
	if (ret != HWE_OK)
		return ret;
	if (kind == K_KU && ps->c->key_usage == 0)
		return syntax(ps, "empty keyUsage (expected one or more of " KU_NAMES ")");
	if (kind == K_EKU && ps->c->neku == 0)
		return syntax(ps, "empty extendedKeyUsage (expected one or more of "
			      EKU_NAMES ")");
	return HWE_OK;
}

/* One "value, type" entry of subjectAltNames (idx is 1-based). */
static int add_san(struct parser *ps, unsigned idx, const char *e, size_t n)
{
	struct hwe_csrconf *c = ps->c;
	struct hwe_csr_san *s;
	const char *comma = NULL, *v, *t;
	size_t i, vn, tn;
	char shown[64];
	long type;

	for (i = 0; i < n; i++)
		if (e[i] == ',')
			comma = e + i;
	if (!comma)
		return syntax(ps, "missing ',' in subjectAltNames entry %u "
			      "(expected 'value, type')", idx);
	v = e;
	vn = (size_t)(comma - e);
	t = comma + 1;
	tn = n - vn - 1;
	trim(&v, &vn);
	trim(&t, &tn);
	if (vn == 0)
		return syntax(ps, "empty value in subjectAltNames entry %u "
			      "(expected 'value, type')", idx);
	type = cc_parse_num(t, tn, 99);
	if (type < 0)
		return syntax(ps, "unknown SAN type '%s' in entry %u (expected " SAN_TYPES ")",
			      hwe_sanitize(t, tn, shown, sizeof(shown)), idx);
	switch (type) {
	case HWE_SAN_EMAIL:
		if (!(cc_valid_email(v, vn)))
			return syntax(ps, "invalid email address '%s' in subjectAltNames "
				      "entry %u (expected ASCII local@domain)",
				      hwe_sanitize(v, vn, shown, sizeof(shown)), idx);
		break;
	case HWE_SAN_DNS:
		if (!(cc_valid_dns(v, vn)))
			return syntax(ps, "invalid DNS name '%s' in subjectAltNames entry %u "
				      "(expected labels of letters, digits and '-', "
				      "optionally starting with '*.')",
				      hwe_sanitize(v, vn, shown, sizeof(shown)), idx);
		break;
	case HWE_SAN_URI:
		if (!(cc_valid_uri(v, vn)))
			return syntax(ps, "invalid URI '%s' in subjectAltNames entry %u "
				      "(expected scheme:rest such as https://host/, "
				      "ASCII without spaces)",
				      hwe_sanitize(v, vn, shown, sizeof(shown)), idx);
		break;
	case HWE_SAN_IP:
		if (!(cc_valid_ip(v, vn)))
			return syntax(ps, "invalid IP address '%s' in subjectAltNames entry %u "
				      "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)",
				      hwe_sanitize(v, vn, shown, sizeof(shown)), idx);
		break;
	default:
		return syntax(ps, "unknown SAN type %ld in entry %u (expected " SAN_TYPES ")",
			      type, idx);
	}
	s = realloc(c->sans, (c->nsans + 1) * sizeof(*s));
	if (!s)
		return no_memory();
	c->sans = s;
	s[c->nsans].type = (enum hwe_san_type)type;
	s[c->nsans].value = dup_span(v, vn);
	if (!s[c->nsans].value)
		return no_memory();
	c->nsans++;
	return HWE_OK;
}

/* Next ';'-separated segment of [*p, end), trimmed; *p moves past it. */
static void next_segment(const char **p, const char *end, const char **seg, size_t *n)
{
	const char *q = memchr(*p, ';', (size_t)(end - *p));

	*seg = *p;
	*n = (size_t)((q ? q : end) - *p);
	*p = q ? q + 1 : end;
	trim(seg, n);
}

static int set_sans(struct parser *ps, const char *v, size_t n)
{
	const char *end = v + n, *p = v, *cnt, *e;
	size_t cn, en, listed = 0;
	char shown[64];
	unsigned idx;
	long want;
	int ret;

	next_segment(&p, end, &cnt, &cn);
	want = cc_parse_num(cnt, cn, LONG_MAX / 2);
	if (want < 0)
		return syntax(ps, "invalid subjectAltNames count '%s' (expected "
			      SAN_SYNTAX ")", hwe_sanitize(cnt, cn, shown, sizeof(shown)));
	if (want > HWE_CSRCONF_MAX_SANS)
		return syntax(ps, "subjectAltNames=%ld is too many entries (expected at "
			      "most %d)", want, HWE_CSRCONF_MAX_SANS);
	/* Count the entries first: a count mismatch explains most typos (a
	 * ',' where a ';' belongs) better than an entry error would.  One
	 * trailing ';' is tolerated. */
	for (e = p; e < end; ) {
		const char *s;

		next_segment(&e, end, &s, &en);
		if (en > 0 || e < end)
			listed++;
	}
	if ((long)listed != want)
		return syntax(ps, "subjectAltNames says %ld entr%s but lists %zu "
			      "(expected " SAN_SYNTAX ")", want, want == 1 ? "y" : "ies",
			      listed);
	for (idx = 1; idx <= listed; idx++) {
		next_segment(&p, end, &e, &en);
		if (en == 0)
			return syntax(ps, "empty subjectAltNames entry %u (expected "
				      "'value, type')", idx);
		if ((ret = add_san(ps, idx, e, en)) != HWE_OK)
			return ret;
	}
	return HWE_OK;
}

static const struct key *find_key(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < NELEM(keys); i++)
		if (span_eq(k, n, keys[i].name))
			return &keys[i];
	return NULL;
}

static int parse_line(struct parser *ps, const char *p, size_t n)
{
	const char *eq, *k, *v;
	const struct key *key;
	size_t kn, vn, i, nchars = 0, bad = 0;
	char shown[64];

	trim(&p, &n);
	if (n == 0 || p[0] == '#')
		return HWE_OK;
	eq = memchr(p, '=', n);
	if (!eq)
		return syntax(ps, "missing '=' (expected key=value)");
	k = p;
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 0)
		return syntax(ps, "missing key before '=' (expected key=value)");
	key = find_key(k, kn);
	if (!key) {
		int r = syntax(ps, "unknown key '%s' (expected one of " ALL_KEYS ")",
			       hwe_sanitize(k, kn, shown, sizeof(shown)));

		for (i = 0; i < NELEM(keys); i++)
			if (strlen(keys[i].name) == kn &&
			    strncasecmp(keys[i].name, k, kn) == 0)
				hwe_err_hint("keys are case-sensitive: did you mean '%s'?",
					     keys[i].name);
		return r;
	}
	if (vn > HWE_CSRCONF_MAX_VALUE)
		return syntax(ps, "value of '%s' is %zu bytes long (expected at most %d)",
			      key->name, vn, HWE_CSRCONF_MAX_VALUE);
	switch (cc_utf8_check(v, vn, &nchars, &bad)) {
	case U_BADUTF8:
		return syntax(ps, "invalid UTF-8 at byte %zu of the value of '%s' "
			      "(expected UTF-8 text)", bad + 1, key->name);
	case U_CONTROL:
		return syntax(ps, "control character at byte %zu of the value of '%s' "
			      "(expected printable text)", bad + 1, key->name);
	default:
		break;
	}
	if (key->kind == K_SUBJECT)
		return add_subject(ps, key, v, vn, nchars);
	if (ps->seen[key->kind])
		return syntax(ps, "duplicate key '%s', already set on line %u (expected "
			      "each of isCA, certPathLen, keyUsage, extendedKeyUsage, "
			      "subjectAltNames and macAddress at most once)", key->name, ps->seen[key->kind]);
	ps->seen[key->kind] = ps->line;
	switch (key->kind) {
	case K_ISCA:
		return set_is_ca(ps, v, vn);
	case K_PATHLEN:
		return set_path_len(ps, v, vn);
	case K_KU:
	case K_EKU:
		return set_list(ps, key->kind, v, vn);
	case K_SAN:
		return set_sans(ps, v, vn);
	case K_MAC:
		return set_mac(ps, v, vn);
	default:
		return HWE_EXIT_INTERNAL;
	}
}

/* checks that need the whole file */
static int check_whole(struct parser *ps)
{
	struct hwe_csrconf *c = ps->c;

	if (c->nrdns == 0) {
		ps->line = 0;
		return syntax(ps, "no subject fields (expected at least one of "
			      SUBJECT_KEYS ")");
	}
	if (c->path_len >= 0 && c->is_ca != 1) {
		ps->line = ps->seen[K_PATHLEN];
		return syntax(ps, "certPathLen=%d requires isCA=true (expected isCA=true, "
			      "or certPathLen=-1)", c->path_len);
	}
	if ((c->key_usage & X509v3_KU_KEY_CERT_SIGN) && c->is_ca != 1)
		hwe_warn("%s:%u: keyUsage keyCertSign without isCA=true: RFC 5280 allows "
			 "keyCertSign only in CA certificates; the CA may refuse the request",
			 ps->name, ps->seen[K_KU]);
	if ((c->key_usage & (X509v3_KU_ENCIPHER_ONLY | X509v3_KU_DECIPHER_ONLY)) &&
	    !(c->key_usage & X509v3_KU_KEY_AGREEMENT))
		hwe_warn("%s:%u: keyUsage encipherOnly/decipherOnly mean nothing without "
			 "keyAgreement", ps->name, ps->seen[K_KU]);
	return HWE_OK;
}

int hwe_csrconf_parse(const char *name, const char *buf, size_t len,
		      struct hwe_csrconf **out)
{
	int ret = HWE_EXIT_INTERNAL;
	struct parser ps;
	const char *p = buf, *end = buf + len;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = name ? name : "(CSR config)";
	ps.c = calloc(1, sizeof(*ps.c));
	if (!ps.c) {
		ret = no_memory();
		goto out;
	}
	ps.c->is_ca = -1;
	ps.c->path_len = -1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;   /* UTF-8 byte order mark written by some editors */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		ps.line++;
		if (le > p && le[-1] == '\r')
			le--;
		if (memchr(p, '\0', (size_t)(le - p))) {
			ret = syntax(&ps, "NUL byte in line (expected a text file)");
			goto out;
		}
		ret = parse_line(&ps, p, (size_t)(le - p));
		if (ret != HWE_OK)
			goto out;
		p = nl ? nl + 1 : end;
	}
	ret = check_whole(&ps);
	if (ret != HWE_OK)
		goto out;
	hwe_debug("%s: %zu subject fields, isCA %d, certPathLen %d, keyUsage 0x%x, "
		  "%zu extendedKeyUsage, %zu subjectAltNames", ps.name, ps.c->nrdns,
		  ps.c->is_ca, ps.c->path_len, ps.c->key_usage, ps.c->neku, ps.c->nsans);
	*out = ps.c;
	ps.c = NULL;
	ret = HWE_OK;
out:
	hwe_csrconf_free(ps.c);
	return ret;
}

static int open_failed(const char *path, const char *why)
{
	int ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_OPEN_FAILED,
			  "Unable to create CSR from CSR config file '%s': %s", path, why);

	hwe_err_hint("Ensure you created the CSR configuration file '%s' (a --csr-conf "
		     "name without '/' is looked up in <keystore>/conf/)", path);
	return ret;
}

/* dirfd AT_FDCWD: name is a path given by the user (symlinks followed);
 * otherwise a keystore directory (O_NOFOLLOW, keystore refusals). */
static int load(int dirfd, const char *name, const char *path, struct hwe_csrconf **out)
{
	int ret = HWE_EXIT_INPUT, in_ks = dirfd != AT_FDCWD;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd = -1;

	*out = NULL;
	if (in_ks && dirfd < 0)
		errno = ENOENT; /* no conf/ directory */
	else
		fd = openat(dirfd, name,
			    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (in_ks ? O_NOFOLLOW : 0));
	if (fd < 0 && in_ks && errno == ELOOP) {
		ret = hwe_file_symlink_refused("CSR config file", path);
		goto out;
	}
	if (fd < 0) {
		ret = open_failed(path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = open_failed(path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = open_failed(path, strerror(EISDIR));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = open_failed(path, "not a regular file");
		goto out;
	}
	/* whoever can write it chooses the CSR's subject, SAN and EKU */
	ret = hwe_file_check("CSR config file", path, &st, 0,
			     in_ks ? HWE_EXIT_KEYSTORE : HWE_EXIT_INPUT);
	if (ret)
		goto out;
	ret = HWE_EXIT_INPUT;
	/* room for the file as fstat() sized it and one byte more, to see its
	 * end; grown if it grew since, up to MAX_FILE_SIZE + 1 */
	cap = (st.st_size >= 0 && st.st_size < MAX_FILE_SIZE ? (size_t)st.st_size : MAX_FILE_SIZE) + 1;
	buf = malloc(cap);
	if (!buf) {
		ret = no_memory();
		goto out;
	}
	while (len <= MAX_FILE_SIZE) {
		ssize_t r;

		if (len == cap) {
			size_t ncap = cap > (MAX_FILE_SIZE + 1) / 2 ? MAX_FILE_SIZE + 1 : 2 * cap;
			char *nbuf = realloc(buf, ncap);

			if (!nbuf) {
				ret = no_memory();
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
				      "cannot read CSR config file '%s': %s", path,
				      strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > MAX_FILE_SIZE) {
		ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_FILE_READ_FAILED,
			      "CSR config file '%s' is too large (expected at most %d bytes)",
			      path, MAX_FILE_SIZE);
		goto out;
	}
	hwe_debug("reading CSR config '%s' (%zu bytes)", path, len);
	ret = hwe_csrconf_parse(path, buf, len, out);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int hwe_csrconf_load(const char *path, struct hwe_csrconf **out)
{
	return load(AT_FDCWD, path, path, out);
}

int hwe_csrconf_load_at(int dirfd, const char *name, const char *path,
			struct hwe_csrconf **out)
{
	if (strchr(name, '/')) {
		*out = NULL;
		return open_failed(path, "not a file name in the keystore's conf/ directory");
	}
	return load(dirfd < 0 ? -1 : dirfd, name, path, out);
}

void hwe_csrconf_free(struct hwe_csrconf *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nrdns; i++)
		free(c->rdns[i].value);
	for (i = 0; i < c->nsans; i++)
		free(c->sans[i].value);
	free(c->rdns);
	free(c->eku_nids);
	free(c->sans);
	free(c);
}
