# providers/pkcs11: hwenroll-pkcs11.so, an OpenSSL 3 provider for PKCS#11
# tokens through p11-kit (usable without hwenroll: openssl -provider
# hwenroll-pkcs11).  Only OSSL_provider_init is exported.
modules_LTLIBRARIES = providers/pkcs11/hwenroll-pkcs11.la
providers_pkcs11_hwenroll_pkcs11_la_SOURCES = \
	providers/pkcs11/p11.h providers/pkcs11/p11.c providers/pkcs11/p11obj.c \
	providers/pkcs11/provider.c providers/pkcs11/store.c \
	providers/pkcs11/keymgmt.c providers/pkcs11/keygen.c \
	providers/pkcs11/signature.c \
	providers/common/redact.h providers/common/redact.c \
	providers/common/keyparams.h providers/common/keyparams.c \
	providers/common/digestsign.h providers/common/digestsign.c
providers_pkcs11_hwenroll_pkcs11_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(P11KIT_CFLAGS)
providers_pkcs11_hwenroll_pkcs11_la_LIBADD = $(CRYPTO_LIBS) $(P11KIT_LIBS) $(PTHREAD_LIBS)
providers_pkcs11_hwenroll_pkcs11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-no-undefined -export-symbols-regex '^OSSL_provider_init$$'

# tests: SoftHSM tokens in temporary directories (test/pkcs11/lib.sh)
check_PROGRAMS += test/pkcs11/p11-test
test_pkcs11_p11_test_SOURCES = test/pkcs11/p11-test.c
test_pkcs11_p11_test_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(P11KIT_CFLAGS)
test_pkcs11_p11_test_LDADD = $(CRYPTO_LIBS) $(P11KIT_LIBS)
# a PKCS#11 module that wraps SoftHSM and injects failures (tests only)
check_LTLIBRARIES += test/pkcs11/p11-filter.la
test_pkcs11_p11_filter_la_SOURCES = test/pkcs11/p11-filter.c
test_pkcs11_p11_filter_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
test_pkcs11_p11_filter_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
test_pkcs11_p11_filter_la_LIBADD = -ldl
P11_TESTS = \
	test/pkcs11/provider-c.sh test/pkcs11/provider-cli.sh \
	test/pkcs11/provider-tls.sh test/pkcs11/provider-errors.sh \
	test/pkcs11/provider-tpm.sh \
	test/integration/pkcs11_enroll_reenroll.sh \
	test/integration/pkcs11_key_errors.sh \
	test/integration/pkcs11_tls_interop.sh \
	test/integration/pkcs11_est_strict.sh \
	test/integration/pkcs11_many_tokens.sh \
	test/integration/pkcs11_pin_redaction.sh \
	test/integration/pkcs11_renew.sh \
	test/integration/pkcs11_renew_kill9.sh
TESTS += $(P11_TESTS)
dist_noinst_SCRIPTS += $(P11_TESTS) test/pkcs11/lib.sh

# An OpenSSL module is dlopen()ed by its file name; nothing links against it,
# so its libtool archive is not installed (automake installs modules_ into
# install-data).  Without the .la, libtool's uninstall would not know the .so.
install-data-hook: install-data-hook-pkcs11-provider
install-data-hook-pkcs11-provider:
	rm -f '$(DESTDIR)$(modulesdir)/hwenroll-pkcs11.la'
uninstall-local: uninstall-local-pkcs11-provider
uninstall-local-pkcs11-provider:
	rm -f '$(DESTDIR)$(modulesdir)/hwenroll-pkcs11.so'
.PHONY: install-data-hook-pkcs11-provider uninstall-local-pkcs11-provider
