/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd-tpm.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_cmd_tpm_placeholder;
