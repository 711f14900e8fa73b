/* SPDX-License-Identifier: BSD-3-Clause */
/* rcwatch.c - a pass-through TCTI that remembers the TPM's answers.
 *
 * hwenroll reaches TPM keys through tpm2-openssl, which reports a failed TPM
 * command only as error-queue text ("<rc> <decoded text>" when it was built
 * WITH_TSS2_RC, the bare number otherwise).  To give each failure its own
 * message (lockout, object memory, missing parent, a key from another TPM)
 * hwenroll needs the response code itself, so it hands tpm2-openssl the TCTI
 * "<this module>:<the real TCTI>": every command goes through unchanged,
 * and the response header (TPM 2.0 Part 1, 18.4: tag, size, responseCode,
 * big-endian) and any TCTI-layer error are recorded here.  hwenroll has
 * dlopen()ed this same file first and reads the record through
 * hwe_rcwatch_last().  A watcher, not a filter: nothing is changed, delayed
 * or retried.
 *
 * The record is per process (one TPM connection per hwenroll run); the
 * module is not meant for multi-threaded users.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_tcti.h>
#include <tss2/tss2_tctildr.h>

#include "rcwatch.h"

#define RCWATCH_MAGIC 0x6877657263776174ull /* "hwercwat" */

struct rcwatch {
	TSS2_TCTI_CONTEXT_COMMON_V2 common;
	TSS2_TCTI_CONTEXT *inner;
	uint32_t cc; /* command code of the command in flight */
};

/* the last failure seen: response code (TPM or TCTI layer) and its command */
static struct hwe_rcwatch_record last;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct rcwatch *self(TSS2_TCTI_CONTEXT *ctx)
{
	struct rcwatch *w = (struct rcwatch *)ctx;

	return w && w->common.v1.magic == RCWATCH_MAGIC ? w : NULL;
}

static void note(uint32_t rc, uint32_t cc)
{
	last.rc = rc;
	last.cc = cc;
	last.seq++;
}

static TSS2_RC w_transmit(TSS2_TCTI_CONTEXT *ctx, size_t size, const uint8_t *cmd)
{
	struct rcwatch *w = self(ctx);
	TSS2_RC rc;

	if (!w)
		return TSS2_TCTI_RC_BAD_CONTEXT;
	/* command header: tag (2), commandSize (4), commandCode (4) */
	w->cc = cmd && size >= 10 ? be32(cmd + 6) : 0;
	rc = Tss2_Tcti_Transmit(w->inner, size, cmd);
	if (rc != TSS2_RC_SUCCESS)
		note(rc, w->cc);
	return rc;
}

static TSS2_RC w_receive(TSS2_TCTI_CONTEXT *ctx, size_t *size, uint8_t *resp, int32_t timeout)
{
	struct rcwatch *w = self(ctx);
	TSS2_RC rc;

	if (!w)
		return TSS2_TCTI_RC_BAD_CONTEXT;
	rc = Tss2_Tcti_Receive(w->inner, size, resp, timeout);
	if (rc == TSS2_TCTI_RC_TRY_AGAIN)
		return rc; /* not an answer yet */
	if (rc != TSS2_RC_SUCCESS)
		note(rc, w->cc);
	else if (resp && size && *size >= 10 && be32(resp + 6) != TPM2_RC_SUCCESS)
		note(be32(resp + 6), w->cc); /* response: tag, responseSize, responseCode */
	return rc;
}

static void w_finalize(TSS2_TCTI_CONTEXT *ctx)
{
	struct rcwatch *w = self(ctx);

	if (!w)
		return;
	Tss2_TctiLdr_Finalize(&w->inner);
	w->common.v1.magic = 0;
}

static TSS2_RC w_cancel(TSS2_TCTI_CONTEXT *ctx)
{
	struct rcwatch *w = self(ctx);

	return w ? Tss2_Tcti_Cancel(w->inner) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC w_poll(TSS2_TCTI_CONTEXT *ctx, TSS2_TCTI_POLL_HANDLE *h, size_t *n)
{
	struct rcwatch *w = self(ctx);

	return w ? Tss2_Tcti_GetPollHandles(w->inner, h, n) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC w_locality(TSS2_TCTI_CONTEXT *ctx, uint8_t locality)
{
	struct rcwatch *w = self(ctx);

	return w ? Tss2_Tcti_SetLocality(w->inner, locality) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC w_sticky(TSS2_TCTI_CONTEXT *ctx, TPM2_HANDLE *handle, uint8_t sticky)
{
	struct rcwatch *w = self(ctx);

	return w ? Tss2_Tcti_MakeSticky(w->inner, handle, sticky) : TSS2_TCTI_RC_BAD_CONTEXT;
}

/* conf is the real TCTI's "name:conf" (NULL or "" = tctildr's default) */
static TSS2_RC w_init(TSS2_TCTI_CONTEXT *ctx, size_t *size, const char *conf)
{
	struct rcwatch *w = (struct rcwatch *)ctx;
	TSS2_RC rc;

	if (!size)
		return TSS2_TCTI_RC_BAD_VALUE;
	if (!ctx) {
		*size = sizeof(*w);
		return TSS2_RC_SUCCESS;
	}
	if (*size < sizeof(*w))
		return TSS2_TCTI_RC_INSUFFICIENT_BUFFER;
	memset(w, 0, sizeof(*w));
	rc = Tss2_TctiLdr_Initialize(conf && *conf ? conf : NULL, &w->inner);
	if (rc != TSS2_RC_SUCCESS) {
		note(rc, 0);
		return rc;
	}
	w->common.v1.magic = RCWATCH_MAGIC;
	w->common.v1.version = 2;
	w->common.v1.transmit = w_transmit;
	w->common.v1.receive = w_receive;
	w->common.v1.finalize = w_finalize;
	w->common.v1.cancel = w_cancel;
	w->common.v1.getPollHandles = w_poll;
	w->common.v1.setLocality = w_locality;
	w->common.makeSticky = w_sticky;
	return TSS2_RC_SUCCESS;
}

static const TSS2_TCTI_INFO info = {
	.version = 2,
	.name = "hwenroll-rcwatch",
	.description = "pass-through TCTI recording TPM response codes for hwenroll",
	.config_help = "the real TCTI as name:conf, e.g. swtpm:host=127.0.0.1,port=2321",
	.init = w_init,
};

/* the entry point tctildr looks up (TSS2_TCTI_INFO_SYMBOL); tss2_tcti.h
 * declares no prototype for it */
const TSS2_TCTI_INFO *Tss2_Tcti_Info(void);
const TSS2_TCTI_INFO *Tss2_Tcti_Info(void)
{
	return &info;
}

void hwe_rcwatch_last(struct hwe_rcwatch_record *out)
{
	*out = last;
}
