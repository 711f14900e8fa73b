# test/unit/: cmocka tests of the pure parts (one program per module).
if HAVE_CMOCKA
UNIT_TESTS = \
	test/unit/test-log test/unit/test-key test/unit/test-csrconf test/unit/test-csr \
	test/unit/test-pkcs7 test/unit/test-csrreq test/unit/test-certcheck \
	test/unit/test-http-parse test/unit/test-est-url test/unit/test-keystore test/unit/test-opts
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS)
# the builders every test shares (keys, certificates, CSR configs, error checks)
check_LTLIBRARIES += test/unit/libfixture.la
test_unit_libfixture_la_SOURCES = test/unit/fixture.h test/unit/fixture.c
test_unit_libfixture_la_CFLAGS = $(UNIT_CFLAGS)
UNIT_LDADD = test/unit/libfixture.la lib/libhwe.la $(CMOCKA_LIBS)
test_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_log_LDADD = $(UNIT_LDADD)
test_unit_test_key_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_key_LDADD = $(UNIT_LDADD)
test_unit_test_csrconf_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_csrconf_LDADD = $(UNIT_LDADD)
test_unit_test_csr_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_csr_LDADD = $(UNIT_LDADD)
test_unit_test_pkcs7_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_pkcs7_LDADD = $(UNIT_LDADD)
test_unit_test_csrreq_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_csrreq_LDADD = $(UNIT_LDADD)
test_unit_test_certcheck_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_certcheck_LDADD = $(UNIT_LDADD)
test_unit_test_http_parse_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_http_parse_LDADD = $(UNIT_LDADD)
test_unit_test_est_url_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_est_url_LDADD = $(UNIT_LDADD)
test_unit_test_opts_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_opts_LDADD = $(UNIT_LDADD)
# its own copy of keystore-txn.c with the crash hook (the program has none);
# the linker then takes no keystore-txn object from libhwe's archive
test_unit_test_keystore_SOURCES = test/unit/test-keystore.c lib/keystore-txn.c
test_unit_test_keystore_CPPFLAGS = $(AM_CPPFLAGS) -DHWE_TEST_HOOKS
test_unit_test_keystore_CFLAGS = $(UNIT_CFLAGS)
test_unit_test_keystore_LDADD = $(UNIT_LDADD)
endif
