/* SPDX-License-Identifier: BSD-3-Clause */
/* secmem.h - where secrets live: OpenSSL's secure heap, no core dumps or
 * ptrace, and libcurl's copies of the EST password.
 *
 * main() calls hwe_secmem_init() first, then hwe_secmem_harden() unless
 * --allow-core-dumps / HWENROLL_ALLOW_CORE_DUMPS=1, then
 * hwe_secmem_curl_init() instead of curl_global_init(). */
#ifndef HWE_SECMEM_H
#define HWE_SECMEM_H

/* Size of the secure heap: the password, the PIN and the provider's copies
 * take well under 1 KiB (the secret-file read buffer 8 KiB, briefly); the
 * rest is for what OpenSSL itself puts there once the heap exists (private
 * key numbers of software keys, the PEM of a new software key, DRBG seeds).
 * Enrollment (RSA 4096 key generation included) works with 16 KiB, every
 * software and PKCS#11 test with 32 KiB; 64 KiB leaves room and still fits
 * the old 64 KiB default RLIMIT_MEMLOCK. */
#define HWE_SECURE_HEAP_SIZE (64 * 1024)
#define HWE_SECURE_HEAP_MINSIZE 16

/* CRYPTO_secure_malloc_init(): 1 the heap is up and locked in memory,
 * 2 up but not locked (mlock failed: RLIMIT_MEMLOCK), 0 not available
 * (OPENSSL_secure_* then fall back to the plain heap; secrets are still
 * wiped).  Call before anything allocates. */
int hwe_secmem_init(void);
/* PR_SET_DUMPABLE 0 (no core dump, other users' processes cannot ptrace
 * us or read /proc/PID/mem, environ, ...) and RLIMIT_CORE 0 (soft and
 * hard).  HWE_OK, or an internal error naming what failed. */
int hwe_secmem_harden(void);
/* curl_global_init() with memory callbacks: every block libcurl frees or
 * moves is wiped first, and libcurl's strdup() of a registered secret
 * (CURLOPT_PASSWORD and the copies curl makes of it) lands in the secure
 * heap.  Returns curl_global_init's CURLcode as int. */
int hwe_secmem_curl_init(long flags);
/* Log (DEBUG) what hwe_secmem_init / _harden did; once per process. */
void hwe_secmem_report(void);

/* The secrets of this run (pointers, no copies; at most a few): curl's
 * copies of them go to the secure heap. */
void hwe_secret_register(const char *s);
void hwe_secret_unregister(const char *s);

#endif
