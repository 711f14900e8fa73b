/* SPDX-License-Identifier: BSD-3-Clause */
/* test-csrconf.c - CSR config parser: the reference sample, every error message, file handling. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "csrconf.h"
#include "rc.h"

#define NAME "sample.conf"

static struct hwe_csrconf *parse_ok(const char *text)
{
	struct hwe_csrconf *c = NULL;
	int rc;

	hwe_err_clear();
	rc = hwe_csrconf_parse(NAME, text, strlen(text), &c);
	if (rc != HWE_OK)
		print_error("unexpected error: %s\n", hwe_err_message());
	assert_int_equal(rc, HWE_OK);
	assert_non_null(c);
	assert_int_equal(hwe_err_pending(), 0);
	return c;
}

static void expect_err_n(const char *text, size_t len, const char *msg)
{
	struct hwe_csrconf *c = (struct hwe_csrconf *)1;
	int rc;

	hwe_err_clear();
	rc = hwe_csrconf_parse(NAME, text, len, &c);
	if (rc != HWE_EXIT_INPUT || strcmp(hwe_err_message(), msg) != 0)
		print_error("input: '%.*s'\n", (int)(len > 200 ? 200 : len), text);
	assert_int_equal(rc, HWE_EXIT_INPUT);
	assert_null(c);
	assert_int_equal(hwe_err_code(), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_CONFIG_SYNTAX);
	assert_string_equal(hwe_err_message(), msg);
	hwe_err_clear();
}

static void expect_err(const char *text, const char *msg)
{
	expect_err_n(text, strlen(text), msg);
}

static void assert_rdn(const struct hwe_csrconf *c, size_t i, int nid, const char *v)
{
	assert_true(i < c->nrdns);
	assert_int_equal(c->rdns[i].nid, nid);
	assert_string_equal(c->rdns[i].value, v);
}

static void check_reference(const struct hwe_csrconf *c)
{
	assert_int_equal(c->nrdns, 6);
	assert_rdn(c, 0, NID_countryName, "US");
	assert_rdn(c, 1, NID_commonName, "test-iot-device-001-docs");
	assert_rdn(c, 2, NID_stateOrProvinceName, "CA");
	assert_rdn(c, 3, NID_localityName, "MV");
	assert_rdn(c, 4, NID_organizationName, "DigiCert");
	assert_rdn(c, 5, NID_organizationalUnitName, "Engineering");
	assert_int_equal(c->is_ca, 0);
	assert_int_equal(c->path_len, -1);
	assert_int_equal(c->key_usage,
			 X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_KEY_ENCIPHERMENT);
	assert_int_equal(c->neku, 0);
	assert_int_equal(c->nsans, 0);
}

/* the shipped sample, which is the reference workflow's text */
static void test_reference_sample(void **state)
{
	struct hwe_csrconf *c = NULL;

	char path[] = "/tmp/test-csrconf-sample.XXXXXX", buf[4096];
	FILE *in = fopen(HWE_SRCDIR "/conf/sample_est_csr.conf", "rb");
	size_t n;
	int fd = mkstemp(path);

	(void)state;
	/* a copy with the installed mode: a checkout made with umask 002 has
	 * a group-writable sample, which hwe_csrconf_load rightly refuses */
	assert_non_null(in);
	assert_true(fd >= 0);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_OK);
	unlink(path);
	check_reference(c);
	hwe_csrconf_free(c);
}

static void test_reference_crlf_bom(void **state)
{
	struct hwe_csrconf *c;

	(void)state;
	c = parse_ok("\xef\xbb\xbf# Subject\r\ncountryName=US\r\n"
		     "commonName=test-iot-device-001-docs\r\nstateOrProvinceName=CA\r\n"
		     "localityName=MV\r\norganizationName=DigiCert\r\n"
		     "organizationalUnitName=Engineering\r\n\r\n# Requested Extensions\r\n"
		     "isCA=false\r\n# certPathLen=-1\r\n"
		     "keyUsage=digitalSignature keyEncipherment\r\n"
		     "##subjectAltNames=2; *.mydomain.com, 2; *.mydomain.net, 2\r\n");
	check_reference(c);
	hwe_csrconf_free(c);
}

static void test_full(void **state)
{
	struct hwe_csrconf *c;
	int oid_nid;

	(void)state;
	c = parse_ok("  # indented comment\n"
		     "\t commonName =  device 01 # not a comment  \n"
		     "organizationalUnitName=Ops\n"
		     "organizationalUnitName=R&D\n"
		     "organizationName=Ünïcödé GmbH\n"
		     "serialNumber=SN-0001\n"
		     "emailAddress=ops@example.com\n"
		     "isCA=TRUE\n"
		     "certPathLen=0\n"
		     "keyUsage=digitalSignature,keyCertSign  cRLSign\tcontentCommitment\n"
		     "extendedKeyUsage=clientAuth, serverAuth 1.3.6.1.4.1.55555.1.2 clientAuth\n"
		     "subjectAltNames=5; *.example.com, 2; 10.0.0.1, 7; 2001:db8::1, 7;"
		     " mailto@example.com,1 ; urn:dev:ops:32473-foo, 6;\n");
	assert_int_equal(c->nrdns, 6);
	assert_rdn(c, 0, NID_commonName, "device 01 # not a comment");
	assert_rdn(c, 1, NID_organizationalUnitName, "Ops");
	assert_rdn(c, 2, NID_organizationalUnitName, "R&D");
	assert_rdn(c, 3, NID_organizationName, "Ünïcödé GmbH");
	assert_rdn(c, 4, NID_serialNumber, "SN-0001");
	assert_rdn(c, 5, NID_pkcs9_emailAddress, "ops@example.com");
	assert_int_equal(c->is_ca, 1);
	assert_int_equal(c->path_len, 0);
	assert_int_equal(c->key_usage, X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_KEY_CERT_SIGN |
			 X509v3_KU_CRL_SIGN | X509v3_KU_NON_REPUDIATION);
	assert_int_equal(c->neku, 3);   /* the second clientAuth is dropped */
	assert_int_equal(c->eku_nids[0], NID_client_auth);
	assert_int_equal(c->eku_nids[1], NID_server_auth);
	oid_nid = OBJ_txt2nid("1.3.6.1.4.1.55555.1.2");
	assert_int_not_equal(oid_nid, NID_undef);
	assert_int_equal(c->eku_nids[2], oid_nid);
	assert_int_equal(c->nsans, 5);
	assert_int_equal(c->sans[0].type, HWE_SAN_DNS);
	assert_string_equal(c->sans[0].value, "*.example.com");
	assert_int_equal(c->sans[1].type, HWE_SAN_IP);
	assert_string_equal(c->sans[1].value, "10.0.0.1");
	assert_int_equal(c->sans[2].type, HWE_SAN_IP);
	assert_string_equal(c->sans[2].value, "2001:db8::1");
	assert_int_equal(c->sans[3].type, HWE_SAN_EMAIL);
	assert_string_equal(c->sans[3].value, "mailto@example.com");
	assert_int_equal(c->sans[4].type, HWE_SAN_URI);
	assert_string_equal(c->sans[4].value, "urn:dev:ops:32473-foo");
	hwe_csrconf_free(c);

	/* an OID OpenSSL knows maps to its NID; a URI with ',' keeps it */
	c = parse_ok("commonName=x\nextendedKeyUsage=1.3.6.1.5.5.7.3.2\n"
		     "subjectAltNames=1; https://h/a,b?c=1, 6\nisCA=false\ncertPathLen=-1\n");
	assert_int_equal(c->neku, 1);
	assert_int_equal(c->eku_nids[0], NID_client_auth);
	assert_string_equal(c->sans[0].value, "https://h/a,b?c=1");
	assert_int_equal(c->is_ca, 0);
	assert_int_equal(c->path_len, -1);
	assert_int_equal(c->key_usage, 0);
	hwe_csrconf_free(c);

	/* no extension keys at all: everything unset */
	c = parse_ok("commonName=only\nsubjectAltNames=0\n");
	assert_int_equal(c->is_ca, -1);
	assert_int_equal(c->path_len, -1);
	assert_int_equal(c->nsans, 0);
	hwe_csrconf_free(c);
}

static void test_limits_ok(void **state)
{
	char buf[HWE_CSRCONF_MAX_VALUE + 64];
	struct hwe_csrconf *c;
	size_t n;

	(void)state;
	/* 64 characters of 2-byte UTF-8: 128 bytes, still within ub-common-name */
	n = (size_t)snprintf(buf, sizeof(buf), "commonName=");
	while (n < strlen("commonName=") + 128) {
		memcpy(buf + n, "\xc3\xa9", 2);
		n += 2;
	}
	buf[n] = '\0';
	c = parse_ok(buf);
	assert_int_equal(strlen(c->rdns[0].value), 128);
	hwe_csrconf_free(c);

	/* a value of exactly HWE_CSRCONF_MAX_VALUE bytes is accepted:
	 * "1; urn:" + x... + ", 6" */
	n = (size_t)snprintf(buf, sizeof(buf), "commonName=a\nsubjectAltNames=1; urn:");
	memset(buf + n, 'x', HWE_CSRCONF_MAX_VALUE - 7 - 3);
	n += HWE_CSRCONF_MAX_VALUE - 7 - 3;
	memcpy(buf + n, ", 6\n", 5);
	assert_int_equal(strlen(strchr(buf, '\n') + 1), strlen("subjectAltNames=") +
			 HWE_CSRCONF_MAX_VALUE + 1);
	c = parse_ok(buf);
	assert_int_equal(c->nsans, 1);
	hwe_csrconf_free(c);
}

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
		{ "commonName=a\n\n\ncountryName US\n",
		  NAME ":4: missing '=' (expected key=value)" },
		{ "=x\ncommonName=a\n",
		  NAME ":1: missing key before '=' (expected key=value)" },
		{ "commonName=a\ncommonname=b\n",
		  NAME ":2: unknown key 'commonname' (expected one of countryName, "
		  "stateOrProvinceName, localityName, organizationName, "
		  "organizationalUnitName, commonName, serialNumber, emailAddress, isCA, "
		  "certPathLen, keyUsage, extendedKeyUsage, subjectAltNames, macAddress)" },
		{ "commonName=a\nisCA=false\nkeyUsage=digitalSignature\nisCA=true\n",
		  NAME ":4: duplicate key 'isCA', already set on line 2 (expected each of "
		  "isCA, certPathLen, keyUsage, extendedKeyUsage, subjectAltNames and "
		  "macAddress at most once)" },
		{ "commonName=a\nmacAddress=00:11:22:33:44\n",
		  NAME ":2: invalid macAddress '00:11:22:33:44' (expected six hex pairs, e.g. 00:11:22:aa:bb:cc)" },
		{ "commonName=a\nmacAddress=00:11:22:33:44:zz\n",
		  NAME ":2: invalid macAddress '00:11:22:33:44:zz' (expected six hex pairs, e.g. 00:11:22:aa:bb:cc)" },
		{ "commonName=a\nmacAddress=00:11:22:33:44:55\nmacAddress=00:11:22:33:44:56\n",
		  NAME ":3: duplicate key 'macAddress', already set on line 2 (expected each of "
		  "isCA, certPathLen, keyUsage, extendedKeyUsage, subjectAltNames and "
		  "macAddress at most once)" },
		{ "commonName=a\nisCA=yes\n",
		  NAME ":2: invalid isCA 'yes' (expected true or false)" },
		{ "commonName=a\nisCA=true\ncertPathLen=two\n",
		  NAME ":3: invalid certPathLen 'two' (expected -1 or a number from 0 to "
		  "2147483647)" },
		{ "commonName=a\nisCA=true\ncertPathLen=-2\n",
		  NAME ":3: invalid certPathLen '-2' (expected -1 or a number from 0 to "
		  "2147483647)" },
		{ "commonName=a\nisCA=true\ncertPathLen=99999999999\n",
		  NAME ":3: invalid certPathLen '99999999999' (expected -1 or a number from "
		  "0 to 2147483647)" },
		{ "commonName=a\ncertPathLen=2\nisCA=false\n",
		  NAME ":2: certPathLen=2 requires isCA=true (expected isCA=true, or "
		  "certPathLen=-1)" },
		{ "commonName=a\ncertPathLen=0\n",
		  NAME ":2: certPathLen=0 requires isCA=true (expected isCA=true, or "
		  "certPathLen=-1)" },
		{ "commonName=a\nkeyUsage=digitalSignature keyEncypherment\n",
		  NAME ":2: unknown keyUsage 'keyEncypherment' (expected digitalSignature, "
		  "nonRepudiation (contentCommitment), keyEncipherment, dataEncipherment, "
		  "keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly)" },
		{ "commonName=a\nkeyUsage=\n",
		  NAME ":2: empty keyUsage (expected one or more of digitalSignature, "
		  "nonRepudiation (contentCommitment), keyEncipherment, dataEncipherment, "
		  "keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly)" },
		{ "commonName=a\nextendedKeyUsage=clientAuth webAuth\n",
		  NAME ":2: unknown extendedKeyUsage 'webAuth' (expected serverAuth, "
		  "clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, "
		  "anyExtendedKeyUsage or a dotted OID such as 1.3.6.1.5.5.7.3.2)" },
		{ "commonName=a\nextendedKeyUsage=1.3.06.1\n",
		  NAME ":2: unknown extendedKeyUsage '1.3.06.1' (expected serverAuth, "
		  "clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, "
		  "anyExtendedKeyUsage or a dotted OID such as 1.3.6.1.5.5.7.3.2)" },
		{ "commonName=a\nextendedKeyUsage=3.1\n",
		  NAME ":2: unknown extendedKeyUsage '3.1' (expected serverAuth, "
		  "clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, "
		  "anyExtendedKeyUsage or a dotted OID such as 1.3.6.1.5.5.7.3.2)" },
		{ "commonName=a\nextendedKeyUsage= , \n",
		  NAME ":2: empty extendedKeyUsage (expected one or more of serverAuth, "
		  "clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, "
		  "anyExtendedKeyUsage or a dotted OID)" },
		/* subjectAltNames */
		{ "commonName=a\n# x\n\n\n\n\n\n\n\n\n\n"
		  "subjectAltNames=3; a.example, 2; b.example, 2\n",
		  NAME ":12: subjectAltNames says 3 entries but lists 2 (expected "
		  "subjectAltNames=N; value1, type1; ...; valueN, typeN)" },
		{ "commonName=a\nsubjectAltNames=2; a.example, 2, b.example, 2\n",
		  NAME ":2: subjectAltNames says 2 entries but lists 1 (expected "
		  "subjectAltNames=N; value1, type1; ...; valueN, typeN)" },
		{ "commonName=a\nsubjectAltNames=1\n",
		  NAME ":2: subjectAltNames says 1 entry but lists 0 (expected "
		  "subjectAltNames=N; value1, type1; ...; valueN, typeN)" },
		{ "commonName=a\nsubjectAltNames=numSANs; a, 2\n",
		  NAME ":2: invalid subjectAltNames count 'numSANs' (expected "
		  "subjectAltNames=N; value1, type1; ...; valueN, typeN)" },
		{ "commonName=a\nsubjectAltNames=65; a, 2\n",
		  NAME ":2: subjectAltNames=65 is too many entries (expected at most 64)" },
		{ "commonName=a\n\n\n\n\n\n\n\nsubjectAltNames=2; a.example, 2; b.example, 5\n",
		  NAME ":9: unknown SAN type 5 in entry 2 (expected 1 email, 2 DNS, 6 URI "
		  "or 7 IP)" },
		{ "commonName=a\nsubjectAltNames=1; a.example, DNS\n",
		  NAME ":2: unknown SAN type 'DNS' in entry 1 (expected 1 email, 2 DNS, "
		  "6 URI or 7 IP)" },
		{ "commonName=a\nsubjectAltNames=1; a.example 2\n",
		  NAME ":2: missing ',' in subjectAltNames entry 1 (expected 'value, type')" },
		{ "commonName=a\nsubjectAltNames=2; a.example, 2;; b, 2\n",
		  NAME ":2: subjectAltNames says 2 entries but lists 3 (expected "
		  "subjectAltNames=N; value1, type1; ...; valueN, typeN)" },
		{ "commonName=a\nsubjectAltNames=3; a.example, 2;; b, 2\n",
		  NAME ":2: empty subjectAltNames entry 2 (expected 'value, type')" },
		{ "commonName=a\nsubjectAltNames=1; , 2\n",
		  NAME ":2: empty value in subjectAltNames entry 1 (expected 'value, type')" },
		{ "commonName=a\nsubjectAltNames=1; user.example.com, 1\n",
		  NAME ":2: invalid email address 'user.example.com' in subjectAltNames "
		  "entry 1 (expected ASCII local@domain)" },
		{ "commonName=a\nsubjectAltNames=1; -bad-.example.com, 2\n",
		  NAME ":2: invalid DNS name '-bad-.example.com' in subjectAltNames entry 1 "
		  "(expected labels of letters, digits and '-', optionally starting with '*.')" },
		{ "commonName=a\nsubjectAltNames=1; a..example, 2\n",
		  NAME ":2: invalid DNS name 'a..example' in subjectAltNames entry 1 "
		  "(expected labels of letters, digits and '-', optionally starting with '*.')" },
		{ "commonName=a\nsubjectAltNames=1; a.*.example, 2\n",
		  NAME ":2: invalid DNS name 'a.*.example' in subjectAltNames entry 1 "
		  "(expected labels of letters, digits and '-', optionally starting with '*.')" },
		{ "commonName=a\nsubjectAltNames=1; www.example.com/path, 6\n",
		  NAME ":2: invalid URI 'www.example.com/path' in subjectAltNames entry 1 "
		  "(expected scheme:rest such as https://host/, ASCII without spaces)" },
		{ "commonName=a\nsubjectAltNames=1; 10.0.0.256, 7\n",
		  NAME ":2: invalid IP address '10.0.0.256' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		{ "commonName=a\nsubjectAltNames=1; 2001:db8:::1, 7\n",
		  NAME ":2: invalid IP address '2001:db8:::1' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		{ "commonName=a\nsubjectAltNames=1; 192.0.2.1 x, 7\n",
		  NAME ":2: invalid IP address '192.0.2.1 x' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		{ "commonName=a\nsubjectAltNames=1; +192.0.2.1, 7\n",
		  NAME ":2: invalid IP address '+192.0.2.1' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		{ "commonName=a\nsubjectAltNames=1; 192.0.2, 7\n",
		  NAME ":2: invalid IP address '192.0.2' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		{ "commonName=a\nsubjectAltNames=1; fe80::1%eth0, 7\n",
		  NAME ":2: invalid IP address 'fe80::1%eth0' in subjectAltNames entry 1 "
		  "(expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)" },
		/* subject values */
		{ "countryName=USA\n",
		  NAME ":1: countryName 'USA' is not a two-letter code (expected an ISO "
		  "3166 code such as US)" },
		{ "countryName=U1\n",
		  NAME ":1: countryName 'U1' is not a two-letter code (expected an ISO "
		  "3166 code such as US)" },
		{ "commonName=\n",
		  NAME ":1: empty value for 'commonName' (expected 1 to 64 characters)" },
		{ "commonName=0123456789012345678901234567890123456789012345678901234567890123"
		  "4\n",
		  NAME ":1: 'commonName' is 65 characters long (expected at most 64, the "
		  "X.520 upper bound)" },
		/* the bounds are OpenSSL's string table's (ub_locality_name 128) */
		{ "localityName=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  NAME ":1: 'localityName' is 129 characters long (expected at most 128, the "
		  "X.520 upper bound)" },
		/* characters, not bytes: 65 two-byte characters */
		{ "commonName=\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
		  NAME ":1: 'commonName' is 65 characters long (expected at most 64, the "
		  "X.520 upper bound)" },
		{ "emailAddress=j\xc3\xb6rg@example.com\n",
		  NAME ":1: emailAddress 'j..rg@example.com' is not an email address (expected ASCII "
		  "local@domain)" },
		{ "serialNumber=SN_1\n",
		  NAME ":1: 'serialNumber' has a character not allowed in a PrintableString "
		  "at byte 3 (expected A-Z a-z 0-9 space ' ( ) + , - . / : = ?)" },
		{ "emailAddress=nobody\n",
		  NAME ":1: emailAddress 'nobody' is not an email address (expected ASCII "
		  "local@domain)" },
		{ "commonName=a\tb\n",
		  NAME ":1: tab character in the value of 'commonName' (expected printable "
		  "text)" },
		{ "commonName=a\x01" "b\n",
		  NAME ":1: control character at byte 2 of the value of 'commonName' "
		  "(expected printable text)" },
		{ "commonName=a\rb\n",
		  NAME ":1: control character at byte 2 of the value of 'commonName' "
		  "(expected printable text)" },
		/* non-UTF-8: Latin-1, overlong, surrogate, truncated */
		{ "organizationName=M\xfcller\n",
		  NAME ":1: invalid UTF-8 at byte 2 of the value of 'organizationName' "
		  "(expected UTF-8 text)" },
		{ "commonName=\xc0\xaf\n",
		  NAME ":1: invalid UTF-8 at byte 1 of the value of 'commonName' (expected "
		  "UTF-8 text)" },
		{ "commonName=a\xed\xa0\x80\n",
		  NAME ":1: invalid UTF-8 at byte 2 of the value of 'commonName' (expected "
		  "UTF-8 text)" },
		{ "commonName=ab\xe2\x82",
		  NAME ":1: invalid UTF-8 at byte 3 of the value of 'commonName' (expected "
		  "UTF-8 text)" },
		/* whole file */
		{ "",
		  NAME ": no subject fields (expected at least one of countryName, "
		  "stateOrProvinceName, localityName, organizationName, "
		  "organizationalUnitName, commonName, serialNumber, emailAddress)" },
		{ "# only comments\n\n   \r\nisCA=false\n",
		  NAME ": no subject fields (expected at least one of countryName, "
		  "stateOrProvinceName, localityName, organizationName, "
		  "organizationalUnitName, commonName, serialNumber, emailAddress)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_err(cases[i].in, cases[i].msg);
	}
}

static void test_unknown_key_hint(void **state)
{
	struct hwe_csrconf *c = NULL;

	(void)state;
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_parse(NAME, "CommonName=a\n", 13, &c), HWE_EXIT_INPUT);
	assert_non_null(hwe_err_hint_text());
	assert_string_equal(hwe_err_hint_text(),
			    "keys are case-sensitive: did you mean 'commonName'?");
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_parse(NAME, "bogus=a\n", 8, &c), HWE_EXIT_INPUT);
	assert_null(hwe_err_hint_text());
	/* unprintable key bytes are not echoed raw */
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_parse(NAME, "k\x1b[31m=a\n", 9, &c), HWE_EXIT_INPUT);
	assert_null(strchr(hwe_err_message(), '\x1b'));
	hwe_err_clear();
}

static void test_nul_and_long(void **state)
{
	static const char nul[] = "commonName=a\0b\n";
	char *buf;
	size_t n;

	(void)state;
	expect_err_n(nul, sizeof(nul) - 1, NAME ":1: NUL byte in line (expected a text file)");

	/* over-long value: one byte more than the limit */
	buf = malloc(HWE_CSRCONF_MAX_VALUE + 64);
	assert_non_null(buf);
	n = (size_t)sprintf(buf, "commonName=a\nsubjectAltNames=");
	memset(buf + n, 'x', HWE_CSRCONF_MAX_VALUE + 1);
	buf[n + HWE_CSRCONF_MAX_VALUE + 1] = '\0';
	expect_err(buf, NAME ":2: value of 'subjectAltNames' is 1025 bytes long (expected "
		   "at most 1024)");
	free(buf);

	/* too many subject fields */
	buf = malloc(32 * (HWE_CSRCONF_MAX_RDNS + 1) + 1);
	assert_non_null(buf);
	buf[0] = '\0';
	for (n = 0; n <= HWE_CSRCONF_MAX_RDNS; n++)
		strcat(buf, "organizationalUnitName=x\n");
	expect_err(buf, NAME ":65: too many subject fields (expected at most 64)");
	free(buf);
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/test-csrconf.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void test_files(void **state)
{
	struct hwe_csrconf *c = NULL;
	char *dir = tmpdir(), path[512];
	FILE *f;

	(void)state;
	/* missing file */
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
	assert_null(c);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
	assert_non_null(strstr(hwe_err_message(), "Unable to create CSR from CSR config file"));
	assert_non_null(strstr(hwe_err_message(), path));
	assert_non_null(strstr(hwe_err_message(), "No such file or directory"));
	assert_non_null(hwe_err_hint_text());
	assert_non_null(strstr(hwe_err_hint_text(), "Ensure you created the CSR"));
	assert_non_null(strstr(hwe_err_hint_text(), path));
	assert_non_null(strstr(hwe_err_hint_text(), "<keystore>/conf/"));

	/* a directory */
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(dir, &c), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
	assert_non_null(strstr(hwe_err_message(), "Is a directory"));
	assert_non_null(strstr(hwe_err_hint_text(), "Ensure you created the CSR"));

	/* empty file */
	snprintf(path, sizeof(path), "%s/empty.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_CONFIG_SYNTAX);
	assert_non_null(strstr(hwe_err_message(), ": no subject fields"));
	assert_non_null(strstr(hwe_err_message(), path));

	/* a file with an error names the path and line */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("commonName=a\r\nkeyUsage=digitalSignature\r\nfoo\r\n", f);
	fclose(f);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
	{
		char want[600];

		snprintf(want, sizeof(want), "%s:3: missing '=' (expected key=value)", path);
		assert_string_equal(hwe_err_message(), want);
	}

	/* and a good file loads */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("commonName=a\n", f);
	fclose(f);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_OK);
	assert_int_equal(c->nrdns, 1);
	hwe_csrconf_free(c);

	/* whoever can write it chooses the CSR: group/world-writable refused */
	assert_int_equal(chmod(path, 0666), 0);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
	assert_null(c);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_PERMISSIONS);
	assert_non_null(strstr(hwe_err_message(), path));
	assert_non_null(strstr(hwe_err_message(), "writable by group or others (mode 0666)"));
	assert_non_null(strstr(hwe_err_hint_text(), "chmod go-w"));
	assert_int_equal(chmod(path, 0620), 0);
	hwe_err_clear();
	assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
	assert_int_equal(hwe_err_status(), HWE_ERR_FILE_PERMISSIONS);
	assert_int_equal(chmod(path, 0644), 0);
	/* ... and so is one owned by another user */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 54321, 54321), 0);
		hwe_err_clear();
		assert_int_equal(hwe_csrconf_load(path, &c), HWE_EXIT_INPUT);
		assert_int_equal(hwe_err_status(), HWE_ERR_FILE_PERMISSIONS);
		assert_non_null(strstr(hwe_err_message(), "owned by uid 54321"));
		assert_non_null(strstr(hwe_err_hint_text(), "chown"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* a path given by the user may be a symlink: the final file is checked */
	{
		char link[600];

		snprintf(link, sizeof(link), "%s/link.conf", dir);
		assert_int_equal(symlink(path, link), 0);
		hwe_err_clear();
		assert_int_equal(hwe_csrconf_load(link, &c), HWE_OK);
		hwe_csrconf_free(c);
		c = NULL;
		assert_int_equal(chmod(path, 0646), 0);
		assert_int_equal(hwe_csrconf_load(link, &c), HWE_EXIT_INPUT);
		assert_non_null(strstr(hwe_err_message(), "link.conf"));
		assert_int_equal(chmod(path, 0644), 0);

		/* in the keystore (a directory descriptor): no symlink at all */
		{
			int dfd = open(dir, O_RDONLY | O_DIRECTORY);

			assert_true(dfd >= 0);
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(dfd, "empty.conf", path, &c), HWE_OK);
			hwe_csrconf_free(c);
			c = NULL;
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(dfd, "link.conf", link, &c),
					 HWE_EXIT_KEYSTORE);
			assert_null(c);
			assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_PERMISSIONS);
			assert_non_null(strstr(hwe_err_message(), "refusing symlink"));
			assert_non_null(strstr(hwe_err_message(), "link.conf"));
			/* keystore refusals for the mode too */
			assert_int_equal(chmod(path, 0666), 0);
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(dfd, "empty.conf", path, &c),
					 HWE_EXIT_KEYSTORE);
			assert_int_equal(hwe_err_status(), HWE_ERR_KEYSTORE_PERMISSIONS);
			assert_int_equal(chmod(path, 0644), 0);
			/* missing: the reference workflow's error, as for a path */
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(dfd, "missing.conf", "ks/conf/missing.conf", &c),
					 HWE_EXIT_INPUT);
			assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
			assert_non_null(strstr(hwe_err_hint_text(), "Ensure you created the CSR"));
			/* no conf/ directory, or a name that is not a plain name */
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(-1, "empty.conf", "ks/conf/empty.conf", &c),
					 HWE_EXIT_INPUT);
			assert_int_equal(hwe_err_status(), HWE_ERR_FILE_OPEN_FAILED);
			hwe_err_clear();
			assert_int_equal(hwe_csrconf_load_at(dfd, "../x/empty.conf", "x", &c),
					 HWE_EXIT_INPUT);
			close(dfd);
		}
		unlink(link);
	}

	unlink(path);
	rmdir(dir);
	free(dir);
	hwe_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_sample),
		cmocka_unit_test(test_reference_crlf_bom),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_limits_ok),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_unknown_key_hint),
		cmocka_unit_test(test_nul_and_long),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
