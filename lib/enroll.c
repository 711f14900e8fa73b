/* SPDX-License-Identifier: BSD-3-Clause */
/* enroll.c - the enrollment job behind enroll, reenroll and
 * `certificate est`: key, CSR, EST request, verification, one atomic
 * keystore commit.  Nothing is stored unless the issued certificate
 * verifies; a key created for a failed run is removed from its device. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest.h"
#include "certcheck.h"
#include "csr.h"
#include "csrconf.h"
#include "csrreq.h"
#include "est.h"
#include "hwenroll.h"
#include "log.h"
#include "pkcs7.h"
#include "profile.h"
#include "rc.h"

#define LOCK_WAIT_S 30

struct job {
	struct hwe_ctx *ctx;
	const struct hwe_args *a;
	struct hwe_enroll_res *res;
	int reenroll;
	int rekey;
	const char *alias;
	struct hwe_keystore *ks;
	struct hwe_ks_lock *lock;
	const struct hwe_key_backend *be;
	struct hwe_key_opts ko;
	char *pin;
	int existing;                 /* the alias had a key file */
	EVP_PKEY *cur;                /* the alias's key (reenroll: TLS client key) */
	EVP_PKEY *fresh;              /* a key created (or resumed) for this run */
	unsigned char *fresh_blob;
	size_t fresh_len;
	int fresh_generated;          /* created by this run: destroy it on failure */
	int fresh_pending;            /* resumed from req/<alias>.pending<ext> */
	int same_pending;             /* resumed a 202 request signed by the current key */
	/* a device key about to be made: recorded in req/<alias>.new<ext> first */
	unsigned char *planned;
	size_t planned_len;
	int planned_recorded;
	/* the key a new one replaces: req/<alias>.old<ext> until destroyed */
	unsigned char *oldblob;
	size_t oldlen;
	X509 *cert;                   /* current certificate (reenroll) */
	STACK_OF(X509) *cert_chain;
	/* client auth for enroll (--auth-alias) */
	const struct hwe_key_backend *auth_be;
	EVP_PKEY *auth_key;
	X509 *auth_cert;
	STACK_OF(X509) *auth_chain;
	struct hwe_csrconf *conf;
	X509_REQ *req;
	/* what the server's /csrattrs asks for, and proof-of-possession */
	struct hwe_csrreq attrs;
	struct hwe_csrreq_plan plan;
	struct hwe_csr_extra extra;
	int pop;                      /* the CSR carries the channel binding */
	struct hwe_http_binding bound;    /* the binding j->req carries */
	char challenge[96];
	struct hwe_cmd_net net;
	STACK_OF(X509) *resp;
	X509 *issued;
	STACK_OF(X509) *chain;
	/* --attest: TPM2_Certify evidence for the new key */
	int attest;
	struct hwe_attest_req areq;
	struct hwe_attest_out aout;
	struct hwe_http_binding attest_bound;  /* the binding the evidence is made for */
	char *arecord;                /* certs/<alias>.attest */
};

/* A 202-pending request saved by an earlier run: req/<alias>.csr plus,
 * when that run made a new key, req/<alias>.pending<ext>, or, when the
 * alias's current key signed it (a same-key renewal), the marker
 * req/<alias>.pending.  The saved CSR is sent again as it is. */
static int load_pending(struct job *j)
{
	int ret = HWE_OK;
	char *csrname = hwe_cmd_fname(j->alias, ".csr");
	char *keyext = hwe_cmd_fname(".pending", j->be->ext);
	char *keyname = keyext ? hwe_cmd_fname(j->alias, keyext) : NULL;
	char *markname = hwe_cmd_fname(j->alias, ".pending");
	unsigned char *csr = NULL;
	size_t csrlen = 0;

	if (!csrname || !keyname || !markname) {
		ret = hwe_err_oom();
		goto out;
	}
	if (!hwe_keystore_exists(j->ks, "req", keyname)) {
		if (!j->cur || !hwe_keystore_exists(j->ks, "req", markname) ||
		    !hwe_keystore_exists(j->ks, "req", csrname))
			goto out;
		if ((ret = hwe_keystore_read(j->ks, "req", csrname, &csr, &csrlen)) ||
		    (ret = hwe_csr_from_pem(csr, csrlen, &j->req)))
			goto out;
		if (!hwe_key_public_equal(X509_REQ_get0_pubkey(j->req), j->cur)) {
			/* the key changed since (a rekey): that request is void */
			hwe_warn("alias '%s': the pending request req/%s is not signed by the alias's key any more: a new request is made",
				 j->alias, csrname);
			X509_REQ_free(j->req);
			j->req = NULL;
			goto out;
		}
		j->same_pending = 1;
		hwe_info("resuming the pending request of alias '%s' (req/%s, the current key)",
			 j->alias, csrname);
		goto out;
	}
	if ((ret = hwe_keystore_read(j->ks, "req", keyname, &j->fresh_blob, &j->fresh_len)))
		goto out;
	if ((ret = j->be->load(&j->ko, j->fresh_blob, j->fresh_len, &j->fresh)))
		goto out;
	if ((ret = hwe_keystore_read(j->ks, "req", csrname, &csr, &csrlen)))
		goto out;
	if ((ret = hwe_csr_from_pem(csr, csrlen, &j->req)))
		goto out;
	if (!hwe_key_public_equal(X509_REQ_get0_pubkey(j->req), j->fresh)) {
		ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			      "saved request req/%s does not match the pending key req/%s", csrname,
			      keyname);
		goto out;
	}
	j->fresh_pending = 1;
	hwe_info("resuming the pending request of alias '%s' (req/%s)", j->alias, csrname);
out:
	OPENSSL_free(csr);
	free(csrname);
	free(keyext);
	free(keyname);
	free(markname);
	return ret;
}

/* ---- device keys an interrupted run left behind ----------------------------- */

/* req/<alias><kind><ext>; kind ".new" (a key being made) or ".old" (a key
 * a new one replaced) */
static char *keyrec_name(const struct job *j, const char *kind)
{
	char *ext = hwe_cmd_fname(kind, j->be->ext);
	char *n = ext ? hwe_cmd_fname(j->alias, ext) : NULL;

	free(ext);
	return n;
}

/* One transaction: store (data) or remove (data NULL) req/<alias><kind><ext>. */
static int keyrec_set(struct job *j, const char *kind, const unsigned char *data, size_t len)
{
	struct hwe_ks_txn *t = NULL;
	char *name = keyrec_name(j, kind);
	int ret;

	if (!name)
		return hwe_err_oom();
	ret = hwe_keystore_txn_begin(j->ks, j->alias, &t);
	if (!ret)
		ret = data ? hwe_keystore_txn_put(t, "req", name, data, len, 0600) :
			     hwe_keystore_txn_remove(t, "req", name);
	if (!ret)
		ret = hwe_keystore_txn_commit(t);
	hwe_keystore_txn_free(t);
	free(name);
	return ret;
}

/* 1 if <sub>/<alias><suffix> holds these bytes (or cannot be read: then it
 * may, and the key it names must not be destroyed) */
static int same_as_file(const struct job *j, const char *sub, const char *suffix,
			const unsigned char *b, size_t n)
{
	char *name = hwe_cmd_fname(j->alias, suffix);
	unsigned char *d = NULL;
	size_t len = 0;
	int same = 0;

	if (!name)
		return 1;
	if (hwe_keystore_exists(j->ks, sub, name)) {
		if (hwe_keystore_read(j->ks, sub, name, &d, &len) != HWE_OK) {
			hwe_err_clear();
			same = 1;
		} else {
			same = len == n && memcmp(d, b, n) == 0;
		}
	}
	OPENSSL_clear_free(d, len);
	free(name);
	return same;
}

/* A run killed after the device made a key but before the keystore
 * referenced it (req/<alias>.new<ext>), or after a rekey's commit but
 * before the replaced key was destroyed (req/<alias>.old<ext>), left a
 * key object on the device that nothing uses: destroy it now and drop the
 * record.  A recorded key the alias still uses (keys/, a pending request)
 * is kept.  A device that cannot be reached keeps the record for the
 * next run; this run goes on. */
static void sweep_keys(struct job *j)
{
	static const char *const kinds[] = { ".new", ".old" };
	char *pendext = hwe_cmd_fname(".pending", j->be->ext);
	unsigned char *b;
	size_t i, n;
	char *name;

	for (i = 0; pendext && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int inuse;

		b = NULL;
		n = 0;
		if (!(name = keyrec_name(j, kinds[i])) || !hwe_keystore_exists(j->ks, "req", name)) {
			free(name);
			continue;
		}
		if (hwe_keystore_read(j->ks, "req", name, &b, &n) != HWE_OK) {
			hwe_warn("alias '%s': cannot read req/%s (a key an interrupted run left on the device): %s",
				 j->alias, name, hwe_err_message());
			hwe_err_clear();
			free(name);
			continue;
		}
		inuse = same_as_file(j, "keys", j->be->ext, b, n) || same_as_file(j, "req", pendext, b, n);
		if (!inuse && j->be->destroy(&j->ko, b, n) != HWE_OK) {
			hwe_warn("alias '%s': the key an interrupted run left on the device (req/%s) could not be removed: %s; the next run tries again",
				 j->alias, name, hwe_err_message());
			hwe_err_clear();
		} else {
			if (!inuse)
				hwe_warn("alias '%s': removed the %s key an interrupted run left on the device (req/%s)",
					 j->alias, i == 0 ? "unfinished new" : "replaced", name);
			if (keyrec_set(j, kinds[i], NULL, 0) != HWE_OK) {
				hwe_warn("alias '%s': cannot remove req/%s: %s", j->alias, name,
					 hwe_err_message());
				hwe_err_clear();
			}
		}
		OPENSSL_clear_free(b, n);
		free(name);
	}
	free(pendext);
}

static int load_auth_alias(struct job *j, const char *auth_alias)
{
	struct hwe_key_opts ko = j->ko;
	int ret, existing = 0;
	char *pin = NULL;

	if ((ret = hwe_keystore_alias_valid(auth_alias)))
		return ret;
	if ((ret = hwe_keystore_find_key(j->ks, auth_alias, &j->auth_be)))
		return ret;
	if (j->attest && j->auth_be == &hwe_key_tpm2) {
		/* its provider would hold the TPM connection the evidence needs */
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			"--attest with a TPM key for --auth-alias '%s' is not supported", auth_alias);
		hwe_err_hint("authenticate with a user name, a token or a software-key alias");
		return HWE_EXIT_USAGE;
	}
	ko.alias = auth_alias;
	if (j->auth_be != j->be && j->auth_be->init) {
		struct hwe_dev_args d = j->a->dev;

		d.backend = NULL; /* the auth alias's own */
		if ((ret = hwe_cmd_backend(&d, j->ks, auth_alias, &j->auth_be, &ko, &pin,
					   &existing)))
			goto out;
	}
	if ((ret = hwe_cmd_load_key(j->ks, auth_alias, j->auth_be, &ko, &j->auth_key)))
		goto out;
	if ((ret = hwe_cmd_load_cert(j->ks, auth_alias, &j->auth_cert, &j->auth_chain)))
		goto out;
	if (!hwe_key_public_equal(X509_get0_pubkey(j->auth_cert), j->auth_key))
		ret = hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
			      "certificate and key of --auth-alias '%s' do not match", auth_alias);
out:
	hwe_secret_free(pin);
	return ret;
}

static int prepare_keys(struct job *j)
{
	int ret;

	if (j->existing && (ret = hwe_cmd_load_key(j->ks, j->alias, j->be, &j->ko, &j->cur)))
		return ret;
	if (j->reenroll) {
		if (!j->existing) {
			hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_NO_ALIAS,
				"alias '%s' has no key to re-enroll", j->alias);
			hwe_err_hint("enroll it first: hwenroll enroll --key-alias %s ...", j->alias);
			return HWE_EXIT_KEYSTORE;
		}
		if ((ret = hwe_cmd_load_cert(j->ks, j->alias, &j->cert, &j->cert_chain)))
			return ret;
		if (!hwe_key_public_equal(X509_get0_pubkey(j->cert), j->cur))
			return hwe_err(HWE_EXIT_KEYSTORE, HWE_ERR_KEYSTORE_IO,
				       "certificate and key of alias '%s' do not match", j->alias);
	}
	/* a request left pending (202) by an earlier run is resumed as is */
	return load_pending(j);
}

/* The key type of a new key: the command line's, else the server's
 * (/csrattrs), else ECC P-256; --rekey: the current key's unless the
 * server asks for another.  A command-line choice the server contradicts
 * is an error before any key is made. */
static int new_keyspec(struct job *j, struct hwe_keyspec *spec)
{
	const struct hwe_keyspec *want = j->plan.have_key ? &j->plan.key : NULL;
	int explicit = !j->rekey && j->a->spec_given;
	char a[32], b[32];
	int ret = HWE_OK;

	if (j->rekey)
		ret = hwe_keyspec_from_pkey(j->cur, spec);
	else
		*spec = j->a->spec; /* converted by the option parser */
	if (ret || !want)
		return ret;
	if (want->alg == spec->alg && (!want->curve_nid || want->curve_nid == spec->curve_nid) &&
	    (!want->bits || want->bits == spec->bits))
		return HWE_OK;
	if (explicit) {
		struct hwe_keyspec w = *want;

		if (w.alg == HWE_ALG_EC && !w.curve_nid)
			w.curve_nid = spec->curve_nid;
		hwe_err(HWE_EXIT_USAGE, HWE_ERR_CSR_ATTRS,
			"the server asks for %s keys (/csrattrs), the command line for %s",
			w.alg == HWE_ALG_EC && !want->curve_nid ? "ECC" : w.alg == HWE_ALG_RSA && !w.bits ? "RSA" :
			hwe_keyspec_describe(&w, a, sizeof(a)), hwe_keyspec_describe(spec, b, sizeof(b)));
		hwe_err_hint("leave out --algorithm/--curve/--size to use the server's choice, or pass --csrattrs ignore");
		return HWE_EXIT_USAGE;
	}
	if (want->alg != spec->alg) {
		spec->alg = want->alg;
		spec->curve_nid = want->alg == HWE_ALG_EC ? NID_X9_62_prime256v1 : 0;
		spec->bits = want->alg == HWE_ALG_RSA ? 2048 : 0;
	}
	if (want->curve_nid)
		spec->curve_nid = want->curve_nid;
	if (want->bits)
		spec->bits = want->bits;
	hwe_info("the server asks for %s keys (/csrattrs)", hwe_keyspec_describe(spec, a, sizeof(a)));
	return HWE_OK;
}

/* --attest: the key made and certified over this connection's binding
 * with the TPM used directly, then loaded through the tpm2 provider (which
 * connects only now: a single-connection TCTI serves one client). */
static int attested_key(struct job *j, const struct hwe_keyspec *spec)
{
	int ret;

	if (hwe_http_channel_binding(j->net.http, &j->attest_bound) != HWE_OK)
		return hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
			       "--attest: the TLS connection gives no channel binding to bind the evidence to");
	if ((ret = hwe_attest_make(&j->areq, spec, &j->attest_bound, &j->aout, &j->arecord)))
		return ret;
	j->fresh_blob = j->aout.blob;
	j->fresh_len = j->aout.bloblen;
	j->aout.blob = NULL;
	j->fresh_generated = 1;
	j->extra.evidence = j->aout.evidence;
	j->extra.evidence_len = j->aout.evidencelen;
	return j->be->load(&j->ko, j->fresh_blob, j->fresh_len, &j->fresh);
}

static int generate_key(struct job *j)
{
	struct hwe_keyspec spec;
	int ret;

	if (j->fresh_pending || j->same_pending || (j->existing && !j->rekey))
		return HWE_OK;
	if ((ret = new_keyspec(j, &spec)))
		return ret;
	if (j->be->plan) {
		/* the key's name is durable before the key exists: a run killed
		 * from here to the commit leaves it to the next run to destroy */
		if ((ret = j->be->plan(&j->ko, &j->planned, &j->planned_len)) ||
		    (ret = keyrec_set(j, ".new", j->planned, j->planned_len)))
			return ret;
		j->planned_recorded = 1;
		j->ko.planned = j->planned;
		j->ko.planned_len = j->planned_len;
	}
	if (hwe_log_enabled(HWE_LOG_INFO)) {
		char d[32];

		hwe_info("generating the key of alias '%s': %s, %s backend",
			 j->alias, hwe_keyspec_describe(&spec, d, sizeof(d)), j->be->name);
	}
	if (j->attest)
		return attested_key(j, &spec);
	ret = j->be->generate(&j->ko, &spec, &j->fresh, &j->fresh_blob, &j->fresh_len);
	j->ko.planned = NULL;
	j->ko.planned_len = 0;
	if (ret == HWE_OK)
		j->fresh_generated = 1;
	if (ret == HWE_OK && j->planned &&
	    (j->fresh_len != j->planned_len || memcmp(j->fresh_blob, j->planned, j->planned_len) != 0))
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_KEY_BACKEND,
			       "the %s backend made another key than it named", j->be->name);
	return ret;
}

static EVP_PKEY *signer(const struct job *j)
{
	return j->fresh ? j->fresh : j->cur;
}

/* challengePassword = base64 of the binding (RFC 7030 3.5) */
static void set_challenge(struct job *j, const struct hwe_http_binding *b)
{
	EVP_EncodeBlock((unsigned char *)j->challenge, b->data, (int)b->len);
	j->extra.challenge = j->challenge;
	j->bound = *b;
	hwe_info("proof-of-possession: the CSR carries this connection's %s binding", b->type);
}

/* est.c calls this before a POST whose connection is not the one the
 * request is bound to (a resumed request, a replaced connection): the
 * same key signs the request again with the new binding. */
static int bind_cb(void *arg, const struct hwe_http_binding *b, X509_REQ *req)
{
	struct job *j = arg;

	if (j->attest && (b->len != j->attest_bound.len || memcmp(b->data, j->attest_bound.data, b->len) != 0)) {
		hwe_err(HWE_EXIT_NETWORK, HWE_ERR_NETWORK_IO,
			"--attest: the connection changed after the attestation evidence was made for it");
		hwe_err_hint("the evidence is bound to one TLS connection and cannot move: run the command again");
		return HWE_EXIT_NETWORK;
	}
	set_challenge(j, b);
	return hwe_csr_rebind(req, signer(j), &j->extra);
}

/* The signature algorithm: of those /csrattrs names, the one for our key
 * type; none fitting is an error before sending. */
static int pick_signature(struct job *j)
{
	EVP_PKEY *k = signer(j);
	int want = EVP_PKEY_is_a(k, "EC") ? NID_X9_62_id_ecPublicKey :
		   EVP_PKEY_is_a(k, "RSA") ? NID_rsaEncryption : NID_undef;
	const struct hwe_csrreq_item *it, *other = NULL;
	size_t i;

	for (i = 0; i < j->attrs.n; i++) {
		it = &j->attrs.items[i];
		if (it->kind != HWE_REQ_SIG)
			continue;
		if (it->pkey_nid == want || (want == NID_rsaEncryption && it->pkey_nid == NID_rsassaPss)) {
			j->extra.md = OBJ_nid2sn(it->md_nid);
			return HWE_OK;
		}
		other = it;
	}
	/* beside a CSR template (RFC 9908 section 4) it is a preference only */
	if (!other || j->attrs.has_template)
		return HWE_OK;
	hwe_err(HWE_EXIT_INPUT, HWE_ERR_CSR_ATTRS,
		"the server asks for signature algorithm %s%s%s (/csrattrs), which a %s key cannot make",
		other->oid, other->name[0] ? " " : "", other->name, EVP_PKEY_get0_type_name(k));
	hwe_err_hint(j->existing && !j->rekey ? "re-key with a key of the type the server asks for (--rekey), or pass --csrattrs ignore" :
		     "leave out --algorithm to use the server's key type, or pass --csrattrs ignore");
	return HWE_EXIT_INPUT;
}

static int build_request(struct job *j)
{
	struct hwe_http_binding b;
	int ret;

	if (j->plan.mac_ext || j->plan.mac_attr) {
		j->extra.mac = j->plan.mac;
		j->extra.mac_ext = j->plan.mac_ext;
		j->extra.mac_attr = j->plan.mac_attr;
		hwe_info("macAddress for the CSR from %s", j->plan.mac_source);
	}
	/* RFC 9908 CSR template: its subject, its extensions with values */
	j->extra.subject = j->plan.subject;
	j->extra.exts = j->plan.exts;
	j->extra.critical = j->plan.critical;
	if (j->plan.subject)
		hwe_info("the subject follows the server's CSR template (the CSR config's other subject fields are left out)");
	if ((ret = pick_signature(j)))
		return ret;
	if (j->pop) {
		if (hwe_http_channel_binding(j->net.http, &b) != HWE_OK)
			return hwe_err(HWE_EXIT_TLS, HWE_ERR_TLS_HANDSHAKE,
				       "proof-of-possession: the TLS connection gives no channel binding");
		set_challenge(j, &b);
	}
	if (j->req) /* resumed: bound again (and signed again) before it is sent */
		return HWE_OK;
	if (j->reenroll)
		return hwe_csr_from_cert(j->cert, j->conf, signer(j), &j->extra, &j->req);
	return hwe_csr_build(j->conf, signer(j), &j->extra, &j->req);
}

/* The server's refusal is about proof-of-possession (its message names it). */
static int refused_for_pop(const char *msg)
{
	return msg && (strstr(msg, "proof-of-possession") || strstr(msg, "challengePassword") ||
		       strstr(msg, "tls-unique") || strstr(msg, "channel binding"));
}

/* GET /csrattrs on the connection the CSR will travel on, and the plan
 * that meets it.  A server without CSR attributes (204/404, or an error
 * answer) is no obstacle; a transport failure is. */
static int server_asks(struct job *j)
{
	enum hwe_pop_policy policy = j->a->enroll.pop;
	int use_attrs = j->a->enroll.csrattrs == HWE_CSRATTRS_USE;
	unsigned char *der = NULL;
	size_t len = 0;
	int ret;

	if (!use_attrs && policy != HWE_POP_ALWAYS)
		return HWE_OK;   /* neither attributes nor proof-of-possession: no GET */
	ret = hwe_est_csrattrs(j->net.http, &j->net.url, &der, &len);
	if (ret == HWE_EXIT_REFUSED || ret == HWE_EXIT_RESPONSE || ret == HWE_EXIT_AUTH) {
		hwe_warn("the server's /csrattrs failed (%s): the CSR is built without it",
			 hwe_err_message());
		hwe_err_clear();
		ret = HWE_OK;
		len = 0;
	}
	if (ret)
		goto out;
	if (use_attrs && len) {
		if ((ret = hwe_csrreq_parse(der, len, &j->attrs)))
			goto out;
		if ((ret = hwe_csrreq_plan(&j->attrs, j->conf, j->reenroll ? j->cert : NULL, &j->plan)))
			goto out;
		if (j->plan.unmet) {
			ret = hwe_err(HWE_EXIT_INPUT, HWE_ERR_CSR_ATTRS,
				      "the server's /csrattrs asks for what this CSR cannot carry: %s",
				      j->plan.unmet);
			hwe_err_hint("supply each item as said, or pass --csrattrs ignore to send the CSR without them (the server may refuse it)");
			goto out;
		}
	}
	j->pop = policy == HWE_POP_ALWAYS || (policy == HWE_POP_AUTO && j->plan.pop);
	if (j->pop && !j->plan.pop)
		hwe_info("proof-of-possession: sent because --pop asks for it");
out:
	OPENSSL_free(der);
	return ret;
}

/* Stage and commit: on success everything the alias needs; on 202 the
 * pending request. */
static int commit(struct job *j, int pending)
{
	int ret;
	struct hwe_ks_txn *t = NULL;
	char *csrpem = NULL, *certpem = NULL, *chainpem = NULL;
	size_t csrlen = 0, certlen = 0, chainlen = 0;
	char *csrname = hwe_cmd_fname(j->alias, ".csr");
	char *keyname = hwe_cmd_fname(j->alias, j->be->ext);
	char *pendext = hwe_cmd_fname(".pending", j->be->ext);
	char *pendname = pendext ? hwe_cmd_fname(j->alias, pendext) : NULL;
	char *certname = hwe_cmd_fname(j->alias, ".pem");
	char *chainname = hwe_cmd_fname(j->alias, "-chain.pem");
	char *profname = hwe_cmd_fname(j->alias, HWE_PROFILE_SUFFIX);
	char *attname = hwe_cmd_fname(j->alias, HWE_ATTEST_SUFFIX);
	char *markname = hwe_cmd_fname(j->alias, ".pending");
	char *newname = j->be->destroy ? keyrec_name(j, ".new") : NULL;
	char *oldname = j->be->destroy ? keyrec_name(j, ".old") : NULL;
	char *proftext = NULL;
	size_t proflen = 0;
	STACK_OF(X509) *one = NULL;

	if (!csrname || !keyname || !pendname || !certname || !chainname || !profname || !attname ||
	    !markname || (j->be->destroy && (!newname || !oldname))) {
		ret = hwe_err_oom();
		goto out;
	}
	if ((ret = hwe_csr_to_pem(j->req, &csrpem, &csrlen)))
		goto out;
	if ((ret = hwe_keystore_txn_begin(j->ks, j->alias, &t)))
		goto out;
	if ((ret = hwe_keystore_txn_put(t, "req", csrname, csrpem, csrlen, 0600)))
		goto out;
	/* the new key is referenced from here on (pending or stored) */
	if (j->planned_recorded && (ret = hwe_keystore_txn_remove(t, "req", newname)))
		goto out;
	if (pending) {
		if (j->fresh && !j->fresh_pending &&
		    (ret = hwe_keystore_txn_put(t, "req", pendname, j->fresh_blob, j->fresh_len, 0600)))
			goto out;
		/* a request of the current key: the marker says resume it */
		if (!j->fresh && (ret = hwe_keystore_txn_put(t, "req", markname, "current-key\n", 12, 0600)))
			goto out;
	} else {
		one = sk_X509_new_null();
		if (!one || !sk_X509_push(one, j->issued)) {
			ret = hwe_err_oom();
			goto out;
		}
		if ((ret = hwe_certs_to_pem(one, 0, 1, &certpem, &certlen)))
			goto out;
		if (j->fresh &&
		    (ret = hwe_keystore_txn_put(t, "keys", keyname, j->fresh_blob, j->fresh_len, 0600)))
			goto out;
		if ((ret = hwe_keystore_txn_put(t, "certs", certname, certpem, certlen, 0644)))
			goto out;
		if (sk_X509_num(j->chain) > 0) {
			if ((ret = hwe_certs_to_pem(j->chain, 0, -1, &chainpem, &chainlen)))
				goto out;
			if ((ret = hwe_keystore_txn_put(t, "certs", chainname, chainpem, chainlen, 0644)))
				goto out;
		} else if ((ret = hwe_keystore_txn_remove(t, "certs", chainname))) {
			goto out;
		}
		if ((ret = hwe_keystore_txn_remove(t, "req", pendname)) ||
		    (ret = hwe_keystore_txn_remove(t, "req", markname)))
			goto out;
		/* the device key this one replaces, until it is destroyed */
		if (j->oldblob &&
		    (ret = hwe_keystore_txn_put(t, "req", oldname, j->oldblob, j->oldlen, 0600)))
			goto out;
		/* the attestation record describes the key it came with */
		if (j->arecord) {
			if ((ret = hwe_keystore_txn_put(t, "certs", attname, j->arecord, strlen(j->arecord), 0644)))
				goto out;
		} else if (j->fresh && (ret = hwe_keystore_txn_remove(t, "certs", attname))) {
			goto out;
		}
		/* what a later renew needs, in the same commit as the certificate */
		if (j->res->profile &&
		    ((ret = hwe_profile_text(j->res->profile, j->be->name, &proftext, &proflen)) ||
		     (ret = hwe_keystore_txn_put(t, "certs", profname, proftext, proflen, 0644))))
			goto out;
	}
	ret = hwe_keystore_txn_commit(t);
out:
	hwe_keystore_txn_free(t);
	sk_X509_free(one);
	free(csrpem);
	free(certpem);
	free(chainpem);
	free(csrname);
	free(keyname);
	free(pendext);
	free(pendname);
	free(certname);
	free(chainname);
	free(profname);
	free(attname);
	free(markname);
	free(newname);
	free(oldname);
	free(proftext);
	return ret;
}

static void print_result(struct job *j)
{
	char nb[32], na[32], subj[512];
	ASN1_INTEGER *sn = X509_get_serialNumber(j->issued);
	BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	X509_NAME_oneline(X509_get_subject_name(j->issued), subj, sizeof(subj));
	hwe_time_str(X509_get0_notBefore(j->issued), nb, sizeof(nb));
	hwe_time_str(X509_get0_notAfter(j->issued), na, sizeof(na));
	if (j->a->json) {
		printf("{\"alias\":");
		hwe_json_str(j->alias);
		printf(",\"operation\":\"%s\",\"backend\":", j->reenroll ? "simplereenroll" : "simpleenroll");
		hwe_json_str(j->be->name);
		printf(",\"rekeyed\":%s,\"attested\":%s,\"subject\":", j->reenroll && j->fresh ? "true" : "false",
		       j->arecord ? "true" : "false");
		hwe_json_str(subj);
		printf(",\"serial\":");
		hwe_json_str(hex ? hex : "");
		printf(",\"not_before\":\"%s\",\"not_after\":\"%s\",\"certificate\":", nb, na);
		{
			char *f = hwe_cmd_fname(j->alias, ".pem");
			char *p = f ? hwe_keystore_path(j->ks, "certs", f) : NULL;

			hwe_json_str(p ? p : "");
			printf("}\n");
			free(p);
			free(f);
		}
	} else {
		PEM_write_X509(stdout, j->issued);
	}
	hwe_info("alias '%s': certificate %s issued, serial %s, valid %s to %s", j->alias, subj,
		 hex ? hex : "?", nb, na);
	OPENSSL_free(hex);
	BN_free(bn);
	fflush(stdout);
}

static void job_clear(struct job *j)
{
	hwe_cmd_net_clear(&j->net);
	hwe_csrconf_free(j->conf);
	hwe_csrreq_clear(&j->attrs);
	hwe_csrreq_plan_clear(&j->plan);
	OPENSSL_cleanse(j->challenge, sizeof(j->challenge));
	X509_REQ_free(j->req);
	sk_X509_pop_free(j->resp, X509_free);
	X509_free(j->issued);
	sk_X509_pop_free(j->chain, X509_free);
	EVP_PKEY_free(j->cur);
	EVP_PKEY_free(j->fresh);
	OPENSSL_clear_free(j->fresh_blob, j->fresh_len);
	OPENSSL_free(j->aout.evidence);
	free(j->arecord);
	OPENSSL_clear_free(j->planned, j->planned_len);
	OPENSSL_clear_free(j->oldblob, j->oldlen);
	X509_free(j->cert);
	sk_X509_pop_free(j->cert_chain, X509_free);
	EVP_PKEY_free(j->auth_key);
	X509_free(j->auth_cert);
	sk_X509_pop_free(j->auth_chain, X509_free);
	hwe_secret_free(j->pin);
	hwe_keystore_unlock(j->lock);
	hwe_keystore_close(j->ks);
}

static long long asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (long long)timegm(&tm);
}

int hwe_enroll_sweep(struct hwe_keystore *ks, const struct hwe_dev_args *d, const char *alias)
{
	static const char *const kinds[] = { ".new", ".old" };
	struct job j = { 0 };
	const struct hwe_key_backend *be;
	char *name;
	int ret = HWE_OK, any = 0;
	size_t i;

	if (hwe_keystore_find_key(ks, alias, &be) != HWE_OK) {
		hwe_err_clear();
		return HWE_OK;
	}
	if (!be->destroy)
		return HWE_OK;
	j.be = be;
	j.alias = alias;
	j.ks = ks;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!(name = keyrec_name(&j, kinds[i])))
			return hwe_err_oom();
		any |= hwe_keystore_exists(ks, "req", name);
		free(name);
	}
	if (!any)
		return HWE_OK;
	if ((ret = hwe_keystore_lock(ks, alias, LOCK_WAIT_S, &j.lock)) ||
	    (ret = hwe_cmd_backend(d, ks, alias, &j.be, &j.ko, &j.pin, &j.existing)))
		goto out;
	sweep_keys(&j);
out:
	hwe_secret_free(j.pin);
	hwe_keystore_unlock(j.lock);
	return ret;
}

int hwe_enroll_run(struct hwe_ctx *ctx, const struct hwe_opts *o, int op)
{
	struct hwe_enroll_res res = { 0 };

	res.profile = op == HWE_EST_SIMPLEENROLL ? o : NULL;
	return hwe_enroll_job(ctx, &o->a, op, &res);
}

int hwe_enroll_job(struct hwe_ctx *ctx, const struct hwe_args *a, int op, struct hwe_enroll_res *res)
{
	struct job j = { 0 };
	struct hwe_est_enroll_opts eo = { 0 };
	struct hwe_certcheck cc = { 0 };
	char *cadir = NULL, *reqdir = NULL;
	int ret, committed = 0;

	j.ctx = ctx;
	j.a = a;
	j.res = res;
	res->committed = 0;
	res->hook_ret = HWE_OK;
	j.reenroll = op == HWE_EST_SIMPLEREENROLL;
	j.rekey = j.reenroll && a->enroll.rekey;
	j.alias = a->alias;
	if (!j.alias) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no --key-alias given");
		goto out;
	}
	if ((ret = hwe_keystore_alias_valid(j.alias)))
		goto out;
	if (!j.reenroll && !a->enroll.csr_conf) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE, "no --csr-conf given");
		hwe_err_hint("create a CSR configuration file in <keystore>/conf/ (see hwenroll-csr.conf(5)) and pass --csr-conf NAME");
		goto out;
	}
	/* everything from the command line is checked before anything is
	 * touched (the values, the key type and the policies by the parser) */
	if ((ret = hwe_cmd_net_prepare(&a->net, &j.net)))
		goto out;
	if ((ret = hwe_cmd_keystore(ctx, !j.reenroll, &j.ks)))
		goto out;
	if ((ret = hwe_keystore_lock(j.ks, j.alias, LOCK_WAIT_S, &j.lock)))
		goto out;
	if ((ret = hwe_cmd_net_trust(j.ks, &j.net)))
		goto out;
	j.attest = a->attest.on;
	if (j.attest && j.reenroll && !j.rekey) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			      "--attest certifies a new key: re-enroll with --rekey --attest");
		goto out;
	}
	/* enroll --attest: the tpm2 provider connects only after the evidence
	 * is made (attested_key); reenroll's TLS key needs it from the start */
	if ((ret = (j.attest && !j.reenroll ? hwe_cmd_backend_pick : hwe_cmd_backend)(&a->dev, j.ks, j.alias, &j.be,
											&j.ko, &j.pin, &j.existing)))
		goto out;
	if (j.attest && (ret = hwe_attest_plan(&a->attest, j.be, &j.ko, j.existing, j.rekey, &j.areq)))
		goto out;
	if (j.be->destroy)
		sweep_keys(&j);
	if (!j.reenroll && a->enroll.auth_alias && (ret = load_auth_alias(&j, a->enroll.auth_alias)))
		goto out;
	/* the CSR config is read before a key is made: a missing file costs nothing */
	if (a->enroll.csr_conf && (ret = hwe_cmd_csrconf_load(j.ks, a->enroll.csr_conf, &j.conf)))
		goto out;
	if ((ret = prepare_keys(&j)))
		goto out;
	if (j.attest && j.fresh_pending) {
		ret = hwe_err(HWE_EXIT_USAGE, HWE_ERR_USAGE,
			      "--attest: alias '%s' has a pending request, whose key cannot be attested for a new connection",
			      j.alias);
		hwe_err_hint("resume it without --attest, or remove %s/req/%s.csr and enroll again", hwe_keystore_dir(j.ks), j.alias);
		goto out;
	}

	/* connect (with the client certificate, if any), ask /csrattrs, then
	 * make the key and sign the CSR for this connection, and POST it on
	 * the same connection: one handshake */
	if (j.reenroll) {
		j.net.cfg.client_key = j.cur;
		j.net.cfg.client_cert = j.cert;
		j.net.cfg.client_chain = j.cert_chain;
	} else if (j.auth_key) {
		j.net.cfg.client_key = j.auth_key;
		j.net.cfg.client_cert = j.auth_cert;
		j.net.cfg.client_chain = j.auth_chain;
	}
	if ((ret = hwe_http_new(&j.net.cfg, &j.net.http)))
		goto out;
	if ((ret = server_asks(&j)))
		goto out;
	if ((ret = generate_key(&j)))
		goto out;
	if ((ret = build_request(&j)))
		goto out;
	eo.max_wait_s = j.net.max_wait_s;
	eo.pending = &res->pending;
	res->answer.status = 0;
	res->answer.retry_after = -1;
	eo.answer = &res->answer;
	reqdir = hwe_keystore_path(j.ks, "req", "");
	eo.req_dir = reqdir;
	if (j.pop) {
		eo.bind = bind_cb;
		eo.bind_arg = &j;
		eo.bound = j.fresh_pending || j.same_pending ? NULL : &j.bound;
	}
	ret = hwe_est_enroll(j.net.http, &j.net.url, (enum hwe_est_op)op, j.req, &eo, &j.resp);
	if (ret == HWE_EXIT_REFUSED && refused_for_pop(hwe_err_message()))
		hwe_err_hint(j.pop ? "the server checked the proof-of-possession and rejected it: a TLS-terminating proxy or load balancer in between changes the channel binding; connect to the EST server itself" :
			     "the server requires proof-of-possession: leave out --no-pop (or pop-policy=never), or pass --pop");
	if (ret == HWE_EXIT_PENDING) {
		/* keep the request (and a new key) so the next run resumes it;
		 * a failing commit's error goes on top of the pending answer */
		int r2 = commit(&j, 1);

		if (r2 == HWE_OK) {
			j.fresh_generated = 0;
			j.planned_recorded = 0;
			if (!res->quiet)
				hwe_est_pending_print(&res->pending);
		} else {
			ret = r2; /* the commit's error; the request is not kept */
		}
		goto out;
	}
	if (ret)
		goto out;
	cc.key = j.fresh ? j.fresh : j.cur;
	cc.anchors = j.net.anchors;
	cc.previous = j.reenroll ? j.cert : NULL;
	cadir = hwe_keystore_path(j.ks, "ca", "");
	cc.ca_dir = cadir;
	if ((ret = hwe_certcheck_issued(&cc, j.resp, &j.issued, &j.chain)))
		goto out;
	if (j.fresh && j.existing && j.be->destroy) {
		/* a new key replaces the alias's device key (--rekey, or a
		 * resumed rekey): read the old key file now, the commit records
		 * it in req/<alias>.old<ext> until it is destroyed below */
		char *kn = hwe_cmd_fname(j.alias, j.be->ext);

		ret = kn ? hwe_keystore_read(j.ks, "keys", kn, &j.oldblob, &j.oldlen) :
			   hwe_err_oom();
		free(kn);
		if (ret) /* the key to replace must be readable to be removed */
			goto out;
	}
	if ((ret = commit(&j, 0)))
		goto out;
	committed = 1;
	j.fresh_generated = 0;
	j.planned_recorded = 0;
	if (j.oldblob) {
		if (j.be->destroy(&j.ko, j.oldblob, j.oldlen) != HWE_OK) {
			hwe_warn("alias '%s' renewed, but the old key could not be removed from the device: %s; req/%s%s%s keeps it: the next run tries again",
				 j.alias, hwe_err_message(), j.alias, ".old", j.be->ext);
			hwe_err_clear();
		} else if (keyrec_set(&j, ".old", NULL, 0) != HWE_OK) {
			hwe_warn("alias '%s': cannot remove req/%s.old%s: %s", j.alias, j.alias,
				 j.be->ext, hwe_err_message());
			hwe_err_clear();
		}
	}
	res->committed = 1;
	res->rekeyed = j.reenroll && j.fresh;
	res->not_after = asn1_unix(X509_get0_notAfter(j.issued));
	if (!res->quiet)
		print_result(&j);
	else
		hwe_info("alias '%s': new certificate committed", j.alias);
	ret = HWE_OK;
	if (a->enroll.deploy_hook) {
		/* after the commit, outside the alias's lock (the hook may run
		 * hwenroll show): a failing hook keeps the new certificate */
		hwe_keystore_unlock(j.lock);
		j.lock = NULL;
		ret = res->hook_ret = hwe_deploy_hook(j.ks, j.alias, a->enroll.deploy_hook,
						      a->enroll.hook_timeout_s);
	}
out:
	if (ret != HWE_OK && !committed && (j.fresh_generated || j.planned_recorded) && j.be &&
	    j.be->destroy) {
		/* the device object made for this run must not outlive it; the
		 * run's own error stays the one reported (the first recorded) */
		if (j.be->destroy(&j.ko, j.fresh_generated ? j.fresh_blob : j.planned,
				  j.fresh_generated ? j.fresh_len : j.planned_len) != HWE_OK)
			hwe_warn("could not remove the key created for this failed run of alias '%s'%s",
				 j.alias, j.planned_recorded ? ": the next run tries again" : "");
		else if (j.planned_recorded && keyrec_set(&j, ".new", NULL, 0) != HWE_OK)
			hwe_warn("alias '%s': cannot remove req/%s.new%s", j.alias, j.alias, j.be->ext);
	}
	free(cadir);
	free(reqdir);
	job_clear(&j);
	return ret;
}
