/* SPDX-License-Identifier: BSD-3-Clause */
/* csrreq.h - what the server's /csrattrs asks of a CSR (RFC 7030 4.5.2,
 * RFC 8951 3.4), and how hwenroll meets each item.
 *
 * CsrAttrs ::= SEQUENCE OF AttrOrOID; AttrOrOID ::= CHOICE { oid, Attribute }.
 * Decoded with OpenSSL ASN.1 templates; each item is classified:
 *   challengePassword                 -> proof-of-possession (the TLS channel binding)
 *   a signature algorithm OID         -> the CSR's signature (its digest, its key type)
 *   id-ecPublicKey {curve} / rsaEncryption {size}, or the bare OID -> the key type
 *   extensionRequest {OIDs or Extensions} -> extensions the CSR must request
 *   any other OID or attribute        -> an attribute or subject field
 */
#ifndef HWE_CSRREQ_H
#define HWE_CSRREQ_H

#include <stddef.h>

#include <openssl/x509.h>

#include "csrconf.h"
#include "key.h"

#define HWE_OID_MAC_ADDRESS "1.3.6.1.1.1.1.22"   /* RFC 2307 macAddress, RFC 7030's example */

enum hwe_csrreq_kind {
	HWE_REQ_CHALLENGE,    /* challengePassword */
	HWE_REQ_KEY,          /* key type, with curve or size when given */
	HWE_REQ_SIG,          /* signature algorithm */
	HWE_REQ_EXT,          /* an extension inside extensionRequest */
	HWE_REQ_ATTR,         /* another attribute or subject field */
};

struct hwe_csrreq_item {
	enum hwe_csrreq_kind kind;
	int nid;                  /* NID_undef when OpenSSL does not know the OID */
	char oid[96];             /* dotted form */
	char name[48];            /* short name, or "" */
	struct hwe_keyspec key;   /* HWE_REQ_KEY: alg; curve_nid / bits, 0 = any */
	int md_nid, pkey_nid;     /* HWE_REQ_SIG: digest and key type of the algorithm */
};

struct hwe_csrreq {
	struct hwe_csrreq_item *items;
	size_t n;
};

/* Decode the /csrattrs DER (len 0: nothing asked).  Malformed DER, trailing
 * bytes or more than 256 items: HWE_EXIT_RESPONSE naming the problem. */
int hwe_csrreq_parse(const unsigned char *der, size_t len, struct hwe_csrreq *out);
void hwe_csrreq_clear(struct hwe_csrreq *r);

/* How a run meets the request (filled by hwe_csrreq_plan). */
struct hwe_csrreq_plan {
	int pop;                  /* challengePassword asked: send the channel binding */
	int have_key;             /* the server asks for this key type */
	struct hwe_keyspec key;
	const char *md;           /* digest of the asked signature algorithm ("SHA384"), or NULL */
	int mac_ext, mac_attr;    /* macAddress asked as an extension / an attribute */
	unsigned char mac[6];
	char mac_source[64];      /* "CSR config" or "interface eth0" */
	char *unmet;              /* malloc'd lines "OID (name): how to supply it", or NULL */
};

/* Work out how each item is met from the CSR config (may be NULL), the
 * current certificate (reenroll: subject and SAN come from it; may be NULL)
 * and the machine (macAddress).  Items that cannot be met are listed in
 * plan->unmet; the caller refuses to send. */
int hwe_csrreq_plan(const struct hwe_csrreq *r, const struct hwe_csrconf *conf, X509 *cur,
		    struct hwe_csrreq_plan *plan);
void hwe_csrreq_plan_clear(struct hwe_csrreq_plan *plan);

/* One line for `hwenroll csrattrs`: the item and where its value comes from. */
const char *hwe_csrreq_describe(const struct hwe_csrreq_item *it, char *buf, size_t len);

/* The first non-loopback interface with a 6-byte hardware address. */
int hwe_csrreq_machine_mac(unsigned char mac[6], char *ifname, size_t ifnamelen);

#endif
