# tcti/: the pass-through TCTI module hwenroll puts between tpm2-openssl and
# the real TCTI to learn the TPM's response codes (rcwatch.c tells why).  A
# dlopen()ed module, installed next to nothing else hwenroll owns.
pkglib_LTLIBRARIES = tcti/tcti-rcwatch.la
tcti_tcti_rcwatch_la_SOURCES = tcti/rcwatch.h tcti/rcwatch.c
tcti_tcti_rcwatch_la_CFLAGS = $(AM_CFLAGS) $(TSS2_CFLAGS) $(TCTILDR_CFLAGS)
tcti_tcti_rcwatch_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined \
	-export-symbols-regex '^(Tss2_Tcti_Info|hwe_rcwatch_last)$$'
tcti_tcti_rcwatch_la_LIBADD = $(TCTILDR_LIBS)

# libtool's .la is of no use to anyone for a dlopen()ed module
install-exec-hook: tcti-rcwatch-drop-la
tcti-rcwatch-drop-la:
	rm -f '$(DESTDIR)$(pkglibdir)/tcti-rcwatch.la'
uninstall-local: tcti-rcwatch-uninstall
tcti-rcwatch-uninstall:
	rm -f '$(DESTDIR)$(pkglibdir)/tcti-rcwatch.so'
.PHONY: tcti-rcwatch-drop-la tcti-rcwatch-uninstall
