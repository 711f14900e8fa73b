# src/: the hwenroll program.  Everything but main() and the commands lives in
# libhwe.la so unit tests and fuzz harnesses link the same code.
noinst_LTLIBRARIES += src/libhwe.la
src_libhwe_la_SOURCES = \
	src/rc.h src/log.h src/log.c src/filecheck.h src/filecheck.c \
	src/key.h src/key.c src/key-soft.c src/key-tpm2.c src/key-pkcs11.c \
	providers/tpm2-wrap/tpm2-wrap.h providers/tpm2-wrap/wrap.c tcti/rcwatch.h \
	src/tss2-dl.h src/tss2-dl.c \
	src/keystore.h src/keystore-int.h src/keystore.c src/keystore-txn.c \
	src/csrconf.h src/csrconf.c src/csrconf-check.h src/csrconf-check.c src/csr.h src/csr.c src/csrreq.h src/csrreq-int.h src/csrreq.c src/csrreq-tmpl.c \
	src/pkcs7.h src/pkcs7.c src/csrattrs.h src/csrattrs.c \
	src/ossl-fetch.h src/ossl-fetch.c src/http.h src/http.c src/http-parse.c src/http-proxy.c src/est.h src/est.c \
	src/certcheck.h src/certcheck.c src/secmem.h src/secmem.c \
	providers/common/redact.h providers/common/redact.c \
	providers/common/keyparams.h providers/common/keyparams.c \
	providers/common/digestsign.h providers/common/digestsign.c
src_libhwe_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/providers/tpm2-wrap -I$(top_srcdir)/tcti -DHWE_PKGLIBDIR='"$(pkglibdir)"'
src_libhwe_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(TSS2_CFLAGS) $(TCTILDR_CFLAGS) $(P11KIT_CFLAGS)
# tss2: headers only; tss2-dl.c dlopens libtss2-* when the TPM is used
src_libhwe_la_LIBADD = $(CRYPTO_LIBS) $(CURL_LIBS) $(P11KIT_LIBS)

bin_PROGRAMS += src/hwenroll
src_hwenroll_SOURCES = \
	src/hwenroll.h src/hwenroll.c src/opts.c src/cmdutil.c src/enroll.c \
	src/profile.h src/profile.c src/hook.c src/cmd-renew.c \
	src/cmd-cacerts.c src/cmd-csrattrs.c src/cmd-keygen.c src/cmd-enroll.c \
	src/cmd-reenroll.c src/cmd-show.c src/cmd-certificate.c src/cmd-tpm.c
src_hwenroll_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(TSS2_CFLAGS) $(TCTILDR_CFLAGS)
src_hwenroll_LDADD = src/libhwe.la
