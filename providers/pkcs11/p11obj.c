/* SPDX-License-Identifier: BSD-3-Clause */
/* p11obj.c - token objects: searches, attributes (several in one call),
 * and the per-token cache of mechanism information */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "p11.h"

int p11_find_objects(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *tmpl,
		     CK_ULONG n, size_t max, CK_OBJECT_HANDLE **out, size_t *count)
{
	CK_RV rv;

	if (p11_find_objects_rv(ctx, sess, tmpl, n, max, out, count, &rv))
		return 1;
	if (rv == CKR_HOST_MEMORY)
		P11_ERR(ctx, P11_R_MEMORY, "out of memory");
	else
		P11_ERR_RV(ctx, P11_R_TOKEN_CALL, rv, "cannot search the token");
	return 0;
}

int p11_find_objects_rv(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *tmpl,
			CK_ULONG n, size_t max, CK_OBJECT_HANDLE **out, size_t *count, CK_RV *rvp)
{
	CK_OBJECT_HANDLE batch[32], *all = NULL, *tmp;
	CK_ULONG got, want;
	size_t total = 0;
	CK_RV rv;
	int ok = 0;

	*out = NULL;
	*count = 0;
	rv = P11_CALL(ctx, C_FindObjectsInit, sess, tmpl, n);
	*rvp = rv;
	if (rv != CKR_OK)
		return 0;
	while (max == 0 || total < max) {
		want = max && max - total < 32 ? (CK_ULONG)(max - total) : 32;
		rv = P11_CALL(ctx, C_FindObjects, sess, batch, want, &got);
		if (rv != CKR_OK) {
			*rvp = rv;
			goto out;
		}
		if (got == 0)
			break;
		tmp = realloc(all, (total + got) * sizeof(*all));
		if (!tmp) {
			*rvp = CKR_HOST_MEMORY;
			goto out;
		}
		all = tmp;
		memcpy(all + total, batch, got * sizeof(*all));
		total += got;
	}
	*out = all;
	*count = total;
	all = NULL;
	ok = 1;
out:
	P11_CALL(ctx, C_FindObjectsFinal, sess);
	free(all);
	return ok;
}

/* size query, then the value */
static int get_attr_sized(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
			  CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };

	if (P11_CALL(ctx, C_GetAttributeValue, sess, obj, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return 0;
	a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1);
	if (!a.pValue)
		return 0;
	if (P11_CALL(ctx, C_GetAttributeValue, sess, obj, &a, 1) != CKR_OK) {
		free(a.pValue);
		return 0;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 1;
}

#define ATTR_GUESS 4096

int p11_get_attr(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
		 CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, ATTR_GUESS };
	unsigned char *tmp;
	CK_RV rv;

	*val = NULL;
	*len = 0;
	a.pValue = malloc(ATTR_GUESS);
	if (!a.pValue)
		return 0;
	rv = P11_CALL(ctx, C_GetAttributeValue, sess, obj, &a, 1);
	if (rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	    a.ulValueLen <= ATTR_GUESS) {
		*len = a.ulValueLen;
		tmp = realloc(a.pValue, a.ulValueLen ? a.ulValueLen : 1);
		*val = tmp ? tmp : a.pValue;
		return 1;
	}
	free(a.pValue);
	if (rv != CKR_BUFFER_TOO_SMALL)
		return 0;  /* absent, sensitive, or the object is gone */
	return get_attr_sized(ctx, sess, obj, type, val, len);
}

int p11_get_attrs(struct p11_ctx *ctx, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE obj,
		  CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_ULONG i, room[16];
	CK_RV rv;
	int ret;

	if (n > 16)
		return 0;
	for (i = 0; i < n; i++)
		room[i] = t[i].ulValueLen;
	rv = P11_CALL(ctx, C_GetAttributeValue, sess, obj, t, n);
	if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	    rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED ||
	    rv == CKR_TOKEN_NOT_PRESENT)
		return 0;
	ret = rv == CKR_BUFFER_TOO_SMALL ? 2 : 1;
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE &&
	    rv != CKR_BUFFER_TOO_SMALL) {
		/* a module that stops at the first bad attribute: one at a time */
		for (i = 0; i < n; i++) {
			t[i].ulValueLen = room[i];
			rv = P11_CALL(ctx, C_GetAttributeValue, sess, obj, &t[i], 1);
			if (rv != CKR_OK)
				t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == CKR_BUFFER_TOO_SMALL)
				ret = 2;
		}
	}
	/* PKCS#11 2.20+ marks absent, sensitive and too long values
	 * unavailable; a module that gives the length needed instead must not
	 * make the caller read past its buffer */
	for (i = 0; i < n; i++) {
		if (t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION && t[i].ulValueLen > room[i]) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			ret = 2;
		}
	}
	return ret;
}

int p11_check_mech(struct p11_ctx *ctx, struct p11_slot *s, CK_MECHANISM_TYPE m, CK_FLAGS flag)
{
	CK_MECHANISM_INFO mi;
	struct p11_mech *c;
	char lbl[33];
	size_t i;
	CK_RV rv;

	for (i = 0; i < s->nmechs && s->mechs[i].m != m; i++)
		;
	if (i < s->nmechs) {
		rv = s->mechs[i].rv;
		mi.flags = s->mechs[i].flags;
		p11_note("C_GetMechanismInfo", rv);
	} else {
		rv = P11_CALL(ctx, C_GetMechanismInfo, s->id, m, &mi);
		if (rv == CKR_OK || rv == CKR_MECHANISM_INVALID) {
			/* a full cache starts over: a handful of mechanisms are used */
			if (s->nmechs == P11_MECH_CACHE)
				s->nmechs = 0;
			c = &s->mechs[s->nmechs++];
			c->m = m;
			c->rv = rv;
			c->flags = rv == CKR_OK ? mi.flags : 0;
		}
	}
	if (rv == CKR_OK && (mi.flags & flag))
		return 1;
	if (rv == CKR_OK || rv == CKR_MECHANISM_INVALID)
		P11_ERR(ctx, P11_R_MECHANISM, "token '%s' does not support %s%s",
			p11_token_label(&s->ti, lbl), p11_mech_name(m),
			flag == CKF_SIGN ? " for signing" :
			flag == CKF_GENERATE_KEY_PAIR ? " for key generation" : "");
	else
		P11_ERR_RV(ctx, P11_R_MECHANISM, rv, "cannot query %s on token '%s'",
			   p11_mech_name(m), p11_token_label(&s->ti, lbl));
	return 0;
}
