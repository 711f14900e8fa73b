/* SPDX-License-Identifier: BSD-3-Clause */
/* rcwatch.h - what the pass-through TCTI module (tcti/rcwatch.c, installed
 * as $(pkglibdir)/tcti-rcwatch.so) exports to hwenroll besides the TCTI
 * entry point.  hwenroll dlopen()s the module and looks hwe_rcwatch_last up
 * by name; the record's layout is this header's, versioned by its name. */
#ifndef HWE_RCWATCH_H
#define HWE_RCWATCH_H

#include <stdint.h>

#define HWE_RCWATCH_LAST_SYMBOL "hwe_rcwatch_last"

struct hwe_rcwatch_record {
	uint32_t seq; /* failures seen so far: a change means a new failure */
	uint32_t rc;  /* the last failure's response code (TPM or TCTI layer) */
	uint32_t cc;  /* the command it answered (TPM2_CC_*), 0 if none was sent */
};

void hwe_rcwatch_last(struct hwe_rcwatch_record *out);

#endif
