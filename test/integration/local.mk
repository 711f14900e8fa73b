# test/integration: shell tests <backend>_<command>_<variant>.sh against the
# test EST server (and swtpm / SoftHSM for the hardware backends).
INTEGRATION_TESTS = \
	test/integration/software_enroll_basic.sh \
	test/integration/software_enroll_errors.sh \
	test/integration/software_enroll_estca.sh \
	test/integration/software_enroll_pending.sh \
	test/integration/software_reenroll_mtls.sh \
	test/integration/software_certificate_est.sh \
	test/integration/software_keygen_show.sh \
	test/integration/docs_usage_manpage.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) test/integration/lib.sh
