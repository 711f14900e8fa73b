# lib/: everything of hwenroll but main() and the commands - the key
# backends, keystore, CSR, EST/HTTP, certificate checks, the option resolver
# and the enrollment job - as libhwe.la, so the unit tests, fuzz harnesses
# and test probes link exactly the code the program runs.
noinst_LTLIBRARIES += lib/libhwe.la
lib_libhwe_la_SOURCES = \
	lib/rc.h lib/log.h lib/log.c lib/filecheck.h lib/filecheck.c lib/secmem.h lib/secmem.c \
	lib/key.h lib/key.c lib/key-soft.c lib/key-tpm2.c lib/key-pkcs11.c lib/tss2-dl.h lib/tss2-dl.c \
	providers/tpm2-wrap/tpm2-wrap.h providers/tpm2-wrap/wrap.c tcti/rcwatch.h \
	providers/common/redact.h providers/common/redact.c \
	providers/common/keyparams.h providers/common/keyparams.c \
	providers/common/digestsign.h providers/common/digestsign.c \
	lib/keystore.h lib/keystore-int.h lib/keystore.c lib/keystore-txn.c \
	lib/csrconf.h lib/csrconf.c lib/csrconf-check.h lib/csrconf-check.c lib/csr.h lib/csr.c \
	lib/csrreq.h lib/csrreq-int.h lib/csrreq.c lib/csrreq-tmpl.c \
	lib/pkcs7.h lib/pkcs7.c \
	lib/ossl-fetch.h lib/ossl-fetch.c lib/http.h lib/http.c lib/http-parse.c lib/http-proxy.c \
	lib/est.h lib/est.c lib/certcheck.h lib/certcheck.c \
	lib/hwenroll.h lib/opts.c lib/cmdutil.c lib/enroll.c lib/profile.h lib/profile.c lib/hook.c \
	lib/attest.h lib/attest.c
lib_libhwe_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/providers/tpm2-wrap -I$(top_srcdir)/tcti -DHWE_PKGLIBDIR='"$(pkglibdir)"'
lib_libhwe_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(TSS2_CFLAGS) $(TCTILDR_CFLAGS) $(P11KIT_CFLAGS)
# tss2: headers only; tss2-dl.c dlopens libtss2-* when the TPM is used.
# libcrypto, libc, libssl, libcurl, p11-kit: the order ld.so searches them
# in (configure.ac says why libc is second)
lib_libhwe_la_LIBADD = $(LIBCRYPTO_LIBS) $(LIBC_EARLY) $(LIBSSL_LIBS) $(CURL_LIBS) $(P11KIT_LIBS)
