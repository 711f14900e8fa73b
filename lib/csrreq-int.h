/* SPDX-License-Identifier: BSD-3-Clause */
/* csrreq-int.h - what csrreq.c (the /csrattrs items and plan) and
 * csrreq-tmpl.c (RFC 9908's CSR template) share; not for other files. */
#ifndef HWE_CSRREQ_INT_H
#define HWE_CSRREQ_INT_H

#include <openssl/asn1t.h>

#include "csrreq.h"

/* TYPE, a STACK_OF(ELEM), and its ASN.1 item: SEQUENCE OF ELEM (flag
 * ASN1_TFLG_SEQUENCE_OF) or SET OF ELEM (ASN1_TFLG_SET_OF); name is the
 * field OpenSSL's decoding errors name.  Static: for the file that uses it. */
#define HWE_ASN1_STACK_ITEM(TYPE, ELEM, flag, name)			\
	DEFINE_STACK_OF(ELEM)						\
	typedef STACK_OF(ELEM) TYPE;					\
	ASN1_ITEM_TEMPLATE(TYPE) =					\
		ASN1_EX_TEMPLATE_TYPE(flag, 0, name, ELEM)		\
	static_ASN1_ITEM_TEMPLATE_END(TYPE)

/* NAME, a SEQUENCE of two fields: typedef struct { T1 *F1; T2 *F2; } NAME and
 * its static ASN.1 item; K1/K2 are ASN1_SIMPLE or ASN1_OPT (an OPTIONAL
 * field, NULL when absent), the second field's item is IT2 (the first's:
 * T1's own, X509_ALGOR, ASN1_OBJECT, ASN1_INTEGER ...). */
#define HWE_ASN1_SEQ2(NAME, T1, F1, K1, T2, F2, K2, IT2)		\
	typedef struct {						\
		T1 *F1;							\
		T2 *F2;							\
	} NAME;								\
	ASN1_SEQUENCE(NAME) = {						\
		K1(NAME, F1, T1),					\
		K2(NAME, F2, IT2),					\
	} static_ASN1_SEQUENCE_END(NAME)

/* csrreq.c */
/* HWE_EXIT_RESPONSE "csrattrs response: <what>" */
int hwe_csrreq_bad(const char *what);
/* a new item of kind for obj (its OID and name filled in) */
int hwe_csrreq_add_item(struct hwe_csrreq *r, enum hwe_csrreq_kind kind, const ASN1_OBJECT *obj,
			struct hwe_csrreq_item **out);
/* the items of an Attribute (key type, extensionRequest, challengePassword, ...) */
int hwe_csrreq_add_attr(struct hwe_csrreq *r, X509_ATTRIBUTE *a);
/* append "OID name: how" to plan->unmet */
int hwe_csrreq_unmet(struct hwe_csrreq_plan *p, const struct hwe_csrreq_item *it, const char *how);

/* csrreq-tmpl.c */
/* the items of an id-aa-certificationRequestInfoTemplate Attribute */
int hwe_csrreq_add_template(struct hwe_csrreq *r, X509_ATTRIBUTE *a);
/* the template's subject: built from fixed values and the config into
 * plan->subject, or (cur) checked against the current certificate */
int hwe_csrreq_plan_subject(const struct hwe_csrreq *r, const struct hwe_csrconf *conf, X509 *cur,
			    struct hwe_csrreq_plan *p);
/* a template extension with the server's value: into plan->exts (a
 * subjectAltName's placeholders filled from the config), or checked
 * against the current certificate (its subjectAltName) */
int hwe_csrreq_plan_fixed_ext(const struct hwe_csrreq_item *it, const struct hwe_csrconf *conf,
			      X509 *cur, struct hwe_csrreq_plan *p);
/* where the value of a template subject field or extension comes from */
void hwe_csrreq_describe_template(const struct hwe_csrreq_item *it, char *from, size_t len);

#endif
