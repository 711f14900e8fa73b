/* SPDX-License-Identifier: BSD-3-Clause */
/* secmem.c - secure heap, core dump / ptrace hardening, libcurl memory
 * callbacks (see secmem.h). */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "log.h"
#include "rc.h"
#include "secmem.h"

#define MAX_SECRETS 8

static int heap_state = -1;        /* hwe_secmem_init's result, -1 not called */
static int hardened;               /* hwe_secmem_harden succeeded */
static const char *secrets[MAX_SECRETS];

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* LeakSanitizer does not look into the secure heap (an mmap'd arena), so
 * what only the secure heap points to (OpenSSL's DRBG keeps its cipher
 * contexts so) would be reported as leaked: make the arena a root region. */
static void lsan_scan_secure_heap(void)
{
	char line[256];
	unsigned long lo, hi;
	uintptr_t at;
	void *p = OPENSSL_secure_malloc(16);
	FILE *f = fopen("/proc/self/maps", "re");

	at = (uintptr_t)p;
	while (p && f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && at >= lo && at < hi) {
			__lsan_register_root_region((void *)lo, hi - lo);
			break;
		}
	}
	if (f)
		fclose(f);
	OPENSSL_secure_free(p);
}
#endif

int hwe_secmem_init(void)
{
	if (heap_state < 0) {
		heap_state = CRYPTO_secure_malloc_init(HWE_SECURE_HEAP_SIZE, HWE_SECURE_HEAP_MINSIZE);
#if defined(__SANITIZE_ADDRESS__)
		if (heap_state)
			lsan_scan_secure_heap();
#endif
	}
	return heap_state;
}

int hwe_secmem_harden(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "cannot turn off core dumps and ptrace (prctl PR_SET_DUMPABLE): %s",
			       strerror(errno));
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return hwe_err(HWE_EXIT_INTERNAL, HWE_ERR_GENERAL,
			       "cannot turn off core dumps (setrlimit RLIMIT_CORE): %s",
			       strerror(errno));
	hardened = 1;
	return HWE_OK;
}

void hwe_secmem_report(void)
{
	static int done;

	if (done || !hwe_log_enabled(HWE_LOG_DEBUG))
		return;
	done = 1;
	if (heap_state == 1)
		hwe_debug("secure heap: %d KiB, locked in memory", HWE_SECURE_HEAP_SIZE / 1024);
	else if (heap_state == 2)
		hwe_debug("secure heap: %d KiB, not locked in memory (mlock failed: RLIMIT_MEMLOCK?)",
			  HWE_SECURE_HEAP_SIZE / 1024);
	else
		hwe_debug("secure heap not available: secrets are kept in the plain heap "
			  "(still wiped after use)");
	hwe_debug(hardened ? "core dumps and ptrace by other processes are off" :
		  "core dumps and ptrace are left on (--allow-core-dumps)");
}

void hwe_secret_register(const char *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < MAX_SECRETS; i++) {
		if (!secrets[i]) {
			secrets[i] = s;
			return;
		}
	}
}

void hwe_secret_unregister(const char *s)
{
	size_t i;

	for (i = 0; s && i < MAX_SECRETS; i++)
		if (secrets[i] == s)
			secrets[i] = NULL;
}

static int is_secret(const char *s)
{
	size_t i;

	for (i = 0; i < MAX_SECRETS; i++)
		if (secrets[i] && *secrets[i] && strcmp(secrets[i], s) == 0)
			return 1;
	return 0;
}

/* ---- libcurl's allocator ---------------------------------------------------
 * Plain blocks are wiped with their usable size before free(); blocks in the
 * secure heap (copies of a secret) go back with OPENSSL_secure_clear_free.
 * realloc always moves, so the old block can be wiped. */

static void cfree(void *p)
{
	if (!p)
		return;
	if (CRYPTO_secure_allocated(p)) {
		OPENSSL_secure_clear_free(p, CRYPTO_secure_actual_size(p));
		return;
	}
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

static void *cmalloc(size_t n)
{
	return malloc(n);
}

static void *ccalloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static void *crealloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0)
		n = 1;
	if (CRYPTO_secure_allocated(p)) {
		old = CRYPTO_secure_actual_size(p);
		if (!(q = OPENSSL_secure_malloc(n)))
			q = malloc(n);
	} else {
		old = malloc_usable_size(p);
		q = malloc(n);
	}
	if (!q)
		return NULL;   /* p stays valid, as with realloc */
	memcpy(q, p, old < n ? old : n);
	cfree(p);
	return q;
}

static char *cstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = NULL;

	if (is_secret(s))
		d = OPENSSL_secure_malloc(n);
	if (!d)
		d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int hwe_secmem_curl_init(long flags)
{
	return (int)curl_global_init_mem(flags, cmalloc, cfree, crealloc, cstrdup, ccalloc);
}
