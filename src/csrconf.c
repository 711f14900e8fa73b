/* SPDX-License-Identifier: BSD-3-Clause */
/* csrconf.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_csrconf_placeholder;
