/* SPDX-License-Identifier: BSD-3-Clause */
/* http.c - placeholder until its module lands (see Makefile.am) */
#include "config.h"
typedef int hwe_http_placeholder;
