# src/: the hwenroll program - main() and one file per command; everything
# else is lib/libhwe.la.
bin_PROGRAMS += src/hwenroll
src_hwenroll_SOURCES = \
	src/hwenroll.c src/cmd-cacerts.c src/cmd-csrattrs.c src/cmd-keygen.c src/cmd-enroll.c \
	src/cmd-reenroll.c src/cmd-renew.c src/cmd-show.c src/cmd-certificate.c src/cmd-tpm.c
src_hwenroll_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(TSS2_CFLAGS) $(TCTILDR_CFLAGS)
src_hwenroll_LDADD = lib/libhwe.la
