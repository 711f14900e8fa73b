# test/integration: shell tests <backend>_<command>_<variant>.sh against the
# test EST server (and swtpm / SoftHSM for the hardware backends).
INTEGRATION_TESTS = \
	test/integration/software_enroll_basic.sh \
	test/integration/software_enroll_errors.sh \
	test/integration/software_enroll_estca.sh \
	test/integration/software_enroll_pending.sh \
	test/integration/software_reenroll_mtls.sh \
	test/integration/software_renew.sh \
	test/integration/software_certificate_est.sh \
	test/integration/software_keygen_show.sh \
	test/integration/software_enroll_clientauth.sh \
	test/integration/software_faults_matrix.sh \
	test/integration/software_concurrency.sh \
	test/integration/software_bad_input.sh \
	test/integration/software_keystore_hostile.sh \
	test/integration/software_enroll_baduser.sh \
	test/integration/software_proxy_tinyproxy.sh \
	test/integration/software_proxy_https.sh \
	test/integration/software_bearer_token.sh \
	test/integration/software_enroll_bearer.sh \
	test/integration/tpm2_key_probe.sh \
	test/integration/tpm2_key_errors.sh \
	test/integration/tpm2_tpm_check.sh \
	test/integration/tpm2_attest_ak.sh \
	test/integration/tpm2_attest_enroll.sh \
	test/integration/tpm2_attest_refusals.sh \
	test/integration/tpm2_enroll_reenroll.sh \
	test/integration/tpm2_renew.sh \
	test/integration/tpm2_certificate_est.sh \
	test/integration/pkcs11_tpmtoken_enroll.sh \
	test/integration/valgrind_memcheck.sh \
	test/integration/software_est_strict.sh \
	test/integration/software_option_precedence.sh \
	test/integration/tpm2_est_strict.sh
# Run by `make check` only, not by the sanitizer pass (see Makefile.am).
# software_enroll_coredump: ASan turns core dumps off and catches SIGSEGV.
# The kill -9 matrices test the keystore's commit protocol (the processes
# are killed under strace: LeakSanitizer never runs there), the TLS interop
# matrices repeat the handshake code the strict-server tests run under the
# sanitizers for both TLS versions, and the rest test fixtures, process
# cleanup, systemd units and documentation, not hwenroll's memory: leaving
# them out keeps CI well under 30 minutes.
PLAIN_ONLY_TESTS = test/integration/tpm2_tls_clientauth.sh \
	test/integration/software_enroll_coredump.sh \
	test/integration/software_renew_kill9.sh test/integration/software_crash_kill9.sh \
	test/integration/keystore_crash_kill9.sh test/integration/tpm2_renew_kill9.sh \
	test/integration/software_tls_interop.sh test/integration/tpm2_tls_interop.sh \
	test/integration/demo_cleanup.sh test/integration/tpm2_fixtures_startstop.sh \
	test/integration/systemd_units.sh test/integration/docs_usage_manpage.sh
TESTS += $(INTEGRATION_TESTS) $(PLAIN_ONLY_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) $(PLAIN_ONLY_TESTS) test/integration/lib.sh test/integration/lib-interop.sh \
	test/integration/lib-kill9.sh test/integration/lib-renew.sh \
	test/integration/lib-renew-kill9.sh test/integration/lib-strict.sh test/integration/lib-proxy.sh \
	test/integration/lib-attest.sh test/integration/attest-evidence.py \
	test/integration/https-proxy.py test/valgrind.supp test/integration/cacerts-srv.py
